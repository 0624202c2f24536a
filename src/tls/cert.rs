//! The TLS 1.2-and-earlier Certificate handshake message (RFC 5246 7.4.2) and the X.509 facts
//! of each certificate in it, read with x509-parser. A certificate that does not parse becomes
//! an entry with an error string; nothing here panics on input.

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::sync::Arc;
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;

use super::hello::Reader;

/// At most this many certificates of one chain are parsed; real chains hold 2-4, and each parse
/// allocates strings, so a hostile message with thousands of tiny entries stays cheap.
pub const MAX_CERTIFICATES_PARSED: usize = 16;

/// What we keep of one certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// Size of the DER encoding.
    pub der_len: usize,
    /// SHA-256 of the DER, lowercase hex (the usual certificate fingerprint).
    pub sha256: String,
    /// Subject distinguished name, RFC 4514-like ("C=US, O=Microsoft Corporation, CN=...").
    pub subject: String,
    pub issuer: String,
    /// The first commonName of the subject and of the issuer, from the parsed names. Not
    /// serialised: the flow output keeps its schema, the audit's facts stage reads them.
    #[serde(skip)]
    pub subject_cn: Option<String>,
    #[serde(skip)]
    pub issuer_cn: Option<String>,
    /// dNSName entries of subjectAltName, in order.
    pub san_dns: Vec<String>,
    /// Validity bounds, RFC 3339 UTC, and as unix seconds.
    pub not_before: String,
    pub not_after: String,
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    /// "RSA", "EC", "Ed25519", "Ed448", "DSA", "RSA-PSS" or the algorithm OID.
    pub key_type: String,
    /// Key size in bits (RSA modulus, EC field); 0 when unknown.
    pub key_bits: u32,
    /// Serial number, lowercase hex without separators.
    pub serial_hex: String,
    /// subject == issuer.
    pub self_signed: bool,
    /// Why the certificate could not be read; the other fields are then empty.
    pub error: Option<String>,
}

/// The certificates of one Certificate message (leaf first), at most
/// [`MAX_CERTIFICATES_PARSED`] of them, plus the total number the message lists.
pub(crate) fn parse_certificate_message(
    body: &[u8],
) -> (Vec<Arc<CertificateInfo>>, u32, Vec<String>) {
    let mut problems = Vec::new();
    let mut certs = Vec::new();
    let mut total: u32 = 0;
    let mut r = Reader::new(body);
    let Some(list_len) = r.u24() else {
        problems.push(format!(
            "Certificate message of {} bytes is truncated",
            body.len()
        ));
        return (certs, total, problems);
    };
    let Some(list) = r.take(list_len) else {
        problems.push(format!(
            "Certificate list length {list_len} exceeds the message ({} bytes left)",
            r.remaining()
        ));
        return (certs, total, problems);
    };
    let mut l = Reader::new(list);
    while l.remaining() > 0 {
        let Some(der) = l.u24().and_then(|n| l.take(n)) else {
            problems.push(format!(
                "certificate entry at offset {} overruns the list",
                l.offset()
            ));
            break;
        };
        total = total.saturating_add(1);
        if certs.len() < MAX_CERTIFICATES_PARSED {
            certs.push(certificate_info(der));
        }
    }
    (certs, total, problems)
}

/// Facts of one DER certificate; errors are recorded in the result, never raised.
/// Certificates parsed per thread, by their DER bytes: a capture shows the same server
/// chains over and over, and X.509 parsing plus the SHA-256 fingerprint were a sixth of the
/// pipeline's time. Bounded in entries and in the DER bytes kept as keys.
const CERT_CACHE_ENTRIES: usize = 512;

// Entries are shared (`Arc`): a hit hands out the parsed certificate without copying its
// ten strings, which cost about ten allocations per certificate of every handshake.
thread_local! {
    static CERTS: std::cell::RefCell<rustc_hash::FxHashMap<Vec<u8>, Arc<CertificateInfo>>> =
        std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

pub fn certificate_info(der: &[u8]) -> Arc<CertificateInfo> {
    if let Some(hit) = CERTS.with(|c| c.borrow().get(der).cloned()) {
        return hit;
    }
    let info = Arc::new(parse_certificate(der));
    CERTS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CERT_CACHE_ENTRIES {
            c.clear();
        }
        c.insert(der.to_vec(), Arc::clone(&info));
    });
    info
}

fn parse_certificate(der: &[u8]) -> CertificateInfo {
    let mut info = CertificateInfo {
        der_len: der.len(),
        sha256: super::fingerprint::hex(&Sha256::digest(der)),
        ..CertificateInfo::default()
    };
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(e) => {
            info.error = Some(format!("X.509 parse error: {e}"));
            return info;
        }
    };
    info.subject = cert.subject().to_string();
    info.issuer = cert.issuer().to_string();
    info.subject_cn = first_common_name(cert.subject());
    info.issuer_cn = first_common_name(cert.issuer());
    info.self_signed = cert.subject().as_raw() == cert.issuer().as_raw();
    let validity = cert.validity();
    info.not_before_unix = validity.not_before.timestamp();
    info.not_after_unix = validity.not_after.timestamp();
    info.not_before = rfc3339(info.not_before_unix);
    info.not_after = rfc3339(info.not_after_unix);
    info.serial_hex = cert
        .raw_serial()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match cert.subject_alternative_name() {
        Ok(Some(san)) => {
            info.san_dns = san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some((*d).to_string()),
                    _ => None,
                })
                .collect();
        }
        Ok(None) => {}
        Err(e) => info.error = Some(format!("subjectAltName: {e}")),
    }
    let spki = cert.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    info.key_type = match oid.as_str() {
        "1.2.840.113549.1.1.1" => "RSA".to_string(),
        "1.2.840.113549.1.1.10" => "RSA-PSS".to_string(),
        "1.2.840.10045.2.1" => "EC".to_string(),
        "1.3.101.112" => "Ed25519".to_string(),
        "1.3.101.113" => "Ed448".to_string(),
        "1.2.840.10040.4.1" => "DSA".to_string(),
        _ => oid.clone(),
    };
    info.key_bits = match info.key_type.as_str() {
        "Ed25519" => 256,
        "Ed448" => 456,
        _ => spki
            .parsed()
            .map(|k| match k {
                PublicKey::Unknown(_) => 0,
                k => u32::try_from(k.key_size()).unwrap_or(0),
            })
            .unwrap_or(0),
    };
    info
}

/// The first commonName attribute of a name that is a string, trimmed as printed names are.
fn first_common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .find_map(|a| a.as_str().ok())
        .map(|s| s.trim().to_string())
}

/// Unix seconds as RFC 3339 UTC ("2024-01-31T12:00:00Z"), proleptic Gregorian calendar.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-from-civil inverse; exact for the whole i64 day range we can meet.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_points() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(2_524_607_999), "2049-12-31T23:59:59Z");
    }

    #[test]
    fn garbage_der_is_an_error_not_a_panic() {
        let info = certificate_info(&[0x30, 0x82, 0xff, 0xff, 0x01]);
        assert!(info.error.is_some());
        assert_eq!(info.der_len, 5);
        let info = certificate_info(&[]);
        assert!(info.error.is_some());
    }

    #[test]
    fn message_bounds() {
        // list length larger than the message
        let (c, n, p) = parse_certificate_message(&[0x00, 0x10, 0x00, 0x00]);
        assert!(c.is_empty() && n == 0 && !p.is_empty());
        // 40 empty certificates: all counted, 16 parsed (each an error)
        let mut body = vec![0u8, 0, 120];
        body.extend(std::iter::repeat_n(0u8, 120));
        let (c, n, p) = parse_certificate_message(&body);
        assert_eq!(n, 40);
        assert_eq!(c.len(), MAX_CERTIFICATES_PARSED);
        assert!(p.is_empty());
        assert!(c.iter().all(|i| i.error.is_some()));
    }
}
