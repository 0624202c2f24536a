//! Classification alone: one capture's facts (built once, outside the timing) through
//! `classify::audit_capture` — attribution against the catalog, context inference, every
//! rule, coverage and timeline. Runs on the shared benchmark seed or, without it, the
//! stand-in made of the committed samples (see `common`), and on the richest sample; the
//! service-tag file from ../shared/corpus is used when present, so address checks run too.
//! Criterion reports flows per second.

mod common;

use std::hint::black_box;
use std::path::Path;

use arcaudit::capture::Input;
use arcaudit::classify::{Given, audit_capture};
use arcaudit::facts::{CaptureFacts, FactsBuilder};
use arcaudit::model::{Catalog, ServiceTags};
use arcaudit::pipeline::{PipelineConfig, analyze};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn facts_of(path: &Path) -> CaptureFacts {
    let mut b = FactsBuilder::new();
    let stats = analyze(
        &Input::Path(path.to_path_buf()),
        &PipelineConfig::default(),
        &mut |f| b.add(&f),
    );
    assert!(
        stats.error.is_none(),
        "{}: {:?}",
        path.display(),
        stats.error
    );
    b.finish()
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let tag_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/service-tags/ServiceTags_Public_20251028.json");
    let tags = ServiceTags::load(&tag_file).unwrap_or_else(|e| {
        eprintln!("classify bench: no service-tag file ({e}); address checks skipped");
        ServiceTags::empty()
    });
    let big = common::seed_or_samples();
    let healthy = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/healthy-agent.pcap");
    let inputs = [
        (big.name.to_string(), facts_of(&big.path)),
        ("healthy-agent.pcap".to_string(), facts_of(&healthy)),
    ];
    let given = Given::default();
    let mut g = c.benchmark_group("classify");
    g.sample_size(10);
    for (name, facts) in &inputs {
        g.throughput(Throughput::Elements(facts.flows.len() as u64));
        g.bench_function(name.as_str(), |b| {
            b.iter(|| {
                let audit = audit_capture(name, black_box(facts), &given, catalog, &tags)
                    .expect("in memory");
                black_box(audit.findings.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
