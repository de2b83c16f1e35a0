//! On-disk storage of the audit log: the data-directory layout, the entry WAL and durable
//! file helpers.
//!
//! # Layout
//!
//! Everything lives under `<data-dir>/audit/`:
//!
//! | path | what |
//! |---|---|
//! | `log.key`, `log.vkey` | the log's Ed25519 signing key and its verifier key (see `keys`) |
//! | `entries.wal` | the durable entry store (below) — the source of truth |
//! | `checkpoints/<size>` | every published signed checkpoint (history, never rewritten) |
//! | `tlog/` | the C2SP `tlog-tiles` tree: `tlog/checkpoint`, `tlog/tile/...` |
//!
//! `<size>` is the checkpoint's tree size as a 20-digit zero-padded decimal
//! ([`checkpoint_file_name`]); `tlog/checkpoint` is the latest signed checkpoint.
//!
//! Files are created durably: a new file or directory is followed by an fsync of its parent
//! directory; checkpoints are written as temp file + fsync + rename + directory fsync (temp
//! files are named `.<name>.tmp` and are removed on open).
//!
//! # `entries.wal` record format (version 1)
//!
//! The file is a plain concatenation of records, with no file header; entry `i` (0-based) is
//! the `i`-th record. Each record is
//!
//! ```text
//! [ length: u32, big-endian ][ entry: `length` bytes ][ check: 4 bytes ]
//! ```
//!
//! where `check` is the **first 4 bytes of SHA-256(entry)** (the plain SHA-256 of the entry
//! bytes — not the RFC 9162 leaf hash, which prefixes `0x00`). The check detects torn and
//! corrupted records; tampering is detected by the Merkle tree and the signed checkpoints,
//! not by this check. A zero-filled region can never parse as a valid record: it would be an
//! empty entry with check `00000000`, but SHA-256 of the empty string starts `e3b0c442`.
//!
//! Reading the file ([`scan_wal`]):
//! - a final record cut short (fewer than 4 header bytes, or fewer than `length + 4` bytes
//!   after the header) is a **torn tail**: the writer was interrupted before its fdatasync,
//!   so the record was never acknowledged; recovery truncates it;
//! - a final region made only of zero bytes is also a torn tail (a file extended by a crash
//!   before its data reached the disk);
//! - a complete record whose check does not match, or whose length exceeds the configured
//!   maximum, is **corruption**, reported with its index and byte offset — never truncated.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::log::AuditError;

/// The audit log's directory under the data directory.
pub const AUDIT_DIR: &str = "audit";
/// The entry WAL, under [`AUDIT_DIR`].
pub const WAL_FILE: &str = "entries.wal";
/// The checkpoint history directory, under [`AUDIT_DIR`].
pub const CHECKPOINTS_DIR: &str = "checkpoints";
/// The tlog-tiles root, under [`AUDIT_DIR`].
pub const TLOG_DIR: &str = "tlog";
/// The latest signed checkpoint, under [`TLOG_DIR`].
pub const TLOG_CHECKPOINT: &str = "checkpoint";
/// Bytes a record adds around its entry: the length and the check.
pub const RECORD_OVERHEAD: usize = 8;

/// The paths of one log's files.
#[derive(Debug, Clone)]
pub struct Layout {
    /// `<data-dir>/audit`
    pub dir: PathBuf,
    /// `<data-dir>/audit/entries.wal`
    pub wal: PathBuf,
    /// `<data-dir>/audit/checkpoints`
    pub checkpoints: PathBuf,
    /// `<data-dir>/audit/tlog`
    pub tlog: PathBuf,
}

impl Layout {
    /// The layout under a data directory (nothing is created).
    pub fn new(data_dir: &Path) -> Layout {
        let dir = data_dir.join(AUDIT_DIR);
        Layout {
            wal: dir.join(WAL_FILE),
            checkpoints: dir.join(CHECKPOINTS_DIR),
            tlog: dir.join(TLOG_DIR),
            dir,
        }
    }

    /// The history file of the checkpoint of a given size.
    pub fn checkpoint_path(&self, size: u64) -> PathBuf {
        self.checkpoints.join(checkpoint_file_name(size))
    }

    /// `tlog/checkpoint`.
    pub fn tlog_checkpoint(&self) -> PathBuf {
        self.tlog.join(TLOG_CHECKPOINT)
    }
}

/// The file name of the checkpoint of a given size: 20-digit zero-padded decimal.
pub fn checkpoint_file_name(size: u64) -> String {
    format!("{size:020}")
}

/// Parses a checkpoint history file name (exactly 20 ASCII digits).
pub fn parse_checkpoint_file_name(name: &str) -> Option<u64> {
    if name.len() == 20 && name.bytes().all(|b| b.is_ascii_digit()) {
        name.parse().ok()
    } else {
        None
    }
}

/// The 4-byte check stored after an entry: the first 4 bytes of SHA-256(entry).
pub fn record_check(entry: &[u8]) -> [u8; 4] {
    let digest = Sha256::digest(entry);
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Appends the WAL record of `entry` to `out`. The caller has checked that the entry fits
/// in a `u32` (the log enforces `max_entry_bytes`, at most 64 MiB).
pub fn encode_record(entry: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(entry.len()).unwrap_or(u32::MAX);
    out.reserve(entry.len() + RECORD_OVERHEAD);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(entry);
    out.extend_from_slice(&record_check(entry));
}

/// How a WAL ends after its last valid record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalTail {
    /// The file ends exactly after the last record.
    Clean,
    /// An incomplete final record (or a zero-filled region) starts at `offset`; it was
    /// never acknowledged and recovery removes it.
    Torn {
        /// Byte offset where the torn record starts (= the valid length).
        offset: u64,
        /// How many bytes follow the last valid record.
        bytes: u64,
        /// Why it is considered torn.
        reason: &'static str,
    },
}

/// The result of reading a WAL from start to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalScan {
    /// How many valid records the file holds.
    pub records: u64,
    /// The byte length covered by the valid records.
    pub valid_len: u64,
    /// The file's length when scanned.
    pub file_len: u64,
    /// What follows the last valid record.
    pub tail: WalTail,
}

/// Reads `buf.len()` bytes unless the reader ends first; returns how many were read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// True when every byte of `file` from `offset` to `end` is zero (a zero-filled tail is what
/// a crash can leave after a file was extended but before its data reached the disk).
pub(crate) fn rest_is_zero(file: &File, mut offset: u64, end: u64) -> io::Result<bool> {
    let mut buf = vec![0u8; 64 * 1024];
    while offset < end {
        let want = usize::try_from((end - offset).min(buf.len() as u64)).unwrap_or(buf.len());
        let n = file.read_at(&mut buf[..want], offset)?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(false);
        }
        offset += n as u64;
    }
    Ok(true)
}

/// Reads a WAL from its start, calling `visit(index, offset, entry)` for every valid record
/// in order (a visitor error stops the scan and is returned). The file is not modified.
///
/// Errors: [`AuditError::Corrupt`] for a complete record that fails its check or declares a
/// length above `max_entry_bytes`, naming the record's index and offset;
/// [`AuditError::Io`] when the file cannot be read.
pub fn scan_wal(
    path: &Path,
    file: &File,
    max_entry_bytes: usize,
    mut visit: impl FnMut(u64, u64, &[u8]) -> Result<(), AuditError>,
) -> Result<WalScan, AuditError> {
    let io_err = |source| AuditError::Io {
        op: "read",
        path: path.to_path_buf(),
        source,
    };
    let file_len = file.metadata().map_err(io_err)?.len();
    let mut reader = io::BufReader::with_capacity(1 << 20, file);
    // The BufReader reads through the shared file position; start from 0 explicitly.
    {
        use std::io::Seek;
        reader.seek(io::SeekFrom::Start(0)).map_err(io_err)?;
    }
    let mut offset = 0u64;
    let mut index = 0u64;
    let mut entry = Vec::new();
    let torn = |offset: u64, reason| WalTail::Torn {
        offset,
        bytes: file_len - offset,
        reason,
    };
    let tail = loop {
        if offset >= file_len {
            break WalTail::Clean;
        }
        let remaining = file_len - offset;
        let mut header = [0u8; 4];
        let got = read_up_to(&mut reader, &mut header).map_err(io_err)?;
        if got < 4 {
            break torn(offset, "incomplete record header");
        }
        let len = u32::from_be_bytes(header) as u64;
        if len > max_entry_bytes as u64 {
            return Err(AuditError::Corrupt {
                index,
                offset,
                reason: format!(
                    "record declares {len} bytes, more than max_entry_bytes ({max_entry_bytes})"
                ),
            });
        }
        if remaining < len + RECORD_OVERHEAD as u64 {
            break torn(offset, "incomplete record");
        }
        // len ≤ max_entry_bytes ≤ 64 MiB, so this fits in usize.
        entry.resize(len as usize + 4, 0);
        let got = read_up_to(&mut reader, &mut entry).map_err(io_err)?;
        if got < entry.len() {
            // The file shrank while we read it.
            break torn(offset, "incomplete record");
        }
        let (body, check) = entry.split_at(len as usize);
        if record_check(body) != check {
            if rest_is_zero(file, offset, file_len).map_err(io_err)? {
                break torn(offset, "zero-filled tail");
            }
            return Err(AuditError::Corrupt {
                index,
                offset,
                reason: "checksum mismatch (the record's bytes were modified or damaged)".into(),
            });
        }
        visit(index, offset, body)?;
        index += 1;
        offset += len + RECORD_OVERHEAD as u64;
    };
    let valid_len = match tail {
        WalTail::Clean => offset,
        WalTail::Torn { offset, .. } => offset,
    };
    Ok(WalScan {
        records: index,
        valid_len,
        file_len,
        tail,
    })
}

/// Reads and checks the record of entry `index` spanning `[start, end)`.
pub fn read_record(file: &File, index: u64, start: u64, end: u64) -> Result<Vec<u8>, AuditError> {
    let corrupt = |reason: String| AuditError::Corrupt {
        index,
        offset: start,
        reason,
    };
    let total = end
        .checked_sub(start)
        .filter(|&t| t >= RECORD_OVERHEAD as u64)
        .ok_or_else(|| corrupt("invalid record bounds".into()))?;
    let total = usize::try_from(total).map_err(|_| corrupt("record too large".into()))?;
    let mut buf = vec![0u8; total];
    file.read_exact_at(&mut buf, start)
        .map_err(|e| corrupt(format!("cannot read record: {e}")))?;
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len + RECORD_OVERHEAD != total {
        return Err(corrupt(format!(
            "record length {len} does not match its position in the log"
        )));
    }
    let check: [u8; 4] = [
        buf[total - 4],
        buf[total - 3],
        buf[total - 2],
        buf[total - 1],
    ];
    buf.truncate(total - 4);
    buf.drain(..4);
    if record_check(&buf) != check {
        return Err(corrupt(
            "checksum mismatch (the record's bytes were modified after the log was opened)".into(),
        ));
    }
    Ok(buf)
}

/// fsyncs a directory, so that entries created, renamed or removed in it are durable.
pub fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| AuditError::Io {
            op: "fsync directory",
            path: dir.to_path_buf(),
            source,
        })
}

/// Creates `dir` and any missing parents, fsyncing each parent after creating a child.
pub fn create_dir_durable(dir: &Path) -> Result<(), AuditError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_durable(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(source) => {
            return Err(AuditError::Io {
                op: "create directory",
                path: dir.to_path_buf(),
                source,
            });
        }
    }
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_dir(parent),
        None => sync_dir(Path::new(".")),
    }
}

fn temp_name(name: &str) -> String {
    format!(".{name}.tmp")
}

/// Writes `bytes` to `dir/name` atomically and durably: temp file, fsync, rename, fsync of
/// the directory. A reader sees either the old content or the new, never a mix.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), AuditError> {
    let tmp = dir.join(temp_name(name));
    let dest = dir.join(name);
    let io = |op, path: &Path| {
        let path = path.to_path_buf();
        move |source| AuditError::Io { op, path, source }
    };
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io("create", &tmp))?;
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("fsync", &tmp))?;
    }
    fs::rename(&tmp, &dest).map_err(io("rename", &dest))?;
    sync_dir(dir)
}

/// Removes leftover `.<name>.tmp` files of interrupted atomic writes in `dir`.
pub fn remove_temp_files(dir: &Path) -> Result<(), AuditError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(AuditError::Io {
                op: "list directory",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut removed = false;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") {
            fs::remove_file(entry.path()).map_err(|source| AuditError::Io {
                op: "remove temp file",
                path: entry.path(),
                source,
            })?;
            removed = true;
        }
    }
    if removed {
        sync_dir(dir)?;
    }
    Ok(())
}

/// The sizes of the checkpoints in the history directory, ascending (other names ignored).
pub fn list_checkpoints(dir: &Path) -> Result<Vec<u64>, AuditError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AuditError::Io {
                op: "list directory",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut sizes: Vec<u64> = entries
        .flatten()
        .filter_map(|e| parse_checkpoint_file_name(&e.file_name().to_string_lossy()))
        .collect();
    sizes.sort_unstable();
    Ok(sizes)
}

/// Reads a small text file (a checkpoint), refusing files above `max` bytes or not UTF-8.
pub fn read_small_text(path: &Path, max: u64) -> Result<String, AuditError> {
    let io = |source| AuditError::Io {
        op: "read",
        path: path.to_path_buf(),
        source,
    };
    let f = File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    f.take(max + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > max {
        return Err(AuditError::Checkpoint {
            path: path.to_path_buf(),
            reason: format!("file is larger than {max} bytes"),
        });
    }
    String::from_utf8(buf).map_err(|_| AuditError::Checkpoint {
        path: path.to_path_buf(),
        reason: "file is not UTF-8 text".into(),
    })
}

/// Takes an exclusive advisory lock (`flock`) on an open file without waiting; `false` when
/// another open file description (in this process or another) holds it.
pub fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: flock on a file descriptor we own; it has no memory-safety preconditions.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EWOULDBLOCK) => return Ok(false),
            Some(libc::EINTR) => continue,
            _ => return Err(err),
        }
    }
}

/// The append side of the WAL: writes whole batches at the end and makes them durable.
#[derive(Debug)]
pub struct WalWriter {
    file: std::sync::Arc<File>,
    path: PathBuf,
    end: u64,
}

impl WalWriter {
    /// A writer appending at byte `end` of `file`.
    pub fn new(file: std::sync::Arc<File>, path: PathBuf, end: u64) -> WalWriter {
        WalWriter { file, path, end }
    }

    /// The byte length of the durable records.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Writes `records` (already encoded) at the end with one positioned write, then
    /// fdatasyncs. On success they are durable and the end advances; on error the state of
    /// the file past the old end is unknown and the caller must stop writing.
    pub fn append_durable(&mut self, records: &[u8]) -> Result<(), AuditError> {
        self.file
            .write_all_at(records, self.end)
            .map_err(|source| AuditError::Io {
                op: "write",
                path: self.path.clone(),
                source,
            })?;
        self.file.sync_data().map_err(|source| AuditError::Io {
            op: "fdatasync",
            path: self.path.clone(),
            source,
        })?;
        self.end += records.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_bytes(bytes: &[u8]) -> Result<(WalScan, Vec<Vec<u8>>), AuditError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w");
        fs::write(&p, bytes).unwrap();
        let f = File::open(&p).unwrap();
        let mut seen = Vec::new();
        let s = scan_wal(&p, &f, 1000, |i, _, e| {
            assert_eq!(i as usize, seen.len());
            seen.push(e.to_vec());
            Ok(())
        })?;
        Ok((s, seen))
    }

    #[test]
    fn round_trip_and_torn_tails() {
        let mut buf = Vec::new();
        encode_record(b"hello", &mut buf);
        encode_record(b"", &mut buf);
        encode_record(b"world!", &mut buf);
        let (s, seen) = scan_bytes(&buf).unwrap();
        assert_eq!(s.tail, WalTail::Clean);
        assert_eq!(s.records, 3);
        assert_eq!(seen, vec![b"hello".to_vec(), vec![], b"world!".to_vec()]);
        // Every strict prefix ends in a torn tail that keeps only the complete records.
        for cut in 0..buf.len() {
            let (s, seen) = scan_bytes(&buf[..cut]).unwrap();
            let complete = [0usize, 13, 21, 35].iter().filter(|&&e| e <= cut).count() - 1;
            assert_eq!(s.records as usize, complete, "cut {cut}");
            assert_eq!(seen.len(), complete);
            assert_eq!(s.valid_len, [0u64, 13, 21, 35][complete]);
        }
        // A zero-filled tail is torn, never an entry.
        let mut z = buf.clone();
        z.extend_from_slice(&[0u8; 40]);
        let (s, _) = scan_bytes(&z).unwrap();
        assert_eq!(s.records, 3);
        assert!(matches!(
            s.tail,
            WalTail::Torn {
                offset: 35,
                bytes: 40,
                ..
            }
        ));
    }

    #[test]
    fn corruption_names_the_index() {
        let mut buf = Vec::new();
        for e in [b"aaaa", b"bbbb", b"cccc"] {
            encode_record(e, &mut buf);
        }
        buf[12 + 5] ^= 1; // inside entry 1
        match scan_bytes(&buf) {
            Err(AuditError::Corrupt { index, offset, .. }) => {
                assert_eq!((index, offset), (1, 12));
            }
            other => panic!("{other:?}"),
        }
        let mut big = Vec::new();
        big.extend_from_slice(&5000u32.to_be_bytes());
        big.extend_from_slice(&[1u8; 20]);
        assert!(matches!(
            scan_bytes(&big),
            Err(AuditError::Corrupt { index: 0, .. })
        ));
    }

    #[test]
    fn checkpoint_names() {
        assert_eq!(checkpoint_file_name(42), "00000000000000000042");
        assert_eq!(parse_checkpoint_file_name("00000000000000000042"), Some(42));
        assert_eq!(parse_checkpoint_file_name("42"), None);
        assert_eq!(
            parse_checkpoint_file_name(".00000000000000000042.tmp"),
            None
        );
        assert_eq!(parse_checkpoint_file_name("99999999999999999999"), None);
    }
}
