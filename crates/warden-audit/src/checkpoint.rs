//! C2SP [tlog-checkpoint](https://c2sp.org/tlog-checkpoint): a signed note whose text
//! commits to the log's Merkle tree head.
//!
//! ```text
//! <origin>
//! <tree size, decimal, no leading zeros>
//! <base64 root hash>
//! [extension lines]
//!
//! — <origin> base64(key ID || Ed25519 signature)
//! ```
//!
//! Warden's log signs with a key whose name is the log's origin, and
//! [`open_checkpoint`] requires that: a checkpoint of another log, or one signed by another
//! key, is rejected. Witness cosignatures (further signature lines) are preserved.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::hash::Hash;
use crate::note::{self, Note, NoteError, Signer, Verifier};

/// Most extension lines accepted in a checkpoint.
pub const MAX_EXTENSIONS: usize = 64;

/// Everything that can go wrong building, parsing, signing or opening a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The signed note is malformed or its signature does not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint text does not follow the tlog-checkpoint syntax.
    #[error("malformed checkpoint, line {line}: {what}")]
    Malformed {
        /// 1-based line number in the checkpoint text.
        line: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A checkpoint to be signed has an invalid field.
    #[error("invalid checkpoint: {what}")]
    Invalid {
        /// What is wrong.
        what: &'static str,
    },
    /// The checkpoint's origin is not the name of the key that signs or verifies it.
    #[error("checkpoint origin {origin:?} does not match the log key name {key_name:?}")]
    OriginMismatch {
        /// The origin line of the checkpoint.
        origin: String,
        /// The key name.
        key_name: String,
    },
}

/// A checkpoint body: the log's origin, tree size, root hash and optional extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity (also the name of its signing key), e.g. `example.com/warden`.
    pub origin: String,
    /// Number of entries in the tree.
    pub size: u64,
    /// RFC 9162 root hash of the first `size` entries.
    pub root: Hash,
    /// Opaque extension lines (each non-empty, without newline). Usually empty.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\n` followed by one line per extension.
    pub fn body(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for ext in &self.extensions {
            out.push_str(ext);
            out.push('\n');
        }
        out
    }

    /// Checks that [`body`](Self::body) would produce a text that [`parse_body`](Self::parse_body)
    /// gives back unchanged.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        let invalid = |what| CheckpointError::Invalid { what };
        if self.origin.is_empty() {
            return Err(invalid("empty origin"));
        }
        if has_control(&self.origin) {
            return Err(invalid("origin contains a newline or control character"));
        }
        if self.extensions.len() > MAX_EXTENSIONS {
            return Err(invalid("more than 64 extension lines"));
        }
        for ext in &self.extensions {
            if ext.is_empty() {
                return Err(invalid("empty extension line"));
            }
            if has_control(ext) {
                return Err(invalid(
                    "extension line contains a newline or control character",
                ));
            }
        }
        Ok(())
    }

    /// Parses a checkpoint text strictly: at least three lines, each ending in newline; a
    /// non-empty origin; a decimal size without sign or leading zeros that fits in 64 bits;
    /// a canonical base64 32-byte root hash; non-empty extension lines.
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let malformed = |line, what| CheckpointError::Malformed { line, what };
        if text.len() > note::MAX_NOTE_BYTES {
            return Err(CheckpointError::Note(NoteError::TooLarge {
                size: text.len(),
                max: note::MAX_NOTE_BYTES,
            }));
        }
        let Some(body) = text.strip_suffix('\n') else {
            return Err(malformed(
                text.split('\n').count(),
                "checkpoint does not end with a newline",
            ));
        };
        let mut lines = body.split('\n');
        for (i, line) in body.split('\n').enumerate() {
            if line.bytes().any(|b| b < 0x20) {
                return Err(malformed(i + 1, "control character"));
            }
        }
        let origin = lines.next().unwrap_or("");
        if origin.is_empty() {
            return Err(malformed(1, "empty origin"));
        }
        let size = lines.next().ok_or(malformed(2, "missing tree size"))?;
        let size = parse_size(size).ok_or(malformed(
            2,
            "tree size is not a decimal number without sign or leading zeros that fits in 64 bits",
        ))?;
        let root = lines.next().ok_or(malformed(3, "missing root hash"))?;
        let root: Hash = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(malformed(
                3,
                "root hash is not canonical base64 of 32 bytes",
            ))?;
        let mut extensions = Vec::new();
        for (i, ext) in lines.enumerate() {
            if ext.is_empty() {
                return Err(malformed(4 + i, "empty extension line"));
            }
            if extensions.len() == MAX_EXTENSIONS {
                return Err(malformed(4 + i, "more than 64 extension lines"));
            }
            extensions.push(ext.to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint and returns the signed note. The signer's key name must be the
    /// checkpoint's origin.
    pub fn sign(&self, signer: &Signer) -> Result<String, CheckpointError> {
        self.validate()?;
        if signer.name() != self.origin {
            return Err(CheckpointError::OriginMismatch {
                origin: self.origin.clone(),
                key_name: signer.name().to_owned(),
            });
        }
        Ok(signer.sign(&self.body())?)
    }
}

fn has_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20)
}

fn parse_size(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// A checkpoint whose signature by the log's key has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The parsed checkpoint.
    pub checkpoint: Checkpoint,
    /// The parsed note, with every signature line (including cosignatures, unverified).
    pub note: Note,
    /// The signed note exactly as given.
    pub text: String,
}

/// Parses a signed checkpoint, verifies the signature by `verifier`'s key, and checks that
/// the origin is the key's name. Signatures by other keys (witnesses) are kept in
/// [`SignedCheckpoint::note`] and otherwise ignored.
pub fn open_checkpoint(
    text: &str,
    verifier: &Verifier,
) -> Result<SignedCheckpoint, CheckpointError> {
    let note = note::parse_note(text)?;
    note::verify_note(&note, verifier)?;
    let checkpoint = Checkpoint::parse_body(&note.text)?;
    if checkpoint.origin != verifier.name() {
        return Err(CheckpointError::OriginMismatch {
            origin: checkpoint.origin,
            key_name: verifier.name().to_owned(),
        });
    }
    Ok(SignedCheckpoint {
        checkpoint,
        note,
        text: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_parsing() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("20852163"), Some(20852163));
        assert_eq!(parse_size("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "00",
            "01",
            "+1",
            "-1",
            " 1",
            "1 ",
            "18446744073709551616",
            "1e3",
            "٣",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn spec_example_body_parses_and_round_trips() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let cp = Checkpoint::parse_body(text).unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert!(cp.extensions.is_empty());
        assert_eq!(cp.body(), text);
    }
}
