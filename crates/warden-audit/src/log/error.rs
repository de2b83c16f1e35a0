//! [`AuditError`]: everything that can go wrong opening, writing or reading the audit log.

use std::path::PathBuf;

use crate::checkpoint::CheckpointError;
use crate::keys::KeyError;
use crate::proof::ProofError;
use crate::tiles::TileError;

/// Everything that can go wrong opening, writing or reading the audit log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The configuration is unusable.
    #[error("invalid audit configuration: {0}")]
    Config(String),
    /// A file-system operation failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Another open `AuditLog` (in this or another process) holds the log.
    #[error("{} is already open (by this or another process)", path.display())]
    Locked {
        /// The WAL file.
        path: PathBuf,
    },
    /// A complete WAL record is damaged or was modified.
    #[error("entries.wal is corrupt at entry {index} (byte offset {offset}): {reason}")]
    Corrupt {
        /// The entry's index.
        index: u64,
        /// The record's byte offset in `entries.wal`.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The entries do not match a signed checkpoint: entries were modified, deleted,
    /// inserted, reordered or truncated.
    #[error("audit log tampered: divergence at entry {index}: {reason}")]
    Tampered {
        /// The first entry known to differ (or to be missing).
        index: u64,
        /// What was found.
        reason: String,
    },
    /// A checkpoint file is unreadable, malformed or not signed by the log's key.
    #[error("checkpoint {}: {reason}", path.display())]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The log's key could not be loaded or created.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Signing a checkpoint failed.
    #[error("cannot sign checkpoint: {0}")]
    Sign(#[from] CheckpointError),
    /// Writing the tiles failed.
    #[error("cannot publish tiles: {0}")]
    Tiles(#[from] TileError),
    /// A proof could not be built (sizes out of range).
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// An entry is larger than `max_entry_bytes`.
    #[error("entry of {len} bytes exceeds max_entry_bytes ({max})")]
    EntryTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An `append_many` carries more entries than `max_batch`.
    #[error("{count} entries in one request exceed max_batch ({max})")]
    TooManyEntries {
        /// Entries in the request.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The writer's queue is full (`try_append`).
    #[error("the audit queue is full ({capacity} requests waiting)")]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The log was closed.
    #[error("the audit log is closed")]
    Closed,
    /// The log stopped accepting entries after a storage failure.
    #[error("the audit log refuses entries after a storage failure: {reason}")]
    Failed {
        /// The failure.
        reason: String,
    },
    /// No entry at this index.
    #[error("entry {index} does not exist (the log holds {size} entries)")]
    NotFound {
        /// The requested index.
        index: u64,
        /// The log's size.
        size: u64,
    },
}
