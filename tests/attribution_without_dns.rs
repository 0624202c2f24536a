//! Attribution that needs neither DNS in the capture nor a file from the user (issue 11,
//! item 1): every bundled sample is rewritten in memory without its DNS (UDP and TCP port 53
//! frames dropped), audited without any service-tag file (so the built-in snapshot is
//! used), and every blocked verdict of the original run must still be there for the same
//! server address, by the same rule or as `unattributed-failure`. Real captures often start
//! after the agent resolved its names; a dropped connection must not pass because of that.

#[path = "common/cli.rs"]
mod cli;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

use arcaudit::capture::{Input, read_capture};
use arcaudit::classify::{Family, Given};
use arcaudit::commands::audit::{self, AuditConfig};
use arcaudit::model::CatalogMode;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::model::{FailOn, Report, TagSource};
use cli::{all_samples as samples, given_for};
use etherparse::{SlicedPacket, TransportSlice};

/// Rules whose evidence is the DNS traffic itself: without DNS there is nothing to judge.
const ABOUT_DNS: &[&str] = &["dns-failure"];

fn audit(path: &Path, given: Given) -> Report {
    let cfg = AuditConfig {
        host_from: None,
        inputs: vec![Input::Path(path.to_path_buf())],
        given,
        service_tags: Vec::new(),
        catalog: None,
        catalog_mode: CatalogMode::Extend,
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    };
    audit::run(&cfg).expect("audit runs")
}

/// Whether a frame is DNS (UDP or TCP, either port 53); frames that do not decode are kept.
fn is_dns(linktype: u32, data: &[u8]) -> bool {
    let sliced = match linktype {
        1 => SlicedPacket::from_ethernet(data),
        // LINKTYPE_RAW and its IPv4/IPv6 variants.
        101 | 228 | 229 => SlicedPacket::from_ip(data),
        113 => SlicedPacket::from_linux_sll(data),
        _ => return false,
    };
    let Ok(p) = sliced else { return false };
    match p.transport {
        Some(TransportSlice::Udp(u)) => u.source_port() == 53 || u.destination_port() == 53,
        Some(TransportSlice::Tcp(t)) => t.source_port() == 53 || t.destination_port() == 53,
        _ => false,
    }
}

/// The capture without its DNS frames, as a classic nanosecond pcap file; and how many
/// frames were dropped.
fn strip_dns(path: &Path) -> (Vec<u8>, usize) {
    let mut linktype = None;
    let mut records = Vec::new();
    let mut dropped = 0;
    let outcome = read_capture(&Input::Path(path.to_path_buf()), |f| {
        assert_eq!(
            *linktype.get_or_insert(f.linktype),
            f.linktype,
            "{}: one link type per sample",
            path.display()
        );
        if is_dns(f.linktype, f.data) {
            dropped += 1;
            return;
        }
        let secs = u32::try_from(f.ts_nanos.div_euclid(1_000_000_000)).expect("ts after 1970");
        let nanos = u32::try_from(f.ts_nanos.rem_euclid(1_000_000_000)).expect("below 1e9");
        let caplen = u32::try_from(f.data.len()).expect("frame below 4 GiB");
        for word in [secs, nanos, caplen, f.orig_len.max(caplen)] {
            records.extend_from_slice(&word.to_le_bytes());
        }
        records.extend_from_slice(f.data);
    });
    assert!(
        outcome.error.is_none(),
        "{}: {:?}",
        path.display(),
        outcome.error
    );
    // pcap global header: nanosecond magic, version 2.4, no zone, snaplen, link type.
    let mut out = Vec::with_capacity(24 + records.len());
    out.extend_from_slice(&0xa1b2_3c4d_u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&linktype.unwrap_or(1).to_le_bytes());
    out.extend_from_slice(&records);
    (out, dropped)
}

/// (rule, server address) of each blocked finding that has a flow.
fn blocked(report: &Report) -> BTreeSet<(String, Option<IpAddr>)> {
    report
        .files
        .iter()
        .flat_map(|f| &f.audit.findings)
        .filter(|x| x.family == Family::Blocked && !ABOUT_DNS.contains(&x.rule))
        .map(|x| (x.rule.to_string(), x.flow.as_ref().map(|r| r.server.ip())))
        .collect()
}

#[test]
fn no_blocked_verdict_disappears_without_dns_and_without_a_tag_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut stripped_any = 0;
    let mut failures = Vec::new();
    let mut compared = 0;
    for sample in samples() {
        let original = audit(&sample, given_for(&sample));
        assert_eq!(
            original.service_tags.source,
            TagSource::BuiltInSnapshot,
            "{}: no tag file is beside the samples, the snapshot is used",
            sample.display()
        );
        let (bytes, dropped) = strip_dns(&sample);
        if dropped > 0 {
            stripped_any += 1;
        }
        let name = sample.file_name().unwrap_or_default().to_string_lossy();
        let path = dir.path().join(format!("{name}.nodns.pcap"));
        std::fs::write(&path, bytes).expect("write the stripped capture");
        let without = audit(&path, given_for(&sample));
        assert_eq!(without.service_tags.source, TagSource::BuiltInSnapshot);
        let after = blocked(&without);
        for (rule, addr) in blocked(&original) {
            compared += 1;
            // A host drop is evidence carried in the pcapng's Packet Monitor comments, which
            // the classic pcap written here cannot hold: without it the flow must still be
            // blocked, by whichever rule its packets show.
            let kept = after.contains(&(rule.clone(), addr))
                || after.contains(&("unattributed-failure".to_string(), addr))
                || (rule == "dropped-on-host" && after.iter().any(|(_, a)| *a == addr));
            if !kept {
                failures.push(format!(
                    "{name}: {rule} on {} disappeared without DNS ({dropped} DNS frames dropped); blocked after: {after:?}",
                    addr.map_or("-".to_string(), |a| a.to_string())
                ));
            }
        }
    }
    assert!(stripped_any >= 10, "only {stripped_any} samples had DNS");
    assert!(
        compared >= 10,
        "only {compared} blocked verdicts to compare"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The sample made for the rule: the dropped SYN to an Azure address nothing names fires
/// once, medium; its near miss in the same capture, a refused connection to another port of
/// an address in no service tag, does not.
#[test]
fn unattributed_failure_sample_fires_and_its_near_miss_does_not() {
    let path = Path::new("samples/unattributed-failure.pcap");
    let report = audit(path, Given::default());
    let hits: Vec<_> = report
        .files
        .iter()
        .flat_map(|f| &f.audit.findings)
        .filter(|x| x.rule == "unattributed-failure")
        .collect();
    assert_eq!(hits.len(), 1, "{hits:#?}");
    let hit = hits[0];
    assert_eq!(hit.severity, arcaudit::classify::Severity::Medium);
    assert_eq!(
        hit.flow.as_ref().map(|r| r.server.to_string()).as_deref(),
        Some("13.69.109.180:443")
    );
    assert!(
        hit.evidence.contains("S0") && hit.evidence.contains("GuestAndHybridManagement"),
        "{}",
        hit.evidence
    );
    assert!(
        !report
            .files
            .iter()
            .flat_map(|f| &f.audit.findings)
            .any(|x| x.flow.as_ref().is_some_and(|r| r.server.port() == 8443)),
        "the refused 8443 connection is not the agent's"
    );
}
