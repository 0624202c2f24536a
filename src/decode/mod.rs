//! Frame bytes -> a borrowed view of link, IP and TCP/UDP/ICMP headers. Counts what it skips
//! and why. Reassembles IPv4/IPv6 fragments within a bound. Knows nothing of flows or TLS.
//!
//! The per-packet path does not allocate: headers are parsed by hand over the frame bytes
//! (fewer branches than a general-purpose slicer for exactly these headers), and the result
//! borrows either the frame or, for a reassembled datagram, the decoder's reassembly buffer.
//! Checksums are not verified: host captures are taken with checksum offload.
//!
//! Link types: Ethernet (with 802.1Q/QinQ tags, PPPoE sessions, MPLS label stacks), Linux
//! cooked SLL and SLL2, raw IP (12, 14, 101, 228, 229), BSD null and loop. IP payloads are
//! trimmed to the IP header's length (Ethernet pads short frames) and to what was captured
//! (a snapped segment yields the captured part of its payload). Tunnels (GRE, 6in4, ...) are
//! not opened: they are counted as unsupported IP protocols.

mod fragment;
mod ip;
pub mod link;
mod skip;
#[cfg(test)]
mod tests;
mod transport;

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

pub use skip::SkipReason;

/// TCP flag bits, as on the wire (byte 13 of the TCP header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// A decoded TCP segment.
#[derive(Debug, Clone, Copy)]
pub struct TcpSegment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub payload: &'a [u8],
}

/// A decoded UDP datagram.
#[derive(Debug, Clone, Copy)]
pub struct UdpDatagram<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

/// The transport header of the datagram an ICMP error quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedDatagram {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number of the quoted datagram (6 TCP, 17 UDP).
    pub protocol: u8,
    pub src_port: u16,
    pub dst_port: u16,
}

/// An ICMP or ICMPv6 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpMessage {
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    /// For error messages (destination unreachable, time exceeded, ...): the quoted datagram.
    pub quoted: Option<QuotedDatagram>,
}

#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp(UdpDatagram<'a>),
    Icmp(IcmpMessage),
}

/// A decoded packet: IP addresses and the transport view.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit (of the last fragment, for a reassembled datagram): lets a
    /// later stage tell a middlebox's injected RST from the peer's.
    pub ip_ttl: u8,
    pub transport: Transport<'a>,
}

/// Bounds on fragment reassembly, the decoder's only per-file memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DecodeLimits {
    /// Datagrams being reassembled at once; the oldest is evicted to admit a new one.
    pub max_fragment_sets: usize,
    /// Bytes held by all pending datagrams together; the oldest are evicted to stay below.
    pub max_fragment_bytes: usize,
    /// A datagram still incomplete this long after its first fragment is dropped.
    pub fragment_timeout_nanos: i64,
}

impl Default for DecodeLimits {
    /// 1024 sets and 8 MiB: fragmentation is rare on the paths an Arc agent uses (TLS over
    /// TCP with PMTU discovery, DNS over UDP), so this holds every legitimate case with room
    /// and caps a hostile capture at a few MiB. 30 s is Linux's ipfrag_time.
    fn default() -> Self {
        DecodeLimits {
            max_fragment_sets: 1024,
            max_fragment_bytes: 8 << 20,
            fragment_timeout_nanos: 30_000_000_000,
        }
    }
}

/// What the decoder did with the frames of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DecodeStats {
    /// Frames handed to [`Decoder::decode`].
    pub frames: u64,
    /// Packets returned (a reassembled datagram counts once, on its completing fragment).
    pub decoded: u64,
    /// Frames not returned, by [`SkipReason`] name, in name order. Stored fragments of a
    /// datagram not yet complete count as `fragment-pending`.
    pub skipped: BTreeMap<String, u64>,
    /// Datagrams reassembled from fragments.
    pub fragments_reassembled: u64,
    /// Incomplete datagrams dropped to stay within [`DecodeLimits`] sets or bytes.
    pub fragment_sets_evicted: u64,
    /// Incomplete datagrams dropped after [`DecodeLimits::fragment_timeout_nanos`].
    pub fragment_sets_timed_out: u64,
    /// Incomplete datagrams still pending when [`Decoder::finish`] was called.
    pub fragment_sets_abandoned: u64,
}

impl DecodeStats {
    /// Counts one skipped frame. Allocates only the first time a reason is seen; distinct
    /// reasons are bounded (the parameterised ones by linktypes in the file, 2^16 EtherTypes,
    /// 2^8 IP protocols, ...).
    fn count_skip(&mut self, reason: SkipReason) {
        let name = skip::NameBuf::of(reason);
        match self.skipped.get_mut(name.as_str()) {
            Some(n) => *n += 1,
            None => {
                self.skipped.insert(name.as_str().to_owned(), 1);
            }
        }
    }

    /// Adds another file's counts to these (for totals over a batch of files).
    pub fn merge(&mut self, other: &DecodeStats) {
        self.frames += other.frames;
        self.decoded += other.decoded;
        for (reason, n) in &other.skipped {
            *self.skipped.entry(reason.clone()).or_default() += n;
        }
        self.fragments_reassembled += other.fragments_reassembled;
        self.fragment_sets_evicted += other.fragment_sets_evicted;
        self.fragment_sets_timed_out += other.fragment_sets_timed_out;
        self.fragment_sets_abandoned += other.fragment_sets_abandoned;
    }

    /// Frames skipped for any reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Decodes the frames of one capture file, in order. Holds the file's fragment reassembly
/// state and statistics; use one per file (or per thread of files).
#[derive(Debug)]
pub struct Decoder {
    reassembler: fragment::Reassembler,
    stats: DecodeStats,
    last_skip: Option<SkipReason>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(DecodeLimits::default())
    }
}

impl Decoder {
    pub fn new(limits: DecodeLimits) -> Self {
        Decoder {
            reassembler: fragment::Reassembler::new(limits),
            stats: DecodeStats::default(),
            last_skip: None,
        }
    }

    /// Decodes one frame of link type `linktype` (a LINKTYPE_* value) captured at `ts_nanos`.
    /// None means the frame was skipped; the reason is counted in [`Decoder::stats`] and
    /// available from [`Decoder::last_skip`] until the next call.
    #[inline]
    pub fn decode<'a>(
        &'a mut self,
        linktype: u32,
        data: &'a [u8],
        ts_nanos: i64,
    ) -> Option<Packet<'a>> {
        self.decode_link(link::ip_payload(linktype, data), ts_nanos)
    }

    /// [`Decoder::decode`] of a frame whose link header [`link::ip_payload`] already took off
    /// (the duplicate collapse needs the same walk first: done once).
    #[inline]
    pub(crate) fn decode_link<'a>(
        &'a mut self,
        link: Result<(&'a [u8], link::Family), SkipReason>,
        ts_nanos: i64,
    ) -> Option<Packet<'a>> {
        self.stats.frames += 1;
        self.last_skip = None;
        let ip = match link.and_then(|(b, f)| ip::parse(b, f)) {
            Ok(ip) => ip,
            Err(reason) => return self.skip(reason),
        };
        let Some(info) = ip.fragment else {
            return match transport::parse(ip.protocol, ip.v6, ip.payload) {
                Ok(transport) => {
                    self.stats.decoded += 1;
                    Some(Packet {
                        src: ip.src,
                        dst: ip.dst,
                        ip_ttl: ip.ttl,
                        transport,
                    })
                }
                Err(reason) => self.skip(reason),
            };
        };
        self.reassemble(ip, info, ts_nanos)
    }

    #[cold]
    fn reassemble<'a>(
        &'a mut self,
        ip: ip::IpView<'_>,
        info: ip::FragmentInfo,
        ts_nanos: i64,
    ) -> Option<Packet<'a>> {
        if ip.snapped {
            return self.skip(SkipReason::FragmentTruncated);
        }
        let key = fragment::FragmentKey {
            src: ip.src,
            dst: ip.dst,
            id: info.id,
            protocol: ip.protocol,
        };
        if let Err(reason) =
            self.reassembler
                .insert(key, info, ip.payload, ts_nanos, &mut self.stats)
        {
            return self.skip(reason);
        }
        let datagram: &'a [u8] = &self.reassembler.out;
        // An IPv6 fragment header is followed by the rest of the extension chain.
        let upper = if ip.v6 {
            ip::walk_extensions(ip.protocol, datagram, false)
        } else {
            Ok(ip::Upper {
                protocol: ip.protocol,
                payload: datagram,
                fragment: None,
            })
        };
        match upper.and_then(|u| transport::parse(u.protocol, ip.v6, u.payload)) {
            Ok(transport) => {
                self.stats.decoded += 1;
                Some(Packet {
                    src: ip.src,
                    dst: ip.dst,
                    ip_ttl: ip.ttl,
                    transport,
                })
            }
            Err(reason) => {
                self.last_skip = Some(reason);
                self.stats.count_skip(reason);
                None
            }
        }
    }

    #[cold]
    fn skip<'a>(&mut self, reason: SkipReason) -> Option<Packet<'a>> {
        self.last_skip = Some(reason);
        self.stats.count_skip(reason);
        None
    }

    /// Why the last frame given to [`Decoder::decode`] was skipped, if it was.
    pub fn last_skip(&self) -> Option<SkipReason> {
        self.last_skip
    }

    pub fn stats(&self) -> &DecodeStats {
        &self.stats
    }

    /// Datagrams waiting for fragments, and the bytes they hold.
    pub fn pending_fragments(&self) -> (usize, usize) {
        (
            self.reassembler.pending_sets(),
            self.reassembler.pending_bytes(),
        )
    }

    /// Ends the file: drops incomplete datagrams (counted as abandoned) and returns the
    /// final statistics.
    pub fn finish(&mut self) -> &DecodeStats {
        self.reassembler.abandon_all(&mut self.stats);
        &self.stats
    }
}
