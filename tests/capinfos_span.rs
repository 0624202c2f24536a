//! The time span of every sample against capinfos (Debian's wireshark-common), an
//! independent reader: each capture's first and last packet, in the JSON and the text
//! report, and no span across captures in the totals. Without capinfos the test shows as
//! ignored with the reason; `ARCAUDIT_REQUIRE_CAPINFOS=1` (set by .ci/run, which installs
//! it) makes that a failure.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/harness.rs"]
mod harness;

use std::process::{Command, ExitCode};

use cli::{all_samples, arcaudit, audit_json};

/// capinfos' first and last packet time of `path` in ns, and how many fractional digits it
/// printed (6 for microsecond captures, 9 for nanosecond ones).
fn capinfos_span(path: &std::path::Path) -> Option<(i64, i64, u32)> {
    let out = Command::new("capinfos")
        .args(["-T", "-r", "-a", "-e", "-S"])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let cols: Vec<&str> = text.trim_end().split('\t').collect();
    let ns = |s: &str| -> (i64, u32) {
        let (secs, frac) = s.split_once('.').unwrap();
        let digits = frac.len() as u32;
        let frac: i64 = frac.parse().unwrap();
        (
            secs.parse::<i64>().unwrap() * 1_000_000_000 + frac * 10i64.pow(9 - digits),
            digits,
        )
    };
    let (a, d) = ns(cols.get(1)?);
    let (b, _) = ns(cols.get(2)?);
    Some((a, b, d))
}

fn the_time_span_of_every_sample_is_capinfos_first_and_last_packet() {
    for path in all_samples() {
        let (first, last, digits) =
            capinfos_span(&path).unwrap_or_else(|| panic!("capinfos on {path:?}"));
        let doc = audit_json(&[&path], &[]);
        let c = &doc["files"][0]["stats"]["capture"];
        let cut = 10i64.pow(9 - digits);
        let ours = |k: &str| c[k].as_i64().unwrap() / cut * cut;
        assert_eq!(
            (ours("first_ts_ns"), ours("last_ts_ns")),
            (first, last),
            "{path:?}"
        );
        assert!(
            doc["totals"].get("first_ts_ns").is_none(),
            "no span across captures in the totals"
        );
        // The text report says the same span for the capture.
        let out = arcaudit()
            .arg("audit")
            .arg(&path)
            .args(["--fail-on", "never"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let secs = (last - first) / 1000;
        let want = format!("({}.{:06} s)", secs / 1_000_000, secs % 1_000_000);
        assert!(
            text.lines()
                .any(|l| l.contains("time span:") && l.ends_with(&want)),
            "{path:?}: want {want} in\n{text}"
        );
    }
}

fn main() -> ExitCode {
    let capinfos = harness::need_installed(
        Command::new("capinfos").arg("-v").output().is_ok(),
        "needs capinfos (apt-get install wireshark-common)",
        "ARCAUDIT_REQUIRE_CAPINFOS",
    );
    harness::run(harness::trials![capinfos => [
        the_time_span_of_every_sample_is_capinfos_first_and_last_packet
    ]])
}
