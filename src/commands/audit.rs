//! `arcaudit audit`: every capture through the pipeline, each flow compacted as it
//! finishes, then the classification against the Arc model, gathered into one [`Report`].
//! Files run in parallel; the report keeps the input order whatever the thread count.

use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

use crate::capture::Input;
use crate::classify::{self, AuditFlow, CaptureAudit, DnsAnswer, Family, Given, Severity};
use crate::model::{Catalog, CatalogMode, ServiceTags, TagFileInfo, discover_service_tag_files};
use crate::pipeline::{self, FileStats, PipelineConfig};

/// The version of the JSON report schema described in docs/audit.md.
pub const AUDIT_SCHEMA: &str = "arcaudit.audit/1";

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

    pub fn trips(self, f: &classify::Finding) -> bool {
        !f.suppressed
            && match self {
                FailOn::Family(fam) => f.family == fam,
                FailOn::Severity(s) => f.severity >= s,
                FailOn::Never => false,
            }
    }
}

/// What `arcaudit audit` needs, validated by the CLI.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub inputs: Vec<Input>,
    pub given: Given,
    /// `--service-tags` files; when empty, `ServiceTags_*.json` beside the captures and in
    /// the working folder are used.
    pub service_tags: Vec<PathBuf>,
    pub catalog: Option<PathBuf>,
    pub catalog_mode: CatalogMode,
    pub pipeline: PipelineConfig,
    pub fail_on: FailOn,
    /// Suppressions: rule ids, or `rule endpoint` pairs, accepted by the user.
    pub suppress: Vec<(String, Option<String>)>,
}

/// One capture's part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub stats: FileStats,
    #[serde(flatten)]
    pub audit: CaptureAudit,
}

/// Where the service-tag ranges came from, or why address checks were skipped.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceTagStatus {
    pub files: Vec<TagFileInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// Totals over all files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub files: usize,
    pub files_with_errors: usize,
    pub tcp_flows: usize,
    pub arc_flows: usize,
    /// Distinct catalog entries with at least one working connection, and with at least
    /// one failed connection, over all files.
    pub endpoints_reached: usize,
    pub endpoints_failing: usize,
    /// Distinct required catalog entries no file shows an attempt for.
    pub required_unseen: usize,
    pub findings: usize,
    /// Findings plus the similar flows folded into them.
    pub occurrences: u64,
    pub suppressed: usize,
    pub by_family: std::collections::BTreeMap<&'static str, usize>,
    pub by_severity: std::collections::BTreeMap<&'static str, usize>,
    pub first_ts_ns: Option<i64>,
    pub last_ts_ns: Option<i64>,
}

/// The whole run: what renderers render, computed once.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: String,
    pub given: Given,
    pub fail_on: FailOn,
    pub catalog_sources: Vec<String>,
    pub service_tags: ServiceTagStatus,
    pub totals: Totals,
    pub files: Vec<FileReport>,
}

impl Report {
    /// Exit status: an unreadable input wins, then findings at or above `--fail-on`.
    pub fn exit(&self) -> crate::cli::Exit {
        if self.totals.files_with_errors > 0 {
            crate::cli::Exit::InputError
        } else if self
            .files
            .iter()
            .flat_map(|f| &f.audit.findings)
            .any(|f| self.fail_on.trips(f))
        {
            crate::cli::Exit::Findings
        } else {
            crate::cli::Exit::Ok
        }
    }
}

fn load_tags(cfg: &AuditConfig) -> anyhow::Result<(ServiceTags, ServiceTagStatus)> {
    let mut paths = cfg.service_tags.clone();
    if paths.is_empty() {
        let mut dirs: Vec<PathBuf> = cfg
            .inputs
            .iter()
            .filter_map(|i| match i {
                Input::Path(p) if p.is_dir() => Some(p.clone()),
                Input::Path(p) => p.parent().map(Path::to_path_buf),
                Input::Stdin => None,
            })
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p
                }
            })
            .collect();
        dirs.push(PathBuf::from("."));
        dirs.sort();
        dirs.dedup();
        paths = discover_service_tag_files(&dirs);
    }
    if paths.is_empty() {
        return Ok((
            ServiceTags::empty(),
            ServiceTagStatus {
                files: Vec::new(),
                skipped: Some(format!(
                    "address checks skipped: no service-tag file given and no ServiceTags_*.json beside the captures or in the working folder. Download \"Azure IP Ranges and Service Tags\" ({}) and pass it with --service-tags FILE",
                    crate::model::SERVICE_TAG_DOWNLOADS
                        .iter()
                        .map(|(cloud, url)| format!("{cloud}: {url}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
        ));
    }
    let tags = ServiceTags::load_all(&paths)?;
    let files = tags.files().to_vec();
    Ok((
        tags,
        ServiceTagStatus {
            files,
            skipped: None,
        },
    ))
}

fn suppressed(f: &classify::Finding, list: &[(String, Option<String>)]) -> bool {
    list.iter().any(|(rule, endpoint)| {
        rule == f.rule
            && match endpoint {
                None => true,
                Some(e) => {
                    f.endpoint.as_deref() == Some(e.as_str())
                        || f.host.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(e))
                }
            }
    })
}

/// Audits one capture: pipeline, compaction, classification.
fn audit_file(
    input: &Input,
    cfg: &AuditConfig,
    catalog: &Catalog,
    tags: &ServiceTags,
) -> FileReport {
    let mut flows: Vec<AuditFlow> = Vec::new();
    let mut dns: Vec<DnsAnswer> = Vec::new();
    let stats = pipeline::analyze(input, &cfg.pipeline, &mut |f| {
        if !f.app.dns.is_empty() {
            dns.extend(DnsAnswer::from_flow(&f));
        }
        if f.transport == crate::wire::Transport::Tcp
            && f.app.protocol != Some(crate::wire::AppProtocol::Dns)
        {
            flows.push(AuditFlow::from_flow(&f));
        }
    });
    // Flows finish in capture-end order; rules and tables want them by first frame. Sort
    // an index and move each (large) record once, rather than swapping records around.
    let mut order: Vec<(u64, usize)> = flows
        .iter()
        .enumerate()
        .map(|(i, f)| (f.frames.first, i))
        .collect();
    order.sort_unstable();
    let mut slots: Vec<Option<AuditFlow>> = flows.into_iter().map(Some).collect();
    let flows: Vec<AuditFlow> = order.iter().filter_map(|&(_, i)| slots[i].take()).collect();
    dns.sort_by_key(|d| d.frame);
    let file = input.to_string();
    let mut audit = classify::audit_capture(&file, &flows, &dns, &cfg.given, catalog, tags);
    for f in &mut audit.findings {
        f.suppressed = suppressed(f, &cfg.suppress);
    }
    FileReport { file, stats, audit }
}

/// Runs the audit and builds the report.
pub fn run(cfg: &AuditConfig) -> anyhow::Result<Report> {
    let catalog = Catalog::with_user_file(cfg.catalog.as_deref(), cfg.catalog_mode)?;
    let (tags, tag_status) = load_tags(cfg)?;
    let files: Vec<FileReport> = cfg
        .inputs
        .par_iter()
        .map(|input| audit_file(input, cfg, &catalog, &tags))
        .collect();
    let mut totals = Totals {
        files: files.len(),
        ..Totals::default()
    };
    let mut reached = std::collections::BTreeSet::new();
    let mut failing = std::collections::BTreeSet::new();
    let mut required = std::collections::BTreeSet::new();
    let mut tried = std::collections::BTreeSet::new();
    for f in &files {
        for r in &f.audit.coverage {
            if r.successes > 0 {
                reached.insert(r.endpoint.as_str());
            }
            if r.failures > 0 {
                failing.insert(r.endpoint.as_str());
            }
            if r.attempts > 0 {
                tried.insert(r.endpoint.as_str());
            }
            if r.required {
                required.insert(r.endpoint.as_str());
            }
        }
    }
    totals.endpoints_reached = reached.len();
    totals.endpoints_failing = failing.len();
    totals.required_unseen = required.difference(&tried).count();
    for f in &files {
        totals.files_with_errors += usize::from(f.stats.error.is_some());
        totals.tcp_flows += f.audit.tcp_flows;
        totals.arc_flows += f.audit.arc_flows;
        for x in &f.audit.findings {
            if x.suppressed {
                totals.suppressed += 1;
                continue;
            }
            totals.findings += 1;
            totals.occurrences += 1 + x.similar;
            *totals.by_family.entry(x.family.as_str()).or_default() += 1;
            *totals.by_severity.entry(x.severity.as_str()).or_default() += 1;
        }
        for v in &f.audit.flows {
            totals.first_ts_ns = Some(
                totals
                    .first_ts_ns
                    .map_or(v.first_ts_ns, |t| t.min(v.first_ts_ns)),
            );
            totals.last_ts_ns = Some(
                totals
                    .last_ts_ns
                    .map_or(v.first_ts_ns, |t| t.max(v.first_ts_ns)),
            );
        }
    }
    Ok(Report {
        schema: AUDIT_SCHEMA,
        tool: format!("arcaudit {}", env!("CARGO_PKG_VERSION")),
        given: cfg.given.clone(),
        fail_on: cfg.fail_on,
        catalog_sources: catalog.sources().to_vec(),
        service_tags: tag_status,
        totals,
        files,
    })
}
