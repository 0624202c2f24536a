//! The endpoint coverage table: for every catalog entry the capture touched, and every
//! entry the context requires, how often it was tried, how often it worked, where it went;
//! and for a required entry never tried, whether the capture is long enough to expect it
//! ([`Unseen`]).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::FlowView;
use super::context::AuditContext;
use crate::model::{Catalog, Endpoint, Profile, When};

/// Most addresses and names listed per row.
const MAX_LISTED: usize = 8;

/// One row of the coverage table.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub endpoint: String,
    pub hosts: Vec<String>,
    pub when: When,
    /// Required in this context (cloud, features) for the agent to work.
    pub required: bool,
    pub attempts: usize,
    pub successes: usize,
    pub failures: usize,
    /// Names seen for it (SNI, CONNECT authority, Host, DNS).
    pub names: Vec<String>,
    pub addresses: Vec<IpAddr>,
    /// Flows whose name (address) is not among the [`MAX_LISTED`] listed: a capture with
    /// a million names under one endpoint lists eight and counts the rest's flows.
    #[serde(skip_serializing_if = "is_zero")]
    pub names_unlisted_flows: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub addresses_unlisted_flows: usize,
    pub tls_versions: Vec<String>,
    pub direct: usize,
    pub via_proxy: usize,
    pub private_address: usize,
    /// Attributed only by the server address's service tag.
    pub by_address_only: usize,
    pub first_frame: Option<u64>,
    pub last_success_frame: Option<u64>,
    /// Set for a required entry with no attempt and no finding (a failed lookup of its
    /// name counts as an attempt): whether the capture is long enough to expect it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unseen: Option<Unseen>,
}

/// Why a required entry without attempts matters, or does not yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unseen {
    /// The agent calls the entry on a fixed cadence and the capture spans a whole period
    /// plus a minute of slack (`CADENCE_MARGIN_NS`): it should be there.
    Overdue,
    /// The capture is too short to expect the entry, or the agent calls it with no fixed
    /// cadence (at start, on token expiry, on a long-lived connection opened earlier).
    NotDue,
}

/// The agent's fixed cadence: the heartbeat to `*.his` and the guest configuration
/// service's assignment check to `*.guestconfiguration` both run every five minutes.
pub const CADENCE_NS: i64 = 5 * 60 * 1_000_000_000;

/// Slack on top of one period before an entry is overdue: a capture that starts just
/// after a call sees the next one a period later, give or take the timer's drift, a
/// retry and the connection's setup; a minute covers them without waiting for a second
/// period.
pub const CADENCE_MARGIN_NS: i64 = 60 * 1_000_000_000;

/// Whether the agent calls this entry on the fixed cadence (catalog ids end in the
/// service's short name in every cloud and profile: `public.his`, `esu.usgov.guestconfig`).
fn on_cadence(e: &Endpoint) -> bool {
    e.id.ends_with(".his") || e.id.ends_with(".guestconfig")
}

/// Marks the required rows without attempts as [`Unseen`], after the rules have run:
/// a row whose endpoint a finding names (a failed lookup, a silence) was attempted and
/// is not "not seen". `span_ns` is the capture's span over its flows.
pub fn mark_unseen(
    rows: &mut [CoverageRow],
    catalog: &Catalog,
    span_ns: Option<i64>,
    explained: &BTreeSet<String>,
) {
    let long_enough = span_ns.is_some_and(|s| s >= CADENCE_NS + CADENCE_MARGIN_NS);
    for row in rows.iter_mut() {
        row.unseen = None;
        if !row.required || row.attempts > 0 || explained.contains(&row.endpoint) {
            continue;
        }
        let cadence = catalog
            .entries()
            .iter()
            .find(|e| e.id == row.endpoint)
            .is_some_and(on_cadence);
        row.unseen = Some(if long_enough && cadence {
            Unseen::Overdue
        } else {
            Unseen::NotDue
        });
    }
}

/// Private, loopback, link-local or unique-local addresses: where a private endpoint or a
/// DNS override points.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            // 100.64.0.0/10 (carrier-grade NAT) is not routable on the internet either.
            let cgnat = a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64;
            a.is_private() || a.is_loopback() || a.is_link_local() || cgnat
        }
        IpAddr::V6(a) => a.is_loopback() || a.is_unique_local() || a.is_unicast_link_local(),
    }
}

/// Whether the context requires this entry for the agent to keep working. A retired
/// entry (`retired_after`: no current release uses it) never is, whatever its features.
pub fn required(e: &Endpoint, cx: &AuditContext) -> bool {
    if e.cloud != cx.cloud || e.profile != Profile::Standard || e.retired_after.is_some() {
        return false;
    }
    match e.when {
        When::Always => true,
        When::Feature => e.features.iter().any(|f| cx.features.contains(f)),
        _ => false,
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CoverageRow {
    /// What follows the listed names, when some flows' names are not listed: `and 19992
    /// more flow(s)`.
    pub fn names_more(&self) -> Option<String> {
        more_flows(self.names_unlisted_flows)
    }

    /// What follows the listed addresses, as [`CoverageRow::names_more`].
    pub fn addresses_more(&self) -> Option<String> {
        more_flows(self.addresses_unlisted_flows)
    }
}

fn more_flows(n: usize) -> Option<String> {
    (n > 0).then(|| format!("and {n} more flow(s)"))
}

#[derive(Default)]
struct Acc {
    attempts: usize,
    successes: usize,
    names: BTreeSet<String>,
    addresses: BTreeSet<IpAddr>,
    names_unlisted_flows: usize,
    addresses_unlisted_flows: usize,
    versions: BTreeSet<&'static str>,
    direct: usize,
    via_proxy: usize,
    private_address: usize,
    by_address_only: usize,
    first_frame: Option<u64>,
    last_success_frame: Option<u64>,
}

/// The endpoint coverage table, built one flow at a time in the audit's pass over the
/// flows: per endpoint counters and bounded lists, never the flows themselves.
pub struct Coverage<'c> {
    index: rustc_hash::FxHashMap<&'c str, usize>,
    acc: BTreeMap<usize, Acc>,
}

impl<'c> Coverage<'c> {
    pub fn new(catalog: &'c Catalog) -> Coverage<'c> {
        let index = catalog
            .entries()
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        Coverage {
            index,
            acc: BTreeMap::new(),
        }
    }

    /// Counts one flow under its primary entry.
    pub fn add(&mut self, v: &FlowView<'_>) {
        let Some(primary) = v.primary() else { return };
        let Some(&i) = self.index.get(primary.id.as_str()) else {
            return;
        };
        let a = self.acc.entry(i).or_default();
        a.attempts += 1;
        let ok = v.flow.succeeded();
        if ok {
            a.successes += 1;
            a.last_success_frame = Some(v.flow.frames.last);
        }
        if let Some(n) = v.attribution.name.as_deref() {
            // Lower-cased only when it has upper case: most names do not, and this runs
            // on every flow.
            let lower;
            let n = if n.bytes().any(|b| b.is_ascii_uppercase()) {
                lower = n.to_ascii_lowercase();
                lower.as_str()
            } else {
                n
            };
            if !a.names.contains(n) {
                if a.names.len() < MAX_LISTED {
                    a.names.insert(n.to_string());
                } else {
                    a.names_unlisted_flows += 1;
                }
            }
        }
        let ip = v.flow.server.ip();
        if !a.addresses.contains(&ip) {
            if a.addresses.len() < MAX_LISTED {
                a.addresses.insert(ip);
            } else {
                a.addresses_unlisted_flows += 1;
            }
        }
        if let Some(ver) = v.flow.tls.as_ref().and_then(|t| t.negotiated_version) {
            a.versions.insert(crate::tls::version_name(ver));
        }
        if v.to_proxy {
            a.via_proxy += 1;
        } else {
            a.direct += 1;
            if is_private(v.flow.server.ip()) {
                a.private_address += 1;
            }
        }
        if v.attribution.source == Some(super::NameSource::ServiceTag) {
            a.by_address_only += 1;
        }
        a.first_frame = Some(
            a.first_frame
                .map_or(v.flow.frames.first, |f| f.min(v.flow.frames.first)),
        );
    }

    /// The table, rows in catalog order (every required entry, seen or not).
    pub fn finish(self, catalog: &Catalog, cx: &AuditContext) -> Vec<CoverageRow> {
        let mut acc = self.acc;
        for (i, e) in catalog.entries().iter().enumerate() {
            if required(e, cx) {
                acc.entry(i).or_default();
            }
        }
        acc.into_iter()
            .filter_map(|(i, a)| {
                let e = catalog.entries().get(i)?;
                Some(CoverageRow {
                    endpoint: e.id.clone(),
                    hosts: e.hosts.clone(),
                    when: e.when,
                    required: required(e, cx),
                    attempts: a.attempts,
                    successes: a.successes,
                    failures: a.attempts - a.successes,
                    names: a.names.into_iter().collect(),
                    addresses: a.addresses.into_iter().collect(),
                    names_unlisted_flows: a.names_unlisted_flows,
                    addresses_unlisted_flows: a.addresses_unlisted_flows,
                    tls_versions: a.versions.into_iter().map(str::to_string).collect(),
                    direct: a.direct,
                    via_proxy: a.via_proxy,
                    private_address: a.private_address,
                    by_address_only: a.by_address_only,
                    first_frame: a.first_frame,
                    last_success_frame: a.last_success_frame,
                    // Set by `mark_unseen` once the findings are known.
                    unseen: None,
                })
            })
            .collect()
    }
}
