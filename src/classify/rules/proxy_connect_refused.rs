//! `proxy-connect-refused` (blocked): the proxy answered the agent's CONNECT for an Arc
//! endpoint with something other than 2xx.
//!
//! What: a flow whose CONNECT authority (or inner SNI) is attributed to a catalog entry and
//! whose first response after the CONNECT has a status outside 200-299: 403 (the proxy's
//! policy denies the destination), 407 (the proxy wants authentication), 5xx (the proxy
//! could not reach the endpoint or failed itself). The evidence says whether the request
//! carried a Proxy-Authorization header; its value is never read into the report.
//!
//! Why: with a proxy configured, the agent reaches Azure only through CONNECT tunnels; a
//! refused CONNECT means that endpoint is unreachable whatever the firewall allows. A 403 is
//! an allow-list on the proxy that lacks the host; a 407 means the proxy demands credentials
//! the agent did not give (or gave and had refused).
//!
//! Example: `CONNECT azgn1234.servicebus.windows.net:443` to proxy `10.1.0.8:3128` in frame
//! 4, `403 Forbidden` in frame 6, no Proxy-Authorization header sent.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};

pub struct ProxyConnectRefused;

static META: RuleMeta = RuleMeta {
    id: "proxy-connect-refused",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "Proxy refused the CONNECT tunnel to an Arc endpoint (403, 407, 5xx, ...)",
    why: "Behind a proxy the agent reaches every endpoint through a CONNECT tunnel; a refused CONNECT leaves that endpoint unreachable even when the firewall allows the proxy out.",
    check: "The proxy's allow-list (every host name in the requirements table, wildcards included), its authentication policy for the machine, and its own outbound access to the endpoint (5xx).",
    requirement: "Arc network requirements (2026-04-01): if a proxy restricts outbound connectivity, the listed URLs must not be blocked",
    example: "`CONNECT azgn1234.servicebus.windows.net:443` to proxy `10.1.0.8:3128` in frame 4, `403 Forbidden` in frame 6, no Proxy-Authorization header sent.",
};

impl Rule for ProxyConnectRefused {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let f = v.flow;
        let (Some(req), Some(resp)) = (f.connect(), f.connect_response()) else {
            return;
        };
        if !v.is_arc() || (200..300).contains(&resp.status) {
            return;
        }
        out.add(&META, v, &[Some(req.frame), Some(resp.frame)], || {
        let auth = if req.proxy_authorization {
            "a Proxy-Authorization header was sent"
        } else {
            "no Proxy-Authorization header sent"
        };
        let evidence = format!(
            "CONNECT {} to proxy {} in frame {} answered {} {} in frame {}; {auth}",
            req.target, f.server, req.frame, resp.status, resp.reason, resp.frame
        );
        let explanation = match resp.status {
            407 if req.proxy_authorization => {
                "The proxy demanded authentication (407) and rejected the credentials that were sent.".to_string()
            }
            407 => "The proxy demanded authentication (407) and the request carried none.".to_string(),
            403 => "The proxy's policy denies this destination (403): its allow-list lacks the host.".to_string(),
            500..=599 => format!(
                "The proxy failed to open the tunnel ({}): it could not reach the endpoint or failed itself.",
                resp.status
            ),
            s => format!("The proxy did not open the tunnel (status {s})."),
        };
        (evidence, explanation)
        });
    }
}
