//! The protocol version as it travels in hellos and record headers: a `u16` newtype with the
//! named versions, their report names, and the one "below TLS 1.2" judgement every rule uses.
//!
//! Owns only the value and its classification. Which version a connection offered or
//! negotiated is the hello parser's business; what a version below 1.2 means for Arc is the
//! rules'. Serialized as the bare number, as before the newtype existed.

use serde::Serialize;
use std::fmt;

use super::names::is_grease;

/// A protocol version field (ProtocolVersion of RFC 8446 4.1.2): two bytes, major then minor.
/// Any value is representable: GREASE, TLS 1.3 drafts and nonsense are kept, never rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TlsVersion(pub u16);

impl TlsVersion {
    /// SSL 2.0 as an SSLv2-format CLIENT-HELLO / SERVER-HELLO carries it (draft-hickman).
    pub const SSL_2_0: TlsVersion = TlsVersion(0x0002);
    pub const SSL_3_0: TlsVersion = TlsVersion(0x0300);
    pub const TLS_1_0: TlsVersion = TlsVersion(0x0301);
    pub const TLS_1_1: TlsVersion = TlsVersion(0x0302);
    pub const TLS_1_2: TlsVersion = TlsVersion(0x0303);
    pub const TLS_1_3: TlsVersion = TlsVersion(0x0304);

    /// Short report name ("TLS1.2", "SSLv3", "TLS1.3-draft", "GREASE", ...); "unknown" for
    /// anything else.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x0002 => "SSLv2",
            0x0300 => "SSLv3",
            0x0301 => "TLS1.0",
            0x0302 => "TLS1.1",
            0x0303 => "TLS1.2",
            0x0304 => "TLS1.3",
            // Drafts of TLS 1.3 advertised 0x7fXX (draft XX) in supported_versions.
            0x7f00..=0x7fff => "TLS1.3-draft",
            0xfeff => "DTLS1.0",
            0xfefd => "DTLS1.2",
            0xfefc => "DTLS1.3",
            v if is_grease(v) => "GREASE",
            _ => "unknown",
        }
    }

    /// A GREASE value (RFC 8701) put in supported_versions to keep servers tolerant.
    pub fn is_grease(self) -> bool {
        is_grease(self.0)
    }

    /// One of the released versions, SSL 2.0 to TLS 1.3: the only values whose order means
    /// anything. Drafts, DTLS, GREASE and unknown values are not.
    pub fn is_classic(self) -> bool {
        self == TlsVersion::SSL_2_0 || (TlsVersion::SSL_3_0..=TlsVersion::TLS_1_3).contains(&self)
    }

    /// SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1: what the agent and Azure refuse. Drafts of TLS
    /// 1.3 (0x7fXX), GREASE and unknown values are not "below"; SSL 2.0's 0x0002 is.
    pub fn is_below_1_2(self) -> bool {
        self.is_classic() && self < TlsVersion::TLS_1_2
    }

    /// TLS 1.3, final or draft (0x7fXX, and Google's 0x7eXX experiments): the record layer
    /// encrypts everything after the ServerHello.
    pub fn is_tls13(self) -> bool {
        self == TlsVersion::TLS_1_3 || (0x7e00..=0x7fff).contains(&self.0)
    }
}

impl From<u16> for TlsVersion {
    fn from(v: u16) -> Self {
        TlsVersion(v)
    }
}

/// `{:#06x}` prints the wire value, as evidence strings always have ("TLS1.0 (0x0301)").
impl fmt::LowerHex for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

/// Short name of a protocol version ([`TlsVersion::name`]), for callers holding a raw `u16`.
pub fn version_name(version: impl Into<TlsVersion>) -> &'static str {
    version.into().name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_1_2_includes_sslv2_and_excludes_drafts_and_grease() {
        for v in [
            TlsVersion::SSL_2_0,
            TlsVersion::SSL_3_0,
            TlsVersion::TLS_1_0,
            TlsVersion::TLS_1_1,
        ] {
            assert!(v.is_below_1_2(), "{v:#06x}");
        }
        for v in [
            0x0303u16, 0x0304, 0x7f1c, 0x0a0a, 0xfeff, 0x0200, 0x0000, 0x0001,
        ] {
            assert!(!TlsVersion(v).is_below_1_2(), "{v:#06x}");
        }
    }

    #[test]
    fn names_and_hex() {
        assert_eq!(TlsVersion::SSL_2_0.name(), "SSLv2");
        assert_eq!(version_name(0x0303u16), "TLS1.2");
        assert_eq!(TlsVersion(0x7f17).name(), "TLS1.3-draft");
        assert_eq!(TlsVersion(0x1a1a).name(), "GREASE");
        assert_eq!(TlsVersion(0x0305).name(), "unknown");
        assert_eq!(TlsVersion::SSL_3_0.name(), "SSLv3");
        assert_eq!(TlsVersion(0x1234).name(), "unknown");
        assert_eq!(format!("{:#06x}", TlsVersion::TLS_1_0), "0x0301");
        assert_eq!(serde_json::to_string(&TlsVersion::TLS_1_2).unwrap(), "771");
    }

    #[test]
    fn tls13_includes_drafts() {
        assert!(TlsVersion::TLS_1_3.is_tls13());
        assert!(TlsVersion(0x7f1c).is_tls13());
        assert!(TlsVersion(0x7e02).is_tls13());
        assert!(!TlsVersion::TLS_1_2.is_tls13());
    }
}
