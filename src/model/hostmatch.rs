//! Host patterns as Microsoft writes them, and their translation to globs.
//!
//! A pattern is an exact name (`management.azure.com`), a leading wildcard (`*.his.arc.azure.com`,
//! one or more labels), an infix wildcard inside one label (`azgn*.servicebus.windows.net`), or a
//! placeholder label (`*.<region>.arcdataservices.com`, `<azure-keyvault-name>.vault.azure.net`),
//! optionally with a scheme and a path as the page writes them (`www.microsoft.com/pkiops/certs`,
//! `https://graph.microsoft.com/`).
//!
//! Names are matched label by label: both the pattern and the name are turned into
//! `/`-separated paths (`his/arc/azure/com`) so that globset's `literal_separator` keeps an
//! infix `*` inside its label and `his.arc.azure.com.evil.example` can never satisfy a suffix.

use serde::Serialize;

/// Longest DNS name (RFC 1035 section 3.1, 253 characters in text form); longer input is not a
/// name and matches nothing, which also bounds the work per lookup.
const MAX_NAME_LEN: usize = 253;

/// One host pattern of a catalog entry, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostPattern {
    /// The pattern exactly as the catalog writes it.
    pub raw: String,
    /// `https` for `https://graph.microsoft.com/`; `None` when the page gives no scheme.
    pub scheme: Option<String>,
    /// Lower-case host part, wildcards and placeholders kept (`*.<region>.arcdataservices.com`).
    pub host: String,
    /// Path the row restricts the endpoint to (`/pkiops/certs`); only an HTTP request can check it.
    pub path: Option<String>,
    #[serde(skip)]
    region: Option<RegionSlot>,
}

/// Where the `<region>` placeholder sits: label counted from the end, and the literal text
/// around it inside that label (`<region>-gas` has suffix `-gas`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RegionSlot {
    from_end: usize,
    prefix: String,
    suffix: String,
}

impl HostPattern {
    /// Parses a pattern; the error says what is wrong with it.
    pub fn parse(raw: &str) -> Result<HostPattern, String> {
        let trimmed = raw.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((s, r)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
                (Some(s.to_ascii_lowercase()), r)
            }
            Some(_) => return Err("invalid scheme before `://`".to_string()),
            None => (None, trimmed),
        };
        let (host, path) = match rest.find('/') {
            Some(i) => {
                let p = &rest[i..];
                (
                    &rest[..i],
                    if p == "/" { None } else { Some(p.to_string()) },
                )
            }
            None => (rest, None),
        };
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if host.is_empty() {
            return Err("empty host".to_string());
        }
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() < 2 {
            return Err("a host pattern needs at least two labels".to_string());
        }
        let mut region = None;
        for (i, label) in labels.iter().enumerate() {
            check_label(label, i == 0)?;
            if let Some(start) = label.find("<region>") {
                if region.is_some() {
                    return Err("`<region>` appears more than once".to_string());
                }
                let prefix = &label[..start];
                let suffix = &label[start + "<region>".len()..];
                if prefix.contains(['*', '<']) || suffix.contains(['*', '<']) {
                    return Err("`<region>` must be the only wildcard in its label".to_string());
                }
                region = Some(RegionSlot {
                    from_end: labels.len() - 1 - i,
                    prefix: prefix.to_string(),
                    suffix: suffix.to_string(),
                });
            }
        }
        // A wildcard in the last two labels (`*.com`, `example.*`) would match half the internet;
        // refuse it so a typo in an organisation's catalog cannot turn every name into "Arc".
        for label in &labels[labels.len() - 2..] {
            if label.contains(['*', '<']) {
                return Err("the last two labels must be literal".to_string());
            }
        }
        Ok(HostPattern {
            raw: raw.to_string(),
            scheme,
            host,
            path,
            region,
        })
    }

    /// Whether the pattern carries a `<region>` placeholder.
    pub fn has_region(&self) -> bool {
        self.region.is_some()
    }

    /// The glob over the `/`-separated form of a name.
    pub(crate) fn glob(&self) -> String {
        let mut out = String::with_capacity(self.host.len() + 4);
        for (i, label) in self.host.split('.').enumerate() {
            if i > 0 {
                out.push('/');
            }
            if i == 0 && label == "*" {
                // A leading `*.` stands for one or more whole labels.
                out.push_str("*/**");
                continue;
            }
            let mut rest = label;
            while let Some(open) = rest.find('<') {
                out.push_str(&rest[..open]);
                out.push('*');
                // check_label guaranteed a closing `>`.
                rest = rest[open..]
                    .find('>')
                    .map_or("", |close| &rest[open + close + 1..]);
            }
            out.push_str(rest);
        }
        out
    }

    /// For a name the glob already matched (given as its labels), the region it names.
    /// `Err(())` means the placeholder's text is not a region (regions are `[a-z0-9]+`), so the
    /// pattern does not really match.
    pub(crate) fn region_of(&self, labels: &[&str]) -> Result<Option<String>, ()> {
        let Some(slot) = &self.region else {
            return Ok(None);
        };
        let idx = labels.len().checked_sub(1 + slot.from_end).ok_or(())?;
        let label = labels.get(idx).ok_or(())?;
        let region = label
            .strip_prefix(slot.prefix.as_str())
            .and_then(|r| r.strip_suffix(slot.suffix.as_str()))
            .ok_or(())?;
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(());
        }
        Ok(Some(region.to_string()))
    }
}

fn check_label(label: &str, first: bool) -> Result<(), String> {
    if label.is_empty() {
        return Err("empty label".to_string());
    }
    if label == "*" && first {
        return Ok(());
    }
    let mut rest = label;
    while let Some(open) = rest.find('<') {
        check_literal(&rest[..open])?;
        let after = &rest[open + 1..];
        let close = after
            .find('>')
            .ok_or_else(|| format!("unclosed `<` in label `{label}`"))?;
        let name = &after[..close];
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!("bad placeholder `<{name}>`"));
        }
        rest = &after[close + 1..];
    }
    check_literal(rest)
}

fn check_literal(text: &str) -> Result<(), String> {
    match text.chars().find(|&c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '*')
    }) {
        Some(c) => Err(format!("character `{c}` is not allowed in a host pattern")),
        None => Ok(()),
    }
}

/// Normalises a name for matching: ASCII lower case, one trailing dot removed. `None` when the
/// input is not a plausible DNS name (empty label, a character outside `[A-Za-z0-9_-]`, too long):
/// such input matches no pattern.
pub fn normalize_host(name: &str) -> Option<String> {
    let mut buf = String::new();
    write_candidate(name, &mut buf).then(|| buf.replace('/', "."))
}

/// Writes the `/`-separated, lower-case form of `name` into `buf`; false if `name` is not a name.
pub(crate) fn write_candidate(name: &str, buf: &mut String) -> bool {
    buf.clear();
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return false;
    }
    let mut label_len = 0usize;
    for b in name.bytes() {
        match b {
            b'.' => {
                if label_len == 0 {
                    return false;
                }
                label_len = 0;
                buf.push('/');
            }
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {
                label_len += 1;
                buf.push(b as char);
            }
            b'A'..=b'Z' => {
                label_len += 1;
                buf.push(b.to_ascii_lowercase() as char);
            }
            _ => return false,
        }
    }
    label_len > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob_of(p: &str) -> String {
        HostPattern::parse(p)
            .map(|h| h.glob())
            .unwrap_or_else(|e| e)
    }

    #[test]
    fn patterns_translate_label_by_label() {
        assert_eq!(glob_of("management.azure.com"), "management/azure/com");
        assert_eq!(glob_of("*.his.arc.azure.com"), "*/**/his/arc/azure/com");
        assert_eq!(
            glob_of("azgn*.servicebus.windows.net"),
            "azgn*/servicebus/windows/net"
        );
        assert_eq!(
            glob_of("*.<region>.arcdataservices.com"),
            "*/**/*/arcdataservices/com"
        );
        assert_eq!(
            glob_of("<region>-gas.guestconfiguration.azure.com"),
            "*-gas/guestconfiguration/azure/com"
        );
        assert_eq!(
            glob_of("san-af-<region>-prod.azurewebsites.net"),
            "san-af-*-prod/azurewebsites/net"
        );
    }

    #[test]
    fn scheme_and_path_are_split_off() {
        let p = HostPattern::parse("www.microsoft.com/pkiops/certs").unwrap();
        assert_eq!(
            (p.host.as_str(), p.path.as_deref(), p.scheme.as_deref()),
            ("www.microsoft.com", Some("/pkiops/certs"), None)
        );
        let p = HostPattern::parse("https://<azure-keyvault-name>.vault.azure.net/").unwrap();
        assert_eq!(
            (p.host.as_str(), p.path.as_deref(), p.scheme.as_deref()),
            ("<azure-keyvault-name>.vault.azure.net", None, Some("https"))
        );
        assert!(!p.has_region());
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "",
            "com",
            "*.com",
            "example.*",
            "a..b.com",
            "a.b.<region>",
            "<region>.<region>.x.com",
            "a b.example.com",
            "a.{x}.example.com",
            "a.<Region.example.com",
            "ftp+x://a.example.com",
            "x.*.example.com.*",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn region_slot_extracts_and_validates() {
        let p = HostPattern::parse("<region>-gas.guestconfiguration.azure.com").unwrap();
        assert_eq!(
            p.region_of(&["westeurope-gas", "guestconfiguration", "azure", "com"]),
            Ok(Some("westeurope".into()))
        );
        assert_eq!(
            p.region_of(&["west-europe-gas", "guestconfiguration", "azure", "com"]),
            Err(())
        );
        assert_eq!(
            p.region_of(&["-gas", "guestconfiguration", "azure", "com"]),
            Err(())
        );
        assert_eq!(p.region_of(&["com"]), Err(()));
    }

    #[test]
    fn candidates_are_normalised() {
        assert_eq!(
            normalize_host("WestEurope.HIS.arc.azure.com.").as_deref(),
            Some("westeurope.his.arc.azure.com")
        );
        for bad in [
            "",
            ".",
            "a..b",
            ".a",
            "a.b..",
            "a/b.com",
            "a b",
            "10.0.0.1:443",
            "ex\u{e4}mple.com",
            "*.his.arc.azure.com",
        ] {
            assert_eq!(normalize_host(bad), None, "{bad:?}");
        }
        assert_eq!(normalize_host(&"a.".repeat(128)), None);
        assert!(normalize_host(&format!("{}com", "a.".repeat(125))).is_some());
    }
}
