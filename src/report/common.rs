//! Pieces of text the renderers share, so they say the same thing the same way: for the
//! audit (text, Markdown, HTML) timestamps, counts, family names, the context a capture was
//! judged in, the tail of a folded finding; for the model tables (`endpoints`, `lookup`)
//! the "when" of an entry and plain-text columns. They return plain, unescaped strings;
//! each renderer escapes them for its own output. Nothing here decides a verdict.

use std::fmt::Write as _;

use crate::classify::{CoverageRow, Family, Finding};
use crate::collapse::CollapseStats;
use crate::model::{Feature, When};

use super::model::{FileReport, ServiceTagStatus, TagSource, Totals};

/// Formats nanoseconds since the epoch as `seconds.micros`, like Zeek's `ts`.
pub fn format_ts(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let micros = ns.rem_euclid(1_000_000_000) / 1000;
    format!("{secs}.{micros:06}")
}

/// Formats nanoseconds since the epoch as UTC, `2026-01-15T09:00:00.674Z`, for people.
pub fn format_utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let millis = ns.rem_euclid(1_000_000_000) / 1_000_000;
    let date = crate::tls::rfc3339(secs);
    let date = date.strip_suffix('Z').unwrap_or(&date);
    format!("{date}.{millis:03}Z")
}

/// "1 capture", "2 captures".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "N frames, N TCP flows (N to Arc endpoints), N DNS messages" for one capture.
pub fn capture_counts(f: &FileReport) -> String {
    let a = &f.audit;
    let frames = plural_u64(f.stats.capture.frames, "frame", "frames");
    let frames = match collapse_note(&f.stats.collapse) {
        Some(note) => format!("{frames} ({note})"),
        None => frames,
    };
    let mut s = format!(
        "{}, {} ({} to Arc endpoints), {}",
        frames,
        plural(a.tcp_flows, "TCP flow", "TCP flows"),
        a.arc_flows,
        plural(a.dns_messages, "DNS message", "DNS messages")
    );
    // Whatever the memory bounds left out is said, never silent (details in the stats).
    let mut bounded = Vec::new();
    let r = &f.stats.records;
    if r.flows_dropped > 0 {
        bounded.push(format!(
            "{} counted only",
            plural_u64(r.flows_dropped, "flow", "flows")
        ));
    }
    if r.strings_truncated > 0 {
        bounded.push(format!(
            "{} shortened",
            plural_u64(r.strings_truncated, "string", "strings")
        ));
    }
    if f.stats.flows.budget_cut > 0 {
        bounded.push(format!(
            "{} stopped buffering",
            plural_u64(f.stats.flows.budget_cut, "flow", "flows")
        ));
    }
    if f.stats.flows.evicted > 0 {
        bounded.push(format!(
            "{} evicted",
            plural_u64(f.stats.flows.evicted, "flow", "flows")
        ));
    }
    if !bounded.is_empty() {
        s.push_str(&format!(" (memory bounds: {})", bounded.join(", ")));
    }
    s
}

/// What the duplicate collapse did, for the capture's line in every summary: "76 duplicates
/// collapsed", or kept with `--keep-duplicates`, and the host drops reported; None when the
/// capture had no copies and no Packet Monitor metadata.
pub fn collapse_note(c: &CollapseStats) -> Option<String> {
    let mut parts = Vec::new();
    if c.duplicates > 0 {
        let verb = if c.kept {
            "kept (--keep-duplicates)"
        } else {
            "collapsed"
        };
        parts.push(format!(
            "{} {verb}",
            plural_u64(c.duplicates, "duplicate", "duplicates")
        ));
    }
    if c.host_drops > 0 {
        parts.push(format!(
            "{} on the host",
            plural_u64(c.host_drops, "drop reported", "drops reported")
        ));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn plural_u64(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How an input is named in headings: a path as given, standard input as such (`-` is
/// what the user typed, not a name a reader recognises).
pub fn file_label(file: &str) -> std::borrow::Cow<'_, str> {
    if file == "-" {
        "standard input".into()
    } else {
        file.into()
    }
}

/// A family's heading in the Markdown and HTML reports.
pub fn family_title(f: Family) -> &'static str {
    match f {
        Family::Blocked => "Blocked",
        Family::Misrouted => "Misrouted",
        Family::WeakTls => "Weak TLS",
        Family::Coverage => "Coverage",
    }
}

/// "2 blocked, 0 misrouted, 0 weak tls, 1 coverage" from the totals.
pub fn family_breakdown(t: &Totals) -> String {
    Family::ALL
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                t.by_family.get(f.as_str()).copied().unwrap_or(0),
                family_title(*f).to_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "3 attempts, frames 9..412" for a finding that groups several occurrences of its
/// problem; none for a single one (its frames are on the finding's own line).
pub fn attempts(x: &Finding) -> Option<String> {
    if x.count <= 1 {
        return None;
    }
    let range = match (x.first_frame, x.last_frame) {
        (Some(a), Some(b)) if a != b => format!(", frames {a}..{b}"),
        (Some(a), _) => format!(", frame {a}"),
        _ => String::new(),
    };
    Some(format!("{} attempts{range}", x.count))
}

/// "frame 9" or "frames 9, 12" (an example's frames), empty for none.
pub fn frames_phrase(frames: &[u64]) -> String {
    let list: Vec<String> = frames.iter().map(u64::to_string).collect();
    match list.len() {
        0 => String::new(),
        1 => format!("frame {}", list.join("")),
        _ => format!("frames {}", list.join(", ")),
    }
}

/// The context a capture was judged in, one phrase per item, unescaped (each renderer
/// escapes for its own output: the region can come from the capture).
pub fn context_items(f: &FileReport) -> Vec<String> {
    let a = &f.audit;
    let cx = &a.context;
    let mut context = vec![format!("cloud {} ({})", cx.cloud.as_str(), cx.cloud_source)];
    if let Some(r) = &cx.region {
        let src = if a.inferred.region.is_some() {
            "inferred"
        } else {
            "given"
        };
        context.push(format!("region {r} ({src})"));
    }
    // Both lists are bounded by the context (MAX_PROXIES_LISTED, "and N more").
    if cx.proxy_configured {
        context.push(format!("proxy {} (given)", cx.proxies_text()));
    }
    if !cx.proxies_seen.is_empty() {
        context.push(format!(
            "proxy seen {} (inferred from CONNECT)",
            cx.proxies_seen_text()
        ));
    }
    let d = &a.dns_bounds;
    if !d.is_empty() {
        // Never silent: what the bounded DNS index did not hold.
        context.push(format!(
            "DNS bounds: {} answer record(s) and {} answer(s) per address left out",
            d.records_dropped, d.answers_dropped
        ));
    }
    if cx.private_link {
        context.push("private link".to_string());
    }
    if !cx.features.is_empty() {
        let feats: Vec<&str> = cx.features.iter().map(|f| f.as_str()).collect();
        context.push(format!("features {}", feats.join(",")));
    }
    context
}

/// The "service tags" context of a run, one line per item, unescaped: each file in use (or
/// each cloud of the built-in snapshot with its publication date), then the notes (a
/// snapshot much older than the capture). Each line but the notes starts with
/// `service tags:`; renderers escape and label for their output.
pub fn service_tag_lines(s: &ServiceTagStatus) -> Vec<String> {
    let mut lines: Vec<String> = match s.source {
        TagSource::BuiltInSnapshot => s
            .snapshot
            .iter()
            .map(|e| {
                format!(
                    "service tags: {} changeNumber {} (built-in snapshot published {})",
                    e.cloud, e.change_number, e.published
                )
            })
            .collect(),
        TagSource::Files => s
            .files
            .iter()
            .map(|f| {
                format!(
                    "service tags: {} changeNumber {} ({})",
                    f.cloud,
                    f.change_number,
                    f.path.display()
                )
            })
            .collect(),
    };
    lines.extend(s.notes.iter().map(|n| format!("note: {n}")));
    lines
}

/// "when" as a reader wants it: `feature: ssh, windows-admin-center`.
pub fn when_text(when: When, features: &[Feature]) -> String {
    if features.is_empty() {
        when.as_str().to_string()
    } else {
        let f: Vec<&str> = features.iter().map(|f| f.as_str()).collect();
        format!("{}: {}", when.as_str(), f.join(", "))
    }
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
pub fn columns(rows: &[Vec<String>]) -> String {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                let w = widths.get(i).copied().unwrap_or(0);
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// A coverage row's names and addresses as each format lists them: every listed one through
/// the format's escaping, then "and N more flow(s)" when the row holds more than it lists.
pub fn row_lists(r: &CoverageRow, esc: impl Fn(&str) -> String) -> (Vec<String>, Vec<String>) {
    let names = r
        .names
        .iter()
        .map(|n| esc(n))
        .chain(r.names_more())
        .collect();
    let addresses = r
        .addresses
        .iter()
        .map(|a| esc(&a.to_string()))
        .chain(r.addresses_more())
        .collect();
    (names, addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_utc(1_768_467_600_674_170_000),
            "2026-01-15T09:00:00.674Z"
        );
        assert_eq!(
            format_utc(951_782_400_000_000_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(format_utc(-1_000_000_000), "1969-12-31T23:59:59.000Z");
    }

    #[test]
    fn timestamps_format_like_zeek() {
        assert_eq!(format_ts(1_500_000_000_123_456_789), "1500000000.123456");
        assert_eq!(format_ts(0), "0.000000");
    }
}
