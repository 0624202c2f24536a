//! `unattributed-failure` (blocked): a TCP connection failed and nothing in the capture says
//! which endpoint it was for, but its address or port says it may be the agent's.
//!
//! What: TCP flows without any name (no SNI, CONNECT, Host, certificate or earlier DNS answer)
//! whose address is in no service tag the catalog attributes by, and that failed: the SYN went unanswered (`S0`, also
//! with a FIN `SH`), was refused (`REJ`, `RSTOS0`), drew an ICMP error, or the server reset
//! the connection before answering the client's first bytes (a ClientHello without
//! ServerHello, or no data at all). One finding per server address and port: repeats are
//! counted in it, with their `conn_state`s, and the address's service tags are the evidence.
//!
//! Why: captures often start after the agent resolved its names, and a blocked connection
//! never gets as far as a server certificate, so a dropped SYN to an Arc endpoint outside
//! the catalog's tags would otherwise be silent. The severity follows the evidence that
//! the flow is the agent's: MEDIUM for port 443 (the only port the agent uses) on an address
//! in an Azure service tag of the loaded ranges (or to the proxy in use); LOW for another
//! port on an Azure address, or port 443 to an address in no tag when the capture shows the
//! agent at work (Arc flows, a proxy or Private Link in the context). A failed connection to
//! another port of a non-Azure address is not the agent's business and is never reported.
//!
//! Example: `10.1.0.4 -> 20.38.128.9:443` SYN unanswered 3 times (frames 1, 4, 9), no DNS
//! in the capture: "3 failed connections to 20.38.128.9:443 (S0 x3); the address is in
//! AzureCloud (Public)".

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::classify::{
    CaptureView, Cx, Family, Finding, FlowFold, FlowView, Rule, RuleMeta, Severity,
};
use crate::flow::ConnState;
use crate::wire::Transport;

pub struct UnattributedFailure;

static META: RuleMeta = RuleMeta {
    id: "unattributed-failure",
    family: Family::Blocked,
    severity: Severity::Medium,
    summary: "TCP connection failed to an address no name attributes (possibly an Arc endpoint)",
    why: "Without DNS in the capture and without a certificate, a blocked connection cannot be named; reporting it by address keeps a dropped or refused Arc connection from passing silently.",
    check: "Which host resolves to this address on the machine (`Resolve-DnsName`/`dig`, or a capture that starts before the agent does), then the firewall, NSG or proxy rules for that host on TCP 443.",
    requirement: "Arc network requirements: outbound TCP 443 to the listed endpoints (or their service tags)",
    example: "`10.1.0.4 -> 20.38.128.9:443` SYN unanswered 3 times (frames 1, 4, 9), no DNS in the capture: \"3 failed connections to 20.38.128.9:443 (S0 x3); the address is in AzureCloud (Public)\".",
};

/// The agent talks HTTPS only; another port is weaker evidence that the flow is its own.
const AGENT_PORT: u16 = 443;

/// How the connection failed, or `None` when it did not (or when it is not TCP).
fn failure(v: &FlowView<'_>) -> Option<&'static str> {
    let f = v.flow;
    if f.transport != Transport::Tcp {
        return None;
    }
    if !f.icmp().is_empty() && f.server_bytes == 0 {
        return Some("ICMP error");
    }
    match f.conn_state? {
        ConnState::S0 => Some("S0"),
        ConnState::Sh => Some("SH"),
        ConnState::Rej => Some("REJ"),
        ConnState::Rstos0 => Some("RSTOS0"),
        // Established, then the server reset before answering the client's first bytes:
        // an SNI filter (ClientHello, RST) or a firewall that accepts and kills.
        _ if f.server_reset() && f.server_bytes == 0 => match &f.tls {
            Some(t) if t.client_hello_frame.is_some() => Some("RST after ClientHello"),
            _ => Some("RST before data"),
        },
        _ => None,
    }
}

/// The severity the evidence supports, or `None` when the flow is not the agent's business:
/// `azure` = the address is in a service tag of the loaded ranges, `agent_port` = port 443 or
/// the proxy in use, `arc_capture` = the capture shows the agent at work.
fn grade(azure: bool, agent_port: bool, arc_capture: bool) -> Option<Severity> {
    match (azure, agent_port) {
        (true, true) => Some(Severity::Medium),
        (true, false) => Some(Severity::Low),
        (false, true) if arc_capture => Some(Severity::Low),
        _ => None,
    }
}

/// One (server address, port) with its failed flows: what the first says, how the flows
/// ended, and where the last ended.
struct Group {
    /// The finding about the first flow, its words still to be written.
    finding: Finding,
    client: std::net::IpAddr,
    to_proxy: bool,
    server_tags: std::sync::Arc<[String]>,
    first_frame: u64,
    flows: usize,
    last_frame: u64,
    states: BTreeMap<&'static str, u64>,
}

impl Rule for UnattributedFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn flow_fold(&self) -> Option<Box<dyn FlowFold>> {
        Some(Box::new(Groups::default()))
    }
}

/// The failed flows no name explains, by server.
#[derive(Default)]
struct Groups {
    groups: BTreeMap<SocketAddr, Group>,
}

impl FlowFold for Groups {
    fn flow(&mut self, v: &FlowView<'_>, cx: &Cx<'_>) {
        // A flow named by SNI, CONNECT, Host, certificate or DNS with a name the catalog
        // does not know is attributed, just not to Arc: not this rule's.
        // A flow dropped on the host (to the proxy) is `dropped-on-host`'s.
        if v.is_arc() || v.attribution.name.is_some() || super::dropped_on_host::fires(v) {
            return;
        }
        let Some(state) = failure(v) else { return };
        let g = self.groups.entry(v.flow.server).or_insert_with(|| Group {
            finding: Finding::new(&META, cx.file, String::new(), String::new()).on_flow(
                v,
                &[
                    v.flow.frames.syn,
                    Some(v.flow.frames.first),
                    Some(v.flow.frames.last),
                ],
            ),
            client: v.flow.client.ip(),
            to_proxy: v.to_proxy,
            server_tags: v.attribution.server_tags.clone(),
            first_frame: v.flow.frames.first,
            flows: 0,
            last_frame: v.flow.frames.last,
            states: BTreeMap::new(),
        });
        g.flows += 1;
        g.last_frame = v.flow.frames.last;
        *g.states.entry(state).or_default() += 1;
    }

    fn finish(self: Box<Self>, c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        // Evidence that this capture is of an Arc machine at all, for addresses in no tag.
        let arc_capture = c.any_arc() || cx.context.proxy_configured || cx.context.private_link;
        for (server, g) in self.groups {
            let tags = &g.server_tags;
            let azure = !tags.is_empty();
            let agent_port = server.port() == AGENT_PORT || g.to_proxy;
            let Some(severity) = grade(azure, agent_port, arc_capture) else {
                continue;
            };
            let states: Vec<String> = g
                .states
                .iter()
                .map(|(s, n)| format!("{s} x{n}"))
                .collect();
            let n = g.flows;
            let tag_text = if azure {
                // Regional variants repeat their parent: the first few say enough.
                let shown: Vec<&str> = tags.iter().take(6).map(String::as_str).collect();
                let more = tags.len().saturating_sub(shown.len());
                format!(
                    "the address is in {}{}",
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more tag(s)")
                    } else {
                        String::new()
                    }
                )
            } else {
                "the address is in no service tag of the loaded ranges".to_string()
            };
            let evidence = format!(
                "{n} failed connection(s) from {} to {server}{} ({}), first in frame {}; no name for it in the capture; {tag_text}",
                g.client,
                if g.to_proxy { " (the proxy)" } else { "" },
                states.join(", "),
                g.first_frame,
            );
            let explanation = if azure {
                "A connection to an Azure address failed and nothing in the capture names the endpoint: if it is the agent's, it is blocked on the path."
            } else {
                "A connection on the agent's port failed and nothing in the capture names the endpoint or places the address in Azure: check which host it was for."
            };
            let mut finding = g.finding.severity(severity);
            finding.evidence = evidence;
            finding.explanation = explanation.to_string();
            // Repeats are this finding's, not new ones: counted as the folder counts.
            finding.count = u64::try_from(n).unwrap_or(u64::MAX);
            if n > 1 {
                finding.last_frame = Some(g.last_frame);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_follows_the_evidence_that_the_flow_is_the_agents() {
        assert_eq!(grade(true, true, false), Some(Severity::Medium));
        assert_eq!(grade(true, false, false), Some(Severity::Low));
        assert_eq!(grade(false, true, true), Some(Severity::Low));
        // Port 443 to an address in no tag, in a capture without the agent: anyone's.
        assert_eq!(grade(false, true, false), None);
        // Another port on an address in no tag is never the agent's.
        assert_eq!(grade(false, false, true), None);
        assert_eq!(grade(false, false, false), None);
    }
}
