//! Command line: clap arguments (what the user typed, `args`) -> validated configuration
//! (what the program uses) -> the commands, whose outcome becomes an exit code ([`Exit`]).
//! This file is the dispatcher; clap types stay in `args`, the suppression file is read by
//! `suppress`, the output file and colours are `output`'s, the progress bar `progress`'s.

mod args;
mod exit;
mod manual;
mod output;
mod progress;
pub mod suppress;

use clap::Parser;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use args::{AuditArgs, CaptureArgs, Cli, Command, MergeArgs};
pub use exit::Exit;
use output::Output;
use progress::{AfterBar, Progress};
use suppress::read_suppressions;

use crate::classify::{Given, ProxyAddr};
use crate::commands::audit::{self, AuditConfig};
use crate::commands::endpoints::{self, EndpointsConfig};
use crate::commands::explain;
use crate::commands::flows::{self, FlowsConfig, FlowsOutcome};
use crate::commands::lookup::{self, LookupConfig};
use crate::commands::merge::{self as merge_cmd, MergeConfig, MergeError};
use crate::flow::FlowConfig;
use crate::model::{Cloud, Feature, resolve_region};
use crate::pipeline::{PipelineConfig, discover_inputs_noting_skipped};
use crate::report::audit::{self as render_audit, AuditFormat};
use crate::report::fleet::Fleet;
use crate::report::fleet_text::FleetFormat;
use crate::report::markdown::MarkdownConfig;
use crate::report::model::{AuditOutcome, FailOn};

fn pipeline_config(a: &CaptureArgs) -> Result<PipelineConfig, String> {
    if a.reassembly_limit == 0 || a.reassembly_limit > 16 << 20 {
        return Err("--reassembly-limit must be between 1 and 16777216".into());
    }
    if a.max_flows == 0 {
        return Err("--max-flows must be at least 1".into());
    }
    let mut cfg = PipelineConfig::with_memory(
        a.max_memory,
        FlowConfig {
            stream_limit: a.reassembly_limit,
            max_flows: a.max_flows,
            ..FlowConfig::default()
        },
    );
    cfg.keep_duplicates = a.keep_duplicates;
    Ok(cfg)
}

/// The captures the paths name; none is an error that names the paths and what was left
/// out of the folders walked.
fn find_inputs(a: &CaptureArgs) -> Result<Vec<crate::capture::Input>, String> {
    let mut skipped = Vec::new();
    let inputs = discover_inputs_noting_skipped(&a.paths, &a.globs, &mut skipped)
        .map_err(|e| e.to_string())?;
    if !inputs.is_empty() {
        return Ok(inputs);
    }
    let mut msg = format!("no capture files found in {}", a.paths.join(", "));
    if !a.globs.is_empty() {
        msg.push_str(&format!(" matching --glob {}", a.globs.join(", ")));
    }
    if skipped.is_empty() {
        msg.push_str(" (no files there)");
    } else {
        const SHOWN: usize = 5;
        let names: Vec<String> = skipped
            .iter()
            .take(SHOWN)
            .map(|p| p.display().to_string())
            .collect();
        let more = skipped.len().saturating_sub(SHOWN);
        msg.push_str(&format!(
            "; skipped {} as not a capture{}: {}{}",
            if skipped.len() == 1 {
                "1 file".to_string()
            } else {
                format!("{} files", skipped.len())
            },
            if a.globs.is_empty() {
                ""
            } else {
                " or not matching"
            },
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    Err(msg)
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
        // The error is the closed pipe itself: nothing to say.
        Err(_) if out.pipe_closed() => Exit::PipeClosed,
        Err(msg) => {
            // Messages quote side files and captures (a prefix, a cloud, a path): escaped.
            let _ = writeln!(err, "arcaudit: {}", crate::report::escape_lines(&msg));
            Exit::Usage
        }
    };
    if let Err(msg) = out.finish() {
        // Messages quote side files and captures (a prefix, a cloud, a path): escaped.
        let _ = writeln!(err, "arcaudit: {}", crate::report::escape_lines(&msg));
        return Exit::Usage.into();
    }
    // A reader that went away (`| head -1`) ends the run quietly, with the status a Unix
    // filter killed by SIGPIPE has (128 + 13): never 0, since the report was not all read.
    if out.pipe_closed() {
        return Exit::PipeClosed.into();
    }
    code.into()
}

fn audit_config(a: &AuditArgs) -> Result<AuditConfig, String> {
    let inputs = find_inputs(&a.capture)?;
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
    let host_from = a
        .host_from
        .as_deref()
        .map(|r| regex::Regex::new(r).map_err(|e| format!("--host-from {r:?}: {e}")))
        .transpose()?;
    Ok(AuditConfig {
        host_from,
        inputs,
        given: Given {
            cloud: a.cloud.map(Cloud::from),
            region: a
                .region
                .as_deref()
                .map(|r| resolve_region(r, a.cloud.map(Cloud::from)))
                .transpose()
                .map_err(|e| format!("--region {e}"))?,
            proxies,
            private_link: a.private_link,
            features: a.features.iter().map(|f| Feature::from(*f)).collect(),
            agent_os: a.agent_os.map(Into::into),
        },
        service_tags: a.service_tags.clone(),
        catalog: a.catalog.catalog.clone(),
        catalog_mode: a.catalog.mode(),
        pipeline: pipeline_config(&a.capture)?,
        fail_on,
        suppress: match &a.suppress {
            Some(p) => {
                // The catalog the audit will use, to check the endpoints named.
                let catalog = crate::model::Catalog::with_user_file(
                    a.catalog.catalog.as_deref(),
                    a.catalog.mode(),
                )
                .map_err(|e| e.to_string())?;
                read_suppressions(p, &catalog)?
            }
            None => Vec::new(),
        },
    })
}

/// `--max-chars` shapes the Markdown report only: refused with any other format rather
/// than ignored.
fn markdown_config(a: &AuditArgs, format: AuditFormat) -> Result<MarkdownConfig, String> {
    match a.max_chars {
        Some(_) if format != AuditFormat::Markdown => {
            Err("--max-chars applies to --format markdown only".into())
        }
        Some(max_chars) => Ok(MarkdownConfig { max_chars }),
        None => Ok(MarkdownConfig::default()),
    }
}

/// Writes the fleet view in `format`: text, JSON and NDJSON by `fleet_text`, Markdown
/// (shaped by `--max-chars`) by `fleet_markdown`, HTML by `html::fleet`.
fn render_fleet(
    fleet: &Fleet,
    format: AuditFormat,
    markdown: &MarkdownConfig,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    use crate::report::fleet_text::render;
    match format {
        AuditFormat::Text => render(fleet, FleetFormat::Text, out),
        AuditFormat::Json => render(fleet, FleetFormat::Json, out),
        AuditFormat::Ndjson => render(fleet, FleetFormat::Ndjson, out),
        AuditFormat::Markdown => crate::report::fleet_markdown::render(fleet, markdown, out),
        AuditFormat::Html => crate::report::html::fleet::render(fleet, out),
    }
}

/// The audit's HTML page: the fleet page alone with `fleet_only` (`--fleet`), else the
/// captures' page, headed by the fleet view when they come from more than one host.
fn render_html(
    fleet: &Fleet,
    report: &crate::report::model::Report,
    fleet_only: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    use crate::report::html;
    if fleet_only {
        html::fleet::render(fleet, out)
    } else if fleet.totals.hosts > 1 {
        html::fleet::render_with_captures(fleet, report, out)
    } else {
        html::render(report, out)
    }
}

/// `arcaudit merge`: the reports into one fleet report. An unreadable report stops the
/// merge with exit 2 (a fleet missing its hosts would look whole); reports that cannot be
/// merged as they are (versions, one capture twice) with exit 3.
fn merge(a: &MergeArgs, out: &mut Output) -> Result<Exit, String> {
    let fail_on = parse_fail_on(&a.fail_on)?;
    let format = AuditFormat::from(a.format);
    let markdown = match a.max_chars {
        Some(_) if format != AuditFormat::Markdown => {
            return Err("--max-chars applies to --format markdown only".into());
        }
        Some(max_chars) => MarkdownConfig { max_chars },
        None => MarkdownConfig::default(),
    };
    let inputs: Vec<(&str, &Path)> = a.reports.iter().map(|p| ("REPORT", p.as_path())).collect();
    output::check_outputs(&out.file().into_iter().collect::<Vec<_>>(), &inputs)?;
    let cfg = MergeConfig {
        reports: a.reports.clone(),
        fail_on,
        keep_catalog: a.keep_catalog.clone(),
        keep_service_tags: a.keep_service_tags.clone(),
    };
    let fleet = match merge_cmd::run(&cfg) {
        Ok(f) => f,
        Err(e @ MergeError::Unreadable { .. }) => {
            let _ = writeln!(
                std::io::stderr(),
                "arcaudit: {}",
                crate::report::escape_lines(&e.to_string())
            );
            return Ok(Exit::InputError);
        }
        Err(e @ MergeError::Refused(_)) => return Err(e.to_string()),
    };
    out.open()?;
    match render_fleet(&fleet, format, &markdown, out) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("writing output: {e}")),
    }
    Ok(match fleet.outcome() {
        AuditOutcome::Clean => Exit::Ok,
        AuditOutcome::Findings => Exit::Findings,
        AuditOutcome::InputError => Exit::InputError,
    })
}

/// `--fail-on` as audit and merge take it.
fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    FailOn::parse(s).ok_or_else(|| {
        format!(
            "--fail-on {s:?}: expected a family (blocked, misrouted, weak-tls, coverage), a severity (info, low, medium, high) or never"
        )
    })
}

/// An error with its causes, each said once: our errors already put their source's text
/// in their own message (`x.json: cannot read: No such file...`), which anyhow's `{:#}`
/// would append a second time.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
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
            let format = AuditFormat::from(a.format);
            let markdown = markdown_config(a, format)?;
            let mut cfg = audit_config(a)?;
            let mut outputs: Vec<(&str, &Path)> = out.file().into_iter().collect();
            if let Some(html) = &a.html {
                outputs.push(("--html", html));
            }
            let mut inputs = output::capture_paths(&cfg.inputs);
            inputs.extend(
                cfg.service_tags
                    .iter()
                    .map(|p| ("--service-tags", p.as_path())),
            );
            inputs.extend(cfg.catalog.as_deref().map(|p| ("--catalog", p)));
            inputs.extend(a.suppress.as_deref().map(|p| ("--suppress", p)));
            output::check_outputs(&outputs, &inputs)?;
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
            let report = report.map_err(|e| error_text(&e))?;
            let styles = out.styles(cli.color);
            let fleet = Fleet::of_report(&report);
            // Captures of several machines: the reader's formats (text, Markdown, HTML)
            // start with the fleet view, then each capture; JSON and NDJSON keep the
            // audit schema, whatever the captures (docs/fleet.md).
            let several_hosts = fleet.totals.hosts > 1;
            let rendered = if a.fleet {
                render_fleet(&fleet, format, &markdown, out)
            } else {
                match format {
                    AuditFormat::Text if several_hosts => {
                        render_fleet(&fleet, format, &markdown, out)
                            .and_then(|()| writeln!(out))
                            .and_then(|()| render_audit::render_text(&report, &styles, out))
                    }
                    AuditFormat::Text => render_audit::render_text(&report, &styles, out),
                    AuditFormat::Markdown if several_hosts => {
                        crate::report::fleet_markdown::render_with_captures(
                            &fleet, &report, &markdown, out,
                        )
                    }
                    AuditFormat::Markdown => {
                        crate::report::markdown::render_with(&report, &markdown, out)
                    }
                    AuditFormat::Html => render_html(&fleet, &report, false, out),
                    AuditFormat::Json | AuditFormat::Ndjson => {
                        render_audit::render(&report, format, out)
                    }
                }
            };
            match rendered {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(format!("writing output: {e}")),
            }
            // The page beside the terminal's report shows what the report shows: the fleet
            // page with --fleet, else the captures (headed by the fleet view when they
            // come from several hosts).
            if let Some(path) = &a.html {
                write_file(path, |w| render_html(&fleet, &report, a.fleet, w))?;
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
        Command::Merge(a) => merge(a, out),
        Command::Endpoints(a) => {
            let catalog = a.catalog.catalog.as_deref().map(|p| ("--catalog", p));
            output::check_outputs(
                &out.file().into_iter().collect::<Vec<_>>(),
                &catalog.into_iter().collect::<Vec<_>>(),
            )?;
            let cfg = EndpointsConfig {
                cloud: a.cloud.map(Cloud::from),
                format: a.format.into(),
                catalog: a.catalog.catalog.clone(),
                catalog_mode: a.catalog.mode(),
            };
            endpoints::run(&cfg, out).map_err(|e| error_text(&e))?;
            Ok(Exit::Ok)
        }
        Command::Lookup(a) => {
            let mut inputs: Vec<(&str, &Path)> = a
                .service_tags
                .iter()
                .map(|p| ("--service-tags", p.as_path()))
                .collect();
            inputs.extend(a.catalog.catalog.as_deref().map(|p| ("--catalog", p)));
            output::check_outputs(&out.file().into_iter().collect::<Vec<_>>(), &inputs)?;
            let cfg = LookupConfig {
                items: a.items.clone(),
                service_tags: a.service_tags.clone(),
                search_dirs: vec![std::path::PathBuf::from(".")],
                catalog: a.catalog.catalog.clone(),
                catalog_mode: a.catalog.mode(),
                format: a.format.into(),
            };
            lookup::run(&cfg, out, err).map_err(|e| error_text(&e))?;
            Ok(Exit::Ok)
        }
        Command::Flows(a) => {
            let inputs = find_inputs(&a.capture)?;
            output::check_outputs(
                &out.file().into_iter().collect::<Vec<_>>(),
                &output::capture_paths(&inputs),
            )?;
            let mut cfg = FlowsConfig {
                inputs,
                format: a.format.into(),
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
