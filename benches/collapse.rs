//! Cost of the duplicate collapse per frame: reading the shared benchmark seed (a tcpdump
//! capture, no copies) from memory with and without `Collapser::check` on every frame, and
//! the seed with every frame written three times (as Packet Monitor logs a packet at three
//! components) through the collapse. Without the seed it runs on the stand-in made of the
//! committed samples (see `common`), named as such.

mod common;

use std::hint::black_box;

use arcaudit::capture::{Input, read_from};
use arcaudit::collapse::{Collapser, Seen};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The classic pcap `pcap` with every record written `n` times, 1 µs apart.
fn tripled(pcap: &[u8], n: usize) -> Vec<u8> {
    let mut out = pcap[..24].to_vec();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let incl = u32::from_le_bytes([pcap[at + 8], pcap[at + 9], pcap[at + 10], pcap[at + 11]]);
        let end = at + 16 + incl as usize;
        if end > pcap.len() {
            break;
        }
        for _ in 0..n {
            out.extend_from_slice(&pcap[at..end]);
        }
        at = end;
    }
    out
}

fn bench(c: &mut Criterion) {
    let input = common::seed_or_samples();
    let bytes = std::fs::read(&input.path).expect("read the bench capture");
    let mut g = c.benchmark_group("collapse");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(format!("{} read only", input.name), |b| {
        b.iter(|| {
            let mut sum = 0u64;
            read_from(&Input::Stdin, &bytes[..], |f| sum += f.data.len() as u64);
            black_box(sum)
        })
    });
    g.bench_function(format!("{} read + collapse", input.name), |b| {
        b.iter(|| {
            let mut c = Collapser::new(false);
            let mut sum = 0u64;
            read_from(&Input::Stdin, &bytes[..], |f| {
                if c.check(f) == Seen::First {
                    sum += f.data.len() as u64;
                }
            });
            black_box(sum)
        })
    });
    // Little-endian classic pcap only (the seed and the stand-in are).
    if bytes.starts_with(&[0xd4, 0xc3, 0xb2, 0xa1]) || bytes.starts_with(&[0x4d, 0x3c, 0xb2, 0xa1])
    {
        let three = tripled(&bytes, 3);
        g.throughput(Throughput::Bytes(three.len() as u64));
        g.bench_function(format!("{} x3 copies, read + collapse", input.name), |b| {
            b.iter(|| {
                let mut c = Collapser::new(false);
                let mut sum = 0u64;
                read_from(&Input::Stdin, &three[..], |f| {
                    if c.check(f) == Seen::First {
                        sum += f.data.len() as u64;
                    }
                });
                black_box(sum)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
