//! `warden registry export`: write the register back into the model's `agents` section.

use warden_model::{Agent, ModelInfo, Server, SystemInfo, SystemModel, Tool, ToolGrant};
use warden_store::{AgentRecord, Lifecycle, RiskTier};

/// The model `base` (or, without one, a minimal model holding just the register) with every
/// register entry written into its agent of the same id: owner, name, purpose, foundation
/// model, risk tier and lifecycle state. Agents only in the register are appended with their
/// tool grants, and the servers and tools those grants name are added as stubs where the base
/// lacks them, so the result validates. Nothing else in `base` changes.
pub fn export(records: &[AgentRecord], base: Option<SystemModel>) -> SystemModel {
    let mut model = base.unwrap_or_else(|| SystemModel {
        warden: warden_model::FORMAT_VERSION,
        system: SystemInfo {
            name: "agent register".into(),
            ..Default::default()
        },
        ..Default::default()
    });
    for rec in records {
        match model.agents.iter_mut().find(|a| a.id == rec.id) {
            Some(agent) => describe(agent, rec),
            None => {
                let mut agent = Agent {
                    id: rec.id.clone(),
                    tools: rec
                        .capabilities
                        .tools
                        .iter()
                        .map(|t| ToolGrant {
                            tool: t.clone(),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                };
                describe(&mut agent, rec);
                for grant in &agent.tools {
                    add_stub(&mut model.servers, &grant.tool);
                }
                model.agents.push(agent);
            }
        }
    }
    model
}

/// Copy the register's descriptive fields and state onto a model agent.
fn describe(agent: &mut Agent, rec: &AgentRecord) {
    agent.owner = Some(rec.owner.clone());
    if rec.display_name.is_some() {
        agent.name = rec.display_name.clone();
    }
    if rec.purpose.is_some() {
        agent.purpose = rec.purpose.clone();
    }
    if let (Some(provider), Some(name)) = (&rec.model_provider, &rec.model_name) {
        agent.model = Some(ModelInfo {
            provider: provider.clone(),
            name: name.clone(),
            version: rec.model_version.clone(),
        });
    }
    agent.risk_tier = Some(match rec.risk_tier {
        RiskTier::Low => warden_model::RiskTier::Low,
        RiskTier::Medium => warden_model::RiskTier::Medium,
        RiskTier::High => warden_model::RiskTier::High,
        RiskTier::Critical => warden_model::RiskTier::Critical,
    });
    agent.lifecycle = Some(match rec.state {
        Lifecycle::Proposed => warden_model::Lifecycle::Proposed,
        Lifecycle::Approved => warden_model::Lifecycle::Approved,
        Lifecycle::Active => warden_model::Lifecycle::Active,
        Lifecycle::Suspended => warden_model::Lifecycle::Suspended,
        Lifecycle::Retired => warden_model::Lifecycle::Retired,
    });
}

/// Make sure the server (and, unless the grant is a wildcard, the tool) of `grant` exists.
fn add_stub(servers: &mut Vec<Server>, grant: &str) {
    let (server_id, tool_id) = grant.split_once('.').unwrap_or((grant, "*"));
    if server_id == "*" {
        return;
    }
    let idx = match servers.iter().position(|s| s.id == server_id) {
        Some(i) => i,
        None => {
            servers.push(Server {
                id: server_id.to_string(),
                ..Default::default()
            });
            servers.len() - 1
        }
    };
    let server = &mut servers[idx];
    if tool_id != "*" && !server.tools.iter().any(|t| t.id == tool_id) {
        server.tools.push(Tool {
            id: tool_id.to_string(),
            ..Default::default()
        });
    }
}
