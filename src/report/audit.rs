//! Renders the audit [`Report`]: `text` (a summary to read in ten seconds, then the
//! coverage table and the findings grouped by family), `json` (the report as one document)
//! and `ndjson` (one line per finding and per flow). Computes nothing: every count and
//! verdict is already in the report.

use std::io::{self, Write};

use super::common::{capture_counts, context_items, format_ts, format_utc, plural, similar_last};
use super::model::{FileReport, Report};
use super::{Styles, escape_text};
use crate::classify::{Family, Finding};

/// Output formats of `arcaudit audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    Text,
    Json,
    Ndjson,
    Markdown,
    Html,
}

pub fn render(report: &Report, format: AuditFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
            writeln!(out)
        }
        AuditFormat::Ndjson => ndjson(report, out),
        AuditFormat::Text => text(report, out),
        AuditFormat::Markdown => super::markdown::render(report, out),
        AuditFormat::Html => super::html::render(report, out),
    }
}

fn ndjson(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Line<'a, T: serde::Serialize> {
        #[serde(rename = "type")]
        kind: &'static str,
        file: &'a str,
        #[serde(flatten)]
        body: &'a T,
    }
    for f in &report.files {
        for v in &f.audit.flows {
            serde_json::to_writer(
                &mut *out,
                &Line {
                    kind: "flow",
                    file: &f.file,
                    body: v,
                },
            )
            .map_err(io::Error::other)?;
            writeln!(out)?;
        }
        for x in &f.audit.findings {
            serde_json::to_writer(
                &mut *out,
                &Line {
                    kind: "finding",
                    file: &f.file,
                    body: x,
                },
            )
            .map_err(io::Error::other)?;
            writeln!(out)?;
        }
        #[derive(serde::Serialize)]
        struct FileLine<'a> {
            stats: &'a crate::pipeline::FileStats,
            context: &'a crate::classify::AuditContext,
            inferred: &'a crate::classify::Inferred,
            coverage: &'a [crate::classify::CoverageRow],
        }
        serde_json::to_writer(
            &mut *out,
            &Line {
                kind: "file",
                file: &f.file,
                body: &FileLine {
                    stats: &f.stats,
                    context: &f.audit.context,
                    inferred: &f.audit.inferred,
                    coverage: &f.audit.coverage,
                },
            },
        )
        .map_err(io::Error::other)?;
        writeln!(out)?;
    }
    Ok(())
}

fn text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    render_text(report, &Styles::plain(), out)
}

/// The `text` format with colours (see [`Styles`]): severity tags, family headings, the
/// verdict, input errors. [`render`] writes it plain.
pub fn render_text(report: &Report, styles: &Styles, out: &mut dyn Write) -> io::Result<()> {
    let t = &report.totals;
    writeln!(
        out,
        "arcaudit audit: {}, {} TCP flows, {} to Arc endpoints",
        plural(t.files, "capture", "captures"),
        t.tcp_flows,
        t.arc_flows
    )?;
    if let (Some(a), Some(b)) = (t.first_ts_ns, t.last_ts_ns) {
        writeln!(
            out,
            "  time span: {} .. {} ({} s)",
            format_utc(a),
            format_utc(b),
            format_ts(b - a)
        )?;
    }
    writeln!(
        out,
        "  Arc endpoints: {} reached, {} failing, {} required not seen",
        t.endpoints_reached, t.endpoints_failing, t.required_unseen
    )?;
    let families: Vec<String> = Family::ALL
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                t.by_family.get(f.as_str()).copied().unwrap_or(0),
                f.as_str()
            )
        })
        .collect();
    let (verdict, style) = if t.findings == 0 {
        ("no findings".to_string(), styles.good)
    } else {
        (plural(t.findings, "finding", "findings"), styles.bad)
    };
    writeln!(
        out,
        "  verdict: {style}{verdict}{style:#} ({})",
        families.join(", ")
    )?;
    if t.suppressed > 0 {
        writeln!(out, "  suppressed: {}", t.suppressed)?;
    }
    if t.files_with_errors > 0 {
        writeln!(
            out,
            "  {}INPUT ERRORS{:#}: {} (see below)",
            styles.bad,
            styles.bad,
            plural(t.files_with_errors, "file", "files")
        )?;
    }
    for line in super::common::service_tag_lines(&report.service_tags) {
        writeln!(out, "  {}", escape_text(&line))?;
    }
    for f in &report.files {
        file_section(f, styles, out)?;
    }
    Ok(())
}

fn file_section(f: &FileReport, styles: &Styles, out: &mut dyn Write) -> io::Result<()> {
    let a = &f.audit;
    writeln!(out)?;
    writeln!(out, "== {} ==", escape_text(&f.file))?;
    if let Some(e) = &f.stats.error {
        let bad = styles.bad;
        writeln!(out, "  {bad}input error{bad:#}: {}", escape_text(e))?;
    }
    let context: Vec<String> = context_items(f)
        .iter()
        .map(|c| escape_text(c).into_owned())
        .collect();
    writeln!(out, "  context: {}", context.join("; "))?;
    if let Some(c) = &a.inferred.cloud {
        writeln!(out, "    cloud inferred from {}", escape_text(&c.evidence))?;
    }
    writeln!(out, "  {}", capture_counts(f))?;
    if a.coverage.iter().any(|r| r.attempts > 0) {
        writeln!(out, "  endpoints:")?;
        writeln!(
            out,
            "    {:<28} {:<9} {:>5} {:>4} {:>4}  {:<14} {:<22} names / addresses",
            "endpoint", "required", "tries", "ok", "fail", "tls", "direct/proxy/private"
        )?;
        for r in a.coverage.iter().filter(|r| r.attempts > 0) {
            let names: Vec<String> = r
                .names
                .iter()
                .map(|n| escape_text(n).into_owned())
                .collect();
            let addrs: Vec<String> = r.addresses.iter().map(|x| x.to_string()).collect();
            writeln!(
                out,
                "    {:<28} {:<9} {:>5} {:>4} {:>4}  {:<14} {:<22} {} {}",
                r.endpoint,
                if r.required { "yes" } else { "-" },
                r.attempts,
                r.successes,
                r.failures,
                if r.tls_versions.is_empty() {
                    "-".to_string()
                } else {
                    r.tls_versions.join(",")
                },
                format!("{}/{}/{}", r.direct, r.via_proxy, r.private_address),
                names.join(","),
                addrs.join(",")
            )?;
        }
    }
    let unseen: Vec<&str> = a
        .coverage
        .iter()
        .filter(|r| r.required && r.attempts == 0)
        .map(|r| r.endpoint.as_str())
        .collect();
    if !unseen.is_empty() {
        writeln!(
            out,
            "  required, not seen in this capture: {}",
            unseen.join(", ")
        )?;
    }
    if a.findings.is_empty() {
        let good = styles.good;
        writeln!(out, "  findings: {good}none{good:#}")?;
        return Ok(());
    }
    for fam in Family::ALL {
        let of: Vec<&Finding> = a.findings.iter().filter(|x| x.family == fam).collect();
        if of.is_empty() {
            continue;
        }
        let h = styles.heading;
        writeln!(out, "  {h}{} ({}){h:#}:", fam.as_str(), of.len())?;
        for x in of {
            finding(x, styles, out)?;
        }
    }
    Ok(())
}

fn finding(x: &Finding, styles: &Styles, out: &mut dyn Write) -> io::Result<()> {
    let frames: Vec<String> = x.frames.iter().map(|n| n.to_string()).collect();
    let sev = styles.severity(x.severity);
    let mut head = format!(
        "    {sev}[{}]{sev:#} {}",
        x.severity.as_str().to_uppercase(),
        x.rule
    );
    if let Some(e) = &x.endpoint {
        head.push_str(&format!(" {e}"));
    }
    if let Some(h) = &x.host {
        head.push_str(&format!(" {}", escape_text(h)));
    }
    if !frames.is_empty() {
        head.push_str(&format!(" (frames {})", frames.join(",")));
    }
    if x.suppressed {
        let m = styles.muted;
        head.push_str(&format!(" {m}[suppressed]{m:#}"));
    }
    writeln!(out, "{head}")?;
    if x.similar > 0 {
        let last = similar_last(x);
        writeln!(out, "        and {} more flow(s) like it{last}", x.similar)?;
    }
    writeln!(out, "        {}", escape_text(&x.explanation))?;
    writeln!(out, "        evidence: {}", escape_text(&x.evidence))?;
    writeln!(out, "        check: {}", x.check)?;
    writeln!(out, "        requirement: {}", x.requirement)
}
