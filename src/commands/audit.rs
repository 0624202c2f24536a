//! `arcaudit audit`: every capture through the pipeline, each flow compacted as it
//! finishes, then the classification against the Arc model, gathered into one [`Report`].
//! Files run in parallel; the report keeps the input order whatever the thread count.

use rayon::prelude::*;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::capture::Input;
use crate::classify::{self, Given};
use crate::facts::{FactsBuilder, FactsLimits};
use crate::model::{Catalog, CatalogMode, ServiceTags, discover_service_tag_files, tag_snapshot};
use crate::pipeline::{self, Extract, PipelineConfig};
use crate::report::cells::FileCells;
use crate::report::model::{
    FailOn, FileReport, Report, ServiceTagStatus, SnapshotEdition, TagSource,
};

/// What `arcaudit audit` needs, validated by the CLI.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub inputs: Vec<Input>,
    pub given: Given,
    /// `--service-tags` files; when empty, `ServiceTags_*.json` beside the captures and in
    /// the working folder are used, else the built-in snapshot.
    pub service_tags: Vec<PathBuf>,
    pub catalog: Option<PathBuf>,
    pub catalog_mode: CatalogMode,
    pub pipeline: PipelineConfig,
    pub fail_on: FailOn,
    /// Suppressions: rule ids, or `rule endpoint` pairs, accepted by the user.
    pub suppress: Vec<(String, Option<String>)>,
    /// `--host-from REGEX`: the host's name is the first capture group (else the whole
    /// match) of this pattern on the capture's path.
    pub host_from: Option<regex::Regex>,
}

/// What `--host-from` takes from `file`: the first capture group that matched, else the
/// whole match; `None` when the pattern does not match.
fn host_from_path<'a>(re: &regex::Regex, file: &'a str) -> Option<&'a str> {
    let caps = re.captures(file)?;
    caps.iter()
        .skip(1)
        .flatten()
        .next()
        .or_else(|| caps.get(0))
        .map(|m| m.as_str())
}

/// The service-tag ranges of the run: the files given with `--service-tags`, else the
/// `ServiceTags_*.json` beside the captures or in the working folder, else the snapshot
/// compiled in. A file the user has always wins: it is newer than any snapshot we ship.
fn load_tags(cfg: &AuditConfig) -> anyhow::Result<(Cow<'static, ServiceTags>, ServiceTagStatus)> {
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
        let tags = ServiceTags::embedded()?;
        let snapshot = tag_snapshot::editions()
            .map(|(cloud, published)| SnapshotEdition {
                cloud: cloud.to_string(),
                published: published.to_string(),
                change_number: tags
                    .files()
                    .iter()
                    .find(|f| f.cloud == cloud)
                    .map_or(0, |f| f.change_number),
            })
            .collect();
        return Ok((
            Cow::Borrowed(tags),
            ServiceTagStatus {
                files: tags.files().to_vec(),
                source: TagSource::BuiltInSnapshot,
                snapshot,
                notes: Vec::new(),
            },
        ));
    }
    let tags = ServiceTags::load_all(&paths)?;
    let files = tags.files().to_vec();
    Ok((
        Cow::Owned(tags),
        ServiceTagStatus {
            files,
            source: TagSource::Files,
            snapshot: Vec::new(),
            notes: Vec::new(),
        },
    ))
}

/// The note that says the built-in snapshot is much older than the captures: ranges
/// Microsoft added since are unknown to it. Measured against the newest capture's first
/// packet, the capture the snapshot is least likely to describe.
fn snapshot_age_notes(status: &mut ServiceTagStatus, files: &[FileReport]) {
    if status.source != TagSource::BuiltInSnapshot {
        return;
    }
    // The timeline starts where the capture's first flow did.
    let Some(start) = files.iter().filter_map(|f| f.audit.timeline.start_ns).max() else {
        return;
    };
    for (cloud, published, days) in tag_snapshot::stale_editions(start) {
        status.notes.push(format!(
            "the built-in {cloud} snapshot (published {published}) is {} weeks older than the capture (first packet {}): addresses Microsoft added since are not in it; pass a current file with --service-tags",
            days / 7,
            crate::report::common::format_utc(start),
        ));
    }
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

/// Audits one capture: pipeline, facts, classification.
fn audit_file(
    input: &Input,
    cfg: &AuditConfig,
    catalog: &Catalog,
    tags: &ServiceTags,
) -> FileReport {
    let mut facts = FactsBuilder::with_limits(FactsLimits {
        record_bytes: cfg.pipeline.record_bytes,
        memory_bytes: cfg.pipeline.spool_bytes,
    });
    // The facts read of a hello only its SNI, versions, suites and JA4 (`AuditFlow`): the
    // other lists and fingerprints `flows` prints are not extracted.
    let pipeline = PipelineConfig {
        tls: Extract {
            hello_details: false,
        },
        ..cfg.pipeline.clone()
    };
    let mut stats = pipeline::analyze(input, &pipeline, &mut |mut f| facts.add_taking(&mut f));
    let mut facts = facts.finish();
    // The host components an ETL file describes, by id, for findings that name where a
    // packet was dropped: "what it is (driver)", e.g. "TCP/IPv4 - L3/L4 (tcpip.sys)".
    facts.host_components = stats
        .capture
        .components
        .iter()
        .map(|c| {
            let name = match (c.description.is_empty(), c.name.is_empty()) {
                (false, false) => format!("{} ({})", c.description, c.name),
                (false, true) => c.description.clone(),
                (true, _) => c.name.clone(),
            };
            (u32::from(c.id), name)
        })
        .filter(|(_, name)| !name.is_empty())
        .collect();
    // What the facts stage left out to stay bounded is the file's to report.
    stats.records = facts.dropped.clone();
    let file = input.to_string();
    let (mut audit, unjudged) =
        match classify::audit_capture_owned(&file, facts, &cfg.given, catalog, tags) {
            Ok(audit) => (audit, false),
            Err(e) => {
                // The records a large capture put in a temporary file could not be read
                // back: the file's error, and no verdict (never a partial one).
                stats.error = Some(format!(
                    "{file}: cannot read back the audit's temporary file: {e}"
                ));
                (
                    classify::audit_nothing(&file, &cfg.given, catalog, tags),
                    true,
                )
            }
        };
    if unjudged || (stats.error.is_some() && stats.capture.frames == 0) {
        // Not read at all: nothing was judged, so nothing is said (the report prints
        // "not read" instead of a verdict, and coverage leaves the file out).
        audit.coverage.clear();
        audit.findings.clear();
    }
    for f in &mut audit.findings {
        f.suppressed = suppressed(f, &cfg.suppress);
    }
    let from_path = cfg
        .host_from
        .as_ref()
        .and_then(|re| Some((host_from_path(re, &file)?, re.as_str())));
    let host = classify::host::identify(&file, from_path, &stats.capture, &audit.arc_clients);
    let mut report = FileReport {
        file,
        host,
        stats,
        audit,
        cells: FileCells::default(),
    };
    report.cells = FileCells::of(&report.audit, report.not_read().is_some(), &|id| {
        catalog.entries().iter().position(|e| e.id == id)
    });
    report
}

/// The catalog a report was made with, as `arcaudit merge` compares it: its sources and
/// the first 16 hex digits of a SHA-256 over its entries (a user catalog changed in place
/// keeps its name, not its digest).
fn catalog_version(catalog: &Catalog) -> String {
    use sha2::Digest;
    let entries = serde_json::to_vec(catalog.entries()).unwrap_or_default();
    let digest = sha2::Sha256::digest(&entries);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{} sha256:{hex}", catalog.sources().join(" + "))
}

/// Runs the audit and builds the report.
pub fn run(cfg: &AuditConfig) -> anyhow::Result<Report> {
    let catalog = Catalog::with_user_file(cfg.catalog.as_deref(), cfg.catalog_mode)?;
    let (tags, mut tag_status) = load_tags(cfg)?;
    let files: Vec<FileReport> = cfg
        .inputs
        .par_iter()
        .map(|input| audit_file(input, cfg, &catalog, &tags))
        .collect();
    snapshot_age_notes(&mut tag_status, &files);
    Ok(Report::new(
        cfg.given.clone(),
        cfg.fail_on,
        catalog.sources().to_vec(),
        catalog_version(&catalog),
        tag_status,
        files,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Severity;
    use crate::report::model::AuditOutcome;

    fn config(inputs: Vec<PathBuf>, fail_on: FailOn) -> AuditConfig {
        AuditConfig {
            inputs: inputs.into_iter().map(Input::Path).collect(),
            given: Given::default(),
            service_tags: Vec::new(),
            catalog: None,
            catalog_mode: CatalogMode::Extend,
            pipeline: PipelineConfig::default(),
            fail_on,
            suppress: Vec::new(),
            host_from: None,
        }
    }

    fn sample(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name)
    }

    #[test]
    fn the_outcome_follows_fail_on_and_an_unreadable_input_wins() {
        let drop = sample("fw-drop.pcap");
        let report = run(&config(vec![drop.clone()], FailOn::Severity(Severity::Low))).unwrap();
        assert!(report.totals.findings > 0);
        assert_eq!(report.outcome(), AuditOutcome::Findings);
        let report = run(&config(vec![drop.clone()], FailOn::Never)).unwrap();
        assert_eq!(report.outcome(), AuditOutcome::Clean);

        // The same capture cut short: its findings still count, but the input error wins.
        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("cut.pcap");
        let bytes = std::fs::read(&drop).unwrap();
        std::fs::write(&cut, &bytes[..bytes.len() - 7]).unwrap();
        let report = run(&config(vec![drop, cut], FailOn::Severity(Severity::Low))).unwrap();
        assert_eq!(report.totals.files_with_errors, 1);
        assert_eq!(report.outcome(), AuditOutcome::InputError);
    }

    /// An audit whose records all went through the temporary file (no memory for them at
    /// all) says what the audit held in memory says, over every sample as one run.
    #[test]
    fn spilled_records_give_the_same_report() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut kept = config(Vec::new(), FailOn::Never);
        kept.inputs =
            crate::pipeline::discover_inputs(&[dir.display().to_string()], &[]).expect("samples/");
        let mut spilled = kept.clone();
        spilled.pipeline.spool_bytes = 0;
        let json = |cfg: &AuditConfig| {
            let report = run(cfg).expect("audit");
            assert!(report.files.len() > 10, "{} files", report.files.len());
            let verdicts: Vec<_> = report
                .files
                .iter()
                .map(|f| f.audit.flows.to_vec().expect("read back"))
                .collect();
            (
                serde_json::to_string(&report).expect("json"),
                serde_json::to_string(&verdicts).expect("json"),
            )
        };
        assert_eq!(json(&kept), json(&spilled));
    }

    #[test]
    fn host_from_takes_the_first_group_that_matched_else_the_whole_match() {
        let re = regex::Regex::new(r"^(?:a/(\w+)|b/(\w+))").unwrap();
        assert_eq!(host_from_path(&re, "b/srv1/x.pcap"), Some("srv1"));
        let re = regex::Regex::new(r"srv\d+").unwrap();
        assert_eq!(host_from_path(&re, "day1/srv12.pcap"), Some("srv12"));
        assert_eq!(host_from_path(&re, "day1/web.pcap"), None);
    }
}
