//! Client fingerprints of a ClientHello: JA3 (Salesforce, BSD-3-Clause) and JA4 (FoxIO; only
//! JA4 itself, which is BSD-3-Clause; JA4S/JA4X are under another licence and left out).
//!
//! JA4 follows technical_details/JA4.md of FoxIO-LLC/ja4: GREASE ignored everywhere; version
//! from the highest supported_versions entry else legacy_version; `d` when a server_name
//! extension is present; counts capped at 99; ALPN first and last character of the first value
//! (hex digits when either byte is not ASCII alphanumeric); ciphers sorted; extensions sorted
//! without SNI (0) and ALPN (16), then `_` and the signature algorithms in wire order; an empty
//! list hashes to twelve zeros.

use md5::{Digest as _, Md5};
use serde::Serialize;
use sha2::Sha256;

use super::hello::{ClientHello, Extract, WireLists, ext};
use super::names::is_grease;
use super::version::TlsVersion;

/// Transport letter that opens a JA4: `t` TLS over TCP, `q` QUIC, `d` DTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ja4Transport {
    Tcp,
    Quic,
    Dtls,
}

impl Ja4Transport {
    fn letter(self) -> char {
        match self {
            Ja4Transport::Tcp => 't',
            Ja4Transport::Quic => 'q',
            Ja4Transport::Dtls => 'd',
        }
    }
}

/// Fingerprints computed per thread, by the hello fields they depend on. A capture repeats
/// the same few client stacks thousands of times (the agent reconnects every few minutes);
/// hashing and formatting each hello again cost a third of the whole pipeline. Bounded: the
/// cache is emptied when it reaches this many entries.
const FINGERPRINT_CACHE_ENTRIES: usize = 4096;

/// The cache: fingerprints keyed by the hello fields they depend on, written as 16-bit
/// values by [`KeyWriter`], and the buffer the key of the hello at hand is written into
/// (reused, so a hit costs no allocation).
#[derive(Default)]
struct Cache {
    key: Vec<u16>,
    map: rustc_hash::FxHashMap<Box<[u16]>, [String; 4]>,
}

thread_local! {
    static FINGERPRINTS: std::cell::RefCell<Cache> = std::cell::RefCell::new(Cache::default());
}

/// Writes the key of a hello: the fields the fingerprints depend on, each list prefixed by
/// its length (two values) so that no two different hellos write the same key. The lists
/// are copied whole, and the fingerprints of a new key are computed from that copy
/// ([`Fields`]), so JA4 reads the same values whichever form the hello's lists came in.
struct KeyWriter<'o> {
    out: &'o mut Vec<u16>,
    layout: Layout,
    n: usize,
}

/// Where [`Fields`]' lists are in a key: suites, extensions, groups, point formats,
/// versions, signature algorithms, then the first ALPN entry (when there is one).
#[derive(Default)]
struct Layout {
    lists: [std::ops::Range<usize>; 7],
    alpn: bool,
}

impl<'o> KeyWriter<'o> {
    fn new(out: &'o mut Vec<u16>, details: bool, legacy: TlsVersion, sslv2: bool) -> Self {
        out.clear();
        // Entries made without the details hold JA4 alone.
        out.extend_from_slice(&[u16::from(details), legacy.0, u16::from(sslv2)]);
        KeyWriter {
            out,
            layout: Layout::default(),
            n: 0,
        }
    }

    /// Starts the next list: room for its length.
    #[inline]
    fn open(&mut self) -> usize {
        let at = self.out.len();
        self.out.extend_from_slice(&[0, 0]);
        at
    }

    /// Ends the list opened at `at`: writes its length, notes where it is.
    #[inline]
    fn close(&mut self, at: usize) {
        let n = (self.out.len() - at - 2) as u32;
        self.out[at] = (n >> 16) as u16;
        self.out[at + 1] = n as u16;
        if let Some(slot) = self.layout.lists.get_mut(self.n) {
            *slot = at + 2..self.out.len();
        }
        self.n += 1;
    }

    #[inline]
    fn words(&mut self, values: &[u16]) -> &mut Self {
        let at = self.open();
        self.out.extend_from_slice(values);
        self.close(at);
        self
    }

    /// Big-endian 16-bit values (a trailing odd byte ignored, as the hello does).
    #[inline]
    fn be16(&mut self, bytes: &[u8]) -> &mut Self {
        let at = self.open();
        self.out.extend(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]])),
        );
        self.close(at);
        self
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let at = self.open();
        self.out.extend(bytes.iter().map(|&b| u16::from(b)));
        self.close(at);
        self
    }

    /// The types of an extension block, up to the first header that overruns it.
    fn extension_types(&mut self, block: &[u8]) -> &mut Self {
        let at = self.open();
        let mut rest = block;
        while let Some((&[t0, t1, l0, l1], tail)) = rest.split_first_chunk::<4>()
            && let Some(next) = tail.get(usize::from(u16::from_be_bytes([l0, l1]))..)
        {
            self.out.push(u16::from_be_bytes([t0, t1]));
            rest = next;
        }
        self.close(at);
        self
    }

    /// The first ALPN entry's bytes, last.
    fn alpn(&mut self, first: Option<&[u8]>) -> Layout {
        match first {
            Some(a) => {
                self.out.push(1);
                self.bytes(a);
                self.layout.alpn = true;
            }
            None => self.out.push(0),
        }
        std::mem::take(&mut self.layout)
    }
}

/// The key of a parsed hello (its own lists).
fn key_of_hello(ch: &ClientHello, details: bool, out: &mut Vec<u16>) -> Layout {
    let mut w = KeyWriter::new(out, details, ch.legacy_version, ch.sslv2_format);
    w.words(&ch.cipher_suites)
        .words(&ch.extensions)
        .words(&ch.supported_groups)
        .bytes(&ch.ec_point_formats);
    let at = w.open();
    w.out.extend(ch.supported_versions.iter().map(|v| v.0));
    w.close(at);
    w.words(&ch.signature_algorithms).alpn(ch.alpn_first())
}

/// The key of a hello from its lists as sent. Without the details the groups and point
/// formats are left out (JA3 alone reads them), as a hello parsed without them has none.
fn key_of_wire(legacy: TlsVersion, l: &WireLists, details: bool, out: &mut Vec<u16>) -> Layout {
    let (groups, points) = if details {
        (l.groups, l.point_formats)
    } else {
        (&[][..], &[][..])
    };
    KeyWriter::new(out, details, legacy, false)
        .be16(l.suites)
        .extension_types(l.extensions)
        .be16(groups)
        .bytes(points)
        .be16(l.versions)
        .be16(l.signature_algorithms)
        .alpn(l.alpn_first)
}

/// A hello's fields as its key holds them: what JA3 and JA4 are computed from.
struct Fields<'k> {
    legacy: TlsVersion,
    suites: &'k [u16],
    extensions: &'k [u16],
    groups: &'k [u16],
    /// One byte each.
    point_formats: &'k [u16],
    versions: &'k [u16],
    signature_algorithms: &'k [u16],
    /// One byte each.
    alpn_first: Option<&'k [u16]>,
}

impl Layout {
    fn fields<'k>(&self, key: &'k [u16]) -> Fields<'k> {
        let list = |i: usize| {
            self.lists
                .get(i)
                .and_then(|r| key.get(r.clone()))
                .unwrap_or_default()
        };
        Fields {
            legacy: TlsVersion(key.get(1).copied().unwrap_or_default()),
            suites: list(0),
            extensions: list(1),
            groups: list(2),
            point_formats: list(3),
            versions: list(4),
            signature_algorithms: list(5),
            alpn_first: self.alpn.then(|| list(6)),
        }
    }
}

/// Fills `ja3`, `ja3_hash`, `ja4` and `ja4_r` (TCP), or `ja4` alone without
/// `extract.hello_details`. Called by the record reader once a hello is parsed, with the
/// hello's lists as sent (`wire`: read when the hello does not keep its own), or without
/// them (SSLv2 format): the parser itself leaves these fields empty.
pub(crate) fn fill_client_fingerprints(
    ch: &mut ClientHello,
    wire: Option<&WireLists>,
    extract: Extract,
) {
    let details = extract.hello_details;
    let [ja3, ja3_hash, ja4, ja4_r] = FINGERPRINTS.with(|c| {
        let Cache { key, map } = &mut *c.borrow_mut();
        // With the details the hello holds its lists whole, and copying them is cheaper
        // than decoding the message again.
        let layout = match wire {
            Some(w) if !details => key_of_wire(ch.legacy_version, w, details, key),
            _ => key_of_hello(ch, details, key),
        };
        if let Some(v) = map.get(key.as_slice()) {
            return v.clone();
        }
        let f = layout.fields(key);
        let v = if details {
            let ja3 = ja3_of(&f);
            let ja3_hash = hex(&Md5::digest(ja3.as_bytes()));
            let (ja4, ja4_r) = ja4_pair(&f, Ja4Transport::Tcp);
            [ja3, ja3_hash, ja4, ja4_r]
        } else {
            let ja4 = ja4_pair(&f, Ja4Transport::Tcp).0;
            [String::new(), String::new(), ja4, String::new()]
        };
        if map.len() >= FINGERPRINT_CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key.as_slice().into(), v.clone());
        v
    });
    ch.ja3 = ja3;
    ch.ja3_hash = ja3_hash;
    ch.ja4 = ja4;
    ch.ja4_r = ja4_r;
}

/// JA3 string: "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats", decimal
/// values joined by '-', GREASE removed, lists in wire order.
pub fn ja3_string(ch: &ClientHello) -> String {
    let mut key = Vec::new();
    let layout = key_of_hello(ch, true, &mut key);
    ja3_of(&layout.fields(&key))
}

fn ja3_of(f: &Fields) -> String {
    fn join(values: impl Iterator<Item = u16>) -> String {
        values.map(|v| v.to_string()).collect::<Vec<_>>().join("-")
    }
    format!(
        "{},{},{},{},{}",
        f.legacy.0,
        join(without_grease(f.suites)),
        join(without_grease(f.extensions)),
        join(without_grease(f.groups)),
        join(f.point_formats.iter().copied()),
    )
}

/// JA4 of a ClientHello for the given transport.
pub fn ja4(ch: &ClientHello, transport: Ja4Transport) -> String {
    let mut key = Vec::new();
    let layout = key_of_hello(ch, true, &mut key);
    ja4_pair(&layout.fields(&key), transport).0
}

/// (JA4, JA4_r): hashed and raw forms.
fn ja4_pair(f: &Fields, transport: Ja4Transport) -> (String, String) {
    let version = if f.extensions.contains(&ext::SUPPORTED_VERSIONS) {
        f.versions
            .iter()
            .map(|&v| TlsVersion(v))
            .filter(|v| !v.is_grease())
            .max()
            .unwrap_or(f.legacy)
    } else {
        f.legacy
    };
    let version = match version.0 {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    };
    let sni = if f.extensions.contains(&ext::SERVER_NAME) {
        'd'
    } else {
        'i'
    };
    let mut ciphers: Vec<u16> = without_grease(f.suites).collect();
    let exts_all: Vec<u16> = without_grease(f.extensions).collect();
    // Bytes widened to 16 bits in the key: the casts are exact.
    let alpn = f
        .alpn_first
        .and_then(|v| Some((*v.first()? as u8, *v.last()? as u8)));
    let a = format!(
        "{}{}{}{:02}{:02}{}",
        transport.letter(),
        version,
        sni,
        ciphers.len().min(99),
        exts_all.len().min(99),
        alpn_ends(alpn),
    );
    ciphers.sort_unstable();
    let b = hex_list(&ciphers);
    let mut exts: Vec<u16> = exts_all
        .into_iter()
        .filter(|&e| e != ext::SERVER_NAME && e != ext::ALPN)
        .collect();
    exts.sort_unstable();
    let sigs: Vec<u16> = without_grease(f.signature_algorithms).collect();
    let mut c = hex_list(&exts);
    // The spec: without signature algorithms the string ends without an underscore; without
    // extensions (after removing SNI and ALPN) the part is twelve zeros whatever follows.
    if !sigs.is_empty() && !exts.is_empty() {
        c.push('_');
        c.push_str(&hex_list(&sigs));
    }
    let hashed = format!("{a}_{}_{}", hash12(&b), hash12(&c));
    let raw = format!("{a}_{b}_{c}");
    (hashed, raw)
}

/// First and last character of the first ALPN value; when either byte is not ASCII
/// alphanumeric, the first and last hex digit of the value instead; "00" without ALPN.
#[cfg(test)]
fn alpn_chars(first: Option<&[u8]>) -> String {
    alpn_ends(first.and_then(|v| Some((*v.first()?, *v.last()?))))
}

/// [`alpn_chars`] of a value by its first and last byte (all the rule reads), `None` for no
/// ALPN or an empty value.
fn alpn_ends(ends: Option<(u8, u8)>) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match ends {
        Some((f, l)) if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() => {
            format!("{}{}", char::from(f), char::from(l))
        }
        // The first hex digit of the first byte and the last of the last byte.
        Some((f, l)) => format!(
            "{}{}",
            char::from(HEX[usize::from(f >> 4)]),
            char::from(HEX[usize::from(l & 0xf)])
        ),
        None => "00".to_string(),
    }
}

fn hex_list(values: &[u16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(values.len() * 5);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        for shift in [12u16, 8, 4, 0] {
            s.push(char::from(HEX[usize::from((v >> shift) & 0xf)]));
        }
    }
    s
}

/// First 12 hex digits of SHA-256, or twelve zeros for an empty input (JA4's rule for an
/// empty list).
fn hash12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".to_string();
    }
    let mut h = hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

/// The values of a list that are not GREASE, in order.
fn without_grease(values: &[u16]) -> impl Iterator<Item = u16> + '_ {
    values.iter().copied().filter(|&v| !is_grease(v))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::TlsVersion;

    /// FoxIO's own unit test values (rust/ja4/src/tls.rs, test_client_stats_into_out).
    #[test]
    fn ja4_matches_foxio_reference_values() {
        let ch = ClientHello {
            legacy_version: TlsVersion::TLS_1_2,
            supported_versions: vec![TlsVersion::TLS_1_3, TlsVersion::TLS_1_2],
            cipher_suites: vec![
                0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023,
                0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
            ],
            signature_algorithms: vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ],
            alpn_first_raw: Some(b"h2".to_vec()),
            ..ClientHello::default()
        };
        let mut key = Vec::new();
        let (h, r) = ja4_pair(
            &key_of_hello(&ch, true, &mut key).fields(&key),
            Ja4Transport::Tcp,
        );
        assert_eq!(h, "t13d1516h2_8daaf6152771_e5627efa2ab1");
        assert_eq!(
            r,
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"
        );
        assert_eq!(
            ja4(&ch, Ja4Transport::Quic),
            "q13d1516h2_8daaf6152771_e5627efa2ab1"
        );
    }

    #[test]
    fn alpn_rule() {
        assert_eq!(alpn_chars(None), "00");
        assert_eq!(alpn_chars(Some(b"")), "00");
        assert_eq!(alpn_chars(Some(b"http/1.1")), "h1");
        assert_eq!(alpn_chars(Some(b"h2")), "h2");
        assert_eq!(alpn_chars(Some(&[0xab, 0xcd])), "ad");
        assert_eq!(alpn_chars(Some(b"h2-")), "6d");
        // The examples of JA4.md.
        assert_eq!(alpn_chars(Some(&[0xab])), "ab");
        assert_eq!(alpn_chars(Some(&[0x30, 0xab])), "3b");
        assert_eq!(alpn_chars(Some(&[0x30, 0x31, 0xab, 0xcd])), "3d");
        assert_eq!(alpn_chars(Some(&[0x30, 0xab, 0xcd, 0x31])), "01");
        assert_eq!(alpn_chars(Some(b"a")), "aa");
    }

    #[test]
    fn empty_lists_hash_to_zeros() {
        let ch = ClientHello {
            legacy_version: TlsVersion::TLS_1_0,
            extensions: vec![0],
            ..ClientHello::default()
        };
        assert_eq!(
            ja4(&ch, Ja4Transport::Tcp),
            "t10d000100_000000000000_000000000000"
        );
    }

    #[test]
    fn ja3_drops_grease_and_hashes_md5() {
        let mut ch = ClientHello {
            legacy_version: TlsVersion(771),
            cipher_suites: vec![0x0a0a, 4865, 49195],
            extensions: vec![0x1a1a, 0, 10, 11],
            supported_groups: vec![0x2a2a, 29, 23],
            ec_point_formats: vec![0],
            ..ClientHello::default()
        };
        fill_client_fingerprints(&mut ch, None, Extract::default());
        assert_eq!(ch.ja3, "771,4865-49195,0-10-11,29-23,0");
        assert_eq!(
            ch.ja3_hash,
            hex(&Md5::digest(b"771,4865-49195,0-10-11,29-23,0"))
        );
        assert_eq!(ch.ja3_hash.len(), 32);
    }
}
