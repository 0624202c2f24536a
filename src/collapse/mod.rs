//! Duplicate collapse: one packet seen several times in one capture is handed on once.
//! Windows Packet Monitor logs a packet at every network-stack component it crosses (NIC,
//! virtual switch, filter drivers, TCP/IP), so `pktmon etl2pcap` files hold each packet two
//! to eight times; Linux `tcpdump -i any` sees a loopback packet twice. Left alone, every copy
//! is a "retransmission" and every SYN counts several times.
//!
//! Sits between capture and decode. Two ways to tell a copy:
//! - by Packet Monitor's packet group id, where the frame carries one ([`PacketOrigin`]): same
//!   group id *and* same bytes from the IP header on as a remembered packet. Requiring both
//!   keeps two packets of one group (a group can hold several) apart, and needs no time
//!   window: a retransmission gets a new group id.
//! - otherwise by identical bytes from the IP header on (the link header differs between
//!   components: Packet Monitor zeroes the destination MAC at some) within [`WINDOW_NANOS`]
//!   of a remembered packet. Identical bytes include the IPv4 identification and the TCP/UDP
//!   checksum (which covers the payload), so two sends of the same data differ; the window is
//!   far shorter than any retransmission timer.
//!
//! Memory is a fixed table of [`SLOTS`] remembered packets per file, direct-mapped by the
//! content key: each packet stays until a later one lands in its slot, so the last few
//! hundred packets are there (copies of one packet come within a few others). Per frame
//! without duplicates the cost is the link header walk, a hash of at most [`KEY_HEAD`] +
//! [`KEY_TAIL`] bytes (the headers, and through the checksum the payload, are what tells
//! packets apart: hashing 1500 bytes per frame would buy nothing) and one slot compared: a
//! scan of recent packets cost ~200 ns a frame on a busy capture, where every frame is within
//! the window of the last 64. Frames that are not IP are never collapsed. Knows nothing of
//! flows: where a copy was seen (its component, a drop) is for the caller to attach to the
//! packet's flow.

use serde::Serialize;

use crate::capture::Frame;
use crate::decode::link;

/// Packets remembered (per file), one per slot of a direct-mapped table. Copies of one packet
/// come within a few others of each other (Packet Monitor logs a packet's components back to
/// back, interleaved at most with the packets of other CPUs), so 256 slots leave a wide
/// margin; a copy whose packet was displaced (by a later packet in its slot) is handed on, and
/// shows as what it looks like, a retransmission. 256 entries of 40 bytes: 10 KiB.
pub const SLOTS: usize = 256;
/// How close in time two content-identical frames without a group id must be to count as
/// one packet: 5 ms. The copies Packet Monitor logs of one packet are microseconds apart
/// (3 µs in the real PktMon.cap); the earliest a TCP stack sends the same segment again is a
/// tail-loss probe, at least 10 ms later (RFC 8985: PTO >= 10 ms in practice), and a SYN
/// retransmission comes after a second or more.
pub const WINDOW_NANOS: i64 = 5_000_000;
/// Bytes from the IP header on that go into the content key: both headers with options.
pub const KEY_HEAD: usize = 64;
/// Bytes at the end of the IP datagram that go into the content key.
pub const KEY_TAIL: usize = 16;

/// What the collapse did with the frames of one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CollapseStats {
    /// Frames found to be another copy of an earlier packet (collapsed, unless `kept`).
    pub duplicates: u64,
    /// Of them, told by Packet Monitor's packet group id.
    pub by_group_id: u64,
    /// Of them, told by identical bytes within the window.
    pub by_content: u64,
    /// Frames that carried Packet Monitor metadata (component, group id).
    pub with_origin: u64,
    /// Frames that were Packet Monitor drop reports.
    pub host_drops: u64,
    /// `--keep-duplicates`: the copies were counted but handed on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub kept: bool,
}

impl CollapseStats {
    /// Nothing to say: no copy, no Packet Monitor metadata.
    pub fn is_empty(&self) -> bool {
        self.duplicates == 0 && self.with_origin == 0
    }

    /// Frames taken out of the pipeline.
    pub fn collapsed(&self) -> u64 {
        if self.kept { 0 } else { self.duplicates }
    }
}

/// What to do with one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The first copy of a packet (or not collapsible): hand it on.
    First,
    /// Another copy of the packet first seen in frame `first`.
    Duplicate { first: u64 },
}

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    /// 0: never used (a frame number is at least 1).
    frame: u64,
    ts: i64,
    key: u64,
    group: Option<u64>,
}

/// The collapse state of one file.
#[derive(Debug)]
pub struct Collapser {
    keep: bool,
    /// Remembered packets, direct-mapped by the top bits of their content key.
    table: Box<[Entry; SLOTS]>,
    stats: CollapseStats,
}

impl Collapser {
    /// `keep`: count copies but hand every frame on (`--keep-duplicates`).
    pub fn new(keep: bool) -> Collapser {
        Collapser {
            keep,
            table: Box::new([Entry::default(); SLOTS]),
            stats: CollapseStats {
                kept: keep,
                ..CollapseStats::default()
            },
        }
    }

    pub fn stats(&self) -> CollapseStats {
        self.stats
    }

    /// Whether `frame` is a copy of a packet already handed on. With `keep`, copies are
    /// counted and still reported [`Seen::First`].
    #[inline]
    pub fn check(&mut self, frame: &Frame<'_>) -> Seen {
        let ip = link::ip_payload(frame.linktype, frame.data)
            .ok()
            .map(|(ip, _)| ip);
        self.check_ip(frame, ip)
    }

    /// [`Collapser::check`] of a frame whose IP header starts `ip` bytes (None: not IP), as
    /// [`link::ip_payload`] found it: the caller decodes the frame next and walks its link
    /// header once for both.
    #[inline(always)]
    pub(crate) fn check_ip(&mut self, frame: &Frame<'_>, ip: Option<&[u8]>) -> Seen {
        let group = match frame.origin {
            Some(o) => {
                self.stats.with_origin += 1;
                if o.drop.is_some() {
                    self.stats.host_drops += 1;
                }
                o.group_id
            }
            None => None,
        };
        let Some(mut key) = ip.and_then(content_key) else {
            return Seen::First;
        };
        if let Some(g) = group {
            // The group goes into the slot too, so that a packet sent again with the same
            // bytes (a new group) does not displace the first send's entry.
            key ^= g.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        // A multiplicative hash mixes into the high bits: they pick the slot.
        let slot = &mut self.table[(key >> (64 - SLOTS.trailing_zeros())) as usize];
        let copy = slot.frame != 0
            && slot.key == key
            && slot.group == group
            && (group.is_some()
                || frame.ts_nanos.saturating_sub(slot.ts).unsigned_abs() <= WINDOW_NANOS as u64);
        if !copy {
            *slot = Entry {
                frame: frame.number.max(1),
                ts: frame.ts_nanos,
                key,
                group,
            };
            return Seen::First;
        }
        self.stats.duplicates += 1;
        if group.is_some() {
            self.stats.by_group_id += 1;
        } else {
            self.stats.by_content += 1;
        }
        if self.keep {
            Seen::First
        } else {
            Seen::Duplicate { first: slot.frame }
        }
    }
}

/// The key of a frame's bytes from the IP header on (trimmed to the IP length, so link
/// padding does not count), or None when they are not IP: the length, the first [`KEY_HEAD`]
/// and the last [`KEY_TAIL`] bytes, taken eight at a time as little-endian words into a
/// multiplicative hash (each step `(h + word) * K`, FxHash's step). A word that differs
/// changes the key (K is odd, so no single difference multiplies to zero); the top bits,
/// which pick the slot, depend on every bit below them. Fixed-size word loads: a general
/// byte-slice hash spent about 100 instructions a frame on its length cases.
#[inline]
fn content_key(ip: &[u8]) -> Option<u64> {
    let ip = ip_datagram(ip)?;
    let n = ip.len();
    let mut h = mix(0, n as u64);
    if let Some(head) = ip.first_chunk::<KEY_HEAD>() {
        // A full head (most data segments): a fixed count of words, unrolled.
        for w in head.as_chunks::<8>().0 {
            h = mix(h, u64::from_le_bytes(*w));
        }
    } else {
        let (words, rest) = ip.as_chunks::<8>();
        for w in words {
            h = mix(h, u64::from_le_bytes(*w));
        }
        h = mix(h, padded_word(rest));
    }
    if n >= KEY_TAIL {
        let (tail, _) = ip[n - KEY_TAIL..].as_chunks::<8>();
        for w in tail {
            h = mix(h, u64::from_le_bytes(*w));
        }
    }
    // Shorter than KEY_TAIL: its whole datagram is already in the head.
    Some(h)
}

/// One step of the content hash (FxHash's multiplier).
#[inline(always)]
fn mix(h: u64, word: u64) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    h.wrapping_add(word).wrapping_mul(K)
}

/// Up to 7 bytes as one word, zero-padded; the datagram length in the key tells a short
/// datagram's padding from real zero bytes.
#[inline(always)]
fn padded_word(rest: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    u64::from_le_bytes(w)
}

/// The IP datagram at the start of `b`, cut to its header's length (or to what was
/// captured); None when `b` does not start with an IPv4 or IPv6 header.
fn ip_datagram(b: &[u8]) -> Option<&[u8]> {
    let len = match b.first()? >> 4 {
        4 => usize::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?])),
        6 => 40 + usize::from(u16::from_be_bytes([*b.get(4)?, *b.get(5)?])),
        _ => return None,
    };
    Some(&b[..len.min(b.len())])
}

#[cfg(test)]
mod tests;
