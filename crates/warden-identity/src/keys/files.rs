//! Durable, private file writes and the permission check on private key files.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::IdentityError;

/// Length of an Ed25519 secret key in bytes.
pub(crate) const SECRET_LEN: usize = 32;

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> IdentityError + 'a {
    move |source| IdentityError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Create `dir` (mode 0700 on Unix) if it does not exist.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), IdentityError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io("creating directory", dir))
}

/// Write `data` to `dir/name` atomically: a temporary file created with `mode` from the
/// start, fsync, rename over the target, fsync the directory.
pub(crate) fn write_atomic(
    dir: &Path,
    name: &str,
    data: &[u8],
    mode: u32,
) -> Result<(), IdentityError> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let target = dir.join(name);
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("removing stale temporary file", &tmp)(e)),
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(io("creating", &tmp))?;
    file.write_all(data).map_err(io("writing", &tmp))?;
    file.sync_all().map_err(io("syncing", &tmp))?;
    drop(file);
    fs::rename(&tmp, &target).map_err(io("renaming into place", &target))?;
    sync_dir(dir)
}

/// fsync a directory so a rename or unlink in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), IdentityError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("syncing directory", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Read a hex-encoded Ed25519 secret from a private key file, refusing files whose mode
/// gives group or others any access.
pub(crate) fn read_secret(path: &Path) -> Result<Zeroizing<[u8; SECRET_LEN]>, IdentityError> {
    let file = File::open(path).map_err(io("opening private key", path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(io("reading metadata of", path))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(IdentityError::InsecurePermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let mut text = Zeroizing::new(String::new());
    file.take(4096)
        .read_to_string(&mut text)
        .map_err(io("reading private key", path))?;
    let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
    hex::decode_to_slice(text.trim(), secret.as_mut_slice()).map_err(|_| {
        IdentityError::CorruptKeyRing {
            path: path.to_path_buf(),
            detail: format!("private key file must hold {SECRET_LEN} hex-encoded bytes"),
        }
    })?;
    Ok(secret)
}

/// Overwrite a private key file with zeros, then delete it (best effort against recovery
/// from the file system; the rename-free unlink is what makes it unusable).
pub(crate) fn destroy_secret(dir: &Path, name: &str) -> Result<(), IdentityError> {
    let path = dir.join(name);
    match OpenOptions::new().write(true).open(&path) {
        Ok(mut file) => {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let zeros = vec![0u8; usize::try_from(len).unwrap_or(0).min(4096)];
            file.write_all(&zeros).map_err(io("overwriting", &path))?;
            file.sync_all().map_err(io("syncing", &path))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io("opening", &path)(e)),
    }
    fs::remove_file(&path).map_err(io("deleting", &path))?;
    sync_dir(dir)
}
