//! Publication: signed checkpoints and tiles of the durable tree, written by the publisher
//! thread (or on demand).

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use super::AuditError;
use super::shared::{Shared, lock, read, write};
use crate::checkpoint::Checkpoint;
use crate::hash::Hash;
use crate::store;
use crate::tiles;

impl Shared {
    /// Publishes the durable tree: tiles, `checkpoints/<size>`, `tlog/checkpoint`.
    pub(super) fn publish(&self) -> Result<String, AuditError> {
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

/// The publisher thread: publishes every `checkpoint_every_entries` entries (when kicked by
/// the writer) or `checkpoint_every`, whichever first; a final time when stopped.
pub(super) fn publisher_loop(shared: Arc<Shared>) {
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
