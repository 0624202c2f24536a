//! dns::parse_message on the whole input, and the same bytes as a DNS-over-TCP stream cut
//! into pieces (see common::Chunks; the direction bit is ignored).
#![no_main]

#[path = "common.rs"]
mod common;

use arcaudit::dns::{DnsTcpStream, MAX_RECORDS_PER_SECTION, MAX_TCP_MESSAGES, parse_message};
use common::Chunks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_message(data) {
        Ok(m) => {
            assert!(m.answers.len() <= MAX_RECORDS_PER_SECTION);
            assert!(m.authority.len() <= MAX_RECORDS_PER_SECTION);
            assert!(m.additional.len() <= MAX_RECORDS_PER_SECTION);
            assert!(m.questions.len() <= MAX_RECORDS_PER_SECTION);
            std::hint::black_box(serde_json::to_string(&m).unwrap());
        }
        Err(e) => {
            assert!(e.offset() <= data.len(), "error offset past the message");
            std::hint::black_box(e.to_string());
        }
    }
    let mut stream = DnsTcpStream::new();
    let mut out = Vec::new();
    for (_, chunk) in Chunks::new(data) {
        stream.feed(chunk, &mut out);
    }
    assert!(out.len() <= MAX_TCP_MESSAGES);
    for r in &out {
        match r {
            Ok(m) => std::hint::black_box(serde_json::to_string(m).unwrap()),
            Err(e) => std::hint::black_box(e.to_string()),
        };
    }
});
