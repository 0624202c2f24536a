//! TCP reassembly two ways. Mode 0 (first byte even): a StreamReassembler driven by an
//! arbitrary sequence of SYNs, segments (any seq, any payload), ACKs, completion and finish.
//! Mode 1 (odd): a FlowTable<AppDissector> with small bounds fed TCP packets built from the
//! input (a few hosts and ports so packets collide into flows; any seq/ack/flags/payload;
//! timestamps that may go backwards).
#![no_main]

#[path = "common.rs"]
mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arcaudit::decode::{Packet, TcpFlags, TcpSegment, Transport, UdpDatagram};
use arcaudit::dissect::AppDissector;
use arcaudit::flow::{FlowConfig, FlowTable, StreamReassembler};
use common::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    if b.u8() & 1 == 0 {
        reassembler(b);
    } else {
        flow_table(b);
    }
});

fn reassembler(mut b: Bytes<'_>) {
    let limit = u32::from(b.u16()) * 16 + 1;
    let stop_after = usize::from(b.u16()); // the consumer says "enough" after this many bytes
    let mut r = StreamReassembler::default();
    let mut got = 0usize;
    let mut calls_after_done = false;
    let mut done = false;
    while !b.is_empty() {
        match b.u8() % 6 {
            0 => r.syn(b.u32()),
            1 | 2 => {
                let seq = b.u32();
                let len = usize::from(b.u16() % 2048);
                let payload = b.take(len);
                r.segment(seq, payload, limit, &mut |bytes| {
                    if done {
                        calls_after_done = true;
                    }
                    got += bytes.len();
                    if got >= stop_after {
                        done = true;
                    }
                    !done
                });
            }
            3 => r.acked(b.u32()),
            4 => r.finish(),
            _ => r.complete(),
        }
        assert!(
            !calls_after_done,
            "bytes delivered after the consumer said done"
        );
        assert!(
            got <= limit as usize,
            "delivered {got} bytes past the limit {limit}"
        );
        assert_eq!(
            r.delivered() as usize,
            got,
            "delivered() disagrees with deliveries"
        );
        std::hint::black_box(r.status());
    }
}

fn flow_table(mut b: Bytes<'_>) {
    let cfg = FlowConfig {
        stream_limit: u32::from(b.u16() % 8192) + 1,
        tcp_idle_nanos: 10_000_000_000,
        tcp_closed_linger_nanos: 1_000_000_000,
        udp_idle_nanos: 5_000_000_000,
        max_flows: usize::from(b.u8() % 16) + 1,
        // Small budgets too, so the path that stops a flow's buffering is exercised.
        buffer_budget: (usize::from(b.u16()) + 1) * 64,
    };
    let max_flows = cfg.max_flows;
    let mut table: FlowTable<AppDissector> = FlowTable::new(cfg);
    let hosts: [IpAddr; 4] = [
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
        IpAddr::V4(Ipv4Addr::new(52, 1, 2, 3)),
    ];
    let ports = [443u16, 53, 80, 3128, 50000, 50001];
    let mut emitted = 0u64;
    let mut frame = 0u64;
    let mut ts: i64 = 1_700_000_000_000_000_000;
    while !b.is_empty() {
        frame += 1;
        let sel = b.u8();
        let src = hosts[usize::from(sel & 3)];
        let dst = hosts[usize::from((sel >> 2) & 3)];
        let sp = ports[usize::from(b.u8()) % ports.len()];
        let dp = ports[usize::from(b.u8()) % ports.len()];
        let step = b.u8();
        ts = if step == 0xff {
            ts.saturating_sub(3_000_000_000)
        } else {
            ts.saturating_add(i64::from(step) * 50_000_000)
        };
        let len = usize::from(b.u16() % 1500);
        let transport = if sel & 0x80 == 0 {
            let seq = b.u32();
            let ack = b.u32();
            let flags = b.u8() & 0x3f;
            Transport::Tcp(TcpSegment {
                src_port: sp,
                dst_port: dp,
                seq,
                ack,
                flags: TcpFlags(flags),
                window: 1024,
                payload: b.take(len),
            })
        } else {
            Transport::Udp(UdpDatagram {
                src_port: sp,
                dst_port: dp,
                payload: b.take(len),
            })
        };
        let pkt = Packet {
            src,
            dst,
            ip_ttl: 64,
            transport,
        };
        table.packet(&pkt, frame, ts, &mut |rec| {
            emitted += 1;
            std::hint::black_box(serde_json::to_string(&rec).unwrap());
        });
        assert!(table.len() <= max_flows, "flow table over max_flows");
    }
    let stats = table.finish_all(&mut |rec| {
        emitted += 1;
        std::hint::black_box(serde_json::to_string(&rec).unwrap());
    });
    assert_eq!(
        stats.tcp_flows + stats.udp_flows,
        emitted,
        "every flow emitted once"
    );
}
