//! Shared helpers of the integration tests: running the real pipeline over one file, reading
//! the corpus' TSV tables, and building small captures. Where the shared corpus is, and
//! whether a test can run without it, is the harness' business (harness.rs).
#![allow(dead_code)]

pub mod fleet;

use std::collections::HashMap;
use std::path::Path;

use arcaudit::capture::Input;
use arcaudit::pipeline::{self, FileStats, Flow, PipelineConfig};

pub fn analyze(path: &Path) -> (Vec<Flow>, FileStats) {
    let mut flows = Vec::new();
    let stats = pipeline::analyze(
        &Input::Path(path.to_path_buf()),
        &PipelineConfig::default(),
        &mut |f| flows.push(f),
    );
    (flows, stats)
}

/// A TSV file as rows of column name -> value.
pub fn read_tsv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(
                    l.split('\t')
                        .map(str::to_string)
                        .chain(std::iter::repeat(String::new())),
                )
                .collect()
        })
        .collect()
}

/// "TLS1.2 (0x0303)" or "0x0303" -> 0x0303.
pub fn hex_in(s: &str) -> Option<u16> {
    let s = s.trim();
    let h = match s.find("0x") {
        Some(i) => &s[i + 2..],
        None => return None,
    };
    let h: String = h.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    u16::from_str_radix(&h, 16).ok()
}

/// "0x1301,0x1302" -> [0x1301, 0x1302]; empty -> [].
pub fn hex_list(s: &str) -> Vec<u16> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .filter_map(hex_in)
        .collect()
}

/// Builds small classic pcap files (little-endian, µs, Ethernet) for tests that must not
/// depend on the shared corpus.
pub struct PcapBuilder {
    bytes: Vec<u8>,
    ts: u32,
}

impl Default for PcapBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PcapBuilder {
    pub fn new() -> Self {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&65535u32.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        PcapBuilder {
            bytes,
            ts: 1_700_000_000,
        }
    }

    /// Appends an Ethernet/IPv4/TCP frame.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        mut self,
        src: [u8; 4],
        sport: u16,
        dst: [u8; 4],
        dport: u16,
        flags: u8,
        seq: u32,
        ack: u32,
        payload: &[u8],
    ) -> Self {
        let mut f = eth_ipv4(6, src, dst, 20 + payload.len());
        f.extend_from_slice(&sport.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&ack.to_be_bytes());
        f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        f.extend_from_slice(payload);
        self.push_frame(&f);
        self
    }

    /// A full handshake from 10.1.0.4:50000 to the server, the client's payload, FIN close.
    pub fn handshake(self, server: [u8; 4], client_payload: &[u8]) -> Self {
        let c = [10, 1, 0, 4];
        let n = client_payload.len() as u32;
        self.tcp(c, 50000, server, 443, 0x02, 1000, 0, b"")
            .tcp(server, 443, c, 50000, 0x12, 5000, 1001, b"")
            .tcp(c, 50000, server, 443, 0x10, 1001, 5001, b"")
            .tcp(c, 50000, server, 443, 0x18, 1001, 5001, client_payload)
            .tcp(c, 50000, server, 443, 0x11, 1001 + n, 5001, b"")
            .tcp(server, 443, c, 50000, 0x11, 5001, 1002 + n, b"")
            .tcp(c, 50000, server, 443, 0x10, 1002 + n, 5002, b"")
    }

    pub fn build(self) -> Vec<u8> {
        self.bytes
    }
}

/// A minimal TLS 1.2-record ClientHello offering TLS 1.3 and 1.2 with the given SNI.
pub fn client_hello(sni: &[u8]) -> Vec<u8> {
    let mut exts = Vec::new();
    // server_name
    let mut sn = Vec::new();
    sn.push(0u8);
    sn.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    sn.extend_from_slice(sni);
    let mut sn_list = (sn.len() as u16).to_be_bytes().to_vec();
    sn_list.extend_from_slice(&sn);
    exts.extend_from_slice(&0u16.to_be_bytes());
    exts.extend_from_slice(&(sn_list.len() as u16).to_be_bytes());
    exts.extend_from_slice(&sn_list);
    // supported_versions: 1.3, 1.2
    exts.extend_from_slice(&[0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03]);
    let mut body = Vec::new();
    body.extend_from_slice(&[0x03, 0x03]);
    body.extend_from_slice(&[7u8; 32]);
    body.push(0);
    body.extend_from_slice(&[0x00, 0x04, 0x13, 0x02, 0x13, 0x01]);
    body.extend_from_slice(&[0x01, 0x00]);
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![0x01, 0, (body.len() >> 8) as u8, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01, (hs.len() >> 8) as u8, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}

// ---- Group "blocked and coverage rules": UDP/DNS, ICMP and clock helpers. ----

/// Ethernet + IPv4 header for a payload of `len` bytes of protocol `proto`.
fn eth_ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], len: usize) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
    let total = (20 + len) as u16;
    f.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        proto,
        0,
        0,
    ]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f
}

impl PcapBuilder {
    /// Sets the clock: the next frame is stamped `secs` seconds after the builder's epoch
    /// (1_700_000_000); each frame still adds one second.
    pub fn at(mut self, secs: u32) -> Self {
        self.ts = 1_700_000_000 + secs;
        self
    }

    fn push_frame(&mut self, f: &[u8]) {
        self.ts += 1;
        self.bytes.extend_from_slice(&self.ts.to_le_bytes());
        self.bytes.extend_from_slice(&0u32.to_le_bytes());
        self.bytes
            .extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(f);
    }

    /// Appends an Ethernet/IPv4/UDP frame (checksum 0: "not computed").
    pub fn udp(
        mut self,
        src: [u8; 4],
        sport: u16,
        dst: [u8; 4],
        dport: u16,
        payload: &[u8],
    ) -> Self {
        let mut f = eth_ipv4(17, src, dst, 8 + payload.len());
        f.extend_from_slice(&sport.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(payload);
        self.push_frame(&f);
        self
    }

    /// A DNS query from 10.1.0.4:`port` to the resolver 10.1.0.53 and, when `answer` is
    /// Some, its response with that RCODE and those A records.
    pub fn dns(
        self,
        port: u16,
        id: u16,
        name: &str,
        qtype: u16,
        answer: Option<(u8, &[[u8; 4]])>,
    ) -> Self {
        let host = [10, 1, 0, 4];
        let resolver = [10, 1, 0, 53];
        let b = self.udp(
            host,
            port,
            resolver,
            53,
            &dns_message(id, false, 0, name, qtype, &[]),
        );
        match answer {
            Some((rcode, addrs)) => b.udp(
                resolver,
                53,
                host,
                port,
                &dns_message(id, true, rcode, name, qtype, addrs),
            ),
            None => b,
        }
    }

    /// An ICMPv4 destination unreachable (type 3, `code`) from `from` to `to`, quoting the
    /// IPv4 header and first 8 TCP bytes of a SYN `quoted_src:sport -> quoted_dst:dport`.
    #[allow(clippy::too_many_arguments)]
    pub fn icmp_unreachable(
        mut self,
        from: [u8; 4],
        to: [u8; 4],
        code: u8,
        quoted_src: [u8; 4],
        sport: u16,
        quoted_dst: [u8; 4],
        dport: u16,
        seq: u32,
    ) -> Self {
        let mut quoted = eth_ipv4(6, quoted_src, quoted_dst, 20);
        quoted.drain(..14);
        quoted.extend_from_slice(&sport.to_be_bytes());
        quoted.extend_from_slice(&dport.to_be_bytes());
        quoted.extend_from_slice(&seq.to_be_bytes());
        let mut icmp = vec![3, code, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&quoted);
        let mut f = eth_ipv4(1, from, to, icmp.len());
        f.extend_from_slice(&icmp);
        self.push_frame(&f);
        self
    }

    /// [`PcapBuilder::handshake`] from client port `sport`: several flows in one capture.
    pub fn handshake_from(self, sport: u16, server: [u8; 4], client_payload: &[u8]) -> Self {
        let c = [10, 1, 0, 4];
        let n = client_payload.len() as u32;
        self.tcp(c, sport, server, 443, 0x02, 1000, 0, b"")
            .tcp(server, 443, c, sport, 0x12, 5000, 1001, b"")
            .tcp(c, sport, server, 443, 0x10, 1001, 5001, b"")
            .tcp(c, sport, server, 443, 0x18, 1001, 5001, client_payload)
            .tcp(c, sport, server, 443, 0x11, 1001 + n, 5001, b"")
            .tcp(server, 443, c, sport, 0x11, 5001, 1002 + n, b"")
            .tcp(c, sport, server, 443, 0x10, 1002 + n, 5002, b"")
    }
}

/// A DNS message with one question and, for a response, one A record per address.
pub fn dns_message(
    id: u16,
    response: bool,
    rcode: u8,
    name: &str,
    qtype: u16,
    addrs: &[[u8; 4]],
) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    let flags: u16 = if response {
        0x8180 | u16::from(rcode & 0x0f)
    } else {
        0x0100
    };
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    m.extend_from_slice(&(addrs.len() as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    for a in addrs {
        // Name: pointer to the question at offset 12.
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend_from_slice(a);
    }
    m
}

// ---- misrouted and weak-tls rules (rules-b): builders for captures no sample shows ----

impl PcapBuilder {
    /// An A query for `name` from 10.1.0.4 to the resolver 10.1.0.53 and its NOERROR answer
    /// `addr` (two frames).
    pub fn dns_a(self, name: &str, addr: [u8; 4]) -> Self {
        let client = [10, 1, 0, 4];
        let resolver = [10, 1, 0, 53];
        self.udp(
            client,
            53000,
            resolver,
            53,
            &dns_a_message(0x1234, false, name, None),
        )
        .udp(
            resolver,
            53,
            client,
            53000,
            &dns_a_message(0x1234, true, name, Some(addr)),
        )
    }

    /// Like [`PcapBuilder::handshake`] but to any server port, from client port `cport`.
    pub fn handshake_to(
        self,
        server: [u8; 4],
        port: u16,
        cport: u16,
        client_payload: &[u8],
    ) -> Self {
        let c = [10, 1, 0, 4];
        let n = client_payload.len() as u32;
        self.tcp(c, cport, server, port, 0x02, 1000, 0, b"")
            .tcp(server, port, c, cport, 0x12, 5000, 1001, b"")
            .tcp(c, cport, server, port, 0x10, 1001, 5001, b"")
            .tcp(c, cport, server, port, 0x18, 1001, 5001, client_payload)
            .tcp(c, cport, server, port, 0x11, 1001 + n, 5001, b"")
            .tcp(server, port, c, cport, 0x11, 5001, 1002 + n, b"")
            .tcp(c, cport, server, port, 0x10, 1002 + n, 5002, b"")
    }
}

/// A DNS query (or, with `is_response`, its answer carrying `addr` when given) for `name`, type A.
pub fn dns_a_message(id: u16, is_response: bool, name: &str, addr: Option<[u8; 4]>) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(if is_response {
        &[0x81, 0x80]
    } else {
        &[0x01, 0x00]
    });
    let an = u16::from(is_response && addr.is_some());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&an.to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&[0, 1, 0, 1]);
    if let (true, Some(a)) = (is_response, addr) {
        // Name pointer to the question (offset 12), A, IN, TTL 60, 4 bytes.
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend_from_slice(&a);
    }
    m
}

/// A ClientHello record with the SNI, the legacy version field, the suites and, when
/// given, a supported_versions extension (none: the legacy field is the client's highest
/// version, as in a TLS 1.0-only client).
pub fn client_hello_with(
    sni: &[u8],
    legacy_version: u16,
    suites: &[u16],
    supported_versions: Option<&[u16]>,
) -> Vec<u8> {
    let mut exts = Vec::new();
    let mut sn = vec![0u8];
    sn.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    sn.extend_from_slice(sni);
    let mut sn_list = (sn.len() as u16).to_be_bytes().to_vec();
    sn_list.extend_from_slice(&sn);
    exts.extend_from_slice(&0u16.to_be_bytes());
    exts.extend_from_slice(&(sn_list.len() as u16).to_be_bytes());
    exts.extend_from_slice(&sn_list);
    if let Some(vs) = supported_versions {
        exts.extend_from_slice(&[0x00, 0x2b]);
        exts.extend_from_slice(&((1 + 2 * vs.len()) as u16).to_be_bytes());
        exts.push((2 * vs.len()) as u8);
        for v in vs {
            exts.extend_from_slice(&v.to_be_bytes());
        }
    }
    let mut body = Vec::new();
    body.extend_from_slice(&legacy_version.to_be_bytes());
    body.extend_from_slice(&[7u8; 32]);
    body.push(0);
    body.extend_from_slice(&((2 * suites.len()) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]);
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![0x01, 0, (body.len() >> 8) as u8, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01, (hs.len() >> 8) as u8, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}
