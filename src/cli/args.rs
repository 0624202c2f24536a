//! The command line as clap sees it: what the user may type, with the help text of every
//! option, and the plain conversions of clap's value enums into the library's types. No
//! validation across options and no I/O: turning these into a command's configuration is
//! the dispatcher's job (`cli/mod.rs`), reading the suppression file `cli/suppress.rs`'s.

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::output::ColorWhen;
use crate::classify::AgentOs;
use crate::model::{CatalogMode, Cloud, Feature};
use crate::report::audit::AuditFormat;
use crate::report::endpoints::EndpointsFormat;
use crate::report::flows::FlowsFormat;
use crate::report::lookup::LookupFormat;

#[derive(Parser, Debug)]
#[command(
    name = "arcaudit",
    version,
    about = "Audit packet captures taken on Azure Arc-enabled servers",
    long_about = "Reads pcap/pcapng captures (plain, gzip or zstd) and reports the flows, \
                  TLS handshakes and DNS/HTTP facts that matter to the Azure Connected Machine agent."
)]
pub(super) struct Cli {
    /// Worker threads for analysing several files (default: one per core).
    #[arg(long, global = true, value_name = "N")]
    pub(super) threads: Option<usize>,
    /// No summary and no progress bar on stderr.
    #[arg(long, short, global = true)]
    pub(super) quiet: bool,
    /// Write the report to FILE (created or truncated) instead of standard output.
    #[arg(long, short, global = true, value_name = "FILE")]
    pub(super) output: Option<std::path::PathBuf>,
    /// Colour the text formats: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub(super) color: ColorWhen,
    #[command(subcommand)]
    pub(super) command: Command,
}

// Parsed once per run: the size of the largest variant (the audit's options) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Audit captures against the Arc agent's network requirements: blocked, misrouted and
    /// weak-TLS connections, and required endpoints never reached.
    Audit(AuditArgs),
    /// Print every flow with its TCP state (Zeek conn_state/history) and handshake facts.
    Flows(FlowsArgs),
    /// Print the Arc network model: endpoints, service tags, TLS policy.
    Endpoints(EndpointsArgs),
    /// Say which catalog entries and service tags names or addresses belong to.
    Lookup(LookupArgs),
    /// Merge audit JSON reports (and fleet reports) made anywhere into one fleet report:
    /// the same as one `audit --fleet` over all their captures.
    Merge(MergeArgs),
    /// Print a rule's documentation: what it detects, why it matters, what to check.
    Explain(ExplainArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of arcaudit or of one command, or write them all into a
    /// folder with --dir.
    Man(ManArgs),
}

#[derive(Args, Debug)]
pub(super) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(super) shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub(super) struct ManArgs {
    /// The page of this subcommand (e.g. audit) instead of arcaudit's own.
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub(super) command: Option<String>,
    /// Write arcaudit.1 and arcaudit-COMMAND.1 for every subcommand into DIR.
    #[arg(long, value_name = "DIR")]
    pub(super) dir: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    /// Rule id as printed in findings (e.g. reset-after-client-hello); none lists every rule.
    #[arg(value_name = "RULE")]
    pub(super) rule: Option<String>,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub(super) enum CloudArg {
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
pub(super) enum ModelFormatArg {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub(super) struct CatalogArgs {
    /// An endpoint catalog (schema in docs/catalog.md) to extend, or with --catalog-replace
    /// replace, the built-in one.
    #[arg(long, value_name = "FILE")]
    pub(super) catalog: Option<std::path::PathBuf>,
    /// Use only --catalog, not the built-in catalog.
    #[arg(long, requires = "catalog")]
    pub(super) catalog_replace: bool,
}

impl CatalogArgs {
    pub(super) fn mode(&self) -> CatalogMode {
        if self.catalog_replace {
            CatalogMode::Replace
        } else {
            CatalogMode::Extend
        }
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub(super) enum AuditFormatArg {
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
pub(super) enum AgentOsArg {
    Windows,
    Linux,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum FeatureArg {
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
pub(super) struct AuditArgs {
    #[command(flatten)]
    pub(super) capture: CaptureArgs,
    /// The machine's cloud (default: inferred from the endpoints seen, else public).
    #[arg(long, value_enum)]
    pub(super) cloud: Option<CloudArg>,
    /// The machine's Azure region, a location name as `azcmagent connect --location` takes it
    /// (checked against the known regions of the cloud; default: inferred from his/gas host
    /// names).
    #[arg(long, value_name = "NAME")]
    pub(super) region: Option<String>,
    /// The HTTPS proxy the agent is configured with (repeatable).
    #[arg(long = "proxy", value_name = "HOST:PORT")]
    pub(super) proxies: Vec<String>,
    /// The machine uses an Azure Arc private link scope.
    #[arg(long)]
    pub(super) private_link: bool,
    /// Microsoft's service-tag JSON file(s) (repeatable: Public, AzureGovernment, China).
    #[arg(long = "service-tags", value_name = "FILE")]
    pub(super) service_tags: Vec<std::path::PathBuf>,
    /// Features in use, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub(super) features: Vec<FeatureArg>,
    /// The agent's operating system (weights the cipher-suite findings).
    #[arg(long, value_enum)]
    pub(super) agent_os: Option<AgentOsArg>,
    #[arg(long, value_enum, default_value_t = AuditFormatArg::Text)]
    pub(super) format: AuditFormatArg,
    /// With --format markdown: the most characters the report may have (default 60000,
    /// which fits a GitHub issue comment; 0 for no limit). A longer report keeps the
    /// summary, the list of captures, the coverage tables and the worst findings, and
    /// says what it left out.
    #[arg(long, value_name = "N")]
    pub(super) max_chars: Option<usize>,
    /// Also write the HTML report to FILE (whatever --format prints).
    #[arg(long, value_name = "FILE")]
    pub(super) html: Option<std::path::PathBuf>,
    /// A file of accepted findings, one per line: a rule id, or a rule id and an endpoint
    /// (catalog id such as public.his, or a host name); `#` starts a comment. Suppressed
    /// findings are still shown, marked, and do not count for --fail-on.
    #[arg(long, value_name = "FILE")]
    pub(super) suppress: Option<std::path::PathBuf>,
    /// Exit 1 when a finding is of this family (blocked, misrouted, weak-tls, coverage) or at
    /// or above this severity (info, low, medium, high); `never` to report only.
    #[arg(long, default_value = "low", value_name = "FAMILY|SEVERITY")]
    pub(super) fail_on: String,
    #[command(flatten)]
    pub(super) catalog: CatalogArgs,
    /// Name each capture's machine with this regular expression on its path: the first
    /// capture group (else the whole match). Wins over what the capture says (pcapng
    /// comment `host=NAME`, interface address, the Arc client address).
    #[arg(long, value_name = "REGEX")]
    pub(super) host_from: Option<String>,
    /// Print the fleet view (hosts x required endpoints, counts, hosts grouped by
    /// problems) instead of the per-capture report, in every format; the text format
    /// shows it before the captures whenever they come from more than one host.
    #[arg(long)]
    pub(super) fleet: bool,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub(super) enum MergeFormatArg {
    /// The fleet view for a terminal.
    Text,
    /// The fleet document (schema in docs/fleet.md).
    Json,
    /// One JSON line per endpoint, host and group.
    Ndjson,
    /// The fleet view for a ticket (groups first; shortened to --max-chars).
    Markdown,
    /// One self-contained page with the matrix as a heat map.
    Html,
}

#[derive(Args, Debug)]
pub(super) struct MergeArgs {
    /// Reports of `arcaudit audit --format json` (schema arcaudit.audit/3) or fleet
    /// reports (arcaudit.fleet/1), in any order.
    #[arg(required = true, value_name = "REPORT")]
    pub(super) reports: Vec<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = MergeFormatArg::Text)]
    pub(super) format: MergeFormatArg,
    /// With --format markdown: the most characters the view may have (default 60000; 0
    /// for no limit). A longer view keeps the summary and the largest groups and says
    /// what it left out.
    #[arg(long, value_name = "N")]
    pub(super) max_chars: Option<usize>,
    /// Exit 1 when a host has a finding of this family or at or above this severity, as
    /// for audit; `never` to report only.
    #[arg(long, default_value = "low", value_name = "FAMILY|SEVERITY")]
    pub(super) fail_on: String,
    /// Merge reports made with different catalogs, stating this catalog version (as the
    /// reports' `catalog_version` says it); the captures audited with another are listed.
    #[arg(long, value_name = "VERSION")]
    pub(super) keep_catalog: Option<String>,
    /// The same for service-tag versions (the reports' `service_tags_version`).
    #[arg(long, value_name = "VERSION")]
    pub(super) keep_service_tags: Option<String>,
}

impl From<MergeFormatArg> for AuditFormat {
    fn from(f: MergeFormatArg) -> Self {
        match f {
            MergeFormatArg::Text => AuditFormat::Text,
            MergeFormatArg::Json => AuditFormat::Json,
            MergeFormatArg::Ndjson => AuditFormat::Ndjson,
            MergeFormatArg::Markdown => AuditFormat::Markdown,
            MergeFormatArg::Html => AuditFormat::Html,
        }
    }
}

#[derive(Args, Debug)]
pub(super) struct EndpointsArgs {
    /// Only this cloud.
    #[arg(long, value_enum)]
    pub(super) cloud: Option<CloudArg>,
    #[arg(long, value_enum, default_value_t = ModelFormatArg::Table)]
    pub(super) format: ModelFormatArg,
    #[command(flatten)]
    pub(super) catalog: CatalogArgs,
}

#[derive(Args, Debug)]
pub(super) struct LookupArgs {
    /// Host names (SNI, CONNECT authority, Host header, URL) or IP addresses.
    #[arg(required = true, value_name = "NAME|ADDRESS")]
    pub(super) items: Vec<String>,
    /// Microsoft's "Azure IP Ranges and Service Tags" JSON file (repeatable: Public,
    /// AzureGovernment, China). Without it, ServiceTags_*.json in the working folder is used.
    #[arg(long = "service-tags", value_name = "FILE")]
    pub(super) service_tags: Vec<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = ModelFormatArg::Table)]
    pub(super) format: ModelFormatArg,
    #[command(flatten)]
    pub(super) catalog: CatalogArgs,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub(super) enum FlowsFormatArg {
    Table,
    Json,
    Ndjson,
}

#[derive(Args, Debug)]
pub(super) struct CaptureArgs {
    /// Capture files or directories (searched recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub(super) paths: Vec<String>,
    /// Only files matching these glob patterns when walking directories (repeatable).
    #[arg(long = "glob", value_name = "PATTERN")]
    pub(super) globs: Vec<String>,
    /// Bytes of each direction's stream to reassemble.
    #[arg(long, default_value_t = 65536, value_name = "BYTES")]
    pub(super) reassembly_limit: u32,
    /// Most flows tracked at once per file; the least recently active are evicted past it.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub(super) max_flows: usize,
    /// Memory the per-capture structures of each file analysed at once may take (flow
    /// table, buffered stream bytes, audit records); lowers --max-flows to fit. What is left
    /// out to stay inside is counted in the file's stats. Suffixes K, M, G (powers of 1024).
    #[arg(long, default_value = "512M", value_name = "SIZE", value_parser = parse_size)]
    pub(super) max_memory: u64,
    /// Keep every copy of a packet seen several times (Windows Packet Monitor logs one per
    /// network-stack component; `tcpdump -i any` sees loopback twice). By default copies are
    /// collapsed into the first and counted in the file's stats.
    #[arg(long)]
    pub(super) keep_duplicates: bool,
}

/// "512M", "2G", "65536": bytes, with an optional K/M/G suffix (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {s:?} (bytes, or a number with K, M or G)"))?;
    let bytes = n
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("size too large: {s:?}"))?;
    if bytes < 1 << 20 {
        return Err(format!("--max-memory {s:?} is below 1M"));
    }
    Ok(bytes)
}

#[derive(Args, Debug)]
pub(super) struct FlowsArgs {
    #[command(flatten)]
    pub(super) capture: CaptureArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FlowsFormatArg::Table)]
    pub(super) format: FlowsFormatArg,
}

impl From<ModelFormatArg> for EndpointsFormat {
    fn from(f: ModelFormatArg) -> EndpointsFormat {
        match f {
            ModelFormatArg::Table => EndpointsFormat::Table,
            ModelFormatArg::Json => EndpointsFormat::Json,
        }
    }
}

impl From<ModelFormatArg> for LookupFormat {
    fn from(f: ModelFormatArg) -> LookupFormat {
        match f {
            ModelFormatArg::Table => LookupFormat::Table,
            ModelFormatArg::Json => LookupFormat::Json,
        }
    }
}

impl From<AuditFormatArg> for AuditFormat {
    fn from(f: AuditFormatArg) -> AuditFormat {
        match f {
            AuditFormatArg::Text => AuditFormat::Text,
            AuditFormatArg::Json => AuditFormat::Json,
            AuditFormatArg::Ndjson => AuditFormat::Ndjson,
            AuditFormatArg::Markdown => AuditFormat::Markdown,
            AuditFormatArg::Html => AuditFormat::Html,
        }
    }
}

impl From<AgentOsArg> for AgentOs {
    fn from(o: AgentOsArg) -> AgentOs {
        match o {
            AgentOsArg::Windows => AgentOs::Windows,
            AgentOsArg::Linux => AgentOs::Linux,
        }
    }
}

impl From<FlowsFormatArg> for FlowsFormat {
    fn from(f: FlowsFormatArg) -> FlowsFormat {
        match f {
            FlowsFormatArg::Table => FlowsFormat::Table,
            FlowsFormatArg::Json => FlowsFormat::Json,
            FlowsFormatArg::Ndjson => FlowsFormat::Ndjson,
        }
    }
}
