//! decode::Decoder over arbitrary link types and frames. One decoder sees several frames
//! (so IPv4/IPv6 fragment reassembly, its eviction and timeouts are exercised), each with a
//! fuzzer-chosen link type and a timestamp that may go backwards.
#![no_main]

#[path = "common.rs"]
mod common;

use arcaudit::decode::{DecodeLimits, Decoder, Transport, link::linktype};
use common::Bytes;
use libfuzzer_sys::fuzz_target;

const LINKTYPES: [u32; 10] = [
    linktype::NULL,
    linktype::ETHERNET,
    linktype::DLT_RAW_12,
    linktype::DLT_RAW_14,
    linktype::RAW,
    linktype::LOOP,
    linktype::LINUX_SLL,
    linktype::IPV4,
    linktype::IPV6,
    linktype::LINUX_SLL2,
];

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    // Small limits so eviction paths run; a byte picks them.
    let l = b.u8();
    let limits = DecodeLimits {
        max_fragment_sets: usize::from(l & 0x0f) + 1,
        max_fragment_bytes: (usize::from(l >> 4) + 1) * 4096,
        fragment_timeout_nanos: 1_000_000_000,
    };
    let mut decoder = Decoder::new(limits);
    let mut ts: i64 = 0;
    while !b.is_empty() {
        let sel = b.u8();
        let lt = if sel < 240 {
            LINKTYPES[usize::from(sel) % LINKTYPES.len()]
        } else {
            b.u32()
        };
        // Timestamp step: mostly forward, sometimes far back or far forward.
        let step = b.u8();
        ts = match step {
            0xff => ts.wrapping_sub(5_000_000_000),
            0xfe => i64::MAX - 1,
            0xfd => i64::MIN,
            s => ts.saturating_add(i64::from(s) * 100_000_000),
        };
        let len = usize::from(b.u16() & 0x3fff);
        let frame = b.take(len);
        if let Some(pkt) = decoder.decode(lt, frame, ts) {
            match pkt.transport {
                Transport::Tcp(t) => std::hint::black_box(t.payload.len()),
                Transport::Udp(u) => std::hint::black_box(u.payload.len()),
                Transport::Icmp(i) => std::hint::black_box(usize::from(i.icmp_type)),
            };
        }
        let (sets, bytes) = decoder.pending_fragments();
        assert!(sets <= limits.max_fragment_sets, "fragment sets over bound");
        assert!(
            bytes <= limits.max_fragment_bytes,
            "fragment bytes over bound"
        );
    }
    let stats = decoder.finish().clone();
    std::hint::black_box(serde_json::to_string(&stats).unwrap());
});
