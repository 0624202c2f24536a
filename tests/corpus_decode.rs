//! The decoder over every frame of the shared corpus (captures from other projects' test
//! suites): nothing panics, every frame is either decoded or skipped by name, and the link
//! types and IP fragments the corpus exercises decode. Frames are read with pcap-parser, an
//! independent reader, so the decoder is not fed by our own capture module here.

#[path = "common/harness.rs"]
mod harness;

use std::process::ExitCode;

use arcaudit::decode::{DecodeLimits, DecodeStats, Decoder};

/// Frames of one capture as (linktype, bytes), via pcap-parser (the project's own reader is
/// the capture module's; this only feeds the decoder). None if neither format parses.
fn corpus_frames(file: &[u8]) -> Option<Vec<(u32, &[u8])>> {
    use pcap_parser::{Block, PcapCapture, PcapNGCapture};
    let cut = |data: &'_ [u8], caplen: u32| -> usize { data.len().min(caplen as usize) };
    if let Ok(cap) = PcapCapture::from_file(file) {
        let lt = cap.header.network.0 as u32;
        return Some(
            cap.blocks
                .iter()
                .map(|b| (lt, &b.data[..cut(b.data, b.caplen)]))
                .collect(),
        );
    }
    let cap = PcapNGCapture::from_file(file).ok()?;
    let mut out = Vec::new();
    for section in &cap.sections {
        let mut interfaces = Vec::new();
        for block in &section.blocks {
            match block {
                Block::InterfaceDescription(idb) => interfaces.push(idb.linktype.0 as u32),
                Block::EnhancedPacket(epb) => {
                    if let Some(&lt) = interfaces.get(epb.if_id as usize) {
                        out.push((lt, &epb.data[..cut(epb.data, epb.caplen)]));
                    }
                }
                Block::SimplePacket(spb) => {
                    if let Some(&lt) = interfaces.first() {
                        out.push((lt, spb.data));
                    }
                }
                _ => {}
            }
        }
    }
    Some(out)
}

/// Decodes every frame of every capture in the shared corpus: nothing panics, the counts add
/// up, the link types the corpus exercises (Ethernet with VLAN/QinQ/PPPoE/MPLS, SLL, SLL2,
/// raw, null, loop) decode, and the IP fragments in d_tcp_state reassemble.
fn shared_corpus_decodes_without_panic() {
    let root = harness::shared("corpus");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("pcap" | "pcapng" | "cap")
            ) {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut total = DecodeStats::default();
    let mut decoded_by_linktype = std::collections::BTreeMap::<u32, u64>::new();
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Some(frames) = corpus_frames(&bytes) else {
            continue;
        };
        let mut d = Decoder::new(DecodeLimits::default());
        for (i, (lt, data)) in frames.iter().enumerate() {
            if d.decode(*lt, data, i as i64).is_some() {
                *decoded_by_linktype.entry(*lt).or_default() += 1;
            }
        }
        let s = d.finish();
        assert_eq!(
            s.frames,
            s.decoded + s.skipped_total(),
            "{}",
            path.display()
        );
        total.merge(s);
    }
    harness::note!(
        "corpus: {} files, {} frames, {} decoded, {} reassembled; decoded by linktype {:?}",
        files.len(),
        total.frames,
        total.decoded,
        total.fragments_reassembled,
        decoded_by_linktype
    );
    let mut top: Vec<_> = total.skipped.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    harness::note!("skip reasons: {top:?}");
    assert_eq!(total.frames, total.decoded + total.skipped_total());
    assert!(total.decoded > total.frames / 2);
    assert!(total.fragments_reassembled > 0);
    for lt in [0, 1, 101, 113, 276] {
        assert!(
            decoded_by_linktype.contains_key(&lt),
            "nothing decoded for linktype {lt}"
        );
    }
}

fn main() -> ExitCode {
    let corpus = harness::need_shared(&["corpus/README.md"]);
    harness::run(harness::trials![corpus => [shared_corpus_decodes_without_panic]])
}
