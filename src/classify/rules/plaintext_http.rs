//! `plaintext-http` (misrouted): an Arc endpoint was spoken to in plain HTTP although it is
//! served over HTTPS only.
//!
//! What: a flow with an HTTP request (not CONNECT) and no TLS, whose Host names a catalog
//! entry that allows no TCP 80 for the request's path. The one endpoint that legitimately
//! uses port 80, `www.microsoft.com/pkiops/certs` (ESU intermediate certificates), only
//! counts for requests under that path.
//!
//! Why: the Arc endpoints are HTTPS on TCP 443; plain HTTP to them is not the agent's
//! traffic, or the agent's traffic is being sent through a device or configuration that
//! strips TLS. Tokens and resource data would travel readable.
//!
//! Example: `GET /subscriptions?api-version=2022-12-01` with `Host: management.azure.com`
//! in frame 4, to 4.150.240.10:80, answered 200 in frame 6.

use crate::classify::{AuditFlow, HttpRequestSummary};
use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::model::Catalog;

pub struct PlaintextHttp;

static META: RuleMeta = RuleMeta {
    id: "plaintext-http",
    family: Family::Misrouted,
    severity: Severity::High,
    summary: "Plain HTTP to an Arc endpoint that is HTTPS-only",
    why: "The Arc endpoints are served over TLS on TCP 443; plain HTTP to them is either not the agent or a path that strips TLS, and whatever is sent (tokens, resource data) is readable on the wire.",
    check: "Which process sent the request (the Host and path in the evidence) and any proxy or load balancer configured to forward to http://; only www.microsoft.com/pkiops/certs (ESU certificates) is meant to use TCP 80.",
    requirement: "Arc network requirements (2026-04-01): Networking configuration (outbound TCP 443) and URLs table (only www.microsoft.com/pkiops/certs uses HTTP/TCP 80)",
    example: "`GET /subscriptions?api-version=2022-12-01` with `Host: management.azure.com` in frame 4, to 4.150.240.10:80, answered 200 in frame 6.",
};

/// The path of a request target: origin-form as is, absolute-form without scheme and
/// authority; the query is dropped.
pub(super) fn request_path(target: &str) -> &str {
    let path = match target.find("://") {
        Some(i) => {
            let rest = target.get(i + 3..).unwrap_or("");
            rest.find('/').and_then(|j| rest.get(j..)).unwrap_or("/")
        }
        None => target,
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

/// The first plain (non-CONNECT) HTTP request of a flow that carries no TLS.
pub(super) fn plain_request(f: &AuditFlow) -> Option<&HttpRequestSummary> {
    if f.tls
        .as_ref()
        .is_some_and(|t| t.client_hello_frame.is_some())
    {
        return None;
    }
    f.requests()
        .iter()
        .find(|r| !r.method.eq_ignore_ascii_case("CONNECT") && r.host.is_some())
}

/// Whether some catalog entry for the request's host allows TCP 80 for its path.
pub(super) fn port_80_allowed(catalog: &Catalog, host: &str, target: &str) -> bool {
    let path = request_path(target);
    catalog.match_host(host).iter().any(|m| {
        m.entry.ports.contains(&80)
            && m.pattern.path.as_deref().is_none_or(|p| {
                path.len() >= p.len()
                    && path
                        .get(..p.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(p))
            })
    })
}

/// At most 160 characters of a request target: evidence is one line, targets can be long.
fn shorten(s: &str) -> String {
    const MAX: usize = 160;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push_str("...");
        t
    }
}

impl Rule for PlaintextHttp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() {
            return;
        }
        let f = v.flow;
        let Some(req) = plain_request(f) else { return };
        let Some(host) = req
            .host
            .as_deref()
            .and_then(crate::model::split_authority)
            .map(|(h, _)| h)
        else {
            return;
        };
        if cx.catalog.match_host(&host).is_empty()
            || port_80_allowed(cx.catalog, &host, &req.target)
        {
            return;
        }
        let answer = f.responses().iter().find(|r| r.frame >= req.frame);
        out.add(&META, v, &[Some(req.frame), answer.map(|r| r.frame)], || {
            let response = answer
                .map(|r| format!(", answered {} {} in frame {}", r.status, r.reason, r.frame))
                .unwrap_or_else(|| ", no response seen".to_string());
            let evidence = format!(
                "{} {} with Host {host} in frame {} to {} in plain HTTP{response}",
                req.method,
                shorten(&req.target),
                req.frame,
                f.server,
            );
            (
                evidence,
                "An HTTPS-only Arc endpoint was called without TLS.".to_string(),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_path_handles_both_forms() {
        assert_eq!(
            request_path("/subscriptions?api-version=1"),
            "/subscriptions"
        );
        assert_eq!(
            request_path("http://www.microsoft.com/pkiops/certs/x.crt"),
            "/pkiops/certs/x.crt"
        );
        assert_eq!(request_path("http://www.microsoft.com"), "/");
        assert_eq!(request_path(""), "");
    }

    #[test]
    fn only_the_esu_certificate_path_may_use_port_80() {
        let c = Catalog::builtin();
        assert!(port_80_allowed(
            c,
            "www.microsoft.com",
            "/pkiops/certs/a.crt"
        ));
        assert!(port_80_allowed(
            c,
            "WWW.microsoft.com",
            "http://www.microsoft.com/PKIOPS/certs/a"
        ));
        assert!(!port_80_allowed(c, "www.microsoft.com", "/en-us/"));
        assert!(!port_80_allowed(
            c,
            "management.azure.com",
            "/subscriptions"
        ));
    }
}
