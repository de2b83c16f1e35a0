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

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::Instant;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
use crate::config::AuditConfig;
use crate::hash::{Hash, leaf_hash};
use crate::keys::{self, KeyError};
use crate::note::{Signer, Verifier};
use crate::proof::{self, HashSource, ProofError};
use crate::store::{self, Layout, WalTail, WalWriter};
use crate::tiles::{self, TileError};
use crate::tree::MemoryTree;

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

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    entries: AtomicU64,
    requests: AtomicU64,
    sync_nanos: AtomicU64,
    checkpoints: AtomicU64,
}

/// The leaf hashes carried by one request.
enum Leaves {
    One(Hash),
    Many(Vec<Hash>),
}

impl Leaves {
    fn as_slice(&self) -> &[Hash] {
        match self {
            Leaves::One(h) => std::slice::from_ref(h),
            Leaves::Many(v) => v,
        }
    }
}

/// A request to the writer thread.
enum Msg {
    Append {
        /// Encoded WAL records, in order.
        records: Vec<u8>,
        leaves: Leaves,
        /// Receives the index of the first entry once the batch is durable.
        ack: oneshot::Sender<Result<u64, AuditError>>,
    },
    /// Stop after everything queued before it; signals once the writer has stopped.
    Shutdown(oneshot::Sender<()>),
}

/// The durable tree and where each entry's record is.
struct State {
    tree: MemoryTree,
    /// `offsets[i]` is the byte offset of record `i`; one more element: the end.
    offsets: Vec<u64>,
}

/// What the publisher owns: its copy of the tree and the published size.
struct Publisher {
    tree: MemoryTree,
    published: u64,
}

#[derive(Default)]
struct Signal {
    kick: bool,
    stop: bool,
}

/// State shared by the handles, the writer thread and the publisher thread.
struct Shared {
    config: AuditConfig,
    layout: Layout,
    wal: Arc<File>,
    signer: Signer,
    verifier: Verifier,
    state: RwLock<State>,
    size: AtomicU64,
    closed: AtomicBool,
    failed: Mutex<Option<String>>,
    has_failed: AtomicBool,
    events: broadcast::Sender<(u64, Hash)>,
    publisher: Mutex<Publisher>,
    published: AtomicU64,
    latest: RwLock<Option<String>>,
    publish_error: Mutex<Option<String>>,
    signal: Mutex<Signal>,
    wake: Condvar,
    counters: Counters,
}

struct Inner {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Msg>,
    writer: Mutex<Option<JoinHandle<()>>>,
    publisher: Mutex<Option<JoinHandle<()>>>,
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

/// A checkpoint found on disk and verified.
struct Found {
    path: PathBuf,
    size: u64,
    root: Hash,
    text: String,
}

impl AuditLog {
    /// Opens the log under `<data_dir>/audit/`, creating it on first use or recovering it
    /// after a crash (see the module documentation). Refuses to open a log whose entries are
    /// corrupt or do not match its latest signed checkpoint, or one that is already open.
    pub fn open(data_dir: &Path, config: AuditConfig) -> Result<AuditLog, AuditError> {
        config.validate().map_err(AuditError::Config)?;
        let layout = Layout::new(data_dir);
        store::create_dir_durable(&layout.dir)?;
        let signer = keys::load_or_create_signer(&layout.dir, &config.origin)?;
        let verifier = signer.verifier();
        store::create_dir_durable(&layout.checkpoints)?;
        store::create_dir_durable(&layout.tlog)?;

        let existed = layout.wal.exists();
        if !existed {
            // A log with checkpoints but no entries was deleted: refuse before creating one.
            for cp in newest_on_disk(&layout, &verifier, config.max_checkpoint_bytes)? {
                check_against(
                    &layout,
                    &verifier,
                    &MemoryTree::new(),
                    &cp,
                    config.max_checkpoint_bytes,
                )?;
            }
        }
        let wal = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&layout.wal)
            .map_err(|source| AuditError::Io {
                op: "open",
                path: layout.wal.clone(),
                source,
            })?;
        if !existed {
            store::sync_dir(&layout.dir)?;
        }
        match store::try_lock_exclusive(&wal) {
            Ok(true) => {}
            Ok(false) => {
                return Err(AuditError::Locked {
                    path: layout.wal.clone(),
                });
            }
            Err(source) => {
                return Err(AuditError::Io {
                    op: "lock",
                    path: layout.wal.clone(),
                    source,
                });
            }
        }
        // Only the lock holder cleans up after interrupted atomic writes.
        store::remove_temp_files(&layout.checkpoints)?;
        store::remove_temp_files(&layout.tlog)?;

        // 1. Read every valid record (nothing is modified yet).
        let mut leaves = Vec::new();
        let mut offsets = Vec::new();
        let scan = store::scan_wal(&layout.wal, &wal, config.max_entry_bytes, |_, off, e| {
            leaves.push(leaf_hash(e));
            offsets.push(off);
            Ok(())
        })?;
        offsets.push(scan.valid_len);
        let tree = MemoryTree::from_leaves(leaves);

        // 2. Check the tree against the latest signed checkpoints.
        let mut newest = newest_on_disk(&layout, &verifier, config.max_checkpoint_bytes)?;
        for cp in &newest {
            check_against(&layout, &verifier, &tree, cp, config.max_checkpoint_bytes)?;
        }
        let found = newest.pop();

        // 3. Only now repair: drop the torn tail, complete an interrupted publication.
        if let WalTail::Torn { .. } = scan.tail {
            wal.set_len(scan.valid_len)
                .and_then(|()| wal.sync_all())
                .map_err(|source| AuditError::Io {
                    op: "truncate the torn tail of",
                    path: layout.wal.clone(),
                    source,
                })?;
        }
        let (published, latest) = match &found {
            Some(cp) => {
                if !layout.checkpoint_path(cp.size).exists() {
                    store::write_atomic(
                        &layout.checkpoints,
                        &store::checkpoint_file_name(cp.size),
                        cp.text.as_bytes(),
                    )?;
                }
                if cp.path != layout.tlog_checkpoint() {
                    store::write_atomic(&layout.tlog, store::TLOG_CHECKPOINT, cp.text.as_bytes())?;
                }
                (cp.size, Some(cp.text.clone()))
            }
            None => (0, None),
        };

        let size = tree.size();
        let wal = Arc::new(wal);
        let writer_store = WalWriter::new(Arc::clone(&wal), layout.wal.clone(), scan.valid_len);
        let (events, _) = broadcast::channel(config.subscriber_capacity);
        let (tx, rx) = mpsc::channel(config.queue_capacity);
        let shared = Arc::new(Shared {
            publisher: Mutex::new(Publisher {
                tree: tree.clone(),
                published,
            }),
            state: RwLock::new(State { tree, offsets }),
            size: AtomicU64::new(size),
            closed: AtomicBool::new(false),
            failed: Mutex::new(None),
            has_failed: AtomicBool::new(false),
            events,
            published: AtomicU64::new(published),
            latest: RwLock::new(latest),
            publish_error: Mutex::new(None),
            signal: Mutex::new(Signal {
                kick: size > published,
                stop: false,
            }),
            wake: Condvar::new(),
            counters: Counters::default(),
            config,
            layout,
            wal,
            signer,
            verifier,
        });
        let spawn_err = |source| AuditError::Io {
            op: "start a thread for",
            path: shared.layout.wal.clone(),
            source,
        };
        let w = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("warden-audit-writer".into())
            .spawn(move || writer_loop(w, rx, writer_store))
            .map_err(spawn_err)?;
        let p = Arc::clone(&shared);
        let publisher = std::thread::Builder::new()
            .name("warden-audit-publisher".into())
            .spawn(move || publisher_loop(p))
            .map_err(spawn_err);
        let publisher = match publisher {
            Ok(h) => h,
            Err(e) => {
                drop(tx); // stops the writer
                return Err(e);
            }
        };
        Ok(AuditLog {
            inner: Arc::new(Inner {
                shared,
                tx,
                writer: Mutex::new(Some(writer)),
                publisher: Mutex::new(Some(publisher)),
            }),
        })
    }

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

impl Inner {
    /// Joins the threads (the writer has been asked to stop) and publishes the final
    /// checkpoint.
    fn finish(&self) -> Result<(), AuditError> {
        if let Some(h) = lock(&self.writer).take() {
            let _ = h.join();
        }
        self.shared.stop_publisher();
        if let Some(h) = lock(&self.publisher).take() {
            let _ = h.join();
        }
        self.shared.publish()?;
        if self.shared.has_failed.load(Ordering::Acquire) {
            return Err(self.shared.failure());
        }
        Ok(())
    }
}

impl Shared {
    fn failure(&self) -> AuditError {
        AuditError::Failed {
            reason: lock(&self.failed)
                .clone()
                .unwrap_or_else(|| "unknown failure".into()),
        }
    }

    fn fail(&self, reason: String) {
        let mut f = lock(&self.failed);
        if f.is_none() {
            *f = Some(reason);
        }
        self.has_failed.store(true, Ordering::Release);
    }

    fn entry(&self, index: u64) -> Result<Vec<u8>, AuditError> {
        let (start, end) = {
            let st = read(&self.state);
            let size = st.tree.size();
            match usize::try_from(index).ok().filter(|_| index < size) {
                Some(i) => (st.offsets[i], st.offsets[i + 1]),
                None => return Err(AuditError::NotFound { index, size }),
            }
        };
        store::read_record(&self.wal, index, start, end)
    }

    fn stop_publisher(&self) {
        lock(&self.signal).stop = true;
        self.wake.notify_all();
    }

    fn kick_publisher(&self) {
        let mut s = lock(&self.signal);
        if !s.kick {
            s.kick = true;
            self.wake.notify_all();
        }
    }

    /// Publishes the durable tree: tiles, `checkpoints/<size>`, `tlog/checkpoint`.
    fn publish(&self) -> Result<String, AuditError> {
        let mut p = lock(&self.publisher);
        // Bring the publisher's copy of the tree up to the durable tree (brief read lock).
        let (target, root_check, new_leaves) = {
            let st = read(&self.state);
            let n = st.tree.size();
            let leaves: Vec<Hash> = (p.tree.size()..n).filter_map(|i| st.tree.leaf(i)).collect();
            (n, st.tree.root(), leaves)
        };
        for leaf in new_leaves {
            p.tree.push(leaf);
        }
        let latest = read(&self.latest).clone();
        match latest {
            Some(text) if target == p.published => return Ok(text),
            _ => {}
        }
        let root = p.tree.root();
        if p.tree.size() != target || root != root_check {
            // Cannot happen unless memory is corrupted; never sign a wrong root.
            return Err(AuditError::Tampered {
                index: p.published,
                reason: "the publisher's copy of the tree differs from the durable tree".into(),
            });
        }
        tiles::write_tiles(&self.layout.tlog, &p.tree, p.published, &|i| {
            self.entry(i).ok()
        })?;
        let text = Checkpoint {
            origin: self.config.origin.clone(),
            size: target,
            root,
            extensions: Vec::new(),
        }
        .sign(&self.signer)?;
        // History is never rewritten: an existing checkpoint of this size stays.
        if !self.layout.checkpoint_path(target).exists() {
            store::write_atomic(
                &self.layout.checkpoints,
                &store::checkpoint_file_name(target),
                text.as_bytes(),
            )?;
        }
        store::write_atomic(&self.layout.tlog, store::TLOG_CHECKPOINT, text.as_bytes())?;
        p.published = target;
        self.published.store(target, Ordering::Release);
        self.counters.checkpoints.fetch_add(1, Ordering::Relaxed);
        *write(&self.latest) = Some(text.clone());
        Ok(text)
    }
}

/// Reads and verifies the newest checkpoints on disk: the highest history file and
/// `tlog/checkpoint`, smallest first (at most two; at equal sizes `tlog/checkpoint` comes
/// last, as it may carry witness cosignatures). Both must verify.
fn newest_on_disk(
    layout: &Layout,
    verifier: &Verifier,
    max_bytes: u64,
) -> Result<Vec<Found>, AuditError> {
    let mut found = Vec::new();
    let history = store::list_checkpoints(&layout.checkpoints)?;
    if let Some(&size) = history.last() {
        let f = load_checkpoint(&layout.checkpoint_path(size), verifier, max_bytes)?;
        if f.size != size {
            return Err(AuditError::Checkpoint {
                path: f.path,
                reason: format!("file is named for size {size} but holds size {}", f.size),
            });
        }
        found.push(f);
    }
    let latest = layout.tlog_checkpoint();
    if latest.exists() {
        let f = load_checkpoint(&latest, verifier, max_bytes)?;
        if let Some(h) = found.first() {
            if h.size == f.size && h.root != f.root {
                return Err(AuditError::Checkpoint {
                    path: f.path,
                    reason: format!(
                        "signed for size {} with a different root than {}: the log forked",
                        f.size,
                        h.path.display()
                    ),
                });
            }
            if f.size < h.size {
                found.insert(0, f);
                return Ok(found);
            }
        }
        found.push(f);
    }
    Ok(found)
}

fn load_checkpoint(path: &Path, verifier: &Verifier, max_bytes: u64) -> Result<Found, AuditError> {
    let text = store::read_small_text(path, max_bytes)?;
    let signed = open_checkpoint(&text, verifier).map_err(|e| AuditError::Checkpoint {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(Found {
        path: path.to_path_buf(),
        size: signed.checkpoint.size,
        root: signed.checkpoint.root,
        text,
    })
}

/// Checks the recovered tree against a verified checkpoint; on mismatch, names the first
/// divergent entry as precisely as the published tiles (or the checkpoint history) allow.
fn check_against(
    layout: &Layout,
    verifier: &Verifier,
    tree: &MemoryTree,
    cp: &Found,
    max_bytes: u64,
) -> Result<(), AuditError> {
    let n = tree.size();
    if cp.size <= n && tree.root_at(cp.size)? == cp.root {
        return Ok(());
    }
    let covered = cp.size.min(n);
    let cp_name = cp.path.display();
    // Which entry? First ask the published tiles, if they match the checkpoint.
    let reader = tiles::TileReader::new(&layout.tlog, cp.size);
    let tiles_ok = proof::root_from_source(&reader, cp.size).is_ok_and(|r| r == cp.root);
    let mut tiles_agree = tiles_ok;
    if tiles_ok {
        for i in 0..covered {
            match reader.subtree(0, i) {
                Ok(h) if Some(h) == tree.leaf(i) => continue,
                Ok(_) => {
                    return Err(AuditError::Tampered {
                        index: i,
                        reason: format!(
                            "entry {i} is not the entry published in the signed checkpoint \
                             {cp_name} (size {}): entries were modified, inserted, deleted or \
                             reordered",
                            cp.size
                        ),
                    });
                }
                Err(_) => {
                    tiles_agree = false;
                    break;
                }
            }
        }
    }
    let truncated = |index: u64| AuditError::Tampered {
        index,
        reason: format!(
            "the signed checkpoint {cp_name} covers {} entries but entries.wal holds only {n}: \
             entries {index}..{} were deleted or the log was truncated",
            cp.size, cp.size
        ),
    };
    if tiles_agree && cp.size > n {
        return Err(truncated(n));
    }
    // Otherwise bracket it with the checkpoint history: once the log diverges from its
    // history every later checkpoint differs too, so bisect for the first one that does.
    let history: Vec<u64> = store::list_checkpoints(&layout.checkpoints)?
        .into_iter()
        .filter(|&s| s <= covered)
        .collect();
    let matches = |size: u64| -> bool {
        load_checkpoint(&layout.checkpoint_path(size), verifier, max_bytes)
            .ok()
            .and_then(|f| {
                tree.root_at(size)
                    .ok()
                    .map(|r| r == f.root && f.size == size)
            })
            .unwrap_or(false)
    };
    let (mut lo, mut hi) = (0usize, history.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if matches(history[mid]) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let good = if lo == 0 { 0 } else { history[lo - 1] };
    let bad = history.get(lo).copied().unwrap_or(covered);
    if good == n && cp.size > n {
        return Err(truncated(n));
    }
    Err(AuditError::Tampered {
        index: good,
        reason: format!(
            "the entries do not match the signed checkpoint {cp_name} (size {}; entries.wal \
             holds {n}); the first divergent entry is in {good}..{bad} (entries 0..{good} \
             match an earlier checkpoint): entries were modified, inserted, deleted, \
             reordered or truncated",
            cp.size
        ),
    })
}

type Ack = oneshot::Sender<Result<u64, AuditError>>;

/// The requests of one group commit and their encoded records.
struct Batch {
    buf: Vec<u8>,
    requests: Vec<(Leaves, Ack)>,
    entries: usize,
    max_entries: usize,
    max_bytes: usize,
    /// A request that did not fit; it starts the next batch.
    carry: Option<Msg>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Batch {
    /// Adds a request; false once the batch takes no more (full, or shutdown requested).
    fn add(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Shutdown(done) => {
                self.shutdown = Some(done);
                false
            }
            Msg::Append {
                records,
                leaves,
                ack,
            } => {
                let n = leaves.as_slice().len();
                if !self.requests.is_empty()
                    && (self.entries + n > self.max_entries
                        || self.buf.len() + records.len() > self.max_bytes)
                {
                    self.carry = Some(Msg::Append {
                        records,
                        leaves,
                        ack,
                    });
                    return false;
                }
                // A caller that gave up before the write is skipped (never acknowledged).
                if !ack.is_closed() {
                    self.buf.extend_from_slice(&records);
                    self.entries += n;
                    self.requests.push((leaves, ack));
                }
                self.entries < self.max_entries
            }
        }
    }
}

/// The writer thread: group commit.
///
/// Callers usually append in a loop, so the ones acknowledged by the last commit come
/// straight back. Starting the next write before they do would split them into two cohorts
/// that alternate, each paying for its own fdatasync; so when fewer requests are waiting
/// than the largest of the last 8 batches held, the writer waits for more, up to
/// `group_commit_wait` (it never waits for a lone caller, whose batches hold one request).
fn writer_loop(shared: Arc<Shared>, mut rx: mpsc::Receiver<Msg>, mut wal: WalWriter) {
    let wait = shared.config.group_commit_wait;
    let mut batch = Batch {
        buf: Vec::new(),
        requests: Vec::new(),
        entries: 0,
        max_entries: shared.config.max_batch,
        max_bytes: shared.config.max_batch_bytes,
        carry: None,
        shutdown: None,
    };
    // The most requests of any of the last few batches: how many callers to wait for.
    let mut recent = [1usize; 8];
    let mut commits = 0usize;
    loop {
        let expected = recent.iter().copied().max().unwrap_or(1);
        let first = match batch.carry.take() {
            Some(m) => m,
            None => match rx.blocking_recv() {
                Some(m) => m,
                None => break,
            },
        };
        batch.buf.clear();
        batch.requests.clear();
        batch.entries = 0;
        let mut open = batch.add(first);
        while open {
            match rx.try_recv() {
                Ok(m) => open = batch.add(m),
                Err(_) => break,
            }
        }
        if open && batch.requests.len() < expected && !wait.is_zero() {
            let deadline = Instant::now() + wait;
            while open && batch.requests.len() < expected && Instant::now() < deadline {
                match rx.try_recv() {
                    Ok(m) => open = batch.add(m),
                    Err(mpsc::error::TryRecvError::Empty) => std::thread::yield_now(),
                    Err(mpsc::error::TryRecvError::Disconnected) => break,
                }
            }
        }
        if !batch.requests.is_empty() {
            recent[commits % recent.len()] = batch.requests.len();
            commits = commits.wrapping_add(1);
            commit(&shared, &mut wal, &batch.buf, &mut batch.requests);
        }
        if let Some(done) = batch.shutdown.take() {
            let _ = done.send(());
            break;
        }
        // Keep a huge buffer from one burst from pinning memory forever.
        if batch.buf.capacity() > 4 * batch.max_bytes.max(1 << 20) {
            batch.buf = Vec::new();
        }
    }
    // Requests still queued are dropped with the receiver: their callers get `Closed`.
    drop(rx);
    shared.stop_publisher();
}

/// Writes one batch with one write and one fdatasync, then updates the tree and acks.
fn commit(shared: &Shared, wal: &mut WalWriter, buf: &[u8], batch: &mut Vec<(Leaves, Ack)>) {
    if shared.has_failed.load(Ordering::Acquire) {
        for (_, ack) in batch.drain(..) {
            let _ = ack.send(Err(shared.failure()));
        }
        return;
    }
    let start = wal.end();
    let t = Instant::now();
    let written = wal.append_durable(buf);
    let c = &shared.counters;
    c.sync_nanos.fetch_add(
        u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    if let Err(e) = written {
        shared.fail(e.to_string());
        for (_, ack) in batch.drain(..) {
            let _ = ack.send(Err(shared.failure()));
        }
        return;
    }
    let first = {
        let mut st = write(&shared.state);
        let first = st.tree.size();
        let mut off = start;
        for (leaves, _) in batch.iter() {
            for leaf in leaves.as_slice() {
                st.tree.push(*leaf);
                // Each record: 4-byte length, entry, 4-byte check.
                let len = u32::from_be_bytes(
                    buf[(off - start) as usize..(off - start) as usize + 4]
                        .try_into()
                        .unwrap_or([0; 4]),
                ) as u64;
                off += len + store::RECORD_OVERHEAD as u64;
                st.offsets.push(off);
            }
        }
        shared.size.store(st.tree.size(), Ordering::Release);
        c.commits.fetch_add(1, Ordering::Relaxed);
        c.requests.fetch_add(batch.len() as u64, Ordering::Relaxed);
        c.entries
            .fetch_add(st.tree.size() - first, Ordering::Relaxed);
        first
    };
    let notify = shared.events.receiver_count() > 0;
    let mut index = first;
    for (leaves, ack) in batch.drain(..) {
        let _ = ack.send(Ok(index));
        if notify {
            for leaf in leaves.as_slice() {
                let _ = shared.events.send((index, *leaf));
                index += 1;
            }
        } else {
            index += leaves.as_slice().len() as u64;
        }
    }
    if index - shared.published.load(Ordering::Acquire) >= shared.config.checkpoint_every_entries {
        shared.kick_publisher();
    }
}

/// The publisher thread: publishes every `checkpoint_every_entries` entries (when kicked by
/// the writer) or `checkpoint_every`, whichever first; a final time when stopped.
fn publisher_loop(shared: Arc<Shared>) {
    lower_thread_priority(shared.config.publisher_nice);
    let every = shared.config.checkpoint_every;
    let mut last = Instant::now();
    let mut backoff = false;
    loop {
        let stop = {
            let mut s = lock(&shared.signal);
            loop {
                if s.stop || (s.kick && !backoff) {
                    break;
                }
                let elapsed = last.elapsed();
                if elapsed >= every {
                    break;
                }
                s = shared
                    .wake
                    .wait_timeout(s, every - elapsed)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            s.kick = false;
            s.stop
        };
        backoff = false;
        let size = shared.size.load(Ordering::Acquire);
        if size > shared.published.load(Ordering::Acquire) {
            match shared.publish() {
                Ok(_) => *lock(&shared.publish_error) = None,
                Err(e) => {
                    *lock(&shared.publish_error) = Some(e.to_string());
                    backoff = true; // retry at the next tick, not in a tight loop
                }
            }
        }
        last = Instant::now();
        if stop {
            break;
        }
    }
}

/// Lowers the calling thread's scheduling priority (Linux: `nice` applies per thread), so
/// that under CPU contention publication yields to appends and their acknowledgements.
/// Best effort: an error leaves the priority unchanged.
fn lower_thread_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0 {
        // SAFETY: plain syscalls without pointers; `gettid` cannot fail.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid, nice.min(19));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}
