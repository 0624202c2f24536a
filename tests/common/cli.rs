//! Running the real binary from the integration tests: the command, the bundled samples,
//! and the audit's JSON report of some captures.

#![allow(dead_code)] // each suite uses part of this

use std::process::Command;

pub fn arcaudit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arcaudit"))
}

/// Every bundled sample capture (all containers), sorted.
pub fn all_samples() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("samples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            [".pcap", ".pcapng", ".gz", ".zst"]
                .iter()
                .any(|s| n.ends_with(s))
        })
        .collect();
    v.sort();
    v
}

/// The audit's JSON report of `paths` (exit 0 asserted: `--fail-on never`).
pub fn audit_json(paths: &[&std::path::Path], extra: &[&str]) -> serde_json::Value {
    let out = arcaudit()
        .arg("audit")
        .args(paths)
        .args(["--fail-on", "never", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{paths:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}
