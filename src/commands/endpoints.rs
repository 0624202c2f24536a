//! `arcaudit endpoints`: print the network model (endpoints, service tags, TLS policy, notes).
//!
//! Takes an [`EndpointsConfig`] built by the CLI, loads the catalog and selects the part of
//! it the user asked for; `report::endpoints` writes it. It decides nothing about traffic.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::model::{Catalog, CatalogMode, Cloud};
use crate::report::endpoints::{self as render_endpoints, EndpointsFormat, EndpointsView};

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

/// Loads the catalog `cfg` names and prints it.
pub fn run(cfg: &EndpointsConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    let catalog = Catalog::with_user_file(cfg.catalog.as_deref(), cfg.catalog_mode)
        .context("loading the endpoint catalog")?;
    render_endpoints::render(&view(&catalog, cfg.cloud), cfg.format, out)
        .context("writing the endpoint list")
}

/// The part of `catalog` (already loaded) that concerns `cloud` (every cloud when `None`).
pub fn view(catalog: &Catalog, cloud: Option<Cloud>) -> EndpointsView<'_> {
    let wanted = |c: Cloud| cloud.is_none_or(|w| w == c);
    EndpointsView {
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
    }
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
