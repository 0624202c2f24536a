//! IPv4 and IPv6 headers: addresses, TTL, the upper-layer protocol and its bytes, trimmed to
//! the length the IP header claims (Ethernet pads short frames) and to what was captured.
//! Walks IPv6 extension headers. Leaves reassembly of fragments to [`super::fragment`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::SkipReason;
use super::link::Family;

/// Where a fragment sits in its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FragmentInfo {
    /// Identification (16 bits in IPv4, 32 in IPv6).
    pub id: u32,
    /// Offset of this fragment's first byte in the reassembled payload, in bytes.
    pub offset: u32,
    /// More fragments follow.
    pub more: bool,
}

/// One IP header, decoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IpView<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub v6: bool,
    /// Upper-layer protocol (for a fragment: of the whole datagram).
    pub protocol: u8,
    /// Upper-layer bytes: trimmed to the IP length, cut short if the frame was snapped.
    pub payload: &'a [u8],
    /// The frame held fewer bytes than the IP header claims.
    pub snapped: bool,
    pub fragment: Option<FragmentInfo>,
}

const PROTO_HOP_BY_HOP: u8 = 0;
const PROTO_ROUTING: u8 = 43;
const PROTO_FRAGMENT: u8 = 44;
const PROTO_AH: u8 = 51;
const PROTO_NO_NEXT: u8 = 59;
const PROTO_DEST_OPTS: u8 = 60;

#[inline(always)]
pub(crate) fn parse(bytes: &[u8], family: Family) -> Result<IpView<'_>, SkipReason> {
    let Some(version) = bytes.first().map(|b| b >> 4) else {
        // The link header was all there was (raw IP frames are never empty here).
        return Err(match family {
            Family::V6 => SkipReason::TruncatedIpv6,
            Family::V4 | Family::Any => SkipReason::TruncatedIpv4,
        });
    };
    match (version, family) {
        (4, Family::V4 | Family::Any) => parse_v4(bytes),
        (6, Family::V6 | Family::Any) => parse_v6(bytes),
        (v, _) => Err(SkipReason::BadIpVersion(v)),
    }
}

#[inline(always)]
fn parse_v4(b: &[u8]) -> Result<IpView<'_>, SkipReason> {
    let h: &[u8; 20] = b
        .get(..20)
        .and_then(|s| s.try_into().ok())
        .ok_or(SkipReason::TruncatedIpv4)?;
    let header_len = usize::from(h[0] & 0x0f) * 4;
    if header_len < 20 || header_len > b.len() {
        return Err(SkipReason::BadIpv4HeaderLength);
    }
    let total_len = usize::from(u16::from_be_bytes([h[2], h[3]]));
    // A total length of 0 is what Linux records for TSO super-segments captured before the
    // NIC split them: the frame itself is the datagram (Wireshark reads it the same way).
    let end = if total_len == 0 {
        b.len()
    } else if total_len < header_len {
        return Err(SkipReason::BadIpv4TotalLength);
    } else {
        total_len.min(b.len())
    };
    let snapped = total_len > b.len();
    let flags_offset = u16::from_be_bytes([h[6], h[7]]);
    let more = flags_offset & 0x2000 != 0;
    let offset = u32::from(flags_offset & 0x1fff) * 8;
    let fragment = (more || offset != 0).then_some(FragmentInfo {
        id: u32::from(u16::from_be_bytes([h[4], h[5]])),
        offset,
        more,
    });
    Ok(IpView {
        src: IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])),
        dst: IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])),
        ttl: h[8],
        v6: false,
        protocol: h[9],
        payload: &b[header_len..end],
        snapped,
        fragment,
    })
}

#[inline]
fn parse_v6(b: &[u8]) -> Result<IpView<'_>, SkipReason> {
    let h: &[u8; 40] = b
        .get(..40)
        .and_then(|s| s.try_into().ok())
        .ok_or(SkipReason::TruncatedIpv6)?;
    let payload_len = usize::from(u16::from_be_bytes([h[4], h[5]]));
    let available = b.len() - 40;
    // Payload length 0 with something after the header is a jumbogram or a Linux BIG TCP
    // super-segment whose jumbo option libpcap stripped: the frame is the datagram.
    let end = if payload_len == 0 && h[6] != PROTO_NO_NEXT {
        available
    } else {
        payload_len.min(available)
    };
    let snapped = payload_len > available;
    let src: [u8; 16] = h[8..24].try_into().map_err(|_| SkipReason::TruncatedIpv6)?;
    let dst: [u8; 16] = h[24..40]
        .try_into()
        .map_err(|_| SkipReason::TruncatedIpv6)?;
    let upper = walk_extensions(h[6], &b[40..40 + end], true)?;
    Ok(IpView {
        src: IpAddr::V6(Ipv6Addr::from(src)),
        dst: IpAddr::V6(Ipv6Addr::from(dst)),
        ttl: h[7],
        v6: true,
        protocol: upper.protocol,
        payload: upper.payload,
        snapped,
        fragment: upper.fragment,
    })
}

/// The end of an IPv6 extension header chain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upper<'a> {
    pub protocol: u8,
    pub payload: &'a [u8],
    pub fragment: Option<FragmentInfo>,
}

/// Walks hop-by-hop, routing, destination options, AH and fragment headers (RFC 8200 §4).
/// Stops at a real fragment header: what follows it is only meaningful after reassembly.
/// Every header is at least 8 bytes, so the walk is bounded by the payload length.
pub(crate) fn walk_extensions(
    mut next: u8,
    mut rest: &[u8],
    fragments_allowed: bool,
) -> Result<Upper<'_>, SkipReason> {
    loop {
        match next {
            PROTO_HOP_BY_HOP | PROTO_ROUTING | PROTO_DEST_OPTS => {
                let ext = rest.get(..2).ok_or(SkipReason::TruncatedIpv6Extension)?;
                let len = (usize::from(ext[1]) + 1) * 8;
                next = ext[0];
                rest = rest.get(len..).ok_or(SkipReason::TruncatedIpv6Extension)?;
            }
            PROTO_AH => {
                // RFC 4302: the length is in 4-byte units, minus 2.
                let ext = rest.get(..2).ok_or(SkipReason::TruncatedIpv6Extension)?;
                let len = (usize::from(ext[1]) + 2) * 4;
                next = ext[0];
                rest = rest.get(len..).ok_or(SkipReason::TruncatedIpv6Extension)?;
            }
            PROTO_FRAGMENT => {
                let ext = rest.get(..8).ok_or(SkipReason::TruncatedIpv6Extension)?;
                let offset_flags = u16::from_be_bytes([ext[2], ext[3]]);
                let info = FragmentInfo {
                    id: u32::from_be_bytes([ext[4], ext[5], ext[6], ext[7]]),
                    offset: u32::from(offset_flags & 0xfff8),
                    more: offset_flags & 0x0001 != 0,
                };
                next = ext[0];
                rest = &rest[8..];
                // An atomic fragment (offset 0, no more) is a whole datagram (RFC 6946).
                if info.offset != 0 || info.more {
                    if !fragments_allowed {
                        return Err(SkipReason::Ipv6NestedFragment);
                    }
                    return Ok(Upper {
                        protocol: next,
                        payload: rest,
                        fragment: Some(info),
                    });
                }
            }
            PROTO_NO_NEXT => return Err(SkipReason::Ipv6NoNextHeader),
            protocol => {
                return Ok(Upper {
                    protocol,
                    payload: rest,
                    fragment: None,
                });
            }
        }
    }
}
