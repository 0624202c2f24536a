//! Every file of the shared corpus (about 1 600 captures, fuzzer-found and truncated ones
//! included) through `flows` and `audit`: no panic, no file hanging, every read error naming
//! its file and byte offset, and what was read before the damage still reported.

mod common;
#[path = "common/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use arcaudit::capture::Input;
use arcaudit::classify::Given;
use arcaudit::commands::audit::{self, AuditConfig};
use arcaudit::model::CatalogMode;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::model::FailOn;

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                // Other tools' answers and licence texts are not captures.
                let n = p
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                if !matches!(
                    n.as_str(),
                    "expected" | "licenses" | "tools" | "truth" | "service-tags"
                ) {
                    stack.push(p);
                }
            } else if !p
                .extension()
                .is_some_and(|x| x == "tsv" || x == "md" || x == "txt")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Generous: a hang detector, not a speed test (speed is benchmarked in benches/).
const PER_FILE_LIMIT: Duration = Duration::from_secs(20);

fn every_corpus_file_goes_through_flows_without_panic_or_hang() {
    let root = harness::shared("corpus");
    let files = all_files(&root);
    assert!(
        files.len() > 1000,
        "corpus looks incomplete: {}",
        files.len()
    );
    let (mut errors, mut flows_before_errors) = (0usize, 0usize);
    for f in &files {
        let start = Instant::now();
        let (flows, stats) = common::analyze(f);
        let took = start.elapsed();
        assert!(took < PER_FILE_LIMIT, "{} took {took:?}", f.display());
        if let Some(e) = &stats.error {
            errors += 1;
            flows_before_errors += flows.len();
            let name = f.to_string_lossy();
            assert!(
                e.contains(name.as_ref()),
                "error does not name the file: {e}"
            );
            assert!(e.contains("byte"), "error gives no byte offset: {e}");
        }
    }
    harness::note!(
        "corpus: {} files, {errors} with read errors ({flows_before_errors} flows still reported from them)",
        files.len()
    );
}

fn truncated_files_keep_the_flows_before_the_damage() {
    let root = harness::shared("corpus");
    let dir = root.join("f_malformed/derived_truncated");
    let mut checked = 0;
    for f in all_files(&dir) {
        let (flows, stats) = common::analyze(&f);
        let Some(e) = stats.error else { continue };
        checked += 1;
        if stats.capture.frames > 10 {
            assert!(
                !flows.is_empty(),
                "{}: {} frames but no flow ({e})",
                f.display(),
                stats.capture.frames
            );
        }
    }
    assert!(checked > 5, "only {checked} truncated files errored");
}

fn audit_of_the_whole_corpus_runs_and_finds_arc_problems_only_with_arc_traffic() {
    let root = harness::shared("corpus");
    let files = all_files(&root);
    let cfg = AuditConfig {
        host_from: None,
        inputs: files.iter().map(|p| Input::Path(p.clone())).collect(),
        given: Given::default(),
        service_tags: Vec::new(),
        catalog: None,
        catalog_mode: CatalogMode::Extend,
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    };
    let report = audit::run(&cfg).expect("audit runs over the corpus");
    assert_eq!(report.files.len(), files.len());
    let mut lines = Vec::new();
    for f in &report.files {
        for x in &f.audit.findings {
            // A finding about an endpoint needs traffic attributed to the catalog in that file.
            if x.flow.is_some() {
                assert!(
                    f.audit.arc_flows > 0,
                    "{}: {} without Arc traffic",
                    f.file,
                    x.rule
                );
            }
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}",
                f.file,
                x.rule,
                x.host.as_deref().unwrap_or("-"),
                x.frames
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                x.evidence
            ));
        }
    }
    harness::note!("audit over the corpus: {} findings", lines.len());
    for l in &lines {
        harness::note!("  {l}");
    }
}

fn main() -> ExitCode {
    let corpus = harness::need_shared(&["corpus/README.md"]);
    harness::run(harness::trials![corpus => [
        every_corpus_file_goes_through_flows_without_panic_or_hang,
        truncated_files_keep_the_flows_before_the_damage,
        audit_of_the_whole_corpus_runs_and_finds_arc_problems_only_with_arc_traffic,
    ]])
}
