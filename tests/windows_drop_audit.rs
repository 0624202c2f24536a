//! A Packet Monitor drop event read from an ETL file is the audit's evidence: the SYNs of
//! samples/syn-no-answer.pcap, written as Packet Monitor events (each packet at the TCP/IP
//! component and the network adapter, the SYNs dropped by the Windows Filtering Platform
//! at TCP/IP and never reaching the adapter), give one `dropped-on-host` finding naming the
//! component from the file's component list and the drop reason, in place of the
//! `syn-unanswered` the pcap alone gives. The same file without the drop events (the SYNs
//! seen leaving) stays `syn-unanswered`: the rule needs the host's own word.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/etl.rs"]
mod etl;

use arcaudit::capture::{Input, read_capture};
use etl::{Clock, Compression, EtlWriter, PktmonPacket};

const SAMPLE: &str = "samples/syn-no-answer.pcap";
const TCPIP: u16 = 65;
const NIC: u16 = 59;
/// Packet Monitor's drop reason 909 (NL_InspectionDrop: a WFP filter at the network layer).
const REASON: u32 = 909;
const LOCATION: u32 = 0xE000_4142;

fn frames() -> Vec<(i64, Vec<u8>)> {
    let mut frames = Vec::new();
    let outcome = read_capture(&Input::Path(SAMPLE.into()), |f| {
        frames.push((f.ts_nanos, f.data.to_vec()));
    });
    assert!(outcome.error.is_none(), "{SAMPLE}: {:?}", outcome.error);
    assert!(!frames.is_empty());
    frames
}

/// Whether an Ethernet/IPv4/TCP frame is a bare SYN.
fn is_syn(frame: &[u8]) -> bool {
    frame.get(23) == Some(&6) && frame.get(14 + 20 + 13).is_some_and(|f| f & 0x12 == 0x02)
}

fn etl_file(drops: bool) -> Vec<u8> {
    let mut w = EtlWriter::new(Compression::Lz77, Clock::SystemTime);
    w.pktmon_component(NIC, 2, "netvsc.sys", "Microsoft Hyper-V Network Adapter #3");
    w.pktmon_component(TCPIP, 4, "tcpip.sys", "TCP/IPv4 - L3/L4");
    let mut syns = 0;
    for (i, (ts, data)) in frames().iter().enumerate() {
        let packet = |component, edge, drop| PktmonPacket {
            group_id: 0x20_0000 + i as u64,
            component,
            edge,
            dir_tag: 4,
            packet_type: 1,
            drop,
            data,
        };
        if is_syn(data) {
            syns += 1;
            w.pktmon_packet(*ts, &packet(TCPIP, 1, None));
            if drops {
                w.pktmon_packet(*ts + 1_000, &packet(TCPIP, 1, Some((REASON, LOCATION))));
            } else {
                w.pktmon_packet(*ts + 1_000, &packet(NIC, 1, None));
            }
        } else {
            w.pktmon_packet(*ts, &packet(TCPIP, 1, None));
            w.pktmon_packet(*ts + 1_000, &packet(NIC, 1, None));
        }
    }
    assert!(syns >= 2, "{SAMPLE}: {syns} SYNs");
    w.finish()
}

fn findings(bytes: &[u8]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("PktMon.etl");
    std::fs::write(&path, bytes).unwrap();
    let doc = cli::audit_json(&[&path], &[]);
    assert!(doc["files"][0]["stats"]["error"].is_null(), "{doc}");
    doc["files"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn an_etl_drop_event_on_an_arc_flow_is_a_dropped_on_host_finding() {
    let found = findings(&etl_file(true));
    let rules: Vec<&str> = found.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(rules, ["dropped-on-host"], "{found:#?}");
    let f = &found[0];
    assert_eq!(f["family"], "blocked");
    assert_eq!(f["severity"], "high");
    let evidence = f["evidence"].to_string();
    for want in [
        "TCP/IPv4 - L3/L4 (tcpip.sys)",
        "909",
        "NL_InspectionDrop",
        "4.150.240.10",
    ] {
        assert!(evidence.contains(want), "{want} not in {evidence}");
    }
}

#[test]
fn without_the_drop_event_the_same_flow_is_an_unanswered_syn() {
    let found = findings(&etl_file(false));
    let rules: Vec<&str> = found.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(rules, ["syn-unanswered"], "{found:#?}");
}
