//! The timeline picture of one capture's Arc connections, as inline SVG: one lane per
//! catalog endpoint, a mark per connection (worked / failed, with its duration), or per time
//! bin when a lane holds more attempts than fit. Lanes, marks and bins come computed in
//! [`Timeline`]; this module only turns them into pixel positions and SVG. The page around
//! it is the parent module's.

use std::fmt::Write as _;

use super::escape::h;
use crate::classify::{Lane, Mark, Timeline};
use crate::report::common::format_utc;

// The timeline picture's geometry, in SVG user units (the picture scales to the page).
const WIDTH: i64 = 1000;
const LABEL_WIDTH: i64 = 210;
const PLOT_LEFT: i64 = 220;
const PLOT_RIGHT: i64 = 980;
const AXIS_HEIGHT: i64 = 26;
const LANE_HEIGHT: i64 = 24;

/// Seconds since the start, with as many decimals as the span needs.
fn rel_seconds(offset_ns: i64, span_ns: i64) -> String {
    let decimals = match span_ns {
        s if s < 10_000_000 => 4,
        s if s < 10_000_000_000 => 3,
        s if s < 1_000_000_000_000 => 1,
        _ => 0,
    };
    format!("+{:.*} s", decimals, offset_ns as f64 / 1e9)
}

pub(super) fn timeline(t: &Timeline, o: &mut String) -> std::fmt::Result {
    let (Some(start), Some(end)) = (t.start_ns, t.end_ns) else {
        return writeln!(o, "<p>No TCP connection in this capture.</p>");
    };
    if t.lanes.is_empty() {
        return writeln!(o, "<p>No Arc connection in this capture.</p>");
    }
    // Saturating and in i128: interface offsets (`if_tsoffset`) can put timestamps
    // anywhere in i64, and a span must never come out negative.
    let span = end.saturating_sub(start).max(1);
    let x_of = |ts: i64| -> f64 {
        let frac =
            (i128::from(ts) - i128::from(start)).clamp(0, i128::from(span)) as f64 / span as f64;
        PLOT_LEFT as f64 + frac * (PLOT_RIGHT - PLOT_LEFT) as f64
    };
    let height = AXIS_HEIGHT + LANE_HEIGHT * t.lanes.len() as i64 + 6;
    writeln!(
        o,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"Arc connections over time, one lane per endpoint\">"
    )?;
    // Time axis: five ticks, seconds from the first flow.
    for i in 0..=4 {
        let ts = start.saturating_add(span / 4 * i);
        let x = x_of(ts);
        writeln!(
            o,
            "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\"/>",
            AXIS_HEIGHT - 6,
            height - 4
        )?;
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        writeln!(
            o,
            "<text class=\"tick\" x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            AXIS_HEIGHT - 10,
            h(&rel_seconds(ts.saturating_sub(start), span))
        )?;
    }
    for (i, lane) in t.lanes.iter().enumerate() {
        draw_lane(i as i64, lane, &x_of, o)?;
    }
    writeln!(o, "</svg>")?;
    writeln!(
        o,
        "<p class=\"legend\"><span class=\"ok\">&#9679;</span> connection worked &nbsp; <span class=\"fail\">&#10005;</span> connection failed &nbsp; a line shows how long it lasted; * required endpoint; time from {} to {} (UTC).{}</p>",
        h(&format_utc(start)),
        h(&format_utc(end)),
        if t.lanes.iter().any(|l| l.bin_ns.is_some()) {
            " A lane with more attempts than fit draws them as columns: one per time bin, as high as its attempts (against the lane's busiest bin), the failed part red; hover for the counts."
        } else {
            ""
        }
    )
}

fn draw_lane(i: i64, lane: &Lane, x_of: &dyn Fn(i64) -> f64, o: &mut String) -> std::fmt::Result {
    let top = AXIS_HEIGHT + i * LANE_HEIGHT;
    let mid = top + LANE_HEIGHT / 2;
    writeln!(
        o,
        "<g class=\"lane\" data-endpoint=\"{}\" data-attempts=\"{}\">",
        h(&lane.endpoint),
        lane.attempts
    )?;
    if i % 2 == 0 {
        writeln!(
            o,
            "<rect class=\"lane-bg\" x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{LANE_HEIGHT}\"/>"
        )?;
    }
    let unseen = lane.attempts == 0;
    let label = format!(
        "{}{}{}",
        lane.endpoint,
        if lane.required { " *" } else { "" },
        if unseen {
            " (not seen)".to_string()
        } else if lane.failures > 0 {
            format!(" ({}/{} failed)", lane.failures, lane.attempts)
        } else {
            String::new()
        }
    );
    // A long label is squeezed into the label column rather than run into the plot.
    let squeeze = if label.chars().count() as i64 * 13 / 2 > LABEL_WIDTH - 8 {
        format!(
            " textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\"",
            LABEL_WIDTH - 8
        )
    } else {
        String::new()
    };
    writeln!(
        o,
        "<text class=\"lane-label{}\" x=\"6\" y=\"{}\"{squeeze}>{}</text>",
        if unseen { " unseen" } else { "" },
        mid + 4,
        h(&label)
    )?;
    match lane.bin_ns {
        Some(width) => {
            // A histogram: per bin, a column as high as its attempts (relative to the
            // lane's busiest bin), the failed part red on top of the green.
            let busiest = lane
                .marks
                .iter()
                .map(|m| m.ok + m.failed)
                .max()
                .unwrap_or(1);
            for m in &lane.marks {
                draw_bin(m, width, busiest.max(1), top, x_of, o)?;
            }
        }
        None => {
            for m in &lane.marks {
                draw_mark(m, mid, x_of, o)?;
            }
        }
    }
    writeln!(o, "</g>")
}

fn mark_title(m: &Mark) -> String {
    let mut title = format!("{} frame {}", format_utc(m.start_ns), m.first_frame);
    if let Some(n) = &m.name {
        let _ = write!(title, ", {n}");
    }
    let total = m.ok + m.failed;
    if total > 1 {
        let _ = write!(
            title,
            ": {total} attempts, {} worked, {} failed",
            m.ok, m.failed
        );
    } else {
        title.push_str(if m.failed > 0 { ": failed" } else { ": worked" });
    }
    if let Some(r) = m.rule {
        let _ = write!(title, " ({r})");
    }
    title
}

fn draw_bin(
    m: &Mark,
    width_ns: i64,
    busiest: u32,
    top: i64,
    x_of: &dyn Fn(i64) -> f64,
    o: &mut String,
) -> std::fmt::Result {
    let start = m.bin_start_ns.unwrap_or(m.start_ns);
    let x = x_of(start);
    let w = (x_of(start.saturating_add(width_ns)) - x - 0.6).max(0.8);
    let full = (LANE_HEIGHT - 6) as f64;
    let bottom = (top + LANE_HEIGHT - 3) as f64;
    let ok_h = full * f64::from(m.ok) / f64::from(busiest);
    let fail_h = full * f64::from(m.failed) / f64::from(busiest);
    let title = h(&mark_title(m));
    if m.ok > 0 {
        writeln!(
            o,
            "<rect class=\"mark ok bin\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{ok_h:.1}\" data-frame=\"{}\"><title>{title}</title></rect>",
            bottom - ok_h,
            m.first_frame
        )?;
    }
    if m.failed > 0 {
        writeln!(
            o,
            "<rect class=\"mark fail bin\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" data-frame=\"{}\"><title>{title}</title></rect>",
            bottom - ok_h - fail_h.max(1.0),
            fail_h.max(1.0),
            m.first_frame
        )?;
    }
    Ok(())
}

fn draw_mark(m: &Mark, mid: i64, x_of: &dyn Fn(i64) -> f64, o: &mut String) -> std::fmt::Result {
    let x = x_of(m.start_ns);
    let x_end = x_of(m.end_ns);
    let failed = m.failed > 0;
    let class = if failed { "fail" } else { "ok" };
    if x_end - x >= 2.0 {
        writeln!(
            o,
            "<line class=\"dur {class}\" x1=\"{x:.1}\" y1=\"{mid}\" x2=\"{x_end:.1}\" y2=\"{mid}\"/>"
        )?;
    }
    let title = h(&mark_title(m));
    if failed {
        writeln!(
            o,
            "<path class=\"mark fail\" d=\"M{:.1} {} l8 8 m0 -8 l-8 8\" data-frame=\"{}\"><title>{title}</title></path>",
            x - 4.0,
            mid - 4,
            m.first_frame
        )
    } else {
        writeln!(
            o,
            "<circle class=\"mark ok\" cx=\"{x:.1}\" cy=\"{mid}\" r=\"4.5\" data-frame=\"{}\"><title>{title}</title></circle>",
            m.first_frame
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binned_lane_draws_columns_and_an_unseen_lane_no_marks() {
        let mark = |start_s: i64, ok: u32, failed: u32| Mark {
            start_ns: start_s * 1_000_000_000 + 7,
            end_ns: start_s * 1_000_000_000 + 9,
            first_frame: start_s as u64 + 1,
            ok,
            failed,
            name: None,
            rule: (failed > 0).then_some("syn-unanswered"),
            bin_start_ns: Some(start_s * 1_000_000_000),
        };
        let t = Timeline {
            start_ns: Some(0),
            end_ns: Some(100_000_000_000),
            lanes: vec![
                Lane {
                    endpoint: "public.his".into(),
                    required: true,
                    attempts: 300,
                    failures: 12,
                    bin_ns: Some(1_000_000_000),
                    marks: vec![mark(0, 150, 0), mark(50, 63, 12)],
                },
                Lane {
                    endpoint: "public.<b>gas</b>".into(),
                    required: true,
                    attempts: 0,
                    failures: 0,
                    bin_ns: None,
                    marks: Vec::new(),
                },
            ],
        };
        let mut o = String::new();
        timeline(&t, &mut o).unwrap();
        // Two ok columns and one failed part; the busiest bin fills the lane (18 units),
        // the other is half as high, its failed part stacked on top.
        assert_eq!(o.matches("class=\"mark ok bin\"").count(), 2);
        assert_eq!(o.matches("class=\"mark fail bin\"").count(), 1);
        assert!(o.contains("height=\"18.0\""), "{o}");
        assert!(o.contains("height=\"7.6\""), "{o}");
        assert!(o.contains("75 attempts, 63 worked, 12 failed (syn-unanswered)"));
        assert!(o.contains("public.his * (12/300 failed)"));
        assert!(o.contains("public.&lt;b&gt;gas&lt;/b&gt; * (not seen)"));
        assert!(o.contains("one per time bin"));
        // The second bin starts halfway along the plot.
        let mid = (PLOT_LEFT + PLOT_RIGHT) as f64 / 2.0;
        assert!(o.contains(&format!("x=\"{mid:.1}\"")), "{o}");
    }

    #[test]
    fn relative_times_keep_the_precision_the_span_needs() {
        assert_eq!(rel_seconds(715_665_000, 715_665_000), "+0.716 s");
        assert_eq!(rel_seconds(1_500_000, 3_000_000), "+0.0015 s");
        assert_eq!(rel_seconds(90_000_000_000, 3_600_000_000_000), "+90 s");
    }
}
