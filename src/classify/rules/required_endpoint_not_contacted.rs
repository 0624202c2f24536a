//! `required-endpoint-not-contacted` (coverage): an endpoint the agent always needs (in this
//! context) has no flow in a capture long enough to expect one.
//!
//! What: a row of the coverage table that is required (the context's cloud, the standard
//! profile, "always" or a feature in use, not retired) with no attempt and no other
//! finding (a failed lookup of its name is an attempt: `dns-failure` says it once). It
//! only fires when the capture shows Arc traffic (at least one attributed flow) and spans
//! at least [`MIN_SPAN_NS`]: a short capture of one connection says nothing about the
//! others. Severity is medium only when the coverage table marks the entry overdue
//! ([`Unseen::Overdue`]): the agent calls it on its five-minute cadence (the heartbeat to
//! `*.his`, the guest configuration check to `*.guestconfiguration`) and the capture spans
//! a whole period plus a minute of slack. Otherwise it is info: a capture that starts just
//! after a call sees the next one only five minutes later, and the other required
//! endpoints are called at start, on token expiry or over a long-lived connection opened
//! before the capture, so their absence proves nothing.
//!
//! Why: the agent reaches his and the guest configuration service every five minutes. An
//! endpoint that never shows up over that time is either blocked before the capture point
//! (a DNS override, a hosts file, a local firewall dropping before the capture) or reached
//! by a path the capture does not see (a proxy on another interface).
//!
//! Example: a 20-minute capture with flows to management.azure.com and
//! login.microsoftonline.com and none to `*.guestconfiguration.azure.com`.

use std::collections::BTreeSet;

use crate::classify::{CaptureView, Cx, Family, Finding, Rule, RuleMeta, Severity, Unseen};

pub struct RequiredEndpointNotContacted;

static META: RuleMeta = RuleMeta {
    id: "required-endpoint-not-contacted",
    family: Family::Coverage,
    severity: Severity::Medium,
    summary: "A required Arc endpoint has no connection in a capture long enough to expect one",
    why: "The agent calls its required endpoints every few minutes; silence towards one of them over a long capture means the calls are blocked before they leave (DNS, hosts file, local firewall) or leave by a path the capture does not see.",
    check: "On the machine: `azcmagent check`, name resolution of the endpoint, local firewall rules, and the proxy settings (`azcmagent config get proxy.url`); that the capture point sees all outbound traffic.",
    requirement: "Arc network requirements (2026-04-01): Azure Arc-enabled servers endpoints marked 'Always' (and those of the features in use)",
    example: "a 20-minute capture with flows to management.azure.com and login.microsoftonline.com and none to `*.guestconfiguration.azure.com`.",
};

/// Shortest capture that can show an endpoint missing: a minute of agent activity.
const MIN_SPAN_NS: i64 = 60 * 1_000_000_000;

impl Rule for RequiredEndpointNotContacted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_summary(
        &self,
        c: &CaptureView<'_>,
        _explained: &BTreeSet<String>,
        cx: &Cx<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (Some(first), Some(last)) = (c.first_ts_ns, c.last_ts_ns) else {
            return;
        };
        let span = last.saturating_sub(first);
        if span < MIN_SPAN_NS || !c.any_arc() {
            return;
        }
        // The coverage table marked the rows after the other rules ran: an endpoint with
        // a finding is not unseen.
        for row in c.coverage.iter() {
            let Some(unseen) = row.unseen else { continue };
            let (severity, explanation) = match unseen {
                Unseen::Overdue => (
                    Severity::Medium,
                    "The agent calls this required endpoint every five minutes and did not during the capture.",
                ),
                Unseen::NotDue => (
                    Severity::Info,
                    "The agent did not reach this required endpoint during the capture; the capture is too short, or the endpoint is not called on a fixed cadence, to expect it.",
                ),
            };
            let mut f = Finding::new(
                &META,
                cx.file,
                format!(
                    "no flow to {} in this capture (span {} s)",
                    row.hosts.join(", "),
                    span / 1_000_000_000
                ),
                explanation.to_string(),
            )
            .severity(severity);
            f.endpoint = Some(row.endpoint.clone());
            out.push(f);
        }
    }
}
