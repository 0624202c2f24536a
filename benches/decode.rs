//! Decode throughput over the benchmark seed capture (../shared/bench/seed.pcap, or the
//! stand-in made of the committed samples without it, see `common`): every frame through
//! [`arcaudit::decode::Decoder`]. The record walker here is a bench harness only (classic
//! pcap, either byte order); the real reader lives in `capture`.

mod common;

use std::hint::black_box;

use arcaudit::decode::{DecodeLimits, Decoder, Transport};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// (linktype, frames as (offset, len) into the file bytes, timestamps).
struct Records {
    linktype: u32,
    frames: Vec<(usize, usize, i64)>,
}

fn walk(file: &[u8]) -> Option<Records> {
    let magic = file.get(..4)?;
    let (le, nanos) = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] => (true, false),
        [0xa1, 0xb2, 0xc3, 0xd4] => (false, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (true, true),
        [0xa1, 0xb2, 0x3c, 0x4d] => (false, true),
        _ => return None,
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = file.get(at..at + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let linktype = u32_at(20)? & 0x0fff_ffff;
    let mut frames = Vec::new();
    let mut at = 24usize;
    while let (Some(sec), Some(frac), Some(incl)) = (u32_at(at), u32_at(at + 4), u32_at(at + 8)) {
        let start = at + 16;
        let end = start.checked_add(incl as usize)?;
        if end > file.len() {
            break;
        }
        let ts = i64::from(sec) * 1_000_000_000 + i64::from(frac) * if nanos { 1 } else { 1000 };
        frames.push((start, incl as usize, ts));
        at = end;
    }
    Some(Records { linktype, frames })
}

fn bench_decode(c: &mut Criterion) {
    let input = common::seed_or_samples();
    let (name, path) = (input.name, input.path.as_path());
    let Ok(file) = std::fs::read(path) else {
        eprintln!("decode bench: cannot read {}", path.display());
        return;
    };
    let Some(records) = walk(&file) else {
        eprintln!(
            "decode bench: {} is not a classic pcap, skipping",
            path.display()
        );
        return;
    };
    // One pass outside the timing, so the numbers can be read per frame and checked.
    let mut decoder = Decoder::new(DecodeLimits::default());
    for &(start, len, ts) in &records.frames {
        let _ = decoder.decode(records.linktype, &file[start..start + len], ts);
    }
    eprintln!(
        "decode bench: {} bytes, {} frames; stats {}",
        file.len(),
        records.frames.len(),
        serde_json::to_string(decoder.finish()).unwrap_or_default()
    );

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut decoder = Decoder::new(DecodeLimits::default());
            let mut payload_bytes = 0usize;
            for &(start, len, ts) in &records.frames {
                let frame = &file[start..start + len];
                if let Some(p) = decoder.decode(records.linktype, frame, ts) {
                    payload_bytes += match p.transport {
                        Transport::Tcp(t) => t.payload.len(),
                        Transport::Udp(u) => u.payload.len(),
                        Transport::Icmp(_) => 0,
                    };
                }
            }
            black_box((payload_bytes, decoder.stats().decoded))
        })
    });
    // Reference point on the same frames and the same machine load: etherparse's slicer
    // (Ethernet/VLAN/IP/TCP/UDP/ICMP), which the pipeline's anchors were measured with.
    if records.linktype == 1 {
        group.bench_function(format!("{name}-etherparse"), |b| {
            b.iter(|| {
                let mut payload_bytes = 0usize;
                for &(start, len, _) in &records.frames {
                    let frame = &file[start..start + len];
                    if let Ok(p) = etherparse::SlicedPacket::from_ethernet(frame) {
                        payload_bytes += match p.transport {
                            Some(etherparse::TransportSlice::Tcp(t)) => t.payload().len(),
                            Some(etherparse::TransportSlice::Udp(u)) => u.payload().len(),
                            _ => 0,
                        };
                    }
                }
                black_box(payload_bytes)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
