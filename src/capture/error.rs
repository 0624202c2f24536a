//! Errors of the capture stage. Every message names the input (path or "-") and the byte offset
//! in the decompressed stream where the problem sits, so a user can open the file in a hex editor
//! and look; the reader never guesses past damage it cannot frame.

use std::io;

use super::summary::Compression;

/// Why a capture could not be read (completely). Frames before the problem were already
/// delivered to the sink when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The path could not be opened (missing, permissions, a directory...).
    #[error("{input}: cannot open at byte 0: {source}")]
    Open {
        input: String,
        #[source]
        source: io::Error,
    },
    /// Reading the (uncompressed) input failed.
    #[error("{input}: read error at byte {offset}: {source}")]
    Io {
        input: String,
        offset: u64,
        #[source]
        source: io::Error,
    },
    /// The gzip or zstd layer reported corrupt or truncated compressed data; `offset` is how far
    /// the decompressed stream had got.
    #[error("{input}: {compression} decompression failed at byte {offset}: {source}")]
    Decompress {
        input: String,
        compression: Compression,
        offset: u64,
        #[source]
        source: io::Error,
    },
    /// Nothing at all to read.
    #[error("{input}: empty input (no data at byte 0)")]
    Empty { input: String },
    /// The first four bytes are no pcap / pcapng magic (shown big-endian, as they appear in a
    /// hex dump).
    #[error("{input}: not a capture file (magic 0x{magic:08x} at byte {offset})")]
    NotCapture {
        input: String,
        offset: u64,
        magic: u32,
    },
    /// An ETL file whose buffers or events cannot be framed, or that needs what the reader does
    /// not do yet (compressed buffers).
    #[error("{input}: {what} at byte {offset}")]
    Etl {
        input: String,
        offset: u64,
        what: String,
    },
    /// The stream ends inside a header, record or block.
    #[error("{input}: truncated {what} at byte {offset} (needs {needed} bytes, {left} left)")]
    Truncated {
        input: String,
        what: &'static str,
        offset: u64,
        needed: u64,
        left: u64,
    },
    /// A length field asks for more than the reader's documented bound ([`super::MAX_RECORD_LEN`]
    /// and friends); the framing after it cannot be trusted.
    #[error("{input}: {what} at byte {offset} claims {length} bytes, over the limit of {limit}")]
    TooLarge {
        input: String,
        what: &'static str,
        offset: u64,
        length: u64,
        limit: u64,
    },
    /// A pcapng block whose total length cannot be right, so the next block cannot be found.
    #[error(
        "{input}: pcapng block type 0x{block_type:08x} at byte {offset} has impossible length {length} ({reason})"
    )]
    BadBlockLength {
        input: String,
        offset: u64,
        block_type: u32,
        length: u64,
        reason: &'static str,
    },
    /// A pcapng section header whose byte-order magic is neither 0x1A2B3C4D nor its mirror.
    #[error(
        "{input}: pcapng section header at byte {offset} has unknown byte-order magic 0x{bom:08x}"
    )]
    BadByteOrderMagic {
        input: String,
        offset: u64,
        bom: u32,
    },
    /// A pcapng section of a major version other than 1 (whose block layout we do not know).
    #[error(
        "{input}: pcapng section header at byte {offset} has unsupported version {major}.{minor}"
    )]
    UnsupportedVersion {
        input: String,
        offset: u64,
        major: u16,
        minor: u16,
    },
    /// A pcapng file holds more interfaces in one section than the reader keeps
    /// ([`super::MAX_INTERFACES_PER_SECTION`]).
    #[error(
        "{input}: interface description block at byte {offset} exceeds the limit of {limit} interfaces per section"
    )]
    TooManyInterfaces {
        input: String,
        offset: u64,
        limit: u64,
    },
}

impl CaptureError {
    /// Byte offset in the decompressed stream where the problem is (0 for open errors).
    pub fn offset(&self) -> u64 {
        match self {
            CaptureError::Open { .. } | CaptureError::Empty { .. } => 0,
            CaptureError::Io { offset, .. }
            | CaptureError::Decompress { offset, .. }
            | CaptureError::NotCapture { offset, .. }
            | CaptureError::Truncated { offset, .. }
            | CaptureError::TooLarge { offset, .. }
            | CaptureError::BadBlockLength { offset, .. }
            | CaptureError::BadByteOrderMagic { offset, .. }
            | CaptureError::UnsupportedVersion { offset, .. }
            | CaptureError::TooManyInterfaces { offset, .. }
            | CaptureError::Etl { offset, .. } => *offset,
        }
    }

    /// The input as it appears in messages (path or "-").
    pub fn input(&self) -> &str {
        match self {
            CaptureError::Open { input, .. }
            | CaptureError::Io { input, .. }
            | CaptureError::Decompress { input, .. }
            | CaptureError::Empty { input }
            | CaptureError::NotCapture { input, .. }
            | CaptureError::Truncated { input, .. }
            | CaptureError::TooLarge { input, .. }
            | CaptureError::BadBlockLength { input, .. }
            | CaptureError::BadByteOrderMagic { input, .. }
            | CaptureError::UnsupportedVersion { input, .. }
            | CaptureError::TooManyInterfaces { input, .. }
            | CaptureError::Etl { input, .. } => input,
        }
    }
}
