//! The Markdown report's character budget (`--max-chars`): by default the report of every
//! sample fits a GitHub issue comment (65,536 characters) and says what it left out; the
//! full report stays one flag away (`--max-chars 0`); no limit is ever exceeded, counted in
//! characters, not bytes, also for a report with many findings full of multi-byte text.

use std::path::Path;
use std::process::Command;

use arcaudit::capture::Input;
use arcaudit::classify::Given;
use arcaudit::commands::audit::{self, AuditConfig};
use arcaudit::model::CatalogMode;
use arcaudit::pipeline::PipelineConfig;
use arcaudit::report::markdown::{DEFAULT_MAX_CHARS, MarkdownConfig, render_with};
use arcaudit::report::model::{FailOn, Report};

/// A GitHub issue comment's limit.
const GITHUB_COMMENT: usize = 65_536;

fn arcaudit(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_arcaudit"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

#[test]
fn all_samples_fit_a_github_comment_by_default_and_say_what_was_left_out() {
    let (_, md, err) = arcaudit(&["audit", "samples/", "--format", "markdown", "-q"]);
    assert!(err.is_empty(), "{err}");
    assert!(
        chars(&md) <= DEFAULT_MAX_CHARS && DEFAULT_MAX_CHARS < GITHUB_COMMENT,
        "{} characters",
        chars(&md)
    );
    assert!(md.contains("**Shortened to fit 60000 characters**"), "{md}");
    assert!(md.contains("`--max-chars 0`"), "{md}");
    assert!(md.contains("## Captures"), "{md}");
    // Every capture is named in the overview, whatever else was left out.
    let files = std::fs::read_dir("samples")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".pcap")
                || n.ends_with(".pcapng")
                || n.ends_with(".gz")
                || n.ends_with(".zst")
        })
        .count();
    assert_eq!(
        md.lines().filter(|l| l.starts_with("- samples/")).count(),
        files,
        "{md}"
    );
    // The note's counts add up to the report's.
    let (_, json, _) = arcaudit(&["audit", "samples/", "--format", "json", "-q"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = doc["totals"]["findings"].as_u64().unwrap() as usize
        + doc["totals"]["suppressed"].as_u64().unwrap() as usize;
    let note = md
        .lines()
        .find(|l| l.starts_with("> Shown: "))
        .expect("the note says what is shown");
    let nums: Vec<usize> = note
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    // Shown: FULL of TOTAL findings in full, LINE as one line, OUT left out; ...
    assert_eq!(nums[1], findings, "{note}");
    assert_eq!(nums[0] + nums[2] + nums[3], findings, "{note}");
    // The samples come from several hosts: the fleet view first (its groups list findings
    // too), then the per-capture report the note is about.
    assert!(md.starts_with("# arcaudit fleet report\n"), "{md}");
    let captures = md
        .split_once("\n# arcaudit audit report\n")
        .map(|(_, rest)| rest)
        .expect("the per-capture report after the fleet view");
    assert_eq!(
        captures.matches("\n- **").count(),
        nums[0] + nums[2],
        "each finding shown in full or as a line appears once:\n{md}"
    );

    // The full report is there with --max-chars 0, as long as the note said.
    let (_, all, _) = arcaudit(&[
        "audit",
        "samples/",
        "--format",
        "markdown",
        "-q",
        "--max-chars",
        "0",
    ]);
    assert!(!all.contains("Shortened"), "{all}");
    assert!(
        md.contains(&format!("the full report has {} characters", chars(&all))),
        "{note}"
    );
    assert_eq!(all.matches("\n## samples/").count(), files);
}

#[test]
fn no_limit_is_exceeded_over_samples() {
    for max in [
        1usize, 40, 120, 400, 1_000, 2_500, 5_000, 12_000, 30_000, 59_999,
    ] {
        let n = max.to_string();
        let (_, md, err) = arcaudit(&[
            "audit",
            "samples/",
            "--format",
            "markdown",
            "-q",
            "--max-chars",
            &n,
        ]);
        assert!(err.is_empty(), "{err}");
        assert!(
            chars(&md) <= max,
            "--max-chars {max}: {} characters",
            chars(&md)
        );
        assert!(!md.is_empty(), "--max-chars {max}: nothing");
    }
}

#[test]
fn max_chars_is_refused_with_another_format() {
    let (code, _, err) = arcaudit(&["audit", "samples/fw-drop.pcap", "--max-chars", "100"]);
    assert_eq!(code, 3, "a usage error: {err}");
    assert!(
        err.contains("--max-chars applies to --format markdown"),
        "{err}"
    );
}

fn audited(paths: &[&str]) -> Report {
    let cfg = AuditConfig {
        host_from: None,
        inputs: paths
            .iter()
            .map(|p| Input::Path(Path::new(p).to_path_buf()))
            .collect(),
        given: Given::default(),
        service_tags: Vec::new(),
        catalog: None,
        catalog_mode: CatalogMode::Extend,
        pipeline: PipelineConfig::default(),
        fail_on: FailOn::Never,
        suppress: Vec::new(),
    };
    audit::run(&cfg).expect("audit runs")
}

fn markdown(report: &Report, max_chars: usize) -> String {
    let mut out = Vec::new();
    render_with(report, &MarkdownConfig { max_chars }, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Hundreds of findings whose evidence is mostly multi-byte characters (3 and 4 bytes in
/// UTF-8): a budget counted in bytes would stop far short; one that forgot a piece would
/// overflow.
#[test]
fn many_findings_with_multibyte_text_stay_within_the_limit_in_characters() {
    let mut report = audited(&[
        "samples/fw-drop.pcap",
        "samples/weak-tls10.pcap",
        "samples/alert-handshake-failure.pcap",
    ]);
    let wide = "名前解決€😀".repeat(200);
    for f in &mut report.files {
        let seed = f.audit.findings.clone();
        assert!(!seed.is_empty(), "{} has findings", f.file);
        f.file.push_str("-日本語");
        for k in 0..60 {
            for x in &seed {
                let mut x = x.clone();
                x.evidence = format!("{k}: {wide}");
                x.explanation = wide.clone();
                x.host = Some(format!("h{k}.例え.テスト"));
                f.audit.findings.push(x);
            }
        }
    }
    let full = markdown(&report, 0);
    assert!(full.len() > 2 * chars(&full), "mostly multi-byte text");
    for max in [500usize, 5_000, 20_000, DEFAULT_MAX_CHARS, 200_000] {
        let md = markdown(&report, max);
        let n = chars(&md);
        assert!(n <= max, "--max-chars {max}: {n} characters");
        // Filled to most of the limit: bytes were not counted as characters. (Below the
        // summary's own size the text is cut at a whole line, which may leave more room.)
        if max >= 5_000 {
            assert!(n * 10 >= max * 8, "--max-chars {max}: only {n} characters");
        }
        assert!(md.contains("left out") || md.contains("[cut at"), "{max}");
    }
}
