//! `context-contradicted` (misrouted): the region or proxy given to the audit is not the one
//! the capture shows.
//!
//! What: `--region` was given, the names of Arc flows carry regions
//! (`<region>.his.arc.azure.com`, `<region>-gas.guestconfiguration.azure.com`, ...) and none
//! carries the given one; or `--proxy` was given and Arc flows sent their CONNECT requests to
//! a proxy not among those given. One finding per contradicted region, one per proxy address
//! seen instead. A given proxy that no flow used while Arc flows went direct is
//! `proxy-bypass`'s finding, and a given cloud whose endpoints are not the ones seen is
//! `wrong-cloud`'s, flow by flow: neither is repeated here.
//!
//! Why: the audit judges the capture against this context (which regional names are
//! required, which flows count as direct). When the machine's own traffic says otherwise,
//! either the machine is not set up as its owner believes (registered in another region, so
//! allow-lists written for the intended region's names will not fit; an agent or system proxy
//! other than the documented one, with its own policy and logging) or the audit was given the
//! wrong values and its other verdicts ("required, not seen") are about the wrong names.
//! Either way it is settled before the rest of the report is read. Medium when the flows' own
//! bytes show it (SNI, CONNECT request); low when only DNS answers for their addresses do.
//!
//! Example: `--region eastus`, but ClientHellos for `westeurope.his.arc.azure.com` (frame 92)
//! and `westeurope-gas.guestconfiguration.azure.com` (frame 113); no Arc name carries
//! eastus.

use crate::classify::context::ContradictionKind;
use crate::classify::{CaptureView, Cx, Family, Finding, Rule, RuleMeta, Severity};

pub struct ContextContradicted;

static META: RuleMeta = RuleMeta {
    id: "context-contradicted",
    family: Family::Misrouted,
    severity: Severity::Medium,
    summary: "The region or proxy given to the audit is not the one the Arc flows show",
    why: "The audit judges the capture against the given context; when the machine's own traffic shows another region or proxy, either the machine is not set up as intended (registered in another region, allow-lists for the wrong names, another proxy with its own policy) or the audit's other verdicts are about the wrong names.",
    check: "`azcmagent show` (the resource's location) and `azcmagent config get proxy.url`, plus any proxy environment variable the agent's services inherit, against the --region and --proxy given to this audit; then which of the two is wrong.",
    requirement: "Arc network requirements (2026-04-01): region-specific endpoints (<region>.his.arc.azure.com, <region>-gas.guestconfiguration.azure.com); Connected Machine agent proxy settings",
    example: "`--region eastus`, but ClientHellos for `westeurope.his.arc.azure.com` (frame 92) and `westeurope-gas.guestconfiguration.azure.com` (frame 113); no Arc name carries eastus.",
};

impl Rule for ContextContradicted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_capture(&self, _c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        for c in &cx.context.contradictions {
            let explanation = match c.kind {
                ContradictionKind::Region => format!(
                    "The Arc traffic is for the {} region's endpoints, not for those of {}, the region given.",
                    c.seen, c.given
                ),
                ContradictionKind::Proxy => format!(
                    "Arc traffic goes through the proxy {}, not through the configured {}.",
                    c.seen, c.given
                ),
            };
            // A DNS answer for the flow's address is weaker evidence than the name in the
            // flow's own bytes: the address may have been shared or reused.
            let severity = if c.on_the_wire {
                Severity::Medium
            } else {
                Severity::Low
            };
            let mut f = Finding::new(&META, cx.file, c.evidence.clone(), explanation)
                .severity(severity);
            f.host = Some(c.name.clone());
            f.flow = Some(c.flow.clone());
            f.frames = c.frames.clone();
            f.frames.sort_unstable();
            f.frames.dedup();
            out.push(f);
        }
    }
}
