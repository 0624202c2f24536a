//! JA4 (FoxIO, BSD-3-Clause part) and JA3 client fingerprints through the real pipeline,
//! against FoxIO's own ja4 snapshots and Arkime's session JSON for the same captures.

mod common;
#[path = "common/harness.rs"]
mod harness;

use std::path::Path;
use std::process::ExitCode;

use arcaudit::tls::TlsFacts;

/// The TLS facts of every flow of a capture, through capture -> decode -> flow -> TLS.
fn facts_of_capture(path: &Path) -> Vec<TlsFacts> {
    common::analyze(path)
        .0
        .into_iter()
        .filter_map(|f| f.app.tls)
        .collect()
}

/// The `ja4:` lines of a FoxIO insta snapshot (TCP ones only: we do not parse QUIC).
fn foxio_expected(snap: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(snap).unwrap_or_default();
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ja4: "))
        .filter(|j| j.starts_with('t'))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn ours(facts: &[TlsFacts]) -> Vec<String> {
    let mut v: Vec<String> = facts
        .iter()
        .filter_map(|f| f.client_hello.as_ref().map(|c| c.ja4.clone()))
        .collect();
    v.sort();
    v
}

fn ja4_matches_foxio_snapshots() {
    let root = harness::shared("corpus");
    let dir = root.join("expected/ja4/rust-insta-snapshots");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    names.sort();
    for snap in names {
        let Some(name) = snap
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("ja4__insta@"))
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            continue;
        };
        let pcap = root.join("a_tls/ja4").join(name);
        if !pcap.exists() {
            continue;
        }
        let mut expected = foxio_expected(&snap);
        let got = ours(&facts_of_capture(&pcap));
        if name == "tls-non-ascii-alpn.pcapng" {
            // ALPN 0xba 0xad: FoxIO's tools (Wireshark-based) print "99"; JA4.md says the first
            // and last hex digit of the value, "bd". We follow the spec.
            expected = vec!["t13d1516bd_8daaf6152771_e5627efa2ab1".to_string()];
        }
        checked += 1;
        if expected != got {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(checked > 20, "only {checked} snapshots checked");
    assert!(
        failures.is_empty(),
        "JA4 mismatches:\n{}",
        failures.join("\n")
    );
}

/// Arkime's JSON: every "ja4" / "ja3" value of TCP sessions.
fn arkime_expected(test: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(test).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let (mut ja4, mut ja3) = (Vec::new(), Vec::new());
    if let Some(sessions) = json["sessions3"].as_array() {
        for s in sessions {
            let body = &s["body"];
            if body["ipProtocol"].as_u64() != Some(6) {
                continue;
            }
            let tls = &body["tls"];
            for v in tls["ja4"].as_array().into_iter().flatten() {
                ja4.extend(v.as_str().map(str::to_string));
            }
            for v in tls["ja3"].as_array().into_iter().flatten() {
                ja3.extend(v.as_str().map(str::to_string));
            }
        }
    }
    ja4.sort();
    ja3.sort();
    (ja4, ja3)
}

fn ja4_and_ja3_match_arkime() {
    let root = harness::shared("corpus");
    let dir = root.join("expected/arkime");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    names.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for test in names {
        let Some(stem) = test.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let pcap = root.join("a_tls/arkime").join(format!("{stem}.pcap"));
        if !pcap.exists() {
            continue;
        }
        let (ja4, ja3) = arkime_expected(&test);
        if ja4.is_empty() && ja3.is_empty() {
            continue;
        }
        let facts = facts_of_capture(&pcap);
        // Arkime keeps one value per distinct fingerprint in a session; compare distinct sets.
        let mut got4: Vec<String> = facts
            .iter()
            .filter_map(|f| f.client_hello.as_ref().map(|c| c.ja4.clone()))
            .collect();
        let mut got3: Vec<String> = facts
            .iter()
            .filter_map(|f| f.client_hello.as_ref().map(|c| c.ja3_hash.clone()))
            .collect();
        for v in [&mut got4, &mut got3] {
            v.sort();
            v.dedup();
        }
        let (mut e4, mut e3) = (ja4, ja3);
        e4.dedup();
        e3.dedup();
        checked += 1;
        if got4 != e4 || got3 != e3 {
            failures.push(format!(
                "{stem}:\n  ja4 expected {e4:?}\n      got      {got4:?}\n  ja3 expected {e3:?}\n      got      {got3:?}"
            ));
        }
    }
    assert!(checked > 10, "only {checked} Arkime sessions files checked");
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

fn main() -> ExitCode {
    let foxio = harness::need_shared(&[
        "corpus/README.md",
        "corpus/expected/ja4/rust-insta-snapshots",
    ]);
    let arkime = harness::need_shared(&["corpus/README.md", "corpus/expected/arkime"]);
    harness::run(harness::trials![
        foxio => [ja4_matches_foxio_snapshots],
        arkime => [ja4_and_ja3_match_arkime],
    ])
}
