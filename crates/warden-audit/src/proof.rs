//! RFC 9162 §2.1.3–2.1.4: inclusion and consistency proofs, generated from any source of
//! complete-subtree hashes and verified from nothing but hashes and sizes.
//!
//! Generation works on the node structure directly: every hash a proof needs is either a
//! complete subtree (one [`HashSource::subtree`] lookup) or the single "ragged" right-edge
//! subtree `MTH(D[start..size])`, folded from at most 64 complete subtrees. A proof therefore
//! costs `O(log n)` lookups whatever the tree size. Verification follows the RFC's iterative
//! algorithms, after checking the proof has exactly the length the sizes call for, so a
//! wrong-length proof is named as such rather than as a root mismatch.

use std::path::PathBuf;

use crate::hash::{Hash, empty_root, node_hash};

/// Why a proof could not be produced or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// A leaf index (or a subtree) lies outside the tree of the given size.
    #[error("index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size it was checked against.
        size: u64,
    },
    /// A tree size larger than the tree that is available was requested.
    #[error("tree size {requested} requested, but only {available} leaves are available")]
    SizeOutOfRange {
        /// The requested tree size.
        requested: u64,
        /// The number of leaves actually available.
        available: u64,
    },
    /// A consistency proof was asked for from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesReversed {
        /// The claimed old (earlier) size.
        old_size: u64,
        /// The claimed new (later) size.
        new_size: u64,
    },
    /// The proof has more or fewer hashes than the index and sizes call for.
    #[error("proof has {got} hashes, but {expected} are required")]
    WrongProofLength {
        /// The number of hashes the sizes require.
        expected: usize,
        /// The number of hashes supplied.
        got: usize,
    },
    /// The root recomputed from the proof is not the expected (new) root.
    #[error(
        "computed root {} does not match expected root {}",
        hex::encode(computed),
        hex::encode(expected)
    )]
    RootMismatch {
        /// The root recomputed from leaf/old root and proof.
        computed: Hash,
        /// The root the caller expected.
        expected: Hash,
    },
    /// In a consistency proof, the recomputed old root is not the expected old root.
    #[error(
        "computed old root {} does not match expected old root {}",
        hex::encode(computed),
        hex::encode(expected)
    )]
    OldRootMismatch {
        /// The old root recomputed from the proof.
        computed: Hash,
        /// The old root the caller expected.
        expected: Hash,
    },
    /// A hash the computation needs is not available from the source.
    #[error("no hash available for the subtree at level {level}, index {index}")]
    Missing {
        /// Level of the subtree (0 = leaf).
        level: u8,
        /// Index of the subtree within its level.
        index: u64,
    },
    /// Reading hashes from storage failed.
    #[error("reading {}: {source}", path.display())]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Stored hash data is malformed (e.g. a tile of the wrong length).
    #[error("malformed hash data: {0}")]
    Malformed(String),
}

/// Anything that can supply the hashes of complete subtrees: an in-memory tree, a tile
/// directory, a database.
pub trait HashSource {
    /// The hash of the complete subtree at `level` covering leaves
    /// `[index << level, (index + 1) << level)`; level 0 is the leaf hashes themselves.
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError>;
}

/// `MTH(D[start..end])` for a range that is a node of the RFC tree: `start` is aligned to
/// the largest power of two not above `end - start` (true of every range the proof
/// algorithms ask for). Folds the complete subtrees given by the binary digits of the
/// length, right to left.
pub(crate) fn range_root(src: &impl HashSource, start: u64, end: u64) -> Result<Hash, ProofError> {
    let len = end.saturating_sub(start);
    if len == 0 {
        return Ok(empty_root());
    }
    let mut parts: [Hash; 64] = [[0u8; 32]; 64];
    let mut n = 0;
    let mut pos = start;
    for level in (0..64u8).rev() {
        if len & (1u64 << level) != 0 {
            parts[n] = src.subtree(level, pos >> level)?;
            n += 1;
            pos += 1u64 << level;
        }
    }
    let mut acc = parts[n - 1];
    for part in parts[..n - 1].iter().rev() {
        acc = node_hash(part, &acc);
    }
    Ok(acc)
}

/// The hash ranges (as `[start, end)` leaf ranges) of the audit path of node `node` at
/// level `base` in a tree of `size` leaves, bottom-up. With `base = 0` this is the RFC 9162
/// inclusion proof of leaf `node`; with a higher base it is the tail of a consistency proof.
fn path_ranges(node: u64, base: u32, size: u64) -> Vec<(u64, u64)> {
    let last = (size - 1) >> base;
    let inner = 64 - (node ^ last).leading_zeros();
    let mut out = Vec::with_capacity(64);
    for i in 0..inner {
        let sib = (node >> i) ^ 1;
        let start = sib << (i + base);
        // Only the topmost of these can reach past the end of the tree (the ragged node).
        let end = ((sib as u128 + 1) << (i + base)).min(size as u128) as u64;
        out.push((start, end));
    }
    for i in inner..64 - base {
        if (node >> i) & 1 == 1 {
            let sib = (node >> i) ^ 1;
            out.push((sib << (i + base), (sib + 1) << (i + base)));
        }
    }
    out
}

/// Number of hashes in the audit path of node `node` at level `base` (see [`path_ranges`]).
fn path_len(node: u64, base: u32, size: u64) -> usize {
    let last = (size - 1) >> base;
    let inner = 64 - (node ^ last).leading_zeros();
    let border = node.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// The inclusion proof (RFC 9162 §2.1.3.1) of leaf `index` in the tree of the first `size`
/// leaves, leaf-side hash first.
pub fn inclusion_proof(
    src: &impl HashSource,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    path_ranges(index, 0, size)
        .into_iter()
        .map(|(start, end)| range_root(src, start, end))
        .collect()
}

/// The consistency proof (RFC 9162 §2.1.4.1) between the trees of the first `old_size` and
/// `new_size` leaves. Empty when `old_size` is 0 or equal to `new_size`.
pub fn consistency_proof(
    src: &impl HashSource,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesReversed { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    // The old tree's rightmost complete subtree, node (base, node), is a node of both trees;
    // the proof is that node (unless it is the whole old tree) plus its audit path.
    let base = old_size.trailing_zeros();
    let node = (old_size - 1) >> base;
    let mut out = Vec::with_capacity(65);
    if node != 0 {
        out.push(src.subtree(base as u8, node)?);
    }
    for (start, end) in path_ranges(node, base, new_size) {
        out.push(range_root(src, start, end)?);
    }
    Ok(out)
}

/// The root of the tree of the first `size` leaves, from complete-subtree hashes
/// (`empty_root()` for size 0).
pub fn root_from_source(src: &impl HashSource, size: u64) -> Result<Hash, ProofError> {
    range_root(src, 0, size)
}

/// Verify that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves whose root is
/// `root`, using the RFC 9162 §2.1.3.2 algorithm.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = path_len(index, 0, size);
    let wrong_len = || ProofError::WrongProofLength {
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_len());
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        // Cannot trigger given the length check; kept as the RFC's guard.
        if snode == 0 {
            return Err(wrong_len());
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_len());
    }
    if &r != root {
        return Err(ProofError::RootMismatch {
            computed: r,
            expected: *root,
        });
    }
    Ok(())
}

/// Verify that the tree of `new_size` leaves with root `new_root` extends the tree of
/// `old_size` leaves with root `old_root`, using the RFC 9162 §2.1.4.2 algorithm.
///
/// Stricter than the RFC at the edges: a tree of size 0 must have root `empty_root()`, and
/// equal sizes require equal roots and an empty proof.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesReversed { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if old_size == 0 {
            let empty = empty_root();
            if old_root != &empty {
                return Err(ProofError::OldRootMismatch {
                    computed: empty,
                    expected: *old_root,
                });
            }
            if new_size == 0 && new_root != &empty {
                return Err(ProofError::RootMismatch {
                    computed: empty,
                    expected: *new_root,
                });
            }
        } else if new_root != old_root {
            return Err(ProofError::RootMismatch {
                computed: *old_root,
                expected: *new_root,
            });
        }
        return Ok(());
    }

    let base = old_size.trailing_zeros();
    let node = (old_size - 1) >> base;
    let expected = usize::from(node != 0) + path_len(node, base, new_size);
    let wrong_len = || ProofError::WrongProofLength {
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_len());
    }
    // When the old tree is a complete subtree, its root is the first node of the path.
    let (first, rest) = if node == 0 {
        (old_root, proof)
    } else {
        (&proof[0], &proof[1..])
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return Err(wrong_len());
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_len());
    }
    if &fr != old_root {
        return Err(ProofError::OldRootMismatch {
            computed: fr,
            expected: *old_root,
        });
    }
    if &sr != new_root {
        return Err(ProofError::RootMismatch {
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_lengths_match_ranges() {
        for size in 1..300u64 {
            for index in 0..size {
                assert_eq!(path_len(index, 0, size), path_ranges(index, 0, size).len());
            }
        }
    }

    #[test]
    fn extreme_sizes_do_not_overflow() {
        let leaf = [7u8; 32];
        for (index, size) in [(0, u64::MAX), (u64::MAX - 1, u64::MAX), (1 << 63, u64::MAX)] {
            let n = path_len(index, 0, size);
            assert!(n <= 64);
            assert_eq!(path_ranges(index, 0, size).len(), n);
            let proof = vec![[1u8; 32]; n];
            assert!(matches!(
                verify_inclusion(&leaf, index, size, &proof, &leaf),
                Err(ProofError::RootMismatch { .. })
            ));
        }
        let proof = vec![[1u8; 32]; 200];
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &leaf, &leaf, &proof).is_err());
        assert!(verify_consistency(1 << 63, u64::MAX, &leaf, &leaf, &proof[..1]).is_err());
    }
}
