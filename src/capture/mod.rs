//! Capture files in, frames out. Opens pcap (both byte orders, µs/ns, modified pcap) and pcapng
//! (every standard block), gzip- or zstd-compressed or not, from a path or standard input, and
//! recognises the format by its magic number (ETL, from Windows Packet Monitor, by its first
//! buffer header, as it has none). Knows nothing of protocols: it hands each frame,
//! with its link type and timestamp, to a sink, and says where (byte offset) a file went bad.
//!
//! Speed: the stream is read in 256 KiB chunks (sized to stay in L2; see `chunks`); record
//! headers are parsed in place and each [`Frame`] borrows its bytes from the buffer, so there is
//! no allocation or copy per frame.
//! Memory is bounded independently of file size: the buffer (256 KiB, growing to one record of at
//! most [`MAX_RECORD_LEN`] / one pcapng block of at most `MAX_RECORD_LEN + 64 KiB` only when such
//! a record is really there), [`MAX_INTERFACES_PER_SECTION`] interface entries, and summary lists
//! capped at [`MAX_SUMMARY_ITEMS`].
//!
//! Errors: framing damage (a truncated record, a length over the bound or impossible) ends the
//! read with a [`CaptureError`] naming the input and byte offset; every frame before it has
//! already gone to the sink. A well-framed pcapng packet block with unusable content (unknown
//! interface, captured length past the block) is skipped and counted in the summary instead.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

mod chunks;
mod error;
mod etl;
mod pcap;
mod pcapng;
mod summary;

pub use error::CaptureError;
pub use etl::drop_reason_name;
pub(crate) use etl::{SNIFF_LEN as ETL_SNIFF_LEN, looks_like_etl};
pub use summary::{
    BlockCounts, ByteOrder, CaptureFormat, CaptureSummary, Compression, HostComponent,
    InterfaceInfo, InterfaceStats, PcapHeader, SectionInfo, SkippedBlock,
};

/// Largest record (captured length) ever accepted: 16 MiB. Wireshark's largest per-encapsulation
/// limit for ordinary link types is 256 KiB; 16 MiB leaves room for odd writers (USB, D-Bus)
/// while bounding the read buffer.
pub const MAX_RECORD_LEN: usize = 16 << 20;
/// pcap records may always be this large (libpcap's MAXIMUM_SNAPLEN, 256 KiB) whatever the
/// file's snaplen says; beyond it only when the snaplen allows, up to [`MAX_RECORD_LEN`].
pub const MIN_RECORD_LIMIT: usize = 256 << 10;
/// Interfaces kept per pcapng section (each entry is a few dozen bytes; 65536 is ~2 MiB and far
/// above any real capture).
pub const MAX_INTERFACES_PER_SECTION: usize = 1 << 16;
/// Cap on each list in [`CaptureSummary`] (sections, interfaces, statistics blocks).
pub const MAX_SUMMARY_ITEMS: usize = 1024;
/// Cap on the skipped-block examples kept in [`CaptureSummary::skipped`].
pub const MAX_SUMMARY_SKIPPED: usize = 16;
/// `if_name` bytes kept.
pub const MAX_NAME_LEN: usize = 256;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

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
    /// Where on the capturing host the frame was seen, when the format records it (Windows
    /// Packet Monitor); `None` for ordinary pcap and pcapng frames.
    pub origin: Option<PacketOrigin>,
}

/// Where on the capturing host one frame was seen, as Windows Packet Monitor records it (its ETL
/// packet events, or the per-packet comments `pktmon etl2pcap` writes), or the NDIS
/// packet-capture provider of `netsh trace` (interface only). Plain data: what a component id
/// or a drop reason means is for later stages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacketOrigin {
    /// Packet Monitor's PktGroupId: one packet keeps it at every component it crosses.
    pub group_id: Option<u64>,
    /// Packet Monitor component id, or the NDIS interface index of the layer that captured it
    /// (LowerIfIndex, as etl2pcapng names interfaces).
    pub component: Option<u32>,
    /// Packet Monitor edge id within the component.
    pub edge: Option<u16>,
    /// Direction at that component, as the capturing host saw it.
    pub direction: Option<HostDirection>,
    /// Set when this is a drop event: the packet went no further than this component.
    pub drop: Option<HostDrop>,
}

/// Direction of a frame at a host component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostDirection {
    /// Received (travelling up the stack).
    Rx,
    /// Sent (travelling down the stack).
    Tx,
}

/// A Packet Monitor drop: the raw reason and location codes of the drop event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostDrop {
    pub reason: u32,
    pub location: u32,
}

/// The result of reading one input: what was learnt, and the error that stopped it, if any.
/// Frames before the error were already delivered to the sink.
#[derive(Debug)]
pub struct ReadOutcome {
    pub summary: CaptureSummary,
    pub error: Option<CaptureError>,
    /// Bytes taken from the input as it is stored: the compressed bytes of a .gz or .zst
    /// file, unlike `summary.bytes_read`. All of a file that was read to its end.
    pub input_bytes: u64,
}

/// Reads a capture from a path or standard input, calling `sink` for each frame in file order.
/// Never panics on file content.
pub fn read_capture<F: FnMut(&Frame<'_>)>(input: &Input, sink: F) -> ReadOutcome {
    read_capture_counted(input, None, sink)
}

/// [`read_capture`], also adding the bytes taken from the input (as stored, so compressed
/// bytes for .gz/.zst) to `counter` as they are read, for another thread to show progress.
/// The counter moves once per read call on the file (a chunk of up to 256 KiB, or a
/// decompressor's input buffer), never per frame, so counting costs nothing measurable.
pub fn read_capture_counted<F: FnMut(&Frame<'_>)>(
    input: &Input,
    counter: Option<&AtomicU64>,
    sink: F,
) -> ReadOutcome {
    match input {
        Input::Path(path) => match File::open(path) {
            Ok(file) => read_from_counted(input, file, counter, sink),
            Err(source) => ReadOutcome {
                summary: CaptureSummary {
                    input: input.to_string(),
                    ..CaptureSummary::default()
                },
                error: Some(CaptureError::Open {
                    input: input.to_string(),
                    source,
                }),
                input_bytes: 0,
            },
        },
        Input::Stdin => read_from_counted(input, io::stdin().lock(), counter, sink),
    }
}

/// Reads a capture from any reader; `input` only names it in the summary and in errors.
pub fn read_from<R: Read, F: FnMut(&Frame<'_>)>(input: &Input, reader: R, sink: F) -> ReadOutcome {
    read_from_counted(input, reader, None, sink)
}

/// [`read_from`], adding the bytes taken from `reader` to `counter` as they are read.
pub fn read_from_counted<R: Read, F: FnMut(&Frame<'_>)>(
    input: &Input,
    reader: R,
    counter: Option<&AtomicU64>,
    mut sink: F,
) -> ReadOutcome {
    let mut ctx = Ctx {
        summary: CaptureSummary {
            input: input.to_string(),
            ..CaptureSummary::default()
        },
    };
    let mut counted = Counted {
        inner: reader,
        counter,
        taken: 0,
    };
    // The time span is kept here, once for both formats, from what the sink is given.
    let mut span = CaptureSummary::default();
    let error = run(&mut ctx, &mut counted, &mut |frame: &Frame<'_>| {
        span.add_frame_time(frame.ts_nanos);
        sink(frame)
    })
    .err();
    ctx.summary.first_ts_ns = span.first_ts_ns;
    ctx.summary.last_ts_ns = span.last_ts_ns;
    ReadOutcome {
        summary: ctx.summary,
        error,
        input_bytes: counted.taken,
    }
}

/// Counts what the layers above (decompressor, chunk buffer) take from the input.
struct Counted<'c, R> {
    inner: R,
    counter: Option<&'c AtomicU64>,
    taken: u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken += n as u64;
        if let Some(c) = self.counter {
            // Relaxed: the reader of the counter only wants an eventually exact number.
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// State shared by the format walkers: the summary being filled in (which also names the input).
pub(crate) struct Ctx {
    pub(crate) summary: CaptureSummary,
}

impl Ctx {
    /// A read error, blamed on the decompressor when there is one.
    pub(crate) fn io_error(&self, offset: u64, source: io::Error) -> CaptureError {
        let input = self.summary.input.clone();
        match self.summary.compression {
            Compression::None => CaptureError::Io {
                input,
                offset,
                source,
            },
            compression => CaptureError::Decompress {
                input,
                compression,
                offset,
                source,
            },
        }
    }

    pub(crate) fn truncated(
        &self,
        what: &'static str,
        offset: u64,
        needed: usize,
        left: usize,
    ) -> CaptureError {
        CaptureError::Truncated {
            input: self.summary.input.clone(),
            what,
            offset,
            needed: needed as u64,
            left: left as u64,
        }
    }
}

fn run<R: Read, F: FnMut(&Frame<'_>)>(
    ctx: &mut Ctx,
    mut reader: R,
    sink: &mut F,
) -> Result<(), CaptureError> {
    // Sniff the compression magic from the raw stream, then put those bytes back in front.
    let mut prefix = [0u8; 4];
    let mut n = 0;
    while n < prefix.len() {
        match reader.read(&mut prefix[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ctx.io_error(n as u64, e)),
        }
    }
    let raw = (&prefix[..n]).chain(reader);
    let stream: Box<dyn Read + '_> = if prefix[..n].starts_with(&GZIP_MAGIC) {
        ctx.summary.compression = Compression::Gzip;
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else if prefix[..n] == ZSTD_MAGIC {
        ctx.summary.compression = Compression::Zstd;
        Box::new(zstd::stream::read::Decoder::new(raw).map_err(|e| ctx.io_error(0, e))?)
    } else {
        Box::new(raw)
    };
    let mut chunks = chunks::Chunks::new(stream);
    let result = dispatch(&mut chunks, ctx, sink);
    ctx.summary.bytes_read = chunks.bytes_read();
    result
}

/// Recognises the (decompressed) stream's format by its magic number and walks it.
fn dispatch<R: Read, F: FnMut(&Frame<'_>)>(
    c: &mut chunks::Chunks<R>,
    ctx: &mut Ctx,
    sink: &mut F,
) -> Result<(), CaptureError> {
    if !c.fill(4).map_err(|e| ctx.io_error(c.bytes_read(), e))? {
        if c.left() == 0 {
            return Err(CaptureError::Empty {
                input: ctx.summary.input.clone(),
            });
        }
        return Err(ctx.truncated("file magic", 0, 4, c.left()));
    }
    let magic = match c.available().first_chunk::<4>() {
        Some(m) => *m,
        None => return Err(ctx.truncated("file magic", 0, 4, c.left())),
    };
    if let Some(kind) = pcap::PcapKind::from_magic(magic) {
        pcap::read(c, kind, ctx, sink)
    } else if magic == pcapng::SHB_MAGIC {
        pcapng::read(c, ctx, sink)
    } else if c.fill(etl::SNIFF_LEN).map_err(|e| ctx.io_error(0, e))?
        && etl::looks_like_etl(c.available())
    {
        // ETL has no magic number: its first WMI buffer header is recognised by content.
        etl::read(c, ctx, sink)
    } else {
        Err(CaptureError::NotCapture {
            input: ctx.summary.input.clone(),
            offset: 0,
            magic: u32::from_be_bytes(magic),
        })
    }
}

#[cfg(test)]
mod tests;
