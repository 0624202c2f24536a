//! TLS handshake facts from one TCP direction's in-order stream bytes.
//!
//! A pure parser: it knows nothing of flows, ports or policy. TLS is recognised by its bytes
//! ([`looks_like_tls`]), then [`TlsStream`] reads records, reassembles handshake messages across
//! records and `feed()` calls, and writes what it learns into a [`TlsFacts`] shared by the two
//! directions of a connection: ClientHello (with JA3/JA4), ServerHello or HelloRetryRequest, the
//! TLS <= 1.2 certificate chain (x509-parser), plaintext alerts, and whether encrypted traffic
//! started. Nothing is decrypted: once a direction's traffic is encrypted only record headers
//! are looked at. Memory per direction is bounded by one record (5 + 18 432 bytes) plus one
//! handshake message (64 KiB).

mod cert;
mod fingerprint;
mod hello;
mod names;
mod stream;
mod version;

#[cfg(test)]
mod tests;

use serde::Serialize;

/// Which way a record travels: the crate-wide type, re-exported for the parser's callers.
pub use crate::wire::Direction;
pub use cert::{CertificateInfo, MAX_CERTIFICATES_PARSED, certificate_info, rfc3339};
pub use fingerprint::{Ja4Transport, ja3_string, ja4};
pub use hello::{ClientHello, Extract, HELLO_RETRY_REQUEST_RANDOM, ServerHello};
pub use names::{alert_description_name, alert_level_name, cipher_suite_name, is_grease};
pub use stream::{MAX_HANDSHAKE_MESSAGE, MAX_RECORD_BODY, TlsStream};
pub use version::{TlsVersion, version_name};

/// A plaintext alert record (RFC 5246 7.2, RFC 8446 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub level: u8,
    pub level_name: &'static str,
    pub description: u8,
    pub description_name: &'static str,
    pub sender: Direction,
    pub frame: u64,
}

/// Most hellos kept beyond the first of each side: a retry after HelloRetryRequest is
/// evidence, a storm of duplicates is not more evidence.
pub const MAX_LATER_HELLOS: usize = 4;

/// Everything learnt about one TLS connection, filled by the two [`TlsStream`]s of its
/// directions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsFacts {
    /// The first ClientHello.
    pub client_hello: Option<ClientHello>,
    /// ClientHellos after the first (the one answering a HelloRetryRequest, duplicates),
    /// at most [`MAX_LATER_HELLOS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later_client_hellos: Vec<ClientHello>,
    /// ServerHellos after the one in `server_hello` (other than the HelloRetryRequest), at
    /// most [`MAX_LATER_HELLOS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later_server_hellos: Vec<ServerHello>,
    /// The ServerHello that settled the handshake.
    pub server_hello: Option<ServerHello>,
    /// Set when the first ServerHello was a HelloRetryRequest; the real one follows (after a
    /// ChangeCipherSpec) in `server_hello`.
    pub hello_retry_request: Option<ServerHello>,
    /// The TLS <= 1.2 Certificate message, leaf first, at most [`MAX_CERTIFICATES_PARSED`].
    /// Shared with the per-thread certificate cache (the same chain recurs in every
    /// handshake with a server).
    #[serde(serialize_with = "shared_certificates")]
    pub certificates: Vec<std::sync::Arc<CertificateInfo>>,
    /// How many certificates the Certificate message listed (may exceed `certificates.len()`).
    pub certificate_count: u32,
    /// Frame that completed the Certificate message.
    pub certificate_frame: Option<u64>,
    /// Plaintext alerts in the order seen (at most 16 kept; `alert_count` counts all).
    pub alerts: Vec<Alert>,
    pub alert_count: u32,
    /// Frame of the first alert, plaintext or encrypted.
    pub first_alert_frame: Option<u64>,
    /// Alert records whose body is encrypted (longer than the 2 plaintext bytes), per sender.
    pub client_encrypted_alerts: u32,
    pub server_encrypted_alerts: u32,
    /// A ChangeCipherSpec record was seen from that side.
    pub client_change_cipher_spec: bool,
    pub server_change_cipher_spec: bool,
    /// An application_data record (type 23) was seen from that side. In TLS 1.3 these also
    /// carry the encrypted handshake, so true means "encrypted records flowed".
    pub client_application_data: bool,
    pub server_application_data: bool,
    /// Parse problems met ("frame N, ClientToServer: ..."), at most 16 kept.
    pub errors: Vec<String>,
}

/// Why a direction's parse stopped early; rendered into [`TlsFacts::errors`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("frame {frame}: record type {content_type} is not a TLS content type")]
    BadRecordType { frame: u64, content_type: u8 },
    #[error("frame {frame}: record version {version:#06x} is not SSLv3/TLS")]
    BadRecordVersion { frame: u64, version: u16 },
    #[error("frame {frame}: record length {length} exceeds the maximum {max}")]
    RecordTooLong {
        frame: u64,
        length: usize,
        max: usize,
    },
    #[error(
        "frame {frame}: handshake message type {msg_type} of {length} bytes exceeds the {max}-byte bound"
    )]
    HandshakeTooLong {
        frame: u64,
        msg_type: u8,
        length: usize,
        max: usize,
    },
    #[error("frame {frame}: {what}")]
    Malformed { frame: u64, what: String },
}

/// Most plausible TLS record length: RFC 8446 5.2 / RFC 5246 6.2.3 cap a TLSCiphertext
/// fragment at 2^14 + 2048 (TLS 1.3 allows 2^14 + 256; older versions more).
const MAX_PLAUSIBLE_RECORD: usize = 16_384 + 2_048;

/// Whether these first bytes of a direction could start TLS: a handshake record
/// (`16 03 0x` and a length of 1..=18 432), a two-byte plaintext alert record (`15 03 0x 00 02`,
/// a server refusing a ClientHello), or an SSLv2-format CLIENT-HELLO/SERVER-HELLO. With fewer
/// than 5 bytes it answers whether the bytes seen could still start one (so `[0x16]` is true and
/// `[0x47]` ("G" of "GET") is false); an empty slice is false.
pub fn looks_like_tls(first_bytes: &[u8]) -> bool {
    let b = first_bytes;
    let Some(&first) = b.first() else {
        return false;
    };
    match first {
        0x16 | 0x15 => {
            if b.get(1).is_some_and(|&v| v != 3) || b.get(2).is_some_and(|&v| v > 4) {
                return false;
            }
            let (Some(&hi), Some(&lo)) = (b.get(3), b.get(4)) else {
                return true;
            };
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            if first == 0x16 {
                (1..=MAX_PLAUSIBLE_RECORD).contains(&len)
            } else {
                len == 2 && b.get(5).is_none_or(|&level| level == 1 || level == 2)
            }
        }
        _ => hello::sslv2_plausible(b),
    }
}

impl TlsFacts {
    /// Every ClientHello kept, in the order seen.
    pub fn client_hellos(&self) -> impl Iterator<Item = &ClientHello> {
        self.client_hello
            .iter()
            .chain(self.later_client_hellos.iter())
    }

    /// Every ServerHello kept (the HelloRetryRequest first), in the order seen.
    pub fn server_hellos(&self) -> impl Iterator<Item = &ServerHello> {
        self.hello_retry_request
            .iter()
            .chain(self.server_hello.iter())
            .chain(self.later_server_hellos.iter())
    }
}

/// Writes the shared certificates as a plain list, as when each flow owned its copies.
fn shared_certificates<S: serde::Serializer>(
    certs: &[std::sync::Arc<CertificateInfo>],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(certs.iter().map(|c| &**c))
}
