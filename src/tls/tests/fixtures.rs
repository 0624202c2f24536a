//! Byte-fixture tests of the record layer, handshake reassembly and hello parsing.

use super::super::*;

const CH13: &[u8] = include_bytes!("../testdata/illustrated_tls13_client_hello.bin");
const SERVER13: &[u8] = include_bytes!("../testdata/illustrated_tls13_server_flight.bin");
const EC_LEAF: &[u8] = include_bytes!("../testdata/ec_p256_leaf.der");
const RSA_ROOT: &[u8] = include_bytes!("../testdata/rsa2048_root.der");

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

// ---- builders -------------------------------------------------------------------------------

fn record(content_type: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut v = vec![content_type];
    v.extend(version.to_be_bytes());
    v.extend((body.len() as u16).to_be_bytes());
    v.extend(body);
    v
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut v = vec![msg_type, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    v.extend(body);
    v
}

fn ext(ty: u16, data: &[u8]) -> Vec<u8> {
    let mut v = ty.to_be_bytes().to_vec();
    v.extend((data.len() as u16).to_be_bytes());
    v.extend(data);
    v
}

fn list16(items: &[u16]) -> Vec<u8> {
    let mut v = ((items.len() * 2) as u16).to_be_bytes().to_vec();
    for i in items {
        v.extend(i.to_be_bytes());
    }
    v
}

fn sni(name: &str) -> Vec<u8> {
    let mut entry = vec![0u8];
    entry.extend((name.len() as u16).to_be_bytes());
    entry.extend(name.as_bytes());
    let mut data = (entry.len() as u16).to_be_bytes().to_vec();
    data.extend(entry);
    ext(0, &data)
}

fn alpn(protocols: &[&str]) -> Vec<u8> {
    let mut list = Vec::new();
    for p in protocols {
        list.push(p.len() as u8);
        list.extend(p.as_bytes());
    }
    let mut data = (list.len() as u16).to_be_bytes().to_vec();
    data.extend(list);
    ext(16, &data)
}

fn client_supported_versions(versions: &[u16]) -> Vec<u8> {
    let mut data = vec![(versions.len() * 2) as u8];
    for v in versions {
        data.extend(v.to_be_bytes());
    }
    ext(43, &data)
}

fn client_key_share(groups: &[u16]) -> Vec<u8> {
    let mut entries = Vec::new();
    for g in groups {
        entries.extend(g.to_be_bytes());
        entries.extend(32u16.to_be_bytes());
        entries.extend([0x42; 32]);
    }
    let mut data = (entries.len() as u16).to_be_bytes().to_vec();
    data.extend(entries);
    ext(51, &data)
}

fn client_hello(version: u16, suites: &[u16], exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend([0x11; 32]);
    b.push(32);
    b.extend([0x22; 32]);
    b.extend(list16(suites));
    b.extend([1, 0]);
    let block: Vec<u8> = exts.concat();
    b.extend((block.len() as u16).to_be_bytes());
    b.extend(block);
    handshake(1, &b)
}

fn server_hello(random: [u8; 32], suite: u16, exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = 0x0303u16.to_be_bytes().to_vec();
    b.extend(random);
    b.push(32);
    b.extend([0x22; 32]);
    b.extend(suite.to_be_bytes());
    b.push(0);
    let block: Vec<u8> = exts.concat();
    b.extend((block.len() as u16).to_be_bytes());
    b.extend(block);
    handshake(2, &b)
}

fn certificate(ders: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for d in ders {
        let n = d.len();
        list.extend([(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        list.extend(*d);
    }
    let n = list.len();
    let mut b = vec![(n >> 16) as u8, (n >> 8) as u8, n as u8];
    b.extend(list);
    handshake(11, &b)
}

fn tls12_client_hello() -> Vec<u8> {
    client_hello(
        0x0303,
        &[0x5a5a, 0xc02b, 0xc02f, 0x009c, 0x00ff],
        &[
            ext(0x3a3a, &[]),
            sni("gbl.his.arc.azure.com"),
            ext(11, &[1, 0]),
            ext(10, &list16(&[0x1a1a, 0x001d, 0x0017])),
            ext(13, &list16(&[0x0403, 0x0804, 0x0401])),
            alpn(&["http/1.1"]),
            ext(23, &[]),
            ext(0xff01, &[0]),
        ],
    )
}

fn run(direction: Direction, bytes: &[u8], facts: &mut TlsFacts) -> TlsStream {
    let mut s = TlsStream::new(direction);
    s.feed(bytes, 1, facts);
    s
}

/// Deterministic xorshift for fuzz-style tests.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

// ---- TLS 1.3 (The Illustrated TLS 1.3 Connection, MIT, tls13.xargs.org) ---------------------

#[test]
fn illustrated_tls13_client_hello() {
    let mut facts = TlsFacts::default();
    let s = run(C2S, CH13, &mut facts);
    assert!(s.wants_more(), "a ClientHello alone leaves more to learn");
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
    let ch = facts.client_hello.expect("client hello");
    assert_eq!(ch.record_version, TlsVersion::TLS_1_0);
    assert_eq!(ch.legacy_version, TlsVersion::TLS_1_2);
    assert_eq!(ch.cipher_suites, vec![0x1302, 0x1303, 0x1301, 0x00ff]);
    assert_eq!(ch.sni.as_deref(), Some("example.ulfheim.net"));
    assert_eq!(ch.supported_versions, vec![TlsVersion::TLS_1_3]);
    assert_eq!(ch.key_share_groups, vec![0x001d]);
    assert_eq!(ch.extensions, vec![0, 11, 10, 35, 22, 23, 13, 43, 45, 51]);
    assert_eq!(ch.ec_point_formats, vec![0, 1, 2]);
    assert_eq!(ch.session_id_len, 32);
    assert!(ch.session_ticket && !ch.psk && !ch.ech && !ch.sslv2_format);
    assert!(ch.alpn.is_empty());
    assert_eq!(ch.frame, 1);
    // Computed by hand from the documented hello, hashes with coreutils sha256sum/md5sum.
    assert_eq!(
        ch.ja4_r,
        "t13d041000_00ff,1301,1302,1303_000a,000b,000d,0016,0017,0023,002b,002d,0033_0403,0503,0603,0807,0808,0809,080a,080b,0804,0805,0806,0401,0501,0601"
    );
    assert_eq!(ch.ja4, "t13d041000_16476d049b0b_78f1d400d464");
    assert_eq!(
        ch.ja3,
        "771,4866-4867-4865-255,0-11-10-35-22-23-13-43-45-51,29-23-30-25-24-256-257-258-259-260,0-1-2"
    );
    assert_eq!(ch.ja3_hash, "f146948b4a599d4d7ddf071b74696983");
    assert_eq!(
        ja4(&facts_ch(CH13), Ja4Transport::Quic),
        "q13d041000_16476d049b0b_78f1d400d464"
    );
}

fn facts_ch(bytes: &[u8]) -> ClientHello {
    let mut facts = TlsFacts::default();
    run(C2S, bytes, &mut facts);
    facts.client_hello.expect("client hello")
}

#[test]
fn illustrated_tls13_server_flight_stops_at_encryption() {
    let mut facts = TlsFacts::default();
    let _c = run(C2S, CH13, &mut facts);
    let mut s = TlsStream::new(S2C);
    s.feed(SERVER13, 7, &mut facts);
    assert!(
        !s.wants_more(),
        "encrypted records follow the TLS 1.3 ServerHello"
    );
    let sh = facts.server_hello.clone().expect("server hello");
    assert_eq!(sh.legacy_version, TlsVersion::TLS_1_2);
    assert_eq!(sh.negotiated_version, TlsVersion::TLS_1_3);
    assert_eq!(sh.cipher_suite, 0x1302);
    assert_eq!(sh.key_share_group, Some(0x001d));
    assert_eq!(sh.extensions, vec![43, 51]);
    assert!(!sh.is_hello_retry_request);
    assert_eq!(sh.frame, 7);
    assert!(facts.server_change_cipher_spec && facts.server_application_data);
    assert!(facts.certificates.is_empty() && facts.hello_retry_request.is_none());
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
}

#[test]
fn client_hello_split_at_every_byte_boundary() {
    let reference = facts_ch(CH13);
    for cut in 0..=CH13.len() {
        let mut facts = TlsFacts::default();
        let mut s = TlsStream::new(C2S);
        s.feed(&CH13[..cut], 1, &mut facts);
        if cut < CH13.len() {
            assert!(facts.client_hello.is_none(), "cut {cut}");
            assert!(s.wants_more(), "cut {cut}");
        }
        s.feed(&CH13[cut..], 1, &mut facts);
        assert_eq!(facts.client_hello.as_ref(), Some(&reference), "cut {cut}");
        assert!(facts.errors.is_empty());
    }
    // One byte per call, each byte its own frame: the hello is stamped with the last one.
    let mut facts = TlsFacts::default();
    let mut s = TlsStream::new(C2S);
    for (i, b) in CH13.iter().enumerate() {
        s.feed(std::slice::from_ref(b), i as u64 + 100, &mut facts);
    }
    let ch = facts.client_hello.expect("hello");
    assert_eq!(ch.frame, CH13.len() as u64 + 99);
    assert_eq!(ch.ja4, reference.ja4);
}

#[test]
fn hello_split_across_records_is_reassembled() {
    let msg = tls12_client_hello();
    for parts in [2usize, 3, 7] {
        let chunk = msg.len().div_ceil(parts);
        let bytes: Vec<u8> = msg
            .chunks(chunk)
            .flat_map(|c| record(22, 0x0301, c))
            .collect();
        let mut facts = TlsFacts::default();
        run(C2S, &bytes, &mut facts);
        let ch = facts.client_hello.expect("reassembled hello");
        assert_eq!(ch.sni.as_deref(), Some("gbl.his.arc.azure.com"));
        assert_eq!(
            ch.cipher_suites,
            vec![0x5a5a, 0xc02b, 0xc02f, 0x009c, 0x00ff]
        );
        assert!(facts.errors.is_empty());
    }
}

// ---- TLS 1.2 with a certificate chain -------------------------------------------------------

#[test]
fn tls12_full_handshake_with_certificates() {
    let mut facts = TlsFacts::default();
    let mut client = TlsStream::new(C2S);
    client.feed(&record(22, 0x0301, &tls12_client_hello()), 4, &mut facts);
    let ch = facts.client_hello.clone().expect("hello");
    assert_eq!(
        ch.ja3,
        "771,49195-49199-156-255,0-11-10-13-16-23-65281,29-23,0"
    );
    assert_eq!(ch.alpn, vec!["http/1.1".to_string()]);
    assert_eq!(ch.signature_algorithms, vec![0x0403, 0x0804, 0x0401]);
    assert!(ch.ja4.starts_with("t12d0407h1_"), "{}", ch.ja4);
    assert!(is_grease(ch.cipher_suites[0]) && is_grease(ch.extensions[0]));

    // ServerHello, Certificate and ServerHelloDone in one record.
    let flight = [
        server_hello(
            [7; 32],
            0xc02f,
            &[ext(0xff01, &[0]), ext(23, &[]), alpn(&["http/1.1"])],
        ),
        certificate(&[EC_LEAF, RSA_ROOT]),
        handshake(14, &[]),
    ]
    .concat();
    let mut server = TlsStream::new(S2C);
    server.feed(&record(22, 0x0303, &flight), 6, &mut facts);
    assert!(server.wants_more());
    let sh = facts.server_hello.clone().expect("server hello");
    assert_eq!(
        (sh.negotiated_version, sh.cipher_suite),
        (TlsVersion::TLS_1_2, 0xc02f)
    );
    assert_eq!(sh.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(facts.certificate_frame, Some(6));
    assert_eq!(facts.certificate_count, 2);
    let leaf = &facts.certificates[0];
    assert_eq!(leaf.error, None);
    assert_eq!(
        leaf.subject,
        "C=US, O=arcaudit test, CN=gbl.his.arc.azure.com"
    );
    assert_eq!(leaf.issuer, leaf.subject);
    assert!(leaf.self_signed);
    assert_eq!(
        leaf.san_dns,
        vec!["gbl.his.arc.azure.com", "*.his.arc.azure.com"]
    );
    assert_eq!((leaf.key_type.as_str(), leaf.key_bits), ("EC", 256));
    assert_eq!(leaf.serial_hex, "0123456789abcdef");
    assert_eq!(leaf.not_before_unix, 1_795_759_753);
    assert_eq!(leaf.not_before, "2026-11-27T06:09:13Z");
    assert_eq!(leaf.not_after, "2036-11-24T06:09:13Z");
    assert_eq!(
        leaf.sha256,
        "5ffba76b42b3528741b5d2711fec7fd36e492caf528087e3e634d9f66400eb56"
    );
    let root = &facts.certificates[1];
    assert_eq!((root.key_type.as_str(), root.key_bits), ("RSA", 2048));
    assert_eq!(root.subject, "CN=arcaudit test root");
    assert_eq!(root.serial_hex, "07");

    // Client: key exchange, CCS, encrypted Finished (a handshake record after CCS).
    let mut c2 = record(22, 0x0303, &handshake(16, &[0x20; 33]));
    c2.extend(record(20, 0x0303, &[1]));
    c2.extend(record(22, 0x0303, &[0xe3; 40]));
    client.feed(&c2, 8, &mut facts);
    assert!(
        !client.wants_more(),
        "encrypted Finished ends the client's plaintext"
    );
    assert!(facts.client_change_cipher_spec);
    // Server: CCS, encrypted Finished, application data, then an encrypted close_notify.
    let mut s2 = record(20, 0x0303, &[1]);
    s2.extend(record(22, 0x0303, &[0x9d; 40]));
    server.feed(&s2, 9, &mut facts);
    assert!(!server.wants_more());
    let mut s3 = record(23, 0x0303, &[0x55; 100]);
    s3.extend(record(21, 0x0303, &[0x66; 26]));
    server.feed(&s3, 10, &mut facts);
    assert!(facts.server_application_data && !facts.client_application_data);
    assert_eq!(facts.server_encrypted_alerts, 1);
    assert_eq!(facts.first_alert_frame, Some(10));
    assert!(facts.alerts.is_empty());
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
}

#[test]
fn malformed_certificate_is_an_error_entry() {
    let mut facts = TlsFacts::default();
    let bad: &[u8] = &[0x30, 0x03, 0x02, 0x01];
    let flight = [
        server_hello([7; 32], 0x002f, &[]),
        certificate(&[bad, EC_LEAF]),
    ]
    .concat();
    run(S2C, &record(22, 0x0303, &flight), &mut facts);
    assert_eq!(facts.certificates.len(), 2);
    assert!(facts.certificates[0].error.is_some());
    assert_eq!(facts.certificates[1].error, None);
}

// ---- HelloRetryRequest ----------------------------------------------------------------------

fn hrr_flows() -> (Vec<u8>, Vec<u8>) {
    let ch1 = client_hello(
        0x0303,
        &[0x1301],
        &[
            client_supported_versions(&[0x0304]),
            client_key_share(&[0x001d]),
        ],
    );
    let ch2 = client_hello(
        0x0303,
        &[0x1301],
        &[
            client_supported_versions(&[0x0304]),
            client_key_share(&[0x0017]),
        ],
    );
    let mut client = record(22, 0x0301, &ch1);
    client.extend(record(20, 0x0303, &[1]));
    client.extend(record(22, 0x0303, &ch2));
    let hrr = server_hello(
        HELLO_RETRY_REQUEST_RANDOM,
        0x1301,
        &[ext(43, &[3, 4]), ext(51, &[0x00, 0x17])],
    );
    let sh = server_hello(
        [9; 32],
        0x1301,
        &[ext(43, &[3, 4]), ext(51, &[0x00, 0x17, 0x00, 0x01, 0x04])],
    );
    let mut server = record(22, 0x0303, &hrr);
    server.extend(record(20, 0x0303, &[1]));
    server.extend(record(22, 0x0303, &sh));
    server.extend(record(23, 0x0303, &[0xaa; 50]));
    (client, server)
}

#[test]
fn hello_retry_request_then_ccs_then_server_hello() {
    let (client, server) = hrr_flows();
    // Interleaved as on the wire: CH1, HRR, CCS + CH2, CCS + SH + encrypted.
    let mut facts = TlsFacts::default();
    let mut c = TlsStream::new(C2S);
    let mut s = TlsStream::new(S2C);
    let ch1_len = 5 + usize::from(u16::from_be_bytes([client[3], client[4]]));
    let hrr_len = 5 + usize::from(u16::from_be_bytes([server[3], server[4]]));
    c.feed(&client[..ch1_len], 1, &mut facts);
    s.feed(&server[..hrr_len], 2, &mut facts);
    c.feed(&client[ch1_len..], 3, &mut facts);
    assert!(
        c.wants_more(),
        "the second ClientHello is plaintext after the dummy CCS"
    );
    s.feed(&server[hrr_len..], 4, &mut facts);
    assert!(!s.wants_more());
    let hrr = facts.hello_retry_request.clone().expect("hrr");
    assert!(hrr.is_hello_retry_request);
    assert_eq!(hrr.key_share_group, Some(0x0017));
    assert_eq!(hrr.frame, 2);
    let sh = facts.server_hello.clone().expect("real server hello");
    assert!(!sh.is_hello_retry_request);
    assert_eq!(
        (sh.negotiated_version, sh.key_share_group, sh.frame),
        (TlsVersion::TLS_1_3, Some(0x0017), 4)
    );
    let ch = facts.client_hello.clone().expect("first hello kept");
    assert_eq!((ch.key_share_groups.clone(), ch.frame), (vec![0x001d], 1));
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);

    // The client direction fed before anything of the server: the post-CCS hello is still
    // recognised as plaintext by its shape.
    let mut facts = TlsFacts::default();
    let mut c = TlsStream::new(C2S);
    c.feed(&client, 1, &mut facts);
    assert!(c.wants_more());
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
}

// ---- alerts and application data ------------------------------------------------------------

#[test]
fn plaintext_fatal_alerts_stop_the_direction() {
    for (description, name) in [(40u8, "handshake_failure"), (70, "protocol_version")] {
        let mut facts = TlsFacts::default();
        let _c = run(C2S, &record(22, 0x0301, &tls12_client_hello()), &mut facts);
        let mut s = TlsStream::new(S2C);
        let alert = record(21, 0x0303, &[2, description]);
        assert!(
            looks_like_tls(&alert),
            "a refusal alert is recognised as TLS"
        );
        s.feed(&alert, 12, &mut facts);
        assert!(!s.wants_more());
        assert_eq!(facts.alerts.len(), 1);
        let a = &facts.alerts[0];
        assert_eq!(
            (a.level, a.level_name, a.description),
            (2, "fatal", description)
        );
        assert_eq!(a.description_name, name);
        assert_eq!((a.sender, a.frame), (S2C, 12));
        assert_eq!(facts.first_alert_frame, Some(12));
        // Nothing after a fatal alert is read.
        s.feed(&record(21, 0x0303, &[2, 10]), 13, &mut facts);
        assert_eq!(facts.alert_count, 1);
    }
}

#[test]
fn warning_alert_does_not_stop() {
    let mut facts = TlsFacts::default();
    let mut bytes = record(22, 0x0301, &tls12_client_hello());
    bytes.extend(record(21, 0x0301, &[1, 112]));
    let s = run(C2S, &bytes, &mut facts);
    assert!(s.wants_more());
    assert_eq!(facts.alerts[0].description_name, "unrecognized_name");
}

#[test]
fn application_data_flags() {
    let mut facts = TlsFacts::default();
    let c = run(
        C2S,
        &[CH13, &record(23, 0x0303, &[1; 30])].concat(),
        &mut facts,
    );
    assert!(!c.wants_more());
    assert!(facts.client_application_data && !facts.server_application_data);
    let s = run(S2C, SERVER13, &mut facts);
    assert!(!s.wants_more());
    assert!(facts.server_application_data);
}

// ---- SSLv2 ----------------------------------------------------------------------------------

fn sslv2_client_hello() -> Vec<u8> {
    let specs: [[u8; 3]; 4] = [[0x01, 0x00, 0x80], [0, 0, 0x04], [0, 0, 0x2f], [0, 0, 0xff]];
    let mut m = vec![1, 0x03, 0x01];
    m.extend(12u16.to_be_bytes());
    m.extend(0u16.to_be_bytes());
    m.extend(16u16.to_be_bytes());
    m.extend(specs.concat());
    m.extend([0x77; 16]);
    let mut v = vec![0x80 | (m.len() >> 8) as u8, m.len() as u8];
    v.extend(m);
    v
}

#[test]
fn sslv2_client_hello_then_tls_records() {
    let hello = sslv2_client_hello();
    assert!(looks_like_tls(&hello));
    let mut facts = TlsFacts::default();
    let mut c = TlsStream::new(C2S);
    c.feed(&hello[..4], 2, &mut facts);
    c.feed(&hello[4..], 3, &mut facts);
    let ch = facts.client_hello.clone().expect("sslv2 hello");
    assert!(ch.sslv2_format);
    assert_eq!(ch.legacy_version, TlsVersion::TLS_1_0);
    assert_eq!(ch.cipher_suites, vec![0x0004, 0x002f, 0x00ff]);
    assert_eq!(ch.frame, 3);
    assert_eq!(
        ch.ja4,
        format!("t10i030000_{}_000000000000", &ch.ja4[11..23])
    );
    assert_eq!(ch.ja3, "769,4-47-255,,,");
    // The TLS server answers in records; the client then continues in records.
    let s = run(
        S2C,
        &record(22, 0x0301, &server_hello([3; 32], 0x002f, &[])),
        &mut facts,
    );
    assert_eq!(
        facts.server_hello.as_ref().map(|s| s.cipher_suite),
        Some(0x002f)
    );
    assert!(s.wants_more());
    c.feed(&record(22, 0x0301, &handshake(16, &[0; 10])), 5, &mut facts);
    assert!(c.wants_more());
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
}

// ---- not TLS, truncation, lies --------------------------------------------------------------

#[test]
fn non_tls_is_refused_quickly() {
    let mut seed = 0x9e3779b97f4a7c15u64;
    let random: Vec<u8> = (0..64).map(|_| xorshift(&mut seed) as u8 | 0x01).collect();
    for input in [
        b"GET / HTTP/1.1\r\nHost: gbl.his.arc.azure.com\r\n\r\n".as_slice(),
        b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n",
        b"CONNECT management.azure.com:443 HTTP/1.1\r\n\r\n",
        &random,
    ] {
        assert!(!looks_like_tls(input));
        let mut facts = TlsFacts::default();
        let mut s = TlsStream::new(C2S);
        // Text protocols are refused on their first byte, anything else by its fifth.
        let first = if input[0] < 0x80 { 1 } else { 5 };
        s.feed(&input[..first], 1, &mut facts);
        assert!(!s.wants_more(), "refused early: {:?}", &input[..5]);
        s.feed(&input[first..], 2, &mut facts);
        assert!(facts.client_hello.is_none() && facts.errors.is_empty());
    }
}

#[test]
fn looks_like_tls_prefixes() {
    assert!(!looks_like_tls(&[]));
    assert!(looks_like_tls(&[0x16]));
    assert!(looks_like_tls(&[0x16, 0x03, 0x01]));
    assert!(!looks_like_tls(&[0x16, 0x04]));
    assert!(!looks_like_tls(&[0x16, 0x03, 0x09]));
    assert!(
        !looks_like_tls(&[0x16, 0x03, 0x01, 0x00, 0x00]),
        "empty handshake record"
    );
    assert!(
        !looks_like_tls(&[0x16, 0x03, 0x01, 0xff, 0xff]),
        "longer than 2^14 + 2048"
    );
    assert!(looks_like_tls(&[0x16, 0x03, 0x01, 0x02, 0x00]));
    assert!(
        !looks_like_tls(&[0x15, 0x03, 0x03, 0x00, 0x1a]),
        "encrypted alert first"
    );
    assert!(!looks_like_tls(&[0x17, 0x03, 0x03, 0x00, 0x10]));
    assert!(looks_like_tls(&sslv2_client_hello()[..5]));
    assert!(
        !looks_like_tls(&[0x80, 0x2e, 0x02, 0x03, 0x01]),
        "v2 message type 2"
    );
}

#[test]
fn impossible_record_length_stops_at_once() {
    let mut facts = TlsFacts::default();
    // Passes detection (a handshake record) only with a plausible length: use a good first
    // record, then a lying one.
    let mut bytes = record(22, 0x0301, &tls12_client_hello());
    bytes.extend([0x16, 0x03, 0x01, 0xff, 0xff]);
    let s = run(C2S, &bytes, &mut facts);
    assert!(!s.wants_more());
    assert!(facts.client_hello.is_some());
    assert!(
        facts.errors[0].contains("record length 65535"),
        "{:?}",
        facts.errors
    );
    let s = run(
        C2S,
        &[0x16, 0x03, 0x01, 0xff, 0xff],
        &mut TlsFacts::default(),
    );
    assert!(!s.wants_more());
}

#[test]
fn handshake_longer_than_record_waits_then_bound_stops() {
    // A ClientHello header claiming 40 000 bytes in a 10-byte record: wait for more records.
    let mut facts = TlsFacts::default();
    let mut s = TlsStream::new(C2S);
    s.feed(
        &record(22, 0x0301, &[1, 0x00, 0x9c, 0x40, 3, 3, 0, 0, 0, 0]),
        1,
        &mut facts,
    );
    assert!(s.wants_more() && facts.client_hello.is_none());
    // A message claiming 16 MiB exceeds the 64 KiB bound: the direction stops.
    let mut facts = TlsFacts::default();
    let s = run(
        C2S,
        &record(22, 0x0301, &[1, 0xff, 0xff, 0xff, 3, 3]),
        &mut facts,
    );
    assert!(!s.wants_more());
    assert!(
        facts.errors[0].contains("exceeds the 65536-byte bound"),
        "{:?}",
        facts.errors
    );
}

#[test]
fn extension_length_lies_keep_the_readable_part() {
    let mut msg = client_hello(
        0x0303,
        &[0x1301],
        &[sni("a.example"), ext(10, &list16(&[29]))],
    );
    // Make the last extension claim 200 bytes instead of 4.
    let n = msg.len();
    msg[n - 6] = 0;
    msg[n - 5] = 200;
    let mut facts = TlsFacts::default();
    run(C2S, &record(22, 0x0301, &msg), &mut facts);
    let ch = facts.client_hello.expect("partial hello");
    assert_eq!(ch.sni.as_deref(), Some("a.example"));
    assert_eq!(ch.extensions, vec![0]);
    assert!(!facts.errors.is_empty());
    // Inner lengths lying (ALPN list longer than its extension) are reported, not fatal.
    let msg = client_hello(
        0x0303,
        &[0x1301],
        &[ext(16, &[0, 50, 2, b'h', b'2']), ext(23, &[])],
    );
    let mut facts = TlsFacts::default();
    run(C2S, &record(22, 0x0301, &msg), &mut facts);
    let ch = facts.client_hello.expect("hello");
    assert_eq!(ch.extensions, vec![16, 23]);
    assert!(ch.alpn.is_empty());
    assert!(
        facts.errors[0].contains("extension 16"),
        "{:?}",
        facts.errors
    );
}

#[test]
fn ten_thousand_extensions_stay_bounded() {
    let exts: Vec<Vec<u8>> = (0..10_000u16).map(|i| ext(1000 + i, &[])).collect();
    let msg = client_hello(0x0303, &[0x1301], &exts);
    assert!(msg.len() > MAX_RECORD_BODY, "needs several records");
    let bytes: Vec<u8> = msg
        .chunks(16_384)
        .flat_map(|c| record(22, 0x0301, c))
        .collect();
    let mut facts = TlsFacts::default();
    run(C2S, &bytes, &mut facts);
    let ch = facts.client_hello.expect("hello");
    assert_eq!(ch.extensions.len(), 10_000);
    assert!(ch.ja4.starts_with("t12i0199"), "{}", ch.ja4);
}

#[test]
fn every_truncation_and_mutation_is_safe() {
    let full = [
        record(22, 0x0301, &tls12_client_hello()),
        record(
            22,
            0x0303,
            &[server_hello([1; 32], 0xc02f, &[]), certificate(&[EC_LEAF])].concat(),
        ),
    ]
    .concat();
    for cut in 0..full.len() {
        let mut facts = TlsFacts::default();
        run(C2S, &full[..cut], &mut facts);
    }
    let mut seed = 0x2545f4914f6cdd1du64;
    for _ in 0..3_000 {
        let mut bytes = full.clone();
        for _ in 0..(xorshift(&mut seed) % 8 + 1) {
            let i = (xorshift(&mut seed) as usize) % bytes.len();
            bytes[i] = xorshift(&mut seed) as u8;
        }
        let mut facts = TlsFacts::default();
        let mut s = TlsStream::new(S2C);
        let split = (xorshift(&mut seed) as usize) % bytes.len();
        s.feed(&bytes[..split], 1, &mut facts);
        s.feed(&bytes[split..], 2, &mut facts);
        assert!(facts.errors.len() <= 16 && facts.alerts.len() <= 16);
    }
}

#[test]
fn names_and_serialization() {
    assert_eq!(version_name(0x0304), "TLS1.3");
    assert_eq!(cipher_suite_name(0x1302), Some("TLS_AES_256_GCM_SHA384"));
    let mut facts = TlsFacts::default();
    run(C2S, CH13, &mut facts);
    let json = serde_json::to_string(&facts).expect("serializes");
    assert!(json.contains("\"ja4\":\"t13d041000_16476d049b0b_78f1d400d464\""));
    assert!(!json.contains("alpn_first_raw"));
}

/// Without the hello details the fields the audit reads (SNI, versions, suites, JA4, the
/// server's choice, errors) are the same as with them, and the rest is left empty.
#[test]
fn hellos_without_details_keep_ja4_and_the_handshake_outcome() {
    let lite = Extract {
        hello_details: false,
    };
    let (hrr_c, hrr_s) = hrr_flows();
    for (client, server) in [
        (CH13.to_vec(), SERVER13.to_vec()),
        (tls12_client_hello(), Vec::new()),
        (hrr_c, hrr_s),
    ] {
        let mut full = TlsFacts::default();
        let mut part = TlsFacts::default();
        for (facts, extract) in [(&mut full, Extract::default()), (&mut part, lite)] {
            TlsStream::with_extract(C2S, extract).feed(&client, 1, facts);
            TlsStream::with_extract(S2C, extract).feed(&server, 2, facts);
        }
        assert_eq!(full.errors, part.errors);
        for (f, p) in full.client_hellos().zip(part.client_hellos()) {
            assert!(!p.ja4.is_empty());
            assert_eq!(
                (&f.sni, &f.supported_versions, &f.cipher_suites, &f.ja4),
                (&p.sni, &p.supported_versions, &p.cipher_suites, &p.ja4)
            );
            assert!(p.ja3.is_empty() && p.ja3_hash.is_empty() && p.ja4_r.is_empty());
            assert!(p.alpn.is_empty() && p.supported_groups.is_empty());
            assert!(p.extensions.is_empty() && p.signature_algorithms.is_empty());
            assert!(p.key_share_groups.is_empty() && p.ec_point_formats.is_empty());
        }
        assert_eq!(full.client_hellos().count(), part.client_hellos().count());
        for (f, p) in full.server_hellos().zip(part.server_hellos()) {
            assert_eq!(
                (f.negotiated_version, f.cipher_suite, f.frame),
                (p.negotiated_version, p.cipher_suite, p.frame)
            );
            assert!(p.extensions.is_empty() && p.alpn.is_none());
        }
        assert_eq!(full.server_hellos().count(), part.server_hellos().count());
    }
}

/// JA4 computed from the message's bytes (a hello parsed without the details keeps neither
/// its extension types nor its signature algorithms) equals JA4 of the hello's own lists,
/// for well-formed hellos, duplicated and malformed extensions, a non-UTF-8 ALPN entry, and
/// thousands of random mutations.
#[test]
fn ja4_from_the_message_equals_ja4_from_the_parsed_lists() {
    let lite = Extract {
        hello_details: false,
    };
    let odd = client_hello(
        0x0303,
        &[0x2a2a, 0x1301, 0x1302],
        &[
            ext(16, &[0, 4, 3, 0xff, b'h', 0xfe]),
            ext(16, &[0, 3, 2, b'h', b'2']),
            ext(13, &list16(&[0x0403])),
            ext(13, &[0, 9]),
            client_supported_versions(&[0x3a3a, 0x0304]),
            ext(43, &[3]),
            ext(10, &list16(&[29])),
        ],
    );
    let non_utf8 = client_hello(0x0303, &[0x1301], &[ext(16, &[0, 4, 3, 0xff, b'h', 0xfe])]);
    let mut hellos = vec![
        record(22, 0x0301, &tls12_client_hello()),
        CH13.to_vec(),
        record(22, 0x0301, &odd),
        record(22, 0x0301, &non_utf8),
    ];
    let mut seed = 0x9e3779b97f4a7c15u64;
    for i in 0..2_000 {
        let mut bytes = hellos[i % 3].clone();
        for _ in 0..(xorshift(&mut seed) % 4 + 1) {
            // Past the record and handshake headers, so most variants still parse.
            let at = 9 + (xorshift(&mut seed) as usize) % (bytes.len() - 9);
            bytes[at] = xorshift(&mut seed) as u8;
        }
        hellos.push(bytes);
    }
    let mut compared = 0;
    for bytes in &hellos {
        let (mut full, mut part) = (TlsFacts::default(), TlsFacts::default());
        TlsStream::with_extract(C2S, Extract::default()).feed(bytes, 1, &mut full);
        TlsStream::with_extract(C2S, lite).feed(bytes, 1, &mut part);
        let (Some(f), Some(p)) = (&full.client_hello, &part.client_hello) else {
            assert_eq!(full.client_hello.is_some(), part.client_hello.is_some());
            continue;
        };
        assert_eq!(p.ja4, f.ja4, "{bytes:02x?}");
        assert_eq!(p.ja4, ja4(f, Ja4Transport::Tcp), "{bytes:02x?}");
        compared += 1;
    }
    assert!(compared > 1_000, "only {compared} hellos parsed");
    let mut facts = TlsFacts::default();
    run(C2S, &record(22, 0x0301, &non_utf8), &mut facts);
    let ch = facts.client_hello.expect("hello");
    // The first ALPN entry's bytes as sent: 0xff ... 0xfe gives "fe".
    assert!(ch.ja4.starts_with("t12i0101fe_"), "{}", ch.ja4);
}
