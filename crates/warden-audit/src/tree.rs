//! The whole Merkle tree in memory, level by level.
//!
//! Level 0 holds the leaf hashes; level `l + 1` holds the hash of every pair of adjacent
//! complete level-`l` subtrees, as soon as the pair is complete. Appending a leaf therefore
//! costs one leaf push plus, on average, one node hash (amortised O(1)); the roots of the
//! current and of every earlier tree size, and every proof, are then `O(log n)` lookups.
//! Memory is about two hashes (64 bytes) per leaf.

use crate::hash::{Hash, node_hash};
use crate::proof::{HashSource, ProofError, root_from_source};

/// An append-only RFC 9162 Merkle tree held entirely in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of the complete subtree covering leaves
    /// `[i << l, (i + 1) << l)`; `levels[0]` are the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree of the given leaf hashes, in order.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let leaves: Vec<Hash> = leaves.into_iter().collect();
        if leaves.is_empty() {
            return Self::new();
        }
        let mut levels = Vec::new();
        let mut current = leaves;
        loop {
            let next: Vec<Hash> = current
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            let done = next.is_empty();
            levels.push(current);
            if done {
                break;
            }
            current = next;
        }
        Self { levels }
    }

    /// Append one leaf hash, completing every subtree it closes.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if row.len() % 2 == 1 {
                return;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The Merkle Tree Hash of all leaves (`empty_root()` when the tree is empty).
    pub fn root(&self) -> Hash {
        // Every complete subtree of the current size is present, so this cannot fail.
        root_from_source(self, self.size()).unwrap_or_else(|_| crate::hash::empty_root())
    }

    /// The root of the tree of the first `size` leaves (an earlier version of this tree).
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size() {
            return Err(ProofError::SizeOutOfRange {
                requested: size,
                available: self.size(),
            });
        }
        root_from_source(self, size)
    }

    /// The hash of leaf `index`, if the tree has that many leaves.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        let index = usize::try_from(index).ok()?;
        self.levels.first()?.get(index).copied()
    }

    /// All complete-subtree hashes at `level`, left to right (empty above the top level).
    pub(crate) fn level(&self, level: usize) -> &[Hash] {
        self.levels.get(level).map_or(&[], Vec::as_slice)
    }
}

impl HashSource for MemoryTree {
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels.get(usize::from(level))?.get(i))
            .copied()
            .ok_or(ProofError::Missing { level, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{empty_root, leaf_hash, root_of};

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn empty_tree() {
        let t = MemoryTree::new();
        assert_eq!(t.size(), 0);
        assert_eq!(t.root(), empty_root());
        assert_eq!(t.root_at(0).unwrap(), empty_root());
        assert!(t.root_at(1).is_err());
        assert_eq!(t.leaf(0), None);
        assert!(t.subtree(0, 0).is_err());
        assert_eq!(MemoryTree::from_leaves([]), t);
    }

    #[test]
    fn push_matches_from_leaves_and_reference() {
        let all = leaves(70);
        let mut t = MemoryTree::new();
        for (i, leaf) in all.iter().enumerate() {
            t.push(*leaf);
            assert_eq!(t, MemoryTree::from_leaves(all[..=i].iter().copied()));
            assert_eq!(t.root(), root_of(&all[..=i]));
        }
        for size in 0..=70u64 {
            assert_eq!(t.root_at(size).unwrap(), root_of(&all[..size as usize]));
        }
        assert_eq!(t.leaf(69), Some(all[69]));
        assert_eq!(t.leaf(70), None);
        assert_eq!(t.leaf(u64::MAX), None);
        assert!(t.subtree(63, u64::MAX).is_err());
        assert_eq!(t.level(200), &[] as &[Hash]);
    }
}
