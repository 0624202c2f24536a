//! The capture the throughput benches read: the shared benchmark seed
//! (`../shared/bench/seed.pcap`, 59 MB from real TLS stacks) when it is there, else a
//! stand-in built from the committed samples, so `cargo bench` measures something on a clone
//! without `../shared`. The stand-in is every Ethernet frame of the classic-pcap samples,
//! repeated to at least [`STAND_IN_BYTES`] and written as one little-endian nanosecond pcap
//! to a temporary file; its figures are not comparable with the seed's (other mix of
//! flows), and the bench's name says which one ran.

#![allow(dead_code)] // each bench uses part of this

use std::path::{Path, PathBuf};

use arcaudit::capture::{Input, read_capture};

/// Smallest stand-in: large enough that per-file setup does not dominate.
pub const STAND_IN_BYTES: usize = 8 << 20;

/// A capture on disk for a bench, and the name to report it under.
pub struct BenchInput {
    pub name: &'static str,
    pub path: PathBuf,
    /// Keeps the stand-in's temporary file alive for the bench's duration.
    _tmp: Option<tempfile::TempPath>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shared seed if present, else the stand-in built from samples/.
pub fn seed_or_samples() -> BenchInput {
    let seed = root().join("../shared/bench/seed.pcap");
    if seed.is_file() {
        return BenchInput {
            name: "seed.pcap",
            path: seed,
            _tmp: None,
        };
    }
    eprintln!(
        "bench: {} absent; using a stand-in made of the committed samples",
        seed.display()
    );
    let bytes = samples_pcap();
    let mut tmp = tempfile::NamedTempFile::new().expect("temporary file for the stand-in");
    std::io::Write::write_all(&mut tmp, &bytes).expect("write the stand-in capture");
    BenchInput {
        name: "samples-stand-in.pcap",
        path: tmp.path().to_path_buf(),
        _tmp: Some(tmp.into_temp_path()),
    }
}

/// The committed classic-pcap samples, sorted by name.
pub fn sample_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Every Ethernet frame of the samples, repeated to [`STAND_IN_BYTES`], as one pcap.
fn samples_pcap() -> Vec<u8> {
    let mut frames: Vec<(i64, u32, Vec<u8>)> = Vec::new();
    for p in sample_files() {
        let _ = read_capture(&Input::Path(p), |f| {
            if f.linktype == 1 {
                frames.push((f.ts_nanos, f.orig_len, f.data.to_vec()));
            }
        });
    }
    assert!(!frames.is_empty(), "no Ethernet frame in samples/");
    let mut out = Vec::with_capacity(STAND_IN_BYTES + (1 << 16));
    out.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes()); // nanosecond magic
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    // Each repetition is shifted one hour later so flows of different rounds never meet.
    let mut round = 0i64;
    while out.len() < STAND_IN_BYTES {
        for (ts, orig, data) in &frames {
            let t = ts.saturating_add(round * 3_600_000_000_000);
            let (sec, nsec) = (t.div_euclid(1_000_000_000), t.rem_euclid(1_000_000_000));
            out.extend_from_slice(&(sec as u32).to_le_bytes());
            out.extend_from_slice(&(nsec as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&orig.to_le_bytes());
            out.extend_from_slice(data);
        }
        round += 1;
    }
    out
}

/// A little-endian pcapng (one SHB, one IDB of `linktype` with microsecond timestamps, an
/// EPB per frame) of `frames`: (time in ns, captured bytes, original length).
pub fn pcapng_of<'a>(
    linktype: u32,
    frames: impl IntoIterator<Item = (i64, &'a [u8], u32)>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let block = |out: &mut Vec<u8>, t: u32, body: &[u8]| {
        let pad = (4 - body.len() % 4) % 4;
        let len = (12 + body.len() + pad) as u32;
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(body);
        out.extend(std::iter::repeat_n(0u8, pad));
        out.extend_from_slice(&len.to_le_bytes());
    };
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&[0xff; 8]);
    block(&mut out, 0x0a0d_0d0a, &shb);
    let mut idb = (linktype as u16).to_le_bytes().to_vec();
    idb.extend_from_slice(&[0, 0, 0, 0, 4, 0]);
    block(&mut out, 1, &idb);
    let mut b = Vec::new();
    for (ts, data, orig_len) in frames {
        let units = (ts / 1000) as u64;
        b.clear();
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(units as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&orig_len.to_le_bytes());
        b.extend_from_slice(data);
        block(&mut out, 6, &b);
    }
    out
}
