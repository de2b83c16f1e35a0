//! Delegation by attenuation: append a narrower block, offline.
//!
//! Anyone holding a token (and the root public keys, to check it) can delegate it to a named
//! agent. The new block can only narrow: the request is refused here, with the precise
//! widening, and [`crate::Verifier::verify`] refuses any block that widens anyway (a block
//! appended with the raw Biscuit API bypasses this function, but not the verifier).

use std::time::Duration;

use super::claims::{self, DelegationClaims};
use super::{IssuedToken, chain, duration_ms, hex_ids, parse};
use crate::error::TokenError;
use crate::keys::KeySet;
use crate::scope::Scope;

/// A request to delegate a token to another agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AttenuateRequest {
    /// The agent receiving the delegated token.
    pub delegate: String,
    /// The delegate's scope: must be within the parent's effective scope.
    pub scope: Scope,
    /// Lifetime; the expiry is `min(parent expiry, now + ttl)`. `None` = the parent's expiry.
    pub ttl: Option<Duration>,
    /// Further delegations the delegate may make: must be below the parent's remaining depth.
    /// `None` = one less than the parent's.
    pub max_depth: Option<u8>,
}

/// Delegate `token` according to `req`. Needs only the root public keys (`keys`). The
/// returned token keeps the root's token id; its last revocation id names the new block.
pub fn attenuate(
    keys: &KeySet,
    token: &str,
    req: &AttenuateRequest,
    now_ms: i64,
) -> Result<IssuedToken, TokenError> {
    if req.delegate.is_empty() {
        return Err(TokenError::InvalidRequest(
            "delegate must not be empty".into(),
        ));
    }
    req.scope.validate().map_err(TokenError::InvalidScope)?;
    let biscuit = parse::decode(keys, token)?;
    let blocks = parse::block_facts(&biscuit)?;
    let parent = chain::read_chain(&blocks, usize::from(u8::MAX))?;
    if now_ms > parent.expires_at_ms {
        return Err(TokenError::Expired {
            at_ms: parent.expires_at_ms,
        });
    }
    let block = blocks.len();
    let actors = std::iter::once(&parent.authority.agent)
        .chain(parent.delegations.iter().map(|d| &d.delegate));
    if let Some(actor) = actors.into_iter().find(|a| **a == req.delegate) {
        return Err(TokenError::Cycle {
            actor: actor.clone(),
        });
    }
    let parent_remaining = parent.remaining_depth;
    if parent_remaining == 0 {
        return Err(TokenError::DepthExceeded {
            depth: block,
            max: block - 1,
        });
    }
    let remaining_depth = match req.max_depth {
        Some(d) if d >= parent_remaining => {
            return Err(TokenError::WidenedAttenuation {
                block,
                detail: format!(
                    "requested max_depth {d} is not below the parent's remaining depth {parent_remaining}"
                ),
            });
        }
        Some(d) => d,
        None => parent_remaining - 1,
    };
    let expires_at_ms = match req.ttl {
        Some(ttl) if ttl.is_zero() => {
            return Err(TokenError::InvalidRequest("ttl must be positive".into()));
        }
        Some(ttl) => parent
            .expires_at_ms
            .min(now_ms.saturating_add(duration_ms(ttl))),
        None => parent.expires_at_ms,
    };
    let parent_scope = parent
        .delegations
        .last()
        .map_or(&parent.authority.scope, |d| &d.scope);
    let claims = DelegationClaims {
        delegate: req.delegate.clone(),
        scope: req.scope.clone(),
        expires_at_ms,
        remaining_depth,
    };
    chain::check_step(
        block,
        parent_remaining,
        parent.expires_at_ms,
        parent_scope,
        &claims,
    )?;
    let appended = biscuit
        .append(claims::delegation_block(&claims)?)
        .map_err(|e| parse::map_error(&e))?;
    Ok(IssuedToken {
        token: appended
            .to_base64()
            .map_err(|e| TokenError::Build(e.to_string()))?,
        token_id: parent.authority.token_id,
        agent_id: claims.delegate,
        expires_at_ms,
        revocation_ids: hex_ids(appended.revocation_identifiers()),
        root_key_id: appended.root_key_id().unwrap_or(0),
    })
}
