//! Side files are as untrusted as captures: a `ServiceTags_*.json` found beside a capture,
//! a `--catalog` file and a `--suppress` file carry strings that reach every output. Each
//! test writes a hostile side file, runs the real binary in every format, and checks that
//! no raw control or invisible character reaches the terminal, that Markdown makes no
//! markup or autolink of it and HTML no tag. Also: timestamps at the ends of i64
//! (`if_tsoffset`, `if_tsresol`) through every format, without a panic or a negative span.

mod common;

use std::path::Path;
use std::process::Command;

use common::{PcapBuilder, client_hello};

const FORMATS: [&str; 5] = ["text", "json", "ndjson", "markdown", "html"];

/// Characters that must never reach a terminal raw. JSON keeps the invisible ones as
/// themselves (it is a data format, its strings are exact) but escapes the controls.
const CONTROLS: [char; 3] = ['\u{1b}', '\u{07}', '\r'];
const INVISIBLE: [char; 5] = ['\u{202e}', '\u{2028}', '\u{e0041}', '\u{feff}', '\u{200b}'];

/// The hostile payload, as it appears in a JSON string of a side file.
const HOSTILE_JSON: &str = r"\u001b[2J\u001b]0;pwn\u0007\r\u009b\u202e\u2028\udb40\udc41\ufeff\u200b<script>alert(1)</script>|*_https://evil.example www.evil.example root@evil.example";

fn arcaudit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arcaudit"))
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = arcaudit().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether GFM's autolink extension would make a link of something in `md`: an unescaped
/// `@` after a local-part character, `://` after a letter, `www.`, `mailto:`, `xmpp:`.
fn autolinks(md: &str) -> Vec<String> {
    let c: Vec<char> = md.chars().collect();
    let mut found = Vec::new();
    for i in 0..c.len() {
        let escaped = i > 0 && c[i - 1] == '\\';
        let window: String = c[i.saturating_sub(8)..(i + 8).min(c.len())]
            .iter()
            .collect();
        let ends = |w: &str| {
            let n = w.len();
            i >= n
                && c[i - n..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case(w)
        };
        let hit = match c[i] {
            '@' => {
                !escaped && i > 0 && (c[i - 1].is_ascii_alphanumeric() || "._+-".contains(c[i - 1]))
            }
            ':' => {
                !escaped
                    && ((i > 0 && c[i - 1].is_ascii_alphabetic() && c.get(i + 1) == Some(&'/'))
                        || ends("mailto")
                        || ends("xmpp"))
            }
            '.' => !escaped && ends("www"),
            _ => false,
        };
        if hit {
            found.push(window);
        }
    }
    found
}

fn assert_terminal_safe(what: &str, format: &str, s: &str) {
    for c in CONTROLS {
        assert!(
            !s.contains(c),
            "{what} ({format}): raw U+{:04X} in\n{s}",
            c as u32
        );
    }
    if format != "json" && format != "ndjson" {
        // C1 controls (CSI U+009B) are left as themselves by JSON, like the invisibles.
        for c in INVISIBLE.into_iter().chain(['\u{9b}']) {
            assert!(
                !s.contains(c),
                "{what} ({format}): raw U+{:04X} in\n{s}",
                c as u32
            );
        }
    }
    match format {
        "markdown" => {
            let raw = s
                .match_indices("<script")
                .any(|(i, _)| !s[..i].ends_with('\\'));
            assert!(!raw, "{what}: markup in Markdown");
            let links = autolinks(s);
            assert!(links.is_empty(), "{what}: autolinks in Markdown: {links:?}");
        }
        "html" => assert!(!s.contains("<script>alert"), "{what}: markup in HTML"),
        _ => {}
    }
}

/// A capture of one TLS connection to `sni` at 20.0.0.1.
fn capture(dir: &Path, sni: &str) -> std::path::PathBuf {
    let p = dir.join("c.pcap");
    let bytes = PcapBuilder::new()
        .handshake([20, 0, 0, 1], &client_hello(sni.as_bytes()))
        .build();
    std::fs::write(&p, bytes).unwrap();
    p
}

fn service_tags(cloud: &str, prefix: &str) -> String {
    format!(
        r#"{{"changeNumber":7,"cloud":"{cloud}","values":[{{"name":"AzureArcInfrastructure{HOSTILE_JSON}","id":"x","properties":{{"changeNumber":1,"region":"","platform":"Azure","systemService":"","addressPrefixes":["{prefix}"]}}}}]}}"#
    )
}

#[test]
fn an_auto_discovered_service_tag_file_is_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), "gbl.his.arc.azure.com");
    std::fs::write(
        dir.path().join("ServiceTags_Public_20260101.json"),
        service_tags(&format!("Public{HOSTILE_JSON}"), "20.0.0.0/8"),
    )
    .unwrap();
    let cap = cap.to_str().unwrap();
    let mut saw_cloud = false;
    for format in FORMATS {
        let (code, out, err) = run(&["audit", cap, "--fail-on", "never", "--format", format]);
        assert_eq!(code, Some(0), "{format}: {err}");
        saw_cloud |= out.contains("evil");
        assert_terminal_safe("service tags", format, &out);
        assert_terminal_safe("service tags (stderr)", "text", &err);
    }
    assert!(saw_cloud, "the file's cloud is shown somewhere");
    for format in ["table", "json"] {
        let (code, out, err) = run(
            &["lookup", "20.0.0.1", "--format", format, "--service-tags"]
                .into_iter()
                .chain([dir
                    .path()
                    .join("ServiceTags_Public_20260101.json")
                    .to_str()
                    .unwrap()])
                .collect::<Vec<_>>(),
        );
        assert_eq!(code, Some(0), "{err}");
        let f = if format == "table" { "text" } else { "json" };
        assert_terminal_safe("lookup", f, &out);
        assert_terminal_safe("lookup (stderr)", "text", &err);
        assert!(out.contains("evil"), "{out}");
    }
}

#[test]
fn an_invalid_prefix_in_a_service_tag_file_is_quoted_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), "gbl.his.arc.azure.com");
    std::fs::write(
        dir.path().join("ServiceTags_Public_20260101.json"),
        service_tags("Public", &format!("10.0.0.0/8{HOSTILE_JSON}")),
    )
    .unwrap();
    let (code, out, err) = run(&["audit", cap.to_str().unwrap(), "--fail-on", "never"]);
    assert_ne!(code, Some(0), "{out}{err}");
    assert!(err.contains("not an IPv4 or IPv6 prefix"), "{err}");
    assert_terminal_safe("invalid prefix", "text", &err);
}

#[test]
fn catalog_ids_and_purposes_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), "proxy.contoso.com");
    let catalog = dir.path().join("org.json");
    std::fs::write(
        &catalog,
        format!(
            r#"{{"schema":1,"entries":[{{"id":"contoso.proxy{HOSTILE_JSON}","cloud":"public","resource":"`proxy.contoso.com`{HOSTILE_JSON}","hosts":["proxy.contoso.com"],"purpose":"Outbound proxy{HOSTILE_JSON}","when":"always","private_link":"public","ports":[443],"source":{{"document":"contoso{HOSTILE_JSON}","revision":"2026-05"}}}}]}}"#
        ),
    )
    .unwrap();
    let (cap, catalog) = (cap.to_str().unwrap(), catalog.to_str().unwrap());
    let (code, _, err) = run(&["endpoints", "--catalog", catalog]);
    if code != Some(0) {
        // The catalog refuses such an id: then the refusal itself must be escaped.
        assert_terminal_safe("catalog error", "text", &err);
        return;
    }
    for format in FORMATS {
        let (code, out, err) = run(&[
            "audit",
            cap,
            "--fail-on",
            "never",
            "--format",
            format,
            "--catalog",
            catalog,
        ]);
        assert_eq!(code, Some(0), "{format}: {err}");
        assert!(out.contains("contoso.proxy"), "{format}: {out}");
        assert_terminal_safe("catalog", format, &out);
        assert_terminal_safe("catalog (stderr)", "text", &err);
    }
    for (cmd, format) in [("endpoints", "table"), ("endpoints", "json")] {
        let (code, out, err) = run(&[cmd, "--catalog", catalog, "--format", format]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains("contoso.proxy"), "{out}");
        let f = if format == "table" { "text" } else { "json" };
        assert_terminal_safe(cmd, f, &out);
    }
    for format in ["table", "json"] {
        let (code, out, err) = run(&[
            "lookup",
            "proxy.contoso.com",
            "--catalog",
            catalog,
            "--format",
            format,
        ]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains("contoso.proxy"), "{out}");
        let f = if format == "table" { "text" } else { "json" };
        assert_terminal_safe("lookup catalog", f, &out);
        assert_terminal_safe("lookup catalog (stderr)", "text", &err);
    }
}

#[test]
fn a_hostile_catalog_error_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("bad.json");
    std::fs::write(
        &catalog,
        format!(r#"{{"schema":1,"entries":[{{"id":"x","hosts":["{HOSTILE_JSON}"]}}]}}"#),
    )
    .unwrap();
    let (code, _, err) = run(&["endpoints", "--catalog", catalog.to_str().unwrap()]);
    assert_ne!(code, Some(0));
    assert_terminal_safe("catalog error", "text", &err);
}

#[test]
fn a_hostile_suppress_file_is_refused_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), "gbl.his.arc.azure.com");
    let sup = dir.path().join("accepted.txt");
    std::fs::write(
        &sup,
        "syn-unanswered evil\u{1b}[2J\u{7}\r\u{202e}.example\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "audit",
        cap.to_str().unwrap(),
        "--suppress",
        sup.to_str().unwrap(),
    ]);
    assert_ne!(code, Some(0));
    assert!(err.contains("unknown endpoint"), "{err}");
    assert_terminal_safe("suppress error", "text", &err);
    // An unknown rule id is quoted too.
    std::fs::write(&sup, "\u{1b}[2Jrule\u{2028}\n").unwrap();
    let (code, _, err) = run(&[
        "audit",
        cap.to_str().unwrap(),
        "--suppress",
        sup.to_str().unwrap(),
    ]);
    assert_ne!(code, Some(0));
    assert_terminal_safe("suppress error", "text", &err);
}

#[test]
fn markdown_of_hostile_captures_has_no_autolinks() {
    let dir = tempfile::tempdir().unwrap();
    // Names a capture can carry: an SNI with a URL, a www. name, an e-mail address.
    let mut b = PcapBuilder::new();
    for sni in [
        "https://evil.his.arc.azure.com",
        "www.evil.his.arc.azure.com",
        "root@evil.his.arc.azure.com",
        "mailto:root@evil.his.arc.azure.com",
    ]
    .into_iter()
    .enumerate()
    {
        b = b.handshake_from(
            50000 + sni.0 as u16,
            [20, 0, 0, 1],
            &client_hello(sni.1.as_bytes()),
        );
    }
    let cap = dir.path().join("h.pcap");
    std::fs::write(&cap, b.build()).unwrap();
    let mut inputs: Vec<String> = vec![cap.to_str().unwrap().to_string()];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for s in [
        "hostile-sni-ansi.pcap",
        "hostile-sni-script.pcap",
        "hostile-cert-names.pcap",
    ] {
        inputs.push(root.join(s).to_str().unwrap().to_string());
    }
    let mut args = vec![
        "audit",
        "--fail-on",
        "never",
        "--format",
        "markdown",
        "--max-chars",
        "0",
    ];
    args.extend(inputs.iter().map(String::as_str));
    let (code, out, err) = run(&args);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("evil"), "{out}");
    assert_terminal_safe("hostile captures", "markdown", &out);
}

// ---- Timestamps at the ends of i64. ----

/// An interface: `if_tsresol` (absent: microseconds) and `if_tsoffset` in seconds.
type Iface = (Option<u8>, i64);

/// A little-endian pcapng with one IDB per `(tsresol, tsoffset)` and the packets of a TLS
/// connection spread over the interfaces.
fn pcapng_with_interfaces(ifaces: &[Iface], frames: &[Vec<u8>]) -> Vec<u8> {
    fn block(out: &mut Vec<u8>, t: u32, body: &[u8]) {
        let len = (12 + body.len()) as u32;
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(&len.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    for &(resol, offset) in ifaces {
        let mut b = Vec::new();
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        if let Some(r) = resol {
            b.extend_from_slice(&9u16.to_le_bytes());
            b.extend_from_slice(&1u16.to_le_bytes());
            b.extend_from_slice(&[r, 0, 0, 0]);
        }
        b.extend_from_slice(&14u16.to_le_bytes());
        b.extend_from_slice(&8u16.to_le_bytes());
        b.extend_from_slice(&offset.to_le_bytes());
        b.extend_from_slice(&[0, 0, 0, 0]);
        block(&mut out, 1, &b);
    }
    for (i, f) in frames.iter().enumerate() {
        let if_id = (i % ifaces.len()) as u32;
        // Timestamps near the top of u64 as well, so a coarse resolution overflows too.
        let ts: u64 = if i % 2 == 0 {
            u64::MAX - i as u64
        } else {
            1_700_000_000 + i as u64
        };
        let mut b = Vec::new();
        b.extend_from_slice(&if_id.to_le_bytes());
        b.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(ts as u32).to_le_bytes());
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(f);
        while b.len() % 4 != 0 {
            b.push(0);
        }
        block(&mut out, 6, &b);
    }
    out
}

/// The Ethernet frames of a classic pcap, without file and record headers.
fn frames_of(pcap: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        frames.push(pcap[at + 16..at + 16 + caplen].to_vec());
        at += 16 + caplen;
    }
    frames
}

#[test]
fn timestamps_at_the_ends_of_i64_give_no_panic_and_no_negative_span() {
    let dir = tempfile::tempdir().unwrap();
    let mut frames = Vec::new();
    // Two flows of 7 frames: the first starts on interface 0, the second on interface 1,
    // so with offsets i64::MAX and i64::MIN the capture spans all of i64.
    for (port, sni) in [
        (50000, "gbl.his.arc.azure.com"),
        (50001, "agentserviceapi.guestconfiguration.azure.com"),
    ] {
        frames.extend(frames_of(
            &PcapBuilder::new()
                .handshake_from(port, [20, 0, 0, 1], &client_hello(sni.as_bytes()))
                .build(),
        ));
    }
    let shapes: [(&str, Vec<Iface>); 4] = [
        ("max-and-min", vec![(None, i64::MAX), (None, i64::MIN)]),
        ("min", vec![(None, i64::MIN)]),
        ("max", vec![(None, i64::MAX)]),
        // 10^0 (seconds: u64::MAX s is far past i64 ns), 2^-127 and 10^-127 (nothing).
        (
            "huge-tsresol",
            vec![
                (Some(0), i64::MAX),
                (Some(0x80 | 127), i64::MIN),
                (Some(127), 0),
            ],
        ),
    ];
    for (name, ifaces) in shapes {
        let p = dir.path().join(format!("{name}.pcapng"));
        std::fs::write(&p, pcapng_with_interfaces(&ifaces, &frames)).unwrap();
        let p = p.to_str().unwrap();
        for format in FORMATS {
            let (code, out, err) = run(&["audit", p, "--fail-on", "never", "--format", format]);
            assert!(
                code == Some(0) && !err.contains("panicked"),
                "{name} {format}: {code:?} {err}"
            );
            match format {
                "text" => {
                    for l in out.lines().filter(|l| l.contains("time span")) {
                        assert!(!l.contains("(-"), "{name}: negative span: {l}");
                    }
                }
                "markdown" | "html" => {
                    for bad in ["(-", "+-"] {
                        let at = out
                            .match_indices(bad)
                            .find(|(i, _)| out[i + 2..].starts_with(|c: char| c.is_ascii_digit()));
                        assert!(at.is_none(), "{name} {format}: negative span or offset");
                    }
                }
                _ => {}
            }
        }
        let (code, _, err) = run(&["flows", p]);
        assert!(
            code == Some(0) && !err.contains("panicked"),
            "{name} flows: {err}"
        );
    }
}

// ---- The suppression file's size cap. ----

#[test]
fn a_suppress_file_that_never_ends_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), "gbl.his.arc.azure.com");
    let cap = cap.to_str().unwrap();
    let refused = |sup: &str| {
        let (code, out, err) = run(&["audit", cap, "--suppress", sup]);
        assert_eq!(code, Some(3), "{out}{err}");
        assert!(err.contains(sup) && err.contains("limit"), "{err}");
    };
    // /dev/zero has length 0 in its metadata: only a cap on the read stops it.
    if Path::new("/dev/zero").exists() {
        refused("/dev/zero");
    }
    // A regular file over the cap (comment lines: valid, only too many).
    let big = dir.path().join("big.txt");
    let line = format!("# {}\n", "x".repeat(1021));
    std::fs::write(&big, line.repeat(1025)).unwrap();
    refused(big.to_str().unwrap());
    // A FIFO fed by a writer that never stops (`--suppress <(yes)`).
    let fifo = dir.path().join("suppress.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let path = fifo.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(&path) else {
                return;
            };
            let chunk = b"# accepted\n".repeat(4096);
            // Ends when the reader closes its end (EPIPE: Rust ignores SIGPIPE).
            while w.write_all(&chunk).is_ok() {}
        });
        refused(fifo.to_str().unwrap());
        writer.join().unwrap();
    }
    // A directory is named as one.
    let (code, _, err) = run(&["audit", cap, "--suppress", dir.path().to_str().unwrap()]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("directory"), "{err}");
    // Under the cap, the same lines are fine.
    let small = dir.path().join("small.txt");
    std::fs::write(&small, line.repeat(10)).unwrap();
    let (code, _, err) = run(&[
        "audit",
        cap,
        "--fail-on",
        "never",
        "--suppress",
        small.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
}
