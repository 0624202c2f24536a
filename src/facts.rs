//! The facts stage: what the rules read, computed once per capture. Each finished flow of
//! the pipeline is compacted as it arrives ([`AuditFlow`] for a TCP conversation,
//! [`DnsAnswer`] for each DNS message), and when the capture ends the collection is put in
//! first-frame order and the DNS queries are paired with their responses. Whatever a rule
//! would otherwise re-derive from raw parser output (certificate common names, the
//! query/response pairing) is derived here.
//!
//! Knows the pipeline's flow records and the parsers' facts; knows nothing of the catalog,
//! the context or the rules (judging is `classify`'s job).
//!
//! The root is `src/facts.rs` rather than `src/facts/mod.rs` on purpose: until issue 10 the
//! dissector lived at `src/facts/mod.rs`, and keeping that path free lets git see its move
//! to `src/dissect/mod.rs` as a rename when branches are merged.

mod dns;
mod flow;

pub use dns::{DnsAnswer, DnsRecordData, pair_queries};
pub use flow::{AuditFlow, CertSummary, HttpRequestSummary, HttpResponseSummary, TlsSummary};

use crate::pipeline::Flow;
use crate::wire::{AppProtocol, Transport};

/// One capture's facts, in the order rules and tables want them.
#[derive(Debug, Clone, Default)]
pub struct CaptureFacts {
    /// The TCP flows (DNS over TCP excepted), by first frame.
    pub flows: Vec<AuditFlow>,
    /// Every DNS message (UDP and TCP), by frame, queries paired with their responses.
    pub dns: Vec<DnsAnswer>,
}

/// Collects the facts of one capture as the pipeline emits finished flows.
#[derive(Debug, Default)]
pub struct FactsBuilder {
    flows: Vec<AuditFlow>,
    dns: Vec<DnsAnswer>,
}

impl FactsBuilder {
    pub fn new() -> FactsBuilder {
        FactsBuilder::default()
    }

    /// Compacts one finished flow: its DNS messages, and the flow itself when it is a TCP
    /// conversation the rules judge (DNS over TCP is judged by its messages only).
    pub fn add(&mut self, f: &Flow) {
        if !f.app.dns.is_empty() {
            self.dns.extend(DnsAnswer::from_flow(f));
        }
        if f.transport == Transport::Tcp && f.app.protocol != Some(AppProtocol::Dns) {
            self.flows.push(AuditFlow::from_flow(f));
        }
    }

    /// Sorts what was collected and pairs the DNS messages.
    pub fn finish(self) -> CaptureFacts {
        let FactsBuilder { flows, mut dns } = self;
        // Flows finish in capture-end order; rules and tables want them by first frame. Sort
        // an index and move each (large) record once, rather than swapping records around.
        let mut order: Vec<(u64, usize)> = flows
            .iter()
            .enumerate()
            .map(|(i, f)| (f.frames.first, i))
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<AuditFlow>> = flows.into_iter().map(Some).collect();
        let flows: Vec<AuditFlow> = order.iter().filter_map(|&(_, i)| slots[i].take()).collect();
        dns.sort_by_key(|d| d.frame);
        pair_queries(&mut dns);
        CaptureFacts { flows, dns }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Input;
    use crate::pipeline::{self, PipelineConfig};
    use std::path::PathBuf;

    fn facts_of(name: &str) -> CaptureFacts {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        let mut b = FactsBuilder::new();
        let stats = pipeline::analyze(&Input::Path(path), &PipelineConfig::default(), &mut |f| {
            b.add(&f)
        });
        assert!(stats.error.is_none(), "{name}: {:?}", stats.error);
        b.finish()
    }

    #[test]
    fn flows_by_first_frame_and_dns_by_frame() {
        let f = facts_of("healthy-agent.pcap");
        assert!(!f.flows.is_empty() && !f.dns.is_empty());
        assert!(
            f.flows
                .windows(2)
                .all(|w| w[0].frames.first <= w[1].frames.first)
        );
        assert!(f.dns.windows(2).all(|w| w[0].frame <= w[1].frame));
        assert!(f.flows.iter().all(|a| a.transport == Transport::Tcp));
    }

    #[test]
    fn certificate_common_names_come_from_the_parsed_names() {
        let f = facts_of("hostile-cert-names.pcap");
        let certs = f
            .flows
            .iter()
            .find_map(|a| a.tls.as_ref().filter(|t| !t.certificates.is_empty()))
            .map(|t| &t.certificates)
            .expect("the sample holds a TLS 1.2 Certificate message");
        let leaf = &certs[0];
        assert_eq!(leaf.subject_cn.as_deref(), Some("\"><svg onload=alert(4)>"));
        // Read whole from the parsed name, markup and all (rendering escapes it, not this stage).
        assert_eq!(
            leaf.issuer_cn.as_deref(),
            Some("<script>alert(1)</script> | *x* [a](javascript:alert(3))")
        );
    }

    #[test]
    fn refused_queries_are_paired_with_their_answers() {
        let f = facts_of("dns-refused.pcap");
        let queries: Vec<&DnsAnswer> = f.dns.iter().filter(|d| !d.is_response).collect();
        assert!(!queries.is_empty());
        assert!(queries.iter().all(|q| q.answered), "{queries:?}");
    }
}
