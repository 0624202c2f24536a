//! TCP state against other tools on captures nobody here wrote: Zeek's conn.log baselines
//! (conn_state and history, exactly) and tshark's per-stream view (in spirit: tshark has no
//! conn_state, so its derived state is mapped to the Zeek states it allows).

mod common;
#[path = "common/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;

use common::{analyze, read_tsv};

fn sock(ip: &str, port: &str) -> SocketAddr {
    let ip = if ip.contains(':') {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    format!("{ip}:{port}").parse().unwrap()
}

fn conn_state_and_history_agree_with_zeek_baselines() {
    let root = harness::shared("corpus");
    let zeek = root.join("expected/zeek");
    // baseline dir -> trace path under zeek's testing/btest/Traces
    let map: BTreeMap<String, String> = read_tsv(&zeek.join("TEST_TO_TRACE.tsv"))
        .into_iter()
        .map(|r| {
            (
                r["baseline_dir"].clone(),
                r["trace_under_testing/btest/Traces"].clone(),
            )
        })
        .collect();
    // trace path in the zeek repository -> file in the corpus
    let inventory: BTreeMap<String, String> = read_tsv(&root.join("inventory.tsv"))
        .into_iter()
        .filter(|r| r["source_repo"] == "zeek/zeek")
        .map(|r| (r["path_in_repo"].clone(), r["path"].clone()))
        .collect();
    let mut compared = 0;
    let mut failures = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&zeek)
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    dirs.sort_by_key(|e| e.file_name());
    for d in dirs {
        let conn_log = d.path().join("conn.log");
        if !conn_log.exists() {
            continue;
        }
        let name = d.file_name().to_string_lossy().into_owned();
        let Some(trace) = map.get(&name) else {
            continue;
        };
        let Some(file) = inventory.get(&format!("testing/btest/Traces/{trace}")) else {
            continue;
        };
        let (flows, _) = analyze(&root.join(file));
        let text = std::fs::read_to_string(&conn_log).unwrap();
        // Some baselines are zeek-cut extracts without connection ids: nothing to match on.
        let Some(fields) = text.lines().find(|l| l.starts_with("#fields")) else {
            continue;
        };
        let fields: Vec<&str> = fields.split('\t').skip(1).collect();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let row: BTreeMap<&str, &str> = fields.iter().copied().zip(line.split('\t')).collect();
            if row["proto"] != "tcp" {
                continue;
            }
            let orig = sock(row["id.orig_h"], row["id.orig_p"]);
            let resp = sock(row["id.resp_h"], row["id.resp_p"]);
            compared += 1;
            let ours = flows.iter().find(|f| f.client == orig && f.server == resp);
            match ours.and_then(|f| f.tcp.as_ref()) {
                None => failures.push(format!(
                    "{name}: {orig} -> {resp} not found (or other roles)"
                )),
                Some(t) => {
                    if t.conn_state.as_str() != row["conn_state"] || t.history != row["history"] {
                        failures.push(format!(
                            "{name} ({file}): {orig} -> {resp}: zeek {} {}, ours {} {}",
                            row["conn_state"], row["history"], t.conn_state, t.history
                        ));
                    }
                }
            }
        }
    }
    harness::note!(
        "zeek conn.log: {compared} TCP connections compared, {} differ",
        failures.len()
    );
    assert!(compared >= 8, "too few baselines found: {compared}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Captures whose flows travel inside tunnels (GRE, ERSPAN, VXLAN, Geneve) that the decoder
/// does not open yet: tshark sees their inner streams, we count the outer packets as
/// skipped (`unsupported-ip-protocol-47`, ...).
const TUNNELLED: &[&str] = &["gre", "vxlan", "geneve", "erspan"];

/// The Zeek states a tshark-derived stream state allows. A FIN from both sides followed by
/// a RST is a normal close to Zeek (SF) but "then RST" to tshark's derivation.
fn allowed_states(derived: &str, both_fin: bool) -> &'static [&'static str] {
    match derived {
        "ESTABLISHED_THEN_RST_ORIG" if both_fin => &["RSTO", "SF"],
        "ESTABLISHED_THEN_RST_RESP" if both_fin => &["RSTR", "SF"],
        "ESTABLISHED_THEN_RST_BOTH" if both_fin => &["RSTO", "RSTR", "SF"],
        "SYN_ONLY(no SYN-ACK, no RST)" => &["S0"],
        "REJ(SYN, RST from resp, no SYN-ACK)" => &["REJ"],
        "CLOSED_FIN_BOTH" => &["SF"],
        "ESTABLISHED_NO_CLOSE" => &["S1"],
        "ESTABLISHED_THEN_RST_ORIG" => &["RSTO"],
        "ESTABLISHED_THEN_RST_RESP" => &["RSTR"],
        "ESTABLISHED_THEN_RST_BOTH" => &["RSTO", "RSTR"],
        "SYN_THEN_RST_FROM_ORIG(no SYN-ACK)" => &["RSTOS0"],
        "HALF_CLOSED_FIN_ORIG" => &["S2", "SH"],
        "HALF_CLOSED_FIN_RESP" => &["S3", "SHR"],
        _ => &[],
    }
}

fn conn_state_agrees_with_tshark_streams_in_spirit() {
    let root = harness::shared("corpus");
    let rows = read_tsv(&root.join("truth/tshark_tcp_streams.tsv"));
    let mut by_file: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for r in rows {
        by_file.entry(r["file"].clone()).or_default().push(r);
    }
    let (mut compared, mut differ, mut not_decoded) = (0usize, Vec::new(), 0usize);
    for (file, rows) in &by_file {
        let (flows, stats) = analyze(&root.join(file));
        // Frames we do not decode (link types such as 802.11, NFLOG, ARCNET, IPoIB, and
        // tunnels): tshark may see streams in them that we cannot.
        let unsupported = stats
            .decode
            .skipped
            .keys()
            .any(|k| k.starts_with("unsupported-") || k.starts_with("non-ip-"));
        for r in rows {
            let both_fin = r["fin_from_orig"] != "0" && r["fin_from_resp"] != "0";
            let allowed = allowed_states(&r["derived_state"], both_fin);
            if allowed.is_empty() || TUNNELLED.iter().any(|t| file.contains(t)) {
                continue;
            }
            let orig = sock(&r["orig"], &r["orig_port"]);
            let resp = sock(&r["resp"], &r["resp_port"]);
            let first: u64 = r["first_frame"].parse().unwrap();
            let ours = flows.iter().find(|f| {
                f.frames.first == first
                    && ((f.client == orig && f.server == resp)
                        || (f.client == resp && f.server == orig))
            });
            compared += 1;
            match ours.and_then(|f| f.tcp.as_ref()) {
                Some(t) if allowed.contains(&t.conn_state.as_str()) => {}
                Some(t) => differ.push(format!(
                    "{file} stream {}: tshark {}, ours {} {}",
                    r["tcp_stream"], r["derived_state"], t.conn_state, t.history
                )),
                None if unsupported => not_decoded += 1,
                None => differ.push(format!("{file} stream {}: not found", r["tcp_stream"])),
            }
        }
    }
    harness::note!(
        "tshark streams: {compared} compared, {} differ, {not_decoded} in encapsulations we do not decode",
        differ.len()
    );
    for d in differ.iter().take(40) {
        harness::note!("  {d}");
    }
    // tshark's derived state is coarser than Zeek's (a FIN then RST, a lost SYN-ACK); we
    // require near-total agreement and print every difference for review.
    assert!(compared > 2500, "too few streams compared: {compared}");
    assert!(
        differ.len() * 100 <= compared,
        "{} of {compared} streams differ (more than 1%)",
        differ.len()
    );
}

fn main() -> ExitCode {
    let corpus = harness::need_shared(&["corpus/README.md"]);
    harness::run(harness::trials![corpus => [
        conn_state_and_history_agree_with_zeek_baselines,
        conn_state_agrees_with_tshark_streams_in_spirit,
    ]])
}
