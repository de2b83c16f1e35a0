//! Issuing and refreshing tokens (control plane only: it holds the active root key).

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use biscuit_auth::Biscuit;

use super::claims::{self, AuthorityClaims};
use super::{IssuedToken, VerifiedToken, duration_ms, hex_ids};
use crate::clock::{Clock, SystemClock};
use crate::error::{IdentityError, TokenError};
use crate::keys::{KeyRing, Signer};
use crate::scope::Scope;

/// Limits the issuer enforces on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerConfig {
    /// Lifetime when a request names none (15 minutes).
    pub default_ttl: Duration,
    /// Longest lifetime a token may have (24 hours).
    pub max_ttl: Duration,
    /// Largest `max_depth` (further delegations) a token may allow (5).
    pub max_depth_limit: u8,
}

impl Default for IssuerConfig {
    fn default() -> Self {
        Self {
            default_ttl: Duration::from_secs(15 * 60),
            max_ttl: Duration::from_secs(24 * 60 * 60),
            max_depth_limit: 5,
        }
    }
}

/// A request to issue a token to an agent. The caller has already checked the agent is
/// registered and active; the issuer only validates shape and limits.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRequest {
    /// The agent the token is issued to.
    pub agent_id: String,
    /// The agent's owner.
    pub owner: String,
    /// The subject the agent acts for (e.g. `user:alice`); `None` = the agent itself.
    pub on_behalf_of: Option<String>,
    /// What the token allows.
    pub scope: Scope,
    /// The audience (gateway or service) that must accept it.
    pub audience: String,
    /// Lifetime; `None` = the configured default.
    pub ttl: Option<Duration>,
    /// How many further delegations the token allows.
    pub max_depth: u8,
}

/// Signs new tokens with the key ring's active key.
#[derive(Debug)]
pub struct Issuer {
    signer: ArcSwap<Signer>,
    config: IssuerConfig,
    clock: Arc<dyn Clock>,
}

fn invalid(detail: impl Into<String>) -> IdentityError {
    IdentityError::InvalidRequest(detail.into())
}

impl Issuer {
    /// An issuer using `keyring`'s active key and the system clock.
    pub fn new(keyring: &KeyRing, config: IssuerConfig) -> Self {
        Self::with_clock(keyring, config, Arc::new(SystemClock))
    }

    /// An issuer with an injected clock (tests, replay).
    pub fn with_clock(keyring: &KeyRing, config: IssuerConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            signer: ArcSwap::new(keyring.signer()),
            config,
            clock,
        }
    }

    /// Switch to the key ring's (new) active key, after a rotation.
    pub fn update_signer(&self, keyring: &KeyRing) {
        self.signer.store(keyring.signer());
    }

    /// The issuer's limits.
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    /// Issue a token for `req`.
    pub fn issue(&self, req: &IssueRequest) -> Result<IssuedToken, IdentityError> {
        for (what, value) in [
            ("agent_id", &req.agent_id),
            ("owner", &req.owner),
            ("audience", &req.audience),
        ] {
            if value.is_empty() {
                return Err(invalid(format!("{what} must not be empty")));
            }
        }
        if req.on_behalf_of.as_ref().is_some_and(String::is_empty) {
            return Err(invalid("on_behalf_of must not be empty when given"));
        }
        if req.max_depth > self.config.max_depth_limit {
            return Err(invalid(format!(
                "max_depth {} exceeds the limit {}",
                req.max_depth, self.config.max_depth_limit
            )));
        }
        req.scope
            .validate()
            .map_err(IdentityError::InvalidRequest)?;
        let now = self.clock.now_ms();
        let claims = AuthorityClaims {
            token_id: random_id()?,
            agent: req.agent_id.clone(),
            owner: req.owner.clone(),
            subject: req
                .on_behalf_of
                .clone()
                .unwrap_or_else(|| req.agent_id.clone()),
            audience: req.audience.clone(),
            issued_at_ms: now,
            expires_at_ms: now.saturating_add(self.ttl_ms(req.ttl)?),
            max_depth: req.max_depth,
            scope: req.scope.clone(),
        };
        self.sign(claims)
    }

    /// Re-issue an undelegated token with the same claims, a new token id and a fresh expiry.
    /// Delegated tokens cannot be refreshed: the delegator must delegate again.
    pub fn refresh(
        &self,
        verified: &VerifiedToken,
        ttl: Option<Duration>,
    ) -> Result<IssuedToken, IdentityError> {
        if verified.depth() != 0 {
            return Err(IdentityError::Token(TokenError::InvalidRequest(format!(
                "a delegated token (depth {}) cannot be refreshed; the delegator must delegate again",
                verified.depth()
            ))));
        }
        let (Some(agent), Some(scope)) = (verified.actors.first(), verified.scopes.first()) else {
            return Err(invalid("verified token has no actor or scope"));
        };
        let now = self.clock.now_ms();
        let claims = AuthorityClaims {
            token_id: random_id()?,
            agent: agent.clone(),
            owner: verified.owner.clone(),
            subject: verified.subject.clone(),
            audience: verified.audience.clone(),
            issued_at_ms: now,
            expires_at_ms: now.saturating_add(self.ttl_ms(ttl)?),
            max_depth: verified.remaining_depth.min(self.config.max_depth_limit),
            scope: scope.clone(),
        };
        self.sign(claims)
    }

    fn ttl_ms(&self, ttl: Option<Duration>) -> Result<i64, IdentityError> {
        let ttl = ttl.unwrap_or(self.config.default_ttl);
        if ttl.is_zero() {
            return Err(invalid("ttl must be positive"));
        }
        if ttl > self.config.max_ttl {
            return Err(invalid(format!(
                "ttl {}s exceeds the maximum {}s",
                ttl.as_secs(),
                self.config.max_ttl.as_secs()
            )));
        }
        Ok(duration_ms(ttl))
    }

    fn sign(&self, claims: AuthorityClaims) -> Result<IssuedToken, IdentityError> {
        let signer = self.signer.load();
        let block = claims::authority_block(&claims)?;
        let build = |e: biscuit_auth::error::Token| TokenError::Build(e.to_string());
        let biscuit = Biscuit::builder()
            .merge(block)
            .root_key_id(signer.kid())
            .build(signer.keypair())
            .map_err(build)?;
        Ok(IssuedToken {
            token: biscuit.to_base64().map_err(build)?,
            token_id: claims.token_id,
            agent_id: claims.agent,
            expires_at_ms: claims.expires_at_ms,
            revocation_ids: hex_ids(biscuit.revocation_identifiers()),
            root_key_id: signer.kid(),
        })
    }
}

/// A random 128-bit id, hex.
fn random_id() -> Result<String, IdentityError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| IdentityError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}
