//! Names of TLS wire values for reports: cipher suites (from tls-parser's
//! IANA table), alert levels and descriptions, and the GREASE test (RFC 8701).

use tls_parser::TlsCipherSuite;

/// True for the sixteen GREASE values of RFC 8701 (0x0a0a, 0x1a1a, ... 0xfafa). Clients put them
/// in cipher suites, extensions, groups, signature algorithms and supported_versions to keep
/// servers tolerant of unknown values; fingerprints (JA3, JA4) ignore them.
pub fn is_grease(value: u16) -> bool {
    value & 0x0f0f == 0x0a0a && (value >> 8) == (value & 0x00ff)
}

/// IANA name of a cipher suite ("TLS_AES_128_GCM_SHA256"), from tls-parser's table;
/// `None` for unassigned values and GREASE.
pub fn cipher_suite_name(suite: u16) -> Option<&'static str> {
    match suite {
        // Signalling values, not suites: tls-parser's table lacks them.
        0x00ff => Some("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
        0x5600 => Some("TLS_FALLBACK_SCSV"),
        _ => TlsCipherSuite::from_id(suite).map(|s| s.name),
    }
}

/// Name of an alert level (RFC 5246 section 7.2).
pub fn alert_level_name(level: u8) -> &'static str {
    match level {
        1 => "warning",
        2 => "fatal",
        _ => "unknown",
    }
}

/// Name of an alert description, as spelled in the IANA TLS Alerts registry.
pub fn alert_description_name(description: u8) -> &'static str {
    match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grease_values_are_exactly_the_sixteen() {
        let all: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease(v)).collect();
        assert_eq!(all.len(), 16);
        assert!(all.contains(&0x0a0a) && all.contains(&0xfafa));
        assert!(!is_grease(0x0a1a));
        assert!(!is_grease(0x1301));
    }

    #[test]
    fn names() {
        assert_eq!(cipher_suite_name(0x1301), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!(
            cipher_suite_name(0xc02f),
            Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        );
        assert_eq!(cipher_suite_name(0x0a0a), None);
        assert_eq!(alert_description_name(40), "handshake_failure");
        assert_eq!(alert_level_name(2), "fatal");
    }
}
