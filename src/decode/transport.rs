//! TCP, UDP, ICMP and ICMPv6 headers over the upper-layer bytes of one IP datagram, and the
//! datagram an ICMP error quotes. Checksums are not verified: captures on hosts are taken
//! with checksum offload, so outgoing packets carry checksums the NIC has yet to fill in.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ip::walk_extensions;
use super::{
    IcmpMessage, QuotedDatagram, SkipReason, TcpFlags, TcpSegment, Transport, UdpDatagram,
};

pub(crate) const PROTO_ICMP: u8 = 1;
pub(crate) const PROTO_TCP: u8 = 6;
pub(crate) const PROTO_UDP: u8 = 17;
pub(crate) const PROTO_ICMPV6: u8 = 58;

// Always inlined (measured): called from the decoder's two paths, so the compiler kept it
// out of line, and the segment then crossed two more copies per packet.
#[inline(always)]
pub(crate) fn parse(protocol: u8, v6: bool, b: &[u8]) -> Result<Transport<'_>, SkipReason> {
    match protocol {
        PROTO_TCP => parse_tcp(b).map(Transport::Tcp),
        PROTO_UDP => parse_udp(b).map(Transport::Udp),
        PROTO_ICMP if !v6 => parse_icmp(b).map(Transport::Icmp),
        PROTO_ICMPV6 if v6 => parse_icmpv6(b).map(Transport::Icmp),
        other => Err(SkipReason::UnsupportedIpProtocol(other)),
    }
}

#[inline(always)]
fn parse_tcp(b: &[u8]) -> Result<TcpSegment<'_>, SkipReason> {
    let h: &[u8; 20] = b
        .get(..20)
        .and_then(|s| s.try_into().ok())
        .ok_or(SkipReason::TruncatedTcp)?;
    let header_len = usize::from(h[12] >> 4) * 4;
    if header_len < 20 {
        return Err(SkipReason::BadTcpDataOffset);
    }
    // Options cut by the snap length: the payload boundary is unknown, so skip.
    let payload = b.get(header_len..).ok_or(SkipReason::TruncatedTcp)?;
    Ok(TcpSegment {
        src_port: u16::from_be_bytes([h[0], h[1]]),
        dst_port: u16::from_be_bytes([h[2], h[3]]),
        seq: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        ack: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
        flags: TcpFlags(h[13]),
        window: u16::from_be_bytes([h[14], h[15]]),
        payload,
    })
}

#[inline(always)]
fn parse_udp(b: &[u8]) -> Result<UdpDatagram<'_>, SkipReason> {
    let h = b.get(..8).ok_or(SkipReason::TruncatedUdp)?;
    let length = usize::from(u16::from_be_bytes([h[4], h[5]]));
    // Length 0 is legal for IPv6 jumbograms (RFC 2675) and seen with GSO: take what is there.
    let end = match length {
        0 => b.len(),
        1..=7 => return Err(SkipReason::BadUdpLength),
        n => n.min(b.len()),
    };
    Ok(UdpDatagram {
        src_port: u16::from_be_bytes([h[0], h[1]]),
        dst_port: u16::from_be_bytes([h[2], h[3]]),
        payload: &b[8..end],
    })
}

/// ICMP types whose body quotes the offending datagram's IP header + 8 bytes (RFC 792):
/// destination unreachable, source quench, redirect, time exceeded, parameter problem.
fn icmp_quotes(icmp_type: u8) -> bool {
    matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
}

/// ICMPv6 error types (RFC 4443): destination unreachable, packet too big, time exceeded,
/// parameter problem.
fn icmpv6_quotes(icmp_type: u8) -> bool {
    matches!(icmp_type, 1..=4)
}

fn parse_icmp(b: &[u8]) -> Result<IcmpMessage, SkipReason> {
    let h = b.get(..8).ok_or(SkipReason::TruncatedIcmp)?;
    let quoted = if icmp_quotes(h[0]) {
        quoted_v4(&b[8..])
    } else {
        None
    };
    Ok(IcmpMessage {
        v6: false,
        icmp_type: h[0],
        code: h[1],
        quoted,
    })
}

fn parse_icmpv6(b: &[u8]) -> Result<IcmpMessage, SkipReason> {
    let h = b.get(..8).ok_or(SkipReason::TruncatedIcmpv6)?;
    let quoted = if icmpv6_quotes(h[0]) {
        quoted_v6(&b[8..])
    } else {
        None
    };
    Ok(IcmpMessage {
        v6: true,
        icmp_type: h[0],
        code: h[1],
        quoted,
    })
}

/// The quoted datagram's ports, when it is TCP or UDP and the quote holds them. Protocols
/// without ports are quoted with ports 0; a quote that stops before the ports gives None.
fn quoted_ports(protocol: u8, upper: &[u8], first_fragment: bool) -> Option<(u16, u16)> {
    match protocol {
        PROTO_TCP | PROTO_UDP => {
            if !first_fragment {
                return None;
            }
            let p = upper.get(..4)?;
            Some((
                u16::from_be_bytes([p[0], p[1]]),
                u16::from_be_bytes([p[2], p[3]]),
            ))
        }
        _ => Some((0, 0)),
    }
}

fn quoted_v4(b: &[u8]) -> Option<QuotedDatagram> {
    let h = b.get(..20)?;
    if h[0] >> 4 != 4 {
        return None;
    }
    let header_len = usize::from(h[0] & 0x0f) * 4;
    if header_len < 20 {
        return None;
    }
    let first_fragment = u16::from_be_bytes([h[6], h[7]]) & 0x1fff == 0;
    let protocol = h[9];
    let (src_port, dst_port) = quoted_ports(protocol, b.get(header_len..)?, first_fragment)?;
    Some(QuotedDatagram {
        src: IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])),
        dst: IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])),
        protocol,
        src_port,
        dst_port,
    })
}

fn quoted_v6(b: &[u8]) -> Option<QuotedDatagram> {
    let h = b.get(..40)?;
    if h[0] >> 4 != 6 {
        return None;
    }
    let src: [u8; 16] = h[8..24].try_into().ok()?;
    let dst: [u8; 16] = h[24..40].try_into().ok()?;
    // The quote is cut wherever the error's size limit fell, so trust the bytes present
    // rather than the quoted payload length.
    let upper = walk_extensions(h[6], &b[40..], true).ok()?;
    let first_fragment = upper.fragment.is_none_or(|f| f.offset == 0);
    let (src_port, dst_port) = quoted_ports(upper.protocol, upper.payload, first_fragment)?;
    Some(QuotedDatagram {
        src: IpAddr::V6(Ipv6Addr::from(src)),
        dst: IpAddr::V6(Ipv6Addr::from(dst)),
        protocol: upper.protocol,
        src_port,
        dst_port,
    })
}
