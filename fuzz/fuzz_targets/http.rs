//! HttpStream on both directions of one connection, cut and interleaved as the fuzzer likes
//! (see common::Chunks), with the CONNECT hand-off the dissector does: each CONNECT the
//! client sends arms the server side for a 2xx that starts the tunnel, and bytes after a
//! `Feed::Tunnel` offset go to a TlsStream of that direction, as through a proxy.
#![no_main]

#[path = "common.rs"]
mod common;

use arcaudit::http::{Feed, HttpFacts, HttpStream, MAX_HEADS};
use arcaudit::tls::{Direction, TlsFacts, TlsStream};
use common::Chunks;
use libfuzzer_sys::fuzz_target;

enum Side {
    Http(HttpStream),
    Tunnel(TlsStream),
}

fuzz_target!(|data: &[u8]| {
    let mut client = Side::Http(HttpStream::new(true));
    let mut server = Side::Http(HttpStream::new(false));
    let mut facts = HttpFacts::default();
    let mut tls = TlsFacts::default();
    let mut connects_seen = 0usize;
    for (frame, (from_server, chunk)) in Chunks::new(data).enumerate() {
        let frame = frame as u64 + 1;
        let side = if from_server {
            &mut server
        } else {
            &mut client
        };
        match side {
            Side::Http(h) => {
                let feed = h.feed(chunk, frame, &mut facts);
                if let Feed::Tunnel { offset } = feed {
                    let rest = chunk.get(offset..).expect("tunnel offset within the chunk");
                    let dir = if from_server {
                        Direction::ServerToClient
                    } else {
                        Direction::ClientToServer
                    };
                    let mut t = TlsStream::new(dir);
                    t.feed(rest, frame, &mut tls);
                    *side = Side::Tunnel(t);
                }
            }
            Side::Tunnel(t) => t.feed(chunk, frame, &mut tls),
        }
        // New CONNECT requests arm the server side, once per request.
        let connects = facts
            .requests
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case("CONNECT"))
            .count();
        while connects_seen < connects {
            connects_seen += 1;
            if let Side::Http(s) = &mut server {
                s.expect_connect_response();
            }
        }
    }
    assert!(facts.requests.len() <= MAX_HEADS);
    assert!(facts.responses.len() <= MAX_HEADS);
    std::hint::black_box(serde_json::to_string(&facts).unwrap());
    std::hint::black_box(serde_json::to_string(&tls).unwrap());
});
