//! `handshake-stalled` (blocked): the ClientHello to an Arc endpoint got no answer at all.
//!
//! What: a flow attributed to a catalog entry where TCP connected and the ClientHello was
//! sent, but the server side sent nothing back at the TLS level (no ServerHello, no
//! HelloRetryRequest, no alert, no certificate) and no RST, until the client gave up (FIN or
//! RST from the client) or the capture ended. The flow must have lasted at least
//! [`MIN_WAIT_NS`] so that a capture cut right after the hello does not count.
//!
//! Why: a device on the path that inspects TLS can hold a connection whose server name it
//! does not like instead of resetting it; some proxies and IPS do this, and so does an MTU
//! problem that drops the large server flight. The agent then waits for its own timeout on
//! every call to that endpoint, which looks like a slow, flaky connection rather than a
//! block.
//!
//! Example: ClientHello for `management.azure.com` in frame 4, ACKed by the server, then
//! nothing for 4.0 s; the client closes with FIN in frame 6.

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};

pub struct HandshakeStalled;

static META: RuleMeta = RuleMeta {
    id: "handshake-stalled",
    family: Family::Blocked,
    severity: Severity::High,
    summary: "ClientHello to an Arc endpoint never answered (TLS handshake stalled)",
    why: "TCP to the endpoint works but the TLS handshake never gets an answer, so every call waits for the agent's timeout: typical of an inspecting firewall or proxy holding the connection, or of large packets being dropped on the path.",
    check: "TLS/SNI inspection or IPS policies on the firewall or proxy for this host name; path MTU (large server packets dropped, e.g. on VPN or tunnel links); run `azcmagent check` on the machine.",
    requirement: "Arc network requirements (2026-04-01): the endpoints of the Azure Arc-enabled servers table reachable over HTTPS (TLS on TCP 443)",
    example: "ClientHello for `management.azure.com` in frame 4, ACKed by the server, then nothing for 4.0 s; the client closes with FIN in frame 6.",
};

/// Shortest wait (first packet to last) that counts as a stall: a real endpoint answers a
/// ClientHello within milliseconds; one second rules out captures that simply stop there.
const MIN_WAIT_NS: i64 = 1_000_000_000;

impl Rule for HandshakeStalled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        let f = v.flow;
        let Some(t) = &f.tls else { return };
        let Some(hello) = t.client_hello_frame else {
            return;
        };
        let server_answered = t.server_hello_frame.is_some()
            || t.hello_retry
            || t.certificate_frame.is_some()
            || t.server_application_data
            || t.alerts
                .iter()
                .any(|a| a.sender == crate::tls::Direction::ServerToClient);
        // A server RST is `reset-after-client-hello`'s finding.
        if !v.is_arc() || server_answered || f.server_reset() {
            return;
        }
        let waited = f.last_ts_ns.saturating_sub(f.first_ts_ns);
        if waited < MIN_WAIT_NS {
            return;
        }
        let client_reset = f.client_reset();
        let fin = f.history.contains('F');
        let end_frame = if client_reset {
            f.frames.first_rst.unwrap_or(f.frames.last)
        } else if fin {
            f.frames.first_fin.unwrap_or(f.frames.last)
        } else {
            f.frames.last
        };
        out.add(&META, v, &[Some(hello), Some(end_frame)], || {
            let end = if client_reset {
                format!("the client reset the connection in frame {end_frame}")
            } else if fin {
                format!("the client closed with FIN in frame {end_frame}")
            } else {
                format!("the flow was still waiting at frame {end_frame} (capture end or idle)")
            };
            let evidence = format!(
                "ClientHello for {} from {} to {} in frame {}, no TLS answer from the server in {}; {end}",
                v.attribution.name.as_deref().unwrap_or("?"),
                f.client,
                f.server,
                hello,
                seconds(waited)
            );
            let via = if v.to_proxy { " through the proxy" } else { "" };
            (
                evidence,
                format!(
                    "The TCP connection{via} was accepted but the TLS handshake never got an answer: something on the path holds or drops it."
                ),
            )
        });
    }
}

/// `4.0 s` from nanoseconds, one decimal.
fn seconds(ns: i64) -> String {
    let tenths = ns / 100_000_000;
    format!("{}.{} s", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn seconds_rounds_down_to_tenths() {
        assert_eq!(seconds(4_049_610_000), "4.0 s");
        assert_eq!(seconds(1_000_000_000), "1.0 s");
        assert_eq!(seconds(12_345_000_000), "12.3 s");
        assert_eq!(seconds(0), "0.0 s");
    }
}
