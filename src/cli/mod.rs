//! Command line: clap arguments (what the user typed) -> validated configuration (what the
//! program uses) -> the library. clap types stay in this module.

mod manual;
mod output;
mod progress;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use output::{ColorWhen, Output};
use progress::{AfterBar, Progress};

use crate::classify::{AgentOs, Given, ProxyAddr};
use crate::commands::audit::{self, AuditConfig};
use crate::commands::endpoints::{self, EndpointsConfig};
use crate::commands::explain;
use crate::commands::flows::{self, FlowsConfig, FlowsOutcome};
use crate::commands::lookup::{self, LookupConfig};
use crate::flow::FlowConfig;
use crate::model::{CatalogMode, Cloud, Feature};
use crate::pipeline::{PipelineConfig, discover_inputs};
use crate::report::audit::AuditFormat;
use crate::report::endpoints::EndpointsFormat;
use crate::report::flows::FlowsFormat;
use crate::report::lookup::LookupFormat;
use crate::report::model::{AuditOutcome, FailOn};

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
    /// No summary and no progress bar on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Write the report to FILE (created or truncated) instead of standard output.
    #[arg(long, short, global = true, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Colour the text formats: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Audit captures against the Arc agent's network requirements: blocked, misrouted and
    /// weak-TLS connections, and required endpoints never reached.
    Audit(AuditArgs),
    /// Print every flow with its TCP state (Zeek conn_state/history) and handshake facts.
    Flows(FlowsArgs),
    /// Print the Arc network model: endpoints, service tags, TLS policy.
    Endpoints(EndpointsArgs),
    /// Say which catalog entries and service tags names or addresses belong to.
    Lookup(LookupArgs),
    /// Print a rule's documentation: what it detects, why it matters, what to check.
    Explain(ExplainArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of arcaudit or of one command, or write them all into a
    /// folder with --dir.
    Man(ManArgs),
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
struct ManArgs {
    /// The page of this subcommand (e.g. audit) instead of arcaudit's own.
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    command: Option<String>,
    /// Write arcaudit.1 and arcaudit-COMMAND.1 for every subcommand into DIR.
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// Rule id as printed in findings (e.g. reset-after-client-hello); none lists every rule.
    #[arg(value_name = "RULE")]
    rule: Option<String>,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum CloudArg {
    /// Azure public cloud.
    Public,
    /// Azure Government.
    Usgov,
    /// Azure operated by 21Vianet.
    China,
}

impl From<CloudArg> for Cloud {
    fn from(c: CloudArg) -> Cloud {
        match c {
            CloudArg::Public => Cloud::Public,
            CloudArg::Usgov => Cloud::UsGov,
            CloudArg::China => Cloud::China,
        }
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum ModelFormatArg {
    Table,
    Json,
}

#[derive(Args, Debug)]
struct CatalogArgs {
    /// An endpoint catalog (schema in docs/catalog.md) to extend, or with --catalog-replace
    /// replace, the built-in one.
    #[arg(long, value_name = "FILE")]
    catalog: Option<std::path::PathBuf>,
    /// Use only --catalog, not the built-in catalog.
    #[arg(long, requires = "catalog")]
    catalog_replace: bool,
}

impl CatalogArgs {
    fn mode(&self) -> CatalogMode {
        if self.catalog_replace {
            CatalogMode::Replace
        } else {
            CatalogMode::Extend
        }
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum AuditFormatArg {
    /// A summary, the coverage table and the findings, for a terminal.
    Text,
    /// The whole report as one JSON document (schema in docs/audit.md).
    Json,
    /// One JSON line per flow, finding and file.
    Ndjson,
    /// GitHub-flavoured Markdown, to paste into a ticket.
    Markdown,
    /// One self-contained HTML page (tables, timeline, finding details).
    Html,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum AgentOsArg {
    Windows,
    Linux,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
enum FeatureArg {
    /// SQL Server enabled by Azure Arc.
    Sql,
    /// Windows Admin Center.
    Wac,
    /// SSH through Azure.
    Ssh,
    /// Extended Security Updates (Windows Server).
    Esu,
    /// Extended Security Updates for SQL Server.
    SqlEsu,
    /// Hotpatching / Windows Server Azure benefits / pay-as-you-go licensing.
    Hotpatch,
}

impl From<FeatureArg> for Feature {
    fn from(f: FeatureArg) -> Feature {
        match f {
            FeatureArg::Sql => Feature::SqlServer,
            FeatureArg::Wac => Feature::WindowsAdminCenter,
            FeatureArg::Ssh => Feature::Ssh,
            FeatureArg::Esu => Feature::ExtendedSecurityUpdates,
            FeatureArg::SqlEsu => Feature::SqlServerEsu,
            FeatureArg::Hotpatch => Feature::WindowsServerLicensing,
        }
    }
}

#[derive(Args, Debug)]
struct AuditArgs {
    #[command(flatten)]
    capture: CaptureArgs,
    /// The machine's cloud (default: inferred from the endpoints seen, else public).
    #[arg(long, value_enum)]
    cloud: Option<CloudArg>,
    /// The machine's Azure region (default: inferred from his/gas host names).
    #[arg(long, value_name = "NAME")]
    region: Option<String>,
    /// The HTTPS proxy the agent is configured with (repeatable).
    #[arg(long = "proxy", value_name = "HOST:PORT")]
    proxies: Vec<String>,
    /// The machine uses an Azure Arc private link scope.
    #[arg(long)]
    private_link: bool,
    /// Microsoft's service-tag JSON file(s) (repeatable: Public, AzureGovernment, China).
    #[arg(long = "service-tags", value_name = "FILE")]
    service_tags: Vec<std::path::PathBuf>,
    /// Features in use, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    features: Vec<FeatureArg>,
    /// The agent's operating system (weights the cipher-suite findings).
    #[arg(long, value_enum)]
    agent_os: Option<AgentOsArg>,
    #[arg(long, value_enum, default_value_t = AuditFormatArg::Text)]
    format: AuditFormatArg,
    /// Also write the HTML report to FILE (whatever --format prints).
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
    /// A file of accepted findings, one per line: a rule id, or a rule id and an endpoint
    /// (catalog id such as public.his, or a host name); `#` starts a comment. Suppressed
    /// findings are still shown, marked, and do not count for --fail-on.
    #[arg(long, value_name = "FILE")]
    suppress: Option<std::path::PathBuf>,
    /// Exit 1 when a finding is of this family (blocked, misrouted, weak-tls, coverage) or at
    /// or above this severity (info, low, medium, high); `never` to report only.
    #[arg(long, default_value = "low", value_name = "FAMILY|SEVERITY")]
    fail_on: String,
    #[command(flatten)]
    catalog: CatalogArgs,
}

#[derive(Args, Debug)]
struct EndpointsArgs {
    /// Only this cloud.
    #[arg(long, value_enum)]
    cloud: Option<CloudArg>,
    #[arg(long, value_enum, default_value_t = ModelFormatArg::Table)]
    format: ModelFormatArg,
    #[command(flatten)]
    catalog: CatalogArgs,
}

#[derive(Args, Debug)]
struct LookupArgs {
    /// Host names (SNI, CONNECT authority, Host header, URL) or IP addresses.
    #[arg(required = true, value_name = "NAME|ADDRESS")]
    items: Vec<String>,
    /// Microsoft's "Azure IP Ranges and Service Tags" JSON file (repeatable: Public,
    /// AzureGovernment, China). Without it, ServiceTags_*.json in the working folder is used.
    #[arg(long = "service-tags", value_name = "FILE")]
    service_tags: Vec<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = ModelFormatArg::Table)]
    format: ModelFormatArg,
    #[command(flatten)]
    catalog: CatalogArgs,
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
    let mut out = Output::new(cli.output.as_deref());
    let mut err = std::io::stderr();
    // A run that ended well leaves its output file even when it wrote nothing into it.
    let code = match run(&cli, &mut out, &mut err).and_then(|code| out.open().map(|()| code)) {
        Ok(code) => code,
        Err(msg) => {
            let _ = writeln!(err, "arcaudit: {msg}");
            Exit::Usage
        }
    };
    if let Err(msg) = out.finish() {
        let _ = writeln!(err, "arcaudit: {msg}");
        return Exit::Usage.into();
    }
    code.into()
}

fn audit_config(a: &AuditArgs) -> Result<AuditConfig, String> {
    let inputs = discover_inputs(&a.capture.paths, &a.capture.globs).map_err(|e| e.to_string())?;
    if inputs.is_empty() {
        return Err("no capture files found in the given paths".into());
    }
    let proxies = a
        .proxies
        .iter()
        .map(|p| ProxyAddr::parse(p).ok_or_else(|| format!("--proxy {p:?}: expected HOST:PORT")))
        .collect::<Result<Vec<_>, _>>()?;
    let fail_on = FailOn::parse(&a.fail_on).ok_or_else(|| {
        format!(
            "--fail-on {:?}: expected a family (blocked, misrouted, weak-tls, coverage), a severity (info, low, medium, high) or never",
            a.fail_on
        )
    })?;
    Ok(AuditConfig {
        inputs,
        given: Given {
            cloud: a.cloud.map(Cloud::from),
            region: a.region.as_ref().map(|r| r.to_ascii_lowercase()),
            proxies,
            private_link: a.private_link,
            features: a.features.iter().map(|f| Feature::from(*f)).collect(),
            agent_os: a.agent_os.map(|o| match o {
                AgentOsArg::Windows => AgentOs::Windows,
                AgentOsArg::Linux => AgentOs::Linux,
            }),
        },
        service_tags: a.service_tags.clone(),
        catalog: a.catalog.catalog.clone(),
        catalog_mode: a.catalog.mode(),
        pipeline: pipeline_config(&a.capture)?,
        fail_on,
        suppress: match &a.suppress {
            Some(p) => read_suppressions(p)?,
            None => Vec::new(),
        },
    })
}

/// Parses a suppression file: `RULE [ENDPOINT]` per line, `#` comments, blank lines.
fn read_suppressions(path: &std::path::Path) -> Result<Vec<(String, Option<String>)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let rule = words.next().unwrap_or_default().to_string();
        if crate::classify::rules::find(&rule).is_none() {
            return Err(format!(
                "{}: line {}: unknown rule id {rule:?}",
                path.display(),
                n + 1
            ));
        }
        let endpoint = words.next().map(str::to_string);
        if words.next().is_some() {
            return Err(format!(
                "{}: line {}: expected RULE [ENDPOINT]",
                path.display(),
                n + 1
            ));
        }
        out.push((rule, endpoint));
    }
    Ok(out)
}

/// Writes a whole file through a buffer; errors name the file.
fn write_file(
    path: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("writing {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(fail)?;
    let mut w = std::io::BufWriter::new(file);
    render(&mut w).map_err(fail)?;
    w.flush().map_err(fail)
}

fn run(cli: &Cli, out: &mut Output, err: &mut dyn Write) -> Result<Exit, String> {
    match &cli.command {
        Command::Explain(a) => {
            explain::run(a.rule.as_deref(), out).map_err(|e| e.to_string())?;
            Ok(Exit::Ok)
        }
        Command::Completions(a) => {
            manual::completions(a.shell, out)?;
            Ok(Exit::Ok)
        }
        Command::Man(a) => match &a.dir {
            Some(_) if cli.output.is_some() => {
                Err("man: --dir and --output do not go together".into())
            }
            Some(dir) => {
                let written = manual::man_pages_to(dir)?;
                if !cli.quiet {
                    for p in written {
                        let _ = writeln!(err, "{}", p.display());
                    }
                }
                Ok(Exit::Ok)
            }
            None => {
                manual::man_page(a.command.as_deref(), out)?;
                Ok(Exit::Ok)
            }
        },
        Command::Audit(a) => {
            let mut cfg = audit_config(a)?;
            out.check_not_an_input(&cfg.inputs)?;
            if let Some(html) = &a.html {
                output::not_an_input("--html", html, &cfg.inputs)?;
            }
            out.open()?;
            let counter = Arc::new(AtomicU64::new(0));
            // The report is rendered after the bar is gone, so it may go to the terminal too.
            let progress = Progress::start("audit", &cfg.inputs, counter.clone(), cli.quiet, false);
            if progress.is_some() {
                cfg.pipeline.progress = Some(counter);
            }
            let report = audit::run(&cfg);
            if let Some(p) = progress {
                p.finish();
            }
            let report = report.map_err(|e| format!("{e:#}"))?;
            let format = match a.format {
                AuditFormatArg::Text => AuditFormat::Text,
                AuditFormatArg::Json => AuditFormat::Json,
                AuditFormatArg::Ndjson => AuditFormat::Ndjson,
                AuditFormatArg::Markdown => AuditFormat::Markdown,
                AuditFormatArg::Html => AuditFormat::Html,
            };
            let styles = out.styles(cli.color);
            let rendered = if format == AuditFormat::Text {
                crate::report::audit::render_text(&report, &styles, out)
            } else {
                crate::report::audit::render(&report, format, out)
            };
            match rendered {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(format!("writing output: {e}")),
            }
            if let Some(path) = &a.html {
                write_file(path, |w| {
                    crate::report::audit::render(&report, AuditFormat::Html, w)
                })?;
            }
            if !cli.quiet {
                for f in &report.files {
                    if let Some(e) = &f.stats.error {
                        let _ = writeln!(err, "arcaudit: {}", crate::report::escape_text(e));
                    }
                }
            }
            Ok(match report.outcome() {
                AuditOutcome::Clean => Exit::Ok,
                AuditOutcome::Findings => Exit::Findings,
                AuditOutcome::InputError => Exit::InputError,
            })
        }
        Command::Endpoints(a) => {
            let cfg = EndpointsConfig {
                cloud: a.cloud.map(Cloud::from),
                format: match a.format {
                    ModelFormatArg::Table => EndpointsFormat::Table,
                    ModelFormatArg::Json => EndpointsFormat::Json,
                },
                catalog: a.catalog.catalog.clone(),
                catalog_mode: a.catalog.mode(),
            };
            endpoints::run(&cfg, out).map_err(|e| format!("{e:#}"))?;
            Ok(Exit::Ok)
        }
        Command::Lookup(a) => {
            let cfg = LookupConfig {
                items: a.items.clone(),
                service_tags: a.service_tags.clone(),
                search_dirs: vec![std::path::PathBuf::from(".")],
                catalog: a.catalog.catalog.clone(),
                catalog_mode: a.catalog.mode(),
                format: match a.format {
                    ModelFormatArg::Table => LookupFormat::Table,
                    ModelFormatArg::Json => LookupFormat::Json,
                },
            };
            lookup::run(&cfg, out, err).map_err(|e| format!("{e:#}"))?;
            Ok(Exit::Ok)
        }
        Command::Flows(a) => {
            let inputs =
                discover_inputs(&a.capture.paths, &a.capture.globs).map_err(|e| e.to_string())?;
            if inputs.is_empty() {
                return Err("no capture files found in the given paths".into());
            }
            out.check_not_an_input(&inputs)?;
            let mut cfg = FlowsConfig {
                inputs,
                format: match a.format {
                    FlowsFormatArg::Table => FlowsFormat::Table,
                    FlowsFormatArg::Json => FlowsFormat::Json,
                    FlowsFormatArg::Ndjson => FlowsFormat::Ndjson,
                },
                pipeline: pipeline_config(&a.capture)?,
                summary: !cli.quiet,
                styles: out.styles(cli.color),
            };
            out.open()?;
            let counter = Arc::new(AtomicU64::new(0));
            let progress = Progress::start(
                "flows",
                &cfg.inputs,
                counter.clone(),
                cli.quiet,
                out.is_terminal(),
            );
            if progress.is_some() {
                cfg.pipeline.progress = Some(counter);
            }
            // The bar ends before the per-file summary lines are written.
            let mut err = AfterBar {
                progress,
                inner: err,
            };
            match flows::run(&cfg, out, &mut err) {
                Ok(FlowsOutcome::AllRead) => Ok(Exit::Ok),
                Ok(FlowsOutcome::SomeInputFailed) => Ok(Exit::InputError),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
                Err(e) => Err(format!("writing output: {e}")),
            }
        }
    }
}
