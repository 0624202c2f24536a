//! `wrong-cloud` (misrouted): a flow went to another Azure cloud's endpoint than the
//! machine's.
//!
//! What: the machine's cloud is known (given with `--cloud`, or inferred from most of the
//! capture's Arc flows) and a flow's name matches only catalog entries of other clouds
//! (`management.azure.com` on an Azure Government machine). Names shared by several clouds
//! (`download.microsoft.com`) never fire.
//!
//! Why: a machine is registered in one cloud and its agent talks only to that cloud's
//! endpoints. Traffic to another cloud's endpoints means the agent was connected with the
//! wrong `--cloud`, or another tool or script on the machine is configured for another
//! cloud; firewall rules written for the machine's cloud will not cover it either.
//!
//! Example: `--cloud usgov`, ClientHello for `management.azure.com` (public cloud only) in
//! frame 8.

use std::collections::BTreeSet;

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};

pub struct WrongCloud;

static META: RuleMeta = RuleMeta {
    id: "wrong-cloud",
    family: Family::Misrouted,
    severity: Severity::High,
    summary: "Flow to an endpoint of another Azure cloud than the machine's",
    why: "The agent talks only to the endpoints of the cloud the machine is registered in; traffic to another cloud's endpoints comes from a wrong cloud setting or another tool, and the machine's firewall rules will not cover it.",
    check: "`azcmagent show` (cloud and resource) against the cloud you expect; scripts or extensions on the machine configured for another cloud; the --cloud given to this audit.",
    requirement: "Arc network requirements (2026-04-01): URLs tables per cloud (Azure cloud platform, Azure Government, Azure operated by 21Vianet)",
    example: "`--cloud usgov`, ClientHello for `management.azure.com` (public cloud only) in frame 8.",
};

impl Rule for WrongCloud {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if cx.context.cloud_source == "default" || !v.is_arc() {
            return;
        }
        let mut entries = v.entries(cx).peekable();
        if entries.peek().is_none() || entries.any(|e| e.cloud == cx.context.cloud) {
            return;
        }
        let f = v.flow;
        let first = f.attempt_frame();
        out.add(&META, v, &[Some(first)], || {
        let clouds: BTreeSet<&'static str> = v.entries(cx).map(|e| e.cloud.as_str()).collect();
        let ids: Vec<&str> = v.entries(cx).map(|e| e.id.as_str()).collect();
        let evidence = format!(
            "{} (flow to {} from frame {first}) is an endpoint of {} only ({}); the machine's cloud is {} ({})",
            v.attribution.name.as_deref().unwrap_or("?"),
            f.server,
            clouds.into_iter().collect::<Vec<_>>().join(", "),
            ids.join(", "),
            cx.context.cloud.as_str(),
            cx.context.cloud_source,
        );
        (
            evidence,
            "This connection goes to another Azure cloud than the one the machine belongs to."
                .to_string(),
        )
        });
    }
}
