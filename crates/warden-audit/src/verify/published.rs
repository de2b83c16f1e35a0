//! The published tree — hash tiles and entry bundles under `audit/tlog/` — as a verifier
//! reads it: compared file by file with the tree recomputed from the entries, and used, once
//! authenticated by a signed checkpoint, to find where the entries diverge from what was
//! published.
//!
//! Nothing read from a tile is trusted by itself. A tile hash counts as published only when
//! it hashes, with its siblings, up to the root of a checkpoint whose signature verified: the
//! descent in [`first_divergence`] authenticates each pair of children against their
//! (already authenticated) parent before following one of them, and
//! [`authenticated_leaves`] checks an inclusion proof for every leaf it returns.

use std::fs;
use std::io::{self, ErrorKind};
use std::path::Path;

use crate::hash::{Hash, empty_root, largest_power_of_two_below, node_hash};
use crate::proof::{self, HashSource, ProofError};
use crate::tiles::{TILE_HEIGHT, TILE_WIDTH, TileReader, entries_path, tile_path};
use crate::tree::MemoryTree;

/// Where the published tree first differs from the entries (or a published file is
/// missing or malformed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// The first entry concerned.
    pub index: u64,
    /// The file, relative to the data directory.
    pub file: String,
    /// What is wrong.
    pub what: String,
}

fn partial(width: u64) -> Option<u64> {
    (width < TILE_WIDTH).then_some(width)
}

fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads a tile or bundle of `width` items: the partial file `rel` if `width` < 256, else the
/// full one; a missing partial file falls back (as the spec allows) to the full file that
/// superseded it. Returns the path actually read (relative to the tlog root) and its bytes,
/// or `None` when neither exists.
fn read_resource(tlog: &Path, rel: String, full: String) -> io::Result<Option<(String, Vec<u8>)>> {
    if let Some(b) = read_optional(&tlog.join(&rel))? {
        return Ok(Some((rel, b)));
    }
    if rel != full
        && let Some(b) = read_optional(&tlog.join(&full))?
    {
        return Ok(Some((full, b)));
    }
    Ok(None)
}

/// Compares every hash tile of the tree of `size` leaves published under `tlog` with the
/// recomputed `tree`, over the leaves both cover. `prefix` is the tlog root's path relative
/// to the data directory (for the names in the result). Returns the mismatch with the
/// smallest first entry, if any.
pub(crate) fn compare_tiles(
    tlog: &Path,
    prefix: &str,
    size: u64,
    tree: &MemoryTree,
) -> io::Result<Option<Mismatch>> {
    let covered = size.min(tree.size());
    let mut best: Option<Mismatch> = None;
    for tile_level in 0..=(63 / TILE_HEIGHT) {
        let shift = tile_level * TILE_HEIGHT;
        let count = size >> shift;
        if count == 0 {
            break;
        }
        let have = covered >> shift;
        for t in 0..count.div_ceil(TILE_WIDTH) {
            let first = t * TILE_WIDTH;
            let leaf_index = first << shift;
            if best.as_ref().is_some_and(|b| b.index <= leaf_index) {
                break;
            }
            let width = (count - first).min(TILE_WIDTH);
            let level = u64::from(tile_level);
            let rel = tile_path(level, t, partial(width));
            let full = tile_path(level, t, None);
            let file = |r: &str| format!("{prefix}/{r}");
            let found = match read_resource(tlog, rel.clone(), full)? {
                None => Some(Mismatch {
                    index: leaf_index,
                    file: file(&rel),
                    what: "the tile is missing".into(),
                }),
                Some((read, bytes)) => {
                    let want = width as usize * 32;
                    let full_len = TILE_WIDTH as usize * 32;
                    if bytes.len() != want && !(bytes.len() == full_len && want < full_len) {
                        Some(Mismatch {
                            index: leaf_index,
                            file: file(&read),
                            what: format!(
                                "the tile is {} bytes, expected {want} ({width} hashes)",
                                bytes.len()
                            ),
                        })
                    } else {
                        let level_u8 = shift as u8;
                        (0..width)
                            .take_while(|j| first + j < have)
                            .find(|&j| {
                                let j = j as usize;
                                let got = &bytes[j * 32..j * 32 + 32];
                                tree.subtree(level_u8, first + j as u64)
                                    .map_or(true, |h| h.as_slice() != got)
                            })
                            .map(|j| Mismatch {
                                index: (first + j) << shift,
                                file: file(&read),
                                what: if shift == 0 {
                                    format!(
                                        "hash {j} of the tile is not the leaf hash of entry {}",
                                        first + j
                                    )
                                } else {
                                    format!(
                                        "hash {j} of the tile is not the hash of entries {}..{}",
                                        (first + j) << shift,
                                        (first + j + 1) << shift
                                    )
                                },
                            })
                    }
                }
            };
            if let Some(m) = found
                && best.as_ref().is_none_or(|b| m.index < b.index)
            {
                best = Some(m);
            }
        }
    }
    Ok(best)
}

/// Checks the partial tiles and the partial entry bundle that were published for an earlier
/// checkpoint of `size` leaves (kept so that checkpoint stays servable) against `tree`. A
/// partial file that is gone is fine: clients fall back to the full file that superseded it,
/// which [`compare_tiles`] checks at the newest size.
pub(crate) fn check_partials(
    tlog: &Path,
    prefix: &str,
    size: u64,
    tree: &MemoryTree,
) -> io::Result<Option<Mismatch>> {
    let file = |r: &str| format!("{prefix}/{r}");
    let width = size % TILE_WIDTH;
    if width != 0 {
        let t = size / TILE_WIDTH;
        let rel = entries_path(t, Some(width));
        if let Some(bytes) = read_optional(&tlog.join(&rel))? {
            let entries = crate::tiles::decode_bundle(&bytes).unwrap_or_default();
            let first = t * TILE_WIDTH;
            let bad = if entries.len() as u64 != width {
                Some((first, format!("the bundle does not hold {width} entries")))
            } else {
                (0..width)
                    .find(|&j| {
                        tree.leaf(first + j) != Some(crate::hash::leaf_hash(&entries[j as usize]))
                    })
                    .map(|j| {
                        (
                            first + j,
                            format!(
                                "entry {j} of the bundle is not entry {} of the log",
                                first + j
                            ),
                        )
                    })
            };
            if let Some((index, what)) = bad {
                return Ok(Some(Mismatch {
                    index,
                    file: file(&rel),
                    what,
                }));
            }
        }
    }
    for tile_level in 0..=(63 / TILE_HEIGHT) {
        let shift = tile_level * TILE_HEIGHT;
        let count = size >> shift;
        if count == 0 {
            break;
        }
        let width = count % TILE_WIDTH;
        if width == 0 {
            continue;
        }
        let t = count / TILE_WIDTH;
        let rel = tile_path(u64::from(tile_level), t, Some(width));
        let Some(bytes) = read_optional(&tlog.join(&rel))? else {
            continue;
        };
        let first = t * TILE_WIDTH;
        let bad = if bytes.len() as u64 != width * 32 {
            Some((
                first,
                format!("the tile is {} bytes, expected {}", bytes.len(), width * 32),
            ))
        } else {
            (0..width)
                .find(|&j| {
                    let got = &bytes[j as usize * 32..j as usize * 32 + 32];
                    tree.subtree(shift as u8, first + j)
                        .map_or(true, |h| h.as_slice() != got)
                })
                .map(|j| {
                    (
                        first + j,
                        format!("hash {j} of the tile does not match the log"),
                    )
                })
        };
        if let Some((index, what)) = bad {
            return Ok(Some(Mismatch {
                index: index << shift,
                file: file(&rel),
                what,
            }));
        }
    }
    Ok(None)
}

/// Compares the entry bundles of the tree of `size` leaves with the entries, fed in order
/// while the WAL is streamed. Stops at the first mismatch.
pub(crate) struct BundleCheck<'a> {
    tlog: &'a Path,
    prefix: &'a str,
    size: u64,
    current: Option<Bundle>,
    /// The first mismatch found.
    pub mismatch: Option<Mismatch>,
}

struct Bundle {
    n: u64,
    rel: String,
    bytes: Vec<u8>,
    pos: usize,
    /// Entries this bundle holds at the checked size.
    width: u64,
    /// Read from the full bundle in place of the partial one: extra entries are allowed.
    fell_back: bool,
}

impl<'a> BundleCheck<'a> {
    /// A check of the bundles of the tree of `size` leaves published under `tlog`.
    pub fn new(tlog: &'a Path, prefix: &'a str, size: u64) -> Self {
        Self {
            tlog,
            prefix,
            size,
            current: None,
            mismatch: None,
        }
    }

    fn fail(&mut self, index: u64, rel: &str, what: String) {
        self.mismatch = Some(Mismatch {
            index,
            file: format!("{}/{rel}", self.prefix),
            what,
        });
        self.current = None;
    }

    /// Checks that entry `index` is the next entry of its bundle.
    pub fn feed(&mut self, index: u64, entry: &[u8]) -> io::Result<()> {
        if self.mismatch.is_some() || index >= self.size {
            return Ok(());
        }
        let n = index / TILE_WIDTH;
        if self.current.as_ref().is_none_or(|b| b.n != n) {
            self.finish_current();
            if self.mismatch.is_some() {
                return Ok(());
            }
            let width = (self.size - n * TILE_WIDTH).min(TILE_WIDTH);
            let rel = entries_path(n, partial(width));
            match read_resource(self.tlog, rel.clone(), entries_path(n, None))? {
                None => {
                    self.fail(index, &rel, "the entry bundle is missing".into());
                    return Ok(());
                }
                Some((read, bytes)) => {
                    let fell_back = read != rel;
                    self.current = Some(Bundle {
                        n,
                        rel: read,
                        bytes,
                        pos: 0,
                        width,
                        fell_back,
                    });
                }
            }
        }
        let Some(b) = self.current.as_mut() else {
            return Ok(());
        };
        let pos = b.pos;
        let len = entry.len();
        let ok = u16::try_from(len).is_ok_and(|l| {
            b.bytes.get(pos..pos + 2) == Some(&l.to_be_bytes()[..])
                && b.bytes.get(pos + 2..pos + 2 + len) == Some(entry)
        });
        if ok {
            b.pos = pos + 2 + len;
            return Ok(());
        }
        let rel = b.rel.clone();
        let j = index % TILE_WIDTH;
        self.fail(
            index,
            &rel,
            format!("entry {j} of the bundle is not entry {index} of entries.wal"),
        );
        Ok(())
    }

    fn finish_current(&mut self) {
        if let Some(b) = self.current.take()
            && b.pos != b.bytes.len()
            && !b.fell_back
        {
            let index = b.n * TILE_WIDTH + b.width;
            let rel = b.rel.clone();
            self.fail(
                index.saturating_sub(1),
                &rel,
                format!(
                    "the bundle holds {} bytes after its {} entries",
                    b.bytes.len() - b.pos,
                    b.width
                ),
            );
        }
    }

    /// Checks the end of the last bundle; returns the first mismatch.
    pub fn finish(mut self) -> Option<Mismatch> {
        self.finish_current();
        self.mismatch
    }
}

/// `MTH(D[start..end])` for a range that is a node of the RFC 9162 tree (the proof module's
/// own fold of complete subtrees).
pub(crate) use crate::proof::range_root as range_hash;

/// Where the entries first differ from a published tree authenticated by a signed root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Divergence {
    /// The first `size` entries are exactly the published ones.
    None,
    /// Entry `index` is the first that differs; `index == tree.size()` when every entry
    /// matches but the tree is shorter than the published one.
    At(u64),
    /// The published hashes under entries `start..end` do not hash to their authenticated
    /// parent (the tiles are missing or were altered too), so the search stopped there.
    Unknown {
        /// First entry of the unauthenticated range.
        start: u64,
        /// End of the range.
        end: u64,
        /// Why.
        reason: String,
    },
}

/// Finds the first entry where `tree` differs from the published tree of `size` leaves whose
/// signed root is `root`, reading `published` (normally a [`TileReader`]) along one path from
/// the root down: `O(log² size)` hash lookups.
pub(crate) fn first_divergence(
    published: &impl HashSource,
    size: u64,
    root: &Hash,
    tree: &MemoryTree,
) -> Divergence {
    let n = tree.size();
    if size <= n && tree.root_at(size).is_ok_and(|r| &r == root) {
        return Divergence::None;
    }
    let (mut start, mut end, mut hash) = (0u64, size, *root);
    loop {
        // Invariant: `hash` is the authenticated MTH of published[start..end], and the tree
        // differs from it somewhere in start..end or lacks some of those entries.
        if start >= n || end - start == 1 {
            return Divergence::At(start);
        }
        let k = largest_power_of_two_below(end - start);
        let mid = start + k;
        let unknown = |reason: String| Divergence::Unknown { start, end, reason };
        let (left, right) = match (
            range_hash(published, start, mid),
            range_hash(published, mid, end),
        ) {
            (Ok(l), Ok(r)) => (l, r),
            (Err(e), _) | (_, Err(e)) => return unknown(e.to_string()),
        };
        if node_hash(&left, &right) != hash {
            return unknown(format!(
                "the published hashes of entries {start}..{end} do not hash to the signed tree"
            ));
        }
        let left_matches = mid <= n && range_hash(tree, start, mid).is_ok_and(|h| h == left);
        if left_matches {
            (start, hash) = (mid, right);
        } else {
            (end, hash) = (mid, left);
        }
    }
}

/// The published leaf hashes `from..to` of the tree of `size` leaves with signed root
/// `root`, each authenticated by an inclusion proof built from the same tiles. Stops at the
/// first leaf that cannot be read or authenticated.
pub(crate) fn authenticated_leaves(
    reader: &TileReader,
    size: u64,
    root: &Hash,
    from: u64,
    to: u64,
) -> Vec<Hash> {
    let mut out = Vec::new();
    for i in from..to.min(size) {
        let ok = reader.subtree(0, i).and_then(|leaf| {
            let path = proof::inclusion_proof(reader, i, size)?;
            proof::verify_inclusion(&leaf, i, size, &path, root)?;
            Ok(leaf)
        });
        match ok {
            Ok(leaf) => out.push(leaf),
            Err(_) => break,
        }
    }
    out
}

/// Whether the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root`, judged from a consistency proof built from `src`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Consistency {
    /// Consistent.
    Yes,
    /// Not consistent: the proof reproduces the new root, and the old tree it implies has
    /// this root instead.
    No(Hash),
    /// The source cannot tell (hashes missing, or its proof does not reproduce the new root).
    Unknown,
}

pub(crate) fn consistency(
    src: &impl HashSource,
    old_size: u64,
    old_root: &Hash,
    new_size: u64,
    new_root: &Hash,
) -> Consistency {
    if old_size > new_size {
        return Consistency::Unknown;
    }
    if old_size == 0 {
        let empty = empty_root();
        return if old_root == &empty {
            Consistency::Yes
        } else {
            Consistency::No(empty)
        };
    }
    if old_size == new_size {
        return if old_root == new_root {
            Consistency::Yes
        } else {
            Consistency::No(*new_root)
        };
    }
    let Ok(path) = proof::consistency_proof(src, old_size, new_size) else {
        return Consistency::Unknown;
    };
    match proof::verify_consistency(old_size, new_size, old_root, new_root, &path) {
        Ok(()) => Consistency::Yes,
        // The old root the proof implies differs; it means something only if the same proof
        // reproduces the new root.
        Err(ProofError::OldRootMismatch { computed, .. }) => {
            match proof::verify_consistency(old_size, new_size, &computed, new_root, &path) {
                Ok(()) => Consistency::No(computed),
                Err(_) => Consistency::Unknown,
            }
        }
        Err(_) => Consistency::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn tree(leaves: &[Hash]) -> MemoryTree {
        MemoryTree::from_leaves(leaves.iter().copied())
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn range_hash_matches_the_tree() {
        let all = leaves(100);
        let t = tree(&all);
        assert_eq!(range_hash(&t, 0, 100).unwrap(), t.root());
        assert_eq!(range_hash(&t, 64, 100).unwrap(), tree(&all[64..]).root());
        assert_eq!(range_hash(&t, 96, 100).unwrap(), tree(&all[96..]).root());
    }

    #[test]
    fn descent_finds_the_first_difference() {
        let published = leaves(1000);
        let pt = tree(&published);
        let root = pt.root();
        assert_eq!(first_divergence(&pt, 1000, &root, &pt), Divergence::None);
        for (what, d) in [(0usize, 0u64), (517, 517), (999, 999)] {
            let mut mine = published.clone();
            mine[what] = [9u8; 32];
            assert_eq!(
                first_divergence(&pt, 1000, &root, &tree(&mine)),
                Divergence::At(d)
            );
        }
        // Shorter: every entry matches up to the end.
        assert_eq!(
            first_divergence(&pt, 1000, &root, &tree(&published[..700])),
            Divergence::At(700)
        );
        assert_eq!(
            first_divergence(&pt, 1000, &root, &MemoryTree::new()),
            Divergence::At(0)
        );
        // Longer but with a change inside the published range.
        let mut longer = published.clone();
        longer.insert(300, [1u8; 32]);
        assert_eq!(
            first_divergence(&pt, 1000, &root, &tree(&longer)),
            Divergence::At(300)
        );
        // A published source that does not match the signed root.
        let other = tree(&leaves(999));
        assert!(matches!(
            first_divergence(&other, 1000, &root, &tree(&longer)),
            Divergence::Unknown { start: 0, .. }
        ));
    }

    #[test]
    fn consistency_from_a_source() {
        let all = leaves(300);
        let t = tree(&all);
        let r = |n: u64| t.root_at(n).unwrap();
        assert_eq!(
            consistency(&t, 100, &r(100), 300, &r(300)),
            Consistency::Yes
        );
        assert_eq!(
            consistency(&t, 100, &[3u8; 32], 300, &r(300)),
            Consistency::No(r(100))
        );
        assert_eq!(
            consistency(&t, 100, &r(100), 300, &[3u8; 32]),
            Consistency::Unknown
        );
        assert_eq!(
            consistency(&t, 0, &empty_root(), 300, &r(300)),
            Consistency::Yes
        );
        assert_eq!(
            consistency(&t, 300, &r(300), 300, &r(300)),
            Consistency::Yes
        );
    }
}
