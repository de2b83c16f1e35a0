//! Reading and verifying the signed checkpoints: the history, the latest, and a saved one.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use super::{Cp, Problem, ProblemKind, SAVED_CHECKPOINT, io_msg, rel_history};
use crate::checkpoint::{CheckpointError, open_checkpoint};
use crate::note::{self, MAX_NOTE_BYTES, NoteError, Verifier};
use crate::store::{self, Layout};

/// Checkpoints verified on one thread before the work is split over two.
const PARALLEL_CHECKPOINTS: usize = 64;

/// Reading one checkpoint file.
pub(super) enum Loaded {
    Missing,
    Valid(Cp, Option<Problem>),
    Invalid(Problem),
}

/// The first signature line's key, `name+hexid` (for wrong-key reports).
fn signing_keys(text: &str) -> Option<String> {
    let parsed = note::parse_note(text).ok()?;
    let keys: Vec<String> = parsed
        .signatures
        .iter()
        .map(|s| format!("{}+{}", s.name, hex::encode(s.key_id)))
        .collect();
    (!keys.is_empty()).then(|| keys.join(", "))
}

/// Turns a failure to open a checkpoint into a problem naming `file`.
fn checkpoint_problem(
    file: &str,
    text: &str,
    err: CheckpointError,
    verifier: &Verifier,
) -> Problem {
    let expected = format!("{}+{}", verifier.name(), hex::encode(verifier.key_id()));
    match err {
        CheckpointError::Note(NoteError::WrongKeyId { name, found, .. }) => {
            let key = format!("{name}+{}", hex::encode(found));
            let mut p = Problem::new(
                ProblemKind::WrongKey,
                format!("signed by key {key}, not by the log's key {expected}"),
            )
            .file(file);
            p.key = Some(key);
            p
        }
        CheckpointError::Note(NoteError::NoSignature { .. }) => {
            let found = signing_keys(text);
            let mut p = Problem::new(
                ProblemKind::WrongKey,
                format!(
                    "not signed by the log's key {expected}; signed by {}",
                    found.as_deref().unwrap_or("no key")
                ),
            )
            .file(file);
            p.key = found.map(|k| k.split(", ").next().unwrap_or_default().to_string());
            p
        }
        CheckpointError::Note(NoteError::BadSignature { line, .. }) => Problem::new(
            ProblemKind::BadSignature,
            format!(
                "the signature by the log's key (line {line}) does not verify: the checkpoint \
                 was altered after it was signed"
            ),
        )
        .file(file),
        CheckpointError::OriginMismatch { origin, key_name } => Problem::new(
            ProblemKind::MalformedCheckpoint,
            format!("signed by the log's key, but for origin {origin:?}, not {key_name:?}"),
        )
        .file(file),
        other => Problem::new(
            ProblemKind::MalformedCheckpoint,
            format!("not a signed checkpoint: {other}"),
        )
        .file(file),
    }
}

/// Reads and verifies one checkpoint file. I/O errors other than "not found" are fatal.
pub(super) fn load_checkpoint(
    path: &Path,
    file: String,
    named_size: Option<u64>,
    verifier: &Verifier,
) -> Result<Loaded, String> {
    let f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(e) => return Err(io_msg("checkpoint", path, &e)),
    };
    let mut bytes = Vec::new();
    f.take(MAX_NOTE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_msg("checkpoint", path, &e))?;
    let malformed = |what: String| {
        Ok(Loaded::Invalid(
            Problem::new(ProblemKind::MalformedCheckpoint, what).file(file.clone()),
        ))
    };
    if bytes.len() > MAX_NOTE_BYTES {
        return malformed(format!(
            "the file is larger than {MAX_NOTE_BYTES} bytes: not a checkpoint"
        ));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return malformed("the file is not UTF-8 text: not a checkpoint".into());
    };
    let signed = match open_checkpoint(&text, verifier) {
        Ok(s) => s,
        Err(e) => {
            return Ok(Loaded::Invalid(checkpoint_problem(
                &file, &text, e, verifier,
            )));
        }
    };
    let size = signed.checkpoint.size;
    let extra = named_size.filter(|&n| n != size).map(|n| {
        Problem::new(
            ProblemKind::MalformedCheckpoint,
            format!("the file is named for size {n} but holds a checkpoint of size {size}"),
        )
        .file(file.clone())
    });
    Ok(Loaded::Valid(
        Cp {
            file,
            size,
            root: signed.checkpoint.root,
        },
        extra,
    ))
}

/// Lists the sizes in the checkpoint history (file names of 20 digits; others ignored).
pub(super) fn list_history(dir: &Path) -> Result<Vec<u64>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_msg("directory", dir, &e)),
    };
    let mut sizes = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_msg("directory", dir, &e))?;
        if let Some(size) = entry
            .file_name()
            .to_str()
            .and_then(store::parse_checkpoint_file_name)
        {
            sizes.push(size);
        }
    }
    sizes.sort_unstable();
    Ok(sizes)
}

/// Loads the history files, splitting the signature checks over two threads when there
/// are many.
pub(super) fn load_history(
    layout: &Layout,
    sizes: &[u64],
    verifier: &Verifier,
) -> Result<Vec<Loaded>, String> {
    let load = |chunk: &[u64]| -> Result<Vec<Loaded>, String> {
        chunk
            .iter()
            .map(|&s| {
                load_checkpoint(
                    &layout.checkpoint_path(s),
                    rel_history(s),
                    Some(s),
                    verifier,
                )
            })
            .collect()
    };
    if sizes.len() < PARALLEL_CHECKPOINTS {
        return load(sizes);
    }
    let (a, b) = sizes.split_at(sizes.len() / 2);
    let (ra, rb) = std::thread::scope(|s| {
        let hb = s.spawn(|| load(b));
        let ra = load(a);
        (ra, hb.join())
    });
    let mut out = ra?;
    out.extend(rb.map_err(|_| "checkpoint verification thread failed".to_string())??);
    Ok(out)
}

/// Opens the saved checkpoint. A text that is not a checkpoint of this log is unreadable;
/// one signed by another key with the log's name means the log's key was replaced.
pub(super) fn open_saved(text: &str, verifier: &Verifier) -> Result<Result<Cp, Problem>, String> {
    match open_checkpoint(text, verifier) {
        Ok(s) => Ok(Ok(Cp {
            file: SAVED_CHECKPOINT.into(),
            size: s.checkpoint.size,
            root: s.checkpoint.root,
        })),
        Err(e @ CheckpointError::Note(NoteError::WrongKeyId { .. })) => {
            let mut p = checkpoint_problem(SAVED_CHECKPOINT, text, e, verifier);
            p.detail = format!(
                "the saved checkpoint is {}: the log's key was replaced since it was saved \
                 (or the verifier key given is not the log's)",
                p.detail
            );
            Ok(Err(p))
        }
        Err(CheckpointError::Note(NoteError::NoSignature { name, key_id })) => Err(format!(
            "the saved checkpoint is not a checkpoint of this log: it has no signature by \
             {name}+{} (it is signed by {})",
            hex::encode(key_id),
            signing_keys(text).as_deref().unwrap_or("no key")
        )),
        Err(e) => Err(format!("the saved checkpoint cannot be used: {e}")),
    }
}
