//! The Markdown and HTML reports through the real binary: they say the same numbers as
//! the JSON report, `--html FILE` writes the page beside any other format, and a file that
//! cannot be written is named.

#[path = "common/cli.rs"]
mod cli;

use cli::{all_samples, arcaudit, audit_json};

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
    assert!(
        md.contains("** Blocked "),
        "a finding says its family: {md}"
    );
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

// ---- issue 12: reports that tell the truth at a glance ----

/// A JSON value that refuses an object with a key twice (serde_json keeps the last one
/// silently; strict parsers refuse the document).
struct Strict;

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Strict;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
                Ok(Strict)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
                Ok(Strict)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
                Ok(Strict)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
                Ok(Strict)
            }
            fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
                Ok(Strict)
            }
            fn visit_unit<E>(self) -> Result<Strict, E> {
                Ok(Strict)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Strict, A::Error> {
                while a.next_element::<Strict>()?.is_some() {}
                Ok(Strict)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Strict, A::Error> {
                let mut keys = std::collections::BTreeSet::new();
                while let Some(k) = a.next_key::<String>()? {
                    if !keys.insert(k.clone()) {
                        return Err(serde::de::Error::custom(format!("duplicate key {k:?}")));
                    }
                    a.next_value::<Strict>()?;
                }
                Ok(Strict)
            }
        }
        d.deserialize_any(V)
    }
}

fn parse_strict(text: &str) -> Result<(), String> {
    serde_json::from_str::<Strict>(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn the_strict_parser_refuses_a_duplicate_key() {
    assert!(parse_strict(r#"{"a":1,"b":[{"c":2}]}"#).is_ok());
    let e = parse_strict(r#"{"a":1,"b":{"file":"x","file":"x"}}"#).unwrap_err();
    assert!(e.contains("duplicate key \"file\""), "{e}");
}

#[test]
fn every_json_and_ndjson_output_of_every_sample_has_no_duplicate_key() {
    for path in all_samples() {
        for format in ["json", "ndjson"] {
            let out = arcaudit()
                .arg("audit")
                .arg(&path)
                .args(["--fail-on", "never", "--format", format])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{path:?} {format}");
            let text = String::from_utf8(out.stdout).unwrap();
            let docs: Vec<&str> = if format == "json" {
                vec![text.as_str()]
            } else {
                text.lines().collect()
            };
            assert!(!docs.is_empty(), "{path:?} {format}");
            for (i, doc) in docs.iter().enumerate() {
                if let Err(e) = parse_strict(doc) {
                    panic!("{path:?} --format {format}, document {}: {e}\n{doc}", i + 1);
                }
            }
        }
    }
    // The unread-file shape too.
    let out = arcaudit()
        .args(["audit", "/nonexistent/x.pcap", "--format", "ndjson"])
        .output()
        .unwrap();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        parse_strict(line).unwrap();
    }
}

#[test]
fn no_span_across_several_captures_in_the_summaries() {
    let (code, md, _) = run(&["--format", "markdown"]);
    assert_eq!(code, Some(0));
    assert!(!md.contains("| Time span |"), "{md}");
    let (_, html, _) = run(&["--format", "html"]);
    assert!(!html.contains("<th>Time span</th>"));
}

#[test]
fn an_unread_input_gets_no_verdict_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.pcap");
    std::fs::write(&text, "not a capture, just words\n").unwrap();
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, "").unwrap();
    let png = dir.path().join("shot.pcap");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let missing = dir.path().join("missing.pcap");
    for bad in [&text, &empty, &png, &missing] {
        let out = arcaudit().arg("audit").arg(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("not read: "), "{bad:?}\n{stdout}");
        for said in [
            "verdict: no findings",
            "context:",
            "required, not seen",
            "findings:",
        ] {
            assert!(!stdout.contains(said), "{bad:?} says {said:?}\n{stdout}");
        }
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!err.contains("(os error 2): "), "said twice: {err}");
    }
    for (format, said, unsaid) in [
        ("markdown", "> **Not read:** ", "Context:"),
        ("html", "<strong>Not read:</strong>", "<p>Context:"),
    ] {
        let out = arcaudit()
            .arg("audit")
            .arg(&missing)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.contains(said), "{format}\n{page}");
        assert!(!page.contains(unsaid), "{format}\n{page}");
    }
    // Beside a capture that was read: counted apart, out of the coverage, still exit 2.
    let out = arcaudit()
        .arg("audit")
        .arg(&missing)
        .arg("samples/fw-drop.pcap")
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["totals"]["files_not_read"], 1);
    assert_eq!(doc["totals"]["files"], 2);
    let unread = &doc["files"][0];
    assert!(
        unread["not_read"]
            .as_str()
            .unwrap()
            .contains("missing.pcap")
    );
    for key in ["context", "coverage", "findings", "inferred"] {
        assert!(unread.get(key).is_none(), "{key} of an unread file");
    }
    let alone = audit_json(&[std::path::Path::new("samples/fw-drop.pcap")], &[]);
    assert_eq!(
        doc["totals"]["required_unseen"], alone["totals"]["required_unseen"],
        "an unread file adds no unseen endpoint"
    );
}

/// The rule id among the words after a Markdown finding's severity: the first word that
/// looks like a rule id (family titles are capitalised, "Weak TLS" is two words).
trait FirstRuleId {
    fn first_rule_id(self) -> Option<String>;
}

impl<'a, I: Iterator<Item = &'a str>> FirstRuleId for I {
    fn first_rule_id(mut self) -> Option<String> {
        self.find(|w| {
            w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        .map(str::to_string)
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        "info" => 3,
        other => panic!("severity {other}"),
    }
}

/// Pulls `(severity, rule)` of each finding out of a rendered report, in order.
fn findings_in(format: &str, text: &str) -> Vec<(u8, String)> {
    let mut v = Vec::new();
    for line in text.lines() {
        let found: Option<(String, String)> = match format {
            // "    [HIGH] syn-refused (blocked) ...": severity, rule, family.
            "text" => line
                .trim_start()
                .strip_prefix('[')
                .and_then(|l| l.split_once(']'))
                .and_then(|(s, rest)| {
                    Some((
                        s.to_lowercase(),
                        rest.split_whitespace().next()?.to_string(),
                    ))
                }),
            "ndjson" => {
                let j: serde_json::Value = serde_json::from_str(line).unwrap();
                (j["type"] == "finding").then(|| {
                    (
                        j["severity"].as_str().unwrap().to_string(),
                        j["rule"].as_str().unwrap().to_string(),
                    )
                })
            }
            _ => unreachable!(),
        };
        if let Some((s, rule)) = found {
            v.push((severity_rank(&s), rule));
        }
    }
    v
}

#[test]
fn findings_are_worst_first_in_every_format() {
    for path in all_samples() {
        let json = audit_json(&[&path], &[]);
        let sev: Vec<u8> = json["files"][0]["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| severity_rank(x["severity"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        assert!(sev.is_sorted(), "{path:?} json: {sev:?}");
        let ranks: Vec<String> = json["files"][0]["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["rule"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for format in ["text", "ndjson"] {
            let out = arcaudit()
                .arg("audit")
                .arg(&path)
                .args(["--fail-on", "never", "--format", format])
                .output()
                .unwrap();
            let got = findings_in(format, &String::from_utf8(out.stdout).unwrap());
            let rules: Vec<String> = got.iter().map(|(_, r)| r.clone()).collect();
            assert_eq!(rules, ranks, "{path:?} {format} in the report's order");
        }
        for format in ["markdown", "html"] {
            let out = arcaudit()
                .arg("audit")
                .arg(&path)
                .args(["--fail-on", "never", "--format", format])
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            // Markdown: "- **HIGH** Blocked rule ..."; HTML: `data-rule="rule"` of each
            // finding's <details>.
            let rules: Vec<String> = if format == "markdown" {
                text.lines()
                    .filter_map(|l| l.strip_prefix("- **"))
                    .filter_map(|l| l.split_once("** "))
                    .filter(|(s, _)| ["HIGH", "MEDIUM", "LOW", "INFO"].contains(s))
                    .filter_map(|(_, rest)| rest.split_whitespace().first_rule_id())
                    .collect()
            } else {
                text.split("<details class=\"finding ")
                    .skip(1)
                    .filter_map(|d| d.split("data-rule=\"").nth(1))
                    .filter_map(|d| d.split('"').next())
                    .map(str::to_string)
                    .collect()
            };
            assert_eq!(rules, ranks, "{path:?} {format} in the report's order");
        }
    }
}
