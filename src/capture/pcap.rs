//! Classic libpcap files: both byte orders, microsecond and nanosecond magic, and the
//! "modified pcap" variant with 24-byte record headers. This is the hot path (most captures are
//! pcap), so the record walk is monomorphised per byte order and header size, parses each header
//! in place and hands out slices of the read buffer.

use std::io::Read;

use super::chunks::Chunks;
use super::summary::{ByteOrder, CaptureFormat, PcapHeader};
use super::{CaptureError, Ctx, Frame, MAX_RECORD_LEN, MIN_RECORD_LIMIT};

const FILE_HEADER_LEN: usize = 24;

/// What the magic number said about a pcap file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PcapKind {
    pub(crate) format: CaptureFormat,
    pub(crate) byte_order: ByteOrder,
}

impl PcapKind {
    /// Recognises the six pcap magics (three variants, two byte orders) from the first 4 bytes.
    pub(crate) fn from_magic(magic: [u8; 4]) -> Option<PcapKind> {
        let (format, byte_order) = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => (CaptureFormat::Pcap, ByteOrder::Little),
            [0xa1, 0xb2, 0xc3, 0xd4] => (CaptureFormat::Pcap, ByteOrder::Big),
            [0x4d, 0x3c, 0xb2, 0xa1] => (CaptureFormat::PcapNs, ByteOrder::Little),
            [0xa1, 0xb2, 0x3c, 0x4d] => (CaptureFormat::PcapNs, ByteOrder::Big),
            [0x34, 0xcd, 0xb2, 0xa1] => (CaptureFormat::ModifiedPcap, ByteOrder::Little),
            [0xa1, 0xb2, 0xcd, 0x34] => (CaptureFormat::ModifiedPcap, ByteOrder::Big),
            _ => return None,
        };
        Some(PcapKind { format, byte_order })
    }
}

#[inline(always)]
fn u32_of<const BE: bool>(b: [u8; 4]) -> u32 {
    if BE {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

#[inline(always)]
fn field<const BE: bool, const N: usize>(h: &[u8; N], at: usize) -> u32 {
    // `at` is a constant below N - 4 at every call site, so this never falls back to 0.
    match h.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32_of::<BE>([a, b, c, d]),
        _ => 0,
    }
}

/// Reads the global header (the magic is already known to be a pcap one) and walks the records.
pub(crate) fn read<R: Read, F: FnMut(&Frame<'_>)>(
    c: &mut Chunks<R>,
    kind: PcapKind,
    ctx: &mut Ctx,
    sink: &mut F,
) -> Result<(), CaptureError> {
    ctx.summary.format = Some(kind.format);
    ctx.summary.byte_order = Some(kind.byte_order);
    if !c
        .fill(FILE_HEADER_LEN)
        .map_err(|e| ctx.io_error(c.bytes_read(), e))?
    {
        return Err(ctx.truncated("pcap file header", 0, FILE_HEADER_LEN, c.left()));
    }
    let be = kind.byte_order == ByteOrder::Big;
    let Some(h) = c.available().first_chunk::<FILE_HEADER_LEN>() else {
        return Err(ctx.truncated("pcap file header", 0, FILE_HEADER_LEN, c.left()));
    };
    let u16_at = |at: usize| -> u16 {
        match h.get(at..at + 2) {
            Some(&[a, b]) if be => u16::from_be_bytes([a, b]),
            Some(&[a, b]) => u16::from_le_bytes([a, b]),
            _ => 0,
        }
    };
    let u32_at = |at: usize| -> u32 {
        if be {
            field::<true, FILE_HEADER_LEN>(h, at)
        } else {
            field::<false, FILE_HEADER_LEN>(h, at)
        }
    };
    let snaplen = u32_at(16);
    let network = u32_at(20);
    // libpcap: LT_LINKTYPE(x) = x & 0xffff; bit 26 says an FCS length is present in bits 28-31.
    let linktype = network & 0xffff;
    let fcs_words = (network & 0x0400_0000 != 0).then_some((network >> 28) as u8);
    ctx.summary.pcap_header = Some(PcapHeader {
        version_major: u16_at(4),
        version_minor: u16_at(6),
        snaplen,
        network,
        linktype,
        fcs_words,
    });
    ctx.summary.add_linktype(linktype);
    c.consume(FILE_HEADER_LEN);

    // A record may be as large as the file's snaplen says, but at least 256 KiB (libpcap's
    // MAXIMUM_SNAPLEN: plenty of writers put 0 or 65535 there and still write jumbo frames) and
    // never more than 16 MiB, so a lying caplen costs at most that much buffer.
    let limit = (snaplen as usize).clamp(MIN_RECORD_LIMIT, MAX_RECORD_LEN);
    let p = Walk {
        linktype,
        limit,
        frac_nanos: if kind.format == CaptureFormat::PcapNs {
            1
        } else {
            1000
        },
    };
    match (kind.format, be) {
        (CaptureFormat::ModifiedPcap, false) => p.records::<false, 24, R, F>(c, ctx, sink),
        (CaptureFormat::ModifiedPcap, true) => p.records::<true, 24, R, F>(c, ctx, sink),
        (_, false) => p.records::<false, 16, R, F>(c, ctx, sink),
        (_, true) => p.records::<true, 16, R, F>(c, ctx, sink),
    }
}

struct Walk {
    linktype: u32,
    limit: usize,
    /// Nanoseconds per unit of the record header's fraction field.
    frac_nanos: i64,
}

impl Walk {
    /// The record loop. `HDR` is 16 (pcap) or 24 (modified pcap: + ifindex, protocol, pkt_type,
    /// pad, which we do not need).
    #[inline(always)]
    fn records<const BE: bool, const HDR: usize, R: Read, F: FnMut(&Frame<'_>)>(
        &self,
        c: &mut Chunks<R>,
        ctx: &mut Ctx,
        sink: &mut F,
    ) -> Result<(), CaptureError> {
        let mut number = ctx.summary.frames;
        loop {
            let start_off = c.offset();
            let data = c.available();
            let mut p = 0usize;
            // Bytes the record at `p` needs; set when the buffer runs out.
            let need;
            loop {
                let Some(h) = data.get(p..).and_then(|d| d.first_chunk::<HDR>()) else {
                    need = HDR;
                    break;
                };
                let caplen = field::<BE, HDR>(h, 8) as usize;
                if caplen > self.limit {
                    ctx.summary.frames = number;
                    c.consume(p);
                    return Err(CaptureError::TooLarge {
                        input: ctx.summary.input.clone(),
                        what: "record",
                        offset: c.offset(),
                        length: caplen as u64,
                        limit: self.limit as u64,
                    });
                }
                // Cannot overflow: p < buffer length, caplen <= 16 MiB.
                let end = p + HDR + caplen;
                let Some(pkt) = data.get(p + HDR..end) else {
                    need = HDR + caplen;
                    break;
                };
                number += 1;
                let secs = i64::from(field::<BE, HDR>(h, 0));
                let frac = i64::from(field::<BE, HDR>(h, 4));
                // u32 seconds * 1e9 + u32 fraction * 1000 stays far below i64::MAX.
                sink(&Frame {
                    number,
                    ts_nanos: secs * 1_000_000_000 + frac * self.frac_nanos,
                    linktype: self.linktype,
                    orig_len: field::<BE, HDR>(h, 12),
                    offset: start_off + p as u64,
                    data: pkt,
                    origin: None,
                });
                p = end;
            }
            ctx.summary.frames = number;
            c.consume(p);
            let more = c.fill(need).map_err(|e| ctx.io_error(c.bytes_read(), e))?;
            if !more {
                let left = c.left();
                if left == 0 {
                    return Ok(());
                }
                let what = if left < HDR {
                    "record header"
                } else {
                    "record"
                };
                return Err(ctx.truncated(what, c.offset(), need, left));
            }
        }
    }
}
