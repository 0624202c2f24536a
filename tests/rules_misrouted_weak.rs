//! The misrouted and weak-TLS rules through the real pipeline (`commands::audit::run`):
//! each fires on its trigger (a sample capture, or one built here when no sample shows
//! it) and stays quiet on the healthy agent and on a near miss.

mod common;
#[path = "common/harness.rs"]
mod harness;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arcaudit::capture::Input;
use arcaudit::classify::{AgentOs, Family, Finding, Given, ProxyAddr, Severity};
use arcaudit::commands::audit::{AuditConfig, run};
use arcaudit::model::Cloud;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::model::{AuditOutcome, FailOn};
use common::{PcapBuilder, client_hello, client_hello_with};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The public service-tag file of the shared corpus (tests that need it run only when it is
/// there: see `main`).
const PUBLIC_TAGS: &str = "corpus/service-tags/ServiceTags_Public_20251028.json";

fn public_tags() -> PathBuf {
    harness::shared(PUBLIC_TAGS)
}

fn audit_with(path: &Path, given: Given, tags: Vec<PathBuf>) -> Vec<Finding> {
    let cfg = AuditConfig {
        host_from: None,
        inputs: vec![Input::Path(path.to_path_buf())],
        given,
        service_tags: tags,
        catalog: None,
        catalog_mode: Default::default(),
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    };
    let report = run(&cfg).expect("audit runs");
    assert_eq!(report.files.len(), 1);
    assert!(
        report.files[0].stats.error.is_none(),
        "{:?}",
        report.files[0].stats.error
    );
    report
        .files
        .into_iter()
        .flat_map(|f| f.audit.findings)
        .collect()
}

fn audit(path: &Path, given: Given) -> Vec<Finding> {
    audit_with(path, given, Vec::new())
}

fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

fn assert_none(findings: &[Finding], rule: &str, what: &str) {
    let hits = of(findings, rule);
    assert!(hits.is_empty(), "{rule} fired on {what}: {hits:#?}");
}

/// Writes a built capture into a temporary folder (kept alive by the returned guard).
fn built(name: &str, bytes: Vec<u8>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("write capture");
    (dir, p)
}

fn proxy() -> Vec<ProxyAddr> {
    vec![ProxyAddr::parse("10.1.0.8:3128").expect("proxy")]
}

// ---------------------------------------------------------------- private-link-public-address

fn private_link_public_address_fires_on_public_his_gas_with_private_link() {
    let given = Given {
        private_link: true,
        ..Given::default()
    };
    let f = audit(&sample("public-his-gas.pcap"), given);
    let hits = of(&f, "private-link-public-address");
    let endpoints: BTreeSet<&str> = hits.iter().filter_map(|h| h.endpoint.as_deref()).collect();
    assert_eq!(
        endpoints,
        BTreeSet::from(["public.his", "public.guestconfig"])
    );
    for h in &hits {
        assert_eq!(h.family, Family::Misrouted);
        assert_eq!(h.severity, Severity::High);
        assert!(!h.frames.is_empty());
    }
    let his = hits
        .iter()
        .find(|h| h.endpoint.as_deref() == Some("public.his"))
        .unwrap();
    assert!(his.evidence.contains("20.50.1.197"), "{}", his.evidence);
    assert!(
        his.evidence.contains("westeurope.his.arc.azure.com"),
        "{}",
        his.evidence
    );
}

fn private_link_public_address_quiet_on_private_endpoints_and_without_private_link() {
    let pl = Given {
        private_link: true,
        ..Given::default()
    };
    assert_none(
        &audit(&sample("private-link.pcap"), pl.clone()),
        "private-link-public-address",
        "private-link.pcap",
    );
    assert_none(
        &audit(&sample("public-his-gas.pcap"), Given::default()),
        "private-link-public-address",
        "public-his-gas.pcap without --private-link",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "private-link-public-address",
        "healthy-agent.pcap",
    );
}

// ---------------------------------------------------------------- public-endpoint-private-address

/// DNS says login.microsoftonline.com is 10.9.9.9, then TLS to it.
fn login_at(addr: [u8; 4]) -> Vec<u8> {
    PcapBuilder::new()
        .dns_a("login.microsoftonline.com", addr)
        .handshake(addr, &client_hello(b"login.microsoftonline.com"))
        .build()
}

fn public_endpoint_private_address_fires_on_dns_override() {
    let (_d, p) = built("override.pcap", login_at([10, 9, 9, 9]));
    let f = audit(&p, Given::default());
    let hits = of(&f, "public-endpoint-private-address");
    assert_eq!(hits.len(), 1, "{f:#?}");
    let h = hits[0];
    assert_eq!(h.family, Family::Misrouted);
    assert_eq!(h.severity, Severity::Medium);
    assert_eq!(h.endpoint.as_deref(), Some("public.login"));
    assert!(h.evidence.contains("10.9.9.9:443"), "{}", h.evidence);
    assert!(!h.frames.is_empty());

    // Without any SNI the name comes from the DNS answer alone (frame 2).
    let bytes = PcapBuilder::new()
        .dns_a("login.microsoftonline.com", [10, 9, 9, 9])
        .handshake_to([10, 9, 9, 9], 443, 50001, b"")
        .build();
    let (_d2, p2) = built("override-dns.pcap", bytes);
    let f = audit(&p2, Given::default());
    let hits = of(&f, "public-endpoint-private-address");
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert!(
        hits[0].evidence.contains("DNS answer in frame 2"),
        "{}",
        hits[0].evidence
    );
    assert_eq!(hits[0].frames, vec![2, 3], "DNS answer and SYN");
}

fn public_endpoint_private_address_quiet_on_private_link_endpoints() {
    // his/gas at private addresses are private-link entries: expected, with or without the flag.
    for pl in [false, true] {
        let given = Given {
            private_link: pl,
            ..Given::default()
        };
        assert_none(
            &audit(&sample("private-link.pcap"), given),
            "public-endpoint-private-address",
            "private-link.pcap",
        );
    }
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "public-endpoint-private-address",
        "healthy-agent.pcap",
    );
    let (_d, p) = built("public.pcap", login_at([40, 126, 32, 74]));
    assert_none(
        &audit(&p, Given::default()),
        "public-endpoint-private-address",
        "login at its public address",
    );
}

// ---------------------------------------------------------------- proxy-bypass

fn proxy_bypass_fires_on_direct_flows_with_a_proxy_configured() {
    let given = Given {
        proxies: proxy(),
        ..Given::default()
    };
    let f = audit(&sample("healthy-agent.pcap"), given);
    let hits = of(&f, "proxy-bypass");
    assert_eq!(hits.len(), 8, "{hits:#?}");
    let arm = hits
        .iter()
        .find(|h| h.host.as_deref() == Some("management.azure.com"))
        .unwrap();
    assert_eq!(arm.family, Family::Misrouted);
    assert_eq!(arm.severity, Severity::High);
    assert!(
        arm.evidence.contains("4.150.240.10:443"),
        "{}",
        arm.evidence
    );
    assert!(arm.evidence.contains("10.1.0.8:3128"), "{}", arm.evidence);
    assert_eq!(arm.frames, vec![8], "ClientHello frame");
}

fn proxy_bypass_quiet_through_the_proxy_and_without_one() {
    let given = Given {
        proxies: proxy(),
        ..Given::default()
    };
    assert_none(
        &audit(&sample("proxy-connect-allowed.pcap"), given),
        "proxy-bypass",
        "proxy-connect-allowed.pcap",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "proxy-bypass",
        "healthy-agent.pcap without proxy",
    );
    // Private-link endpoints at their private endpoint: the documented bypass design.
    let pl = Given {
        proxies: proxy(),
        private_link: true,
        ..Given::default()
    };
    assert_none(
        &audit(&sample("private-link.pcap"), pl),
        "proxy-bypass",
        "private-link.pcap with --private-link",
    );
}

// ---------------------------------------------------------------- outside-service-tag

fn login_at_sni(addr: [u8; 4]) -> Vec<u8> {
    PcapBuilder::new()
        .handshake(addr, &client_hello(b"login.microsoftonline.com"))
        .build()
}

fn outside_service_tag_fires_on_an_address_in_no_tag() {
    let tags = public_tags();
    let (_d, p) = built("testnet.pcap", login_at_sni([203, 0, 113, 5]));
    let f = audit_with(&p, Given::default(), vec![tags]);
    let hits = of(&f, "outside-service-tag");
    assert_eq!(hits.len(), 1, "{f:#?}");
    let h = hits[0];
    assert_eq!(h.family, Family::Misrouted);
    assert_eq!(h.severity, Severity::High);
    assert!(h.evidence.contains("203.0.113.5"), "{}", h.evidence);
    assert!(
        h.evidence.contains("AzureActiveDirectory"),
        "{}",
        h.evidence
    );
    assert!(h.evidence.contains("in no service tag"), "{}", h.evidence);
}

/// Without a tag file the built-in snapshot is used: an address in no Azure range is
/// still found, and the healthy sample stays quiet.
fn outside_service_tag_without_a_file_judges_by_the_snapshot() {
    let (_d, p) = built("testnet.pcap", login_at_sni([203, 0, 113, 5]));
    assert_eq!(
        of(&audit(&p, Given::default()), "outside-service-tag").len(),
        1,
        "203.0.113.5 is in no range of the built-in snapshot"
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "outside-service-tag",
        "healthy-agent.pcap without tags",
    );
}

fn outside_service_tag_quiet_inside_the_tag() {
    let tags = public_tags();
    let (_d2, p2) = built("aad.pcap", login_at_sni([40, 126, 32, 74]));
    assert_none(
        &audit_with(&p2, Given::default(), vec![tags]),
        "outside-service-tag",
        "login in AzureActiveDirectory",
    );
}

/// With the real tag file, the healthy sample's guest-configuration address lies in
/// GuestAndHybridManagement and its notification namespace in ServiceBus.WestEurope: where
/// those services live, so their entries expect those tags (`service_own_tags`) and nothing
/// is reported.
fn outside_service_tag_quiet_on_healthy_agent_with_the_public_file() {
    let tags = public_tags();
    let f = audit_with(&sample("healthy-agent.pcap"), Given::default(), vec![tags]);
    assert_none(
        &f,
        "outside-service-tag",
        "healthy-agent.pcap with the Public file",
    );
}

/// The first complaint: the README's advice (`--service-tags` with Microsoft's
/// Public file) on the healthy agent must pass at the default `--fail-on`.
fn healthy_agent_with_the_public_tag_file_exits_0() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_arcaudit"))
        .arg("audit")
        .arg(sample("healthy-agent.pcap"))
        .arg("--service-tags")
        .arg(public_tags())
        .output()
        .expect("arcaudit runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// outside-service-tag.pcap, with the excerpt and with the full file: the name sent outside
/// Microsoft's ranges is high, the one sent to a Storage address (ARM expects only
/// AzureResourceManager) is an info note naming the tags the address is in, and the
/// heartbeat in its own tag is quiet.
fn outside_service_tag_grades_by_evidence() {
    let excerpt = sample("service-tags/public-20251028-excerpt.json");
    for tags in [excerpt, public_tags()] {
        let f = audit_with(
            &sample("outside-service-tag.pcap"),
            Given::default(),
            vec![tags.clone()],
        );
        let hits = of(&f, "outside-service-tag");
        let by_host = |h: &str| -> Vec<&Finding> {
            hits.iter()
                .copied()
                .filter(|x| x.host.as_deref() == Some(h))
                .collect()
        };
        let login = by_host("login.microsoftonline.com");
        assert_eq!(login.len(), 1, "{tags:?}: {hits:#?}");
        assert_eq!(login[0].severity, Severity::High);
        assert!(
            login[0].evidence.contains("203.0.113.5")
                && login[0].evidence.contains("not even AzureCloud"),
            "{}",
            login[0].evidence
        );
        let arm = by_host("management.azure.com");
        assert_eq!(arm.len(), 1, "{tags:?}: {hits:#?}");
        assert_eq!(arm[0].severity, Severity::Info);
        assert_eq!(arm[0].family, Family::Misrouted);
        for part in [
            "13.69.40.20",
            "AzureResourceManager",
            "Storage.WestEurope",
            "AzureCloud",
        ] {
            assert!(
                arm[0].evidence.contains(part),
                "{part}: {}",
                arm[0].evidence
            );
        }
        assert!(by_host("westeurope.his.arc.azure.com").is_empty());
        // Info does not fail the audit at the default threshold; high does.
        let default = FailOn::parse("low").unwrap();
        assert!(!default.trips(arm[0]) && default.trips(login[0]));
    }
}

// ---------------------------------------------------------------- wrong-cloud

fn wrong_cloud_fires_with_usgov_on_public_endpoints() {
    let given = Given {
        cloud: Some(Cloud::UsGov),
        ..Given::default()
    };
    let f = audit(&sample("healthy-agent.pcap"), given);
    let hits = of(&f, "wrong-cloud");
    assert_eq!(hits.len(), 8, "{hits:#?}");
    let arm = hits
        .iter()
        .find(|h| h.host.as_deref() == Some("management.azure.com"))
        .unwrap();
    assert_eq!(arm.family, Family::Misrouted);
    assert_eq!(arm.severity, Severity::High);
    assert!(arm.evidence.contains("usgov"), "{}", arm.evidence);
    assert!(arm.evidence.contains("public"), "{}", arm.evidence);
}

fn wrong_cloud_quiet_on_the_right_cloud() {
    let given = Given {
        cloud: Some(Cloud::Public),
        ..Given::default()
    };
    assert_none(
        &audit(&sample("healthy-agent.pcap"), given),
        "wrong-cloud",
        "healthy-agent.pcap --cloud public",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "wrong-cloud",
        "healthy-agent.pcap",
    );
}

// ---------------------------------------------------------------- tls-interception

fn tls_interception_fires_on_inspection_ca_and_san_mismatch() {
    let f = audit(&sample("tls-interception.pcap"), Given::default());
    let hits = of(&f, "tls-interception");
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert_eq!(hits[0].family, Family::Misrouted);
    assert_eq!(hits[0].severity, Severity::High);
    assert!(
        hits[0].evidence.contains("Contoso Inspection CA"),
        "{}",
        hits[0].evidence
    );
    assert!(
        hits[0].frames.contains(&8),
        "certificate frame: {:?}",
        hits[0].frames
    );

    let f = audit(&sample("tls-cert-san-mismatch.pcap"), Given::default());
    let hits = of(&f, "tls-interception");
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert!(
        hits[0]
            .evidence
            .contains("do not cover the SNI management.azure.com"),
        "{}",
        hits[0].evidence
    );
    assert!(
        hits[0].evidence.contains("portal.contoso.example"),
        "{}",
        hits[0].evidence
    );
}

fn tls_interception_quiet_on_tls13() {
    assert_none(
        &audit(&sample("tls13-stacks.pcap"), Given::default()),
        "tls-interception",
        "tls13-stacks.pcap",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "tls-interception",
        "healthy-agent.pcap",
    );
}

/// tls12-stacks' servers use the samples' own CA, which is not Microsoft's: the issuer test
/// rightly flags them. Their names do match, so no finding may claim a name mismatch.
fn tls_interception_on_tls12_stacks_is_about_the_issuer_only() {
    let f = audit(&sample("tls12-stacks.pcap"), Given::default());
    let hits = of(&f, "tls-interception");
    assert_eq!(hits.len(), 5);
    for h in hits {
        assert!(
            h.evidence.contains("Arcaudit Sample Root CA"),
            "{}",
            h.evidence
        );
        assert!(!h.evidence.contains("do not cover"), "{}", h.evidence);
    }
}

// ---------------------------------------------------------------- unexpected-port

fn unexpected_port_fires_on_8443() {
    let bytes = PcapBuilder::new()
        .handshake_to(
            [4, 150, 240, 10],
            8443,
            50001,
            &client_hello(b"management.azure.com"),
        )
        .build();
    let (_d, p) = built("port.pcap", bytes);
    let f = audit(&p, Given::default());
    let hits = of(&f, "unexpected-port");
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert_eq!(hits[0].family, Family::Misrouted);
    assert_eq!(hits[0].severity, Severity::Medium);
    assert!(
        hits[0].evidence.contains("port 8443"),
        "{}",
        hits[0].evidence
    );
    assert_eq!(hits[0].frames, vec![1, 4], "SYN and ClientHello");
}

fn unexpected_port_quiet_on_443_and_on_the_esu_port_80() {
    let bytes = PcapBuilder::new()
        .handshake_to(
            [4, 150, 240, 10],
            443,
            50001,
            &client_hello(b"management.azure.com"),
        )
        .build();
    let (_d, p) = built("port443.pcap", bytes);
    assert_none(&audit(&p, Given::default()), "unexpected-port", "port 443");
    assert_none(
        &audit(&sample("esu-cert-fetch.pcap"), Given::default()),
        "unexpected-port",
        "esu-cert-fetch.pcap",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "unexpected-port",
        "healthy-agent.pcap",
    );
    // Plain HTTP to management on 80 is plaintext-http's finding, not this one's.
    assert_none(
        &audit(&sample("plain-http-management.pcap"), Given::default()),
        "unexpected-port",
        "plain-http-management.pcap",
    );
}

// ---------------------------------------------------------------- plaintext-http

fn plaintext_http_fires_on_plain_http_to_management() {
    let f = audit(&sample("plain-http-management.pcap"), Given::default());
    let hits = of(&f, "plaintext-http");
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert_eq!(hits[0].family, Family::Misrouted);
    assert_eq!(hits[0].severity, Severity::High);
    assert!(
        hits[0].evidence.contains("GET /subscriptions"),
        "{}",
        hits[0].evidence
    );
    assert!(
        hits[0].evidence.contains("management.azure.com"),
        "{}",
        hits[0].evidence
    );
    assert!(
        hits[0].evidence.contains("4.150.240.10:80"),
        "{}",
        hits[0].evidence
    );
    assert!(
        hits[0].frames.contains(&4),
        "request frame: {:?}",
        hits[0].frames
    );
}

fn plaintext_http_quiet_on_the_esu_certificate_fetch() {
    assert_none(
        &audit(&sample("esu-cert-fetch.pcap"), Given::default()),
        "plaintext-http",
        "esu-cert-fetch.pcap",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "plaintext-http",
        "healthy-agent.pcap",
    );
}

// ---------------------------------------------------------------- deprecated-endpoint

fn deprecated_endpoint_fires_on_san_af_and_agent_telemetry() {
    let bytes = PcapBuilder::new()
        .handshake_to(
            [20, 1, 2, 3],
            443,
            50001,
            &client_hello(b"san-af-eastus-prod.azurewebsites.net"),
        )
        .handshake_to(
            [20, 1, 2, 4],
            443,
            50002,
            &client_hello(b"dc.services.visualstudio.com"),
        )
        .build();
    let (_d, p) = built("old.pcap", bytes);
    let f = audit(&p, Given::default());
    let hits = of(&f, "deprecated-endpoint");
    let endpoints: BTreeSet<&str> = hits.iter().filter_map(|h| h.endpoint.as_deref()).collect();
    assert_eq!(
        endpoints,
        BTreeSet::from(["public.sql-legacy-san-af", "public.telemetry"])
    );
    for h in &hits {
        assert_eq!(h.family, Family::Misrouted);
        assert_eq!(h.severity, Severity::Low);
    }
    let san = hits
        .iter()
        .find(|h| h.endpoint.as_deref() == Some("public.sql-legacy-san-af"))
        .unwrap();
    assert!(san.evidence.contains("2024-02-13"), "{}", san.evidence);
    assert_eq!(san.frames, vec![4]);
}

fn deprecated_endpoint_quiet_on_the_current_sql_endpoint() {
    let bytes = PcapBuilder::new()
        .handshake_to(
            [20, 1, 2, 3],
            443,
            50001,
            &client_hello(b"telemetry.eastus.arcdataservices.com"),
        )
        .build();
    let (_d, p) = built("new.pcap", bytes);
    assert_none(
        &audit(&p, Given::default()),
        "deprecated-endpoint",
        "arcdataservices",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "deprecated-endpoint",
        "healthy-agent.pcap",
    );
}

// ---------------------------------------------------------------- client-cannot-offer-1-2

fn client_cannot_offer_1_2_fires_on_tls10_clients() {
    for (name, answer) in [
        ("tls10-refused.pcap", "protocol_version"),
        ("weak-tls10.pcap", "accepted"),
    ] {
        let f = audit(&sample(name), Given::default());
        let hits = of(&f, "client-cannot-offer-1-2");
        assert_eq!(hits.len(), 1, "{name}: {f:#?}");
        assert_eq!(hits[0].family, Family::WeakTls);
        assert_eq!(hits[0].severity, Severity::High);
        assert!(
            hits[0].evidence.contains("TLS1.0 (0x0301)"),
            "{}",
            hits[0].evidence
        );
        assert!(hits[0].evidence.contains(answer), "{}", hits[0].evidence);
        assert!(
            hits[0].frames.contains(&4),
            "ClientHello frame: {:?}",
            hits[0].frames
        );
    }
}

fn client_cannot_offer_1_2_quiet_on_tls12_clients() {
    assert_none(
        &audit(&sample("tls12-stacks.pcap"), Given::default()),
        "client-cannot-offer-1-2",
        "tls12-stacks.pcap",
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "client-cannot-offer-1-2",
        "healthy-agent.pcap",
    );
}

// ---------------------------------------------------------------- suite-not-recommended

fn suite_not_recommended_fires_on_cbc_with_platform_severity() {
    for (os, sev) in [
        (None, Severity::Medium),
        (Some(AgentOs::Windows), Severity::High),
        (Some(AgentOs::Linux), Severity::Low),
    ] {
        let given = Given {
            agent_os: os,
            ..Given::default()
        };
        let f = audit(&sample("weak-cbc-tls12.pcap"), given);
        let hits = of(&f, "suite-not-recommended");
        assert_eq!(hits.len(), 1, "{f:#?}");
        assert_eq!(hits[0].family, Family::WeakTls);
        assert_eq!(hits[0].severity, sev, "{os:?}");
        assert!(
            hits[0]
                .evidence
                .contains("0xc013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
            "{}",
            hits[0].evidence
        );
    }
}

fn suite_not_recommended_quiet_on_gcm_and_tls13() {
    for s in [
        "tls12-stacks.pcap",
        "tls13-stacks.pcap",
        "healthy-agent.pcap",
    ] {
        assert_none(
            &audit(&sample(s), Given::default()),
            "suite-not-recommended",
            s,
        );
    }
}

// ---------------------------------------------------------------- client-offers-no-recommended-suite

fn client_offers_no_recommended_suite_fires_on_legacy_offers() {
    for name in ["weak-legacy-offer.pcap", "alert-handshake-failure.pcap"] {
        let f = audit(&sample(name), Given::default());
        let hits = of(&f, "client-offers-no-recommended-suite");
        assert_eq!(hits.len(), 1, "{name}: {f:#?}");
        assert_eq!(hits[0].family, Family::WeakTls);
        assert_eq!(hits[0].severity, Severity::Medium);
        assert!(
            hits[0].evidence.contains("handshake_failure"),
            "{}",
            hits[0].evidence
        );
    }
    let f = audit(&sample("alert-handshake-failure.pcap"), Given::default());
    let h = of(&f, "client-offers-no-recommended-suite");
    assert!(
        h[0].evidence
            .contains("0x002f TLS_RSA_WITH_AES_128_CBC_SHA"),
        "{}",
        h[0].evidence
    );
    assert!(!h[0].evidence.contains("SCSV"), "{}", h[0].evidence);
    let given = Given {
        agent_os: Some(AgentOs::Windows),
        ..Given::default()
    };
    let f = audit(&sample("alert-handshake-failure.pcap"), given);
    assert_eq!(
        of(&f, "client-offers-no-recommended-suite")[0].severity,
        Severity::High
    );
}

fn client_offers_no_recommended_suite_quiet_when_one_is_offered() {
    // weak-3des' client offers RC4 and 3DES but also 0xc030/0xc02f.
    for s in [
        "weak-3des.pcap",
        "tls12-stacks.pcap",
        "tls13-stacks.pcap",
        "healthy-agent.pcap",
    ] {
        assert_none(
            &audit(&sample(s), Given::default()),
            "client-offers-no-recommended-suite",
            s,
        );
    }
}

// ---------------------------------------------------------------- weak-suite-offered

fn weak_suite_offered_fires_on_rc4_3des_null_export() {
    for (name, needle, sev) in [
        (
            "weak-3des.pcap",
            "chose 0xc012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
            Severity::High,
        ),
        (
            "weak-rc4.pcap",
            "chose 0xc011 TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            Severity::High,
        ),
        (
            "weak-null-cipher.pcap",
            "chose 0x003b TLS_RSA_WITH_NULL_SHA256",
            Severity::High,
        ),
        (
            "weak-legacy-offer.pcap",
            "0x0003 TLS_RSA_EXPORT_WITH_RC4_40_MD5",
            Severity::Medium,
        ),
    ] {
        let f = audit(&sample(name), Given::default());
        let hits = of(&f, "weak-suite-offered");
        assert_eq!(hits.len(), 1, "{name}: {f:#?}");
        assert_eq!(hits[0].family, Family::WeakTls);
        assert_eq!(hits[0].severity, sev, "{name}");
        assert!(
            hits[0].evidence.contains(needle),
            "{name}: {}",
            hits[0].evidence
        );
    }
    // Nothing but broken suites offered: weak whatever the server answers.
    let f = audit(&sample("weak-legacy-offer.pcap"), Given::default());
    let e = &of(&f, "weak-suite-offered")[0].evidence;
    assert!(e.contains("offers 10 suite(s), every one broken"), "{e}");
    assert!(e.contains("alert handshake_failure in frame 6"), "{e}");
}

/// Issue 11: Go before 1.22 ends its default list with two 3DES suites; servers that
/// negotiate TLS 1.3 with AES-GCM make no connection weak, so no per-connection finding.
fn weak_suite_offered_quiet_when_the_server_declines_them() {
    let f = audit(&sample("healthy-agent-go-legacy.pcap"), Given::default());
    for rule in [
        "weak-suite-offered",
        "suite-not-recommended",
        "client-offers-no-recommended-suite",
    ] {
        assert_none(&f, rule, "healthy-agent-go-legacy.pcap");
    }
}

/// A broken suite the server chose is said once, by weak-suite-offered (high), not again
/// as a suite outside the recommended list.
fn suite_not_recommended_leaves_broken_suites_to_weak_suite_offered() {
    for s in ["weak-3des.pcap", "weak-rc4.pcap", "weak-null-cipher.pcap"] {
        let given = Given {
            agent_os: Some(AgentOs::Windows),
            ..Given::default()
        };
        let f = audit(&sample(s), given);
        assert_none(&f, "suite-not-recommended", s);
        assert_eq!(of(&f, "weak-suite-offered").len(), 1, "{s}: {f:#?}");
    }
}

// ---------------------------------------------------------------- client-offers-weak-suites

/// The done-when of issue 11: a healthy agent with Go 1.19's default suites passes at the
/// default --fail-on with exactly one info hardening note for its one TLS stack.
fn client_offers_weak_suites_once_for_the_go_legacy_agent() {
    let path = sample("healthy-agent-go-legacy.pcap");
    let f = audit(&path, Given::default());
    assert_eq!(f.len(), 1, "{f:#?}");
    let n = &f[0];
    assert_eq!(n.rule, "client-offers-weak-suites");
    assert_eq!(n.family, Family::WeakTls);
    assert_eq!(n.severity, Severity::Info);
    for needle in [
        "JA4 t13d1910h2_",
        "in 8 connection(s) to 8 endpoint(s)",
        "management.azure.com",
        "azgn1234.servicebus.windows.net",
        "2 broken suite(s) no server chose: 0xc012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, 0x000a TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    ] {
        assert!(n.evidence.contains(needle), "{needle}: {}", n.evidence);
    }
    assert_eq!(n.frames.len(), 8, "one ClientHello per endpoint");
    let cfg = AuditConfig {
        host_from: None,
        inputs: vec![Input::Path(path)],
        given: Given::default(),
        service_tags: Vec::new(),
        catalog: None,
        catalog_mode: Default::default(),
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::parse("low").expect("the CLI's default --fail-on"),
        suppress: Vec::new(),
    };
    assert_eq!(
        run(&cfg).expect("audit runs").outcome(),
        AuditOutcome::Clean
    );
}

/// One finding per client fingerprint: two stacks offering 3DES next to AES-GCM give two
/// notes; a stack offering nothing but broken suites is weak-suite-offered's, not a note.
fn client_offers_weak_suites_one_per_ja4() {
    let go_like: &[u16] = &[0xc02f, 0xc030, 0xc012, 0x000a];
    let other: &[u16] = &[0xc030, 0x0005];
    let only_weak: &[u16] = &[0x000a, 0x0004];
    let bytes = PcapBuilder::new()
        .handshake_to(
            [4, 150, 240, 10],
            443,
            50001,
            &client_hello_with(b"management.azure.com", 0x0303, go_like, None),
        )
        .handshake_to(
            [40, 126, 32, 74],
            443,
            50002,
            &client_hello_with(b"login.microsoftonline.com", 0x0303, go_like, None),
        )
        .handshake_to(
            [4, 150, 240, 10],
            443,
            50003,
            &client_hello_with(b"management.azure.com", 0x0303, go_like, None),
        )
        .handshake_to(
            [20, 50, 1, 197],
            443,
            50004,
            &client_hello_with(b"westeurope.his.arc.azure.com", 0x0303, other, None),
        )
        .handshake_to(
            [20, 50, 1, 197],
            443,
            50005,
            &client_hello_with(b"westeurope.his.arc.azure.com", 0x0303, only_weak, None),
        )
        .build();
    let (_d, p) = built("stacks.pcap", bytes);
    let f = audit(&p, Given::default());
    let mut notes = of(&f, "client-offers-weak-suites");
    notes.sort_by_key(|n| n.frames.first().copied());
    assert_eq!(notes.len(), 2, "{f:#?}");
    let e = &notes[0].evidence;
    assert!(
        e.contains(
            "in 3 connection(s) to 2 endpoint(s) (management.azure.com, login.microsoftonline.com)"
        ),
        "{e}"
    );
    assert!(e.contains("2 broken suite(s)"), "{e}");
    assert_eq!(
        notes[0].frames,
        vec![4, 11],
        "first ClientHello per endpoint"
    );
    let e = &notes[1].evidence;
    assert!(
        e.contains("in 1 connection(s) to 1 endpoint(s) (westeurope.his.arc.azure.com)"),
        "{e}"
    );
    assert!(e.contains("0x0005 TLS_RSA_WITH_RC4_128_SHA"), "{e}");
    assert!(
        !e.contains("0x0004"),
        "the only-weak flow is not counted: {e}"
    );
    let weak = of(&f, "weak-suite-offered");
    assert_eq!(weak.len(), 1, "{f:#?}");
    assert!(
        weak[0].evidence.contains("every one broken"),
        "{}",
        weak[0].evidence
    );
}

fn client_offers_weak_suites_quiet_when_chosen_or_not_offered() {
    // weak-3des' server chose 3DES: that connection is weak-suite-offered's, high.
    for s in [
        "weak-3des.pcap",
        "weak-rc4.pcap",
        "weak-legacy-offer.pcap",
        "healthy-agent.pcap",
        "tls12-stacks.pcap",
        "weak-cbc-tls12.pcap",
    ] {
        assert_none(
            &audit(&sample(s), Given::default()),
            "client-offers-weak-suites",
            s,
        );
    }
}

fn weak_suite_offered_quiet_on_cbc_and_scsv() {
    // CBC suites are not "broken" here, and tls10-refused offers the renegotiation SCSV.
    for s in [
        "weak-cbc-tls12.pcap",
        "tls10-refused.pcap",
        "tls12-stacks.pcap",
        "healthy-agent.pcap",
    ] {
        assert_none(
            &audit(&sample(s), Given::default()),
            "weak-suite-offered",
            s,
        );
    }
}

// ---------------------------------------------------------------- sql-endpoint-below-1-2

const TLS10_SUITES: [u16; 3] = [0xc014, 0x0035, 0x002f];

fn sql_endpoint_below_1_2_fires_on_a_tls10_client() {
    let bytes = PcapBuilder::new()
        .handshake_to(
            [20, 1, 2, 3],
            443,
            50001,
            &client_hello_with(
                b"telemetry.eastus.arcdataservices.com",
                0x0301,
                &TLS10_SUITES,
                None,
            ),
        )
        .build();
    let (_d, p) = built("sql10.pcap", bytes);
    let f = audit(&p, Given::default());
    let hits = of(&f, "sql-endpoint-below-1-2");
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert_eq!(hits[0].family, Family::WeakTls);
    assert_eq!(hits[0].severity, Severity::High);
    assert!(
        hits[0].evidence.contains("TLS1.0 (0x0301)"),
        "{}",
        hits[0].evidence
    );
    assert!(
        hits[0].evidence.contains("public.sql-dataservices"),
        "{}",
        hits[0].evidence
    );
    assert_eq!(hits[0].frames, vec![4]);
}

fn sql_endpoint_below_1_2_quiet_on_tls12_or_other_endpoints() {
    let bytes = PcapBuilder::new()
        .handshake_to(
            [20, 1, 2, 3],
            443,
            50001,
            &client_hello(b"telemetry.eastus.arcdataservices.com"),
        )
        // A TLS 1.0 client to an endpoint without a stated minimum: other rules' business.
        .handshake_to(
            [4, 150, 240, 10],
            443,
            50002,
            &client_hello_with(b"management.azure.com", 0x0301, &TLS10_SUITES, None),
        )
        .build();
    let (_d, p) = built("sql12.pcap", bytes);
    let f = audit(&p, Given::default());
    assert_none(
        &f,
        "sql-endpoint-below-1-2",
        "TLS 1.2 client / non-SQL endpoint",
    );
    assert_eq!(
        of(&f, "client-cannot-offer-1-2").len(),
        1,
        "the builder's TLS 1.0 hello is seen"
    );
    assert_none(
        &audit(&sample("healthy-agent.pcap"), Given::default()),
        "sql-endpoint-below-1-2",
        "healthy-agent.pcap",
    );
}

// ---------------------------------------------------------------- tls-version-below-1-2

/// Regression: the rule once tested `0x0200..0x0303`, which misses SSL 2.0's 0x0002, so a
/// server answering with an SSLv2 SERVER-HELLO escaped it.
fn tls_version_below_1_2_fires_on_an_sslv2_server_hello() {
    let (c, s) = ([10, 1, 0, 4], [4, 150, 240, 10]);
    let hello = client_hello(b"management.azure.com");
    let n = hello.len() as u32;
    // SSLv2 SERVER-HELLO: type 4, session_id_hit 0, certificate_type 1, version 0x0002,
    // certificate length 0, one 3-byte cipher spec (RC4_128_WITH_MD5), 16-byte connection id.
    let mut v2 = vec![4, 0, 1, 0x00, 0x02, 0, 0, 0, 3, 0, 16, 0x01, 0x00, 0x80];
    v2.extend_from_slice(&[0x5a; 16]);
    let mut record = vec![0x80, v2.len() as u8];
    record.extend_from_slice(&v2);
    let bytes = PcapBuilder::new()
        .tcp(c, 50010, s, 443, 0x02, 1000, 0, b"")
        .tcp(s, 443, c, 50010, 0x12, 5000, 1001, b"")
        .tcp(c, 50010, s, 443, 0x10, 1001, 5001, b"")
        .tcp(c, 50010, s, 443, 0x18, 1001, 5001, &hello)
        .tcp(s, 443, c, 50010, 0x18, 5001, 1001 + n, &record)
        .build();
    let (_d, p) = built("sslv2.pcap", bytes);
    let f = audit(&p, Given::default());
    let hits = of(&f, "tls-version-below-1-2");
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert!(
        hits[0].evidence.contains("negotiated SSLv2 (0x0002)"),
        "{}",
        hits[0].evidence
    );
    assert_eq!(hits[0].frames, vec![5]);
}

// ---------------------------------------------------------------- the healthy samples

/// None of this group's rules fires on the healthy samples with the default context
/// (tls-interception on tls12-stacks aside: see above).
fn group_quiet_on_healthy_samples() {
    let ours = [
        "private-link-public-address",
        "public-endpoint-private-address",
        "proxy-bypass",
        "outside-service-tag",
        "wrong-cloud",
        "tls-interception",
        "unexpected-port",
        "plaintext-http",
        "deprecated-endpoint",
        "client-cannot-offer-1-2",
        "suite-not-recommended",
        "client-offers-no-recommended-suite",
        "weak-suite-offered",
        "client-offers-weak-suites",
        "sql-endpoint-below-1-2",
    ];
    for s in [
        "healthy-agent.pcap",
        "tls13-stacks.pcap",
        "tls12-stacks.pcap",
    ] {
        let f = audit(&sample(s), Given::default());
        for rule in ours {
            if s == "tls12-stacks.pcap" && rule == "tls-interception" {
                continue;
            }
            assert_none(&f, rule, s);
        }
    }
}

fn main() -> ExitCode {
    let tags = harness::need_shared(&[PUBLIC_TAGS]);
    harness::run(harness::trials![
        harness::Need::Met => [
            tls_version_below_1_2_fires_on_an_sslv2_server_hello,
            private_link_public_address_fires_on_public_his_gas_with_private_link,
            private_link_public_address_quiet_on_private_endpoints_and_without_private_link,
            public_endpoint_private_address_fires_on_dns_override,
            public_endpoint_private_address_quiet_on_private_link_endpoints,
            proxy_bypass_fires_on_direct_flows_with_a_proxy_configured,
            proxy_bypass_quiet_through_the_proxy_and_without_one,
            outside_service_tag_without_a_file_judges_by_the_snapshot,
            wrong_cloud_fires_with_usgov_on_public_endpoints,
            wrong_cloud_quiet_on_the_right_cloud,
            tls_interception_fires_on_inspection_ca_and_san_mismatch,
            tls_interception_quiet_on_tls13,
            tls_interception_on_tls12_stacks_is_about_the_issuer_only,
            unexpected_port_fires_on_8443,
            unexpected_port_quiet_on_443_and_on_the_esu_port_80,
            plaintext_http_fires_on_plain_http_to_management,
            plaintext_http_quiet_on_the_esu_certificate_fetch,
            deprecated_endpoint_fires_on_san_af_and_agent_telemetry,
            deprecated_endpoint_quiet_on_the_current_sql_endpoint,
            client_cannot_offer_1_2_fires_on_tls10_clients,
            client_cannot_offer_1_2_quiet_on_tls12_clients,
            suite_not_recommended_fires_on_cbc_with_platform_severity,
            suite_not_recommended_quiet_on_gcm_and_tls13,
            client_offers_no_recommended_suite_fires_on_legacy_offers,
            client_offers_no_recommended_suite_quiet_when_one_is_offered,
            weak_suite_offered_fires_on_rc4_3des_null_export,
            weak_suite_offered_quiet_on_cbc_and_scsv,
            weak_suite_offered_quiet_when_the_server_declines_them,
            suite_not_recommended_leaves_broken_suites_to_weak_suite_offered,
            client_offers_weak_suites_once_for_the_go_legacy_agent,
            client_offers_weak_suites_one_per_ja4,
            client_offers_weak_suites_quiet_when_chosen_or_not_offered,
            sql_endpoint_below_1_2_fires_on_a_tls10_client,
            sql_endpoint_below_1_2_quiet_on_tls12_or_other_endpoints,
            group_quiet_on_healthy_samples,
        ],
        tags => [
            outside_service_tag_fires_on_an_address_in_no_tag,
            outside_service_tag_quiet_inside_the_tag,
            outside_service_tag_quiet_on_healthy_agent_with_the_public_file,
            healthy_agent_with_the_public_tag_file_exits_0,
            outside_service_tag_grades_by_evidence,
        ],
    ])
}
