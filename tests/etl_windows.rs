//! The ETL reader end to end, on files the test writer (tests/common/etl.rs) builds from the
//! frames of a real TLS sample: every compression kind and clock, Packet Monitor packets seen
//! at several components, drop events, component lists, NDIS-PacketCapture fragments; and
//! damaged size fields, which must end the read with the file and byte offset named and the
//! frames before the damage kept. One trial checks the origin fields and component list
//! against the real Packet Monitor file in ../shared.
//!
//! With `ETL_FUZZ_SEEDS=DIR` set, the files built here are also written to DIR as seeds for
//! the `etl` fuzz target (see docs/fuzzing.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arcaudit::capture::{
    CaptureFormat, HostDirection, HostDrop, Input, ReadOutcome, drop_reason_name, read_capture,
    read_from,
};

#[path = "common/cli.rs"]
mod cli;
#[path = "common/etl.rs"]
mod etl;
#[path = "common/harness.rs"]
mod harness;

use etl::{Clock, Compression, EtlWriter, PktmonPacket};

const SAMPLE: &str = "samples/healthy-agent.pcap";
/// The three components each packet crosses in the multi-component files, as in a Hyper-V
/// guest (miniport, a filter, the TCP/IP protocol), with the ids and names of the real file.
const COMPONENTS: [(u16, u16, &str, &str); 3] = [
    (59, 2, "netvsc.sys", "Microsoft Hyper-V Network Adapter #3"),
    (61, 3, "xdp.sys", "XDP Lightweight Filter"),
    (65, 4, "tcpip.sys", "TCPIP"),
];
const COMPRESSIONS: [Compression; 3] = [Compression::None, Compression::Lz77, Compression::Huffman];
const QPC: Clock = Clock::Qpc {
    sync_qpc: 77_000_000,
    start_unix_ns: 1_768_467_600_000_000_000,
};

fn main() -> ExitCode {
    let always = harness::Need::Met;
    let pktmon = harness::need_shared(&["corpus/g_windows/demikernel/PktMon.etl"]);
    harness::run(harness::trials![
        always => [
            one_component_per_packet_gives_the_flows_of_the_pcap,
            three_components_per_packet_keep_bytes_times_and_origin,
            drop_events_are_frames_with_reason_and_location,
            ndis_fragments_become_frames_with_interface_and_direction,
            buffer_size_fields_that_lie_end_the_read_with_file_and_offset,
            compressed_size_fields_that_lie_end_the_read_with_file_and_offset,
            event_size_fields_that_lie_end_the_read_with_file_and_offset,
        ],
        pktmon => [real_file_origins_and_components],
    ])
}

/// A frame as the tests compare them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    ts: i64,
    linktype: u32,
    data: Vec<u8>,
    origin: Option<arcaudit::capture::PacketOrigin>,
}

fn read_bytes(name: &str, bytes: &[u8]) -> (Vec<Seen>, ReadOutcome) {
    let mut frames = Vec::new();
    let outcome = read_from(&Input::Path(name.into()), bytes, |f| {
        frames.push(Seen {
            ts: f.ts_nanos,
            linktype: f.linktype,
            data: f.data.to_vec(),
            origin: f.origin,
        });
    });
    (frames, outcome)
}

fn sample_frames() -> Vec<Seen> {
    let mut frames = Vec::new();
    let outcome = read_capture(&Input::Path(SAMPLE.into()), |f| {
        frames.push(Seen {
            ts: f.ts_nanos,
            linktype: f.linktype,
            data: f.data.to_vec(),
            origin: f.origin,
        });
    });
    assert!(outcome.error.is_none(), "{SAMPLE}: {:?}", outcome.error);
    assert!(frames.len() > 40, "{SAMPLE}: {} frames", frames.len());
    frames
}

/// Tx when the frame's IPv4 source is the sample's client (the first frame's source).
fn dir_tag(frame: &[u8], client: &[u8]) -> u16 {
    if frame.get(26..30) == Some(client) {
        4
    } else {
        3
    }
}

/// The sample's frames as Packet Monitor events, each at `components.len()` components.
fn pktmon_file(compression: Compression, clock: Clock, components: &[u16]) -> Vec<u8> {
    let frames = sample_frames();
    let client = frames[0].data[26..30].to_vec();
    let mut w = EtlWriter::new(compression, clock);
    for &(id, kind, name, description) in &COMPONENTS {
        w.pktmon_component(id, kind, name, description);
    }
    for (i, f) in frames.iter().enumerate() {
        for (edge, &component) in components.iter().enumerate() {
            w.pktmon_packet(
                f.ts,
                &PktmonPacket {
                    group_id: 0x10_0000 + i as u64,
                    component,
                    edge: edge as u16 + 1,
                    dir_tag: dir_tag(&f.data, &client),
                    packet_type: 1,
                    drop: None,
                    data: &f.data,
                },
            );
        }
    }
    let bytes = w.finish();
    seed(
        &format!("pktmon-{compression:?}-{}", components.len()),
        &bytes,
    );
    bytes
}

/// Writes a fuzz seed when ETL_FUZZ_SEEDS names a directory (selector byte 0: a whole file).
fn seed(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("ETL_FUZZ_SEEDS") {
        let mut b = vec![0u8];
        b.extend_from_slice(bytes);
        std::fs::write(Path::new(&dir).join(name), b).expect("write seed");
    }
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

/// The flow lines of `arcaudit flows --format ndjson` for a file, with the file name taken out
/// (the file line describes the container, which differs by design).
fn flows_ndjson(path: &Path) -> Vec<String> {
    let out = cli::arcaudit()
        .args(["flows", "-q", "--format", "ndjson"])
        .arg(path)
        .output()
        .expect("run arcaudit");
    assert!(out.status.success(), "{}: {:?}", path.display(), out);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let name = format!("\"file\":\"{}\"", path.display());
    text.lines()
        .filter(|l| l.starts_with("{\"type\":\"flow\""))
        .map(|l| l.replace(&name, "\"file\":\"F\""))
        .collect()
}

fn one_component_per_packet_gives_the_flows_of_the_pcap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let want = flows_ndjson(Path::new(SAMPLE));
    assert!(want.len() > 10 && want[1].contains("\"history\":\"ShADadfF\""));
    for compression in COMPRESSIONS {
        for clock in [Clock::SystemTime, QPC] {
            let bytes = pktmon_file(compression, clock, &[59]);
            let path = temp_file(&dir, "one.etl", &bytes);
            let got = flows_ndjson(&path);
            assert_eq!(
                got.len(),
                want.len(),
                "{compression:?} {clock:?}: flow count"
            );
            for (g, w) in got.iter().zip(&want) {
                // The ETL flow also names the host component its packets were seen at; the
                // pcap has no such field. Everything else is the same.
                let g = g.replace(",\"host\":{\"components\":[59]}", "");
                assert!(
                    &g == w,
                    "{compression:?} {clock:?}: flow differs:\n{g}\n{w}"
                );
            }
        }
    }
}

fn three_components_per_packet_keep_bytes_times_and_origin() {
    let frames = sample_frames();
    let client = frames[0].data[26..30].to_vec();
    let ids: Vec<u16> = COMPONENTS.iter().map(|c| c.0).collect();
    // The compressors found matches (each packet is there three times): the decoders saw
    // more than literals.
    let plain = pktmon_file(Compression::None, QPC, &ids).len();
    for compression in [Compression::Lz77, Compression::Huffman] {
        let stored = pktmon_file(compression, QPC, &ids).len();
        assert!(
            stored < plain / 2,
            "{compression:?}: {stored} of {plain} bytes"
        );
    }
    for compression in COMPRESSIONS {
        let bytes = pktmon_file(compression, QPC, &ids);
        let (etl, outcome) = read_bytes("three.etl", &bytes);
        assert!(
            outcome.error.is_none(),
            "{compression:?}: {:?}",
            outcome.error
        );
        assert_eq!(outcome.summary.format, Some(CaptureFormat::Etl));
        assert_eq!(outcome.summary.frames, 3 * frames.len() as u64);
        assert_eq!(outcome.summary.linktypes, vec![1]);
        let comps: Vec<(u16, u16, &str, &str)> = outcome
            .summary
            .components
            .iter()
            .map(|c| (c.id, c.kind, c.name.as_str(), c.description.as_str()))
            .collect();
        assert_eq!(comps, COMPONENTS.to_vec());
        assert_eq!(outcome.summary.components[1].kind_name, Some("Filter"));
        for (i, (three, f)) in etl.chunks(3).zip(&frames).enumerate() {
            for (edge, seen) in three.iter().enumerate() {
                assert_eq!((seen.ts, &seen.data), (f.ts, &f.data), "frame {}", i + 1);
                let o = seen.origin.expect("an ETL frame has an origin");
                assert_eq!(o.group_id, Some(0x10_0000 + i as u64));
                assert_eq!(o.component, Some(u32::from(ids[edge])));
                assert_eq!(o.edge, Some(edge as u16 + 1));
                let tx = dir_tag(&f.data, &client) == 4;
                let want = if tx {
                    HostDirection::Tx
                } else {
                    HostDirection::Rx
                };
                assert_eq!(o.direction, Some(want));
                assert_eq!(o.drop, None);
            }
        }
    }
    // The CLI reads it: the same flows (whatever duplicates do to their counters) over the
    // same time span.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(
        &dir,
        "three.etl",
        &pktmon_file(Compression::Lz77, QPC, &ids),
    );
    let keys = |ndjson: Vec<String>| -> Vec<(String, String, String, u64, u64)> {
        ndjson
            .iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json");
                (
                    v["transport"].to_string(),
                    v["client"].to_string(),
                    v["server"].to_string(),
                    v["first_ts_ns"].as_u64().unwrap_or(0),
                    v["last_ts_ns"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    assert_eq!(
        keys(flows_ndjson(&path)),
        keys(flows_ndjson(Path::new(SAMPLE)))
    );
}

fn drop_events_are_frames_with_reason_and_location() {
    let frames = sample_frames();
    let syn = &frames[4].data; // the first TCP SYN
    let mut w = EtlWriter::new(Compression::Huffman, Clock::SystemTime);
    let packet = |component, drop| PktmonPacket {
        group_id: 7,
        component,
        edge: 1,
        dir_tag: 4,
        packet_type: 1,
        drop,
        data: syn,
    };
    w.pktmon_packet(frames[4].ts, &packet(65, None));
    // A WFP filter (component 64 in the real file) drops it: reason 8 "Filtered".
    w.pktmon_packet(frames[4].ts + 100, &packet(64, Some((8, 0x2_0001))));
    let bytes = w.finish();
    seed("pktmon-drop", &bytes);
    let (etl, outcome) = read_bytes("drop.etl", &bytes);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(etl.len(), 2);
    assert_eq!(etl[0].origin.and_then(|o| o.drop), None);
    let o = etl[1].origin.expect("origin");
    assert_eq!(
        o.drop,
        Some(HostDrop {
            reason: 8,
            location: 0x2_0001
        })
    );
    assert_eq!((o.component, o.group_id), (Some(64), Some(7)));
    assert_eq!(&etl[1].data, syn);
    assert_eq!(etl[1].ts, frames[4].ts + 100);
    assert_eq!(drop_reason_name(8), Some("Filtered"));
}

fn ndis_fragments_become_frames_with_interface_and_direction() {
    let frames = sample_frames();
    let client = frames[0].data[26..30].to_vec();
    let mut w = EtlWriter::new(Compression::Lz77, QPC);
    for f in &frames {
        let dir = if dir_tag(&f.data, &client) == 4 {
            etl::KW_SEND
        } else {
            etl::KW_RECEIVE
        };
        w.ndis_fragment(
            f.ts,
            12,
            etl::KW_PACKET_START | etl::KW_PACKET_END | dir,
            &f.data,
        );
    }
    // A packet split over three events, as before Windows 8.1, on a wireless WAN (bare IP).
    let ip = &frames[4].data[14..];
    let t = frames[frames.len() - 1].ts + 1000;
    let kw = etl::KW_MEDIA_WIRELESS_WAN | etl::KW_RECEIVE;
    w.ndis_fragment(t, 13, kw | etl::KW_PACKET_START, &ip[..10]);
    w.ndis_fragment(t, 13, kw, &ip[10..30]);
    w.ndis_fragment(t, 13, kw | etl::KW_PACKET_END, &ip[30..]);
    // A native 802.11 frame.
    w.ndis_fragment(
        t + 100,
        14,
        etl::KW_MEDIA_NATIVE_802_11 | etl::KW_PACKET_START | etl::KW_PACKET_END,
        b"\x08\x00wifi",
    );
    let bytes = w.finish();
    seed("ndis", &bytes);
    let (etl, outcome) = read_bytes("ndis.etl", &bytes);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(etl.len(), frames.len() + 2);
    for (seen, f) in etl.iter().zip(&frames) {
        assert_eq!((seen.ts, seen.linktype, &seen.data), (f.ts, 1, &f.data));
        let o = seen.origin.expect("origin");
        assert_eq!((o.component, o.group_id, o.edge), (Some(12), None, None));
        let want = if dir_tag(&f.data, &client) == 4 {
            HostDirection::Tx
        } else {
            HostDirection::Rx
        };
        assert_eq!(o.direction, Some(want));
    }
    let joined = &etl[frames.len()];
    assert_eq!((joined.linktype, &joined.data[..], joined.ts), (101, ip, t));
    assert_eq!(joined.origin.and_then(|o| o.component), Some(13));
    assert_eq!(etl[frames.len() + 1].linktype, 105);
    assert_eq!(outcome.summary.linktypes, vec![1, 101, 105]);
}

/// A file of the sample's frames in buffers of `compression`, with the frames each buffer
/// holds (the writer closes a buffer at 60 KiB of events).
fn damage_base(compression: Compression) -> (Vec<u8>, Vec<usize>, usize) {
    let frames = sample_frames();
    let mut w = EtlWriter::new(compression, Clock::SystemTime);
    // Enough copies of the sample for several event buffers.
    for round in 0..4 {
        for f in &frames {
            w.pktmon_packet(
                f.ts + round * 1_000_000_000,
                &PktmonPacket {
                    group_id: 1,
                    component: 59,
                    edge: 1,
                    dir_tag: 3,
                    packet_type: 1,
                    drop: None,
                    data: &f.data,
                },
            );
        }
    }
    let (bytes, offsets) = w.finish_with_offsets();
    assert!(
        offsets.len() >= 4,
        "{compression:?}: {} buffers",
        offsets.len()
    );
    (bytes, offsets, frames.len() * 4)
}

/// Frames delivered before buffer `n` (buffer 0 is the header buffer).
fn frames_before(bytes: &[u8], offsets: &[usize], n: usize) -> usize {
    read_bytes("x.etl", &bytes[..offsets[n]]).0.len()
}

fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Reads `bytes`, expecting `keep` frames and then an error containing `what` at byte `at`.
fn expect_damage(case: &str, bytes: &[u8], keep: usize, what: &str, at: usize) {
    let (frames, outcome) = read_bytes("damaged.etl", bytes);
    let msg = outcome
        .error
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| panic!("{case}: no error"));
    assert!(msg.starts_with("damaged.etl: "), "{case}: {msg}");
    assert!(msg.contains(what), "{case}: {msg}");
    assert!(
        msg.contains(&format!("at byte {at}")),
        "{case}: want byte {at}: {msg}"
    );
    assert_eq!(frames.len(), keep, "{case}: frames before the damage");
    assert_eq!(outcome.summary.frames, keep as u64, "{case}");
    seed(&format!("damaged-{case}"), bytes);
}

fn buffer_size_fields_that_lie_end_the_read_with_file_and_offset() {
    for compression in COMPRESSIONS {
        let (good, offsets, total) = damage_base(compression);
        let (frames, outcome) = read_bytes("good.etl", &good);
        assert!(
            outcome.error.is_none(),
            "{compression:?}: {:?}",
            outcome.error
        );
        assert_eq!(frames.len(), total);
        let n = 2;
        let at = offsets[n];
        let keep = frames_before(&good, &offsets, n);
        assert!(keep > 0 && keep < total);
        let case = |name: &str| format!("{compression:?}-{name}");
        let mut b = good.clone();
        set_u32(&mut b, at, 0);
        expect_damage(
            &case("size-zero"),
            &b,
            keep,
            "ETL buffer size 0 is smaller",
            at,
        );
        let mut b = good.clone();
        set_u32(&mut b, at, 0x47);
        expect_damage(
            &case("size-below-header"),
            &b,
            keep,
            "smaller than its 72-byte header",
            at,
        );
        let mut b = good.clone();
        set_u32(&mut b, at, u32::MAX);
        expect_damage(&case("size-huge"), &b, keep, "over the limit", at);
        let mut b = good.clone();
        set_u32(&mut b, at, (good.len() - at + 8) as u32);
        expect_damage(
            &case("size-past-file"),
            &b,
            keep,
            "truncated ETL buffer",
            at,
        );
        // The file cut inside a buffer header and inside a buffer.
        expect_damage(
            &case("cut-header"),
            &good[..at + 20],
            keep,
            "truncated ETL buffer header",
            at,
        );
        expect_damage(
            &case("cut-buffer"),
            &good[..at + 200],
            keep,
            "truncated ETL buffer",
            at,
        );
        // A data end (Offset) below the header or past a plain buffer.
        let mut b = good.clone();
        set_u32(&mut b, at + 0x30, 8);
        expect_damage(
            &case("offset-below-header"),
            &b,
            keep,
            "data end 8 is outside",
            at,
        );
        let mut b = good.clone();
        set_u32(&mut b, at + 0x30, u32::MAX);
        expect_damage(&case("offset-huge"), &b, keep, "is outside the buffer", at);
    }
}

fn compressed_size_fields_that_lie_end_the_read_with_file_and_offset() {
    for compression in [Compression::Lz77, Compression::Huffman] {
        let (good, offsets, _) = damage_base(compression);
        let n = 2;
        let at = offsets[n];
        let keep = frames_before(&good, &offsets, n);
        let size = u32::from_le_bytes(good[at..at + 4].try_into().expect("4")) as usize;
        let end = u32::from_le_bytes(good[at + 0x30..at + 0x34].try_into().expect("4")) as usize;
        let case = |name: &str| format!("{compression:?}-{name}");
        // BufferSize cutting the compressed stream short: the next buffer's header is read from
        // inside this one's data, or the stream runs dry.
        let mut b = good[..at].to_vec();
        let mut buffer = good[at..at + size].to_vec();
        let short = size / 2;
        set_u32(&mut buffer, 0, short as u32);
        b.extend_from_slice(&buffer[..short]);
        expect_damage(&case("stored-short"), &b, keep, "compressed ETL buffer", at);
        // The decompressed size (Offset) larger or smaller than the stream gives.
        let mut b = good.clone();
        set_u32(&mut b, at + 0x30, (end + 4096) as u32);
        let (frames, outcome) = read_bytes("damaged.etl", &b);
        let msg = outcome.error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("compressed") && msg.contains(&format!("at byte {at}")),
            "{compression:?} offset-long: {msg}"
        );
        assert_eq!(frames.len(), keep);
        let mut b = good.clone();
        set_u32(&mut b, at + 0x30, (end - 13) as u32);
        let (frames, outcome) = read_bytes("damaged.etl", &b);
        let msg = outcome.error.map(|e| e.to_string()).unwrap_or_default();
        // Cut short, the last event runs past the data end (or the event before it ends the
        // buffer cleanly): the frames before the cut are kept either way.
        assert!(frames.len() >= keep, "{compression:?} offset-short: {msg}");
        assert!(
            msg.is_empty() || msg.contains(&format!("at byte {at}")),
            "{compression:?} offset-short: {msg}"
        );
        // A compression format the reader does not know, and LZNT1, named.
        for (state, what) in [(2, "LZNT1"), (9, "unknown compression format 9")] {
            let mut b = good.clone();
            set_u32(&mut b, at + 0x2c, state);
            // The header buffer's State is the fallback: make it unknown too.
            set_u32(&mut b, 0x2c, state);
            expect_damage(&case(&format!("state-{state}")), &b, keep, what, at);
        }
        // Garbage in place of the compressed stream.
        let mut b = good.clone();
        for x in &mut b[at + 0x48..at + size] {
            *x = 0xee;
        }
        let (frames, outcome) = read_bytes("damaged.etl", &b);
        let msg = outcome.error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains(&format!("at byte {at}")),
            "{compression:?} garbage: {msg}"
        );
        assert!(frames.len() >= keep);
    }
}

fn event_size_fields_that_lie_end_the_read_with_file_and_offset() {
    let (good, offsets, _) = damage_base(Compression::None);
    let n = 2;
    let at = offsets[n];
    let keep = frames_before(&good, &offsets, n);
    let first_event = at + 0x48;
    for (name, size, what) in [
        ("zero", 0u16, "has impossible size 0"),
        ("below-header", 7, "has impossible size 7"),
        ("past-buffer", u16::MAX, "runs past its buffer's data"),
    ] {
        let mut b = good.clone();
        b[first_event..first_event + 2].copy_from_slice(&size.to_le_bytes());
        expect_damage(&format!("event-{name}"), &b, keep, what, first_event);
    }
    // An event size that disagrees with the packet's logged size: the event is no frame, the
    // walk goes on at the next aligned event, which it finds misaligned: the damage is named.
    let mut b = good.clone();
    let size = u16::from_le_bytes([b[first_event], b[first_event + 1]]);
    b[first_event..first_event + 2].copy_from_slice(&(size + 8).to_le_bytes());
    let (frames, outcome) = read_bytes("damaged.etl", &b);
    assert!(frames.len() >= keep);
    if let Some(e) = outcome.error {
        assert!(e.to_string().starts_with("damaged.etl: "), "{e}");
    }
    // Inside a compressed buffer the error names the buffer and the decompressed position.
    let frames = sample_frames();
    let mut w = EtlWriter::new(Compression::Huffman, Clock::SystemTime);
    let mut ev = w.event(frames[0].ts, etl::PKTMON_GUID, 160, 0x10, &[0u8; 40]);
    ev[0..2].copy_from_slice(&9000u16.to_le_bytes());
    w.raw_event(&ev);
    let (bytes, offsets) = w.finish_with_offsets();
    let at = offsets[1];
    let (_, outcome) = read_bytes("damaged.etl", &bytes);
    let msg = outcome.error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        msg.contains("ETL event size 9000 runs past")
            && msg.contains("decompressed byte 72 of the buffer")
            && msg.ends_with(&format!("at byte {at}")),
        "{msg}"
    );
}

/// The real Packet Monitor file: every frame has the origin its packet event gives, the
/// component list is the file's 44 components, and each packet group appears at 2 or 4
/// components (checked independently of the reader with a script; see docs/windows.md).
fn real_file_origins_and_components() {
    let path = harness::shared("corpus/g_windows/demikernel/PktMon.etl");
    let mut origins = Vec::new();
    let outcome = read_capture(&Input::Path(path.clone()), |f| {
        origins.push(f.origin.expect("an ETL frame has an origin"));
    });
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(origins.len(), 114);
    let s = &outcome.summary;
    assert_eq!(s.components.len(), 44);
    let c = |id: u16| {
        s.components
            .iter()
            .find(|c| c.id == id)
            .map(|c| (c.kind, c.name.as_str(), c.description.as_str()))
    };
    assert_eq!(
        c(59),
        Some((2, "netvsc.sys", "Microsoft Hyper-V Network Adapter #3"))
    );
    assert_eq!(c(61), Some((3, "xdp.sys", "XDP Lightweight Filter")));
    assert_eq!(
        c(48),
        Some((
            2,
            "mlx5.sys",
            "Mellanox ConnectX-4 Lx Virtual Ethernet Adapter #2"
        ))
    );
    assert_eq!(c(75), Some((10, "http.sys", "HTTP")));
    let mut groups = std::collections::BTreeMap::<u64, Vec<u32>>::new();
    for o in &origins {
        assert!(o.drop.is_none() && o.direction.is_some() && o.edge.is_some());
        groups
            .entry(o.group_id.expect("group id"))
            .or_default()
            .push(o.component.expect("component"));
    }
    assert_eq!(groups.len(), 38);
    assert!(groups.values().all(|v| v.len() == 2 || v.len() == 4));
    let first = &origins[..2];
    assert_eq!(
        (first[0].component, first[1].component),
        (Some(59), Some(61))
    );
    assert_eq!(first[0].direction, Some(HostDirection::Rx));
    assert_eq!(first[0].group_id, Some(0x105a26));
    let rx = origins
        .iter()
        .filter(|o| o.direction == Some(HostDirection::Rx))
        .count();
    assert_eq!(rx, 38);
}
