//! The control plane's Ed25519 root keys.
//!
//! Layout of the key directory (e.g. `<data-dir>/identity`):
//!
//! * `keyring.json`: `{ "version": 1, "keys": [ { kid, public_key, created_at_ms, state } ] }`
//! * `root-<kid>.key`: hex of the 32-byte secret, mode 0600, for Active and VerifyOnly keys.
//!
//! Every file is written to a temporary file (created 0600 from the start), fsynced, renamed
//! into place and the directory fsynced, so a crash leaves either the old or the new state.
//! Exactly one key is Active (it signs); VerifyOnly keys still verify the tokens they signed;
//! Retired keys verify nothing and their secrets are destroyed. Key ids run 1, 2, 3, ….

mod files;
mod set;
mod signer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use biscuit_auth::builder::Algorithm;
use biscuit_auth::{KeyPair, PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub use set::KeySet;
pub use signer::Signer;

use crate::clock::system_now_ms;
use crate::error::IdentityError;

const KEYRING_FILE: &str = "keyring.json";

/// Lifecycle state of a root key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Signs new tokens (exactly one key is Active).
    Active,
    /// No longer signs, but tokens it signed still verify.
    VerifyOnly,
    /// Verifies nothing; its secret has been destroyed.
    Retired,
}

impl fmt::Display for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyState::Active => "active",
            KeyState::VerifyOnly => "verify_only",
            KeyState::Retired => "retired",
        })
    }
}

/// One entry of `keyring.json`: public information only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Key id, carried by tokens as Biscuit's root key id.
    pub kid: u32,
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// When the key was created, ms since the epoch.
    pub created_at_ms: i64,
    /// Lifecycle state.
    pub state: KeyState,
}

#[derive(Serialize, Deserialize)]
struct KeyRingFile {
    version: u32,
    keys: Vec<KeyInfo>,
}

/// The root key ring on disk and the active signer in memory.
pub struct KeyRing {
    dir: PathBuf,
    keys: Vec<KeyInfo>,
    signer: Arc<Signer>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("dir", &self.dir)
            .field("keys", &self.keys)
            .field("active_kid", &self.signer.kid)
            .finish()
    }
}

fn key_file(kid: u32) -> String {
    format!("root-{kid}.key")
}

impl KeyRing {
    /// Open the key ring in `dir`, creating the directory (0700) and a first Active key if
    /// there is no `keyring.json` yet.
    pub fn open_or_create(dir: &Path) -> Result<KeyRing, IdentityError> {
        files::ensure_dir(dir)?;
        let path = dir.join(KEYRING_FILE);
        if !path.exists() {
            let keypair = KeyPair::new();
            let info = KeyInfo {
                kid: 1,
                public_key: keypair.public().to_bytes_hex(),
                created_at_ms: system_now_ms(),
                state: KeyState::Active,
            };
            write_secret(dir, 1, &keypair)?;
            let ring = KeyRing {
                dir: dir.to_path_buf(),
                keys: vec![info],
                signer: Arc::new(Signer { kid: 1, keypair }),
            };
            ring.save()?;
            return Ok(ring);
        }
        Self::open(dir)
    }

    fn open(dir: &Path) -> Result<KeyRing, IdentityError> {
        let path = dir.join(KEYRING_FILE);
        let corrupt = |detail: String| IdentityError::CorruptKeyRing {
            path: path.clone(),
            detail,
        };
        let text = std::fs::read_to_string(&path).map_err(|source| IdentityError::Io {
            op: "reading",
            path: path.clone(),
            source,
        })?;
        let file: KeyRingFile =
            serde_json::from_str(&text).map_err(|e| corrupt(format!("not valid JSON: {e}")))?;
        if file.version != 1 {
            return Err(corrupt(format!("unsupported version {}", file.version)));
        }
        for (i, info) in file.keys.iter().enumerate() {
            if usize::try_from(info.kid).ok() != Some(i + 1) {
                return Err(corrupt(format!(
                    "key ids must run 1, 2, 3, …; found {} at position {}",
                    info.kid,
                    i + 1
                )));
            }
        }
        let mut active = file.keys.iter().filter(|k| k.state == KeyState::Active);
        let (Some(active), None) = (active.next(), active.next()) else {
            return Err(corrupt("exactly one key must be active".into()));
        };
        let secret = files::read_secret(&dir.join(key_file(active.kid)))?;
        let private = PrivateKey::from_bytes(secret.as_slice(), Algorithm::Ed25519)
            .map_err(|_| corrupt(format!("root key {} secret is invalid", active.kid)))?;
        let keypair = KeyPair::from(&private);
        let derived = keypair.public().to_bytes_hex();
        if !bool::from(derived.as_bytes().ct_eq(active.public_key.as_bytes())) {
            return Err(corrupt(format!(
                "root key {} secret does not match its recorded public key",
                active.kid
            )));
        }
        // Public keys of the other usable keys must at least parse.
        KeySet::from_infos(&file.keys).map_err(|e| corrupt(e.to_string()))?;
        // Finish an interrupted retirement: retired secrets must not linger.
        for info in file.keys.iter().filter(|k| k.state == KeyState::Retired) {
            files::destroy_secret(dir, &key_file(info.kid))?;
        }
        Ok(KeyRing {
            dir: dir.to_path_buf(),
            signer: Arc::new(Signer {
                kid: active.kid,
                keypair,
            }),
            keys: file.keys,
        })
    }

    fn save(&self) -> Result<(), IdentityError> {
        let file = KeyRingFile {
            version: 1,
            keys: self.keys.clone(),
        };
        let mut json = serde_json::to_vec_pretty(&file)
            .map_err(|e| IdentityError::InvalidRequest(format!("serializing key ring: {e}")))?;
        json.push(b'\n');
        files::write_atomic(&self.dir, KEYRING_FILE, &json, 0o644)
    }

    /// Create a new Active key; the previous Active key becomes VerifyOnly (tokens it signed
    /// keep verifying). Returns the new key id.
    pub fn rotate(&mut self) -> Result<u32, IdentityError> {
        let kid = self
            .keys
            .last()
            .map_or(Some(1), |k| k.kid.checked_add(1))
            .ok_or_else(|| IdentityError::InvalidRequest("key ids exhausted".into()))?;
        let keypair = KeyPair::new();
        write_secret(&self.dir, kid, &keypair)?;
        let mut keys = self.keys.clone();
        for k in keys.iter_mut().filter(|k| k.state == KeyState::Active) {
            k.state = KeyState::VerifyOnly;
        }
        keys.push(KeyInfo {
            kid,
            public_key: keypair.public().to_bytes_hex(),
            created_at_ms: system_now_ms(),
            state: KeyState::Active,
        });
        let previous = std::mem::replace(&mut self.keys, keys);
        if let Err(e) = self.save() {
            self.keys = previous;
            return Err(e);
        }
        self.signer = Arc::new(Signer { kid, keypair });
        Ok(kid)
    }

    /// Retire a VerifyOnly key: tokens it signed stop verifying and its secret is destroyed.
    /// The Active key cannot be retired (rotate first).
    pub fn retire(&mut self, kid: u32) -> Result<(), IdentityError> {
        let Some(pos) = self.keys.iter().position(|k| k.kid == kid) else {
            return Err(IdentityError::NoSuchKey { kid });
        };
        let state = self.keys[pos].state;
        match state {
            KeyState::VerifyOnly => {}
            KeyState::Active => {
                return Err(IdentityError::KeyState {
                    kid,
                    state,
                    detail: "the active key cannot be retired; rotate first",
                });
            }
            KeyState::Retired => {
                return Err(IdentityError::KeyState {
                    kid,
                    state,
                    detail: "already retired",
                });
            }
        }
        self.keys[pos].state = KeyState::Retired;
        if let Err(e) = self.save() {
            self.keys[pos].state = state;
            return Err(e);
        }
        files::destroy_secret(&self.dir, &key_file(kid))
    }

    /// The public key for `kid` if it is Active or VerifyOnly.
    pub fn public_key(&self, kid: u32) -> Option<PublicKey> {
        self.key_set().lookup(Some(kid)).ok()
    }

    /// The id of the key that signs new tokens.
    pub fn active_kid(&self) -> u32 {
        self.signer.kid
    }

    /// All keys, in key id order.
    pub fn keys(&self) -> &[KeyInfo] {
        &self.keys
    }

    /// The directory the key ring lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The active signer, shareable with an [`crate::Issuer`].
    pub fn signer(&self) -> Arc<Signer> {
        Arc::clone(&self.signer)
    }

    /// The public keys and states, for a [`crate::Verifier`].
    pub fn key_set(&self) -> KeySet {
        // Our own entries were validated on open and on every change.
        KeySet::from_infos(&self.keys).unwrap_or_default()
    }
}

fn write_secret(dir: &Path, kid: u32, keypair: &KeyPair) -> Result<(), IdentityError> {
    let bytes = keypair.private().to_bytes();
    let mut text = Zeroizing::new(hex::encode(bytes.as_slice()));
    text.push('\n');
    files::write_atomic(dir, &key_file(kid), text.as_bytes(), 0o600)
}
