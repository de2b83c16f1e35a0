//! Agent credentials as Biscuit tokens: issuing, attenuating (delegation) and verifying.
//!
//! Layout. The authority block (signed by a root key, whose id is Biscuit's root key id)
//! carries `warden_token(1)`, `token_id`, `agent`, `owner`, `subject`, `token_audience`,
//! `issued_at`, `expires_at`, `max_depth`, one `tool(pattern, rule_json)` per tool entry and one
//! `data_class` per class, plus the checks `check if time($t), $t <= <expiry>` and
//! `check if audience(<aud>)`, so plain Biscuit tooling enforces expiry and audience too.
//! Each delegation block carries `delegate`, its own `tool`/`data_class` facts, `expires_at`,
//! `remaining_depth` and a time check.
//!
//! Reading. After Biscuit has checked every signature, each block's own facts are decoded
//! from its signed bytes with Biscuit's schema and conversion functions, so every claim is
//! attributed to the block that signed it; the verifier then validates the chain block by
//! block (see [`Verifier`]).

mod attenuate;
mod chain;
mod claims;
mod issue;
mod parse;
mod verify;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use attenuate::{AttenuateRequest, attenuate};
pub use issue::{IssueRequest, Issuer, IssuerConfig};
pub use verify::{Verifier, VerifierConfig};

use crate::error::Denied;
use crate::scope::Scope;

/// A freshly issued (or attenuated, or refreshed) token and what the caller needs to record
/// about it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// The Biscuit token, base64url.
    pub token: String,
    /// The token id of the issued token: random 128-bit hex. Attenuated tokens keep their
    /// root's id, so revoking it revokes the whole family.
    pub token_id: String,
    /// The agent that holds this token (the delegate, for an attenuated token).
    pub agent_id: String,
    /// Effective expiry, ms since the epoch.
    pub expires_at_ms: i64,
    /// Revocation id of every block, hex, in block order.
    pub revocation_ids: Vec<String>,
    /// The root key id that signed the authority block.
    pub root_key_id: u32,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("token_id", &self.token_id)
            .field("agent_id", &self.agent_id)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("revocation_ids", &self.revocation_ids)
            .field("root_key_id", &self.root_key_id)
            .finish()
    }
}

/// What a verified token says, after signature, checks, chain validation and revocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedToken {
    /// Token id of the issued root token.
    pub token_id: String,
    /// Root key id that signed it.
    pub root_key_id: u32,
    /// On whose behalf the agents act (e.g. `user:alice`; the agent itself by default).
    pub subject: String,
    /// The issued agent's owner.
    pub owner: String,
    /// `[issued agent, delegate 1, delegate 2, …]`; the acting agent is the last.
    pub actors: Vec<String>,
    /// One scope per block; the effective rights are their intersection.
    pub scopes: Vec<Scope>,
    /// When the root token was issued, ms since the epoch.
    pub issued_at_ms: i64,
    /// Effective expiry: the minimum over the chain.
    pub expires_at_ms: i64,
    /// How many further delegations the last block allows.
    pub remaining_depth: u8,
    /// Revocation id of every block, hex, in block order.
    pub revocation_ids: Vec<String>,
    /// The audience the token was issued for.
    pub audience: String,
}

impl VerifiedToken {
    /// The agent presenting the token: the last actor in the chain.
    pub fn acting_agent(&self) -> &str {
        self.actors.last().map_or("", String::as_str)
    }

    /// Number of delegations (0 for a token used by the agent it was issued to).
    pub fn depth(&self) -> usize {
        self.actors.len().saturating_sub(1)
    }

    /// Whether a call to `server.tool` with `args` is within **every** block's scope; on
    /// refusal, which block and rule refused.
    pub fn permits(
        &self,
        server: &str,
        tool: &str,
        args: &serde_json::Value,
    ) -> Result<(), Denied> {
        for (block, scope) in self.scopes.iter().enumerate() {
            scope
                .check_call(server, tool, args)
                .map_err(|reason| Denied { block, reason })?;
        }
        Ok(())
    }

    /// Whether every block's scope allows the data class.
    pub fn permits_data_class(&self, class: &str) -> bool {
        !self.scopes.is_empty() && self.scopes.iter().all(|s| s.allows_data_class(class))
    }

    /// The effective scope for narrowing a further delegation: the last block's (the chain
    /// is validated, so it is contained in every earlier one).
    pub fn effective_scope(&self) -> Option<&Scope> {
        self.scopes.last()
    }
}

pub(crate) fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn hex_ids(ids: Vec<Vec<u8>>) -> Vec<String> {
    ids.into_iter().map(hex::encode).collect()
}
