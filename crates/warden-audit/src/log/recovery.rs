//! Opening and recovering the log: [`AuditLog::open`] (see the module documentation of
//! [`log`](super)).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Condvar, Mutex, RwLock};

use tokio::sync::{broadcast, mpsc};

use super::publisher::publisher_loop;
use super::shared::{Counters, Inner, Publisher, Shared, Signal, State};
use super::writer::writer_loop;
use super::{AuditError, AuditLog};
use crate::checkpoint::open_checkpoint;
use crate::config::AuditConfig;
use crate::hash::{Hash, leaf_hash};
use crate::keys;
use crate::note::Verifier;
use crate::proof::{self, HashSource};
use crate::store::{self, Layout, WalTail, WalWriter};
use crate::tiles;
use crate::tree::MemoryTree;

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
