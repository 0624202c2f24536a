//! TlsStream on both directions of one connection: arbitrary bytes cut at arbitrary points
//! and interleaved between client and server (see common::Chunks). Then the fingerprints of
//! every hello parsed, and the facts serialised as the report would.
#![no_main]

#[path = "common.rs"]
mod common;

use arcaudit::tls::{
    Direction, Ja4Transport, MAX_CERTIFICATES_PARSED, MAX_LATER_HELLOS, TlsFacts, TlsStream,
    ja3_string, ja4,
};
use common::Chunks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut client = TlsStream::new(Direction::ClientToServer);
    let mut server = TlsStream::new(Direction::ServerToClient);
    let mut facts = TlsFacts::default();
    for (frame, (from_server, chunk)) in Chunks::new(data).enumerate() {
        let s = if from_server {
            &mut server
        } else {
            &mut client
        };
        s.feed(chunk, frame as u64 + 1, &mut facts);
        std::hint::black_box(s.wants_more());
    }
    assert!(facts.later_client_hellos.len() <= MAX_LATER_HELLOS);
    assert!(facts.later_server_hellos.len() <= MAX_LATER_HELLOS);
    assert!(facts.certificates.len() <= MAX_CERTIFICATES_PARSED);
    for ch in facts.client_hellos() {
        std::hint::black_box(ja3_string(ch));
        std::hint::black_box(ja4(ch, Ja4Transport::Tcp));
        std::hint::black_box(ja4(ch, Ja4Transport::Quic));
    }
    std::hint::black_box(serde_json::to_string(&facts).unwrap());
});
