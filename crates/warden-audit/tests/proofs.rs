//! Inclusion and consistency proofs: RFC 6962/9162 reference vectors, an independent
//! recursive reference implementation, and property tests over random tree sizes.

use proptest::prelude::*;
use warden_audit::hash::{Hash, empty_root, largest_power_of_two_below, leaf_hash, root_of};
use warden_audit::proof::{
    HashSource, ProofError, consistency_proof, inclusion_proof, root_from_source,
    verify_consistency, verify_inclusion,
};
use warden_audit::tree::MemoryTree;

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

// The classic eight-entry tree of the Certificate Transparency reference tests (as carried
// by github.com/transparency-dev/merkle, proof/verify_test.go), with its roots for sizes
// 1..=8 and known proofs. Their leaf indices are 1-based; ours are 0-based.
const ENTRIES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
/// (0-based leaf index, tree size, proof)
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];
/// (old size, new size, proof)
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference_tree() -> (Vec<Hash>, MemoryTree) {
    let leaves: Vec<Hash> = ENTRIES.iter().map(|e| leaf_hash(e)).collect();
    let tree = MemoryTree::from_leaves(leaves.iter().copied());
    (leaves, tree)
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[bit / 8 % 32] ^= 1 << (bit % 8);
    out
}

#[test]
fn reference_roots() {
    let (leaves, tree) = reference_tree();
    for (i, root) in ROOTS.iter().enumerate() {
        let size = i as u64 + 1;
        assert_eq!(tree.root_at(size).unwrap(), h(root), "size {size}");
        assert_eq!(root_of(&leaves[..=i]), h(root));
        assert_eq!(root_from_source(&tree, size).unwrap(), h(root));
    }
    assert_eq!(tree.root(), h(ROOTS[7]));
    assert_eq!(tree.root_at(0).unwrap(), empty_root());
}

#[test]
fn reference_inclusion_proofs() {
    let (leaves, tree) = reference_tree();
    for (index, size, proof) in INCLUSION {
        let want: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
        let got = inclusion_proof(&tree, index, size).unwrap();
        assert_eq!(got, want, "inclusion proof of {index} in {size}");
        let root = h(ROOTS[size as usize - 1]);
        let leaf = leaves[index as usize];
        verify_inclusion(&leaf, index, size, &want, &root).unwrap();
        // The corruptions of the reference suite must all be rejected.
        let bad_root = h("abacaba000000000000000000000000000000000000000000060061e00123456");
        let mut probes: Vec<(u64, u64, Hash, Vec<Hash>, Hash)> = vec![
            (index.wrapping_sub(1), size, leaf, want.clone(), root),
            (index + 1, size, leaf, want.clone(), root),
            (index ^ 2, size, leaf, want.clone(), root),
            (index, size * 2, leaf, want.clone(), root),
            (index, size / 2, leaf, want.clone(), root),
            (index, size, leaf_hash(b"WrongLeaf"), want.clone(), root),
            (index, size, leaf, want.clone(), empty_root()),
            (index, size, leaf, want.clone(), bad_root),
            (index, size, leaf, [&want[..], &[root]].concat(), root),
            (index, size, leaf, [&[root][..], &want[..]].concat(), root),
        ];
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 8;
            probes.push((index, size, leaf, p, root));
        }
        if let Some((_, rest)) = want.split_last() {
            probes.push((index, size, leaf, rest.to_vec(), root));
        }
        for (i, s, l, p, r) in probes {
            assert!(verify_inclusion(&l, i, s, &p, &r).is_err(), "{i} {s} {p:?}");
        }
    }
}

#[test]
fn reference_consistency_proofs() {
    let (_, tree) = reference_tree();
    for (old, new, proof) in CONSISTENCY {
        let want: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
        assert_eq!(
            consistency_proof(&tree, old, new).unwrap(),
            want,
            "{old}->{new}"
        );
        let (r1, r2) = (h(ROOTS[old as usize - 1]), h(ROOTS[new as usize - 1]));
        verify_consistency(old, new, &r1, &r2, &want).unwrap();
        if want.is_empty() {
            continue;
        }
        let wrong = h("abacaba000000000000000000000000000000000000000000060061e00123456");
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (old - 1, new, r1, r2, want.clone()),
            (old + 1, new, r1, r2, want.clone()),
            (old ^ 2, new, r1, r2, want.clone()),
            (old, new * 2, r1, r2, want.clone()),
            (old, new / 2, r1, r2, want.clone()),
            (old, new, wrong, r2, want.clone()),
            (old, new, r1, wrong, want.clone()),
            (old, new, r2, r1, want.clone()),
            (old, new, r1, r2, vec![]),
            (old, new, r1, r2, [&want[..], &[r1]].concat()),
            (old, new, r1, r2, [&want[..], &[r2]].concat()),
            (old, new, r1, r2, [&[r1][..], &want[..]].concat()),
            (old, new, r1, r2, [&[want[0]][..], &want[..]].concat()),
            (old, new, r1, r2, want[..want.len() - 1].to_vec()),
        ];
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 16;
            probes.push((old, new, r1, r2, p));
        }
        for (o, n, a, b, p) in probes {
            assert!(verify_consistency(o, n, &a, &b, &p).is_err(), "{o}->{n}");
        }
    }
}

#[test]
fn trivial_consistency_cases() {
    let e = empty_root();
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    verify_consistency(0, 0, &e, &e, &[]).unwrap();
    verify_consistency(0, 5, &e, &a, &[]).unwrap();
    verify_consistency(3, 3, &a, &a, &[]).unwrap();
    assert!(matches!(
        verify_consistency(3, 3, &a, &b, &[]),
        Err(ProofError::RootMismatch { .. })
    ));
    assert!(matches!(
        verify_consistency(0, 0, &e, &a, &[]),
        Err(ProofError::RootMismatch { .. })
    ));
    assert!(matches!(
        verify_consistency(0, 4, &a, &b, &[]),
        Err(ProofError::OldRootMismatch { .. })
    ));
    assert!(matches!(
        verify_consistency(3, 3, &a, &a, &[a]),
        Err(ProofError::WrongProofLength {
            expected: 0,
            got: 1
        })
    ));
    assert!(matches!(
        verify_consistency(2, 1, &a, &a, &[]),
        Err(ProofError::SizesReversed { .. })
    ));
    assert!(matches!(
        verify_consistency(1, 2, &a, &b, &[]),
        Err(ProofError::WrongProofLength {
            expected: 1,
            got: 0
        })
    ));
    for (index, size) in [(0, 0), (1, 0), (2, 1), (u64::MAX, u64::MAX)] {
        assert!(matches!(
            verify_inclusion(&a, index, size, &[], &a),
            Err(ProofError::IndexOutOfRange { .. })
        ));
    }
    verify_inclusion(&a, 0, 1, &[], &a).unwrap();
    assert!(verify_inclusion(&a, 0, 1, &[], &b).is_err());
}

#[test]
fn error_variants_are_precise() {
    let (leaves, tree) = reference_tree();
    let (root, leaf) = (tree.root(), leaves[5]);
    let proof = inclusion_proof(&tree, 5, 8).unwrap();
    let longer = [&proof[..], &[root]].concat();
    assert!(matches!(
        verify_inclusion(&leaf, 5, 8, &proof[..2], &root),
        Err(ProofError::WrongProofLength {
            expected: 3,
            got: 2
        })
    ));
    assert!(matches!(
        verify_inclusion(&leaf, 5, 8, &longer, &root),
        Err(ProofError::WrongProofLength {
            expected: 3,
            got: 4
        })
    ));
    assert!(matches!(
        verify_inclusion(&leaves[4], 5, 8, &proof, &root),
        Err(ProofError::RootMismatch { expected, .. }) if expected == root
    ));
    let old_root = tree.root_at(6).unwrap();
    let proof = consistency_proof(&tree, 6, 8).unwrap();
    assert!(matches!(
        verify_consistency(6, 8, &root, &root, &proof),
        Err(ProofError::OldRootMismatch { computed, .. }) if computed == old_root
    ));
    assert!(matches!(
        verify_consistency(6, 8, &old_root, &old_root, &proof),
        Err(ProofError::RootMismatch { computed, .. }) if computed == root
    ));
    assert!(matches!(
        verify_consistency(6, 8, &old_root, &root, &proof[1..]),
        Err(ProofError::WrongProofLength {
            expected: 3,
            got: 2
        })
    ));
    let err = verify_consistency(6, 8, &root, &root, &proof).unwrap_err();
    assert!(err.to_string().contains(&hex::encode(old_root)), "{err}");
}

#[test]
fn generation_errors() {
    let (_, tree) = reference_tree();
    assert!(matches!(
        inclusion_proof(&tree, 8, 8),
        Err(ProofError::IndexOutOfRange { index: 8, size: 8 })
    ));
    assert!(matches!(
        inclusion_proof(&tree, 3, 9),
        Err(ProofError::Missing { .. })
    ));
    assert!(matches!(
        consistency_proof(&tree, 5, 4),
        Err(ProofError::SizesReversed { .. })
    ));
    assert!(consistency_proof(&tree, 5, 9).is_err());
    assert!(matches!(
        tree.root_at(9),
        Err(ProofError::SizeOutOfRange {
            requested: 9,
            available: 8
        })
    ));
    assert!(root_from_source(&tree, u64::MAX).is_err());
    assert_eq!(root_from_source(&tree, 0).unwrap(), empty_root());
    assert!(tree.subtree(3, 0).is_ok() && tree.subtree(3, 1).is_err());
}

// --- An independent reference, straight from the RFC's recursive definitions. ---

/// RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes.
fn ref_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = largest_power_of_two_below(n as u64) as usize;
    if m < k {
        [ref_path(m, &leaves[..k]), vec![root_of(&leaves[k..])]].concat()
    } else {
        [ref_path(m - k, &leaves[k..]), vec![root_of(&leaves[..k])]].concat()
    }
}

/// RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b) over leaf hashes.
fn ref_subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if b { vec![] } else { vec![root_of(leaves)] };
    }
    let k = largest_power_of_two_below(n as u64) as usize;
    if m <= k {
        [
            ref_subproof(m, &leaves[..k], b),
            vec![root_of(&leaves[k..])],
        ]
        .concat()
    } else {
        [
            ref_subproof(m - k, &leaves[k..], false),
            vec![root_of(&leaves[..k])],
        ]
        .concat()
    }
}

/// The root an inclusion proof implies, by recursion over the tree shape (None if the proof
/// does not fit the shape).
fn ref_inclusion_root(leaf: Hash, m: u64, n: u64, proof: &[Hash]) -> Option<Hash> {
    if m >= n {
        return None;
    }
    if n == 1 {
        return proof.is_empty().then_some(leaf);
    }
    let (sib, rest) = proof.split_last()?;
    let k = largest_power_of_two_below(n);
    Some(if m < k {
        warden_audit::hash::node_hash(&ref_inclusion_root(leaf, m, k, rest)?, sib)
    } else {
        warden_audit::hash::node_hash(sib, &ref_inclusion_root(leaf, m - k, n - k, rest)?)
    })
}

/// (old root, new root) a consistency proof implies for the subtree, by recursion over
/// SUBPROOF's shape; `old` is the verifier's old root, used where the old tree is a node.
fn ref_consistency_roots(m: u64, n: u64, b: bool, old: Hash, p: &[Hash]) -> Option<(Hash, Hash)> {
    use warden_audit::hash::node_hash;
    if m == n {
        return match (b, p) {
            (true, []) => Some((old, old)),
            (false, [c]) => Some((*c, *c)),
            _ => None,
        };
    }
    let (sib, rest) = p.split_last()?;
    let k = largest_power_of_two_below(n);
    if m <= k {
        let (o, nw) = ref_consistency_roots(m, k, b, old, rest)?;
        Some((o, node_hash(&nw, sib)))
    } else {
        let (o, nw) = ref_consistency_roots(m - k, n - k, false, old, rest)?;
        Some((node_hash(sib, &o), node_hash(sib, &nw)))
    }
}

fn ref_verify_consistency(m: u64, n: u64, r1: &Hash, r2: &Hash, p: &[Hash]) -> bool {
    if m == 0 || m >= n {
        return false; // only the non-trivial case is compared
    }
    ref_consistency_roots(m, n, true, *r1, p) == Some((*r1, *r2))
}

#[test]
fn generation_matches_recursive_definition() {
    let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
    let tree = MemoryTree::from_leaves(leaves.iter().copied());
    for n in 1..=70usize {
        for m in 0..n {
            let got = inclusion_proof(&tree, m as u64, n as u64).unwrap();
            assert_eq!(got, ref_path(m, &leaves[..n]), "PATH({m}, {n})");
        }
        for m in 1..n {
            let got = consistency_proof(&tree, m as u64, n as u64).unwrap();
            assert_eq!(got, ref_subproof(m, &leaves[..n], true), "PROOF({m}, {n})");
        }
    }
}

fn random_tree(size: usize, salt: u64) -> (Vec<Hash>, MemoryTree) {
    let leaves: Vec<Hash> = (0..size as u64)
        .map(|i| leaf_hash(&[salt.to_le_bytes(), i.to_le_bytes()].concat()))
        .collect();
    let tree = MemoryTree::from_leaves(leaves.iter().copied());
    (leaves, tree)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_inclusion_proof_verifies(size in 1usize..2000, salt: u64) {
        let (leaves, tree) = random_tree(size, salt);
        let root = root_of(&leaves);
        prop_assert_eq!(tree.root(), root);
        for i in 0..size as u64 {
            let proof = inclusion_proof(&tree, i, size as u64).unwrap();
            prop_assert!(verify_inclusion(&leaves[i as usize], i, size as u64, &proof, &root).is_ok());
        }
    }

    #[test]
    fn sampled_consistency_proofs_verify(size in 1usize..2000, olds in prop::collection::vec(any::<prop::sample::Index>(), 40), salt: u64) {
        let (leaves, tree) = random_tree(size, salt);
        let new_root = root_of(&leaves);
        for old in olds.iter().map(|ix| ix.index(size + 1)).chain([0, 1, size]) {
            let old_root = root_of(&leaves[..old]);
            prop_assert_eq!(tree.root_at(old as u64).unwrap(), old_root);
            let proof = consistency_proof(&tree, old as u64, size as u64).unwrap();
            prop_assert!(verify_consistency(old as u64, size as u64, &old_root, &new_root, &proof).is_ok());
        }
    }

    #[test]
    fn tampered_inclusion_fails(size in 1usize..2000, ix: prop::sample::Index, bit in 0usize..256, which in 0usize..64, salt: u64) {
        let (leaves, tree) = random_tree(size, salt);
        let (n, i) = (size as u64, ix.index(size) as u64);
        let root = root_of(&leaves);
        let leaf = leaves[i as usize];
        let proof = inclusion_proof(&tree, i, n).unwrap();
        prop_assert!(verify_inclusion(&flip(&leaf, bit), i, n, &proof, &root).is_err());
        prop_assert!(verify_inclusion(&leaf, i, n, &proof, &flip(&root, bit)).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = which % bad.len();
            bad[k] = flip(&bad[k], bit);
            prop_assert!(verify_inclusion(&leaf, i, n, &bad, &root).is_err());
        }
        // Any other index is rejected.
        for other in [i.wrapping_sub(1), i + 1, i ^ 1, i ^ 2, (i + n / 2) % n] {
            if other != i {
                prop_assert!(verify_inclusion(&leaf, other, n, &proof, &root).is_err());
            }
        }
        // A changed size is rejected unless the path has the very same shape at that size
        // (inclusion proofs alone do not bind the size; the signed checkpoint does). Our
        // verifier must agree with the recursive reference on every one.
        for other in [n - 1, n + 1, n * 2, n / 2, n + 256] {
            let ours = verify_inclusion(&leaf, i, other, &proof, &root).is_ok();
            let reference = ref_inclusion_root(leaf, i, other, &proof) == Some(root);
            prop_assert_eq!(ours, reference, "size {} -> {}", n, other);
        }
    }

    #[test]
    fn tampered_consistency_fails(size in 2usize..2000, ix: prop::sample::Index, bit in 0usize..256, which in 0usize..64, salt: u64) {
        let (leaves, tree) = random_tree(size, salt);
        let (n, m) = (size as u64, 1 + ix.index(size - 1) as u64);
        let (r1, r2) = (root_of(&leaves[..m as usize]), root_of(&leaves));
        let proof = consistency_proof(&tree, m, n).unwrap();
        prop_assert!(verify_consistency(m, n, &flip(&r1, bit), &r2, &proof).is_err());
        prop_assert!(verify_consistency(m, n, &r1, &flip(&r2, bit), &proof).is_err());
        let mut bad = proof.clone();
        let k = which % bad.len();
        bad[k] = flip(&bad[k], bit);
        prop_assert!(verify_consistency(m, n, &r1, &r2, &bad).is_err());
        for (m2, n2) in [(m - 1, n), (m + 1, n), (m, n - 1), (m, n + 1), (m ^ 2, n), (m, n * 2), (m / 2, n)] {
            let ours = verify_consistency(m2, n2, &r1, &r2, &proof).is_ok();
            let reference = ref_verify_consistency(m2, n2, &r1, &r2, &proof);
            prop_assert_eq!(ours, reference, "{}->{} vs {}->{}", m, n, m2, n2);
        }
    }

    #[test]
    fn incremental_equals_from_leaves(size in 0usize..3000, salt: u64) {
        let (leaves, built) = random_tree(size, salt);
        let mut grown = MemoryTree::new();
        for (i, leaf) in leaves.iter().enumerate() {
            grown.push(*leaf);
            prop_assert_eq!(grown.size(), i as u64 + 1);
        }
        prop_assert_eq!(&grown, &built);
        prop_assert_eq!(grown.root(), root_of(&leaves));
        for s in [0, size / 3, size / 2, size] {
            prop_assert_eq!(grown.root_at(s as u64).unwrap(), root_of(&leaves[..s]));
        }
    }

    #[test]
    fn garbage_proofs_never_panic(index: u64, size: u64, old: u64, proof in prop::collection::vec(any::<[u8; 32]>(), 0..80), a: [u8; 32], b: [u8; 32]) {
        let _ = verify_inclusion(&a, index, size, &proof, &b);
        let _ = verify_inclusion(&a, index % size.max(1), size, &proof, &b);
        let _ = verify_consistency(old, size, &a, &b, &proof);
        let _ = verify_consistency(old % size.max(1), size, &a, &b, &proof);
        // Random hashes never make a valid proof.
        prop_assert!(verify_inclusion(&a, index % size.max(1), size, &proof, &b).is_err());
        prop_assert!(verify_consistency(old % size.max(1), size, &a, &b, &proof).is_err());
    }
}
