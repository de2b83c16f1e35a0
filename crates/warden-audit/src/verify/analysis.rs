//! What the entries' divergence from the signed checkpoints means: an old checkpoint the
//! current log contradicts (rewritten history), the first divergent entry and the edit that
//! explains it, or a saved checkpoint the log is no longer consistent with.

use crate::hash::Hash;
use crate::store::{self, Layout};
use crate::tiles::TileReader;
use crate::tree::MemoryTree;

use super::classify::{Edit, WINDOW, classify};
use super::published::{self, Consistency, Divergence};
use super::{AUDIT, Cp, Problem, ProblemKind, SAVED_CHECKPOINT, rel_tlog};

/// The first entry where `tree` diverges from the published tree of `cp`, read from the
/// tiles at `cp`'s size.
fn divergence_from(layout: &Layout, cp: &Cp, tree: &MemoryTree) -> (TileReader, Divergence) {
    let reader = TileReader::new(&layout.tlog, cp.size);
    let d = published::first_divergence(&reader, cp.size, &cp.root, tree);
    (reader, d)
}

/// An older signed checkpoint that the current (verified) log is not consistent with.
pub(super) fn rewritten(
    layout: &Layout,
    first: &Cp,
    newest: &Cp,
    tree: &MemoryTree,
    all: usize,
) -> Problem {
    let (_, d) = divergence_from(layout, first, tree);
    let mut p = Problem::new(
        ProblemKind::RewrittenHistory,
        format!(
            "the checkpoint of size {} signed by the log's key is not consistent with the \
             entries, which do match the newest checkpoint {} (size {}): the history was \
             rewritten and re-signed{}",
            first.size,
            newest.file,
            newest.size,
            match all {
                1 => String::new(),
                n => format!(" ({n} checkpoints disagree)"),
            }
        ),
    )
    .file(first.file.clone());
    if let Ok(r) = tree.root_at(first.size) {
        p = p.hashes(&first.root, &r);
    }
    if let Divergence::At(i) = d {
        p.index = Some(i);
    }
    p
}

/// The entries do not match the newest checkpoint: find and classify the first divergence.
pub(super) fn diverged(
    layout: &Layout,
    cps: &[Cp],
    newest: &Cp,
    tree: &MemoryTree,
    wal_missing: bool,
) -> Vec<Problem> {
    let n = tree.size();
    let matches = |cp: &Cp| cp.size <= n && tree.root_at(cp.size).is_ok_and(|r| r == cp.root);
    let mut out = Vec::new();
    // The earliest checkpoint that no longer matches reveals the divergence.
    let Some(first_bad) = cps.iter().find(|c| !matches(c)) else {
        return out;
    };
    let mut candidates: Vec<&Cp> = cps.iter().filter(|c| !matches(c)).collect();
    candidates.sort_by_key(|c| std::cmp::Reverse(c.size));
    candidates.dedup_by_key(|c| c.size);
    let mut located = None;
    let mut tile_trouble: Option<(u64, u64, String, String)> = None;
    for cp in candidates {
        match divergence_from(layout, cp, tree) {
            (reader, Divergence::At(d)) => {
                located = Some((cp, reader, d));
                break;
            }
            (_, Divergence::Unknown { start, end, reason }) => {
                tile_trouble.get_or_insert((start, end, reason, cp.file.clone()));
            }
            (_, Divergence::None) => {}
        }
    }
    if let Some((start, end, reason, file)) = &tile_trouble {
        out.push(
            Problem::new(
                ProblemKind::TileMismatch,
                format!(
                    "the published tiles for entries {start}..{end} do not match the signed \
                     checkpoint {file}: {reason}"
                ),
            )
            .index(*start)
            .count(end - start)
            .file(rel_tlog()),
        );
    }
    // Older checkpoints must be consistent with the newest, whatever the entries say.
    let newest_reader = TileReader::new(&layout.tlog, newest.size);
    if let Some((cp, theirs)) = cps.iter().filter(|c| c.size < newest.size).find_map(|c| {
        match published::consistency(&newest_reader, c.size, &c.root, newest.size, &newest.root) {
            Consistency::No(r) => Some((c, r)),
            _ => None,
        }
    }) {
        out.push(
            Problem::new(
                ProblemKind::RewrittenHistory,
                format!(
                    "the checkpoint of size {} signed by the log's key is not consistent with \
                     the newest checkpoint {} (size {}): the history was rewritten and re-signed",
                    cp.size, newest.file, newest.size
                ),
            )
            .file(cp.file.clone())
            .hashes(&cp.root, &theirs),
        );
    }
    let wal = format!("{AUDIT}/{}", store::WAL_FILE);
    let truncated = |index: u64, why: &str| {
        Problem::new(
            ProblemKind::Truncated,
            format!(
                "{why}, but the signed checkpoint {} covers {} entries (the newest, {}, covers \
                 {}): entries {index}..{} were removed",
                first_bad.file, first_bad.size, newest.file, newest.size, newest.size
            ),
        )
        .index(index)
        .count(newest.size.saturating_sub(index))
        .file(first_bad.file.clone())
    };
    let holds = if wal_missing {
        format!("{wal} is missing")
    } else {
        format!("{wal} holds {n} entries")
    };
    match located {
        Some((_, _, d)) if d >= n => out.push(truncated(n, &holds)),
        Some((cp, reader, d)) => {
            let span = 2 * WINDOW as u64;
            let current: Vec<Hash> = (d..n.min(d + span)).filter_map(|i| tree.leaf(i)).collect();
            let published =
                published::authenticated_leaves(&reader, cp.size, &cp.root, d, d + span);
            let edit = classify(&current, &published);
            let (kind, count, what) = match edit {
                Edit::Modified { count: 1 } => (
                    ProblemKind::ModifiedEntry,
                    1,
                    format!(
                        "entry {d} is not the entry that was published; the entries after it still match"
                    ),
                ),
                Edit::Modified { count } => (
                    ProblemKind::ModifiedEntry,
                    count,
                    format!(
                        "entries {d}..{} are not the entries that were published; the entries \
                         after them still match",
                        d + count
                    ),
                ),
                Edit::Deleted { count } => (
                    ProblemKind::DeletedEntry,
                    count,
                    format!(
                        "{count} published entr{} from index {d} {} missing; the entries after \
                         {} shifted down by {count}",
                        if count == 1 { "y" } else { "ies" },
                        if count == 1 { "is" } else { "are" },
                        if count == 1 { "it are" } else { "them are" },
                    ),
                ),
                Edit::Inserted { count } => (
                    ProblemKind::InsertedEntry,
                    count,
                    format!(
                        "{count} entr{} that {} never published {} inserted at index {d}; the \
                         published entries follow, shifted up by {count}",
                        if count == 1 { "y" } else { "ies" },
                        if count == 1 { "was" } else { "were" },
                        if count == 1 { "was" } else { "were" },
                    ),
                ),
                Edit::Reordered { count } => (
                    ProblemKind::Reordered,
                    count,
                    format!(
                        "entries {d}..{} are the published entries in a different order",
                        d + count
                    ),
                ),
            };
            let mut p = Problem::new(
                kind,
                format!(
                    "{what} (compared with the tiles of the signed checkpoint {})",
                    cp.file
                ),
            )
            .index(d)
            .count(count)
            .file(first_bad.file.clone());
            if let (Some(e), Some(f)) = (published.first(), current.first()) {
                p = p.hashes(e, f);
            }
            out.push(p);
        }
        None => {
            // Bracket the divergence with the checkpoints that still match.
            let good = cps
                .iter()
                .filter(|c| c.size < first_bad.size && matches(c))
                .map(|c| c.size)
                .max()
                .unwrap_or(0);
            if good == n && n < first_bad.size {
                out.push(truncated(n, &holds));
            } else {
                out.push(
                    Problem::new(
                        ProblemKind::Diverged,
                        format!(
                            "the entries do not match the signed checkpoint {} (size {}; {holds}); \
                             entries 0..{good} match an earlier checkpoint, so the first divergent \
                             entry is in {good}..{}; the published tiles needed to pinpoint and \
                             classify it are missing or altered",
                            first_bad.file, first_bad.size, first_bad.size
                        ),
                    )
                    .index(good)
                    .count(first_bad.size - good)
                    .file(first_bad.file.clone()),
                );
            }
        }
    }
    out
}

/// Checks the saved checkpoint against the log; `None` when consistent.
pub(super) fn check_saved(
    layout: &Layout,
    saved: &Cp,
    newest: Option<&Cp>,
    tree: &MemoryTree,
    n: u64,
) -> Option<Problem> {
    let u = saved.size;
    let current = tree.root_at(u).ok();
    if current == Some(saved.root) {
        return None;
    }
    // The entries may have been tampered with after the saved checkpoint's history was
    // published; that is reported on its own. The saved checkpoint adds a problem only when
    // the log's signed history itself contradicts it.
    let newest_matches =
        newest.is_some_and(|c| c.size <= n && tree.root_at(c.size).is_ok_and(|r| r == c.root));
    let with_newest = match newest {
        Some(c) if u <= c.size && !newest_matches => published::consistency(
            &TileReader::new(&layout.tlog, c.size),
            u,
            &saved.root,
            c.size,
            &c.root,
        ),
        _ => Consistency::Unknown,
    };
    if with_newest == Consistency::Yes {
        return None;
    }
    let published_size = newest.map_or(0, |c| c.size);
    if u > n && u > published_size {
        return Some(
            Problem::new(
                ProblemKind::Truncated,
                format!(
                    "the saved checkpoint covers {u} entries, but the log holds {n} and its \
                     newest checkpoint covers {published_size}: the log was truncated or rolled \
                     back"
                ),
            )
            .index(n)
            .count(u - n)
            .file(SAVED_CHECKPOINT),
        );
    }
    let (_, d) = divergence_from(layout, saved, tree);
    let mut detail = format!(
        "the log is not consistent with the saved checkpoint (size {u}, root {}): ",
        hex::encode(saved.root)
    );
    match current {
        Some(r) => detail.push_str(&format!(
            "the log's first {u} entries have root {}; they were rewritten since the checkpoint \
             was saved",
            hex::encode(r)
        )),
        None => detail.push_str(&format!(
            "the log holds only {n} entries, and its signed history contradicts the saved \
             checkpoint"
        )),
    }
    let mut p = Problem::new(ProblemKind::RewrittenHistory, detail).file(SAVED_CHECKPOINT);
    if let Some(r) = current {
        p = p.hashes(&saved.root, &r);
    }
    if let Divergence::At(i) = d {
        p.index = Some(i);
    }
    Some(p)
}
