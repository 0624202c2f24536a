//! The audit [`Report`] as one self-contained HTML page to attach to a ticket: summary
//! cards, per capture its context, a timeline picture of the Arc connections (drawn by
//! `timeline`, one lane per endpoint), the endpoint coverage table and every finding with
//! its evidence. Inline CSS and a little inline JavaScript (table sorting, a findings filter,
//! open details when printing); nothing is fetched. Computes nothing but pixel positions.
//!
//! Safety: every string that is not ours goes through [`h`] (control characters made
//! visible, then `& < > " '` as entities), attributes are always double-quoted, and the
//! page carries a Content-Security-Policy that allows only its own style and script (by
//! hash) and no fetch of any kind, so even a mistake in escaping could not run a script
//! from a capture or make the page call out.
//!
//! A run over captures of several hosts gets the fleet view above its captures: written by
//! `fleet` ([`fleet::render_with_captures`]), which hands this page its part as a
//! [`PageHead`].

use crate::report::common::row_lists;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::common::{
    attempts, capture_counts, context_items, family_breakdown, family_title, file_label, format_ts,
    format_utc, frames_phrase,
};
use super::model::{FileReport, Report};
use crate::classify::{Finding, Unseen};

mod escape;
pub mod fleet;
mod timeline;

pub use escape::h;
use timeline::timeline;

const CSS: &str = include_str!("../assets/report.css");
const JS: &str = include_str!("../assets/report.js");

/// `'sha256-…'` of an inline element's text, for the Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024);
    write_page_headed(report, None, &mut page).map_err(io::Error::other)?;
    out.write_all(page.as_bytes())
}

/// What a view written above the captures adds to their page: its style (after ours, in
/// the same `<style>`, so the policy's one hash covers both), the page's title, and its
/// markup, placed after the page's header.
pub(super) struct PageHead {
    pub css: &'static str,
    pub title: String,
    pub before: String,
}

/// The id of the section of the `index`-th capture (0-based) of the report.
pub(super) fn capture_anchor(index: usize) -> String {
    format!("capture-{}", index + 1)
}

/// What the top of a report page says: its stylesheet, the CSP source of its script (`'none'`
/// for a page without one), its title (already escaped), heading, tool and schema.
pub(super) struct PageStart<'a> {
    pub css: &'a str,
    pub script_src: &'a str,
    pub title: &'a str,
    pub heading: &'a str,
    pub tool: &'a str,
    pub schema: &'a str,
}

/// The page from `<!DOCTYPE html>` to the end of its `<header>`, the same for the audit page
/// and the fleet page: one Content-Security-Policy that allows the inline stylesheet (by its
/// hash) and the given script source only.
pub(super) fn page_start(o: &mut String, p: &PageStart<'_>) -> std::fmt::Result {
    writeln!(o, "<!DOCTYPE html>")?;
    writeln!(o, "<html lang=\"en\">")?;
    writeln!(o, "<head>")?;
    writeln!(o, "<meta charset=\"utf-8\">")?;
    writeln!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        o,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}; img-src 'none'; base-uri 'none'; form-action 'none'\">",
        csp_hash(p.css),
        p.script_src
    )?;
    writeln!(o, "<title>{}</title>", p.title)?;
    writeln!(o, "<style>{}</style>", p.css)?;
    writeln!(o, "</head>")?;
    writeln!(o, "<body>")?;
    writeln!(o, "<header>")?;
    writeln!(o, "<h1>{}</h1>", p.heading)?;
    writeln!(
        o,
        "<p class=\"tool\">{} &middot; report schema {}</p>",
        h(p.tool),
        h(p.schema)
    )?;
    writeln!(o, "</header>")
}

pub(super) fn write_page_headed(
    report: &Report,
    head: Option<&PageHead>,
    o: &mut String,
) -> std::fmt::Result {
    let t = &report.totals;
    let css = match head {
        Some(head) => format!("{CSS}\n{}", head.css),
        None => CSS.to_string(),
    };
    let title = match head {
        Some(head) => h(&head.title),
        None => format!(
            "arcaudit report: {} {}, {} {}",
            t.files,
            if t.files == 1 { "capture" } else { "captures" },
            t.findings,
            if t.findings == 1 {
                "finding"
            } else {
                "findings"
            }
        ),
    };
    page_start(
        o,
        &PageStart {
            css: &css,
            script_src: &csp_hash(JS),
            title: &title,
            heading: "arcaudit audit report",
            tool: &report.tool,
            schema: report.schema,
        },
    )?;
    if let Some(head) = head {
        o.push_str(&head.before);
        writeln!(
            o,
            "<h2 class=\"part\" id=\"per-capture\">Per capture: {} {}</h2>",
            t.files,
            if t.files == 1 { "capture" } else { "captures" }
        )?;
    }
    summary(report, o)?;
    if report.files.len() > 1 {
        writeln!(o, "<nav><h2>Captures</h2><ul>")?;
        for (i, f) in report.files.iter().enumerate() {
            let n = f.audit.findings.iter().filter(|x| !x.suppressed).count();
            writeln!(
                o,
                "<li><a href=\"#{}\">{}</a>: {} {}{}</li>",
                capture_anchor(i),
                h(&f.file),
                n,
                if n == 1 { "finding" } else { "findings" },
                if f.stats.error.is_some() {
                    ", input error"
                } else {
                    ""
                }
            )?;
        }
        writeln!(o, "</ul></nav>")?;
    }
    writeln!(
        o,
        "<div class=\"toolbar\"><label>Filter findings <input id=\"filter\" type=\"search\" placeholder=\"rule, endpoint, name, address, frame\" autocomplete=\"off\"></label> <span id=\"filter-count\" class=\"muted\"></span></div>"
    )?;
    for (i, f) in report.files.iter().enumerate() {
        file_section(i, f, head.is_some(), o)?;
    }
    writeln!(
        o,
        "<footer>Made by {} from the capture files named above. Frame numbers count from 1 in each file, as in Wireshark. <code>arcaudit explain RULE</code> prints a rule's documentation.</footer>",
        h(&report.tool)
    )?;
    writeln!(o, "<script>{JS}</script>")?;
    writeln!(o, "</body>")?;
    writeln!(o, "</html>")
}

fn card(o: &mut String, key: &str, value: usize, label: &str, class: &str) -> std::fmt::Result {
    writeln!(
        o,
        "<div class=\"card {class}\"><span class=\"num\" data-key=\"{key}\">{value}</span><span class=\"label\">{label}</span></div>"
    )
}

fn summary(report: &Report, o: &mut String) -> std::fmt::Result {
    let t = &report.totals;
    writeln!(o, "<section id=\"summary\">")?;
    writeln!(o, "<div class=\"cards\">")?;
    card(o, "files", t.files, "captures", "")?;
    if t.files_with_errors > 0 {
        card(
            o,
            "files-with-errors",
            t.files_with_errors,
            "captures with input errors",
            "bad",
        )?;
    }
    if t.files_not_read > 0 {
        card(
            o,
            "files-not-read",
            t.files_not_read,
            "captures not read (no verdict)",
            "bad",
        )?;
    }
    card(o, "tcp-flows", t.tcp_flows, "TCP flows", "")?;
    card(o, "arc-flows", t.arc_flows, "flows to Arc endpoints", "")?;
    card(
        o,
        "endpoints-reached",
        t.endpoints_reached,
        "Arc endpoints reached",
        if t.endpoints_reached > 0 { "good" } else { "" },
    )?;
    card(
        o,
        "endpoints-failing",
        t.endpoints_failing,
        "Arc endpoints failing",
        if t.endpoints_failing > 0 { "bad" } else { "" },
    )?;
    card(
        o,
        "required-unseen",
        t.required_unseen,
        "required endpoints not seen",
        // Red only when a capture is long enough to expect the endpoint: a short
        // capture's missing endpoints are a note, not a verdict.
        if t.required_overdue > 0 { "bad" } else { "" },
    )?;
    card(
        o,
        "findings",
        t.findings,
        "findings",
        if t.findings > 0 { "bad" } else { "good" },
    )?;
    card(o, "suppressed", t.suppressed, "suppressed", "")?;
    writeln!(o, "</div>")?;
    writeln!(o, "<table class=\"facts\"><tbody>")?;
    if let Some((a, b)) = report.single_capture_span() {
        writeln!(
            o,
            "<tr><th>Time span</th><td>{} to {} ({} s)</td></tr>",
            h(&format_utc(a)),
            h(&format_utc(b)),
            h(&format_ts(b.saturating_sub(a)))
        )?;
    }
    writeln!(
        o,
        "<tr><th>Findings by family</th><td>{}</td></tr>",
        family_breakdown(t)
    )?;
    let severities: Vec<String> = crate::classify::Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            format!(
                "{} {}",
                t.by_severity.get(s.as_str()).copied().unwrap_or(0),
                s.as_str()
            )
        })
        .collect();
    writeln!(
        o,
        "<tr><th>Findings by severity</th><td>{}</td></tr>",
        severities.join(", ")
    )?;
    writeln!(
        o,
        "<tr><th>Occurrences</th><td>{} (the attempts the findings group)</td></tr>",
        t.occurrences
    )?;
    for line in super::common::service_tag_lines(&report.service_tags) {
        let (class, text) = match line.strip_prefix("service tags: ") {
            Some(rest) => ("", rest),
            None => (" class=\"note\"", line.as_str()),
        };
        writeln!(
            o,
            "<tr><th>Service tags</th><td{class}>{}</td></tr>",
            h(text)
        )?;
    }
    writeln!(o, "</tbody></table>")?;
    writeln!(o, "</section>")
}

/// `host`: the section names the capture's host (on a page headed by the fleet view, whose
/// matrix the link leads back to).
fn file_section(index: usize, f: &FileReport, host: bool, o: &mut String) -> std::fmt::Result {
    let a = &f.audit;
    writeln!(
        o,
        "<section class=\"capture\" id=\"{}\">",
        capture_anchor(index)
    )?;
    writeln!(o, "<h2>{}</h2>", h(&file_label(&f.file)))?;
    if host {
        writeln!(
            o,
            "<p class=\"host\">Host: <strong class=\"mono\">{}</strong> ({}{}) &middot; <a href=\"#fleet-matrix\">back to the fleet matrix</a></p>",
            h(&f.host.id),
            h(f.host.source.as_str()),
            f.host
                .evidence
                .first()
                .map(|e| format!(": {}", h(e)))
                .unwrap_or_default()
        )?;
    }
    if let Some(why) = f.not_read() {
        // Nothing was read, so nothing is judged: no context, coverage or findings.
        writeln!(
            o,
            "<p class=\"error\"><strong>Not read:</strong> {}</p>",
            h(why)
        )?;
        return writeln!(o, "</section>");
    }
    if let Some(e) = &f.stats.error {
        writeln!(
            o,
            "<p class=\"error\"><strong>Input error:</strong> {} The flows read before it are reported.</p>",
            h(e)
        )?;
    }
    let context: Vec<String> = context_items(f).iter().map(|c| h(c)).collect();
    writeln!(o, "<p>Context: {}", context.join("; "))?;
    if let Some(c) = &a.inferred.cloud {
        writeln!(o, "<br>Cloud inferred from {}", h(&c.evidence))?;
    }
    writeln!(o, "<br>{}</p>", capture_counts(f))?;
    writeln!(o, "<h3>Timeline</h3>")?;
    timeline(&a.timeline, o)?;
    writeln!(o, "<h3>Endpoint coverage</h3>")?;
    coverage(f, o)?;
    writeln!(o, "<h3>Findings</h3>")?;
    if a.findings.is_empty() {
        writeln!(o, "<p>None.</p>")?;
    } else {
        fold_rule(a.findings.len(), o)?;
    }
    // In the report's order (worst first, then family, then time): no regrouping here.
    for x in &a.findings {
        finding(x, starts_open(a.findings.len()), o)?;
    }
    writeln!(o, "</section>")
}

fn coverage(f: &FileReport, o: &mut String) -> std::fmt::Result {
    let rows = &f.audit.coverage;
    if rows.is_empty() {
        return writeln!(o, "<p>No Arc endpoint was tried and none is required.</p>");
    }
    writeln!(
        o,
        "<div class=\"scroll\"><table class=\"coverage sortable\">"
    )?;
    writeln!(
        o,
        "<thead><tr><th>Endpoint</th><th>Required</th><th class=\"n\">Tries</th><th class=\"n\">OK</th><th class=\"n\">Failed</th><th>TLS</th><th class=\"n\">Direct</th><th class=\"n\">Via proxy</th><th class=\"n\">Private</th><th>Names</th><th>Addresses</th></tr></thead>"
    )?;
    writeln!(o, "<tbody>")?;
    for r in rows {
        let unseen = r.unseen.is_some();
        let overdue = r.unseen == Some(Unseen::Overdue);
        let (names, addrs) = row_lists(r, h);
        writeln!(
            o,
            "<tr{}><td class=\"mono\">{}</td><td>{}</td><td class=\"n\" data-sort=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n{}\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
            if overdue { " class=\"unseen\"" } else { "" },
            h(&r.endpoint),
            if r.required { "yes" } else { "no" },
            r.attempts,
            if unseen {
                "0 (not seen)".to_string()
            } else {
                r.attempts.to_string()
            },
            r.successes,
            if r.failures > 0 { " fail" } else { "" },
            r.failures,
            h(&r.tls_versions.join(", ")),
            r.direct,
            r.via_proxy,
            r.private_address,
            names.join("<br>"),
            addrs.join("<br>")
        )?;
    }
    writeln!(o, "</tbody></table></div>")
}

/// A capture with at most this many findings shows them opened; more start closed.
const OPEN_UP_TO: usize = 8;

fn starts_open(findings: usize) -> bool {
    findings <= OPEN_UP_TO
}

/// The line above a capture's findings: why they start open or closed, so two reports
/// that differ in this do not look inconsistent, and buttons to change it (wired in
/// report.js; without script they do nothing and the summaries still toggle one by one).
fn fold_rule(findings: usize, o: &mut String) -> std::fmt::Result {
    writeln!(
        o,
        "<p class=\"fold-rule muted\"><span>Findings start open when a capture has at most {OPEN_UP_TO}; this one has {findings}, so they start {}.</span> <button type=\"button\" data-fold=\"open\">Expand all</button> <button type=\"button\" data-fold=\"close\">Collapse all</button></p>",
        if starts_open(findings) {
            "open"
        } else {
            "closed"
        }
    )
}

fn finding(x: &Finding, open: bool, o: &mut String) -> std::fmt::Result {
    writeln!(
        o,
        "<details class=\"finding sev-{}{}\" data-rule=\"{}\" data-family=\"{}\"{}>",
        x.severity.as_str(),
        if x.suppressed { " suppressed" } else { "" },
        h(x.rule),
        x.family.as_str(),
        if open { " open" } else { "" }
    )?;
    write!(
        o,
        "<summary><span class=\"badge\">{}</span> {} <code>{}</code>",
        x.severity.as_str().to_uppercase(),
        family_title(x.family),
        h(x.rule)
    )?;
    if let Some(e) = &x.endpoint {
        write!(o, " <span class=\"mono\">{}</span>", h(e))?;
    }
    if let Some(host) = &x.host {
        write!(o, " <span class=\"mono\">{}</span>", h(host))?;
    }
    if !x.frames.is_empty() {
        let frames: Vec<String> = x.frames.iter().map(|n| n.to_string()).collect();
        let word = if x.frames.len() == 1 {
            "frame"
        } else {
            "frames"
        };
        write!(
            o,
            " <span class=\"muted\">({word} {})</span>",
            frames.join(", ")
        )?;
    }
    if let Some(n) = attempts(x) {
        write!(o, " <span class=\"muted\">{}</span>", h(&n))?;
    }
    if x.suppressed {
        write!(o, " <em>suppressed</em>")?;
    }
    writeln!(o, "<br>{}</summary>", h(&x.explanation))?;
    writeln!(o, "<dl>")?;
    writeln!(o, "<dt>Evidence</dt><dd>{}</dd>", h(&x.evidence))?;
    if let Some(r) = &x.flow {
        writeln!(
            o,
            "<dt>Flow</dt><dd class=\"mono\">{} {} &rarr; {}, first frame {}</dd>",
            h(r.transport.as_str()),
            h(&r.client.to_string()),
            h(&r.server.to_string()),
            r.first_frame
        )?;
    }
    for e in &x.examples {
        writeln!(
            o,
            "<dt>Also</dt><dd>{}: {}</dd>",
            h(&frames_phrase(&e.frames)),
            h(&e.evidence)
        )?;
    }
    writeln!(o, "<dt>What to check</dt><dd>{}</dd>", h(x.check))?;
    writeln!(o, "<dt>Requirement</dt><dd>{}</dd>", h(x.requirement))?;
    writeln!(
        o,
        "<dt>Rule</dt><dd>{} ({}, {}); <code>arcaudit explain {}</code></dd>",
        h(x.rule),
        x.family.as_str(),
        x.severity.as_str(),
        h(x.rule)
    )?;
    writeln!(o, "</dl>")?;
    writeln!(o, "</details>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_hashes_the_inline_style_and_script() {
        // sha256 of the empty string, base64: a known value.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
        assert_ne!(csp_hash(CSS), csp_hash(JS));
    }
}
