//! Byte fixtures for the HTTP head parser: CONNECT tunnels (with the TLS bytes that follow),
//! proxy authentication, pipelining, every feed split, and malformed or hostile input.

use super::*;

const TLS: &[u8] = &[0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00];

const CONNECT_ARC: &[u8] = b"CONNECT gbl.his.arc.azure.com:443 HTTP/1.1\r\n\
Host: gbl.his.arc.azure.com:443\r\n\
User-Agent: AzureConnectedMachineAgent/1.40\r\n\
Proxy-Connection: Keep-Alive\r\n\r\n";

const OK_200: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";

const NTLM_TOKEN: &str = "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==";

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Feeds `bytes` split at `split` (frames 1 and 2) and returns the tunnel start as an offset
/// into `bytes`, if any, and the last feed result.
fn feed_split(
    stream: &mut HttpStream,
    bytes: &[u8],
    split: usize,
    out: &mut HttpFacts,
) -> (Option<usize>, Feed) {
    let mut tunnel = None;
    let first = stream.feed(&bytes[..split], 1, out);
    if let Feed::Tunnel { offset } = first {
        tunnel = Some(offset);
    }
    let second = stream.feed(&bytes[split..], 2, out);
    if let Feed::Tunnel { offset } = second {
        assert!(tunnel.is_none(), "two tunnels at split {split}");
        tunnel = Some(split + offset);
    }
    (tunnel, second)
}

#[test]
fn connect_then_tls_in_the_same_feed() {
    let mut client = HttpStream::new(true);
    let mut out = HttpFacts::default();
    let bytes = cat(&[CONNECT_ARC, TLS]);
    assert_eq!(
        client.feed(&bytes, 4, &mut out),
        Feed::Tunnel {
            offset: CONNECT_ARC.len()
        }
    );
    assert!(!client.wants_more());
    assert_eq!(client.feed(TLS, 5, &mut out), Feed::Done);
    assert_eq!(
        out.requests,
        vec![HttpRequest {
            method: "CONNECT".into(),
            target: "gbl.his.arc.azure.com:443".into(),
            version: "HTTP/1.1".into(),
            host: Some("gbl.his.arc.azure.com:443".into()),
            user_agent: Some("AzureConnectedMachineAgent/1.40".into()),
            proxy_authorization: false,
            proxy_authorization_scheme: None,
            frame: 4,
        }]
    );

    let mut server = HttpStream::new(false);
    server.expect_connect_response();
    let bytes = cat(&[OK_200, TLS]);
    assert_eq!(
        server.feed(&bytes, 6, &mut out),
        Feed::Tunnel {
            offset: OK_200.len()
        }
    );
    assert!(!server.wants_more());
    assert_eq!(
        out.responses,
        vec![HttpResponse {
            version: "HTTP/1.1".into(),
            status: 200,
            reason: "Connection established".into(),
            proxy_authenticate: vec![],
            frame: 6,
        }]
    );
    assert!(out.errors.is_empty());
}

#[test]
fn connect_split_at_every_byte() {
    let bytes = cat(&[CONNECT_ARC, TLS]);
    for split in 0..=bytes.len() {
        let mut client = HttpStream::new(true);
        let mut out = HttpFacts::default();
        let (tunnel, last) = feed_split(&mut client, &bytes, split, &mut out);
        assert_eq!(tunnel, Some(CONNECT_ARC.len()), "split {split}");
        assert_eq!(out.requests.len(), 1, "split {split}");
        let expected_frame = if split >= CONNECT_ARC.len() { 1 } else { 2 };
        assert_eq!(out.requests[0].frame, expected_frame, "split {split}");
        assert!(out.errors.is_empty(), "split {split}: {:?}", out.errors);
        // The TLS bytes were seen by the stream or are still to come: it is done either way
        // once they are fed.
        let _ = last;
        assert_eq!(client.feed(TLS, 3, &mut out), Feed::Done);
    }
    // Server side, the 200 and the TLS ServerHello split everywhere.
    let bytes = cat(&[OK_200, TLS]);
    for split in 0..=bytes.len() {
        let mut server = HttpStream::new(false);
        server.expect_connect_response();
        let mut out = HttpFacts::default();
        let (tunnel, _) = feed_split(&mut server, &bytes, split, &mut out);
        assert_eq!(tunnel, Some(OK_200.len()), "split {split}");
        assert_eq!(out.responses.len(), 1);
        assert!(!server.wants_more());
    }
}

#[test]
fn connect_byte_by_byte() {
    let bytes = cat(&[CONNECT_ARC, TLS]);
    let mut client = HttpStream::new(true);
    let mut out = HttpFacts::default();
    let mut results = Vec::new();
    for (i, byte) in bytes.iter().enumerate() {
        results.push(client.feed(std::slice::from_ref(byte), i as u64, &mut out));
    }
    let tunnel_at = results
        .iter()
        .position(|f| matches!(f, Feed::Tunnel { .. }))
        .unwrap();
    assert_eq!(tunnel_at, CONNECT_ARC.len() - 1);
    assert_eq!(results[tunnel_at], Feed::Tunnel { offset: 1 });
    assert!(results[..tunnel_at].iter().all(|f| *f == Feed::NeedMore));
    assert!(results[tunnel_at + 1..].iter().all(|f| *f == Feed::Done));
    assert_eq!(out.requests[0].frame, tunnel_at as u64);
}

#[test]
fn proxy_authentication_dance_on_one_connection() {
    // CONNECT, 407 offering Negotiate/NTLM/Basic, CONNECT with NTLM credentials, 200, TLS.
    let connect_auth = format!(
        "CONNECT management.azure.com:443 HTTP/1.1\r\nHost: management.azure.com:443\r\n\
         Proxy-Authorization: NTLM {NTLM_TOKEN}\r\n\r\n"
    );
    let connect_plain =
        b"CONNECT management.azure.com:443 HTTP/1.1\r\nHost: management.azure.com:443\r\n\r\n";
    let challenge = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
Proxy-Authenticate: Negotiate\r\n\
Proxy-Authenticate: NTLM\r\n\
proxy-authenticate: Basic realm=\"corp proxy\", charset=\"UTF-8\"\r\n\
Content-Length: 6\r\n\r\ndenied";

    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    let mut server = HttpStream::new(false);

    assert_eq!(
        client.feed(connect_plain, 10, &mut out),
        Feed::Tunnel {
            offset: connect_plain.len()
        }
    );
    assert!(client.wants_more(), "a 407 may still come");
    server.expect_connect_response();
    assert_eq!(server.feed(challenge, 11, &mut out), Feed::NeedMore);
    assert!(server.wants_more());

    assert_eq!(
        client.feed(connect_auth.as_bytes(), 12, &mut out),
        Feed::Tunnel {
            offset: connect_auth.len()
        }
    );
    server.expect_connect_response();
    let reply = cat(&[OK_200, TLS]);
    assert_eq!(
        server.feed(&reply, 13, &mut out),
        Feed::Tunnel {
            offset: OK_200.len()
        }
    );
    assert_eq!(client.feed(TLS, 14, &mut out), Feed::Done);

    assert_eq!(out.requests.len(), 2);
    assert!(!out.requests[0].proxy_authorization);
    assert!(out.requests[1].proxy_authorization);
    assert_eq!(
        out.requests[1].proxy_authorization_scheme.as_deref(),
        Some("NTLM")
    );
    let statuses: Vec<u16> = out.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [407, 200]);
    assert_eq!(
        out.responses[0].proxy_authenticate,
        ["Negotiate", "NTLM", "Basic"]
    );
    assert_eq!(out.responses[0].reason, "Proxy Authentication Required");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // The credential is nowhere in what we keep.
    assert!(!format!("{out:?}").contains(NTLM_TOKEN));
    assert!(!serde_json::to_string(&out).unwrap().contains(NTLM_TOKEN));
}

#[test]
fn proxy_authorization_value_is_never_stored() {
    for (header, scheme) in [
        ("Basic dXNlcjpzM2NyM3Q=", "Basic"),
        ("negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu", "Negotiate"),
        ("dXNlcjpzM2NyM3Q=", "other"),
        ("Custom dXNlcjpzM2NyM3Q=", "other"),
    ] {
        let request = format!(
            "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: {header}\r\n\r\n"
        );
        let mut out = HttpFacts::default();
        let mut client = HttpStream::new(true);
        assert_eq!(client.feed(request.as_bytes(), 1, &mut out), Feed::NeedMore);
        let req = &out.requests[0];
        assert!(req.proxy_authorization);
        assert_eq!(req.proxy_authorization_scheme.as_deref(), Some(scheme));
        let credential = header.split(' ').next_back().unwrap();
        let debug = format!("{out:?}");
        assert!(!debug.contains(credential), "{debug}");
        assert!(!serde_json::to_string(&out).unwrap().contains(credential));
    }
}

#[test]
fn get_with_host_and_user_agent() {
    let request = b"GET /metadata/identity/oauth2/token?api-version=2020-06-01 HTTP/1.1\r\n\
host: localhost:40342\r\nUSER-AGENT: curl/8.5.0\r\nAccept: */*\r\n\r\n";
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(request, 7, &mut out), Feed::NeedMore);
    assert!(client.wants_more());
    let req = &out.requests[0];
    assert_eq!(req.method, "GET");
    assert_eq!(
        req.target,
        "/metadata/identity/oauth2/token?api-version=2020-06-01"
    );
    assert_eq!(req.host.as_deref(), Some("localhost:40342"));
    assert_eq!(req.user_agent.as_deref(), Some("curl/8.5.0"));
    assert_eq!(req.frame, 7);
}

fn pipelined() -> Vec<u8> {
    cat(&[
        b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 18\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
        b"GET /b HTTP/1.1\r\nHost: h\r\n\r\n",
        b"PUT /c HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        b"POST /d HTTP/1.1\r\ncontent-length: 3, 3\r\n\r\n\x16\x03\x01",
        b"GET /e HTTP/1.0\r\n\r\n",
    ])
}

#[test]
fn pipelined_requests_skip_bodies() {
    let bytes = pipelined();
    let expected = ["/a", "/b", "/c", "/d", "/e"];
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(&bytes, 1, &mut out), Feed::NeedMore);
    let targets: Vec<&str> = out.requests.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, expected);
    assert!(out.errors.is_empty());
    for split in 0..=bytes.len() {
        let mut out = HttpFacts::default();
        let mut client = HttpStream::new(true);
        let (tunnel, last) = feed_split(&mut client, &bytes, split, &mut out);
        assert_eq!(tunnel, None);
        assert_eq!(last, Feed::NeedMore, "split {split}");
        let targets: Vec<&str> = out.requests.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, expected, "split {split}");
        assert!(out.errors.is_empty(), "split {split}: {:?}", out.errors);
    }
}

#[test]
fn chunked_body_stops_the_direction() {
    let bytes = b"POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n\
4\r\nGET \r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(bytes, 1, &mut out), Feed::Done);
    assert!(!client.wants_more());
    assert_eq!(out.requests.len(), 1);
    assert!(out.errors.is_empty());
}

#[test]
fn responses_interim_no_body_and_close_delimited() {
    let bytes = cat(&[
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\nHTTP/1.1 500 x\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 999\r\n\r\n",
        b"HTTP/1.0 404\r\nServer: x\r\n\r\n<html>until close",
    ]);
    for split in 0..=bytes.len() {
        let mut out = HttpFacts::default();
        let mut server = HttpStream::new(false);
        let (_, last) = feed_split(&mut server, &bytes, split, &mut out);
        assert_eq!(last, Feed::Done, "split {split}");
        let statuses: Vec<u16> = out.responses.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 204, 304, 404], "split {split}");
        assert_eq!(out.responses[3].reason, "");
        assert_eq!(out.responses[3].version, "HTTP/1.0");
        assert!(out.errors.is_empty());
    }
}

#[test]
fn non_2xx_to_connect_is_no_tunnel() {
    let mut out = HttpFacts::default();
    let mut server = HttpStream::new(false);
    server.expect_connect_response();
    let bytes = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    // The 403 answers the CONNECT; the 200 then is an ordinary response.
    assert_eq!(server.feed(bytes, 1, &mut out), Feed::NeedMore);
    assert_eq!(out.responses.len(), 2);
}

#[test]
fn switching_protocols_stops_both_sides_quietly() {
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    let upgrade =
        b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    assert_eq!(client.feed(upgrade, 1, &mut out), Feed::NeedMore);
    // A masked websocket frame: not a request line, but expected after an Upgrade.
    assert_eq!(
        client.feed(&[0x81, 0x85, 1, 2, 3, 4], 3, &mut out),
        Feed::Done
    );
    let mut server = HttpStream::new(false);
    let reply = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello";
    assert_eq!(server.feed(reply, 2, &mut out), Feed::Done);
    assert_eq!(out.responses[0].status, 101);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn bad_request_and_status_lines() {
    for bad in [
        &b"GET\r\n\r\n"[..],
        b"GET / FTP/1.0\r\n\r\n",
        b"GET  HTTP/1.1\r\n\r\n",
        b" GET / HTTP/1.1\r\n\r\n",
        b"G(T / HTTP/1.1\r\n\r\n",
    ] {
        let mut out = HttpFacts::default();
        let mut client = HttpStream::new(true);
        assert_eq!(client.feed(bad, 9, &mut out), Feed::Done, "{bad:?}");
        assert_eq!(
            out.errors,
            [HttpError::BadRequestLine { frame: 9 }],
            "{bad:?}"
        );
        assert!(out.requests.is_empty());
    }
    for bad in [
        &b"HTTP/1.1 2000 OK\r\n\r\n"[..],
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
    ] {
        let mut out = HttpFacts::default();
        let mut server = HttpStream::new(false);
        assert_eq!(server.feed(bad, 9, &mut out), Feed::Done, "{bad:?}");
        assert_eq!(
            out.errors,
            [HttpError::BadStatusLine { frame: 9 }],
            "{bad:?}"
        );
    }
}

#[test]
fn bad_content_length_stops() {
    for header in [
        "Content-Length: 5\r\nContent-Length: 6",
        "Content-Length: 5, 6",
        "Content-Length: -1",
        "Content-Length: 99999999999999999999999",
        "Content-Length: ",
    ] {
        let request = format!("POST / HTTP/1.1\r\n{header}\r\n\r\nhello");
        let mut out = HttpFacts::default();
        let mut client = HttpStream::new(true);
        assert_eq!(client.feed(request.as_bytes(), 2, &mut out), Feed::Done);
        assert_eq!(
            out.errors,
            [HttpError::BadContentLength {
                from_client: true,
                frame: 2
            }],
            "{header}"
        );
    }
    // A huge but valid length just swallows what follows.
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    let request =
        b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\nGET / HTTP/1.1\r\n\r\n";
    assert_eq!(client.feed(request, 1, &mut out), Feed::NeedMore);
    assert_eq!(out.requests.len(), 1);
}

#[test]
fn oversized_head_is_flagged() {
    let mut head = b"GET / HTTP/1.1\r\nX-Filler: ".to_vec();
    head.resize(MAX_HEAD_LEN + 100, b'a');
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(&head[..1000], 1, &mut out), Feed::NeedMore);
    assert_eq!(client.feed(&head[1000..], 2, &mut out), Feed::Done);
    assert_eq!(
        out.errors,
        [HttpError::HeadTooLarge {
            from_client: true,
            frame: 2,
            limit: MAX_HEAD_LEN
        }]
    );
    assert!(!client.wants_more());
    assert_eq!(client.feed(b"\r\n\r\n", 3, &mut out), Feed::Done);
    assert!(out.requests.is_empty());

    // A head of exactly MAX_HEAD_LEN bytes still parses.
    let mut head = b"GET / HTTP/1.1\r\nX-Filler: ".to_vec();
    head.resize(MAX_HEAD_LEN - 4, b'a');
    head.extend_from_slice(b"\r\n\r\n");
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(&head, 1, &mut out), Feed::NeedMore);
    assert_eq!(out.requests.len(), 1);
}

#[test]
fn binary_garbage_is_refused_early() {
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(TLS, 1, &mut out), Feed::Done);
    assert_eq!(out.errors, [HttpError::BadRequestLine { frame: 1 }]);

    // Token characters with no space: refused once longer than any method.
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(&[b'A'; 20], 1, &mut out), Feed::NeedMore);
    assert_eq!(client.feed(b"A", 2, &mut out), Feed::Done);
    assert_eq!(out.errors, [HttpError::BadRequestLine { frame: 2 }]);

    let mut out = HttpFacts::default();
    let mut server = HttpStream::new(false);
    assert_eq!(server.feed(b"HTT", 1, &mut out), Feed::NeedMore);
    assert_eq!(
        server.feed(b"PS/1.1 200 OK\r\n\r\n", 2, &mut out),
        Feed::Done
    );
    assert_eq!(out.errors, [HttpError::BadStatusLine { frame: 2 }]);
}

#[test]
fn random_bytes_never_panic() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds = [
        cat(&[CONNECT_ARC, TLS]),
        pipelined(),
        cat(&[b"HTTP/1.1 100 Continue\r\n\r\n", OK_200, TLS]),
    ];
    for _ in 0..3_000 {
        let mut bytes = seeds[(next() % 3) as usize].clone();
        for _ in 0..next() % 4 {
            let at = (next() as usize) % bytes.len();
            bytes[at] = [b'\r', b'\n', b' ', b':', b'0', next() as u8][(next() % 6) as usize];
        }
        let mut out = HttpFacts::default();
        let mut stream = HttpStream::new(next() % 2 == 0);
        if next() % 2 == 0 {
            stream.expect_connect_response();
        }
        let mut pos = 0;
        while pos < bytes.len() {
            let n = 1 + (next() as usize) % 40;
            let chunk = &bytes[pos..(pos + n).min(bytes.len())];
            if let Feed::Tunnel { offset } = stream.feed(chunk, pos as u64, &mut out) {
                assert!(offset <= chunk.len());
            }
            pos += n;
        }
        assert!(out.errors.len() <= 1);
    }
}

#[test]
fn leading_blank_lines_and_bare_lf() {
    let bytes = b"\r\n\r\nGET / HTTP/1.1\nHost: a\n\nGET /2 HTTP/1.1\r\nHost: b\r\n\n";
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(bytes, 1, &mut out), Feed::NeedMore);
    let hosts: Vec<_> = out
        .requests
        .iter()
        .map(|r| r.host.clone().unwrap())
        .collect();
    assert_eq!(hosts, ["a", "b"]);
}

#[test]
fn heads_per_direction_are_bounded() {
    let bytes = b"GET / HTTP/1.1\r\n\r\n".repeat(MAX_HEADS + 5);
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(client.feed(&bytes, 1, &mut out), Feed::Done);
    assert_eq!(out.requests.len(), MAX_HEADS);
    assert!(out.errors.is_empty());
}

#[test]
fn repeated_connects_are_bounded_too() {
    // Each CONNECT ends its feed, so the stream keeps waiting for a possible next request:
    // the head bound must hold on that path as well.
    let connect = b"CONNECT a:443 HTTP/1.1\r\n\r\n";
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    for frame in 0..MAX_HEADS as u64 {
        let expected = Feed::Tunnel {
            offset: connect.len(),
        };
        assert_eq!(client.feed(connect, frame, &mut out), expected);
    }
    assert!(!client.wants_more());
    assert_eq!(client.feed(connect, 999, &mut out), Feed::Done);
    assert_eq!(out.requests.len(), MAX_HEADS);
}

#[test]
fn ipv6_connect_target() {
    let bytes = b"CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n";
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(
        client.feed(bytes, 1, &mut out),
        Feed::Tunnel {
            offset: bytes.len()
        }
    );
    assert_eq!(out.requests[0].target, "[2001:db8::1]:443");
}

#[test]
fn first_bytes_detection() {
    assert!(looks_like_http_request(b"CONNECT host:443 HTTP/1.1\r\n"));
    assert!(looks_like_http_request(b"GET / HTTP/1.1\r\n"));
    assert!(looks_like_http_request(b"POST "));
    assert!(!looks_like_http_request(b"GET"));
    assert!(!looks_like_http_request(b"GETS / HTTP/1.1"));
    assert!(!looks_like_http_request(b"get / HTTP/1.1"));
    assert!(!looks_like_http_request(TLS));
    assert!(!looks_like_http_request(b""));
    assert!(looks_like_http_response(b"HTTP/1.1 200 OK"));
    assert!(looks_like_http_response(b"HTTP/1.0 407"));
    assert!(!looks_like_http_response(b"HTTP/2"));
    assert!(!looks_like_http_response(b"HTTP/1"));
}

#[test]
fn errors_render_with_context() {
    let err = HttpError::HeadTooLarge {
        from_client: false,
        frame: 12,
        limit: MAX_HEAD_LEN,
    };
    assert_eq!(
        err.to_string(),
        "response head still open in frame 12 exceeds 16384 bytes"
    );
    assert_eq!(
        serde_json::to_value(&err).unwrap()["kind"],
        "head_too_large"
    );
}

#[test]
fn smtp_through_a_connect_tunnel_is_not_an_error() {
    // Regression (zeek http_connect-with-smtp.pcap): extra words after the target, then SMTP
    // in the tunnel. The SMTP lines must neither be reported nor buffered to the head limit.
    let connect = b"CONNECT mailin03.sul.t-online.de:25 / HTTP/1.0\r\n\r\n";
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(
        client.feed(connect, 4, &mut out),
        Feed::Tunnel {
            offset: connect.len()
        }
    );
    assert_eq!(out.requests[0].target, "mailin03.sul.t-online.de:25");
    assert_eq!(out.requests[0].version, "HTTP/1.0");
    assert_eq!(
        client.feed(b"HELO 208.191.73.21\r\n", 11, &mut out),
        Feed::Done
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);

    // The same line without a CONNECT before it is an error, found at its end of line.
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    assert_eq!(
        client.feed(b"HELO 208.191.73.21", 1, &mut out),
        Feed::NeedMore
    );
    assert_eq!(client.feed(b"\r\n", 2, &mut out), Feed::Done);
    assert_eq!(out.errors, [HttpError::BadRequestLine { frame: 2 }]);
}

#[test]
fn plain_http_inside_a_tunnel_is_parsed() {
    // suricata-verify http-connect-fragmented: a GET, split mid-method, after the CONNECT.
    let mut out = HttpFacts::default();
    let mut client = HttpStream::new(true);
    let connect = b"CONNECT abc:443 HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n";
    assert!(matches!(
        client.feed(connect, 5, &mut out),
        Feed::Tunnel { .. }
    ));
    assert_eq!(client.feed(b"GE", 9, &mut out), Feed::NeedMore);
    assert_eq!(
        client.feed(
            b"T / HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n",
            11,
            &mut out
        ),
        Feed::NeedMore
    );
    let methods: Vec<&str> = out.requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["CONNECT", "GET"]);
    assert_eq!(out.requests[1].frame, 11);
}
