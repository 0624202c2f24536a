//! `arcaudit lookup NAME|ADDRESS...`: which catalog entries a name belongs to, which service tags
//! an address lies in.
//!
//! Names are matched against the catalog; addresses against the service-tag files given (or
//! found beside the captures and in the working folder). No DNS is resolved: the answer is about
//! exactly what was typed. Without a service-tag file, addresses are checked against the
//! snapshot compiled in, and the user is told its date and where to get current files. The answer is computed here and written by `report::lookup`.

use std::fmt::Write as _;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;

use crate::model::{
    Catalog, CatalogMode, Cloud, ServiceTags, discover_service_tag_files, normalize_host,
};
use crate::report::common::when_text;
use crate::report::lookup::{
    self as render_lookup, EntryHit, ItemKind, ItemResult, LookupFormat, LookupView, TagHit,
    snapshot_note,
};
use crate::report::model::TagSource;
use std::borrow::Cow;

/// What `arcaudit lookup` was asked for.
#[derive(Debug, Clone, Default)]
pub struct LookupConfig {
    /// Host names or IP addresses as typed; `host:port`, `[v6]:port` and URLs are accepted.
    pub items: Vec<String>,
    /// `--service-tags FILE`, repeatable.
    pub service_tags: Vec<PathBuf>,
    /// Where to look for `ServiceTags_*.json` when no `--service-tags` is given (the captures'
    /// folders and the working folder, as the CLI decides).
    pub search_dirs: Vec<PathBuf>,
    pub catalog: Option<PathBuf>,
    pub catalog_mode: CatalogMode,
    pub format: LookupFormat,
}

/// One item, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Name(String),
    Address(IpAddr),
    Invalid,
}

/// Accepts what a support engineer pastes: `name`, `name:443`, `10.0.0.1`, `[2001:db8::1]:443`,
/// `https://name/path`.
fn classify(raw: &str) -> Item {
    let s = raw.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next().unwrap_or(s);
    if let Ok(a) = s.parse::<IpAddr>() {
        return Item::Address(a);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Item::Address(sa.ip());
    }
    let s = match s.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => s,
    };
    if let Ok(a) = s.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Item::Address(a);
    }
    match normalize_host(s) {
        Some(n) => Item::Name(n),
        None => Item::Invalid,
    }
}

/// Runs the lookup. Answers go to `out`; the note about skipped address checks goes to `err`.
pub fn run(cfg: &LookupConfig, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    let catalog = Catalog::with_user_file(cfg.catalog.as_deref(), cfg.catalog_mode)
        .context("loading the endpoint catalog")?;
    let items: Vec<Item> = cfg.items.iter().map(|s| classify(s)).collect();
    let wants_tags = items.iter().any(|i| matches!(i, Item::Address(_)));

    let tag_paths = if !cfg.service_tags.is_empty() {
        cfg.service_tags.clone()
    } else if wants_tags {
        discover_service_tag_files(&cfg.search_dirs)
    } else {
        Vec::new()
    };
    // Without a file, addresses are checked against the snapshot compiled in, and stderr
    // says so (with its dates and where to get current files).
    let builtin = wants_tags && tag_paths.is_empty();
    let tags: Cow<'static, ServiceTags> = if builtin {
        Cow::Borrowed(ServiceTags::embedded().context("loading the built-in service-tag snapshot")?)
    } else if tag_paths.is_empty() {
        Cow::Owned(ServiceTags::empty())
    } else {
        Cow::Owned(ServiceTags::load_all(&tag_paths).context("loading service-tag files")?)
    };
    let skipped = wants_tags && tags.is_empty();
    if builtin {
        err.write_all(snapshot_note(&cfg.search_dirs).as_bytes())
            .context("writing to stderr")?;
    }

    let results: Vec<ItemResult<'_>> = cfg
        .items
        .iter()
        .zip(&items)
        .map(|(raw, item)| match item {
            Item::Name(n) => ItemResult {
                item: raw,
                kind: ItemKind::Name,
                normalized: Some(n.clone()),
                entries: catalog
                    .match_host(n)
                    .into_iter()
                    .map(EntryHit::from)
                    .collect(),
                service_tags: None,
            },
            Item::Address(a) => ItemResult {
                item: raw,
                kind: ItemKind::Address,
                normalized: Some(a.to_string()),
                entries: Vec::new(),
                service_tags: (!skipped).then(|| {
                    tags.lookup_iter(*a)
                        .map(|t| TagHit {
                            tag: t.name,
                            cloud: t.cloud,
                            arc_requirement: requirement_of(&catalog, t.name, t.cloud),
                        })
                        .collect()
                }),
            },
            Item::Invalid => ItemResult {
                item: raw,
                kind: ItemKind::Invalid,
                normalized: None,
                entries: Vec::new(),
                service_tags: None,
            },
        })
        .collect();

    let view = LookupView {
        catalog_sources: catalog.sources(),
        service_tag_files: tags.files(),
        superseded_service_tag_files: tags.superseded(),
        address_checks_skipped: skipped,
        service_tag_source: wants_tags.then_some(if builtin {
            TagSource::BuiltInSnapshot
        } else {
            TagSource::Files
        }),
        results,
    };
    render_lookup::render(&view, cfg.format, out).context("writing the lookup result")
}

/// When the Arc requirements need `tag` from a file of `file_cloud`: `always for public
/// machines and for usgov/china machines from 2025-10-28`. A requirement met from each
/// cloud's own file names only the machines of this file's cloud (usgov machines read the
/// usgov file); a cross-cloud one names the clouds it serves. Requirements with the same
/// "when" are said once.
fn requirement_of(catalog: &Catalog, tag: &str, file_cloud: &str) -> Option<String> {
    let mut by_when: Vec<(String, Vec<String>)> = Vec::new();
    for r in catalog
        .service_tag_requirements()
        .iter()
        .filter(|r| r.tag.eq_ignore_ascii_case(tag))
    {
        let of_file = |c: &&Cloud| c.service_tag_name().eq_ignore_ascii_case(file_cloud);
        let clouds: Vec<&str> = match r.tag_cloud {
            // Cross-cloud requirement: only the named cloud's file carries it.
            Some(c) if of_file(&&c) => r.clouds.iter().map(|c| c.as_str()).collect(),
            Some(_) => continue,
            None => r
                .clouds
                .iter()
                .filter(of_file)
                .map(|c| c.as_str())
                .collect(),
        };
        if clouds.is_empty() {
            continue;
        }
        let mut who = format!("{} machines", clouds.join("/"));
        if let Some(from) = &r.required_from {
            let _ = write!(who, " from {from}");
        }
        let when = when_text(r.when, &r.features);
        match by_when.iter_mut().find(|(w, _)| *w == when) {
            Some((_, whos)) if !whos.contains(&who) => whos.push(who),
            Some(_) => {}
            None => by_when.push((when, vec![who])),
        }
    }
    let reqs: Vec<String> = by_when
        .into_iter()
        .map(|(when, whos)| format!("{when} for {}", whos.join(" and for ")))
        .collect();
    (!reqs.is_empty()).then(|| reqs.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_classified_as_pasted() {
        assert_eq!(
            classify("10.0.0.1"),
            Item::Address("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            classify("10.0.0.1:443"),
            Item::Address("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            classify("[2001:db8::1]:443"),
            Item::Address("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            classify("2001:db8::1"),
            Item::Address("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            classify("Management.Azure.com:443"),
            Item::Name("management.azure.com".into())
        );
        assert_eq!(
            classify("https://www.microsoft.com/pkiops/certs"),
            Item::Name("www.microsoft.com".into())
        );
        assert_eq!(
            classify("gbl.his.arc.azure.com."),
            Item::Name("gbl.his.arc.azure.com".into())
        );
        assert_eq!(classify("not a name"), Item::Invalid);
        assert_eq!(classify(""), Item::Invalid);
        assert_eq!(classify("host:"), Item::Invalid);
    }

    #[test]
    fn names_without_service_tags_need_no_file() {
        let cfg = LookupConfig {
            items: vec![
                "westeurope-gas.guestconfiguration.azure.com".into(),
                "example.com".into(),
                "a b".into(),
            ],
            ..Default::default()
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        run(&cfg, &mut out, &mut err).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(err.is_empty());
        assert!(
            out.contains("public.guestconfig") && out.contains("(region westeurope)"),
            "{out}"
        );
        assert!(out.contains("no catalog entry matches this name"));
        assert!(out.contains("not a host name or IP address"));
    }

    #[test]
    fn addresses_without_a_file_use_the_built_in_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LookupConfig {
            items: vec!["20.38.128.1".into()],
            search_dirs: vec![dir.path().to_path_buf()],
            format: LookupFormat::Json,
            ..Default::default()
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        run(&cfg, &mut out, &mut err).unwrap();
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains("built-in snapshot")
                && err.contains("Public published 2025-10-28")
                && err.contains("id=56519"),
            "{err}"
        );
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["address_checks_skipped"], false);
        assert_eq!(v["service_tag_source"], "built-in-snapshot");
        let tags = v["results"][0]["service_tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t["tag"] == "AzureCloud"), "{tags:?}");
    }

    #[test]
    fn discovered_file_is_used_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ServiceTags_Public_20990101.json"),
            r#"{"changeNumber":9,"cloud":"Public","values":[{"name":"AzureArcInfrastructure","properties":{"addressPrefixes":["10.0.0.0/24"]}},{"name":"AzureCloud","properties":{"addressPrefixes":["10.0.0.0/8"]}}]}"#,
        )
        .unwrap();
        let cfg = LookupConfig {
            items: vec!["10.0.0.7".into(), "10.9.0.1".into(), "192.0.2.1".into()],
            search_dirs: vec![dir.path().to_path_buf()],
            ..Default::default()
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        run(&cfg, &mut out, &mut err).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(err.is_empty());
        assert!(out.contains("service tags: Public changeNumber 9"), "{out}");
        // Column headers, and each requirement said once: public machines read this
        // file's tag, usgov/china machines too since 2025-10-28 (cross-cloud).
        assert!(
            out.contains("  service tag             cloud   Arc requirement\n"),
            "{out}"
        );
        assert!(
            out.contains("AzureArcInfrastructure  Public  always for public machines and for usgov/china machines from 2025-10-28\n"),
            "{out}"
        );
        assert!(out.contains("AzureCloud              Public  -\n"), "{out}");
        assert!(out.contains("in no service tag of the loaded files"));
    }

    #[test]
    fn bad_service_tag_file_is_an_error_naming_file_and_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tags.json");
        std::fs::write(&p, r#"{"changeNumber":1,"cloud":"Public","values":[{"name":"A","properties":{"addressPrefixes":["10.0.0.0/99"]}}]}"#).unwrap();
        let cfg = LookupConfig {
            items: vec!["10.0.0.1".into()],
            service_tags: vec![p],
            ..Default::default()
        };
        let err = run(&cfg, &mut Vec::new(), &mut Vec::new()).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("tags.json: at values[0].properties.addressPrefixes[0]"),
            "{text}"
        );
    }
}
