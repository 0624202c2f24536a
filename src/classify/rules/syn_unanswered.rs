//! `syn-unanswered` (blocked): the client's SYN to an Arc endpoint got no answer at all.
//!
//! What: a TCP flow attributed to a catalog entry whose SYN (and its retransmissions) saw
//! neither a SYN-ACK nor a RST (Zeek `conn_state` S0), and no ICMP error either.
//!
//! Why: the agent's calls time out rather than fail fast; a firewall or network security
//! group silently dropping TCP 443 to that endpoint is the usual cause. Heartbeats stop and
//! the machine shows as Disconnected after 15 minutes.
//!
//! Example: `10.1.0.4:50123 -> 20.50.2.1:443` SYN in frames 1, 3, 7 (two retransmissions),
//! nothing back: "SYN unanswered after 2 retransmissions".

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::flow::ConnState;

pub struct SynUnanswered;

static META: RuleMeta = RuleMeta {
    id: "syn-unanswered",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "TCP SYN to an Arc endpoint never answered (dropped silently)",
    why: "The agent must reach its endpoints on TCP 443; a silent drop makes every call time out and the machine ends up Disconnected.",
    check: "Firewall, NSG or proxy rules for outbound TCP 443 to this endpoint (or its service tag); run `azcmagent check` on the machine.",
    requirement: "Arc network requirements: outbound TCP 443 to the listed endpoints",
    example: "`10.1.0.4:50123 -> 20.50.2.1:443` SYN in frames 1, 3, 7 (two retransmissions), nothing back: \"SYN unanswered after 2 retransmissions\".",
};

impl Rule for SynUnanswered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let f = v.flow;
        if !v.is_arc() || f.conn_state != Some(ConnState::S0) || !f.icmp().is_empty() {
            return;
        }
        out.add(&META, v, &[f.frames.syn, Some(f.frames.last)], || {
        let evidence = format!(
            "SYN from {} to {} in frame {} unanswered after {} retransmission(s)",
            f.client,
            f.server,
            f.frames.syn.unwrap_or(f.frames.first),
            f.syn_retransmissions
        );
        let what = if v.to_proxy {
            "the proxy"
        } else {
            "the endpoint"
        };
        (
            evidence,
            format!("Nothing answered the connection attempt to {what}: a silent drop on the path."),
        )
        });
    }
}
