//! The audit report model: [`Report`] (what every audit renderer renders), its parts
//! ([`FileReport`], [`Totals`], [`ServiceTagStatus`]), the schema version and the
//! `--fail-on` threshold with the [`AuditOutcome`] it decides. Totals are counted here, once,
//! so no renderer counts anything. Running the pipeline and the rules that fill a
//! [`FileReport`] is `commands::audit`'s job; turning the model into bytes is the renderers'.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::classify::{CaptureAudit, Family, Finding, Given, HostIdentity, Severity, Unseen};
use crate::model::TagFileInfo;
use crate::pipeline::FileStats;
use crate::report::cells::FileCells;

/// The version of the JSON report schema described in docs/audit.md.
pub const AUDIT_SCHEMA: &str = "arcaudit.audit/3";

/// When `audit` exits with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// Any unsuppressed finding of this family.
    Family(Family),
    /// Any unsuppressed finding at or above this severity.
    Severity(Severity),
    /// Never (report only).
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        if s == "never" {
            return Some(FailOn::Never);
        }
        Family::parse(s)
            .map(FailOn::Family)
            .or_else(|| Severity::parse(s).map(FailOn::Severity))
    }

    pub fn trips(self, f: &Finding) -> bool {
        self.trips_on(f.family, f.severity, f.suppressed)
    }

    /// [`FailOn::trips`] for a finding known by its family, severity and suppression
    /// (a fleet's problems, read back from a report).
    pub fn trips_on(self, family: Family, severity: Severity, suppressed: bool) -> bool {
        !suppressed
            && match self {
                FailOn::Family(fam) => family == fam,
                FailOn::Severity(s) => severity >= s,
                FailOn::Never => false,
            }
    }
}

/// How an audit ended; the CLI maps it to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// Every input read; no unsuppressed finding trips `--fail-on`.
    Clean,
    /// Every input read; at least one unsuppressed finding trips `--fail-on`.
    Findings,
    /// At least one input could not be read (completely); wins over findings.
    InputError,
}

/// One capture's part of the report.
///
/// A capture that could not be read at all ([`FileReport::not_read`]) has no verdict: its
/// `audit` is empty, it is left out of coverage and counted apart in [`Totals`], and its JSON
/// carries `not_read` (the reason) instead of context, coverage and findings.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: String,
    /// The machine the capture was taken on (for a capture not read: its path).
    pub host: HostIdentity,
    pub stats: FileStats,
    pub audit: CaptureAudit,
    /// The capture's cells of the fleet matrix (empty for a capture not read).
    pub cells: FileCells,
}

impl FileReport {
    /// Why this input gave nothing to judge: an error before its first frame (missing,
    /// empty, not a capture). A capture cut short after some frames is read, with an error.
    pub fn not_read(&self) -> Option<&str> {
        self.stats
            .error
            .as_deref()
            .filter(|_| self.stats.capture.frames == 0)
    }

    /// The capture's own time span, first to last packet (ns since the epoch).
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((
            self.stats.capture.first_ts_ns?,
            self.stats.capture.last_ts_ns?,
        ))
    }

    /// Findings worst first: severity (high first), then family, then time (first frame),
    /// then rule, host and endpoint so equal keys keep one order. Every renderer shows
    /// them in this order; none sorts again.
    fn sort_findings(&mut self) {
        self.audit.findings.sort_by(|a, b| {
            let fa = a.frames.first().copied().unwrap_or(u64::MAX);
            let fb = b.frames.first().copied().unwrap_or(u64::MAX);
            (b.severity, a.family, fa, a.rule, &a.host, &a.endpoint).cmp(&(
                a.severity,
                b.family,
                fb,
                b.rule,
                &b.host,
                &b.endpoint,
            ))
        });
    }
}

impl Serialize for FileReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Read<'a> {
            file: &'a str,
            host: &'a HostIdentity,
            stats: &'a FileStats,
            #[serde(flatten)]
            audit: &'a CaptureAudit,
            #[serde(flatten)]
            cells: &'a FileCells,
        }
        #[derive(Serialize)]
        struct NotRead<'a> {
            file: &'a str,
            host: &'a HostIdentity,
            not_read: &'a str,
            stats: &'a FileStats,
        }
        match self.not_read() {
            Some(why) => NotRead {
                file: &self.file,
                host: &self.host,
                not_read: why,
                stats: &self.stats,
            }
            .serialize(s),
            None => Read {
                file: &self.file,
                host: &self.host,
                stats: &self.stats,
                audit: &self.audit,
                cells: &self.cells,
            }
            .serialize(s),
        }
    }
}

/// Where the service-tag ranges came from: files, or the snapshot compiled in (so address
/// checks always run).
#[derive(Debug, Clone, Serialize)]
pub struct ServiceTagStatus {
    pub files: Vec<TagFileInfo>,
    /// Given or found files, or the snapshot compiled in.
    pub source: TagSource,
    /// For the built-in snapshot: each cloud's edition (cloud as published, publication date).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub snapshot: Vec<SnapshotEdition>,
    /// Context notes about the ranges (a snapshot much older than the capture); not findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ServiceTagStatus {
    /// The service-tag version a report's ranges are: which files (cloud and change number),
    /// or which editions of the built-in snapshot.
    pub fn version(&self) -> String {
        let s = self;
        match s.source {
            TagSource::BuiltInSnapshot => {
                let mut eds: Vec<String> = s
                    .snapshot
                    .iter()
                    .map(|e| format!("{} {} #{}", e.cloud, e.published, e.change_number))
                    .collect();
                eds.sort();
                format!("built-in snapshot: {}", eds.join(", "))
            }
            TagSource::Files => {
                let mut files: Vec<String> = s
                    .files
                    .iter()
                    .map(|f| format!("{} #{}", f.cloud, f.change_number))
                    .collect();
                files.sort();
                files.dedup();
                format!("files: {}", files.join(", "))
            }
        }
    }
}

/// Where the service-tag ranges of a run came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagSource {
    /// `--service-tags` files, or `ServiceTags_*.json` found beside the captures.
    Files,
    /// The dated snapshot compiled into arcaudit (`model::tag_snapshot`).
    BuiltInSnapshot,
}

/// One cloud's edition of the built-in snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotEdition {
    /// The cloud as published (`Public`, `AzureGovernment`, `China`).
    pub cloud: String,
    /// Publication date, `YYYY-MM-DD`.
    pub published: String,
    /// The edition's `changeNumber`.
    pub change_number: u64,
}

/// Totals over all files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub files: usize,
    /// Files with a read error, whether or not some frames were read before it.
    pub files_with_errors: usize,
    /// Files not read at all (see [`FileReport::not_read`]): no verdict, no coverage.
    pub files_not_read: usize,
    pub tcp_flows: usize,
    pub arc_flows: usize,
    /// Distinct catalog entries with at least one working connection, and with at least
    /// one failed connection, over all files.
    pub endpoints_reached: usize,
    pub endpoints_failing: usize,
    /// Distinct required catalog entries no file shows an attempt or a finding for, and
    /// of those, the ones a file is long enough to expect ([`Unseen::Overdue`]).
    pub required_unseen: usize,
    pub required_overdue: usize,
    pub findings: usize,
    /// The occurrences the findings group (the sum of their `count`s).
    pub occurrences: u64,
    pub suppressed: usize,
    pub by_family: BTreeMap<&'static str, usize>,
    pub by_severity: BTreeMap<&'static str, usize>,
    // No report-wide time span: captures of unrelated machines and days have none worth
    // printing. Each capture has its own (`stats.capture.first_ts_ns` / `last_ts_ns`).
}

impl Totals {
    /// Counts over every file: endpoints are distinct catalog entries across files,
    /// suppressed findings are counted apart from the others.
    pub fn from_files(files: &[FileReport]) -> Totals {
        let mut totals = Totals {
            files: files.len(),
            ..Totals::default()
        };
        let mut reached = BTreeSet::new();
        let mut failing = BTreeSet::new();
        let mut unseen = BTreeSet::new();
        let mut overdue = BTreeSet::new();
        let mut tried = BTreeSet::new();
        for f in files.iter().filter(|f| f.not_read().is_none()) {
            for r in &f.audit.coverage {
                if r.successes > 0 {
                    reached.insert(r.endpoint.as_str());
                }
                if r.failures > 0 {
                    failing.insert(r.endpoint.as_str());
                }
                if r.attempts > 0 || (r.required && r.unseen.is_none()) {
                    tried.insert(r.endpoint.as_str());
                }
                match r.unseen {
                    Some(Unseen::Overdue) => {
                        overdue.insert(r.endpoint.as_str());
                        unseen.insert(r.endpoint.as_str());
                    }
                    Some(Unseen::NotDue) => {
                        unseen.insert(r.endpoint.as_str());
                    }
                    None => {}
                }
            }
        }
        totals.endpoints_reached = reached.len();
        totals.endpoints_failing = failing.len();
        totals.required_unseen = unseen.difference(&tried).count();
        totals.required_overdue = overdue.difference(&tried).count();
        for f in files {
            totals.files_with_errors += usize::from(f.stats.error.is_some());
            totals.files_not_read += usize::from(f.not_read().is_some());
            totals.tcp_flows += f.audit.tcp_flows;
            totals.arc_flows += f.audit.arc_flows;
            for x in &f.audit.findings {
                if x.suppressed {
                    totals.suppressed += 1;
                    continue;
                }
                totals.findings += 1;
                totals.occurrences += x.count;
                *totals.by_family.entry(x.family.as_str()).or_default() += 1;
                *totals.by_severity.entry(x.severity.as_str()).or_default() += 1;
            }
        }
        totals
    }
}

/// The whole run: what renderers render, computed once.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: String,
    pub given: Given,
    pub fail_on: FailOn,
    pub catalog_sources: Vec<String>,
    /// The catalog's sources and a digest of its entries: what `arcaudit merge` compares.
    pub catalog_version: String,
    /// The service-tag ranges' files and change numbers (or the snapshot's editions), as
    /// `arcaudit merge` compares them.
    pub service_tags_version: String,
    pub service_tags: ServiceTagStatus,
    pub totals: Totals,
    pub files: Vec<FileReport>,
}

impl Report {
    /// The report of `files` (in input order), with its totals and this tool's version.
    pub fn new(
        given: Given,
        fail_on: FailOn,
        catalog_sources: Vec<String>,
        catalog_version: String,
        service_tags: ServiceTagStatus,
        mut files: Vec<FileReport>,
    ) -> Report {
        for f in &mut files {
            f.sort_findings();
        }
        Report {
            schema: AUDIT_SCHEMA,
            tool: format!("arcaudit {}", env!("CARGO_PKG_VERSION")),
            given,
            fail_on,
            catalog_sources,
            catalog_version,
            service_tags_version: service_tags.version(),
            service_tags,
            totals: Totals::from_files(&files),
            files,
        }
    }

    /// The time span to show for the whole report: only with a single capture read, since
    /// a span across unrelated captures is not a fact.
    pub fn single_capture_span(&self) -> Option<(i64, i64)> {
        match self.files.as_slice() {
            [f] => f.span(),
            _ => None,
        }
    }

    /// How the audit ended: an unreadable input wins, then findings at or above `--fail-on`.
    pub fn outcome(&self) -> AuditOutcome {
        if self.totals.files_with_errors > 0 {
            AuditOutcome::InputError
        } else if self
            .files
            .iter()
            .flat_map(|f| &f.audit.findings)
            .any(|f| self.fail_on.trips(f))
        {
            AuditOutcome::Findings
        } else {
            AuditOutcome::Clean
        }
    }
}
