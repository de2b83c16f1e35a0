//! A read-only, streaming reader of `entries.wal` that never opens (or locks) the log.
//!
//! [`AuditLog::open`](crate::log::AuditLog::open) takes an exclusive lock and refuses a log
//! it cannot trust; verification, `warden audit show/tail/export` and proofs need to read the
//! entries of a log that is open in another process, or that has been tampered with. This
//! reader follows the record format documented in [`crate::store`] but reports instead of
//! refusing:
//!
//! - every complete record is passed to the visitor with its stored check, whether or not
//!   it matches ([`WalRecord::check_ok`]); a record whose check fails is *tampering or
//!   damage*, and reading continues after it (its length is still known);
//! - an incomplete final record, or a final region of zero bytes, is a [`WalEnd::Torn`]
//!   tail (what a crash leaves before recovery truncates it);
//! - a record header that declares more than `max_entry_bytes` cannot be skipped safely:
//!   reading stops with [`WalEnd::Unparseable`].
//!
//! The file is read with large sequential reads into one reusable buffer: entries are
//! handed out as borrowed slices, never copied.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

use crate::store::{RECORD_OVERHEAD, record_check};

/// The size of the read buffer.
const CHUNK: usize = 4 << 20;

/// One complete record of the WAL.
#[derive(Debug, Clone, Copy)]
pub struct WalRecord<'a> {
    /// The entry's index in the log (0-based).
    pub index: u64,
    /// The record's byte offset in the file.
    pub offset: u64,
    /// The entry bytes.
    pub entry: &'a [u8],
    /// The 4-byte check stored after the entry.
    pub check: [u8; 4],
}

impl WalRecord<'_> {
    /// Whether the stored check is the first 4 bytes of SHA-256(entry).
    pub fn check_ok(&self) -> bool {
        record_check(self.entry) == self.check
    }

    /// The byte offset just after this record.
    pub fn end(&self) -> u64 {
        self.offset + (self.entry.len() + RECORD_OVERHEAD) as u64
    }
}

/// How reading a WAL ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalEnd {
    /// The file ends exactly after the last record.
    Clean,
    /// The visitor asked to stop.
    Stopped,
    /// An incomplete final record or a zero-filled final region starts at `offset`: a
    /// write that a crash cut short (never acknowledged); recovery removes it.
    Torn {
        /// Where the torn region starts.
        offset: u64,
        /// How many bytes it holds.
        bytes: u64,
        /// Why it is torn.
        reason: &'static str,
    },
    /// A record header declares a length above the limit: the record cannot be skipped, so
    /// nothing after it can be read.
    Unparseable {
        /// The index the record would have.
        index: u64,
        /// Its byte offset.
        offset: u64,
        /// The declared length.
        declared: u64,
    },
}

/// What reading a WAL found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalScan {
    /// Index of the next record after the last one read (= records read when starting at 0).
    pub next_index: u64,
    /// Byte offset just after the last complete record read.
    pub next_offset: u64,
    /// How reading ended.
    pub end: WalEnd,
}

/// Where to start reading: the first record's index and byte offset (both 0 for the start
/// of the file; otherwise a [`WalScan`]'s `next_index`/`next_offset`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalPosition {
    /// Index of the record at `offset`.
    pub index: u64,
    /// Byte offset of a record boundary.
    pub offset: u64,
}

impl From<&WalScan> for WalPosition {
    fn from(s: &WalScan) -> Self {
        WalPosition {
            index: s.next_index,
            offset: s.next_offset,
        }
    }
}

/// Reads the WAL at `path` from `from`, calling `visit` for every complete record in order,
/// until the end of the file, an unparseable record, or the visitor returns `Break`.
///
/// Fails only when the file cannot be opened or read (`NotFound` included: callers decide
/// what a missing WAL means).
pub fn read_wal(
    path: &Path,
    from: WalPosition,
    max_entry_bytes: usize,
    mut visit: impl FnMut(&WalRecord<'_>) -> ControlFlow<()>,
) -> io::Result<WalScan> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(from.offset))?;
    let mut buf = vec![0u8; CHUNK.max(max_entry_bytes + RECORD_OVERHEAD)];
    // buf[start..end] holds unread bytes; `offset` is the file offset of buf[start].
    let (mut start, mut end) = (0usize, 0usize);
    let mut offset = from.offset;
    let mut index = from.index;
    let mut eof = false;
    let scan = |index, offset, end| WalScan {
        next_index: index,
        next_offset: offset,
        end,
    };
    loop {
        // Make sure a whole header, then a whole record, is buffered (or the file ended).
        let mut need = 4usize;
        let mut declared = 0u64;
        loop {
            if end - start >= need {
                if need == 4 {
                    let h = &buf[start..start + 4];
                    declared = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
                    if declared > max_entry_bytes as u64 {
                        return Ok(scan(
                            index,
                            offset,
                            WalEnd::Unparseable {
                                index,
                                offset,
                                declared,
                            },
                        ));
                    }
                    // declared ≤ max_entry_bytes, which fits the buffer.
                    need = declared as usize + RECORD_OVERHEAD;
                    continue;
                }
                break;
            }
            if eof {
                let left = (end - start) as u64;
                if left == 0 {
                    return Ok(scan(index, offset, WalEnd::Clean));
                }
                let reason = if buf[start..end].iter().all(|&b| b == 0) {
                    "zero-filled tail"
                } else if need == 4 {
                    "incomplete record header"
                } else {
                    "incomplete record"
                };
                return Ok(scan(
                    index,
                    offset,
                    WalEnd::Torn {
                        offset,
                        bytes: left,
                        reason,
                    },
                ));
            }
            if buf.len() - start < need {
                buf.copy_within(start..end, 0);
                end -= start;
                start = 0;
            }
            let n = read_some(&mut file, &mut buf[end..])?;
            if n == 0 {
                eof = true;
            }
            end += n;
        }
        let rec = &buf[start..start + need];
        let len = declared as usize;
        let entry = &rec[4..4 + len];
        let check = [rec[4 + len], rec[5 + len], rec[6 + len], rec[7 + len]];
        // An all-zero record (empty entry, zero check) can never be valid: SHA-256 of the
        // empty string starts e3b0c442. If everything from here on is zero, it is the
        // zero-filled tail a crash can leave, not a record.
        if len == 0 && check == [0; 4] {
            let file_len = file.metadata()?.len();
            if crate::store::rest_is_zero(&file, offset, file_len)? {
                return Ok(scan(
                    index,
                    offset,
                    WalEnd::Torn {
                        offset,
                        bytes: file_len.saturating_sub(offset),
                        reason: "zero-filled tail",
                    },
                ));
            }
        }
        let record = WalRecord {
            index,
            offset,
            entry,
            check,
        };
        let flow = visit(&record);
        start += need;
        offset += need as u64;
        index += 1;
        if flow.is_break() {
            return Ok(scan(index, offset, WalEnd::Stopped));
        }
    }
}

fn read_some(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Entry `index` of the WAL with its stored check, read without opening the log: `None`
/// when the WAL holds fewer complete records (or stops at an unparseable one before it).
pub fn read_entry(
    path: &Path,
    index: u64,
    max_entry_bytes: usize,
) -> io::Result<Option<(Vec<u8>, bool)>> {
    let mut found = None;
    read_wal(path, WalPosition::default(), max_entry_bytes, |r| {
        if r.index == index {
            found = Some((r.entry.to_vec(), r.check_ok()));
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::encode_record;

    fn read_all(bytes: &[u8]) -> (Vec<(u64, Vec<u8>, bool)>, WalScan) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w");
        std::fs::write(&p, bytes).unwrap();
        let mut seen = Vec::new();
        let s = read_wal(&p, WalPosition::default(), 1000, |r| {
            seen.push((r.index, r.entry.to_vec(), r.check_ok()));
            ControlFlow::Continue(())
        })
        .unwrap();
        (seen, s)
    }

    #[test]
    fn records_torn_tails_and_bad_checks() {
        let mut buf = Vec::new();
        for e in [&b"hello"[..], b"", b"world!"] {
            encode_record(e, &mut buf);
        }
        let (seen, s) = read_all(&buf);
        assert_eq!(seen.len(), 3);
        assert_eq!(s.end, WalEnd::Clean);
        assert_eq!(s.next_offset, buf.len() as u64);
        for cut in 0..buf.len() {
            let (seen, s) = read_all(&buf[..cut]);
            let complete = [0usize, 13, 21, 35].iter().filter(|&&e| e <= cut).count() - 1;
            assert_eq!(seen.len(), complete, "cut {cut}");
            assert_eq!(s.next_index as usize, complete);
            if cut == [0usize, 13, 21, 35][complete] {
                assert_eq!(s.end, WalEnd::Clean);
            } else {
                assert!(matches!(s.end, WalEnd::Torn { .. }), "{:?}", s.end);
            }
        }
        let mut z = buf.clone();
        z.extend_from_slice(&[0u8; 40]);
        let (seen, s) = read_all(&z);
        assert_eq!(seen.len(), 3);
        assert!(matches!(
            s.end,
            WalEnd::Torn {
                offset: 35,
                bytes: 40,
                ..
            }
        ));
        // A damaged record is reported and reading goes on.
        let mut bad = buf.clone();
        bad[13 + 4] ^= 1;
        bad[4] ^= 1;
        let (seen, s) = read_all(&bad);
        assert_eq!(
            seen.iter().map(|s| s.2).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert_eq!(s.end, WalEnd::Clean);
        // An impossible length stops reading.
        let mut big = buf.clone();
        big[13..17].copy_from_slice(&5000u32.to_be_bytes());
        let (seen, s) = read_all(&big);
        assert_eq!(seen.len(), 1);
        assert!(matches!(
            s.end,
            WalEnd::Unparseable {
                index: 1,
                offset: 13,
                declared: 5000
            }
        ));
    }

    #[test]
    fn resume_and_read_entry() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w");
        let mut buf = Vec::new();
        for i in 0..10u32 {
            encode_record(&i.to_be_bytes(), &mut buf);
        }
        std::fs::write(&p, &buf).unwrap();
        let first = read_wal(&p, WalPosition::default(), 100, |r| {
            if r.index == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(first.end, WalEnd::Stopped);
        assert_eq!(first.next_index, 4);
        let mut rest = Vec::new();
        read_wal(&p, WalPosition::from(&first), 100, |r| {
            rest.push(r.index);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(rest, (4..10).collect::<Vec<_>>());
        assert_eq!(
            read_entry(&p, 7, 100).unwrap(),
            Some((7u32.to_be_bytes().to_vec(), true))
        );
        assert_eq!(read_entry(&p, 10, 100).unwrap(), None);
    }
}
