//! `context-contradicted` through the real pipeline (`commands::audit::run`) on the sample
//! captures, with the context a user would give: each contradiction of a given region or
//! proxy fires with its frames, each near miss (the given value is what the capture shows,
//! or the capture cannot tell) stays quiet, and what other rules own (a given proxy never
//! used: `proxy-bypass`; a given cloud: `wrong-cloud`) is not reported twice.

use std::path::{Path, PathBuf};

use arcaudit::capture::Input;
use arcaudit::classify::{Finding, Given, ProxyAddr, Severity};
use arcaudit::commands::audit::{AuditConfig, run};
use arcaudit::model::Cloud;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::model::FailOn;

const RULE: &str = "context-contradicted";

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn audit(name: &str, given: Given) -> Vec<Finding> {
    let cfg = AuditConfig {
        host_from: None,
        inputs: vec![Input::Path(sample(name))],
        given,
        service_tags: Vec::new(),
        catalog: None,
        catalog_mode: Default::default(),
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    };
    let report = run(&cfg).expect("audit runs");
    report
        .files
        .into_iter()
        .flat_map(|f| f.audit.findings)
        .collect()
}

fn region(r: &str) -> Given {
    Given {
        region: Some(r.into()),
        ..Given::default()
    }
}

fn proxy(p: &str) -> Given {
    Given {
        proxies: vec![ProxyAddr::parse(p).expect("HOST:PORT")],
        ..Given::default()
    }
}

fn contradictions(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == RULE).collect()
}

fn assert_quiet(findings: &[Finding], what: &str) {
    let hits = contradictions(findings);
    assert!(hits.is_empty(), "{RULE} fired on {what}: {hits:#?}");
}

#[test]
fn a_region_the_his_and_gas_names_contradict_is_medium_with_their_frames() {
    let f = audit("healthy-agent.pcap", region("eastus"));
    let hits = contradictions(&f);
    assert_eq!(hits.len(), 1, "{hits:#?}");
    let h = hits[0];
    assert_eq!(h.severity, Severity::Medium, "seen in the SNI");
    // The ClientHellos for westeurope.his and westeurope-gas.
    assert_eq!(h.frames, [92, 113]);
    assert_eq!(h.host.as_deref(), Some("westeurope.his.arc.azure.com"));
    for part in [
        "--region eastus",
        "westeurope in 2 flow(s) (2 completed)",
        "westeurope-gas.guestconfiguration.azure.com (SNI, frame 113)",
    ] {
        assert!(h.evidence.contains(part), "{part}: {}", h.evidence);
    }
}

#[test]
fn a_region_named_only_by_dns_answers_is_low() {
    // The SYN to westeurope.his is reset: its name comes from the DNS answer only.
    let f = audit("fw-reject-tcp-reset.pcap", region("eastus"));
    let hits = contradictions(&f);
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert_eq!(hits[0].severity, Severity::Low);
    assert!(
        hits[0].evidence.contains("DNS answer for its address"),
        "{}",
        hits[0].evidence
    );
}

#[test]
fn the_region_the_capture_shows_or_a_capture_without_regional_names_is_quiet() {
    assert_quiet(
        &audit("healthy-agent.pcap", region("westeurope")),
        "healthy-agent given its own region",
    );
    // Only management.azure.com: nothing in the capture names a region.
    assert_quiet(
        &audit("proxy-connect-allowed.pcap", region("eastus")),
        "a capture without his/gas names",
    );
}

#[test]
fn arc_flows_through_another_proxy_than_the_given_one_are_medium() {
    let f = audit("proxy-connect-allowed.pcap", proxy("10.9.9.9:3128"));
    let hits = contradictions(&f);
    assert_eq!(hits.len(), 1, "{hits:#?}");
    let h = hits[0];
    assert_eq!(h.severity, Severity::Medium);
    // The CONNECT request.
    assert_eq!(h.frames, [4]);
    assert!(
        h.evidence
            .contains("sent CONNECT to 10.1.0.8:3128 instead (1 completed)"),
        "{}",
        h.evidence
    );
    // A proxy named by host whose port is not the one used is contradicted too.
    let f = audit(
        "proxy-connect-allowed.pcap",
        proxy("proxy.contoso.example:8080"),
    );
    assert_eq!(contradictions(&f).len(), 1, "{f:#?}");
}

#[test]
fn the_proxy_used_or_a_name_that_may_be_it_is_quiet() {
    assert_quiet(
        &audit("proxy-connect-allowed.pcap", proxy("10.1.0.8:3128")),
        "the proxy the flows used",
    );
    // The audit cannot resolve the name; with the same port it may be the proxy seen.
    assert_quiet(
        &audit(
            "proxy-connect-allowed.pcap",
            proxy("proxy.contoso.example:3128"),
        ),
        "a proxy name with the port used",
    );
}

#[test]
fn a_given_proxy_never_used_while_flows_go_direct_is_proxy_bypass_only() {
    let f = audit("healthy-agent.pcap", proxy("10.9.9.9:3128"));
    assert_quiet(&f, "direct flows (proxy-bypass's finding)");
    assert!(f.iter().any(|x| x.rule == "proxy-bypass"), "{f:#?}");
}

#[test]
fn a_given_cloud_the_endpoints_contradict_is_wrong_cloud_only() {
    let given = Given {
        cloud: Some(Cloud::UsGov),
        ..Given::default()
    };
    let f = audit("healthy-agent.pcap", given);
    assert_quiet(
        &f,
        "public endpoints with --cloud usgov (wrong-cloud's finding)",
    );
    assert!(f.iter().any(|x| x.rule == "wrong-cloud"), "{f:#?}");
}

#[test]
fn the_context_contradicted_sample_fires_for_region_and_proxy_and_its_near_miss_is_quiet() {
    let given = Given {
        region: Some("eastus".into()),
        proxies: vec![ProxyAddr::parse("10.9.9.9:3128").expect("HOST:PORT")],
        ..Given::default()
    };
    let f = audit("context-contradicted.pcap", given);
    let mut frames: Vec<Vec<u64>> = contradictions(&f)
        .iter()
        .map(|h| h.frames.clone())
        .collect();
    frames.sort();
    // The two CONNECT requests (proxy), the two ClientHellos in the tunnels (region).
    assert_eq!(frames, [vec![4, 23], vec![8, 27]], "{f:#?}");
    let near = Given {
        region: Some("westeurope".into()),
        proxies: vec![ProxyAddr::parse("10.1.0.8:3128").expect("HOST:PORT")],
        ..Given::default()
    };
    let f = audit("context-contradicted.pcap", near);
    assert!(f.is_empty(), "nothing else is wrong in it: {f:#?}");
}

#[test]
fn nothing_given_nothing_contradicted_on_any_sample() {
    let mut pcaps: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .expect("samples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    pcaps.sort();
    assert!(pcaps.len() > 10);
    for p in pcaps {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        assert_quiet(&audit(&name, Given::default()), &name);
    }
}
