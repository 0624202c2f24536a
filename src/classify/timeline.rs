//! The timeline of Arc connections in one capture: one lane per endpoint of the coverage
//! table, each attempt a mark at the time it started, successes and failures apart. Built
//! once here so the HTML renderer only maps times to pixels.
//!
//! A lane holds at most [`MAX_MARKS`] marks: past that, attempts are gathered into equal
//! time bins (each mark then counts its successes and failures), so a day-long capture of
//! a machine retrying every few seconds still draws a readable lane in a small page.

use serde::Serialize;

use std::collections::HashMap;

use super::{CoverageRow, FlowVerdict};

/// Most marks per lane before attempts are binned.
pub const MAX_MARKS: usize = 120;

/// One attempt, or one bin of attempts, on a lane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    /// When the (first) attempt started and the (last) one ended.
    pub start_ns: i64,
    pub end_ns: i64,
    /// The first frame of the (first) attempt.
    pub first_frame: u64,
    pub ok: u32,
    pub failed: u32,
    /// The name the (first) attempt used (SNI, CONNECT authority, Host, DNS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The first finding raised on the (first) attempt's flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// In a binned lane, where this mark's bin starts (its width is the lane's `bin_ns`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin_start_ns: Option<i64>,
}

/// One endpoint's lane.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub endpoint: String,
    pub required: bool,
    pub attempts: usize,
    pub failures: usize,
    /// The width of a bin, when the marks were binned (more than [`MAX_MARKS`] attempts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin_ns: Option<i64>,
    pub marks: Vec<Mark>,
}

/// The picture's data: the capture's span and the lanes, in coverage-table order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timeline {
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    pub lanes: Vec<Lane>,
}

/// Builds the timeline from the per-flow verdicts (first-frame order), the coverage
/// table (which endpoints get a lane: every one tried, every one required and not seen)
/// and, per flow (by its first frame), the rule of the first finding raised on it (to name
/// the rule a failed mark stands for; a finding groups many flows, so the audit keeps
/// this for every flow, not only a finding's examples).
pub fn timeline<S: std::hash::BuildHasher>(
    verdicts: &[FlowVerdict],
    coverage: &[CoverageRow],
    rules: &HashMap<u64, &'static str, S>,
) -> Timeline {
    let start_ns = verdicts.iter().map(|v| v.first_ts_ns).min();
    let end_ns = verdicts
        .iter()
        .map(|v| v.last_ts_ns.max(v.first_ts_ns))
        .max();
    let rule_of = |frame: u64| rules.get(&frame).copied();
    // Each lane's attempts, gathered in one pass (first-frame order is kept).
    let mut by_endpoint: std::collections::HashMap<&str, Vec<&FlowVerdict>> =
        std::collections::HashMap::new();
    for v in verdicts {
        if let Some(e) = &v.endpoint {
            by_endpoint.entry(&**e).or_default().push(v);
        }
    }
    // Endpoints tried first, then the required ones never tried; each in catalog order.
    let tried = coverage.iter().filter(|r| r.attempts > 0);
    let unseen = coverage
        .iter()
        .filter(|r| r.attempts == 0 && r.unseen.is_some());
    let lanes = tried
        .chain(unseen)
        .map(|row| {
            let attempts = by_endpoint
                .get(row.endpoint.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let bins = match (attempts.len() > MAX_MARKS, start_ns, end_ns) {
                (true, Some(s), Some(e)) => Some((s, e)),
                _ => None,
            };
            let marks = match bins {
                Some((s, e)) => bin(attempts, s, e, &rule_of),
                None => attempts
                    .iter()
                    .map(|v| {
                        let mut m = mark_of(v, &rule_of);
                        m.name = v.name.as_deref().map(str::to_string);
                        m
                    })
                    .collect(),
            };
            Lane {
                endpoint: row.endpoint.clone(),
                required: row.required,
                attempts: attempts.len(),
                failures: attempts.iter().filter(|v| !v.succeeded).count(),
                bin_ns: bins.map(|(s, e)| bin_width(s, e)),
                marks,
            }
        })
        .collect();
    Timeline {
        start_ns,
        end_ns,
        lanes,
    }
}

fn mark_of(v: &FlowVerdict, rule_of: &dyn Fn(u64) -> Option<&'static str>) -> Mark {
    Mark {
        start_ns: v.first_ts_ns,
        end_ns: v.last_ts_ns.max(v.first_ts_ns),
        first_frame: v.flow.first_frame,
        ok: u32::from(v.succeeded),
        failed: u32::from(!v.succeeded),
        name: None,
        rule: if v.succeeded {
            None
        } else {
            rule_of(v.flow.first_frame)
        },
        bin_start_ns: None,
    }
}

/// Bins are `span / (MAX_MARKS - 1)` wide, the first starting at the capture's start (the
/// last holds only attempts at the very end).
fn bin_width(start: i64, end: i64) -> i64 {
    // Saturating: interface offsets (`if_tsoffset`) can put timestamps anywhere in i64.
    (end.saturating_sub(start) / (MAX_MARKS as i64 - 1)).max(1)
}

/// Gathers attempts into [`MAX_MARKS`] equal bins over the capture's span; empty bins
/// draw nothing.
fn bin(
    attempts: &[&FlowVerdict],
    start: i64,
    end: i64,
    rule_of: &dyn Fn(u64) -> Option<&'static str>,
) -> Vec<Mark> {
    // In i128: the difference of two i64 timestamps cannot overflow there.
    let span = (i128::from(end) - i128::from(start)).max(1);
    let mut bins: Vec<Option<Mark>> = vec![None; MAX_MARKS];
    for v in attempts {
        let offset = (i128::from(v.first_ts_ns) - i128::from(start)).clamp(0, span);
        let i = usize::try_from(offset * (MAX_MARKS as i128 - 1) / span).unwrap_or(0);
        let Some(slot) = bins.get_mut(i) else {
            continue;
        };
        match slot {
            None => {
                let mut m = mark_of(v, rule_of);
                m.bin_start_ns =
                    Some(start.saturating_add(bin_width(start, end).saturating_mul(i as i64)));
                *slot = Some(m);
            }
            Some(m) => {
                m.ok += u32::from(v.succeeded);
                m.failed += u32::from(!v.succeeded);
                m.end_ns = m.end_ns.max(v.last_ts_ns);
                if m.rule.is_none() && !v.succeeded {
                    m.rule = rule_of(v.flow.first_frame);
                }
            }
        }
    }
    bins.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::FlowRef;
    use crate::model::When;

    fn verdict(frame: u64, ts_s: i64, endpoint: &str, ok: bool) -> FlowVerdict {
        FlowVerdict {
            flow: FlowRef {
                transport: crate::wire::Transport::Tcp,
                client: "10.0.0.2:50000".parse().unwrap(),
                server: "20.0.0.1:443".parse().unwrap(),
                first_frame: frame,
            },
            first_ts_ns: ts_s * 1_000_000_000,
            last_ts_ns: ts_s * 1_000_000_000 + 5,
            conn_state: None,
            name: Some("gbl.his.arc.azure.com".into()),
            name_source: None,
            endpoint: Some(endpoint.into()),
            tls_version: None,
            via_proxy: false,
            succeeded: ok,
        }
    }

    fn row(endpoint: &str, attempts: usize, required: bool) -> CoverageRow {
        CoverageRow {
            endpoint: endpoint.into(),
            hosts: Vec::new(),
            when: When::Always,
            required,
            attempts,
            successes: 0,
            failures: 0,
            names: Vec::new(),
            addresses: Vec::new(),
            names_unlisted_flows: 0,
            addresses_unlisted_flows: 0,
            tls_versions: Vec::new(),
            direct: 0,
            via_proxy: 0,
            private_address: 0,
            by_address_only: 0,
            first_frame: None,
            last_success_frame: None,
            unseen: (required && attempts == 0).then_some(crate::classify::Unseen::NotDue),
        }
    }

    #[test]
    fn one_mark_per_attempt_and_lanes_for_required_endpoints() {
        let v = vec![
            verdict(1, 100, "public.his", true),
            verdict(7, 101, "public.his", false),
            verdict(9, 102, "public.gas", true),
        ];
        let rules = HashMap::from([(7, "syn-unanswered")]);
        let t = timeline(
            &v,
            &[
                row("public.his", 2, true),
                row("public.gas", 1, false),
                row("public.aad", 0, true),
                row("public.unused", 0, false),
            ],
            &rules,
        );
        assert_eq!(t.start_ns, Some(100_000_000_000));
        assert_eq!(t.end_ns, Some(102_000_000_005));
        let lanes: Vec<(&str, usize, usize)> = t
            .lanes
            .iter()
            .map(|l| (l.endpoint.as_str(), l.marks.len(), l.failures))
            .collect();
        assert_eq!(
            lanes,
            [
                ("public.his", 2, 1),
                ("public.gas", 1, 0),
                ("public.aad", 0, 0)
            ]
        );
        let failed = &t.lanes[0].marks[1];
        assert_eq!((failed.ok, failed.failed, failed.first_frame), (0, 1, 7));
        assert_eq!(failed.rule, Some("syn-unanswered"));
        assert_eq!(t.lanes[0].marks[0].rule, None);
    }

    #[test]
    fn many_attempts_are_binned_with_counts_kept() {
        let v: Vec<FlowVerdict> = (0..1000)
            .map(|i| verdict(i + 1, i as i64, "public.his", i % 10 != 0))
            .collect();
        let t = timeline(&v, &[row("public.his", 1000, true)], &HashMap::new());
        let lane = &t.lanes[0];
        assert!(lane.bin_ns.is_some());
        assert!(lane.marks.len() <= MAX_MARKS);
        let ok: u32 = lane.marks.iter().map(|m| m.ok).sum();
        let failed: u32 = lane.marks.iter().map(|m| m.failed).sum();
        assert_eq!((ok, failed), (900, 100));
        assert_eq!(lane.marks.first().map(|m| m.first_frame), Some(1));
        assert!(lane.marks.windows(2).all(|w| w[0].start_ns < w[1].start_ns));
        let width = lane.bin_ns.unwrap();
        for m in &lane.marks {
            let bin = m.bin_start_ns.unwrap();
            assert!(
                bin <= m.start_ns && m.start_ns < bin + width + 1_000,
                "{m:?}"
            );
        }
    }
}
