//! `required-endpoint-not-contacted` (coverage): an endpoint the agent always needs (in this
//! context) has no flow in a capture long enough to expect one.
//!
//! What: a row of the coverage table that is required (the context's cloud, the standard
//! profile, "always" or a feature in use) with no attempt at all. It only fires when the
//! capture shows Arc traffic (at least one attributed flow) and spans at least
//! [`MIN_SPAN_NS`]: a short capture of one connection says nothing about the others.
//! Severity is info below [`MEDIUM_SPAN_NS`] (the agent may simply not have called the
//! endpoint yet), medium from there on.
//!
//! Why: the agent reaches most of its endpoints every few minutes (heartbeat every five,
//! extension and configuration checks every five to fifteen). An endpoint that never shows
//! up over that time is either blocked before the capture point (a DNS override, a hosts
//! file, a local firewall dropping before the capture) or reached by a path the capture
//! does not see (a proxy on another interface).
//!
//! Example: a 20-minute capture with flows to management.azure.com and
//! login.microsoftonline.com and none to `*.guestconfiguration.azure.com`.

use crate::classify::{CaptureView, Cx, Family, Finding, Rule, RuleMeta, Severity};

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
/// From this span on, the five-minute heartbeat and status checks should all have run.
const MEDIUM_SPAN_NS: i64 = 5 * 60 * 1_000_000_000;

impl Rule for RequiredEndpointNotContacted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_capture(&self, c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        let (Some(first), Some(last)) = (c.first_ts_ns, c.last_ts_ns) else {
            return;
        };
        let span = last.saturating_sub(first);
        if span < MIN_SPAN_NS || !c.flows.iter().any(|v| v.is_arc()) {
            return;
        }
        let severity = if span < MEDIUM_SPAN_NS {
            Severity::Info
        } else {
            Severity::Medium
        };
        for row in c.coverage.iter().filter(|r| r.required && r.attempts == 0) {
            let mut f = Finding::new(
                &META,
                cx.file,
                format!(
                    "no flow to {} in this capture (span {} s)",
                    row.hosts.join(", "),
                    span / 1_000_000_000
                ),
                if severity == Severity::Info {
                    "The agent did not reach this required endpoint during the capture; it may not have needed it yet in so short a time.".to_string()
                } else {
                    "The agent did not reach this required endpoint in several of its regular check-in intervals.".to_string()
                },
            )
            .severity(severity);
            f.endpoint = Some(row.endpoint.clone());
            out.push(f);
        }
    }
}
