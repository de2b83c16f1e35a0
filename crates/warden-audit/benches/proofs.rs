//! Proof generation and verification on a 1,000,000-leaf in-memory tree, and append
//! throughput. Run with `cargo bench -p warden-audit --bench proofs`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use warden_audit::hash::{Hash, leaf_hash};
use warden_audit::proof::{
    consistency_proof, inclusion_proof, verify_consistency, verify_inclusion,
};
use warden_audit::tree::MemoryTree;

const SIZE: u64 = 1_000_000;

/// A cheap deterministic walk over `0..n`, so successive iterations touch different leaves.
fn next(i: u64, n: u64) -> u64 {
    (i.wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407)
        >> 11)
        % n
}

fn bench(c: &mut Criterion) {
    let leaves: Vec<Hash> = (0..SIZE).map(|i| leaf_hash(&i.to_le_bytes())).collect();
    let tree = MemoryTree::from_leaves(leaves.iter().copied());
    let root = tree.root();

    let mut g = c.benchmark_group("1M-leaf tree");
    let mut i = 1;
    g.bench_function("inclusion proof: generate", |b| {
        b.iter(|| {
            i = next(i, SIZE);
            black_box(inclusion_proof(&tree, black_box(i), SIZE).ok())
        })
    });
    let proofs: Vec<(u64, Vec<Hash>)> = (0..1024u64)
        .map(|k| {
            let ix = next(k, SIZE);
            (ix, inclusion_proof(&tree, ix, SIZE).unwrap_or_default())
        })
        .collect();
    let mut k = 0;
    g.bench_function("inclusion proof: verify", |b| {
        b.iter(|| {
            k = (k + 1) % proofs.len();
            let (ix, proof) = &proofs[k];
            black_box(verify_inclusion(&leaves[*ix as usize], *ix, SIZE, proof, &root).is_ok())
        })
    });
    g.bench_function("inclusion proof: generate + verify", |b| {
        b.iter(|| {
            i = next(i, SIZE);
            let proof = inclusion_proof(&tree, i, SIZE).unwrap_or_default();
            black_box(verify_inclusion(&leaves[i as usize], i, SIZE, &proof, &root).is_ok())
        })
    });
    let olds: Vec<(u64, Hash)> = (0..256u64)
        .map(|k| {
            let old = 1 + next(k, SIZE - 1);
            (old, tree.root_at(old).unwrap_or_default())
        })
        .collect();
    g.bench_function("consistency proof: generate + verify", |b| {
        b.iter(|| {
            k = (k + 1) % olds.len();
            let (old, old_root) = &olds[k];
            let proof = consistency_proof(&tree, *old, SIZE).unwrap_or_default();
            black_box(verify_consistency(*old, SIZE, old_root, &root, &proof).is_ok())
        })
    });
    g.bench_function("root", |b| b.iter(|| black_box(tree.root())));
    g.finish();

    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(SIZE));
    g.sample_size(10);
    g.bench_function("MemoryTree::push x 1M", |b| {
        b.iter(|| {
            let mut t = MemoryTree::new();
            for leaf in &leaves {
                t.push(*leaf);
            }
            black_box(t.size())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
