//! `client-offers-weak-suites` (weak-tls, info): a client TLS stack of the machine offers
//! broken cipher suites that no server in the capture chose.
//!
//! What: the ClientHellos on flows attributed to catalog entries, grouped by their JA4
//! fingerprint (one group per TLS stack and configuration), that offer broken suites (as
//! `weak-suite-offered` judges them: RC4, 3DES, DES, NULL, EXPORT, anonymous) next to
//! others, on connections where the server chose none of them. One finding per
//! fingerprint per capture, naming the endpoints it was seen towards, how many
//! connections, and the broken suites offered. Connections that did run (or could only
//! run) on a broken suite are `weak-suite-offered`'s and are not counted here.
//!
//! Why: what was negotiated decides whether a connection is weak; an offer the server
//! declined is a property of the machine, not of the connection, and reporting it on
//! every connection buried real findings (Go before 1.22, the language of the Connected
//! Machine agent, ends its default list with two 3DES suites). It is still worth one
//! note: a device in the path could pick those suites, and hardening guides remove them.
//!
//! Example: JA4 t13d1910h2_9dc949149365_97f8aa674fd9 in 8 connection(s) to 8
//! endpoint(s) (management.azure.com, login.microsoftonline.com, ...) offers 2 broken
//! suite(s) no server chose: 0xc012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, 0x000a
//! TLS_RSA_WITH_3DES_EDE_CBC_SHA.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::weak_suite_offered::{is_weak, named, weak_connection};
use crate::classify::{
    CaptureView, Cx, Family, Finding, FlowFold, FlowView, Rule, RuleMeta, Severity,
};

pub struct ClientOffersWeakSuites;

static META: RuleMeta = RuleMeta {
    id: "client-offers-weak-suites",
    family: Family::WeakTls,
    severity: Severity::Info,
    summary: "A client TLS stack offers broken cipher suites that no server chose (hardening note, once per JA4)",
    why: "No connection ran on them, so nothing is weak today; but a device in the path could choose them, and a stack that still offers RC4, 3DES, NULL or EXPORT suites is configured below current hardening guidance.",
    check: "The program behind the fingerprint: a Go program built before Go 1.22 (older Connected Machine agents) offers 3DES by default, so update it; otherwise the machine's enabled suites (Windows: Disable-TlsCipherSuite or the SSL Cipher Suite Order policy; Linux: OpenSSL CipherString/crypto policy).",
    requirement: "Arc network requirements (2026-04-01): Cryptographic protocols (recommended versions and cipher suites)",
    example: "JA4 t13d1910h2_9dc949149365_97f8aa674fd9 in 8 connection(s) to 8 endpoint(s) (management.azure.com, login.microsoftonline.com, ...) offers 2 broken suite(s) no server chose: 0xc012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, 0x000a TLS_RSA_WITH_3DES_EDE_CBC_SHA.",
};

/// Most endpoint names spelt out per finding; the rest are counted.
const MAX_NAMES: usize = 8;
/// Most ClientHello frames listed per finding (the first of each endpoint).
const MAX_FRAMES: usize = 8;

/// What one client fingerprint did in the capture.
#[derive(Default)]
struct Stack {
    connections: usize,
    /// Endpoint names (SNI, CONNECT authority, ...) in order of first ClientHello.
    names: Vec<String>,
    /// The first ClientHello frame towards each name.
    frames: Vec<u64>,
    /// Broken suites offered, in the order first offered.
    weak: Vec<u16>,
}

impl Rule for ClientOffersWeakSuites {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn flow_fold(&self) -> Option<Box<dyn FlowFold>> {
        Some(Box::new(Stacks::default()))
    }
}

/// The client stacks offering broken suites, keyed by fingerprint for one finding per
/// stack; flows come in capture order, so names, frames and suites keep the order they
/// were first seen in.
#[derive(Default)]
struct Stacks {
    stacks: BTreeMap<String, Stack>,
}

impl FlowFold for Stacks {
    fn flow(&mut self, v: &FlowView<'_>, _cx: &Cx<'_>) {
        if !v.is_arc() {
            return;
        }
        let Some(t) = &v.flow.tls else { return };
        let Some(frame) = t.client_hello_frame else {
            return;
        };
        if weak_connection(t).is_some() {
            return;
        }
        let mut weak = t.offered_suites.iter().copied().filter(|s| is_weak(*s));
        let Some(first_weak) = weak.next() else {
            return;
        };
        let ja4 = t.ja4.as_deref().unwrap_or("(no JA4)");
        if !self.stacks.contains_key(ja4) {
            self.stacks.insert(ja4.to_string(), Stack::default());
        }
        let Some(s) = self.stacks.get_mut(ja4) else { return };
        s.connections += 1;
        let name: Cow<'_, str> = match (v.attribution.name.as_deref(), v.primary()) {
            (Some(n), _) => Cow::Borrowed(n),
            (None, Some(e)) => Cow::Borrowed(e.id.as_str()),
            (None, None) => Cow::Owned(v.server_ip().to_string()),
        };
        if !s.names.iter().any(|n| *n == name) {
            s.names.push(name.into_owned());
            s.frames.push(frame);
        }
        for w in std::iter::once(first_weak).chain(weak) {
            if !s.weak.contains(&w) {
                s.weak.push(w);
            }
        }
    }

    fn finish(self: Box<Self>, _c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        for (ja4, s) in self.stacks {
            let names: Vec<&str> = s.names.iter().take(MAX_NAMES).map(String::as_str).collect();
            let more = s.names.len().saturating_sub(MAX_NAMES);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let mut f = Finding::new(
                &META,
                cx.file,
                format!(
                    "JA4 {ja4} in {} connection(s) to {} endpoint(s) ({}{more}) offers {} broken suite(s) no server chose: {}",
                    s.connections,
                    s.names.len(),
                    names.join(", "),
                    s.weak.len(),
                    named(&s.weak),
                ),
                "A TLS stack on the machine still offers broken cipher suites; no server here chose one, so no connection ran on them.".to_string(),
            );
            let mut frames: Vec<u64> = s.frames.iter().copied().take(MAX_FRAMES).collect();
            frames.sort_unstable();
            f.frames = frames;
            out.push(f);
        }
    }
}
