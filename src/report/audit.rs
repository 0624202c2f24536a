//! Renders the audit [`Report`]: `text` (a summary to read in ten seconds, then the
//! coverage table and the findings grouped by family), `json` (the report as one document)
//! and `ndjson` (one line per finding and per flow). Computes nothing: every count and
//! verdict is already in the report.

use crate::report::common::row_lists;
use std::io::{self, Write};

use super::common::{
    attempts, capture_counts, context_items, file_label, format_ts, format_utc, frames_phrase,
    plural,
};
use super::model::{FileReport, Report};
use super::{Styles, escape_text};
use crate::classify::{Family, Finding, Unseen};

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
            serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
            writeln!(out)
        }
        AuditFormat::Ndjson => ndjson(report, out),
        AuditFormat::Text => text(report, out),
        AuditFormat::Markdown => super::markdown::render(report, out),
        AuditFormat::Html => super::html::render(report, out),
    }
}

fn ndjson(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    /// One line: its type, the file when the body does not name it itself (a finding
    /// does: a key twice in one object is refused by strict parsers), then the body.
    #[derive(serde::Serialize)]
    struct Line<'a, T: serde::Serialize> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        file: Option<&'a str>,
        #[serde(flatten)]
        body: &'a T,
    }
    fn line<T: serde::Serialize>(out: &mut dyn Write, line: &Line<'_, T>) -> io::Result<()> {
        // io::Error::from keeps the kind of a write error (a closed pipe stays BrokenPipe).
        serde_json::to_writer(&mut *out, line).map_err(io::Error::from)?;
        writeln!(out)
    }
    for f in &report.files {
        // The verdicts of a large capture come back from the audit's temporary file.
        let mut written = Ok(());
        f.audit.flows.try_for_each(|_, v| {
            written = line(
                out,
                &Line {
                    kind: "flow",
                    file: Some(&f.file),
                    body: v,
                },
            );
            if written.is_ok() {
                std::ops::ControlFlow::Continue(())
            } else {
                std::ops::ControlFlow::Break(())
            }
        })?;
        written?;
        for x in &f.audit.findings {
            line(
                out,
                &Line {
                    kind: "finding",
                    file: None,
                    body: x,
                },
            )?;
        }
        #[derive(serde::Serialize)]
        struct FileLine<'a> {
            stats: &'a crate::pipeline::FileStats,
            context: &'a crate::classify::AuditContext,
            inferred: &'a crate::classify::Inferred,
            coverage: &'a [crate::classify::CoverageRow],
        }
        #[derive(serde::Serialize)]
        struct NotReadLine<'a> {
            not_read: &'a str,
            stats: &'a crate::pipeline::FileStats,
        }
        match f.not_read() {
            Some(why) => line(
                out,
                &Line {
                    kind: "file",
                    file: Some(&f.file),
                    body: &NotReadLine {
                        not_read: why,
                        stats: &f.stats,
                    },
                },
            )?,
            None => line(
                out,
                &Line {
                    kind: "file",
                    file: Some(&f.file),
                    body: &FileLine {
                        stats: &f.stats,
                        context: &f.audit.context,
                        inferred: &f.audit.inferred,
                        coverage: &f.audit.coverage,
                    },
                },
            )?,
        }
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
        "arcaudit audit: {}, {}, {} to Arc endpoints",
        plural(t.files, "capture", "captures"),
        plural(t.tcp_flows, "TCP flow", "TCP flows"),
        t.arc_flows
    )?;
    let read = t.files - t.files_not_read;
    if read > 0 {
        writeln!(
            out,
            "  Arc endpoints: {} reached, {} failing, {} required not seen",
            t.endpoints_reached, t.endpoints_failing, t.required_unseen
        )?;
    }
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
    if read == 0 {
        let bad = styles.bad;
        writeln!(out, "  verdict: {bad}none{bad:#}: no capture could be read")?;
    } else {
        let (verdict, style) = if t.findings == 0 {
            ("no findings".to_string(), styles.good)
        } else {
            (plural(t.findings, "finding", "findings"), styles.bad)
        };
        let unread = if t.files_not_read > 0 {
            format!(
                "; {} not read, not judged",
                plural(t.files_not_read, "capture", "captures")
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "  verdict: {style}{verdict}{style:#} ({}){unread}",
            families.join(", ")
        )?;
    }
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
    writeln!(out, "== {} ==", escape_text(&file_label(&f.file)))?;
    if let Some(why) = f.not_read() {
        let bad = styles.bad;
        // The heading names the file already.
        let why = why.strip_prefix(&format!("{}: ", f.file)).unwrap_or(why);
        writeln!(out, "  {bad}not read{bad:#}: {}", escape_text(why))?;
        return Ok(());
    }
    if let Some(e) = &f.stats.error {
        let bad = styles.bad;
        writeln!(out, "  {bad}input error{bad:#}: {}", escape_text(e))?;
    }
    if let Some((a, b)) = f.span() {
        writeln!(
            out,
            "  time span: {} .. {} ({} s)",
            format_utc(a),
            format_utc(b),
            format_ts(b.saturating_sub(a))
        )?;
    }
    // Which machine: what a fleet report groups this capture under, and why.
    writeln!(
        out,
        "  host: {} ({}{})",
        escape_text(&f.host.id),
        f.host.source.as_str(),
        f.host
            .evidence
            .first()
            .map(|e| format!(": {}", escape_text(e)))
            .unwrap_or_default()
    )?;
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
            let (names, addrs) = row_lists(r, |s| escape_text(s).into_owned());
            writeln!(
                out,
                "    {:<28} {:<9} {:>5} {:>4} {:>4}  {:<14} {:<22} {} {}",
                escape_text(&r.endpoint),
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
    let unseen = |which: Unseen| -> Vec<std::borrow::Cow<'_, str>> {
        a.coverage
            .iter()
            .filter(|r| r.unseen == Some(which))
            .map(|r| escape_text(&r.endpoint))
            .collect()
    };
    let overdue = unseen(Unseen::Overdue);
    if !overdue.is_empty() {
        writeln!(
            out,
            "  required, not seen although the agent calls them every five minutes: {}",
            overdue.join(", ")
        )?;
    }
    let not_due = unseen(Unseen::NotDue);
    if !not_due.is_empty() {
        writeln!(
            out,
            "  required, not seen (not necessarily due in this capture): {}",
            not_due.join(", ")
        )?;
    }
    if a.findings.is_empty() {
        let good = styles.good;
        writeln!(out, "  findings: {good}none{good:#}")?;
        return Ok(());
    }
    // In the report's order (worst first, then family, then time): no regrouping here.
    let h = styles.heading;
    writeln!(
        out,
        "  {h}findings{h:#} ({}, worst first):",
        a.findings.len()
    )?;
    for x in &a.findings {
        finding(x, styles, out)?;
    }
    Ok(())
}

fn finding(x: &Finding, styles: &Styles, out: &mut dyn Write) -> io::Result<()> {
    let frames: Vec<String> = x.frames.iter().map(|n| n.to_string()).collect();
    let sev = styles.severity(x.severity);
    // The rule right after the severity (what people grep for), then its family: the
    // list is in severity order, so no family heading says it.
    let mut head = format!(
        "    {sev}[{}]{sev:#} {} ({})",
        x.severity.as_str().to_uppercase(),
        x.rule,
        x.family.as_str()
    );
    if let Some(e) = &x.endpoint {
        // Endpoint ids come from the catalog, which a user file can replace: escaped like
        // capture strings.
        head.push_str(&format!(" {}", escape_text(e)));
    }
    if let Some(h) = &x.host {
        head.push_str(&format!(" {}", escape_text(h)));
    }
    if !frames.is_empty() {
        let word = if frames.len() == 1 { "frame" } else { "frames" };
        head.push_str(&format!(" ({word} {})", frames.join(",")));
    }
    if x.suppressed {
        let m = styles.muted;
        head.push_str(&format!(" {m}[suppressed]{m:#}"));
    }
    writeln!(out, "{head}")?;
    if let Some(n) = attempts(x) {
        writeln!(out, "        {n}")?;
    }
    writeln!(out, "        {}", escape_text(&x.explanation))?;
    writeln!(out, "        evidence: {}", escape_text(&x.evidence))?;
    for e in &x.examples {
        writeln!(
            out,
            "        also ({}): {}",
            frames_phrase(&e.frames),
            escape_text(&e.evidence)
        )?;
    }
    writeln!(out, "        check: {}", x.check)?;
    writeln!(out, "        requirement: {}", x.requirement)
}
