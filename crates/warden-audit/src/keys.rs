//! The log's signing key in the data directory.
//!
//! * `log.key` — the private key, one line in Go `sumdb/note` private-key format
//!   (`PRIVATE+KEY+<origin>+<hex key ID>+base64(0x01 || 32-byte Ed25519 seed)`), so the
//!   format tag, the key's name, the algorithm and a check value travel with the seed.
//!   Mode 0600; a key file readable or writable by group or others is refused.
//! * `log.vkey` — the public verifier key, one line (`<origin>+<hex key ID>+base64(0x01 ||
//!   public key)`), mode 0644: give it to anyone who should verify the log.
//!
//! Both are created on first start, each written to a fresh temporary file (`create_new`,
//! mode set at creation), flushed with fsync, then published under its final name without
//! ever replacing an existing file (a concurrent start loads the winner's key), and the
//! directory is fsynced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use crate::note::{self, NoteError, Signer, Verifier};

/// File name of the private key in the data directory.
pub const KEY_FILE: &str = "log.key";

/// File name of the public verifier key in the data directory.
pub const VKEY_FILE: &str = "log.vkey";

/// Largest key file read, in bytes.
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// Errors loading or creating the log's keys. Never contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A file-system operation failed.
    #[error("cannot {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The private key file can be read or written by group or others.
    #[error(
        "refusing to use {path}: its permissions are {mode:04o}, but a private key must not be \
         accessible to group or others (run `chmod 600` on it)"
    )]
    InsecurePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key path is a symbolic link, a directory or another non-regular file.
    #[error("refusing to use {path}: not a regular file")]
    NotARegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The key file is larger than any valid key file.
    #[error("{path} is too large to be a key file")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The private key file's content is not a valid private key.
    #[error("{path} does not hold a valid private key: {source}")]
    MalformedKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong (never includes the key).
        source: NoteError,
    },
    /// The verifier key file's content is not a valid verifier key.
    #[error("{path} does not hold a valid verifier key: {source}")]
    MalformedVerifierKey {
        /// The verifier key file.
        path: PathBuf,
        /// What is wrong.
        source: NoteError,
    },
    /// The key in the data directory belongs to another log.
    #[error("{path} is the key of log {found:?}, not of {expected:?}")]
    OriginMismatch {
        /// The key file.
        path: PathBuf,
        /// The origin asked for.
        expected: String,
        /// The key name in the file.
        found: String,
    },
    /// `log.vkey` does not match `log.key`.
    #[error("{path} does not match the private key in {key_file}")]
    VerifierKeyMismatch {
        /// The verifier key file.
        path: PathBuf,
        /// The private key file.
        key_file: PathBuf,
    },
    /// `log.vkey` exists but `log.key` does not: the log's key was lost or removed, and
    /// silently creating a new one would change the log's identity.
    #[error(
        "{path} exists but the private key {key_file} does not; restore the key, or remove \
         {path} to start a log with a new key"
    )]
    MissingPrivateKey {
        /// The verifier key file.
        path: PathBuf,
        /// The missing private key file.
        key_file: PathBuf,
    },
    /// The origin is not a valid key name.
    #[error("invalid log origin: {0}")]
    InvalidOrigin(NoteError),
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> KeyError {
    move |source| KeyError::Io {
        op,
        path: path.to_owned(),
        source,
    }
}

/// Loads the log's signer from `dir/log.key`, creating the key (and `dir`) on first start.
///
/// Refuses a key file with group or other permissions, one that is not a regular file, one
/// whose key name is not `origin`, and a `log.vkey` that does not match it. Writes
/// `dir/log.vkey` if it is missing.
pub fn load_or_create_signer(dir: &Path, origin: &str) -> Result<Signer, KeyError> {
    note::validate_key_name(origin).map_err(KeyError::InvalidOrigin)?;
    create_dir(dir)?;
    let key_path = dir.join(KEY_FILE);
    let vkey_path = dir.join(VKEY_FILE);
    // Two rounds at most: if another process publishes a key between our "not found" and
    // our publish, we load theirs.
    for _ in 0..2 {
        match read_key_file(&key_path) {
            Ok(skey) => {
                let signer = Signer::from_skey(skey.trim_end_matches('\n')).map_err(|source| {
                    KeyError::MalformedKey {
                        path: key_path.clone(),
                        source,
                    }
                })?;
                if signer.name() != origin {
                    return Err(KeyError::OriginMismatch {
                        path: key_path,
                        expected: origin.to_owned(),
                        found: signer.name().to_owned(),
                    });
                }
                ensure_vkey(dir, &signer)?;
                return Ok(signer);
            }
            Err(KeyError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                if fs::symlink_metadata(&vkey_path).is_ok() {
                    return Err(KeyError::MissingPrivateKey {
                        path: vkey_path,
                        key_file: key_path,
                    });
                }
                let signer = Signer::new(origin, SigningKey::generate(&mut rand_core::OsRng))
                    .map_err(KeyError::InvalidOrigin)?;
                let mut contents = Zeroizing::new(String::with_capacity(512));
                contents.push_str(&signer.skey());
                contents.push('\n');
                match publish_new_file(dir, KEY_FILE, contents.as_bytes(), 0o600) {
                    Ok(()) => {
                        ensure_vkey(dir, &signer)?;
                        return Ok(signer);
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(io_err("create", &key_path)(e)),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(io_err("create", &key_path)(io::Error::other(
        "the key file keeps appearing and disappearing",
    )))
}

/// Loads the log's public verifier key from `dir/log.vkey`.
pub fn load_verifier(dir: &Path) -> Result<Verifier, KeyError> {
    let path = dir.join(VKEY_FILE);
    let file = File::open(&path).map_err(io_err("open", &path))?;
    let text = read_limited(file, &path)?;
    let text = String::from_utf8(text).map_err(|_| KeyError::MalformedVerifierKey {
        path: path.clone(),
        source: NoteError::MalformedVerifierKey { what: "not UTF-8" },
    })?;
    Verifier::from_vkey(strip_one_newline(&text))
        .map_err(|source| KeyError::MalformedVerifierKey { path, source })
}

fn strip_one_newline(s: &str) -> &str {
    s.strip_suffix('\n').unwrap_or(s)
}

/// Makes sure `dir/log.vkey` exists and matches `signer`.
fn ensure_vkey(dir: &Path, signer: &Signer) -> Result<(), KeyError> {
    let path = dir.join(VKEY_FILE);
    let want = signer.verifier();
    for _ in 0..2 {
        match load_verifier(dir) {
            Ok(found) if found == want => return Ok(()),
            Ok(_) => {
                return Err(KeyError::VerifierKeyMismatch {
                    path,
                    key_file: dir.join(KEY_FILE),
                });
            }
            Err(KeyError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                let contents = format!("{}\n", want.vkey());
                match publish_new_file(dir, VKEY_FILE, contents.as_bytes(), 0o644) {
                    Ok(()) => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(io_err("create", &path)(e)),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(io_err("create", &path)(io::Error::other(
        "the verifier key file keeps appearing and disappearing",
    )))
}

fn create_dir(dir: &Path) -> Result<(), KeyError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io_err("create directory", dir))
}

/// Reads the private key file, refusing symlinks, non-regular files and group/other access.
fn read_key_file(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO planted at the key path must not hang the start; it
        // has no effect on regular files.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        // O_NOFOLLOW on a symlink fails with ELOOP.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(KeyError::NotARegularFile {
                path: path.to_owned(),
            });
        }
        Err(e) => return Err(io_err("open", path)(e)),
    };
    let meta = file.metadata().map_err(io_err("inspect", path))?;
    if !meta.is_file() {
        return Err(KeyError::NotARegularFile {
            path: path.to_owned(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyError::InsecurePermissions {
                path: path.to_owned(),
                mode,
            });
        }
    }
    let bytes = Zeroizing::new(read_limited(file, path)?);
    let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::MalformedKey {
        path: path.to_owned(),
        source: NoteError::MalformedPrivateKey { what: "not UTF-8" },
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

fn read_limited(file: File, path: &Path) -> Result<Vec<u8>, KeyError> {
    let mut buf = Vec::new();
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io_err("read", path))?;
    if buf.len() as u64 > MAX_KEY_FILE_BYTES {
        zeroize::Zeroize::zeroize(&mut buf);
        return Err(KeyError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(buf)
}

/// Writes `contents` to `dir/name` atomically and durably, never replacing an existing
/// file: temporary file (`create_new`, `mode`) + write + fsync, then a hard link to the final
/// name (fails with `AlreadyExists` if it exists), then fsync of the directory.
fn publish_new_file(dir: &Path, name: &str, contents: &[u8], mode: u32) -> io::Result<()> {
    let mut nonce = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let tmp = dir.join(format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        hex::encode(nonce)
    ));
    let target = dir.join(name);
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        {
            // The umask can only have removed bits; make the mode exact (e.g. 0644).
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        match fs::hard_link(&tmp, &target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
            // File systems without hard links: fall back to rename after re-checking.
            Err(_) => {
                if fs::symlink_metadata(&target).is_ok() {
                    return Err(io::Error::from(io::ErrorKind::AlreadyExists));
                }
                fs::rename(&tmp, &target)?;
            }
        }
        sync_dir(dir)
    })();
    // Best effort: the temporary name is gone after a rename, and a leftover is harmless.
    let _ = fs::remove_file(&tmp);
    if result.is_ok() {
        sync_dir(dir)?;
    }
    result
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const ORIGIN: &str = "warden.example/audit";

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn creates_keys_with_safe_modes_then_loads_the_same_key() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let signer = load_or_create_signer(&dir, ORIGIN).unwrap();
        assert_eq!(signer.name(), ORIGIN);
        assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
        assert_eq!(mode(&dir.join(VKEY_FILE)), 0o644);
        assert_eq!(mode(&dir), 0o700);
        let key_text = fs::read_to_string(dir.join(KEY_FILE)).unwrap();
        assert!(key_text.starts_with(&format!("PRIVATE+KEY+{ORIGIN}+")));
        assert!(key_text.ends_with('\n'));
        assert_eq!(
            fs::read_to_string(dir.join(VKEY_FILE)).unwrap(),
            format!("{}\n", signer.verifier().vkey())
        );
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");

        let again = load_or_create_signer(&dir, ORIGIN).unwrap();
        assert_eq!(again.verifier(), signer.verifier());
        assert_eq!(load_verifier(&dir).unwrap(), signer.verifier());
        let note = again.sign("hello\n").unwrap();
        let parsed = crate::note::parse_note(&note).unwrap();
        crate::note::verify_note(&parsed, &load_verifier(&dir).unwrap()).unwrap();
    }

    #[test]
    fn refuses_a_key_readable_by_others() {
        let tmp = tempfile::tempdir().unwrap();
        load_or_create_signer(tmp.path(), ORIGIN).unwrap();
        let key = tmp.path().join(KEY_FILE);
        for bad in [0o644, 0o640, 0o604, 0o620, 0o660] {
            fs::set_permissions(&key, fs::Permissions::from_mode(bad)).unwrap();
            let err = load_or_create_signer(tmp.path(), ORIGIN).unwrap_err();
            assert!(
                matches!(err, KeyError::InsecurePermissions { mode, .. } if mode == bad),
                "{err}"
            );
            assert!(err.to_string().contains("chmod 600"));
        }
        fs::set_permissions(&key, fs::Permissions::from_mode(0o400)).unwrap();
        load_or_create_signer(tmp.path(), ORIGIN).unwrap();
    }

    #[test]
    fn refuses_a_key_of_another_origin() {
        let tmp = tempfile::tempdir().unwrap();
        load_or_create_signer(tmp.path(), ORIGIN).unwrap();
        let err = load_or_create_signer(tmp.path(), "other.example/log").unwrap_err();
        assert!(matches!(err, KeyError::OriginMismatch { .. }), "{err}");
    }

    #[test]
    fn refuses_a_mismatched_or_orphaned_vkey() {
        let tmp = tempfile::tempdir().unwrap();
        load_or_create_signer(tmp.path(), ORIGIN).unwrap();
        let other = tempfile::tempdir().unwrap();
        load_or_create_signer(other.path(), ORIGIN).unwrap();
        fs::copy(other.path().join(VKEY_FILE), tmp.path().join(VKEY_FILE)).unwrap();
        let err = load_or_create_signer(tmp.path(), ORIGIN).unwrap_err();
        assert!(matches!(err, KeyError::VerifierKeyMismatch { .. }), "{err}");

        fs::write(tmp.path().join(VKEY_FILE), "garbage\n").unwrap();
        let err = load_or_create_signer(tmp.path(), ORIGIN).unwrap_err();
        assert!(
            matches!(err, KeyError::MalformedVerifierKey { .. }),
            "{err}"
        );

        // A missing vkey is recreated from the key.
        fs::remove_file(tmp.path().join(VKEY_FILE)).unwrap();
        let signer = load_or_create_signer(tmp.path(), ORIGIN).unwrap();
        assert_eq!(load_verifier(tmp.path()).unwrap(), signer.verifier());

        // A vkey without its key is not silently replaced by a new key.
        fs::remove_file(tmp.path().join(KEY_FILE)).unwrap();
        let err = load_or_create_signer(tmp.path(), ORIGIN).unwrap_err();
        assert!(matches!(err, KeyError::MissingPrivateKey { .. }), "{err}");
    }

    #[test]
    fn refuses_garbage_symlinked_and_oversized_key_files() {
        let tmp = tempfile::tempdir().unwrap();
        let key = tmp.path().join(KEY_FILE);
        let write_600 = |contents: &[u8]| {
            let _ = fs::remove_file(&key);
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&key)
                .unwrap();
            f.write_all(contents).unwrap();
        };
        use std::os::unix::fs::OpenOptionsExt;
        let secretish = "PRIVATE+KEY+warden.example/audit+00000000+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz\n";
        for contents in [
            b"".as_slice(),
            b"garbage",
            b"\xff\xfe",
            secretish.as_bytes(),
            &secretish.as_bytes()[..40],
        ] {
            write_600(contents);
            let err = load_or_create_signer(tmp.path(), ORIGIN).unwrap_err();
            assert!(matches!(err, KeyError::MalformedKey { .. }), "{err}");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("AYEKFALV"), "{shown}");
        }
        write_600(&vec![b'A'; 10_000]);
        assert!(matches!(
            load_or_create_signer(tmp.path(), ORIGIN),
            Err(KeyError::TooLarge { .. })
        ));

        fs::remove_file(&key).unwrap();
        let real = tmp.path().join("real.key");
        fs::write(&real, "x").unwrap();
        std::os::unix::fs::symlink(&real, &key).unwrap();
        assert!(matches!(
            load_or_create_signer(tmp.path(), ORIGIN),
            Err(KeyError::NotARegularFile { .. })
        ));
        fs::remove_file(&key).unwrap();
        if std::process::Command::new("mkfifo")
            .arg(&key)
            .status()
            .is_ok_and(|s| s.success())
        {
            fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
            assert!(matches!(
                load_or_create_signer(tmp.path(), ORIGIN),
                Err(KeyError::NotARegularFile { .. })
            ));
            fs::remove_file(&key).unwrap();
        }
        fs::create_dir(&key).unwrap();
        assert!(matches!(
            load_or_create_signer(tmp.path(), ORIGIN),
            Err(KeyError::NotARegularFile { .. })
        ));
    }

    #[test]
    fn rejects_an_invalid_origin_and_a_missing_vkey() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(matches!(
            load_or_create_signer(tmp.path(), "has space"),
            Err(KeyError::InvalidOrigin(_))
        ));
        assert!(!tmp.path().join(KEY_FILE).exists());
        assert!(matches!(
            load_verifier(tmp.path()),
            Err(KeyError::Io { .. })
        ));
    }

    #[test]
    fn concurrent_first_starts_agree_on_one_key() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || load_or_create_signer(&dir, ORIGIN).unwrap().verifier())
            })
            .collect();
        let verifiers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(verifiers.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(load_verifier(&dir).unwrap(), verifiers[0]);
    }
}
