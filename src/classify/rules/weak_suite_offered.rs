//! `weak-suite-offered` (weak-tls): the client offers, or the server picks, a broken cipher
//! suite on a connection to an Arc endpoint.
//!
//! What: a ClientHello or ServerHello on a flow attributed to a catalog entry naming a suite
//! whose IANA name marks it broken: RC4, 3DES (`3DES_EDE`/`DES_EDE`), single DES
//! (`DES_CBC`, `DES40`), NULL encryption or authentication, EXPORT grade, or anonymous key
//! exchange (`DH_anon`, `ECDH_anon`). The signalling values (0x00ff, 0x5600) are not suites
//! and never count. Medium when only offered; high when the server chose one.
//!
//! Why: offering them lets a server or a device in between pick them, and some (EXPORT,
//! NULL, anonymous) give no confidentiality or no authentication at all; a TLS stack that
//! still offers them is configured far below what Azure expects.
//!
//! Example: ClientHello in frame 4 offering 0x0004 TLS_RSA_WITH_RC4_128_MD5 and 0x000a
//! TLS_RSA_WITH_3DES_EDE_CBC_SHA; ServerHello in frame 6 picking 0xc012
//! TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA.

use crate::classify::{Cx, Family, Finding, FlowView, Rule, RuleMeta, Severity};
use crate::tls::cipher_suite_name;

pub struct WeakSuiteOffered;

static META: RuleMeta = RuleMeta {
    id: "weak-suite-offered",
    family: Family::WeakTls,
    severity: Severity::Medium,
    summary: "Broken cipher suites (RC4, 3DES, DES, NULL, EXPORT, anonymous) offered or chosen",
    why: "These suites give weak, no confidentiality or no authentication; offering them lets the server or a device in between choose them, and their presence shows a TLS stack configured far below the recommended suites.",
    check: "Remove them from the machine's enabled suites (Windows: Disable-TlsCipherSuite or the SSL Cipher Suite Order policy and the SCHANNEL Ciphers keys; Linux: OpenSSL CipherString/crypto policy); when the server chose one, find the device that answered (Azure does not).",
    requirement: "Arc network requirements (2026-04-01): Cryptographic protocols (recommended versions and cipher suites)",
    example: "ClientHello in frame 4 offering 0x0004 TLS_RSA_WITH_RC4_128_MD5 and 0x000a TLS_RSA_WITH_3DES_EDE_CBC_SHA; ServerHello in frame 6 picking 0xc012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA.",
};

/// Signalling values that sit in the suite list but are not suites.
const SCSV: [u16; 2] = [0x00ff, 0x5600];

/// Markers in IANA suite names of broken suites.
const WEAK_MARKERS: &[&str] = &[
    "RC4", "3DES", "DES_EDE", "_DES_CBC", "DES40", "NULL", "EXPORT", "anon",
];

/// Whether `suite` is a broken suite, judged by its IANA name.
pub(super) fn is_weak(suite: u16) -> bool {
    // Judged by name once per code point, then looked up: the rule runs on every suite of
    // every ClientHello, and substring searches there were a tenth of the whole audit.
    static WEAK: std::sync::OnceLock<rustc_hash::FxHashSet<u16>> = std::sync::OnceLock::new();
    WEAK.get_or_init(|| {
        (0..=u16::MAX)
            .filter(|s| !SCSV.contains(s))
            .filter(|&s| {
                cipher_suite_name(s).is_some_and(|n| WEAK_MARKERS.iter().any(|m| n.contains(m)))
            })
            .collect()
    })
    .contains(&suite)
}

fn describe(suite: u16) -> String {
    format!(
        "{suite:#06x} {}",
        cipher_suite_name(suite).unwrap_or("unknown")
    )
}

/// At most this many weak suites are named in the evidence.
const MAX_NAMED: usize = 12;

impl Rule for WeakSuiteOffered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        if !v.is_arc() {
            return;
        }
        let Some(t) = &v.flow.tls else { return };
        let offered: Vec<u16> = t
            .offered_suites
            .iter()
            .copied()
            .filter(|s| is_weak(*s))
            .collect();
        let chosen = t.cipher_suite.filter(|s| is_weak(*s));
        if offered.is_empty() && chosen.is_none() {
            return;
        }
        let mut parts = Vec::new();
        if !offered.is_empty() {
            let mut named: Vec<String> = offered
                .iter()
                .take(MAX_NAMED)
                .map(|s| describe(*s))
                .collect();
            if offered.len() > MAX_NAMED {
                named.push(format!("and {} more", offered.len() - MAX_NAMED));
            }
            parts.push(format!(
                "ClientHello in frame {} offers {} weak suite(s): {}",
                t.client_hello_frame.unwrap_or_default(),
                offered.len(),
                named.join(", ")
            ));
        }
        if let Some(s) = chosen {
            parts.push(format!(
                "ServerHello in frame {} chose {}",
                t.server_hello_frame.unwrap_or_default(),
                describe(s)
            ));
        }
        let evidence = format!(
            "{}: {}",
            v.attribution.name.as_deref().unwrap_or("?"),
            parts.join("; ")
        );
        let (severity, explanation) = if chosen.is_some() {
            (
                Severity::High,
                "The connection runs on a broken cipher suite.",
            )
        } else {
            (
                Severity::Medium,
                "The client offers broken cipher suites that a server or device could pick.",
            )
        };
        out.push(
            Finding::new(&META, cx.file, evidence, explanation.to_string())
                .severity(severity)
                .on_flow(v, &[t.client_hello_frame, chosen.and(t.server_hello_frame)]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_suites_by_name() {
        for s in [
            0x0003u16, 0x0004, 0x0005, 0x0006, 0x0008, 0x000a, 0x0014, 0x0001, 0x0002, 0x003b,
            0xc011, 0xc012, 0x0018, 0x0009,
        ] {
            assert!(is_weak(s), "{s:#06x} {:?}", cipher_suite_name(s));
        }
        for s in [
            0x1301u16, 0x1302, 0x1303, 0xc030, 0xc02f, 0xc013, 0xc014, 0x002f, 0x009c, 0x00ff,
            0x5600, 0x0a0a, 0xfeff,
        ] {
            assert!(!is_weak(s), "{s:#06x} {:?}", cipher_suite_name(s));
        }
    }
}
