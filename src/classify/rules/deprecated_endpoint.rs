//! `deprecated-endpoint` (misrouted): traffic to an endpoint current Arc software no longer
//! uses.
//!
//! What: a flow whose entry is marked retired (`retired_after`, e.g. the former Arc-enabled
//! SQL Server endpoint `san-af-<region>-prod.azurewebsites.net`) or optional (agent
//! telemetry, `dc.services.visualstudio.com`, unused from agent 1.24).
//!
//! Why: it points at outdated software: an agent older than 1.24, or a SQL Server
//! extension from before March 2024. Those versions miss fixes and may stop working when
//! the old endpoints go away; allowing these names in the firewall is not needed for
//! current versions.
//!
//! Example: ClientHello for `san-af-eastus-prod.azurewebsites.net` in frame 4
//! (public.sql-legacy-san-af, retired after 2024-02-13).

use crate::classify::{Cx, Family, FlowFindings, FlowView, Rule, RuleMeta, Severity};
use crate::model::When;

pub struct DeprecatedEndpoint;

static META: RuleMeta = RuleMeta {
    id: "deprecated-endpoint",
    family: Family::Misrouted,
    severity: Severity::Low,
    summary: "Traffic to an endpoint that current Arc software no longer uses",
    why: "Only outdated software calls it (agent telemetry before agent 1.24, the SQL Server extension before March 2024): that software misses fixes and may break when the old endpoint is removed.",
    check: "`azcmagent version` (1.24 or later stops telemetry to this endpoint) and the Arc-enabled SQL Server extension version (releases from 2024-03-12 use *.<region>.arcdataservices.com); update them, then the firewall rule for the old name can go.",
    requirement: "Arc network requirements (2026-04-01): URLs table (agent telemetry optional, not used by 1.24+; san-af-<region>-prod.azurewebsites.net for SQL extension releases up to 2024-02-13)",
    example: "ClientHello for `san-af-eastus-prod.azurewebsites.net` in frame 4 (public.sql-legacy-san-af, retired after 2024-02-13).",
};

impl Rule for DeprecatedEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_flow(&self, v: &FlowView<'_>, _cx: &Cx<'_>, out: &mut FlowFindings<'_>) {
        if !v.is_arc() {
            return;
        }
        let Some(entry) = v.primary() else { return };
        if entry.retired_after.is_none() && entry.when != When::Optional {
            return;
        }
        let f = v.flow;
        let first = f.attempt_frame();
        out.add(&META, v, &[Some(first)], || {
            let why = match &entry.retired_after {
                Some(date) => format!("retired: used only by releases up to {date}"),
                None => "optional: not used by current agents".to_string(),
            };
            let evidence = format!(
                "{} ({}: {}) contacted at {} in frame {first}; {why}",
                v.attribution.name.as_deref().unwrap_or("?"),
                entry.id,
                entry.purpose.trim_end_matches('.'),
                f.server,
            );
            (
                evidence,
                "Something on the machine still uses an endpoint that current Arc software has dropped: it is out of date.".to_string(),
            )
        });
    }
}
