//! `reset-after-client-hello` (blocked): the TCP connection was reset right after the
//! client's ClientHello, before any ServerHello.
//!
//! What: a flow attributed to a catalog entry where the ClientHello was sent, no
//! ServerHello came back, and a RST arrived from the server side (Zeek history `r`).
//!
//! Why: this is the signature of an SNI-filtering firewall or a TLS-inspecting proxy
//! refusing the name: TCP is allowed, the name is not. The agent sees "connection reset"
//! for that endpoint only.
//!
//! Example: ClientHello for `westeurope.his.arc.azure.com` in frame 4, RST in frame 5.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};

pub struct ResetAfterClientHello;

static META: RuleMeta = RuleMeta {
    id: "reset-after-client-hello",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "Connection reset after the ClientHello, before any ServerHello (SNI filtering)",
    why: "A device on the path accepts TCP but resets the connection once it sees the TLS server name: the agent cannot reach this endpoint although port 443 is open.",
    check: "The allow-list of the firewall or proxy doing TLS/SNI inspection: add the endpoint's host name (wildcards as in the requirements table).",
    requirement: "Arc network requirements: the listed host names must be allowed, including wildcards",
    example: "ClientHello for `westeurope.his.arc.azure.com` in frame 4, RST in frame 5.",
};

impl Rule for ResetAfterClientHello {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let f = v.flow;
        let Some(t) = &f.tls else { return };
        if !v.is_arc() || t.client_hello_frame.is_none() || t.server_hello_frame.is_some() {
            return;
        }
        if !f.server_reset() {
            return;
        }
        out.add(&META, v, &[t.client_hello_frame, f.frames.first_rst], || {
            let evidence = format!(
                "ClientHello for {} in frame {}, then RST from {} in frame {}, no ServerHello",
                v.attribution.name.as_deref().unwrap_or("?"),
                t.client_hello_frame.unwrap_or_default(),
                f.server,
                f.frames.first_rst.unwrap_or_default()
            );
            (
                evidence,
                "The path accepted TCP but reset the connection once it saw the TLS server name."
                    .to_string(),
            )
        });
    }
}
