//! The live register: registering agents and moving them through their lifecycle.

use serde::Serialize;
use warden_store::{
    AgentFilter, AgentRecord, IssuedToken, Lifecycle, NewAgent, NewRevocation, RevocationKind,
    Transition,
};

use super::{ControlError, ControlPlane};

/// Everything the register knows about one agent.
#[derive(Debug, Clone, Serialize)]
pub struct AgentDetail {
    /// The entry.
    pub agent: AgentRecord,
    /// Its lifecycle transitions, oldest first.
    pub history: Vec<Transition>,
    /// Tokens issued to it.
    pub tokens: Vec<IssuedToken>,
}

impl ControlPlane {
    /// Add an agent to the register as `proposed`.
    pub async fn register(
        &self,
        agent: NewAgent,
        actor: &str,
        reason: &str,
    ) -> Result<AgentRecord, ControlError> {
        Ok(self.store.register_agent(agent, actor, reason).await?)
    }

    /// Agents matching `filter`, by id.
    pub async fn agents(&self, filter: &AgentFilter) -> Result<Vec<AgentRecord>, ControlError> {
        Ok(self.store.list_agents(filter).await?)
    }

    /// One agent with its history and tokens, or `None`.
    pub async fn agent(&self, id: &str) -> Result<Option<AgentDetail>, ControlError> {
        let Some(agent) = self.store.get_agent(id).await? else {
            return Ok(None);
        };
        Ok(Some(AgentDetail {
            history: self.store.history(id).await?,
            tokens: self.store.tokens_for_agent(id).await?,
            agent,
        }))
    }

    /// Move an agent to `to` from the state it is in now (compare-and-set: if another
    /// operator moved it in between, this fails with a conflict rather than overwriting).
    /// Suspending or retiring also revokes every token issued to or delegated through it.
    pub async fn transition(
        &self,
        id: &str,
        to: Lifecycle,
        actor: &str,
        reason: &str,
    ) -> Result<AgentRecord, ControlError> {
        let from = self
            .store
            .get_agent(id)
            .await?
            .ok_or_else(|| ControlError::Refused(format!("no agent `{id}` in the register")))?
            .state;
        if !from.can_transition(to) {
            return Err(ControlError::Refused(format!(
                "agent `{id}` is {}; it cannot become {} (allowed: {})",
                from.as_str(),
                to.as_str(),
                allowed_from(from)
            )));
        }
        let rec = self.store.transition(id, from, to, actor, reason).await?;
        if matches!(to, Lifecycle::Suspended | Lifecycle::Retired) {
            self.revoke_agent(id, actor, &format!("{}: {reason}", to.as_str()))
                .await?;
        }
        Ok(rec)
    }

    /// Revoke every token issued to or delegated through `id` up to now; tokens issued
    /// later (after a reactivation) are not affected. The tokens the register issued to it
    /// are also revoked by id, so a clock difference between the replica that issued a
    /// token and the one recording the revocation cannot let a token slip through.
    pub async fn revoke_agent(
        &self,
        id: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), ControlError> {
        let now = super::now_ms();
        for token in self.store.tokens_for_agent(id).await? {
            if token.expires_at_ms >= now {
                self.store
                    .revoke(NewRevocation {
                        kind: RevocationKind::Token,
                        value: token.token_id,
                        reason: reason.to_string(),
                        actor: actor.to_string(),
                        expires_at_ms: Some(token.expires_at_ms),
                    })
                    .await?;
            }
        }
        self.revoke(RevocationKind::Agent, id, actor, reason).await
    }

    /// Write a revocation to the store, then apply it here.
    pub(super) async fn revoke(
        &self,
        kind: RevocationKind,
        value: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), ControlError> {
        self.store
            .revoke(NewRevocation {
                kind,
                value: value.to_string(),
                reason: reason.to_string(),
                actor: actor.to_string(),
                expires_at_ms: None,
            })
            .await?;
        self.sync_revocations().await?;
        Ok(())
    }
}

/// The states `from` may move to, for error messages.
fn allowed_from(from: Lifecycle) -> String {
    let all = [
        Lifecycle::Proposed,
        Lifecycle::Approved,
        Lifecycle::Active,
        Lifecycle::Suspended,
        Lifecycle::Retired,
    ];
    let next: Vec<&str> = all
        .into_iter()
        .filter(|&to| from.can_transition(to))
        .map(Lifecycle::as_str)
        .collect();
    if next.is_empty() {
        "none — it is final".into()
    } else {
        next.join(", ")
    }
}
