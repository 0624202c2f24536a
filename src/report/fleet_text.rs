//! Renders the [`Fleet`] view: `json` (the fleet document, schema `arcaudit.fleet/1`),
//! `ndjson` (one line per endpoint, host and group, after a line for the fleet) and `text`
//! (the endpoints worst first with their counts, the hosts grouped by problem set, and
//! the matrix of hosts and endpoints, one row per host up to a size a terminal shows,
//! one row per group beyond). Computes nothing: every count and state is in the fleet.

use std::io::{self, Write};

use super::common::plural;
use super::escape_text;
use super::fleet::{
    Column, Fleet, STATE_FAILED, STATE_NOT_READ, STATE_NOT_REQUIRED, STATE_NOT_SEEN, cell_codes,
    code_of,
};
use super::fleet_markdown::{group_head, worst_first};
use super::model::FailOn;
use crate::classify::HostSource;

/// Output formats of the fleet view this module renders (Markdown and HTML live beside
/// the per-capture renderers' own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetFormat {
    Text,
    Json,
    Ndjson,
}

pub fn render(fleet: &Fleet, format: FleetFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        FleetFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, fleet).map_err(io::Error::from)?;
            writeln!(out)
        }
        FleetFormat::Ndjson => ndjson(fleet, out),
        FleetFormat::Text => text(fleet, out),
    }
}

fn ndjson(fleet: &Fleet, out: &mut dyn Write) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Line<'a, T: serde::Serialize> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(flatten)]
        body: &'a T,
    }
    fn line<T: serde::Serialize>(
        out: &mut dyn Write,
        kind: &'static str,
        body: &T,
    ) -> io::Result<()> {
        serde_json::to_writer(&mut *out, &Line { kind, body }).map_err(io::Error::from)?;
        writeln!(out)
    }
    #[derive(serde::Serialize)]
    struct Head<'a> {
        schema: &'a str,
        tool: &'a str,
        catalog: &'a str,
        service_tags: &'a str,
        fail_on: FailOn,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        notes: &'a [String],
        endpoints: Vec<&'a str>,
        totals: &'a super::fleet::FleetTotals,
    }
    line(
        out,
        "fleet",
        &Head {
            schema: fleet.schema,
            tool: &fleet.tool,
            catalog: &fleet.catalog,
            service_tags: &fleet.service_tags,
            fail_on: fleet.fail_on,
            notes: &fleet.notes,
            endpoints: fleet
                .endpoints
                .iter()
                .map(|c| c.endpoint.as_str())
                .collect(),
            totals: &fleet.totals,
        },
    )?;
    for c in &fleet.endpoints {
        line(out, "endpoint", c)?;
    }
    for h in &fleet.hosts {
        line(out, "host", h)?;
    }
    for (i, g) in fleet.groups.iter().enumerate() {
        #[derive(serde::Serialize)]
        struct G<'a> {
            group: usize,
            #[serde(flatten)]
            g: &'a super::fleet::Group,
        }
        line(out, "group", &G { group: i, g })?;
    }
    Ok(())
}

/// Most hosts the matrix shows one row each; past it, one row per group.
const MATRIX_HOST_ROWS: usize = 60;

/// Host ids shown per group in the group list before "and N more".
const GROUP_HOSTS_SHOWN: usize = 12;

/// Widest host label in the matrix (longer ones are cut with `~`; the group list has
/// them whole).
const HOST_LABEL: usize = 32;

fn text(fleet: &Fleet, out: &mut dyn Write) -> io::Result<()> {
    let t = &fleet.totals;
    writeln!(
        out,
        "arcaudit fleet: {}, {}",
        plural(t.hosts, "host", "hosts"),
        plural(t.files, "capture", "captures")
    )?;
    let fail_on = match fleet.fail_on {
        FailOn::Family(f) => f.as_str().to_string(),
        FailOn::Severity(s) => s.as_str().to_string(),
        FailOn::Never => "never".to_string(),
    };
    writeln!(
        out,
        "  verdict: {} with findings ({} at or above --fail-on {fail_on}), {} without{}",
        plural(t.hosts_with_problems, "host", "hosts"),
        t.hosts_tripping,
        t.hosts_clean,
        if t.hosts_not_read > 0 {
            format!(", {} not read (no verdict)", t.hosts_not_read)
        } else {
            String::new()
        }
    )?;
    if t.files_with_errors > 0 {
        writeln!(
            out,
            "  INPUT ERRORS: {} could not be read (completely)",
            plural(t.files_with_errors, "capture", "captures")
        )?;
    }
    // Where the host ids came from: an `arc-client` or `file` id is weaker than a name.
    let mut sources: std::collections::BTreeMap<HostSource, usize> = Default::default();
    for h in &fleet.hosts {
        *sources.entry(h.source).or_default() += 1;
    }
    if !sources.is_empty() {
        let named: Vec<String> = sources
            .iter()
            .map(|(s, n)| format!("{n} by {}", s.as_str()))
            .collect();
        writeln!(
            out,
            "  hosts named: {} (docs/fleet.md: host identity)",
            named.join(", ")
        )?;
    }
    writeln!(out, "  catalog: {}", escape_text(&fleet.catalog))?;
    writeln!(out, "  service tags: {}", escape_text(&fleet.service_tags))?;
    for n in &fleet.notes {
        writeln!(out, "  note: {}", escape_text(n))?;
    }
    if fleet.hosts.is_empty() {
        return Ok(());
    }

    writeln!(out)?;
    if fleet.endpoints.is_empty() {
        writeln!(out, "endpoints: none required or with findings")?;
    } else {
        writeln!(out, "endpoints, most hosts with findings first:")?;
    }
    let mut worst: Vec<&Column> = fleet.endpoints.iter().collect();
    worst.sort_by_key(|c| std::cmp::Reverse(c.problem_hosts));
    let width = worst
        .iter()
        .map(|c| c.endpoint.len())
        .max()
        .unwrap_or(0)
        .min(40);
    for c in worst {
        let counts: Vec<String> = c
            .counts
            .iter()
            .map(|s| format!("{} {}", s.hosts, s.state))
            .collect();
        writeln!(
            out,
            "  {:<width$}  {:>4} with findings; required on {} of {}: {}",
            escape_text(&c.endpoint),
            c.problem_hosts,
            c.required_on,
            fleet.hosts.len(),
            counts.join(", ")
        )?;
    }

    writeln!(out)?;
    writeln!(out, "hosts grouped by their findings, largest group first:")?;
    for (i, g) in fleet.groups.iter().enumerate() {
        let head = group_head(fleet, i, g);
        writeln!(
            out,
            "  group {}: {}, {}",
            i + 1,
            plural(g.hosts.len(), "host", "hosts"),
            head
        )?;
        let problems = worst_first(g);
        for p in problems {
            writeln!(
                out,
                "      [{}] {} ({}) {}",
                p.severity.to_uppercase(),
                escape_text(&p.rule),
                escape_text(&p.family),
                p.endpoint
                    .as_deref()
                    .map_or("(no endpoint)".into(), escape_text)
            )?;
        }
        let shown: Vec<String> = g
            .hosts
            .iter()
            .take(GROUP_HOSTS_SHOWN)
            .map(|h| escape_text(h).into_owned())
            .collect();
        let more = g.hosts.len().saturating_sub(GROUP_HOSTS_SHOWN);
        writeln!(
            out,
            "      hosts: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )?;
    }

    matrix(fleet, out)
}

/// The matrix: a short code per cell, explained in a legend; columns numbered, named
/// under the table.
fn matrix(fleet: &Fleet, out: &mut dyn Write) -> io::Result<()> {
    let codes = cell_codes(fleet);
    let code_of = |state: &str| -> &str { code_of(&codes, state) };
    let by_host = fleet.hosts.len() <= MATRIX_HOST_ROWS;
    writeln!(out)?;
    if by_host {
        writeln!(out, "matrix (one row per host, by host id):")?;
    } else {
        writeln!(
            out,
            "matrix (one row per group: {} hosts are too many to list; `~` where the group's hosts differ on a cell without problems):",
            fleet.hosts.len()
        )?;
    }
    // (label, group, cells, where the host id came from)
    let mut rows: Vec<(String, String, Vec<String>, &str)> = Vec::new();
    if by_host {
        for h in &fleet.hosts {
            let mut label = escape_text(&h.host).into_owned();
            if label.chars().count() > HOST_LABEL {
                label = label.chars().take(HOST_LABEL - 1).collect::<String>() + "~";
            }
            rows.push((
                label,
                (h.group + 1).to_string(),
                h.cells
                    .iter()
                    .map(|c| {
                        // A finding on an endpoint that also worked: intermittent.
                        let some_ok = c.has_problem() && c.successes > 0;
                        format!("{}{}", code_of(&c.state), if some_ok { "*" } else { "" })
                    })
                    .collect(),
                h.source.as_str(),
            ));
        }
    } else {
        for i in 0..fleet.groups.len() {
            let members: Vec<&super::fleet::HostRow> =
                fleet.hosts.iter().filter(|h| h.group == i).collect();
            let cells = (0..fleet.endpoints.len())
                .map(|col| {
                    let mut states = members.iter().filter_map(|h| h.cells.get(col));
                    let first = states.next().map_or("", |c| c.state.as_str());
                    if states.all(|c| c.state == first) {
                        code_of(first).to_string()
                    } else {
                        "~".to_string()
                    }
                })
                .collect();
            rows.push((
                format!("group {} ({} hosts)", i + 1, members.len()),
                (i + 1).to_string(),
                cells,
                "",
            ));
        }
    }
    let label_w = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let col_w: Vec<usize> = (0..fleet.endpoints.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.2.get(i))
                .map(String::len)
                .max()
                .unwrap_or(1)
                .max((i + 1).to_string().len())
        })
        .collect();
    let mut head = format!(
        "  {:<label_w$} {:>5}",
        if by_host { "host" } else { "" },
        "group"
    );
    for (i, w) in col_w.iter().enumerate() {
        head.push_str(&format!(" {:>w$}", i + 1));
    }
    if by_host {
        head.push_str("  named by");
    }
    writeln!(out, "{}", head.trim_end())?;
    for (label, group, cells, source) in &rows {
        let mut line = format!("  {label:<label_w$} {group:>5}");
        for (c, w) in cells.iter().zip(&col_w) {
            line.push_str(&format!(" {c:>w$}"));
        }
        if !source.is_empty() {
            line.push_str(&format!("  {source}"));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "  columns:")?;
    for (i, c) in fleet.endpoints.iter().enumerate() {
        writeln!(out, "    {:>2} {}", i + 1, escape_text(&c.endpoint))?;
    }
    writeln!(out, "  cells:")?;
    // The states without a finding first, then the findings' codes in order.
    let plain = |code: &str| !code.starts_with(|c: char| c.is_ascii_uppercase());
    let mut legend: Vec<&(String, String)> = codes.iter().filter(|c| plain(&c.1)).collect();
    legend.extend(codes.iter().filter(|c| !plain(&c.1)));
    for (state, code) in legend {
        let what = match state.as_str() {
            STATE_NOT_SEEN => {
                " (required, not tried in the captures: not always due in a short one)"
            }
            STATE_NOT_REQUIRED => " (not required for the host, not tried)",
            STATE_FAILED => " (tried, never worked, no finding says why)",
            STATE_NOT_READ => " (no capture of the host could be read)",
            _ => "",
        };
        writeln!(out, "    {code:>3} {}{what}", escape_text(state))?;
    }
    if by_host {
        writeln!(
            out,
            "      * after a code: the endpoint also worked in some connections"
        )?;
    }
    Ok(())
}
