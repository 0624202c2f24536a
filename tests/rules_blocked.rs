//! The "blocked and coverage" rules through the real pipeline: each fires on the sample (or
//! built capture) that shows its problem, with the rule's family and the facts as evidence,
//! and stays quiet on the healthy samples and on a near miss.

mod common;

use std::path::{Path, PathBuf};

use arcaudit::capture::Input;
use arcaudit::classify::{AgentOs, Family, Finding, Given, Severity, Unseen};
use arcaudit::commands::audit::{AuditConfig, run};
use arcaudit::model::Feature;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::model::FailOn;
use common::{PcapBuilder, client_hello};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn config(path: &Path, given: Given, service_tags: Vec<PathBuf>) -> AuditConfig {
    AuditConfig {
        host_from: None,
        inputs: vec![Input::Path(path.to_path_buf())],
        given,
        service_tags,
        catalog: None,
        catalog_mode: Default::default(),
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    }
}

/// Every finding of one capture.
fn audit_with(path: &Path, given: Given, tags: Vec<PathBuf>) -> Vec<Finding> {
    let report =
        run(&config(path, given, tags)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(report.files.len(), 1);
    let file = &report.files[0];
    assert!(file.stats.error.is_none(), "{:?}", file.stats.error);
    file.audit.findings.clone()
}

fn audit(name: &str) -> Vec<Finding> {
    audit_with(&sample(name), Given::default(), Vec::new())
}

/// Audits bytes from the builder (written to a temporary .pcap).
fn audit_bytes(bytes: &[u8]) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("built.pcap");
    std::fs::write(&p, bytes).expect("write capture");
    audit_with(&p, Given::default(), Vec::new())
}

fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

/// The one finding of `rule`, with its family checked.
fn one<'a>(findings: &'a [Finding], rule: &str, family: Family) -> &'a Finding {
    let f = of(findings, rule);
    assert_eq!(f.len(), 1, "{rule}: {findings:#?}");
    assert_eq!(f[0].family, family, "{rule}");
    f[0]
}

fn none(findings: &[Finding], rule: &str) {
    let f = of(findings, rule);
    assert!(f.is_empty(), "{rule} must not fire: {f:#?}");
}

const HOST: [u8; 4] = [10, 1, 0, 4];
const HIS: [u8; 4] = [20, 50, 1, 197];
const HIS_NAME: &str = "westeurope.his.arc.azure.com";
const GAS: [u8; 4] = [13, 69, 109, 180];
const GAS_NAME: &str = "westeurope-gas.guestconfiguration.azure.com";

/// The healthy samples every rule of the group must leave alone.
const HEALTHY: [&str; 3] = [
    "healthy-agent.pcap",
    "tls13-stacks.pcap",
    "tls12-stacks.pcap",
];

const RULES: [&str; 9] = [
    "syn-refused",
    "handshake-stalled",
    "tls-alert-fatal",
    "proxy-connect-refused",
    "dns-failure",
    "icmp-unreachable",
    "required-endpoint-not-contacted",
    "required-endpoint-never-succeeded",
    "heartbeat-silence",
];

#[test]
fn no_rule_of_the_group_fires_on_the_healthy_samples() {
    for s in HEALTHY {
        let f = audit(s);
        for r in RULES {
            assert!(of(&f, r).is_empty(), "{r} fired on {s}: {f:#?}");
        }
    }
}

#[test]
fn every_rule_is_registered_with_its_family() {
    for r in RULES {
        let rule =
            arcaudit::classify::rules::find(r).unwrap_or_else(|| panic!("{r} not registered"));
        let want = if r.starts_with("required-") || r == "heartbeat-silence" {
            Family::Coverage
        } else {
            Family::Blocked
        };
        assert_eq!(rule.meta().family, want, "{r}");
    }
}

// ---- syn-refused ----

/// DNS answer for the his name, then a SYN answered by RST,ACK: frames 1-2 DNS, 3 SYN, 4 RST.
fn refused_capture(rst: bool) -> Vec<u8> {
    let b = PcapBuilder::new()
        .dns(40000, 1, HIS_NAME, 1, Some((0, &[HIS])))
        .tcp(HOST, 50001, HIS, 443, 0x02, 1000, 0, b"");
    let b = if rst {
        b.tcp(HIS, 443, HOST, 50001, 0x14, 0, 1001, b"")
    } else {
        b.tcp(HIS, 443, HOST, 50001, 0x12, 7000, 1001, b"")
            .tcp(HOST, 50001, HIS, 443, 0x10, 1001, 7001, b"")
    };
    b.build()
}

#[test]
fn syn_refused_fires_on_a_reset_syn_to_a_dns_named_endpoint() {
    let f = audit_bytes(&refused_capture(true));
    let x = one(&f, "syn-refused", Family::Blocked);
    assert_eq!(x.severity, Severity::High);
    assert_eq!(x.frames, vec![3, 4]);
    assert_eq!(x.host.as_deref(), Some(HIS_NAME));
    assert_eq!(x.endpoint.as_deref(), Some("public.his"));
    assert!(
        x.evidence.contains("RST from 20.50.1.197:443 in frame 4"),
        "{}",
        x.evidence
    );
    assert!(x.evidence.contains("in frame 3"), "{}", x.evidence);
}

#[test]
fn syn_refused_quiet_when_the_syn_is_accepted_or_dropped() {
    none(&audit_bytes(&refused_capture(false)), "syn-refused");
    none(&audit("syn-no-answer.pcap"), "syn-refused");
}

#[test]
fn syn_refused_fires_on_the_refused_samples() {
    // Both samples look the name up first (as the agent does), then the SYN is refused.
    for (s, server, host) in [
        (
            "syn-refused.pcap",
            "4.150.240.10:443",
            "management.azure.com",
        ),
        (
            "fw-reject-tcp-reset.pcap",
            "20.50.1.197:443",
            "westeurope.his.arc.azure.com",
        ),
    ] {
        let f = audit(s);
        let x = one(&f, "syn-refused", Family::Blocked);
        assert_eq!(x.frames, vec![5, 6], "{s}");
        assert_eq!(x.host.as_deref(), Some(host), "{s}");
        assert!(
            x.evidence
                .contains(&format!("RST from {server} in frame 6")),
            "{s}: {}",
            x.evidence
        );
    }
}

#[test]
fn icmp_unreachable_fires_on_the_firewall_samples() {
    for (s, host) in [
        (
            "fw-reject-icmp-admin.pcap",
            "westeurope-gas.guestconfiguration.azure.com",
        ),
        (
            "fw-reject-icmp-host-unreachable.pcap",
            "azgn1234.servicebus.windows.net",
        ),
    ] {
        let f = audit(s);
        let x = one(&f, "icmp-unreachable", Family::Blocked);
        assert_eq!(x.host.as_deref(), Some(host), "{s}");
        assert!(x.evidence.contains("10.1.0.1"), "{s}: {}", x.evidence);
    }
}

// ---- handshake-stalled ----

#[test]
fn handshake_stalled_fires_on_the_stall_sample() {
    let f = audit("handshake-stall.pcap");
    let x = one(&f, "handshake-stalled", Family::Blocked);
    assert_eq!(x.severity, Severity::High);
    assert_eq!(x.frames, vec![4, 6], "ClientHello and the client's FIN");
    assert_eq!(x.host.as_deref(), Some("management.azure.com"));
    assert!(x.evidence.contains("no TLS answer"), "{}", x.evidence);
    assert!(
        x.evidence.contains("closed with FIN in frame 6"),
        "{}",
        x.evidence
    );
}

#[test]
fn handshake_stalled_leaves_resets_and_alerts_to_their_rules() {
    let f = audit("rst-after-clienthello.pcap");
    none(&f, "handshake-stalled");
    assert_eq!(of(&f, "reset-after-client-hello").len(), 1);
    none(&audit("alert-handshake-failure.pcap"), "handshake-stalled");
    none(&audit("proxy-connect-allowed.pcap"), "handshake-stalled");
}

// ---- tls-alert-fatal ----

#[test]
fn tls_alert_fatal_names_handshake_failure_and_the_windows_suite_policy() {
    let f = audit("alert-handshake-failure.pcap");
    let x = one(&f, "tls-alert-fatal", Family::Blocked);
    assert_eq!(x.severity, Severity::High);
    assert_eq!(x.frames, vec![4, 6]);
    assert!(
        x.evidence.contains("handshake_failure (40)"),
        "{}",
        x.evidence
    );
    assert!(
        x.evidence.contains("TLS_RSA_WITH_AES_128_CBC_SHA"),
        "{}",
        x.evidence
    );
    assert!(x.evidence.contains("none of the suites"), "{}", x.evidence);
    assert!(x.explanation.contains("1.56"), "{}", x.explanation);
    assert!(
        x.explanation
            .contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        "{}",
        x.explanation
    );
    // Told the agent runs on Linux, the Windows suite note goes away.
    let given = Given {
        agent_os: Some(AgentOs::Linux),
        ..Given::default()
    };
    let f = audit_with(&sample("alert-handshake-failure.pcap"), given, Vec::new());
    let x = one(&f, "tls-alert-fatal", Family::Blocked);
    assert!(!x.explanation.contains("1.56"), "{}", x.explanation);
}

#[test]
fn tls_alert_fatal_names_protocol_version() {
    let f = audit("tls10-refused.pcap");
    let x = one(&f, "tls-alert-fatal", Family::Blocked);
    assert_eq!(x.frames, vec![4, 6]);
    assert!(
        x.evidence.contains("protocol_version (70)"),
        "{}",
        x.evidence
    );
    assert!(!x.explanation.contains("1.56"), "{}", x.explanation);
}

#[test]
fn tls_alert_fatal_ignores_client_side_alerts() {
    // The client sends the (encrypted) alert after a completed handshake.
    none(&audit("tls-cert-san-mismatch.pcap"), "tls-alert-fatal");
    none(&audit("handshake-stall.pcap"), "tls-alert-fatal");
}

// ---- proxy-connect-refused ----

#[test]
fn proxy_connect_refused_403() {
    let f = audit("proxy-connect-denied.pcap");
    let x = one(&f, "proxy-connect-refused", Family::Blocked);
    assert_eq!(x.severity, Severity::High);
    assert_eq!(x.frames, vec![4, 6]);
    assert_eq!(x.endpoint.as_deref(), Some("public.gns-servicebus"));
    assert!(
        x.evidence
            .contains("CONNECT azgn1234.servicebus.windows.net:443"),
        "{}",
        x.evidence
    );
    assert!(x.evidence.contains("403 Forbidden"), "{}", x.evidence);
    assert!(
        x.evidence.contains("no Proxy-Authorization header"),
        "{}",
        x.evidence
    );
}

#[test]
fn proxy_connect_refused_407_with_and_without_credentials_never_shows_them() {
    let f = audit("proxy-auth-407.pcap");
    // Both refused CONNECTs are one problem of one endpoint: one finding counting two.
    let x = one(&f, "proxy-connect-refused", Family::Blocked);
    assert_eq!(x.count, 2, "{x:#?}");
    assert_eq!(x.frames, vec![4, 6]);
    assert_eq!((x.first_frame, x.last_frame), (Some(4), Some(20)));
    assert_eq!(x.examples.len(), 1, "{x:#?}");
    assert_eq!(x.examples[0].frames, vec![18, 20]);
    for ev in [&x.evidence, &x.examples[0].evidence] {
        assert!(ev.contains("407 Proxy Authentication Required"), "{ev}");
    }
    assert!(
        x.explanation.contains("authentication"),
        "{}",
        x.explanation
    );
    assert!(x.evidence.contains("no Proxy-Authorization header"));
    assert!(
        x.examples[0]
            .evidence
            .contains("a Proxy-Authorization header was sent")
    );
    let json = serde_json::to_string(&f).expect("json");
    assert!(
        !json.contains("ZHVtbXk6ZHVtbXk=") && !json.contains("dummy"),
        "{json}"
    );
}

#[test]
fn proxy_connect_refused_quiet_on_an_accepted_connect() {
    none(
        &audit("proxy-connect-allowed.pcap"),
        "proxy-connect-refused",
    );
}

// ---- dns-failure ----

#[test]
fn dns_failure_one_finding_per_name_and_rcode() {
    for (s, name, rcode, frames) in [
        (
            "dns-nxdomain.pcap",
            "gbl.his.arc.azure.com",
            "NXDomain (rcode 3)",
            vec![2, 4],
        ),
        (
            "dns-servfail.pcap",
            "agentserviceapi.guestconfiguration.azure.com",
            "ServFail (rcode 2)",
            vec![3, 4],
        ),
        (
            "dns-refused.pcap",
            "pas.windows.net",
            "Refused (rcode 5)",
            vec![3, 4],
        ),
    ] {
        let f = audit(s);
        let x = one(&f, "dns-failure", Family::Blocked);
        assert_eq!(x.severity, Severity::Medium, "{s}");
        assert_eq!(x.host.as_deref(), Some(name), "{s}");
        assert_eq!(x.frames, frames, "{s}");
        assert!(x.evidence.contains(rcode), "{s}: {}", x.evidence);
        assert!(x.evidence.contains("10.1.0.53:53"), "{s}: {}", x.evidence);
    }
}

#[test]
fn dns_failure_no_address_at_all() {
    // A and AAAA both NOERROR and empty: no address for the name anywhere.
    let bytes = PcapBuilder::new()
        .dns(40000, 1, HIS_NAME, 1, Some((0, &[])))
        .dns(40001, 2, HIS_NAME, 28, Some((0, &[])))
        .build();
    let f = audit_bytes(&bytes);
    let x = one(&f, "dns-failure", Family::Blocked);
    assert_eq!(x.frames, vec![2, 4]);
    assert!(
        x.evidence.contains("NOERROR without any A/AAAA record"),
        "{}",
        x.evidence
    );
}

#[test]
fn dns_failure_unanswered_query() {
    // A query with no response, and the capture goes on (another lookup 2 s later).
    let bytes = PcapBuilder::new()
        .dns(40000, 1, GAS_NAME, 1, None)
        .at(10)
        .dns(40001, 2, "example.org", 1, Some((0, &[[93, 184, 215, 14]])))
        .build();
    let f = audit_bytes(&bytes);
    let x = one(&f, "dns-failure", Family::Blocked);
    assert_eq!(x.frames, vec![1]);
    assert!(x.evidence.contains("no response"), "{}", x.evidence);
}

#[test]
fn dns_failure_quiet_on_empty_aaaa_next_to_a_answer_and_other_names() {
    let bytes = PcapBuilder::new()
        .dns(40000, 1, HIS_NAME, 1, Some((0, &[HIS])))
        .dns(40001, 2, HIS_NAME, 28, Some((0, &[])))
        .dns(40002, 3, "nope.example.org", 1, Some((3, &[])))
        .build();
    none(&audit_bytes(&bytes), "dns-failure");
}

// ---- icmp-unreachable ----

/// DNS answer for the gas name, the SYN, then ICMP type 3 `code` from the gateway: frames
/// 1-2 DNS, 3 SYN, 4 ICMP.
fn icmp_capture(code: u8) -> Vec<u8> {
    PcapBuilder::new()
        .dns(40000, 1, GAS_NAME, 1, Some((0, &[GAS])))
        .tcp(HOST, 50002, GAS, 443, 0x02, 1000, 0, b"")
        .icmp_unreachable([10, 1, 0, 1], HOST, code, HOST, 50002, GAS, 443, 1000)
        .build()
}

#[test]
fn icmp_unreachable_names_the_code_and_sender() {
    let f = audit_bytes(&icmp_capture(13));
    let x = one(&f, "icmp-unreachable", Family::Blocked);
    assert_eq!(x.severity, Severity::High);
    assert_eq!(x.frames, vec![3, 4]);
    assert_eq!(x.host.as_deref(), Some(GAS_NAME));
    assert!(
        x.evidence.contains("administratively prohibited"),
        "{}",
        x.evidence
    );
    assert!(
        x.evidence
            .contains("type 3 code 13) from 10.1.0.1 in frame 4"),
        "{}",
        x.evidence
    );
    // The flow drew an ICMP error: not a silent drop.
    none(&f, "syn-unanswered");

    let f = audit_bytes(&icmp_capture(1));
    let x = one(&f, "icmp-unreachable", Family::Blocked);
    assert!(x.evidence.contains("host unreachable"), "{}", x.evidence);
}

#[test]
fn icmp_unreachable_ignores_fragmentation_needed() {
    none(&audit_bytes(&icmp_capture(4)), "icmp-unreachable");
}

// ---- coverage ----

/// One TLS attempt (ClientHello, no answer) per entry of `flows`: (start second, SNI).
fn flows_at(flows: &[(u32, &str, [u8; 4])]) -> Vec<u8> {
    let mut b = PcapBuilder::new();
    for (i, (t, sni, server)) in flows.iter().enumerate() {
        b = b
            .at(*t)
            .handshake_from(50100 + i as u16, *server, &client_hello(sni.as_bytes()));
    }
    b.build()
}

#[test]
fn required_endpoint_never_succeeded_only_for_required_endpoints_nothing_explains() {
    // Each attempt ends with its ClientHello in the second of its SYN (too short for a
    // stall): no rule names why it failed, so the summary speaks for his;
    // management.azure.com (needed only to connect) failing the same way does not get it.
    let c = HOST;
    let arm = [4, 150, 240, 10];
    let mut b = PcapBuilder::new();
    for (sport, server, name) in [(50100, HIS, HIS_NAME), (50101, arm, "management.azure.com")] {
        // Every frame in the same second (`at` before each): a flow that lasted no time.
        let hello = client_hello(name.as_bytes());
        b = b
            .at(0)
            .tcp(c, sport, server, 443, 0x02, 1000, 0, b"")
            .at(0)
            .tcp(server, 443, c, sport, 0x12, 5000, 1001, b"")
            .at(0)
            .tcp(c, sport, server, 443, 0x10, 1001, 5001, b"")
            .at(0)
            .tcp(c, sport, server, 443, 0x18, 1001, 5001, &hello);
    }
    let f = audit_bytes(&b.build());
    let x = one(&f, "required-endpoint-never-succeeded", Family::Coverage);
    assert_eq!(x.severity, Severity::High);
    assert_eq!(x.endpoint.as_deref(), Some("public.his"));
    assert!(
        x.evidence.contains("1 attempt(s), 1 failed"),
        "{}",
        x.evidence
    );
    // The same with a real stack: his closes with a FIN 50 ms after the ClientHello.
    let f = audit("fin-after-clienthello.pcap");
    let x = one(&f, "required-endpoint-never-succeeded", Family::Coverage);
    assert_eq!(x.endpoint.as_deref(), Some("public.his"));
    assert_eq!(f.len(), 1, "{f:#?}");
    // A blocked finding already explains the endpoint: one finding per problem.
    for s in [
        "proxy-connect-denied.pcap",
        "handshake-stall.pcap",
        "syn-refused.pcap",
        "rst-after-clienthello.pcap",
    ] {
        none(&audit(s), "required-endpoint-never-succeeded");
    }
}

#[test]
fn required_endpoint_never_succeeded_quiet_when_one_attempt_worked() {
    none(
        &audit("proxy-connect-allowed.pcap"),
        "required-endpoint-never-succeeded",
    );
    none(
        &audit("public-his-gas.pcap"),
        "required-endpoint-never-succeeded",
    );
}

#[test]
fn required_endpoint_not_contacted_in_a_long_capture() {
    let bytes = flows_at(&[(0, HIS_NAME, HIS), (1200, HIS_NAME, HIS)]);
    let f = audit_bytes(&bytes);
    let x = of(&f, "required-endpoint-not-contacted");
    let endpoints: Vec<&str> = x.iter().filter_map(|y| y.endpoint.as_deref()).collect();
    assert!(endpoints.contains(&"public.login"), "{endpoints:?}");
    assert!(endpoints.contains(&"public.guestconfig"), "{endpoints:?}");
    assert!(
        !endpoints.contains(&"public.his"),
        "his was contacted: {endpoints:?}"
    );
    for y in &x {
        assert_eq!(y.family, Family::Coverage);
        // Overdue only for what the agent calls every five minutes; login has no cadence.
        let want = if y.endpoint.as_deref() == Some("public.guestconfig") {
            Severity::Medium
        } else {
            Severity::Info
        };
        assert_eq!(y.severity, want, "20 minutes: {}", y.evidence);
        assert!(y.evidence.starts_with("no flow to "), "{}", y.evidence);
    }
    let login = x
        .iter()
        .find(|y| y.endpoint.as_deref() == Some("public.login"))
        .unwrap();
    assert!(
        login.evidence.contains("login.microsoftonline.com"),
        "{}",
        login.evidence
    );
}

#[test]
fn required_endpoint_not_contacted_is_info_in_a_two_minute_capture() {
    let f = audit_bytes(&flows_at(&[(0, HIS_NAME, HIS), (120, HIS_NAME, HIS)]));
    let x = of(&f, "required-endpoint-not-contacted");
    assert!(!x.is_empty());
    assert!(x.iter().all(|y| y.severity == Severity::Info), "{x:#?}");
}

#[test]
fn required_endpoint_not_contacted_is_info_below_a_period_plus_a_minute() {
    // Five and a half minutes: a capture starting right after a heartbeat round may not
    // show the next one yet.
    let f = audit("gas-not-contacted.pcap");
    let x = one(&f, "required-endpoint-not-contacted", Family::Coverage);
    assert_eq!(x.severity, Severity::Info);
    let f = audit("gas-not-contacted-long.pcap");
    let x = one(&f, "required-endpoint-not-contacted", Family::Coverage);
    assert_eq!(x.severity, Severity::Medium);
    assert_eq!(x.endpoint.as_deref(), Some("public.guestconfig"));
}

#[test]
fn a_name_whose_lookup_failed_is_not_unseen() {
    let report = run(&config(
        &sample("dns-nxdomain.pcap"),
        Given::default(),
        Vec::new(),
    ))
    .expect("audit");
    let rows = &report.files[0].audit.coverage;
    let his = rows
        .iter()
        .find(|r| r.endpoint == "public.his")
        .expect("his row");
    assert!(his.required && his.attempts == 0);
    assert_eq!(his.unseen, None, "dns-failure names it");
    let login = rows
        .iter()
        .find(|r| r.endpoint == "public.login")
        .expect("login row");
    assert_eq!(login.unseen, Some(Unseen::NotDue));
}

#[test]
fn a_retired_entry_is_never_required() {
    let mut given = Given::default();
    given.features.insert(Feature::SqlServer);
    let report = run(&config(&sample("healthy-agent.pcap"), given, Vec::new())).expect("audit");
    let rows = &report.files[0].audit.coverage;
    assert!(
        rows.iter()
            .any(|r| r.endpoint == "public.sql-dataservices" && r.required),
        "{rows:#?}"
    );
    assert!(
        !rows
            .iter()
            .any(|r| r.endpoint == "public.sql-legacy-san-af" && r.required),
        "{rows:#?}"
    );
}

#[test]
fn required_endpoint_not_contacted_quiet_in_short_or_non_arc_captures() {
    // Under a minute: one connection says nothing about the others.
    none(
        &audit("handshake-stall.pcap"),
        "required-endpoint-not-contacted",
    );
    // Long, but no Arc traffic at all.
    let f = audit_bytes(&flows_at(&[
        (0, "www.example.org", [93, 184, 215, 14]),
        (1200, "www.example.org", [93, 184, 215, 14]),
    ]));
    none(&f, "required-endpoint-not-contacted");
    none(&f, "heartbeat-silence");
}

#[test]
fn heartbeat_silence_between_two_his_flows_twenty_minutes_apart() {
    let f = audit_bytes(&flows_at(&[(0, HIS_NAME, HIS), (1200, HIS_NAME, HIS)]));
    let x = one(&f, "heartbeat-silence", Family::Coverage);
    assert_eq!(x.severity, Severity::Low);
    assert_eq!(x.host.as_deref(), Some(HIS_NAME));
    assert_eq!(x.endpoint.as_deref(), Some("public.his"));
    // First flow frames 1-7, second 8-14: the silence lies between frame 7 and frame 8.
    assert_eq!(x.frames, vec![7, 8]);
    assert!(x.evidence.contains("1 silence(s)"), "{}", x.evidence);
    assert!(
        x.evidence.contains("from frame 7 to frame 8"),
        "{}",
        x.evidence
    );
}

#[test]
fn heartbeat_silence_never_contacted() {
    let login = [40, 126, 32, 74];
    let f = audit_bytes(&flows_at(&[
        (0, "login.microsoftonline.com", login),
        (900, "login.microsoftonline.com", login),
    ]));
    let x = one(&f, "heartbeat-silence", Family::Coverage);
    assert!(
        x.evidence.contains("no flow to the heartbeat endpoint"),
        "{}",
        x.evidence
    );
    assert!(x.frames.is_empty());
}

#[test]
fn heartbeat_silence_quiet_with_regular_heartbeats_or_a_short_capture() {
    let every_five: Vec<(u32, &str, [u8; 4])> = (0..5).map(|i| (i * 300, HIS_NAME, HIS)).collect();
    none(&audit_bytes(&flows_at(&every_five)), "heartbeat-silence");
    // A 9-minute capture cannot show two missed heartbeats.
    none(
        &audit_bytes(&flows_at(&[(0, HIS_NAME, HIS), (540, HIS_NAME, HIS)])),
        "heartbeat-silence",
    );
}
