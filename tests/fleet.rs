//! Fleet audits end to end: captures of 50 hosts made from the samples (tests/common/fleet.rs),
//! audited as one run and as one report per capture merged in shuffled order, must give
//! byte-identical fleet JSON; merges compose; what merge refuses; the text view.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::fleet::build_fleet;

fn arcaudit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arcaudit"))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("arcaudit runs");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A deterministic shuffle (xorshift), so a failure can be reproduced.
fn shuffled<T>(mut v: Vec<T>, mut seed: u64) -> Vec<T> {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    v
}

fn per_capture_reports(captures: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    captures
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let r = dir.join(format!("r{i:03}.json"));
            run(arcaudit()
                .args(["audit", "--format", "json", "-q", "-o"])
                .arg(&r)
                .arg(c));
            r
        })
        .collect()
}

#[test]
fn fifty_hosts_audited_in_one_run_or_merged_in_any_order_give_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("captures");
    let reports = tmp.path().join("reports");
    std::fs::create_dir_all(&caps).unwrap();
    std::fs::create_dir_all(&reports).unwrap();
    let captures = build_fleet(&caps, 50);
    assert!(captures.len() > 50, "some hosts have two captures");

    let one = run(arcaudit()
        .args(["audit", "--fleet", "--format", "json", "-q"])
        .arg(&caps));
    assert_eq!(one.status.code(), Some(1), "broken hosts trip --fail-on");
    let reports = per_capture_reports(&captures, &reports);
    for seed in [0x9e37_79b9_7f4a_7c15u64, 42] {
        let merged = run(arcaudit()
            .args(["merge", "--format", "json"])
            .args(shuffled(reports.clone(), seed)));
        assert_eq!(merged.status.code(), Some(1));
        assert!(
            one.stdout == merged.stdout,
            "merged fleet differs from the single run (seed {seed:#x})"
        );
    }

    // Merges compose: a fleet of some captures merged with the reports of the rest.
    let (first, rest) = captures.split_at(20);
    let part = tmp.path().join("part.json");
    run(arcaudit()
        .args(["audit", "--fleet", "--format", "json", "-q", "-o"])
        .arg(&part)
        .args(first));
    let composed = run(arcaudit()
        .args(["merge", "--format", "json"])
        .args(&reports[first.len()..])
        .arg(&part));
    assert!(
        one.stdout == composed.stdout,
        "a fleet merged with reports differs"
    );
    assert_eq!(rest.len(), reports.len() - first.len());

    // What the fleet says: every host named by its section header, not uniform.
    let fleet: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(fleet["schema"], "arcaudit.fleet/1");
    let hosts = fleet["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 50);
    assert!(hosts.iter().all(|h| h["source"] == "section-comment"));
    assert_eq!(hosts[3]["host"], "host-003");
    assert_eq!(hosts[3]["files"].as_array().unwrap().len(), 2);
    let his = fleet["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["endpoint"] == "public.his")
        .expect("a his column");
    assert!(his["counts"].as_array().unwrap().len() >= 3, "{his}");
    assert!(fleet["groups"].as_array().unwrap().len() >= 5);
    // Nothing of where the reports were: the one run has none to name.
    let text = String::from_utf8(one.stdout).unwrap();
    assert!(!text.contains(&tmp.path().join("reports").display().to_string()));
}

#[test]
fn merge_refuses_what_it_cannot_mix_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("captures");
    std::fs::create_dir_all(&caps).unwrap();
    let captures = build_fleet(&caps, 2);
    let reports = per_capture_reports(&captures, tmp.path());

    // The same capture twice.
    let out = arcaudit()
        .arg("merge")
        .arg(&reports[0])
        .arg(&reports[0])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is in two reports"));

    // A document merge does not know.
    let other = tmp.path().join("other.json");
    std::fs::write(&other, br#"{"schema":"arcaudit.audit/2","files":[]}"#).unwrap();
    let out = arcaudit().arg("merge").arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("arcaudit.audit/2"));

    // Another service-tag version: refused naming both, merged when told which to keep.
    let tags = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/service-tags/public-20251028-excerpt.json");
    let with_files = tmp.path().join("files.json");
    run(arcaudit()
        .args(["audit", "--format", "json", "-q", "--service-tags"])
        .arg(&tags)
        .arg("-o")
        .arg(&with_files)
        .arg(&captures[1]));
    let out = arcaudit()
        .arg("merge")
        .arg(&reports[0])
        .arg(&with_files)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("built-in snapshot") && err.contains("files: Public #"),
        "{err}"
    );
    let out = run(arcaudit()
        .args([
            "merge",
            "--format",
            "json",
            "--keep-service-tags",
            "files: Public #375",
        ])
        .arg(&reports[0])
        .arg(&with_files));
    let fleet: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fleet["service_tags"], "files: Public #375");
    let notes = fleet["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
}

#[test]
fn host_from_names_hosts_by_path_and_the_text_view_shows_the_matrix() {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("Site-A");
    std::fs::create_dir_all(&caps).unwrap();
    build_fleet(&caps, 6);
    let out = arcaudit()
        .args([
            "audit",
            "--fleet",
            "--format",
            "json",
            "-q",
            "--host-from",
            r"(site-a)/HOST-00[0-2]|/(host-\d+)-",
        ])
        .arg(&caps)
        .output()
        .unwrap();
    let fleet: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = fleet["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "host-000", "host-001", "host-002", "host-003", "host-004", "host-005"
        ]
    );
    assert!(
        fleet["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["source"] == "host-from")
    );

    let out = arcaudit()
        .args(["audit", "-q"])
        .arg(&caps)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("arcaudit fleet: 6 hosts, 7 captures\n"),
        "{text}"
    );
    assert!(
        text.contains("\nmatrix (one row per host, by host id):\n"),
        "{text}"
    );
    assert!(
        text.contains("  host: host-003 (section-comment: section 0 comment \"host=host-003\")"),
        "{text}"
    );
    // The per-capture report follows the fleet view.
    assert!(text.contains("\narcaudit audit: 7 captures"), "{text}");
}
