//! `warden registry import`: bring the model's agents into the register.

use serde::Serialize;
use warden_model::SystemModel;
use warden_store::{AgentRecord, Lifecycle, NewAgent, Store, StoreError};
use warden_threats::finding::Finding;

use super::{RegistryError, agent_entry, widens};

/// What happened to one agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ImportOutcome {
    /// New in the register, as `proposed`.
    Created,
    /// Descriptive fields or capabilities updated (never the lifecycle state).
    Updated {
        /// What the update grants that the entry did not (only for proposed agents, or with
        /// widening accepted).
        widened: Vec<String>,
    },
    /// The register already says what the model says.
    Unchanged,
    /// Not imported; the register is untouched for this agent.
    Refused {
        /// Why, in words an operator can act on.
        reason: String,
    },
    /// In the register but not in the model; left alone.
    NotInModel,
}

/// The outcome for every agent of the model and of the register, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// `(agent id, outcome)`, model agents first in model order, then register-only agents.
    pub agents: Vec<(String, ImportOutcome)>,
}

impl ImportReport {
    /// Whether any agent was refused.
    pub fn has_refusals(&self) -> bool {
        self.agents
            .iter()
            .any(|(_, o)| matches!(o, ImportOutcome::Refused { .. }))
    }
}

/// The register entry of every model agent, or why it cannot have one.
pub fn plan(model: &SystemModel, findings: &[Finding]) -> Vec<Result<NewAgent, RegistryError>> {
    model
        .agents
        .iter()
        .map(|a| agent_entry(model, a, findings))
        .collect()
}

/// Import every agent of `model` into `store` as `actor`. New agents enter as proposed; an
/// update that widens an agent past `proposed` is refused unless `accept_widening`.
pub async fn import(
    store: &Store,
    model: &SystemModel,
    findings: &[Finding],
    actor: &str,
    accept_widening: bool,
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    for (agent, entry) in model.agents.iter().zip(plan(model, findings)) {
        let outcome = match entry {
            Err(e) => ImportOutcome::Refused {
                reason: e.to_string(),
            },
            Ok(entry) => import_one(store, entry, actor, accept_widening).await?,
        };
        report.agents.push((agent.id.clone(), outcome));
    }
    let in_model: std::collections::BTreeSet<&str> =
        model.agents.iter().map(|a| a.id.as_str()).collect();
    for rec in store.list_agents(&Default::default()).await? {
        if !in_model.contains(rec.id.as_str()) {
            report.agents.push((rec.id, ImportOutcome::NotInModel));
        }
    }
    Ok(report)
}

async fn import_one(
    store: &Store,
    entry: NewAgent,
    actor: &str,
    accept_widening: bool,
) -> Result<ImportOutcome, StoreError> {
    let Some(rec) = store.get_agent(&entry.id).await? else {
        store
            .register_agent(entry, actor, "imported from the system model")
            .await?;
        return Ok(ImportOutcome::Created);
    };
    if entry_of(&rec) == entry {
        return Ok(ImportOutcome::Unchanged);
    }
    if rec.state == Lifecycle::Retired {
        return Ok(ImportOutcome::Refused {
            reason: "retired: a retired agent cannot change; register it under a new id".into(),
        });
    }
    let widened = widens(&rec.capabilities, &entry.capabilities);
    if !widened.is_empty() && rec.state != Lifecycle::Proposed && !accept_widening {
        return Ok(ImportOutcome::Refused {
            reason: format!(
                "would widen a {} agent ({}); have it reviewed, then import with --accept-widening",
                rec.state.as_str(),
                widened.join(", ")
            ),
        });
    }
    store.update_agent(&rec.id, rec.version, entry).await?;
    Ok(ImportOutcome::Updated { widened })
}

/// The descriptive part of a register entry, to compare with what the model says.
pub fn entry_of(rec: &AgentRecord) -> NewAgent {
    NewAgent {
        id: rec.id.clone(),
        display_name: rec.display_name.clone(),
        owner: rec.owner.clone(),
        purpose: rec.purpose.clone(),
        model_provider: rec.model_provider.clone(),
        model_name: rec.model_name.clone(),
        model_version: rec.model_version.clone(),
        config_hash: rec.config_hash.clone(),
        capabilities: rec.capabilities.clone(),
        risk_tier: rec.risk_tier,
        controls: rec.controls.clone(),
    }
}
