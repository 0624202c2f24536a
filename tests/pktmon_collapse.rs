//! Duplicate collapse on Packet Monitor–style captures built from a real sample: every packet
//! of samples/healthy-agent.pcap written three to six times, as `pktmon etl2pcap` does (one
//! copy per host component, the link header differing above the NIC), with and without
//! Packet Monitor's per-packet comments. After collapse the flows must be those of the
//! original capture (Zeek history without retransmissions, no SYN retransmission); with
//! `--keep-duplicates` the raw view (every copy a retransmission) comes back.

use std::path::{Path, PathBuf};

use arcaudit::capture::{Input, read_capture};
use arcaudit::pipeline::{Flow, PipelineConfig, analyze};

#[path = "common/cli.rs"]
mod cli;

/// Component ids of a packet's copies, NIC first (as a received packet crosses them).
const COMPONENTS: [u32; 6] = [78, 34, 12, 5, 6, 7];

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

fn block(out: &mut Vec<u8>, btype: u32, mut body: Vec<u8>) {
    pad4(&mut body);
    let len = (body.len() + 12) as u32;
    out.extend_from_slice(&btype.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&len.to_le_bytes());
}

fn option(v: &mut Vec<u8>, code: u16, value: &[u8]) {
    v.extend_from_slice(&code.to_le_bytes());
    v.extend_from_slice(&(value.len() as u16).to_le_bytes());
    v.extend_from_slice(value);
    pad4(v);
}

/// `sample` rewritten as Packet Monitor would log it: packet `i` at `3 + i % 4` components,
/// copies 1 µs apart, the destination MAC zeroed above the NIC; with `comments`, each copy
/// carries Packet Monitor's text with the packet's group id.
fn pktmon_style(sample: &Path, comments: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, shb);
    let mut idb_written = false;
    let mut i = 0u64;
    let outcome = read_capture(&Input::Path(sample.to_path_buf()), |f| {
        if !idb_written {
            let mut idb = Vec::new();
            idb.extend_from_slice(&(f.linktype as u16).to_le_bytes());
            idb.extend_from_slice(&0u16.to_le_bytes());
            idb.extend_from_slice(&0u32.to_le_bytes());
            option(&mut idb, 9, &[9]);
            option(&mut idb, 0, &[]);
            block(&mut out, 1, idb);
            idb_written = true;
        }
        let copies = 3 + (i % 4) as usize;
        for (k, comp) in COMPONENTS.iter().take(copies).enumerate() {
            let mut data = f.data.to_vec();
            if k > 0 {
                data[..6].fill(0);
            }
            let ts = (f.ts_nanos + k as i64 * 1000) as u64;
            let mut epb = Vec::new();
            epb.extend_from_slice(&0u32.to_le_bytes());
            epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
            epb.extend_from_slice(&(ts as u32).to_le_bytes());
            epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
            epb.extend_from_slice(&f.orig_len.to_le_bytes());
            epb.extend_from_slice(&data);
            pad4(&mut epb);
            if comments {
                let text = format!(
                    "PktGroupId {}, PktNumber 1, Appearance {}, Direction Rx , Type Ethernet , \
                     Component {comp}, Edge 1, Filter 1, OriginalSize {}, LoggedSize {}",
                    562_949_953_421_500 + i,
                    k + 1,
                    f.orig_len,
                    data.len()
                );
                option(&mut epb, 1, text.as_bytes());
                option(&mut epb, 0, &[]);
            }
            block(&mut out, 6, epb);
        }
        i += 1;
    });
    assert!(outcome.error.is_none());
    out
}

fn flows_of(path: &Path, keep_duplicates: bool) -> (Vec<Flow>, arcaudit::pipeline::FileStats) {
    let mut flows = Vec::new();
    let cfg = PipelineConfig {
        keep_duplicates,
        ..PipelineConfig::default()
    };
    let stats = analyze(&Input::Path(path.to_path_buf()), &cfg, &mut |f| {
        flows.push(f)
    });
    assert!(stats.error.is_none(), "{:?}", stats.error);
    (flows, stats)
}

/// (client, server, history, retransmissions, SYN retransmissions, packets each way) of
/// every TCP flow.
fn tcp_view(flows: &[Flow]) -> Vec<(String, String, String, u32, u32, u64, u64)> {
    flows
        .iter()
        .filter_map(|f| {
            let t = f.tcp.as_ref()?;
            Some((
                f.client.to_string(),
                f.server.to_string(),
                t.history.clone(),
                t.retransmissions,
                t.syn_retransmissions,
                f.client_counters.packets,
                f.server_counters.packets,
            ))
        })
        .collect()
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/healthy-agent.pcap")
}

#[test]
fn pktmon_copies_collapse_to_the_original_flows_with_and_without_comments() {
    let (orig, orig_stats) = flows_of(&sample(), false);
    let want = tcp_view(&orig);
    assert!(want.len() >= 3, "healthy-agent has its TLS connections");
    assert!(want.iter().all(|f| f.4 == 0 && f.3 == 0), "{want:?}");
    let dir = tempfile::tempdir().unwrap();
    for comments in [true, false] {
        let path = dir.path().join(format!("pktmon-{comments}.pcapng"));
        std::fs::write(&path, pktmon_style(&sample(), comments)).unwrap();
        let (flows, stats) = flows_of(&path, false);
        assert_eq!(tcp_view(&flows), want, "comments: {comments}");
        assert_eq!(stats.decode.frames, orig_stats.capture.frames);
        let c = stats.collapse;
        assert_eq!(
            c.duplicates + orig_stats.capture.frames,
            stats.capture.frames
        );
        if comments {
            assert_eq!(
                (c.by_group_id, c.with_origin),
                (c.duplicates, stats.capture.frames)
            );
            // Every flow carries the components its packets crossed, NIC first.
            for f in flows.iter().filter(|f| f.tcp.is_some()) {
                let h = f.host.as_ref().expect("host path");
                assert_eq!(h.components[..3], COMPONENTS[..3], "{h:?}");
                assert!(h.drops.is_empty());
            }
        } else {
            assert_eq!((c.by_content, c.with_origin), (c.duplicates, 0));
            assert!(flows.iter().all(|f| f.host.is_none()));
        }
        // --keep-duplicates: the raw view, where every copy is a retransmission.
        let (raw, raw_stats) = flows_of(&path, true);
        assert_eq!(raw_stats.decode.frames, stats.capture.frames);
        assert_eq!(raw_stats.collapse.duplicates, c.duplicates);
        let raw = tcp_view(&raw);
        assert!(
            raw.iter().all(|f| f.4 > 0),
            "SYN copies count as retransmissions: {raw:?}"
        );
        assert!(
            raw.iter().any(|f| f.3 > 0 && f.2.contains(['T', 't'])),
            "{raw:?}"
        );
    }
}

#[test]
fn the_cli_says_what_was_collapsed_and_keep_duplicates_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pktmon.pcapng");
    std::fs::write(&path, pktmon_style(&sample(), true)).unwrap();
    let run = |extra: &[&str]| {
        let out = cli::arcaudit()
            .arg("flows")
            .args(extra)
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (_, err) = run(&[]);
    assert!(err.contains("duplicates collapsed"), "{err}");
    let (_, err) = run(&["--keep-duplicates"]);
    assert!(err.contains("duplicates kept (--keep-duplicates)"), "{err}");
}

/// The findings of `path` as (rule, evidence).
fn findings(path: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let report = cli::audit_json(&[path], extra);
    let mut v = Vec::new();
    for file in report["files"].as_array().unwrap() {
        for f in file["findings"].as_array().unwrap() {
            v.push((
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["evidence"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    v
}

/// The same capture with every Packet Monitor comment taken out (what an older pktmon writes).
fn without_comments(path: &Path, out: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mut w = Vec::new();
    let mut at = 0;
    while at + 12 <= bytes.len() {
        let t = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..at + len - 4];
        if t == 6 {
            let caplen = u32::from_le_bytes(body[12..16].try_into().unwrap()) as usize;
            let keep = 20 + caplen.div_ceil(4) * 4;
            block(&mut w, 6, body[..keep].to_vec());
        } else {
            block(&mut w, t, body.to_vec());
        }
        at += len;
    }
    std::fs::write(out, w).unwrap();
}

#[test]
fn a_host_drop_is_said_once_by_dropped_on_host_and_without_it_the_syn_is_unanswered() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/pktmon-wfp-drop.pcapng");
    let got = findings(&sample, &[]);
    assert_eq!(got.len(), 1, "{got:?}");
    let (rule, evidence) = &got[0];
    assert_eq!(rule, "dropped-on-host");
    assert!(
        evidence.contains("at component 34, reason 909 (NL_InspectionDrop), location 0xE0004142"),
        "{evidence}"
    );
    // The raw view still has the drop reports: the same single finding.
    let raw = findings(&sample, &["--keep-duplicates"]);
    assert_eq!(
        raw.iter().map(|f| &f.0).collect::<Vec<_>>(),
        ["dropped-on-host"]
    );
    // Near miss: no Packet Monitor metadata, so no drop evidence: the unanswered SYN is what
    // the capture shows, and the copies are still collapsed by content.
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.pcapng");
    without_comments(&sample, &bare);
    let got = findings(&bare, &[]);
    assert_eq!(
        got.iter().map(|f| &f.0).collect::<Vec<_>>(),
        ["syn-unanswered"],
        "{got:?}"
    );
    assert!(got[0].1.contains("after 3 retransmission(s)"), "{got:?}");
}
