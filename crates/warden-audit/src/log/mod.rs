//! The durable, group-committed audit log: [`AuditLog`].
//!
//! # How an entry becomes durable
//!
//! `append` encodes the WAL record and the RFC 9162 leaf hash in the caller's task, then
//! queues the request on a bounded channel (it waits while the queue is full; `try_append`
//! returns [`AuditError::QueueFull`] instead). One writer thread takes the first waiting
//! request and drains whatever else is queued (up to `max_batch` entries or
//! `max_batch_bytes`), writes all their records at the end of `entries.wal` with **one**
//! write, makes them durable with **one** `fdatasync`, appends their leaves to the in-memory
//! Merkle tree, and only then acknowledges every request of the batch and notifies
//! subscribers. An acknowledged entry is therefore on disk, and readable, provable and
//! published from then on. If a write or an fdatasync fails, the batch is refused and the log
//! stops accepting entries (after a failed fdatasync the file's state is unknown): it fails
//! closed, never acknowledging what may not be durable.
//!
//! # Publication
//!
//! A publisher thread publishes a signed checkpoint of the durable tree every
//! `checkpoint_every_entries` entries or `checkpoint_every`, whichever comes first, off the
//! acknowledgement path: it keeps its own copy of the tree (fed with leaf hashes taken under
//! a brief lock) so writing tiles never holds up the writer. Memory: the two trees and the
//! record offsets take about 136 bytes per entry (136 MB per million entries).
//!
//! Order on disk: tiles (each fsynced, see `tiles::write_tiles`), then `checkpoints/<size>`,
//! then `tlog/checkpoint` (both temp + fsync + rename + directory fsync), so a published
//! checkpoint always has its tiles. The publisher thread runs at a lower priority
//! (`publisher_nice`), so that under CPU contention it yields to appends.
//!
//! # Recovery ([`AuditLog::open`])
//!
//! `entries.wal` is scanned from the start: a complete record that fails its check stops the
//! open with [`AuditError::Corrupt`] naming the entry; an incomplete final record (a batch
//! whose write was cut by a crash before its fdatasync, so never acknowledged) is truncated.
//! The tree is rebuilt from the entries and checked against the latest signed checkpoint
//! (its signature, then size ≤ entries and equal root); a mismatch refuses the open with
//! [`AuditError::Tampered`] naming the first divergent entry. Nothing is modified on disk
//! before these checks pass.

mod error;
mod publisher;
mod recovery;
mod shared;
mod writer;

pub use error::AuditError;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{broadcast, mpsc, oneshot};

use self::shared::{Inner, Leaves, Msg, lock, read};
use crate::hash::{Hash, leaf_hash};
use crate::note::Verifier;
use crate::proof::{self, ProofError};
use crate::store::{self, Layout};
use crate::tree::MemoryTree;

/// Counters of the writer, for metrics and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditStats {
    /// Group commits (one write + one fdatasync each).
    pub commits: u64,
    /// Entries committed by this process.
    pub entries: u64,
    /// Requests committed (an `append_many` is one).
    pub requests: u64,
    /// Time spent in write + fdatasync, in nanoseconds.
    pub sync_nanos: u64,
    /// Checkpoints published by this process.
    pub checkpoints: u64,
}

/// The tamper-evident audit log: durable appends with group commit, proofs, signed
/// checkpoints and tiles. Cheap to clone (all clones share one log).
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("dir", &self.inner.shared.layout.dir)
            .field("size", &self.size())
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    fn check_accepting(&self) -> Result<(), AuditError> {
        let s = &self.inner.shared;
        if s.closed.load(Ordering::Acquire) {
            return Err(AuditError::Closed);
        }
        if s.has_failed.load(Ordering::Acquire) {
            return Err(s.failure());
        }
        Ok(())
    }

    fn check_len(&self, entry: &[u8]) -> Result<(), AuditError> {
        let max = self.inner.shared.config.max_entry_bytes;
        if entry.len() > max {
            return Err(AuditError::EntryTooLarge {
                len: entry.len(),
                max,
            });
        }
        Ok(())
    }

    fn prepare_one(&self, entry: &[u8]) -> Result<(Vec<u8>, Hash), AuditError> {
        self.check_accepting()?;
        self.check_len(entry)?;
        let mut records = Vec::new();
        store::encode_record(entry, &mut records);
        Ok((records, leaf_hash(entry)))
    }

    async fn await_ack(rx: oneshot::Receiver<Result<u64, AuditError>>) -> Result<u64, AuditError> {
        // A dropped sender means the writer stopped before taking the request: not written.
        rx.await.map_err(|_| AuditError::Closed)?
    }

    /// Appends one entry; resolves once it is durable (its batch was fdatasynced), with its
    /// index and leaf hash. Waits while the queue is full. If the future is dropped after the
    /// request was queued, the entry may still be written (without acknowledgement).
    pub async fn append(&self, entry: Vec<u8>) -> Result<(u64, Hash), AuditError> {
        let (records, leaf) = self.prepare_one(&entry)?;
        let (ack, rx) = oneshot::channel();
        let msg = Msg::Append {
            records,
            leaves: Leaves::One(leaf),
            ack,
        };
        self.inner
            .tx
            .send(msg)
            .await
            .map_err(|_| AuditError::Closed)?;
        Ok((Self::await_ack(rx).await?, leaf))
    }

    /// Like [`append`](Self::append), but returns [`AuditError::QueueFull`] at once instead
    /// of waiting for room in the queue (it still waits for durability).
    pub async fn try_append(&self, entry: Vec<u8>) -> Result<(u64, Hash), AuditError> {
        let (records, leaf) = self.prepare_one(&entry)?;
        let (ack, rx) = oneshot::channel();
        let msg = Msg::Append {
            records,
            leaves: Leaves::One(leaf),
            ack,
        };
        self.inner.tx.try_send(msg).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => AuditError::QueueFull {
                capacity: self.inner.shared.config.queue_capacity,
            },
            mpsc::error::TrySendError::Closed(_) => AuditError::Closed,
        })?;
        Ok((Self::await_ack(rx).await?, leaf))
    }

    /// Appends the canonical encoding of an audit event (see `event`).
    pub async fn append_event(
        &self,
        event: &crate::event::AuditEvent,
    ) -> Result<(u64, Hash), AuditError> {
        self.append(event.canonical_bytes()).await
    }

    /// Appends several entries as one request (one queue slot, one acknowledgement); they get
    /// consecutive indices. At most `max_batch` entries.
    pub async fn append_many(&self, entries: Vec<Vec<u8>>) -> Result<Vec<(u64, Hash)>, AuditError> {
        self.check_accepting()?;
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let max = self.inner.shared.config.max_batch;
        if entries.len() > max {
            return Err(AuditError::TooManyEntries {
                count: entries.len(),
                max,
            });
        }
        let total: usize = entries
            .iter()
            .map(|e| e.len() + store::RECORD_OVERHEAD)
            .sum();
        let mut records = Vec::with_capacity(total);
        let mut leaves = Vec::with_capacity(entries.len());
        for e in &entries {
            self.check_len(e)?;
            store::encode_record(e, &mut records);
            leaves.push(leaf_hash(e));
        }
        let (ack, rx) = oneshot::channel();
        let msg = Msg::Append {
            records,
            leaves: Leaves::Many(leaves.clone()),
            ack,
        };
        self.inner
            .tx
            .send(msg)
            .await
            .map_err(|_| AuditError::Closed)?;
        let first = Self::await_ack(rx).await?;
        Ok((first..).zip(leaves).collect())
    }

    /// The number of durable entries.
    pub fn size(&self) -> u64 {
        self.inner.shared.size.load(Ordering::Acquire)
    }

    /// The current durable tree: its size and root hash.
    pub fn tree_head(&self) -> (u64, Hash) {
        let st = read(&self.inner.shared.state);
        (st.tree.size(), st.tree.root())
    }

    /// The root of the tree of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, AuditError> {
        Ok(read(&self.inner.shared.state).tree.root_at(size)?)
    }

    /// The leaf hash of entry `index`.
    pub fn leaf_hash(&self, index: u64) -> Result<Hash, AuditError> {
        let st = read(&self.inner.shared.state);
        st.tree.leaf(index).ok_or(AuditError::NotFound {
            index,
            size: st.tree.size(),
        })
    }

    /// Entry `index`, read from `entries.wal` and checked against its record check.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, AuditError> {
        self.inner.shared.entry(index)
    }

    /// The inclusion proof of entry `index` in the tree of the first `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, AuditError> {
        let st = read(&self.inner.shared.state);
        check_size(&st.tree, size)?;
        Ok(proof::inclusion_proof(&st.tree, index, size)?)
    }

    /// The consistency proof between the trees of the first `old` and `new` entries.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, AuditError> {
        let st = read(&self.inner.shared.state);
        check_size(&st.tree, new)?;
        Ok(proof::consistency_proof(&st.tree, old, new)?)
    }

    /// The latest published signed checkpoint (note text), if any was published.
    pub fn latest_checkpoint(&self) -> Option<String> {
        read(&self.inner.shared.latest).clone()
    }

    /// The key that verifies this log's checkpoints.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.shared.verifier
    }

    /// The paths of this log's files.
    pub fn layout(&self) -> &Layout {
        &self.inner.shared.layout
    }

    /// Publishes a checkpoint of the current durable tree now (tiles, history, latest) and
    /// returns it; returns the latest one when nothing was appended since. Blocks on I/O.
    pub fn publish_now(&self) -> Result<String, AuditError> {
        self.inner.shared.publish()
    }

    /// The writer's counters since the log was opened.
    pub fn stats(&self) -> AuditStats {
        let c = &self.inner.shared.counters;
        AuditStats {
            commits: c.commits.load(Ordering::Relaxed),
            entries: c.entries.load(Ordering::Relaxed),
            requests: c.requests.load(Ordering::Relaxed),
            sync_nanos: c.sync_nanos.load(Ordering::Relaxed),
            checkpoints: c.checkpoints.load(Ordering::Relaxed),
        }
    }

    /// The error of the last failed background publication, if the last attempt failed.
    pub fn publish_error(&self) -> Option<String> {
        lock(&self.inner.shared.publish_error).clone()
    }

    /// A receiver of `(index, leaf hash)` for every entry made durable from now on, in order.
    /// A receiver more than `subscriber_capacity` behind misses entries (`Lagged`).
    pub fn subscribe(&self) -> broadcast::Receiver<(u64, Hash)> {
        self.inner.shared.events.subscribe()
    }

    /// Stops accepting entries, commits everything already queued, stops the background
    /// threads and publishes a final checkpoint. Other clones of this log then get
    /// [`AuditError::Closed`]. Returns the storage failure if the log had failed.
    pub async fn close(self) -> Result<(), AuditError> {
        let inner = self.inner;
        inner.shared.closed.store(true, Ordering::Release);
        let (done, stopped) = oneshot::channel();
        if inner.tx.send(Msg::Shutdown(done)).await.is_ok() {
            let _ = stopped.await;
        }
        let finish = Arc::clone(&inner);
        match tokio::task::spawn_blocking(move || finish.finish()).await {
            Ok(result) => result,
            // The blocking pool is gone (runtime shutting down): finish here.
            Err(_) => inner.finish(),
        }
    }
}

fn check_size(tree: &MemoryTree, size: u64) -> Result<(), AuditError> {
    if size > tree.size() {
        return Err(ProofError::SizeOutOfRange {
            requested: size,
            available: tree.size(),
        }
        .into());
    }
    Ok(())
}
