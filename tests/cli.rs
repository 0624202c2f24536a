//! The real `arcaudit` binary, driven as a user would: batches with bad files, truncated
//! captures, formats, standard input, and output that does not depend on the thread count.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{PcapBuilder, client_hello};

fn arcaudit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arcaudit"))
}

fn sample_capture(sni: &[u8]) -> Vec<u8> {
    PcapBuilder::new()
        .handshake([20, 50, 2, 1], &client_hello(sni))
        .build()
}

#[test]
fn a_bad_file_in_a_batch_is_named_and_the_rest_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.pcap");
    let bad = dir.path().join("notes.pcap");
    std::fs::write(&good, sample_capture(b"management.azure.com")).unwrap();
    std::fs::write(&bad, b"<!DOCTYPE html> this is not a capture").unwrap();
    let out = arcaudit()
        .args(["flows", "--format", "ndjson"])
        .arg(&bad)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "some input failed => exit 2");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("management.azure.com"),
        "the good file was analysed"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("notes.pcap"), "{stderr}");
    assert!(stderr.contains("not a capture"), "{stderr}");
    assert!(stderr.contains("byte 0"), "{stderr}");
}

#[test]
fn a_truncated_capture_keeps_what_was_read_and_says_where_it_broke() {
    let full = sample_capture(b"login.microsoftonline.com");
    // Cut inside the last record: the handshake and ClientHello are before the damage.
    let cut = &full[..full.len() - 10];
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.pcap");
    std::fs::write(&p, cut).unwrap();
    let out = arcaudit()
        .args(["flows", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let file = &doc["files"][0];
    assert_eq!(
        file["flows"][0]["app"]["tls"]["client_hello"]["sni"],
        "login.microsoftonline.com"
    );
    let err = file["stats"]["error"].as_str().unwrap();
    assert!(err.contains("cut.pcap") && err.contains("byte"), "{err}");
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let mut child = arcaudit()
        .args(["flows", "--format", "ndjson", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&sample_capture(b"westeurope.his.arc.azure.com"))
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["type"], "flow");
    assert_eq!(first["file"], "-");
    assert_eq!(first["tcp"]["conn_state"], "SF");
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..7u8 {
        let sni = format!("host{i}.guestconfiguration.azure.com");
        std::fs::write(
            dir.path().join(format!("c{i}.pcap")),
            sample_capture(sni.as_bytes()),
        )
        .unwrap();
    }
    let run = |threads: &str, format: &str| {
        let out = arcaudit()
            .args(["flows", "--quiet", "--threads", threads, "--format", format])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    for format in ["json", "ndjson", "table"] {
        assert_eq!(run("1", format), run("2", format), "{format}");
    }
    let doc: serde_json::Value = serde_json::from_slice(&run("2", "json")).unwrap();
    assert_eq!(doc["files"].as_array().unwrap().len(), 7);
}

#[test]
fn hostile_sni_cannot_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("hostile.pcap");
    std::fs::write(&p, sample_capture(b"evil\x1b[31m.example\nFAKE LINE")).unwrap();
    let out = arcaudit()
        .args(["flows", "--quiet"])
        .arg(&p)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}'), "raw ESC in table output");
    assert!(text.contains("\\x1b[31m"), "{text}");
    assert!(!text.contains("\nFAKE LINE"), "{text}");
    let json = arcaudit()
        .args(["flows", "--quiet", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON stays valid");
    assert_eq!(
        doc["files"][0]["flows"][0]["app"]["tls"]["client_hello"]["sni"],
        "evil\u{1b}[31m.example\nFAKE LINE"
    );
}

#[test]
fn bad_invocations_exit_3() {
    let out = arcaudit()
        .args(["flows", "--format", "yaml", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = arcaudit()
        .args(["flows", "--glob", "a[", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn explain_prints_a_rules_documentation_and_refuses_unknown_ids() {
    let out = arcaudit()
        .args(["explain", "syn-unanswered"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "Detects:",
        "Why it matters:",
        "What to check:",
        "Requirement:",
    ] {
        assert!(text.contains(part), "{text}");
    }
    let out = arcaudit()
        .args(["explain", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn suppressed_findings_are_shown_marked_and_do_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("refused.pcap");
    // A ClientHello naming management.azure.com, then a RST from the server.
    let c = [10, 1, 0, 4];
    let s = [4, 150, 240, 10];
    let hello = client_hello(b"management.azure.com");
    let bytes = PcapBuilder::new()
        .tcp(c, 50001, s, 443, 0x02, 1000, 0, b"")
        .tcp(s, 443, c, 50001, 0x12, 7000, 1001, b"")
        .tcp(c, 50001, s, 443, 0x10, 1001, 7001, b"")
        .tcp(c, 50001, s, 443, 0x18, 1001, 7001, &hello)
        .tcp(s, 443, c, 50001, 0x14, 7001, 1001 + hello.len() as u32, b"")
        .build();
    std::fs::write(&cap, bytes).unwrap();
    let run = |supp: Option<&str>| {
        let mut cmd = arcaudit();
        cmd.args(["audit", "--fail-on", "blocked"]).arg(&cap);
        if let Some(text) = supp {
            let f = dir.path().join("accepted.txt");
            std::fs::write(&f, text).unwrap();
            cmd.arg("--suppress").arg(f);
        }
        cmd.output().unwrap()
    };
    let out = run(None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(Some(
        "# accepted in the lab\nreset-after-client-hello public.arm\n",
    ));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("reset-after-client-hello (blocked) public.arm management.azure.com"),
        "{text}"
    );
    assert!(text.contains("[suppressed]"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    let out = run(Some("not-a-rule\n"));
    assert_eq!(out.status.code(), Some(3));
    // A misspelt endpoint would suppress nothing: refused, with its line.
    let out = run(Some("# lab\nreset-after-client-hello public.armm\n"));
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 2: unknown endpoint \"public.armm\""),
        "{err}"
    );
    // A near miss of a rule id gets a suggestion.
    let out = run(Some("reset-after-clienthello\n"));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("did you mean \"reset-after-client-hello\"?"),
        "{err}"
    );
    // A name the catalog knows is accepted as well as an entry id.
    let out = run(Some("reset-after-client-hello management.azure.com\n"));
    assert_eq!(out.status.code(), Some(0));
}

fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

#[test]
fn output_file_gets_what_stdout_would_and_the_exit_code_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let cap = sample("syn-no-answer.pcap");
    for (cmd, format) in [("audit", "text"), ("audit", "json"), ("flows", "ndjson")] {
        let to_stdout = arcaudit()
            .args([cmd, "--format", format])
            .arg(&cap)
            .output()
            .unwrap();
        let file = dir.path().join(format!("{cmd}.{format}"));
        // Truncated, not appended to.
        std::fs::write(&file, "old content that must go\n".repeat(1000)).unwrap();
        let to_file = arcaudit()
            .args([cmd, "--format", format, "--output"])
            .arg(&file)
            .arg(&cap)
            .output()
            .unwrap();
        assert_eq!(to_file.status.code(), to_stdout.status.code(), "{cmd}");
        assert!(to_file.stdout.is_empty(), "{cmd}: nothing on stdout");
        assert_eq!(std::fs::read(&file).unwrap(), to_stdout.stdout, "{cmd}");
        assert_eq!(to_file.stderr, to_stdout.stderr, "{cmd}");
    }
    let out = arcaudit()
        .args(["audit", "--fail-on", "never", "-o"])
        .arg(dir.path().join("a.txt"))
        .arg(&cap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Global: any subcommand, before or after it.
    let f = dir.path().join("explain.txt");
    let out = arcaudit()
        .arg("--output")
        .arg(&f)
        .args(["explain", "syn-unanswered"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        std::fs::read_to_string(&f)
            .unwrap()
            .starts_with("syn-unanswered")
    );
    // `-` is standard output.
    let out = arcaudit()
        .args(["explain", "syn-unanswered", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.stdout.starts_with(b"syn-unanswered"));
}

#[test]
fn output_file_errors_name_the_file_and_bad_invocations_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let cap = sample("healthy-agent.pcap");
    let missing = dir.path().join("no-such-dir").join("report.txt");
    let out = arcaudit()
        .args(["audit", "--output"])
        .arg(&missing)
        .arg(&cap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no-such-dir/report.txt"), "{stderr}");
    assert!(out.stdout.is_empty());

    let report = dir.path().join("report.txt");
    let out = arcaudit()
        .args(["audit", "--fail-on", "sometimes", "--output"])
        .arg(&report)
        .arg(&cap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!report.exists(), "a bad invocation creates no output file");
}

#[test]
fn output_file_that_is_also_an_input_is_refused_before_it_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("c.pcap");
    let bytes = sample_capture(b"management.azure.com");
    std::fs::write(&cap, &bytes).unwrap();
    for cmd in ["audit", "flows"] {
        let out = arcaudit()
            .args([cmd, "--output"])
            .arg(&cap)
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{cmd}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("also an input"), "{stderr}");
        assert_eq!(std::fs::read(&cap).unwrap(), bytes, "{cmd}: input intact");
    }
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let cap = sample("healthy-agent.pcap");
    for cmd in ["audit", "flows"] {
        let out = arcaudit()
            .env_remove("ARCAUDIT_PROGRESS")
            .args([cmd, "--format", "json"])
            // About stderr, not the verdict: findings must not fail this test.
            .args(if cmd == "audit" {
                &["--fail-on", "never"][..]
            } else {
                &[]
            })
            .arg(&cap)
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        for bar in ["\u{1b}", "\r", "ETA", "capture [", "=>"] {
            assert!(!stderr.contains(bar), "{cmd}: {bar:?} in {stderr:?}");
        }
    }
}

#[test]
fn forced_progress_bar_stays_on_stderr_and_ends_before_the_summary() {
    let cap = sample("healthy-agent.pcap");
    for cmd in ["audit", "flows"] {
        let plain = arcaudit()
            .env_remove("ARCAUDIT_PROGRESS")
            .args([cmd, "--format", "ndjson"])
            .arg(&cap)
            .output()
            .unwrap();
        let forced = arcaudit()
            .env("ARCAUDIT_PROGRESS", "always")
            .args([cmd, "--format", "ndjson"])
            .arg(&cap)
            .output()
            .unwrap();
        assert_eq!(forced.status.code(), plain.status.code(), "{cmd}");
        assert_eq!(
            forced.stdout, plain.stdout,
            "{cmd}: the bar never reaches stdout"
        );
        let stderr = String::from_utf8(forced.stderr).unwrap();
        assert!(
            stderr.contains(&format!("{cmd}: 1 capture [")),
            "{stderr:?}"
        );
        assert!(stderr.contains("B/s, ETA"), "{stderr:?}");
        // The bar is cleared last (or before the summary lines): after its final clear
        // comes only what a run without it prints.
        let clear = "\r\u{1b}[2K";
        let end = stderr.rfind(clear).unwrap() + clear.len();
        assert_eq!(&stderr.as_bytes()[end..], plain.stderr.as_slice(), "{cmd}");

        let quiet = arcaudit()
            .env("ARCAUDIT_PROGRESS", "always")
            .args([cmd, "--quiet", "--format", "ndjson"])
            .arg(&cap)
            .output()
            .unwrap();
        assert!(
            quiet.stderr.is_empty(),
            "{cmd}: --quiet silences the bar too"
        );
    }
}

/// The escape sequences arcaudit's own colours use (SGR: bold, dim, 8 colours, reset).
fn strip_our_colours(text: &str) -> String {
    let mut out = text.to_string();
    for code in ["0", "1", "2", "31", "32", "33", "34", "36"] {
        out = out.replace(&format!("\u{1b}[{code}m"), "");
    }
    out
}

fn stdout_of(args: &[&str], path: &std::path::Path, no_color: Option<&str>) -> String {
    let mut cmd = arcaudit();
    cmd.env_remove("NO_COLOR").args(args).arg(path);
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    String::from_utf8(cmd.output().unwrap().stdout).unwrap()
}

#[test]
fn color_always_colours_the_text_formats_only() {
    // A fatal alert on management.azure.com: a high finding.
    let cap = sample("alert-handshake-failure.pcap");
    let run = |args: &[&str], no_color| stdout_of(args, &cap, no_color);
    let colored = run(&["audit", "--color", "always"], None);
    assert!(colored.contains("\u{1b}[31m[HIGH]\u{1b}[0m"), "{colored}");
    assert!(colored.contains("verdict: \u{1b}["), "{colored}");
    let plain = run(&["audit"], None);
    assert!(!plain.contains('\u{1b}'), "auto into a pipe: no colour");
    assert_eq!(strip_our_colours(&colored), plain, "colour adds codes only");
    assert!(!run(&["audit", "--color", "never"], None).contains('\u{1b}'));
    assert!(!run(&["audit", "--color", "auto"], Some("1")).contains('\u{1b}'));
    // An explicit --color always wins over NO_COLOR, as in cargo and ripgrep.
    assert!(run(&["audit", "--color", "always"], Some("1")).contains("\u{1b}["));
    // Machine formats are never coloured.
    for args in [
        ["audit", "--format", "json"],
        ["audit", "--format", "ndjson"],
        ["flows", "--format", "json"],
        ["flows", "--format", "ndjson"],
    ] {
        let mut a = args.to_vec();
        a.extend(["--color", "always"]);
        assert!(!run(&a, None).contains('\u{1b}'), "{args:?}");
    }
    // The table colours the state of a flow that never got an answer.
    let cap = sample("syn-no-answer.pcap");
    let table = stdout_of(&["flows", "--color", "always"], &cap, None);
    // Padded inside the colour, to the column's width ("state": 5 characters).
    assert!(table.contains("\u{1b}[31mS0   \u{1b}[0m"), "{table}");
    assert_eq!(strip_our_colours(&table), stdout_of(&["flows"], &cap, None));
}

#[test]
fn colour_never_lets_a_capture_string_carry_a_raw_escape() {
    // The sample's SNI is ESC[31m management.azure.com LF ESC[0m ok.
    let hostile = sample("hostile-sni-ansi.pcap");
    let text = stdout_of(&["flows", "--color", "always"], &hostile, None);
    assert!(
        text.contains("\\x1b[31mmanagement.azure.com\\x0a\\x1b[0mok"),
        "{text}"
    );
    assert!(!strip_our_colours(&text).contains('\u{1b}'), "{text:?}");
    let text = stdout_of(&["audit", "--color", "always"], &hostile, None);
    assert!(text.contains('\u{1b}'), "the run was coloured");
    assert!(!strip_our_colours(&text).contains('\u{1b}'), "{text:?}");

    // A file name is printed too, in a heading.
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("evil\u{1b}[2J\u{1b}[32m.pcap");
    std::fs::copy(sample("alert-handshake-failure.pcap"), &cap).unwrap();
    let text = stdout_of(&["audit", "--color", "always"], &cap, None);
    assert!(text.contains("evil\\x1b[2J\\x1b[32m.pcap =="), "{text}");
    assert!(text.contains("\u{1b}[31m[HIGH]"), "{text}");
    assert!(!strip_our_colours(&text).contains('\u{1b}'), "{text:?}");
}

#[test]
fn completions_name_the_commands_and_options_and_bash_accepts_them() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = arcaudit().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["audit", "flows", "fail-on", "color"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
    let bash = arcaudit().args(["completions", "bash"]).output().unwrap();
    let script = String::from_utf8(bash.stdout.clone()).unwrap();
    assert!(script.contains("--fail-on"), "{script}");
    // `bash -n`: parse without running, when bash is there.
    if let Ok(mut child) = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        child.stdin.take().unwrap().write_all(&bash.stdout).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = arcaudit().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn man_pages_start_with_their_title_and_document_the_options() {
    let out = arcaudit().arg("man").output().unwrap();
    assert!(out.status.success());
    let top = String::from_utf8(out.stdout).unwrap();
    assert!(top.starts_with(".TH arcaudit 1"), "{top}");
    for sub in [
        "audit",
        "flows",
        "endpoints",
        "lookup",
        "explain",
        "completions",
        "man",
    ] {
        assert!(top.contains(&format!("arcaudit\\-{sub}(1)")), "{sub}");
    }
    for part in [
        "\\-\\-threads",
        "\\-\\-quiet",
        "\\-\\-output",
        "\\-\\-color",
        ".SH \"EXIT STATUS\"",
        "NO_COLOR",
        "ARCAUDIT_PROGRESS",
    ] {
        assert!(top.contains(part), "{part}");
    }

    let out = arcaudit().args(["man", "audit"]).output().unwrap();
    let audit = String::from_utf8(out.stdout).unwrap();
    assert!(
        audit.starts_with(".TH arcaudit-audit 1  \"arcaudit "),
        "{audit}"
    );
    for option in [
        "\\-\\-fail\\-on",
        "\\-\\-suppress",
        "\\-\\-proxy",
        "\\-\\-output",
    ] {
        assert!(audit.contains(option), "{option}");
    }
    let out = arcaudit().args(["man", "nosuch"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));

    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let out = arcaudit()
        .args(["man", "--dir"])
        .arg(&pages)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(pages.join("arcaudit.1")).unwrap(),
        top
    );
    assert_eq!(
        std::fs::read_to_string(pages.join("arcaudit-audit.1")).unwrap(),
        audit
    );
    assert!(pages.join("arcaudit-flows.1").is_file());
}

/// `--region` is checked before any capture is read: a typo is refused with the nearest
/// region, a region of another cloud than `--cloud` names its cloud, and a known name in
/// any case is accepted.
#[test]
fn region_names_are_checked_with_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("c.pcap");
    std::fs::write(&cap, sample_capture(b"westeurope.his.arc.azure.com")).unwrap();
    let run = |args: &[&str]| {
        let out = arcaudit()
            .arg("audit")
            .args(args)
            .arg(&cap)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, err) = run(&["--region", "westeurop"]);
    assert_eq!(code, Some(3), "an invocation error: {err}");
    assert!(err.contains("did you mean westeurope?"), "{err}");
    let (code, err) = run(&["--region", "westeurope", "--cloud", "usgov"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("region of the public cloud, not of usgov"),
        "{err}"
    );
    assert!(
        err.contains("usgovvirginia"),
        "lists the cloud's regions: {err}"
    );
    let (code, err) = run(&["--region", "WestEurope", "--fail-on", "never"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn two_outputs_naming_one_file_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("out.html");
    let cap = sample("fw-drop.pcap");
    let out = arcaudit()
        .arg("audit")
        .arg(&cap)
        .arg("-o")
        .arg(&page)
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("are the same file"), "{stderr}");
    assert!(!page.exists(), "nothing created");
    // The same file under two names (a hard link, a symbolic link): refused, kept.
    std::fs::write(&page, "keep me").unwrap();
    let hard = dir.path().join("hard.html");
    std::fs::hard_link(&page, &hard).unwrap();
    let soft = dir.path().join("soft.html");
    std::os::unix::fs::symlink(&page, &soft).unwrap();
    for other in [&hard, &soft] {
        let out = arcaudit()
            .arg("audit")
            .arg(&cap)
            .arg("-o")
            .arg(&page)
            .arg("--html")
            .arg(other)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{other:?}");
        assert_eq!(std::fs::read_to_string(&page).unwrap(), "keep me");
    }
}

#[test]
fn outputs_that_are_inputs_through_links_or_side_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("c.pcap");
    std::fs::copy(sample("fw-drop.pcap"), &cap).unwrap();
    let bytes = std::fs::read(&cap).unwrap();
    let hard = dir.path().join("hard.pcap");
    std::fs::hard_link(&cap, &hard).unwrap();
    let soft = dir.path().join("soft.pcap");
    std::os::unix::fs::symlink(&cap, &soft).unwrap();
    for (flag, target) in [("-o", &hard), ("--html", &soft)] {
        let out = arcaudit()
            .arg("audit")
            .arg(&cap)
            .arg(flag)
            .arg(target)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{flag} {target:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("is also an input"), "{stderr}");
        assert_eq!(std::fs::read(&cap).unwrap(), bytes);
    }
    let suppress = dir.path().join("accepted.txt");
    std::fs::write(&suppress, "# nothing accepted\n").unwrap();
    let out = arcaudit()
        .arg("audit")
        .arg(&cap)
        .arg("--suppress")
        .arg(&suppress)
        .arg("--html")
        .arg(&suppress)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("(--suppress "), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&suppress).unwrap(),
        "# nothing accepted\n"
    );
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    // Many flows so the report is larger than a pipe's buffer, and a reader that reads
    // one line and goes away, like `| head -1`.
    for format in ["ndjson", "text", "json"] {
        let mut child = arcaudit()
            .args(["audit", "samples", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.contains("Broken pipe"), "{format}: {stderr}");
        assert!(!stderr.contains("writing output"), "{format}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{format}: 128 + SIGPIPE");
    }
}

#[test]
fn inputs_that_are_not_captures_are_named_plainly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "meeting notes\n").unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"more meeting notes\n").unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(dir.path().join("notes.txt.gz"), &gz).unwrap();
    // Only non-captures: the error names the folder and what it skipped.
    let out = arcaudit().arg("audit").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!(
            "no capture files found in {}",
            dir.path().display()
        )),
        "{err}"
    );
    assert!(
        err.contains("skipped 2 files as not a capture") && err.contains("notes.txt.gz"),
        "{err}"
    );
    // Beside a capture, the compressed notes are skipped like the plain ones.
    std::fs::copy(sample("fw-drop.pcap"), dir.path().join("fw-drop.pcap")).unwrap();
    let out = arcaudit()
        .arg("audit")
        .arg(dir.path())
        .args(["--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Named explicitly, it is tried and not read.
    let out = arcaudit()
        .arg("audit")
        .arg(dir.path().join("notes.txt.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // JSON that is not a service-tag file says so.
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"entries": []}"#).unwrap();
    let out = arcaudit()
        .arg("audit")
        .arg(sample("fw-drop.pcap"))
        .arg("--service-tags")
        .arg(&other)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("not a service-tag file"), "{err}");
    assert!(!err.contains("changeNumber`"), "{err}");
    // A missing file's error is said once.
    let out = arcaudit()
        .arg("audit")
        .arg(sample("fw-drop.pcap"))
        .arg("--service-tags")
        .arg(dir.path().join("missing.json"))
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}

#[test]
fn explain_offers_the_rule_meant_and_stdin_is_named() {
    let out = arcaudit()
        .args(["explain", "reset-after-clienthello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("did you mean \"reset-after-client-hello\"?"),
        "{err}"
    );
    let mut child = arcaudit()
        .args(["audit", "-", "--fail-on", "never"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(sample("fw-drop.pcap")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("== standard input =="), "{text}");
    assert!(text.contains("1 TCP flow (1 to Arc endpoints)"), "{text}");
    assert!(text.contains("(frames 5,8)"), "{text}");
    // One frame is "frame", not "frames".
    let out = arcaudit()
        .args(["audit", "--fail-on", "never"])
        .arg(sample("wrong-cloud.pcap"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("(frame 70)"), "{text}");
    assert!(!text.contains("(frames 70)"), "{text}");
}
