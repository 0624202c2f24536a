//! Renders the Arc network model for `arcaudit endpoints`: the [`EndpointsView`] the command
//! selected from the catalog, as aligned text tables (per profile and cloud, then service
//! tags, TLS policy and notes) or as one JSON document. Chooses nothing: which entries, tags
//! and notes belong to the view is the command's decision.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use super::common::{columns, when_text};
use crate::model::{
    Cloud, DocumentInfo, Endpoint, ModelNote, Profile, ServiceTagRequirement, TlsPolicy,
};

/// Output format of `arcaudit endpoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointsFormat {
    #[default]
    Table,
    Json,
}

/// The part of the catalog `arcaudit endpoints` prints; `--format json` prints it as is.
#[derive(Serialize)]
pub struct EndpointsView<'a> {
    pub catalog_sources: &'a [String],
    /// The cloud asked for; `None` for all of them.
    pub cloud: Option<Cloud>,
    pub documents: &'a [DocumentInfo],
    pub entries: Vec<&'a Endpoint>,
    pub service_tags: Vec<&'a ServiceTagRequirement>,
    pub tls: Option<&'a TlsPolicy>,
    pub notes: Vec<&'a ModelNote>,
}

/// Writes `view` in `format`.
pub fn render(
    view: &EndpointsView<'_>,
    format: EndpointsFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let text = match format {
        EndpointsFormat::Json => {
            let mut s = serde_json::to_string_pretty(view).map_err(io::Error::other)?;
            s.push('\n');
            s
        }
        EndpointsFormat::Table => {
            // Catalog and service-tag files are as untrusted as captures: every id,
            // purpose, cloud and path they carry is escaped before it reaches a terminal.
            super::escape_lines(&table(view))
        }
    };
    out.write_all(text.as_bytes())
}

fn ports_text(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The page's tags, then after `+` the service's own (`AzureArcInfrastructure +
/// GuestAndHybridManagement`); `-` for none.
fn tags_text(e: &Endpoint) -> String {
    let page = e.service_tags.join(",");
    let own = e.service_own_tags.join(",");
    match (page.is_empty(), own.is_empty()) {
        (true, true) => "-".into(),
        (false, true) => page,
        (true, false) => format!("+ {own}"),
        (false, false) => format!("{page} + {own}"),
    }
}

fn table(v: &EndpointsView<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Azure Arc network model ({})",
        v.catalog_sources.join(" + ")
    );
    for d in v.documents {
        let _ = writeln!(s, "  {} revision {}: {}", d.id, d.revision, d.title);
    }
    let groups = [Profile::Standard, Profile::Esu]
        .into_iter()
        .flat_map(|p| Cloud::ALL.into_iter().map(move |c| (p, c)));
    for (profile, cloud) in groups {
        let entries: Vec<&&Endpoint> = v
            .entries
            .iter()
            .filter(|e| e.profile == profile && e.cloud == cloud)
            .collect();
        if entries.is_empty() {
            continue;
        }
        let title = match profile {
            Profile::Standard => "endpoints",
            Profile::Esu => "ESU-only profile",
        };
        let _ = writeln!(s, "\n== {cloud}: {title} ==");
        let mut rows = vec![
            [
                "ID",
                "HOST",
                "WHEN",
                "PRIVATE LINK",
                "PORTS",
                "MIN TLS",
                "SERVICE TAGS",
            ]
            .map(String::from)
            .to_vec(),
        ];
        let mut notes = Vec::new();
        for e in &entries {
            let mut when = when_text(e.when, &e.features);
            if let Some(r) = &e.retired_after {
                let _ = write!(when, " (retired after {r})");
            }
            rows.push(vec![
                e.id.clone(),
                e.hosts.join(" "),
                when,
                e.private_link.as_str().to_string(),
                ports_text(&e.ports),
                e.min_tls.clone().unwrap_or_else(|| "-".into()),
                tags_text(e),
            ]);
            notes.extend(e.notes.iter().map(|n| format!("  {}: {n}", e.id)));
        }
        s.push_str(&columns(&rows));
        if entries.iter().any(|e| !e.service_own_tags.is_empty()) {
            s.push_str(
                "SERVICE TAGS: the page's tags, then after `+` the service's own (note service-own-tags)\n",
            );
        }
        if !notes.is_empty() {
            s.push_str("Notes:\n");
            for n in notes {
                s.push_str(&n);
                s.push('\n');
            }
        }
    }
    if !v.service_tags.is_empty() {
        s.push_str("\n== service tags to allow ==\n");
        let mut rows = vec![
            ["TAG", "FOR CLOUDS", "WHEN", "FROM", "WHY"]
                .map(String::from)
                .to_vec(),
        ];
        for t in &v.service_tags {
            let tag = match t.tag_cloud {
                Some(c) => format!("{} ({c} file)", t.tag),
                None => t.tag.clone(),
            };
            let clouds: Vec<&str> = t.clouds.iter().map(|c| c.as_str()).collect();
            rows.push(vec![
                tag,
                clouds.join(","),
                when_text(t.when, &t.features),
                t.required_from.clone().unwrap_or_else(|| "-".into()),
                t.purpose.clone(),
            ]);
        }
        s.push_str(&columns(&rows));
    }
    if let Some(tls) = v.tls {
        s.push_str("\n== TLS ==\n");
        let _ = writeln!(
            s,
            "recommended versions: {}",
            tls.recommended_versions.join(", ")
        );
        let _ = writeln!(
            s,
            "cipher suites ({} agent {} and later, server preference order):",
            tls.cipher_suites_platform, tls.cipher_suites_from_agent
        );
        for c in &tls.cipher_suites {
            let _ = writeln!(s, "  TLS {}  {}  {}", c.version, c.id, c.name);
        }
        let _ = writeln!(s, "{}", tls.note);
    }
    if !v.notes.is_empty() {
        s.push_str("\n== notes ==\n");
        for n in &v.notes {
            let _ = writeln!(s, "{}: {}", n.id, n.text);
        }
    }
    s
}
