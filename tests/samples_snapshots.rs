//! Snapshot tests over every bundled sample capture: the `flows` table and the `audit`
//! text report, so any change in what arcaudit says about a real capture shows up in
//! review. Snapshots live in tests/snapshots/; update them with
//! `INSTA_UPDATE=always cargo test --test samples_snapshots` and review the diff.

use std::path::{Path, PathBuf};

use arcaudit::capture::Input;
use arcaudit::classify::{Family, Given, ProxyAddr};
use arcaudit::commands::audit::{self, AuditConfig, FailOn};
use arcaudit::model::CatalogMode;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::audit::{AuditFormat, render};
use arcaudit::report::flows::{FlowsFormat, FlowsWriter};

fn samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("samples")
        .expect("samples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.ends_with(".pcap")
                || n.ends_with(".pcapng")
                || n.ends_with(".gz")
                || n.ends_with(".zst")
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

/// The context a user would give for a sample (the proxy samples name their proxy; the
/// Private Link samples say so).
fn given_for(path: &Path) -> Given {
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
    g
}

fn audit_text(path: &Path) -> (String, audit::Report) {
    let cfg = AuditConfig {
        inputs: vec![Input::Path(path.to_path_buf())],
        given: given_for(path),
        service_tags: Vec::new(),
        catalog: None,
        catalog_mode: CatalogMode::Extend,
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    };
    let report = audit::run(&cfg).expect("audit runs");
    let mut out = Vec::new();
    render(&report, AuditFormat::Text, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), report)
}

fn flows_table(path: &Path) -> String {
    let input = Input::Path(path.to_path_buf());
    let mut w = FlowsWriter::new(Vec::new(), FlowsFormat::Table).unwrap();
    w.begin_file(&input.to_string()).unwrap();
    let stats = arcaudit::pipeline::analyze(&input, &PipelineConfig::default(), &mut |f| {
        w.flow(&f).unwrap()
    });
    w.end_file(&stats).unwrap();
    String::from_utf8(w.finish().unwrap()).unwrap()
}

fn snap_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .replace('.', "_")
}

#[test]
fn flows_of_every_sample() {
    for p in samples() {
        insta::assert_snapshot!(format!("flows__{}", snap_name(&p)), flows_table(&p));
    }
}

#[test]
fn audit_of_every_sample() {
    for p in samples() {
        let (text, _) = audit_text(&p);
        insta::assert_snapshot!(format!("audit__{}", snap_name(&p)), text);
    }
}

#[test]
fn healthy_captures_have_no_blocked_misrouted_or_weak_finding() {
    // ipv6-tls13.pcap is not here: its addresses are unique-local (fd00::/8, not rewritten
    // to Azure's), so public-endpoint-private-address rightly fires on it.
    for name in [
        "healthy-agent.pcap",
        "healthy-agent.pcapng.gz",
        "tls13-stacks.pcap",
    ] {
        let (text, report) = audit_text(&Path::new("samples").join(name));
        let bad: Vec<_> = report
            .files
            .iter()
            .flat_map(|f| &f.audit.findings)
            .filter(|f| {
                matches!(
                    f.family,
                    Family::Blocked | Family::Misrouted | Family::WeakTls
                )
            })
            .collect();
        assert!(bad.is_empty(), "{name}:\n{text}");
    }
}

#[test]
fn every_container_variant_reads_the_same_flows() {
    let base = flows_table(Path::new("samples/healthy-agent.pcap"));
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for v in [
        "healthy-agent.pcapng",
        "healthy-agent.pcap.gz",
        "healthy-agent.pcapng.gz",
        "healthy-agent.pcap.zst",
    ] {
        assert_eq!(
            body(&base),
            body(&flows_table(&Path::new("samples").join(v))),
            "{v}"
        );
    }
}
