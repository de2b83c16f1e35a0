//! C2SP [signed notes](https://c2sp.org/signed-note) with Ed25519 signatures.
//!
//! A signed note is a UTF-8 text ending in a newline, a blank line, and one or more
//! signature lines `— <key name> base64(key ID || signature)`. The text covered by the
//! signatures includes its final newline but not the blank line.
//!
//! This module is byte-compatible with Go's `golang.org/x/mod/sumdb/note` (the reference
//! implementation): the same key IDs, verifier keys (`name+hexid+base64(0x01||pubkey)`),
//! private keys (`PRIVATE+KEY+name+hexid+base64(0x01||seed)`) and signature lines.
//!
//! Parsing is strict (control characters, missing blank line, malformed signature lines,
//! oversized notes and too many signatures are errors), while verification follows the
//! specification's rule for signatures by other keys: lines from unknown keys — witnesses,
//! cosigners, a rotated key — are kept and ignored, never rejected.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The signature type byte for Ed25519 in key IDs and key encodings (C2SP signed-note).
pub const ALG_ED25519: u8 = 0x01;

/// The prefix of every signature line: EM DASH (U+2014) and a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Largest signed note accepted by [`parse_note`] or produced by [`Signer::sign`], in bytes.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

/// Most signature lines accepted in one note (the specification requires at least 16;
/// Go's reference implementation also stops at 100).
pub const MAX_SIGNATURES: usize = 100;

/// Longest key name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// Longest decoded signature (key ID included) accepted on a signature line, in bytes;
/// leaves room for post-quantum signatures from other signers.
pub const MAX_SIGNATURE_BYTES: usize = 8192;

/// Longest verifier-key or private-key string accepted, in bytes.
pub const MAX_KEY_STRING_BYTES: usize = 2048;

const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Everything that can go wrong parsing, signing or verifying a note, or decoding a key.
///
/// Messages never contain private key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is larger than [`MAX_NOTE_BYTES`].
    #[error("signed note is {size} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// Size of the input, in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The note has more signature lines than [`MAX_SIGNATURES`].
    #[error("signed note has more than {max} signature lines")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// The note does not follow the signed-note syntax.
    #[error("malformed signed note, line {line}: {what}")]
    Malformed {
        /// 1-based line number in the note where the problem was found.
        line: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A text to be signed is not a valid note text.
    #[error("cannot sign this text: {what}")]
    InvalidText {
        /// What is wrong.
        what: &'static str,
    },
    /// A key name is empty, too long, or contains a space, a `+` or a control character.
    #[error("invalid key name {name:?}: {what}")]
    InvalidName {
        /// The offending name (truncated to [`MAX_NAME_BYTES`]).
        name: String,
        /// What is wrong.
        what: &'static str,
    },
    /// A verifier key string is not `name+hexid+base64(0x01||pubkey)`.
    #[error("malformed verifier key: {what}")]
    MalformedVerifierKey {
        /// What is wrong.
        what: &'static str,
    },
    /// A private key string is not `PRIVATE+KEY+name+hexid+base64(0x01||seed)`.
    /// (The key itself is never echoed.)
    #[error("malformed private key: {what}")]
    MalformedPrivateKey {
        /// What is wrong.
        what: &'static str,
    },
    /// A key uses a signature type other than Ed25519 (0x01).
    #[error("unsupported signature type 0x{alg:02x} (only Ed25519, 0x01, is supported)")]
    UnsupportedAlgorithm {
        /// The signature type byte found.
        alg: u8,
    },
    /// The public key bytes are not a usable Ed25519 key (not a curve point, or of small order).
    #[error("invalid Ed25519 public key: {what}")]
    InvalidPublicKey {
        /// What is wrong.
        what: &'static str,
    },
    /// The key ID written in a key string is not the one computed from its name and key.
    #[error(
        "key ID mismatch: the key string says {declared} but name and key give {computed}",
        declared = hex::encode(.declared),
        computed = hex::encode(.computed)
    )]
    KeyIdMismatch {
        /// The key ID written in the key string.
        declared: [u8; 4],
        /// The key ID computed from the name and the key.
        computed: [u8; 4],
    },
    /// The note has no signature line by the expected key, but it has one by a key with the
    /// same name and a different key ID (another, or a rotated, key).
    #[error(
        "note is signed by a key named {name:?} with key ID {found}, not the expected key ID {expected}",
        found = hex::encode(.found),
        expected = hex::encode(.expected)
    )]
    WrongKeyId {
        /// The key name.
        name: String,
        /// The key ID of the expected key.
        expected: [u8; 4],
        /// The key ID on the note's first signature with that name.
        found: [u8; 4],
    },
    /// The note has no signature line by the expected key.
    #[error("note has no signature by key {name}+{id}", id = hex::encode(.key_id))]
    NoSignature {
        /// Name of the expected key.
        name: String,
        /// Key ID of the expected key.
        key_id: [u8; 4],
    },
    /// A signature line by the expected key does not verify: the text or the signature
    /// was altered, or the signature was made by another key with a colliding key ID.
    #[error(
        "invalid signature by key {name}+{id} on line {line}",
        id = hex::encode(.key_id)
    )]
    BadSignature {
        /// Name of the key.
        name: String,
        /// Key ID of the key.
        key_id: [u8; 4],
        /// 1-based line number of the signature line in the note.
        line: usize,
    },
}

/// A raw signature line of a note, not verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key ID (big-endian, as on the wire).
    pub key_id: [u8; 4],
    /// The signature bytes after the key ID (64 bytes for Ed25519; other types differ).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, without its final newline: `— name base64(key ID || signature)`.
    pub fn line(&self) -> String {
        let mut blob = Vec::with_capacity(4 + self.signature.len());
        blob.extend_from_slice(&self.key_id);
        blob.extend_from_slice(&self.signature);
        format!("{SIGNATURE_PREFIX}{} {}", self.name, B64.encode(blob))
    }
}

/// A parsed signed note: its text and its signature lines, in order, none yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, including its final newline.
    pub text: String,
    /// Every signature line, in the order they appear.
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// The note in wire form: text, blank line, one line per signature. For a note returned
    /// by [`parse_note`] this is byte-for-byte the input (the base64 is canonical).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for sig in &self.signatures {
            out.push_str(&sig.line());
            out.push('\n');
        }
        out
    }
}

/// The C2SP key ID of an Ed25519 key: `SHA-256(name || 0x0A || 0x01 || pubkey)[:4]`.
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Checks a key name: non-empty, at most [`MAX_NAME_BYTES`], no Unicode white space, no `+`,
/// no control characters.
pub fn validate_key_name(name: &str) -> Result<(), NoteError> {
    let bad = |what| NoteError::InvalidName {
        name: truncate(name, MAX_NAME_BYTES).to_owned(),
        what,
    };
    if name.is_empty() {
        return Err(bad("empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(bad("longer than 1024 bytes"));
    }
    for c in name.chars() {
        if c.is_whitespace() {
            return Err(bad("contains white space"));
        }
        if c == '+' {
            return Err(bad("contains '+'"));
        }
        if c.is_control() {
            return Err(bad("contains a control character"));
        }
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Checks that `text` can be the text of a signed note.
fn validate_text(text: &str) -> Result<(), NoteError> {
    let bad = |what| NoteError::InvalidText { what };
    if text.is_empty() {
        return Err(bad("the text is empty"));
    }
    if !text.ends_with('\n') {
        return Err(bad("the text does not end with a newline"));
    }
    if text.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(bad(
            "the text contains a control character other than newline",
        ));
    }
    Ok(())
}

/// Parses an 8-character lowercase hex key ID.
fn parse_key_id_hex(s: &str) -> Option<[u8; 4]> {
    if s.len() != 8
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut id = [0u8; 4];
    hex::decode_to_slice(s, &mut id).ok()?;
    Some(id)
}

/// Decodes strictly-canonical standard base64 (padding required, no stray bits).
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    B64.decode(s).ok()
}

/// A log's (or a witness's) signing key: a key name and an Ed25519 private key.
///
/// `Debug` shows the name and key ID only; the private key is zeroed when dropped.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: [u8; 4],
    key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for key `name` (which must be a valid key name, see [`validate_key_name`]).
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        validate_key_name(name)?;
        let key_id = key_id(name, &key.verifying_key());
        Ok(Self {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    /// Decodes a private key string in the Go `sumdb/note` format,
    /// `PRIVATE+KEY+name+hexid+base64(0x01 || 32-byte seed)`, checking the key ID.
    pub fn from_skey(skey: &str) -> Result<Self, NoteError> {
        let bad = |what| NoteError::MalformedPrivateKey { what };
        if skey.len() > MAX_KEY_STRING_BYTES {
            return Err(bad("too long"));
        }
        let rest = skey
            .strip_prefix(PRIVATE_KEY_PREFIX)
            .ok_or(bad("does not start with PRIVATE+KEY+"))?;
        let (name, rest) = rest.split_once('+').ok_or(bad("missing key ID"))?;
        let (id_hex, key_b64) = rest.split_once('+').ok_or(bad("missing key"))?;
        validate_key_name(name).map_err(|_| bad("invalid key name"))?;
        let declared =
            parse_key_id_hex(id_hex).ok_or(bad("key ID is not 8 lowercase hex digits"))?;
        let raw = Zeroizing::new(b64_decode(key_b64).ok_or(bad("key is not canonical base64"))?);
        let (&alg, seed) = raw.split_first().ok_or(bad("empty key"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm { alg });
        }
        let seed: &[u8; 32] = seed
            .try_into()
            .map_err(|_| bad("Ed25519 seed is not 32 bytes"))?;
        let signer = Signer::new(name, SigningKey::from_bytes(seed))?;
        if signer.key_id != declared {
            return Err(NoteError::KeyIdMismatch {
                declared,
                computed: signer.key_id,
            });
        }
        Ok(signer)
    }

    /// The private key string (`PRIVATE+KEY+name+hexid+base64(0x01 || seed)`), for the key
    /// file. Zeroed when dropped; never log it.
    pub(crate) fn skey(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new([0u8; 33]);
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(self.key.as_bytes());
        let b64 = Zeroizing::new(B64.encode(&raw[..]));
        Zeroizing::new(format!(
            "{PRIVATE_KEY_PREFIX}{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            b64.as_str()
        ))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID: `SHA-256(name || 0x0A || 0x01 || pubkey)[:4]`.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The matching verifier (public key).
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The signature line for `text` (without newline). `text` must already be valid.
    fn signature_for(&self, text: &str) -> NoteSignature {
        use ed25519_dalek::Signer as _;
        let sig = self.key.sign(text.as_bytes());
        NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature: sig.to_bytes().to_vec(),
        }
    }

    /// Signs `text` and returns the whole note: `text`, a blank line and this key's
    /// signature line. `text` must be non-empty, end with a newline and contain no control
    /// character other than newline.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        validate_text(text)?;
        let note = Note {
            text: text.to_owned(),
            signatures: vec![self.signature_for(text)],
        }
        .encode();
        if note.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge {
                size: note.len(),
                max: MAX_NOTE_BYTES,
            });
        }
        Ok(note)
    }
}

/// A public key that notes are verified with: a key name, its key ID and an Ed25519 key.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Verifier").field(&self.vkey()).finish()
    }
}

impl Verifier {
    /// A verifier for key `name` and Ed25519 public key `key`. Rejects invalid names and
    /// weak (small-order) keys.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        validate_key_name(name)?;
        if key.is_weak() {
            return Err(NoteError::InvalidPublicKey {
                what: "small-order (weak) key",
            });
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, &key),
            key,
        })
    }

    /// Decodes a verifier key string, `name+hexid+base64(0x01 || 32-byte public key)`,
    /// checking the name, the algorithm, the key and that the key ID matches.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        let bad = |what| NoteError::MalformedVerifierKey { what };
        if vkey.len() > MAX_KEY_STRING_BYTES {
            return Err(bad("too long"));
        }
        let (name, rest) = vkey.split_once('+').ok_or(bad("missing key ID"))?;
        let (id_hex, key_b64) = rest.split_once('+').ok_or(bad("missing key"))?;
        validate_key_name(name)?;
        let declared =
            parse_key_id_hex(id_hex).ok_or(bad("key ID is not 8 lowercase hex digits"))?;
        let raw = b64_decode(key_b64).ok_or(bad("key is not canonical base64"))?;
        let (&alg, key) = raw.split_first().ok_or(bad("empty key"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm { alg });
        }
        let key: &[u8; 32] = key
            .try_into()
            .map_err(|_| bad("Ed25519 key is not 32 bytes"))?;
        let key = VerifyingKey::from_bytes(key).map_err(|_| NoteError::InvalidPublicKey {
            what: "not a valid curve point",
        })?;
        let verifier = Verifier::new(name, key)?;
        if verifier.key_id != declared {
            return Err(NoteError::KeyIdMismatch {
                declared,
                computed: verifier.key_id,
            });
        }
        Ok(verifier)
    }

    /// The verifier key string, `name+hexid+base64(0x01 || public key)`.
    pub fn vkey(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            B64.encode(raw)
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether a signature line claims to be by this key (same name and key ID).
    pub fn matches(&self, sig: &NoteSignature) -> bool {
        sig.name == self.name && sig.key_id == self.key_id
    }
}

/// Parses a signed note strictly: valid size, no control characters other than newline,
/// text ending in newline, a blank line, then 1 to [`MAX_SIGNATURES`] well-formed signature
/// lines. Signatures are not verified (see [`verify_note`]).
pub fn parse_note(note: &str) -> Result<Note, NoteError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge {
            size: note.len(),
            max: MAX_NOTE_BYTES,
        });
    }
    let malformed = |line, what| NoteError::Malformed { line, what };
    // Control characters, with the line they are on.
    let mut line = 1;
    for b in note.bytes() {
        match b {
            b'\n' => line += 1,
            b'\r' => {
                return Err(malformed(
                    line,
                    "carriage return (CRLF line endings are not allowed)",
                ));
            }
            b if b < 0x20 => return Err(malformed(line, "control character other than newline")),
            _ => {}
        }
    }
    let lines_total = line - 1;
    if !note.ends_with('\n') {
        return Err(malformed(line, "the note does not end with a newline"));
    }
    let Some(split) = note.rfind("\n\n") else {
        return Err(malformed(
            lines_total,
            "no blank line between the text and the signatures",
        ));
    };
    let text = &note[..=split];
    let sigs = &note[split + 2..];
    let text_lines = text.bytes().filter(|&b| b == b'\n').count();
    if sigs.is_empty() {
        return Err(malformed(
            text_lines + 1,
            "no signature lines after the blank line",
        ));
    }
    let mut signatures = Vec::new();
    // `sigs` is non-empty and ends with '\n' (the note does and the blank line is before it).
    for (i, sig_line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
        let line = text_lines + 2 + i;
        if signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        let rest = sig_line.strip_prefix(SIGNATURE_PREFIX).ok_or(malformed(
            line,
            "signature line does not start with an em dash (U+2014) and a space",
        ))?;
        let (name, blob) = rest.split_once(' ').ok_or(malformed(
            line,
            "signature line has no space between name and signature",
        ))?;
        if validate_key_name(name).is_err() {
            return Err(malformed(line, "invalid key name on signature line"));
        }
        if blob.len() > MAX_SIGNATURE_BYTES.div_ceil(3) * 4 {
            return Err(malformed(line, "signature too long"));
        }
        let raw = b64_decode(blob).ok_or(malformed(line, "signature is not canonical base64"))?;
        if raw.len() < 5 {
            return Err(malformed(
                line,
                "signature shorter than a key ID and one byte",
            ));
        }
        signatures.push(NoteSignature {
            name: name.to_owned(),
            key_id: [raw[0], raw[1], raw[2], raw[3]],
            signature: raw[4..].to_vec(),
        });
    }
    Ok(Note {
        text: text.to_owned(),
        signatures,
    })
}

/// Verifies that `note` carries a valid signature by `verifier`'s key.
///
/// Every signature line with the verifier's name and key ID must verify (if one fails the
/// whole note is rejected, as the specification recommends); at least one must exist.
/// Lines by other keys (witness cosignatures, other logs, rotated keys) are ignored.
pub fn verify_note(note: &Note, verifier: &Verifier) -> Result<(), NoteError> {
    let text_lines = note.text.bytes().filter(|&b| b == b'\n').count();
    let mut verified = false;
    for (i, sig) in note.signatures.iter().enumerate() {
        if !verifier.matches(sig) {
            continue;
        }
        let bad = || NoteError::BadSignature {
            name: verifier.name.clone(),
            key_id: verifier.key_id,
            line: text_lines + 2 + i,
        };
        let bytes: &[u8; 64] = sig.signature.as_slice().try_into().map_err(|_| bad())?;
        verifier
            .key
            .verify_strict(note.text.as_bytes(), &Signature::from_bytes(bytes))
            .map_err(|_| bad())?;
        verified = true;
    }
    if verified {
        return Ok(());
    }
    if let Some(other) = note.signatures.iter().find(|s| s.name == verifier.name) {
        return Err(NoteError::WrongKeyId {
            name: verifier.name.clone(),
            expected: verifier.key_id,
            found: other.key_id,
        });
    }
    Err(NoteError::NoSignature {
        name: verifier.name.clone(),
        key_id: verifier.key_id,
    })
}

/// Adds `signer`'s signature to an already signed note (a cosignature), keeping every
/// existing signature line byte for byte and in order; the new line goes last. A previous
/// line by the same key (same name and key ID) is replaced. Does not verify the existing
/// signatures: a witness should [`verify_note`] the log's signature first.
pub fn add_signature(note_text: &str, signer: &Signer) -> Result<String, NoteError> {
    let mut note = parse_note(note_text)?;
    note.signatures
        .retain(|s| !(s.name == signer.name && s.key_id == signer.key_id));
    if note.signatures.len() >= MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            max: MAX_SIGNATURES,
        });
    }
    let sig = signer.signature_for(&note.text);
    note.signatures.push(sig);
    let out = note.encode();
    if out.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge {
            size: out.len(),
            max: MAX_NOTE_BYTES,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn key_id_matches_vkey() {
        let v = Verifier::from_vkey(VKEY).unwrap();
        assert_eq!(hex::encode(v.key_id()), "c74f20a3");
        assert_eq!(key_id("PeterNeumann", v.public_key()), v.key_id());
        assert_eq!(v.vkey(), VKEY);
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("a—b", 2), "a");
        assert_eq!(truncate("abc", 5), "abc");
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let signer = Signer::new("example.com/log", key).unwrap();
        let dbg = format!("{signer:?}");
        assert!(dbg.contains("example.com/log"));
        assert!(!dbg.contains(&hex::encode([7u8; 32])));
        assert!(!dbg.contains(&B64.encode([7u8; 32])));
        assert!(!dbg.contains("07, 07"));
        assert!(!dbg.contains("7, 7"));
    }
}
