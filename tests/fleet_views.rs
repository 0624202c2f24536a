//! The fleet view in Markdown and HTML through the real binary: `arcaudit merge` of one
//! audit JSON report per sample gives the same bytes as one `arcaudit audit --fleet` over
//! all of them, in both formats; `--max-chars` bounds the Markdown view in both commands
//! and is refused with another format. (The HTML page in a browser: tests/browser.rs.)
//! Without `--fleet`, a run over captures of several hosts starts its Markdown and HTML
//! with the fleet view, then every capture's section, within one `--max-chars` budget; one
//! host's report has no fleet view; `--fleet --html FILE` writes the fleet page.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/fleet.rs"]
#[allow(dead_code)]
mod fleet_hosts;

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

/// Captures of `hosts` hosts (tests/common/fleet.rs) in a temporary folder.
fn fleet_dir(hosts: usize) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let captures = fleet_hosts::build_fleet(dir.path(), hosts);
    (dir, captures)
}

fn audit_of(dir: &std::path::Path, extra: &[&str]) -> String {
    let out = arcaudit()
        .args(["audit", "-q", "--fail-on", "never"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn several_hosts_start_the_markdown_with_the_fleet_view_then_every_capture() {
    let (dir, captures) = fleet_dir(20);
    let md = audit_of(dir.path(), &["--format", "markdown", "--max-chars", "0"]);
    assert!(md.starts_with("# arcaudit fleet report\n"), "{md}");
    let (view, rest) = md
        .split_once("\n# arcaudit audit report\n")
        .expect("the per-capture report after the fleet view");
    assert!(view.contains("| Hosts | 20 |"), "{view}");
    assert!(view.contains("## Matrix: one row per host"), "{view}");
    // The view is fleet_markdown's, byte for byte: the same as `--fleet` prints.
    let alone = audit_of(
        dir.path(),
        &["--format", "markdown", "--max-chars", "0", "--fleet"],
    );
    assert_eq!(view, alone);
    for c in &captures {
        let name = c.file_name().unwrap().to_str().unwrap();
        let heading = rest
            .lines()
            .find(|l| l.starts_with("## ") && l.ends_with(name))
            .unwrap_or_else(|| panic!("no section for {name}"));
        let host = &name[..8];
        let section = rest.split_once(heading).unwrap().1;
        assert!(
            section
                .trim_start()
                .starts_with(&format!("Host: **{host}** (section-comment")),
            "{name}: {section}"
        );
    }
}

#[test]
fn the_markdown_budget_holds_over_the_fleet_view_and_the_captures() {
    let (dir, captures) = fleet_dir(60);
    let full = audit_of(dir.path(), &["--format", "markdown", "--max-chars", "0"]);
    let full_chars = full.chars().count();
    for max in [200usize, 1_500, 8_000, 20_000, 60_000, full_chars - 1] {
        let md = audit_of(
            dir.path(),
            &["--format", "markdown", "--max-chars", &max.to_string()],
        );
        let n = md.chars().count();
        assert!(n <= max, "--max-chars {max}: {n} characters");
        if max < 1_500 {
            continue;
        }
        // The fleet view first, always; then the captures, shortened or left out with a
        // note that says how to get them.
        assert!(md.starts_with("# arcaudit fleet report\n"), "{max}: {md}");
        let (_, rest) = md
            .split_once("\n# arcaudit audit report\n")
            .unwrap_or_else(|| panic!("{max}: no per-capture part: {md}"));
        assert!(
            rest.contains("**Shortened to fit")
                || rest.contains(&format!(
                    "The sections of the {} captures are left out",
                    captures.len()
                )),
            "{max}: {rest}"
        );
        assert!(
            rest.contains(&format!("the full report has {full_chars}")),
            "{max}: {rest}"
        );
    }
    // With room, the whole fleet view and the captures' overview.
    let md = audit_of(dir.path(), &["--format", "markdown"]);
    assert!(
        !md.contains("> Shortened to fit"),
        "the fleet view is whole"
    );
    assert!(md.contains("**Shortened to fit 60000 characters**"));
    assert_eq!(
        md.lines()
            .filter(|l| l.starts_with("- ") && l.contains(".pcapng: "))
            .count(),
        captures.len()
    );
}

#[test]
fn several_hosts_start_the_html_with_the_fleet_view_linked_to_the_captures() {
    let (dir, captures) = fleet_dir(12);
    let page_path = dir.path().join("page.html");
    let html = audit_of(
        dir.path(),
        &["--format", "html", "--html", page_path.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read_to_string(&page_path).unwrap(),
        html,
        "--html FILE writes the page --format html prints"
    );
    let fleet = html.find("<section id=\"fleet\"").expect("the fleet view");
    let first = html
        .find("<section class=\"capture\" id=\"capture-1\">")
        .expect("the first capture");
    assert!(fleet < first);
    assert!(html.contains("<table class=\"matrix\">"));
    assert_eq!(
        html.matches("<section class=\"capture\"").count(),
        captures.len()
    );
    // Host 3 has two captures: its links lead to the first.
    let at = captures
        .iter()
        .position(|c| c.to_str().unwrap().contains("host-003-0-"))
        .unwrap();
    assert!(
        html.contains("<th class=\"h\" title=\"host-003: named by section-comment"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<a href=\"#capture-{}\">host-003</a></th>",
            at + 1
        )),
        "{html}"
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "the captures' own script only"
    );
    // One host: the captures' page, no fleet view.
    let one = audit_of(std::path::Path::new(&captures[0]), &["--format", "html"]);
    assert!(!one.contains("id=\"fleet\""));
    assert!(!one.contains("table class=\"matrix\""));
}

#[test]
fn fleet_with_html_file_writes_the_fleet_page() {
    let (dir, _) = fleet_dir(6);
    let page_path = dir.path().join("fleet.html");
    let text = audit_of(
        dir.path(),
        &["--fleet", "--html", page_path.to_str().unwrap()],
    );
    assert!(text.starts_with("arcaudit fleet: 6 hosts"), "{text}");
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert!(page.contains("<h1>arcaudit fleet report</h1>"), "{page}");
    assert!(!page.contains("<section class=\"capture\""));
    let alone = audit_of(dir.path(), &["--fleet", "--format", "html"]);
    assert_eq!(page, alone);
}

/// Hosts none of whose captures could be read have no findings because nothing was read:
/// every fleet view says so in the group's heading (the HTML page in both of its headings),
/// never with the clean group's words.
#[test]
fn hosts_not_read_are_never_a_clean_group_in_any_view() {
    let dir = tempfile::tempdir().unwrap();
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let a = dir.path().join("hostA.pcap");
    let b = dir.path().join("hostB.pcap");
    let c = dir.path().join("hostC.pcap");
    std::fs::copy(samples.join("healthy-agent.pcap"), &a).unwrap();
    std::fs::copy(samples.join("syn-no-answer.pcap"), &b).unwrap();
    std::fs::write(&c, b"not a capture\n").unwrap();
    for (format, headings) in [("text", 1), ("markdown", 1), ("html", 2)] {
        let out = arcaudit()
            .args([
                "audit",
                "-q",
                "--fail-on",
                "never",
                "--host-from",
                "host(.)",
            ])
            .args(["--format", format])
            .args([&a, &b, &c])
            .output()
            .unwrap();
        let page = String::from_utf8(out.stdout).unwrap();
        let group_heads: Vec<&str> = page
            .lines()
            .filter(|l| l.contains("roup ") && l.contains("1 host"))
            .collect();
        let unread = group_heads
            .iter()
            .filter(|l| l.contains("not read") && !l.contains("no findings"))
            .count();
        assert_eq!(unread, headings, "{format}: {group_heads:#?}");
        assert!(
            !page.contains("every required endpoint worked"),
            "{format}: {group_heads:#?}"
        );
    }
}
