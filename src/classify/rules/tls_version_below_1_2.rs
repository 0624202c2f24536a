//! `tls-version-below-1-2` (weak-tls): the server negotiated a TLS version below 1.2 with
//! an Arc endpoint's name.
//!
//! What: a ServerHello whose negotiated version (supported_versions, else the legacy field)
//! is SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1, on a flow attributed to a catalog entry.
//!
//! Why: the agent and Azure require TLS 1.2 or 1.3; a real Azure endpoint never accepts
//! less, so this is either a TLS-intercepting device downgrading the connection or a name
//! pointing somewhere it should not.
//!
//! Example: ServerHello in frame 6 negotiating TLS1.0 for `management.azure.com`.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::tls::version_name;

pub struct TlsVersionBelow12;

static META: RuleMeta = RuleMeta {
    id: "tls-version-below-1-2",
    family: Family::WeakTls,
    severity: Severity::High,
    summary: "TLS below 1.2 negotiated with an Arc endpoint",
    why: "The agent and Azure require TLS 1.2 or 1.3; an answer below 1.2 comes from a device or server that is not the real endpoint, or one that downgrades it.",
    check: "Any TLS-intercepting proxy or firewall on the path, and where the name resolves to; the machine's own TLS settings (SCHANNEL on Windows).",
    requirement: "Arc network requirements: TLS 1.2 or 1.3 (recommended versions)",
    example: "ServerHello in frame 6 negotiating TLS1.0 for `management.azure.com`.",
};

impl Rule for TlsVersionBelow12 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let Some(t) = &v.flow.tls else { return };
        let Some(ver) = t.negotiated_version else {
            return;
        };
        // 0x7fXX drafts and GREASE are not below 1.2; SSL 2.0's 0x0002 is.
        if !v.is_arc() || !ver.is_below_1_2() {
            return;
        }
        out.add(&META, v, &[t.server_hello_frame], || {
            (
                format!(
                    "ServerHello in frame {} negotiated {} ({ver:#06x})",
                    t.server_hello_frame.unwrap_or_default(),
                    version_name(ver)
                ),
                format!(
                    "The connection used {}, below the TLS 1.2 the agent requires.",
                    version_name(ver)
                ),
            )
        });
    }
}
