//! `unexpected-port` (misrouted): an Arc endpoint was contacted on a port its requirements
//! do not list.
//!
//! What: a direct flow (not to a proxy) attributed by name to catalog entries whose ports
//! (TCP 443; 80 and 443 for the ESU certificate path) do not include the flow's server
//! port. Plain HTTP requests that `plaintext-http` reports are left to it; flows named only
//! by the address's service tag are skipped (the port belongs to the name).
//!
//! Why: the agent uses TCP 443 only; a connection to another port with an Arc name means a
//! tool or a forwarding rule sends the traffic somewhere the requirements (and so usually
//! the firewall rules) do not foresee, such as a port-mapped relay or a mistyped proxy
//! setting.
//!
//! Example: ClientHello for `management.azure.com` in frame 4 to 4.150.240.10:8443.

use std::collections::BTreeSet;

use super::plaintext_http::{plain_request, port_80_allowed};
use crate::classify::{Cx, Family, FlowFindings, FlowView, NameSource, Rule, RuleMeta, Severity};

pub struct UnexpectedPort;

static META: RuleMeta = RuleMeta {
    id: "unexpected-port",
    family: Family::Misrouted,
    severity: Severity::Medium,
    summary: "Arc endpoint contacted on a port its requirements do not list",
    why: "The agent talks to its endpoints on TCP 443 (and 80 only for the ESU certificate path); another port means a relay, port mapping or misconfigured tool that the firewall rules for Arc do not cover.",
    check: "Which process opened the connection and its configured URL or proxy port; port-forwarding or NAT rules on the path that map 443 elsewhere.",
    requirement: "Arc network requirements (2026-04-01): Networking configuration (outbound TCP 443); URLs table (HTTP/TCP 80 and HTTPS/TCP 443 for www.microsoft.com/pkiops/certs)",
    example: "ClientHello for `management.azure.com` in frame 4 to 4.150.240.10:8443.",
};

impl Rule for UnexpectedPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() || v.to_proxy || v.attribution.source == Some(NameSource::ServiceTag) {
            return;
        }
        let f = v.flow;
        let port = f.server.port();
        let mut ports = v.entries(cx).flat_map(|e| e.ports.iter().copied()).peekable();
        if ports.peek().is_none() || ports.any(|p| p == port) {
            return;
        }
        // Plain HTTP to an HTTPS-only endpoint is plaintext-http's finding.
        if let Some(req) = plain_request(f)
            && let Some((host, _)) = req.host.as_deref().and_then(crate::model::split_authority)
            && !cx.catalog.match_host(&host).is_empty()
            && !port_80_allowed(cx.catalog, &host, &req.target)
        {
            return;
        }
        let first = f.attempt_frame();
        out.add(&META, v, &[f.frames.syn, Some(first)], || {
        let ports: BTreeSet<u16> = v
            .entries(cx)
            .flat_map(|e| e.ports.iter().copied())
            .collect();
        let listed: Vec<String> = ports.iter().map(u16::to_string).collect();
        let evidence = format!(
            "{} contacted at {} (port {port}; flow from frame {first}), the requirements list port {}",
            v.attribution.name.as_deref().unwrap_or("?"),
            f.server,
            listed.join(" and "),
        );
        (
            evidence,
            format!("The connection used TCP {port}, not a port the endpoint is documented on."),
        )
        });
    }
}
