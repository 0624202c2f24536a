//! `tls-interception` (misrouted): the certificate an Arc endpoint presented is not the
//! endpoint's own: wrong names, or not issued by Microsoft's certificate authorities.
//!
//! What: a TLS 1.2 handshake (where the Certificate message travels in clear text) on a flow
//! attributed to a catalog entry, whose leaf certificate's DNS names (SAN; the subject CN
//! when there is no SAN) do not cover the SNI, or whose issuer is not one of the
//! authorities Microsoft's endpoints use. TLS 1.3 encrypts the certificate, so those flows
//! cannot be judged and never fire.
//!
//! Why: a TLS-inspecting proxy or firewall re-signs the connection with its own CA. The
//! Connected Machine agent has no certificate pinning and keeps working as long as the
//! machine trusts that CA, but the traffic is decrypted on the path, and extensions that
//! do pin certificates fail. A certificate for other names means the name leads to the
//! wrong server altogether.
//!
//! The issuer test reads names only (signatures are not verified): the leaf's issuer must
//! name Microsoft (`Microsoft Azure RSA TLS Issuing CA 03`, `Microsoft RSA TLS CA 01`) or
//! one of the public CAs Microsoft's endpoints chain to (the catalog's `microsoft_issuers`,
//! [`crate::model::Catalog::microsoft_issuers`]).
//!
//! Example: certificate in frame 8 for `management.azure.com` issued by
//! `CN=Contoso Inspection CA, OU=Network Security, O=Contoso Ltd, C=US`.

use crate::classify::{CertSummary, Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};

pub struct TlsInterception;

static META: RuleMeta = RuleMeta {
    id: "tls-interception",
    family: Family::Misrouted,
    severity: Severity::High,
    summary: "Arc endpoint presented a certificate that is not its own (TLS inspection or wrong server)",
    why: "A TLS-inspecting device re-signs the agent's connections with its own CA: the agent keeps working only while the machine trusts that CA, the traffic is decrypted on the path, and certificate-pinning extensions fail. A certificate for other names means the name reaches the wrong server.",
    check: "Which proxy or firewall on the path inspects TLS (the issuer named in the evidence): the machine must trust its CA for the agent to keep working, and extensions that pin certificates must be excluded from inspection. For a name mismatch: where the name resolves and what server answers there.",
    requirement: "Arc-enabled servers network security: TLS inspection (no certificate pinning in the agent, pinning extensions need an exclusion); Arc network requirements (2026-04-01): URLs",
    example: "certificate in frame 8 for `management.azure.com` issued by `CN=Contoso Inspection CA, OU=Network Security, O=Contoso Ltd, C=US`.",
};

/// Whether a certificate name (`*.his.arc.azure.com`) covers `host`: exact (ASCII case
/// ignored), or a leading `*` label standing for exactly one non-empty label.
fn name_covers(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    let pattern = pattern.trim_end_matches('.');
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(rest) = pattern.strip_prefix("*.") else {
        return false;
    };
    match host.split_once('.') {
        Some((label, tail)) => {
            !label.is_empty() && !rest.is_empty() && tail.eq_ignore_ascii_case(rest)
        }
        None => false,
    }
}

/// The names a leaf certificate is valid for: its SAN DNS names, else its subject CN.
fn leaf_names(leaf: &CertSummary) -> Vec<&str> {
    if leaf.san_dns.is_empty() {
        leaf.subject_cn.as_deref().into_iter().collect()
    } else {
        leaf.san_dns.iter().map(String::as_str).collect()
    }
}

/// Whether the leaf is valid for `host` ([`leaf_names`] without collecting them: this runs
/// on every Arc flow).
fn leaf_covers(leaf: &CertSummary, host: &str) -> bool {
    if leaf.san_dns.is_empty() {
        leaf.subject_cn.iter().any(|n| name_covers(n, host))
    } else {
        leaf.san_dns.iter().any(|n| name_covers(n, host))
    }
}

/// `needle` occurs in `haystack`, ASCII case ignored (what lower-casing both and `contains`
/// says, without the two strings).
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// The leaf's issuer name contains one of `cas` (the catalog's `microsoft_issuers`).
fn issued_by_microsoft_ca(leaf: &CertSummary, cas: &[String]) -> bool {
    cas.iter()
        .any(|ca| contains_ignore_ascii_case(&leaf.issuer, ca))
}

impl Rule for TlsInterception {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() {
            return;
        }
        let Some(t) = &v.flow.tls else { return };
        let Some(leaf) = t.certificates.first() else {
            return;
        };
        let mismatch = t
            .sni
            .as_deref()
            .filter(|s| !s.is_empty())
            .filter(|sni| !leaf_covers(leaf, sni));
        let foreign_ca = !issued_by_microsoft_ca(leaf, cx.catalog.microsoft_issuers());
        if mismatch.is_none() && !foreign_ca {
            return;
        }
        out.add(&META, v, &[t.certificate_frame, t.client_hello_frame], || {
        let names = leaf_names(leaf);
        let frame = t.certificate_frame.unwrap_or_default();
        let mut parts = Vec::new();
        if let Some(sni) = mismatch {
            parts.push(format!(
                "its names ({}) do not cover the SNI {sni}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ));
        }
        if foreign_ca {
            let chain: Vec<&str> = t
                .certificates
                .iter()
                .skip(1)
                .map(|c| c.subject.as_str())
                .collect();
            parts.push(format!(
                "it is issued by \"{}\", not a Microsoft CA{}",
                leaf.issuer,
                if chain.is_empty() {
                    String::new()
                } else {
                    format!(" (chain: {})", chain.join(" | "))
                }
            ));
        }
        let evidence = format!(
            "certificate in frame {frame} for \"{}\" on the flow to {}: {}",
            leaf.subject,
            v.flow.server,
            parts.join("; ")
        );
        let explanation = if mismatch.is_some() {
            "The server's certificate is for other names: the connection did not reach the endpoint it was meant for."
        } else {
            "The certificate was issued by a CA that is not Microsoft's: a TLS-inspecting device re-signs this connection."
        };
        (evidence, explanation.to_string())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate summary; the CNs are given as x509-parser would read them.
    fn cert(subject: &str, issuer: &str, san: &[&str]) -> CertSummary {
        let cn = |dn: &str| {
            dn.split(", ")
                .find_map(|p| p.strip_prefix("CN="))
                .map(str::to_string)
        };
        CertSummary {
            subject: subject.to_string(),
            issuer: issuer.to_string(),
            subject_cn: cn(subject),
            issuer_cn: cn(issuer),
            san_dns: san.iter().map(|s| s.to_string()).collect(),
            self_signed: false,
        }
    }

    #[test]
    fn wildcard_covers_exactly_one_label() {
        assert!(name_covers(
            "*.his.arc.azure.com",
            "westeurope.his.arc.azure.com"
        ));
        assert!(name_covers(
            "*.HIS.arc.azure.com",
            "WestEurope.his.arc.azure.com."
        ));
        assert!(!name_covers("*.his.arc.azure.com", "a.b.his.arc.azure.com"));
        assert!(!name_covers("*.his.arc.azure.com", "his.arc.azure.com"));
        assert!(!name_covers("*.contoso.example", "management.azure.com"));
        assert!(name_covers("management.azure.com", "MANAGEMENT.azure.com"));
        assert!(!name_covers("*.", "a."));
        assert!(!name_covers("", "a"));
    }

    #[test]
    fn cn_is_used_only_without_san() {
        let c = cert(
            "C=US, O=Microsoft Corporation, CN=management.azure.com",
            "x",
            &[],
        );
        assert_eq!(leaf_names(&c), vec!["management.azure.com"]);
        let c = cert("CN=other", "x", &["a.example"]);
        assert_eq!(leaf_names(&c), vec!["a.example"]);
        assert!(leaf_names(&cert("O=no cn", "x", &[])).is_empty());
    }

    #[test]
    fn microsoft_and_its_public_cas_are_accepted() {
        let cas = crate::model::Catalog::builtin().microsoft_issuers();
        let ms = cert(
            "CN=management.azure.com",
            "C=US, O=Microsoft Corporation, CN=Microsoft Azure RSA TLS Issuing CA 03",
            &["management.azure.com"],
        );
        assert!(issued_by_microsoft_ca(&ms, cas));
        let dc = cert(
            "CN=x",
            "C=US, O=DigiCert Inc, CN=DigiCert SHA2 Secure Server CA",
            &[],
        );
        assert!(issued_by_microsoft_ca(&dc, cas));
        // An inspection device copying the original subject does not pass: only the issuer counts.
        let mitm = cert(
            "C=US, O=Microsoft Corporation, CN=management.azure.com",
            "C=US, O=Contoso Ltd, OU=Network Security, CN=Contoso Inspection CA",
            &["management.azure.com"],
        );
        assert!(!issued_by_microsoft_ca(&mitm, cas));
    }
}
