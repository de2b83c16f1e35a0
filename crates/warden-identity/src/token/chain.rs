//! Structural validation of a delegation chain.
//!
//! Biscuit guarantees each block was appended by a holder of the previous one; it does not
//! know that Warden's scope facts must only narrow. This module enforces, block by block:
//! scope ⊆ previous scope, expiry not later, remaining depth strictly decreasing, chain no
//! deeper than the verifier's limit, and no actor twice (a cycle).

use super::claims::{AuthorityClaims, DelegationClaims};
use super::parse::RawFact;
use super::{VerifiedToken, claims};
use crate::error::TokenError;
use crate::scope::Scope;

/// A token's claims, read and structurally validated (signature and checks are the caller's).
#[derive(Debug, Clone)]
pub(crate) struct Chain {
    pub(crate) authority: AuthorityClaims,
    pub(crate) delegations: Vec<DelegationClaims>,
    pub(crate) expires_at_ms: i64,
    pub(crate) remaining_depth: u8,
}

/// Read every block's claims and validate the chain. `max_depth` bounds the number of
/// delegation blocks.
pub(crate) fn read_chain(blocks: &[Vec<RawFact>], max_depth: usize) -> Result<Chain, TokenError> {
    let Some((first, rest)) = blocks.split_first() else {
        return Err(TokenError::Malformed("token has no authority block".into()));
    };
    let authority = claims::read_authority(first)?;
    if rest.len() > max_depth {
        return Err(TokenError::DepthExceeded {
            depth: rest.len(),
            max: max_depth,
        });
    }
    let delegations = rest
        .iter()
        .enumerate()
        .map(|(i, facts)| claims::read_delegation(i + 1, facts))
        .collect::<Result<Vec<_>, _>>()?;
    let mut actors: Vec<&str> = vec![&authority.agent];
    let mut scope: &Scope = &authority.scope;
    let mut expires_at_ms = authority.expires_at_ms;
    let mut remaining = authority.max_depth;
    for (i, d) in delegations.iter().enumerate() {
        let block = i + 1;
        if actors.contains(&d.delegate.as_str()) {
            return Err(TokenError::Cycle {
                actor: d.delegate.clone(),
            });
        }
        actors.push(&d.delegate);
        check_step(block, remaining, expires_at_ms, scope, d)?;
        scope = &d.scope;
        expires_at_ms = d.expires_at_ms;
        remaining = d.remaining_depth;
    }
    Ok(Chain {
        expires_at_ms,
        remaining_depth: remaining,
        authority,
        delegations,
    })
}

/// Check that delegation block `block` (with claims `d`) only narrows its parent, whose
/// remaining depth, expiry and scope are given.
pub(crate) fn check_step(
    block: usize,
    parent_remaining: u8,
    parent_expires_at_ms: i64,
    parent_scope: &Scope,
    d: &DelegationClaims,
) -> Result<(), TokenError> {
    if parent_remaining == 0 {
        return Err(TokenError::DepthExceeded {
            depth: block,
            max: block - 1,
        });
    }
    let widened = |detail: String| TokenError::WidenedAttenuation { block, detail };
    if d.remaining_depth >= parent_remaining {
        return Err(widened(format!(
            "remaining depth {} is not below the parent's {parent_remaining}",
            d.remaining_depth
        )));
    }
    if d.expires_at_ms > parent_expires_at_ms {
        return Err(widened(format!(
            "expiry {} ms is later than the parent's {parent_expires_at_ms} ms",
            d.expires_at_ms
        )));
    }
    d.scope.check_within(parent_scope).map_err(widened)
}

impl Chain {
    /// Turn a validated chain into the verifier's answer.
    pub(crate) fn into_verified(
        self,
        root_key_id: u32,
        revocation_ids: Vec<String>,
    ) -> VerifiedToken {
        let a = self.authority;
        let mut actors = Vec::with_capacity(1 + self.delegations.len());
        let mut scopes = Vec::with_capacity(1 + self.delegations.len());
        actors.push(a.agent);
        scopes.push(a.scope);
        for d in self.delegations {
            actors.push(d.delegate);
            scopes.push(d.scope);
        }
        VerifiedToken {
            token_id: a.token_id,
            root_key_id,
            subject: a.subject,
            owner: a.owner,
            actors,
            scopes,
            issued_at_ms: a.issued_at_ms,
            expires_at_ms: self.expires_at_ms,
            remaining_depth: self.remaining_depth,
            revocation_ids,
            audience: a.audience,
        }
    }
}
