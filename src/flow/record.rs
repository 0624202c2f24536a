//! What the flow table hands out: a finished [`FlowRecord`] with its transport facts, the
//! dissector's output, and the table-wide [`FlowStats`]. Plain owned data; how flows are
//! tracked and when they end is `table`'s and `update`'s business.

use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

use super::{ConnState, StreamStatus};
use crate::wire::Transport;

/// Why a flow was emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// Both sides closed (or one reset) and the flow fell silent.
    Closed,
    /// No packet for the idle timeout.
    Idle,
    /// The table was full and this flow was the least recently active.
    Evicted,
    /// A new SYN reused the 5-tuple of a finished connection.
    Reused,
    /// The capture ended with the flow still open.
    EndOfCapture,
}

/// Frame numbers (1-based, per file) of a flow's key transport events.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyFrames {
    pub first: u64,
    pub last: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn_ack: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_fin: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_rst: Option<u64>,
}

/// Counters for one direction.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DirectionCounters {
    pub packets: u64,
    pub payload_bytes: u64,
}

/// An ICMP error that quoted this flow.
#[derive(Debug, Clone, Serialize)]
pub struct IcmpEvent {
    pub frame: u64,
    /// The router or host that sent the ICMP message.
    pub from: IpAddr,
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
}

/// Most host components kept per flow: a packet crosses two to eight; more is not more
/// evidence.
pub const MAX_HOST_COMPONENTS: usize = 16;
/// Most host drops kept per flow: the first is the evidence, a few show it repeating.
pub const MAX_HOST_DROPS: usize = 4;

/// The host components a flow's packets crossed and the drops reported on it, as Windows
/// Packet Monitor logged them. Bounded: [`MAX_HOST_COMPONENTS`], [`MAX_HOST_DROPS`] (the rest
/// only counted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HostPath {
    /// Component ids in the order first seen.
    pub components: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drops: Vec<HostDropEvent>,
    /// Drops beyond [`MAX_HOST_DROPS`].
    #[serde(skip_serializing_if = "is_zero")]
    pub more_drops: u64,
}

/// A packet of the flow dropped on the capturing host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HostDropEvent {
    /// The frame of the drop report.
    pub frame: u64,
    /// The component that dropped it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<u32>,
    /// Packet Monitor's drop reason code and location code, as logged.
    pub reason: u32,
    pub location: u32,
    /// The dropped packet was the client's (else the server's, on its way in).
    pub from_client: bool,
}

/// TCP-specific facts of a flow.
#[derive(Debug, Clone, Serialize)]
pub struct TcpFacts {
    pub conn_state: ConnState,
    pub history: String,
    /// SYNs from the client beyond the first with the same sequence number.
    pub syn_retransmissions: u32,
    /// Data segments that did not advance the sequence space (Zeek's count).
    pub retransmissions: u32,
    pub client_stream: StreamStatus,
    pub server_stream: StreamStatus,
    /// Bytes of each direction handed to the dissectors.
    pub client_stream_bytes: u32,
    pub server_stream_bytes: u32,
}

/// One finished flow: transport facts plus whatever the dissector learnt.
#[derive(Debug, Clone, Serialize)]
pub struct FlowRecord<A> {
    pub transport: Transport,
    #[serde(serialize_with = "socket_text")]
    pub client: SocketAddr,
    #[serde(serialize_with = "socket_text")]
    pub server: SocketAddr,
    /// True when no SYN told who the client was and the port heuristic decided.
    pub client_guessed: bool,
    /// First and last packet, nanoseconds since the Unix epoch.
    pub first_ts_ns: i64,
    pub last_ts_ns: i64,
    pub frames: KeyFrames,
    pub client_counters: DirectionCounters,
    pub server_counters: DirectionCounters,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpFacts>,
    /// For UDP: Zeek's conn_state (S0, SF, SHR, OTH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp_conn_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub icmp: Vec<IcmpEvent>,
    /// Where on the capturing host its packets were seen, when the capture says so
    /// (Windows Packet Monitor): the components they crossed and any drop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostPath>,
    pub end_reason: EndReason,
    pub app: A,
}

/// Table-wide counters, for the per-file statistics.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FlowStats {
    pub tcp_flows: u64,
    pub udp_flows: u64,
    pub evicted: u64,
    pub icmp_matched: u64,
    pub icmp_unmatched: u64,
    /// Most flows held at once.
    pub peak_flows: u64,
    /// Flows whose buffering was stopped because the table's buffer budget was spent.
    #[serde(skip_serializing_if = "is_zero")]
    pub budget_cut: u64,
}

/// An address as `Display` writes it ("10.1.0.4:49702", "[2001:db8::1]:443"): serde's own
/// impl goes through `core::fmt` for every flow's two endpoints, a measurable share of
/// `flows`' rendering; an IPv4 endpoint (nearly all of them) is written by hand here.
fn socket_text<S: serde::Serializer>(a: &SocketAddr, s: S) -> Result<S::Ok, S::Error> {
    let SocketAddr::V4(v4) = a else {
        return s.collect_str(a);
    };
    // "255.255.255.255:65535" is 21 bytes.
    let mut buf = [0u8; 21];
    let mut n = 0;
    for (i, octet) in v4.ip().octets().into_iter().enumerate() {
        if i > 0 {
            put_byte(&mut buf, &mut n, b'.');
        }
        put_decimal(&mut buf, &mut n, u32::from(octet));
    }
    put_byte(&mut buf, &mut n, b':');
    put_decimal(&mut buf, &mut n, u32::from(v4.port()));
    // Only ASCII digits, dots and a colon were written.
    s.serialize_str(std::str::from_utf8(buf.get(..n).unwrap_or_default()).unwrap_or_default())
}

fn put_byte(buf: &mut [u8], n: &mut usize, b: u8) {
    if let Some(slot) = buf.get_mut(*n) {
        *slot = b;
        *n += 1;
    }
}

/// `v` (below 100,000) in decimal without leading zeros.
fn put_decimal(buf: &mut [u8], n: &mut usize, v: u32) {
    let digits = [
        (v / 10000) % 10,
        (v / 1000) % 10,
        (v / 100) % 10,
        (v / 10) % 10,
        v % 10,
    ];
    let skip = digits.iter().take(4).take_while(|&&d| d == 0).count();
    for d in digits.iter().skip(skip) {
        put_byte(buf, n, b'0' + *d as u8);
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    /// The hand-written IPv4 text is `Display`'s, at the edges of every field.
    #[test]
    fn socket_text_is_display() {
        #[derive(serde::Serialize)]
        struct W(#[serde(serialize_with = "super::socket_text")] SocketAddr);
        let mut cases: Vec<SocketAddr> = Vec::new();
        for a in [0u8, 1, 9, 10, 99, 100, 199, 200, 255] {
            for p in [0u16, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535] {
                cases.push(SocketAddr::from(([a, 255 - a, 7, a / 2], p)));
            }
        }
        cases.push("[2001:db8::1]:443".parse().unwrap());
        cases.push("[fe80::1%3]:53".parse().unwrap());
        for c in cases {
            assert_eq!(
                serde_json::to_string(&W(c)).unwrap(),
                format!("\"{c}\""),
                "{c}"
            );
        }
    }
}
