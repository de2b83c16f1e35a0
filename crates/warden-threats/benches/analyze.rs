//! Analysis time on synthetic models (target: a 10,000-element model in under 1 s).
//!
//! Run: `cargo bench -p warden-threats --bench analyze`. Figures go in docs/performance.md.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use warden_catalog::Catalog;
use warden_model::{Loaded, SourceMap, SystemModel};
use warden_threats::engine::{self, Options};
use warden_threats::synthetic;

fn elements(m: &SystemModel) -> usize {
    m.agents.len()
        + m.servers.len()
        + m.servers.iter().map(|s| s.tools.len()).sum::<usize>()
        + m.data_stores.len()
        + m.humans.len()
        + m.external_sources.len()
        + m.links.len()
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let mut group = c.benchmark_group("threats");
    group.sample_size(10);
    for agents in [100usize, 1_000] {
        let model = synthetic::generate(agents, 7);
        let n = elements(&model);
        let text = serde_json::to_string(&model).unwrap_or_default();
        eprintln!(
            "synthetic model: {agents} agents, {n} elements, {} bytes of JSON",
            text.len()
        );
        let loaded = Loaded {
            model: model.clone(),
            source: SourceMap::default(),
        };
        group.bench_function(format!("analyze/{n}-elements"), |b| {
            b.iter(|| {
                engine::analyze(
                    black_box(&loaded),
                    text.as_bytes(),
                    catalog,
                    &Options::default(),
                )
            })
        });
        group.bench_function(format!("parse-validate/{n}-elements"), |b| {
            b.iter(|| {
                warden_model::parse_str("synthetic.json", black_box(&text))
                    .map(|l| l.model.agents.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
