//! Drives one capture through the stages: capture -> decode -> flow table (with the
//! application dissector) -> flow records, and gathers the per-file statistics. Also finds
//! the capture files named on the command line. Renders nothing and judges nothing.

mod inputs;

pub use inputs::{InputError, discover_inputs};

use serde::Serialize;

use crate::capture::{self, CaptureSummary, Input};
use crate::decode::{DecodeLimits, DecodeStats, Decoder};
use crate::facts::{AppDissector, AppFacts};
use crate::flow::{FlowConfig, FlowRecord, FlowStats, FlowTable};

/// A flow record with the facts arcaudit extracts.
pub type Flow = FlowRecord<AppFacts>;

/// Settings of the per-file pipeline.
#[derive(Debug, Clone, Default)]
pub struct PipelineConfig {
    pub flow: FlowConfig,
    pub decode: DecodeLimits,
}

/// What happened to one input: how much was read and decoded, and any error.
#[derive(Debug, Clone, Serialize)]
pub struct FileStats {
    pub file: String,
    pub capture: CaptureSummary,
    pub decode: DecodeStats,
    pub flows: FlowStats,
    /// Why reading stopped early (names the file and the byte offset); flows read before
    /// the damage are still reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Runs one input through the pipeline, passing each finished flow to `emit` (in the
/// order flows finish, which is deterministic for a given file).
pub fn analyze(input: &Input, cfg: &PipelineConfig, emit: &mut dyn FnMut(Flow)) -> FileStats {
    let mut decoder = Decoder::new(cfg.decode);
    let mut table: FlowTable<AppDissector> = FlowTable::new(cfg.flow.clone());
    let outcome = capture::read_capture(input, |frame| {
        if let Some(pkt) = decoder.decode(frame.linktype, frame.data, frame.ts_nanos) {
            table.packet(&pkt, frame.number, frame.ts_nanos, emit);
        }
    });
    let flows = table.finish_all(emit);
    FileStats {
        file: input.to_string(),
        capture: outcome.summary,
        decode: decoder.stats().clone(),
        flows,
        error: outcome.error.map(|e| e.to_string()),
    }
}
