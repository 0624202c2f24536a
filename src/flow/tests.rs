//! Flow table tests over hand-built packets: handshake and reassembly, SYN retransmissions,
//! guessed clients, port reuse, the bound and eviction, UDP with ICMP, idle expiry.

use super::*;
use crate::decode::{IcmpMessage, Packet, TcpFlags, TcpSegment, Transport, UdpDatagram};

/// Collects stream bytes per direction; wants at most 8 bytes of each.
#[derive(Default)]
struct Collect {
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    datagrams: usize,
}

impl Dissector for Collect {
    type Output = (String, String, usize);
    fn stream(&mut self, dir: Direction, bytes: &[u8], _frame: u64, _ts: i64) {
        match dir {
            Direction::ClientToServer => self.c2s.extend_from_slice(bytes),
            Direction::ServerToClient => self.s2c.extend_from_slice(bytes),
        }
    }
    fn wants_stream(&self, dir: Direction) -> bool {
        match dir {
            Direction::ClientToServer => self.c2s.len() < 8,
            Direction::ServerToClient => self.s2c.len() < 8,
        }
    }
    fn datagram(&mut self, _: Direction, _: &[u8], _: u64, _: i64) {
        self.datagrams += 1;
    }
    fn finish(self) -> Self::Output {
        (
            String::from_utf8_lossy(&self.c2s).into_owned(),
            String::from_utf8_lossy(&self.s2c).into_owned(),
            self.datagrams,
        )
    }
}

const C: &str = "10.0.0.1";
const S: &str = "20.0.0.2";

#[allow(clippy::too_many_arguments)]
fn tcp<'a>(
    src: &str,
    sp: u16,
    dst: &str,
    dp: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &'a [u8],
) -> Packet<'a> {
    Packet {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        ip_ttl: 64,
        transport: Transport::Tcp(TcpSegment {
            src_port: sp,
            dst_port: dp,
            seq,
            ack,
            flags: TcpFlags(flags),
            window: 512,
            payload,
        }),
    }
}

fn run(pkts: &[Packet<'_>], cfg: FlowConfig) -> Vec<FlowRecord<(String, String, usize)>> {
    let mut table = FlowTable::<Collect>::new(cfg);
    let mut out = Vec::new();
    for (i, p) in pkts.iter().enumerate() {
        table.packet(p, i as u64 + 1, i as i64 * 1_000_000, &mut |r| out.push(r));
    }
    table.finish_all(&mut |r| out.push(r));
    out
}

const SYN: u8 = TcpFlags::SYN;
const ACK: u8 = TcpFlags::ACK;
const FIN: u8 = TcpFlags::FIN;
const RST: u8 = TcpFlags::RST;

#[test]
fn handshake_out_of_order_data_and_close() {
    let pkts = [
        tcp(C, 40000, S, 443, SYN, 100, 0, b""),
        tcp(S, 443, C, 40000, SYN | ACK, 900, 101, b""),
        tcp(C, 40000, S, 443, ACK, 101, 901, b""),
        tcp(C, 40000, S, 443, ACK, 104, 901, b"def"),
        tcp(C, 40000, S, 443, ACK, 101, 901, b"abc"),
        tcp(S, 443, C, 40000, ACK, 901, 107, b"0123456789"),
        tcp(C, 40000, S, 443, FIN | ACK, 107, 911, b""),
        tcp(S, 443, C, 40000, FIN | ACK, 911, 108, b""),
        tcp(C, 40000, S, 443, ACK, 108, 912, b""),
    ];
    let out = run(&pkts, FlowConfig::default());
    assert_eq!(out.len(), 1);
    let r = &out[0];
    assert_eq!(r.client, "10.0.0.1:40000".parse().unwrap());
    assert!(!r.client_guessed);
    let t = r.tcp.as_ref().unwrap();
    assert_eq!(t.conn_state, ConnState::Sf);
    assert_eq!(r.app.0, "abcdef");
    assert_eq!(r.app.1, "0123456789");
    assert_eq!(t.server_stream, StreamStatus::Complete);
    assert_eq!(r.frames.syn, Some(1));
    assert_eq!(r.frames.syn_ack, Some(2));
    assert_eq!(r.frames.first_fin, Some(7));
    assert_eq!(r.client_counters.payload_bytes, 6);
}

#[test]
fn syn_retransmissions_counted_and_s0() {
    let pkts = [
        tcp(C, 40001, S, 443, SYN, 5, 0, b""),
        tcp(C, 40001, S, 443, SYN, 5, 0, b""),
        tcp(C, 40001, S, 443, SYN, 5, 0, b""),
    ];
    let out = run(&pkts, FlowConfig::default());
    let t = out[0].tcp.as_ref().unwrap();
    assert_eq!(t.syn_retransmissions, 2);
    assert_eq!(t.conn_state, ConnState::S0);
}

#[test]
fn midstream_flow_guesses_client_by_port() {
    let pkts = [tcp(S, 443, C, 40002, ACK, 5, 9, b"xyz")];
    let out = run(&pkts, FlowConfig::default());
    assert!(out[0].client_guessed);
    assert_eq!(out[0].server.port(), 443);
    assert_eq!(out[0].tcp.as_ref().unwrap().history, "^d");
}

#[test]
fn port_reuse_after_reset_starts_new_flow() {
    let pkts = [
        tcp(C, 40003, S, 443, SYN, 5, 0, b""),
        tcp(S, 443, C, 40003, RST | ACK, 0, 6, b""),
        tcp(C, 40003, S, 443, SYN, 7000, 0, b""),
    ];
    let out = run(&pkts, FlowConfig::default());
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].end_reason, EndReason::Reused);
    assert_eq!(out[0].tcp.as_ref().unwrap().conn_state, ConnState::Rej);
}

#[test]
fn table_is_bounded_and_evicts() {
    let cfg = FlowConfig {
        max_flows: 100,
        ..FlowConfig::default()
    };
    let mut table = FlowTable::<Collect>::new(cfg);
    let mut emitted = 0;
    for i in 0..10_000u32 {
        let p = tcp(C, (i % 60000) as u16 + 1, S, 443, SYN, i, 0, b"");
        let p = Packet {
            src: std::net::IpAddr::V4(std::net::Ipv4Addr::from(i)),
            ..p
        };
        table.packet(&p, u64::from(i) + 1, 0, &mut |_| emitted += 1);
        assert!(table.len() <= 100);
    }
    let stats = table.finish_all(&mut |_| emitted += 1);
    assert_eq!(emitted, 10_000);
    assert!(stats.evicted >= 9_900);
}

#[test]
fn udp_flow_and_icmp_match() {
    let q = Packet {
        src: C.parse().unwrap(),
        dst: S.parse().unwrap(),
        ip_ttl: 64,
        transport: Transport::Udp(UdpDatagram {
            src_port: 5353,
            dst_port: 53,
            payload: b"q",
        }),
    };
    let icmp = Packet {
        src: "192.0.2.1".parse().unwrap(),
        dst: C.parse().unwrap(),
        ip_ttl: 64,
        transport: Transport::Icmp(IcmpMessage {
            v6: false,
            icmp_type: 3,
            code: 3,
            quoted: Some(crate::decode::QuotedDatagram {
                src: C.parse().unwrap(),
                dst: S.parse().unwrap(),
                protocol: 17,
                src_port: 5353,
                dst_port: 53,
            }),
        }),
    };
    let out = run(&[q, icmp], FlowConfig::default());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].udp_conn_state, Some("S0"));
    assert_eq!(out[0].icmp.len(), 1);
    assert_eq!(out[0].app.2, 1);
}

#[test]
fn idle_flows_are_emitted_before_the_end() {
    let mut table = FlowTable::<Collect>::new(FlowConfig::default());
    let mut out = Vec::new();
    let p = tcp(C, 1234, S, 443, SYN, 1, 0, b"");
    table.packet(&p, 1, 0, &mut |r| out.push(r));
    let p2 = tcp(C, 1235, S, 443, SYN, 1, 0, b"");
    table.packet(&p2, 2, 400 * 1_000_000_000, &mut |r| out.push(r));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].end_reason, EndReason::Idle);
}

#[test]
fn ipv4_flow_key_fast_path_orders_as_the_general_key() {
    use std::net::{Ipv4Addr, SocketAddr};
    let addrs = [0u32, 1, 0x0a01_0004, 0x0a01_0005, 0xc0a8_0001, u32::MAX];
    let ports = [0u16, 1, 443, 59556, u16::MAX];
    for &x in &addrs {
        for &y in &addrs {
            for &p in &ports {
                for &q in &ports {
                    let a = SocketAddr::from((Ipv4Addr::from_bits(x), p));
                    let b = SocketAddr::from((Ipv4Addr::from_bits(y), q));
                    for proto in [6, 17] {
                        let fast = super::table::FlowKey::new(a, b, proto);
                        assert_eq!(fast, super::table::FlowKey::any(a, b, proto), "{a} {b}");
                        assert_eq!(fast, super::table::FlowKey::new(b, a, proto));
                    }
                }
            }
        }
    }
}
