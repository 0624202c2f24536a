//! Which machine a capture was taken on: its [`HostIdentity`], from (first that answers) a
//! name the user's `--host-from` pattern takes from the path, a `host=NAME` comment in the
//! pcapng section header, the capture interface's own address or MAC (pcapng interface
//! options), the client address that carries the Arc flows, else the file itself. The
//! identity says where it came from ([`HostSource`]) and what else the capture says about
//! the machine (hardware, OS, capturing application, interface names), so a reader can judge
//! it. Captures with one identity are one host in a fleet report. Reads the capture summary
//! and the per-flow verdicts; knows nothing of findings or rendering.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::capture::CaptureSummary;

/// Longest host name kept (a DNS name's limit): a longer "name" is not one.
const MAX_HOST_NAME: usize = 253;

/// Most evidence lines kept per identity.
pub const MAX_EVIDENCE: usize = 8;

/// Where a host identity came from, strongest first: the order in which they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostSource {
    /// `--host-from REGEX` matched the capture's path (its first capture group),
    /// lower-cased.
    HostFrom,
    /// A pcapng section header comment `host=NAME` / `hostname: NAME`.
    SectionComment,
    /// A pcapng interface's own address (`if_IPv4addr` / `if_IPv6addr`).
    InterfaceAddress,
    /// A pcapng interface's MAC address (`if_MACaddr`), when it gives no address.
    InterfaceMac,
    /// The client address of most of the capture's Arc flows: an address, which several
    /// machines behind different NATs may share.
    ArcClient,
    /// Nothing named the machine: the capture is a host of its own, named by its path.
    File,
}

impl HostSource {
    pub fn as_str(self) -> &'static str {
        match self {
            HostSource::HostFrom => "host-from",
            HostSource::SectionComment => "section-comment",
            HostSource::InterfaceAddress => "interface-address",
            HostSource::InterfaceMac => "interface-mac",
            HostSource::ArcClient => "arc-client",
            HostSource::File => "file",
        }
    }
}

/// The machine a capture was taken on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostIdentity {
    /// The host's id: a name (lower-cased), an address, a MAC, or the capture's path.
    pub id: String,
    pub source: HostSource,
    /// What the capture says about the machine, one fact a line (the source's first),
    /// at most [`MAX_EVIDENCE`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// A host name from a section comment: `host=NAME`, `hostname=NAME`, `host: NAME`,
/// `hostname: NAME` (key in any case, anywhere in the comment), up to the next blank,
/// comma or semicolon. Lower-cased: host names are case-insensitive.
fn name_in_comment(comment: &str) -> Option<String> {
    let lower = comment.to_ascii_lowercase();
    for key in ["hostname", "host"] {
        let mut from = 0;
        while let Some(at) = lower.get(from..).and_then(|s| s.find(key)) {
            let start = from + at;
            from = start + key.len();
            // A key starts a word: `ghost=x` does not name a host.
            if lower[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                continue;
            }
            let rest = lower[from..].trim_start();
            let Some(rest) = rest.strip_prefix(['=', ':']) else {
                continue;
            };
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != ',' && *c != ';')
                .collect();
            if valid_name(&name) {
                return Some(name);
            }
        }
    }
    None
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_HOST_NAME && !name.chars().any(char::is_control)
}

/// Addresses that say nothing about which machine this is.
fn anonymous(ip: IpAddr) -> bool {
    ip.is_unspecified() || ip.is_loopback()
}

/// What the section headers and interfaces say about the machine, for the evidence.
fn capture_facts(summary: &CaptureSummary) -> Vec<String> {
    let mut out = Vec::new();
    for (i, s) in summary.sections.iter().enumerate() {
        let mut parts = Vec::new();
        for (what, v) in [
            ("hardware", &s.hardware),
            ("os", &s.os),
            ("application", &s.user_application),
        ] {
            if let Some(v) = v {
                parts.push(format!("{what} {v:?}"));
            }
        }
        for c in &s.comments {
            parts.push(format!("comment {c:?}"));
        }
        if !parts.is_empty() {
            out.push(format!("section {i}: {}", parts.join(", ")));
        }
    }
    for i in &summary.interfaces {
        let mut parts = Vec::new();
        if let Some(n) = &i.name {
            parts.push(format!("{n:?}"));
        }
        if let Some(d) = &i.description {
            parts.push(format!("({d:?})"));
        }
        for a in &i.addresses {
            parts.push(a.to_string());
        }
        if let Some(m) = &i.mac {
            parts.push(format!("mac {m}"));
        }
        if !parts.is_empty() {
            out.push(format!(
                "interface {}/{}: {}",
                i.section,
                i.id,
                parts.join(" ")
            ));
        }
    }
    out
}

/// The identity of the capture `file`. `from_path` is what `--host-from` took from the
/// path (`None` without the option or when it did not match; the pattern, for the
/// evidence). `clients` are the client addresses of the capture's Arc flows, with how
/// many each sent.
pub fn identify(
    file: &str,
    from_path: Option<(&str, &str)>,
    summary: &CaptureSummary,
    clients: &BTreeMap<IpAddr, usize>,
) -> HostIdentity {
    let facts = capture_facts(summary);
    let identity = |id: String, source: HostSource, first: String| {
        let mut evidence = vec![first];
        evidence.extend(facts.iter().cloned());
        evidence.truncate(MAX_EVIDENCE);
        HostIdentity {
            id,
            source,
            evidence,
        }
    };
    if let Some((name, pattern)) = from_path
        && valid_name(name)
    {
        return identity(
            // Host names are case-insensitive: WEB01/ and web01/ are one machine.
            name.to_ascii_lowercase(),
            HostSource::HostFrom,
            format!("--host-from {pattern:?} on the path {file:?}"),
        );
    }
    for (i, s) in summary.sections.iter().enumerate() {
        if let Some((name, c)) = s
            .comments
            .iter()
            .find_map(|c| name_in_comment(c).map(|n| (n, c)))
        {
            return identity(
                name,
                HostSource::SectionComment,
                format!("section {i} comment {c:?}"),
            );
        }
    }
    if let Some((i, a)) = summary.interfaces.iter().find_map(|i| {
        i.addresses
            .iter()
            .find(|a| !anonymous(**a))
            .map(|a| (i, *a))
    }) {
        return identity(
            a.to_string(),
            HostSource::InterfaceAddress,
            format!("interface {}/{} address {a}", i.section, i.id),
        );
    }
    if let Some((i, m)) = summary
        .interfaces
        .iter()
        .find_map(|i| i.mac.as_ref().map(|m| (i, m)))
    {
        return identity(
            m.clone(),
            HostSource::InterfaceMac,
            format!("interface {}/{} mac {m}", i.section, i.id),
        );
    }
    let arc = clients.values().sum::<usize>();
    // Most Arc flows; on a tie the lowest address, so the answer does not depend on order.
    if let Some((ip, n)) = clients
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(ip, n)| (*ip, *n))
    {
        return identity(
            ip.to_string(),
            HostSource::ArcClient,
            format!("client of {n} of {arc} Arc flows"),
        );
    }
    identity(
        file.to_string(),
        HostSource::File,
        "nothing in the capture names the machine: a host of its own".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{InterfaceInfo, SectionInfo};
    use crate::classify::FlowRef;
    use crate::classify::FlowVerdict;

    fn section(comments: &[&str]) -> SectionInfo {
        SectionInfo {
            offset: 0,
            byte_order: crate::capture::ByteOrder::Little,
            version_major: 1,
            version_minor: 0,
            hardware: Some("Xeon".into()),
            os: None,
            user_application: Some("dumpcap".into()),
            comments: comments.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn interface(addresses: &[&str], mac: Option<&str>) -> InterfaceInfo {
        InterfaceInfo {
            section: 0,
            id: 0,
            offset: 0,
            linktype: 1,
            snaplen: 0,
            tsresol: 6,
            tsoffset_secs: 0,
            name: Some("eth0".into()),
            description: None,
            addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
            mac: mac.map(str::to_string),
        }
    }

    fn flow(client: &str, endpoint: Option<&str>) -> FlowVerdict {
        FlowVerdict {
            flow: FlowRef {
                transport: crate::wire::Transport::Tcp,
                client: format!("{client}:50000").parse().unwrap(),
                server: "20.50.1.197:443".parse().unwrap(),
                first_frame: 1,
            },
            first_ts_ns: 0,
            last_ts_ns: 0,
            conn_state: None,
            name: None,
            name_source: None,
            endpoint: endpoint.map(std::sync::Arc::from),
            tls_version: None,
            via_proxy: false,
            succeeded: true,
        }
    }

    /// The Arc flows' clients, as the audit counts them.
    fn clients(flows: &[FlowVerdict]) -> BTreeMap<IpAddr, usize> {
        let mut clients = BTreeMap::new();
        for v in flows.iter().filter(|v| v.endpoint.is_some()) {
            *clients.entry(v.flow.client.ip()).or_default() += 1;
        }
        clients
    }

    #[test]
    fn comments_name_hosts_in_the_usual_spellings_and_not_by_accident() {
        assert_eq!(name_in_comment("host=WEB-01").as_deref(), Some("web-01"));
        assert_eq!(
            name_in_comment("collected by x; Hostname: db7.corp, site 3").as_deref(),
            Some("db7.corp")
        );
        assert_eq!(name_in_comment("host : a1").as_deref(), Some("a1"));
        assert_eq!(name_in_comment("ghost=x"), None);
        assert_eq!(name_in_comment("host="), None);
        assert_eq!(name_in_comment("a host of problems"), None);
    }

    #[test]
    fn the_strongest_source_wins_and_the_evidence_says_the_rest() {
        let mut summary = CaptureSummary::default();
        let flows = [
            flow("10.1.0.4", Some("public.his")),
            flow("10.1.0.4", Some("public.arm")),
            flow("10.9.9.9", Some("public.arm")),
            flow("10.7.7.7", None),
        ];
        let id = identify("c/x.pcap", None, &summary, &clients(&flows));
        assert_eq!(
            (id.id.as_str(), id.source),
            ("10.1.0.4", HostSource::ArcClient)
        );
        assert_eq!(id.evidence, ["client of 2 of 3 Arc flows"]);

        summary
            .interfaces
            .push(interface(&[], Some("02:00:0a:01:00:04")));
        let id = identify("c/x.pcap", None, &summary, &clients(&flows));
        assert_eq!(id.source, HostSource::InterfaceMac);
        summary.interfaces[0] = interface(&["127.0.0.1", "10.1.0.4"], Some("02:00:0a:01:00:04"));
        let id = identify("c/x.pcap", None, &summary, &clients(&flows));
        assert_eq!(
            (id.id.as_str(), id.source),
            ("10.1.0.4", HostSource::InterfaceAddress)
        );

        summary
            .sections
            .push(section(&["taken at noon", "host=Web-01"]));
        let id = identify("c/x.pcap", None, &summary, &clients(&flows));
        assert_eq!(
            (id.id.as_str(), id.source),
            ("web-01", HostSource::SectionComment)
        );
        assert_eq!(
            id.evidence,
            [
                "section 0 comment \"host=Web-01\"",
                "section 0: hardware \"Xeon\", application \"dumpcap\", comment \"taken at noon\", comment \"host=Web-01\"",
                "interface 0/0: \"eth0\" 127.0.0.1 10.1.0.4 mac 02:00:0a:01:00:04",
            ]
        );

        let id = identify(
            "c/x.pcap",
            Some(("srv9", "^c/(.*)")),
            &summary,
            &clients(&flows),
        );
        assert_eq!((id.id.as_str(), id.source), ("srv9", HostSource::HostFrom));
    }

    #[test]
    fn a_capture_nothing_names_is_a_host_of_its_own() {
        let id = identify(
            "dir/a.pcap",
            None,
            &CaptureSummary::default(),
            &clients(&[flow("10.0.0.1", None)]),
        );
        assert_eq!(
            (id.id.as_str(), id.source),
            ("dir/a.pcap", HostSource::File)
        );
    }
}
