//! capture::read_from over arbitrary bytes. A first byte of `G` or `Z` wraps the rest in gzip
//! or zstd first (so the fuzzer mutates the capture inside a valid compressed stream); any
//! other input is read as it is (which also hands the decompressors raw garbage when the
//! bytes start with their magic).
#![no_main]

use std::io::Write;

use arcaudit::capture::{self, Input, MAX_RECORD_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let owned;
    let bytes: &[u8] = match data.split_first() {
        Some((b'G', rest)) => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(rest).unwrap();
            owned = enc.finish().unwrap();
            &owned
        }
        Some((b'Z', rest)) => {
            owned = zstd::stream::encode_all(rest, 1).unwrap();
            &owned
        }
        _ => data,
    };
    let input = Input::Path("fuzz.pcap".into());
    let mut delivered = 0u64;
    let mut last_number = 0u64;
    let outcome = capture::read_from(&input, bytes, |frame| {
        delivered += 1;
        assert!(
            frame.data.len() <= MAX_RECORD_LEN,
            "frame over the record bound"
        );
        assert!(frame.number > last_number, "frame numbers must increase");
        last_number = frame.number;
        // Touch every byte so a bad slice would be caught by the sanitizer.
        std::hint::black_box(frame.data.iter().fold(0u8, |a, b| a ^ b));
    });
    assert_eq!(
        delivered, outcome.summary.frames,
        "summary counts delivered frames"
    );
    assert!(outcome.summary.interfaces.len() <= capture::MAX_SUMMARY_ITEMS);
    assert!(outcome.summary.sections.len() <= capture::MAX_SUMMARY_ITEMS);
    assert!(outcome.summary.skipped.len() <= capture::MAX_SUMMARY_SKIPPED);
    if let Some(e) = &outcome.error {
        // Every error names the input.
        let msg = e.to_string();
        assert!(
            msg.contains("fuzz.pcap"),
            "error without the input name: {msg}"
        );
        std::hint::black_box(e.offset());
    }
    std::hint::black_box(serde_json::to_string(&outcome.summary).unwrap());
});
