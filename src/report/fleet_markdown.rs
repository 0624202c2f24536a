//! The [`Fleet`] view as GitHub-flavoured Markdown, to paste into a ticket: a summary
//! table (hosts, verdicts, the catalog and service-tag versions), the hosts grouped by
//! identical problem sets (largest group first, each with its findings and hosts), the
//! endpoints with their hosts per state, then the matrix of hosts and endpoints (one row
//! per host up to [`MATRIX_HOST_ROWS`] hosts, one row per group beyond) with its legend.
//!
//! Ticket-sized like the audit's Markdown ([`MarkdownConfig::max_chars`], `--max-chars`):
//! a view longer than the limit drops, in this order and only as far as needed, the
//! per-host matrix (for one row per group), hosts beyond the first of each group, the
//! matrix, then the smallest groups, and says at the top what it left out. Computes no
//! verdict: every state and count is the fleet's. Strings not ours go through [`md`].
//!
//! A run over captures of several hosts (without `--fleet`) gets this view at the head of
//! the audit's Markdown, one budget for both ([`render_with_captures`]).
//!
//! Also home of the legend order of the cell codes ([`state_codes`], the codes themselves
//! are `fleet::cell_codes`, shared with the text view) and the states' meanings
//! ([`state_meaning`]) that the HTML fleet page shows too.

use std::io::{self, Write};

use super::common::plural;
use super::fleet::{
    Fleet, Group, HostRow, ProblemKey, STATE_FAILED, STATE_NOT_READ, STATE_NOT_REQUIRED,
    STATE_NOT_SEEN, STATE_OK, cell_codes, code_of,
};
use super::markdown::{self, MarkdownConfig, md};
use super::model::{FailOn, Report};
use crate::classify::{HostSource, Severity};

/// Most hosts the matrix shows one row each (as the text view); past it, one row per group.
pub const MATRIX_HOST_ROWS: usize = 60;

/// Hosts named per group in a shortened view, before "and N more".
const SHORT_GROUP_HOSTS: [usize; 2] = [25, 10];

/// The fleet's cell codes ([`cell_codes`]) in legend order: the states without a finding
/// first, then the findings' codes as numbered.
pub fn state_codes(fleet: &Fleet) -> Vec<(String, String)> {
    let mut codes = cell_codes(fleet);
    // The legend order: the states without a finding (worked, failed, not seen, not
    // required, not read), then the findings' codes in the order given.
    let rank = |state: &str| {
        [
            STATE_OK,
            STATE_FAILED,
            STATE_NOT_SEEN,
            STATE_NOT_REQUIRED,
            STATE_NOT_READ,
        ]
        .iter()
        .position(|s| *s == state)
        .unwrap_or(usize::MAX)
    };
    codes.sort_by_key(|(state, _)| rank(state));
    codes
}

/// What a cell state means, in a reader's words (the state string itself is not escaped
/// here: the caller escapes the result for its format).
pub fn state_meaning(state: &str) -> String {
    match state {
        STATE_OK => "a connection worked, no finding".into(),
        STATE_NOT_SEEN => {
            "not seen: required, never tried (a finding where a capture was long enough to expect it)".into()
        }
        STATE_NOT_REQUIRED => "not required for this host, not tried".into(),
        STATE_NOT_READ => "not read: no capture of the host could be read, no verdict".into(),
        STATE_FAILED => "failed: tried, never worked, and no finding says why".into(),
        other => match other.split_once(':') {
            Some(("blocked", rule)) => format!("blocked: {rule}"),
            Some(("misrouted", rule)) => format!("misrouted: {rule}"),
            Some(("weak", rule)) => format!("weak TLS: {rule}"),
            _ => other.to_string(),
        },
    }
}

/// Where the fleet's host ids came from ("2 by arc-client, 5 by file"), and a warning
/// when some are weak: an address several machines can share, or a capture's path (a
/// reader takes a row for a machine; these may be many, or a part of one).
pub fn host_sources(fleet: &Fleet) -> (String, Option<&'static str>) {
    let mut sources: std::collections::BTreeMap<HostSource, usize> = Default::default();
    for h in &fleet.hosts {
        *sources.entry(h.source).or_default() += 1;
    }
    let named: Vec<String> = sources
        .iter()
        .map(|(s, n)| format!("{n} by {}", s.as_str()))
        .collect();
    let weak = sources
        .keys()
        .any(|s| matches!(s, HostSource::ArcClient | HostSource::File));
    (
        named.join(", "),
        weak.then_some(
            "arc-client is the client address of the Arc flows (machines sharing an address, behind different NATs, become one host); file is a capture in which nothing names the machine. Name machines with --host-from REGEX or a host=NAME section comment",
        ),
    )
}

/// A host's name in a list, with its number of captures when more than one (a row that
/// stands for many captures, such as one address shared by several machines, shows it).
fn host_with_captures(fleet: &Fleet, host: &str) -> String {
    let n = fleet
        .hosts
        .binary_search_by(|r| r.host.as_str().cmp(host))
        .map_or(1, |i| fleet.hosts[i].files.len());
    if n > 1 {
        format!("{} ({n} captures)", md(host))
    } else {
        md(host)
    }
}

/// How far the view is shortened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    /// One matrix row per host (else per group); only up to [`MATRIX_HOST_ROWS`] hosts.
    host_rows: bool,
    matrix: bool,
    /// Hosts named per group (all when None).
    group_hosts: Option<usize>,
    /// Groups shown (all when None).
    groups: Option<usize>,
    /// The table of endpoints and their hosts per state.
    endpoints: bool,
}

pub fn render(fleet: &Fleet, cfg: &MarkdownConfig, out: &mut dyn Write) -> io::Result<()> {
    let full = view(fleet, full_shape(fleet), None);
    if cfg.max_chars == 0 || full.chars().count() <= cfg.max_chars {
        return out.write_all(full.as_bytes());
    }
    out.write_all(shaped(fleet, &full, cfg.max_chars, cfg.max_chars).as_bytes())
}

/// The fleet view, then the audit's Markdown of the same captures (a run over captures of
/// several hosts without `--fleet`), within one `--max-chars` budget: the fleet view comes
/// first and takes what it needs (shortened as [`render`] does, when the whole document
/// does not fit, to leave room for a line about the captures); the per-capture part gets
/// the rest, shortened as the audit's ticket mode does, or, when not even its summary
/// fits, one line saying it was left out.
pub fn render_with_captures(
    fleet: &Fleet,
    report: &Report,
    cfg: &MarkdownConfig,
    out: &mut dyn Write,
) -> io::Result<()> {
    let full_view = view(fleet, full_shape(fleet), None);
    let captures = markdown::full_text(report)?;
    let chars = |s: &str| s.chars().count();
    let full_chars = chars(&full_view) + chars(PART_BREAK) + chars(&captures);
    let max = cfg.max_chars;
    if max == 0 || full_chars <= max {
        return write!(out, "{full_view}{PART_BREAK}{captures}");
    }
    let left_out = captures_left_out(report.files.len(), max, full_chars);
    let room = max.saturating_sub(chars(PART_BREAK) + chars(&left_out));
    let view = if chars(&full_view) <= room {
        full_view.clone()
    } else {
        shaped(fleet, &full_view, room, max)
    };
    if view.is_empty() {
        // A limit too small for the view's summary and the line about the captures: the
        // view alone, cut as `render` cuts it.
        return out.write_all(shaped(fleet, &full_view, max, max).as_bytes());
    }
    let rest = max.saturating_sub(chars(&view) + chars(PART_BREAK));
    match markdown::shortened_within(report, rest, max, full_chars)? {
        Some(part) => write!(out, "{view}{PART_BREAK}{part}"),
        None if chars(&left_out) <= rest => write!(out, "{view}{PART_BREAK}{left_out}"),
        None => out.write_all(view.as_bytes()),
    }
}

/// Between the fleet view and the per-capture report.
const PART_BREAK: &str = "\n";

/// The per-capture part of a document whose limit left no room for it.
fn captures_left_out(captures: usize, max: usize, full: usize) -> String {
    format!(
        "# arcaudit audit report\n\n> The sections of the {} are left out to fit {max} characters (the full report has {full}): `--max-chars 0` gives them, `--format html` too.\n",
        plural(captures, "capture", "captures")
    )
}

fn full_shape(fleet: &Fleet) -> Shape {
    Shape {
        host_rows: fleet.hosts.len() <= MATRIX_HOST_ROWS,
        matrix: true,
        group_hosts: None,
        groups: None,
        endpoints: true,
    }
}

/// The view `full` shortened to at most `max` characters; `said_max` is the limit the
/// note names (the user's `--max-chars`, more than `max` when the view is one part of a
/// document).
fn shaped(fleet: &Fleet, full: &str, max: usize, said_max: usize) -> String {
    let full_shape = full_shape(fleet);
    let full_chars = full.chars().count();
    let note = |s: Shape| Some((said_max, full_chars, s));
    let fits = |s: &String| s.chars().count() <= max;
    let mut shapes = vec![
        Shape {
            host_rows: false,
            group_hosts: Some(SHORT_GROUP_HOSTS[0]),
            ..full_shape
        },
        Shape {
            host_rows: false,
            matrix: false,
            group_hosts: Some(SHORT_GROUP_HOSTS[1]),
            ..full_shape
        },
    ];
    if full_shape.host_rows {
        // A per-group matrix with every host named may be enough.
        shapes.insert(
            0,
            Shape {
                host_rows: false,
                ..full_shape
            },
        );
    }
    for s in shapes {
        let v = view(fleet, s, note(s));
        if fits(&v) {
            return v;
        }
    }
    // The largest number of groups (largest first) that fits, with the endpoints table,
    // then without it.
    for endpoints in [true, false] {
        let shape = |groups| Shape {
            host_rows: false,
            matrix: false,
            group_hosts: Some(SHORT_GROUP_HOSTS[1]),
            groups: Some(groups),
            endpoints,
        };
        let mut best = None;
        let (mut lo, mut hi) = (0, fleet.groups.len());
        while lo <= hi {
            let mid = (lo + hi) / 2;
            let v = view(fleet, shape(mid), note(shape(mid)));
            if fits(&v) {
                best = Some(v);
                lo = mid + 1;
            } else if mid == 0 {
                break;
            } else {
                hi = mid - 1;
            }
        }
        if let Some(v) = best {
            return v;
        }
    }
    let s = Shape {
        host_rows: false,
        matrix: false,
        group_hosts: Some(0),
        groups: Some(0),
        endpoints: false,
    };
    cut(&view(fleet, s, note(s)), max)
}

/// Text cut at the last line break that leaves room for a marker saying so (only when
/// even the summary does not fit).
fn cut(text: &str, max: usize) -> String {
    const MARK: &str = "\n> (cut here to fit --max-chars)\n";
    let room = max.saturating_sub(MARK.chars().count());
    let mut end = 0;
    for (n, (i, c)) in text.char_indices().enumerate() {
        if n >= room {
            break;
        }
        if c == '\n' {
            end = i + 1;
        }
    }
    if max < MARK.chars().count() {
        // Not even the marker fits: as much of it as does.
        return MARK.trim_start_matches('\n').chars().take(max).collect();
    }
    format!("{}{}", &text[..end], MARK.trim_start_matches('\n'))
}

/// The whole view in one shape; `short` = (limit, full length, shape) for the note.
fn view(fleet: &Fleet, shape: Shape, short: Option<(usize, usize, Shape)>) -> String {
    let mut o = String::with_capacity(4096);
    summary(fleet, &mut o);
    if let Some((max, full, s)) = short {
        o.push_str(&shortened_note(fleet, max, full, s));
    }
    if !fleet.hosts.is_empty() {
        groups(fleet, shape, &mut o);
        if shape.endpoints {
            endpoints(fleet, &mut o);
        }
        if shape.matrix {
            matrix(fleet, shape.host_rows, &mut o);
        }
    }
    o
}

fn fail_on_text(f: FailOn) -> String {
    match f {
        FailOn::Family(f) => f.as_str().to_string(),
        FailOn::Severity(s) => s.as_str().to_string(),
        FailOn::Never => "never".to_string(),
    }
}

fn summary(fleet: &Fleet, o: &mut String) {
    let t = &fleet.totals;
    o.push_str("# arcaudit fleet report\n\n| | |\n|---|---|\n");
    o.push_str(&format!("| Hosts | {} |\n", t.hosts));
    o.push_str(&format!(
        "| Hosts with findings | **{}** ({} at or above --fail-on {}) |\n",
        t.hosts_with_problems,
        t.hosts_tripping,
        fail_on_text(fleet.fail_on)
    ));
    o.push_str(&format!("| Hosts without findings | {} |\n", t.hosts_clean));
    if t.hosts_not_read > 0 {
        o.push_str(&format!(
            "| Hosts not read (no verdict) | **{}** |\n",
            t.hosts_not_read
        ));
    }
    o.push_str(&format!("| Captures | {} |\n", t.files));
    if !fleet.hosts.is_empty() {
        let (named, weak) = host_sources(fleet);
        o.push_str(&format!(
            "| Hosts named | {}{} |\n",
            md(&named),
            weak.map_or(String::new(), |w| format!(": {}", md(w)))
        ));
    }
    if t.files_with_errors > 0 {
        o.push_str(&format!(
            "| Captures with input errors | **{}** |\n",
            t.files_with_errors
        ));
    }
    o.push_str(&format!(
        "| Groups (hosts with the same findings) | {} |\n",
        t.groups
    ));
    o.push_str(&format!("| Catalog | {} |\n", md(&fleet.catalog)));
    o.push_str(&format!("| Service tags | {} |\n", md(&fleet.service_tags)));
    o.push_str(&format!("| Tool | {} |\n", md(&fleet.tool)));
    for n in &fleet.notes {
        o.push_str(&format!("\nNote: {}  \n", md(n)));
    }
}

fn shortened_note(fleet: &Fleet, max: usize, full: usize, s: Shape) -> String {
    let mut left: Vec<String> = Vec::new();
    if !s.matrix {
        left.push("the matrix".into());
    } else if !s.host_rows && fleet.hosts.len() <= MATRIX_HOST_ROWS {
        left.push("the matrix's row per host (one row per group instead)".into());
    }
    match s.group_hosts {
        Some(0) => left.push("the host names".into()),
        Some(n) => left.push(format!("host names beyond the first {n} of each group")),
        None => {}
    }
    if let Some(n) = s.groups
        && n < fleet.groups.len()
    {
        let hosts: usize = fleet.groups[n..].iter().map(|g| g.hosts.len()).sum();
        left.push(format!(
            "{} {} ({})",
            if n == 0 { "all" } else { "the smallest" },
            plural(fleet.groups.len() - n, "group", "groups"),
            plural(hosts, "host", "hosts")
        ));
    }
    if !s.endpoints {
        left.push("the endpoints table".into());
    }
    format!(
        "\n> Shortened to fit {max} characters (the full view has {full}): left out {}. `--max-chars 0` gives the full view; `--format html` or `json` every cell.\n",
        left.join(", ")
    )
}

/// "no findings", or "3 findings", for a group's heading (the text view and the HTML page
/// say the same).
pub(crate) fn group_head(fleet: &Fleet, i: usize, g: &Group) -> String {
    // Hosts none of whose captures could be read have no findings because nothing was
    // read: never let that read as a clean bill of health.
    if g.not_read {
        return "not read: no capture of these hosts could be read, no verdict".into();
    }
    if !g.problems.is_empty() {
        return plural(g.problems.len(), "finding", "findings");
    }
    // No finding is not the same as healthy: a capture without Arc traffic has none
    // either. Say how many of these hosts never showed a required endpoint.
    let blind = fleet
        .hosts
        .iter()
        .filter(|h| h.group == i)
        .filter(|h| h.cells.iter().any(|c| c.state == STATE_NOT_SEEN))
        .count();
    if blind > 0 {
        format!(
            "no findings, but {blind} of them with required endpoints never seen (a capture too short, or not of the Arc agent's traffic?)"
        )
    } else {
        "no findings: every required endpoint worked".into()
    }
}

/// A group's findings worst first, as the audit lists findings; then by endpoint and rule
/// (the HTML page lists them in the same order).
pub(crate) fn worst_first(g: &Group) -> Vec<&ProblemKey> {
    let mut problems: Vec<&ProblemKey> = g.problems.iter().collect();
    problems.sort_by_key(|p| {
        (
            std::cmp::Reverse(Severity::parse(&p.severity)),
            &p.endpoint,
            &p.rule,
        )
    });
    problems
}

fn groups(fleet: &Fleet, shape: Shape, o: &mut String) {
    o.push_str("\n## Hosts grouped by findings, largest group first\n");
    let shown = shape.groups.unwrap_or(fleet.groups.len());
    for (i, g) in fleet.groups.iter().enumerate().take(shown) {
        o.push_str(&format!(
            "\n### Group {}: {}, {}\n\n",
            i + 1,
            plural(g.hosts.len(), "host", "hosts"),
            group_head(fleet, i, g)
        ));
        let problems = worst_first(g);
        for p in &problems {
            o.push_str(&format!(
                "- **{}** {} ({}) on {}\n",
                md(&p.severity.to_uppercase()),
                md(&p.rule),
                md(&p.family),
                p.endpoint.as_deref().map_or("no endpoint".into(), md)
            ));
        }
        if !problems.is_empty() {
            o.push('\n');
        }
        let n = shape.group_hosts.unwrap_or(g.hosts.len());
        let names: Vec<String> = g
            .hosts
            .iter()
            .take(n)
            .map(|h| host_with_captures(fleet, h))
            .collect();
        let more = g.hosts.len().saturating_sub(n);
        o.push_str(&format!(
            "Hosts: {}{}\n",
            if names.is_empty() {
                "(not listed)".to_string()
            } else {
                names.join(", ")
            },
            if more > 0 && !names.is_empty() {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if shown < fleet.groups.len() {
        o.push_str(&format!(
            "\n{} more groups left out (see the note above).\n",
            fleet.groups.len() - shown
        ));
    }
}

fn endpoints(fleet: &Fleet, o: &mut String) {
    o.push_str("\n## Endpoints, most hosts with findings first\n\n");
    o.push_str("| Endpoint | Required on | Hosts with findings | Hosts per state |\n");
    o.push_str("|---|--:|--:|---|\n");
    let mut worst: Vec<_> = fleet.endpoints.iter().collect();
    worst.sort_by_key(|c| std::cmp::Reverse(c.problem_hosts));
    for c in worst {
        let counts: Vec<String> = c
            .counts
            .iter()
            .map(|s| format!("{} {}", s.hosts, md(&s.state)))
            .collect();
        let with = if c.problem_hosts > 0 {
            format!("**{}**", c.problem_hosts)
        } else {
            "0".into()
        };
        o.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            md(&c.endpoint),
            c.required_on,
            with,
            counts.join(", ")
        ));
    }
}

/// The matrix as a table: a code per cell (explained under it), columns numbered and
/// named under it; one row per host, or per group (`~` where its hosts differ on a cell
/// without problems: their cells agree on every problem).
fn matrix(fleet: &Fleet, host_rows: bool, o: &mut String) {
    let codes = state_codes(fleet);
    let cols = fleet.endpoints.len();
    if host_rows {
        o.push_str("\n## Matrix: one row per host\n\n| Host | Group |");
    } else {
        o.push_str(&format!(
            "\n## Matrix: one row per group ({} hosts; `~` where the group's hosts differ on a cell without findings)\n\n| Group | Hosts |",
            fleet.hosts.len()
        ));
    }
    for i in 0..cols {
        o.push_str(&format!(" {} |", i + 1));
    }
    o.push_str("\n|---|--:|");
    o.push_str(&":-:|".repeat(cols));
    o.push('\n');
    let cell = |code: &str| {
        if code.starts_with(|c: char| c.is_ascii_uppercase()) {
            format!("**{}**", md(code))
        } else {
            md(code)
        }
    };
    if host_rows {
        for h in &fleet.hosts {
            o.push_str(&format!("| {} | {} |", md(&h.host), h.group + 1));
            for c in &h.cells {
                o.push_str(&format!(" {} |", cell(code_of(&codes, &c.state))));
            }
            o.push('\n');
        }
    } else {
        for (i, g) in fleet.groups.iter().enumerate() {
            let members: Vec<&HostRow> = fleet.hosts.iter().filter(|h| h.group == i).collect();
            o.push_str(&format!("| {} | {} |", i + 1, g.hosts.len()));
            for col in 0..cols {
                let mut states = members.iter().filter_map(|h| h.cells.get(col));
                let first = states.next().map_or("", |c| c.state.as_str());
                let code = if states.all(|c| c.state == first) {
                    cell(code_of(&codes, first))
                } else {
                    md("~")
                };
                o.push_str(&format!(" {code} |"));
            }
            o.push('\n');
        }
    }
    o.push_str("\nColumns:\n\n");
    for (i, c) in fleet.endpoints.iter().enumerate() {
        o.push_str(&format!("{}. {}\n", i + 1, md(&c.endpoint)));
    }
    o.push_str("\nCells:\n\n");
    for (state, code) in &codes {
        o.push_str(&format!("- `{code}` {}\n", md(&state_meaning(state))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{HostIdentity, HostSource};
    use crate::report::fleet::{Cell, HostPart, Problem, Versions};

    fn part(host: &str, blocked: bool) -> HostPart {
        let problems = if blocked {
            vec![Problem {
                rule: "syn-unanswered".into(),
                family: "blocked".into(),
                severity: "high".into(),
                count: 2,
                suppressed: false,
            }]
        } else {
            vec![]
        };
        HostPart {
            host: HostIdentity {
                id: host.into(),
                source: HostSource::SectionComment,
                evidence: vec!["host=x".into()],
            },
            identified_by: format!("{host}.pcapng"),
            files: vec![format!("{host}.pcapng")],
            files_not_read: 0,
            files_with_errors: 0,
            cells: vec![Cell {
                endpoint: "public.his".into(),
                column: 3,
                required: true,
                attempts: 2,
                successes: u64::from(!blocked) * 2,
                failures: u64::from(blocked) * 2,
                overdue: false,
                state: String::new(),
                problems,
            }],
            host_problems: vec![],
        }
    }

    fn fleet(n: usize) -> Fleet {
        let parts = (0..n)
            .map(|i| part(&format!("srv{i:04}|*<x>"), i % 3 == 0))
            .collect();
        Fleet::build(
            &Versions {
                catalog: "c".into(),
                service_tags: "t".into(),
            },
            FailOn::Severity(Severity::Low),
            vec![],
            parts,
        )
    }

    fn render_str(f: &Fleet, max_chars: usize) -> String {
        let mut out = Vec::new();
        render(f, &MarkdownConfig { max_chars }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn groups_come_first_and_the_matrix_has_a_row_per_host_while_few() {
        let s = render_str(&fleet(5), 0);
        let groups = s.find("## Hosts grouped").unwrap();
        let ends = s.find("## Endpoints").unwrap();
        let matrix = s.find("## Matrix: one row per host").unwrap();
        assert!(groups < ends && ends < matrix, "{s}");
        assert!(s.contains("### Group 1: 3 hosts, no findings: every required endpoint worked"));
        assert!(s.contains("- **HIGH** syn-unanswered (blocked) on public.his"));
        assert!(s.contains("| public.his | 5 | **2** | 3 ok, 2 blocked:syn-unanswered |"));
        assert!(s.contains("- `B1` blocked: syn-unanswered"), "{s}");
        // Host names are escaped: no table break, no markup.
        assert!(s.contains("srv0000\\|\\*\\<x\\>"), "{s}");
        assert!(!s.contains("srv0000|"), "{s}");
    }

    #[test]
    fn many_hosts_get_one_matrix_row_per_group() {
        let s = render_str(&fleet(MATRIX_HOST_ROWS + 1), 0);
        assert!(s.contains("## Matrix: one row per group (61 hosts"), "{s}");
        assert!(s.contains("| 1 | 40 | ok |"), "{s}");
        assert!(s.contains("| 2 | 21 | **B1** |"), "{s}");
    }

    #[test]
    fn a_long_view_is_shortened_to_fit_and_says_what_it_left_out() {
        let f = fleet(1000);
        let full = render_str(&f, 0);
        for max in [full.chars().count() - 1, 6000, 2000, 1500, 900, 300, 40] {
            let s = render_str(&f, max);
            assert!(
                s.chars().count() <= max,
                "{max}: {} chars",
                s.chars().count()
            );
            if max >= 900 {
                assert!(s.contains("> Shortened to fit"), "{max}: {s}");
                assert!(s.contains("## Hosts grouped"), "{max}: {s}");
            }
        }
        let s = render_str(&f, 6000);
        assert!(s.contains("and 657 more") || s.contains("more"), "{s}");
        assert!(s.contains("left out the matrix") || s.contains("one row per group"));
    }
}
