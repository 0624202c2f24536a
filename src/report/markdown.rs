//! The audit [`Report`] as GitHub-flavoured Markdown, to paste into a ticket: a summary
//! table, a list of the captures, then per capture its context, the endpoint coverage
//! table and the findings grouped by family with their frame numbers. Ticket-sized: a
//! report longer than [`MarkdownConfig::max_chars`] characters is shortened to fit (worst
//! findings first, the rest as one line or left out) and says what it left out. Computes
//! no verdict; only which parts fit.
//!
//! Every string that is not ours (names, evidence, file names, anything a capture or a
//! user catalog can carry) goes through [`md`]: control characters become visible escapes
//! and every character that can start Markdown or HTML inside a line is backslash-escaped,
//! so a hostile SNI can neither break a table (`|`), start markup (`*`, `[`, `` ` ``) nor
//! smuggle HTML (`<`, `&`) into a ticket system that renders Markdown, nor become a link
//! (GitHub's autolinks: `https://…`, `www.…`, e-mail addresses). Dots, dashes and colons
//! stay as they are (host names and addresses read normally) except where they would
//! complete an autolink; our own text decides what starts each line, so they cannot begin
//! a list or a heading.

use crate::report::common::row_lists;
use std::io::{self, Write};

use super::common::{
    attempts, capture_counts, context_items, family_breakdown, family_title, file_label, format_ts,
    format_utc, frames_phrase,
};
use super::escape_text;
use super::model::{FileReport, Report};
use crate::classify::{Family, Finding, Severity, Unseen};

/// Characters that start Markdown or HTML in the middle of a line (GFM).
const MARKUP: &str = "\\`*_[]<>#|~&";

/// Escapes text for Markdown (inline text and table cells).
///
/// Also defuses GitHub's autolinks (the GFM autolink extension), so a name from a capture
/// never becomes a clickable link in a ticket: every `@` is escaped (e-mail addresses), the
/// `:` of a scheme (`https://`, `mailto:`, `xmpp:`) and the `.` after `www` are escaped. A
/// backslash-escaped character is text to GFM and ends the autolink match, and the rendered
/// text still reads `https://` or `www.` (the backslash is not shown).
pub fn md(s: &str) -> String {
    let visible = escape_text(s);
    let mut out = String::with_capacity(visible.len() + 8);
    let chars: Vec<char> = visible.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if MARKUP.contains(c) || starts_autolink(&chars, i) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `chars[i]` is the character GFM's autolink extension needs to see unescaped:
/// `@` (e-mail), a `:` followed by `/` or ending `mailto`/`xmpp` (URLs), the `.` of `www.`.
fn starts_autolink(chars: &[char], i: usize) -> bool {
    let ends_with = |word: &str| {
        let n = word.chars().count();
        i >= n
            && chars[i - n..i]
                .iter()
                .zip(word.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
    };
    match chars[i] {
        '@' => true,
        ':' => chars.get(i + 1) == Some(&'/') || ends_with("mailto") || ends_with("xmpp"),
        '.' => ends_with("www"),
        _ => false,
    }
}

/// The default of `--max-chars`: a GitHub issue comment holds at most 65,536 characters;
/// the margin leaves room for a line of the user's own above the report.
pub const DEFAULT_MAX_CHARS: usize = 60_000;

/// How the Markdown report is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownConfig {
    /// The most characters (Unicode scalar values, as ticket systems count them, not
    /// bytes) the report may have; 0 for no limit. A report that fits is the full report;
    /// one that does not is shortened as [`ticket`] describes.
    pub max_chars: usize,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            max_chars: DEFAULT_MAX_CHARS,
        }
    }
}

/// The report with the default limit ([`DEFAULT_MAX_CHARS`]).
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    render_with(report, &MarkdownConfig::default(), out)
}

pub fn render_with(report: &Report, cfg: &MarkdownConfig, out: &mut dyn Write) -> io::Result<()> {
    let full = full_report(report, false)?;
    let chars = full.chars().count();
    if cfg.max_chars == 0 || chars <= cfg.max_chars {
        return out.write_all(full.as_bytes());
    }
    let (mut short, fits) = ticket(report, cfg.max_chars, cfg.max_chars, chars, false)?;
    if !fits {
        // Only when the summary and the note alone are longer than the limit.
        short = hard_cut(&short, cfg.max_chars, chars);
    }
    out.write_all(short.as_bytes())
}

/// The whole report, unshortened: for a document that puts it after another part
/// (`fleet_markdown`'s view of a run over several hosts), so each capture's section says
/// which host it is of.
pub(super) fn full_text(report: &Report) -> io::Result<String> {
    full_report(report, true)
}

/// The report shortened (as [`ticket`] describes) into `budget` characters, the rest of
/// a longer document whose limit is `max_chars` and whose full length is `full_chars`
/// (both said in the note); None when not even its summary and the note fit.
pub(super) fn shortened_within(
    report: &Report,
    budget: usize,
    max_chars: usize,
    full_chars: usize,
) -> io::Result<Option<String>> {
    let (text, fits) = ticket(report, budget, max_chars, full_chars, true)?;
    Ok(fits.then_some(text))
}

/// What a renderer function writes, as a string.
fn text_of(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<String> {
    let mut buf = Vec::new();
    f(&mut buf)?;
    String::from_utf8(buf).map_err(io::Error::other)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `hosts`: each capture's section names its host (a run over several hosts).
fn full_report(report: &Report, hosts: bool) -> io::Result<String> {
    let mut o = text_of(|out| summary(report, out))?;
    o.push_str(&text_of(|out| overview(report, out))?);
    for f in &report.files {
        o.push_str(&text_of(|out| section_head(f, hosts, out))?);
        o.push_str(&text_of(|out| coverage(f, out))?);
        o.push_str(&text_of(|out| findings_in_order(f, out))?);
    }
    Ok(o)
}

fn summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
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
    if t.files_not_read > 0 {
        writeln!(
            out,
            "| Captures not read (no verdict) | **{}** |",
            t.files_not_read
        )?;
    }
    if let Some((a, b)) = report.single_capture_span() {
        writeln!(
            out,
            "| Time span | {} to {} ({} s) |",
            md(&format_utc(a)),
            md(&format_utc(b)),
            md(&format_ts(b.saturating_sub(a)))
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
    Ok(())
}

/// One line per capture, like the HTML page's contents: its findings by severity, so a
/// reader sees every capture's state even when its section is shortened or left out.
fn overview(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.files.len() < 2 {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "## Captures")?;
    writeln!(out)?;
    for f in &report.files {
        writeln!(out, "{}", overview_line(f))?;
    }
    Ok(())
}

fn overview_line(f: &FileReport) -> String {
    let shown: Vec<&Finding> = f.audit.findings.iter().filter(|x| !x.suppressed).collect();
    let mut line = format!("- {}: ", md(&f.file));
    if shown.is_empty() {
        line.push_str("no findings");
    } else {
        let by: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|s| {
                let n = shown.iter().filter(|x| x.severity == *s).count();
                (n > 0).then(|| format!("{n} {}", s.as_str()))
            })
            .collect();
        line.push_str(&format!(
            "{} {} ({})",
            shown.len(),
            if shown.len() == 1 {
                "finding"
            } else {
                "findings"
            },
            by.join(", ")
        ));
    }
    let suppressed = f.audit.findings.len() - shown.len();
    if suppressed > 0 {
        line.push_str(&format!(", {suppressed} suppressed"));
    }
    if f.stats.error.is_some() {
        line.push_str(", **input error**");
    }
    line
}

fn section_head(f: &FileReport, host: bool, out: &mut dyn Write) -> io::Result<()> {
    let a = &f.audit;
    writeln!(out)?;
    writeln!(out, "## {}", md(&file_label(&f.file)))?;
    writeln!(out)?;
    if host {
        // Which machine: the row of the fleet view above this capture is under.
        writeln!(
            out,
            "Host: **{}** ({})",
            md(&f.host.id),
            md(&host_source(f))
        )?;
        writeln!(out)?;
    }
    if let Some(why) = f.not_read() {
        // Nothing was read, so nothing is judged: no context, coverage or findings.
        return writeln!(out, "> **Not read:** {}", md(why));
    }
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
    writeln!(out)
}

/// Where a capture's host name comes from, and the first line of why, as the text
/// report says it.
fn host_source(f: &FileReport) -> String {
    match f.host.evidence.first() {
        Some(e) => format!("{}: {e}", f.host.source.as_str()),
        None => f.host.source.as_str().to_string(),
    }
}

fn coverage(f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
    coverage_of(f, false, out)
}

/// The coverage table; `compact` (shortened reports) names the endpoints never tried in
/// one line under the table instead of a row each.
fn coverage_of(f: &FileReport, compact: bool, out: &mut dyn Write) -> io::Result<()> {
    let a = &f.audit;
    writeln!(out, "### Endpoint coverage")?;
    writeln!(out)?;
    let rows: Vec<_> = a
        .coverage
        .iter()
        .filter(|r| !compact || r.attempts > 0)
        .collect();
    if a.coverage.is_empty() {
        writeln!(out, "No Arc endpoint was tried and none is required.")?;
    } else if rows.is_empty() {
        writeln!(out, "No Arc endpoint was tried.")?;
    } else {
        writeln!(
            out,
            "| Endpoint | Required | Tries | OK | Failed | TLS | Direct / proxy / private | Names | Addresses |"
        )?;
        writeln!(out, "|---|---|--:|--:|--:|---|---|---|---|")?;
        for r in rows {
            let (names, addrs) = row_lists(r, md);
            let failed = if r.failures > 0 {
                format!("**{}**", r.failures)
            } else {
                r.failures.to_string()
            };
            let tries = match r.unseen {
                Some(Unseen::Overdue) => "**0** (not seen, overdue)".to_string(),
                Some(Unseen::NotDue) => "0 (not seen)".to_string(),
                None => r.attempts.to_string(),
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
    if compact {
        for (required, label) in [(true, "Required, **not seen**"), (false, "Not tried")] {
            let unseen: Vec<String> = a
                .coverage
                .iter()
                .filter(|r| r.attempts == 0 && r.required == required)
                .map(|r| md(&r.endpoint))
                .collect();
            if !unseen.is_empty() {
                writeln!(out)?;
                writeln!(out, "{label}: {}", unseen.join(", "))?;
            }
        }
    }
    writeln!(out)
}

fn findings_in_order(f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
    let a = &f.audit;
    writeln!(out, "### Findings")?;
    writeln!(out)?;
    if a.findings.is_empty() {
        writeln!(out, "None.")?;
        return Ok(());
    }
    // In the report's order (worst first, then family, then time): no regrouping here.
    for x in &a.findings {
        finding(x, out)?;
    }
    writeln!(out)?;
    Ok(())
}

/// How far a finding made it into a shortened report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// Left out; counted in the note at the top.
    Out,
    /// Its first line, inside the capture's collapsed `<details>` block.
    Line,
    /// In full.
    Full,
}

/// A report that did not fit in `max` characters, shortened to fit: always the summary,
/// a note saying what was left out and how to get the rest, and the per-capture overview;
/// then, as long as they fit and in this order: the first line of every finding (worst
/// first across captures) in a collapsed `<details>` block of its capture, the
/// high-severity findings in full, the coverage tables of the captures with findings or
/// failures, the other findings in full, the coverage tables of the clean captures. A capture gets its
/// section only when something of it is shown. Every cost is counted in characters and
/// every count in the note and in the lines that stand for left-out parts is reserved at its largest, so the result never exceeds `max`;
/// should the summary alone not fit, the result says so (false) and the caller cuts it.
/// `max` is the budget; `said_max` the limit the note names (the user's `--max-chars`,
/// larger than `max` when the report is the second part of a document).
fn ticket(
    report: &Report,
    max: usize,
    said_max: usize,
    full_chars: usize,
    hosts: bool,
) -> io::Result<(String, bool)> {
    let files = &report.files;
    let head = text_of(|out| summary(report, out))?;
    let heads = files
        .iter()
        .map(|f| text_of(|out| section_head(f, hosts, out)))
        .collect::<io::Result<Vec<_>>>()?;
    let tables = files
        .iter()
        .map(|f| text_of(|out| coverage_of(f, true, out)))
        .collect::<io::Result<Vec<_>>>()?;
    let full: Vec<Vec<String>> = files
        .iter()
        .map(|f| {
            f.audit
                .findings
                .iter()
                .map(|x| text_of(|out| finding(x, out)))
                .collect::<io::Result<Vec<_>>>()
        })
        .collect::<io::Result<_>>()?;
    // The first line of the full text is the finding's head: severity, rule, endpoint, name
    // and frames.
    let lines: Vec<Vec<String>> = full
        .iter()
        .map(|of| {
            of.iter()
                .map(|t| format!("{}\n", t.lines().next().unwrap_or("").trim_end()))
                .collect()
        })
        .collect();

    // Worst first: unsuppressed before suppressed, then severity, family, capture, order.
    let mut order: Vec<(usize, usize)> = files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| (0..f.audit.findings.len()).map(move |j| (i, j)))
        .collect();
    let family_rank = |fam: Family| Family::ALL.iter().position(|x| *x == fam);
    order.sort_by_key(|&(i, j)| {
        let x = &files[i].audit.findings[j];
        (
            x.suppressed,
            std::cmp::Reverse(x.severity),
            family_rank(x.family),
            i,
            j,
        )
    });

    let mut plan = Plan {
        files,
        heads: &heads,
        open: vec![false; files.len()],
        table: vec![false; files.len()],
        shown: files
            .iter()
            .map(|f| vec![Shown::Out; f.audit.findings.len()])
            .collect(),
        used: 0,
        max,
        said_max,
    };
    // The note, reserved with every count at its largest (all counts are at most these).
    let mut used = chars(&head) + chars(&plan.note(full_chars, true));
    // The overview: all of it when it fits, else as many lines as fit and a last line
    // saying how many are missing (reserved at its largest).
    let mut overview_lines = 0;
    if files.len() > 1 {
        used += chars("\n## Captures\n\n");
        let more = chars(&more_captures(files.len()));
        let all: usize = files.iter().map(|f| chars(&overview_line(f)) + 1).sum();
        if used + all <= max {
            used += all;
            overview_lines = files.len();
        } else {
            used += more;
            for f in files {
                let c = chars(&overview_line(f)) + 1;
                if used + c > max {
                    break;
                }
                used += c;
                overview_lines += 1;
            }
        }
    }
    plan.used = used;
    let interesting = |i: usize| {
        let f = &files[i];
        f.audit.findings.iter().any(|x| !x.suppressed)
            || f.stats.error.is_some()
            || f.audit
                .coverage
                .iter()
                .any(|r| r.failures > 0 || (r.required && r.attempts == 0))
    };
    // 1. Every finding named in one line, worst first, so that none is left out while
    //    lines fit; the first that does not fit ends the step.
    for &(i, j) in &order {
        if !plan.add_line(i, j, &lines[i][j]) {
            break;
        }
    }
    // 2. The high-severity findings in full, worst first.
    for &(i, j) in &order {
        let x = &files[i].audit.findings[j];
        if x.suppressed || x.severity != Severity::High {
            continue;
        }
        if !plan.add_full(i, j, &full[i][j], &lines[i][j]) {
            break;
        }
    }
    // 3. The coverage tables of the captures with something to look at.
    for i in (0..files.len()).filter(|&i| interesting(i)) {
        plan.add_table(i, &tables[i]);
    }
    // 4. The other findings in full, worst first.
    for &(i, j) in &order {
        if plan.shown[i][j] == Shown::Line && !plan.add_full(i, j, &full[i][j], &lines[i][j]) {
            break;
        }
    }
    // 5. The coverage tables of the clean captures.
    for i in (0..files.len()).filter(|&i| !interesting(i)) {
        plan.add_table(i, &tables[i]);
    }

    let mut o = head;
    o.push_str(&plan.note(full_chars, false));
    if files.len() > 1 {
        o.push_str("\n## Captures\n\n");
        for f in &files[..overview_lines] {
            o.push_str(&overview_line(f));
            o.push('\n');
        }
        if overview_lines < files.len() {
            o.push_str(&more_captures(files.len() - overview_lines));
        }
    }
    for (i, f) in files.iter().enumerate() {
        if !plan.open[i] {
            continue;
        }
        o.push_str(&heads[i]);
        if plan.table[i] {
            o.push_str(&tables[i]);
        } else {
            o.push_str(&table_left_out(f.audit.coverage.len()));
        }
        o.push_str(&findings_header(f.audit.findings.len()));
        let mut any_full = false;
        for &(k, j) in order.iter().filter(|&&(k, _)| k == i) {
            if plan.shown[k][j] == Shown::Full {
                o.push_str(&full[k][j]);
                any_full = true;
            }
        }
        let of_lines: Vec<&String> = order
            .iter()
            .filter(|&&(k, j)| k == i && plan.shown[k][j] == Shown::Line)
            .map(|&(k, j)| &lines[k][j])
            .collect();
        if !of_lines.is_empty() {
            o.push_str(&details_open(of_lines.len(), any_full));
            for l in of_lines {
                o.push_str(l);
            }
            o.push_str(DETAILS_CLOSE);
        }
        let out = plan.shown[i].iter().filter(|s| **s == Shown::Out).count();
        if out > 0 {
            o.push_str(&findings_left_out(out));
        }
    }
    let fits = chars(&o) <= max;
    Ok((o, fits))
}

/// What of each capture a shortened report shows, and the characters spent on it.
struct Plan<'a> {
    files: &'a [FileReport],
    heads: &'a [String],
    open: Vec<bool>,
    table: Vec<bool>,
    shown: Vec<Vec<Shown>>,
    used: usize,
    max: usize,
    /// The limit the note names.
    said_max: usize,
}

impl Plan<'_> {
    /// Spends `extra` characters on capture `i`, plus the fixed cost of its section when it
    /// is not open yet: its head, the findings header, the line standing for its coverage
    /// table and the line counting its left-out findings, the counts at their largest.
    /// False, and nothing spent, when that does not fit.
    fn spend(&mut self, i: usize, extra: usize) -> bool {
        let fixed = if self.open[i] {
            0
        } else {
            let f = &self.files[i];
            let n = f.audit.findings.len();
            chars(&self.heads[i])
                + chars(&findings_header(n))
                + chars(&table_left_out(f.audit.coverage.len()))
                + if n > 0 {
                    chars(&findings_left_out(n))
                } else {
                    0
                }
        };
        if self.used + fixed + extra > self.max {
            return false;
        }
        self.used += fixed + extra;
        self.open[i] = true;
        true
    }

    /// The table replaces the line reserved for it.
    fn add_table(&mut self, i: usize, table: &str) {
        let rows = self.files[i].audit.coverage.len();
        let extra = chars(table).saturating_sub(chars(&table_left_out(rows)));
        if !self.table[i] && self.spend(i, extra) {
            self.table[i] = true;
        }
    }

    /// A finding's first line in the capture's collapsed block; the first one pays for the
    /// block's frame.
    fn add_line(&mut self, i: usize, j: usize, line: &str) -> bool {
        let n = self.files[i].audit.findings.len();
        let frame = if self.shown[i].contains(&Shown::Line) {
            0
        } else {
            chars(&details_open(n, true)) + chars(DETAILS_CLOSE)
        };
        if !self.spend(i, frame + chars(line)) {
            return false;
        }
        self.shown[i][j] = Shown::Line;
        true
    }

    /// A finding in full; one already shown as a line pays only the difference.
    fn add_full(&mut self, i: usize, j: usize, full: &str, line: &str) -> bool {
        let paid = if self.shown[i][j] == Shown::Line {
            chars(line)
        } else {
            0
        };
        if !self.spend(i, chars(full).saturating_sub(paid)) {
            return false;
        }
        self.shown[i][j] = Shown::Full;
        true
    }

    fn count(&self, how: Shown) -> usize {
        self.shown.iter().flatten().filter(|s| **s == how).count()
    }

    /// The note under the summary. With `largest`, every count is at its largest, for
    /// reserving its length before the counts are known.
    fn note(&self, full_chars: usize, largest: bool) -> String {
        let findings: usize = self.files.iter().map(|f| f.audit.findings.len()).sum();
        let captures = self.files.len();
        let pick = |n: usize, most: usize| if largest { most } else { n };
        let full = pick(self.count(Shown::Full), findings);
        let line = pick(self.count(Shown::Line), findings);
        let out = pick(self.count(Shown::Out), findings);
        let tables = pick(self.table.iter().filter(|t| **t).count(), captures);
        let sections = pick(self.open.iter().filter(|o| **o).count(), captures);
        format!(
            "\n> **Shortened to fit {} characters** (`--max-chars`); the full report has {} characters: run again with `--max-chars 0` for it, or use `--format html`.  \n\
             > Shown: {full} of {findings} findings in full (worst first), {line} as one line in collapsed blocks, {out} left out; \
             {tables} of {captures} coverage tables; {sections} of {captures} captures have a section here, every capture is in the list below.\n",
            self.said_max, full_chars
        )
    }
}

fn more_captures(n: usize) -> String {
    format!("- … and {n} more captures, left out to fit the limit\n")
}

fn table_left_out(rows: usize) -> String {
    format!("_Endpoint coverage: table of {rows} endpoints left out to fit the limit._\n\n")
}

fn findings_header(n: usize) -> String {
    if n == 0 {
        "### Findings\n\nNone.\n".to_string()
    } else {
        format!("### Findings ({n})\n\n")
    }
}

/// The collapsed block's opening; the blank line before it only when findings in full
/// precede it (reserved either way).
fn details_open(n: usize, after_full: bool) -> String {
    format!(
        "{}<details><summary>{n} {} in one line each</summary>\n\n",
        if after_full { "\n" } else { "" },
        if n == 1 { "finding" } else { "findings" }
    )
}

const DETAILS_CLOSE: &str = "\n</details>\n";

fn findings_left_out(n: usize) -> String {
    format!("\n_{n} more findings of this capture left out to fit the limit._\n")
}

/// The first `max` characters of `text`, ended at a line and with a marker saying it was
/// cut, for the limits too small for even the summary and the note.
fn hard_cut(text: &str, max: usize, full_chars: usize) -> String {
    let marker =
        format!("\n[cut at {max} characters; the full report has {full_chars}: --max-chars 0]\n");
    let room = max.saturating_sub(chars(&marker));
    let cut: String = text.chars().take(room).collect();
    if room == 0 {
        return marker.chars().take(max).collect();
    }
    let cut = match cut.rfind('\n') {
        Some(n) => cut[..n].to_string(),
        None => cut,
    };
    cut + &marker
}

fn finding(x: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let mut head = format!(
        "- **{}** {} {}",
        x.severity.as_str().to_uppercase(),
        family_title(x.family),
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
    if let Some(n) = attempts(x) {
        writeln!(out, "  - {n}")?;
    }
    writeln!(out, "  - Evidence: {}", md(&x.evidence))?;
    for e in &x.examples {
        writeln!(
            out,
            "  - Also ({}): {}",
            frames_phrase(&e.frames),
            md(&e.evidence)
        )?;
    }
    // Our own words (rule metadata), written as Markdown: `azcmagent check` stays code.
    writeln!(out, "  - Check: {}", x.check)?;
    writeln!(out, "  - Requirement: {}", x.requirement)
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn capture_strings_cannot_make_autolinks() {
        assert_eq!(md("https://evil.example/x"), "https\\://evil.example/x");
        assert_eq!(md("HTTP://a.b"), "HTTP\\://a.b");
        assert_eq!(md("www.evil.example"), "www\\.evil.example");
        assert_eq!(md("a.WWW.b"), "a.WWW\\.b");
        assert_eq!(md("root@evil.example"), "root\\@evil.example");
        assert_eq!(md("mailto:x"), "mailto\\:x");
        assert_eq!(md("xmpp:x"), "xmpp\\:x");
        // Addresses and ports read as before.
        assert_eq!(md("2001:db8::1"), "2001:db8::1");
        assert_eq!(md("10.0.0.1:443"), "10.0.0.1:443");
    }

    #[test]
    fn capture_strings_cannot_make_markup() {
        assert_eq!(md("gbl.his.arc.azure.com:443"), "gbl.his.arc.azure.com:443");
        assert_eq!(md("<script>a|b</script>"), "\\<script\\>a\\|b\\</script\\>");
        assert_eq!(md("*x* [y](z) `c`"), "\\*x\\* \\[y\\](z) \\`c\\`");
        assert_eq!(md("a\u{1b}[31m\nb"), "a\\\\x1b\\[31m\\\\x0ab");
        assert_eq!(md("&amp;"), "\\&amp;");
    }
}
