//! Event Trace Log (ETL) files as Windows Packet Monitor (`pktmon start --capture`) and
//! `netsh trace start capture=yes` write them. Buffers, event headers and the clock live here;
//! each provider's events in their own module ([`pktmon`], [`ndis`]), each compression in its
//! own ([`lz77`], [`huffman`]).
//!
//! An ETL file is a sequence of WMI buffers. Each starts with a 0x48-byte WMI_BUFFER_HEADER:
//! `BufferSize` (u32 at 0x00, the bytes the buffer takes in the file), `State` (u32 at 0x2c;
//! in a compressed file its low 16 bits are the COMPRESSION_FORMAT: 3 Plain LZ77, 4 LZ77+Huffman),
//! `Offset` (u32 at 0x30, where the buffer's events end, decompressed) and `BufferFlag` (u16 at
//! 0x34; 0x40 = compressed). Events follow the header, each 8-byte aligned, up to `Offset`. Two
//! kinds of event header occur: system/compact trace headers (HeaderType 1..=4: version u16,
//! type u8, flags u8, size u16 at 4) such as the log-file header in the first buffer, and
//! EVENT_HEADER (HeaderType 0x12/0x13: size u16 at 0, flags u16 at 4, timestamp at 0x10,
//! provider GUID at 0x18, event id at 0x28, keywords u64 at 0x30, user data from 0x50). Other
//! header types carry their size at 0 and are skipped.
//!
//! Frames come from Packet Monitor packet and drop events and NDIS-PacketCapture fragment
//! events; docs/windows.md ("What the ETL reader reads") lists the fields and says which were
//! checked against a real file. Timestamps follow the log-file header's clock:
//! QueryPerformanceCounter ticks (ClockType 1, synchronised at the header event with its
//! StartTime) or FILETIME (ClockType 2).
//! Memory: one buffer at a time, bounded by [`MAX_RECORD_LEN`] stored and decompressed, plus one
//! NDIS packet being assembled (at most [`ndis::MAX_PACKET_LEN`]), the component list (at most
//! [`MAX_SUMMARY_ITEMS`]) and the 64 KiB LZ77+Huffman decoding table.

use std::io::Read;

use super::chunks::Chunks;
use super::{CaptureError, CaptureFormat, Ctx, Frame, MAX_RECORD_LEN, MAX_SUMMARY_ITEMS};

mod huffman;
mod lz77;
mod ndis;
mod pktmon;

pub use pktmon::drop_reason_name;

/// Size of WMI_BUFFER_HEADER.
const BUFFER_HEADER_LEN: usize = 0x48;
/// Size of EVENT_HEADER as stored (before extended data and user data).
const EVENT_HEADER_LEN: usize = 0x50;
/// BufferFlag bit of a compressed buffer (ETW_BUFFER_FLAG_COMPRESSED).
const FLAG_COMPRESSED: u16 = 0x40;
/// COMPRESSION_FORMAT_* values in a buffer header's State ([MS-XCA] names).
const COMPRESSION_LZNT1: u16 = 2;
const COMPRESSION_XPRESS: u16 = 3;
const COMPRESSION_XPRESS_HUFF: u16 = 4;
/// Largest ratio of a compressed buffer's events to its stored bytes (deflate's own limit is
/// 1032).
const MAX_EXPANSION: usize = 1024;
/// EVENT_HEADER flag: extended data items precede the user data.
const EVENT_FLAG_EXTENDED_INFO: u16 = 0x01;
/// FILETIME of the Unix epoch (100 ns ticks since 1601-01-01).
const FILETIME_UNIX_EPOCH: i64 = 116_444_736_000_000_000;
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_IEEE802_11: u32 = 105;

/// Bytes [`looks_like_etl`] needs from the start of a stream.
pub(crate) const SNIFF_LEN: usize = BUFFER_HEADER_LEN + 8;

/// Whether the start of a stream looks like an ETL file: a plausible first buffer header and,
/// right after it, the system trace header of the log-file header event (HeaderType 1 or 2,
/// MarkerFlags 0xc0, HookId 0 = EVENT_TRACE_GROUP_HEADER / type info), as in the real file.
pub(crate) fn looks_like_etl(b: &[u8]) -> bool {
    let Some(head) = b.get(..SNIFF_LEN) else {
        return false;
    };
    let size = u32_at(head, 0) as usize;
    let offset = u32_at(head, 0x30) as usize;
    let h = &head[BUFFER_HEADER_LEN..];
    size >= BUFFER_HEADER_LEN
        && (BUFFER_HEADER_LEN..=size).contains(&offset)
        && matches!(h[2], 1 | 2)
        && h[3] == 0xc0
        && u16_at(h, 6) == 0
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|s| s.first_chunk::<2>())
        .map_or(0, |a| u16::from_le_bytes(*a))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.first_chunk::<4>())
        .map_or(0, |a| u32::from_le_bytes(*a))
}

fn i64_at(b: &[u8], at: usize) -> i64 {
    b.get(at..at + 8)
        .and_then(|s| s.first_chunk::<8>())
        .map_or(0, |a| i64::from_le_bytes(*a))
}

/// FILETIME (100 ns since 1601) to nanoseconds since the Unix epoch; `None` on overflow.
pub(crate) fn filetime_to_unix_ns(ft: i64) -> Option<i64> {
    ft.checked_sub(FILETIME_UNIX_EPOCH)?.checked_mul(100)
}

/// How event timestamps become wall-clock time, from the log-file header event (the system
/// trace header with HookId 0 in the first buffer; TRACE_LOGFILE_HEADER after it).
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// No log-file header seen yet.
    Unknown,
    /// ClockType 2: timestamps are FILETIME already.
    SystemTime,
    /// ClockType 1: QueryPerformanceCounter ticks at `freq` Hz; `sync_qpc` (the header event's
    /// own timestamp) is the moment `start_ft` (the header's StartTime, FILETIME).
    Qpc {
        sync_qpc: i64,
        start_ft: i64,
        freq: i64,
    },
}

impl Clock {
    /// Reads the clock from a log-file header event (`event` starts at its system trace header,
    /// 0x20 bytes with the QPC timestamp at 0x10). Offsets after the two name pointers depend
    /// on the logger's pointer size (at 0x2c of the payload).
    fn from_header(event: &[u8]) -> Option<Clock> {
        let p = event.get(0x20..)?;
        let shift = match u32_at(p, 0x2c) {
            8 => 0,
            4 => 8,
            _ => return None,
        };
        let field = |at: usize| {
            p.get(at - shift..at - shift + 8)
                .map(|_| i64_at(p, at - shift))
        };
        let freq = field(0x100)?;
        let start_ft = field(0x108)?;
        let clock_type = u32_at(p.get(0x110 - shift..)?, 0);
        match clock_type {
            1 if freq > 0 => Some(Clock::Qpc {
                sync_qpc: i64_at(event, 0x10),
                start_ft,
                freq,
            }),
            2 => Some(Clock::SystemTime),
            _ => None,
        }
    }

    /// An event timestamp as ns since the Unix epoch; `None` when unknown or out of range.
    fn unix_ns(self, ts: i64) -> Option<i64> {
        match self {
            Clock::Unknown => None,
            Clock::SystemTime => filetime_to_unix_ns(ts),
            Clock::Qpc {
                sync_qpc,
                start_ft,
                freq,
            } => {
                let base = i128::from(filetime_to_unix_ns(start_ft)?);
                let ticks = i128::from(ts) - i128::from(sync_qpc);
                let ns = base.checked_add(ticks.checked_mul(1_000_000_000)? / i128::from(freq))?;
                i64::try_from(ns).ok()
            }
        }
    }
}

fn layout(ctx: &Ctx, offset: u64, what: String) -> CaptureError {
    CaptureError::Etl {
        input: ctx.summary.input.clone(),
        offset,
        what,
    }
}

/// What the walk carries from one buffer to the next.
struct Walk {
    clock: Clock,
    /// Frames delivered so far (the last frame's number).
    number: u64,
    /// The first buffer's compression format (its State), for compressed buffers whose own
    /// State names none.
    file_compression: u16,
    /// Link type of the last frame, so the summary's list is touched only on a change.
    last_linktype: Option<u32>,
    /// An NDIS packet split over several fragment events, being joined.
    ndis_pending: Vec<u8>,
    /// The current compressed buffer, header and decompressed events (reused).
    plain: Vec<u8>,
    /// The LZ77+Huffman decoding table (reused: 64 KiB).
    huffman_table: huffman::Table,
}

/// Walks the buffers, handing each packet to `sink`.
pub(crate) fn read<R: Read, F: FnMut(&Frame<'_>)>(
    c: &mut Chunks<R>,
    ctx: &mut Ctx,
    sink: &mut F,
) -> Result<(), CaptureError> {
    ctx.summary.format = Some(CaptureFormat::Etl);
    let mut walk = Walk {
        clock: Clock::Unknown,
        number: 0,
        file_compression: 0,
        last_linktype: None,
        ndis_pending: Vec::new(),
        plain: Vec::new(),
        huffman_table: huffman::Table::default(),
    };
    let mut first = true;
    loop {
        let start = c.offset();
        if !c.fill(1).map_err(|e| ctx.io_error(start, e))? {
            return Ok(());
        }
        if !c
            .fill(BUFFER_HEADER_LEN)
            .map_err(|e| ctx.io_error(start, e))?
        {
            return Err(ctx.truncated("ETL buffer header", start, BUFFER_HEADER_LEN, c.left()));
        }
        let head = c.available();
        let size = u32_at(head, 0) as usize;
        let state = u32_at(head, 0x2c) as u16;
        let end = u32_at(head, 0x30) as usize;
        let flag = u16_at(head, 0x34);
        if first {
            walk.file_compression = state;
            first = false;
        }
        // A size below the header would make no progress (zero) or overlap the next buffer.
        if size < BUFFER_HEADER_LEN {
            return Err(layout(
                ctx,
                start,
                format!("ETL buffer size {size} is smaller than its 72-byte header"),
            ));
        }
        if size > MAX_RECORD_LEN {
            return Err(CaptureError::TooLarge {
                input: ctx.summary.input.clone(),
                what: "ETL buffer",
                offset: start,
                length: size as u64,
                limit: MAX_RECORD_LEN as u64,
            });
        }
        if !c.fill(size).map_err(|e| ctx.io_error(start, e))? {
            return Err(ctx.truncated("ETL buffer", start, size, c.left()));
        }
        if !(BUFFER_HEADER_LEN..=MAX_RECORD_LEN).contains(&end)
            || (flag & FLAG_COMPRESSED == 0 && end > size)
        {
            return Err(layout(
                ctx,
                start,
                format!("ETL buffer data end {end} is outside the buffer (size {size})"),
            ));
        }
        let buffer = &c.available()[..size];
        let result = if flag & FLAG_COMPRESSED != 0 {
            // The events after the header are stored compressed; `Offset` is where they end
            // once decompressed (checked against the real file: every buffer decompresses to
            // exactly that length and the events inside frame cleanly). The format is the
            // buffer's State (3 in every buffer of the real file, header buffer included).
            let format = match state {
                COMPRESSION_XPRESS | COMPRESSION_XPRESS_HUFF => state,
                _ => walk.file_compression,
            };
            let stored = &buffer[BUFFER_HEADER_LEN..];
            let out_len = end - BUFFER_HEADER_LEN;
            // Both formats can encode a match of 4 GiB in a few bytes: the expansion is bounded
            // so a small hostile file cannot cost more work than a gzip bomb of its size (the
            // real file's buffers expand 4.2 and 6.5 times).
            if out_len > MAX_EXPANSION * stored.len() {
                return Err(layout(
                    ctx,
                    start,
                    format!(
                        "compressed ETL buffer claims {out_len} bytes from {}, over {MAX_EXPANSION} times as many",
                        stored.len()
                    ),
                ));
            }
            // Decompressed into the reused buffer after a copy of the header, so the events
            // keep their offsets within the buffer. Its old bytes are not cleared: a decoder
            // writes every byte or fails.
            let mut plain = std::mem::take(&mut walk.plain);
            plain.resize(end, 0);
            plain[..BUFFER_HEADER_LEN].copy_from_slice(&buffer[..BUFFER_HEADER_LEN]);
            let out = &mut plain[BUFFER_HEADER_LEN..end];
            let decoded = match format {
                COMPRESSION_XPRESS => lz77::decompress_into(stored, out),
                COMPRESSION_XPRESS_HUFF => {
                    huffman::decompress_into(stored, out, &mut walk.huffman_table)
                }
                COMPRESSION_LZNT1 => Err("LZNT1 compression is not supported".to_string()),
                other => Err(format!(
                    "unknown compression format {other} in the buffer state"
                )),
            };
            let r = match decoded {
                Ok(()) => walk_events(ctx, start, &plain[..end], true, &mut walk, sink),
                Err(e) => Err(layout(ctx, start, format!("compressed ETL buffer: {e}"))),
            };
            walk.plain = plain;
            r
        } else {
            walk_events(ctx, start, &buffer[..end], false, &mut walk, sink)
        };
        ctx.summary.frames = walk.number;
        result?;
        c.consume(size);
    }
}

/// Walks the events of one buffer (`buffer` ends at the buffer's data end).
fn walk_events<F: FnMut(&Frame<'_>)>(
    ctx: &mut Ctx,
    start: u64,
    buffer: &[u8],
    compressed: bool,
    walk: &mut Walk,
    sink: &mut F,
) -> Result<(), CaptureError> {
    let mut pos = BUFFER_HEADER_LEN;
    while pos < buffer.len() {
        // Inside a compressed buffer the file offset is the buffer's; the message adds where
        // in the decompressed bytes the event sits.
        let at = if compressed {
            start
        } else {
            start + pos as u64
        };
        let err = |ctx: &Ctx, what: String| {
            if compressed {
                layout(
                    ctx,
                    at,
                    format!("{what} (decompressed byte {pos} of the buffer)"),
                )
            } else {
                layout(ctx, at, what)
            }
        };
        let rest = &buffer[pos..];
        if rest.len() < 8 {
            return Err(err(
                ctx,
                format!(
                    "truncated ETL event header (needs 8 bytes, {} left)",
                    rest.len()
                ),
            ));
        }
        // An all-ones header is the fill after the last event.
        if u32_at(rest, 0) == u32::MAX {
            return Ok(());
        }
        let header_type = rest[2];
        let size = match header_type {
            1..=4 => u16_at(rest, 4),
            _ => u16_at(rest, 0),
        } as usize;
        if size < 8 {
            return Err(err(
                ctx,
                format!("ETL event (header type 0x{header_type:02x}) has impossible size {size}"),
            ));
        }
        let Some(event) = rest.get(..size) else {
            return Err(err(
                ctx,
                format!(
                    "ETL event size {size} runs past its buffer's data ({} bytes left)",
                    rest.len()
                ),
            ));
        };
        if matches!(header_type, 1 | 2) && u16_at(event, 6) == 0 {
            match Clock::from_header(event) {
                Some(c) => walk.clock = c,
                None => {
                    return Err(err(
                        ctx,
                        "ETL log-file header with an unknown clock type or pointer size"
                            .to_string(),
                    ));
                }
            }
        } else if matches!(header_type, 0x12 | 0x13)
            && let Err(e) = provider_event(ctx, at, event, walk, sink)
        {
            return Err(err(ctx, e));
        }
        // Events are 8-byte aligned; the last one may end unaligned at the data end.
        pos += size.next_multiple_of(8);
    }
    Ok(())
}

/// Handles one EVENT_HEADER event: a frame when it is a packet event of a provider read here
/// whose fields agree with the event size, a component for the summary, else nothing. `Err` only
/// when a packet cannot be given a time.
fn provider_event<F: FnMut(&Frame<'_>)>(
    ctx: &mut Ctx,
    at: u64,
    event: &[u8],
    walk: &mut Walk,
    sink: &mut F,
) -> Result<(), String> {
    if event.len() < EVENT_HEADER_LEN {
        return Ok(());
    }
    // Extended data items (stack traces, SIDs) are not written by Packet Monitor by default and
    // their stored layout is not checked yet; such events are left alone.
    if u16_at(event, 4) & EVENT_FLAG_EXTENDED_INFO != 0 {
        return Ok(());
    }
    let provider = &event[0x18..0x28];
    let id = u16_at(event, 0x28);
    let data = &event[EVENT_HEADER_LEN..];
    if provider == pktmon::GUID {
        match id {
            pktmon::EVENT_PACKET | pktmon::EVENT_DROP => {
                let Some(f) = pktmon::fixed(data) else {
                    return Ok(());
                };
                let Some(linktype) = pktmon::linktype(f.packet_type) else {
                    return Ok(());
                };
                let origin = pktmon::origin(&f, id == pktmon::EVENT_DROP);
                let orig_len = u32::from(f.original_size.max(f.logged_size));
                let bytes = &data[pktmon::FIXED_LEN..];
                deliver(
                    ctx, at, event, walk, linktype, orig_len, bytes, origin, sink,
                )?;
            }
            pktmon::EVENT_COMPONENT => {
                let list = &mut ctx.summary.components;
                if let Some(c) = pktmon::component(data)
                    && list.len() < MAX_SUMMARY_ITEMS
                    && !list.iter().any(|k| k.id == c.id)
                {
                    list.push(c);
                }
            }
            _ => {}
        }
    } else if provider == ndis::GUID && id == ndis::EVENT_FRAGMENT {
        let keywords = i64_at(event, 0x30) as u64;
        let Some(f) = ndis::fragment(data, keywords) else {
            return Ok(());
        };
        if f.start {
            walk.ndis_pending.clear();
        }
        if f.end && walk.ndis_pending.is_empty() {
            // One event, one packet (every capture since Windows 8.1): no copy.
            let len = f.bytes.len() as u32;
            deliver(
                ctx, at, event, walk, f.linktype, len, f.bytes, f.origin, sink,
            )?;
        } else if walk.ndis_pending.len() + f.bytes.len() > ndis::MAX_PACKET_LEN {
            // Too large for a packet: dropped whole, as etl2pcapng does.
            walk.ndis_pending.clear();
        } else {
            walk.ndis_pending.extend_from_slice(f.bytes);
            if f.end {
                let packet = std::mem::take(&mut walk.ndis_pending);
                let len = packet.len() as u32;
                let r = deliver(
                    ctx, at, event, walk, f.linktype, len, &packet, f.origin, sink,
                );
                walk.ndis_pending = packet;
                walk.ndis_pending.clear();
                r?;
            }
        }
    }
    Ok(())
}

/// Hands one frame, stamped with the event's time, to the sink.
#[allow(clippy::too_many_arguments)]
fn deliver<F: FnMut(&Frame<'_>)>(
    ctx: &mut Ctx,
    at: u64,
    event: &[u8],
    walk: &mut Walk,
    linktype: u32,
    orig_len: u32,
    data: &[u8],
    origin: super::PacketOrigin,
    sink: &mut F,
) -> Result<(), String> {
    let ts = i64_at(event, 0x10);
    let Some(ts_nanos) = walk.clock.unix_ns(ts) else {
        return Err(match walk.clock {
            Clock::Unknown => "ETL packet event before any log-file header".to_string(),
            _ => format!("ETL event timestamp {ts} is out of range"),
        });
    };
    if walk.last_linktype != Some(linktype) {
        ctx.summary.add_linktype(linktype);
        walk.last_linktype = Some(linktype);
    }
    walk.number += 1;
    sink(&Frame {
        number: walk.number,
        ts_nanos,
        linktype,
        orig_len: orig_len.max(data.len() as u32),
        offset: at,
        data,
        origin: Some(origin),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Input, ReadOutcome, read_from};

    const T0_FT: i64 = 133_625_243_079_225_833;

    /// A buffer: 0x48-byte header (size, data end, flag) then `events` padded to 8 bytes each.
    fn buffer(events: &[Vec<u8>], flag: u16, size: Option<u32>) -> Vec<u8> {
        let mut body = Vec::new();
        for e in events {
            body.extend_from_slice(e);
            body.resize(body.len().next_multiple_of(8), 0);
        }
        let end = (BUFFER_HEADER_LEN + body.len()) as u32;
        let mut b = vec![0u8; BUFFER_HEADER_LEN];
        b[0..4].copy_from_slice(&size.unwrap_or(end).to_le_bytes());
        b[0x30..0x34].copy_from_slice(&end.to_le_bytes());
        b[0x34..0x36].copy_from_slice(&flag.to_le_bytes());
        b.extend_from_slice(&body);
        b
    }

    /// The log-file header event: system trace header (type 2, flags 0xc0, HookId 0) and a
    /// TRACE_LOGFILE_HEADER with 8-byte pointers and ClockType 2 (system time).
    fn logfile_header() -> Vec<u8> {
        let mut e = vec![0u8; 0x20 + 0x118];
        e[0..2].copy_from_slice(&2u16.to_le_bytes());
        e[2] = 2;
        e[3] = 0xc0;
        let size = e.len() as u16;
        e[4..6].copy_from_slice(&size.to_le_bytes());
        let p = 0x20;
        e[p + 0x2c..p + 0x30].copy_from_slice(&8u32.to_le_bytes());
        e[p + 0x100..p + 0x108].copy_from_slice(&10_000_000i64.to_le_bytes());
        e[p + 0x108..p + 0x110].copy_from_slice(&T0_FT.to_le_bytes());
        e[p + 0x110..p + 0x114].copy_from_slice(&2u32.to_le_bytes());
        e
    }

    /// A Packet Monitor packet event (EVENT_HEADER type 0x13) carrying `payload`.
    fn packet(ts: i64, packet_type: u16, payload: &[u8]) -> Vec<u8> {
        let mut e = vec![0u8; EVENT_HEADER_LEN + pktmon::FIXED_LEN];
        let size = (e.len() + payload.len()) as u16;
        e[0..2].copy_from_slice(&size.to_le_bytes());
        e[2] = 0x13;
        e[3] = 0xc0;
        e[0x10..0x18].copy_from_slice(&ts.to_le_bytes());
        e[0x18..0x28].copy_from_slice(&pktmon::GUID);
        e[0x28..0x2a].copy_from_slice(&pktmon::EVENT_PACKET.to_le_bytes());
        let d = EVENT_HEADER_LEN;
        e[d + 14..d + 16].copy_from_slice(&packet_type.to_le_bytes());
        let len = payload.len() as u16;
        e[d + 30..d + 32].copy_from_slice(&len.to_le_bytes());
        e[d + 32..d + 34].copy_from_slice(&len.to_le_bytes());
        e.extend_from_slice(payload);
        e
    }

    fn read(bytes: &[u8]) -> (Vec<(i64, u32, Vec<u8>)>, ReadOutcome) {
        let mut frames = Vec::new();
        let outcome = read_from(&Input::Path("t.etl".into()), bytes, |f| {
            frames.push((f.ts_nanos, f.linktype, f.data.to_vec()));
        });
        (frames, outcome)
    }

    fn file(second: Vec<u8>) -> Vec<u8> {
        let mut f = buffer(&[logfile_header()], 1, None);
        f.extend_from_slice(&second);
        f
    }

    fn err(o: &ReadOutcome) -> String {
        o.error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    #[test]
    fn reads_packets_with_filetime_timestamps() {
        let f = file(buffer(
            &[packet(T0_FT + 5, 1, b"ethernet!"), packet(T0_FT, 3, b"ip")],
            0,
            None,
        ));
        let (frames, o) = read(&f);
        assert!(o.error.is_none(), "{}", err(&o));
        assert_eq!(o.summary.format, Some(CaptureFormat::Etl));
        let base = (T0_FT - FILETIME_UNIX_EPOCH) * 100;
        assert_eq!(
            frames,
            vec![
                (base + 500, LINKTYPE_ETHERNET, b"ethernet!".to_vec()),
                (base, LINKTYPE_RAW, b"ip".to_vec()),
            ]
        );
    }

    #[test]
    fn compressed_buffer_of_literals_and_a_match() {
        // "abc" as literals, then a match of offset 3 and length 6: "abcabcabc".
        assert_eq!(
            lz77::decompress(&[0, 0, 0, 0x10, b'a', b'b', b'c', 19, 0], 9).as_deref(),
            Ok(&b"abcabcabc"[..])
        );
        // The same, as a compressed ETL buffer holding one packet event, all literals.
        let (frames, o) = read(&file(compressed(&packet(T0_FT, 1, b"zz"))));
        assert!(o.error.is_none(), "{}", err(&o));
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].2, b"zz");
    }

    /// A compressed buffer holding `ev`, stored as Plain LZ77 literals only.
    fn compressed(ev: &[u8]) -> Vec<u8> {
        let mut stored = Vec::new();
        for chunk in ev.chunks(32) {
            stored.extend_from_slice(&[0, 0, 0, 0]);
            stored.extend_from_slice(chunk);
        }
        let mut b = buffer(&[], 0x40, None);
        b[0x2c..0x30].copy_from_slice(&3u32.to_le_bytes());
        let size = (b.len() + stored.len()) as u32;
        let end = (BUFFER_HEADER_LEN + ev.len()) as u32;
        b[0..4].copy_from_slice(&size.to_le_bytes());
        b[0x30..0x34].copy_from_slice(&end.to_le_bytes());
        b.extend_from_slice(&stored);
        b
    }

    #[test]
    fn corrupt_compressed_data_is_an_error_never_a_panic() {
        // A match before any output.
        let e = lz77::decompress(&[0, 0, 0, 0x80, 19, 0], 9).unwrap_err();
        assert!(e.contains("match offset"), "{e}");
        // Too little data for the stated size.
        let e = lz77::decompress(&[0, 0, 0, 0, b'a'], 9).unwrap_err();
        assert!(e.contains("gives 1 bytes"), "{e}");
        // A long length whose extra bytes are missing.
        let e = lz77::decompress(&[0, 0, 0, 0x40, b'a', 7, 0], 90).unwrap_err();
        assert!(e.contains("truncated at compressed byte 7"), "{e}");
        // In a file: the error names the buffer's offset.
        let mut b = buffer(&[], 0x40, None);
        b[0x2c..0x30].copy_from_slice(&3u32.to_le_bytes());
        b[0..4].copy_from_slice(&80u32.to_le_bytes());
        b[0x30..0x34].copy_from_slice(&200u32.to_le_bytes());
        b.extend_from_slice(&[0, 0, 0, 0x80, 19, 0, 0, 0]);
        let (_, o) = read(&file(b));
        let at = buffer(&[logfile_header()], 1, None).len();
        assert!(
            err(&o).starts_with("t.etl: compressed ETL buffer: match offset"),
            "{}",
            err(&o)
        );
        assert!(err(&o).ends_with(&format!("at byte {at}")), "{}", err(&o));
    }

    #[test]
    fn a_compressed_buffer_cannot_claim_a_bomb_of_events() {
        let mut b = compressed(&packet(T0_FT, 1, b"zz"));
        let stored = b.len() - BUFFER_HEADER_LEN;
        let end = (BUFFER_HEADER_LEN + MAX_EXPANSION * stored + 1) as u32;
        b[0x30..0x34].copy_from_slice(&end.to_le_bytes());
        let (_, o) = read(&file(b));
        assert!(err(&o).contains("over 1024 times as many"), "{}", err(&o));
    }

    #[test]
    fn truncated_buffer_and_buffer_size_past_the_file() {
        let good = file(buffer(&[packet(T0_FT, 1, b"x")], 0, None));
        let at = buffer(&[logfile_header()], 1, None).len();
        for cut in [at + 10, good.len() - 1] {
            let (_, o) = read(&good[..cut]);
            let e = err(&o);
            assert!(e.starts_with("t.etl: truncated ETL buffer"), "{e}");
            assert!(e.contains(&format!("at byte {at}")), "{e}");
        }
        let (_, o) = read(&file(buffer(&[], 0, Some(1 << 20))));
        assert!(
            err(&o).contains(&format!("truncated ETL buffer at byte {at}")),
            "{}",
            err(&o)
        );
        let (_, o) = read(&file(buffer(&[], 0, Some(u32::MAX))));
        assert!(err(&o).contains("over the limit"), "{}", err(&o));
    }

    #[test]
    fn zero_sizes_are_errors_not_endless_loops() {
        let at = buffer(&[logfile_header()], 1, None).len();
        let (_, o) = read(&file(buffer(&[], 0, Some(0))));
        assert_eq!(
            err(&o),
            format!("t.etl: ETL buffer size 0 is smaller than its 72-byte header at byte {at}")
        );
        let mut ev = packet(T0_FT, 1, b"x");
        ev[0..2].copy_from_slice(&0u16.to_le_bytes());
        let (_, o) = read(&file(buffer(&[ev], 0, None)));
        assert_eq!(
            err(&o),
            format!(
                "t.etl: ETL event (header type 0x13) has impossible size 0 at byte {}",
                at + BUFFER_HEADER_LEN
            )
        );
    }

    #[test]
    fn event_size_past_the_buffer_data() {
        let mut ev = packet(T0_FT, 1, b"x");
        ev[0..2].copy_from_slice(&4000u16.to_le_bytes());
        let at = buffer(&[logfile_header()], 1, None).len();
        let (_, o) = read(&file(buffer(&[ev], 0, None)));
        let e = err(&o);
        assert!(e.starts_with("t.etl: ETL event size 4000 runs past"), "{e}");
        assert!(
            e.ends_with(&format!("at byte {}", at + BUFFER_HEADER_LEN)),
            "{e}"
        );
        // A data end past the buffer.
        let mut b = buffer(&[], 0, None);
        b[0x30..0x34].copy_from_slice(&4000u32.to_le_bytes());
        let (_, o) = read(&file(b));
        assert!(err(&o).contains("data end 4000 is outside"), "{}", err(&o));
    }

    #[test]
    fn packet_before_the_log_file_header_and_timestamp_overflow() {
        let mut f = buffer(&[logfile_header()], 1, None);
        // A first buffer without a header event, then a packet: not ETL by content at all.
        let (_, o) = read(&buffer(&[packet(T0_FT, 1, b"x")], 0, None));
        assert!(err(&o).contains("not a capture file"), "{}", err(&o));
        f.extend_from_slice(&buffer(&[packet(i64::MIN, 1, b"x")], 0, None));
        let (frames, o) = read(&f);
        assert!(frames.is_empty());
        assert!(err(&o).contains("out of range"), "{}", err(&o));
    }

    #[test]
    fn every_truncation_and_byte_flip_ends_cleanly() {
        let mut f = file(buffer(
            &[packet(T0_FT, 1, b"abcdef"), packet(T0_FT, 3, b"gh")],
            0,
            None,
        ));
        f.extend_from_slice(&compressed(&packet(T0_FT, 1, b"ij")));
        for cut in 0..f.len() {
            let _ = read(&f[..cut]);
        }
        for i in 0..f.len() {
            for v in [0u8, 0x40, 0xff] {
                let mut g = f.clone();
                g[i] = v;
                let _ = read(&g);
            }
        }
    }
}
