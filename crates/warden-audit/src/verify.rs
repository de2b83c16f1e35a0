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
mod classify;
mod published;

use std::fs;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use crate::checkpoint::{CheckpointError, open_checkpoint};
use crate::config::MAX_ENTRY_BYTES_CEILING;
use crate::hash::{Hash, leaf_hash};
use crate::keys;
use crate::note::{self, MAX_NOTE_BYTES, NoteError, Verifier};
use crate::store::{self, Layout};
use crate::tree::MemoryTree;

use analysis::{check_saved, diverged, rewritten};
use published::{BundleCheck, Mismatch};

/// How a [`Problem`]'s `file` names the saved checkpoint given in [`VerifyOptions`].
pub const SAVED_CHECKPOINT: &str = "<saved checkpoint>";

/// Checkpoints verified on one thread before the work is split over two.
const PARALLEL_CHECKPOINTS: usize = 64;

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

/// What kind of tampering (or damage) a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// One or more entries were replaced by different ones (and the record checksums
    /// rewritten to match).
    ModifiedEntry,
    /// Published entries are missing from the middle of the log.
    DeletedEntry,
    /// Entries that were never published were inserted.
    InsertedEntry,
    /// Published entries are present, in another order.
    Reordered,
    /// The log holds fewer entries than a signed checkpoint covers.
    Truncated,
    /// A signed checkpoint — the user's saved one, or an older one of the log's own history
    /// — is not consistent with the log: history was rewritten and re-signed.
    RewrittenHistory,
    /// A checkpoint is signed by another key than the log's.
    WrongKey,
    /// A checkpoint's signature by the log's key does not verify: its text was altered.
    BadSignature,
    /// A checkpoint file is not a well-formed signed checkpoint of this log, or is named for
    /// another size than it holds.
    MalformedCheckpoint,
    /// Two checkpoints signed by the log's key cannot both be right (same size, different
    /// roots): the log showed different histories.
    InconsistentCheckpoints,
    /// A checkpoint the log published is missing from its history.
    MissingCheckpoint,
    /// A WAL record fails its checksum or cannot be parsed: the bytes of `entries.wal` were
    /// modified or damaged.
    CorruptEntry,
    /// The published tree (hash tiles, entry bundles) does not match the log.
    TileMismatch,
    /// The entries diverge from a signed checkpoint, but the published tiles needed to
    /// pinpoint and classify the divergence are missing or altered: only a range is known.
    Diverged,
}

impl ProblemKind {
    /// The kind as written in reports and JSON: `modified-entry`, `wrong-key`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::ModifiedEntry => "modified-entry",
            ProblemKind::DeletedEntry => "deleted-entry",
            ProblemKind::InsertedEntry => "inserted-entry",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Truncated => "truncated",
            ProblemKind::RewrittenHistory => "rewritten-history",
            ProblemKind::WrongKey => "wrong-key",
            ProblemKind::BadSignature => "bad-signature",
            ProblemKind::MalformedCheckpoint => "malformed-checkpoint",
            ProblemKind::InconsistentCheckpoints => "inconsistent-checkpoints",
            ProblemKind::MissingCheckpoint => "missing-checkpoint",
            ProblemKind::CorruptEntry => "corrupt-entry",
            ProblemKind::TileMismatch => "tile-mismatch",
            ProblemKind::Diverged => "diverged",
        }
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding of verification: its kind and the first point of divergence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What happened.
    pub kind: ProblemKind,
    /// The first entry concerned (0-based), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// How many entries are concerned from `index` (deleted, inserted, reordered, replaced,
    /// removed), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// The file at fault, or the signed checkpoint that reveals the problem, relative to the
    /// data directory (e.g. `audit/checkpoints/00000000000000004096`); [`SAVED_CHECKPOINT`]
    /// for the checkpoint given in [`VerifyOptions`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// For [`ProblemKind::WrongKey`]: the key found on the checkpoint, `name+hexid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The published (signed) value at the point of divergence — a leaf hash or a root, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The value found instead, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// What was found, for people.
    pub detail: String,
}

impl Problem {
    fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Problem {
            kind,
            index: None,
            count: None,
            file: None,
            key: None,
            expected: None,
            found: None,
            detail: detail.into(),
        }
    }
    fn index(mut self, index: u64) -> Self {
        self.index = Some(index);
        self
    }
    fn count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }
    fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
    fn hashes(mut self, expected: &Hash, found: &Hash) -> Self {
        self.expected = Some(hex::encode(expected));
        self.found = Some(hex::encode(found));
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(i) = self.index {
            write!(f, " at entry {i}")?;
        }
        if let Some(file) = &self.file {
            write!(f, " ({file})")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Entries in the log.
    pub size: u64,
    /// The RFC 9162 root of all of them.
    pub root: Hash,
    /// Signed checkpoints checked (history, latest, and the saved one).
    pub checkpoints: usize,
    /// Size of the newest signed checkpoint, if any.
    pub latest_checkpoint: Option<u64>,
    /// Size of the saved checkpoint the log was found consistent with, if one was given.
    pub trusted_checkpoint: Option<u64>,
    /// Entries appended after the newest checkpoint (not yet vouched for by a signature).
    pub unpublished: u64,
    /// Observations that are not tampering (a torn tail left by a crash, a publication
    /// that was interrupted, ...).
    pub notes: Vec<String>,
}

/// The outcome of [`verify_dir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed.
    Verified(Summary),
    /// The log, its checkpoints or its published tree were tampered with (or damaged).
    Tampered(Vec<Problem>),
    /// The log could not be read: no such directory, no usable verifier key, an I/O error,
    /// or a saved checkpoint that is not a checkpoint of this log.
    Unreadable(String),
}

impl Verdict {
    /// Whether the log verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, Verdict::Verified(_))
    }

    /// The problems found (empty unless tampered).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Verdict::Tampered(p) => p,
            _ => &[],
        }
    }

    /// The verdict as JSON: `{"verdict": "verified" | "tampered" | "unreadable", ...}`.
    pub fn to_json(&self) -> Value {
        match self {
            Verdict::Verified(s) => json!({
                "verdict": "verified",
                "size": s.size,
                "root": hex::encode(s.root),
                "checkpoints": s.checkpoints,
                "latest_checkpoint": s.latest_checkpoint,
                "trusted_checkpoint": s.trusted_checkpoint,
                "unpublished": s.unpublished,
                "notes": s.notes,
            }),
            Verdict::Tampered(problems) => json!({
                "verdict": "tampered",
                "problems": problems,
            }),
            Verdict::Unreadable(reason) => json!({
                "verdict": "unreadable",
                "error": reason,
            }),
        }
    }
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

/// Reading one checkpoint file.
enum Loaded {
    Missing,
    Valid(Cp, Option<Problem>),
    Invalid(Problem),
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

/// The first signature line's key, `name+hexid` (for wrong-key reports).
fn signing_keys(text: &str) -> Option<String> {
    let parsed = note::parse_note(text).ok()?;
    let keys: Vec<String> = parsed
        .signatures
        .iter()
        .map(|s| format!("{}+{}", s.name, hex::encode(s.key_id)))
        .collect();
    (!keys.is_empty()).then(|| keys.join(", "))
}

/// Turns a failure to open a checkpoint into a problem naming `file`.
fn checkpoint_problem(
    file: &str,
    text: &str,
    err: CheckpointError,
    verifier: &Verifier,
) -> Problem {
    let expected = format!("{}+{}", verifier.name(), hex::encode(verifier.key_id()));
    match err {
        CheckpointError::Note(NoteError::WrongKeyId { name, found, .. }) => {
            let key = format!("{name}+{}", hex::encode(found));
            let mut p = Problem::new(
                ProblemKind::WrongKey,
                format!("signed by key {key}, not by the log's key {expected}"),
            )
            .file(file);
            p.key = Some(key);
            p
        }
        CheckpointError::Note(NoteError::NoSignature { .. }) => {
            let found = signing_keys(text);
            let mut p = Problem::new(
                ProblemKind::WrongKey,
                format!(
                    "not signed by the log's key {expected}; signed by {}",
                    found.as_deref().unwrap_or("no key")
                ),
            )
            .file(file);
            p.key = found.map(|k| k.split(", ").next().unwrap_or_default().to_string());
            p
        }
        CheckpointError::Note(NoteError::BadSignature { line, .. }) => Problem::new(
            ProblemKind::BadSignature,
            format!(
                "the signature by the log's key (line {line}) does not verify: the checkpoint \
                 was altered after it was signed"
            ),
        )
        .file(file),
        CheckpointError::OriginMismatch { origin, key_name } => Problem::new(
            ProblemKind::MalformedCheckpoint,
            format!("signed by the log's key, but for origin {origin:?}, not {key_name:?}"),
        )
        .file(file),
        other => Problem::new(
            ProblemKind::MalformedCheckpoint,
            format!("not a signed checkpoint: {other}"),
        )
        .file(file),
    }
}

/// Reads and verifies one checkpoint file. I/O errors other than "not found" are fatal.
fn load_checkpoint(
    path: &Path,
    file: String,
    named_size: Option<u64>,
    verifier: &Verifier,
) -> Result<Loaded, String> {
    let f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(e) => return Err(io_msg("checkpoint", path, &e)),
    };
    let mut bytes = Vec::new();
    f.take(MAX_NOTE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_msg("checkpoint", path, &e))?;
    let malformed = |what: String| {
        Ok(Loaded::Invalid(
            Problem::new(ProblemKind::MalformedCheckpoint, what).file(file.clone()),
        ))
    };
    if bytes.len() > MAX_NOTE_BYTES {
        return malformed(format!(
            "the file is larger than {MAX_NOTE_BYTES} bytes: not a checkpoint"
        ));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return malformed("the file is not UTF-8 text: not a checkpoint".into());
    };
    let signed = match open_checkpoint(&text, verifier) {
        Ok(s) => s,
        Err(e) => {
            return Ok(Loaded::Invalid(checkpoint_problem(
                &file, &text, e, verifier,
            )));
        }
    };
    let size = signed.checkpoint.size;
    let extra = named_size.filter(|&n| n != size).map(|n| {
        Problem::new(
            ProblemKind::MalformedCheckpoint,
            format!("the file is named for size {n} but holds a checkpoint of size {size}"),
        )
        .file(file.clone())
    });
    Ok(Loaded::Valid(
        Cp {
            file,
            size,
            root: signed.checkpoint.root,
        },
        extra,
    ))
}

/// Lists the sizes in the checkpoint history (file names of 20 digits; others ignored).
fn list_history(dir: &Path) -> Result<Vec<u64>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_msg("directory", dir, &e)),
    };
    let mut sizes = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_msg("directory", dir, &e))?;
        if let Some(size) = entry
            .file_name()
            .to_str()
            .and_then(store::parse_checkpoint_file_name)
        {
            sizes.push(size);
        }
    }
    sizes.sort_unstable();
    Ok(sizes)
}

/// Loads the history files, splitting the signature checks over two threads when there
/// are many.
fn load_history(
    layout: &Layout,
    sizes: &[u64],
    verifier: &Verifier,
) -> Result<Vec<Loaded>, String> {
    let load = |chunk: &[u64]| -> Result<Vec<Loaded>, String> {
        chunk
            .iter()
            .map(|&s| {
                load_checkpoint(
                    &layout.checkpoint_path(s),
                    rel_history(s),
                    Some(s),
                    verifier,
                )
            })
            .collect()
    };
    if sizes.len() < PARALLEL_CHECKPOINTS {
        return load(sizes);
    }
    let (a, b) = sizes.split_at(sizes.len() / 2);
    let (ra, rb) = std::thread::scope(|s| {
        let hb = s.spawn(|| load(b));
        let ra = load(a);
        (ra, hb.join())
    });
    let mut out = ra?;
    out.extend(rb.map_err(|_| "checkpoint verification thread failed".to_string())??);
    Ok(out)
}

/// Opens the saved checkpoint. A text that is not a checkpoint of this log is unreadable;
/// one signed by another key with the log's name means the log's key was replaced.
fn open_saved(text: &str, verifier: &Verifier) -> Result<Result<Cp, Problem>, String> {
    match open_checkpoint(text, verifier) {
        Ok(s) => Ok(Ok(Cp {
            file: SAVED_CHECKPOINT.into(),
            size: s.checkpoint.size,
            root: s.checkpoint.root,
        })),
        Err(e @ CheckpointError::Note(NoteError::WrongKeyId { .. })) => {
            let mut p = checkpoint_problem(SAVED_CHECKPOINT, text, e, verifier);
            p.detail = format!(
                "the saved checkpoint is {}: the log's key was replaced since it was saved \
                 (or the verifier key given is not the log's)",
                p.detail
            );
            Ok(Err(p))
        }
        Err(CheckpointError::Note(NoteError::NoSignature { name, key_id })) => Err(format!(
            "the saved checkpoint is not a checkpoint of this log: it has no signature by \
             {name}+{} (it is signed by {})",
            hex::encode(key_id),
            signing_keys(text).as_deref().unwrap_or("no key")
        )),
        Err(e) => Err(format!("the saved checkpoint cannot be used: {e}")),
    }
}

/// What streaming the WAL found.
struct WalFacts {
    tree: MemoryTree,
    missing: bool,
    /// First record failing its checksum: (index, offset), and how many.
    bad_check: Option<(u64, u64)>,
    bad_checks: u64,
    /// An unparseable record stopped reading at this index.
    stopped_at: Option<u64>,
    bundle_mismatch: Option<Mismatch>,
}

fn stream_wal(
    layout: &Layout,
    tlog_prefix: &str,
    published_size: u64,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) -> Result<WalFacts, String> {
    let mut facts = WalFacts {
        tree: MemoryTree::new(),
        missing: false,
        bad_check: None,
        bad_checks: 0,
        stopped_at: None,
        bundle_mismatch: None,
    };
    let mut bundles = BundleCheck::new(&layout.tlog, tlog_prefix, published_size);
    let mut bundle_io: Option<io::Error> = None;
    let scan = wal::read_wal(
        &layout.wal,
        wal::WalPosition::default(),
        MAX_ENTRY_BYTES_CEILING,
        |r| {
            facts.tree.push(leaf_hash(r.entry));
            if !r.check_ok() {
                facts.bad_checks += 1;
                facts.bad_check.get_or_insert((r.index, r.offset));
            }
            if let Err(e) = bundles.feed(r.index, r.entry) {
                bundle_io = Some(e);
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        },
    );
    if let Some(e) = bundle_io {
        return Err(format!("cannot read the entry bundles: {e}"));
    }
    facts.bundle_mismatch = bundles.finish();
    let wal_name = format!("{AUDIT}/{}", store::WAL_FILE);
    match scan {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            facts.missing = true;
            notes.push(format!(
                "{wal_name} does not exist: the log holds no entries"
            ));
        }
        Err(e) => return Err(io_msg("the entries", &layout.wal, &e)),
        Ok(scan) => match scan.end {
            wal::WalEnd::Clean | wal::WalEnd::Stopped => {}
            wal::WalEnd::Torn {
                offset,
                bytes,
                reason,
            } => notes.push(format!(
                "{wal_name} ends with {bytes} bytes of an unfinished record at byte offset \
                 {offset} ({reason}): a write cut short by a crash, never acknowledged; the log \
                 removes it when next opened"
            )),
            wal::WalEnd::Unparseable {
                index,
                offset,
                declared,
            } => {
                facts.stopped_at = Some(index);
                problems.push(
                    Problem::new(
                        ProblemKind::CorruptEntry,
                        format!(
                            "the record at byte offset {offset} declares {declared} bytes, more \
                             than any entry can hold: the file was altered or damaged there, and \
                             nothing after it can be read"
                        ),
                    )
                    .index(index)
                    .file(wal_name.clone()),
                );
            }
        },
    }
    if let Some((index, offset)) = facts.bad_check {
        let more = match facts.bad_checks {
            1 => String::new(),
            n => format!(" ({n} records fail their checksum in all)"),
        };
        problems.push(
            Problem::new(
                ProblemKind::CorruptEntry,
                format!(
                    "the record of entry {index} (byte offset {offset}) fails its checksum: its \
                     bytes were modified or damaged after it was written{more}"
                ),
            )
            .index(index)
            .file(wal_name),
        );
    }
    Ok(facts)
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
