//! `outside-service-tag` (misrouted): an Arc endpoint's name led to a public address that is
//! not Microsoft's (high), or to an Azure address outside the tags the endpoint is expected
//! in (info).
//!
//! What: with service-tag files loaded, a direct flow attributed by name (SNI, CONNECT
//! authority, Host or DNS; not by address) to a catalog entry that expects service tags
//! (the network page's tags plus the service's own, `Endpoint::expected_tags`) went to a
//! public address in none of them. A tag matches itself and its regional forms
//! (`ServiceBus.WestEurope`); for Azure Government and 21Vianet entries the public cloud's
//! `AzureArcInfrastructure` counts as well, as the requirements ask for it. The evidence is
//! graded: an address in no range of the loaded files at all (not even `AzureCloud`, every
//! Azure address of a cloud) is high; an Azure address in other tags is info. Private
//! addresses and proxies are other rules' business; an entry whose cloud has no tag file
//! loaded, or that expects no tag (names served by content networks outside Azure, such as
//! `download.microsoft.com`), is not judged.
//!
//! Why: an Arc name that leads outside Microsoft's ranges was resolved or redirected
//! elsewhere: a DNS override, a stale or hijacked record, or a device answering in the
//! service's place. The agent's tokens and certificates then go to someone else, or the
//! connection works only until that device goes away. An Azure address outside the
//! expected tags is usually a service that moved or a tag file that lags (another Azure
//! resource answering for the name would show in its certificate, which
//! `tls-interception` checks); it matters to a firewall that allows the tags by range
//! instead of by name (or `AzureCloud`), so it is a note for whoever maintains such an
//! allow-list, not a failure.
//!
//! Example: `login.microsoftonline.com` (tag `AzureActiveDirectory`) reached at 203.0.113.5,
//! which is in no service tag.

use crate::classify::{
    Cx, Family, FlowFindings, FlowView, NameSource, Rule, RuleMeta, Severity, is_private,
};
use crate::model::{Cloud, Endpoint};

pub struct OutsideServiceTag;

static META: RuleMeta = RuleMeta {
    id: "outside-service-tag",
    family: Family::Misrouted,
    severity: Severity::High,
    summary: "Arc endpoint name led to an address outside Microsoft's ranges (high), or outside the endpoint's expected service tags (info)",
    why: "An address in no Azure range means the name did not lead to Microsoft (DNS override, stale or hijacked record, an intercepting device); an Azure address outside the expected tags is blocked only by a firewall that allows the tags by range.",
    check: "What the name resolves to on the machine and on its DNS servers (compare with a public resolver), and whether a hosts file, DNS policy or appliance answers for it; for an Azure address outside the expected tags, a range-based allow-list needs that tag (or the URL rule, or AzureCloud). Refresh the service-tag file: ranges change weekly.",
    requirement: "Arc network requirements (2026-04-01): Service tags (allow the listed tags; the full AzureArcInfrastructure range, and the public one for Azure Government and 21Vianet; AzureCloud covers every Azure service)",
    example: "`login.microsoftonline.com` (tag `AzureActiveDirectory`) reached at 203.0.113.5, which is in no service tag.",
};

impl Rule for OutsideServiceTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
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
        // A name matched by several rows (`*.servicebus.windows.net`) may live in the tags
        // of any of them.
        let entries: Vec<&Endpoint> = v.entries(cx).filter(|e| e.cloud == cloud).collect();
        let mut expected: Vec<&str> = entries.iter().flat_map(|e| e.expected_tags()).collect();
        expected.sort_unstable();
        expected.dedup();
        if expected.is_empty() {
            return;
        }
        let mut in_expected = false;
        let mut address_tags: Vec<String> = Vec::new();
        for t in cx.tags.lookup_iter(ip) {
            let Some(file_cloud) = Cloud::from_service_tag_name(t.cloud) else {
                continue;
            };
            if entries
                .iter()
                .any(|e| cx.catalog.expects_tag_in(e, t.name, file_cloud))
            {
                in_expected = true;
                break;
            }
            address_tags.push(if file_cloud == cloud {
                t.name.to_string()
            } else {
                format!("{} ({} file)", t.name, t.cloud)
            });
        }
        if in_expected {
            return;
        }
        address_tags.sort_unstable();
        address_tags.dedup();
        let microsofts = !address_tags.is_empty();
        let (severity, explanation) = if microsofts {
            (
                Severity::Info,
                "The address is Azure's but outside the tags this endpoint is expected in: a firewall that allows those tags by range (rather than the name, or AzureCloud) would block it.",
            )
        } else {
            (
                Severity::High,
                "The address is not Microsoft's: the name was resolved or redirected somewhere else (a DNS override, a stale or hijacked record, or a device answering in the service's place).",
            )
        };
        let first = f.attempt_frame();
        let frames = [Some(first), v.attribution.dns_frame];
        out.add_at(&META, severity, v, &frames, || {
        let where_ = if microsofts {
            format!(
                "Azure's ({}) but in none of the expected tags",
                address_tags.join(", ")
            )
        } else {
            // Name the ranges it was checked against: a file older than the capture may
            // lack a range Azure has added since.
            let files: Vec<String> = cx
                .tags
                .files()
                .iter()
                .map(|i| format!("{} changeNumber {}", i.cloud, i.change_number))
                .collect();
            format!(
                "in no service tag of the loaded files ({}), not even AzureCloud: not Microsoft's",
                files.join(", ")
            )
        };
        let evidence = format!(
            "{} ({}, expected tags {}) reached at {} (flow from frame {first}); the address is {where_}",
            v.attribution.name.as_deref().unwrap_or("?"),
            primary.id,
            expected.join(", "),
            f.server,
        );
        (evidence, explanation.to_string())
        });
    }
}
