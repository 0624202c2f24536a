//! `arcaudit flows`: every flow of every capture, with its TCP state and handshake facts.
//! Files run in parallel (rayon); output keeps the input order whatever the thread count.
//! The table names a flow whose payload named nothing through the DNS answers of the same
//! capture ([`dns_names`]).

mod dns_names;

use rayon::prelude::*;
use std::io::{self, Read, Seek, Write};

use crate::capture::Input;
use crate::pipeline::{self, FileStats, PipelineConfig};
use crate::report::Styles;
use crate::report::flows::{FlowsFormat, FlowsWriter, summary_line};

/// What `arcaudit flows` needs, validated by the CLI.
#[derive(Debug, Clone)]
pub struct FlowsConfig {
    pub inputs: Vec<Input>,
    pub format: FlowsFormat,
    pub pipeline: PipelineConfig,
    /// Print the per-file summary on stderr.
    pub summary: bool,
    /// Colours of the table format.
    pub styles: Styles,
}

/// How a run of `flows` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowsOutcome {
    /// Every input was read to its end.
    AllRead,
    /// At least one input could not be read, or not completely.
    SomeInputFailed,
}

/// Output of one file rendered on a worker thread: in memory while small, spilled to an
/// anonymous temporary file past this many bytes, so a batch of large captures does not
/// hold all their records in memory while waiting for its turn to be printed.
const SPILL_BYTES: usize = 4 << 20;

enum Spool {
    Memory(Vec<u8>),
    File(io::BufWriter<std::fs::File>),
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Spool::Memory(v) = self
            && v.len() + buf.len() > SPILL_BYTES
        {
            let mut f = io::BufWriter::new(tempfile::tempfile()?);
            f.write_all(v)?;
            *self = Spool::File(f);
        }
        match self {
            Spool::Memory(v) => {
                v.extend_from_slice(buf);
                Ok(buf.len())
            }
            Spool::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Spool::Memory(_) => Ok(()),
            Spool::File(f) => f.flush(),
        }
    }
}

impl Spool {
    fn copy_to(self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Spool::Memory(v) => out.write_all(&v),
            Spool::File(f) => {
                let mut f = f.into_inner().map_err(|e| e.into_error())?;
                f.rewind()?;
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    out.write_all(&buf[..n])?;
                }
            }
        }
    }
}

/// Renders one file's flows (without the document framing) into `out`.
fn render_file<W: Write>(
    input: &Input,
    cfg: &PipelineConfig,
    w: &mut FlowsWriter<W>,
) -> io::Result<FileStats> {
    w.begin_file(&input.to_string())?;
    let mut io_error: Option<io::Error> = None;
    let mut names = dns_names::DnsNames::default();
    // Only the table names flows by the capture's DNS answers.
    let learn_names = w.names_flows();
    let stats = pipeline::analyze(input, cfg, &mut |flow| {
        if learn_names {
            names.learn(&flow);
        }
        if io_error.is_none()
            && let Err(e) = w.flow(&flow)
        {
            io_error = Some(e);
        }
    });
    if let Some(e) = io_error {
        return Err(e);
    }
    // The table is printed when the file ends, so an answer in a flow that finished after
    // the connection it named still counts (by time, it came before).
    w.end_file_named(&stats, &|addr, ts| names.name_of(addr, ts))?;
    Ok(stats)
}

pub fn run(
    cfg: &FlowsConfig,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<FlowsOutcome> {
    let mut writer = FlowsWriter::new(out, cfg.format)?.with_styles(cfg.styles);
    let mut all_stats: Vec<FileStats> = Vec::new();
    if cfg.inputs.len() == 1 {
        // One file: stream straight to the output.
        let stats = render_file(&cfg.inputs[0], &cfg.pipeline, &mut writer)?;
        all_stats.push(stats);
    } else {
        // Several files: render in parallel, a bounded batch at a time, print in order.
        let batch = rayon::current_num_threads().max(1) * 2;
        for (c, chunk) in cfg.inputs.chunks(batch).enumerate() {
            let rendered: Vec<io::Result<(Spool, FileStats)>> = chunk
                .par_iter()
                .enumerate()
                .map(|(i, input)| {
                    let index = c * batch + i;
                    let mut w = FlowsWriter::fragment(Spool::Memory(Vec::new()), cfg.format, index)
                        .with_styles(cfg.styles);
                    let stats = render_file(input, &cfg.pipeline, &mut w)?;
                    Ok((w.into_inner()?, stats))
                })
                .collect();
            for r in rendered {
                let (spool, stats) = r?;
                writer.raw(|o| spool.copy_to(o))?;
                all_stats.push(stats);
            }
        }
    }
    writer.finish()?;
    let mut outcome = FlowsOutcome::AllRead;
    for s in &all_stats {
        if cfg.summary {
            writeln!(err, "{}", summary_line(s))?;
        }
        if s.error.is_some() {
            outcome = FlowsOutcome::SomeInputFailed;
        }
    }
    Ok(outcome)
}
