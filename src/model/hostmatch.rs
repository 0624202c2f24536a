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
use std::net::Ipv6Addr;

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
    /// True for a leading `*.`: one or more whole labels.
    #[serde(skip)]
    leading_any: bool,
    /// The labels after a leading `*.` (all labels otherwise), left to right.
    #[serde(skip)]
    labels: Vec<LabelPattern>,
}

/// One label of a pattern: literal text around at most one wildcard (`azgn*`) or placeholder
/// (`<region>-gas`, `<azure-keyvault-name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelPattern {
    Literal(String),
    Wild {
        prefix: String,
        suffix: String,
        /// `Some("region")` for `<region>`; `None` for a bare `*`, which may match nothing.
        placeholder: Option<String>,
    },
}

impl LabelPattern {
    fn parse(label: &str) -> Result<LabelPattern, String> {
        if label.is_empty() {
            return Err("empty label".to_string());
        }
        let (open, close, placeholder) = match (label.find('*'), label.find('<')) {
            (None, None) => {
                check_literal(label)?;
                return Ok(LabelPattern::Literal(label.to_string()));
            }
            (Some(i), None) => (i, i + 1, None),
            (None, Some(i)) => {
                let len = label[i..]
                    .find('>')
                    .ok_or_else(|| format!("unclosed `<` in label `{label}`"))?;
                let name = &label[i + 1..i + len];
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    return Err(format!("bad placeholder `<{name}>`"));
                }
                (i, i + len + 1, Some(name.to_string()))
            }
            (Some(_), Some(_)) => {
                return Err(format!("label `{label}` has more than one wildcard"));
            }
        };
        let (prefix, suffix) = (&label[..open], &label[close..]);
        if suffix.contains(['*', '<', '>']) || prefix.contains('>') {
            return Err(format!("label `{label}` has more than one wildcard"));
        }
        check_literal(prefix)?;
        check_literal(suffix)?;
        Ok(LabelPattern::Wild {
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
            placeholder,
        })
    }

    /// Whether `label` fits; for a placeholder, the text it stands for.
    fn fit<'a>(&self, label: &'a str) -> Option<&'a str> {
        match self {
            LabelPattern::Literal(l) => (l == label).then_some(""),
            LabelPattern::Wild {
                prefix,
                suffix,
                placeholder,
            } => {
                let middle = label
                    .strip_prefix(prefix.as_str())?
                    .strip_suffix(suffix.as_str())?;
                let ok = match placeholder.as_deref() {
                    None => true,
                    // Azure region names are lower-case letters and digits (`westeurope`,
                    // `usgovvirginia`); anything else in their place is not this endpoint.
                    Some("region") => {
                        !middle.is_empty()
                            && middle
                                .bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    }
                    Some(_) => !middle.is_empty(),
                };
                ok.then_some(middle)
            }
        }
    }
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
        let (leading_any, tail) = match host.strip_prefix("*.") {
            Some(t) => (true, t),
            None => (false, host.as_str()),
        };
        let labels = tail
            .split('.')
            .map(LabelPattern::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if labels.len() < 2 {
            return Err("a host pattern needs at least two labels".to_string());
        }
        // A wildcard in the last two labels (`*.com`, `example.*`) would match half the internet;
        // refuse it so a typo in an organisation's catalog cannot turn every name into "Arc".
        if labels[labels.len() - 2..]
            .iter()
            .any(|l| !matches!(l, LabelPattern::Literal(_)))
        {
            return Err("the last two labels must be literal".to_string());
        }
        let regions = labels
            .iter()
            .filter(
                |l| matches!(l, LabelPattern::Wild { placeholder: Some(p), .. } if p == "region"),
            )
            .count();
        if regions > 1 {
            return Err("`<region>` appears more than once".to_string());
        }
        Ok(HostPattern {
            raw: raw.to_string(),
            scheme,
            host,
            path,
            leading_any,
            labels,
        })
    }

    /// Whether the pattern carries a `<region>` placeholder.
    pub fn has_region(&self) -> bool {
        self.labels
            .iter()
            .any(|l| matches!(l, LabelPattern::Wild { placeholder: Some(p), .. } if p == "region"))
    }

    /// The glob, over the `/`-separated form of a name, that preselects candidates: the literal
    /// name itself, or `**/` and the literal labels after the last wildcard. Written this way
    /// globset answers with a hash lookup or a suffix search, never a regex; [`Self::accepts`]
    /// then checks the labels exactly.
    pub(crate) fn glob(&self) -> String {
        let literal_tail: Vec<&str> = self
            .labels
            .iter()
            .rev()
            .map_while(|l| match l {
                LabelPattern::Literal(s) => Some(s.as_str()),
                LabelPattern::Wild { .. } => None,
            })
            .collect();
        let mut parts: Vec<&str> = literal_tail.into_iter().rev().collect();
        if self.leading_any || parts.len() < self.labels.len() {
            parts.insert(0, "**");
        }
        parts.join("/")
    }

    /// The last two labels in candidate form (`azure/com`): every pattern has them literal, so
    /// a name whose last two labels are not among the catalog's cannot match anything.
    pub(crate) fn suffix_key(&self) -> String {
        let mut labels: Vec<&str> = self.host.rsplit('.').take(2).collect();
        labels.reverse();
        labels.join("/")
    }

    /// Whether a candidate (`/`-separated, lower-case name) really matches, and the region it
    /// names if the pattern has `<region>`. `Err(())` means no match.
    pub(crate) fn accepts(&self, candidate: &str) -> Result<Option<String>, ()> {
        let mut names = candidate.rsplit('/');
        let mut region = None;
        for pat in self.labels.iter().rev() {
            let label = names.next().ok_or(())?;
            let middle = pat.fit(label).ok_or(())?;
            if matches!(pat, LabelPattern::Wild { placeholder: Some(p), .. } if p == "region") {
                region = Some(middle.to_string());
            }
        }
        // A leading `*.` needs at least one more label; without one, nothing may be left.
        if names.next().is_some() != self.leading_any {
            return Err(());
        }
        Ok(region)
    }
}

fn check_literal(text: &str) -> Result<(), String> {
    match text
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
    {
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

/// Splits an authority ("host:443", "[2001:db8::1]:443", "host") into host and port: a
/// CONNECT target, a Host header, a configured proxy. The host comes without brackets;
/// userinfo ("user@") is dropped. `None` when the authority is malformed: empty host, a port
/// that is not 1-5 digits below 65536, stray brackets. An empty port ("host:") is allowed by
/// RFC 3986 and gives `None` as port. Lives beside [`normalize_host`] because both turn what a
/// capture or a user wrote into what the catalog is matched with; the HTTP parser keeps the
/// authority as sent.
pub fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.is_empty() || host_port.contains(|c: char| c.is_whitespace() || c == '/') {
        return None;
    }
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        if host.parse::<Ipv6Addr>().is_err() {
            return None;
        }
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else if host_port.matches(':').count() > 1 {
        // An IPv6 literal without brackets is not an authority, but clients send it.
        host_port.parse::<Ipv6Addr>().ok()?;
        (host_port, None)
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || host.contains(['[', ']']) {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host.to_string(), port))
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
        assert_eq!(glob_of("*.his.arc.azure.com"), "**/his/arc/azure/com");
        assert_eq!(
            glob_of("azgn*.servicebus.windows.net"),
            "**/servicebus/windows/net"
        );
        assert_eq!(
            glob_of("*.<region>.arcdataservices.com"),
            "**/arcdataservices/com"
        );
        assert_eq!(
            glob_of("<region>-gas.guestconfiguration.azure.com"),
            "**/guestconfiguration/azure/com"
        );
        assert_eq!(
            glob_of("san-af-<region>-prod.azurewebsites.net"),
            "**/azurewebsites/net"
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
            p.accepts("westeurope-gas/guestconfiguration/azure/com"),
            Ok(Some("westeurope".into()))
        );
        assert_eq!(
            p.accepts("west-europe-gas/guestconfiguration/azure/com"),
            Err(())
        );
        assert_eq!(p.accepts("-gas/guestconfiguration/azure/com"), Err(()));
        assert_eq!(p.accepts("com"), Err(()));
        let p = HostPattern::parse("*.<region>.arcdataservices.com").unwrap();
        assert_eq!(
            p.accepts("x/eastus/arcdataservices/com"),
            Ok(Some("eastus".into()))
        );
        assert_eq!(
            p.accepts("eastus/arcdataservices/com"),
            Err(()),
            "the leading `*.` needs a label"
        );
        assert_eq!(p.suffix_key(), "arcdataservices/com");
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

    #[test]
    fn authorities() {
        let ok = |s: &str, host: &str, port: Option<u16>| {
            assert_eq!(split_authority(s), Some((host.to_string(), port)), "{s}");
        };
        ok(
            "gbl.his.arc.azure.com:443",
            "gbl.his.arc.azure.com",
            Some(443),
        );
        ok("[2001:db8::1]:443", "2001:db8::1", Some(443));
        ok("[::1]", "::1", None);
        ok("host", "host", None);
        ok("host:", "host", None);
        ok("10.0.0.1:8080", "10.0.0.1", Some(8080));
        ok("user:pw@proxy:3128", "proxy", Some(3128));
        ok("2001:db8::1", "2001:db8::1", None);
        ok("h:65535", "h", Some(65535));
        for bad in [
            "",
            ":443",
            "host:65536",
            "host:+443",
            "host:44x",
            "[2001:db8::1",
            "[nothost]:443",
            "[::1]443",
            "a b:443",
            "host:123456",
            "2001:db8::zz",
            "[::1]:",
            "h]:1",
        ] {
            let result = split_authority(bad);
            // "[::1]:" has an empty port, which RFC 3986 allows.
            if bad == "[::1]:" {
                assert_eq!(result, Some(("::1".to_string(), None)));
            } else {
                assert_eq!(result, None, "{bad}");
            }
        }
    }
}
