//! Capture files in, frames out. Opens pcap (both byte orders, µs/ns, modified pcap) and pcapng
//! (every standard block), gzip- or zstd-compressed or not, from a path or standard input, and
//! recognises the format by its magic number. Knows nothing of protocols: it hands each frame,
//! with its link type and timestamp, to a sink, and says where (byte offset) a file went bad.

use std::path::PathBuf;

/// Where a capture comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => write!(f, "{}", p.display()),
            Input::Stdin => f.write_str("-"),
        }
    }
}

/// One captured frame, borrowed from the reader's buffer for the duration of the sink call.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based frame number within the file, as tshark and Wireshark count them.
    pub number: u64,
    /// Capture time, nanoseconds since the Unix epoch (after if_tsresol / if_tsoffset).
    pub ts_nanos: i64,
    /// The link type (LINKTYPE_* value) of the interface the frame was captured on.
    pub linktype: u32,
    /// Length of the packet on the wire (may exceed `data.len()` when snapped).
    pub orig_len: u32,
    /// Byte offset of the frame's record (pcap record header / pcapng block) in the
    /// decompressed stream.
    pub offset: u64,
    pub data: &'a [u8],
}
