//! `required-endpoint-never-succeeded` (coverage): a required Arc endpoint was tried in the
//! capture, not one attempt worked, and no other finding says why.
//!
//! What: a row of the coverage table that is required in this context, with attempts and
//! no success (no completed TLS handshake, no accepted CONNECT, no HTTP answer below 400),
//! for an endpoint no other finding names. When a blocked finding (a reset, an
//! unanswered SYN, a refused CONNECT) already explains the endpoint, that finding is the
//! one problem and this rule stays quiet; it speaks for failures no rule could pin down
//! (a connection closed after the handshake started, an answer the rules do not read).
//! An entry that is not required is left to the per-flow findings.
//!
//! Why: one failed flow can be a blip; a required endpoint that never worked during the
//! capture is unreachable for the agent, and the machine degrades (no heartbeat, no
//! extensions, no identity tokens) and ends up Disconnected.
//!
//! Example: `public.gns-servicebus`: 3 attempts, 3 failed, first in frame 5, names
//! azgn1234.servicebus.windows.net.

use std::collections::BTreeSet;

use crate::classify::{CaptureView, Cx, Family, Finding, Rule, RuleMeta, Severity};

pub struct RequiredEndpointNeverSucceeded;

static META: RuleMeta = RuleMeta {
    id: "required-endpoint-never-succeeded",
    family: Family::Coverage,
    severity: Severity::High,
    summary: "A required Arc endpoint was tried during the capture, never reached, and no other finding says why",
    why: "Every attempt to this endpoint failed, so the agent has no working path to it; for a required endpoint the machine loses that function and eventually shows as Disconnected.",
    check: "The endpoint's flows (`arcaudit flows`): where each attempt stopped; then the firewall, proxy and DNS settings on the way.",
    requirement: "Arc network requirements (2026-04-01): Azure Arc-enabled servers endpoints table (the 'When required' column)",
    example: "`public.gns-servicebus`: 3 attempts, 3 failed, first in frame 5, names azgn1234.servicebus.windows.net.",
};

impl Rule for RequiredEndpointNeverSucceeded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_summary(
        &self,
        c: &CaptureView<'_>,
        explained: &BTreeSet<String>,
        cx: &Cx<'_>,
        out: &mut Vec<Finding>,
    ) {
        for row in c.coverage.iter().filter(|r| {
            r.required && r.attempts > 0 && r.successes == 0 && !explained.contains(&r.endpoint)
        }) {
            let mut evidence = format!(
                "{} attempt(s), {} failed, none succeeded",
                row.attempts, row.failures
            );
            if let Some(fr) = row.first_frame {
                evidence.push_str(&format!("; first in frame {fr}"));
            }
            if !row.names.is_empty() {
                evidence.push_str(&format!("; names {}", row.names.join(", ")));
            }
            if !row.addresses.is_empty() {
                let a: Vec<String> = row.addresses.iter().map(|a| a.to_string()).collect();
                evidence.push_str(&format!("; addresses {}", a.join(", ")));
            }
            let mut f = Finding::new(
                &META,
                cx.file,
                evidence,
                "No attempt to this required endpoint worked: the agent cannot do what it needs it for.".to_string(),
            );
            f.endpoint = Some(row.endpoint.clone());
            f.host = row.names.first().cloned();
            f.frames = row.first_frame.into_iter().collect();
            out.push(f);
        }
    }
}
