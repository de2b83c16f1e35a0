//! Verifying tokens, with a bounded cache.
//!
//! A first verification does: size limit, base64 + Biscuit parse with the root key the token
//! names, reading every block's claims, structural chain validation, expiry / not-before /
//! audience, Biscuit's own authorizer (so the token's checks hold), then revocation. The
//! result is cached under the SHA-256 of the token string; a cache hit re-checks the key
//! state, expiry and the revocation set (a few hash lookups), so a revocation applied to the
//! shared [`RevocationSet`] takes effect on the very next verification without any flush.
//! Across processes, revocations travel at the caller's store poll interval (the server
//! polls every second by default); see [`crate::revocation`].
//!
//! Clock skew: a token whose `issued_at` is ahead of the verifier's clock by more than
//! `clock_skew` is refused as not yet valid. Expiry is applied strictly (no grace), so a
//! token never outlives what its issuer granted.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use biscuit_auth::builder::{Term as BTerm, fact, string};
use biscuit_auth::{AuthorizerBuilder, AuthorizerLimits};
use sha2::{Digest, Sha256};

use super::{VerifiedToken, chain, duration_ms, hex_ids, parse};
use crate::cache::VerifiedCache;
use crate::error::TokenError;
use crate::keys::KeySet;
use crate::revocation::RevocationSet;

/// Verifier settings; every limit has a safe default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// The audience this verifier serves; tokens for another audience are refused.
    pub audience: String,
    /// Largest accepted token string, bytes (16 KiB).
    pub max_token_bytes: usize,
    /// Most delegation blocks accepted (5).
    pub max_depth: usize,
    /// Verified tokens kept in the cache (10 000); 0 disables caching.
    pub cache_capacity: usize,
    /// Tolerated clock difference for `issued_at` (30 s).
    pub clock_skew: Duration,
    /// Time budget for Biscuit's Datalog evaluation of one token (10 ms).
    pub datalog_time_limit: Duration,
}

impl VerifierConfig {
    /// Defaults for `audience`.
    pub fn new(audience: impl Into<String>) -> Self {
        Self {
            audience: audience.into(),
            max_token_bytes: 16 * 1024,
            max_depth: 5,
            cache_capacity: 10_000,
            clock_skew: Duration::from_secs(30),
            datalog_time_limit: Duration::from_millis(10),
        }
    }
}

/// Verifies tokens against the root public keys and a shared revocation set.
#[derive(Debug)]
pub struct Verifier {
    keys: ArcSwap<KeySet>,
    revocations: Arc<RevocationSet>,
    config: VerifierConfig,
    cache: VerifiedCache,
    template: AuthorizerBuilder,
}

impl Verifier {
    /// A verifier for `keys`, consulting `revocations`.
    pub fn new(keys: KeySet, revocations: Arc<RevocationSet>, config: VerifierConfig) -> Self {
        let limits = AuthorizerLimits {
            max_time: config.datalog_time_limit,
            // Scope facts count too: leave room for large scopes over a 5-deep chain (the
            // token size limit bounds the real number).
            max_facts: 10_000,
            ..AuthorizerLimits::default()
        };
        let template = AuthorizerBuilder::new()
            .set_limits(limits)
            .fact(fact("audience", &[string(&config.audience)]))
            .and_then(|b| b.policy("allow if true"))
            // Both inputs are built structurally or constant; failing here would be a bug,
            // and an empty builder (no policy) fails closed anyway.
            .unwrap_or_default();
        Self {
            keys: ArcSwap::from_pointee(keys),
            revocations,
            cache: VerifiedCache::new(config.cache_capacity),
            config,
            template,
        }
    }

    /// Replace the key set atomically (after a rotation or retirement).
    pub fn set_keys(&self, keys: KeySet) {
        self.keys.store(Arc::new(keys));
    }

    /// The current key set.
    pub fn keys(&self) -> Arc<KeySet> {
        self.keys.load_full()
    }

    /// The shared revocation set.
    pub fn revocations(&self) -> &Arc<RevocationSet> {
        &self.revocations
    }

    /// The settings.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Number of cached verified tokens.
    pub fn cache_len(&self) -> usize {
        self.cache.len()
    }

    /// Drop every cached entry.
    pub fn clear_cache(&self) {
        self.cache.clear();
    }

    /// Verify `token` at time `now_ms` (ms since the epoch), using the cache.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<Arc<VerifiedToken>, TokenError> {
        self.check_size(token)?;
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let keys = self.keys.load();
        if let Some(hit) = self.cache.get(&key) {
            return match self.recheck(&hit, &keys, now_ms) {
                Ok(()) => Ok(hit),
                Err(e) => {
                    self.cache.remove(&key);
                    Err(e)
                }
            };
        }
        let verified = Arc::new(self.verify_full(token, &keys, now_ms)?);
        self.cache.insert(key, Arc::clone(&verified));
        Ok(verified)
    }

    /// Verify `token` without consulting or filling the cache.
    pub fn verify_uncached(&self, token: &str, now_ms: i64) -> Result<VerifiedToken, TokenError> {
        self.check_size(token)?;
        self.verify_full(token, &self.keys.load(), now_ms)
    }

    fn check_size(&self, token: &str) -> Result<(), TokenError> {
        if token.len() > self.config.max_token_bytes {
            return Err(TokenError::Oversized {
                len: token.len(),
                max: self.config.max_token_bytes,
            });
        }
        if token.trim().is_empty() {
            return Err(TokenError::Malformed("empty token".into()));
        }
        Ok(())
    }

    fn recheck(&self, v: &VerifiedToken, keys: &KeySet, now_ms: i64) -> Result<(), TokenError> {
        if !keys.accepts(v.root_key_id) {
            keys.lookup(Some(v.root_key_id))?;
        }
        self.check_time(v.issued_at_ms, v.expires_at_ms, now_ms)?;
        self.revocations
            .check(v)
            .map_err(|what| TokenError::Revoked { what })
    }

    fn check_time(&self, issued_at: i64, expires_at: i64, now_ms: i64) -> Result<(), TokenError> {
        if now_ms > expires_at {
            return Err(TokenError::Expired { at_ms: expires_at });
        }
        if issued_at > now_ms.saturating_add(duration_ms(self.config.clock_skew)) {
            return Err(TokenError::NotYetValid { at_ms: issued_at });
        }
        Ok(())
    }

    fn verify_full(
        &self,
        token: &str,
        keys: &KeySet,
        now_ms: i64,
    ) -> Result<VerifiedToken, TokenError> {
        // Defence in depth: a panic inside the Biscuit library on hostile input becomes a
        // refusal, never a crash.
        catch_unwind(AssertUnwindSafe(|| self.verify_inner(token, keys, now_ms)))
            .unwrap_or_else(|_| Err(TokenError::Malformed("token could not be processed".into())))
    }

    fn verify_inner(
        &self,
        token: &str,
        keys: &KeySet,
        now_ms: i64,
    ) -> Result<VerifiedToken, TokenError> {
        let biscuit = parse::decode(keys, token)?;
        let blocks = parse::block_facts(&biscuit)?;
        let chain = chain::read_chain(&blocks, self.config.max_depth)?;
        self.check_time(chain.authority.issued_at_ms, chain.expires_at_ms, now_ms)?;
        if chain.authority.audience != self.config.audience {
            return Err(TokenError::WrongAudience {
                expected: self.config.audience.clone(),
                found: chain.authority.audience,
            });
        }
        // Biscuit's own checks (ours and any a holder appended) must hold too.
        let now_s = u64::try_from(now_ms.div_euclid(1000)).unwrap_or(0);
        self.template
            .clone()
            .fact(fact("time", &[BTerm::Date(now_s)]))
            .and_then(|b| b.build(&biscuit))
            .and_then(|mut authorizer| authorizer.authorize())
            .map_err(|e| parse::map_error(&e))?;
        let verified = chain.into_verified(
            biscuit.root_key_id().unwrap_or(0),
            hex_ids(biscuit.revocation_identifiers()),
        );
        self.revocations
            .check(&verified)
            .map_err(|what| TokenError::Revoked { what })?;
        Ok(verified)
    }
}
