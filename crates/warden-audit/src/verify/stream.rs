//! Streaming `entries.wal` once: the recomputed tree, the record checksums and the
//! published entry bundles.

use std::io;
use std::ops::ControlFlow;

use super::published::{BundleCheck, Mismatch};
use super::{AUDIT, Problem, ProblemKind, io_msg, wal};
use crate::config::MAX_ENTRY_BYTES_CEILING;
use crate::hash::leaf_hash;
use crate::store::{self, Layout};
use crate::tree::MemoryTree;

/// What streaming the WAL found.
pub(super) struct WalFacts {
    pub(super) tree: MemoryTree,
    pub(super) missing: bool,
    /// First record failing its checksum: (index, offset), and how many.
    pub(super) bad_check: Option<(u64, u64)>,
    pub(super) bad_checks: u64,
    /// An unparseable record stopped reading at this index.
    pub(super) stopped_at: Option<u64>,
    pub(super) bundle_mismatch: Option<Mismatch>,
}

pub(super) fn stream_wal(
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
