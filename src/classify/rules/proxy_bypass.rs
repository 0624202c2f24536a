//! `proxy-bypass` (misrouted): a proxy is configured, yet an Arc flow went straight to the
//! endpoint.
//!
//! What: the user gave the agent's proxy (`--proxy HOST:PORT`) and a flow attributed to a
//! catalog entry went to another address than that proxy (or any proxy seen answering
//! CONNECT). Flows of private-link endpoints to a private address are left out when a private
//! link scope is in use: sending those around the proxy is the documented split design.
//!
//! Why: where a proxy is required, the firewall usually drops direct outbound 443, so the
//! direct attempt fails; where it is not dropped, the traffic escapes the proxy's policy
//! and logging. Either way the agent (or whatever made this connection) does not use the
//! proxy it was given: `proxy.url` unset, an environment variable missing for the service,
//! or a `proxy.bypass` list that names the service.
//!
//! Example: `--proxy 10.1.0.8:3128`, ClientHello for `management.azure.com` in frame 8 sent
//! directly to 4.150.240.10:443.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity, is_private};
use crate::model::PrivateLink;

pub struct ProxyBypass;

static META: RuleMeta = RuleMeta {
    id: "proxy-bypass",
    family: Family::Misrouted,
    severity: Severity::High,
    summary: "Arc flow went directly to the endpoint although a proxy is configured",
    why: "With a proxy in place, direct outbound 443 is usually blocked, so the direct attempt fails, or it succeeds outside the proxy's policy and logging; the agent is not using the proxy it was given.",
    check: "`azcmagent show` / `azcmagent config get proxy.url` for the agent's proxy, and `azcmagent config get proxy.bypass`: the bypass list (agent 1.15+) can send the AAD (Entra ID), ARM or Arc services around the proxy on purpose, which is intended only for private-endpoint designs. Also other software on the machine making these calls without the proxy.",
    requirement: "Arc network requirements (2026-04-01): Networking configuration (default route unless a proxy is configured); Connected Machine agent proxy settings",
    example: "`--proxy 10.1.0.8:3128`, ClientHello for `management.azure.com` in frame 8 sent directly to 4.150.240.10:443.",
};

impl Rule for ProxyBypass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !cx.context.proxy_configured || !v.is_arc() || v.to_proxy {
            return;
        }
        let f = v.flow;
        let private_ip = is_private(f.server.ip());
        if cx.context.private_link
            && private_ip
            && v.primary()
                .is_some_and(|e| e.private_link == PrivateLink::Private)
        {
            return;
        }
        let first = f.attempt_frame();
        out.add(&META, v, &[Some(first)], || {
        let proxies: Vec<String> = cx
            .context
            .proxies
            .iter()
            .map(|p| format!("{}:{}", p.host, p.port))
            .collect();
        let outcome = if f.succeeded() {
            "and it worked"
        } else {
            "and it did not complete"
        };
        let evidence = format!(
            "{} went directly to {} (flow from frame {first}), not through the configured proxy {}, {outcome}",
            v.attribution.name.as_deref().unwrap_or("?"),
            f.server,
            proxies.join(", "),
        );
        (
            evidence,
            "This connection did not use the configured proxy.".to_string(),
        )
        });
    }
}
