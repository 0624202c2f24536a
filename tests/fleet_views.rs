//! The fleet view in Markdown and HTML through the real binary: `arcaudit merge` of one
//! audit JSON report per sample gives the same bytes as one `arcaudit audit --fleet` over
//! all of them, in both formats; `--max-chars` bounds the Markdown view in both commands
//! and is refused with another format. (The HTML page in a browser: tests/browser.rs.)

#[path = "common/cli.rs"]
mod cli;

use cli::{all_samples, arcaudit};

/// One `audit --format json` report per sample in `dir`: the map step of docs/engines.md.
fn reports(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    all_samples()
        .iter()
        .enumerate()
        .map(|(i, capture)| {
            let path = dir.join(format!("r{i:03}.json"));
            let out = arcaudit()
                .args(["audit", "--format", "json", "-q", "-o"])
                .arg(&path)
                .arg(capture)
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(0..=2)),
                "{}: {}",
                capture.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            path
        })
        .collect()
}

#[test]
fn merged_markdown_and_html_equal_one_fleet_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut reports = reports(dir.path());
    reports.reverse();
    for format in ["markdown", "html"] {
        let single = arcaudit()
            .args(["audit", "--fleet", "-q", "--format", format])
            .args(all_samples())
            .output()
            .unwrap();
        let merged = arcaudit()
            .args(["merge", "--format", format])
            .args(&reports)
            .output()
            .unwrap();
        assert_eq!(
            single.status.code(),
            merged.status.code(),
            "{format}: {}",
            String::from_utf8_lossy(&merged.stderr)
        );
        assert!(
            single.stdout == merged.stdout,
            "{format}: merged view differs from the single run"
        );
        let text = String::from_utf8(single.stdout).unwrap();
        match format {
            "markdown" => {
                assert!(text.starts_with("# arcaudit fleet report\n"), "{text}");
                assert!(text.contains("## Hosts grouped by findings"), "{text}");
            }
            _ => {
                assert!(text.contains("<table class=\"matrix\">"), "{text}");
                assert!(!text.contains("<script"), "the fleet page has no script");
            }
        }
    }
}

#[test]
fn max_chars_bounds_the_markdown_view_and_needs_markdown() {
    let samples = all_samples();
    for max in ["1200", "3000"] {
        let out = arcaudit()
            .args([
                "audit",
                "--fleet",
                "-q",
                "--format",
                "markdown",
                "--max-chars",
                max,
            ])
            .args(&samples)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.chars().count() <= max.parse().unwrap(),
            "{max}: {} chars",
            text.chars().count()
        );
        assert!(text.contains("> Shortened to fit"), "{text}");
    }
    let out = arcaudit()
        .args(["merge", "--format", "json", "--max-chars", "100", "x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--max-chars applies to --format markdown"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
