//! The active signing key.

use std::fmt;

use biscuit_auth::{KeyPair, PublicKey};

/// The active signing key and its id. Its secret never appears in `Debug` output and is
/// zeroized on drop (by `ed25519-dalek`).
pub struct Signer {
    pub(super) kid: u32,
    pub(super) keypair: KeyPair,
}

impl Signer {
    /// The key id tokens signed by this key carry.
    pub fn kid(&self) -> u32 {
        self.kid
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.keypair.public()
    }

    pub(crate) fn keypair(&self) -> &KeyPair {
        &self.keypair
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}
