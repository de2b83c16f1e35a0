//! Offline verification of an audit log directory: [`verify_dir`].
//!
//! Verification trusts nothing in the data directory except what the log's key signed (and,
//! optionally, a checkpoint the user saved earlier). It
//!
//! 1. reads and verifies every signed checkpoint — the history `audit/checkpoints/<size>` and
//!    the latest `audit/tlog/checkpoint` — naming any signed by another key, altered,
//!    malformed, misnamed or missing;
//! 2. streams `audit/entries.wal` once, recomputing every leaf hash and the whole RFC 9162
//!    tree, checking every record's checksum, and comparing every entry with the published
//!    entry bundles as it goes;
//! 3. checks every checkpoint's root against the recomputed tree (and so their mutual
//!    consistency), and the published hash tiles against the tree;
//! 4. when the entries do not match a checkpoint, finds the first divergent entry by
//!    descending the published tiles from the signed root — authenticating each hash against
//!    its parent on the way — then compares the current and published leaf sequences around
//!    it to name what happened: a modified, deleted or inserted entry, reordered entries, or
//!    a truncated log;
//! 5. checks a saved checkpoint, if given, for consistency with the log: a log that was
//!    rewritten and re-signed with the log's own key can pass every other check, but not
//!    this one.
//!
//! The result is a [`Verdict`]: verified (with a [`Summary`]), tampered (with every
//! [`Problem`] found, each naming its kind and the first point of divergence: an entry
//! index and/or a file), or unreadable (the log or the key could not be read at all).

pub mod proof_file;
pub mod wal;

mod analysis;
mod checkpoints;
mod classify;
mod published;
mod stream;
mod verdict;

pub use verdict::{Problem, ProblemKind, Summary, Verdict};

use std::fs;
use std::io;
use std::path::Path;

use crate::hash::Hash;
use crate::keys;
use crate::note::Verifier;
use crate::store::{self, Layout};

use analysis::{check_saved, diverged, rewritten};
use checkpoints::{Loaded, list_history, load_checkpoint, load_history, open_saved};
use stream::stream_wal;

/// How a [`Problem`]'s `file` names the saved checkpoint given in [`VerifyOptions`].
pub const SAVED_CHECKPOINT: &str = "<saved checkpoint>";

/// What to verify against, beyond the data directory itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// A signed checkpoint of this log saved earlier (the note text): the log must still be
    /// consistent with it.
    pub trusted_checkpoint: Option<String>,
    /// The key checkpoints must be signed by. Default: `audit/log.vkey` in the data
    /// directory (pass the key obtained out of band to detect a replaced key file).
    pub verifier: Option<Verifier>,
}

/// Verifies the audit log under `data_dir` (its `audit/` directory). Never panics on any
/// file content; see the module documentation for what is checked.
pub fn verify_dir(data_dir: &Path, options: &VerifyOptions) -> Verdict {
    match verify_inner(data_dir, options) {
        Ok(v) => v,
        Err(reason) => Verdict::Unreadable(reason),
    }
}

/// A checkpoint whose signature by the log's key verified.
#[derive(Debug, Clone)]
struct Cp {
    /// Relative to the data directory, or [`SAVED_CHECKPOINT`].
    file: String,
    size: u64,
    root: Hash,
}

const AUDIT: &str = store::AUDIT_DIR;

fn rel_history(size: u64) -> String {
    format!(
        "{AUDIT}/{}/{}",
        store::CHECKPOINTS_DIR,
        store::checkpoint_file_name(size)
    )
}

fn rel_latest() -> String {
    format!("{AUDIT}/{}/{}", store::TLOG_DIR, store::TLOG_CHECKPOINT)
}

fn rel_tlog() -> String {
    format!("{AUDIT}/{}", store::TLOG_DIR)
}

fn io_msg(what: &str, path: &Path, e: &io::Error) -> String {
    format!("cannot read {what} {}: {e}", path.display())
}

fn verify_inner(data_dir: &Path, options: &VerifyOptions) -> Result<Verdict, String> {
    match fs::metadata(data_dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(format!("{} is not a directory", data_dir.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(format!(
                "data directory {} does not exist",
                data_dir.display()
            ));
        }
        Err(e) => return Err(io_msg("data directory", data_dir, &e)),
    }
    let layout = Layout::new(data_dir);
    if !layout.dir.is_dir() {
        return Err(format!(
            "{} holds no audit log ({} does not exist)",
            data_dir.display(),
            layout.dir.display()
        ));
    }
    let verifier = match &options.verifier {
        Some(v) => v.clone(),
        None => keys::load_verifier(&layout.dir)
            .map_err(|e| format!("cannot load the log's verifier key: {e}"))?,
    };
    let mut problems: Vec<Problem> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    let saved = match &options.trusted_checkpoint {
        None => None,
        Some(text) => match open_saved(text, &verifier)? {
            Ok(cp) => Some(cp),
            Err(p) => {
                problems.push(p);
                None
            }
        },
    };

    // The latest checkpoint first: it is written after its history file, so a checkpoint
    // published while we read cannot look as if its history file were missing.
    let latest = load_checkpoint(&layout.tlog_checkpoint(), rel_latest(), None, &verifier)?;
    let history_sizes = list_history(&layout.checkpoints)?;
    let mut history: Vec<Cp> = Vec::new();
    for loaded in load_history(&layout, &history_sizes, &verifier)? {
        match loaded {
            Loaded::Missing => {} // removed while we read: the log only adds, so ignore
            Loaded::Valid(cp, extra) => {
                problems.extend(extra);
                history.push(cp);
            }
            Loaded::Invalid(p) => problems.push(p),
        }
    }
    history.sort_by_key(|c| c.size);
    let newest_history = history.last().map(|c| c.size);
    let mut cps = history.clone();
    match latest {
        Loaded::Missing => {
            if let Some(size) = newest_history {
                notes.push(format!(
                    "{} is missing (the newest history checkpoint has size {size}): a \
                     publication was interrupted; the log rewrites it when next opened",
                    rel_latest()
                ));
            }
        }
        Loaded::Invalid(p) => problems.push(p),
        Loaded::Valid(cp, _) => {
            match history.iter().find(|h| h.size == cp.size) {
                Some(_) => {
                    if newest_history.is_some_and(|s| s > cp.size) {
                        notes.push(format!(
                            "{} is older (size {}) than the newest history checkpoint (size \
                             {}): a publication was interrupted; the log rewrites it when next \
                             opened",
                            rel_latest(),
                            cp.size,
                            newest_history.unwrap_or(0)
                        ));
                    }
                }
                None => problems.push(
                    Problem::new(
                        ProblemKind::MissingCheckpoint,
                        format!(
                            "{} holds a checkpoint of size {} that is missing from the \
                             checkpoint history: the history file was deleted",
                            rel_latest(),
                            cp.size
                        ),
                    )
                    .file(rel_history(cp.size)),
                ),
            }
            cps.push(cp);
        }
    }
    // Two signed checkpoints of the same size must have the same root.
    cps.sort_by_key(|c| c.size);
    for pair in cps.windows(2) {
        if pair[0].size == pair[1].size && pair[0].root != pair[1].root {
            problems.push(
                Problem::new(
                    ProblemKind::InconsistentCheckpoints,
                    format!(
                        "{} and {} are both signed by the log's key for size {} but have \
                         different roots: the log has shown two different histories",
                        pair[0].file, pair[1].file, pair[0].size
                    ),
                )
                .file(pair[1].file.clone())
                .hashes(&pair[0].root, &pair[1].root),
            );
        }
    }
    // The newest checkpoint: the largest size; of equal sizes, the history file.
    let newest = cps.last().map(|c| c.size).and_then(|max| {
        cps.iter()
            .filter(|c| c.size == max)
            .min_by_key(|c| c.file == rel_latest())
    });
    let tlog_prefix = rel_tlog();
    let published_size = newest.map_or(0, |c| c.size);

    let facts = stream_wal(
        &layout,
        &tlog_prefix,
        published_size,
        &mut problems,
        &mut notes,
    )?;
    let tree = &facts.tree;
    let n = tree.size();
    let matches = |cp: &Cp| cp.size <= n && tree.root_at(cp.size).is_ok_and(|r| r == cp.root);

    let mut found: Vec<Problem> = Vec::new();
    if let Some(newest) = newest {
        if matches(newest) {
            // The entries are those the newest checkpoint vouches for. An older checkpoint
            // that disagrees was signed for a history that was since rewritten.
            if let Some(first) = cps.iter().find(|c| !matches(c)) {
                let all = cps.iter().filter(|c| !matches(c)).count();
                found.push(rewritten(&layout, first, newest, tree, all));
            }
            // The published tree must be the log's.
            let read_err = |e: io::Error| format!("cannot read the tiles: {e}");
            let mut mismatches = vec![
                published::compare_tiles(&layout.tlog, &tlog_prefix, newest.size, tree)
                    .map_err(read_err)?,
                facts.bundle_mismatch.clone(),
            ];
            // The partial tiles kept for earlier checkpoints must match too.
            let mut sizes: Vec<u64> = cps
                .iter()
                .filter(|c| c.size < newest.size && matches(c))
                .map(|c| c.size)
                .collect();
            sizes.dedup();
            for size in sizes {
                mismatches.push(
                    published::check_partials(&layout.tlog, &tlog_prefix, size, tree)
                        .map_err(read_err)?,
                );
            }
            let first = mismatches.into_iter().flatten().min_by_key(|m| m.index);
            if let Some(m) = first {
                found.push(
                    Problem::new(
                        ProblemKind::TileMismatch,
                        format!(
                            "{}: the published tree differs from the log, which matches its \
                             signed checkpoints; clients fetching the tiles will reject them",
                            m.what
                        ),
                    )
                    .index(m.index)
                    .file(m.file),
                );
            }
        } else {
            found.extend(diverged(&layout, &cps, newest, tree, facts.missing));
        }
    } else if n > 0 {
        notes.push(
            "no signed checkpoint has been published yet: nothing vouches for these entries".into(),
        );
    }

    let mut trusted_size = None;
    if let Some(saved) = &saved {
        match check_saved(&layout, saved, newest, tree, n) {
            None => trusted_size = Some(saved.size),
            Some(p) => found.push(p),
        }
    }

    // Problems already explained by a corrupt record are not repeated.
    for p in found {
        let explained = (p.kind == ProblemKind::Truncated && p.index == facts.stopped_at)
            || (p.kind == ProblemKind::ModifiedEntry
                && p.count == Some(1)
                && p.index == facts.bad_check.map(|b| b.0));
        if !explained {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Ok(Verdict::Tampered(problems));
    }
    let unpublished = n - published_size.min(n);
    if unpublished > 0 && published_size > 0 {
        notes.push(format!(
            "{unpublished} entries appended after the newest checkpoint (size {published_size}) \
             are not yet covered by a signed checkpoint"
        ));
    }
    Ok(Verdict::Verified(Summary {
        size: n,
        root: tree.root(),
        checkpoints: cps.len() + usize::from(saved.is_some()),
        latest_checkpoint: newest.map(|c| c.size),
        trusted_checkpoint: trusted_size,
        unpublished,
        notes,
    }))
}
