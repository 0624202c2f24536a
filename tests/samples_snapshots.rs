//! Snapshot tests over every bundled sample capture: the `flows` table and the `audit`
//! text report, so any change in what arcaudit says about a real capture shows up in
//! review; and the Markdown and HTML reports of a selection of samples (one per kind of
//! verdict, the hostile ones, and a report over several files). Snapshots live in tests/snapshots/; update them with
//! `INSTA_UPDATE=always cargo test --test samples_snapshots` and review the diff.

#[path = "common/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};

use arcaudit::capture::Input;
use arcaudit::classify::Family;
use arcaudit::commands::audit::{self, AuditConfig};
use arcaudit::model::CatalogMode;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::audit::{AuditFormat, render};
use arcaudit::report::flows::FlowsFormat;
use arcaudit::report::model::{FailOn, Report};
use cli::{all_samples as samples, given_for};

/// The service-tag files a user would give for a sample: outside-service-tag needs one.
/// The excerpt holds, for that capture's addresses, exactly what Microsoft's full
/// ServiceTags_Public_20251028.json says (samples/README.md: how it was made).
fn service_tags_for(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if name.starts_with("outside-service-tag") {
        vec![PathBuf::from(
            "samples/service-tags/public-20251028-excerpt.json",
        )]
    } else {
        Vec::new()
    }
}

fn audit_text(path: &Path) -> (String, Report) {
    audit_as(&[path], AuditFormat::Text)
}

fn audit_as(paths: &[&Path], format: AuditFormat) -> (String, Report) {
    let path = paths[0];
    let cfg = AuditConfig {
        host_from: None,
        inputs: paths.iter().map(|p| Input::Path(p.to_path_buf())).collect(),
        given: given_for(path),
        service_tags: service_tags_for(path),
        catalog: None,
        catalog_mode: CatalogMode::Extend,
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    };
    let report = audit::run(&cfg).expect("audit runs");
    let mut out = Vec::new();
    render(&report, format, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), report)
}

/// The table as `arcaudit flows` prints it (through the command, which also names flows
/// from the capture's DNS answers).
fn flows_table(path: &Path) -> String {
    let cfg = arcaudit::commands::flows::FlowsConfig {
        inputs: vec![Input::Path(path.to_path_buf())],
        format: FlowsFormat::Table,
        pipeline: PipelineConfig::default(),
        summary: false,
        styles: arcaudit::report::Styles::plain(),
    };
    let mut out = Vec::new();
    arcaudit::commands::flows::run(&cfg, &mut out, &mut std::io::sink()).unwrap();
    String::from_utf8(out).unwrap()
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

/// Samples whose Markdown and HTML reports are kept as snapshots: healthy, each family of
/// verdict, the proxy and Private Link setups, and the hostile captures.
const REPORT_SAMPLES: [&str; 9] = [
    "healthy-agent.pcap",
    "fw-drop.pcap",
    "rst-after-clienthello.pcap",
    "proxy-connect-denied.pcap",
    "private-link.pcap",
    "weak-tls10.pcap",
    "hostile-cert-names.pcap",
    "hostile-sni-script.pcap",
    "hostile-sni-ansi.pcap",
];

/// The HTML page without the bodies of its one `<style>` and one `<script>` element (the
/// same fixed text in every report; `src/report/assets/` holds them and the browser test
/// runs them) nor their hashes in the Content-Security-Policy (the browser test would see
/// a wrong hash: the page would lose its style and script), so the snapshots show what the
/// report says.
fn without_assets(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("'sha256-") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find('\'').expect("closed hash");
        out.push_str("'sha256-…'");
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
        let start = out.find(open).expect("inline element") + open.len();
        let end = start + out[start..].find(close).expect("closed");
        out.replace_range(start..end, "…");
    }
    out
}

#[test]
fn markdown_and_html_of_selected_samples() {
    for name in REPORT_SAMPLES {
        let p = Path::new("samples").join(name);
        let (md, _) = audit_as(&[&p], AuditFormat::Markdown);
        insta::assert_snapshot!(format!("markdown__{}", snap_name(&p)), md);
        let (html, _) = audit_as(&[&p], AuditFormat::Html);
        insta::assert_snapshot!(format!("html__{}", snap_name(&p)), without_assets(&html));
    }
}

#[test]
fn markdown_and_html_over_several_files() {
    let paths: Vec<PathBuf> = ["fw-drop.pcap", "healthy-agent.pcap", "weak-3des.pcap"]
        .iter()
        .map(|n| Path::new("samples").join(n))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (md, _) = audit_as(&refs, AuditFormat::Markdown);
    insta::assert_snapshot!("markdown__three_files", md);
    let (html, _) = audit_as(&refs, AuditFormat::Html);
    insta::assert_snapshot!("html__three_files", without_assets(&html));
}

/// The strings a hostile capture carries must reach the reports as text: no element,
/// attribute, link or terminal escape of theirs survives, and the page's only script is
/// ours.
#[test]
fn hostile_strings_stay_text_in_markdown_and_html() {
    let p = Path::new("samples/hostile-cert-names.pcap");
    let (md, report) = audit_as(&[p], AuditFormat::Markdown);
    let evidence: Vec<&str> = report.files[0]
        .audit
        .findings
        .iter()
        .map(|f| f.evidence.as_str())
        .collect();
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("<script>alert(1)</script>")),
        "the sample must carry the hostile names into a finding: {evidence:?}"
    );
    // Each markup character from the capture is backslash-escaped where it stands.
    let unescaped = |needle: &str| {
        md.match_indices(needle)
            .any(|(i, _)| !md[..i].ends_with('\\'))
    };
    for raw in ["<script", "<img", "<svg", "](javascript", "| *x*", "*x*"] {
        assert!(!unescaped(raw), "markdown carries {raw:?} raw:\n{md}");
    }
    assert!(!md.contains('\u{1b}'));
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"));
    let (html, _) = audit_as(&[p], AuditFormat::Html);
    assert!(!html.contains('\u{1b}'));
    assert_eq!(html.matches("<script").count(), 1, "only our own script");
    for raw in ["<img", "<svg onload", "\"><svg", "onerror=alert(2)>"] {
        assert!(!html.contains(raw), "html carries {raw:?} raw");
    }
    assert!(html.contains("CN=&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;svg onload=alert(4)&gt;"));
    // Nothing to fetch: no src attribute at all, and links only within the page.
    assert!(!html.contains(" src=\""));
    assert!(
        html.split(" href=\"")
            .skip(1)
            .all(|rest| rest.starts_with('#'))
    );
}

/// Each rule of the registry fires in at least one committed audit snapshot, so every
/// rule has a real capture that shows it (issue 10). Reads the finding lines
/// (`    [HIGH] rule-id ...`) of the snapshots `audit_of_every_sample` keeps up to date.
#[test]
fn every_rule_fires_in_some_audit_snapshot() {
    let mut fired = std::collections::BTreeSet::new();
    for e in std::fs::read_dir("tests/snapshots").expect("tests/snapshots exists") {
        let path = e.expect("readable directory entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if !name.starts_with("samples_snapshots__audit__") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable snapshot");
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix('[') else {
                continue;
            };
            if let Some((severity, after)) = rest.split_once("] ")
                && arcaudit::classify::Severity::parse(&severity.to_ascii_lowercase()).is_some()
                && let Some(rule) = after.split_whitespace().next()
            {
                fired.insert(rule.to_string());
            }
        }
    }
    let silent: Vec<&str> = arcaudit::classify::rules::metas()
        .map(|m| m.id)
        .filter(|id| !fired.contains(*id))
        .collect();
    assert!(
        silent.is_empty(),
        "rules that fire in no audit snapshot: {silent:?}"
    );
}

/// (rule, name, server port) of each finding the audit of a sample reports.
fn fired(sample: &str) -> Vec<(&'static str, String, u16)> {
    let (_, report) = audit_text(&Path::new("samples").join(sample));
    report
        .files
        .iter()
        .flat_map(|f| &f.audit.findings)
        .map(|f| {
            (
                f.rule,
                f.host
                    .clone()
                    .or_else(|| f.endpoint.clone())
                    .unwrap_or_default(),
                f.flow.as_ref().map_or(0, |r| r.server.port()),
            )
        })
        .collect()
}

fn count(found: &[(&str, String, u16)], rule: &str, name: &str) -> usize {
    found
        .iter()
        .filter(|(r, n, _)| *r == rule && n == name)
        .count()
}

/// The samples made for issue 10 show their rule firing, and each has a near miss that
/// must not fire: another flow of the same capture, or a second capture (issue 11).
#[test]
fn rule_samples_fire_and_their_near_misses_do_not() {
    let f = fired("legacy-endpoints.pcap");
    assert_eq!(
        count(&f, "deprecated-endpoint", "dc.services.visualstudio.com"),
        1,
        "{f:?}"
    );
    assert_eq!(
        count(
            &f,
            "deprecated-endpoint",
            "san-af-westeurope-prod.azurewebsites.net"
        ),
        1
    );
    // The current SQL Server endpoint in the same capture.
    assert_eq!(
        count(
            &f,
            "deprecated-endpoint",
            "telemetry.westeurope.arcdataservices.com"
        ),
        0
    );

    let f = fired("heartbeat-silence.pcap");
    assert_eq!(
        count(&f, "heartbeat-silence", "westeurope.his.arc.azure.com"),
        1,
        "{f:?}"
    );
    // Every required endpoint is reached at least once, so only the silence is reported.
    assert_eq!(f.len(), 1, "{f:?}");
    // Heartbeats every five minutes over 15 minutes, every required endpoint each time.
    assert_eq!(fired("heartbeat-regular.pcap"), vec![]);

    let f = fired("gas-not-contacted.pcap");
    assert_eq!(
        count(&f, "required-endpoint-not-contacted", "public.guestconfig"),
        1,
        "{f:?}"
    );
    assert_eq!(f.len(), 1, "{f:?}");

    let f = fired("outside-service-tag.pcap");
    assert_eq!(
        count(&f, "outside-service-tag", "login.microsoftonline.com"),
        1,
        "{f:?}"
    );
    assert_eq!(count(&f, "outside-service-tag", "management.azure.com"), 1);
    // The heartbeat name resolved to an address of its own tag.
    assert_eq!(
        count(&f, "outside-service-tag", "westeurope.his.arc.azure.com"),
        0
    );

    let f = fired("proxy-bypass.pcap");
    assert_eq!(
        count(&f, "proxy-bypass", "management.azure.com"),
        1,
        "{f:?}"
    );
    // The token request that went through the proxy's CONNECT tunnel.
    assert_eq!(count(&f, "proxy-bypass", "login.microsoftonline.com"), 0);

    // Two flows to the SQL endpoint: TLS 1.0 only (fires), then TLS 1.3 (does not).
    let f = fired("sql-tls10.pcap");
    assert_eq!(
        count(
            &f,
            "sql-endpoint-below-1-2",
            "telemetry.westeurope.arcdataservices.com"
        ),
        1,
        "{f:?}"
    );

    // The same ARM call on 8443 (fires) and on 443 (does not).
    let f = fired("unexpected-port.pcap");
    let ports: Vec<u16> = f
        .iter()
        .filter(|(r, _, _)| *r == "unexpected-port")
        .map(|(_, _, p)| *p)
        .collect();
    assert_eq!(ports, vec![8443], "{f:?}");

    let f = fired("wrong-cloud.pcap");
    assert_eq!(count(&f, "wrong-cloud", "management.azure.com"), 1, "{f:?}");
    // download.microsoft.com serves every cloud; the Government names are the machine's.
    assert_eq!(f.iter().filter(|(r, _, _)| *r == "wrong-cloud").count(), 1);
}
