//! Command line: clap arguments (what the user typed) -> validated configuration (what the
//! program uses) -> the library. clap types stay in this module.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::process::ExitCode;

use crate::commands::flows::{self, FlowsConfig, FlowsOutcome};
use crate::flow::FlowConfig;
use crate::pipeline::{PipelineConfig, discover_inputs};
use crate::report::flows::FlowsFormat;

/// Exit codes, documented in README.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything read; nothing at or above `--fail-on`.
    Ok = 0,
    /// Findings at or above `--fail-on` (audit).
    Findings = 1,
    /// At least one input could not be read (completely).
    InputError = 2,
    /// Bad invocation or an internal error (output could not be written, ...).
    Usage = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "arcaudit",
    version,
    about = "Audit packet captures taken on Azure Arc-enabled servers",
    long_about = "Reads pcap/pcapng captures (plain, gzip or zstd) and reports the flows, \
                  TLS handshakes and DNS/HTTP facts that matter to the Azure Connected Machine agent."
)]
struct Cli {
    /// Worker threads for analysing several files (default: one per core).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// No summary on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print every flow with its TCP state (Zeek conn_state/history) and handshake facts.
    Flows(FlowsArgs),
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum FlowsFormatArg {
    Table,
    Json,
    Ndjson,
}

#[derive(Args, Debug)]
struct CaptureArgs {
    /// Capture files or directories (searched recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Only files matching these glob patterns when walking directories (repeatable).
    #[arg(long = "glob", value_name = "PATTERN")]
    globs: Vec<String>,
    /// Bytes of each direction's stream to reassemble.
    #[arg(long, default_value_t = 65536, value_name = "BYTES")]
    reassembly_limit: u32,
    /// Most flows tracked at once per file; the least recently active are evicted past it.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    max_flows: usize,
}

#[derive(Args, Debug)]
struct FlowsArgs {
    #[command(flatten)]
    capture: CaptureArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FlowsFormatArg::Table)]
    format: FlowsFormatArg,
}

fn pipeline_config(a: &CaptureArgs) -> Result<PipelineConfig, String> {
    if a.reassembly_limit == 0 || a.reassembly_limit > 16 << 20 {
        return Err("--reassembly-limit must be between 1 and 16777216".into());
    }
    if a.max_flows == 0 {
        return Err("--max-flows must be at least 1".into());
    }
    Ok(PipelineConfig {
        flow: FlowConfig {
            stream_limit: a.reassembly_limit,
            max_flows: a.max_flows,
            ..FlowConfig::default()
        },
        ..PipelineConfig::default()
    })
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    if let Some(n) = cli.threads {
        // Only fails if a global pool exists already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = std::io::stderr();
    let code = match run(&cli, &mut out, &mut err) {
        Ok(code) => code,
        Err(msg) => {
            let _ = writeln!(err, "arcaudit: {msg}");
            Exit::Usage
        }
    };
    if let Err(e) = out.flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = writeln!(err, "arcaudit: writing output: {e}");
        return Exit::Usage.into();
    }
    code.into()
}

fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, String> {
    match &cli.command {
        Command::Flows(a) => {
            let inputs =
                discover_inputs(&a.capture.paths, &a.capture.globs).map_err(|e| e.to_string())?;
            if inputs.is_empty() {
                return Err("no capture files found in the given paths".into());
            }
            let cfg = FlowsConfig {
                inputs,
                format: match a.format {
                    FlowsFormatArg::Table => FlowsFormat::Table,
                    FlowsFormatArg::Json => FlowsFormat::Json,
                    FlowsFormatArg::Ndjson => FlowsFormat::Ndjson,
                },
                pipeline: pipeline_config(&a.capture)?,
                summary: !cli.quiet,
            };
            match flows::run(&cfg, out, err) {
                Ok(FlowsOutcome::AllRead) => Ok(Exit::Ok),
                Ok(FlowsOutcome::SomeInputFailed) => Ok(Exit::InputError),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
                Err(e) => Err(format!("writing output: {e}")),
            }
        }
    }
}
