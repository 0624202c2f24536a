//! `arcaudit endpoints`: print the network model (endpoints, service tags, TLS policy, notes).
//!
//! Takes an [`EndpointsConfig`] built by the CLI and writes to any writer; it only renders the
//! catalog, it decides nothing.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use serde::Serialize;

use crate::model::{
    Catalog, CatalogMode, Cloud, DocumentInfo, Endpoint, ModelNote, Profile, ServiceTagRequirement,
    TlsPolicy, When,
};

/// Output format of `arcaudit endpoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointsFormat {
    #[default]
    Table,
    Json,
}

/// What `arcaudit endpoints` was asked for.
#[derive(Debug, Clone, Default)]
pub struct EndpointsConfig {
    /// Only this cloud's entries, tags and notes; `None` prints all three.
    pub cloud: Option<Cloud>,
    pub format: EndpointsFormat,
    /// `--catalog FILE`.
    pub catalog: Option<PathBuf>,
    /// Whether `--catalog` replaces or extends the built-in catalog.
    pub catalog_mode: CatalogMode,
}

/// The JSON document `--format json` prints.
#[derive(Serialize)]
struct EndpointsView<'a> {
    catalog_sources: &'a [String],
    cloud: Option<Cloud>,
    documents: &'a [DocumentInfo],
    entries: Vec<&'a Endpoint>,
    service_tags: Vec<&'a ServiceTagRequirement>,
    tls: Option<&'a TlsPolicy>,
    notes: Vec<&'a ModelNote>,
}

/// Loads the catalog `cfg` names and prints it.
pub fn run(cfg: &EndpointsConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    let catalog = Catalog::with_user_file(cfg.catalog.as_deref(), cfg.catalog_mode)
        .context("loading the endpoint catalog")?;
    render(&catalog, cfg.cloud, cfg.format, out)
}

/// Prints `catalog` (already loaded) restricted to `cloud`.
pub fn render(
    catalog: &Catalog,
    cloud: Option<Cloud>,
    format: EndpointsFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let wanted = |c: Cloud| cloud.is_none_or(|w| w == c);
    let view = EndpointsView {
        catalog_sources: catalog.sources(),
        cloud,
        documents: catalog.documents(),
        entries: catalog
            .entries()
            .iter()
            .filter(|e| wanted(e.cloud))
            .collect(),
        service_tags: catalog
            .service_tag_requirements()
            .iter()
            .filter(|t| t.clouds.iter().any(|&c| wanted(c)))
            .collect(),
        tls: catalog.tls(),
        notes: catalog
            .notes()
            .iter()
            .filter(|n| n.clouds.iter().any(|&c| wanted(c)))
            .collect(),
    };
    let text = match format {
        EndpointsFormat::Json => {
            let mut s = serde_json::to_string_pretty(&view)?;
            s.push('\n');
            s
        }
        EndpointsFormat::Table => table(&view),
    };
    out.write_all(text.as_bytes())
        .context("writing the endpoint list")?;
    Ok(())
}

/// "when" as a reader wants it: `feature: ssh, windows-admin-center`.
pub(crate) fn when_text(when: When, features: &[crate::model::Feature]) -> String {
    if features.is_empty() {
        when.as_str().to_string()
    } else {
        let f: Vec<&str> = features.iter().map(|f| f.as_str()).collect();
        format!("{}: {}", when.as_str(), f.join(", "))
    }
}

fn ports_text(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
pub(crate) fn columns(rows: &[Vec<String>]) -> String {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                let w = widths.get(i).copied().unwrap_or(0);
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
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
                if e.service_tags.is_empty() {
                    "-".into()
                } else {
                    e.service_tags.join(",")
                },
            ]);
            notes.extend(e.notes.iter().map(|n| format!("  {}: {n}", e.id)));
        }
        s.push_str(&columns(&rows));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run_to_string(cfg: &EndpointsConfig) -> String {
        let mut out = Vec::new();
        run(cfg, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_lists_every_entry_of_the_cloud() {
        let text = run_to_string(&EndpointsConfig {
            cloud: Some(Cloud::UsGov),
            ..Default::default()
        });
        for e in Catalog::builtin().entries() {
            assert_eq!(
                text.contains(&format!("\n{} ", e.id)),
                e.cloud == Cloud::UsGov,
                "{}",
                e.id
            );
        }
        assert!(text.contains("AzureArcInfrastructure (public file)"));
        assert!(text.contains("0xc02f"));
        assert!(!text.contains("esu-not-in-china"));
    }

    #[test]
    fn json_is_the_catalog_schema_filtered() {
        let text = run_to_string(&EndpointsConfig {
            format: EndpointsFormat::Json,
            ..Default::default()
        });
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["entries"].as_array().map(Vec::len),
            Some(Catalog::builtin().entries().len())
        );
        assert_eq!(v["entries"][0]["id"], "public.download");
        assert_eq!(v["cloud"], serde_json::Value::Null);
        let china = run_to_string(&EndpointsConfig {
            format: EndpointsFormat::Json,
            cloud: Some(Cloud::China),
            ..Default::default()
        });
        let v: serde_json::Value = serde_json::from_str(&china).unwrap();
        assert!(
            v["entries"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["cloud"] == "china")
        );
        // Deterministic: same input, same bytes.
        assert_eq!(
            china,
            run_to_string(&EndpointsConfig {
                format: EndpointsFormat::Json,
                cloud: Some(Cloud::China),
                ..Default::default()
            })
        );
    }

    #[test]
    fn bad_user_catalog_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("org.json");
        std::fs::write(&p, r#"{"schema":1,"entries":[{"id":1}]}"#).unwrap();
        let cfg = EndpointsConfig {
            catalog: Some(p.clone()),
            ..Default::default()
        };
        let err = run(&cfg, &mut Vec::new()).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("org.json: at entries[0].id"), "{text}");
    }
}
