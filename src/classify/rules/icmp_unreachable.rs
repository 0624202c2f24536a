//! `icmp-unreachable` (blocked): an ICMP or ICMPv6 "destination unreachable" quoted a flow
//! to an Arc endpoint.
//!
//! What: a flow attributed to a catalog entry that drew an ICMP type 3 (IPv4) or ICMPv6
//! type 1 message quoting it. The finding names the code (network, host or port
//! unreachable, administratively prohibited, ...) and the address that sent it. IPv4 code 4
//! (fragmentation needed) is path-MTU discovery, not a refusal, and is left out.
//!
//! Why: a router or firewall told the machine it will not deliver the connection. Code 13
//! (v4) or 1 (v6), "administratively prohibited", is a firewall rule rejecting the traffic;
//! net/host unreachable is a routing problem (no route to Azure, a missing default route or
//! VPN route); port unreachable is a host refusing. The agent fails at once for that
//! endpoint.
//!
//! Example: SYN from `10.1.0.4:56864` to `13.69.109.180:443`, ICMP type 3 code 13
//! (communication administratively prohibited) from `10.1.0.1` in frame 2.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::flow::IcmpEvent;

pub struct IcmpUnreachable;

static META: RuleMeta = RuleMeta {
    id: "icmp-unreachable",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "ICMP destination unreachable for a connection to an Arc endpoint",
    why: "A router or firewall on the path reports it will not deliver the agent's traffic to this endpoint: a reject rule (administratively prohibited) or a missing route, so the agent cannot reach it.",
    check: "The firewall or router that sent the ICMP message: its rules for outbound TCP 443 to this endpoint (or its service tag) and its routes towards Azure.",
    requirement: "Arc network requirements (2026-04-01): outbound TCP 443 to the endpoints in the Azure Arc-enabled servers table",
    example: "SYN from `10.1.0.4:56864` to `13.69.109.180:443`, ICMP type 3 code 13 (communication administratively prohibited) from `10.1.0.1` in frame 2.",
};

/// ICMPv4 destination unreachable; ICMPv6 destination unreachable.
const V4_UNREACHABLE: u8 = 3;
const V6_UNREACHABLE: u8 = 1;
/// ICMPv4 "fragmentation needed and DF set": path-MTU discovery, not a refusal.
const V4_FRAG_NEEDED: u8 = 4;

/// Whether `e` is a destination-unreachable that refuses delivery.
fn is_unreachable(e: &IcmpEvent) -> bool {
    if e.v6 {
        e.icmp_type == V6_UNREACHABLE
    } else {
        e.icmp_type == V4_UNREACHABLE && e.code != V4_FRAG_NEEDED
    }
}

/// The code's meaning (RFC 792 / RFC 1122 / RFC 1812 for v4, RFC 4443 for v6).
fn code_name(v6: bool, code: u8) -> &'static str {
    if v6 {
        match code {
            0 => "no route to destination",
            1 => "communication administratively prohibited",
            2 => "beyond scope of source address",
            3 => "address unreachable",
            4 => "port unreachable",
            5 => "source address failed ingress/egress policy",
            6 => "reject route to destination",
            _ => "unknown code",
        }
    } else {
        match code {
            0 => "network unreachable",
            1 => "host unreachable",
            2 => "protocol unreachable",
            3 => "port unreachable",
            4 => "fragmentation needed",
            5 => "source route failed",
            6 => "destination network unknown",
            7 => "destination host unknown",
            8 => "source host isolated",
            9 => "network administratively prohibited",
            10 => "host administratively prohibited",
            11 => "network unreachable for type of service",
            12 => "host unreachable for type of service",
            13 => "communication administratively prohibited",
            14 => "host precedence violation",
            15 => "precedence cutoff in effect",
            _ => "unknown code",
        }
    }
}

/// A firewall's reject (administratively prohibited, v4 9/10/13, v6 1 and 5).
fn is_prohibited(v6: bool, code: u8) -> bool {
    if v6 {
        matches!(code, 1 | 5)
    } else {
        matches!(code, 9 | 10 | 13)
    }
}

impl Rule for IcmpUnreachable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let f = v.flow;
        if !v.is_arc() {
            return;
        }
        let mut events = f.icmp().iter().filter(|e| is_unreachable(e));
        let Some(first) = events.next() else { return };
        let more = events.count();
        out.add(&META, v, &[f.frames.syn, Some(first.frame)], || {
        let (proto, ty) = if first.v6 {
            ("ICMPv6", V6_UNREACHABLE)
        } else {
            ("ICMP", V4_UNREACHABLE)
        };
        let mut evidence = format!(
            "{proto} destination unreachable ({}, type {ty} code {}) from {} in frame {}, quoting {} -> {} ({})",
            code_name(first.v6, first.code),
            first.code,
            first.from,
            first.frame,
            f.client,
            f.server,
            v.attribution.name.as_deref().unwrap_or("?")
        );
        if more > 0 {
            evidence.push_str(&format!(" ({more} more such message(s))"));
        }
        let explanation = if is_prohibited(first.v6, first.code) {
            format!(
                "A firewall at {} rejects the connection by rule.",
                first.from
            )
        } else {
            format!(
                "{} reports it cannot deliver the connection ({}): a routing problem on the path, or a reject rule using this code.",
                first.from,
                code_name(first.v6, first.code)
            )
        };
        (evidence, explanation)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(v6: bool, icmp_type: u8, code: u8) -> IcmpEvent {
        IcmpEvent {
            frame: 2,
            from: "10.1.0.1".parse().unwrap(),
            v6,
            icmp_type,
            code,
        }
    }

    #[test]
    fn unreachable_types_and_the_mtu_exception() {
        assert!(is_unreachable(&ev(false, 3, 13)));
        assert!(is_unreachable(&ev(false, 3, 1)));
        assert!(!is_unreachable(&ev(false, 3, 4)), "PMTU discovery");
        assert!(!is_unreachable(&ev(false, 11, 0)), "time exceeded");
        assert!(is_unreachable(&ev(true, 1, 1)));
        assert!(!is_unreachable(&ev(true, 2, 0)), "packet too big");
        assert!(!is_unreachable(&ev(true, 3, 0)), "time exceeded");
    }

    #[test]
    fn codes_named_per_family() {
        assert_eq!(
            code_name(false, 13),
            "communication administratively prohibited"
        );
        assert_eq!(
            code_name(true, 1),
            "communication administratively prohibited"
        );
        assert_eq!(code_name(false, 1), "host unreachable");
        assert_eq!(code_name(true, 4), "port unreachable");
        assert_eq!(code_name(false, 200), "unknown code");
        assert!(is_prohibited(false, 13) && is_prohibited(true, 1));
        assert!(!is_prohibited(false, 1) && !is_prohibited(true, 4));
    }
}
