//! Shared helpers of the integration tests: where the shared corpus is, and running the
//! real pipeline over one file.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arcaudit::capture::Input;
use arcaudit::pipeline::{self, FileStats, Flow, PipelineConfig};

/// `../shared/corpus` beside the repository, or None (with a message) when absent: a
/// user's fresh clone has no shared folder, CI always has it.
pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.join("README.md").exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/corpus is absent; this test needs the shared corpus");
        None
    }
}

pub fn analyze(path: &Path) -> (Vec<Flow>, FileStats) {
    let mut flows = Vec::new();
    let stats = pipeline::analyze(
        &Input::Path(path.to_path_buf()),
        &PipelineConfig::default(),
        &mut |f| flows.push(f),
    );
    (flows, stats)
}

/// A TSV file as rows of column name -> value.
pub fn read_tsv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(
                    l.split('\t')
                        .map(str::to_string)
                        .chain(std::iter::repeat(String::new())),
                )
                .collect()
        })
        .collect()
}

/// "TLS1.2 (0x0303)" or "0x0303" -> 0x0303.
pub fn hex_in(s: &str) -> Option<u16> {
    let s = s.trim();
    let h = match s.find("0x") {
        Some(i) => &s[i + 2..],
        None => return None,
    };
    let h: String = h.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    u16::from_str_radix(&h, 16).ok()
}

/// "0x1301,0x1302" -> [0x1301, 0x1302]; empty -> [].
pub fn hex_list(s: &str) -> Vec<u16> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .filter_map(hex_in)
        .collect()
}
