//! The audit [`Report`] as one self-contained HTML page to attach to a ticket: summary
//! cards, per capture its context, a timeline picture of the Arc connections (SVG drawn
//! here, one lane per endpoint), the endpoint coverage table and every finding with its
//! evidence. Inline CSS and a little inline JavaScript (table sorting, a findings filter,
//! open details when printing); nothing is fetched. Computes nothing but pixel positions.
//!
//! Safety: every string that is not ours goes through [`h`] (control characters made
//! visible, then `& < > " '` as entities), attributes are always double-quoted, and the
//! page carries a Content-Security-Policy that allows only its own style and script (by
//! hash) and no fetch of any kind, so even a mistake in escaping could not run a script
//! from a capture or make the page call out.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::common::{
    capture_counts, context_items, family_breakdown, family_title, format_ts, format_utc,
    similar_last,
};
use super::escape_text;
use super::model::{FileReport, Report};
use crate::classify::{Family, Finding, Lane, Mark, Timeline};

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");

/// Escapes text for HTML text and double-quoted attribute values.
pub fn h(s: &str) -> String {
    let visible = escape_text(s);
    let mut out = String::with_capacity(visible.len() + 16);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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
    write_page(report, &mut page).map_err(io::Error::other)?;
    out.write_all(page.as_bytes())
}

fn write_page(report: &Report, o: &mut String) -> std::fmt::Result {
    let t = &report.totals;
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
        csp_hash(CSS),
        csp_hash(JS)
    )?;
    writeln!(
        o,
        "<title>arcaudit report: {} {}, {} {}</title>",
        t.files,
        if t.files == 1 { "capture" } else { "captures" },
        t.findings,
        if t.findings == 1 {
            "finding"
        } else {
            "findings"
        }
    )?;
    writeln!(o, "<style>{CSS}</style>")?;
    writeln!(o, "</head>")?;
    writeln!(o, "<body>")?;
    writeln!(o, "<header>")?;
    writeln!(o, "<h1>arcaudit audit report</h1>")?;
    writeln!(
        o,
        "<p class=\"tool\">{} &middot; report schema {}</p>",
        h(&report.tool),
        h(report.schema)
    )?;
    writeln!(o, "</header>")?;
    summary(report, o)?;
    if report.files.len() > 1 {
        writeln!(o, "<nav><h2>Captures</h2><ul>")?;
        for (i, f) in report.files.iter().enumerate() {
            let n = f.audit.findings.iter().filter(|x| !x.suppressed).count();
            writeln!(
                o,
                "<li><a href=\"#capture-{}\">{}</a>: {} {}{}</li>",
                i + 1,
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
        file_section(i + 1, f, o)?;
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
        if t.required_unseen > 0 { "bad" } else { "" },
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
    if let (Some(a), Some(b)) = (t.first_ts_ns, t.last_ts_ns) {
        writeln!(
            o,
            "<tr><th>Time span</th><td>{} to {} ({} s)</td></tr>",
            h(&format_utc(a)),
            h(&format_utc(b)),
            h(&format_ts(b - a))
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
        "<tr><th>Flows with findings</th><td>{} (findings plus the similar flows folded into them)</td></tr>",
        t.occurrences
    )?;
    match &report.service_tags.skipped {
        Some(why) => writeln!(
            o,
            "<tr><th>Service tags</th><td class=\"note\">{}</td></tr>",
            h(why)
        )?,
        None => {
            for f in &report.service_tags.files {
                writeln!(
                    o,
                    "<tr><th>Service tags</th><td>{} changeNumber {} (<span class=\"mono\">{}</span>)</td></tr>",
                    h(&f.cloud),
                    f.change_number,
                    h(&f.path.display().to_string())
                )?;
            }
        }
    }
    writeln!(o, "</tbody></table>")?;
    writeln!(o, "</section>")
}

fn file_section(n: usize, f: &FileReport, o: &mut String) -> std::fmt::Result {
    let a = &f.audit;
    writeln!(o, "<section class=\"capture\" id=\"capture-{n}\">")?;
    writeln!(o, "<h2>{}</h2>", h(&f.file))?;
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
    }
    for fam in Family::ALL {
        let of: Vec<&Finding> = a.findings.iter().filter(|x| x.family == fam).collect();
        if of.is_empty() {
            continue;
        }
        writeln!(o, "<h4>{} ({})</h4>", family_title(fam), of.len())?;
        for x in of {
            finding(x, a.findings.len() <= OPEN_UP_TO, o)?;
        }
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
        let unseen = r.required && r.attempts == 0;
        let names: Vec<String> = r.names.iter().map(|n| h(n)).collect();
        let addrs: Vec<String> = r.addresses.iter().map(|x| h(&x.to_string())).collect();
        writeln!(
            o,
            "<tr{}><td class=\"mono\">{}</td><td>{}</td><td class=\"n\" data-sort=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n{}\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
            if unseen { " class=\"unseen\"" } else { "" },
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
        "<summary><span class=\"badge\">{}</span> <code>{}</code>",
        x.severity.as_str().to_uppercase(),
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
    if x.similar > 0 {
        write!(o, " <span class=\"muted\">+{} similar</span>", x.similar)?;
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
            h(r.transport),
            h(&r.client.to_string()),
            h(&r.server.to_string()),
            r.first_frame
        )?;
    }
    if x.similar > 0 {
        let last = similar_last(x);
        writeln!(
            o,
            "<dt>Similar</dt><dd>{} more flow(s) with the same verdict{}</dd>",
            x.similar,
            h(&last)
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

// The timeline picture's geometry, in SVG user units (the picture scales to the page).
const WIDTH: i64 = 1000;
const LABEL_WIDTH: i64 = 210;
const PLOT_LEFT: i64 = 220;
const PLOT_RIGHT: i64 = 980;
const AXIS_HEIGHT: i64 = 26;
const LANE_HEIGHT: i64 = 24;

/// Seconds since the start, with as many decimals as the span needs.
fn rel_seconds(offset_ns: i64, span_ns: i64) -> String {
    let decimals = match span_ns {
        s if s < 10_000_000 => 4,
        s if s < 10_000_000_000 => 3,
        s if s < 1_000_000_000_000 => 1,
        _ => 0,
    };
    format!("+{:.*} s", decimals, offset_ns as f64 / 1e9)
}

fn timeline(t: &Timeline, o: &mut String) -> std::fmt::Result {
    let (Some(start), Some(end)) = (t.start_ns, t.end_ns) else {
        return writeln!(o, "<p>No TCP connection in this capture.</p>");
    };
    if t.lanes.is_empty() {
        return writeln!(o, "<p>No Arc connection in this capture.</p>");
    }
    let span = (end - start).max(1);
    let x_of = |ts: i64| -> f64 {
        let frac = (ts - start).clamp(0, span) as f64 / span as f64;
        PLOT_LEFT as f64 + frac * (PLOT_RIGHT - PLOT_LEFT) as f64
    };
    let height = AXIS_HEIGHT + LANE_HEIGHT * t.lanes.len() as i64 + 6;
    writeln!(
        o,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"Arc connections over time, one lane per endpoint\">"
    )?;
    // Time axis: five ticks, seconds from the first flow.
    for i in 0..=4 {
        let ts = start + span / 4 * i;
        let x = x_of(ts);
        writeln!(
            o,
            "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\"/>",
            AXIS_HEIGHT - 6,
            height - 4
        )?;
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        writeln!(
            o,
            "<text class=\"tick\" x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            AXIS_HEIGHT - 10,
            h(&rel_seconds(ts - start, span))
        )?;
    }
    for (i, lane) in t.lanes.iter().enumerate() {
        draw_lane(i as i64, lane, &x_of, o)?;
    }
    writeln!(o, "</svg>")?;
    writeln!(
        o,
        "<p class=\"legend\"><span class=\"ok\">&#9679;</span> connection worked &nbsp; <span class=\"fail\">&#10005;</span> connection failed &nbsp; a line shows how long it lasted; * required endpoint; time from {} to {} (UTC).{}</p>",
        h(&format_utc(start)),
        h(&format_utc(end)),
        if t.lanes.iter().any(|l| l.bin_ns.is_some()) {
            " A lane with more attempts than fit draws them as columns: one per time bin, as high as its attempts (against the lane's busiest bin), the failed part red; hover for the counts."
        } else {
            ""
        }
    )
}

fn draw_lane(i: i64, lane: &Lane, x_of: &dyn Fn(i64) -> f64, o: &mut String) -> std::fmt::Result {
    let top = AXIS_HEIGHT + i * LANE_HEIGHT;
    let mid = top + LANE_HEIGHT / 2;
    writeln!(
        o,
        "<g class=\"lane\" data-endpoint=\"{}\" data-attempts=\"{}\">",
        h(&lane.endpoint),
        lane.attempts
    )?;
    if i % 2 == 0 {
        writeln!(
            o,
            "<rect class=\"lane-bg\" x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{LANE_HEIGHT}\"/>"
        )?;
    }
    let unseen = lane.attempts == 0;
    let label = format!(
        "{}{}{}",
        lane.endpoint,
        if lane.required { " *" } else { "" },
        if unseen {
            " (not seen)".to_string()
        } else if lane.failures > 0 {
            format!(" ({}/{} failed)", lane.failures, lane.attempts)
        } else {
            String::new()
        }
    );
    // A long label is squeezed into the label column rather than run into the plot.
    let squeeze = if label.chars().count() as i64 * 13 / 2 > LABEL_WIDTH - 8 {
        format!(
            " textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\"",
            LABEL_WIDTH - 8
        )
    } else {
        String::new()
    };
    writeln!(
        o,
        "<text class=\"lane-label{}\" x=\"6\" y=\"{}\"{squeeze}>{}</text>",
        if unseen { " unseen" } else { "" },
        mid + 4,
        h(&label)
    )?;
    match lane.bin_ns {
        Some(width) => {
            // A histogram: per bin, a column as high as its attempts (relative to the
            // lane's busiest bin), the failed part red on top of the green.
            let busiest = lane
                .marks
                .iter()
                .map(|m| m.ok + m.failed)
                .max()
                .unwrap_or(1);
            for m in &lane.marks {
                draw_bin(m, width, busiest.max(1), top, x_of, o)?;
            }
        }
        None => {
            for m in &lane.marks {
                draw_mark(m, mid, x_of, o)?;
            }
        }
    }
    writeln!(o, "</g>")
}

fn mark_title(m: &Mark) -> String {
    let mut title = format!("{} frame {}", format_utc(m.start_ns), m.first_frame);
    if let Some(n) = &m.name {
        let _ = write!(title, ", {n}");
    }
    let total = m.ok + m.failed;
    if total > 1 {
        let _ = write!(
            title,
            ": {total} attempts, {} worked, {} failed",
            m.ok, m.failed
        );
    } else {
        title.push_str(if m.failed > 0 { ": failed" } else { ": worked" });
    }
    if let Some(r) = m.rule {
        let _ = write!(title, " ({r})");
    }
    title
}

fn draw_bin(
    m: &Mark,
    width_ns: i64,
    busiest: u32,
    top: i64,
    x_of: &dyn Fn(i64) -> f64,
    o: &mut String,
) -> std::fmt::Result {
    let start = m.bin_start_ns.unwrap_or(m.start_ns);
    let x = x_of(start);
    let w = (x_of(start.saturating_add(width_ns)) - x - 0.6).max(0.8);
    let full = (LANE_HEIGHT - 6) as f64;
    let bottom = (top + LANE_HEIGHT - 3) as f64;
    let ok_h = full * f64::from(m.ok) / f64::from(busiest);
    let fail_h = full * f64::from(m.failed) / f64::from(busiest);
    let title = h(&mark_title(m));
    if m.ok > 0 {
        writeln!(
            o,
            "<rect class=\"mark ok bin\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{ok_h:.1}\" data-frame=\"{}\"><title>{title}</title></rect>",
            bottom - ok_h,
            m.first_frame
        )?;
    }
    if m.failed > 0 {
        writeln!(
            o,
            "<rect class=\"mark fail bin\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" data-frame=\"{}\"><title>{title}</title></rect>",
            bottom - ok_h - fail_h.max(1.0),
            fail_h.max(1.0),
            m.first_frame
        )?;
    }
    Ok(())
}

fn draw_mark(m: &Mark, mid: i64, x_of: &dyn Fn(i64) -> f64, o: &mut String) -> std::fmt::Result {
    let x = x_of(m.start_ns);
    let x_end = x_of(m.end_ns);
    let failed = m.failed > 0;
    let class = if failed { "fail" } else { "ok" };
    if x_end - x >= 2.0 {
        writeln!(
            o,
            "<line class=\"dur {class}\" x1=\"{x:.1}\" y1=\"{mid}\" x2=\"{x_end:.1}\" y2=\"{mid}\"/>"
        )?;
    }
    let title = h(&mark_title(m));
    if failed {
        writeln!(
            o,
            "<path class=\"mark fail\" d=\"M{:.1} {} l8 8 m0 -8 l-8 8\" data-frame=\"{}\"><title>{title}</title></path>",
            x - 4.0,
            mid - 4,
            m.first_frame
        )
    } else {
        writeln!(
            o,
            "<circle class=\"mark ok\" cx=\"{x:.1}\" cy=\"{mid}\" r=\"4.5\" data-frame=\"{}\"><title>{title}</title></circle>",
            m.first_frame
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_strings_cannot_make_markup() {
        assert_eq!(
            h("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(h("a\u{1b}[31m\nb"), "a\\x1b[31m\\x0ab");
        assert_eq!(h("gbl.his.arc.azure.com"), "gbl.his.arc.azure.com");
    }

    #[test]
    fn the_policy_hashes_the_inline_style_and_script() {
        // sha256 of the empty string, base64: a known value.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
        assert_ne!(csp_hash(CSS), csp_hash(JS));
    }

    #[test]
    fn a_binned_lane_draws_columns_and_an_unseen_lane_no_marks() {
        let mark = |start_s: i64, ok: u32, failed: u32| Mark {
            start_ns: start_s * 1_000_000_000 + 7,
            end_ns: start_s * 1_000_000_000 + 9,
            first_frame: start_s as u64 + 1,
            ok,
            failed,
            name: None,
            rule: (failed > 0).then_some("syn-unanswered"),
            bin_start_ns: Some(start_s * 1_000_000_000),
        };
        let t = Timeline {
            start_ns: Some(0),
            end_ns: Some(100_000_000_000),
            lanes: vec![
                Lane {
                    endpoint: "public.his".into(),
                    required: true,
                    attempts: 300,
                    failures: 12,
                    bin_ns: Some(1_000_000_000),
                    marks: vec![mark(0, 150, 0), mark(50, 63, 12)],
                },
                Lane {
                    endpoint: "public.<b>gas</b>".into(),
                    required: true,
                    attempts: 0,
                    failures: 0,
                    bin_ns: None,
                    marks: Vec::new(),
                },
            ],
        };
        let mut o = String::new();
        timeline(&t, &mut o).unwrap();
        // Two ok columns and one failed part; the busiest bin fills the lane (18 units),
        // the other is half as high, its failed part stacked on top.
        assert_eq!(o.matches("class=\"mark ok bin\"").count(), 2);
        assert_eq!(o.matches("class=\"mark fail bin\"").count(), 1);
        assert!(o.contains("height=\"18.0\""), "{o}");
        assert!(o.contains("height=\"7.6\""), "{o}");
        assert!(o.contains("75 attempts, 63 worked, 12 failed (syn-unanswered)"));
        assert!(o.contains("public.his * (12/300 failed)"));
        assert!(o.contains("public.&lt;b&gt;gas&lt;/b&gt; * (not seen)"));
        assert!(o.contains("one per time bin"));
        // The second bin starts halfway along the plot.
        let mid = (PLOT_LEFT + PLOT_RIGHT) as f64 / 2.0;
        assert!(o.contains(&format!("x=\"{mid:.1}\"")), "{o}");
    }

    #[test]
    fn relative_times_keep_the_precision_the_span_needs() {
        assert_eq!(rel_seconds(715_665_000, 715_665_000), "+0.716 s");
        assert_eq!(rel_seconds(1_500_000, 3_000_000), "+0.0015 s");
        assert_eq!(rel_seconds(90_000_000_000, 3_600_000_000_000), "+90 s");
    }
}
