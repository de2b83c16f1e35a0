//! The tree published as C2SP `tlog-tiles`: hash tiles, partial tiles and entry bundles,
//! laid out on disk exactly as a tiles client would fetch them under a log prefix.
//!
//! A tile at tile-level `L` holds up to 256 consecutive hashes of tree level `8 L`; the
//! rightmost tile of each level is usually *partial* (`.p/W`, 1–255 hashes). Entry bundles
//! mirror the level-0 tiles with the entries themselves, each prefixed by its length as a
//! big-endian `u16` (so an entry is at most 65,535 bytes). Full tiles never change once
//! written; partial tiles of earlier sizes are kept so earlier checkpoints stay servable.
//!
//! [`write_tiles`] assumes one writer per directory (temporary names are fixed).

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::hash::{Hash, leaf_hash, node_hash};
use crate::proof::{HashSource, ProofError};
use crate::tree::MemoryTree;

/// Number of hashes (or entries) in a full tile (or bundle).
pub const TILE_WIDTH: u64 = 256;
/// Number of tree levels one tile level spans (`TILE_WIDTH == 1 << TILE_HEIGHT`).
pub const TILE_HEIGHT: u32 = 8;
/// The largest entry an entry bundle can hold (its length prefix is a `u16`).
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

const HASH_LEN: usize = 32;
/// Tiles kept in a [`TileReader`]'s cache before it is emptied.
const CACHE_TILES: usize = 1024;

/// Why tiles or bundles could not be written, read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// An entry is too large for an entry bundle.
    #[error("entry {index} is {len} bytes; an entry bundle holds entries of at most 65535 bytes")]
    EntryTooLarge {
        /// Position of the entry (in the bundle given to `encode_bundle`, or in the log).
        index: u64,
        /// Its length in bytes.
        len: usize,
    },
    /// An entry bundle ends in the middle of a length prefix or of an entry.
    #[error("entry bundle truncated at byte {offset}")]
    TruncatedBundle {
        /// Offset of the record that could not be read completely.
        offset: usize,
    },
    /// An entry bundle file holds a different number of entries than its path says.
    #[error("{}: bundle holds {got} entries, expected {expected}", path.display())]
    BundleWidth {
        /// The bundle file.
        path: PathBuf,
        /// Entries the tree size calls for.
        expected: u64,
        /// Entries found.
        got: usize,
    },
    /// The entry source did not supply an entry the bundles need.
    #[error("entry {index} is not available")]
    MissingEntry {
        /// The missing entry's index in the log.
        index: u64,
    },
    /// An entry does not hash to the corresponding leaf of the tree.
    #[error("entry {index} does not hash to leaf {index} of the tree")]
    EntryHashMismatch {
        /// The entry's index in the log.
        index: u64,
    },
    /// A file-system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Reading or checking tile hashes failed, or sizes or indices are out of range.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TileError + '_ {
    move |source| TileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `<N>` of a tile path: zero-padded 3-digit groups, all but the last prefixed with `x`.
fn encode_index(index: u64) -> String {
    let mut out = format!("{:03}", index % 1000);
    let mut n = index / 1000;
    while n > 0 {
        out = format!("x{:03}/{out}", n % 1000);
        n /= 1000;
    }
    out
}

fn width_suffix(partial_width: Option<u64>) -> String {
    match partial_width {
        Some(w) if w < TILE_WIDTH => format!(".p/{w}"),
        _ => String::new(),
    }
}

/// The path of hash tile `index` at tile level `level`, relative to the log prefix:
/// `tile/<L>/<N>[.p/<W>]`, e.g. `tile/0/x001/x234/067` for index 1234067.
///
/// `partial_width` `Some(w)` with `w` in 1..=255 names the partial tile of width `w`;
/// `None` or a width of 256 or more names the full tile. (`Some(0)` yields `.p/0`, which
/// the spec forbids: there are no empty tiles.)
pub fn tile_path(level: u64, index: u64, partial_width: Option<u64>) -> String {
    format!(
        "tile/{level}/{}{}",
        encode_index(index),
        width_suffix(partial_width)
    )
}

/// The path of entry bundle `index`, relative to the log prefix:
/// `tile/entries/<N>[.p/<W>]`, with `<N>` and the width as in [`tile_path`].
pub fn entries_path(index: u64, partial_width: Option<u64>) -> String {
    format!(
        "tile/entries/{}{}",
        encode_index(index),
        width_suffix(partial_width)
    )
}

/// Encode entries as a bundle: each entry as a big-endian `u16` length and its bytes.
pub fn encode_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum());
    for (i, e) in entries.iter().enumerate() {
        push_entry(&mut out, i as u64, e)?;
    }
    Ok(out)
}

fn push_entry(out: &mut Vec<u8>, index: u64, entry: &[u8]) -> Result<(), TileError> {
    let len = entry.len();
    let prefix = u16::try_from(len).map_err(|_| TileError::EntryTooLarge { index, len })?;
    out.extend_from_slice(&prefix.to_be_bytes());
    out.extend_from_slice(entry);
    Ok(())
}

/// Decode a bundle into its entries; any trailing partial record is an error.
pub fn decode_bundle(bytes: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let truncated = TileError::TruncatedBundle { offset };
        let prefix = bytes.get(offset..offset + 2).ok_or(truncated)?;
        let len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let start = offset + 2;
        let entry = bytes
            .get(start..start + len)
            .ok_or(TileError::TruncatedBundle { offset })?;
        out.push(entry.to_vec());
        offset = start + len;
    }
    Ok(out)
}

/// The tiles of one tile level that change when that level grows from `old_count` to
/// `new_count` hashes: `(tile index, width)`, width 256 for a full tile.
fn changed_tiles(old_count: u64, new_count: u64) -> impl Iterator<Item = (u64, u64)> {
    let first = old_count / TILE_WIDTH;
    let end = if new_count > old_count {
        new_count.div_ceil(TILE_WIDTH)
    } else {
        first
    };
    (first..end).map(move |n| (n, (new_count - n * TILE_WIDTH).min(TILE_WIDTH)))
}

fn partial(width: u64) -> Option<u64> {
    (width < TILE_WIDTH).then_some(width)
}

/// Write, under `root_dir`, every hash tile and entry bundle that changes when the tree
/// grows from `old_size` to `tree.size()`: full tiles once, partial tiles `.p/W` for the
/// rightmost ones. Every file is written to a temporary name; then one file-system sync,
/// the renames, and one more sync (readers never see a torn file, and everything is durable
/// when this returns).
///
/// `entry(i)` must return entry `i` for every index of a bundle being written, including
/// earlier entries of a partial bundle; each is checked against leaf `i` of `tree`.
/// Idempotent: after a crash, call again with the same `old_size`.
pub fn write_tiles(
    root_dir: &Path,
    tree: &MemoryTree,
    old_size: u64,
    entry: &dyn Fn(u64) -> Option<Vec<u8>>,
) -> Result<(), TileError> {
    let new_size = tree.size();
    if old_size > new_size {
        return Err(ProofError::SizesReversed { old_size, new_size }.into());
    }
    if old_size == new_size {
        return Ok(());
    }
    let mut w = AtomicWriter::new(root_dir);

    let mut buf = Vec::new();
    for (n, width) in changed_tiles(old_size, new_size) {
        buf.clear();
        for i in n * TILE_WIDTH..n * TILE_WIDTH + width {
            let e = entry(i).ok_or(TileError::MissingEntry { index: i })?;
            if Some(leaf_hash(&e)) != tree.leaf(i) {
                return Err(TileError::EntryHashMismatch { index: i });
            }
            push_entry(&mut buf, i, &e)?;
        }
        w.write(&entries_path(n, partial(width)), &buf)?;
    }

    for tile_level in 0..=(63 / TILE_HEIGHT) {
        let shift = tile_level * TILE_HEIGHT;
        let (old_count, new_count) = (old_size >> shift, new_size >> shift);
        if old_count == new_count {
            break;
        }
        let hashes = tree.level(shift as usize);
        for (n, width) in changed_tiles(old_count, new_count) {
            let start = (n * TILE_WIDTH) as usize;
            let tile = hashes
                .get(start..start + width as usize)
                .ok_or(ProofError::Missing {
                    level: shift as u8,
                    index: n * TILE_WIDTH + width - 1,
                })?;
            buf.clear();
            tile.iter().for_each(|h| buf.extend_from_slice(h));
            w.write(&tile_path(u64::from(tile_level), n, partial(width)), &buf)?;
        }
    }
    w.finish()
}

/// Writes files atomically in two phases: every file goes to a temporary name first, then
/// one file-system sync makes them all durable, then all are renamed into place, then one
/// more sync makes the renames (directory entries) durable. Readers never see a torn file,
/// and a checkpoint costs two syncs rather than one per file — per-file fsyncs each force a
/// journal commit that the entry log's own fsync would then queue behind.
struct AtomicWriter<'a> {
    root: &'a Path,
    known_dirs: BTreeSet<PathBuf>,
    dirty_dirs: BTreeSet<PathBuf>,
    /// (temporary file, final path), in write order.
    pending: Vec<(PathBuf, PathBuf)>,
}

impl<'a> AtomicWriter<'a> {
    fn new(root: &'a Path) -> Self {
        Self {
            root,
            known_dirs: BTreeSet::new(),
            dirty_dirs: BTreeSet::new(),
            pending: Vec::new(),
        }
    }

    /// Create `dir` and any missing ancestors, marking each new entry's parent dirty.
    fn ensure_dir(&mut self, dir: &Path) -> Result<(), TileError> {
        if self.known_dirs.contains(dir) {
            return Ok(());
        }
        let mut missing = Vec::new();
        let mut cur = Some(dir);
        while let Some(d) = cur {
            if self.known_dirs.contains(d) || d.as_os_str().is_empty() || d.is_dir() {
                break;
            }
            missing.push(d.to_path_buf());
            cur = d.parent();
        }
        for d in missing.iter().rev() {
            match fs::create_dir(d) {
                Ok(()) => {
                    if let Some(parent) = d.parent().filter(|p| !p.as_os_str().is_empty()) {
                        self.dirty_dirs.insert(parent.to_path_buf());
                    }
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists && d.is_dir() => {}
                Err(e) => return Err(io_err(d)(e)),
            }
        }
        self.known_dirs.insert(dir.to_path_buf());
        Ok(())
    }

    /// Write `data` to a temporary file beside `rel`; it is renamed in [`Self::finish`].
    fn write(&mut self, rel: &str, data: &[u8]) -> Result<(), TileError> {
        let path = self.root.join(rel);
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(io_err(&path)(ErrorKind::InvalidInput.into()));
        };
        self.ensure_dir(dir)?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(".tmp");
        let tmp = dir.join(tmp_name);
        let result = File::create(&tmp)
            .and_then(|mut f| f.write_all(data))
            .map_err(io_err(&tmp));
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        self.dirty_dirs.insert(dir.to_path_buf());
        self.pending.push((tmp, path));
        Ok(())
    }

    /// Make every written file durable, rename them into place, make the renames durable.
    fn finish(mut self) -> Result<(), TileError> {
        self.sync_files()?;
        while let Some((tmp, path)) = self.pending.first().cloned() {
            fs::rename(&tmp, &path).map_err(io_err(&path))?;
            self.pending.remove(0);
        }
        self.sync_dirs()
    }

    /// Remove temporary files not yet renamed.
    fn abandon(&mut self) {
        for (tmp, _) in self.pending.drain(..) {
            let _ = fs::remove_file(tmp);
        }
    }

    /// Flush the data of every pending file: one `syncfs` on Linux, else one fsync each.
    fn sync_files(&self) -> Result<(), TileError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        #[cfg(target_os = "linux")]
        {
            syncfs(self.root)
        }
        #[cfg(not(target_os = "linux"))]
        {
            for (tmp, _) in &self.pending {
                File::open(tmp)
                    .and_then(|f| f.sync_all())
                    .map_err(io_err(tmp))?;
            }
            Ok(())
        }
    }

    /// Make directory changes (new files, renames, new directories) durable.
    fn sync_dirs(&self) -> Result<(), TileError> {
        if self.dirty_dirs.is_empty() {
            return Ok(());
        }
        #[cfg(target_os = "linux")]
        {
            syncfs(self.root)
        }
        #[cfg(not(target_os = "linux"))]
        {
            // Deepest first, so a directory's own entry is synced after its contents.
            for dir in self.dirty_dirs.iter().rev() {
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(io_err(dir))?;
            }
            Ok(())
        }
    }
}

impl Drop for AtomicWriter<'_> {
    /// An error part-way (a missing entry, a failed write) leaves no temporary files behind.
    fn drop(&mut self) {
        self.abandon();
    }
}

/// Flush the whole file system holding `path` (Linux `syncfs(2)`): data and metadata of
/// every file written so far, in one call.
#[cfg(target_os = "linux")]
fn syncfs(path: &Path) -> Result<(), TileError> {
    use std::os::fd::AsRawFd;
    let dir = File::open(path).map_err(io_err(path))?;
    // SAFETY: syncfs on a file descriptor we own and keep open for the call; it has no
    // memory-safety preconditions.
    let rc = unsafe { libc::syncfs(dir.as_raw_fd()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io_err(path)(std::io::Error::last_os_error()))
    }
}

/// A tile's hashes (row 0) and the complete subtrees above them within the tile (rows 1–7).
type TileTree = Arc<Vec<Vec<Hash>>>;

/// Reads a tile directory as a third party would, trusting only the tree size (taken from
/// a verified checkpoint). Computes any complete subtree from the tiles, so it serves proofs
/// and roots through [`HashSource`]. Tiles are cached (they are immutable for a given size).
#[derive(Debug)]
pub struct TileReader {
    root_dir: PathBuf,
    size: u64,
    cache: Mutex<HashMap<(u64, u64), TileTree>>,
}

impl TileReader {
    /// A reader of the tree of `size` leaves published under `root_dir`.
    pub fn new(root_dir: &Path, size: u64) -> Self {
        Self {
            root_dir: root_dir.to_path_buf(),
            size,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The tree size this reader was opened at.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Entry `index`, read from its bundle and checked against its leaf hash in the tiles.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, TileError> {
        if index >= self.size {
            let size = self.size;
            return Err(ProofError::IndexOutOfRange { index, size }.into());
        }
        let n = index / TILE_WIDTH;
        let width = (self.size - n * TILE_WIDTH).min(TILE_WIDTH);
        let (path, bytes) = self.read_resource(
            &entries_path(n, partial(width)),
            &entries_path(n, None),
            |full| decode_bundle(full).is_ok_and(|e| e.len() as u64 == TILE_WIDTH),
        )?;
        let mut entries = decode_bundle(&bytes)?;
        if width < TILE_WIDTH && entries.len() as u64 == TILE_WIDTH {
            entries.truncate(width as usize); // fell back to the full bundle
        }
        if entries.len() as u64 != width {
            return Err(TileError::BundleWidth {
                path,
                expected: width,
                got: entries.len(),
            });
        }
        let e = entries.swap_remove((index % TILE_WIDTH) as usize);
        if leaf_hash(&e) != self.subtree(0, index)? {
            return Err(TileError::EntryHashMismatch { index });
        }
        Ok(e)
    }

    /// Read a partial resource, falling back (as the spec allows) to the full one that has
    /// superseded it when the partial file is gone and `full_ok` accepts the full file.
    fn read_resource(
        &self,
        rel: &str,
        full_rel: &str,
        full_ok: impl Fn(&[u8]) -> bool,
    ) -> Result<(PathBuf, Vec<u8>), TileError> {
        let path = self.root_dir.join(rel);
        match fs::read(&path) {
            Ok(b) => Ok((path, b)),
            Err(e) if e.kind() == ErrorKind::NotFound && rel != full_rel => {
                let full = self.root_dir.join(full_rel);
                match fs::read(&full) {
                    Ok(b) if full_ok(&b) => Ok((full, b)),
                    _ => Err(io_err(&path)(e)),
                }
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Tile `n` of tile level `tile_level`, as wide as the tree size implies, with the
    /// subtrees inside it computed once.
    fn tile(&self, tile_level: u32, n: u64) -> Result<TileTree, ProofError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = cache.get(&(u64::from(tile_level), n)) {
            return Ok(Arc::clone(t));
        }
        let count = self.size >> (tile_level * TILE_HEIGHT);
        let width = count.saturating_sub(n * TILE_WIDTH).min(TILE_WIDTH);
        let want = width as usize * HASH_LEN;
        let level = u64::from(tile_level);
        let full_len = TILE_WIDTH as usize * HASH_LEN;
        let (path, mut bytes) = self
            .read_resource(
                &tile_path(level, n, partial(width)),
                &tile_path(level, n, None),
                |full| full.len() == full_len,
            )
            .map_err(|e| match e {
                TileError::Io { path, source } => ProofError::Io { path, source },
                other => ProofError::Malformed(other.to_string()),
            })?;
        if bytes.len() == full_len && want < full_len {
            bytes.truncate(want); // fell back to the full tile
        }
        if bytes.len() != want {
            return Err(ProofError::Malformed(format!(
                "{}: {} bytes, expected {want} ({width} hashes)",
                path.display(),
                bytes.len()
            )));
        }
        let mut rows: Vec<Vec<Hash>> = vec![
            bytes
                .chunks_exact(HASH_LEN)
                .map(|c| c.try_into().unwrap_or([0u8; HASH_LEN]))
                .collect(),
        ];
        while let Some(row) = rows.last().filter(|r| r.len() > 1 && rows.len() < 8) {
            let up = row
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            rows.push(up);
        }
        if cache.len() >= CACHE_TILES {
            cache.clear();
        }
        let tile = Arc::new(rows);
        cache.insert((level, n), Arc::clone(&tile));
        Ok(tile)
    }
}

impl HashSource for TileReader {
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        let missing = ProofError::Missing { level, index };
        let end = (u128::from(index) + 1).checked_shl(u32::from(level));
        if level > 63 || end.is_none_or(|end| end > u128::from(self.size)) {
            return Err(missing);
        }
        let tile_level = u32::from(level) / TILE_HEIGHT;
        let rise = u32::from(level) % TILE_HEIGHT;
        let first = index << rise; // first hash of the subtree within its tile level
        let tile = self.tile(tile_level, first / TILE_WIDTH)?;
        let at = ((first % TILE_WIDTH) >> rise) as usize;
        let hash = tile.get(rise as usize).and_then(|row| row.get(at));
        hash.copied().ok_or(missing)
    }
}
