//! Rule evaluation at scale: every built-in rule's condition (and adjustments) over 10,000
//! synthetic elements. Run with `cargo bench -p warden-catalog --bench eval`.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use warden_catalog::{Catalog, Rule};

fn element(i: usize) -> Value {
    let kind = ["memory", "vector", "sql"][i % 3];
    let autonomy = ["supervised", "autonomous"][i % 2];
    let identity = ["own-credential", "shared-service-account"][i % 2];
    json!({
        "id": format!("agent-{i}"),
        "kind": kind,
        "autonomy": autonomy,
        "identity": identity,
        "memory": {"kind": "long-term", "validated_writes": i.is_multiple_of(5)},
        "limits": if i.is_multiple_of(4) { json!({}) } else { json!({"max_steps": 50}) },
        "tools": (0..(i % 6)).map(|t| json!({"tool": format!("srv.tool_{t}"), "approval": t % 2 == 0})).collect::<Vec<_>>(),
        "derived": {"untrusted_input": i.is_multiple_of(3), "untrusted_writers": if i.is_multiple_of(7) { json!(["web"]) } else { json!([]) }}
    })
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let elements: Vec<Value> = (0..10_000).map(element).collect();
    let rules: Vec<&Rule> = catalog.rules.iter().collect();
    c.bench_function("all built-in rules x 10,000 elements", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for e in &elements {
                for r in &rules {
                    if r.when.eval(black_box(e)) {
                        hits += usize::from(r.score(e).0);
                    }
                }
            }
            black_box(hits)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
