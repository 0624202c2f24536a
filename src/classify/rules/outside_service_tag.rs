//! `outside-service-tag` (misrouted): an Arc endpoint's name led to a public address that lies
//! in none of the service tags the endpoint is published under.
//!
//! What: with service-tag files loaded, a direct flow attributed by name (SNI, CONNECT
//! authority, Host or DNS; not by address) to a catalog entry that lists service tags went to
//! a public address outside all of them. A tag matches itself and its regional forms
//! (`AzureArcInfrastructure.WestEurope`); for Azure Government and 21Vianet entries the
//! public cloud's `AzureArcInfrastructure` counts as well, as the requirements ask for it.
//! Private addresses and proxies are other rules' business; an entry whose cloud has no tag
//! file loaded is not judged.
//!
//! Why: a firewall that allows the documented service tags will not allow this address, so
//! the connection works only as long as something else lets it through. When the address is
//! in no Azure tag at all, the name did not lead to Microsoft: a DNS override or hijack, or a
//! device answering in the service's place (high). When it is another Azure tag's address,
//! it is Azure, but outside the ranges a tag-based allow-list would open (medium).
//!
//! Example: `login.microsoftonline.com` (tag `AzureActiveDirectory`) reached at 203.0.113.5,
//! which is in no service tag.

use crate::classify::{
    Cx, Family, Finding, FlowView, NameSource, Rule, RuleMeta, Severity, is_private,
};
use crate::model::{Cloud, ServiceTags};
use std::net::IpAddr;

pub struct OutsideServiceTag;

static META: RuleMeta = RuleMeta {
    id: "outside-service-tag",
    family: Family::Misrouted,
    severity: Severity::High,
    summary: "Arc endpoint name led to an address outside the endpoint's service tags",
    why: "A firewall that allows the documented service tags blocks this address; and an address in no Azure tag at all means the name did not lead to Microsoft (DNS override, hijack or an intercepting device).",
    check: "What the name resolves to on the machine and on its DNS servers (compare with a public resolver); if the address is Azure's (another tag), the allow-list needs that range or the URL rule; refresh the service-tag file, ranges change weekly.",
    requirement: "Arc network requirements (2026-04-01): Service tags (allow the listed tags; the full AzureArcInfrastructure range, and the public one for Azure Government and 21Vianet)",
    example: "`login.microsoftonline.com` (tag `AzureActiveDirectory`) reached at 203.0.113.5, which is in no service tag.",
};

/// `name` (as published) is `tag` or one of its regional forms (`tag.Region`).
fn tag_covers(tag: &str, name: &str) -> bool {
    if name.eq_ignore_ascii_case(tag) {
        return true;
    }
    name.len() > tag.len()
        && name
            .get(..tag.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(tag))
        && name.as_bytes().get(tag.len()) == Some(&b'.')
}

/// Whether `ip` lies in one of `tags` for an entry of `cloud`.
fn in_entry_tags(tags: &ServiceTags, ip: IpAddr, cloud: Cloud, entry_tags: &[&str]) -> bool {
    tags.lookup_iter(ip).any(|t| {
        let file_cloud = Cloud::from_service_tag_name(t.cloud);
        entry_tags.iter().any(|tag| {
            tag_covers(tag, t.name)
                && (file_cloud == Some(cloud)
                    // Government and 21Vianet machines need the public AzureArcInfrastructure.
                    || (cloud != Cloud::Public
                        && file_cloud == Some(Cloud::Public)
                        && tag.eq_ignore_ascii_case("AzureArcInfrastructure")))
        })
    })
}

impl Rule for OutsideServiceTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        if cx.tags.is_empty()
            || !v.is_arc()
            || v.to_proxy
            || v.attribution.source == Some(NameSource::ServiceTag)
        {
            return;
        }
        let f = v.flow;
        let ip = f.server.ip();
        if is_private(ip) {
            return;
        }
        let Some(primary) = v.primary() else { return };
        let cloud = primary.cloud;
        if !cx.tags.files().iter().any(|i| i.cloud_id == Some(cloud)) {
            return;
        }
        // Every tag the name's entries of that cloud are published under: a name matched by
        // several rows may use any of them.
        let mut entry_tags: Vec<&str> = v
            .entries(cx)
            .filter(|e| e.cloud == cloud)
            .flat_map(|e| e.service_tags.iter().map(String::as_str))
            .collect();
        entry_tags.sort_unstable();
        entry_tags.dedup();
        if entry_tags.is_empty() || in_entry_tags(cx.tags, ip, cloud, &entry_tags) {
            return;
        }
        let mut address_tags: Vec<&str> = cx.tags.lookup_iter(ip).map(|t| t.name).collect();
        address_tags.dedup();
        let (severity, where_) = if address_tags.is_empty() {
            (
                Severity::High,
                "in no service tag of the loaded files".to_string(),
            )
        } else {
            (
                Severity::Medium,
                format!("in other tags only: {}", address_tags.join(", ")),
            )
        };
        let first = f.attempt_frame();
        let evidence = format!(
            "{} ({}, tags {}) reached at {} (flow from frame {first}); the address is {where_}",
            v.attribution.name.as_deref().unwrap_or("?"),
            primary.id,
            entry_tags.join(", "),
            f.server,
        );
        let explanation = if address_tags.is_empty() {
            "The address is not Microsoft's: the name was resolved or redirected somewhere else."
        } else {
            "The address is Azure's but outside the endpoint's service tags: a tag-based allow-list would block it."
        };
        out.push(
            Finding::new(&META, cx.file, evidence, explanation.to_string())
                .severity(severity)
                .on_flow(v, &[Some(first), v.attribution.dns_frame]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
