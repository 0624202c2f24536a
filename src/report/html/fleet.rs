//! The [`Fleet`] view as one self-contained HTML page: summary cards, the versions the
//! verdicts were made with, the legend of cell states, the endpoints with their hosts per
//! state, the hosts grouped by identical problem sets (largest first), and the matrix of
//! hosts and endpoints as a heat map: one table of small cells, rows grouped by problem
//! set, a sticky header and host column, a colour and a short code per state (the codes of
//! the text and Markdown views) and the evidence in each cell's `title`.
//!
//! Built for 1,000 hosts and more: no script at all (the Content-Security-Policy allows
//! none), no handler per cell, no image; the browser lays out one fixed table. Every string
//! that is not ours goes through [`h`]. Computes nothing: states and counts are the fleet's.
//!
//! The same view also heads the audit page of captures from several hosts
//! ([`render_with_captures`]): its ids and summary keys then start with `fleet-` (the
//! page's own are the captures'), and each host name links to the section of its first
//! capture: plain anchors, still no script of its own.

use std::fmt::Write as _;
use std::io::{self, Write};

use std::collections::BTreeMap;

use super::{CSS, PageHead, PageStart, capture_anchor, h, page_start, write_page_headed};
use crate::report::common::plural;
use crate::report::fleet::code_of;
use crate::report::fleet::{Cell, Fleet, HostRow, STATE_NOT_SEEN};
use crate::report::fleet_markdown::{
    group_head, host_sources, state_codes, state_meaning, worst_first,
};
use crate::report::model::{FailOn, Report};

const FLEET_CSS: &str = include_str!("../assets/fleet.css");

/// Host names listed in a group before the rest goes into a closed `<details>`.
const GROUP_HOSTS_OPEN: usize = 40;

/// Captures named in a host's title before "and N more".
const TITLE_FILES: usize = 12;

/// Where the view stands: alone on the fleet page, or at the head of the audit page.
struct Place<'a> {
    /// Put before every id and summary key (`fleet-` on the audit page, whose own
    /// `summary` and `files` would otherwise be taken twice).
    prefix: &'static str,
    /// Host id -> the anchor of its first capture's section, on the audit page.
    captures: Option<&'a BTreeMap<&'a str, String>>,
}

impl Place<'_> {
    const ALONE: Place<'static> = Place {
        prefix: "",
        captures: None,
    };

    /// A host's name, linked to its first capture's section when the page has one.
    fn host(&self, host: &str) -> String {
        match self.captures.and_then(|c| c.get(host)) {
            Some(anchor) => format!("<a href=\"#{anchor}\">{}</a>", h(host)),
            None => h(host),
        }
    }
}

/// About 200 bytes per cell with its title.
fn page_capacity(fleet: &Fleet) -> usize {
    64 * 1024 + fleet.hosts.len() * fleet.endpoints.len().max(1) * 200
}

pub fn render(fleet: &Fleet, out: &mut dyn Write) -> io::Result<()> {
    let mut page = String::with_capacity(page_capacity(fleet));
    write_page(fleet, &mut page).map_err(io::Error::other)?;
    out.write_all(page.as_bytes())
}

/// The audit page of `report` headed by the fleet view of its captures (a run over
/// captures of several hosts): the view first, each host linked to the section of its
/// first capture, then the per-capture report as [`super::render`] writes it.
pub fn render_with_captures(fleet: &Fleet, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let section: BTreeMap<&str, usize> = report
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.file.as_str(), i))
        .collect();
    // The first of the host's captures on the page (the report's order).
    let anchors: BTreeMap<&str, String> = fleet
        .hosts
        .iter()
        .filter_map(|r| {
            let first = r
                .files
                .iter()
                .filter_map(|f| section.get(f.as_str()))
                .min()?;
            Some((r.host.as_str(), capture_anchor(*first)))
        })
        .collect();
    let place = Place {
        prefix: "fleet-",
        captures: Some(&anchors),
    };
    let mut view = String::with_capacity(page_capacity(fleet));
    writeln!(
        view,
        "<section id=\"fleet\" class=\"fleet-view\"><h2 class=\"part\">Fleet: {} over {}</h2>",
        plural(fleet.totals.hosts, "host", "hosts"),
        plural(fleet.totals.files, "capture", "captures")
    )
    .map_err(io::Error::other)?;
    writeln!(
        view,
        "<p class=\"muted\">The captures are of more than one host (how each was told apart: Hosts named, below): first one answer per host and endpoint, then every capture in its own section (a host's name links to its first capture). <code>--fleet</code> gives this view alone.</p>"
    )
    .map_err(io::Error::other)?;
    body(fleet, &place, &mut view).map_err(io::Error::other)?;
    writeln!(view, "</section>").map_err(io::Error::other)?;
    let head = PageHead {
        css: FLEET_CSS,
        title: format!(
            "arcaudit report: {}, {} with findings, {}",
            plural(fleet.totals.hosts, "host", "hosts"),
            fleet.totals.hosts_with_problems,
            plural(fleet.totals.files, "capture", "captures")
        ),
        before: view,
    };
    let mut page = String::with_capacity(head.before.len() + 64 * 1024);
    write_page_headed(report, Some(&head), &mut page).map_err(io::Error::other)?;
    out.write_all(page.as_bytes())
}

/// The class of a state: its family for the colour (`s-blocked`...), `s-overdue` for a
/// not-seen cell that is a finding.
fn state_class(c: &Cell) -> &'static str {
    match c.state.split(':').next().unwrap_or("") {
        "ok" => "s-ok",
        "blocked" => "s-blocked",
        "misrouted" => "s-misrouted",
        "weak" => "s-weak",
        "failed" => "s-failed",
        STATE_NOT_SEEN if c.has_problem() => "s-overdue",
        STATE_NOT_SEEN => "s-not-seen",
        "not-required" => "s-not-required",
        "not-read" => "s-not-read",
        _ => "s-blocked",
    }
}

/// The class of a state alone (legend, counts): no cell to tell an overdue not-seen.
fn class_of_state(state: &str) -> &'static str {
    let c = Cell {
        endpoint: String::new(),
        column: 0,
        required: false,
        attempts: 0,
        successes: 0,
        failures: 0,
        overdue: false,
        state: state.to_string(),
        problems: Vec::new(),
    };
    state_class(&c)
}

fn fail_on_text(f: FailOn) -> String {
    match f {
        FailOn::Family(f) => f.as_str().to_string(),
        FailOn::Severity(s) => s.as_str().to_string(),
        FailOn::Never => "never".to_string(),
    }
}

fn write_page(fleet: &Fleet, o: &mut String) -> std::fmt::Result {
    let t = &fleet.totals;
    let css = format!("{CSS}\n{FLEET_CSS}");
    let title = format!(
        "arcaudit fleet report: {}, {} with findings",
        plural(t.hosts, "host", "hosts"),
        t.hosts_with_problems
    );
    page_start(
        o,
        &PageStart {
            css: &css,
            script_src: "'none'",
            title: &title,
            heading: "arcaudit fleet report",
            tool: &fleet.tool,
            schema: fleet.schema,
        },
    )?;
    body(fleet, &Place::ALONE, o)?;
    writeln!(
        o,
        "<footer>Made by {} from the audit reports of the captures named in the hosts' titles. <code>arcaudit explain RULE</code> prints a rule's documentation.</footer>",
        h(&fleet.tool)
    )?;
    writeln!(o, "</body>")?;
    writeln!(o, "</html>")
}

/// The view's sections: summary, legend, groups, endpoints, matrix.
fn body(fleet: &Fleet, place: &Place, o: &mut String) -> std::fmt::Result {
    summary(fleet, place, o)?;
    if fleet.hosts.is_empty() {
        writeln!(o, "<p>No capture, so no host.</p>")
    } else {
        let codes = state_codes(fleet);
        legend(fleet, &codes, place, o)?;
        groups(fleet, place, o)?;
        endpoints(fleet, place, o)?;
        matrix(fleet, &codes, place, o)
    }
}

fn summary(fleet: &Fleet, place: &Place, o: &mut String) -> std::fmt::Result {
    let t = &fleet.totals;
    let p = place.prefix;
    let card = |o: &mut String, key: &str, value: usize, label: &str, class: &str| {
        writeln!(
            o,
            "<div class=\"card {class}\"><span class=\"num\" data-key=\"{p}{key}\">{value}</span><span class=\"label\">{label}</span></div>"
        )
    };
    writeln!(o, "<section id=\"{p}summary\">")?;
    writeln!(o, "<div class=\"cards\">")?;
    card(o, "hosts", t.hosts, "hosts", "")?;
    card(
        o,
        "hosts-with-problems",
        t.hosts_with_problems,
        "hosts with findings",
        if t.hosts_with_problems > 0 {
            "bad"
        } else {
            "good"
        },
    )?;
    // With --fail-on never nothing trips: a card saying 0 would read as "no problem".
    if fleet.fail_on != FailOn::Never {
        card(
            o,
            "hosts-tripping",
            t.hosts_tripping,
            &format!("at or above --fail-on {}", h(&fail_on_text(fleet.fail_on))),
            if t.hosts_tripping > 0 { "bad" } else { "" },
        )?;
    }
    card(
        o,
        "hosts-clean",
        t.hosts_clean,
        "hosts without findings",
        "",
    )?;
    if t.hosts_not_read > 0 {
        card(
            o,
            "hosts-not-read",
            t.hosts_not_read,
            "hosts not read (no verdict)",
            "bad",
        )?;
    }
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
    card(
        o,
        "groups",
        t.groups,
        "groups of hosts with the same findings",
        "",
    )?;
    card(
        o,
        "endpoints",
        fleet.endpoints.len(),
        "endpoints (columns)",
        "",
    )?;
    writeln!(o, "</div>")?;
    writeln!(o, "<table class=\"facts versions\"><tbody>")?;
    writeln!(o, "<tr><th>Catalog</th><td>{}</td></tr>", h(&fleet.catalog))?;
    writeln!(
        o,
        "<tr><th>Service tags</th><td>{}</td></tr>",
        h(&fleet.service_tags)
    )?;
    writeln!(o, "<tr><th>Tool</th><td>{}</td></tr>", h(&fleet.tool))?;
    if !fleet.hosts.is_empty() {
        let (named, weak) = host_sources(fleet);
        match weak {
            Some(w) => writeln!(
                o,
                "<tr><th>Hosts named</th><td class=\"note\">{}: {}</td></tr>",
                h(&named),
                h(w)
            )?,
            None => writeln!(o, "<tr><th>Hosts named</th><td>{}</td></tr>", h(&named))?,
        }
    }
    writeln!(o, "</tbody></table>")?;
    for n in &fleet.notes {
        writeln!(o, "<p class=\"note\">{}</p>", h(n))?;
    }
    writeln!(o, "</section>")
}

fn legend(
    fleet: &Fleet,
    codes: &[(String, String)],
    place: &Place,
    o: &mut String,
) -> std::fmt::Result {
    writeln!(o, "<section id=\"{}legend\">", place.prefix)?;
    writeln!(o, "<h2>Cell states</h2>")?;
    writeln!(
        o,
        "<p class=\"muted\">One cell per host and endpoint; the worst finding names it (blocked, then misrouted, then weak TLS). Point at a cell for its tries and findings, at a host for where its name comes from.</p>"
    )?;
    writeln!(o, "<ul class=\"legend\">")?;
    let overdue = fleet
        .hosts
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| c.state == STATE_NOT_SEEN && c.has_problem())
        .count();
    for (state, code) in codes {
        let cells: usize = fleet
            .endpoints
            .iter()
            .flat_map(|c| &c.counts)
            .filter(|s| s.state == *state)
            .map(|s| s.hosts)
            .sum();
        let (cells, overdue_here) = if state == STATE_NOT_SEEN {
            (cells - overdue.min(cells), overdue)
        } else {
            (cells, 0)
        };
        if cells > 0 || state != STATE_NOT_SEEN {
            writeln!(
                o,
                "<li data-state=\"{}\"><span class=\"st {}\">{}</span> {} <span class=\"n\">{}</span></li>",
                h(state),
                class_of_state(state),
                h(code),
                h(&state_meaning(state)),
                plural(cells, "cell", "cells")
            )?;
        }
        if overdue_here > 0 {
            writeln!(
                o,
                "<li data-state=\"not-seen-overdue\"><span class=\"st s-overdue\">{}</span> not seen, overdue: required, never tried in captures long enough to expect it (a finding) <span class=\"n\">{}</span></li>",
                h(code),
                plural(overdue_here, "cell", "cells")
            )?;
        }
    }
    writeln!(o, "</ul>")?;
    writeln!(o, "</section>")
}

fn groups(fleet: &Fleet, place: &Place, o: &mut String) -> std::fmt::Result {
    let p = place.prefix;
    writeln!(o, "<section id=\"{p}groups\">")?;
    writeln!(o, "<h2>Hosts grouped by findings, largest group first</h2>")?;
    for (i, g) in fleet.groups.iter().enumerate() {
        let head = group_head(fleet, i, g);
        writeln!(
            o,
            "<div class=\"group\" id=\"{p}group-{}\"><h3>Group {}: {}, {}</h3>",
            i + 1,
            i + 1,
            plural(g.hosts.len(), "host", "hosts"),
            h(&head)
        )?;
        let problems = worst_first(g);
        if !problems.is_empty() {
            writeln!(o, "<ul>")?;
            for p in problems {
                writeln!(
                    o,
                    "<li class=\"sev-{}\"><span class=\"badge\">{}</span> <code>{}</code> ({}) on {}</li>",
                    h(&p.severity),
                    h(&p.severity.to_uppercase()),
                    h(&p.rule),
                    h(&p.family),
                    p.endpoint
                        .as_deref()
                        .map_or("no endpoint".to_string(), |e| format!(
                            "<code>{}</code>",
                            h(e)
                        ))
                )?;
            }
            writeln!(o, "</ul>")?;
        }
        // One span per name, so a line breaks between names, not inside one.
        let names: Vec<String> = g
            .hosts
            .iter()
            .map(|x| {
                let captures = fleet
                    .hosts
                    .binary_search_by(|r| r.host.as_str().cmp(x))
                    .map_or(1, |i| fleet.hosts[i].files.len());
                if captures > 1 {
                    format!("<span>{} ({captures} captures)</span>", place.host(x))
                } else {
                    format!("<span>{}</span>", place.host(x))
                }
            })
            .collect();
        let open = names.len().min(GROUP_HOSTS_OPEN);
        writeln!(
            o,
            "<p class=\"hosts\">Hosts: {}</p>",
            names[..open].join(", ")
        )?;
        if names.len() > open {
            writeln!(
                o,
                "<details><summary>and {} more hosts</summary><p class=\"hosts\">{}</p></details>",
                names.len() - open,
                names[open..].join(", ")
            )?;
        }
        writeln!(o, "</div>")?;
    }
    writeln!(o, "</section>")
}

fn endpoints(fleet: &Fleet, place: &Place, o: &mut String) -> std::fmt::Result {
    writeln!(o, "<section id=\"{}endpoints\">", place.prefix)?;
    writeln!(o, "<h2>Endpoints, most hosts with findings first</h2>")?;
    writeln!(o, "<div class=\"scroll\"><table class=\"endpoints\">")?;
    writeln!(
        o,
        "<thead><tr><th>Endpoint</th><th class=\"n\">Required on</th><th class=\"n\">Hosts with findings</th><th>Hosts per state</th></tr></thead><tbody>"
    )?;
    let mut worst: Vec<_> = fleet.endpoints.iter().collect();
    worst.sort_by_key(|c| std::cmp::Reverse(c.problem_hosts));
    for c in worst {
        write!(
            o,
            "<tr data-endpoint=\"{}\"><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n{}\">{}</td><td><div class=\"chips\">",
            h(&c.endpoint),
            h(&c.endpoint),
            c.required_on,
            if c.problem_hosts > 0 { " fail" } else { "" },
            c.problem_hosts
        )?;
        for s in &c.counts {
            write!(
                o,
                "<span class=\"st {}\">{} {}</span>",
                class_of_state(&s.state),
                s.hosts,
                h(&s.state)
            )?;
        }
        writeln!(o, "</div></td></tr>")?;
    }
    writeln!(o, "</tbody></table></div>")?;
    writeln!(o, "</section>")
}

/// A host's title: where its name comes from, its evidence, its captures.
fn host_title(r: &HostRow) -> String {
    let mut lines = vec![format!(
        "{}: named by {} in {}",
        h(&r.host),
        h(r.source.as_str()),
        h(&r.identified_by)
    )];
    lines.extend(r.evidence.iter().map(|e| h(e)));
    let more = r.files.len().saturating_sub(TITLE_FILES);
    let mut files: Vec<String> = r.files.iter().take(TITLE_FILES).map(|f| h(f)).collect();
    if more > 0 {
        files.push(format!("and {more} more"));
    }
    lines.push(format!(
        "{}: {}",
        plural(r.files.len(), "capture", "captures"),
        files.join(", ")
    ));
    if r.files_not_read > 0 {
        lines.push(format!("{} not read", r.files_not_read));
    }
    lines.join("&#10;")
}

/// A cell's title: host and endpoint, the state in words, the tries, every finding.
fn cell_title(host: &str, c: &Cell) -> String {
    let mut lines = vec![
        format!("{} \u{b7} {}", h(host), h(&c.endpoint)),
        h(&state_meaning(&c.state)),
    ];
    if c.attempts > 0 {
        lines.push(format!(
            "{} tried, {} worked, {} failed",
            c.attempts, c.successes, c.failures
        ));
    } else if c.required {
        lines.push(if c.overdue {
            "required, not seen, overdue".to_string()
        } else {
            "required, not seen".to_string()
        });
    }
    for p in &c.problems {
        lines.push(format!(
            "[{}] {} ({}) \u{d7}{}{}",
            h(&p.severity.to_uppercase()),
            h(&p.rule),
            h(&p.family),
            p.count,
            if p.suppressed { " suppressed" } else { "" }
        ));
    }
    lines.join("&#10;")
}

fn matrix(
    fleet: &Fleet,
    codes: &[(String, String)],
    place: &Place,
    o: &mut String,
) -> std::fmt::Result {
    let cols = fleet.endpoints.len();
    let p = place.prefix;
    writeln!(o, "<section id=\"{p}matrix\">")?;
    writeln!(
        o,
        "<h2>Matrix: {} &times; {}</h2>",
        plural(fleet.hosts.len(), "host", "hosts"),
        plural(cols, "endpoint", "endpoints")
    )?;
    writeln!(
        o,
        "<p class=\"muted\">Rows by group: the groups with findings first, largest first, then the hosts without findings; hosts by name within a group. Codes and colours as in the legend; point at a cell for its evidence.</p>"
    )?;
    // The legend again, compact, where the codes are read.
    write!(o, "<div class=\"chips key\">")?;
    for (state, code) in codes {
        write!(
            o,
            "<span><span class=\"st {}\">{}</span> {}</span>",
            class_of_state(state),
            h(code),
            h(state)
        )?;
    }
    writeln!(o, "</div>")?;
    writeln!(o, "<div class=\"mwrap\"><table class=\"matrix\">")?;
    write!(o, "<thead><tr><th class=\"h\">host</th>")?;
    for c in &fleet.endpoints {
        let counts: Vec<String> = c
            .counts
            .iter()
            .map(|s| format!("{} {}", s.hosts, h(&s.state)))
            .collect();
        write!(
            o,
            "<th class=\"e\" title=\"{}&#10;{}\"><span>{}</span></th>",
            h(&c.endpoint),
            counts.join(", "),
            h(&c.endpoint)
        )?;
    }
    writeln!(o, "</tr></thead>")?;
    // Rows by group, then by host id (the hosts are sorted by id).
    let mut by_group: Vec<Vec<&HostRow>> = vec![Vec::new(); fleet.groups.len()];
    for r in &fleet.hosts {
        if let Some(g) = by_group.get_mut(r.group) {
            g.push(r);
        }
    }
    // Groups with findings first (largest first), the hosts without findings last: a
    // reader looks for the problems, which a large clean group would push far down.
    let mut order: Vec<usize> = (0..fleet.groups.len()).collect();
    // Among those without findings, the hosts not read come first: no verdict is not a pass.
    order.sort_by_key(|&i| {
        (
            fleet.groups[i].problems.is_empty(),
            !fleet.groups[i].not_read,
        )
    });
    for i in order {
        let rows = &by_group[i];
        let g = &fleet.groups[i];
        let what = if g.not_read {
            "not read, no verdict".to_string()
        } else if g.problems.is_empty() {
            "no findings".to_string()
        } else {
            // Rule and endpoint: two groups can share a rule on different endpoints.
            let shown: Vec<String> = worst_first(g)
                .iter()
                .take(3)
                .map(|p| match &p.endpoint {
                    Some(e) => format!("{} on {}", h(&p.rule), h(e)),
                    None => h(&p.rule),
                })
                .collect();
            let more = g.problems.len().saturating_sub(3);
            format!(
                "{}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        };
        writeln!(
            o,
            "<tbody id=\"{p}m-group-{}\"><tr class=\"gh\"><th colspan=\"{}\"><a href=\"#{p}group-{}\">Group {}</a>: {}, {}</th></tr>",
            i + 1,
            cols + 1,
            i + 1,
            i + 1,
            plural(rows.len(), "host", "hosts"),
            what
        )?;
        for r in rows {
            write!(
                o,
                "<tr><th class=\"h\" title=\"{}\">{}</th>",
                host_title(r),
                place.host(&r.host)
            )?;
            for c in &r.cells {
                write!(
                    o,
                    "<td class=\"{}\" title=\"{}\">{}</td>",
                    state_class(c),
                    cell_title(&r.host, c),
                    h(code_of(codes, &c.state))
                )?;
            }
            writeln!(o, "</tr>")?;
        }
        writeln!(o, "</tbody>")?;
    }
    writeln!(o, "</table></div>")?;
    writeln!(o, "</section>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{HostIdentity, HostSource};
    use crate::report::fleet::{HostPart, Problem, Versions};

    #[test]
    fn host_names_and_evidence_stay_text() {
        let part = HostPart {
            host: HostIdentity {
                id: "<script>alert(1)</script>".into(),
                source: HostSource::SectionComment,
                evidence: vec!["\"onmouseover=x".into()],
            },
            identified_by: "a.pcapng".into(),
            files: vec!["a.pcapng".into()],
            files_not_read: 0,
            files_with_errors: 0,
            cells: vec![Cell {
                endpoint: "public.his".into(),
                column: 0,
                required: true,
                attempts: 1,
                successes: 0,
                failures: 1,
                overdue: false,
                state: String::new(),
                problems: vec![Problem {
                    rule: "syn-unanswered".into(),
                    family: "blocked".into(),
                    severity: "high".into(),
                    count: 1,
                    suppressed: false,
                }],
            }],
            host_problems: vec![],
        };
        let fleet = Fleet::build(
            &Versions {
                catalog: "c".into(),
                service_tags: "s".into(),
            },
            FailOn::Severity(crate::classify::Severity::Low),
            vec![],
            vec![part],
        );
        let mut out = Vec::new();
        render(&fleet, &mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("\"onmouseover"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("<td class=\"s-blocked\" title=\""));
        assert!(page.contains(">B1</td>"));
        assert!(page.contains("script-src 'none'"));
    }
}
