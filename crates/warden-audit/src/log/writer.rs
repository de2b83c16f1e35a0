//! The group-commit writer thread.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use super::AuditError;
use super::shared::{Leaves, Msg, Shared, write};
use crate::store::{self, WalWriter};

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
pub(super) fn writer_loop(shared: Arc<Shared>, mut rx: mpsc::Receiver<Msg>, mut wal: WalWriter) {
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
