//! Whole-pipeline throughput (capture -> decode -> flows -> TLS/DNS/HTTP facts) over real
//! captures: the shared benchmark seed (59 MB from real TLS stacks) when present, and the
//! bundled samples. Criterion reports bytes per second.

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
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = vec![root.join("../shared/bench/seed.pcap")];
    if let Ok(rd) = std::fs::read_dir(root.join("samples")) {
        let mut s: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
            .collect();
        s.sort();
        files.extend(s.into_iter().take(3));
    }
    let mut g = c.benchmark_group("pipeline");
    for f in files.iter().filter(|f| f.exists()) {
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        g.throughput(Throughput::Bytes(size));
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        g.bench_function(name, |b| b.iter(|| run(f)));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
