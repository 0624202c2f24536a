//! Service-tag lookups against Microsoft's real files in /work/shared/corpus/service-tags, and
//! the corpus truth tables (tshark-derived names and addresses) cross-checked against the model.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arcaudit::model::{Catalog, Cloud, ServiceTags, discover_service_tag_files};

#[path = "common/harness.rs"]
mod harness;

fn corpus() -> PathBuf {
    harness::shared("corpus")
}

fn public(dir: &Path) -> ServiceTags {
    ServiceTags::load(&dir.join("service-tags/ServiceTags_Public_20251028.json")).unwrap()
}

fn names(st: &ServiceTags, ip: &str) -> Vec<String> {
    st.lookup(ip.parse().unwrap())
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

fn public_file_answers_inside_outside_and_ipv6() {
    let dir = corpus();
    let st = public(&dir);
    let f = &st.files()[0];
    assert_eq!(
        (f.cloud.as_str(), f.cloud_id, f.change_number),
        ("Public", Some(Cloud::Public), 375)
    );
    assert_eq!(f.prefixes, 93362);
    // 4.149.98.192/27 is an AzureActiveDirectory prefix in changeNumber 375.
    for ip in ["4.149.98.192", "4.149.98.200", "4.149.98.223"] {
        assert!(
            st.contains(ip.parse().unwrap(), "AzureActiveDirectory"),
            "{ip}"
        );
    }
    assert!(!st.contains("4.149.98.224".parse().unwrap(), "AzureActiveDirectory"));
    // Addresses outside every Azure prefix.
    for ip in [
        "192.0.2.1",
        "10.1.2.3",
        "127.0.0.1",
        "8.8.8.8",
        "2001:db8::1",
        "::1",
    ] {
        assert!(names(&st, ip).is_empty(), "{ip}: {:?}", names(&st, ip));
    }
    // IPv6: 2603:1006:2000::/48 is AzureActiveDirectory.
    let v6 = names(&st, "2603:1006:2000::1234");
    assert!(v6.iter().any(|n| n == "AzureActiveDirectory"), "{v6:?}");
    // Regional tags are indexed alongside the global one.
    let arc = names(&st, "4.210.131.41");
    assert!(
        arc.contains(&"AzureArcInfrastructure".to_string()),
        "{arc:?}"
    );
    assert!(
        arc.contains(&"AzureArcInfrastructure.WestEurope".to_string()),
        "{arc:?}"
    );
    // Output order is sorted by name, so reports are deterministic.
    let sorted: Vec<String> = {
        let mut s = arc.clone();
        s.sort();
        s
    };
    assert_eq!(arc, sorted);
}

fn every_prefix_of_the_public_file_is_found_at_both_ends() {
    let dir = corpus();
    let st = public(&dir);
    let text =
        std::fs::read_to_string(dir.join("service-tags/ServiceTags_Public_20251028.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0usize;
    for value in v["values"].as_array().unwrap() {
        let name = value["name"].as_str().unwrap();
        for p in value["properties"]["addressPrefixes"].as_array().unwrap() {
            let net: ipnet::IpNet = p.as_str().unwrap().parse().unwrap();
            for addr in [net.network(), net.broadcast()] {
                assert!(st.contains(addr, name), "{addr} not in {name} ({net})");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 93362);
}

fn government_and_china_files_load_with_their_cloud() {
    let dir = corpus();
    let files = discover_service_tag_files(&[dir.join("service-tags")]);
    assert_eq!(files.len(), 3, "{files:?}");
    let st = ServiceTags::load_all(&files).unwrap();
    let clouds: BTreeSet<(Option<Cloud>, u64)> = st
        .files()
        .iter()
        .map(|f| (f.cloud_id, f.change_number))
        .collect();
    assert!(clouds.contains(&(Some(Cloud::Public), 375)), "{clouds:?}");
    assert!(clouds.contains(&(Some(Cloud::China), 405)), "{clouds:?}");
    assert!(st.files().iter().any(|f| f.cloud_id == Some(Cloud::UsGov)));
    // Tags of the same name from different clouds stay apart.
    let text =
        std::fs::read_to_string(dir.join("service-tags/ServiceTags_China_20260720.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let china_arc = v["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "AzureArcInfrastructure")
        .and_then(|x| x["properties"]["addressPrefixes"][0].as_str())
        .map(|p| p.parse::<ipnet::IpNet>().unwrap().network());
    if let Some(addr) = china_arc {
        assert!(
            st.contains_in(addr, Cloud::China, "AzureArcInfrastructure"),
            "{addr}"
        );
        assert!(
            st.lookup(addr)
                .iter()
                .all(|t| t.cloud == "China" || t.cloud == "Public" || t.cloud == "AzureGovernment")
        );
    }
}

/// servicetag_ip_matches.tsv was made with changeNumber 376; the corpus holds 375. Every row
/// agrees with 375 as well, so the whole table is checked exactly.
fn truth_service_tag_matches_agree() {
    let dir = corpus();
    let st = public(&dir);
    let text = std::fs::read_to_string(dir.join("truth/servicetag_ip_matches.tsv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.contains("changeNumber 376"), "{header}");
    let mut n = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let ip: IpAddr = cols[0].parse().unwrap();
        let want: BTreeSet<&str> = cols[4].split(',').collect();
        let got: BTreeSet<&str> = st.lookup(ip).into_iter().map(|t| t.name).collect();
        assert_eq!(got, want, "{ip}");
        n += 1;
    }
    assert_eq!(n, 39);
}

/// arc_endpoint_name_matches.tsv lists names seen in the corpus that match an Arc pattern.
fn truth_name_matches_agree() {
    let dir = corpus();
    let cat = Catalog::builtin();
    let text = std::fs::read_to_string(dir.join("truth/arc_endpoint_name_matches.tsv")).unwrap();
    let mut n = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, pattern) = (cols[0], cols[4]);
        let m = cat.match_host(name);
        assert!(!m.is_empty(), "{name}");
        assert!(
            m.iter().all(|m| m.pattern.host == pattern),
            "{name}: {:?}",
            m.iter().map(|m| &m.pattern.host).collect::<Vec<_>>()
        );
        n += 1;
    }
    assert_eq!(n, 4);
    // Names from the corpus that look Microsoft-ish but are not Arc endpoints.
    for name in [
        "login.live.com",
        "edge.microsoft.com",
        "outlook.office.com",
        "js.monitor.azure.com",
        "dc.applicationinsights.microsoft.com",
        "api.microsoftstream.com",
    ] {
        assert!(cat.match_host(name).is_empty(), "{name}");
    }
}

/// Every tag the catalog names (the page's tags of each entry, the services' own, the
/// service-tag requirements, the attributing tags) is a tag of Microsoft's file for the
/// cloud it is named for: a misspelt tag would silently match no address.
fn catalog_tags_exist_in_the_service_tag_files() {
    let dir = corpus().join("service-tags");
    let names = |file: &str| -> BTreeSet<String> {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x["name"].as_str().map(str::to_string))
            .collect()
    };
    let files = [
        (Cloud::Public, names("ServiceTags_Public_20251028.json")),
        (
            Cloud::UsGov,
            names("ServiceTags_AzureGovernment_20260720.json"),
        ),
        (Cloud::China, names("ServiceTags_China_20260720.json")),
    ];
    let known = |cloud: Cloud, tag: &str| files.iter().any(|(c, n)| *c == cloud && n.contains(tag));
    let cat = Catalog::builtin();
    let mut checked = 0;
    for e in cat.entries() {
        for t in e.expected_tags() {
            assert!(known(e.cloud, t), "{}: {t} is not a {} tag", e.id, e.cloud);
            checked += 1;
        }
    }
    for r in cat.service_tag_requirements() {
        for c in &r.clouds {
            let file_cloud = r.tag_cloud.unwrap_or(*c);
            assert!(known(file_cloud, &r.tag), "{} ({file_cloud})", r.tag);
        }
    }
    for t in cat.attributing_tags() {
        assert!(Cloud::ALL.iter().all(|c| known(*c, t)), "{t}");
    }
    assert!(checked > 40, "{checked}");
}

fn lookups_agree_with_a_per_prefix_length_oracle() {
    use std::collections::HashMap;
    use std::net::{Ipv4Addr, Ipv6Addr};

    let dir = corpus();
    let files = discover_service_tag_files(&[dir.join("service-tags")]);
    let st = ServiceTags::load_all(&files).unwrap();
    let mut by_prefix: HashMap<(u8, IpAddr), Vec<(String, usize)>> = HashMap::new();
    let mut probes: Vec<IpAddr> = Vec::new();
    for (position, info) in st.files().iter().enumerate() {
        let text = std::fs::read_to_string(&info.path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut k = 0usize;
        for value in v["values"].as_array().unwrap() {
            let name = value["name"].as_str().unwrap();
            for p in value["properties"]["addressPrefixes"].as_array().unwrap() {
                let net: ipnet::IpNet = p.as_str().unwrap().parse().unwrap();
                let net = net.trunc();
                by_prefix
                    .entry((net.prefix_len(), net.network()))
                    .or_default()
                    .push((name.to_string(), position));
                k += 1;
                if k.is_multiple_of(10) {
                    let (first, last) = (net.network(), net.broadcast());
                    probes.extend([first, last]);
                    probes.extend(step(first, -1));
                    probes.extend(step(last, 1));
                }
            }
        }
    }
    fn step(a: IpAddr, by: i8) -> Option<IpAddr> {
        Some(match a {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(
                u32::from(a).checked_add_signed(i32::from(by))?,
            )),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(
                u128::from(a).checked_add_signed(i128::from(by))?,
            )),
        })
    }
    assert!(probes.len() > 30_000, "{}", probes.len());
    let mut nonempty = 0;
    for addr in probes {
        let mut want: Vec<(String, usize)> = Vec::new();
        let max_len = if addr.is_ipv4() { 32 } else { 128 };
        for len in 0..=max_len {
            let net = ipnet::IpNet::new(addr, len).unwrap().trunc();
            if let Some(tags) = by_prefix.get(&(len, net.network())) {
                want.extend(tags.iter().cloned());
            }
        }
        want.sort();
        want.dedup();
        let got: Vec<(String, usize)> = st
            .lookup(addr)
            .into_iter()
            .map(|t| {
                let file = st.files().iter().position(|f| f.cloud == t.cloud).unwrap();
                (t.name.to_string(), file)
            })
            .collect();
        assert_eq!(got, want, "{addr}");
        nonempty += usize::from(!got.is_empty());
    }
    assert!(nonempty > 15_000, "{nonempty}");
}

fn main() -> ExitCode {
    let tags = harness::need_shared(&["corpus/service-tags"]);
    let truth = harness::need_shared(&["corpus/service-tags", "corpus/truth"]);
    harness::run(harness::trials![
        tags => [
            public_file_answers_inside_outside_and_ipv6,
            every_prefix_of_the_public_file_is_found_at_both_ends,
            government_and_china_files_load_with_their_cloud,
            catalog_tags_exist_in_the_service_tag_files,
            lookups_agree_with_a_per_prefix_length_oracle,
        ],
        truth => [truth_service_tag_matches_agree, truth_name_matches_agree],
    ])
}
