//! `suite-not-recommended` (weak-tls): the connection to an Arc endpoint uses a cipher suite
//! outside the recommended list.
//!
//! What: a ServerHello on a flow attributed to a catalog entry whose chosen suite is not
//! among the catalog's recommended suites (TLS 1.3: 0x1302, 0x1301; TLS 1.2: 0xc030,
//! 0xc02f). TLS_CHACHA20_POLY1305_SHA256 (0x1303) is not in Microsoft's list either: it is
//! strong, but a Windows agent 1.56+ configured as required would not pick it, so it is
//! reported too (low, unless the agent runs on Windows). A broken suite (RC4, 3DES, NULL,
//! ...) is not reported here: `weak-suite-offered` says it, high, once.
//!
//! Severity follows the machine: high with `--agent-os windows` (from agent 1.56 the Windows
//! agent needs one of the listed suites for a recommended version), low with
//! `--agent-os linux` (the list binds only Windows), medium when the OS is not given; TLS
//! 1.3 suites outside the list are low unless on Windows.
//!
//! Why: outside the list are CBC-mode, RSA key exchange and older suites, without forward
//! secrecy or with known padding-oracle history; a Windows agent restricted to the list
//! cannot connect to a server that insists on them, and a server choosing them is rarely
//! Microsoft's endpoint.
//!
//! Example: ServerHello in frame 6 picks 0xc013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA for
//! `management.azure.com`.

use super::weak_suite_offered::is_weak;
use crate::classify::{AgentOs, Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::tls::{cipher_suite_name, version_name};

pub struct SuiteNotRecommended;

static META: RuleMeta = RuleMeta {
    id: "suite-not-recommended",
    family: Family::WeakTls,
    severity: Severity::Medium,
    summary: "Negotiated cipher suite is not one of the recommended suites",
    why: "Microsoft lists four suites (two TLS 1.3, two ECDHE-RSA AES-GCM for TLS 1.2); the Windows agent 1.56+ needs one of them, and a server choosing another suite is either not Microsoft's endpoint or a device in between.",
    check: "The server side first (an inspecting proxy or a device answering for the name often negotiates differently from Azure); on the machine, the enabled suites (Get-TlsCipherSuite / the SCHANNEL cipher suite order on Windows, OpenSSL CipherString on Linux).",
    requirement: "Arc network requirements (2026-04-01): Cryptographic protocols (cipher suites for agent 1.56+ on Windows)",
    example: "ServerHello in frame 6 picks 0xc013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA for `management.azure.com`.",
};

/// Severity for a suite outside the list, by platform and TLS version.
pub(super) fn severity_for(os: Option<AgentOs>, tls13: bool) -> Severity {
    match (os, tls13) {
        (Some(AgentOs::Windows), _) => Severity::High,
        (_, true) | (Some(AgentOs::Linux), false) => Severity::Low,
        (None, false) => Severity::Medium,
    }
}

impl Rule for SuiteNotRecommended {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() {
            return;
        }
        let Some(policy) = cx.catalog.tls() else {
            return;
        };
        let Some(t) = &v.flow.tls else { return };
        let (Some(frame), Some(suite)) = (t.server_hello_frame, t.cipher_suite) else {
            return;
        };
        // A broken suite is a worse problem with a rule of its own (weak-suite-offered,
        // high): one finding for one chosen suite.
        if cx.recommended_suites.contains(&suite) || is_weak(suite) {
            return;
        }
        let ver = t.negotiated_version.unwrap_or_default();
        let tls13 = ver == crate::tls::TlsVersion::TLS_1_3;
        let severity = severity_for(cx.context.agent_os, tls13);
        out.add_at(&META, severity, v, &[t.client_hello_frame, Some(frame)], || {
        let listed: Vec<&str> = policy.cipher_suites.iter().map(|c| c.id.as_str()).collect();
        let evidence = format!(
            "ServerHello in frame {frame} for {} chose {suite:#06x} {} with {}; recommended: {}",
            v.attribution.name.as_deref().unwrap_or("?"),
            cipher_suite_name(suite).unwrap_or("unknown suite"),
            version_name(ver),
            listed.join(", "),
        );
        (
            evidence,
            "The connection uses a cipher suite Microsoft does not recommend for the agent."
                .to_string(),
        )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_by_platform() {
        assert_eq!(severity_for(Some(AgentOs::Windows), false), Severity::High);
        assert_eq!(severity_for(Some(AgentOs::Windows), true), Severity::High);
        assert_eq!(severity_for(None, false), Severity::Medium);
        assert_eq!(severity_for(None, true), Severity::Low);
        assert_eq!(severity_for(Some(AgentOs::Linux), false), Severity::Low);
    }
}
