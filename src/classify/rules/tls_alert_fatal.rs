//! `tls-alert-fatal` (blocked): the server side ended the TLS handshake with a fatal alert.
//!
//! What: a flow attributed to a catalog entry where the server side sent a plaintext alert
//! of level fatal (2). Plaintext alerts only exist before the handshake completes (later
//! ones are encrypted and not visible), so this is a handshake the server refused. The
//! finding names the alert; for `handshake_failure` (40) and `insufficient_security` (71)
//! it lists the suites the client offered and whether any of the suites the Windows agent
//! requires from 1.56 was among them.
//!
//! Why: the agent cannot talk to the endpoint at all. `protocol_version` (70) means the
//! client offered only TLS versions the other side refuses (TLS 1.0/1.1 on an old system);
//! `handshake_failure` (40) usually means no cipher suite in common: the Windows agent from
//! 1.56 restricts itself to four suites, which a TLS-inspecting device or a server that is
//! not the real endpoint may not support; any other alert is named as sent.
//!
//! Example: ClientHello for `management.azure.com` in frame 4 offering only
//! TLS_RSA_WITH_AES_128_CBC_SHA; fatal alert handshake_failure (40) from the server in
//! frame 6.

use crate::classify::AgentOs;
use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::tls::{Direction, alert_description_name, cipher_suite_name};

pub struct TlsAlertFatal;

static META: RuleMeta = RuleMeta {
    id: "tls-alert-fatal",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "Fatal TLS alert from the server side during the handshake with an Arc endpoint",
    why: "The server (or a device answering in its place) refused the TLS handshake, so the agent cannot reach the endpoint; the alert says why: no common TLS version or cipher suite, or a certificate problem.",
    check: "The machine's TLS versions and cipher suites (on Windows the SCHANNEL configuration; agent 1.56+ needs one of the listed suites) and any TLS-inspecting proxy or firewall on the path, which must support them too.",
    requirement: "Arc network requirements (2026-04-01): Cryptographic protocols (TLS 1.2/1.3 and, from agent 1.56 on Windows, the listed cipher suites)",
    example: "ClientHello for `management.azure.com` in frame 4 offering only TLS_RSA_WITH_AES_128_CBC_SHA; fatal alert handshake_failure (40) from the server in frame 6.",
};

/// Most offered suites named in the evidence; the rest are counted.
const MAX_SUITES_LISTED: usize = 8;

/// `handshake_failure` and `insufficient_security`: the alerts of "nothing in common".
const NO_COMMON_SUITE: [u8; 2] = [40, 71];

impl Rule for TlsAlertFatal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let Some(t) = &v.flow.tls else { return };
        if !v.is_arc() {
            return;
        }
        let Some(alert) = t
            .alerts
            .iter()
            .find(|a| a.level == 2 && a.sender == Direction::ServerToClient)
        else {
            return;
        };
        out.add(&META, v, &[t.client_hello_frame, Some(alert.frame)], || {
        let name = alert_description_name(alert.description);
        let mut evidence = format!(
            "fatal alert {name} ({}) from {} in frame {}",
            alert.description, v.flow.server, alert.frame
        );
        if let Some(ch) = t.client_hello_frame {
            evidence = format!(
                "ClientHello for {} in frame {ch}, then {evidence}",
                v.attribution.name.as_deref().unwrap_or("?")
            );
        }
        if t.server_hello_frame.is_none() {
            evidence.push_str(", no ServerHello");
        }
        let mut explanation = match alert.description {
            70 => format!(
                "The server refused every TLS version the client offered ({}); the agent needs TLS 1.2 or 1.3.",
                versions(&t.client_versions)
            ),
            40 | 71 => "The server found nothing acceptable in the client's offer (usually no cipher suite in common).".to_string(),
            _ => format!("The server side ended the handshake with {name}."),
        };
        if NO_COMMON_SUITE.contains(&alert.description) {
            evidence.push_str(&format!("; client offered {}", suites(&t.offered_suites)));
            if let Some(policy) = cx.catalog.tls() {
                let required: Vec<u16> = policy
                    .cipher_suites
                    .iter()
                    .filter_map(|s| s.code())
                    .collect();
                let offered_required = t.offered_suites.iter().any(|s| required.contains(s));
                evidence.push_str(if offered_required {
                    " (including one of the suites Windows agents 1.56+ require)"
                } else {
                    " (none of the suites Windows agents 1.56+ require)"
                });
                // The suite restriction is the Windows agent's; a Linux agent is not bound by it.
                if cx.context.agent_os != Some(AgentOs::Linux) {
                    let names: Vec<&str> = policy
                        .cipher_suites
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect();
                    explanation.push_str(&format!(
                        " Windows agents from {} use only {}: the server or a TLS-inspecting device on the path may not support those suites.",
                        policy.cipher_suites_from_agent,
                        names.join(", ")
                    ));
                }
            }
        }
        (evidence, explanation)
        });
    }
}

/// "TLS1.0, TLS1.1" from the offered versions.
fn versions(v: &[crate::tls::TlsVersion]) -> String {
    if v.is_empty() {
        return "none".to_string();
    }
    v.iter().map(|x| x.name()).collect::<Vec<_>>().join(", ")
}

/// Suite names (hex when unnamed), at most [`MAX_SUITES_LISTED`] then a count.
fn suites(s: &[u16]) -> String {
    if s.is_empty() {
        return "no cipher suites".to_string();
    }
    let mut parts: Vec<String> = s
        .iter()
        .take(MAX_SUITES_LISTED)
        .map(|&x| match cipher_suite_name(x) {
            Some(n) => n.to_string(),
            None => format!("{x:#06x}"),
        })
        .collect();
    if s.len() > MAX_SUITES_LISTED {
        parts.push(format!("and {} more", s.len() - MAX_SUITES_LISTED));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_named_and_capped() {
        assert_eq!(suites(&[]), "no cipher suites");
        let one = suites(&[0x002f, 0x00ff]);
        assert!(one.contains("TLS_RSA_WITH_AES_128_CBC_SHA"), "{one}");
        assert!(one.contains("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"), "{one}");
        let many: Vec<u16> = (0xc001..0xc00d).collect();
        let text = suites(&many);
        assert!(text.ends_with("and 4 more"), "{text}");
        // An unassigned code point is shown in hex rather than dropped.
        assert!(suites(&[0xfefe]).contains("0xfefe"));
    }

    #[test]
    fn versions_named() {
        assert_eq!(versions(&[]), "none");
        assert_eq!(versions(&[crate::tls::TlsVersion::TLS_1_0]), "TLS1.0");
    }
}
