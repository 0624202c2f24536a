//! The ETL reader (capture::read_from on ETL bytes). The first byte chooses what the rest is,
//! so the fuzzer reaches the decoders and the event walk without first guessing a whole file:
//! 0 a whole file as is; 1 the events of one plain buffer; 2 / 3 a Plain LZ77 / LZ77+Huffman
//! stream (after a u16 decompressed length) as one compressed buffer. Modes 1 to 3 get a
//! well-formed header buffer (log-file header event, system-time clock) in front.
#![no_main]

use arcaudit::capture::{self, Input, MAX_RECORD_LEN};
use libfuzzer_sys::fuzz_target;

/// The first buffer: the log-file header event, ClockType 2, 8-byte pointers.
fn header_buffer(state: u32) -> Vec<u8> {
    let mut e = vec![0u8; 0x20 + 0x118];
    e[0..2].copy_from_slice(&2u16.to_le_bytes());
    e[2] = 2;
    e[3] = 0xc0;
    let size = e.len() as u16;
    e[4..6].copy_from_slice(&size.to_le_bytes());
    e[0x20 + 0x2c..0x20 + 0x30].copy_from_slice(&8u32.to_le_bytes());
    e[0x20 + 0x100..0x20 + 0x108].copy_from_slice(&10_000_000i64.to_le_bytes());
    e[0x20 + 0x108..0x20 + 0x110].copy_from_slice(&133_625_243_079_225_833i64.to_le_bytes());
    e[0x20 + 0x110..0x20 + 0x114].copy_from_slice(&2u32.to_le_bytes());
    buffer(&e, state, None, 1)
}

/// A buffer holding `body`: `end` is the data end (decompressed), default the body's.
fn buffer(body: &[u8], state: u32, end: Option<usize>, flag: u16) -> Vec<u8> {
    let size = 0x48 + body.len();
    let mut b = vec![0u8; 0x48];
    b[0..4].copy_from_slice(&(size as u32).to_le_bytes());
    b[0x2c..0x30].copy_from_slice(&state.to_le_bytes());
    b[0x30..0x34].copy_from_slice(&(end.unwrap_or(size) as u32).to_le_bytes());
    b[0x34..0x36].copy_from_slice(&flag.to_le_bytes());
    b.extend_from_slice(body);
    b
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let owned;
    let bytes: &[u8] = match mode % 4 {
        0 => rest,
        1 => {
            let mut f = header_buffer(0);
            f.extend_from_slice(&buffer(rest, 0, None, 1));
            owned = f;
            &owned
        }
        m => {
            let Some((len, stream)) = rest.split_first_chunk::<2>() else {
                return;
            };
            let state = if m == 2 { 3 } else { 4 };
            let end = 0x48 + usize::from(u16::from_le_bytes(*len));
            let mut f = header_buffer(state);
            f.extend_from_slice(&buffer(stream, state, Some(end), 0x40));
            owned = f;
            &owned
        }
    };
    let input = Input::Path("fuzz.etl".into());
    let mut delivered = 0u64;
    let mut last_number = 0u64;
    let outcome = capture::read_from(&input, bytes, |frame| {
        delivered += 1;
        assert!(
            frame.data.len() <= MAX_RECORD_LEN,
            "frame over the record bound"
        );
        assert!(frame.number > last_number, "frame numbers must increase");
        assert!(frame.orig_len as usize >= frame.data.len());
        last_number = frame.number;
        if outcome_is_etl(bytes) {
            assert!(frame.origin.is_some(), "an ETL frame has an origin");
        }
        std::hint::black_box(frame.data.iter().fold(0u8, |a, b| a ^ b));
    });
    assert_eq!(
        delivered, outcome.summary.frames,
        "summary counts delivered frames"
    );
    let comps = &outcome.summary.components;
    assert!(comps.len() <= capture::MAX_SUMMARY_ITEMS);
    for (i, c) in comps.iter().enumerate() {
        assert!(
            comps[..i].iter().all(|d| d.id != c.id),
            "one entry per component id"
        );
    }
    if let Some(e) = &outcome.error {
        let msg = e.to_string();
        assert!(
            msg.starts_with("fuzz.etl: "),
            "error without the input name: {msg}"
        );
        assert!(msg.contains(" at byte "), "error without an offset: {msg}");
    }
    std::hint::black_box(serde_json::to_string(&outcome.summary).unwrap());
});

/// Whether the bytes are read as ETL (not a pcap or pcapng the mutations made): the same
/// magic list the input discovery uses.
fn outcome_is_etl(bytes: &[u8]) -> bool {
    bytes
        .first_chunk::<4>()
        .is_none_or(|magic| !arcaudit::pipeline::is_capture_magic(*magic))
}
