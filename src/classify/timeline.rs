//! The timeline of Arc connections in one capture: one lane per endpoint of the coverage
//! table, each attempt a mark at the time it started, successes and failures apart. Built
//! once here so the HTML renderer only maps times to pixels.
//!
//! A lane holds at most [`MAX_MARKS`] marks: past that, attempts are gathered into equal
//! time bins (each mark then counts its successes and failures), so a day-long capture of
//! a machine retrying every few seconds still draws a readable lane in a small page.

use serde::Serialize;

use std::collections::HashMap;
use std::sync::Arc;

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
#[cfg(test)]
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
    let mut b = TimelineBuilder::new(start_ns, end_ns);
    for v in verdicts {
        b.add(v, rules.get(&v.flow.first_frame).copied());
    }
    b.finish(coverage)
}

/// One attempt as a lane keeps it while it holds no more than [`MAX_MARKS`].
struct Attempt {
    first_ts_ns: i64,
    last_ts_ns: i64,
    first_frame: u64,
    succeeded: bool,
    /// The first finding raised on a failed attempt's flow.
    rule: Option<&'static str>,
    name: Option<Arc<str>>,
}

/// One endpoint's lane while the flows go by: its counts, and its attempts one by one
/// until there are more than [`MAX_MARKS`], then its bins.
#[derive(Default)]
struct LaneAcc {
    attempts: usize,
    failures: usize,
    kept: Vec<Attempt>,
    bins: Option<Vec<Option<Mark>>>,
}

/// The timeline built one flow at a time in the audit's pass over the flows (first-frame
/// order), holding per lane at most [`MAX_MARKS`] attempts or bins, never the flows: the
/// capture's span (`start_ns`, `end_ns`: the earliest start and the latest end of its
/// flows) is known from an earlier pass.
pub struct TimelineBuilder {
    start_ns: Option<i64>,
    end_ns: Option<i64>,
    lanes: HashMap<Arc<str>, LaneAcc>,
}

impl TimelineBuilder {
    pub fn new(start_ns: Option<i64>, end_ns: Option<i64>) -> TimelineBuilder {
        TimelineBuilder {
            start_ns,
            end_ns,
            lanes: HashMap::new(),
        }
    }

    /// Adds one flow's verdict; `rule` is the first finding raised on the flow.
    pub fn add(&mut self, v: &FlowVerdict, rule: Option<&'static str>) {
        let Some(endpoint) = &v.endpoint else { return };
        let span = self.start_ns.zip(self.end_ns);
        let lane = self.lanes.entry(endpoint.clone()).or_default();
        lane.attempts += 1;
        lane.failures += usize::from(!v.succeeded);
        let attempt = Attempt {
            first_ts_ns: v.first_ts_ns,
            last_ts_ns: v.last_ts_ns,
            first_frame: v.flow.first_frame,
            succeeded: v.succeeded,
            rule: if v.succeeded { None } else { rule },
            name: v.name.clone(),
        };
        if let Some(bins) = &mut lane.bins {
            if let Some((s, e)) = span {
                bin(bins, &attempt, s, e);
            }
            return;
        }
        lane.kept.push(attempt);
        if lane.kept.len() > MAX_MARKS
            && let Some((s, e)) = span
        {
            let mut bins: Vec<Option<Mark>> = vec![None; MAX_MARKS];
            for a in lane.kept.drain(..) {
                bin(&mut bins, &a, s, e);
            }
            lane.kept = Vec::new();
            lane.bins = Some(bins);
        }
    }

    /// The lanes in coverage-table order: endpoints tried first, then the required ones
    /// never tried; each in catalog order.
    pub fn finish(mut self, coverage: &[CoverageRow]) -> Timeline {
        let (start_ns, end_ns) = (self.start_ns, self.end_ns);
        let tried = coverage.iter().filter(|r| r.attempts > 0);
        let unseen = coverage
            .iter()
            .filter(|r| r.attempts == 0 && r.unseen.is_some());
        let lanes = tried
            .chain(unseen)
            .map(|row| {
                let lane = self.lanes.remove(row.endpoint.as_str()).unwrap_or_default();
                let (bin_ns, marks) = match (lane.bins, start_ns.zip(end_ns)) {
                    (Some(bins), Some((s, e))) => {
                        (Some(bin_width(s, e)), bins.into_iter().flatten().collect())
                    }
                    _ => (
                        None,
                        lane.kept
                            .iter()
                            .map(|a| {
                                let mut m = mark_of(a);
                                m.name = a.name.as_deref().map(str::to_string);
                                m
                            })
                            .collect(),
                    ),
                };
                Lane {
                    endpoint: row.endpoint.clone(),
                    required: row.required,
                    attempts: lane.attempts,
                    failures: lane.failures,
                    bin_ns,
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
}

fn mark_of(a: &Attempt) -> Mark {
    Mark {
        start_ns: a.first_ts_ns,
        end_ns: a.last_ts_ns.max(a.first_ts_ns),
        first_frame: a.first_frame,
        ok: u32::from(a.succeeded),
        failed: u32::from(!a.succeeded),
        name: None,
        rule: a.rule,
        bin_start_ns: None,
    }
}

/// Bins are `span / (MAX_MARKS - 1)` wide, the first starting at the capture's start (the
/// last holds only attempts at the very end).
fn bin_width(start: i64, end: i64) -> i64 {
    // Saturating: interface offsets (`if_tsoffset`) can put timestamps anywhere in i64.
    (end.saturating_sub(start) / (MAX_MARKS as i64 - 1)).max(1)
}

/// Puts one attempt into [`MAX_MARKS`] equal bins over the capture's span; empty bins
/// draw nothing.
fn bin(bins: &mut [Option<Mark>], a: &Attempt, start: i64, end: i64) {
    // In i128: the difference of two i64 timestamps cannot overflow there.
    let span = (i128::from(end) - i128::from(start)).max(1);
    let offset = (i128::from(a.first_ts_ns) - i128::from(start)).clamp(0, span);
    let i = usize::try_from(offset * (MAX_MARKS as i128 - 1) / span).unwrap_or(0);
    let Some(slot) = bins.get_mut(i) else {
        return;
    };
    match slot {
        None => {
            let mut m = mark_of(a);
            m.bin_start_ns =
                Some(start.saturating_add(bin_width(start, end).saturating_mul(i as i64)));
            *slot = Some(m);
        }
        Some(m) => {
            m.ok += u32::from(a.succeeded);
            m.failed += u32::from(!a.succeeded);
            m.end_ns = m.end_ns.max(a.last_ts_ns);
            if m.rule.is_none() && !a.succeeded {
                m.rule = a.rule;
            }
        }
    }
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
