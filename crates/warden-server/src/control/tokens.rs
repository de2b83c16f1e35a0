//! Agent credentials: issuing tokens to active agents, verifying, revoking.

use std::sync::Arc;
use std::time::Duration;

use warden_identity::{
    AttenuateRequest, IssueRequest, IssuedToken, Issuer, Scope, ToolRule, VerifiedToken,
};
use warden_store::{Capabilities, Lifecycle, RevocationKind};

use super::{ControlError, ControlPlane, now_ms};

/// Choices when issuing a token; the defaults give the agent its whole manifest for the
/// issuer's default lifetime.
#[derive(Debug, Clone, Default)]
pub struct IssueOptions {
    /// Lifetime (default: the issuer's default, bounded by its maximum).
    pub ttl: Option<Duration>,
    /// The user or agent the agent acts for (default: itself).
    pub on_behalf_of: Option<String>,
    /// Narrow the scope to these tools (each must be within the manifest); empty = all.
    pub tools: Vec<String>,
    /// How many further delegations the token allows.
    pub max_depth: u8,
}

/// The token scope a capability manifest grants: its tools (any arguments; argument rules
/// are policy's job, or a delegator's narrowing) and its data classes.
pub fn scope_of(caps: &Capabilities) -> Scope {
    Scope {
        tools: caps
            .tools
            .iter()
            .map(|t| (t.clone(), ToolRule::default()))
            .collect(),
        data_classes: caps.data_classes.iter().cloned().collect(),
    }
}

impl ControlPlane {
    /// Issue a token to an active agent, scoped to its manifest (or the narrower `tools`),
    /// and record it in the register.
    pub async fn issue_token(
        &self,
        agent_id: &str,
        options: &IssueOptions,
    ) -> Result<IssuedToken, ControlError> {
        let agent = self.store.get_agent(agent_id).await?.ok_or_else(|| {
            ControlError::Refused(format!("no agent `{agent_id}` in the register"))
        })?;
        if agent.state != Lifecycle::Active {
            return Err(ControlError::Refused(format!(
                "agent `{agent_id}` is {}: only active agents are issued tokens",
                agent.state.as_str()
            )));
        }
        let mut scope = scope_of(&agent.capabilities);
        if !options.tools.is_empty() {
            let granted = scope.clone();
            scope.tools.clear();
            for t in &options.tools {
                let probe = Scope {
                    tools: [(t.clone(), ToolRule::default())].into(),
                    data_classes: Default::default(),
                };
                if probe.check_within(&granted).is_err() {
                    return Err(ControlError::Refused(format!(
                        "tool `{t}` is not in agent `{agent_id}`'s capability manifest"
                    )));
                }
                scope.tools.insert(t.clone(), ToolRule::default());
            }
        }
        let request = IssueRequest {
            agent_id: agent.id.clone(),
            owner: agent.owner.clone(),
            on_behalf_of: options.on_behalf_of.clone(),
            scope,
            audience: self.config.audience.clone(),
            ttl: options.ttl,
            max_depth: options.max_depth,
        };
        let token = {
            let keys = self.keys.lock().map_err(|_| poisoned())?;
            Issuer::new(&keys, self.issuer_config.clone()).issue(&request)?
        };
        self.store
            .record_token(&warden_store::IssuedToken {
                token_id: token.token_id.clone(),
                agent_id: agent.id.clone(),
                parent_token_id: None,
                delegate: None,
                issued_at_ms: now_ms(),
                expires_at_ms: token.expires_at_ms,
                revocation_ids: token.revocation_ids.clone(),
                root_key_id: token.root_key_id,
            })
            .await?;
        Ok(token)
    }

    /// Verify a token as the gateway would (signature, audience, expiry, chain, revocations
    /// known to this process).
    pub fn verify_token(&self, token: &str) -> Result<Arc<VerifiedToken>, ControlError> {
        Ok(self.verifier.verify(token, now_ms())?)
    }

    /// Derive a narrower token for a delegate (offline: only the public keys are needed).
    pub fn attenuate(
        &self,
        token: &str,
        request: &AttenuateRequest,
    ) -> Result<IssuedToken, ControlError> {
        Ok(warden_identity::attenuate(
            &self.verifier.keys(),
            token,
            request,
            now_ms(),
        )?)
    }

    /// Revoke one token (and everything delegated from it) by its token id.
    pub async fn revoke_token(
        &self,
        token_id: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), ControlError> {
        self.revoke(RevocationKind::Token, token_id, actor, reason)
            .await
    }

    /// Revoke one block of a delegation chain by its revocation id: every token derived from
    /// it stops verifying; its parent and siblings do not.
    pub async fn revoke_block(
        &self,
        revocation_id: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), ControlError> {
        self.revoke(RevocationKind::Block, revocation_id, actor, reason)
            .await
    }
}

pub(super) fn poisoned() -> ControlError {
    ControlError::Refused("the key ring lock was poisoned by an earlier failure".into())
}
