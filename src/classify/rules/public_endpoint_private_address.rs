//! `public-endpoint-private-address` (misrouted): an endpoint that is only reachable over
//! the internet was reached at a private address.
//!
//! What: a flow attributed to an entry whose "private link capable" column says *Public*
//! (Microsoft Entra ID, the notification service, downloads, ...), or *Not used with private
//! link*, or Azure Resource Manager when no private link is in use, went straight (not to a
//! known proxy) to a private, loopback, link-local or carrier-grade NAT address.
//!
//! Why: these services have no private endpoint; a private address for their name means a DNS
//! override, a hosts-file entry or a transparent device on the path answers in their place.
//! At best it relays the traffic (and may inspect it), at worst the agent cannot
//! authenticate or receive notifications at all.
//!
//! Example: DNS answers `login.microsoftonline.com` with 10.9.9.9 in frame 2, ClientHello to
//! 10.9.9.9:443 in frame 6.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity, is_private};
use crate::model::PrivateLink;

pub struct PublicEndpointPrivateAddress;

static META: RuleMeta = RuleMeta {
    id: "public-endpoint-private-address",
    family: Family::Misrouted,
    severity: Severity::Medium,
    summary: "Public-only Arc endpoint reached at a private address (DNS override or transparent device)",
    why: "These endpoints have no private endpoint: a private address for them is a DNS override, a hosts-file entry or an intercepting device answering in the service's place, which may relay, inspect or break the agent's traffic.",
    check: "Where the name resolves on the machine (hosts file, conditional forwarders, split-horizon DNS zones for Microsoft names), and whether a transparent proxy or firewall owns that address; if a private link is meant, only his/guestconfiguration (and ARM with a resource-management private link) go private.",
    requirement: "Arc network requirements (2026-04-01): URLs table, \"Private link capable\" column (Public)",
    example: "DNS answers `login.microsoftonline.com` with 10.9.9.9 in frame 2, ClientHello to 10.9.9.9:443 in frame 6.",
};

/// Whether the entry is reached over the internet in this context.
fn public_only(pl: PrivateLink, private_link: bool) -> bool {
    match pl {
        PrivateLink::Public | PrivateLink::NotUsedWithPrivateLink => true,
        // A resource-management private link is a separate set-up the user does not tell
        // us about; only without any private link is ARM certainly public.
        PrivateLink::PublicUnlessArmPrivateLink => !private_link,
        // Private: the private endpoint is expected; NotStated: the 21Vianet table gives no
        // column, so nothing can be said.
        PrivateLink::Private | PrivateLink::NotStated => false,
    }
}

impl Rule for PublicEndpointPrivateAddress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() || v.to_proxy {
            return;
        }
        let Some(entry) = v.primary() else { return };
        if !public_only(entry.private_link, cx.context.private_link) {
            return;
        }
        let f = v.flow;
        if !is_private(f.server.ip()) {
            return;
        }
        let first = f.attempt_frame();
        out.add(&META, v, &[v.attribution.dns_frame, Some(first)], || {
            let resolved = v
                .attribution
                .dns_frame
                .map(|fr| format!(", as the DNS answer in frame {fr} said"))
                .unwrap_or_default();
            let evidence = format!(
                "{} ({}, private link: {}) reached directly at private address {}{resolved}, flow from frame {first}",
                v.attribution.name.as_deref().unwrap_or("?"),
                entry.id,
                entry.private_link.as_str(),
                f.server,
            );
            (
                evidence,
                "A public-only Azure endpoint answered at a private address: something local stands in for it.".to_string(),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_is_public_only_without_private_link() {
        assert!(public_only(PrivateLink::PublicUnlessArmPrivateLink, false));
        assert!(!public_only(PrivateLink::PublicUnlessArmPrivateLink, true));
        assert!(public_only(PrivateLink::Public, true));
        assert!(public_only(PrivateLink::NotUsedWithPrivateLink, false));
        assert!(!public_only(PrivateLink::Private, false));
        assert!(!public_only(PrivateLink::NotStated, false));
    }
}
