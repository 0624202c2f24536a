//! `client-offers-no-recommended-suite` (weak-tls): the client's ClientHello to an Arc
//! endpoint offers none of the recommended cipher suites.
//!
//! What: a ClientHello on a flow attributed to a catalog entry whose cipher-suite list
//! (GREASE and the signalling values left aside) shares nothing with the catalog's
//! recommended suites (0x1302, 0x1301, 0xc030, 0xc02f).
//!
//! Severity: high with `--agent-os windows` (agent 1.56+ on Windows requires one of them),
//! low with `--agent-os linux` (the list binds only Windows), medium otherwise.
//!
//! Why: a server held to the recommended suites has nothing to agree on with this client,
//! so the handshake ends in a handshake_failure alert; it also shows a TLS stack configured
//! for legacy suites only (CBC, RSA key exchange, or worse).
//!
//! Example: ClientHello in frame 4 for `management.azure.com` offering only 0x002f
//! TLS_RSA_WITH_AES_128_CBC_SHA, answered by handshake_failure in frame 6.

use super::suite_not_recommended::severity_for;
use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::tls::cipher_suite_name;

pub struct ClientOffersNoRecommendedSuite;

static META: RuleMeta = RuleMeta {
    id: "client-offers-no-recommended-suite",
    family: Family::WeakTls,
    severity: Severity::Medium,
    summary: "ClientHello offers none of the recommended cipher suites",
    why: "A server limited to the recommended suites has nothing in common with this client and refuses the handshake; the Windows agent 1.56+ needs at least one of them enabled.",
    check: "The machine's enabled cipher suites: on Windows Get-TlsCipherSuite and the SSL Cipher Suite Order policy must include TLS_AES_256_GCM_SHA384/TLS_AES_128_GCM_SHA256 or TLS_ECDHE_RSA_WITH_AES_256/128_GCM_SHA384/256; on Linux the OpenSSL CipherString / crypto policy.",
    requirement: "Arc network requirements (2026-04-01): Cryptographic protocols (cipher suites for agent 1.56+ on Windows)",
    example: "ClientHello in frame 4 for `management.azure.com` offering only 0x002f TLS_RSA_WITH_AES_128_CBC_SHA, answered by handshake_failure in frame 6.",
};

/// Signalling values that sit in the suite list but are not suites.
const SCSV: [u16; 2] = [0x00ff, 0x5600];

/// At most this many offered suites are named in the evidence (a ClientHello may list
/// hundreds).
const MAX_NAMED: usize = 8;

impl Rule for ClientOffersNoRecommendedSuite {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() {
            return;
        }
        if cx.catalog.tls().is_none() {
            return;
        }
        let Some(t) = &v.flow.tls else { return };
        let Some(frame) = t.client_hello_frame else {
            return;
        };
        let mut real = t.offered_suites.iter().filter(|s| !SCSV.contains(s));
        if real.clone().next().is_none() || real.any(|s| cx.recommended_suites.contains(s)) {
            return;
        }
        let frames = [Some(frame), t.first_alert_frame];
        let severity = severity_for(cx.context.agent_os, false);
        out.add_at(&META, severity, v, &frames, || {
        let offered: Vec<u16> = t
            .offered_suites
            .iter()
            .copied()
            .filter(|s| !SCSV.contains(s))
            .collect();
        let mut named: Vec<String> = offered
            .iter()
            .take(MAX_NAMED)
            .map(|s| format!("{s:#06x} {}", cipher_suite_name(*s).unwrap_or("unknown")))
            .collect();
        if offered.len() > MAX_NAMED {
            named.push(format!("and {} more", offered.len() - MAX_NAMED));
        }
        let answer = match t.alerts.first() {
            Some(a) if t.server_hello_frame.is_none() => {
                format!(
                    "; the server answered with alert {} in frame {}",
                    a.description_name, a.frame
                )
            }
            _ => String::new(),
        };
        let evidence = format!(
            "ClientHello in frame {frame} for {} offers {} suite(s), none recommended: {}{answer}",
            v.attribution.name.as_deref().unwrap_or("?"),
            offered.len(),
            named.join(", "),
        );
        (
            evidence,
            "The client offers only cipher suites outside Microsoft's recommended list."
                .to_string(),
        )
        });
    }
}
