//! Self-contained inclusion proof files: everything a third party needs to check, with
//! nothing but the log's verifier key, that an entry is in the log.
//!
//! The file is one JSON object (format `warden-audit-inclusion-proof/v1`):
//!
//! | field | content |
//! |---|---|
//! | `format` | `"warden-audit-inclusion-proof/v1"` |
//! | `origin` | the log's origin (its key name) |
//! | `index` | the entry's index, 0-based |
//! | `tree_size` | the size of the checkpoint the proof is against |
//! | `leaf_hash` | RFC 9162 leaf hash of the entry, `SHA-256(0x00 ‖ entry)`, hex |
//! | `entry` | the entry bytes, standard base64 |
//! | `proof` | the RFC 9162 inclusion proof (audit path), leaf side first, hex hashes |
//! | `checkpoint` | the signed checkpoint (C2SP tlog-checkpoint note), verbatim |
//!
//! Checking ([`check_inclusion_proof`]): the checkpoint's signature by the verifier key, its
//! origin and size against the file's, the entry against the leaf hash, and the proof from
//! the leaf to the checkpoint's root (RFC 9162 §2.1.3.2).

use std::ops::ControlFlow;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{SignedCheckpoint, open_checkpoint};
use crate::config::MAX_ENTRY_BYTES_CEILING;
use crate::hash::{Hash, leaf_hash};
use crate::keys;
use crate::note::{MAX_NOTE_BYTES, Verifier};
use crate::proof::{HashSource, inclusion_proof, verify_inclusion};
use crate::store::{self, Layout};
use crate::tiles::TileReader;
use crate::tree::MemoryTree;

use super::wal;

/// The `format` of a proof file this code writes and reads.
pub const FORMAT: &str = "warden-audit-inclusion-proof/v1";

/// Largest proof file [`check_inclusion_proof`] is meant for (callers reading a file should
/// refuse larger ones): a checkpoint, a 64 KiB entry in base64 and 64 hashes fit easily.
pub const MAX_PROOF_FILE_BYTES: u64 = 4 * MAX_NOTE_BYTES as u64;

/// An inclusion proof file (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// [`FORMAT`].
    pub format: String,
    /// The log's origin.
    pub origin: String,
    /// The entry's index.
    pub index: u64,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The entry's leaf hash, hex.
    pub leaf_hash: String,
    /// The entry, standard base64.
    pub entry: String,
    /// The audit path, leaf side first, hex.
    pub proof: Vec<String>,
    /// The signed checkpoint, verbatim.
    pub checkpoint: String,
}

impl ProofFile {
    /// The file's content: pretty-printed JSON and a final newline.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Why a proof could not be made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFileError {
    /// The log, its key, or the proof file could not be read or used (not a proof file, no
    /// such entry yet, no checkpoint, ...).
    #[error("{0}")]
    Unreadable(String),
    /// Something does not verify: the proof file, or the log it was made from, was altered.
    #[error("{0}")]
    Invalid(String),
}

impl ProofFileError {
    /// Whether this is a verification failure (tampering) rather than a failure to read.
    pub fn is_invalid(&self) -> bool {
        matches!(self, ProofFileError::Invalid(_))
    }
}

/// A proof file that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedProof {
    /// The log's origin.
    pub origin: String,
    /// The entry's index.
    pub index: u64,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The checkpoint's root.
    pub root: Hash,
    /// The entry's leaf hash.
    pub leaf: Hash,
    /// The entry.
    pub entry: Vec<u8>,
}

fn unreadable(s: impl Into<String>) -> ProofFileError {
    ProofFileError::Unreadable(s.into())
}

fn invalid(s: impl Into<String>) -> ProofFileError {
    ProofFileError::Invalid(s.into())
}

/// Reads the checkpoint to prove against: `tlog/checkpoint`, or the history file of `size`.
fn read_checkpoint(
    layout: &Layout,
    size: Option<u64>,
    verifier: &Verifier,
) -> Result<SignedCheckpoint, ProofFileError> {
    let latest = layout.tlog_checkpoint();
    let path = match size {
        None => latest,
        Some(s) => {
            let history = layout.checkpoint_path(s);
            if history.exists() { history } else { latest }
        }
    };
    let text = match store::read_small_text(&path, MAX_NOTE_BYTES as u64) {
        Ok(t) => t,
        Err(crate::log::AuditError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return Err(unreadable(match size {
                None => "no checkpoint has been published yet".to_string(),
                Some(s) => format!("the log has no checkpoint of size {s}"),
            }));
        }
        Err(e) => return Err(unreadable(e.to_string())),
    };
    let signed = open_checkpoint(&text, verifier).map_err(|e| {
        invalid(format!(
            "{} does not verify: {e}; run `warden audit verify`",
            path.display()
        ))
    })?;
    if let Some(s) = size.filter(|&s| s != signed.checkpoint.size) {
        return Err(unreadable(format!(
            "the log has no checkpoint of size {s} (the latest has size {})",
            signed.checkpoint.size
        )));
    }
    Ok(signed)
}

/// Builds the proof from the published tiles (a third party's view), checked end to end.
fn from_tiles(layout: &Layout, index: u64, cp: &SignedCheckpoint) -> Option<(Vec<u8>, Vec<Hash>)> {
    let size = cp.checkpoint.size;
    let reader = TileReader::new(&layout.tlog, size);
    let entry = reader.entry(index).ok()?;
    let leaf = reader.subtree(0, index).ok()?;
    let proof = inclusion_proof(&reader, index, size).ok()?;
    verify_inclusion(&leaf, index, size, &proof, &cp.checkpoint.root).ok()?;
    Some((entry, proof))
}

/// Builds the proof from the entries themselves (when the tiles are unusable).
fn from_wal(
    layout: &Layout,
    index: u64,
    cp: &SignedCheckpoint,
) -> Result<(Vec<u8>, Vec<Hash>), ProofFileError> {
    let size = cp.checkpoint.size;
    let mut tree = MemoryTree::new();
    let mut entry = None;
    wal::read_wal(
        &layout.wal,
        wal::WalPosition::default(),
        MAX_ENTRY_BYTES_CEILING,
        |r| {
            if r.index == index {
                entry = Some(r.entry.to_vec());
            }
            tree.push(leaf_hash(r.entry));
            if tree.size() == size {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .map_err(|e| unreadable(format!("cannot read {}: {e}", layout.wal.display())))?;
    let tampered = || {
        invalid(format!(
            "the log's entries do not match its signed checkpoint of size {size}; run `warden \
             audit verify`"
        ))
    };
    let entry = entry.ok_or_else(tampered)?;
    if tree.size() < size {
        return Err(tampered());
    }
    let proof = inclusion_proof(&tree, index, size).map_err(|_| tampered())?;
    verify_inclusion(&leaf_hash(&entry), index, size, &proof, &cp.checkpoint.root)
        .map_err(|_| tampered())?;
    Ok((entry, proof))
}

/// Makes the inclusion proof of entry `index` against the latest checkpoint, or against the
/// checkpoint of `size` from the history. Reads the log without opening it (it may be open
/// in another process). The proof is verified before it is returned.
pub fn make_inclusion_proof(
    data_dir: &Path,
    index: u64,
    size: Option<u64>,
    verifier: Option<&Verifier>,
) -> Result<ProofFile, ProofFileError> {
    let layout = Layout::new(data_dir);
    if !layout.dir.is_dir() {
        return Err(unreadable(format!(
            "no audit log in {} ({} does not exist)",
            data_dir.display(),
            layout.dir.display()
        )));
    }
    let verifier = match verifier {
        Some(v) => v.clone(),
        None => keys::load_verifier(&layout.dir)
            .map_err(|e| unreadable(format!("cannot load the log's verifier key: {e}")))?,
    };
    let cp = read_checkpoint(&layout, size, &verifier)?;
    let tree_size = cp.checkpoint.size;
    if index >= tree_size {
        return Err(unreadable(format!(
            "entry {index} is not covered by the checkpoint of size {tree_size}{}",
            if size.is_none() {
                " (the latest): wait for the next checkpoint"
            } else {
                ""
            }
        )));
    }
    let (entry, proof) = match from_tiles(&layout, index, &cp) {
        Some(found) => found,
        None => from_wal(&layout, index, &cp)?,
    };
    Ok(ProofFile {
        format: FORMAT.into(),
        origin: cp.checkpoint.origin.clone(),
        index,
        tree_size,
        leaf_hash: hex::encode(leaf_hash(&entry)),
        entry: B64.encode(&entry),
        proof: proof.iter().map(hex::encode).collect(),
        checkpoint: cp.text,
    })
}

fn decode_hash(what: &str, s: &str) -> Result<Hash, ProofFileError> {
    let mut h = [0u8; 32];
    hex::decode_to_slice(s, &mut h).map_err(|_| invalid(format!("{what} is not 64 hex digits")))?;
    Ok(h)
}

/// Checks a proof file's text with the log's verifier key.
///
/// [`ProofFileError::Unreadable`] when the text is not a proof file of this format;
/// [`ProofFileError::Invalid`] when anything in it does not verify.
pub fn check_inclusion_proof(
    text: &str,
    verifier: &Verifier,
) -> Result<CheckedProof, ProofFileError> {
    let file: ProofFile = serde_json::from_str(text)
        .map_err(|e| unreadable(format!("not a Warden inclusion proof file: {e}")))?;
    if file.format != FORMAT {
        return Err(unreadable(format!(
            "unsupported proof format {:?} (this build reads {FORMAT:?})",
            file.format
        )));
    }
    let cp = open_checkpoint(&file.checkpoint, verifier).map_err(|e| {
        invalid(format!(
            "the checkpoint does not verify with key {}: {e}",
            verifier.vkey()
        ))
    })?;
    let c = &cp.checkpoint;
    if c.size != file.tree_size {
        return Err(invalid(format!(
            "tree_size is {} but the signed checkpoint has size {}",
            file.tree_size, c.size
        )));
    }
    if c.origin != file.origin {
        return Err(invalid(format!(
            "origin is {:?} but the signed checkpoint is of {:?}",
            file.origin, c.origin
        )));
    }
    let entry = B64
        .decode(&file.entry)
        .map_err(|_| invalid("entry is not standard base64"))?;
    let leaf = leaf_hash(&entry);
    let stated = decode_hash("leaf_hash", &file.leaf_hash)?;
    if stated != leaf {
        return Err(invalid(format!(
            "the entry does not hash to leaf_hash (its leaf hash is {})",
            hex::encode(leaf)
        )));
    }
    let proof = file
        .proof
        .iter()
        .enumerate()
        .map(|(i, h)| decode_hash(&format!("proof[{i}]"), h))
        .collect::<Result<Vec<_>, _>>()?;
    verify_inclusion(&leaf, file.index, c.size, &proof, &c.root).map_err(|e| {
        invalid(format!(
            "the inclusion proof of entry {} does not verify against the checkpoint: {e}",
            file.index
        ))
    })?;
    Ok(CheckedProof {
        origin: c.origin.clone(),
        index: file.index,
        tree_size: c.size,
        root: c.root,
        leaf,
        entry,
    })
}
