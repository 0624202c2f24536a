//! A whole capture through pipeline-like code: capture::read_from -> Decoder ->
//! FlowTable<AppDissector> -> serialised flow records, as pipeline::analyze does for a file.
//! Inputs that start with a capture magic (the seeds) are read as they are; anything else is
//! a recipe for a little-endian pcap: a link type selector, then records of (timestamp step,
//! 16-bit length, bytes), so the fuzzer mutates packets rather than pcap framing.
#![no_main]

#[path = "common.rs"]
mod common;

use arcaudit::capture::{self, Input};
use arcaudit::decode::{DecodeLimits, Decoder};
use arcaudit::dissect::AppDissector;
use arcaudit::flow::{FlowConfig, FlowTable};
use common::{Bytes, has_capture_magic};
use libfuzzer_sys::fuzz_target;

fn recipe_to_pcap(data: &[u8]) -> Vec<u8> {
    let mut b = Bytes::new(data);
    let linktype: u32 = match b.u8() % 4 {
        0 => 1,   // Ethernet
        1 => 101, // raw IP
        2 => 113, // Linux cooked
        _ => 276, // Linux cooked v2
    };
    let mut out = Vec::with_capacity(data.len() + 64);
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    let mut secs: u32 = 1_700_000_000;
    while !b.is_empty() {
        let step = b.u8();
        secs = if step == 0xff {
            secs.wrapping_sub(100) // time goes backwards
        } else {
            secs.wrapping_add(u32::from(step >> 4))
        };
        let usecs = u32::from(step & 0x0f) * 60_000;
        let len = usize::from(b.u16() % 4096);
        let pkt = b.take(len);
        out.extend_from_slice(&secs.to_le_bytes());
        out.extend_from_slice(&usecs.to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(pkt);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let built;
    let bytes: &[u8] = if has_capture_magic(data) {
        data
    } else {
        built = recipe_to_pcap(data);
        &built
    };
    let cfg = FlowConfig {
        max_flows: 64,
        ..FlowConfig::default()
    };
    let mut decoder = Decoder::new(DecodeLimits::default());
    let mut table: FlowTable<AppDissector> = FlowTable::new(cfg);
    let mut emitted = 0u64;
    let mut emit = |flow: arcaudit::pipeline::Flow| {
        emitted += 1;
        std::hint::black_box(serde_json::to_string(&flow).unwrap());
    };
    let input = Input::Path("fuzz.pcap".into());
    let outcome = capture::read_from(&input, bytes, |frame| {
        if let Some(pkt) = decoder.decode(frame.linktype, frame.data, frame.ts_nanos) {
            table.packet(&pkt, frame.number, frame.ts_nanos, &mut emit);
            assert!(table.len() <= 64, "flow table over max_flows");
        }
    });
    let stats = table.finish_all(&mut emit);
    assert_eq!(
        stats.tcp_flows + stats.udp_flows,
        emitted,
        "every flow emitted once"
    );
    std::hint::black_box(serde_json::to_string(&outcome.summary).unwrap());
    std::hint::black_box(serde_json::to_string(decoder.finish()).unwrap());
});
