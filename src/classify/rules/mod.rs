//! Every rule, one per file. A rule's file starts with its documentation in three parts
//! (what it detects, why it matters for the Arc agent, an example), declares its
//! [`RuleMeta`](super::RuleMeta) and implements [`Rule`](super::Rule). Add a rule by adding
//! a file and a line to [`all`].

mod reset_after_client_hello;
mod syn_unanswered;
mod tls_version_below_1_2;
// misrouted and weak-tls rules
mod client_cannot_offer_1_2;
mod client_offers_no_recommended_suite;
mod deprecated_endpoint;
mod outside_service_tag;
mod plaintext_http;
mod private_link_public_address;
mod proxy_bypass;
mod public_endpoint_private_address;
mod sql_endpoint_below_1_2;
mod suite_not_recommended;
mod tls_interception;
mod unexpected_port;
mod weak_suite_offered;
mod wrong_cloud;

// Group "blocked and coverage rules".
mod dns_failure;
mod handshake_stalled;
mod heartbeat_silence;
mod icmp_unreachable;
mod proxy_connect_refused;
mod required_endpoint_never_succeeded;
mod required_endpoint_not_contacted;
mod syn_refused;
mod tls_alert_fatal;

use super::{Rule, RuleMeta};

/// Every rule, in the order findings of one frame are listed.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &syn_unanswered::SynUnanswered,
        &reset_after_client_hello::ResetAfterClientHello,
        &tls_version_below_1_2::TlsVersionBelow12,
        // Group "blocked and coverage rules".
        &syn_refused::SynRefused,
        &icmp_unreachable::IcmpUnreachable,
        &handshake_stalled::HandshakeStalled,
        &tls_alert_fatal::TlsAlertFatal,
        &proxy_connect_refused::ProxyConnectRefused,
        &dns_failure::DnsFailure,
        &required_endpoint_never_succeeded::RequiredEndpointNeverSucceeded,
        &required_endpoint_not_contacted::RequiredEndpointNotContacted,
        &heartbeat_silence::HeartbeatSilence,
        // misrouted and weak-tls rules
        &private_link_public_address::PrivateLinkPublicAddress,
        &public_endpoint_private_address::PublicEndpointPrivateAddress,
        &proxy_bypass::ProxyBypass,
        &outside_service_tag::OutsideServiceTag,
        &wrong_cloud::WrongCloud,
        &tls_interception::TlsInterception,
        &unexpected_port::UnexpectedPort,
        &plaintext_http::PlaintextHttp,
        &deprecated_endpoint::DeprecatedEndpoint,
        &client_cannot_offer_1_2::ClientCannotOffer12,
        &suite_not_recommended::SuiteNotRecommended,
        &client_offers_no_recommended_suite::ClientOffersNoRecommendedSuite,
        &weak_suite_offered::WeakSuiteOffered,
        &sql_endpoint_below_1_2::SqlEndpointBelow12,
    ]
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
            ] {
                assert!(text.len() > 10, "{}: {what} too short", m.id);
            }
        }
    }
}
