//! Byte-fixture tests for every capture variant the reader claims to handle, and for the ways
//! a hostile or damaged file can lie.

use std::io::{self, Read, Write};

use super::*;

/// What a test sink keeps of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Got {
    number: u64,
    ts_nanos: i64,
    linktype: u32,
    orig_len: u32,
    offset: u64,
    data: Vec<u8>,
}

fn read_bytes_as(name: &str, bytes: &[u8]) -> (Vec<Got>, ReadOutcome) {
    read_with(name, bytes)
}

fn read_with<R: Read>(name: &str, reader: R) -> (Vec<Got>, ReadOutcome) {
    let mut got = Vec::new();
    let outcome = read_from(&Input::Path(name.into()), reader, |f| {
        got.push(Got {
            number: f.number,
            ts_nanos: f.ts_nanos,
            linktype: f.linktype,
            orig_len: f.orig_len,
            offset: f.offset,
            data: f.data.to_vec(),
        })
    });
    assert_eq!(outcome.summary.frames, got.len() as u64);
    (got, outcome)
}

fn read_bytes(bytes: &[u8]) -> (Vec<Got>, ReadOutcome) {
    read_bytes_as("capture.pcap", bytes)
}

fn err_text(o: &ReadOutcome) -> String {
    o.error
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

// ---------- pcap fixtures ----------

#[derive(Clone, Copy)]
enum Variant {
    Micro,
    Nano,
    Modified,
}

struct Pcap {
    be: bool,
    variant: Variant,
    out: Vec<u8>,
}

impl Pcap {
    fn new(be: bool, variant: Variant, network: u32, snaplen: u32) -> Pcap {
        let magic: u32 = match variant {
            Variant::Micro => 0xa1b2_c3d4,
            Variant::Nano => 0xa1b2_3c4d,
            Variant::Modified => 0xa1b2_cd34,
        };
        let mut p = Pcap {
            be,
            variant,
            out: Vec::new(),
        };
        p.u32(magic);
        p.u16(2);
        p.u16(4);
        p.u32(0);
        p.u32(0);
        p.u32(snaplen);
        p.u32(network);
        p
    }
    fn u16(&mut self, v: u16) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    /// A record whose caplen field is `caplen` (which may lie about `data`).
    fn raw_record(
        &mut self,
        secs: u32,
        frac: u32,
        caplen: u32,
        orig: u32,
        data: &[u8],
    ) -> &mut Self {
        self.u32(secs);
        self.u32(frac);
        self.u32(caplen);
        self.u32(orig);
        if let Variant::Modified = self.variant {
            self.u32(7); // ifindex
            self.u16(0x0800); // protocol
            self.out.extend_from_slice(&[0, 0]); // pkt_type, pad
        }
        self.out.extend_from_slice(data);
        self
    }
    fn record(&mut self, secs: u32, frac: u32, data: &[u8]) -> &mut Self {
        self.raw_record(secs, frac, data.len() as u32, data.len() as u32 + 4, data)
    }
}

fn check_pcap(be: bool, variant: Variant) {
    let mut p = Pcap::new(be, variant, 1, 65535);
    p.record(1_700_000_000, 123, b"hello")
        .record(1_700_000_001, 999, b"");
    let (got, o) = read_bytes(&p.out);
    assert!(o.error.is_none(), "{}", err_text(&o));
    let hdr = if let Variant::Modified = variant {
        24
    } else {
        16
    };
    let frac_ns = if let Variant::Nano = variant { 1 } else { 1000 };
    assert_eq!(
        got,
        vec![
            Got {
                number: 1,
                ts_nanos: 1_700_000_000 * 1_000_000_000 + 123 * frac_ns,
                linktype: 1,
                orig_len: 9,
                offset: 24,
                data: b"hello".to_vec(),
            },
            Got {
                number: 2,
                ts_nanos: 1_700_000_001 * 1_000_000_000 + 999 * frac_ns,
                linktype: 1,
                orig_len: 4,
                offset: 24 + hdr + 5,
                data: Vec::new(),
            },
        ]
    );
    let s = &o.summary;
    assert_eq!(
        s.byte_order,
        Some(if be {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        })
    );
    let format = match variant {
        Variant::Micro => CaptureFormat::Pcap,
        Variant::Nano => CaptureFormat::PcapNs,
        Variant::Modified => CaptureFormat::ModifiedPcap,
    };
    assert_eq!(s.format, Some(format));
    assert_eq!(s.linktypes, vec![1]);
    assert_eq!(s.bytes_read, p.out.len() as u64);
    let h = s.pcap_header.as_ref().expect("pcap header");
    assert_eq!((h.version_major, h.version_minor, h.snaplen), (2, 4, 65535));
}

#[test]
fn pcap_micro_both_byte_orders() {
    check_pcap(false, Variant::Micro);
    check_pcap(true, Variant::Micro);
}

#[test]
fn pcap_nano_both_byte_orders() {
    check_pcap(false, Variant::Nano);
    check_pcap(true, Variant::Nano);
}

#[test]
fn modified_pcap_both_byte_orders() {
    check_pcap(false, Variant::Modified);
    check_pcap(true, Variant::Modified);
}

#[test]
fn pcap_linktype_drops_fcs_bits() {
    // LT_FCS_LENGTH_PRESENT (bit 26) with an FCS of 2 words (bits 28-31), on LINKTYPE_ETHERNET.
    let p = Pcap::new(false, Variant::Micro, 0x2400_0001, 65535);
    let (_, o) = read_bytes(&p.out);
    let h = o.summary.pcap_header.expect("header");
    assert_eq!(
        (h.network, h.linktype, h.fcs_words),
        (0x2400_0001, 1, Some(2))
    );
    assert_eq!(o.summary.linktypes, vec![1]);
    // Reserved bits without the FCS flag: still only the low 16 bits count.
    let p = Pcap::new(true, Variant::Micro, 0x0001_0069, 65535);
    let (_, o) = read_bytes(&p.out);
    assert_eq!(o.summary.linktypes, vec![105]);
    assert_eq!(o.summary.pcap_header.and_then(|h| h.fcs_words), None);
}

#[test]
fn pcap_header_only_is_an_empty_capture() {
    let p = Pcap::new(false, Variant::Micro, 1, 65535);
    let (got, o) = read_bytes(&p.out);
    assert!(got.is_empty());
    assert!(o.error.is_none());
}

#[test]
fn pcap_truncated_last_record_keeps_earlier_frames() {
    let mut p = Pcap::new(false, Variant::Micro, 1, 65535);
    p.record(1, 0, &[0xaa; 100]).record(2, 0, &[0xbb; 1514]);
    let cut = p.out.len() - 1214; // leaves 300 data bytes of the second record
    let (got, o) = read_bytes(&p.out[..cut]);
    assert_eq!(got.len(), 1);
    assert_eq!(
        err_text(&o),
        "capture.pcap: truncated record at byte 140 (needs 1530 bytes, 316 left)"
    );
    assert_eq!(o.error.as_ref().map(CaptureError::offset), Some(140));
    // Cut inside the record header.
    let (got, o) = read_bytes(&p.out[..24 + 116 + 5]);
    assert_eq!(got.len(), 1);
    assert_eq!(
        err_text(&o),
        "capture.pcap: truncated record header at byte 140 (needs 16 bytes, 5 left)"
    );
    // Cut inside the file header.
    let (_, o) = read_bytes(&p.out[..12]);
    assert_eq!(
        err_text(&o),
        "capture.pcap: truncated pcap file header at byte 0 (needs 24 bytes, 12 left)"
    );
}

#[test]
fn pcap_huge_caplen_is_refused_without_allocating() {
    let mut p = Pcap::new(false, Variant::Micro, 1, 65535);
    p.record(1, 0, b"ok")
        .raw_record(2, 0, u32::MAX, 60, b"tiny");
    let (got, o) = read_bytes(&p.out);
    assert_eq!(got.len(), 1);
    assert_eq!(
        err_text(&o),
        "capture.pcap: record at byte 42 claims 4294967295 bytes, over the limit of 262144"
    );
}

#[test]
fn pcap_caplen_limit_follows_snaplen_within_bounds() {
    let big = vec![7u8; 300 << 10];
    // 300 KiB is over the 256 KiB floor when the snaplen is small...
    let mut p = Pcap::new(false, Variant::Micro, 1, 65535);
    p.record(1, 0, &big);
    let (got, o) = read_bytes(&p.out);
    assert!(got.is_empty());
    assert!(matches!(
        o.error,
        Some(CaptureError::TooLarge { limit: 262_144, .. })
    ));
    // ...but fine when the file's snaplen allows it.
    let mut p = Pcap::new(false, Variant::Micro, 1, 1 << 20);
    p.record(1, 0, &big).record(2, 0, b"after");
    let (got, o) = read_bytes(&p.out);
    assert!(o.error.is_none(), "{}", err_text(&o));
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].data.len(), big.len());
    // A snaplen beyond 16 MiB still caps records at 16 MiB; a 10 MiB claim at the end of a tiny
    // file is a truncation, not an allocation.
    let mut p = Pcap::new(false, Variant::Micro, 1, u32::MAX);
    p.raw_record(1, 0, 20 << 20, 60, b"x");
    let (_, o) = read_bytes(&p.out);
    assert!(
        matches!(o.error, Some(CaptureError::TooLarge { limit, .. }) if limit == MAX_RECORD_LEN as u64)
    );
    let mut p = Pcap::new(false, Variant::Micro, 1, u32::MAX);
    p.raw_record(1, 0, 10 << 20, 60, b"x");
    let (_, o) = read_bytes(&p.out);
    assert_eq!(
        err_text(&o),
        "capture.pcap: truncated record at byte 24 (needs 10485776 bytes, 17 left)"
    );
}

#[test]
fn records_straddling_buffer_refills_and_trickling_readers() {
    // ~10 MiB of records of varying size crosses dozens of buffer refills at odd positions.
    let mut p = Pcap::new(false, Variant::Nano, 1, 65535);
    let mut expected_bytes = 0u64;
    let mut n = 0u32;
    while p.out.len() < 10 << 20 {
        let len = (n as usize * 7919) % 1600;
        let data = vec![(n % 251) as u8; len];
        p.record(n, n, &data);
        expected_bytes += len as u64;
        n += 1;
    }
    let mut count = 0u32;
    let mut bytes = 0u64;
    let mut ok = true;
    let o = read_from(&Input::Stdin, &p.out[..], |f| {
        ok &= f.data.iter().all(|&b| b == (count % 251) as u8) && f.number == u64::from(count) + 1;
        count += 1;
        bytes += f.data.len() as u64;
    });
    assert!(o.error.is_none());
    assert!(ok, "frame content or numbering wrong across refills");
    assert_eq!((count, bytes), (n, expected_bytes));

    // A reader that hands out 1 byte per call gives the same frames.
    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((b, rest)), Some(o)) => {
                    *o = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }
    let mut small = Pcap::new(true, Variant::Micro, 1, 65535);
    small.record(1, 2, b"abc").record(3, 4, b"defgh");
    let (a, _) = read_bytes(&small.out);
    let (b, o) = read_with("x", OneByte(&small.out));
    assert!(o.error.is_none());
    assert_eq!(a, b);
}

// ---------- pcapng fixtures ----------

struct Ng {
    be: bool,
    out: Vec<u8>,
}

fn opt(be: bool, code: u16, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let e16 = |x: u16| if be { x.to_be_bytes() } else { x.to_le_bytes() };
    v.extend_from_slice(&e16(code));
    v.extend_from_slice(&e16(value.len() as u16));
    v.extend_from_slice(value);
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
    v
}

impl Ng {
    fn new(be: bool) -> Ng {
        let mut n = Ng {
            be,
            out: Vec::new(),
        };
        n.shb(be);
        n
    }
    fn e32(&self, v: u32) -> [u8; 4] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn e16(&self, v: u16) -> [u8; 2] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn opt(&self, code: u16, value: &[u8]) -> Vec<u8> {
        opt(self.be, code, value)
    }
    /// Appends a block, padding the body to 4 bytes; returns its offset.
    fn block(&mut self, block_type: u32, body: &[u8]) -> u64 {
        let offset = self.out.len() as u64;
        let mut body = body.to_vec();
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let len = body.len() as u32 + 12;
        let (t, l) = (self.e32(block_type), self.e32(len));
        self.out.extend_from_slice(&t);
        self.out.extend_from_slice(&l);
        self.out.extend_from_slice(&body);
        self.out.extend_from_slice(&l);
        offset
    }
    /// Starts a new section in byte order `be`.
    fn shb(&mut self, be: bool) -> u64 {
        self.be = be;
        let mut body = self.e32(0x1a2b_3c4d).to_vec();
        body.extend_from_slice(&self.e16(1));
        body.extend_from_slice(&self.e16(0));
        body.extend_from_slice(&[0xff; 8]);
        body.extend(self.opt(4, b"arcaudit tests"));
        self.block(0x0a0d_0d0a, &body)
    }
    fn idb(&mut self, linktype: u16, snaplen: u32, opts: &[Vec<u8>]) -> u64 {
        let mut body = self.e16(linktype).to_vec();
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&self.e32(snaplen));
        for o in opts {
            body.extend_from_slice(o);
        }
        if !opts.is_empty() {
            body.extend_from_slice(&[0; 4]);
        }
        self.block(1, &body)
    }
    fn epb_raw(&mut self, if_id: u32, units: u64, caplen: u32, orig: u32, data: &[u8]) -> u64 {
        let mut body = self.e32(if_id).to_vec();
        body.extend_from_slice(&self.e32((units >> 32) as u32));
        body.extend_from_slice(&self.e32(units as u32));
        body.extend_from_slice(&self.e32(caplen));
        body.extend_from_slice(&self.e32(orig));
        body.extend_from_slice(data);
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        body.extend(self.opt(1, b"comment"));
        body.extend_from_slice(&[0; 4]);
        self.block(6, &body)
    }
    fn epb(&mut self, if_id: u32, units: u64, data: &[u8]) -> u64 {
        self.epb_raw(
            if_id,
            units,
            data.len() as u32,
            data.len() as u32 + 10,
            data,
        )
    }
    fn spb(&mut self, orig: u32, data: &[u8]) -> u64 {
        let mut body = self.e32(orig).to_vec();
        body.extend_from_slice(data);
        self.block(3, &body)
    }
    fn pb(&mut self, if_id: u16, units: u64, data: &[u8]) -> u64 {
        let mut body = self.e16(if_id).to_vec();
        body.extend_from_slice(&self.e16(3)); // drops
        body.extend_from_slice(&self.e32((units >> 32) as u32));
        body.extend_from_slice(&self.e32(units as u32));
        body.extend_from_slice(&self.e32(data.len() as u32));
        body.extend_from_slice(&self.e32(data.len() as u32));
        body.extend_from_slice(data);
        self.block(2, &body)
    }
    fn isb(&mut self, if_id: u32, units: u64, opts: &[Vec<u8>]) -> u64 {
        let mut body = self.e32(if_id).to_vec();
        body.extend_from_slice(&self.e32((units >> 32) as u32));
        body.extend_from_slice(&self.e32(units as u32));
        for o in opts {
            body.extend_from_slice(o);
        }
        body.extend_from_slice(&[0; 4]);
        self.block(5, &body)
    }
    fn u64v(&self, v: u64) -> Vec<u8> {
        if self.be {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    }
}

#[test]
fn pcapng_multi_section_mixed_byte_order() {
    let mut n = Ng::new(false);
    let idb0 = n.idb(1, 0, &[opt(false, 2, b"eth0")]);
    let e1 = n.epb(0, 1_000_000, b"first");
    let shb2 = n.shb(true);
    n.idb(101, 0, &[opt(true, 9, &[9])]); // raw IP, nanoseconds
    n.idb(1, 0, &[]);
    let e2 = n.epb(0, 5, b"second");
    let e3 = n.epb(1, 7, b"third");
    n.shb(false);
    n.idb(113, 0, &[]);
    let e4 = n.epb(0, 2, b"fourth");
    let (got, o) = read_bytes_as("multi.pcapng", &n.out);
    assert!(o.error.is_none(), "{}", err_text(&o));
    let summary: Vec<_> = got
        .iter()
        .map(|g| (g.number, g.ts_nanos, g.linktype, g.offset, g.data.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, 1_000_000_000, 1, e1, b"first".to_vec()),
            (2, 5, 101, e2, b"second".to_vec()),
            (3, 7_000, 1, e3, b"third".to_vec()),
            (4, 2_000, 113, e4, b"fourth".to_vec()),
        ]
    );
    let s = &o.summary;
    assert_eq!(s.format, Some(CaptureFormat::Pcapng));
    assert_eq!(s.byte_order, Some(ByteOrder::Little));
    assert_eq!(s.section_count, 3);
    let orders: Vec<_> = s
        .sections
        .iter()
        .map(|x| (x.offset, x.byte_order))
        .collect();
    assert_eq!(
        orders,
        vec![
            (0, ByteOrder::Little),
            (shb2, ByteOrder::Big),
            (orders[2].0, ByteOrder::Little)
        ]
    );
    assert_eq!(s.linktypes, vec![1, 101, 113]);
    assert_eq!(s.interface_count, 4);
    let i0 = &s.interfaces[0];
    assert_eq!(
        (i0.section, i0.id, i0.offset, i0.name.as_deref()),
        (0, 0, idb0, Some("eth0"))
    );
    let ids: Vec<_> = s
        .interfaces
        .iter()
        .map(|i| (i.section, i.id, i.tsresol))
        .collect();
    assert_eq!(ids, vec![(0, 0, 6), (1, 0, 9), (1, 1, 6), (2, 0, 6)]);
    assert_eq!(s.blocks.section_header, 3);
    assert_eq!(s.blocks.enhanced_packet, 4);
    assert_eq!(s.bytes_read, n.out.len() as u64);
}

#[test]
fn pcapng_tsresol_and_tsoffset() {
    for be in [false, true] {
        let mut n = Ng::new(be);
        let off = n.u64v(100);
        let neg = n.u64v((-3i64) as u64);
        n.idb(1, 0, &[n.opt(9, &[3])]); // milliseconds
        n.idb(1, 0, &[n.opt(9, &[0x80 | 10])]); // 1/1024 s
        n.idb(1, 0, &[n.opt(9, &[0]), n.opt(14, &off)]); // seconds, +100 s
        n.idb(1, 0, &[n.opt(14, &neg)]); // default µs, -3 s
        n.idb(1, 0, &[n.opt(9, &[12])]); // picoseconds
        n.epb(0, 1500, b"a");
        n.epb(1, 1536, b"b");
        n.epb(2, 7, b"c");
        n.epb(3, 5_000_000, b"d");
        n.epb(4, 123_456_789, b"e");
        let (got, o) = read_bytes(&n.out);
        assert!(o.error.is_none(), "{}", err_text(&o));
        let ts: Vec<i64> = got.iter().map(|g| g.ts_nanos).collect();
        assert_eq!(
            ts,
            vec![
                1_500_000_000,
                1_500_000_000,
                107_000_000_000,
                2_000_000_000,
                123_456
            ]
        );
        assert_eq!(o.summary.interfaces[2].tsoffset_secs, 100);
        assert_eq!(o.summary.interfaces[3].tsoffset_secs, -3);
        assert_eq!(o.summary.interfaces[1].tsresol, 0x8a);
    }
    // Extreme timestamps saturate instead of overflowing.
    let mut n = Ng::new(false);
    n.idb(1, 0, &[opt(false, 9, &[0])]);
    n.epb(0, u64::MAX, b"x");
    let (got, _) = read_bytes(&n.out);
    assert_eq!(got[0].ts_nanos, i64::MAX);
}

#[test]
fn pcapng_simple_packet_block_lengths() {
    let mut n = Ng::new(true);
    n.idb(1, 8, &[]);
    n.epb(0, 1_000_000, b"timed");
    let s1 = n.spb(5, b"abcdefghij"); // orig 5 < body
    n.spb(100, b"abcdefghijkl"); // snaplen 8 < body < orig
    let (got, o) = read_bytes(&n.out);
    assert!(o.error.is_none());
    let lens: Vec<_> = got
        .iter()
        .map(|g| (g.data.clone(), g.orig_len, g.ts_nanos))
        .collect();
    assert_eq!(
        lens,
        vec![
            (b"timed".to_vec(), 15, 1_000_000_000),
            (b"abcde".to_vec(), 5, 1_000_000_000),
            (b"abcdefgh".to_vec(), 100, 1_000_000_000),
        ]
    );
    assert_eq!(got[1].offset, s1);
    // snaplen 0 = unlimited: bounded by the block body (padding included in the body).
    let mut n = Ng::new(false);
    n.idb(1, 0, &[]);
    n.spb(1000, b"abcdef");
    let (got, _) = read_bytes(&n.out);
    assert_eq!(got[0].data, b"abcdef\0\0");
    assert_eq!(o.summary.blocks.simple_packet, 2);
}

#[test]
fn pcapng_obsolete_packet_block() {
    let mut n = Ng::new(false);
    n.idb(1, 0, &[]);
    n.idb(105, 0, &[]);
    let off = n.pb(1, 42, b"old");
    let (got, o) = read_bytes(&n.out);
    assert!(o.error.is_none());
    assert_eq!(
        got,
        vec![Got {
            number: 1,
            ts_nanos: 42_000,
            linktype: 105,
            orig_len: 3,
            offset: off,
            data: b"old".to_vec()
        }]
    );
    assert_eq!(o.summary.blocks.obsolete_packet, 1);
}

#[test]
fn pcapng_non_packet_blocks_are_skipped_and_counted() {
    let mut n = Ng::new(false);
    n.block(4, &[1, 0, 4, 0, 10, 0, 0, 1, b'h', 0, 0, 0, 0, 0, 0, 0]); // NRB
    n.idb(1, 0, &[]);
    n.block(0x0bad, &[0, 0, 0x7f, 0xff, 1, 2, 3]); // custom, copiable
    n.epb(0, 1, b"one");
    let recv = n.u64v(100);
    let drop = n.u64v(2);
    n.isb(0, 2_000_000, &[n.opt(4, &recv), n.opt(5, &drop)]);
    n.block(0x4000_0bad, &[0, 0, 0x7f, 0xff]); // custom, do not copy
    n.block(0x0a, b"TLSK\x04\0\0\0abcd"); // DSB
    n.block(0x0000_0009, b"__REALTIME=1\n"); // systemd journal: not a packet
    n.block(0x8000_0001, b"local use"); // local-use block type
    n.epb(0, 2, b"two");
    let (got, o) = read_bytes(&n.out);
    assert!(o.error.is_none(), "{}", err_text(&o));
    assert_eq!(got.iter().map(|g| g.number).collect::<Vec<_>>(), vec![1, 2]);
    let b = &o.summary.blocks;
    assert_eq!(
        (
            b.name_resolution,
            b.custom,
            b.interface_statistics,
            b.decryption_secrets,
            b.other
        ),
        (1, 2, 1, 1, 2)
    );
    let st = &o.summary.interface_stats[0];
    assert_eq!(
        (
            st.interface_id,
            st.ts_nanos,
            st.if_recv,
            st.if_drop,
            st.os_drop
        ),
        (0, 2_000_000_000, Some(100), Some(2), None)
    );
}

#[test]
fn pcapng_packet_block_with_unknown_interface_is_skipped() {
    let mut n = Ng::new(false);
    n.idb(1, 0, &[]);
    n.epb(0, 1, b"one");
    let bad = n.epb(3, 2, b"nowhere");
    n.epb(0, 3, b"two");
    let (got, o) = read_bytes(&n.out);
    assert!(o.error.is_none());
    assert_eq!(
        got.iter()
            .map(|g| (g.number, g.data.clone()))
            .collect::<Vec<_>>(),
        vec![(1, b"one".to_vec()), (2, b"two".to_vec())]
    );
    assert_eq!(o.summary.skipped_blocks, 1);
    assert_eq!(o.summary.skipped[0].offset, bad);
    assert_eq!(
        o.summary.skipped[0].reason,
        "interface 3 not described (section has 1)"
    );
    // Packets before any IDB, and an SPB without interface 0, are skipped the same way; a new
    // section forgets the previous section's interfaces.
    let mut n = Ng::new(true);
    n.spb(4, b"abcd");
    n.epb(0, 1, b"x");
    n.idb(1, 0, &[]);
    n.shb(false);
    n.epb(0, 1, b"y");
    let (got, o) = read_bytes(&n.out);
    assert!(got.is_empty() && o.error.is_none());
    assert_eq!(o.summary.skipped_blocks, 3);
}

#[test]
fn pcapng_caplen_past_block_is_skipped() {
    let mut n = Ng::new(false);
    n.idb(1, 0, &[]);
    let bad = n.epb_raw(0, 1, 5000, 5000, b"short");
    n.epb(0, 2, b"fine");
    let (got, o) = read_bytes(&n.out);
    assert!(o.error.is_none());
    assert_eq!(got.len(), 1);
    assert_eq!(o.summary.skipped[0].offset, bad);
}

#[test]
fn pcapng_lying_block_lengths_are_fatal_with_offset() {
    let mut base = Ng::new(false);
    base.idb(1, 0, &[]);
    base.epb(0, 1, b"kept");
    let at = base.out.len();
    let with_len = |len: u32| {
        let mut v = base.out.clone();
        v.extend_from_slice(&6u32.to_le_bytes());
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(&[0u8; 40]);
        v
    };
    let cases: [(u32, String); 5] = [
        (
            8,
            format!(
                "t.pcapng: pcapng block type 0x00000006 at byte {at} has impossible length 8 (shorter than the 12-byte minimum)"
            ),
        ),
        (
            0,
            format!(
                "t.pcapng: pcapng block type 0x00000006 at byte {at} has impossible length 0 (shorter than the 12-byte minimum)"
            ),
        ),
        (
            30,
            format!(
                "t.pcapng: pcapng block type 0x00000006 at byte {at} has impossible length 30 (not a multiple of 4)"
            ),
        ),
        (
            1000,
            format!("t.pcapng: truncated pcapng block at byte {at} (needs 1000 bytes, 48 left)"),
        ),
        (
            0xffff_fff0,
            format!(
                "t.pcapng: pcapng block at byte {at} claims 4294967280 bytes, over the limit of {}",
                pcapng::MAX_BLOCK_LEN
            ),
        ),
    ];
    for (len, msg) in cases {
        let (got, o) = read_bytes_as("t.pcapng", &with_len(len));
        assert_eq!(got.len(), 1, "frames before the damage, len {len}");
        assert_eq!(err_text(&o), msg);
    }
    // Trailer disagreeing with the header.
    let mut v = base.out.clone();
    let last = v.len() - 4;
    v[last] ^= 4;
    let (got, o) = read_bytes_as("t.pcapng", &v);
    assert!(got.is_empty());
    assert!(
        err_text(&o).contains("(trailing length differs)"),
        "{}",
        err_text(&o)
    );
    // Cut inside a block header.
    let (got, o) = read_bytes_as("t.pcapng", &with_len(1000)[..at + 6]);
    assert_eq!(got.len(), 1);
    assert_eq!(
        err_text(&o),
        format!("t.pcapng: truncated pcapng block header at byte {at} (needs 12 bytes, 6 left)")
    );
}

#[test]
fn pcapng_bad_section_headers() {
    let mut n = Ng::new(false);
    n.out[8..12].copy_from_slice(&[1, 2, 3, 4]);
    let (_, o) = read_bytes_as("t.pcapng", &n.out);
    assert_eq!(
        err_text(&o),
        "t.pcapng: pcapng section header at byte 0 has unknown byte-order magic 0x01020304"
    );
    let mut n = Ng::new(true);
    n.out[12..14].copy_from_slice(&2u16.to_be_bytes());
    let (_, o) = read_bytes_as("t.pcapng", &n.out);
    assert_eq!(
        err_text(&o),
        "t.pcapng: pcapng section header at byte 0 has unsupported version 2.0"
    );
    // An SHB too short for its fixed fields.
    let mut n = Ng {
        be: false,
        out: Vec::new(),
    };
    n.block(0x0a0d_0d0a, &0x1a2b_3c4du32.to_le_bytes());
    let (_, o) = read_bytes_as("t.pcapng", &n.out);
    assert!(
        matches!(
            o.error,
            Some(CaptureError::BadBlockLength { offset: 0, .. })
        ),
        "{}",
        err_text(&o)
    );
    // Cut inside the first SHB: nothing delivered, error at 0.
    let n = Ng::new(false);
    let (_, o) = read_bytes_as("t.pcapng", &n.out[..20]);
    assert!(
        err_text(&o).starts_with("t.pcapng: truncated pcapng block at byte 0"),
        "{}",
        err_text(&o)
    );
}

#[test]
fn pcapng_zero_length_packets() {
    let mut n = Ng::new(false);
    n.idb(1, 0, &[]);
    n.epb_raw(0, 0, 0, 0, b"");
    n.spb(0, b"");
    let (got, o) = read_bytes(&n.out);
    assert!(o.error.is_none());
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|g| g.data.is_empty()));
}

#[test]
fn pcapng_interfaces_per_section_are_bounded() {
    let mut n = Ng::new(false);
    for _ in 0..=MAX_INTERFACES_PER_SECTION {
        n.idb(1, 0, &[]);
    }
    let (_, o) = read_bytes_as("t.pcapng", &n.out);
    assert!(matches!(
        o.error,
        Some(CaptureError::TooManyInterfaces { .. })
    ));
    assert_eq!(o.summary.interfaces.len(), MAX_SUMMARY_ITEMS);
    assert_eq!(o.summary.interface_count, MAX_INTERFACES_PER_SECTION as u64);
}

// ---------- compression, magic, I/O ----------

fn sample_pcap() -> Vec<u8> {
    let mut p = Pcap::new(false, Variant::Micro, 1, 65535);
    p.record(1, 0, b"one").record(2, 0, b"two");
    p.out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip to memory");
    e.finish().expect("gzip to memory")
}

#[test]
fn gzip_and_zstd_are_transparent() {
    let plain = sample_pcap();
    let (want, _) = read_bytes(&plain);
    let gz = gzip(&plain);
    let (got, o) = read_bytes_as("c.pcap.gz", &gz);
    assert!(o.error.is_none());
    assert_eq!(
        (got, o.summary.compression, o.summary.bytes_read),
        (want.clone(), Compression::Gzip, plain.len() as u64)
    );
    let zst = zstd::encode_all(&plain[..], 1).expect("zstd to memory");
    let (got, o) = read_bytes_as("c.pcap.zst", &zst);
    assert!(o.error.is_none());
    assert_eq!((got, o.summary.compression), (want, Compression::Zstd));
    // A multi-member gzip (e.g. `cat a.gz b.gz`) is one stream: the pcapng here spans both.
    let mut n = Ng::new(false);
    n.idb(1, 0, &[]);
    n.epb(0, 1, b"a");
    n.epb(0, 2, b"b");
    let mut two = gzip(&n.out[..50]);
    two.extend(gzip(&n.out[50..]));
    let (got, o) = read_bytes_as("c.pcapng.gz", &two);
    assert!(o.error.is_none(), "{}", err_text(&o));
    assert_eq!(got.len(), 2);
    // Compressed garbage is still refused by its inner magic.
    let (_, o) = read_bytes_as("c.txt.gz", &gzip(b"<!DOCTYPE html>"));
    assert_eq!(
        err_text(&o),
        "c.txt.gz: not a capture file (magic 0x3c21444f at byte 0)"
    );
}

#[test]
fn damaged_compression_names_file_and_offset() {
    let mut p = Pcap::new(false, Variant::Micro, 1, 65535);
    for i in 0..2000u32 {
        p.record(i, 0, &i.to_le_bytes().repeat(50));
    }
    let gz = gzip(&p.out);
    let (got, o) = read_bytes_as("c.pcap.gz", &gz[..gz.len() / 2]);
    let msg = err_text(&o);
    assert!(msg.starts_with("c.pcap.gz: "), "{msg}");
    assert!(msg.contains(" at byte "), "{msg}");
    assert!(!got.is_empty() && got.len() < 2000);
    let mut bad = gz.clone();
    let mid = bad.len() / 2;
    bad[mid..mid + 64].fill(0xff);
    let (_, o) = read_bytes_as("c.pcap.gz", &bad);
    assert!(o.error.is_some());
}

#[test]
fn not_a_capture_and_short_inputs() {
    let (_, o) = read_bytes_as("foo.txt", b"<!DOCTYPE html><html></html>");
    assert_eq!(
        err_text(&o),
        "foo.txt: not a capture file (magic 0x3c21444f at byte 0)"
    );
    assert_eq!(o.summary.format, None);
    let (_, o) = read_bytes_as("foo.txt", b"");
    assert_eq!(err_text(&o), "foo.txt: empty input (no data at byte 0)");
    let (_, o) = read_bytes_as("foo.txt", b"\xd4\xc3");
    assert_eq!(
        err_text(&o),
        "foo.txt: truncated file magic at byte 0 (needs 4 bytes, 2 left)"
    );
    let (_, o) = read_bytes_as("gz", b"\x1f\x8b");
    assert!(
        err_text(&o).starts_with("gz: gzip decompression failed at byte 0"),
        "{}",
        err_text(&o)
    );
    let o = read_capture(&Input::Path("/nonexistent/arcaudit.pcap".into()), |_| {});
    assert!(
        err_text(&o).starts_with("/nonexistent/arcaudit.pcap: cannot open at byte 0: "),
        "{}",
        err_text(&o)
    );
}

#[test]
fn read_errors_name_input_and_offset() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let p = sample_pcap();
            if self.0 >= p.len() - 3 {
                return Err(io::Error::other("disk on fire"));
            }
            let n = out.len().min(p.len() - 3 - self.0);
            out[..n].copy_from_slice(&p[self.0..self.0 + n]);
            self.0 += n;
            Ok(n)
        }
    }
    let (got, o) = read_with("-", Failing(0));
    assert_eq!(got.len(), 1);
    assert_eq!(
        err_text(&o),
        format!(
            "-: read error at byte {}: disk on fire",
            sample_pcap().len() - 3
        )
    );
}

#[test]
fn read_capture_opens_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trace.bin"); // the extension is irrelevant
    std::fs::write(&path, gzip(&sample_pcap())).expect("write");
    let mut n = 0;
    let o = read_capture(&Input::Path(path), |_| n += 1);
    assert!(o.error.is_none());
    assert_eq!((n, o.summary.compression), (2, Compression::Gzip));
}

/// Mutates valid fixtures (truncation, byte flips, length fields set to extremes) and checks the
/// reader only ever returns, never panics, and keeps its frames inside the input.
#[test]
fn mutated_fixtures_never_panic() {
    let mut n = Ng::new(false);
    n.idb(1, 64, &[opt(false, 9, &[0x85]), opt(false, 14, &[1; 8])]);
    n.epb(0, 1, b"abcdefgh");
    n.spb(20, b"0123456789abcdef0123");
    n.pb(0, 5, b"pb");
    n.isb(0, 9, &[opt(false, 4, &[1; 8])]);
    n.shb(true);
    n.idb(1, 0, &[]);
    n.epb(0, 1, b"big endian");
    let mut p = Pcap::new(true, Variant::Modified, 1, 100);
    p.record(1, 2, b"modified").record(3, 4, b"pcap");
    let fixtures = [n.out, p.out, sample_pcap()];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..3000 {
        let mut v = fixtures[round % fixtures.len()].clone();
        for _ in 0..1 + rand() % 4 {
            let i = (rand() as usize) % v.len();
            match rand() % 4 {
                0 => v[i] = rand() as u8,
                1 => v.truncate(i),
                2 => {
                    let end = (i + 4).min(v.len());
                    v[i..end].fill(0xff);
                }
                _ => {
                    let end = (i + 4).min(v.len());
                    v[i..end].fill(0);
                }
            }
            if v.is_empty() {
                break;
            }
        }
        let total = v.len();
        let o = read_from(&Input::Stdin, &v[..], |f| {
            assert!(f.data.len() <= total && f.offset < total as u64);
        });
        if let Some(e) = o.error {
            assert!(e.to_string().starts_with("-: "));
            assert!(e.offset() <= total as u64);
        }
    }
}

#[test]
fn pcapng_section_and_interface_options_name_the_machine_bounded() {
    for be in [false, true] {
        let mut n = Ng {
            be,
            out: Vec::new(),
        };
        let mut body = n.e32(0x1a2b_3c4d).to_vec();
        body.extend_from_slice(&n.e16(1));
        body.extend_from_slice(&n.e16(0));
        body.extend_from_slice(&[0xff; 8]);
        body.extend(n.opt(2, b"Intel Xeon"));
        body.extend(n.opt(3, b"Linux 6.1\0\0pad"));
        body.extend(n.opt(4, b"dumpcap"));
        for i in 0..12 {
            body.extend(n.opt(1, format!("host=web-{i:02}").as_bytes()));
        }
        body.extend(n.opt(1, &[b'x'; 300]));
        body.extend_from_slice(&[0; 4]);
        n.block(0x0a0d_0d0a, &body);
        let mut v6 = vec![0xfd, 0, 0x0a, 0x1c];
        v6.extend_from_slice(&[0; 11]);
        v6.extend_from_slice(&[4, 64]);
        n.idb(
            1,
            0,
            &[
                n.opt(2, b"eth0"),
                n.opt(3, b"Azure VM NIC"),
                n.opt(4, &[10, 1, 0, 4, 255, 255, 255, 0]),
                n.opt(5, &v6),
                n.opt(4, &[10, 1]), // too short: ignored
                n.opt(6, &[2, 0, 10, 1, 0, 4]),
            ],
        );
        let (_, o) = read_bytes_as("opts.pcapng", &n.out);
        assert!(o.error.is_none(), "{}", err_text(&o));
        let s = &o.summary.sections[0];
        assert_eq!(s.hardware.as_deref(), Some("Intel Xeon"));
        assert_eq!(s.os.as_deref(), Some("Linux 6.1"));
        assert_eq!(s.user_application.as_deref(), Some("dumpcap"));
        assert_eq!(s.comments.len(), super::summary::MAX_OPTION_VALUES);
        assert_eq!(s.comments[0], "host=web-00");
        let i = &o.summary.interfaces[0];
        assert_eq!(i.name.as_deref(), Some("eth0"));
        assert_eq!(i.description.as_deref(), Some("Azure VM NIC"));
        let addrs: Vec<String> = i.addresses.iter().map(|a| a.to_string()).collect();
        assert_eq!(addrs, ["10.1.0.4", "fd00:a1c::4"]);
        assert_eq!(i.mac.as_deref(), Some("02:00:0a:01:00:04"));
    }
}
