//! The outcome of verification: [`Verdict`], its [`Problem`]s and [`Summary`], and their
//! JSON rendering.

use serde::Serialize;
use serde_json::{Value, json};

use crate::hash::Hash;

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
    /// data directory (e.g. `audit/checkpoints/00000000000000004096`);
    /// [`SAVED_CHECKPOINT`](super::SAVED_CHECKPOINT) for the checkpoint given in
    /// [`VerifyOptions`](super::VerifyOptions).
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
    pub(super) fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
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
    pub(super) fn index(mut self, index: u64) -> Self {
        self.index = Some(index);
        self
    }
    pub(super) fn count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }
    pub(super) fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
    pub(super) fn hashes(mut self, expected: &Hash, found: &Hash) -> Self {
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

/// The outcome of [`verify_dir`](super::verify_dir).
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
