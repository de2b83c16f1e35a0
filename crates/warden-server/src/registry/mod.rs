//! The register and the system model as one truth: turn the model's agents into register
//! entries (`warden registry import`) and the register back into the model's `agents`
//! section (`warden registry export`).
//!
//! Import never approves anything: new agents enter as `proposed`, and an update that would
//! widen what an approved, active or suspended agent may use is refused unless the operator
//! says so explicitly, because a model file edit must not be a way round review.

mod export;
mod import;

pub use export::export;
pub use import::{ImportOutcome, ImportReport, import, plan};

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};
use warden_model::{Agent, SystemModel};
use warden_store::{Capabilities, NewAgent, RiskTier};
use warden_threats::finding::{Finding, Severity, Status};

/// Why a model agent cannot become a register entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The register needs an accountable owner for every agent.
    #[error(
        "agent `{0}` has no owner: every agent in the register needs an accountable person or team (add `owner:` to it in the model)"
    )]
    NoOwner(String),
}

/// The register entry a model agent stands for.
///
/// `findings` are the threat findings of the same model; the risk tier, when the model does
/// not declare one, is the severity of the most severe *open* finding naming the agent
/// (mitigated and accepted findings do not raise it), and `low` when there is none.
pub fn agent_entry(
    model: &SystemModel,
    agent: &Agent,
    findings: &[Finding],
) -> Result<NewAgent, RegistryError> {
    let owner = agent
        .owner
        .clone()
        .filter(|o| !o.trim().is_empty())
        .ok_or_else(|| RegistryError::NoOwner(agent.id.clone()))?;
    let risk_tier = match agent.risk_tier {
        Some(t) => tier_from_model(t),
        None => derived_tier(&agent.id, findings),
    };
    Ok(NewAgent {
        id: agent.id.clone(),
        display_name: agent.name.clone(),
        owner,
        purpose: agent.purpose.clone(),
        model_provider: agent.model.as_ref().map(|m| m.provider.clone()),
        model_name: agent.model.as_ref().map(|m| m.name.clone()),
        model_version: agent.model.as_ref().and_then(|m| m.version.clone()),
        config_hash: Some(config_hash(agent)),
        capabilities: capabilities(model, agent),
        risk_tier,
        controls: controls_for(model, &agent.id),
    })
}

/// `sha256:` + hex digest of the agent's model entry (its JSON form, without the
/// register-owned `risk_tier` and `lifecycle`), so the register records which declared
/// configuration it approved and an export/import round trip does not change it.
pub fn config_hash(agent: &Agent) -> String {
    let mut a = agent.clone();
    a.risk_tier = None;
    a.lifecycle = None;
    // Serialising a plain data struct cannot fail.
    let json = serde_json::to_vec(&a).unwrap_or_default();
    format!("sha256:{}", hex::encode(Sha256::digest(&json)))
}

/// What the agent may use: its tool grants, the servers behind them, and the data classes
/// those tools and its directly read or written stores hold.
pub fn capabilities(model: &SystemModel, agent: &Agent) -> Capabilities {
    let mut servers = BTreeSet::new();
    let mut tools = BTreeSet::new();
    let mut classes = BTreeSet::new();
    for grant in &agent.tools {
        tools.insert(grant.tool.clone());
        let (server_id, tool_id) = grant.tool.split_once('.').unwrap_or((&grant.tool, "*"));
        servers.insert(server_id.to_string());
        if let Some(server) = model.servers.iter().find(|s| s.id == server_id) {
            for tool in &server.tools {
                if tool_id == "*" || tool.id == tool_id {
                    classes.extend(tool.data_classes.iter().cloned());
                }
            }
        }
    }
    for store_id in agent.reads.iter().chain(&agent.writes) {
        if let Some(store) = model.data_stores.iter().find(|s| &s.id == store_id) {
            classes.extend(store.data_classes.iter().cloned());
        }
    }
    Capabilities {
        servers: servers.into_iter().collect(),
        tools: tools.into_iter().collect(),
        data_classes: classes.into_iter().collect(),
    }
}

/// Catalogue ids of the implemented or partial controls that cover the agent (system-wide
/// controls, or controls whose scope names it).
pub fn controls_for(model: &SystemModel, agent_id: &str) -> Vec<String> {
    let ids: BTreeSet<String> = model
        .controls
        .iter()
        .filter(|c| c.status != warden_model::ControlStatus::Planned)
        .filter(|c| c.scope.is_empty() || c.scope.iter().any(|s| s == agent_id))
        .map(|c| c.id.clone())
        .collect();
    ids.into_iter().collect()
}

/// The severity of the most severe open finding naming `agent_id`, as a risk tier.
fn derived_tier(agent_id: &str, findings: &[Finding]) -> RiskTier {
    findings
        .iter()
        .filter(|f| matches!(f.status, Status::Open))
        .filter(|f| f.elements.iter().any(|e| e == agent_id))
        .map(|f| f.severity)
        .max()
        .map_or(RiskTier::Low, |s| match s {
            Severity::Low => RiskTier::Low,
            Severity::Medium => RiskTier::Medium,
            Severity::High => RiskTier::High,
            Severity::Critical => RiskTier::Critical,
        })
}

fn tier_from_model(t: warden_model::RiskTier) -> RiskTier {
    match t {
        warden_model::RiskTier::Low => RiskTier::Low,
        warden_model::RiskTier::Medium => RiskTier::Medium,
        warden_model::RiskTier::High => RiskTier::High,
        warden_model::RiskTier::Critical => RiskTier::Critical,
    }
}

/// What `new` grants that `old` does not (tools, servers, data classes), as readable
/// phrases; empty when `new` is no wider. A tool granted through a wildcard (`server.*`, `*`)
/// in `old` is not new.
pub fn widens(old: &Capabilities, new: &Capabilities) -> Vec<String> {
    let covered = |tool: &str| {
        let server = tool.split_once('.').map_or(tool, |(s, _)| s);
        old.tools
            .iter()
            .any(|t| t == tool || t == "*" || *t == format!("{server}.*"))
    };
    let mut added: Vec<String> = new
        .servers
        .iter()
        .filter(|s| !old.servers.contains(s))
        .map(|s| format!("server {s}"))
        .collect();
    added.extend(
        new.tools
            .iter()
            .filter(|t| !covered(t))
            .map(|t| format!("tool {t}")),
    );
    added.extend(
        new.data_classes
            .iter()
            .filter(|c| !old.data_classes.contains(c))
            .map(|c| format!("data class {c}")),
    );
    added
}
