//! Running the real binary from the integration tests: the command, the bundled samples,
//! and the audit's JSON report of some captures.

#![allow(dead_code)] // each suite uses part of this

use std::path::Path;
use std::process::Command;

use arcaudit::classify::{Given, ProxyAddr};

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
    assert!(
        v.len() >= 30,
        "expected the bundled samples, found {}",
        v.len()
    );
    v
}

/// The context a user would give for a sample: the proxy samples name their proxy, the
/// Private Link ones say so, and context-contradicted gets the region and proxy its capture
/// contradicts (the machine is in westeurope and uses 10.1.0.8:3128).
pub fn given_for(path: &Path) -> Given {
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut g = Given::default();
    if name.starts_with("proxy-") {
        g.proxies = vec![
            ProxyAddr::parse("10.1.0.8:3128").unwrap(),
            ProxyAddr::parse("10.1.0.8:3129").unwrap(),
        ];
    }
    if name.starts_with("private-link") || name.starts_with("public-his-gas") {
        g.private_link = true;
    }
    // The machine is registered in westeurope and uses the proxy 10.1.0.8:3128; the context
    // given here is what the capture contradicts (context-contradicted).
    if name.starts_with("context-contradicted") {
        g.region = Some("eastus".into());
        g.proxies = vec![ProxyAddr::parse("10.9.9.9:3128").unwrap()];
    }
    g
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
