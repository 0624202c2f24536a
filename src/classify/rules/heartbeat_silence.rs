//! `heartbeat-silence` (coverage): long stretches of a long capture without any flow to the
//! hybrid identity service (the agent's heartbeat endpoint, `*.his.arc.azure.com`).
//!
//! What: in a capture with Arc traffic spanning more than [`MIN_SPAN_NS`], the time covered
//! by flows to a `his` entry (catalog ids ending in `.his`) is merged, and every silence
//! longer than [`MAX_SILENCE_NS`] is listed: between two his flows, and from the capture's
//! start or to its end. If no his flow exists at all, the finding says so for the whole
//! span. One finding per capture.
//!
//! Why: the agent sends a heartbeat every five minutes; after 15 minutes without one, Azure
//! shows the machine as Disconnected. Twelve minutes is two missed heartbeats plus slack:
//! something (a proxy, a firewall, an agent service stopped) interrupted the calls, even if
//! they work at other times of the capture.
//!
//! Example: flows to `westeurope.his.arc.azure.com` at 09:00 and 09:20, nothing between:
//! "silence of 20.0 min from frame 7 to frame 8".

use crate::classify::{
    CaptureView, Cx, Family, Finding, FlowFold, FlowView, Rule, RuleMeta, Severity,
};

pub struct HeartbeatSilence;

static META: RuleMeta = RuleMeta {
    id: "heartbeat-silence",
    family: Family::Coverage,
    severity: Severity::Low,
    summary: "Long silence (over 12 minutes) towards the heartbeat endpoint in a long capture",
    why: "The agent calls the hybrid identity service every five minutes; two missed heartbeats in a row mean its calls were interrupted, and after 15 minutes Azure marks the machine Disconnected.",
    check: "What happened on the path during the silence (proxy or firewall logs at those times), the agent's service state (`azcmagent show`), and himds logs on the machine.",
    requirement: "Arc network requirements (2026-04-01): Bandwidth requirements (one heartbeat every five minutes) and `*.his.arc.azure.com` (Always)",
    example: "flows to `westeurope.his.arc.azure.com` at 09:00 and 09:20, nothing between: \"silence of 20.0 min from frame 7 to frame 8\".",
};

/// Captures shorter than this cannot show two missed heartbeats.
const MIN_SPAN_NS: i64 = 10 * 60 * 1_000_000_000;
/// Two five-minute heartbeats plus two minutes of slack.
const MAX_SILENCE_NS: i64 = 12 * 60 * 1_000_000_000;
/// Most silences spelt out in the evidence; the rest are counted.
const MAX_LISTED: usize = 5;

/// A silence: its length and the frames on either side (None at the capture's edges).
#[derive(Debug, PartialEq)]
struct Silence {
    ns: i64,
    after_frame: Option<u64>,
    before_frame: Option<u64>,
}

/// Silences longer than [`MAX_SILENCE_NS`] in `[start, end]` outside the given activity
/// intervals `(first_ts, last_ts, first_frame, last_frame)`.
fn silences(mut active: Vec<(i64, i64, u64, u64)>, start: i64, end: i64) -> Vec<Silence> {
    active.sort_unstable();
    let mut out = Vec::new();
    let mut covered = start;
    let mut last_frame: Option<u64> = None;
    for (first, last, ff, lf) in active {
        let gap = first.saturating_sub(covered);
        if gap > MAX_SILENCE_NS {
            out.push(Silence {
                ns: gap,
                after_frame: last_frame,
                before_frame: Some(ff),
            });
        }
        if last >= covered {
            covered = last;
            last_frame = Some(lf);
        }
    }
    let gap = end.saturating_sub(covered);
    if gap > MAX_SILENCE_NS {
        out.push(Silence {
            ns: gap,
            after_frame: last_frame,
            before_frame: None,
        });
    }
    out
}

fn minutes(ns: i64) -> String {
    let tenths = ns / 6_000_000_000;
    format!("{}.{} min", tenths / 10, tenths % 10)
}

fn is_his(v: &FlowView<'_>, cx: &Cx<'_>) -> bool {
    v.entries(cx).any(|e| e.id.ends_with(".his"))
}

impl Rule for HeartbeatSilence {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn flow_fold(&self) -> Option<Box<dyn FlowFold>> {
        Some(Box::new(Heartbeats::default()))
    }
}

/// The heartbeat flows' times and frames, the first name one carries and the first one's
/// endpoint.
#[derive(Default)]
struct Heartbeats {
    his: Vec<(i64, i64, u64, u64)>,
    his_name: Option<String>,
    his_endpoint: Option<String>,
}

impl FlowFold for Heartbeats {
    fn flow(&mut self, v: &FlowView<'_>, cx: &Cx<'_>) {
        if !is_his(v, cx) {
            return;
        }
        if self.his.is_empty() {
            self.his_endpoint = v.primary().map(|e| e.id.clone());
        }
        if self.his_name.is_none() {
            self.his_name = v.attribution.name.as_deref().map(str::to_string);
        }
        self.his.push((
            v.flow.first_ts_ns,
            v.flow.last_ts_ns,
            v.flow.frames.first,
            v.flow.frames.last,
        ));
    }

    fn finish(self: Box<Self>, c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        let (Some(start), Some(end)) = (c.first_ts_ns, c.last_ts_ns) else {
            return;
        };
        let span = end.saturating_sub(start);
        if span <= MIN_SPAN_NS || !c.any_arc() {
            return;
        }
        let Heartbeats {
            his,
            his_name,
            his_endpoint,
        } = *self;
        let mut f = if his.is_empty() {
            Finding::new(
                &META,
                cx.file,
                format!(
                    "no flow to the heartbeat endpoint (*.his) in {} of capture",
                    minutes(span)
                ),
                "The agent never called its heartbeat endpoint during the capture.".to_string(),
            )
        } else {
            let his_flows = his.len();
            let found = silences(his, start, end);
            if found.is_empty() {
                return;
            }
            let mut listed: Vec<String> = found
                .iter()
                .take(MAX_LISTED)
                .map(|s| {
                    let from = s
                        .after_frame
                        .map_or("capture start".to_string(), |f| format!("frame {f}"));
                    let to = s
                        .before_frame
                        .map_or("capture end".to_string(), |f| format!("frame {f}"));
                    format!("{} from {from} to {to}", minutes(s.ns))
                })
                .collect();
            if found.len() > MAX_LISTED {
                listed.push(format!("and {} more", found.len() - MAX_LISTED));
            }
            let name = his_name.unwrap_or_else(|| "*.his".to_string());
            let mut f = Finding::new(
                &META,
                cx.file,
                format!(
                    "{} silence(s) over 12 min towards {name} ({} flow(s) in {} of capture): {}",
                    found.len(),
                    his_flows,
                    minutes(span),
                    listed.join("; ")
                ),
                "The heartbeat endpoint went unreached for longer than two heartbeat intervals."
                    .to_string(),
            );
            f.host = Some(name);
            let mut frames: Vec<u64> = found
                .iter()
                .take(MAX_LISTED)
                .flat_map(|s| [s.after_frame, s.before_frame])
                .flatten()
                .collect();
            frames.sort_unstable();
            frames.dedup();
            f.frames = frames;
            f
        };
        f.endpoint = his_endpoint.or_else(|| {
                c.coverage
                    .iter()
                    .find(|r| r.required && r.endpoint.ends_with(".his"))
                    .map(|r| r.endpoint.clone())
            });
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60 * 1_000_000_000;

    #[test]
    fn gap_between_flows_and_at_the_edges() {
        // Flows at 0-1 min and 21-22 min in a 40-minute capture: 20 min between, 18 at the end.
        let s = silences(
            vec![(21 * MIN, 22 * MIN, 9, 12), (0, MIN, 1, 4)],
            0,
            40 * MIN,
        );
        assert_eq!(
            s,
            vec![
                Silence {
                    ns: 20 * MIN,
                    after_frame: Some(4),
                    before_frame: Some(9)
                },
                Silence {
                    ns: 18 * MIN,
                    after_frame: Some(12),
                    before_frame: None
                },
            ]
        );
    }

    #[test]
    fn regular_heartbeats_and_overlapping_flows_are_quiet() {
        let flows: Vec<_> = (0..8)
            .map(|i| (i * 5 * MIN, i * 5 * MIN + 1, i as u64, i as u64))
            .collect();
        assert!(silences(flows, 0, 36 * MIN).is_empty());
        // A long-lived flow covers a short one inside it: its end still counts.
        let s = silences(
            vec![(0, 30 * MIN, 1, 50), (MIN, 2 * MIN, 2, 3)],
            0,
            31 * MIN,
        );
        assert!(s.is_empty(), "{s:?}");
    }

    #[test]
    fn leading_silence() {
        let s = silences(vec![(15 * MIN, 16 * MIN, 7, 9)], 0, 20 * MIN);
        assert_eq!(
            s,
            vec![Silence {
                ns: 15 * MIN,
                after_frame: None,
                before_frame: Some(7)
            }]
        );
    }

    #[test]
    fn minutes_format() {
        assert_eq!(minutes(20 * MIN), "20.0 min");
        assert_eq!(minutes(90 * 1_000_000_000), "1.5 min");
    }
}
