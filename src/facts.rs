//! The facts stage: what the rules read, computed once per capture. Each finished flow of
//! the pipeline is compacted as it arrives ([`AuditFlow`] for a TCP conversation,
//! [`DnsAnswer`] for each DNS message, its queries paired with the flow's responses), and
//! when the capture ends the collection is put in first-frame order. Whatever a rule
//! would otherwise re-derive from raw parser output (certificate common names, the
//! query/response pairing) is derived here.
//!
//! The records are held in memory up to a budget ([`FactsLimits::memory_bytes`]); past it
//! they go, in sorted runs, to an unnamed temporary file ([`spool`], encoded by `codec`),
//! and come back merged in first-frame order each time the audit reads them: the memory a
//! capture's facts take is flat in the capture's size.
//!
//! Knows the pipeline's flow records and the parsers' facts; knows nothing of the catalog,
//! the context or the rules (judging is `classify`'s job).
//!
//! The root is `src/facts.rs` rather than `src/facts/mod.rs` on purpose: until issue 10 the
//! dissector lived at `src/facts/mod.rs`, and keeping that path free lets git see its move
//! to `src/dissect/mod.rs` as a rename when branches are merged.

pub(crate) mod codec;
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
use spool::{Sorted, Spool};

/// Bounds of one capture's facts. Records are estimated by [`AuditFlow::approx_bytes`]
/// (a SYN-only flow about 0.5 KB); strings in them are cut at the bounds in `flow`.
#[derive(Debug, Clone, Copy)]
pub struct FactsLimits {
    /// Bytes of audit records kept per capture. Flows that carried nothing the dissector
    /// recognised (bare connection attempts: a SYN flood) may take half of it, so they
    /// never crowd out the TLS and HTTP flows the rules judge. Past the budget a flow is
    /// counted in [`RecordStats`], by connection state and server.
    pub record_bytes: usize,
    /// Bytes of records, and as many of DNS messages, held in memory before they go, in
    /// sorted runs, to a temporary file ([`spool`]): what keeps the audit of a capture of
    /// any size within a flat amount of memory.
    pub memory_bytes: usize,
}

impl Default for FactsLimits {
    fn default() -> Self {
        FactsLimits {
            record_bytes: 128 << 20,
            memory_bytes: 4 << 20,
        }
    }
}

/// Distinct (state, server) groups counted while dropping; beyond, a flow counts as other.
const MAX_TRACKED_GROUPS: usize = 4096;

/// One capture's facts, in the order rules and tables want them; in memory or partly in a
/// temporary file (see [`FactsLimits::memory_bytes`]), read in passes.
pub struct CaptureFacts {
    /// The TCP flows (DNS over TCP excepted), by first frame.
    pub flows: Sorted<AuditFlow>,
    /// Every DNS message (UDP and TCP), by frame, queries paired with their responses.
    pub dns: Sorted<DnsAnswer>,
    /// What was left out or shortened to stay inside [`FactsLimits`] (for the file's stats).
    pub dropped: RecordStats,
    /// Names of the capturing host's components by id (Windows Packet Monitor), for findings
    /// that name where a packet was dropped; empty when the capture names none. Set by the
    /// caller from the capture's summary.
    pub host_components: std::collections::BTreeMap<u32, String>,
    /// Bytes of records the facts held in memory before spilling
    /// ([`FactsLimits::memory_bytes`]): the audit holds its per-flow verdicts to the same.
    pub memory_bytes: usize,
    /// The latest end of a kept flow or time of a DNS message: the capture's end as its
    /// records show it, known before they are read back (a DNS query asked too close to
    /// it is not called unanswered).
    pub end_ns: Option<i64>,
}

/// Collects the facts of one capture as the pipeline emits finished flows.
pub struct FactsBuilder {
    limits: FactsLimits,
    flows: Spool<AuditFlow>,
    dns: Spool<DnsAnswer>,
    /// The DNS messages of the flow being added, paired before they are kept.
    flow_dns: Vec<DnsAnswer>,
    /// See [`CaptureFacts::end_ns`].
    end_ns: Option<i64>,
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

impl Default for FactsBuilder {
    fn default() -> Self {
        FactsBuilder::with_limits(FactsLimits::default())
    }
}

/// The order the rules read flows in.
fn first_frame(f: &AuditFlow) -> u64 {
    f.frames.first
}

/// The order the rules read DNS messages in.
fn dns_frame(d: &DnsAnswer) -> u64 {
    d.frame
}

impl FactsBuilder {
    pub fn new() -> FactsBuilder {
        FactsBuilder::default()
    }

    pub fn with_limits(limits: FactsLimits) -> FactsBuilder {
        FactsBuilder {
            limits,
            flows: Spool::new(limits.memory_bytes, first_frame),
            dns: Spool::new(limits.memory_bytes, dns_frame),
            flow_dns: Vec::new(),
            end_ns: None,
            bytes: 0,
            bare_bytes: 0,
            truncated: 0,
            dropped: 0,
            groups: FxHashMap::default(),
            other_dropped: 0,
            interner: flow::Interner::default(),
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
            self.end_ns = self.end_ns.max(Some(rec.last_ts_ns));
            self.flows.push(rec, size);
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

    /// Compacts the flow's DNS messages, each query paired with the flow's responses (a
    /// query and its answer share the flow: the same two ends).
    fn add_dns(&mut self, f: &Flow) {
        if !f.app.dns.is_empty() {
            self.flow_dns.extend(DnsAnswer::of_flow(f));
            pair_queries(&mut self.flow_dns);
            for m in self.flow_dns.drain(..) {
                self.end_ns = self.end_ns.max(Some(m.ts_ns));
                let size = m.approx_bytes();
                self.dns.push(m, size);
            }
        }
    }

    /// A TCP conversation the rules judge by its record.
    fn judged(f: &Flow) -> bool {
        f.transport == Transport::Tcp && f.app.protocol != Some(AppProtocol::Dns)
    }

    /// Sorts what was collected.
    pub fn finish(self) -> CaptureFacts {
        let FactsBuilder {
            limits,
            flows,
            dns,
            end_ns,
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
            spill_error: None,
        };
        // Flows finish in capture-end order; rules and tables want them by first frame (the
        // spool's runs are sorted, and read back merged).
        let (flows, dns) = (flows.finish(), dns.finish());
        let mut dropped = dropped;
        dropped.spill_error = flows.spill_error().or(dns.spill_error()).map(|e| {
            format!(
                "cannot write the audit's temporary file ({e}); the records were held in memory"
            )
        });
        CaptureFacts {
            flows,
            dns,
            dropped,
            host_components: std::collections::BTreeMap::new(),
            memory_bytes: limits.memory_bytes,
            end_ns,
        }
    }
}

/// The facts of the capture at `path` under `limits`, read whole (no error allowed): the
/// tests' way to the records of a sample.
#[cfg(test)]
pub(crate) fn facts_of_file(path: &std::path::Path, limits: FactsLimits) -> CaptureFacts {
    let mut b = FactsBuilder::with_limits(limits);
    let stats = crate::pipeline::analyze(
        &crate::capture::Input::Path(path.to_path_buf()),
        &crate::pipeline::PipelineConfig::default(),
        &mut |mut f| b.add_taking(&mut f),
    );
    assert!(
        stats.error.is_none(),
        "{}: {:?}",
        path.display(),
        stats.error
    );
    b.finish()
}

/// The sample captures (`samples/*.pcap`), in name order.
#[cfg(test)]
pub(crate) fn sample_pcaps() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("samples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("pcap"))
        .collect();
    paths.sort();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Input;
    use crate::pipeline::{self, PipelineConfig};
    use std::path::PathBuf;

    /// A capture's facts, read out of their spool.
    struct Listed {
        flows: Vec<AuditFlow>,
        dns: Vec<DnsAnswer>,
    }

    fn facts_with(path: &std::path::Path, limits: FactsLimits) -> Listed {
        let f = facts_of_file(path, limits);
        assert!(
            f.dropped.spill_error.is_none(),
            "{:?}",
            f.dropped.spill_error
        );
        Listed {
            flows: f.flows.to_vec().expect("read back"),
            dns: f.dns.to_vec().expect("read back"),
        }
    }

    fn facts_of(name: &str) -> Listed {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        facts_with(&path, FactsLimits::default())
    }

    /// Records that went to the temporary file (every one of them: no memory at all) come
    /// back as the records held in memory, in the same order, over every sample.
    #[test]
    fn spilled_facts_equal_the_facts_held_in_memory() {
        let mut read = 0;
        for path in sample_pcaps() {
            let kept = facts_with(&path, FactsLimits::default());
            let spilled = facts_with(
                &path,
                FactsLimits {
                    memory_bytes: 0,
                    ..FactsLimits::default()
                },
            );
            let json = |f: &Listed| serde_json::to_string(&(&f.flows, &f.dns)).expect("json");
            assert_eq!(json(&kept), json(&spilled), "{}", path.display());
            read += 1;
        }
        assert!(read > 10, "only {read} samples");
    }

    /// Taking the SNI, suites and history out of each flow gives the records that copying
    /// them gives, over every sample.
    #[test]
    fn taking_and_copying_a_flow_give_the_same_records() {
        let mut read = 0;
        for path in sample_pcaps() {
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
            let json = |f: &CaptureFacts| {
                let (flows, dns) = (
                    f.flows.to_vec().expect("read"),
                    f.dns.to_vec().expect("read"),
                );
                serde_json::to_string(&(flows, dns)).expect("serializes")
            };
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
