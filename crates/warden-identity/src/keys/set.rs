//! The public half of the key ring: what a verifier needs, and nothing secret.

use std::collections::BTreeMap;

use biscuit_auth::PublicKey;
use biscuit_auth::builder::Algorithm;

use super::{KeyInfo, KeyState};
use crate::error::{IdentityError, TokenError};

/// Root public keys by key id, with their states, as a verifier sees them.
///
/// Retired keys are remembered (without a usable key) so a token signed by one is refused
/// with [`TokenError::RetiredKey`] rather than a vaguer "unknown key".
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: BTreeMap<u32, (KeyState, Option<PublicKey>)>,
}

impl KeySet {
    /// Build a key set from key ring entries (e.g. `keyring.json` read by a CLI that only
    /// holds public keys).
    pub fn from_infos(infos: &[KeyInfo]) -> Result<Self, IdentityError> {
        let mut keys = BTreeMap::new();
        for info in infos {
            let key = match info.state {
                KeyState::Retired => None,
                KeyState::Active | KeyState::VerifyOnly => Some(
                    PublicKey::from_bytes_hex(&info.public_key, Algorithm::Ed25519).map_err(
                        |_| {
                            IdentityError::InvalidRequest(format!(
                                "root key {} has an invalid public key",
                                info.kid
                            ))
                        },
                    )?,
                ),
            };
            keys.insert(info.kid, (info.state, key));
        }
        Ok(Self { keys })
    }

    /// The public key a token with root key id `kid` must be verified with, or why none.
    pub fn lookup(&self, kid: Option<u32>) -> Result<PublicKey, TokenError> {
        let Some(kid) = kid else {
            return Err(TokenError::UnknownKey { kid: 0 });
        };
        match self.keys.get(&kid) {
            Some((_, Some(key))) => Ok(*key),
            Some((_, None)) => Err(TokenError::RetiredKey { kid }),
            None => Err(TokenError::UnknownKey { kid }),
        }
    }

    /// Whether tokens signed with `kid` still verify (Active or VerifyOnly).
    pub fn accepts(&self, kid: u32) -> bool {
        matches!(self.keys.get(&kid), Some((_, Some(_))))
    }

    /// Key ids and states, in order.
    pub fn states(&self) -> impl Iterator<Item = (u32, KeyState)> + '_ {
        self.keys.iter().map(|(kid, (state, _))| (*kid, *state))
    }
}
