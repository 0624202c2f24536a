//! Read speed of ETL (Windows Packet Monitor) files against pcapng holding the same frames,
//! per byte of the file as stored: the frames of the shared benchmark seed
//! (../shared/bench/seed.pcap, its first [`FRAME_BYTES`] of frames) or, without it, of the
//! committed samples (see `common`), written by the tests' ETL writer as Packet Monitor packet
//! events in plain, Plain LZ77 and LZ77+Huffman buffers, and as a pcapng. The goal (issue 14):
//! a plain ETL file reads within 2x of pcapng per byte; the compressed ones pay for
//! decompression, so they are also set against the same pcapng gzip-compressed (the reader
//! inflates .gz itself). Results are in docs/windows.md.
//!
//! For instruction counts on a shared machine (wall time is noisy there), `ETL_BENCH_ONCE=<file
//! name, e.g. "etl lz77">` reads that one file once over the first 1 MiB of frames (or
//! `ETL_BENCH_BYTES`) and exits:
//! `ETL_BENCH_ONCE="etl lz77" valgrind --tool=callgrind --toggle-collect='*read_once*'
//! target/release/deps/etl-<hash>` counts the reading alone, not the building of the files.

mod common;
#[path = "../tests/common/etl.rs"]
mod etl;

use std::hint::black_box;

use arcaudit::capture::{Input, read_from};
use criterion::{Criterion, Throughput, criterion_group};
use etl::{Clock, Compression, EtlWriter, PktmonPacket};

/// Frame bytes taken from the capture: enough for steady state, little enough that building
/// the compressed files (the writer's compressors are simple) stays quick.
const FRAME_BYTES: usize = 8 << 20;

struct Frames {
    linktype: u32,
    frames: Vec<(i64, Vec<u8>)>,
}

fn frames(path: &std::path::Path, limit: usize) -> Frames {
    let bytes = std::fs::read(path).expect("read the bench capture");
    let mut out = Frames {
        linktype: 1,
        frames: Vec::new(),
    };
    let mut total = 0;
    read_from(&Input::Stdin, &bytes[..], |f| {
        // Packet Monitor logs at most 64 KiB per event; the writer's events must fit.
        if total < limit && f.linktype == 1 && f.data.len() < 60_000 {
            total += f.data.len();
            out.frames
                .push((f.ts_nanos - f.ts_nanos % 100, f.data.to_vec()));
        }
    });
    out
}

fn to_pcapng(f: &Frames) -> Vec<u8> {
    common::pcapng_of(
        f.linktype,
        f.frames
            .iter()
            .map(|(ts, d)| (*ts, d.as_slice(), d.len() as u32)),
    )
}

fn to_etl(f: &Frames, compression: Compression) -> Vec<u8> {
    let mut w = EtlWriter::new(compression, Clock::SystemTime);
    for (i, (ts, data)) in f.frames.iter().enumerate() {
        w.pktmon_packet(
            *ts,
            &PktmonPacket {
                group_id: i as u64,
                component: 59,
                edge: 1,
                dir_tag: 3,
                packet_type: 1,
                drop: None,
                data,
            },
        );
    }
    w.finish()
}

/// The files read, by name, and the frame bytes they hold.
fn files(limit: usize, only: Option<&str>) -> (String, usize, Vec<(String, Vec<u8>)>) {
    let input = common::seed_or_samples();
    let f = frames(&input.path, limit);
    let frame_bytes: usize = f.frames.iter().map(|(_, d)| d.len()).sum();
    let pcapng = to_pcapng(&f);
    let gz = |pcapng: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, pcapng).expect("gzip");
        gz.finish().expect("gzip")
    };
    let files: Vec<(String, Vec<u8>)> = [
        ("pcapng.gz", None),
        ("pcapng", None),
        ("etl plain", Some(Compression::None)),
        ("etl lz77", Some(Compression::Lz77)),
        ("etl huffman", Some(Compression::Huffman)),
    ]
    .into_iter()
    .filter(|(name, _)| only.is_none_or(|o| o == *name))
    .map(|(name, compression)| {
        let bytes = match (name, compression) {
            ("pcapng.gz", _) => gz(&pcapng),
            (_, Some(c)) => to_etl(&f, c),
            _ => pcapng.clone(),
        };
        (name.to_string(), bytes)
    })
    .collect();
    let title = format!(
        "{} frames ({frame_bytes} frame bytes) of {}",
        f.frames.len(),
        input.name
    );
    (title, frame_bytes, files)
}

fn bench(c: &mut Criterion) {
    let (title, frame_bytes, files) = files(FRAME_BYTES, None);
    let mut g = c.benchmark_group(format!("etl vs pcapng, {title}"));
    g.sample_size(20);
    for (name, bytes) in &files {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("{name} ({} bytes stored)", bytes.len()), |b| {
            b.iter(|| {
                let mut sum = 0u64;
                let o = read_from(&Input::Stdin, &bytes[..], |fr| sum += fr.data.len() as u64);
                assert!(o.error.is_none(), "{name}: {:?}", o.error);
                assert_eq!(sum, frame_bytes as u64, "{name}");
                black_box(sum)
            })
        });
    }
    g.finish();
}

/// One read of one file, for an instruction count (see the module docs).
fn once(name: &str) {
    let limit = std::env::var("ETL_BENCH_BYTES")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(1 << 20);
    let (title, frame_bytes, files) = files(limit, Some(name));
    let Some((_, bytes)) = files.first() else {
        panic!("ETL_BENCH_ONCE: no file named {name:?}");
    };
    let sum = read_once(bytes);
    assert_eq!(sum, frame_bytes as u64, "{name}");
    println!("{name}: {} bytes stored, {title}", bytes.len());
}

/// The read [`once`] measures: callgrind's `--toggle-collect='*read_once*'` counts only this.
#[inline(never)]
fn read_once(bytes: &[u8]) -> u64 {
    let mut sum = 0u64;
    let o = read_from(&Input::Stdin, bytes, |fr| sum += fr.data.len() as u64);
    assert!(o.error.is_none(), "{:?}", o.error);
    sum
}

criterion_group!(benches, bench);

/// Writes the files the bench reads to `dir` (`ETL_BENCH_DUMP=DIR`, size from
/// `ETL_BENCH_BYTES`), for timing `arcaudit flows` / `audit` end to end on each.
fn dump(dir: &str) {
    let limit = std::env::var("ETL_BENCH_BYTES")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(FRAME_BYTES);
    let (title, _, files) = files(limit, None);
    for (name, bytes) in &files {
        let file = format!("{dir}/{}", name.replace([' ', '+'], "-"));
        std::fs::write(&file, bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        println!("{file}: {} bytes, {title}", bytes.len());
    }
}

fn main() {
    if let Ok(name) = std::env::var("ETL_BENCH_ONCE") {
        return once(&name);
    }
    if let Ok(dir) = std::env::var("ETL_BENCH_DUMP") {
        return dump(&dir);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
