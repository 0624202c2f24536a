//! The Markdown and HTML reports through the real binary: they say the same numbers as
//! the JSON report, `--html FILE` writes the page beside any other format, and a file that
//! cannot be written is named.

use std::process::Command;

fn arcaudit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arcaudit"))
}

const SAMPLES: [&str; 2] = ["samples/fw-drop.pcap", "samples/rst-after-clienthello.pcap"];

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = arcaudit()
        .arg("audit")
        .args(SAMPLES)
        .args(["--fail-on", "never"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn totals() -> serde_json::Value {
    let (code, json, _) = run(&["--format", "json"]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    doc["totals"].clone()
}

#[test]
fn markdown_states_the_reports_numbers() {
    let t = totals();
    let (code, md, _) = run(&["--format", "markdown"]);
    assert_eq!(code, Some(0));
    assert!(md.starts_with("# arcaudit audit report\n"), "{md}");
    for (label, key) in [
        ("Captures", "files"),
        ("TCP flows", "tcp_flows"),
        ("Flows to Arc endpoints", "arc_flows"),
        ("Arc endpoints reached", "endpoints_reached"),
        ("Arc endpoints failing", "endpoints_failing"),
    ] {
        let row = format!("| {label} | {} |", t[key]);
        assert!(md.contains(&row), "missing {row:?} in\n{md}");
    }
    assert!(md.contains(&format!("| Findings | **{}** (", t["findings"])));
    for s in SAMPLES {
        assert!(
            md.contains(&format!("## {s}\n")),
            "a section per capture: {s}"
        );
    }
    assert!(md.contains("#### Blocked"), "{md}");
    assert!(md.contains("reset-after-client-hello"), "{md}");
}

#[test]
fn html_beside_another_format_has_the_same_numbers() {
    let t = totals();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let (code, text, _) = run(&["--html", page.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(
        text.starts_with("arcaudit audit:"),
        "stdout keeps --format text"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for (key, field) in [
        ("files", "files"),
        ("tcp-flows", "tcp_flows"),
        ("arc-flows", "arc_flows"),
        ("endpoints-failing", "endpoints_failing"),
        ("findings", "findings"),
        ("suppressed", "suppressed"),
    ] {
        let cell = format!("data-key=\"{key}\">{}<", t[field]);
        assert!(html.contains(&cell), "missing {cell:?}");
    }
    assert_eq!(
        html.matches("<svg class=\"timeline\"").count(),
        SAMPLES.len()
    );
    let (_, stdout_html, _) = run(&["--format", "html"]);
    assert_eq!(
        stdout_html, html,
        "--html FILE and --format html write the same page"
    );
}

#[test]
fn an_unwritable_html_file_is_named() {
    let (code, _, err) = run(&["--html", "/nonexistent-dir/report.html"]);
    assert_eq!(code, Some(3));
    assert!(err.contains("/nonexistent-dir/report.html"), "{err}");
}

#[test]
fn an_html_file_that_is_an_input_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("trace.pcap");
    std::fs::copy(SAMPLES[0], &capture).unwrap();
    let before = std::fs::read(&capture).unwrap();
    let out = arcaudit()
        .arg("audit")
        .arg(&capture)
        .arg("--html")
        .arg(&capture)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--html") && err.contains("is also an input"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&capture).unwrap(),
        before,
        "the capture is intact"
    );
}
