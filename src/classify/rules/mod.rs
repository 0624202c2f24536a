//! Every rule, one per file. A rule's file starts with its documentation in three parts
//! (what it detects, why it matters for the Arc agent, an example), declares its
//! [`RuleMeta`](super::RuleMeta) and implements [`Rule`](super::Rule). Adding a rule is
//! one new file plus one line in the `registry!` list below, which yields both the `mod`
//! declarations and [`all`]; docs/audit.md's rule table is checked against the metadata
//! by `tests/docs_rules.rs`.

use super::{Family, FlowView, Rule, RuleMeta};

/// Lists each rule once as `module::Type` and yields the `mod` declarations, the ordered
/// registry [`all`] and (for tests) each rule's source text. The order is the order in
/// which the findings of one frame are listed, so it is part of the output.
macro_rules! registry {
    ($($module:ident :: $rule:ident),+ $(,)?) => {
        $(mod $module;)+

        /// Every rule, in the order findings of one frame are listed.
        pub fn all() -> &'static [&'static dyn Rule] {
            &[$(&$module::$rule),+]
        }

        /// Each rule's file, in [`all`]'s order: the test below reads its doc comment.
        #[cfg(test)]
        const SOURCES: &[&str] = &[$(include_str!(concat!(stringify!($module), ".rs"))),+];
    };
}

/// Whether rule `r` leaves flow `v` to a rule with stronger evidence of the same problem: a
/// drop reported on the host (`dropped-on-host`) says directly why a failed flow failed, so
/// the other blocked rules, which infer the cause from what the wire shows, step aside on
/// that flow. One place for the precedence, so a new blocked rule follows it without a
/// check of its own.
pub(crate) fn defers(r: &dyn Rule, v: &FlowView<'_>) -> bool {
    let meta = r.meta();
    meta.family == Family::Blocked
        && meta.id != dropped_on_host::DroppedOnHost.meta().id
        && dropped_on_host::fires(v)
}

registry! {
    dropped_on_host::DroppedOnHost,
    syn_unanswered::SynUnanswered,
    reset_after_client_hello::ResetAfterClientHello,
    tls_version_below_1_2::TlsVersionBelow12,
    // Group "blocked and coverage rules".
    syn_refused::SynRefused,
    icmp_unreachable::IcmpUnreachable,
    handshake_stalled::HandshakeStalled,
    tls_alert_fatal::TlsAlertFatal,
    proxy_connect_refused::ProxyConnectRefused,
    dns_failure::DnsFailure,
    unattributed_failure::UnattributedFailure,
    required_endpoint_never_succeeded::RequiredEndpointNeverSucceeded,
    required_endpoint_not_contacted::RequiredEndpointNotContacted,
    heartbeat_silence::HeartbeatSilence,
    // misrouted and weak-tls rules
    private_link_public_address::PrivateLinkPublicAddress,
    public_endpoint_private_address::PublicEndpointPrivateAddress,
    proxy_bypass::ProxyBypass,
    context_contradicted::ContextContradicted,
    outside_service_tag::OutsideServiceTag,
    wrong_cloud::WrongCloud,
    tls_interception::TlsInterception,
    unexpected_port::UnexpectedPort,
    plaintext_http::PlaintextHttp,
    deprecated_endpoint::DeprecatedEndpoint,
    client_cannot_offer_1_2::ClientCannotOffer12,
    suite_not_recommended::SuiteNotRecommended,
    client_offers_no_recommended_suite::ClientOffersNoRecommendedSuite,
    weak_suite_offered::WeakSuiteOffered,
    client_offers_weak_suites::ClientOffersWeakSuites,
    sql_endpoint_below_1_2::SqlEndpointBelow12,
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| r.meta().id == id)
}

/// Every rule's description, for `arcaudit explain` and the documentation.
pub fn metas() -> impl Iterator<Item = &'static RuleMeta> {
    all().iter().map(|r| r.meta())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_documented() {
        let mut seen = BTreeSet::new();
        for m in metas() {
            assert!(seen.insert(m.id), "duplicate rule id {}", m.id);
            assert!(
                m.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                m.id
            );
            for (what, text) in [
                ("summary", m.summary),
                ("why", m.why),
                ("check", m.check),
                ("requirement", m.requirement),
                ("example", m.example),
            ] {
                assert!(text.len() > 10, "{}: {what} too short", m.id);
            }
        }
    }

    /// The paragraph starting `//! Example:` in a rule file's doc, lines joined.
    fn doc_example(source: &str) -> Option<String> {
        let mut lines = source
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(str::trim)
            .skip_while(|l| !l.starts_with("Example:"));
        let first = lines.next()?.strip_prefix("Example:")?.trim();
        let mut text = first.to_string();
        for l in lines.take_while(|l| !l.is_empty()) {
            text.push(' ');
            text.push_str(l);
        }
        Some(text)
    }

    /// The example is written in the file's doc (for readers of the code) and in its META
    /// (for `explain` and docs/audit.md): the two must not drift apart.
    #[test]
    fn each_example_is_the_one_in_its_files_doc() {
        assert_eq!(SOURCES.len(), all().len());
        for (rule, source) in all().iter().zip(SOURCES) {
            let m = rule.meta();
            assert!(
                source.contains(&format!("id: \"{}\"", m.id)),
                "{}: SOURCES out of step with all()",
                m.id
            );
            assert_eq!(
                doc_example(source).as_deref(),
                Some(m.example),
                "{}: the doc's Example paragraph and META.example differ",
                m.id
            );
        }
    }
}
