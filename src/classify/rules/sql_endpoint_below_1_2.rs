//! `sql-endpoint-below-1-2` (weak-tls): a connection to an endpoint that accepts only TLS 1.2
//! or 1.3 (Arc-enabled SQL Server's `*.<region>.arcdataservices.com`) went, or could only
//! go, below TLS 1.2.
//!
//! What: a flow attributed to a catalog entry with a minimum TLS version of 1.2 whose
//! ClientHello offers nothing newer than TLS 1.1, or whose ServerHello negotiated below
//! TLS 1.2.
//!
//! Why: these endpoints refuse anything older, so the SQL Server extension cannot upload
//! its data: inventory, usage for billing and performance monitoring stop. Windows Server
//! 2012 cannot do TLS 1.2 at all, and the SQL telemetry endpoint does not support Windows
//! Server 2012 or 2012 R2.
//!
//! Example: ClientHello for `telemetry.eastus.arcdataservices.com` in frame 4 offering at
//! most TLS1.0 (0x0301).

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::tls::{TlsVersion, version_name};

pub struct SqlEndpointBelow12;

static META: RuleMeta = RuleMeta {
    id: "sql-endpoint-below-1-2",
    family: Family::WeakTls,
    severity: Severity::High,
    summary: "TLS below 1.2 towards an endpoint that accepts only TLS 1.2 or 1.3 (Arc-enabled SQL Server)",
    why: "The Arc-enabled SQL Server endpoints refuse anything older than TLS 1.2, so the SQL Server extension cannot send its data processing, telemetry and monitoring uploads.",
    check: "TLS 1.2 on the SQL Server host (SCHANNEL and .NET strong-crypto settings); the OS version (Windows Server 2012 has no TLS 1.2, and the SQL telemetry endpoint does not support 2012 or 2012 R2).",
    requirement: "Arc network requirements (2026-04-01): Cryptographic protocols (*.<region>.arcdataservices.com supports only TLS 1.2 and 1.3)",
    example: "ClientHello for `telemetry.eastus.arcdataservices.com` in frame 4 offering at most TLS1.0 (0x0301).",
};

/// Parses a catalog `min_tls` ("1.2") into its wire value.
fn wire_version(min_tls: &str) -> Option<TlsVersion> {
    match min_tls.trim() {
        "1.0" => Some(TlsVersion::TLS_1_0),
        "1.1" => Some(TlsVersion::TLS_1_1),
        "1.2" => Some(TlsVersion::TLS_1_2),
        "1.3" => Some(TlsVersion::TLS_1_3),
        _ => None,
    }
}

/// A classic version (SSLv2 hello, SSL 3.0 to TLS 1.3) below `min`; drafts and unknown
/// values are not judged.
fn below(version: TlsVersion, min: TlsVersion) -> bool {
    version.is_classic() && version < min
}

impl Rule for SqlEndpointBelow12 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let Some(t) = &v.flow.tls else { return };
        // The strictest minimum among the name's entries.
        let Some((min, entry)) = v
            .entries(cx)
            .filter_map(|e| e.min_tls.as_deref().and_then(wire_version).map(|m| (m, e)))
            .max_by_key(|(m, _)| *m)
        else {
            return;
        };
        // Catalog minimums below 1.2 are the general rules' business.
        if min.is_below_1_2() {
            return;
        }
        let offered = t.client_max_version.filter(|m| below(*m, min));
        let negotiated = t.negotiated_version.filter(|n| below(*n, min));
        if offered.is_none() && negotiated.is_none() {
            return;
        }
        let frames = [
            offered.and(t.client_hello_frame),
            negotiated.and(t.server_hello_frame),
        ];
        out.add(&META, v, &frames, || {
        let mut parts = Vec::new();
        if let Some(m) = offered {
            parts.push(format!(
                "ClientHello in frame {} offers at most {} ({m:#06x})",
                t.client_hello_frame.unwrap_or_default(),
                version_name(m)
            ));
        }
        if let Some(n) = negotiated {
            parts.push(format!(
                "ServerHello in frame {} negotiated {} ({n:#06x})",
                t.server_hello_frame.unwrap_or_default(),
                version_name(n)
            ));
        }
        let evidence = format!(
            "{} ({}, accepts TLS {} or later): {}",
            v.attribution.name.as_deref().unwrap_or("?"),
            entry.id,
            entry.min_tls.as_deref().unwrap_or("?"),
            parts.join("; ")
        );
        (
            evidence,
            "This endpoint accepts only TLS 1.2 or 1.3; the connection cannot work below that."
                .to_string(),
        )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_below_the_minimum() {
        let v = TlsVersion;
        let tls12 = TlsVersion::TLS_1_2;
        assert_eq!(wire_version("1.2"), Some(tls12));
        assert_eq!(wire_version("2"), None);
        assert!(below(v(0x0301), tls12));
        assert!(below(v(0x0300), tls12));
        assert!(below(v(0x0002), tls12));
        assert!(!below(v(0x0303), tls12));
        assert!(!below(v(0x0304), tls12));
        assert!(!below(v(0x7f1c), tls12));
        assert!(!below(v(0x0a0a), tls12));
    }
}
