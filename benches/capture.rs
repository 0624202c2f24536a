//! Throughput of the capture stage alone: read the shared benchmark seed
//! (../shared/bench/seed.pcap) with a sink that only sums data lengths. Also measures the same
//! bytes held in memory (walker cost without the file system), a pcapng rewrite of them, and
//! pcap-parser's slice parsers over the same data as a baseline for the decision to walk
//! records by hand. Without the seed it runs on a stand-in made of the committed samples
//! (see `common`), named as such.

mod common;

use std::hint::black_box;

use arcaudit::capture::{Input, read_capture, read_from};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Rewrites the frames of a pcap as a little-endian pcapng (one SHB, one IDB, EPBs).
fn to_pcapng(pcap: &[u8]) -> Vec<u8> {
    let mut linktype = 1;
    let mut frames = Vec::new();
    read_from(&Input::Stdin, pcap, |f| {
        linktype = f.linktype;
        frames.push((f.ts_nanos, f.data.to_vec(), f.orig_len));
    });
    common::pcapng_of(
        linktype,
        frames
            .iter()
            .map(|(ts, d, orig)| (*ts, d.as_slice(), *orig)),
    )
}

fn bench(c: &mut Criterion) {
    let input = common::seed_or_samples();
    let (name, path) = (input.name, input.path.clone());
    let bytes = std::fs::read(&path).expect("read the bench capture");
    let pcapng = to_pcapng(&bytes);
    let mut g = c.benchmark_group("capture");
    g.sample_size(20);

    g.throughput(Throughput::Bytes(bytes.len() as u64));
    let file = Input::Path(path.clone());
    g.bench_function(format!("{name} file"), |b| {
        b.iter(|| {
            let mut sum = 0u64;
            let o = read_capture(&file, |f| sum += f.data.len() as u64);
            assert!(o.error.is_none());
            black_box(sum)
        })
    });
    g.bench_function(format!("{name} in memory"), |b| {
        b.iter(|| {
            let mut sum = 0u64;
            read_from(&Input::Stdin, &bytes[..], |f| sum += f.data.len() as u64);
            black_box(sum)
        })
    });
    g.bench_function("pcap-parser legacy pcap, in memory (baseline)", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            let (mut rest, _) = pcap_parser::pcap::parse_pcap_header(&bytes).expect("header");
            while let Ok((r, blk)) = pcap_parser::pcap::parse_pcap_frame(rest) {
                sum += blk.data.len() as u64;
                rest = r;
            }
            black_box(sum)
        })
    });

    g.throughput(Throughput::Bytes(pcapng.len() as u64));
    g.bench_function(format!("{name} as pcapng in memory"), |b| {
        b.iter(|| {
            let mut sum = 0u64;
            read_from(&Input::Stdin, &pcapng[..], |f| sum += f.data.len() as u64);
            black_box(sum)
        })
    });
    g.bench_function("pcap-parser pcapng blocks, in memory (baseline)", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            let mut rest = &pcapng[..];
            while let Ok((r, blk)) = pcap_parser::pcapng::parse_block_le(rest) {
                if let pcap_parser::pcapng::Block::EnhancedPacket(epb) = blk {
                    sum += epb.caplen as u64;
                }
                rest = r;
            }
            black_box(sum)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
