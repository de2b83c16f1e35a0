//! The state shared by the [`AuditLog`](super::AuditLog) handles, the writer thread and the
//! publisher thread, and the messages between them.

use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::thread::JoinHandle;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::AuditError;
use crate::config::AuditConfig;
use crate::hash::Hash;
use crate::note::{Signer, Verifier};
use crate::store::{self, Layout};
use crate::tree::MemoryTree;

#[derive(Default)]
pub(super) struct Counters {
    pub(super) commits: AtomicU64,
    pub(super) entries: AtomicU64,
    pub(super) requests: AtomicU64,
    pub(super) sync_nanos: AtomicU64,
    pub(super) checkpoints: AtomicU64,
}

/// The leaf hashes carried by one request.
pub(super) enum Leaves {
    One(Hash),
    Many(Vec<Hash>),
}

impl Leaves {
    pub(super) fn as_slice(&self) -> &[Hash] {
        match self {
            Leaves::One(h) => std::slice::from_ref(h),
            Leaves::Many(v) => v,
        }
    }
}

/// A request to the writer thread.
pub(super) enum Msg {
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
pub(super) struct State {
    pub(super) tree: MemoryTree,
    /// `offsets[i]` is the byte offset of record `i`; one more element: the end.
    pub(super) offsets: Vec<u64>,
}

/// What the publisher owns: its copy of the tree and the published size.
pub(super) struct Publisher {
    pub(super) tree: MemoryTree,
    pub(super) published: u64,
}

#[derive(Default)]
pub(super) struct Signal {
    pub(super) kick: bool,
    pub(super) stop: bool,
}

/// State shared by the handles, the writer thread and the publisher thread.
pub(super) struct Shared {
    pub(super) config: AuditConfig,
    pub(super) layout: Layout,
    pub(super) wal: Arc<File>,
    pub(super) signer: Signer,
    pub(super) verifier: Verifier,
    pub(super) state: RwLock<State>,
    pub(super) size: AtomicU64,
    pub(super) closed: AtomicBool,
    pub(super) failed: Mutex<Option<String>>,
    pub(super) has_failed: AtomicBool,
    pub(super) events: broadcast::Sender<(u64, Hash)>,
    pub(super) publisher: Mutex<Publisher>,
    pub(super) published: AtomicU64,
    pub(super) latest: RwLock<Option<String>>,
    pub(super) publish_error: Mutex<Option<String>>,
    pub(super) signal: Mutex<Signal>,
    pub(super) wake: Condvar,
    pub(super) counters: Counters,
}

pub(super) struct Inner {
    pub(super) shared: Arc<Shared>,
    pub(super) tx: mpsc::Sender<Msg>,
    pub(super) writer: Mutex<Option<JoinHandle<()>>>,
    pub(super) publisher: Mutex<Option<JoinHandle<()>>>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    /// Joins the threads (the writer has been asked to stop) and publishes the final
    /// checkpoint.
    pub(super) fn finish(&self) -> Result<(), AuditError> {
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
    pub(super) fn failure(&self) -> AuditError {
        AuditError::Failed {
            reason: lock(&self.failed)
                .clone()
                .unwrap_or_else(|| "unknown failure".into()),
        }
    }

    pub(super) fn fail(&self, reason: String) {
        let mut f = lock(&self.failed);
        if f.is_none() {
            *f = Some(reason);
        }
        self.has_failed.store(true, Ordering::Release);
    }

    pub(super) fn entry(&self, index: u64) -> Result<Vec<u8>, AuditError> {
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

    pub(super) fn stop_publisher(&self) {
        lock(&self.signal).stop = true;
        self.wake.notify_all();
    }

    pub(super) fn kick_publisher(&self) {
        let mut s = lock(&self.signal);
        if !s.kick {
            s.kick = true;
            self.wake.notify_all();
        }
    }
}
