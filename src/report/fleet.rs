//! The fleet view: one answer per machine and required endpoint over many captures. A
//! matrix of hosts (rows, by host id) and endpoints (columns, in catalog order) whose
//! cells say `ok`, `blocked:<rule>`, `misrouted:<rule>`, `weak:<rule>`, `failed`,
//! `not-seen`, `not-required` or `not-read`; per endpoint how many hosts are in each
//! state; the hosts grouped by identical problem sets, largest group first; totals.
//!
//! Built from parts ([`HostPart`]): one per capture of an audit (from a [`FileReport`], or
//! read back from an audit JSON document by `arcaudit merge`), or one per host row of an
//! earlier fleet document (so merges compose). Parts of one host id are summed into one
//! row by [`Fleet::build`], whose every step (sums, sorted sets, the strongest identity) is
//! independent of the order of the parts: the same captures give the same bytes, however
//! they were split among workers. Computes no verdict: it reads the findings and coverage
//! the audit made. Schema in docs/fleet.md.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::cells::add_problems;
pub use super::cells::{
    Cell, FileCells, Problem, STATE_FAILED, STATE_NOT_READ, STATE_NOT_REQUIRED, STATE_NOT_SEEN,
    STATE_OK,
};
use super::model::{AuditOutcome, FailOn, FileReport, Report};
use crate::classify::{HostIdentity, HostSource};

/// The version of the fleet document's schema (docs/fleet.md).
pub const FLEET_SCHEMA: &str = "arcaudit.fleet/1";

/// A part of one host: one capture, or one host row of an earlier fleet document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPart {
    pub host: HostIdentity,
    /// The capture the identity was taken from (for a fleet row, the row's).
    pub identified_by: String,
    pub files: Vec<String>,
    pub files_not_read: usize,
    pub files_with_errors: usize,
    pub cells: Vec<Cell>,
    pub host_problems: Vec<Problem>,
}

impl HostPart {
    /// The part of one audited capture.
    pub fn of_file(file: &FileReport, cells: FileCells) -> HostPart {
        HostPart {
            host: file.host.clone(),
            identified_by: file.file.clone(),
            files: vec![file.file.clone()],
            files_not_read: usize::from(file.not_read().is_some()),
            files_with_errors: usize::from(file.stats.error.is_some()),
            cells: cells.cells,
            host_problems: cells.host_problems,
        }
    }

    /// The part a host row of a fleet document stands for.
    pub fn of_row(row: HostRow) -> HostPart {
        HostPart {
            host: HostIdentity {
                id: row.host,
                source: row.source,
                evidence: row.evidence,
            },
            identified_by: row.identified_by,
            files: row.files,
            files_not_read: row.files_not_read,
            files_with_errors: row.files_with_errors,
            cells: row.cells.into_iter().chain(row.other_cells).collect(),
            host_problems: row.host_problems,
        }
    }
}

/// One row of the matrix: a machine and its cells, one per column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostRow {
    /// The host id.
    pub host: String,
    /// Where the id came from, in the capture that says it best (strongest source, then
    /// first file name): `identified_by`; `evidence` is that capture's.
    pub source: HostSource,
    pub identified_by: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Every capture of the host, sorted.
    pub files: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files_not_read: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files_with_errors: usize,
    /// One per column of [`Fleet::endpoints`], in that order.
    pub cells: Vec<Cell>,
    /// Findings about no endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_problems: Vec<Problem>,
    /// The host's cells of endpoints that are no column (tried, not required, no
    /// finding): kept so a later merge in which they become a column has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_cells: Vec<Cell>,
    /// The host's group ([`Fleet::groups`], 0-based).
    #[serde(default)]
    pub group: usize,
    /// An unsuppressed finding of the host trips `--fail-on`.
    #[serde(default)]
    pub trips: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One problem in a problem set: an endpoint (none for a finding about no endpoint) and
/// the rule that found it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProblemKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub rule: String,
    pub family: String,
    pub severity: String,
}

/// Hosts with the same set of unsuppressed problems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The hosts none of whose captures could be read: no verdict, so never among the
    /// hosts without problems.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_read: bool,
    /// Empty for the hosts without any problem.
    pub problems: Vec<ProblemKey>,
    pub hosts: Vec<String>,
}

/// How many hosts are in one state for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateCount {
    pub state: String,
    pub hosts: usize,
}

/// One column: an endpoint and how the hosts fare with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub endpoint: String,
    pub column: usize,
    /// Hosts that require it.
    pub required_on: usize,
    /// Hosts with an unsuppressed finding on it.
    pub problem_hosts: usize,
    /// Hosts per state, most hosts first (then by state).
    pub counts: Vec<StateCount>,
}

/// Counts over the whole fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FleetTotals {
    pub hosts: usize,
    pub files: usize,
    pub files_not_read: usize,
    pub files_with_errors: usize,
    /// Hosts none of whose captures could be read: no verdict.
    pub hosts_not_read: usize,
    /// Hosts with at least one unsuppressed finding, and of them those tripping `--fail-on`.
    pub hosts_with_problems: usize,
    pub hosts_tripping: usize,
    /// Hosts read with no unsuppressed finding.
    pub hosts_clean: usize,
    pub groups: usize,
}

/// What the fleet's verdicts were made with: the versions a merge checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// The endpoint catalog: its sources and a digest of its entries.
    pub catalog: String,
    /// The service-tag ranges: files and change numbers, or the built-in snapshot's editions.
    pub service_tags: String,
}

/// The fleet document (schema `arcaudit.fleet/1`).
#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub schema: &'static str,
    /// The tool that made this document.
    pub tool: String,
    pub catalog: String,
    pub service_tags: String,
    pub fail_on: FailOn,
    /// Reports made with another catalog or service-tag version, merged on the user's
    /// word (`--keep-catalog`, `--keep-service-tags`): which, and what they were made with.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub endpoints: Vec<Column>,
    pub hosts: Vec<HostRow>,
    pub groups: Vec<Group>,
    pub totals: FleetTotals,
}

impl Fleet {
    /// The fleet of one audit run: one part per capture.
    pub fn of_report(report: &Report) -> Fleet {
        let parts = report
            .files
            .iter()
            .map(|f| HostPart::of_file(f, f.cells.clone()))
            .collect();
        Fleet::build(
            &Versions {
                catalog: report.catalog_version.clone(),
                service_tags: report.service_tags_version.clone(),
            },
            report.fail_on,
            Vec::new(),
            parts,
        )
    }

    /// Sums the parts of each host, lays out the columns, counts and groups. The result
    /// does not depend on the order of `parts`.
    pub fn build(
        versions: &Versions,
        fail_on: FailOn,
        notes: Vec<String>,
        parts: Vec<HostPart>,
    ) -> Fleet {
        let mut by_host: BTreeMap<String, Vec<HostPart>> = BTreeMap::new();
        for p in parts {
            by_host.entry(p.host.id.clone()).or_default().push(p);
        }
        let mut rows: Vec<(HostRow, BTreeMap<String, Cell>)> = Vec::new();
        for (id, parts) in by_host {
            rows.push(host_row(id, parts));
        }
        // Columns: every endpoint a host requires or has a problem on, in catalog order.
        let mut columns: BTreeMap<String, usize> = BTreeMap::new();
        for (_, cells) in &rows {
            for c in cells.values() {
                if c.required || c.has_problem() {
                    let col = columns.entry(c.endpoint.clone()).or_insert(c.column);
                    *col = (*col).min(c.column);
                }
            }
        }
        let mut order: Vec<(usize, String)> = columns.into_iter().map(|(e, c)| (c, e)).collect();
        order.sort();
        let mut hosts: Vec<HostRow> = Vec::with_capacity(rows.len());
        for (mut row, mut cells) in rows {
            let all_unread = row.files_not_read == row.files.len();
            row.cells = order
                .iter()
                .map(|(col, e)| {
                    let mut c = cells.remove(e).unwrap_or_else(|| Cell::empty(e, *col));
                    c.state = if all_unread {
                        STATE_NOT_READ.into()
                    } else {
                        c.derive_state()
                    };
                    c
                })
                .collect();
            row.other_cells = cells
                .into_values()
                .map(|mut c| {
                    c.state = c.derive_state();
                    c
                })
                .collect();
            row.other_cells
                .sort_by(|a, b| (a.column, &a.endpoint).cmp(&(b.column, &b.endpoint)));
            row.trips = row
                .cells
                .iter()
                .flat_map(|c| &c.problems)
                .chain(&row.host_problems)
                .any(|p| trips(fail_on, p));
            hosts.push(row);
        }
        // Groups: hosts with identical problem sets, largest first, then by problems.
        let mut sets: BTreeMap<(bool, Vec<ProblemKey>), Vec<String>> = BTreeMap::new();
        for h in &hosts {
            let unread = h.files_not_read == h.files.len();
            sets.entry((unread, problem_set(h)))
                .or_default()
                .push(h.host.clone());
        }
        let mut groups: Vec<Group> = sets
            .into_iter()
            .map(|((not_read, problems), hosts)| Group {
                not_read,
                problems,
                hosts,
            })
            .collect();
        groups.sort_by(|a, b| {
            (std::cmp::Reverse(a.hosts.len()), a.not_read, &a.problems).cmp(&(
                std::cmp::Reverse(b.hosts.len()),
                b.not_read,
                &b.problems,
            ))
        });
        let group_of: BTreeMap<&str, usize> = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.hosts.iter().map(move |h| (h.as_str(), i)))
            .collect();
        for h in &mut hosts {
            h.group = group_of.get(h.host.as_str()).copied().unwrap_or(0);
        }
        let endpoints = order
            .iter()
            .enumerate()
            .map(|(i, (col, e))| {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                let mut required_on = 0;
                let mut problem_hosts = 0;
                for h in &hosts {
                    if let Some(c) = h.cells.get(i) {
                        *counts.entry(c.state.as_str()).or_default() += 1;
                        required_on += usize::from(c.required);
                        problem_hosts += usize::from(c.has_problem());
                    }
                }
                let mut counts: Vec<StateCount> = counts
                    .into_iter()
                    .map(|(state, hosts)| StateCount {
                        state: state.to_string(),
                        hosts,
                    })
                    .collect();
                counts.sort_by(|a, b| b.hosts.cmp(&a.hosts).then(a.state.cmp(&b.state)));
                Column {
                    endpoint: e.clone(),
                    column: *col,
                    required_on,
                    problem_hosts,
                    counts,
                }
            })
            .collect();
        let mut totals = FleetTotals {
            hosts: hosts.len(),
            groups: groups.len(),
            ..FleetTotals::default()
        };
        for h in &hosts {
            totals.files += h.files.len();
            totals.files_not_read += h.files_not_read;
            totals.files_with_errors += h.files_with_errors;
            if h.files_not_read == h.files.len() {
                totals.hosts_not_read += 1;
            } else if problem_set(h).is_empty() {
                totals.hosts_clean += 1;
            } else {
                totals.hosts_with_problems += 1;
            }
            totals.hosts_tripping += usize::from(h.trips);
        }
        Fleet {
            schema: FLEET_SCHEMA,
            tool: format!("arcaudit {}", env!("CARGO_PKG_VERSION")),
            catalog: versions.catalog.clone(),
            service_tags: versions.service_tags.clone(),
            fail_on,
            notes,
            endpoints,
            hosts,
            groups,
            totals,
        }
    }

    /// How the fleet audit ends, as an audit does: an input not read (completely) wins,
    /// then a host with a finding that trips `--fail-on`.
    pub fn outcome(&self) -> AuditOutcome {
        if self.totals.files_with_errors > 0 {
            AuditOutcome::InputError
        } else if self.totals.hosts_tripping > 0 {
            AuditOutcome::Findings
        } else {
            AuditOutcome::Clean
        }
    }
}

/// Whether an unsuppressed problem trips `--fail-on`.
fn trips(fail_on: FailOn, p: &Problem) -> bool {
    match (p.family(), p.severity()) {
        (Some(family), Some(severity)) => fail_on.trips_on(family, severity, p.suppressed),
        // A family or severity this version does not know (a report from a newer one):
        // counted as failing rather than passed over.
        _ => !p.suppressed && fail_on != FailOn::Never,
    }
}

/// The host's unsuppressed problems: (endpoint, rule, family, severity), sorted.
fn problem_set(h: &HostRow) -> Vec<ProblemKey> {
    let key = |endpoint: Option<&str>, p: &Problem| ProblemKey {
        endpoint: endpoint.map(str::to_string),
        rule: p.rule.clone(),
        family: p.family.clone(),
        severity: p.severity.clone(),
    };
    let set: BTreeSet<ProblemKey> = h
        .cells
        .iter()
        .flat_map(|c| {
            c.problems
                .iter()
                .filter(|p| !p.suppressed)
                .map(|p| key(Some(&c.endpoint), p))
        })
        .chain(
            h.host_problems
                .iter()
                .filter(|p| !p.suppressed)
                .map(|p| key(None, p)),
        )
        .collect();
    set.into_iter().collect()
}

/// Sums the parts of one host into its row (cells still keyed by endpoint: the columns
/// are laid out once every host is known).
fn host_row(id: String, mut parts: Vec<HostPart>) -> (HostRow, BTreeMap<String, Cell>) {
    // The identity of the part that says it best: strongest source, then first capture.
    parts.sort_by(|a, b| (a.host.source, &a.identified_by).cmp(&(b.host.source, &b.identified_by)));
    let best = parts.first().map(|p| {
        (
            p.host.source,
            p.identified_by.clone(),
            p.host.evidence.clone(),
        )
    });
    let (source, identified_by, evidence) =
        best.unwrap_or((HostSource::File, id.clone(), Vec::new()));
    let mut row = HostRow {
        host: id,
        source,
        identified_by,
        evidence,
        files: Vec::new(),
        files_not_read: 0,
        files_with_errors: 0,
        cells: Vec::new(),
        host_problems: Vec::new(),
        other_cells: Vec::new(),
        group: 0,
        trips: false,
    };
    let mut cells: BTreeMap<String, Cell> = BTreeMap::new();
    for p in parts {
        row.files.extend(p.files);
        row.files_not_read += p.files_not_read;
        row.files_with_errors += p.files_with_errors;
        add_problems(&mut row.host_problems, p.host_problems);
        for c in p.cells {
            match cells.get_mut(&c.endpoint) {
                Some(have) => have.absorb(c),
                None => {
                    cells.insert(c.endpoint.clone(), c);
                }
            }
        }
    }
    row.files.sort();
    (row, cells)
}

/// One short code per cell state of `fleet`, in order of first appearance over the columns'
/// counts (most hosts first), so the commonest problems get the lowest numbers: `ok`, `--`
/// (not seen), `.` (not required), `??` (not read), `F` (failed), `B1`, `B2`... for blocked
/// kinds, `M<n>` misrouted, `W<n>` weak TLS. Every renderer's matrix uses these, so a code
/// means one state in every format of one fleet.
pub fn cell_codes(fleet: &Fleet) -> Vec<(String, String)> {
    let mut codes: Vec<(String, String)> = Vec::new();
    let mut per_letter: BTreeMap<char, usize> = BTreeMap::new();
    for c in &fleet.endpoints {
        for s in &c.counts {
            if codes.iter().any(|(state, _)| *state == s.state) {
                continue;
            }
            let code = match s.state.as_str() {
                STATE_OK => "ok".to_string(),
                STATE_NOT_SEEN => "--".to_string(),
                STATE_NOT_REQUIRED => ".".to_string(),
                STATE_NOT_READ => "??".to_string(),
                STATE_FAILED => "F".to_string(),
                other => {
                    let letter = match other.split(':').next() {
                        Some("blocked") => 'B',
                        Some("misrouted") => 'M',
                        Some("weak") => 'W',
                        _ => 'X',
                    };
                    let n = per_letter.entry(letter).or_default();
                    *n += 1;
                    format!("{letter}{n}")
                }
            };
            codes.push((s.state.clone(), code));
        }
    }
    codes
}

/// The code of `state` in `codes` (`?` for a state the fleet's counts do not list).
pub fn code_of<'a>(codes: &'a [(String, String)], state: &str) -> &'a str {
    codes
        .iter()
        .find(|(s, _)| s == state)
        .map_or("?", |(_, c)| c.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Severity;

    fn problem(rule: &str, family: &str, severity: &str) -> Problem {
        Problem {
            rule: rule.into(),
            family: family.into(),
            severity: severity.into(),
            count: 1,
            suppressed: false,
        }
    }

    fn cell(
        endpoint: &str,
        column: usize,
        attempts: u64,
        successes: u64,
        problems: Vec<Problem>,
    ) -> Cell {
        Cell {
            endpoint: endpoint.into(),
            column,
            required: true,
            attempts,
            successes,
            failures: attempts - successes,
            overdue: false,
            state: String::new(),
            problems,
        }
    }

    fn part(host: &str, file: &str, source: HostSource, cells: Vec<Cell>) -> HostPart {
        HostPart {
            host: HostIdentity {
                id: host.into(),
                source,
                evidence: vec![format!("from {file}")],
            },
            identified_by: file.into(),
            files: vec![file.into()],
            files_not_read: 0,
            files_with_errors: 0,
            cells,
            host_problems: Vec::new(),
        }
    }

    fn versions() -> Versions {
        Versions {
            catalog: "c".into(),
            service_tags: "t".into(),
        }
    }

    #[test]
    fn the_worst_finding_names_the_cell_and_a_coverage_one_depends_on_attempts() {
        let blocked = problem("syn-unanswered", "blocked", "high");
        let weak = problem("weak-suite-offered", "weak-tls", "high");
        let never = problem("required-endpoint-never-succeeded", "coverage", "high");
        let absent = problem("required-endpoint-not-contacted", "coverage", "medium");
        assert_eq!(
            cell("e", 0, 3, 1, vec![weak.clone(), blocked]).derive_state(),
            "blocked:syn-unanswered"
        );
        assert_eq!(
            cell("e", 0, 3, 3, vec![weak]).derive_state(),
            "weak:weak-suite-offered"
        );
        assert_eq!(
            cell("e", 0, 2, 0, vec![never]).derive_state(),
            "blocked:required-endpoint-never-succeeded"
        );
        assert_eq!(
            cell("e", 0, 0, 0, vec![absent.clone()]).derive_state(),
            "not-seen"
        );
        assert_eq!(cell("e", 0, 2, 2, vec![]).derive_state(), "ok");
        assert_eq!(cell("e", 0, 2, 0, vec![]).derive_state(), "failed");
        let mut suppressed = absent;
        suppressed.suppressed = true;
        let c = cell("e", 0, 0, 0, vec![suppressed]);
        assert_eq!(c.derive_state(), "not-seen");
        assert!(!c.has_problem());
    }

    #[test]
    fn the_fleet_does_not_depend_on_the_order_or_the_split_of_its_parts() {
        let blocked = problem("syn-unanswered", "blocked", "high");
        let parts = vec![
            part(
                "b",
                "b1.pcap",
                HostSource::ArcClient,
                vec![cell("public.his", 3, 2, 2, vec![])],
            ),
            part(
                "a",
                "a2.pcap",
                HostSource::SectionComment,
                vec![cell("public.his", 3, 1, 0, vec![blocked.clone()])],
            ),
            part(
                "a",
                "a1.pcap",
                HostSource::SectionComment,
                vec![cell("public.arm", 1, 1, 1, vec![])],
            ),
            part(
                "c",
                "c1.pcap",
                HostSource::SectionComment,
                vec![cell("public.his", 3, 4, 0, vec![blocked])],
            ),
        ];
        let one = Fleet::build(
            &versions(),
            FailOn::Severity(Severity::Low),
            vec![],
            parts.clone(),
        );
        let json = serde_json::to_string(&one).unwrap();
        let mut reversed = parts.clone();
        reversed.reverse();
        let two = Fleet::build(
            &versions(),
            FailOn::Severity(Severity::Low),
            vec![],
            reversed,
        );
        assert_eq!(serde_json::to_string(&two).unwrap(), json);
        // Split: a fleet of a and b, its rows read back, then merged with c.
        let first = Fleet::build(
            &versions(),
            FailOn::Severity(Severity::Low),
            vec![],
            parts[..3].to_vec(),
        );
        let rows: Vec<HostRow> =
            serde_json::from_value(serde_json::to_value(&first.hosts).unwrap()).unwrap();
        let mut again: Vec<HostPart> = rows.into_iter().map(HostPart::of_row).collect();
        again.push(parts[3].clone());
        let three = Fleet::build(&versions(), FailOn::Severity(Severity::Low), vec![], again);
        assert_eq!(serde_json::to_string(&three).unwrap(), json);

        assert_eq!(
            one.endpoints
                .iter()
                .map(|c| c.endpoint.as_str())
                .collect::<Vec<_>>(),
            ["public.arm", "public.his"]
        );
        let his = &one.endpoints[1];
        assert_eq!(his.problem_hosts, 2);
        assert_eq!(
            his.counts[0],
            StateCount {
                state: "blocked:syn-unanswered".into(),
                hosts: 2
            }
        );
        // b never needed public.arm in its captures: not required, not "not seen".
        assert_eq!(one.hosts[1].cells[0].state, "not-required");
        assert_eq!(one.groups[0].hosts, ["a", "c"]);
        assert_eq!(one.groups[1].problems, []);
        assert_eq!(
            (
                one.totals.hosts_with_problems,
                one.totals.hosts_clean,
                one.totals.hosts_tripping
            ),
            (2, 1, 2)
        );
        assert_eq!(one.hosts[0].files, ["a1.pcap", "a2.pcap"]);
        assert_eq!(one.outcome(), AuditOutcome::Findings);
    }
}
