//! `dropped-on-host` (blocked): the capturing Windows host itself dropped a packet of a failed
//! connection to an Arc endpoint, and Packet Monitor said where and why.
//!
//! What: a flow attributed to a catalog entry (or going to the proxy) that never achieved
//! anything (no TLS handshake, no HTTP answer) and on which the capture carries a Packet
//! Monitor drop report: the component that dropped the packet (its name when the capture
//! lists components, else its id), the drop reason (code, and its name from Packet Monitor's
//! reason list where known) and location code. The other blocked rules (an unanswered SYN,
//! a reset, a stalled handshake, ...) leave such a flow to this one (`rules::defers`): one
//! problem, said once.
//!
//! Why: it is direct evidence, not an inference from silence: the connection did not die on
//! the network but on the Arc machine, typically in the Windows Filtering Platform (Windows
//! Firewall, or an EDR or VPN product's callout driver) or a virtual switch policy. Looking
//! at the network firewall would waste the engineer's hour.
//!
//! Example: SYN from `10.1.0.4:50123` to `4.150.240.10:443` dropped on the host in frame 3 at
//! component 34, reason 909 (NL_InspectionDrop), location 0xE0004142; 2 more drops.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::flow::{ConnState, HostDropEvent};

pub struct DroppedOnHost;

static META: RuleMeta = RuleMeta {
    id: "dropped-on-host",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "A packet of a failed Arc connection was dropped on the capturing host itself (Packet Monitor drop report)",
    why: "The connection died on the Arc machine, not on the network: a host firewall (Windows Filtering Platform: Windows Firewall, an EDR, VPN or proxy client's filter) or a virtual switch policy dropped it, so network firewall rules are the wrong place to look.",
    check: "The named component and drop reason: Windows Firewall outbound rules and WFP filters (`netsh wfp show state`, `netsh advfirewall monitor show firewall`), security or VPN software with network filters, Hyper-V switch port ACLs; `pktmon list` names the component ids.",
    requirement: "Arc network requirements: outbound TCP 443 to the listed endpoints, allowed by the machine's own firewall",
    example: "SYN from `10.1.0.4:50123` to `4.150.240.10:443` dropped on the host in frame 3 at component 34, reason 909 (NL_InspectionDrop), location 0xE0004142; 2 more drops.",
};

/// Whether this rule reports the flow, so the other blocked rules leave it alone
/// ([`super::defers`]; `unattributed-failure`, a capture-wide rule, asks it too).
pub(super) fn fires(v: &FlowView<'_>) -> bool {
    (v.is_arc() || v.to_proxy) && v.flow.dropped_on_host()
}

impl Rule for DroppedOnHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let f = v.flow;
        if !fires(v) {
            return;
        }
        let Some(d) = f.host_drops().first() else {
            return;
        };
        let (from, to) = if d.from_client {
            (f.client, f.server)
        } else {
            (f.server, f.client)
        };
        // Before any answer the client's dropped packets are its SYNs.
        let what = if d.from_client && matches!(f.conn_state, Some(ConnState::S0)) {
            "SYN"
        } else if d.from_client {
            "Client packet"
        } else {
            "Server packet"
        };
        let mut frames: Vec<Option<u64>> = f.host_drops().iter().map(|d| Some(d.frame)).collect();
        frames.push(f.frames.syn);
        out.add(&META, v, &frames, || {
            let more = f.host_drops().len() - 1;
            let more = match more {
                0 => String::new(),
                1 => "; 1 more drop".to_string(),
                n => format!("; {n} more drops"),
            };
            let evidence = format!(
                "{what} from {from} to {to} dropped on the host in frame {} at {}, {}, location {:#010X}{more}",
                d.frame,
                component(d, cx),
                reason(d.reason),
                d.location,
            );
            let target = if v.to_proxy { "the proxy" } else { "the endpoint" };
            (
                evidence,
                format!(
                    "The connection to {target} was dropped on this machine, not on the network: check its firewall and network filter drivers."
                ),
            )
        });
    }
}

/// "component 34 (WFP Native MAC Layer LightWeight Filter)" when the capture names it.
fn component(d: &HostDropEvent, cx: &Cx<'_>) -> String {
    match d.component {
        Some(id) => match cx.host_components.get(&id) {
            Some(name) => format!("component {id} ({name})"),
            None => format!("component {id}"),
        },
        None => "an unnamed component".to_string(),
    }
}

/// "reason 909 (NL_InspectionDrop)", or the code alone when Packet Monitor's reason list
/// (`capture::drop_reason_name`, src/capture/etl/drop_reasons.tsv) does not name it.
fn reason(code: u32) -> String {
    match crate::capture::drop_reason_name(code) {
        Some(name) => format!("reason {code} ({name})"),
        None => format!("reason {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_named_from_packet_monitor_s_list() {
        assert_eq!(reason(8), "reason 8 (Filtered)");
        assert_eq!(reason(909), "reason 909 (NL_InspectionDrop)");
        assert_eq!(reason(123_456), "reason 123456");
    }
}
