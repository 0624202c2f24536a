//! `arcaudit merge`: audit JSON documents (`arcaudit.audit/3`, one per worker's run) and
//! fleet documents (`arcaudit.fleet/1`, so merges compose) into one [`Fleet`]: the same,
//! byte for byte, as one `arcaudit audit --fleet` over all their captures, in whatever
//! order the reports come. It checks what a merge cannot mix (schemas it does not know,
//! one capture in two reports, different catalog or service-tag versions unless the user
//! says which to keep) and leaves the fleet itself to `report::fleet`.

use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::classify::HostIdentity;
use crate::report::fleet::{FLEET_SCHEMA, FileCells, Fleet, HostPart, HostRow, Versions};
use crate::report::model::{AUDIT_SCHEMA, FailOn};

/// What `arcaudit merge` needs, validated by the CLI.
#[derive(Debug, Clone)]
pub struct MergeConfig {
    pub reports: Vec<PathBuf>,
    pub fail_on: FailOn,
    /// `--keep-catalog VERSION`: merge reports of several catalog versions, stating this one.
    pub keep_catalog: Option<String>,
    /// `--keep-service-tags VERSION`: the same for the service-tag versions.
    pub keep_service_tags: Option<String>,
}

/// Why a merge did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A report could not be read or is not a document merge knows (exit 2).
    #[error("{path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    /// The reports cannot be merged as they are (exit 3).
    #[error("{0}")]
    Refused(String),
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    schema: Option<String>,
}

#[derive(Deserialize)]
struct AuditDoc {
    catalog_version: String,
    service_tags_version: String,
    files: Vec<AuditFile>,
}

#[derive(Deserialize)]
struct AuditFile {
    file: String,
    host: HostIdentity,
    #[serde(default)]
    not_read: Option<String>,
    #[serde(default)]
    stats: AuditStats,
    #[serde(flatten)]
    cells: FileCells,
}

#[derive(Deserialize, Default)]
struct AuditStats {
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct FleetDoc {
    catalog: String,
    service_tags: String,
    #[serde(default)]
    notes: Vec<String>,
    hosts: Vec<HostRow>,
}

/// One report, read: its versions, its notes, its parts.
struct Read {
    path: PathBuf,
    catalog: String,
    service_tags: String,
    notes: Vec<String>,
    parts: Vec<HostPart>,
}

fn unreadable(path: &Path, reason: impl std::fmt::Display) -> MergeError {
    MergeError::Unreadable {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn read_report(path: &Path) -> Result<Read, MergeError> {
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, format!("cannot read: {e}")))?;
    let probe: Probe = serde_json::from_slice(&bytes)
        .map_err(|e| unreadable(path, format!("not a JSON report: {e}")))?;
    let schema = probe.schema.unwrap_or_default();
    let parse_err =
        |e: serde_json::Error| unreadable(path, format!("not a valid {schema} document: {e}"));
    if schema == AUDIT_SCHEMA {
        let doc: AuditDoc = serde_json::from_slice(&bytes).map_err(parse_err)?;
        let parts = doc
            .files
            .into_iter()
            .map(|f| HostPart {
                host: f.host,
                identified_by: f.file.clone(),
                files_not_read: usize::from(f.not_read.is_some()),
                files_with_errors: usize::from(f.stats.error.is_some()),
                files: vec![f.file],
                cells: f.cells.cells,
                host_problems: f.cells.host_problems,
            })
            .collect();
        Ok(Read {
            path: path.to_path_buf(),
            catalog: doc.catalog_version,
            service_tags: doc.service_tags_version,
            notes: Vec::new(),
            parts,
        })
    } else if schema == FLEET_SCHEMA {
        let doc: FleetDoc = serde_json::from_slice(&bytes).map_err(parse_err)?;
        Ok(Read {
            path: path.to_path_buf(),
            catalog: doc.catalog,
            service_tags: doc.service_tags,
            notes: doc.notes,
            parts: doc.hosts.into_iter().map(HostPart::of_row).collect(),
        })
    } else {
        Err(unreadable(
            path,
            format!(
                "schema {schema:?} is not one merge reads ({AUDIT_SCHEMA}, from `arcaudit audit --format json`, or {FLEET_SCHEMA})"
            ),
        ))
    }
}

/// The one version of `what` the reports agree on, or the one the user keeps; the
/// captures made with another go into `notes`.
fn settle(
    what: &str,
    option: &str,
    reads: &[Read],
    version: impl Fn(&Read) -> &str,
    keep: Option<&str>,
    notes: &mut BTreeSet<String>,
) -> Result<String, MergeError> {
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for r in reads {
        seen.entry(version(r)).or_insert(&r.path);
    }
    let chosen = match (keep, seen.len()) {
        (None, 0) => return Ok(String::new()),
        (None, 1) => {
            return Ok(seen
                .keys()
                .next()
                .map(|v| v.to_string())
                .unwrap_or_default());
        }
        (None, _) => {
            let mut two = seen.iter();
            let (Some((a, pa)), Some((b, pb))) = (two.next(), two.next()) else {
                return Ok(String::new());
            };
            return Err(MergeError::Refused(format!(
                "the reports were made with different {what} versions: {a:?} ({}) and {b:?} ({}){}; merge them anyway with {option} VERSION, naming the one the fleet report states",
                pa.display(),
                pb.display(),
                if seen.len() > 2 {
                    format!(" and {} more", seen.len() - 2)
                } else {
                    String::new()
                }
            )));
        }
        (Some(k), _) if seen.contains_key(k) => k.to_string(),
        (Some(k), _) => {
            let have: Vec<String> = seen.keys().map(|v| format!("{v:?}")).collect();
            return Err(MergeError::Refused(format!(
                "{option} {k:?}: no report was made with it; they were made with {}",
                have.join(", ")
            )));
        }
    };
    for r in reads.iter().filter(|r| version(r) != chosen) {
        for p in &r.parts {
            for f in &p.files {
                notes.insert(format!(
                    "{f}: audited with {what} {:?}, merged under {chosen:?} ({option})",
                    version(r)
                ));
            }
        }
    }
    Ok(chosen)
}

/// Reads every report and merges them into one fleet.
pub fn run(cfg: &MergeConfig) -> Result<Fleet, MergeError> {
    let reads: Vec<Read> = cfg
        .reports
        .par_iter()
        .map(|p| read_report(p))
        .collect::<Result<_, _>>()?;
    let mut notes: BTreeSet<String> = reads.iter().flat_map(|r| r.notes.iter().cloned()).collect();
    let catalog = settle(
        "catalog",
        "--keep-catalog",
        &reads,
        |r| &r.catalog,
        cfg.keep_catalog.as_deref(),
        &mut notes,
    )?;
    let service_tags = settle(
        "service-tag",
        "--keep-service-tags",
        &reads,
        |r| &r.service_tags,
        cfg.keep_service_tags.as_deref(),
        &mut notes,
    )?;
    // One capture in two reports would count twice: refused, naming both.
    let mut owner: BTreeMap<&str, &Path> = BTreeMap::new();
    for r in &reads {
        for f in r.parts.iter().flat_map(|p| &p.files) {
            if let Some(first) = owner.insert(f, &r.path) {
                return Err(MergeError::Refused(format!(
                    "the capture {f:?} is in two reports, {} and {}: each capture must be merged once",
                    first.display(),
                    r.path.display()
                )));
            }
        }
    }
    let parts = reads.into_iter().flat_map(|r| r.parts).collect();
    Ok(Fleet::build(
        &Versions {
            catalog,
            service_tags,
        },
        cfg.fail_on,
        notes.into_iter().collect(),
        parts,
    ))
}
