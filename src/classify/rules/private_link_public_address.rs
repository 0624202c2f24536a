//! `private-link-public-address` (misrouted): with a private link scope, an endpoint that
//! should go through the private endpoint was reached at a public address.
//!
//! What: the user said the machine uses an Azure Arc private link scope (`--private-link`),
//! and a flow attributed to an entry whose "private link capable" column says *Private*
//! (`*.his.arc.azure.com`, `*.guestconfiguration.azure.com`) went straight (not through a
//! proxy) to an address that is not private.
//!
//! Why: once a private link scope is assigned to the machine, the Arc services accept its
//! traffic only through the private endpoint; the public address of the same name refuses
//! it, and the machine ends up Disconnected or its extensions stall. The usual cause is DNS:
//! the `privatelink.*` zone is not linked to the resolver the machine uses, so the name
//! resolves to its public address.
//!
//! Example: `--private-link`, ClientHello for `westeurope.his.arc.azure.com` in frame 6 to
//! 20.50.1.197:443 (public), where a private endpoint address such as 10.1.2.10 was expected.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity, is_private};
use crate::model::PrivateLink;

pub struct PrivateLinkPublicAddress;

static META: RuleMeta = RuleMeta {
    id: "private-link-public-address",
    family: Family::Misrouted,
    severity: Severity::High,
    summary: "Private-link endpoint reached at a public address although a private link scope is used",
    why: "With a private link scope assigned, the hybrid identity and guest configuration services take the machine's traffic only through the private endpoint; a public address of the same name turns it away.",
    check: "DNS for the name: the privatelink.* zones (privatelink.his.arc.azure.com, privatelink.guestconfiguration.azure.com) must be linked to, or forwarded by, the resolver the machine uses, and must answer the private endpoint's address; check the private endpoint's DNS configuration and any hosts-file entries.",
    requirement: "Arc network requirements (2026-04-01): URLs table, \"Private link capable\" column (Private)",
    example: "`--private-link`, ClientHello for `westeurope.his.arc.azure.com` in frame 6 to 20.50.1.197:443 (public), where a private endpoint address such as 10.1.2.10 was expected.",
};

impl Rule for PrivateLinkPublicAddress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !cx.context.private_link || !v.is_arc() || v.to_proxy {
            return;
        }
        let Some(entry) = v.primary() else { return };
        if entry.private_link != PrivateLink::Private {
            return;
        }
        let f = v.flow;
        let ip = f.server.ip();
        if is_private(ip) {
            return;
        }
        let first = f.attempt_frame();
        out.add(&META, v, &[Some(first), v.attribution.dns_frame], || {
            let resolved = v
                .attribution
                .dns_frame
                .map(|fr| format!(" (DNS answer in frame {fr})"))
                .unwrap_or_default();
            let evidence = format!(
                "{} ({}) reached directly at public address {}{resolved}, flow from frame {first}; a private link scope is in use",
                v.attribution.name.as_deref().unwrap_or("?"),
                entry.id,
                f.server,
            );
            (
                evidence,
                "The name resolved to its public address instead of the private endpoint, so the service will refuse the machine's traffic.".to_string(),
            )
        });
    }
}
