//! The control plane's root keys: listing, rotating and retiring them.

use warden_identity::KeyInfo;

use super::tokens::poisoned;
use super::{ControlError, ControlPlane};

impl ControlPlane {
    /// The root keys and their states.
    pub fn keys(&self) -> Result<Vec<KeyInfo>, ControlError> {
        Ok(self.keys.lock().map_err(|_| poisoned())?.keys().to_vec())
    }

    /// Add a new signing key; the previous one keeps verifying the tokens it signed until
    /// it is retired. Returns the new key id.
    pub fn rotate_keys(&self) -> Result<u32, ControlError> {
        let mut keys = self.keys.lock().map_err(|_| poisoned())?;
        let kid = keys.rotate()?;
        self.verifier.set_keys(keys.key_set());
        Ok(kid)
    }

    /// Retire a verify-only key: tokens it signed stop verifying.
    pub fn retire_key(&self, kid: u32) -> Result<(), ControlError> {
        let mut keys = self.keys.lock().map_err(|_| poisoned())?;
        keys.retire(kid)?;
        self.verifier.set_keys(keys.key_set());
        Ok(())
    }
}
