//! `weak-suite-offered` (weak-tls): a connection to an Arc endpoint that runs on, or can
//! only run on, a broken cipher suite.
//!
//! What: a flow attributed to a catalog entry whose ServerHello chose a suite whose IANA
//! name marks it broken (RC4, 3DES (`3DES_EDE`/`DES_EDE`), single DES (`DES_CBC`,
//! `DES40`), NULL encryption or authentication, EXPORT grade, anonymous key exchange
//! (`DH_anon`, `ECDH_anon`)): high; or whose ClientHello offers nothing but such suites,
//! so the connection is broken or refused whatever the server does: medium. The
//! signalling values (0x00ff, 0x5600) are not suites and never count. Broken suites
//! offered next to good ones that the server did not pick are not this rule's: they are a
//! property of the machine's TLS stack, said once per client fingerprint by
//! `client-offers-weak-suites` (info).
//!
//! Why: these suites give weak, no confidentiality or no authentication at all. Azure's
//! endpoints never choose them, so a server that did is a device in between; a client
//! limited to them is configured far below what Azure expects.
//!
//! Example: ClientHello in frame 4 offering 0x0004 TLS_RSA_WITH_RC4_128_MD5 and 0x000a
//! TLS_RSA_WITH_3DES_EDE_CBC_SHA; ServerHello in frame 6 picking 0xc012
//! TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity, TlsSummary};
use crate::tls::cipher_suite_name;

pub struct WeakSuiteOffered;

static META: RuleMeta = RuleMeta {
    id: "weak-suite-offered",
    family: Family::WeakTls,
    severity: Severity::Medium,
    summary: "A broken cipher suite (RC4, 3DES, DES, NULL, EXPORT, anonymous) chosen, or the only kind the client offers",
    why: "These suites give weak, no confidentiality or no authentication; Azure's endpoints never choose them, so a server that did is a device in between, and a client offering nothing else can only connect insecurely or not at all.",
    check: "When the server chose one: the device that answered (a TLS-inspecting proxy or firewall; Azure does not). When the client offers nothing else: the machine's enabled suites, to enable the recommended ones and remove these (Windows: Enable-/Disable-TlsCipherSuite or the SSL Cipher Suite Order policy and the SCHANNEL Ciphers keys; Linux: OpenSSL CipherString/crypto policy).",
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
    use std::sync::atomic::{AtomicU8, Ordering};
    // Judged by name the first time a code point is asked about, then looked up: the rule
    // runs on every suite of every ClientHello, and substring searches there were a tenth
    // of the whole audit; judging all 65,536 code points up front cost more than a capture
    // of a few thousand flows asks. 0: not judged yet, 1: weak, 2: not weak. Threads that
    // judge one code point at once store the same answer.
    const UNKNOWN: u8 = 0;
    const WEAK: u8 = 1;
    const NOT_WEAK: u8 = 2;
    static JUDGED: [AtomicU8; 1 << 16] = [const { AtomicU8::new(UNKNOWN) }; 1 << 16];
    let Some(slot) = JUDGED.get(usize::from(suite)) else {
        return false;
    };
    match slot.load(Ordering::Relaxed) {
        WEAK => true,
        NOT_WEAK => false,
        _ => {
            let weak = !SCSV.contains(&suite)
                && cipher_suite_name(suite)
                    .is_some_and(|n| WEAK_MARKERS.iter().any(|m| n.contains(m)));
            slot.store(if weak { WEAK } else { NOT_WEAK }, Ordering::Relaxed);
            weak
        }
    }
}

/// `0xc012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA`, for evidence.
pub(super) fn describe(suite: u16) -> String {
    format!(
        "{suite:#06x} {}",
        cipher_suite_name(suite).unwrap_or("unknown")
    )
}

/// The suites of a ClientHello that are suites (the signalling values left aside).
fn real_suites(t: &TlsSummary) -> impl Iterator<Item = u16> + '_ {
    t.offered_suites
        .iter()
        .copied()
        .filter(|s| !SCSV.contains(s))
}

/// Why a connection is weak by its cipher suite, judged on what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WeakConnection {
    /// The server chose this broken suite.
    Chosen(u16),
    /// The client offered broken suites only: nothing else could be negotiated.
    OnlyWeakOffered,
}

/// Whether the connection runs on, or can only run on, a broken suite. Broken suites the
/// client offered next to others and the server did not pick give `None`: the connection
/// was not weak (`client-offers-weak-suites` notes them once per client stack).
pub(super) fn weak_connection(t: &TlsSummary) -> Option<WeakConnection> {
    if let Some(s) = t.cipher_suite.filter(|s| is_weak(*s)) {
        return Some(WeakConnection::Chosen(s));
    }
    let mut offered = real_suites(t).peekable();
    (offered.peek().is_some() && offered.all(is_weak)).then_some(WeakConnection::OnlyWeakOffered)
}

/// At most this many weak suites are named in the evidence.
const MAX_NAMED: usize = 12;

/// The suites named for evidence, those past [`MAX_NAMED`] only counted.
pub(super) fn named(suites: &[u16]) -> String {
    let mut named: Vec<String> = suites.iter().take(MAX_NAMED).map(|s| describe(*s)).collect();
    if suites.len() > MAX_NAMED {
        named.push(format!("and {} more", suites.len() - MAX_NAMED));
    }
    named.join(", ")
}

impl Rule for WeakSuiteOffered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() {
            return;
        }
        let Some(t) = &v.flow.tls else { return };
        let Some(weak) = weak_connection(t) else {
            return;
        };
        let offered = || -> Vec<u16> { real_suites(t).filter(|s| is_weak(*s)).collect() };
        let hello = t.client_hello_frame.unwrap_or_default();
        let name = v.attribution.name.as_deref().unwrap_or("?");
        match weak {
            WeakConnection::Chosen(suite) => {
                let frames = [t.client_hello_frame, t.server_hello_frame];
                out.add_at(&META, Severity::High, v, &frames, || {
                let offered = offered();
                let offer = if offered.is_empty() {
                    String::new()
                } else {
                    format!(
                        "ClientHello in frame {hello} offers {} weak suite(s): {}; ",
                        offered.len(),
                        named(&offered)
                    )
                };
                (
                    format!(
                        "{name}: {offer}ServerHello in frame {} chose {}",
                        t.server_hello_frame.unwrap_or_default(),
                        describe(suite)
                    ),
                    "The connection runs on a broken cipher suite.".to_string(),
                )
                });
            }
            WeakConnection::OnlyWeakOffered => {
                out.add(&META, v, &[t.client_hello_frame, t.first_alert_frame], || {
                let offered = offered();
                let answer = match (t.server_hello_frame, t.alerts.first()) {
                    (Some(_), _) => String::new(),
                    (None, Some(a)) => format!(
                        "; the server answered with alert {} in frame {}",
                        a.description_name, a.frame
                    ),
                    (None, None) => "; no ServerHello in the capture".to_string(),
                };
                (
                    format!(
                        "{name}: ClientHello in frame {hello} offers {} suite(s), every one broken: {}{answer}",
                        offered.len(),
                        named(&offered)
                    ),
                    "The client offers nothing but broken cipher suites: the connection is insecure or refused.".to_string(),
                )
                });
            }
        }
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

    fn hello(offered: &[u16], chosen: Option<u16>) -> TlsSummary {
        TlsSummary {
            client_hello_frame: Some(4),
            offered_suites: offered.to_vec(),
            server_hello_frame: chosen.map(|_| 6),
            cipher_suite: chosen,
            ..TlsSummary::default()
        }
    }

    /// Go before 1.22 offers two 3DES suites after its good ones: a server choosing
    /// AES-GCM makes nothing weak (issue 11).
    #[test]
    fn judged_on_what_was_negotiated() {
        let go119 = [0xc02f, 0xc030, 0x1301, 0xc012, 0x000a];
        assert_eq!(weak_connection(&hello(&go119, Some(0x1301))), None);
        assert_eq!(weak_connection(&hello(&go119, None)), None);
        assert_eq!(
            weak_connection(&hello(&go119, Some(0xc012))),
            Some(WeakConnection::Chosen(0xc012))
        );
        // Nothing but broken suites (the SCSV is no suite): weak whatever the answer.
        assert_eq!(
            weak_connection(&hello(&[0x0004, 0x000a, 0x00ff], None)),
            Some(WeakConnection::OnlyWeakOffered)
        );
        assert_eq!(weak_connection(&hello(&[0x00ff], None)), None);
        assert_eq!(weak_connection(&hello(&[], None)), None);
    }
}
