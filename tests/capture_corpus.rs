//! The capture stage over the shared corpus: frame counts must match tshark's
//! (corpus/capture_summary.tsv, truth/tshark_errors.tsv) for every file tshark reads, truncated
//! files must yield the frames before the damage plus an error naming the file and an offset,
//! and no file in the corpus (captures or not) may make the reader panic.

use std::collections::BTreeMap;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arcaudit::capture::{CaptureError, Input, ReadOutcome, read_capture};
use arcaudit::collapse::{Collapser, Seen};
use arcaudit::pipeline::{PipelineConfig, analyze};

#[path = "common/harness.rs"]
mod harness;

/// Files where we deliberately differ from tshark, with the reason.
const DISAGREEMENTS: &[(&str, &str)] = &[(
    "f_malformed/derived_truncated/tls-handshake_cut20_inside_SHB.pcapng",
    "cut inside the section header: tshark falls back to its MIME reader and shows 1 record; \
     we report a truncated pcapng block at byte 0 and 0 frames",
)];

/// tshark errors that are about dissection, not the file: it refuses link types it has no
/// dissector for (output 0 packets) while we deliver the frames. Matched on the error text.
const TSHARK_UNSUPPORTED_LINKTYPE: &str = "unknown or unsupported";

/// Compressed corpus files, which capture_summary.tsv does not list: counts from
/// `tshark -r FILE -T fields -e frame.number | wc -l` (TShark 4.0.17).
const COMPRESSED: &[(&str, u64)] = &[
    ("a_tls/zeek/tls_tls-fragmented-handshake.pcap.gz", 416),
    ("f_malformed/zeek/trunc_mpls-6in6-broken.pcap.gz", 1811),
    (
        "e_pcapng_format/pcapplusplus/file_heuristics/pcapng-example.pcapng.zst",
        159,
    ),
];

fn corpus() -> PathBuf {
    harness::shared("corpus")
}

fn main() -> ExitCode {
    let corpus = harness::need_shared(&["corpus/capture_summary.tsv"]);
    // The summary first, so a missing corpus gives the same reason for every test.
    let compressed: Vec<String> = std::iter::once("capture_summary.tsv")
        .chain(COMPRESSED.iter().map(|(rel, _)| *rel))
        .map(|rel| format!("corpus/{rel}"))
        .collect();
    let compressed = harness::need_shared(&compressed);
    let pktmon = harness::need_shared(&[
        "corpus/g_windows/demikernel/PktMon.etl",
        "corpus/g_windows/demikernel/PktMon.cap",
    ]);
    harness::run(harness::trials![
        corpus => [
            frame_counts_match_tshark,
            truncated_files_give_frames_then_an_error_with_file_and_offset,
            whole_corpus_never_panics,
        ],
        compressed => [compressed_files_match_tshark],
        pktmon => [
            pktmon_etl_yields_the_frames_of_its_etl2pcap_conversion,
            pktmon_cap_collapses_to_38_distinct_frames,
            pktmon_etl_and_cap_collapse_to_the_same_frames_and_flows,
        ],
    ])
}

/// Reads a TSV into one map per row, keyed by header name.
fn tsv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t').chain(std::iter::repeat("")))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Reads a file, counting frames and checking the frame numbering on the way.
fn read(path: &Path) -> (u64, ReadOutcome) {
    let mut count = 0u64;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        read_capture(&Input::Path(path.to_path_buf()), |f| {
            count += 1;
            assert_eq!(
                f.number,
                count,
                "{}: frame numbers must be 1.., consecutive",
                path.display()
            );
            assert!(f.data.len() <= arcaudit::capture::MAX_RECORD_LEN);
        })
    }))
    .unwrap_or_else(|_| panic!("reader panicked on {}", path.display()));
    (count, outcome)
}

fn describe(e: &Option<CaptureError>) -> String {
    e.as_ref()
        .map_or_else(|| "no error".to_string(), ToString::to_string)
}

fn frame_counts_match_tshark() {
    let dir = corpus();
    let errors: BTreeMap<String, String> = tsv(&dir.join("truth/tshark_errors.tsv"))
        .into_iter()
        .map(|r| (r["file"].clone(), r["packets_output"].clone()))
        .collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in tsv(&dir.join("capture_summary.tsv")) {
        let rel = &row["path"];
        let path = dir.join(rel);
        let (count, outcome) = read(&path);
        assert_eq!(count, outcome.summary.frames, "{rel}: summary.frames");
        if DISAGREEMENTS.iter().any(|(p, _)| p == rel) {
            continue;
        }
        let tshark_error = &row["tshark_error"];
        if tshark_error.contains(TSHARK_UNSUPPORTED_LINKTYPE) {
            if outcome.error.is_some() {
                failures.push(format!("{rel}: {}", describe(&outcome.error)));
            }
            continue;
        }
        let expected: u64 = match row["packets"].parse() {
            Ok(n) => n,
            Err(_) => match errors.get(rel).and_then(|n| n.parse().ok()) {
                Some(n) => n,
                None => {
                    failures.push(format!("{rel}: no expected count"));
                    continue;
                }
            },
        };
        checked += 1;
        if count != expected {
            failures.push(format!(
                "{rel}: {count} frames, tshark {expected} ({})",
                describe(&outcome.error)
            ));
        }
        if tshark_error.is_empty() && outcome.error.is_some() {
            failures.push(format!(
                "{rel}: tshark reads it, we fail: {}",
                describe(&outcome.error)
            ));
        }
        if !tshark_error.is_empty() && outcome.error.is_none() {
            failures.push(format!("{rel}: tshark fails ({tshark_error}), we do not"));
        }
    }
    assert!(checked > 1000, "only {checked} corpus rows checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn truncated_files_give_frames_then_an_error_with_file_and_offset() {
    let dir = corpus();
    let trunc = dir.join("f_malformed/derived_truncated");
    let mut seen = 0;
    for entry in fs::read_dir(&trunc).expect("derived_truncated exists") {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let (count, outcome) = read(&path);
        let err = outcome
            .error
            .unwrap_or_else(|| panic!("{name}: no error after {count} frames"));
        let msg = err.to_string();
        assert!(msg.contains(&name), "{msg}: must name the file");
        assert!(
            msg.contains(&format!("at byte {}", err.offset())),
            "{msg}: must give the offset"
        );
        // The damage lies after every delivered frame, inside the file.
        let size = fs::metadata(&path).expect("metadata").len();
        assert!(
            err.offset() <= size,
            "{msg}: offset beyond the file ({size} bytes)"
        );
        seen += 1;
    }
    assert!(seen >= 5, "only {seen} truncated files");
}

fn compressed_files_match_tshark() {
    let dir = corpus();
    for (rel, expected) in COMPRESSED {
        let path = dir.join(rel);
        let (count, outcome) = read(&path);
        assert_eq!(count, *expected, "{rel}: {}", describe(&outcome.error));
        assert!(
            outcome.error.is_none(),
            "{rel}: {}",
            describe(&outcome.error)
        );
        assert_ne!(
            outcome.summary.compression,
            arcaudit::capture::Compression::None
        );
    }
}

fn whole_corpus_never_panics() {
    let dir = corpus();
    let mut stack = vec![dir];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("readable corpus dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                // `read` turns a panic into a test failure naming the file.
                let (_, outcome) = read(&path);
                if let Some(e) = &outcome.error {
                    assert!(
                        e.to_string().starts_with(&path.display().to_string()),
                        "{e}"
                    );
                }
                files += 1;
            }
        }
    }
    assert!(files > 2000, "only {files} files walked");
}

/// The real Packet Monitor ETL (compressed buffers, QPC clock) gives exactly the frames of
/// Microsoft's own conversion, byte for byte, in the same order, with the same timestamps and
/// link types (to the conversion's microsecond).
fn pktmon_etl_yields_the_frames_of_its_etl2pcap_conversion() {
    let dir = corpus().join("g_windows/demikernel");
    let collect = |name: &str| {
        let mut frames: Vec<(i64, u32, u32, Vec<u8>)> = Vec::new();
        let outcome = read_capture(&Input::Path(dir.join(name)), |f| {
            frames.push((f.ts_nanos, f.linktype, f.orig_len, f.data.to_vec()));
        });
        assert!(
            outcome.error.is_none(),
            "{name}: {}",
            describe(&outcome.error)
        );
        frames
    };
    let etl = collect("PktMon.etl");
    let cap = collect("PktMon.cap");
    assert_eq!(cap.len(), 114);
    assert_eq!(etl.len(), cap.len());
    for (i, (e, c)) in etl.iter().zip(&cap).enumerate() {
        // The conversion stores microseconds (if_tsresol 6), the ETL 100 ns ticks: the ETL's
        // time truncated to the microsecond is the conversion's.
        assert_eq!(e.0 - e.0.rem_euclid(1000), c.0, "frame {} time", i + 1);
        assert_eq!((e.1, e.2, &e.3), (c.1, c.2, &c.3), "frame {}", i + 1);
    }
    let distinct: std::collections::BTreeSet<&Vec<u8>> = etl.iter().map(|f| &f.3).collect();
    assert_eq!(distinct.len(), 38);
}

/// The frames of a capture that the duplicate collapse hands on: (time, bytes).
fn distinct_frames(path: &Path) -> Vec<(i64, Vec<u8>)> {
    let mut c = Collapser::new(false);
    let mut kept = Vec::new();
    let outcome = read_capture(&Input::Path(path.to_path_buf()), |f| {
        if c.check(f) == Seen::First {
            kept.push((f.ts_nanos, f.data.to_vec()));
        }
    });
    assert!(outcome.error.is_none(), "{}", describe(&outcome.error));
    kept
}

/// The etl2pcap conversion of the real Packet Monitor capture carries no per-packet comments
/// (an older pktmon): its copies (each packet at two or four components, 2-3 µs apart, the
/// destination MAC zeroed at some) collapse by content to the 38 distinct packets, the first
/// copy of each; --keep-duplicates hands on all 114.
fn pktmon_cap_collapses_to_38_distinct_frames() {
    let path = corpus().join("g_windows/demikernel/PktMon.cap");
    let kept = distinct_frames(&path);
    assert_eq!(kept.len(), 38);
    let bytes: std::collections::BTreeSet<&[u8]> = kept.iter().map(|f| &f.1[14..]).collect();
    assert_eq!(bytes.len(), 38, "one frame per distinct IP packet");
    let stats = analyze(
        &Input::Path(path.clone()),
        &PipelineConfig::default(),
        &mut |_| {},
    );
    assert_eq!((stats.capture.frames, stats.decode.frames), (114, 38));
    assert_eq!(
        (stats.collapse.duplicates, stats.collapse.by_content),
        (76, 76)
    );
    let keep = PipelineConfig {
        keep_duplicates: true,
        ..PipelineConfig::default()
    };
    let raw = analyze(&Input::Path(path), &keep, &mut |_| {});
    assert_eq!((raw.decode.frames, raw.collapse.duplicates), (114, 76));
}

/// The ETL and its conversion collapse to the same 38 frames (the ETL's times cut to the
/// conversion's microsecond) and the same flows, whether the ETL reader hands on Packet
/// Monitor's group ids (collapse by group id) or not (by content).
fn pktmon_etl_and_cap_collapse_to_the_same_frames_and_flows() {
    let dir = corpus().join("g_windows/demikernel");
    let etl = distinct_frames(&dir.join("PktMon.etl"));
    let cap = distinct_frames(&dir.join("PktMon.cap"));
    assert_eq!(etl.len(), 38);
    assert_eq!(etl.len(), cap.len());
    for (i, (e, c)) in etl.iter().zip(&cap).enumerate() {
        assert_eq!(
            e.0 - e.0.rem_euclid(1000),
            c.0,
            "distinct frame {} time",
            i + 1
        );
        assert_eq!(e.1, c.1, "distinct frame {}", i + 1);
    }
    let flows = |name: &str| {
        let mut v = Vec::new();
        let stats = analyze(
            &Input::Path(dir.join(name)),
            &PipelineConfig::default(),
            &mut |f| v.push(serde_json::to_value(&f).unwrap()),
        );
        assert!(stats.error.is_none(), "{name}: {:?}", stats.error);
        assert_eq!(stats.decode.frames, 38, "{name}");
        (v, stats.decode)
    };
    let (etl_flows, etl_decode) = flows("PktMon.etl");
    let (cap_flows, cap_decode) = flows("PktMon.cap");
    assert_eq!(etl_decode, cap_decode);
    // Times differ below the microsecond and a flow may carry the ETL's host components:
    // compare what the conversion also has.
    let strip = |v: &[serde_json::Value]| {
        v.iter()
            .map(|f| {
                let mut f = f.clone();
                if let Some(o) = f.as_object_mut() {
                    for k in ["first_ts_ns", "last_ts_ns", "host"] {
                        o.remove(k);
                    }
                }
                f
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&etl_flows), strip(&cap_flows));
}
