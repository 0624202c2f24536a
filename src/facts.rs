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

mod codec;
mod dns;
mod flow;
pub mod spool;

pub use dns::{DnsAnswer, DnsRecordData, pair_queries};
pub use flow::{
    AuditFlow, CertSummary, HttpRequestSummary, HttpResponseSummary, Interner, RareParts,
    TlsSummary,
};

use rustc_hash::FxHashMap;
use std::net::SocketAddr;

use crate::pipeline::{DroppedGroup, Flow, MAX_DROPPED_GROUPS, RecordStats};
use crate::wire::{AppProtocol, Transport};

/// Bounds of one capture's facts. Records are estimated by [`AuditFlow::approx_bytes`]
/// (a SYN-only flow about 0.5 KB); strings in them are cut at the bounds in `flow`.
#[derive(Debug, Clone, Copy)]
pub struct FactsLimits {
    /// Bytes of audit records kept per capture. Flows that carried nothing the dissector
    /// recognised (bare connection attempts: a SYN flood) may take half of it, so they
    /// never crowd out the TLS and HTTP flows the rules judge. Past the budget a flow is
    /// counted in [`RecordStats`], by connection state and server.
    pub record_bytes: usize,
}

impl Default for FactsLimits {
    fn default() -> Self {
        FactsLimits {
            record_bytes: 128 << 20,
        }
    }
}

/// Size from which a vector of records grows in one step to at least [`LARGE_STEP`] bytes.
const LARGE_FROM: usize = 1 << 20;
/// Bytes a large vector of records grows to at once: at least glibc's largest `mmap`
/// threshold (32 MiB), so the block is mapped and grows by `mremap`, in place. Grown by
/// doubling instead, a block under the threshold (which freed blocks raise, up to 32 MiB)
/// comes from the heap and each growth copies it, leaving the old block touched: peak RSS of
/// `audit` on a 1.6 GB capture was 57 MiB with 544-byte records and 74 MiB with 432-byte
/// ones. Pages never written are never resident, so the unused tail costs address space only.
const LARGE_STEP: usize = 32 << 20;

/// Makes room in `v` for `more` items, growing a large vector by at least [`LARGE_STEP`]
/// bytes at once (see there), to at most `most` items.
fn reserve_large<T>(v: &mut Vec<T>, more: usize, most: usize) {
    let size = std::mem::size_of::<T>().max(1);
    if v.capacity() - v.len() >= more || v.len() * size < LARGE_FROM {
        return;
    }
    let want = (v.len() + more)
        .max(v.len() * 2)
        .max(LARGE_STEP / size + 1)
        .min(most.max(v.len() + more));
    v.reserve_exact(want - v.len());
}

/// Distinct (state, server) groups counted while dropping; beyond, a flow counts as other.
const MAX_TRACKED_GROUPS: usize = 4096;

/// One capture's facts, in the order rules and tables want them.
#[derive(Debug, Clone, Default)]
pub struct CaptureFacts {
    /// The TCP flows (DNS over TCP excepted), by first frame.
    pub flows: Vec<AuditFlow>,
    /// Every DNS message (UDP and TCP), by frame, queries paired with their responses.
    pub dns: Vec<DnsAnswer>,
    /// What was left out or shortened to stay inside [`FactsLimits`] (for the file's stats).
    pub dropped: RecordStats,
    /// Names of the capturing host's components by id (Windows Packet Monitor), for findings
    /// that name where a packet was dropped; empty when the capture names none. Set by the
    /// caller from the capture's summary.
    pub host_components: std::collections::BTreeMap<u32, String>,
}

/// Collects the facts of one capture as the pipeline emits finished flows.
#[derive(Debug, Default)]
pub struct FactsBuilder {
    limits: FactsLimits,
    flows: Vec<AuditFlow>,
    dns: Vec<DnsAnswer>,
    /// Estimated bytes of the kept records, all and bare attempts only.
    bytes: usize,
    bare_bytes: usize,
    truncated: u64,
    dropped: u64,
    groups: FxHashMap<(&'static str, SocketAddr), u64>,
    other_dropped: u64,
    /// Chains and JA4 strings shared between the kept records.
    interner: flow::Interner,
}

impl FactsBuilder {
    pub fn new() -> FactsBuilder {
        FactsBuilder::default()
    }

    pub fn with_limits(limits: FactsLimits) -> FactsBuilder {
        FactsBuilder {
            limits,
            ..FactsBuilder::default()
        }
    }

    /// Keeps a record if the budget allows, else counts it.
    fn keep(&mut self, rec: AuditFlow) {
        let size = rec.approx_bytes();
        let bare = rec.protocol.is_none();
        let budget = self.limits.record_bytes;
        let fits = self.bytes.saturating_add(size) <= budget
            && (!bare || self.bare_bytes.saturating_add(size) <= budget / 2);
        if fits {
            self.bytes += size;
            if bare {
                self.bare_bytes += size;
            }
            // Upper bound on the records kept: each counts at least its own size.
            let most = budget / std::mem::size_of::<AuditFlow>();
            reserve_large(&mut self.flows, 1, most);
            self.flows.push(rec);
            return;
        }
        self.dropped += 1;
        let state = rec.conn_state.map_or("-", |c| c.as_str());
        let key = (state, rec.server);
        if let Some(n) = self.groups.get_mut(&key) {
            *n += 1;
        } else if self.groups.len() < MAX_TRACKED_GROUPS {
            self.groups.insert(key, 1);
        } else {
            self.other_dropped += 1;
        }
    }

    /// Compacts one finished flow: its DNS messages, and the flow itself when it is a TCP
    /// conversation the rules judge (DNS over TCP is judged by its messages only).
    pub fn add(&mut self, f: &Flow) {
        self.add_dns(f);
        if Self::judged(f) {
            let rec = AuditFlow::from_flow_shared(f, &mut self.truncated, &mut self.interner);
            self.keep(rec);
        }
    }

    /// [`FactsBuilder::add`] of a flow the caller is done with: the record takes over what
    /// it keeps of the flow's strings and lists instead of copying them (they are left
    /// empty in `f`).
    pub fn add_taking(&mut self, f: &mut Flow) {
        self.add_dns(f);
        if Self::judged(f) {
            let rec = AuditFlow::from_flow_taking(f, &mut self.truncated, &mut self.interner);
            self.keep(rec);
        }
    }

    fn add_dns(&mut self, f: &Flow) {
        if !f.app.dns.is_empty() {
            reserve_large(&mut self.dns, f.app.dns.len(), usize::MAX);
            self.dns.extend(DnsAnswer::of_flow(f));
        }
    }

    /// A TCP conversation the rules judge by its record.
    fn judged(f: &Flow) -> bool {
        f.transport == Transport::Tcp && f.app.protocol != Some(AppProtocol::Dns)
    }

    /// Sorts what was collected and pairs the DNS messages.
    pub fn finish(self) -> CaptureFacts {
        let FactsBuilder {
            flows,
            mut dns,
            truncated,
            dropped,
            groups,
            mut other_dropped,
            ..
        } = self;
        // Most dropped first; ties by state and server, so the list is deterministic.
        let mut groups: Vec<((&'static str, SocketAddr), u64)> = groups.into_iter().collect();
        groups.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        other_dropped += groups
            .iter()
            .skip(MAX_DROPPED_GROUPS)
            .map(|g| g.1)
            .sum::<u64>();
        let dropped = RecordStats {
            flows_dropped: dropped,
            strings_truncated: truncated,
            dropped_by: groups
                .into_iter()
                .take(MAX_DROPPED_GROUPS)
                .map(|((state, server), flows)| DroppedGroup {
                    conn_state: state.to_string(),
                    server,
                    flows,
                })
                .collect(),
            other_dropped,
        };
        // Flows finish in capture-end order; rules and tables want them by first frame. Sorted
        // in place through an index of keys (stable, each record moved by at most one swap
        // per position): a second and third vector of records (slots, then the sorted copy)
        // tripled the records' memory at the peak of the run.
        let mut flows = flows;
        flows.sort_by_cached_key(|f| f.frames.first);
        dns.sort_by_key(|d| d.frame);
        pair_queries(&mut dns);
        CaptureFacts {
            flows,
            dns,
            dropped,
            host_components: std::collections::BTreeMap::new(),
        }
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
        let stats = pipeline::analyze(
            &Input::Path(path),
            &PipelineConfig::default(),
            &mut |mut f| b.add_taking(&mut f),
        );
        assert!(stats.error.is_none(), "{name}: {:?}", stats.error);
        b.finish()
    }

    /// Taking the SNI, suites and history out of each flow gives the records that copying
    /// them gives, over every sample.
    #[test]
    fn taking_and_copying_a_flow_give_the_same_records() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).expect("samples/") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("pcap") {
                continue;
            }
            let (mut copied, mut taken) = (FactsBuilder::new(), FactsBuilder::new());
            pipeline::analyze(
                &Input::Path(path.clone()),
                &PipelineConfig::default(),
                &mut |mut f| {
                    copied.add(&f);
                    taken.add_taking(&mut f);
                },
            );
            let (copied, taken) = (copied.finish(), taken.finish());
            let json =
                |f: &CaptureFacts| serde_json::to_string(&(&f.flows, &f.dns)).expect("serializes");
            assert_eq!(json(&copied), json(&taken), "{}", path.display());
            read += 1;
        }
        assert!(read > 10, "only {read} samples");
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
