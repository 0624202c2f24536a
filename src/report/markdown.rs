//! The audit [`Report`] as GitHub-flavoured Markdown, to paste into a ticket: a summary
//! table, then per capture its context, the endpoint coverage table and the findings
//! grouped by family with their frame numbers. Computes nothing.
//!
//! Every string that is not ours (names, evidence, file names, anything a capture or a
//! user catalog can carry) goes through [`md`]: control characters become visible escapes
//! and every character that can start Markdown or HTML inside a line is backslash-escaped,
//! so a hostile SNI can neither break a table (`|`), start markup (`*`, `[`, `` ` ``) nor
//! smuggle HTML (`<`, `&`) into a ticket system that renders Markdown. Dots, dashes and
//! colons stay as they are (host names and addresses read normally); our own text decides
//! what starts each line, so they cannot begin a list or a heading.

use std::io::{self, Write};

use super::common::{
    capture_counts, context_items, family_breakdown, family_title, format_ts, format_utc,
    similar_last,
};
use super::escape_text;
use super::model::{FileReport, Report};
use crate::classify::{Family, Finding};

/// Characters that start Markdown or HTML in the middle of a line (GFM).
const MARKUP: &str = "\\`*_[]<>#|~&";

/// Escapes text for Markdown (inline text and table cells).
pub fn md(s: &str) -> String {
    let visible = escape_text(s);
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        if MARKUP.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let t = &report.totals;
    writeln!(out, "# arcaudit audit report")?;
    writeln!(out)?;
    writeln!(out, "| | |")?;
    writeln!(out, "|---|---|")?;
    writeln!(out, "| Captures | {} |", t.files)?;
    if t.files_with_errors > 0 {
        writeln!(
            out,
            "| Captures with input errors | **{}** |",
            t.files_with_errors
        )?;
    }
    if let (Some(a), Some(b)) = (t.first_ts_ns, t.last_ts_ns) {
        writeln!(
            out,
            "| Time span | {} to {} ({} s) |",
            md(&format_utc(a)),
            md(&format_utc(b)),
            md(&format_ts(b - a))
        )?;
    }
    writeln!(out, "| TCP flows | {} |", t.tcp_flows)?;
    writeln!(out, "| Flows to Arc endpoints | {} |", t.arc_flows)?;
    writeln!(out, "| Arc endpoints reached | {} |", t.endpoints_reached)?;
    writeln!(out, "| Arc endpoints failing | {} |", t.endpoints_failing)?;
    writeln!(
        out,
        "| Required endpoints not seen | {} |",
        t.required_unseen
    )?;
    writeln!(
        out,
        "| Findings | **{}** ({}) |",
        t.findings,
        family_breakdown(t)
    )?;
    if t.suppressed > 0 {
        writeln!(out, "| Suppressed findings | {} |", t.suppressed)?;
    }
    writeln!(out, "| Tool | {} |", md(&report.tool))?;
    writeln!(out)?;
    for line in super::common::service_tag_lines(&report.service_tags) {
        let line = match line.split_once(": ") {
            Some(("service tags", rest)) => format!("Service tags: {rest}"),
            Some(("note", rest)) => format!("Note: {rest}"),
            _ => line,
        };
        // Markdown's hard line break: two trailing spaces.
        writeln!(out, "{}  ", md(&line))?;
    }
    for f in &report.files {
        file_section(f, out)?;
    }
    Ok(())
}

fn file_section(f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
    let a = &f.audit;
    writeln!(out)?;
    writeln!(out, "## {}", md(&f.file))?;
    writeln!(out)?;
    if let Some(e) = &f.stats.error {
        writeln!(out, "> **Input error:** {}", md(e))?;
        writeln!(out)?;
    }
    let context: Vec<String> = context_items(f).iter().map(|c| md(c)).collect();
    writeln!(out, "Context: {}  ", context.join("; "))?;
    if let Some(c) = &a.inferred.cloud {
        writeln!(out, "Cloud inferred from {}  ", md(&c.evidence))?;
    }
    writeln!(out, "{}", capture_counts(f))?;
    writeln!(out)?;
    writeln!(out, "### Endpoint coverage")?;
    writeln!(out)?;
    if a.coverage.is_empty() {
        writeln!(out, "No Arc endpoint was tried and none is required.")?;
    } else {
        writeln!(
            out,
            "| Endpoint | Required | Tries | OK | Failed | TLS | Direct / proxy / private | Names | Addresses |"
        )?;
        writeln!(out, "|---|---|--:|--:|--:|---|---|---|---|")?;
        for r in &a.coverage {
            let names: Vec<String> = r.names.iter().map(|n| md(n)).collect();
            let addrs: Vec<String> = r.addresses.iter().map(|x| md(&x.to_string())).collect();
            let failed = if r.failures > 0 {
                format!("**{}**", r.failures)
            } else {
                r.failures.to_string()
            };
            let tries = if r.required && r.attempts == 0 {
                "**0** (not seen)".to_string()
            } else {
                r.attempts.to_string()
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} / {} / {} | {} | {} |",
                md(&r.endpoint),
                if r.required { "yes" } else { "no" },
                tries,
                r.successes,
                failed,
                md(&r.tls_versions.join(", ")),
                r.direct,
                r.via_proxy,
                r.private_address,
                names.join(", "),
                addrs.join(", ")
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "### Findings")?;
    writeln!(out)?;
    if a.findings.is_empty() {
        writeln!(out, "None.")?;
        return Ok(());
    }
    for fam in Family::ALL {
        let of: Vec<&Finding> = a.findings.iter().filter(|x| x.family == fam).collect();
        if of.is_empty() {
            continue;
        }
        writeln!(out, "#### {} ({})", family_title(fam), of.len())?;
        writeln!(out)?;
        for x in of {
            finding(x, out)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn finding(x: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let mut head = format!(
        "- **{}** {}",
        x.severity.as_str().to_uppercase(),
        md(x.rule)
    );
    if let Some(e) = &x.endpoint {
        head.push_str(&format!(" — {}", md(e)));
    }
    if let Some(h) = &x.host {
        head.push_str(&format!(" {}", md(h)));
    }
    if !x.frames.is_empty() {
        let frames: Vec<String> = x.frames.iter().map(|n| n.to_string()).collect();
        let word = if x.frames.len() == 1 {
            "frame"
        } else {
            "frames"
        };
        head.push_str(&format!(" ({word} {})", frames.join(", ")));
    }
    if x.suppressed {
        head.push_str(" *(suppressed)*");
    }
    writeln!(out, "{head}  ")?;
    writeln!(out, "  {}", md(&x.explanation))?;
    if x.similar > 0 {
        let last = similar_last(x);
        writeln!(out, "  - and {} more flow(s) like it{last}", x.similar)?;
    }
    writeln!(out, "  - Evidence: {}", md(&x.evidence))?;
    // Our own words (rule metadata), written as Markdown: `azcmagent check` stays code.
    writeln!(out, "  - Check: {}", x.check)?;
    writeln!(out, "  - Requirement: {}", x.requirement)
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn capture_strings_cannot_make_markup() {
        assert_eq!(md("gbl.his.arc.azure.com:443"), "gbl.his.arc.azure.com:443");
        assert_eq!(md("<script>a|b</script>"), "\\<script\\>a\\|b\\</script\\>");
        assert_eq!(md("*x* [y](z) `c`"), "\\*x\\* \\[y\\](z) \\`c\\`");
        assert_eq!(md("a\u{1b}[31m\nb"), "a\\\\x1b\\[31m\\\\x0ab");
        assert_eq!(md("&amp;"), "\\&amp;");
    }
}
