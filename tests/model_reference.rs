//! The built-in catalog against Microsoft's pages in /work/shared/reference: every row of every
//! endpoint table is parsed here from the markdown and must be in the catalog with the right
//! cloud, when-required and Private Link values, and nothing else may be in it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arcaudit::model::{Catalog, Cloud, Endpoint, Feature, PrivateLink, Profile, When};

#[path = "common/harness.rs"]
mod harness;

fn reference_dir() -> PathBuf {
    harness::shared("reference")
}

/// One table row as the page writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    cloud: Cloud,
    resource: String,
    description: String,
    when: String,
    private_link: Option<String>,
}

impl Row {
    fn hosts(&self) -> Vec<String> {
        self.resource
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|h| h.replace('\\', ""))
            .collect()
    }
}

/// `ms.date: 04/01/2026` -> `2026-04-01`.
fn revision(text: &str) -> String {
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("ms.date:"))
        .expect("front matter has ms.date")
        .trim();
    let parts: Vec<&str> = date.split('/').collect();
    assert_eq!(parts.len(), 3, "{date}");
    format!("{}-{}-{}", parts[2], parts[0], parts[1])
}

fn strip_sup(cell: &str) -> String {
    let mut out = String::new();
    let mut rest = cell;
    while let Some(i) = rest.find("<sup>") {
        out.push_str(&rest[..i]);
        rest = rest[i..]
            .find("</sup>")
            .map_or("", |j| &rest[i + j + "</sup>".len()..]);
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// Every row of every "Agent resource" table, with the cloud of the tab it is under.
fn rows(text: &str) -> Vec<Row> {
    let mut cloud = None;
    let mut in_table = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("#### [") {
            cloud = Some(if l.contains("Azure Government") {
                Cloud::UsGov
            } else if l.contains("21Vianet") {
                Cloud::China
            } else if l.contains("Azure cloud") {
                Cloud::Public
            } else {
                panic!("unknown tab {l}")
            });
            continue;
        }
        if !l.starts_with('|') {
            in_table = false;
            continue;
        }
        if l.contains("Agent resource") {
            in_table = true;
            continue;
        }
        if !in_table || l.starts_with("|--") || l.starts_with("| --") {
            continue;
        }
        let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
        assert!(cells.len() == 3 || cells.len() == 4, "odd row {l}");
        out.push(Row {
            cloud: cloud.expect("table under a cloud tab"),
            resource: strip_sup(cells[0]),
            description: cells[1].to_string(),
            when: strip_sup(cells[2]),
            private_link: cells.get(3).map(|s| s.to_string()),
        });
    }
    out
}

fn expected_when(text: &str) -> (When, BTreeSet<Feature>) {
    let f = |list: &[Feature]| list.iter().copied().collect::<BTreeSet<_>>();
    if text.starts_with("Only at installation time") {
        (When::Installation, f(&[]))
    } else if text == "Always." || text.starts_with("Always, except when you use private endpoints")
    {
        (When::Always, f(&[]))
    } else if text.starts_with("Only when you connect or disconnect") {
        (When::ConnectDisconnect, f(&[]))
    } else if text.starts_with("Optional. Not used in agent versions 1.24+") {
        (When::Optional, f(&[]))
    } else if text.starts_with("If you use SSH or Windows Admin Center") {
        (
            When::Feature,
            f(&[Feature::Ssh, Feature::WindowsAdminCenter]),
        )
    } else if text.starts_with("If you use Windows Admin Center") {
        (When::Feature, f(&[Feature::WindowsAdminCenter]))
    } else if text.starts_with("If you use Azure Arc-enabled SQL Server") {
        (When::Feature, f(&[Feature::SqlServer]))
    } else if text.contains("Extended Security Updates enabled by Azure Arc")
        || text.starts_with(
            "Always for automatic updates or temporarily if you download certificates manually",
        )
    {
        (When::Feature, f(&[Feature::ExtendedSecurityUpdates]))
    } else if text.contains("hotpatching") && text.contains("pay-as-you-go") {
        (When::Feature, f(&[Feature::WindowsServerLicensing]))
    } else if text == "SQL Server Extended Security Updates." {
        (When::Feature, f(&[Feature::SqlServerEsu]))
    } else {
        panic!("when-required text not mapped (a new kind of row?): {text}")
    }
}

fn expected_private_link(row: &Row) -> PrivateLink {
    match row.private_link.as_deref() {
        None if row
            .when
            .starts_with("Always, except when you use private endpoints") =>
        {
            PrivateLink::NotUsedWithPrivateLink
        }
        None => PrivateLink::NotStated,
        Some("Public.") => PrivateLink::Public,
        Some("Private.") => PrivateLink::Private,
        Some(t) if t.starts_with("Public, unless a [resource management private link]") => {
            PrivateLink::PublicUnlessArmPrivateLink
        }
        Some(t)
            if t.starts_with("Not used when a private link is configured")
                || t.starts_with("Not required if you use Azure Private Link") =>
        {
            PrivateLink::NotUsedWithPrivateLink
        }
        Some(t) => panic!("Private Link text not mapped: {t}"),
    }
}

/// Checks every row of `file` against the catalog; returns the ids of the entries found.
fn check_document(cat: &Catalog, file: &Path, profile: Profile) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let rev = revision(&text);
    let rows = rows(&text);
    assert!(!rows.is_empty(), "no table rows in {}", file.display());
    let mut found = Vec::new();
    for row in &rows {
        let hosts = row.hosts();
        assert!(
            !hosts.is_empty(),
            "row without a backticked resource: {row:?}"
        );
        let candidates: Vec<&Endpoint> = cat
            .entries()
            .iter()
            .filter(|e| {
                e.cloud == row.cloud
                    && e.profile == profile
                    && e.hosts == hosts
                    && e.retired_after.is_none()
            })
            .filter(|e| expected_when(&row.when) == (e.when, e.features.iter().copied().collect()))
            .collect();
        assert_eq!(
            candidates.len(),
            1,
            "row {row:?} matches {} entries",
            candidates.len()
        );
        let e = candidates[0];
        assert_eq!(e.resource, row.resource, "{}", e.id);
        assert_eq!(e.private_link, expected_private_link(row), "{}", e.id);
        assert_eq!(e.source.revision, rev, "{}", e.id);
        let ports: &[u16] = if row.description.contains("TCP 80") {
            &[80, 443]
        } else {
            &[443]
        };
        assert_eq!(e.ports, ports, "{}", e.id);
        let tls_only_12 =
            row.description.contains("1.2 or 1.3 only") || row.resource.contains("arcdataservices");
        assert_eq!(
            e.min_tls.as_deref(),
            tls_only_12.then_some("1.2"),
            "{}",
            e.id
        );
        // Every pattern of the row matches a concrete name of its shape, and so finds the entry.
        for h in &hosts {
            let host = h.trim_start_matches("https://").split('/').next().unwrap();
            let concrete = host
                .replace("<region>", "westeurope")
                .replace("<azure-keyvault-name>", "contoso")
                .replace('*', "x1");
            let matches = cat.match_host(&concrete);
            assert!(
                matches.iter().any(|m| m.entry.id == e.id),
                "{concrete} does not find {}",
                e.id
            );
            if host.contains("<region>") {
                let m = matches.iter().find(|m| m.entry.id == e.id).unwrap();
                assert_eq!(m.region.as_deref(), Some("westeurope"), "{concrete}");
            }
        }
        found.push(e.id.clone());
    }
    found
}

fn every_table_row_is_in_the_catalog_and_nothing_else() {
    let dir = reference_dir();
    let cat = Catalog::builtin();
    let mut found = check_document(
        cat,
        &dir.join("arc-network-requirements-2026-04-01.md"),
        Profile::Standard,
    );
    let esu = check_document(
        cat,
        &dir.join("arc-esu-network-requirements.md"),
        Profile::Esu,
    );
    assert_eq!(found.len(), 41, "rows in the 2026-04-01 tables");
    assert_eq!(esu.len(), 16, "rows in the ESU tables");
    found.extend(esu);
    let unique: BTreeSet<&String> = found.iter().collect();
    assert_eq!(
        unique.len(),
        found.len(),
        "two rows resolved to the same entry"
    );
    // Whatever is not a row must be a retired endpoint the page mentions in prose.
    let page = std::fs::read_to_string(dir.join("arc-network-requirements-2026-04-01.md")).unwrap();
    for e in cat.entries().iter().filter(|e| !unique.contains(&e.id)) {
        assert!(e.retired_after.is_some(), "{} is in no table", e.id);
        for h in &e.hosts {
            assert!(page.contains(h.as_str()), "{h} not mentioned on the page");
        }
    }
    assert_eq!(cat.entries().len(), found.len() + 1);
}

fn seed_revision_has_the_same_rows() {
    let dir = reference_dir();
    let seed =
        rows(&std::fs::read_to_string(dir.join("arc-network-requirements-2026-02-13.md")).unwrap());
    let current =
        rows(&std::fs::read_to_string(dir.join("arc-network-requirements-2026-04-01.md")).unwrap());
    assert_eq!(
        seed, current,
        "the endpoint tables changed between revisions: update the catalog"
    );
}

fn service_tags_and_cipher_suites_match_the_page() {
    let dir = reference_dir();
    let cat = Catalog::builtin();
    let text = std::fs::read_to_string(dir.join("arc-network-requirements-2026-04-01.md")).unwrap();
    let section = text
        .split("### Service tags")
        .nth(1)
        .unwrap()
        .split("For a list of IP")
        .next()
        .unwrap();
    let tags: Vec<&str> = section
        .lines()
        .filter_map(|l| l.trim().strip_prefix("* `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(tags.len(), 7, "{tags:?}");
    for t in &tags {
        let req: Vec<_> = cat
            .service_tag_requirements()
            .iter()
            .filter(|r| r.tag == *t && r.tag_cloud.is_none())
            .collect();
        assert_eq!(req.len(), 1, "{t}");
        assert_eq!(req[0].clouds, Cloud::ALL, "{t}");
    }
    let fd = cat
        .service_tag_requirements()
        .iter()
        .find(|r| r.tag == "AzureFrontDoor.Frontend")
        .unwrap();
    assert_eq!(fd.required_from.as_deref(), Some("2026-04-01"));
    let wac = cat
        .service_tag_requirements()
        .iter()
        .find(|r| r.tag == "WindowsAdminCenter")
        .unwrap();
    assert_eq!(
        (wac.when, wac.features.as_slice()),
        (When::Feature, &[Feature::WindowsAdminCenter][..])
    );
    // The cross-cloud rule from the IMPORTANT box.
    let cross = cat
        .service_tag_requirements()
        .iter()
        .find(|r| r.tag_cloud == Some(Cloud::Public))
        .unwrap();
    assert_eq!(
        (
            cross.tag.as_str(),
            cross.clouds.as_slice(),
            cross.required_from.as_deref()
        ),
        (
            "AzureArcInfrastructure",
            &[Cloud::UsGov, Cloud::China][..],
            Some("2025-10-28")
        )
    );
    assert!(text.contains("After October 28, 2025"));

    let codes: Vec<u16> = text
        .split("(0x")
        .skip(1)
        .filter_map(|s| u16::from_str_radix(s.split(')').next()?, 16).ok())
        .collect();
    let tls = cat.tls().unwrap();
    assert_eq!(
        tls.cipher_suites
            .iter()
            .filter_map(|c| c.code())
            .collect::<Vec<_>>(),
        codes
    );
    assert_eq!(codes, [0x1302, 0x1301, 0xc030, 0xc02f]);
    assert!(
        cat.notes()
            .iter()
            .any(|n| n.id == "log-analytics-gateway-not-a-proxy")
    );
    assert!(text.contains("Log Analytics gateway"));
}

/// src/model/regions/regions.json against the service-tag files it was generated from
/// (src/model/regions/make.py): each cloud's list is named after its file, every region of
/// the file is accepted for its cloud (in the file's own spelling too) except staging
/// regions, and the list holds no region the file does not have.
fn region_list_matches_the_service_tag_files() {
    let dir = harness::shared("corpus/service-tags");
    for cloud in Cloud::ALL {
        let file = arcaudit::model::region_source(cloud).expect("every cloud has a source");
        let path = dir.join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            doc["cloud"].as_str(),
            Some(cloud.service_tag_name()),
            "{file}"
        );
        let mut tag_names: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for v in doc["values"].as_array().expect("values") {
            let region = v["properties"]["region"].as_str().unwrap_or_default();
            if region.is_empty() {
                continue;
            }
            let name = v["name"].as_str().unwrap_or_default();
            let suffix = name.split_once('.').map_or("", |(_, s)| s);
            tag_names
                .entry(region.to_string())
                .or_default()
                .push(suffix.to_string());
        }
        let mut accepted = BTreeSet::new();
        for (region, suffixes) in &tag_names {
            match arcaudit::model::resolve_region(region, Some(cloud)) {
                Ok(name) => {
                    accepted.insert(name);
                }
                Err(e) => {
                    let staging = suffixes.iter().filter(|s| *s != region).all(|s| {
                        let s = s.to_ascii_lowercase();
                        s.ends_with("stg") || s.ends_with("stage")
                    });
                    assert!(staging, "{file}: region {region} refused: {e}");
                }
            }
        }
        let listed: BTreeSet<String> = arcaudit::model::regions(cloud).iter().cloned().collect();
        assert_eq!(
            listed, accepted,
            "{file}: the list and the file's regions differ (regenerate with src/model/regions/make.py)"
        );
    }
}

fn main() -> ExitCode {
    let tags = harness::need_shared(&["corpus/service-tags"]);
    let reference = harness::need_shared(&[
        "reference/arc-network-requirements-2026-04-01.md",
        "reference/arc-network-requirements-2026-02-13.md",
        "reference/arc-esu-network-requirements.md",
    ]);
    harness::run(harness::trials![
        reference => [
            every_table_row_is_in_the_catalog_and_nothing_else,
            seed_revision_has_the_same_rows,
            service_tags_and_cipher_suites_match_the_page,
        ],
        tags => [region_list_matches_the_service_tag_files],
    ])
}
