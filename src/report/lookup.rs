//! Renders the answer of `arcaudit lookup`: per item typed, the catalog entries a name
//! matches or the service tags an address lies in, as text or as one JSON document
//! ([`LookupView`]). Also the note, for stderr, that says the built-in snapshot was used and
//! where to get the files. Matching is the command's; this module only writes.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::common::{columns, when_text};
use crate::model::{HostMatch, SERVICE_TAG_DOWNLOADS, TagFileInfo};

/// Output format of `arcaudit lookup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LookupFormat {
    #[default]
    Table,
    Json,
}

/// What an item typed turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Name,
    Address,
    Invalid,
}

/// A catalog entry a name matched, with the pattern that matched it.
#[derive(Serialize)]
pub struct EntryHit<'a> {
    pub id: &'a str,
    pub cloud: &'a str,
    pub profile: &'a str,
    pub pattern: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub when: String,
    pub private_link: &'a str,
    pub ports: &'a [u16],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_tls: Option<&'a str>,
    pub service_tags: &'a [String],
    pub purpose: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_after: Option<&'a str>,
}

/// The entry as the answer shows it ("when" spelled out for a reader).
impl<'a> From<HostMatch<'a>> for EntryHit<'a> {
    fn from(m: HostMatch<'a>) -> Self {
        let e = m.entry;
        EntryHit {
            id: &e.id,
            cloud: e.cloud.as_str(),
            profile: e.profile.as_str(),
            pattern: &m.pattern.raw,
            path: m.pattern.path.as_deref(),
            region: m.region,
            when: when_text(e.when, &e.features),
            private_link: e.private_link.as_str(),
            ports: &e.ports,
            min_tls: e.min_tls.as_deref(),
            service_tags: &e.service_tags,
            purpose: &e.purpose,
            retired_after: e.retired_after.as_deref(),
        }
    }
}

/// A service tag whose ranges hold an address.
#[derive(Serialize)]
pub struct TagHit<'a> {
    pub tag: &'a str,
    pub cloud: &'a str,
    /// Set when the Arc network requirements ask for this tag: when it is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arc_requirement: Option<String>,
}

/// The answer for one item, as typed.
#[derive(Serialize)]
pub struct ItemResult<'a> {
    pub item: &'a str,
    pub kind: ItemKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<EntryHit<'a>>,
    /// `None` for names and when address checks were skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tags: Option<Vec<TagHit<'a>>>,
}

/// The whole answer: the files it was checked against and one result per item;
/// `--format json` prints it as is.
#[derive(Serialize)]
pub struct LookupView<'a> {
    pub catalog_sources: &'a [String],
    pub service_tag_files: &'a [TagFileInfo],
    #[serde(skip_serializing_if = "<[TagFileInfo]>::is_empty")]
    pub superseded_service_tag_files: &'a [TagFileInfo],
    pub address_checks_skipped: bool,
    /// Where the ranges came from; absent when no address was asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tag_source: Option<crate::report::model::TagSource>,
    pub results: Vec<ItemResult<'a>>,
}

/// Writes `view` in `format`.
pub fn render(view: &LookupView<'_>, format: LookupFormat, out: &mut dyn Write) -> io::Result<()> {
    let text = match format {
        LookupFormat::Json => {
            let mut s = serde_json::to_string_pretty(view).map_err(io::Error::other)?;
            s.push('\n');
            s
        }
        LookupFormat::Table => {
            // Catalog and service-tag files are as untrusted as captures: every id,
            // purpose, cloud and path they carry is escaped before it reaches a terminal.
            super::escape_lines(&table(view))
        }
    };
    out.write_all(text.as_bytes())
}

/// For stderr, when addresses were checked against the snapshot compiled in: that no file
/// was found, each cloud's publication date, and where to get current files;
/// `search_dirs` are the folders searched for `ServiceTags_*.json`.
pub fn snapshot_note(search_dirs: &[PathBuf]) -> String {
    super::escape_lines(&snapshot_note_raw(search_dirs))
}

fn snapshot_note_raw(search_dirs: &[PathBuf]) -> String {
    let dirs: Vec<String> = search_dirs
        .iter()
        .map(|d| format!("'{}'", d.display()))
        .collect();
    let editions: Vec<String> = crate::model::tag_snapshot::editions()
        .map(|(cloud, date)| format!("{cloud} published {date}"))
        .collect();
    let mut msg = format!(
        "service tags: no file was given (--service-tags FILE) and no ServiceTags_*.json was found in {}; using the built-in snapshot ({}).\n\
         Microsoft publishes the ranges weekly; for current ranges download the file for your cloud and pass it with --service-tags:\n",
        if dirs.is_empty() {
            "any search folder".to_string()
        } else {
            dirs.join(", ")
        },
        editions.join(", ")
    );
    for (cloud, url) in SERVICE_TAG_DOWNLOADS {
        let _ = writeln!(msg, "  {cloud}: {url}");
    }
    msg
}

fn table(v: &LookupView<'_>) -> String {
    let mut s = String::new();
    for f in v.service_tag_files {
        let _ = writeln!(
            s,
            "service tags: {} changeNumber {} ({} tags, {} prefixes) from {}",
            f.cloud,
            f.change_number,
            f.tags,
            f.prefixes,
            f.path.display()
        );
    }
    for f in v.superseded_service_tag_files {
        let _ = writeln!(
            s,
            "service tags: {} changeNumber {} from {} not used (a newer edition was given)",
            f.cloud,
            f.change_number,
            f.path.display()
        );
    }
    for r in &v.results {
        let _ = writeln!(s, "\n{}", r.item);
        match r.kind {
            ItemKind::Invalid => s.push_str("  not a host name or IP address\n"),
            ItemKind::Name if r.entries.is_empty() => {
                s.push_str("  no catalog entry matches this name\n")
            }
            ItemKind::Name => {
                let mut rows = vec![
                    [
                        "  entry",
                        "pattern",
                        "when",
                        "private link",
                        "ports",
                        "min TLS",
                    ]
                    .map(str::to_string)
                    .to_vec(),
                ];
                for e in &r.entries {
                    let mut pattern = e.pattern.to_string();
                    if let Some(reg) = &e.region {
                        let _ = write!(pattern, " (region {reg})");
                    }
                    let mut when = e.when.clone();
                    if let Some(ra) = e.retired_after {
                        let _ = write!(when, " (retired after {ra})");
                    }
                    rows.push(vec![
                        format!("  {}", e.id),
                        pattern,
                        when,
                        e.private_link.to_string(),
                        e.ports
                            .iter()
                            .map(u16::to_string)
                            .collect::<Vec<_>>()
                            .join(","),
                        e.min_tls
                            .map_or_else(|| "-".to_string(), |t| format!("TLS>={t}")),
                    ]);
                }
                s.push_str(&columns(&rows));
                if let Some(p) = r.entries.iter().find_map(|e| e.path) {
                    let _ = writeln!(
                        s,
                        "  only the path {p} is in the catalog; a name match alone does not show the path"
                    );
                }
            }
            ItemKind::Address => match &r.service_tags {
                None => s.push_str("  service tags: not checked (no service-tag file)\n"),
                Some(t) if t.is_empty() => s.push_str("  in no service tag of the loaded files\n"),
                Some(t) => {
                    let header = ["  service tag", "cloud", "Arc requirement"]
                        .map(str::to_string)
                        .to_vec();
                    let rows: Vec<Vec<String>> = std::iter::once(header)
                        .chain(t.iter().map(|h| {
                            vec![
                                format!("  {}", h.tag),
                                h.cloud.to_string(),
                                h.arc_requirement.clone().unwrap_or_else(|| "-".to_string()),
                            ]
                        }))
                        .collect();
                    s.push_str(&columns(&rows));
                }
            },
        }
    }
    s
}
