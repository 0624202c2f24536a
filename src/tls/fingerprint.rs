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

use super::hello::{ClientHello, Extract, ext};
use super::names::is_grease;

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
/// values by [`write_key`], and the buffer the key of the hello at hand is written into
/// (reused, so a hit costs no allocation).
#[derive(Default)]
struct Cache {
    key: Vec<u16>,
    map: rustc_hash::FxHashMap<Box<[u16]>, [String; 4]>,
}

thread_local! {
    static FINGERPRINTS: std::cell::RefCell<Cache> = std::cell::RefCell::new(Cache::default());
}

/// The fields the fingerprints depend on, each list prefixed by its length so that no two
/// different hellos write the same values. The lists of 16-bit values are copied whole.
fn write_key(ch: &ClientHello, extract: Extract, out: &mut Vec<u16>) {
    fn len(out: &mut Vec<u16>, n: usize) {
        let n = n as u32;
        out.extend_from_slice(&[(n >> 16) as u16, n as u16]);
    }
    fn list16(out: &mut Vec<u16>, values: &[u16]) {
        len(out, values.len());
        out.extend_from_slice(values);
    }
    fn bytes(out: &mut Vec<u16>, values: &[u8]) {
        len(out, values.len());
        out.extend(values.iter().map(|&b| u16::from(b)));
    }
    out.clear();
    // Entries made without the details hold JA4 alone.
    out.push(u16::from(extract.hello_details));
    out.push(ch.legacy_version.0);
    out.push(u16::from(ch.sslv2_format));
    list16(out, &ch.cipher_suites);
    list16(out, &ch.extensions);
    list16(out, &ch.supported_groups);
    bytes(out, &ch.ec_point_formats);
    len(out, ch.supported_versions.len());
    out.extend(ch.supported_versions.iter().map(|v| v.0));
    list16(out, &ch.signature_algorithms);
    match ch.alpn_first() {
        Some(a) => {
            out.push(1);
            bytes(out, a);
        }
        None => out.push(0),
    }
}

/// Fills `ja3`, `ja3_hash`, `ja4` and `ja4_r` (TCP) from the parsed fields, or `ja4` alone
/// without `extract.hello_details`. Called by the record reader once a hello is parsed: the
/// parser itself leaves these fields empty.
pub(crate) fn fill_client_fingerprints(ch: &mut ClientHello, extract: Extract) {
    let cached = FINGERPRINTS.with(|c| {
        let Cache { key, map } = &mut *c.borrow_mut();
        write_key(ch, extract, key);
        map.get(key.as_slice()).cloned()
    });
    let [ja3, ja3_hash, ja4, ja4_r] = match cached {
        Some(v) => v,
        None => {
            let v = if extract.hello_details {
                let ja3 = ja3_string(ch);
                let ja3_hash = hex(&Md5::digest(ja3.as_bytes()));
                let (ja4, ja4_r) = ja4_pair(ch, Ja4Transport::Tcp);
                [ja3, ja3_hash, ja4, ja4_r]
            } else {
                let ja4 = ja4_pair(ch, Ja4Transport::Tcp).0;
                [String::new(), String::new(), ja4, String::new()]
            };
            FINGERPRINTS.with(|c| {
                let Cache { key, map } = &mut *c.borrow_mut();
                if map.len() >= FINGERPRINT_CACHE_ENTRIES {
                    map.clear();
                }
                map.insert(key.as_slice().into(), v.clone());
            });
            v
        }
    };
    ch.ja3 = ja3;
    ch.ja3_hash = ja3_hash;
    ch.ja4 = ja4;
    ch.ja4_r = ja4_r;
}

/// JA3 string: "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats", decimal
/// values joined by '-', GREASE removed, lists in wire order.
pub fn ja3_string(ch: &ClientHello) -> String {
    fn join(values: impl Iterator<Item = String>) -> String {
        values.collect::<Vec<_>>().join("-")
    }
    format!(
        "{},{},{},{},{}",
        ch.legacy_version.0,
        join(without_grease(&ch.cipher_suites).map(|v| v.to_string())),
        join(without_grease(&ch.extensions).map(|v| v.to_string())),
        join(without_grease(&ch.supported_groups).map(|v| v.to_string())),
        join(ch.ec_point_formats.iter().map(|v| v.to_string())),
    )
}

/// JA4 of a ClientHello for the given transport.
pub fn ja4(ch: &ClientHello, transport: Ja4Transport) -> String {
    ja4_pair(ch, transport).0
}

/// (JA4, JA4_r): hashed and raw forms.
fn ja4_pair(ch: &ClientHello, transport: Ja4Transport) -> (String, String) {
    let version = if ch.extensions.contains(&ext::SUPPORTED_VERSIONS) {
        ch.supported_versions
            .iter()
            .copied()
            .filter(|v| !v.is_grease())
            .max()
            .unwrap_or(ch.legacy_version)
    } else {
        ch.legacy_version
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
    let sni = if ch.extensions.contains(&ext::SERVER_NAME) {
        'd'
    } else {
        'i'
    };
    let mut ciphers: Vec<u16> = without_grease(&ch.cipher_suites).collect();
    let exts_all: Vec<u16> = without_grease(&ch.extensions).collect();
    let a = format!(
        "{}{}{}{:02}{:02}{}",
        transport.letter(),
        version,
        sni,
        ciphers.len().min(99),
        exts_all.len().min(99),
        alpn_chars(ch.alpn_first()),
    );
    ciphers.sort_unstable();
    let b = hex_list(&ciphers);
    let mut exts: Vec<u16> = exts_all
        .into_iter()
        .filter(|&e| e != ext::SERVER_NAME && e != ext::ALPN)
        .collect();
    exts.sort_unstable();
    let sigs: Vec<u16> = without_grease(&ch.signature_algorithms).collect();
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
fn alpn_chars(first: Option<&[u8]>) -> String {
    match first {
        Some(v) if !v.is_empty() => {
            let (f, l) = (v[0], v[v.len() - 1]);
            if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() {
                format!("{}{}", char::from(f), char::from(l))
            } else {
                let h = hex(v);
                let hb = h.as_bytes();
                format!("{}{}", char::from(hb[0]), char::from(hb[hb.len() - 1]))
            }
        }
        _ => "00".to_string(),
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
        let (h, r) = ja4_pair(&ch, Ja4Transport::Tcp);
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
        fill_client_fingerprints(&mut ch, Extract::default());
        assert_eq!(ch.ja3, "771,4865-49195,0-10-11,29-23,0");
        assert_eq!(
            ch.ja3_hash,
            hex(&Md5::digest(b"771,4865-49195,0-10-11,29-23,0"))
        );
        assert_eq!(ch.ja3_hash.len(), 32);
    }
}
