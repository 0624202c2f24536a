//! Hostile inputs built in memory, each through the public API of the stage it attacks:
//! lying length fields, floods, absurd nesting, loops and zero-length everything. Every test
//! asserts that nothing panics, that memory stays within the documented bound (by checking
//! the sizes the API exposes), and that errors are clear (they name the input and the byte
//! offset). Complements the cargo-fuzz targets in fuzz/ (see docs/fuzzing.md): fuzzing finds
//! shapes nobody thought of; these pin the shapes somebody did, and run in `cargo test`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use arcaudit::capture::{self, CaptureError, Input, MIN_RECORD_LIMIT};
use arcaudit::decode::{DecodeLimits, Decoder, Packet, TcpFlags, TcpSegment, Transport};
use arcaudit::dns::{self, DnsError, DnsTcpStream};
use arcaudit::flow::{Direction, Dissector, FlowConfig, FlowTable};
use arcaudit::http::{HttpFacts, HttpStream};
use arcaudit::pipeline::{self, PipelineConfig};
use arcaudit::tls::{self, MAX_CERTIFICATES_PARSED, TlsFacts, TlsStream};

const NAME: &str = "hostile.pcap";

/// Reads bytes as a capture named [`NAME`]; returns the frames (number, offset, length) and
/// the outcome.
fn read(bytes: &[u8]) -> (Vec<(u64, u64, usize)>, capture::ReadOutcome) {
    let mut frames = Vec::new();
    let o = capture::read_from(&Input::Path(NAME.into()), bytes, |f| {
        frames.push((f.number, f.offset, f.data.len()));
    });
    (frames, o)
}

fn error_of(o: &capture::ReadOutcome) -> &CaptureError {
    o.error.as_ref().expect("the reader should report an error")
}

/// A clear error names the input and the byte offset of the damage.
fn assert_clear(e: &CaptureError, offset: u64) {
    let msg = e.to_string();
    assert_eq!(e.input(), NAME, "{msg}");
    assert_eq!(e.offset(), offset, "{msg}");
    assert!(
        msg.starts_with(NAME),
        "error does not name the input: {msg}"
    );
    assert!(
        msg.contains(&format!("byte {offset}")),
        "error does not name the offset: {msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// Byte builders.

/// Little-endian microsecond pcap.
struct Pcap(Vec<u8>);

impl Pcap {
    fn new(linktype: u32) -> Pcap {
        let mut b = Vec::new();
        b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&65535u32.to_le_bytes());
        b.extend_from_slice(&linktype.to_le_bytes());
        Pcap(b)
    }

    fn raw_record(&mut self, secs: u32, usecs: u32, caplen: u32, orig: u32, data: &[u8]) -> u64 {
        let at = self.0.len() as u64;
        for v in [secs, usecs, caplen, orig] {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
        self.0.extend_from_slice(data);
        at
    }

    fn record(&mut self, secs: u32, usecs: u32, data: &[u8]) -> u64 {
        let n = data.len() as u32;
        self.raw_record(secs, usecs, n, n, data)
    }
}

/// Little-endian pcapng.
struct Ng(Vec<u8>);

impl Ng {
    fn new() -> Ng {
        let mut ng = Ng(Vec::new());
        let mut body = Vec::new();
        body.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&(-1i64).to_le_bytes());
        ng.block(0x0a0d_0d0a, &body);
        ng
    }

    /// A block with honest lengths; returns its offset.
    fn block(&mut self, block_type: u32, body: &[u8]) -> u64 {
        let len = (12 + body.len()) as u32;
        self.lying_block(block_type, len, body, len)
    }

    fn lying_block(&mut self, block_type: u32, len: u32, body: &[u8], trailer: u32) -> u64 {
        let at = self.0.len() as u64;
        self.0.extend_from_slice(&block_type.to_le_bytes());
        self.0.extend_from_slice(&len.to_le_bytes());
        self.0.extend_from_slice(body);
        self.0.extend_from_slice(&trailer.to_le_bytes());
        at
    }

    fn idb(&mut self, linktype: u16) -> u64 {
        let mut body = Vec::new();
        body.extend_from_slice(&linktype.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        self.block(1, &body)
    }

    fn epb_body(if_id: u32, data: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&if_id.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&1_000_000u32.to_le_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        body
    }

    fn epb(&mut self, if_id: u32, data: &[u8]) -> u64 {
        self.block(6, &Self::epb_body(if_id, data))
    }
}

/// An Ethernet/IPv4/TCP frame.
/// Ethernet and IPv4 headers (with a valid header checksum) for `len` bytes of protocol
/// `proto`.
fn eth_ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], len: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (20 + len) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let sum = ip
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum::<u32>();
    let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    f
}

fn tcp_frame(
    (src, sport): ([u8; 4], u16),
    (dst, dport): ([u8; 4], u16),
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = eth_ipv4(6, src, dst, 20 + payload.len());
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&ack.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

// ---------------------------------------------------------------------------------------------
// Capture framing.

#[test]
fn pcap_record_caplen_0xffffffff_is_refused_after_earlier_frames() {
    let mut p = Pcap::new(1);
    p.record(1, 0, b"first frame");
    p.record(2, 0, b"second");
    let bad = p.raw_record(3, 0, u32::MAX, u32::MAX, b"only a few bytes follow");
    let (frames, o) = read(&p.0);
    assert_eq!(frames.len(), 2, "frames before the damage are delivered");
    assert_eq!(o.summary.frames, 2);
    let e = error_of(&o);
    assert!(
        matches!(
            e,
            CaptureError::TooLarge {
                length: 0xffff_ffff,
                ..
            }
        ),
        "{e}"
    );
    assert_clear(e, bad);
    // The bound it was refused against is the documented one, not the lie.
    assert!(e.to_string().contains(&MIN_RECORD_LIMIT.to_string()), "{e}");
}

#[test]
fn pcapng_block_lengths_that_lie() {
    // (total length written in the block, why it is wrong)
    let cases: [(u32, &str); 4] = [
        (8, "smaller than a block's own header and trailer"),
        (4, "smaller still"),
        (30, "not a multiple of 4"),
        (0x7fff_fff0, "bigger than the file (and than any bound)"),
    ];
    for (len, why) in cases {
        let mut ng = Ng::new();
        ng.idb(1);
        ng.epb(0, b"good frame before the damage");
        let bad = ng.lying_block(6, len, &Ng::epb_body(0, b"victim"), len);
        ng.epb(0, b"never reached");
        let (frames, o) = read(&ng.0);
        assert_eq!(
            frames.len(),
            1,
            "{why}: earlier frame delivered, nothing after"
        );
        let e = error_of(&o);
        assert_clear(e, bad);
        assert!(
            matches!(
                e,
                CaptureError::BadBlockLength { .. }
                    | CaptureError::TooLarge { .. }
                    | CaptureError::Truncated { .. }
            ),
            "{why}: {e}"
        );
    }
    // Bigger than the file but within the bound: the stream ends inside the block.
    let mut ng = Ng::new();
    ng.idb(1);
    ng.epb(0, b"good");
    let bad = ng.0.len() as u64;
    ng.0.extend_from_slice(&6u32.to_le_bytes());
    ng.0.extend_from_slice(&4096u32.to_le_bytes());
    ng.0.extend_from_slice(&[0; 40]);
    let (frames, o) = read(&ng.0);
    assert_eq!(frames.len(), 1);
    let e = error_of(&o);
    assert!(matches!(e, CaptureError::Truncated { .. }), "{e}");
    assert_clear(e, bad);
}

#[test]
fn pcapng_trailer_length_disagreeing_with_header_is_fatal() {
    let mut ng = Ng::new();
    ng.idb(1);
    ng.epb(0, b"good");
    let body = Ng::epb_body(0, b"frame");
    let len = (12 + body.len()) as u32;
    let bad = ng.lying_block(6, len, &body, len + 4);
    ng.epb(0, b"after");
    let (frames, o) = read(&ng.0);
    // The next block cannot be trusted to start where the header says: stop there.
    assert_eq!(frames.len(), 1);
    let e = error_of(&o);
    assert!(matches!(e, CaptureError::BadBlockLength { .. }), "{e}");
    assert_clear(e, bad);
}

#[test]
fn pcapng_epb_naming_a_missing_interface_is_skipped_and_counted() {
    let mut ng = Ng::new();
    ng.idb(1);
    ng.epb(0, b"before");
    let ghost = ng.epb(7, b"interface 7 was never described");
    ng.epb(u32::MAX, b"nor was this one");
    ng.epb(0, b"after");
    let (frames, o) = read(&ng.0);
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(
        frames.len(),
        2,
        "the good frames on both sides are delivered"
    );
    assert_eq!(o.summary.skipped_blocks, 2);
    assert_eq!(o.summary.skipped.first().map(|s| s.offset), Some(ghost));
    assert!(!o.summary.skipped[0].reason.is_empty());
}

#[test]
fn zero_length_files_records_and_blocks() {
    // An empty input.
    let (_, o) = read(&[]);
    let e = error_of(&o);
    assert!(matches!(e, CaptureError::Empty { .. }), "{e}");
    assert_clear(e, 0);

    // A pcap record of caplen 0 is a frame with no bytes; the decoder skips it by name.
    let mut p = Pcap::new(1);
    p.record(1, 0, b"");
    p.record(1, 1, b"");
    let (frames, o) = read(&p.0);
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(frames.iter().map(|f| f.2).collect::<Vec<_>>(), [0, 0]);
    let mut d = Decoder::new(DecodeLimits::default());
    assert!(d.decode(1, &[], 0).is_none());
    assert_eq!(d.stats().skipped.get("empty-frame"), Some(&1));

    // A pcapng EPB of caplen 0, and a block whose total length is 0.
    let mut ng = Ng::new();
    ng.idb(1);
    ng.epb(0, b"");
    let zero = ng.lying_block(6, 0, &[], 0);
    let (frames, o) = read(&ng.0);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].2, 0);
    let e = error_of(&o);
    assert!(matches!(e, CaptureError::BadBlockLength { .. }), "{e}");
    assert_clear(e, zero);

    // Zero-length input to every stream parser.
    let mut facts = TlsFacts::default();
    TlsStream::new(tls::Direction::ClientToServer).feed(&[], 1, &mut facts);
    assert!(facts.client_hello.is_none() && facts.errors.is_empty());
    let mut http = HttpFacts::default();
    HttpStream::new(true).feed(&[], 1, &mut http);
    assert!(http.requests.is_empty() && http.errors.is_empty());
    assert!(matches!(
        dns::parse_message(&[]),
        Err(DnsError::Truncated { offset: 0, .. })
    ));
    // A DNS-over-TCP frame of length 0 is an error for the header, and the stream goes on.
    let mut out = Vec::new();
    let mut s = DnsTcpStream::new();
    s.feed(&[0, 0, 0, 0], &mut out);
    assert_eq!(out.len(), 2);
    assert!(
        out.iter()
            .all(|r| matches!(r, Err(DnsError::Truncated { .. })))
    );
}

// ---------------------------------------------------------------------------------------------
// Flow table.

/// A dissector that keeps nothing: the flood test measures the table, not the parsers.
#[derive(Default)]
struct Nothing;

impl Dissector for Nothing {
    type Output = ();
    fn stream(&mut self, _: Direction, _: &[u8], _: u64, _: i64) {}
    fn wants_stream(&self, _: Direction) -> bool {
        false
    }
    fn datagram(&mut self, _: Direction, _: &[u8], _: u64, _: i64) {}
    fn finish(self) {}
}

#[test]
fn syn_flood_of_a_million_flows_stays_within_max_flows() {
    const FLOWS: u32 = 1_000_000;
    const MAX: usize = 10_000;
    let mut table = FlowTable::<Nothing>::new(FlowConfig {
        max_flows: MAX,
        ..FlowConfig::default()
    });
    let mut emitted = 0u64;
    let mut peak = 0usize;
    for i in 0..FLOWS {
        // Distinct source address and port for each SYN, all to one server.
        let pkt = Packet {
            src: IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (i >> 4))),
            dst: IpAddr::V4(Ipv4Addr::new(52, 1, 2, 3)),
            ip_ttl: 64,
            transport: Transport::Tcp(TcpSegment {
                src_port: 1024 + (i & 0xf) as u16,
                dst_port: 443,
                seq: i,
                ack: 0,
                flags: TcpFlags(TcpFlags::SYN),
                window: 1024,
                payload: &[],
            }),
        };
        // 1 µs apart: nothing goes idle, so only eviction can keep the table bounded.
        table.packet(&pkt, u64::from(i) + 1, 1_000 * i64::from(i), &mut |_| {
            emitted += 1
        });
        peak = peak.max(table.len());
    }
    assert!(peak <= MAX, "table grew to {peak} flows");
    let stats = table.finish_all(&mut |_| emitted += 1);
    assert_eq!(stats.tcp_flows, u64::from(FLOWS));
    assert_eq!(
        emitted,
        u64::from(FLOWS),
        "every flow is emitted exactly once"
    );
    assert!(
        stats.evicted >= u64::from(FLOWS) - MAX as u64,
        "evictions counted: {stats:?}"
    );
    assert!(stats.peak_flows <= MAX as u64);
}

#[test]
fn timestamps_going_backwards_still_give_flows_with_non_negative_durations() {
    let c = [10, 0, 0, 1];
    let s = [52, 1, 2, 3];
    let mut p = Pcap::new(1);
    // A handshake and a close whose timestamps jump backwards (by hours, then to 0).
    p.record(
        10_000,
        0,
        &tcp_frame((c, 50000), (s, 443), 100, 0, 0x02, b""),
    );
    p.record(
        9_000,
        0,
        &tcp_frame((s, 443), (c, 50000), 700, 101, 0x12, b""),
    );
    p.record(0, 0, &tcp_frame((c, 50000), (s, 443), 101, 701, 0x10, b""));
    p.record(
        5_000,
        999_999,
        &tcp_frame((c, 50000), (s, 443), 101, 701, 0x11, b""),
    );
    p.record(1, 0, &tcp_frame((s, 443), (c, 50000), 701, 102, 0x11, b""));
    // A second flow that starts "before" the first one.
    p.record(0, 0, &tcp_frame((c, 50001), (s, 443), 5, 0, 0x02, b""));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backwards.pcap");
    std::fs::write(&path, &p.0).unwrap();
    let mut flows = Vec::new();
    let stats = pipeline::analyze(&Input::Path(path), &PipelineConfig::default(), &mut |f| {
        flows.push(f)
    });
    assert!(stats.error.is_none(), "{:?}", stats.error);
    assert_eq!(stats.decode.decoded, 6);
    assert_eq!(flows.len(), 2, "both flows are emitted");
    for f in &flows {
        assert!(f.last_ts_ns >= f.first_ts_ns, "negative duration: {f:?}");
    }
    let first = flows.iter().find(|f| f.client.port() == 50000).unwrap();
    assert_eq!(first.client, SocketAddr::new(IpAddr::V4(c.into()), 50000));
    assert_eq!(first.frames.syn, Some(1));
}

// ---------------------------------------------------------------------------------------------
// Decode.

#[test]
fn two_hundred_stacked_vlan_tags_are_skipped_by_name() {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
    for i in 0..200u16 {
        f.extend_from_slice(&0x8100u16.to_be_bytes());
        f.extend_from_slice(&(i & 0x0fff).to_be_bytes());
    }
    f.extend_from_slice(&0x0800u16.to_be_bytes());
    let ip = tcp_frame(([10, 0, 0, 1], 1), ([10, 0, 0, 2], 2), 0, 0, 0x02, b"");
    f.extend_from_slice(&ip[14..]);
    let mut d = Decoder::new(DecodeLimits::default());
    assert!(d.decode(1, &f, 0).is_none());
    assert_eq!(
        d.last_skip().map(|r| r.to_string()).as_deref(),
        Some("vlan-stack-too-deep")
    );
    // Truncated in the middle of the stack: a truncation, not a panic.
    assert!(d.decode(1, &f[..12 + 4 * 3 + 1], 0).is_none());
    assert_eq!(d.stats().frames, 2);
    assert_eq!(d.stats().decoded, 0);
}

// ---------------------------------------------------------------------------------------------
// TLS.

/// Wraps a handshake message into TLS 1.2 handshake records of at most 16 KiB.
fn records(hs_type: u8, body: &[u8]) -> Vec<u8> {
    let mut msg = vec![hs_type];
    msg.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend_from_slice(body);
    let mut out = Vec::new();
    for chunk in msg.chunks(16 * 1024) {
        out.extend_from_slice(&[0x16, 0x03, 0x03]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

fn client_hello_body(extensions: &[u8], declared_ext_len: u16) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    b.extend_from_slice(&[7; 32]);
    b.push(0);
    b.extend_from_slice(&[0, 2, 0x13, 0x01]);
    b.extend_from_slice(&[1, 0]);
    b.extend_from_slice(&declared_ext_len.to_be_bytes());
    b.extend_from_slice(extensions);
    b
}

fn feed_in_pieces(stream: &mut TlsStream, bytes: &[u8], facts: &mut TlsFacts) {
    // Odd piece sizes so record and message boundaries fall mid-piece.
    for (i, piece) in bytes.chunks(1447).enumerate() {
        stream.feed(piece, i as u64 + 1, facts);
    }
}

#[test]
fn client_hello_with_30000_extensions() {
    // 30,000 empty extensions are 120,000 bytes: more than the 16-bit extensions length can
    // say and more than the handshake bound. The declared length wraps (120,000 mod 65,536).
    let mut ext = Vec::new();
    for i in 0..30_000u32 {
        ext.extend_from_slice(&((i % 0xff00) as u16).to_be_bytes());
        ext.extend_from_slice(&[0, 0]);
    }
    let body = client_hello_body(&ext, (ext.len() % 65_536) as u16);
    let mut facts = TlsFacts::default();
    let mut s = TlsStream::new(tls::Direction::ClientToServer);
    feed_in_pieces(&mut s, &records(1, &body), &mut facts);
    // Too big to be held: refused with a reason, nothing parsed from a partial message.
    assert!(body.len() > tls::MAX_HANDSHAKE_MESSAGE);
    assert!(facts.client_hello.is_none());
    assert!(!facts.errors.is_empty(), "the refusal is reported");
    assert!(
        facts.errors.len() <= 16,
        "errors are bounded: {}",
        facts.errors.len()
    );

    // The most that fits a valid ClientHello (16,370 extensions within the 16-bit length and
    // the 64 KiB message bound): parsed, and what is kept stays proportional to the input.
    let n = (tls::MAX_HANDSHAKE_MESSAGE - 64) / 4;
    let ext = &ext[..n * 4];
    let body = client_hello_body(ext, ext.len() as u16);
    let mut facts = TlsFacts::default();
    let mut s = TlsStream::new(tls::Direction::ClientToServer);
    feed_in_pieces(&mut s, &records(1, &body), &mut facts);
    let ch = facts
        .client_hello
        .as_ref()
        .expect("a valid, if absurd, ClientHello");
    assert!(ch.extensions.len() <= n);
    assert!(!ch.ja3.is_empty() && !ch.ja4.is_empty());
}

#[test]
fn certificate_message_with_300_certificates() {
    // 300 entries of 150 bytes of non-DER: the count is exact, parsing stops at the bound.
    let mut list = Vec::new();
    for i in 0..300u32 {
        list.extend_from_slice(&150u32.to_be_bytes()[1..]);
        list.extend((0..150).map(|j| (i + j) as u8));
    }
    let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
    body.extend_from_slice(&list);
    let mut facts = TlsFacts::default();
    let mut s = TlsStream::new(tls::Direction::ServerToClient);
    // A ServerHello first, as a server would send.
    let mut sh = vec![0x03, 0x03];
    sh.extend_from_slice(&[9; 32]);
    sh.extend_from_slice(&[0, 0xc0, 0x2f, 0, 0, 0]);
    let mut bytes = records(2, &sh);
    bytes.extend_from_slice(&records(11, &body));
    feed_in_pieces(&mut s, &bytes, &mut facts);
    assert!(facts.server_hello.is_some());
    assert_eq!(facts.certificate_count, 300);
    assert_eq!(facts.certificates.len(), MAX_CERTIFICATES_PARSED);
    assert!(
        facts
            .certificates
            .iter()
            .all(|c| c.error.is_some() && c.der_len == 150)
    );
}

// ---------------------------------------------------------------------------------------------
// DNS.

fn dns_header(qd: u16, an: u16) -> Vec<u8> {
    let mut m = vec![0x12, 0x34, 0x81, 0x80];
    for c in [qd, an, 0, 0] {
        m.extend_from_slice(&c.to_be_bytes());
    }
    m
}

#[test]
fn dns_compression_loops_end_with_an_error() {
    // A pointer to itself.
    let mut m = dns_header(1, 0);
    m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    let e = dns::parse_message(&m).unwrap_err();
    assert!(
        matches!(
            e,
            DnsError::PointerLoop { .. } | DnsError::TooManyPointers { .. }
        ),
        "{e}"
    );

    // Two pointers pointing at each other, reached through a label.
    let mut m = dns_header(1, 0);
    m.extend_from_slice(&[3, b'w', b'w', b'w', 0xc0, 18, 0xc0, 16, 0, 1, 0, 1]);
    let e = dns::parse_message(&m).unwrap_err();
    assert!(
        matches!(
            e,
            DnsError::PointerLoop { .. } | DnsError::TooManyPointers { .. }
        ),
        "{e}"
    );

    // A forward pointer (not a loop by itself, but forward pointers are how loops are made).
    let mut m = dns_header(1, 0);
    m.extend_from_slice(&[0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
    assert!(dns::parse_message(&m).is_err());

    // A chain of 2,000 distinct pointers (no loop), each to the next, ending in a real
    // name: refused by the hop bound rather than followed 2,000 times.
    let mut m = dns_header(1, 0);
    for i in 0..2000u16 {
        m.extend_from_slice(&(0xc000 | (14 + 2 * i)).to_be_bytes());
    }
    m.extend_from_slice(&[1, b'a', 0, 0, 1, 0, 1]);
    let e = dns::parse_message(&m).unwrap_err();
    assert_eq!(e, DnsError::TooManyPointers { offset: 12 });
    assert!(
        e.to_string().contains(&dns::MAX_POINTER_HOPS.to_string()),
        "{e}"
    );

    // The same loop inside an answer's name: the questions survive, the error is recorded.
    let mut m = dns_header(1, 1);
    m.extend_from_slice(&[3, b'c', b'o', b'm', 0, 0, 1, 0, 1]);
    let an = m.len();
    m.extend_from_slice(&(0xc000 | an as u16).to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]);
    match dns::parse_message(&m) {
        Ok(msg) => {
            assert_eq!(msg.questions.len(), 1);
            assert!(msg.error.is_some(), "the answer's loop is recorded");
            assert!(msg.answers.is_empty());
        }
        Err(e) => panic!("questions parsed, so the message should survive: {e}"),
    }

    // And the loop through DNS over TCP, many times over: bounded output.
    let mut frame = dns_header(1, 0);
    frame.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    let mut stream = Vec::new();
    for _ in 0..10_000 {
        stream.extend_from_slice(&(frame.len() as u16).to_be_bytes());
        stream.extend_from_slice(&frame);
    }
    let mut out = Vec::new();
    let mut s = DnsTcpStream::new();
    s.feed(&stream, &mut out);
    assert_eq!(out.len(), dns::MAX_TCP_MESSAGES);
    assert!(!s.wants_more());
}

// ---------------------------------------------------------------------------------------------
// Side files: service tags, catalog, and the folders captures are found in. As untrusted as the
// captures themselves (issue 13).

/// A service-tag file with `n` wide tags on 10.0.0.0/8 and `n` narrow /32 prefixes inside it,
/// each its own tag: every narrow prefix lies in all the wide tags.
fn nested_service_tags(n: usize) -> String {
    let value = |name: String, prefix: String| {
        format!(r#"{{"name":"{name}","properties":{{"addressPrefixes":["{prefix}"]}}}}"#)
    };
    let wide = (0..n).map(|i| value(format!("Wide{i:06}"), "10.0.0.0/8".into()));
    let narrow = (0..n).map(|i| {
        let a = Ipv4Addr::from(0x0a00_0000u32 + 2 * i as u32 + 1);
        value(format!("Narrow{i:06}"), format!("{a}/32"))
    });
    let values: Vec<String> = wide.chain(narrow).collect();
    format!(
        r#"{{"changeNumber":1,"cloud":"Public","values":[{}]}}"#,
        values.join(",")
    )
}

#[test]
fn nested_service_tag_prefixes_index_in_linear_space() {
    use arcaudit::model::ServiceTags;
    use std::path::Path;
    // The old interval sweep stored every wide tag once per narrow prefix: n² entries, 4 GB
    // for a 12.5 MB file. Now each (prefix, tag) pair is stored once.
    let load =
        |n| ServiceTags::from_json(&nested_service_tags(n), Path::new("nested.json")).unwrap();
    let (small, big) = (load(2_000), load(16_000));
    let (s, b) = (small.index_entries(), big.index_entries());
    // Eight times the prefixes: about eight times the entries (quadratic would be 64).
    assert!(b <= 9 * s, "{s} entries for 2,000, {b} for 16,000");
    assert!(
        b <= 5 * 32_000,
        "{b} entries for 32,000 (prefix, tag) pairs"
    );
    // And the answers are still all of it, in name order.
    let hit = big.lookup(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(hit.len(), 16_001);
    assert_eq!(hit[0].name, "Narrow000000");
    assert_eq!(hit[1].name, "Wide000000");
    let miss = big.lookup(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
    assert_eq!(miss.len(), 16_000);
}

#[test]
fn side_files_that_never_end_are_refused_with_too_large() {
    use arcaudit::model::{Catalog, ModelError, ServiceTags};
    use std::path::Path;
    // /dev/zero has length 0 in its metadata, so only a cap on the read itself stops it.
    let zero = Path::new("/dev/zero");
    if zero.exists() {
        let err = ServiceTags::load(zero).unwrap_err();
        assert!(
            matches!(err, ModelError::TooLarge { size: None, .. }),
            "{err}"
        );
        assert!(err.to_string().starts_with("/dev/zero: "), "{err}");
        let err = Catalog::load(zero).unwrap_err();
        assert!(
            matches!(err, ModelError::TooLarge { size: None, .. }),
            "{err}"
        );
    }

    // A FIFO (what `--catalog <(cat big)` hands over), fed by a writer that never stops.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("catalog.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let path = fifo.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(&path) else {
                return;
            };
            let chunk = vec![b' '; 1 << 16];
            // Ends when the reader closes its end (EPIPE: Rust ignores SIGPIPE).
            while w.write_all(&chunk).is_ok() {}
        });
        let err = Catalog::load(&fifo).unwrap_err();
        assert!(
            matches!(err, ModelError::TooLarge { size: None, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("catalog.fifo"), "{err}");
        writer.join().unwrap();
    }

    // A directory is named as one.
    let err = ServiceTags::load(dir.path()).unwrap_err();
    assert!(matches!(err, ModelError::Directory { .. }), "{err}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_a_capture_folder_end_with_each_capture_once() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let header = Pcap::new(1).0;
    for name in ["a.pcap", "b.pcap"] {
        std::fs::write(dir.path().join(name), &header).unwrap();
    }
    let deeper = dir.path().join("d");
    std::fs::create_dir(&deeper).unwrap();
    std::fs::write(deeper.join("c.pcap"), &header).unwrap();
    // Two links back to the folder itself and one from below: without a loop check the walk
    // never ends (or, with one link, reads every capture dozens of times).
    symlink(".", dir.path().join("x")).unwrap();
    symlink(".", dir.path().join("y")).unwrap();
    symlink("..", deeper.join("up")).unwrap();
    let root = dir.path().to_string_lossy().into_owned();
    let inputs = pipeline::discover_inputs(&[root], &[]).unwrap();
    let names: Vec<String> = inputs.iter().map(|i| i.to_string()).collect();
    let rel: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_prefix(dir.path().to_str().unwrap()))
        .collect();
    assert_eq!(rel, ["/a.pcap", "/b.pcap", "/d/c.pcap"], "{names:?}");
}

// ---------------------------------------------------------------------------------------------
// b-dns (issue 13): the DNS index, proxies and findings, each shape run through the debug
// binary as a child process whose peak RSS `/usr/bin/time -f %M` reports. Two sizes of one
// shape: the bigger must not cost proportionally more (see docs/bounds.md, "DNS index,
// proxies, findings").

/// An Ethernet/IPv4/UDP frame (UDP checksum 0: "not computed").
fn udp_frame((src, sport): ([u8; 4], u16), (dst, dport): ([u8; 4], u16), data: &[u8]) -> Vec<u8> {
    let mut f = eth_ipv4(17, src, dst, 8 + data.len());
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&(8 + data.len() as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(data);
    f
}

/// A NOERROR response to a 240-byte question with 256 A records, each owned by its own
/// name `aNNN.<question>` compressed against the question (7 bytes on the wire, ~250 once
/// expanded): the shape that made the index copy 257 names per A record.
fn amplified_dns_response(id: u16) -> Vec<u8> {
    let mut m = Vec::new();
    for v in [id, 0x8180, 1, 256, 0, 0] {
        m.extend_from_slice(&v.to_be_bytes());
    }
    for _ in 0..4 {
        m.push(59);
        m.extend_from_slice(&[b'q'; 59]);
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    for k in 0..=255u8 {
        m.push(4);
        m.extend_from_slice(format!("a{k:03}").as_bytes());
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 9, k, 1]);
    }
    m
}

/// Writes `frames` (seconds since the epoch of the capture, bytes) as `name` in `dir`.
fn write_capture(
    dir: &std::path::Path,
    name: &str,
    frames: &[(u32, Vec<u8>)],
) -> std::path::PathBuf {
    let mut p = Pcap::new(1);
    for (i, (secs, f)) in frames.iter().enumerate() {
        p.record(1_700_000_000 + secs, (i % 1000) as u32 * 1000, f);
    }
    let path = dir.join(name);
    std::fs::write(&path, p.0).unwrap();
    path
}

/// `count` TCP attempts (SYN, SYN-ACK, ACK, the client's `payload(i)`, RST from the server)
/// from 10.1.x.4 to `server(i)`, one second apart per thousand.
fn attempts(
    count: usize,
    server: impl Fn(usize) -> ([u8; 4], u16),
    payload: impl Fn(usize) -> Vec<u8>,
) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::with_capacity(count * 5);
    for i in 0..count {
        let secs = (i / 1000) as u32;
        let c = (
            [10, 1 + (i / 60_000) as u8, 0, 4],
            1024 + (i % 60_000) as u16,
        );
        let s = server(i);
        let data = payload(i);
        let n = data.len() as u32;
        out.push((secs, tcp_frame(c, s, 1000, 0, 0x02, b"")));
        out.push((secs, tcp_frame(s, c, 5000, 1001, 0x12, b"")));
        out.push((secs, tcp_frame(c, s, 1001, 5001, 0x10, b"")));
        out.push((secs, tcp_frame(c, s, 1001, 5001, 0x18, &data)));
        out.push((secs, tcp_frame(s, c, 5001, 1001 + n, 0x04, b"")));
    }
    out
}

/// What one audit of `path` cost and said: peak RSS in KiB (None without `/usr/bin/time`),
/// the exit code and stdout.
fn audit_child(path: &std::path::Path, args: &[&str]) -> (Option<u64>, i32, String) {
    let bin = env!("CARGO_BIN_EXE_arcaudit");
    let timer = std::path::Path::new("/usr/bin/time");
    let out = if timer.exists() {
        std::process::Command::new(timer)
            .args([
                "-f",
                "peak-rss-kib %M",
                bin,
                "-q",
                "audit",
                "--color",
                "never",
            ])
            .args(args)
            .arg(path)
            .output()
            .unwrap()
    } else {
        std::process::Command::new(bin)
            .args(["-q", "audit", "--color", "never"])
            .args(args)
            .arg(path)
            .output()
            .unwrap()
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rss = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|v| v.trim().parse().ok());
    let code = out.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "audit failed ({code}): {stderr}");
    (rss, code, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The bigger run's peak RSS is at most `factor` times the smaller's (skipped, and said so,
/// where `/usr/bin/time` is missing).
fn assert_flat(what: &str, small: Option<u64>, big: Option<u64>, factor: f64) {
    match (small, big) {
        (Some(s), Some(b)) => assert!(
            (b as f64) < (s as f64) * factor,
            "{what}: peak RSS {b} KiB against {s} KiB (more than {factor}x)"
        ),
        _ => eprintln!("{what}: /usr/bin/time missing, peak RSS not compared"),
    }
}

#[test]
fn amplified_dns_answers_keep_the_audit_flat() {
    let dir = tempfile::tempdir().unwrap();
    let capture = |n: usize| {
        // Each response its own flow, 61 s apart: the UDP flow is finished before the next.
        let mut frames: Vec<(u32, Vec<u8>)> = (0..n)
            .map(|i| {
                let port = 10_000 + (i % 50_000) as u16;
                let f = udp_frame(
                    ([10, 1, 0, 53], 53),
                    ([10, 1, 0, 4], port),
                    &amplified_dns_response(i as u16),
                );
                (61 * i as u32, f)
            })
            .collect();
        // Then a connection to each answered address, named through the answers.
        let end = 61 * n as u32;
        for k in 0..=255u8 {
            frames.push((
                end,
                tcp_frame(
                    ([10, 1, 0, 4], 40_000 + u16::from(k)),
                    ([10, 9, k, 1], 443),
                    1,
                    0,
                    0x02,
                    b"",
                ),
            ));
        }
        write_capture(dir.path(), &format!("dns-{n}.pcap"), &frames)
    };
    let (small, _, _) = audit_child(&capture(100), &[]);
    let (big, _, out) = audit_child(&capture(1000), &["--format", "json"]);
    // Before: 100 responses took 1.8 GB, 1,000 past 16 GiB.
    assert_flat("1,000 against 100 amplified DNS responses", small, big, 1.5);
    // What the bounds left out is said: 256 records per response, 15 kept (the question
    // and 15 owners make the 16 names a message keeps).
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bounds = &v["files"][0]["dns_bounds"];
    assert_eq!(bounds["records_dropped"], 1000 * (256 - 15), "{bounds}");
    let mut text = audit_child(&capture(100), &[]).2;
    text.retain(|c| c != '\n');
    assert!(
        text.contains("DNS bounds: 24100 answer record(s)"),
        "{text}"
    );
}

#[test]
fn many_proxies_cost_what_one_proxy_costs() {
    let dir = tempfile::tempdir().unwrap();
    let connect = |_: usize| {
        b"CONNECT gbl.his.arc.azure.com:443 HTTP/1.1\r\nHost: gbl.his.arc.azure.com:443\r\n\r\n"
            .to_vec()
    };
    let n = 5000;
    let distinct = |i: usize| {
        (
            [10, 20 + (i / 65_536) as u8, (i / 256) as u8, i as u8],
            3128,
        )
    };
    let many = write_capture(dir.path(), "proxies.pcap", &attempts(n, distinct, connect));
    let one = write_capture(
        dir.path(),
        "proxy.pcap",
        &attempts(n, |_| ([10, 20, 0, 1], 3128), connect),
    );
    let (rss_many, _, out) = audit_child(&many, &["--proxy", "10.30.0.1:3128"]);
    let (rss_one, _, out_one) = audit_child(&one, &["--proxy", "10.30.0.1:3128"]);
    assert_flat("5,000 proxies against one", rss_one, rss_many, 1.25);
    // The context line lists the first proxies in address order and counts the rest.
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("context:"))
        .unwrap_or_default();
    assert!(line.contains("10.20.0.0:3128,10.20.0.1:3128,"), "{line}");
    assert!(
        line.contains(" and 4992 more (inferred from CONNECT)"),
        "{line}"
    );
    assert!(line.len() < 400, "{line}");
    // One contradiction per proxy up to a few, then a sum: not 5,000 findings.
    let contradicted = out.matches("context-contradicted").count();
    assert!(contradicted <= 2 * 4, "{contradicted} mentions:\n{out}");
    // 256 proxies are told apart (4 reported, 252 summed up), the rest counted.
    assert!(
        out.contains(
            "besides, 252 more unlisted proxies took 252 Arc flow(s); 4744 more Arc flow(s) went to further proxies"
        ),
        "{out}"
    );
    assert!(
        out.len() < 4 * out_one.len(),
        "{} against {} bytes",
        out.len(),
        out_one.len()
    );
}

#[test]
fn many_distinct_arc_names_are_one_finding_per_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let hello = |name: String| {
        let mut ext = vec![0, 0];
        let n = name.len() as u16;
        ext.extend_from_slice(&(n + 5).to_be_bytes());
        ext.extend_from_slice(&(n + 3).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&n.to_be_bytes());
        ext.extend_from_slice(name.as_bytes());
        records(1, &client_hello_body(&ext, ext.len() as u16))
    };
    let server = |_: usize| ([20, 50, 1, 197], 443);
    let capture = |n: usize, distinct: bool| {
        let frames = attempts(n, server, |i| {
            hello(format!(
                "r{:07}.his.arc.azure.com",
                if distinct { i } else { 0 }
            ))
        });
        write_capture(dir.path(), &format!("snis-{n}-{distinct}.pcap"), &frames)
    };
    let findings = |json: &str| {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["files"][0]["findings"].as_array().map_or(0, Vec::len)
    };
    let (_, _, small) = audit_child(&capture(1000, true), &["--format", "json"]);
    let (rss_big, _, big) = audit_child(&capture(10_000, true), &["--format", "json"]);
    let (rss_same, _, same) = audit_child(&capture(10_000, false), &["--format", "json"]);
    // Grouped by (rule, severity, endpoint): ten times the names, the same findings.
    assert_eq!(findings(&small), findings(&big));
    assert_eq!(findings(&big), findings(&same));
    assert!(
        big.len() < 2 * small.len(),
        "{} against {} bytes",
        big.len(),
        small.len()
    );
    // The coverage row lists 8 names and counts the other flows.
    let v: serde_json::Value = serde_json::from_str(&big).unwrap();
    let rows = v["files"][0]["coverage"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let his = rows
        .iter()
        .find(|r| r["endpoint"] == "public.his")
        .expect("a public.his row");
    assert_eq!(his["names"].as_array().map(Vec::len), Some(8), "{his}");
    assert_eq!(his["names_unlisted_flows"], 10_000 - 8, "{his}");
    // What a flow costs does not depend on how many names the capture holds.
    assert_flat("10,000 distinct names against one", rss_same, rss_big, 1.25);
}

// ---------------------------------------------------------------------------------------------
// Flow table and audit records (issue 13): the binary's peak memory is flat in the number of
// hostile flows, and what the bounds left out is counted in the file's stats.

/// A pcap of `flows` TCP flows, each built by `one(i)` as frames (1 µs apart).
fn flows_pcap(flows: u32, one: &dyn Fn(u32) -> Vec<Vec<u8>>) -> Vec<u8> {
    let mut p = Pcap::new(1);
    let mut t = 0u32;
    for i in 0..flows {
        for frame in one(i) {
            t += 1;
            p.record(1_700_000_000 + t / 1_000_000, t % 1_000_000, &frame);
        }
    }
    p.0
}

fn client_of(i: u32) -> ([u8; 4], u16) {
    let [_, a, b, c] = i.to_be_bytes();
    ([10, a, b, c], 1024 + (i % 60_000) as u16)
}

/// Runs `arcaudit audit --format json --max-memory 8M` over `pcap`; returns the peak RSS of
/// that child (KiB) and the file's stats. The peak comes from /usr/bin/time when present,
/// else from polling the child's VmHWM (monotonic, so only the last milliseconds can be
/// missed).
fn audit_peak_kib(pcap: &[u8]) -> (u64, serde_json::Value) {
    audit_peak_kib_with(pcap, "8M")
}

/// [`audit_peak_kib`] with another `--max-memory`.
fn audit_peak_kib_with(pcap: &[u8], max_memory: &str) -> (u64, serde_json::Value) {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.pcap");
    std::fs::write(&input, pcap).unwrap();
    let bin = env!("CARGO_BIN_EXE_arcaudit");
    let args = ["audit", "--format", "json", "--max-memory", max_memory];
    let time = std::path::Path::new("/usr/bin/time");
    let report = dir.path().join("peak");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(&report).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let mut child = cmd
        .args(args)
        .arg(&input)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut polled = 0u64;
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut { stdout }, &mut s).unwrap();
        s
    });
    while child.try_wait().unwrap().is_none() {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()));
        if let Some(kb) = status.ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            polled = polled.max(kb);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let out = reader.join().unwrap();
    let peak = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(polled);
    let json: serde_json::Value = serde_json::from_str(&out).expect("audit wrote JSON");
    let stats = json["files"][0]["stats"].clone();
    (peak, stats)
}

fn assert_flat_10x(shape: &str, small: u64, big: u64) {
    assert!(
        big * 2 < small * 3,
        "{shape}: peak RSS grew from {small} KiB to {big} KiB for 10x the flows"
    );
}

#[test]
fn partial_hellos_claiming_64_kib_keep_peak_memory_flat() {
    let shape = |i: u32| {
        let cli = client_of(i);
        let srv = ([20, 0, 0, 2], 443);
        // Record and handshake headers claiming a 64 KiB hello, then 200 bytes of it.
        let mut ch = vec![0x16, 3, 1, 0x40, 0, 1, 0, 0xff, 0xf0];
        ch.resize(ch.len() + 200, 0);
        let mut sh = vec![0x16, 3, 3, 0x40, 0, 2, 0, 0xff, 0xf0];
        sh.resize(sh.len() + 200, 0);
        vec![
            tcp_frame(cli, srv, 1000, 0, 0x02, &[]),
            tcp_frame(srv, cli, 5000, 1001, 0x12, &[]),
            tcp_frame(cli, srv, 1001, 5001, 0x18, &ch),
            tcp_frame(srv, cli, 5001, 1001 + ch.len() as u32, 0x18, &sh),
        ]
    };
    let (small, _) = audit_peak_kib(&flows_pcap(2_000, &shape));
    let (big, stats) = audit_peak_kib(&flows_pcap(20_000, &shape));
    assert_flat_10x("partial hellos", small, big);
    // The buffer budget and the table bound bit, and said so.
    assert!(
        stats["flows"]["budget_cut"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
    assert!(
        stats["flows"]["evicted"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
}

/// Flows the audit keeps every record of (refused connections, 10 ms apart, so the flow
/// table holds a few hundred at once), at the default `--max-memory`: ten times the flows,
/// ten times the records, about the same peak memory, because the records past the
/// in-memory budget go to the audit's temporary file (release binary: 22 MiB for 5,000
/// flows and 55 MiB for 50,000 before; 24 and 34 MiB after, the difference being the
/// in-memory budgets filling up). Every flow is judged: none is left out.
#[test]
fn kept_records_go_to_disk_and_the_audit_stays_flat() {
    let capture = |n: u32| {
        let mut p = Pcap::new(1);
        for i in 0..n {
            let (secs, usecs) = (1_700_000_000 + i / 100, (i % 100) * 10_000);
            let cli = client_of(i);
            let srv = ([20, 0, 0, 2], 443);
            p.record(secs, usecs, &tcp_frame(cli, srv, 1000, 0, 0x02, &[]));
            p.record(secs, usecs + 1, &tcp_frame(srv, cli, 0, 1001, 0x14, &[]));
        }
        p.0
    };
    let (small, _) = audit_peak_kib_with(&capture(5_000), "512M");
    let (big, stats) = audit_peak_kib_with(&capture(50_000), "512M");
    assert_flat_10x("refused connections, all kept", small, big);
    assert_eq!(
        stats["flows"]["tcp_flows"].as_u64(),
        Some(50_000),
        "{stats}"
    );
    assert!(stats.get("records").is_none(), "{stats}");
}

#[test]
fn syn_flood_keeps_peak_memory_flat_and_counts_the_flows_left_out() {
    let shape = |i: u32| {
        vec![tcp_frame(
            client_of(i),
            ([20, 0, 0, 2], 443),
            1000,
            0,
            0x02,
            &[],
        )]
    };
    let (small, _) = audit_peak_kib(&flows_pcap(5_000, &shape));
    let (big, stats) = audit_peak_kib(&flows_pcap(50_000, &shape));
    assert_flat_10x("SYN flood", small, big);
    let records = &stats["records"];
    let dropped = records["flows_dropped"].as_u64().unwrap_or(0);
    assert!(dropped > 40_000, "{stats}");
    // Counted by state and server: all of them S0 towards the one server.
    assert_eq!(records["dropped_by"][0]["conn_state"], "S0", "{stats}");
    assert_eq!(
        records["dropped_by"][0]["server"], "20.0.0.2:443",
        "{stats}"
    );
    assert_eq!(records["dropped_by"][0]["flows"].as_u64(), Some(dropped));
}

#[test]
fn http_flows_with_large_request_heads_keep_peak_memory_flat() {
    let shape = |i: u32| {
        let cli = client_of(i);
        let srv = ([20, 0, 0, 2], 80);
        // Four heads with 16,000-byte targets: 64 KiB of request heads per flow.
        let mut one = b"GET /".to_vec();
        one.resize(16_000, b'a');
        one.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        let heads = one.repeat(4);
        let mut frames = vec![
            tcp_frame(cli, srv, 1000, 0, 0x02, &[]),
            tcp_frame(srv, cli, 5000, 1001, 0x12, &[]),
        ];
        for (k, chunk) in heads.chunks(1400).enumerate() {
            let seq = 1001 + (k * 1400) as u32;
            frames.push(tcp_frame(cli, srv, seq, 5001, 0x18, chunk));
        }
        frames
    };
    let (small, _) = audit_peak_kib(&flows_pcap(40, &shape));
    let (big, stats) = audit_peak_kib(&flows_pcap(400, &shape));
    assert_flat_10x("HTTP heads", small, big);
    // Targets kept are cut to their bound; flows past the buffer budget stopped (both said).
    assert!(
        stats["records"]["strings_truncated"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
    assert!(
        stats["flows"]["budget_cut"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
}
