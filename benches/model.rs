//! Benchmarks of the model's lookups: host-name matching against the catalog, address lookup in
//! the service-tag index, loading Microsoft's Public service-tag file, and indexing the nested
//! shape that used to be quadratic (many tags on one wide prefix, many narrow prefixes inside).
//!
//! Run with `cargo bench --bench model`. The benchmarks over the Public file need the corpus
//! at ../shared/corpus and are skipped with a message without it.

use std::hint::black_box;
use std::net::IpAddr;
use std::path::Path;

use arcaudit::model::{Catalog, MatchScratch, ServiceTags};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A mix a capture produces: Arc names with and without regions, near misses, and the
/// unrelated names that make up most of the traffic.
const NAMES: [&str; 8] = [
    "management.azure.com",
    "westeurope.his.arc.azure.com",
    "westeurope-gas.guestconfiguration.azure.com",
    "azgn-westeurope-1.servicebus.windows.net",
    "telemetry.eastus.arcdataservices.com",
    "his.arc.azure.com.evil.example",
    "www.example.com",
    "outlook.office365.com",
];

fn names(c: &mut Criterion) {
    let cat = Catalog::builtin();
    let mut g = c.benchmark_group("match_host");
    g.throughput(Throughput::Elements(NAMES.len() as u64));
    g.bench_function("alloc_8_names", |b| {
        b.iter(|| {
            let mut n = 0;
            for name in NAMES {
                n += cat.match_host(black_box(name)).len();
            }
            n
        })
    });
    g.bench_function("scratch_8_names", |b| {
        let mut scratch = MatchScratch::default();
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for name in NAMES {
                cat.match_host_with(black_box(name), &mut scratch, &mut out);
                n += out.len();
            }
            n
        })
    });
    g.finish();
    let mut g = c.benchmark_group("match_host_one");
    for name in NAMES {
        let mut scratch = MatchScratch::default();
        let mut out = Vec::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                cat.match_host_with(black_box(name), &mut scratch, &mut out);
                out.len()
            })
        });
    }
    g.finish();
    let json = cat.to_json().unwrap_or_default();
    c.bench_function("catalog_parse_and_compile", |b| {
        b.iter(|| Catalog::from_json(black_box(&json), "bench").map(|c| c.entries().len()))
    });
}

fn corpus_file() -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/service-tags/ServiceTags_Public_20251028.json");
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("service-tag benchmarks skipped: {} is absent", p.display());
        None
    }
}

fn addresses(c: &mut Criterion) {
    let Some(path) = corpus_file() else { return };
    let Ok(st) = ServiceTags::load(&path) else {
        eprintln!("cannot load {}", path.display());
        return;
    };
    let addrs: Vec<IpAddr> = [
        "40.126.9.5",        // AzureActiveDirectory, AzureCloud, regional
        "4.210.131.41",      // AzureArcInfrastructure.WestEurope
        "192.0.2.1",         // no tag
        "8.8.8.8",           // no tag
        "2603:1006:2000::1", // IPv6 AzureActiveDirectory
        "2001:db8::1",       // IPv6, no tag
    ]
    .iter()
    .filter_map(|s| s.parse().ok())
    .collect();
    let mut g = c.benchmark_group("service_tags");
    g.throughput(Throughput::Elements(addrs.len() as u64));
    g.bench_function("lookup_iter_6_addrs", |b| {
        b.iter(|| {
            addrs
                .iter()
                .map(|&a| st.lookup_iter(black_box(a)).count())
                .sum::<usize>()
        })
    });
    g.bench_function("lookup_vec_6_addrs", |b| {
        b.iter(|| {
            addrs
                .iter()
                .map(|&a| st.lookup(black_box(a)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("contains_arc_6_addrs", |b| {
        b.iter(|| {
            addrs
                .iter()
                .filter(|&&a| st.contains(black_box(a), "AzureArcInfrastructure"))
                .count()
        })
    });
    g.finish();

    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut g = c.benchmark_group("service_tags_load");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(size));
    g.bench_function("public_file", |b| {
        b.iter(|| ServiceTags::load(black_box(&path)).map(|s| s.range_counts()))
    });
    g.finish();
}

/// `n` tags on 10.0.0.0/8 and `n` /32 prefixes inside it, each its own tag (issue 13).
fn nested_file(n: usize) -> String {
    let value = |name: String, prefix: String| {
        format!(r#"{{"name":"{name}","properties":{{"addressPrefixes":["{prefix}"]}}}}"#)
    };
    let wide = (0..n).map(|i| value(format!("Wide{i:06}"), "10.0.0.0/8".into()));
    let narrow = (0..n).map(|i| {
        let a = std::net::Ipv4Addr::from(0x0a00_0000u32 + 2 * i as u32 + 1);
        value(format!("Narrow{i:06}"), format!("{a}/32"))
    });
    let values: Vec<String> = wide.chain(narrow).collect();
    format!(
        r#"{{"changeNumber":1,"cloud":"Public","values":[{}]}}"#,
        values.join(",")
    )
}

fn nested(c: &mut Criterion) {
    let mut g = c.benchmark_group("service_tags_nested");
    g.sample_size(10);
    for n in [2_000usize, 16_000] {
        let text = nested_file(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("from_json_{n}"), |b| {
            b.iter(|| {
                ServiceTags::from_json(black_box(&text), Path::new("nested.json"))
                    .map(|s| s.index_entries())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, names, addresses, nested);
criterion_main!(benches);
