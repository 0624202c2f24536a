//! `client-cannot-offer-1-2` (weak-tls): the client's ClientHello to an Arc endpoint offers
//! nothing newer than TLS 1.1.
//!
//! What: a ClientHello on a flow attributed to a catalog entry whose highest offered version
//! (supported_versions, else the legacy version field; GREASE ignored) is below TLS 1.2
//! (0x0303): SSL 3.0, TLS 1.0 or TLS 1.1.
//!
//! Why: Microsoft's endpoints expect TLS 1.2 or 1.3, and several (Arc-enabled SQL Server)
//! accept nothing older; a client that cannot offer 1.2 is refused (protocol_version
//! alert) or, against a device that accepts it, connects with a protocol known to be
//! weak. On Windows it means TLS 1.2 is disabled in SCHANNEL or the .NET/WinHTTP defaults;
//! Windows Server 2012 (not R2) cannot do TLS 1.2 at all.
//!
//! Example: ClientHello in frame 4 for `management.azure.com` offering at most TLS1.0
//! (0x0301), answered by a protocol_version alert in frame 6.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::tls::version_name;

pub struct ClientCannotOffer12;

static META: RuleMeta = RuleMeta {
    id: "client-cannot-offer-1-2",
    family: Family::WeakTls,
    severity: Severity::High,
    summary: "Client offers nothing newer than TLS 1.1 to an Arc endpoint",
    why: "The endpoints expect TLS 1.2 or 1.3 and some refuse anything older; a client limited to TLS 1.0/1.1 is turned away, or connects with a protocol known to be weak.",
    check: "TLS 1.2 enabled on the machine: SCHANNEL protocol keys and the .NET SystemDefaultTlsVersions/SchUseStrongCrypto settings on Windows (Windows Server 2012 has no TLS 1.2: upgrade), the OpenSSL version and MinProtocol on Linux.",
    requirement: "Arc network requirements (2026-04-01): Cryptographic protocols (TLS 1.2 and 1.3 recommended; some endpoints require 1.2)",
    example: "ClientHello in frame 4 for `management.azure.com` offering at most TLS1.0 (0x0301), answered by a protocol_version alert in frame 6.",
};

impl Rule for ClientCannotOffer12 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() {
            return;
        }
        let Some(t) = &v.flow.tls else { return };
        let (Some(frame), Some(max)) = (t.client_hello_frame, t.client_max_version) else {
            return;
        };
        // SSLv2-format hellos carry 0x0002. Drafts (0x7fXX) and unknown values are not
        // "below".
        if !max.is_below_1_2() {
            return;
        }
        let frames = [Some(frame), t.server_hello_frame, t.first_alert_frame];
        out.add(&META, v, &frames, || {
            let answer = match (t.server_hello_frame, t.alerts.first()) {
                (Some(sh), _) => format!(
                    "; the server accepted it in frame {sh} ({})",
                    t.negotiated_version.map_or("?", version_name)
                ),
                (None, Some(a)) => format!(
                    "; the server answered with alert {} in frame {}",
                    a.description_name, a.frame
                ),
                (None, None) => String::new(),
            };
            let evidence = format!(
                "ClientHello in frame {frame} for {} offers at most {} ({max:#06x}){answer}",
                v.attribution.name.as_deref().unwrap_or("?"),
                version_name(max),
            );
            let explanation = format!(
                "The client cannot offer TLS 1.2; its best is {}.",
                version_name(max)
            );
            (evidence, explanation)
        });
    }
}
