//! Drives one capture through the stages: capture -> duplicate collapse -> decode -> flow
//! table (with the application dissector) -> flow records, and gathers the per-file
//! statistics. Where a frame says which host component saw it (Windows Packet Monitor), that
//! component and any drop go to the frame's flow, for the first copy and the collapsed ones.
//! Also finds the capture files named on the command line. Renders nothing and judges nothing.

mod inputs;

pub use inputs::{InputError, discover_inputs, discover_inputs_noting_skipped, is_capture_magic};

use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::capture::{self, CaptureSummary, Frame, Input};
use crate::collapse::{CollapseStats, Collapser, Seen};
use crate::decode::{DecodeLimits, DecodeStats, Decoder, Packet, link};
use crate::dissect::{AppDissector, AppFacts};
use crate::flow::{Dissector, FlowConfig, FlowRecord, FlowStats, FlowTable};
/// What the TLS parser keeps of each hello ([`PipelineConfig::tls`]).
pub use crate::tls::Extract;

/// A flow record with the facts arcaudit extracts.
pub type Flow = FlowRecord<AppFacts>;

/// Default of `--max-memory`: what the per-capture structures of one file may take.
pub const DEFAULT_MAX_MEMORY: u64 = 512 << 20;

/// Estimated bytes one open flow costs in the table before any payload (hash-map slot,
/// key, flow, TCP state with both reassemblers, expiry-queue entry), measured on a SYN
/// flood (about 1.3 KB per flow at peak, allocator overhead included).
pub const FLOW_COST: u64 = 1280;

/// Settings of the per-file pipeline.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub flow: FlowConfig,
    pub decode: DecodeLimits,
    /// Bytes of audit records the facts stage keeps per capture (see `facts::FactsLimits`).
    pub record_bytes: usize,
    /// Bytes of audit records (and as many of DNS messages) the facts stage holds in memory
    /// per capture before the rest goes to a temporary file (see `facts::FactsLimits`).
    pub spool_bytes: usize,
    /// Bytes of input consumed so far, as stored on disk (compressed bytes for .gz/.zst),
    /// for a caller that shows progress; shared by the files analysed in parallel. Once a
    /// file is done it has added its whole size, even if reading stopped early, so the
    /// count ends at the sum of the file sizes.
    pub progress: Option<Arc<AtomicU64>>,
    /// `--keep-duplicates`: hand on every copy of a packet (counted all the same).
    pub keep_duplicates: bool,
    /// What the TLS parser keeps of each hello (everything by default; a caller that
    /// reads only the handshake's outcome and JA4 can leave the rest out).
    pub tls: Extract,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig::with_memory(DEFAULT_MAX_MEMORY, FlowConfig::default())
    }
}

impl PipelineConfig {
    /// The settings for a memory budget of `max_memory` bytes per capture file analysed
    /// at once, split: 1/2 for the flow table (its `max_flows` lowered to fit at
    /// [`FLOW_COST`] each, never raised), 1/8 for the bytes flows buffer, 1/4 for the audit
    /// records kept, of which 1/128 of the whole is held in memory (as much again for DNS
    /// messages and for per-flow verdicts) and the rest goes to a temporary file; the last
    /// 1/8 is left to findings and the parsers' transients. With the default 512 MiB:
    /// 200,000 flows (the `--max-flows` default), 64 MiB of buffers, 128 MiB of audit
    /// records of which 4 MiB in memory (about 8,000 flows: most captures never spill).
    pub fn with_memory(max_memory: u64, mut flow: FlowConfig) -> PipelineConfig {
        let share =
            |num: u64, den: u64| usize::try_from(max_memory / den * num).unwrap_or(usize::MAX);
        let table_flows = share(1, 2) / usize::try_from(FLOW_COST).unwrap_or(1);
        flow.max_flows = flow.max_flows.min(table_flows).max(1);
        flow.buffer_budget = share(1, 8);
        PipelineConfig {
            flow,
            decode: DecodeLimits::default(),
            record_bytes: share(1, 4),
            spool_bytes: share(1, 128),
            progress: None,
            keep_duplicates: false,
            tls: Extract::default(),
        }
    }
}

/// What happened to one input: how much was read and decoded, and any error.
#[derive(Debug, Clone, Serialize)]
pub struct FileStats {
    pub file: String,
    pub capture: CaptureSummary,
    pub decode: DecodeStats,
    pub flows: FlowStats,
    /// Copies of one packet found (and collapsed unless kept), and Packet Monitor metadata
    /// seen; not serialised for a capture that has neither.
    #[serde(skip_serializing_if = "CollapseStats::is_empty")]
    pub collapse: CollapseStats,
    /// Why reading stopped early (names the file and the byte offset); flows read before
    /// the damage are still reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the audit's facts stage left out to stay inside its bounds (filled by the
    /// audit; empty, and not serialised, on a capture within them).
    #[serde(skip_serializing_if = "RecordStats::is_empty")]
    pub records: RecordStats,
}

/// What the facts stage dropped or shortened to keep its per-capture records bounded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordStats {
    /// Flows not kept as audit records (the record budget was spent), counted only.
    pub flows_dropped: u64,
    /// Strings (request targets, hosts, SNIs, certificate names) cut at their bound.
    pub strings_truncated: u64,
    /// The dropped flows by (connection state, server address), most first; at most
    /// [`MAX_DROPPED_GROUPS`] groups, the rest in `other_dropped`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped_by: Vec<DroppedGroup>,
    #[serde(skip_serializing_if = "is_zero")]
    pub other_dropped: u64,
    /// Why the facts could not go to their temporary file (see `facts::FactsLimits`): they
    /// were held in memory instead, so the verdicts are whole but memory was not bounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spill_error: Option<String>,
}

/// Groups of dropped flows kept by name; beyond them only a count.
pub const MAX_DROPPED_GROUPS: usize = 64;

/// Dropped flows of one connection state towards one server.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedGroup {
    pub conn_state: String,
    pub server: std::net::SocketAddr,
    pub flows: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl RecordStats {
    pub fn is_empty(&self) -> bool {
        self.flows_dropped == 0 && self.strings_truncated == 0 && self.spill_error.is_none()
    }
}

/// Runs one input through the pipeline, passing each finished flow to `emit` (in the
/// order flows finish, which is deterministic for a given file).
pub fn analyze(input: &Input, cfg: &PipelineConfig, emit: &mut dyn FnMut(Flow)) -> FileStats {
    // The extraction is a parameter of the dissector's type (the table makes dissectors
    // with `Default`): one loop per choice.
    if cfg.tls.hello_details {
        analyze_with::<AppDissector<true>>(input, cfg, emit)
    } else {
        analyze_with::<AppDissector<false>>(input, cfg, emit)
    }
}

fn analyze_with<D: Dissector<Output = AppFacts>>(
    input: &Input,
    cfg: &PipelineConfig,
    emit: &mut dyn FnMut(Flow),
) -> FileStats {
    let mut decoder = Decoder::new(cfg.decode);
    let mut table: FlowTable<D> = FlowTable::new(cfg.flow.clone());
    let mut collapser = Collapser::new(cfg.keep_duplicates);
    // Decodes collapsed copies that say where on the host they were seen, only to find their
    // flow: its statistics are not the file's (a copy is not another frame of the capture).
    // Made for the first such copy: a capture without Packet Monitor metadata never needs it.
    let mut copies: Option<Decoder> = None;
    let progress = cfg.progress.as_deref();
    let outcome = capture::read_capture_counted(input, progress, |frame| {
        // The link header is walked once, for the collapse and the decoder.
        let link = link::ip_payload(frame.linktype, frame.data);
        match collapser.check_ip(frame, link.ok().map(|(ip, _)| ip)) {
            Seen::First => {
                // Borrowed where the decoder returned it: moving the packet out cost a copy
                // and a store-forwarding stall per frame.
                if let Some(pkt) = &decoder.decode_link(link, frame.ts_nanos) {
                    table.packet(pkt, frame.number, frame.ts_nanos, emit);
                    host_origin(&mut table, pkt, frame);
                }
            }
            Seen::Duplicate { .. } => {
                if frame.origin.is_some()
                    && let Some(pkt) = copies
                        .get_or_insert_with(|| Decoder::new(cfg.decode))
                        .decode_link(link, frame.ts_nanos)
                {
                    host_origin(&mut table, &pkt, frame);
                }
            }
        }
    });
    if let (Some(p), Input::Path(path)) = (progress, input)
        && let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
    {
        // A file that went bad half way is done all the same: count the bytes never read.
        p.fetch_add(
            meta.len().saturating_sub(outcome.input_bytes),
            Ordering::Relaxed,
        );
    }
    let flows = table.finish_all(emit);
    FileStats {
        file: input.to_string(),
        capture: outcome.summary,
        decode: decoder.stats().clone(),
        flows,
        collapse: collapser.stats(),
        error: outcome.error.map(|e| e.to_string()),
        records: RecordStats::default(),
    }
}

/// Where on the host `frame` was seen (component, drop), added to its flow's evidence.
#[inline]
fn host_origin<D: Dissector>(table: &mut FlowTable<D>, pkt: &Packet<'_>, frame: &Frame<'_>) {
    if let Some(o) = frame.origin
        && (o.component.is_some() || o.drop.is_some())
    {
        table.host_seen(
            pkt,
            frame.number,
            o.component,
            o.drop.map(|d| (d.reason, d.location)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn sample(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name)
    }

    fn counted(path: &std::path::Path) -> (u64, FileStats) {
        let counter = Arc::new(AtomicU64::new(0));
        let cfg = PipelineConfig {
            progress: Some(Arc::clone(&counter)),
            ..PipelineConfig::default()
        };
        let stats = analyze(&Input::Path(path.to_path_buf()), &cfg, &mut |_| {});
        (counter.load(Ordering::Relaxed), stats)
    }

    #[test]
    fn progress_counter_reaches_the_file_size() {
        for name in [
            "healthy-agent.pcap",
            "healthy-agent.pcapng",
            "healthy-agent.pcap.gz",
            "healthy-agent.pcap.zst",
        ] {
            let path = sample(name);
            let size = std::fs::metadata(&path).unwrap().len();
            let (n, stats) = counted(&path);
            assert!(stats.error.is_none(), "{name}: {:?}", stats.error);
            assert!(stats.capture.frames > 0, "{name}");
            assert_eq!(n, size, "{name}: counter against file size");
        }
    }

    #[test]
    fn progress_of_a_file_that_went_bad_still_ends_at_its_size() {
        let mut bytes = std::fs::read(sample("healthy-agent.pcap")).unwrap();
        // A record length far past the 16 MiB bound stops the read right after the header.
        bytes[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
        // Past the first read (256 KiB), so part of the file is never read.
        bytes.resize(1 << 20, 0);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.pcap");
        std::fs::write(&path, &bytes).unwrap();
        let (n, stats) = counted(&path);
        assert!(stats.error.is_some());
        assert!(stats.capture.bytes_read < bytes.len() as u64 / 2);
        assert_eq!(n, bytes.len() as u64);
    }

    #[test]
    fn without_a_counter_nothing_is_counted_and_nothing_changes() {
        let path = sample("healthy-agent.pcap");
        let (_, with) = counted(&path);
        let without = analyze(
            &Input::Path(path.clone()),
            &PipelineConfig::default(),
            &mut |_| {},
        );
        assert_eq!(
            serde_json::to_string(&with).unwrap(),
            serde_json::to_string(&without).unwrap()
        );
    }
}
