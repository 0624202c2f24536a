//! The cells of the fleet matrix: one capture's (or one host's) state for one endpoint,
//! from the coverage row and the findings the audit made ([`Cell`], [`Problem`]), and a
//! capture's cells as its file in the audit JSON carries them ([`FileCells`]) for
//! `arcaudit merge`. Sums ([`Cell::absorb`]) are order-independent, so a host's cells are
//! the same however its captures were split. The fleet itself is `report::fleet`'s.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::classify::{CaptureAudit, Family, Severity, Unseen};

/// Cell states that are not problems.
pub const STATE_OK: &str = "ok";
pub const STATE_NOT_SEEN: &str = "not-seen";
pub const STATE_NOT_REQUIRED: &str = "not-required";
pub const STATE_NOT_READ: &str = "not-read";
pub const STATE_FAILED: &str = "failed";

/// Column index of an endpoint the catalog does not list (cannot happen with one catalog;
/// kept last rather than refused).
const NO_COLUMN: usize = usize::MAX;

/// One finding as the fleet counts it: which rule, how bad, how often.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    pub rule: String,
    pub family: String,
    pub severity: String,
    /// Occurrences (the findings' `count`s summed).
    pub count: u64,
    /// Accepted by a suppression list: shown, not a problem of the host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

impl Problem {
    fn key(&self) -> (&str, &str, &str, bool) {
        (&self.rule, &self.family, &self.severity, self.suppressed)
    }

    pub fn family(&self) -> Option<Family> {
        Family::parse(&self.family)
    }

    pub fn severity(&self) -> Option<Severity> {
        Severity::parse(&self.severity)
    }
}

/// Adds `more` into `into`, one entry per (rule, family, severity, suppressed), sorted.
pub fn add_problems(into: &mut Vec<Problem>, more: impl IntoIterator<Item = Problem>) {
    for p in more {
        match into.iter_mut().find(|q| q.key() == p.key()) {
            Some(q) => q.count = q.count.saturating_add(p.count),
            None => into.push(p),
        }
    }
    into.sort();
}

/// One host's (or one capture's) state for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Catalog entry id (`public.his`).
    pub endpoint: String,
    /// The entry's position in the catalog: the column order.
    pub column: usize,
    /// Required for this host (its cloud, features) in at least one of its captures.
    pub required: bool,
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
    /// A required endpoint with no attempt that a capture was long enough to expect.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overdue: bool,
    /// Derived from the rest (see [`Cell::derive_state`]); recomputed on every merge.
    #[serde(default)]
    pub state: String,
    /// The findings on this endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// Rank of a family for the cell state: what stopped the connection says most.
fn family_rank(f: Family) -> u8 {
    match f {
        Family::Blocked => 0,
        Family::Misrouted => 1,
        Family::WeakTls => 2,
        Family::Coverage => 3,
    }
}

impl Cell {
    pub fn empty(endpoint: &str, column: usize) -> Cell {
        Cell {
            endpoint: endpoint.to_string(),
            column,
            required: false,
            attempts: 0,
            successes: 0,
            failures: 0,
            overdue: false,
            state: String::new(),
            problems: Vec::new(),
        }
    }

    pub fn absorb(&mut self, other: Cell) {
        self.column = self.column.min(other.column);
        self.required |= other.required;
        self.attempts = self.attempts.saturating_add(other.attempts);
        self.successes = self.successes.saturating_add(other.successes);
        self.failures = self.failures.saturating_add(other.failures);
        self.overdue |= other.overdue;
        add_problems(&mut self.problems, other.problems);
    }

    /// The worst unsuppressed problem: family (blocked, misrouted, weak TLS, coverage),
    /// then severity (high first), then rule id.
    fn worst(&self) -> Option<&Problem> {
        self.problems
            .iter()
            .filter(|p| !p.suppressed)
            .min_by_key(|p| {
                (
                    p.family().map_or(u8::MAX, family_rank),
                    std::cmp::Reverse(p.severity()),
                    p.rule.as_str(),
                )
            })
    }

    /// The cell's state: the worst unsuppressed finding's family and rule (a coverage
    /// finding on an endpoint never tried is `not-seen`; on one tried, it never worked:
    /// `blocked`); without one, `ok` when a connection worked, `failed` when none did
    /// (a suppressed finding may say why), `not-seen` / `not-required` when none was tried.
    pub fn derive_state(&self) -> String {
        if let Some(p) = self.worst() {
            return match p.family() {
                Some(Family::Blocked) => format!("blocked:{}", p.rule),
                Some(Family::Misrouted) => format!("misrouted:{}", p.rule),
                Some(Family::WeakTls) => format!("weak:{}", p.rule),
                Some(Family::Coverage) | None if self.attempts == 0 => STATE_NOT_SEEN.into(),
                Some(Family::Coverage) | None => format!("blocked:{}", p.rule),
            };
        }
        if self.successes > 0 {
            STATE_OK.into()
        } else if self.attempts > 0 {
            STATE_FAILED.into()
        } else if self.required {
            STATE_NOT_SEEN.into()
        } else {
            STATE_NOT_REQUIRED.into()
        }
    }

    /// Whether the cell's state is a problem of the host (an unsuppressed finding).
    pub fn has_problem(&self) -> bool {
        self.worst().is_some()
    }
}

/// One capture's cells, as its file in the audit JSON carries them (`cells`,
/// `host_problems`) for `arcaudit merge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCells {
    /// Per catalog entry the capture required, tried, or has a finding on.
    #[serde(default)]
    pub cells: Vec<Cell>,
    /// Findings about no endpoint (an unattributed failure, a contradicted setting).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_problems: Vec<Problem>,
}

impl FileCells {
    /// The cells of one audited capture (none for a capture not read); `column` gives a
    /// catalog entry's position.
    pub fn of(
        audit: &CaptureAudit,
        not_read: bool,
        column: &dyn Fn(&str) -> Option<usize>,
    ) -> FileCells {
        let mut out = FileCells::default();
        if not_read {
            return out;
        }
        let mut cells: BTreeMap<&str, Cell> = BTreeMap::new();
        for r in &audit.coverage {
            let mut c = Cell::empty(&r.endpoint, column(&r.endpoint).unwrap_or(NO_COLUMN));
            c.required = r.required;
            c.attempts = r.attempts as u64;
            c.successes = r.successes as u64;
            c.failures = r.failures as u64;
            c.overdue = r.unseen == Some(Unseen::Overdue);
            // One row per entry; a second (a user catalog listing an id twice) adds up.
            match cells.get_mut(r.endpoint.as_str()) {
                Some(have) => have.absorb(c),
                None => {
                    cells.insert(&r.endpoint, c);
                }
            }
        }
        for f in &audit.findings {
            let p = Problem {
                rule: f.rule.to_string(),
                family: f.family.as_str().to_string(),
                severity: f.severity.as_str().to_string(),
                count: f.count.max(1),
                suppressed: f.suppressed,
            };
            match &f.endpoint {
                Some(e) => {
                    let c = cells
                        .entry(e)
                        .or_insert_with(|| Cell::empty(e, column(e).unwrap_or(NO_COLUMN)));
                    add_problems(&mut c.problems, [p]);
                }
                None => add_problems(&mut out.host_problems, [p]),
            }
        }
        out.cells = cells.into_values().collect();
        for c in &mut out.cells {
            c.state = c.derive_state();
        }
        out.cells
            .sort_by(|a, b| (a.column, &a.endpoint).cmp(&(b.column, &b.endpoint)));
        out
    }
}
