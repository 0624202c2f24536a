//! `syn-refused` (blocked): the client's SYN to an Arc endpoint was answered by a RST.
//!
//! What: a TCP flow attributed to a catalog entry whose SYN got a RST instead of a SYN-ACK
//! (Zeek `conn_state` REJ): the connection was refused before it existed.
//!
//! Why: the agent fails fast with "connection refused" for that endpoint. Either a firewall
//! rejects outbound TCP 443 with a reset (nftables/iptables `reject with tcp reset`, many
//! appliances) or nothing listens at the address the name resolved to, which points at a
//! wrong DNS answer or a stale hosts-file entry. For a proxied flow, the proxy itself is not
//! listening on the configured port.
//!
//! Example: SYN from `10.1.0.4:41824` to `20.50.1.197:443` (westeurope.his.arc.azure.com)
//! in frame 1, RST,ACK from `20.50.1.197:443` in frame 2.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::flow::ConnState;

pub struct SynRefused;

static META: RuleMeta = RuleMeta {
    id: "syn-refused",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "TCP SYN to an Arc endpoint answered with a reset (connection refused)",
    why: "The agent needs outbound TCP 443 to each endpoint; a reset in place of a SYN-ACK means a firewall rejects the connection or the address reached is not the real endpoint, so every call to it fails at once.",
    check: "Firewall or NSG rules that reject outbound TCP 443 to this endpoint; what the name resolves to on the machine (nslookup, hosts file); for a proxy, that it listens on the configured port.",
    requirement: "Arc network requirements (2026-04-01): outbound TCP 443 to the endpoints in the Azure Arc-enabled servers table",
    example: "SYN from `10.1.0.4:41824` to `20.50.1.197:443` (westeurope.his.arc.azure.com) in frame 1, RST,ACK from `20.50.1.197:443` in frame 2.",
};

impl Rule for SynRefused {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let f = v.flow;
        if !v.is_arc() || f.conn_state != Some(ConnState::Rej) {
            return;
        }
        // The RST carries the server's address: a rejecting firewall forges it, so the
        // capture cannot tell the two apart; the explanation names both.
        out.add(&META, v, &[f.frames.syn, f.frames.first_rst], || {
        let evidence = format!(
            "SYN from {} to {} for {} in frame {}, answered by RST from {} in frame {}",
            f.client,
            f.server,
            v.attribution.name.as_deref().unwrap_or("?"),
            f.frames.syn.unwrap_or(f.frames.first),
            f.server,
            f.frames.first_rst.unwrap_or(f.frames.last)
        );
        let explanation = if v.to_proxy {
            "The proxy's address refused the connection: nothing listens on that port, or a firewall in front of it rejects it."
        } else {
            "The connection was refused: a firewall rejecting TCP 443 with a reset, or the name resolves to an address where nothing listens."
        };
        (evidence, explanation.to_string())
        });
    }
}
