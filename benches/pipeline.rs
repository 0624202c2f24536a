//! Whole-pipeline throughput (capture -> decode -> flows -> TLS/DNS/HTTP facts) over real
//! captures: the shared benchmark seed (59 MB from real TLS stacks), or the stand-in made of
//! the committed samples without it (see `common`), and three bundled samples. Criterion
//! reports bytes per second.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::{Path, PathBuf};

use arcaudit::capture::Input;
use arcaudit::pipeline::{PipelineConfig, analyze};

fn run(path: &Path) -> u64 {
    let mut n = 0u64;
    let stats = analyze(
        &Input::Path(path.to_path_buf()),
        &PipelineConfig::default(),
        &mut |_f| n += 1,
    );
    n + stats.capture.frames
}

fn bench(c: &mut Criterion) {
    let big = common::seed_or_samples();
    let mut files: Vec<(String, PathBuf)> = vec![(big.name.to_string(), big.path.clone())];
    for p in common::sample_files().into_iter().take(3) {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        files.push((name, p));
    }
    let mut g = c.benchmark_group("pipeline");
    for (name, f) in &files {
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        g.throughput(Throughput::Bytes(size));
        g.bench_function(name.as_str(), |b| b.iter(|| run(f)));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
