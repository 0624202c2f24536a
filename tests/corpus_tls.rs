//! Every TCP ClientHello and ServerHello that tshark 4.0.17 sees in the shared corpus
//! (`tshark_truth.tsv`) must be reported by the real pipeline in the same flow, with the
//! same SNI, versions, cipher suites, ALPN, groups and key shares. Rows we deliberately
//! disagree on are listed, with the reason, in tests/tshark_disagreements.tsv.

mod common;
#[path = "common/harness.rs"]
mod harness;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::ExitCode;

use arcaudit::pipeline::Flow;
use arcaudit::tls::{ClientHello, ServerHello};
use common::{analyze, hex_in, hex_list, read_tsv};

enum Hello<'a> {
    Client(&'a ClientHello),
    Server(&'a ServerHello),
}

fn hellos(flow: &Flow) -> Vec<(u64, Hello<'_>)> {
    let mut v = Vec::new();
    if let Some(t) = &flow.app.tls {
        for ch in t.client_hellos() {
            v.push((ch.frame, Hello::Client(ch)));
        }
        for sh in t.server_hellos() {
            v.push((sh.frame, Hello::Server(sh)));
        }
    }
    v
}

fn same_endpoints(flow: &Flow, a: SocketAddr, b: SocketAddr) -> bool {
    (flow.client == a && flow.server == b) || (flow.client == b && flow.server == a)
}

/// Compares one tshark row with our hello; returns the names of the fields that differ.
fn compare(row: &BTreeMap<String, String>, hello: &Hello<'_>) -> Vec<String> {
    let mut bad = Vec::new();
    let mut check = |name: &str, ok: bool, ours: String| {
        if !ok {
            bad.push(format!("{name} (tshark {:?}, ours {ours})", row[name]));
        }
    };
    match hello {
        Hello::Client(ch) => {
            let sslv2 = row["msg"].contains("SSLv2");
            check(
                "sni",
                ch.sni.as_deref().unwrap_or("") == row["sni"],
                format!("{:?}", ch.sni),
            );
            check(
                "handshake_version",
                hex_in(&row["handshake_version"]) == Some(ch.legacy_version.0),
                format!("{:#06x}", ch.legacy_version),
            );
            if !sslv2 {
                check(
                    "supported_versions",
                    hex_list(&row["supported_versions"])
                        == ch
                            .supported_versions
                            .iter()
                            .map(|v| v.0)
                            .collect::<Vec<_>>(),
                    format!("{:x?}", ch.supported_versions),
                );
                check(
                    "ciphers",
                    hex_list(&row["ciphers"]) == ch.cipher_suites,
                    format!("{:x?}", ch.cipher_suites),
                );
                let alpn = ch.alpn.join(",");
                check("alpn", alpn == row["alpn"], alpn.clone());
                check(
                    "supported_groups",
                    hex_list(&row["supported_groups"]) == ch.supported_groups,
                    format!("{:x?}", ch.supported_groups),
                );
                check(
                    "key_share_groups",
                    hex_list(&row["key_share_groups"]) == ch.key_share_groups,
                    format!("{:x?}", ch.key_share_groups),
                );
            } else {
                check(
                    "cipher_count",
                    row["cipher_count"].parse::<usize>().ok() == Some(ch.sslv2_cipher_specs.len()),
                    ch.sslv2_cipher_specs.len().to_string(),
                );
            }
        }
        Hello::Server(sh) => {
            check(
                "handshake_version",
                hex_in(&row["handshake_version"]) == Some(sh.legacy_version.0),
                format!("{:#06x}", sh.legacy_version),
            );
            if sh.sslv2_format {
                // An SSLv2 SERVER-HELLO lists every spec the server has, not a choice.
                let specs: Vec<String> = sh
                    .sslv2_cipher_specs
                    .iter()
                    .map(|s| format!("0x{s:06x}"))
                    .collect();
                check(
                    "ciphers",
                    specs.join(",") == row["ciphers"],
                    specs.join(","),
                );
                return bad;
            }
            check(
                "ciphers",
                hex_list(&row["ciphers"]) == vec![sh.cipher_suite],
                format!("{:#06x}", sh.cipher_suite),
            );
            if !row["negotiated_version"].is_empty() {
                check(
                    "negotiated_version",
                    hex_in(&row["negotiated_version"]) == Some(sh.negotiated_version.0),
                    format!("{:#06x}", sh.negotiated_version),
                );
            }
            let alpn = sh.alpn.clone().unwrap_or_default();
            check("alpn", alpn == row["alpn"], alpn.clone());
            // tshark files a HelloRetryRequest's group as "selected_group", not a key share.
            let share: Vec<u16> = if sh.is_hello_retry_request {
                Vec::new()
            } else {
                sh.key_share_group.into_iter().collect()
            };
            check(
                "key_share_groups",
                hex_list(&row["key_share_groups"]) == share,
                format!("{:x?}", sh.key_share_group),
            );
        }
    }
    bad
}

fn every_tshark_hello_is_found_with_the_same_facts() {
    let root = harness::shared("corpus");
    let rows: Vec<BTreeMap<String, String>> = read_tsv(&root.join("tshark_truth.tsv"))
        .into_iter()
        .map(|r| r.into_iter().collect())
        .collect();
    let allowed: BTreeSet<(String, String)> = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tshark_disagreements.tsv"),
    )
    .unwrap_or_default()
    .lines()
    .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    .map(|l| {
        let mut it = l.split('\t');
        (
            it.next().unwrap_or("").to_string(),
            it.next().unwrap_or("").to_string(),
        )
    })
    .collect();

    let mut by_file: BTreeMap<&str, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    let mut quic = 0;
    for r in &rows {
        if r["transport"] == "tcp" {
            by_file.entry(r["file"].as_str()).or_default().push(r);
        } else {
            quic += 1;
        }
    }
    let (mut agreed, mut listed, mut failures) = (0usize, 0usize, Vec::new());
    for (file, rows) in &by_file {
        let (flows, _) = analyze(&root.join(file));
        for row in rows {
            let a: SocketAddr = format!("{}:{}", bracket(&row["src"]), row["sport"])
                .parse()
                .unwrap();
            let b: SocketAddr = format!("{}:{}", bracket(&row["dst"]), row["dport"])
                .parse()
                .unwrap();
            let frame: u64 = row["frame"].parse().unwrap();
            let is_client = row["msg"].starts_with("ClientHello");
            let found = flows
                .iter()
                .filter(|f| same_endpoints(f, a, b))
                .flat_map(hellos)
                .find(|(fr, h)| *fr == frame && matches!(h, Hello::Client(_)) == is_client);
            let problems = match &found {
                None => vec![format!("{} not found at frame {frame}", row["msg"])],
                Some((_, h)) => compare(row, h),
            };
            let key = (file.to_string(), frame.to_string());
            if problems.is_empty() {
                agreed += 1;
            } else if allowed.contains(&key) {
                listed += 1;
            } else {
                failures.push(format!("{file} frame {frame}: {}", problems.join("; ")));
            }
        }
    }
    harness::note!(
        "tshark hellos: {agreed} agree, {listed} listed disagreements, {} failures; {quic} QUIC rows not yet handled",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(agreed > 600, "suspiciously few rows compared: {agreed}");
}

fn bracket(ip: &str) -> String {
    if ip.contains(':') {
        format!("[{ip}]")
    } else {
        ip.to_string()
    }
}

fn main() -> ExitCode {
    let corpus = harness::need_shared(&["corpus/README.md"]);
    harness::run(harness::trials![corpus => [
        every_tshark_hello_is_found_with_the_same_facts
    ]])
}
