//! `required-endpoint-never-succeeded` (coverage): an Arc endpoint was tried in the capture
//! and not one attempt worked.
//!
//! What: a row of the coverage table with attempts and no success (no completed TLS
//! handshake, no accepted CONNECT, no HTTP answer below 400). Severity high when the entry
//! is required in this context, medium otherwise. The per-flow blocked findings say why
//! each attempt failed; this is the per-endpoint summary.
//!
//! Why: one failed flow can be a blip; an endpoint that never worked during the capture is
//! unreachable for the agent, and for a required one the machine degrades (no heartbeat,
//! no extensions, no identity tokens) and ends up Disconnected.
//!
//! Example: `public.gns-servicebus`: 3 attempts, 3 failed, first in frame 5, names
//! azgn1234.servicebus.windows.net.

use crate::classify::{CaptureView, Cx, Family, Finding, Rule, RuleMeta, Severity};

pub struct RequiredEndpointNeverSucceeded;

static META: RuleMeta = RuleMeta {
    id: "required-endpoint-never-succeeded",
    family: Family::Coverage,
    severity: Severity::High,
    summary: "An Arc endpoint was tried during the capture and never reached successfully",
    why: "Every attempt to this endpoint failed, so the agent has no working path to it; for a required endpoint the machine loses that function and eventually shows as Disconnected.",
    check: "The blocked findings of the same endpoint (they say where each attempt stopped), then the firewall, proxy and DNS settings they point at.",
    requirement: "Arc network requirements (2026-04-01): Azure Arc-enabled servers endpoints table (the 'When required' column)",
    example: "`public.gns-servicebus`: 3 attempts, 3 failed, first in frame 5, names azgn1234.servicebus.windows.net.",
};

impl Rule for RequiredEndpointNeverSucceeded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_capture(&self, c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        for row in c
            .coverage
            .iter()
            .filter(|r| r.attempts > 0 && r.successes == 0)
        {
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
            let (severity, explanation) = if row.required {
                (
                    Severity::High,
                    "No attempt to this required endpoint worked: the agent cannot do what it needs it for.",
                )
            } else {
                (
                    Severity::Medium,
                    "No attempt to this endpoint worked (it is not required all the time in this context, but was needed when tried).",
                )
            };
            let mut f =
                Finding::new(&META, cx.file, evidence, explanation.to_string()).severity(severity);
            f.endpoint = Some(row.endpoint.clone());
            f.host = row.names.first().cloned();
            f.frames = row.first_frame.into_iter().collect();
            out.push(f);
        }
    }
}
