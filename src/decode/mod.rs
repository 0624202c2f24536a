//! Frame bytes -> a borrowed view of link, IP and TCP/UDP/ICMP headers. Counts what it skips
//! and why. Reassembles IPv4/IPv6 fragments within a bound. Knows nothing of flows or TLS.

use std::net::IpAddr;

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
#[derive(Debug, Clone, Copy)]
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
    pub transport: Transport<'a>,
}
