//! Matching host names against the compiled catalog: one hash lookup on a name's last two
//! labels turns most names away, and the few globs of that domain decide the rest. Loading
//! and compiling the globs is the parent module's job; this one only reads them.

use globset::{Candidate, GlobSet};
use serde::Serialize;

use super::{Catalog, Endpoint};
use crate::model::Cloud;
use crate::model::hostmatch::{HostPattern, write_candidate};

/// An entry that matched a name.
#[derive(Debug, Clone, Serialize)]
pub struct HostMatch<'a> {
    /// Position of the entry in [`Catalog::entries`].
    pub index: usize,
    pub entry: &'a Endpoint,
    /// The host pattern or region form that matched.
    pub pattern: &'a HostPattern,
    /// The region the name carries, when the matching pattern has a `<region>` placeholder.
    pub region: Option<String>,
}

/// The compiled globs of one domain suffix.
#[derive(Debug, Clone)]
pub(super) struct SuffixGroup {
    pub(super) globs: GlobSet,
    /// For each glob of `globs`: the patterns (indices into `Catalog::patterns`) it stands for;
    /// entries repeated across clouds and profiles share one glob.
    pub(super) patterns: Vec<Vec<usize>>,
}

impl Catalog {
    /// Entries whose host pattern matches `name` (SNI, CONNECT authority without the port, Host
    /// header without the port, DNS name), in catalog order, one per entry. Case-insensitive;
    /// one trailing dot is ignored. When several patterns of an entry match, the one that names
    /// a region wins, so `westeurope.his.arc.azure.com` reports `westeurope`.
    pub fn match_host(&self, name: &str) -> Vec<HostMatch<'_>> {
        let mut scratch = MatchScratch::default();
        let mut out = Vec::new();
        self.match_host_with(name, &mut scratch, &mut out);
        out
    }

    /// [`Catalog::match_host`] reusing caller-owned buffers, for hot loops: after the first call
    /// it allocates only for a region string.
    pub fn match_host_with<'a>(
        &'a self,
        name: &str,
        scratch: &mut MatchScratch,
        out: &mut Vec<HostMatch<'a>>,
    ) {
        out.clear();
        if !write_candidate(name, &mut scratch.candidate) {
            return;
        }
        let cand_str = scratch.candidate.as_str();
        let key = match cand_str.rmatch_indices('/').nth(1) {
            Some((i, _)) => cand_str.get(i + 1..).unwrap_or(""),
            None => cand_str,
        };
        let Some(group) = self.groups.get(key) else {
            return;
        };
        let cand = Candidate::new(cand_str);
        group
            .globs
            .matches_candidate_into(&cand, &mut scratch.globs);
        scratch.hits.clear();
        for &g in &scratch.globs {
            if let Some(p) = group.patterns.get(g) {
                scratch.hits.extend_from_slice(p);
            }
        }
        // Pattern order is entry order, so sorted hits give entries in catalog order.
        scratch.hits.sort_unstable();
        for &hit in &scratch.hits {
            let (Some(&index), Some(pattern)) = (self.owners.get(hit), self.patterns.get(hit))
            else {
                continue;
            };
            let Ok(region) = pattern.accepts(cand_str) else {
                continue;
            };
            match out.last_mut() {
                Some(prev) if prev.index == index => {
                    if prev.region.is_none() && region.is_some() {
                        prev.region = region;
                        prev.pattern = pattern;
                    }
                }
                _ => {
                    if let Some(entry) = self.file.entries.get(index) {
                        out.push(HostMatch {
                            index,
                            entry,
                            pattern,
                            region,
                        });
                    }
                }
            }
        }
    }

    /// Whether any entry matches `name`.
    pub fn is_known_host(&self, name: &str) -> bool {
        !self.match_host(name).is_empty()
    }
}

impl Endpoint {
    /// Whether `published`, a tag name as a service-tag file writes it, is one of the tags
    /// this endpoint's addresses are expected in ([`Endpoint::expected_tags`]) or a regional
    /// form of one.
    pub fn expects_tag(&self, published: &str) -> bool {
        self.expected_tags().any(|t| tag_covers(t, published))
    }
}

impl Catalog {
    /// Whether an address in tag `published` of `file_cloud`'s service-tag file is where
    /// `entry` is expected: one of its expected tags in its own cloud's file, or a tag a
    /// service-tag requirement sends the entry's cloud to another cloud's file for (Azure
    /// Government and 21Vianet machines need the public `AzureArcInfrastructure`), when the
    /// entry expects that tag.
    pub fn expects_tag_in(&self, entry: &Endpoint, published: &str, file_cloud: Cloud) -> bool {
        if file_cloud == entry.cloud {
            return entry.expects_tag(published);
        }
        self.service_tag_requirements().iter().any(|r| {
            r.tag_cloud == Some(file_cloud)
                && r.clouds.contains(&entry.cloud)
                && tag_covers(&r.tag, published)
                && entry
                    .expected_tags()
                    .any(|t| t.eq_ignore_ascii_case(&r.tag))
        })
    }
}

/// Whether `published` (a tag name as a service-tag file writes it) is `tag` or one of its
/// regional forms (`AzureArcInfrastructure.WestEurope` for `AzureArcInfrastructure`), ASCII
/// case ignored. `AzureArcInfrastructureX` is not covered, and a broad tag never covers a
/// narrower one (`AzureCloud` does not cover `Storage`: whether an address is in both is the
/// service-tag file's answer, not a name rule).
pub(crate) fn tag_covers(tag: &str, published: &str) -> bool {
    if published.eq_ignore_ascii_case(tag) {
        return true;
    }
    published.len() > tag.len()
        && published
            .get(..tag.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(tag))
        && published.as_bytes().get(tag.len()) == Some(&b'.')
}

/// Reusable buffers for [`Catalog::match_host_with`].
#[derive(Debug, Default)]
pub struct MatchScratch {
    candidate: String,
    globs: Vec<usize>,
    hits: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::super::tests::ids;
    use super::*;

    fn regions(cat: &Catalog, name: &str) -> Vec<Option<String>> {
        cat.match_host(name).into_iter().map(|m| m.region).collect()
    }

    #[test]
    fn tag_covers_itself_and_regional_forms_only() {
        assert!(tag_covers(
            "AzureArcInfrastructure",
            "AzureArcInfrastructure"
        ));
        assert!(tag_covers(
            "AzureArcInfrastructure",
            "azurearcinfrastructure.WestEurope"
        ));
        assert!(!tag_covers(
            "AzureArcInfrastructure",
            "AzureArcInfrastructureX"
        ));
        assert!(!tag_covers("AzureCloud", "AzureArcInfrastructure"));
        assert!(!tag_covers("Storage", "Stor"));
        assert!(tag_covers(
            "AzureFrontDoor.Frontend",
            "AzureFrontDoor.Frontend"
        ));
        assert!(!tag_covers("AzureFrontDoor.Frontend", "AzureFrontDoor"));
    }

    #[test]
    fn expected_tags_are_the_pages_then_the_services_own() {
        let cat = Catalog::builtin();
        let gas = cat.entry("public.guestconfig").unwrap();
        assert_eq!(
            gas.expected_tags().collect::<Vec<_>>(),
            ["AzureArcInfrastructure", "GuestAndHybridManagement"]
        );
        assert!(gas.expects_tag("GuestAndHybridManagement"));
        assert!(gas.expects_tag("AzureArcInfrastructure.WestEurope"));
        assert!(!gas.expects_tag("AzureCloud"));
        let sb = cat.entry("public.gns-servicebus").unwrap();
        assert!(sb.expects_tag("ServiceBus.WestEurope"));
        // ARM lives in its own tag: a Storage address for it stays unexpected.
        let arm = cat.entry("public.arm").unwrap();
        assert_eq!(
            arm.expected_tags().collect::<Vec<_>>(),
            ["AzureResourceManager"]
        );
        assert!(!arm.expects_tag("Storage"));
        // Azure Government machines need the public AzureArcInfrastructure as well, and
        // nothing else from the public file.
        let his = cat.entry("usgov.his").unwrap();
        assert!(cat.expects_tag_in(his, "AzureArcInfrastructure", Cloud::Public));
        assert!(cat.expects_tag_in(his, "AzureArcInfrastructure.USGovVirginia", Cloud::UsGov));
        let login = cat.entry("usgov.login").unwrap();
        assert!(!cat.expects_tag_in(login, "AzureActiveDirectory", Cloud::Public));
        assert!(cat.expects_tag_in(login, "AzureActiveDirectory", Cloud::UsGov));
        assert!(!cat.expects_tag_in(gas, "GuestAndHybridManagement", Cloud::China));
        // Content-network names expect nothing: their addresses are not judged.
        let dl = cat.entry("public.download").unwrap();
        assert_eq!(dl.expected_tags().count(), 0);
    }

    #[test]
    fn exact_names_match_case_and_trailing_dot_insensitively() {
        let cat = Catalog::builtin();
        assert_eq!(
            ids(cat, "management.azure.com"),
            ["public.arm", "esu.public.arm"]
        );
        assert_eq!(
            ids(cat, "MANAGEMENT.Azure.COM."),
            ["public.arm", "esu.public.arm"]
        );
        assert_eq!(ids(cat, "pasff.usgovcloudapi.net"), ["usgov.pas"]);
        assert_eq!(ids(cat, "download.microsoft.com").len(), 5);
        assert!(ids(cat, "management.azure.com..").is_empty());
        assert!(ids(cat, "xmanagement.azure.com").is_empty());
        assert!(ids(cat, "management.azure.co").is_empty());
        assert!(ids(cat, "a.management.azure.com").is_empty());
    }

    #[test]
    fn leading_wildcards_need_a_label_and_a_dot() {
        let cat = Catalog::builtin();
        assert_eq!(
            ids(cat, "gbl.his.arc.azure.com"),
            ["public.his", "esu.public.his"]
        );
        assert_eq!(
            ids(cat, "a.b.his.arc.azure.com"),
            ["public.his", "esu.public.his"]
        );
        assert!(ids(cat, "his.arc.azure.com").is_empty());
        assert!(ids(cat, "xhis.arc.azure.com").is_empty());
        assert!(ids(cat, "his.arc.azure.com.evil.example").is_empty());
        assert!(ids(cat, "westeurope.his.arc.azure.com.evil.example").is_empty());
        assert!(ids(cat, "evil-his.arc.azure.com").is_empty());
        assert_eq!(
            ids(cat, "autologon.login.microsoft.com"),
            ["public.login-wildcard", "esu.public.login-wildcard"]
        );
        assert!(ids(cat, "login.microsoft.com").is_empty());
        assert_eq!(
            ids(cat, "x.blob.core.usgovcloudapi.net"),
            ["usgov.blob", "esu.usgov.blob"]
        );
        assert_eq!(
            ids(cat, "guestnotificationservice.azure.com"),
            ["public.gns"]
        );
        assert_eq!(
            ids(cat, "weu.guestnotificationservice.azure.com"),
            ["public.gns"]
        );
    }

    #[test]
    fn infix_wildcards_stay_inside_their_label() {
        let cat = Catalog::builtin();
        assert_eq!(
            ids(cat, "azgn-westeurope-1.servicebus.chinacloudapi.cn"),
            ["china.gns-servicebus", "china.servicebus-ssh-wac"]
        );
        // Without the azgn prefix only the SSH/WAC wildcard row applies.
        assert_eq!(
            ids(cat, "relay1.servicebus.chinacloudapi.cn"),
            ["china.servicebus-ssh-wac"]
        );
        assert_eq!(
            ids(cat, "azgnfoo.servicebus.windows.net"),
            ["public.gns-servicebus", "public.servicebus-ssh-wac"]
        );
        assert!(ids(cat, "azgn.x.servicebus.example.net").is_empty());
        assert!(ids(cat, "servicebus.windows.net").is_empty());
    }

    #[test]
    fn regions_are_extracted() {
        let cat = Catalog::builtin();
        assert_eq!(
            regions(cat, "westeurope.his.arc.azure.com"),
            [
                Some("westeurope".to_string()),
                Some("westeurope".to_string())
            ]
        );
        assert_eq!(
            regions(cat, "gbl.his.arc.azure.com"),
            [Some("gbl".to_string()), Some("gbl".to_string())]
        );
        assert_eq!(regions(cat, "a.b.his.arc.azure.com"), [None, None]);
        assert_eq!(
            regions(cat, "WestEurope-gas.GuestConfiguration.azure.com"),
            [
                Some("westeurope".to_string()),
                Some("westeurope".to_string())
            ]
        );
        assert_eq!(
            regions(cat, "agentserviceapi.guestconfiguration.azure.com"),
            [None, None]
        );
        assert_eq!(
            ids(cat, "telemetry.eastus.arcdataservices.com"),
            ["public.sql-dataservices", "esu.public.sql-dataservices"]
        );
        assert_eq!(
            regions(cat, "telemetry.eastus.arcdataservices.com"),
            [Some("eastus".to_string()), Some("eastus".to_string())]
        );
        assert_eq!(
            regions(cat, "eastus.arcdataservices.com"),
            [Some("eastus".to_string()), Some("eastus".to_string())]
        );
        assert_eq!(
            regions(cat, "x.usgovvirginia.arcdataservices.azure.us"),
            [Some("usgovvirginia".to_string())]
        );
        assert!(ids(cat, "arcdataservices.com").is_empty());
        assert!(
            ids(cat, "x.east-us.arcdataservices.com").is_empty(),
            "a hyphen is not in any region name"
        );
        let m = cat.match_host("san-af-westus2-prod.azurewebsites.net");
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].entry.id.as_str(), m[0].region.as_deref()),
            ("public.sql-legacy-san-af", Some("westus2"))
        );
        assert!(cat.match_host("san-af--prod.azurewebsites.net").is_empty());
        assert!(
            cat.match_host("san-af-west-us-prod.azurewebsites.net")
                .is_empty()
        );
    }

    #[test]
    fn placeholders_scheme_and_path() {
        let cat = Catalog::builtin();
        let m = cat.match_host("contoso-kv.vault.azure.net");
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].entry.id.as_str(), m[0].pattern.scheme.as_deref()),
            ("public.sql-entra", Some("https"))
        );
        assert_eq!(ids(cat, "graph.microsoft.com"), ["public.sql-entra"]);
        let m = cat.match_host("www.microsoft.com");
        assert_eq!(m.len(), 4);
        assert!(
            m.iter()
                .all(|m| m.pattern.path.as_deref() == Some("/pkiops/certs")
                    && m.entry.ports == [80, 443])
        );
        assert!(cat.match_host("vault.azure.net").is_empty());
    }

    #[test]
    fn garbage_names_match_nothing() {
        let cat = Catalog::builtin();
        for n in [
            "",
            ".",
            "*",
            "*.his.arc.azure.com",
            "10.1.2.3",
            "::1",
            "management.azure.com:443",
            "gbl.his.arc.azure.com/x",
            "gbl his.arc.azure.com",
            &"a.".repeat(200),
        ] {
            assert!(cat.match_host(n).is_empty(), "{n:?}");
        }
    }
}
