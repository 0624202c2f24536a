//! The distributed-engine recipe (docs/engines.md) on Dask's own local mode: the map step,
//! one `arcaudit audit --format json` per capture, runs on a LocalCluster of two worker
//! processes through docs/engines/dask_audit.py; the reduce step is `arcaudit merge`. The
//! merged fleet report must equal, byte for byte, one `arcaudit audit --fleet` over the same
//! captures. Needs a Python with `dask[distributed]` (`$ARCAUDIT_PYTHON`, else `python3`):
//! without it the test shows as ignored with the reason; `ARCAUDIT_REQUIRE_DASK=1` (set by
//! .ci/run, which installs Dask in a virtual environment) makes that a failure.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/harness.rs"]
mod harness;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use cli::{all_samples, arcaudit};

fn python() -> String {
    std::env::var("ARCAUDIT_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

fn dask_importable() -> bool {
    Command::new(python())
        .args(["-c", "import dask.distributed"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn recipe() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/engines/dask_audit.py")
}

fn merged_on_two_dask_workers_equals_one_fleet_run() {
    let captures = all_samples();
    assert!(captures.len() >= 10, "samples: {}", captures.len());
    let single = arcaudit()
        .args(["audit", "--fleet", "--format", "json"])
        .args(&captures)
        .output()
        .unwrap();
    assert!(
        matches!(single.status.code(), Some(0 | 1)),
        "single run: {:?} {}",
        single.status,
        String::from_utf8_lossy(&single.stderr)
    );
    let out = Command::new(python())
        .arg(recipe())
        .arg("--arcaudit")
        .arg(env!("CARGO_BIN_EXE_arcaudit"))
        .args(["--workers", "2", "--format", "json"])
        .args(&captures)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        single.status.code(),
        "merge exit code against the single run's; stderr:\n{stderr}"
    );
    let used = stderr
        .lines()
        .find_map(|l| l.strip_suffix(" worker processes"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no worker count in:\n{stderr}"));
    assert!(used >= 2, "the map step ran on {used} worker(s):\n{stderr}");
    assert!(
        out.stdout == single.stdout,
        "merged report differs from the single run (lengths {} and {})",
        out.stdout.len(),
        single.stdout.len()
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "arcaudit.fleet/1");
}

fn main() -> ExitCode {
    let dask = harness::need_installed(
        dask_importable(),
        "needs a Python with dask[distributed] ($ARCAUDIT_PYTHON or python3; pip install 'dask[distributed]')",
        "ARCAUDIT_REQUIRE_DASK",
    );
    harness::run(harness::trials![dask => [merged_on_two_dask_workers_equals_one_fleet_run]])
}
