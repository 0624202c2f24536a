//! Byte fixtures for the DNS parser: well-formed queries and responses, every malformation the
//! parser must refuse, and every truncation point of a valid response.

use super::*;

const QR: u16 = 0x8000;
const RD: u16 = 0x0100;
const RA: u16 = 0x0080;
const AA: u16 = 0x0400;

fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    for count in counts {
        out.extend_from_slice(&count.to_be_bytes());
    }
    out
}

/// Uncompressed wire form of a dotted name ("." is the root).
fn name(dotted: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in dotted.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn ptr(offset: u16) -> Vec<u8> {
    (0xC000 | offset).to_be_bytes().to_vec()
}

fn question(name_bytes: &[u8], qtype: u16) -> Vec<u8> {
    let mut out = name_bytes.to_vec();
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out
}

fn rr(name_bytes: &[u8], rtype: u16, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    let mut out = name_bytes.to_vec();
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
    out
}

/// A response for gbl.his.arc.azure.com: CNAME -> CNAME -> A, all names compressed.
/// Layout: question name at 12; the first CNAME target's name starts at a known offset.
fn cname_chain_response() -> Vec<u8> {
    let mut msg = header(0x1234, QR | RD | RA, [1, 3, 0, 0]);
    msg.extend(question(&name("gbl.his.arc.azure.com"), rtype::A));
    // answer 1: gbl.his.arc.azure.com CNAME his-prod.trafficmanager.net
    let mut target1 = vec![8];
    target1.extend_from_slice(b"his-prod");
    target1.push(14);
    target1.extend_from_slice(b"trafficmanager");
    target1.push(3);
    target1.extend_from_slice(b"net");
    target1.push(0);
    msg.extend(rr(&ptr(12), rtype::CNAME, 60, &target1));
    let target1_offset = (msg.len() - target1.len()) as u16;
    // answer 2: his-prod.trafficmanager.net CNAME eastus.cloudapp.azure.com
    // ("azure.com" compressed to the question's suffix at 12 + 4 + 4 + 4 = 24)
    let mut target2 = vec![6];
    target2.extend_from_slice(b"eastus");
    target2.push(8);
    target2.extend_from_slice(b"cloudapp");
    target2.extend(ptr(24));
    msg.extend(rr(&ptr(target1_offset), rtype::CNAME, 30, &target2));
    let target2_offset = (msg.len() - target2.len()) as u16;
    // answer 3: eastus.cloudapp.azure.com A 20.42.73.1
    msg.extend(rr(&ptr(target2_offset), rtype::A, 10, &[20, 42, 73, 1]));
    msg
}

#[test]
fn query_for_a_record() {
    let mut msg = header(0xBEEF, RD, [1, 0, 0, 0]);
    msg.extend(question(&name("management.azure.com"), rtype::A));
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.id, 0xBEEF);
    assert!(!m.is_response);
    assert!(m.recursion_desired);
    assert!(!m.recursion_available);
    assert_eq!(m.opcode, 0);
    assert_eq!(m.rcode, Rcode::NoError);
    assert_eq!(
        m.questions,
        vec![Question {
            name: "management.azure.com".into(),
            qtype: rtype::A,
            qclass: 1
        }]
    );
    assert!(m.answers.is_empty());
    assert_eq!(m.truncated_at, None);
    assert_eq!(m.error, None);
}

#[test]
fn header_flags_and_opcode() {
    // QR, opcode 2 (STATUS), AA, TC, RD, RA, rcode 5
    let flags = QR | (2 << 11) | AA | 0x0200 | RD | RA | 5;
    let m = parse_message(&header(1, flags, [0; 4])).unwrap();
    assert!(m.is_response && m.authoritative && m.truncated);
    assert!(m.recursion_desired && m.recursion_available);
    assert_eq!(m.opcode, 2);
    assert_eq!(m.rcode, Rcode::Refused);
}

#[test]
fn cname_chain_with_compression() {
    let m = parse_message(&cname_chain_response()).unwrap();
    assert_eq!(m.error, None);
    assert_eq!(m.answers.len(), 3);
    assert_eq!(m.answers[0].name, "gbl.his.arc.azure.com");
    assert_eq!(
        m.answers[0].data,
        RecordData::Cname("his-prod.trafficmanager.net".into())
    );
    assert_eq!(m.answers[0].ttl, 60);
    assert_eq!(m.answers[1].name, "his-prod.trafficmanager.net");
    assert_eq!(
        m.answers[1].data,
        RecordData::Cname("eastus.cloudapp.azure.com".into())
    );
    assert_eq!(m.answers[2].name, "eastus.cloudapp.azure.com");
    assert_eq!(m.answers[2].rtype, rtype::A);
    assert_eq!(
        m.answers[2].data,
        RecordData::A(Ipv4Addr::new(20, 42, 73, 1))
    );
}

#[test]
fn aaaa_answer() {
    let mut msg = header(7, QR | RD | RA, [1, 1, 0, 0]);
    msg.extend(question(&name("enabled.tls13.com"), rtype::AAAA));
    let addr: Ipv6Addr = "2606:4700::6810:7d22".parse().unwrap();
    msg.extend(rr(&ptr(12), rtype::AAAA, 188, &addr.octets()));
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.answers[0].name, "enabled.tls13.com");
    assert_eq!(m.answers[0].data, RecordData::Aaaa(addr));
}

#[test]
fn error_rcodes_with_soa_in_authority() {
    for (code, rcode, label) in [
        (3, Rcode::NXDomain, "NXDomain"),
        (2, Rcode::ServFail, "ServFail"),
        (5, Rcode::Refused, "Refused"),
    ] {
        let mut msg = header(9, QR | RD | RA | code, [1, 0, 1, 0]);
        msg.extend(question(
            &name("nope.guestconfiguration.azure.com"),
            rtype::A,
        ));
        msg.extend(rr(&ptr(12 + 5 + 19), rtype::SOA, 3600, &[0u8; 22]));
        let m = parse_message(&msg).unwrap();
        assert_eq!(m.rcode, rcode);
        assert_eq!(m.rcode.code(), code);
        assert_eq!(m.rcode.name(), label);
        assert_eq!(m.authority.len(), 1);
        assert_eq!(m.authority[0].name, "azure.com");
        assert_eq!(m.authority[0].rtype, rtype::SOA);
        assert_eq!(m.authority[0].data, RecordData::Other { len: 22 });
        assert_eq!(
            serde_json::to_value(m.rcode).unwrap(),
            serde_json::json!(label)
        );
    }
}

#[test]
fn edns_extended_rcode_from_opt() {
    let mut msg = header(1, QR, [0, 0, 0, 1]);
    // OPT: root name, class = UDP size 1232, TTL top byte = extended rcode upper bits (1).
    let mut opt = vec![0u8];
    opt.extend_from_slice(&41u16.to_be_bytes());
    opt.extend_from_slice(&1232u16.to_be_bytes());
    opt.extend_from_slice(&0x0100_0000u32.to_be_bytes());
    opt.extend_from_slice(&0u16.to_be_bytes());
    msg.extend(opt);
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.additional[0].name, ".");
    assert_eq!(m.additional[0].class, 1232);
    assert_eq!(m.rcode, Rcode::BadVers);
    assert_eq!(Rcode::from_u16(4000), Rcode::Unknown(4000));
    assert_eq!(Rcode::Unknown(4000).name(), "RCODE4000");
}

#[test]
fn root_name_question() {
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.extend(question(&[0], 2));
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.questions[0].name, ".");
    assert_eq!(m.questions[0].qtype, rtype::NS);
}

#[test]
fn case_is_kept_and_hostile_bytes_are_escaped() {
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    let mut n = vec![9];
    n.extend_from_slice(b"Ab\x00 .\\\x7f\xff\x1b");
    n.extend(name("Azure.COM"));
    msg.extend(question(&n, 1));
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.questions[0].name, r"Ab\000\032\.\\\127\255\027.Azure.COM");
    assert!(!m.questions[0].name.chars().any(|c| c.is_control()));
}

#[test]
fn pointer_to_itself_is_a_loop() {
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.extend(ptr(12));
    msg.extend_from_slice(&[0, 1, 0, 1]);
    assert_eq!(
        parse_message(&msg).unwrap_err(),
        DnsError::PointerLoop {
            offset: 12,
            target: 12
        }
    );
}

#[test]
fn pointer_loop_a_b_a() {
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.extend(ptr(14)); // at 12 -> 14
    msg.extend(ptr(12)); // at 14 -> 12
    msg.extend_from_slice(&[0, 1, 0, 1]);
    let err = parse_message(&msg).unwrap_err();
    assert!(matches!(err, DnsError::PointerLoop { .. }), "{err:?}");
}

#[test]
fn loop_through_labels_is_caught() {
    // "a" then a pointer back to the label: a.a.a.a... would grow forever without loop checks.
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.extend_from_slice(&[1, b'a']);
    msg.extend(ptr(12));
    msg.extend_from_slice(&[0, 1, 0, 1]);
    let err = parse_message(&msg).unwrap_err();
    assert_eq!(
        err,
        DnsError::PointerLoop {
            offset: 14,
            target: 12
        }
    );
}

#[test]
fn long_pointer_chain_is_refused() {
    // A root label at 12, then 200 pointers each pointing to the one before: no loop, but more
    // hops than any legal name needs.
    let mut msg = header(1, 0, [0; 4]);
    msg.push(0);
    let mut prev = 12u16;
    for _ in 0..200 {
        let here = msg.len() as u16;
        msg.extend(ptr(prev));
        prev = here;
    }
    let last = usize::from(prev);
    assert_eq!(
        read_name(&msg, last).unwrap_err(),
        DnsError::TooManyPointers { offset: last }
    );
    // Starting 100 pointers from the root is within the bound.
    assert_eq!(
        read_name(&msg, 13 + 2 * 99).unwrap(),
        (".".into(), 13 + 2 * 100)
    );
}

#[test]
fn pointer_beyond_the_end() {
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.extend(ptr(0x3FFF));
    msg.extend_from_slice(&[0, 1, 0, 1]);
    assert_eq!(
        parse_message(&msg).unwrap_err(),
        DnsError::PointerOutOfBounds {
            offset: 12,
            target: 0x3FFF,
            len: 18
        }
    );
    // Forward but inside the message is tolerated (points at the root label at the end).
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.extend(ptr(18));
    msg.extend_from_slice(&[0, 1, 0, 1, 0]);
    assert_eq!(parse_message(&msg).unwrap().questions[0].name, ".");
}

#[test]
fn labels_longer_than_63_are_refused() {
    for (byte, bits) in [(0x40u8, 0x40u8), (0x7F, 0x40), (0x80, 0x80), (0xBF, 0x80)] {
        let mut msg = header(1, 0, [1, 0, 0, 0]);
        msg.push(byte);
        msg.extend_from_slice(&[b'x'; 70]);
        msg.extend_from_slice(&[0, 0, 1, 0, 1]);
        assert_eq!(
            parse_message(&msg).unwrap_err(),
            DnsError::BadLabelType { offset: 12, bits }
        );
    }
}

#[test]
fn names_longer_than_255_are_refused() {
    let label = "x".repeat(63);
    // 4 x 64 + 1 = 257 bytes
    let long = [label.as_str(); 4].join(".");
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.extend(question(&name(&long), rtype::A));
    assert_eq!(
        parse_message(&msg).unwrap_err(),
        DnsError::NameTooLong { offset: 12 }
    );
    // 3 x 64 + 62 + 1 = 255 bytes: the longest legal name.
    let longest = format!("{label}.{label}.{label}.{}", "y".repeat(61));
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    let wire = name(&longest);
    assert_eq!(wire.len(), 255);
    msg.extend(question(&wire, 1));
    assert_eq!(parse_message(&msg).unwrap().questions[0].name, longest);
}

#[test]
fn lone_pointer_byte_at_the_end() {
    let mut msg = header(1, 0, [1, 0, 0, 0]);
    msg.push(0xC0);
    assert_eq!(
        parse_message(&msg).unwrap_err(),
        DnsError::Truncated {
            what: "compression pointer",
            offset: 12,
            needed: 2,
            len: 13
        }
    );
}

#[test]
fn empty_and_short_messages() {
    assert_eq!(
        parse_message(&[]).unwrap_err(),
        DnsError::Truncated {
            what: "header",
            offset: 0,
            needed: 12,
            len: 0
        }
    );
    assert_eq!(parse_message(&[0; 11]).unwrap_err().offset(), 0);
    // A header promising 65,535 questions in 12 bytes fails fast at the first one.
    let msg = header(1, 0, [u16::MAX; 4]);
    assert_eq!(parse_message(&msg).unwrap_err().offset(), 12);
}

#[test]
fn every_prefix_of_a_valid_response() {
    let full = cname_chain_response();
    let question_end = 12 + name("gbl.his.arc.azure.com").len() + 4;
    for len in 0..full.len() {
        let prefix = &full[..len];
        match parse_message(prefix) {
            Err(err) => {
                assert!(len < question_end, "prefix {len} failed: {err}");
                assert!(err.offset() <= len, "prefix {len}: offset {err:?}");
            }
            Ok(m) => {
                assert!(len >= question_end, "prefix {len} parsed");
                assert_eq!(m.questions.len(), 1);
                let at = m.truncated_at.expect("a cut message says where");
                assert!(at <= len, "prefix {len}: truncated_at {at}");
                assert!(matches!(m.error, Some(DnsError::Truncated { .. })));
                assert!(m.answers.len() < 3);
            }
        }
    }
    assert_eq!(parse_message(&full).unwrap().truncated_at, None);
}

#[test]
fn cut_answers_keep_what_was_read() {
    let full = cname_chain_response();
    let cut = &full[..full.len() - 2];
    let m = parse_message(cut).unwrap();
    assert_eq!(m.answers.len(), 2);
    let third_rdata = full.len() - 4;
    assert_eq!(m.truncated_at, Some(third_rdata));
    assert_eq!(
        m.error,
        Some(DnsError::Truncated {
            what: "RDATA",
            offset: third_rdata,
            needed: 4,
            len: cut.len()
        })
    );
}

#[test]
fn bad_rdata_lengths_stop_the_sections() {
    let mut msg = header(1, QR, [0, 2, 0, 0]);
    msg.extend(rr(&name("a.example"), rtype::A, 1, &[1, 2, 3, 4]));
    let second = msg.len();
    msg.extend(rr(&name("b.example"), rtype::A, 1, &[1, 2, 3, 4, 5]));
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.answers.len(), 1);
    assert_eq!(
        m.error,
        Some(DnsError::BadRdataLength {
            offset: second,
            rtype: rtype::A,
            len: 5,
            expected: 4
        })
    );
    assert_eq!(m.truncated_at, Some(second));

    let mut msg = header(1, QR, [0, 1, 0, 0]);
    msg.extend(rr(&name("c.example"), rtype::AAAA, 1, &[0; 4]));
    assert!(matches!(
        parse_message(&msg).unwrap().error,
        Some(DnsError::BadRdataLength { expected: 16, .. })
    ));
}

#[test]
fn cname_running_past_rdata_is_refused() {
    let mut msg = header(1, QR, [0, 1, 0, 0]);
    // RDLENGTH 3 but the name inside is 5 bytes ("\x03abc\x00"), followed by filler.
    let mut record = rr(&name("x"), rtype::CNAME, 1, &[3, b'a', b'b']);
    record.extend_from_slice(&[b'c', 0]);
    msg.extend(record);
    assert!(matches!(
        parse_message(&msg).unwrap().error,
        Some(DnsError::RdataOverrun {
            rtype: rtype::CNAME,
            len: 3,
            ..
        })
    ));
}

#[test]
fn sections_beyond_the_cap_are_walked_and_counted() {
    let total = MAX_RECORDS_PER_SECTION + 44;
    let mut msg = header(1, QR, [1, total as u16, 0, 1]);
    msg.extend(question(&name("many.example"), rtype::A));
    for i in 0..total {
        msg.extend(rr(&ptr(12), rtype::A, 1, &[10, 0, (i >> 8) as u8, i as u8]));
    }
    msg.extend(rr(&name("after.example"), rtype::TXT, 5, b"\x02hi"));
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.answers.len(), MAX_RECORDS_PER_SECTION);
    assert_eq!(m.records_dropped, 44);
    assert_eq!(m.additional.len(), 1);
    assert_eq!(m.additional[0].name, "after.example");
    assert_eq!(m.truncated_at, None);
}

#[test]
fn mutated_responses_never_panic() {
    // Deterministic xorshift so a failure reproduces.
    let base = cname_chain_response();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut parsed = 0;
    for _ in 0..20_000 {
        let mut msg = base.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % msg.len();
            msg[at] = next() as u8;
        }
        let len = (next() as usize) % (msg.len() + 1);
        if let Ok(m) = parse_message(&msg[..len]) {
            parsed += 1;
            for rr in m.answers.iter().chain(&m.authority).chain(&m.additional) {
                assert!(!rr.name.chars().any(|c| c.is_control()));
            }
        }
    }
    assert!(parsed > 0);
}

#[test]
fn type_names() {
    assert_eq!(type_name(1), "A");
    assert_eq!(type_name(28), "AAAA");
    assert_eq!(type_name(5), "CNAME");
    assert_eq!(type_name(64), "SVCB");
    assert_eq!(type_name(65), "HTTPS");
    assert_eq!(type_name(65280), "TYPE65280");
}

#[test]
fn error_messages_carry_offsets() {
    let err = DnsError::BadRdataLength {
        offset: 40,
        rtype: rtype::AAAA,
        len: 4,
        expected: 16,
    };
    assert_eq!(
        err.to_string(),
        "AAAA record at byte 40 has RDLENGTH 4, expected 16"
    );
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["kind"], "bad_rdata_length");
}

fn framed(msg: &[u8]) -> Vec<u8> {
    let mut out = (msg.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(msg);
    out
}

#[test]
fn tcp_two_messages_in_one_feed() {
    let a = cname_chain_response();
    let mut b = header(2, RD, [1, 0, 0, 0]);
    b.extend(question(&name("login.microsoftonline.com"), rtype::AAAA));
    let mut bytes = framed(&a);
    bytes.extend(framed(&b));
    let mut stream = DnsTcpStream::new();
    let mut out = Vec::new();
    stream.feed(&bytes, &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].as_ref().unwrap().answers.len(), 3);
    assert_eq!(
        out[1].as_ref().unwrap().questions[0].name,
        "login.microsoftonline.com"
    );
    assert!(stream.wants_more());
}

#[test]
fn tcp_split_at_every_byte() {
    let a = cname_chain_response();
    let mut bytes = framed(&a);
    bytes.extend(framed(&[])); // zero-length frame: an error, framing goes on
    bytes.extend(framed(&a));
    let expected = parse_message(&a).unwrap();
    for split in 0..=bytes.len() {
        let mut stream = DnsTcpStream::new();
        let mut out = Vec::new();
        stream.feed(&bytes[..split], &mut out);
        stream.feed(&bytes[split..], &mut out);
        assert_eq!(out.len(), 3, "split {split}");
        assert_eq!(out[0].as_ref().unwrap(), &expected);
        assert_eq!(out[1].as_ref().unwrap_err().offset(), 0);
        assert_eq!(out[2].as_ref().unwrap(), &expected);
    }
    // Byte by byte.
    let mut stream = DnsTcpStream::new();
    let mut out = Vec::new();
    for byte in &bytes {
        stream.feed(std::slice::from_ref(byte), &mut out);
    }
    assert_eq!(out.len(), 3);
}

#[test]
fn tcp_incomplete_frame_yields_nothing() {
    let a = cname_chain_response();
    let bytes = framed(&a);
    let mut stream = DnsTcpStream::new();
    let mut out = Vec::new();
    stream.feed(&bytes[..bytes.len() - 1], &mut out);
    assert!(out.is_empty());
    assert!(stream.wants_more());
}

#[test]
fn tcp_stops_after_the_message_cap() {
    let one = framed(&header(1, 0, [0; 4]));
    let bytes: Vec<u8> = one.repeat(MAX_TCP_MESSAGES + 10);
    let mut stream = DnsTcpStream::new();
    let mut out = Vec::new();
    stream.feed(&bytes, &mut out);
    assert_eq!(out.len(), MAX_TCP_MESSAGES);
    assert!(!stream.wants_more());
}

#[test]
fn empty_rdata_is_other_for_any_type() {
    // DNS UPDATE (opcode 5) deletes a CNAME RRset with class ANY and RDLENGTH 0.
    let mut msg = header(1, 5 << 11, [0, 0, 1, 0]);
    msg.extend(rr(&name("www.example.com"), rtype::CNAME, 0, &[]));
    msg.extend(rr(&name("www.example.com"), rtype::A, 0, &[]));
    msg[8..10].copy_from_slice(&2u16.to_be_bytes());
    let m = parse_message(&msg).unwrap();
    assert_eq!(m.opcode, 5);
    assert_eq!(m.error, None);
    assert_eq!(m.authority.len(), 2);
    assert!(
        m.authority
            .iter()
            .all(|rr| rr.data == RecordData::Other { len: 0 })
    );
}
