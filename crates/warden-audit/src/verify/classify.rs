//! Naming what happened at the first divergence: the leaf hashes of the entries as they are
//! now are compared with the published (signed) ones around the first index where they
//! differ, under each edit that could explain it — one entry or a block replaced, entries
//! deleted, entries inserted, a block reordered — and the edit that lines the two sequences
//! up again for the longest stretch wins.

use crate::hash::Hash;

/// How far past the divergence edits are looked for (and how long a stretch is compared
/// after one to confirm it).
pub(crate) const WINDOW: usize = 256;

/// The edit that best explains a divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edit {
    /// `count` entries replaced by as many different ones.
    Modified { count: u64 },
    /// `count` published entries are missing.
    Deleted { count: u64 },
    /// `count` entries were added that were never published there.
    Inserted { count: u64 },
    /// The `count` entries from the divergence hold the published ones in another order.
    Reordered { count: u64 },
}

/// The number of positions from which `a[i..]` and `b[j..]` agree (at most [`WINDOW`]).
fn run(a: &[Hash], i: usize, b: &[Hash], j: usize) -> usize {
    let (Some(a), Some(b)) = (a.get(i..), b.get(j..)) else {
        return 0;
    };
    a.iter()
        .zip(b)
        .take(WINDOW)
        .take_while(|(x, y)| x == y)
        .count()
}

fn same_multiset(a: &[Hash], b: &[Hash]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// Classifies the divergence at the start of `current` (the leaf hashes of the entries from
/// the first divergent index on) and `published` (the authenticated published leaf hashes
/// from the same index). Both should hold up to `2 * WINDOW` hashes where available; the
/// first hashes differ (or one side is empty).
pub(crate) fn classify(current: &[Hash], published: &[Hash]) -> Edit {
    // (score, edit size, edit): the highest score wins, then the smallest edit.
    let mut best = (0usize, 1u64, Edit::Modified { count: 1 });
    fn consider(best: &mut (usize, u64, Edit), score: usize, edit: Edit) {
        let size = match edit {
            Edit::Modified { count }
            | Edit::Deleted { count }
            | Edit::Inserted { count }
            | Edit::Reordered { count } => count,
        };
        if score > best.0 || (score == best.0 && size < best.1) {
            *best = (score, size, edit);
        }
    }
    for m in 1..=WINDOW {
        let count = m as u64;
        // Deleted: the current entries continue with published[m..].
        if m <= published.len() {
            consider(
                &mut best,
                run(current, 0, published, m),
                Edit::Deleted { count },
            );
        }
        // Inserted: after m new entries, the current ones continue with the published ones.
        if m <= current.len() {
            consider(
                &mut best,
                run(current, m, published, 0),
                Edit::Inserted { count },
            );
        }
        if m <= current.len() && m <= published.len() {
            let after = run(current, m, published, m);
            // Reordered: the same m entries in another order, then agreement again.
            // Scores are clipped to WINDOW so a larger block gains nothing from its size
            // alone; ties go to the smaller edit.
            let reordered = (after + m).min(WINDOW);
            if m >= 2
                && reordered > best.0
                && same_multiset(&current[..m], &published[..m])
                && current[..m] != published[..m]
            {
                consider(&mut best, reordered, Edit::Reordered { count });
            }
            // Modified: m entries replaced, then agreement again.
            consider(&mut best, after, Edit::Modified { count });
        }
    }
    best.2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(range: std::ops::Range<u8>) -> Vec<Hash> {
        range.map(|i| [i; 32]).collect()
    }

    #[test]
    fn edits() {
        let p = seq(10..40);
        let mut c = p.clone();
        c[0] = [0; 32];
        assert_eq!(classify(&c, &p), Edit::Modified { count: 1 });
        c[1] = [1; 32];
        assert_eq!(classify(&c, &p), Edit::Modified { count: 2 });

        let c = p[1..].to_vec();
        assert_eq!(classify(&c, &p), Edit::Deleted { count: 1 });
        let c = p[3..].to_vec();
        assert_eq!(classify(&c, &p), Edit::Deleted { count: 3 });

        let mut c = p.clone();
        c.insert(0, [0; 32]);
        assert_eq!(classify(&c, &p), Edit::Inserted { count: 1 });

        let mut c = p.clone();
        c.swap(0, 1);
        assert_eq!(classify(&c, &p), Edit::Reordered { count: 2 });
        let mut c = p.clone();
        c.swap(0, 7);
        assert_eq!(classify(&c, &p), Edit::Reordered { count: 8 });
    }

    #[test]
    fn edits_at_the_end() {
        // The last entry modified; nothing follows on either side.
        assert_eq!(
            classify(&[[0; 32]], &[[1; 32]]),
            Edit::Modified { count: 1 }
        );
        // The second-to-last published entry deleted.
        assert_eq!(
            classify(&[[2; 32]], &[[1; 32], [2; 32]]),
            Edit::Deleted { count: 1 }
        );
        // An entry inserted before the last.
        assert_eq!(
            classify(&[[0; 32], [1; 32]], &[[1; 32]]),
            Edit::Inserted { count: 1 }
        );
        // The last two swapped.
        assert_eq!(
            classify(&[[2; 32], [1; 32]], &[[1; 32], [2; 32]]),
            Edit::Reordered { count: 2 }
        );
        // Extra unpublished entries after a modification do not matter.
        assert_eq!(
            classify(&[[0; 32], [2; 32], [7; 32]], &[[1; 32], [2; 32]]),
            Edit::Modified { count: 1 }
        );
    }
}
