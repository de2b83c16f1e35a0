//! `warden agent`: the live register of agents.

use clap::Subcommand;
use warden_server::ControlPlane;
use warden_server::control::AgentDetail;
use warden_store::{AgentFilter, AgentRecord, Capabilities, Lifecycle, NewAgent, RiskTier};

use super::state::{OK, REFUSED, StateArgs, print_json, table, time, with_plane};

/// The live register of agents: who they are, who owns them, what they may use, and where
/// they are in their lifecycle (proposed → approved → active ⇄ suspended → retired).
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AgentCommand,
    #[command(flatten)]
    state: StateArgs,
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Add an agent to the register (as `proposed`).
    Register(Box<RegisterArgs>),
    /// List agents, optionally only those in one state or of one owner.
    List {
        /// Only agents in this state.
        #[arg(long)]
        state: Option<String>,
        /// Only agents of this owner.
        #[arg(long)]
        owner: Option<String>,
    },
    /// Show one agent: its entry, lifecycle history and issued tokens.
    Show {
        /// The agent id.
        id: String,
    },
    /// Approve a proposed agent.
    Approve(Change),
    /// Put an approved (or suspended) agent into service; only active agents get tokens.
    Activate(Change),
    /// Take an active agent out of service and revoke its tokens.
    Suspend(Change),
    /// Revoke every token issued to or delegated through the agent, keeping its state.
    Revoke(Change),
    /// Retire an agent for good and revoke its tokens.
    Retire(Change),
}

/// A lifecycle change: which agent and why.
#[derive(clap::Args)]
struct Change {
    /// The agent id.
    id: String,
    /// Why (recorded with who and when).
    #[arg(long)]
    reason: String,
}

/// `warden agent register`.
#[derive(clap::Args)]
struct RegisterArgs {
    /// Unique agent id.
    id: String,
    /// The accountable person or team.
    #[arg(long)]
    owner: String,
    /// Display name.
    #[arg(long)]
    name: Option<String>,
    /// What it is for.
    #[arg(long)]
    purpose: Option<String>,
    /// Foundation model as `provider/name[@version]`.
    #[arg(long, value_name = "PROVIDER/NAME[@VERSION]")]
    model: Option<String>,
    /// A tool it may call (`server.tool` or `server.*`); repeat for more.
    #[arg(long = "tool", value_name = "SERVER.TOOL")]
    tools: Vec<String>,
    /// A data class it may touch; repeat for more.
    #[arg(long = "data-class", value_name = "CLASS")]
    data_classes: Vec<String>,
    /// Risk tier: low, medium, high or critical.
    #[arg(long, default_value = "medium")]
    risk_tier: String,
    /// A control in place for it (catalogue id, e.g. WC-HITL); repeat for more.
    #[arg(long = "control", value_name = "ID")]
    controls: Vec<String>,
    /// Configuration hash (provenance), e.g. `sha256:…` of its deployed configuration.
    #[arg(long, value_name = "HASH")]
    config_hash: Option<String>,
    /// Why it is being registered.
    #[arg(long, default_value = "registered")]
    reason: String,
}

/// Run `warden agent`.
pub fn run(args: Args) -> u8 {
    let state = args.state.clone();
    let actor = state.actor();
    let json = state.json;
    with_plane(&state, async move |plane: &ControlPlane| {
        let (id, to, reason) = match args.command {
            AgentCommand::Register(r) => {
                let reason = r.reason.clone();
                let agent = register_entry(*r)?;
                let rec = plane.register(agent, &actor, &reason).await?;
                print_agents(&[rec], json);
                return Ok(OK);
            }
            AgentCommand::List { state, owner } => {
                let filter = AgentFilter {
                    state: state.map(|s| parse(&s, "state")).transpose()?,
                    owner,
                };
                print_agents(&plane.agents(&filter).await?, json);
                return Ok(OK);
            }
            AgentCommand::Show { id } => {
                return Ok(match plane.agent(&id).await? {
                    Some(detail) => {
                        print_detail(&detail, json);
                        OK
                    }
                    None => {
                        eprintln!("error: no agent `{id}` in the register");
                        REFUSED
                    }
                });
            }
            AgentCommand::Revoke(c) => {
                plane.revoke_agent(&c.id, &actor, &c.reason).await?;
                eprintln!("revoked every token of agent `{}` issued until now", c.id);
                return Ok(OK);
            }
            AgentCommand::Approve(c) => (c.id, Lifecycle::Approved, c.reason),
            AgentCommand::Activate(c) => (c.id, Lifecycle::Active, c.reason),
            AgentCommand::Suspend(c) => (c.id, Lifecycle::Suspended, c.reason),
            AgentCommand::Retire(c) => (c.id, Lifecycle::Retired, c.reason),
        };
        let rec = plane.transition(&id, to, &actor, &reason).await?;
        print_agents(&[rec], json);
        Ok(OK)
    })
}

/// Parse a lowercase enum value, naming the field in the error.
fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, warden_server::ControlError>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e| warden_server::ControlError::Invalid(format!("invalid {what} `{s}`: {e}")))
}

/// The register entry `warden agent register` describes.
fn register_entry(r: RegisterArgs) -> Result<NewAgent, warden_server::ControlError> {
    let (provider, name, version) = match &r.model {
        None => (None, None, None),
        Some(m) => {
            let (pn, version) = match m.split_once('@') {
                Some((pn, v)) => (pn, Some(v.to_string())),
                None => (m.as_str(), None),
            };
            let Some((p, n)) = pn.split_once('/') else {
                return Err(warden_server::ControlError::Invalid(format!(
                    "--model `{m}`: expected provider/name[@version], e.g. anthropic/claude@2026-01"
                )));
            };
            (Some(p.to_string()), Some(n.to_string()), version)
        }
    };
    let mut servers: Vec<String> = r
        .tools
        .iter()
        .map(|t| t.split_once('.').map_or(t.as_str(), |(s, _)| s).to_string())
        .collect();
    servers.sort();
    servers.dedup();
    Ok(NewAgent {
        id: r.id,
        display_name: r.name,
        owner: r.owner,
        purpose: r.purpose,
        model_provider: provider,
        model_name: name,
        model_version: version,
        config_hash: r.config_hash,
        capabilities: Capabilities {
            servers,
            tools: r.tools,
            data_classes: r.data_classes,
        },
        risk_tier: parse::<RiskTier>(&r.risk_tier, "risk tier")?,
        controls: r.controls,
    })
}

fn print_agents(agents: &[AgentRecord], json: bool) {
    if json {
        print_json(&agents);
        return;
    }
    let rows = agents
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.state.as_str().to_string(),
                a.owner.clone(),
                a.risk_tier.as_str().to_string(),
                a.capabilities.tools.join(", "),
                time(a.updated_at_ms),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &["AGENT", "STATE", "OWNER", "RISK", "TOOLS", "UPDATED"],
            rows
        )
    );
    println!();
}

fn print_detail(d: &AgentDetail, json: bool) {
    if json {
        print_json(d);
        return;
    }
    let a = &d.agent;
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    let model = match (&a.model_provider, &a.model_name) {
        (Some(p), Some(n)) => format!(
            "{p}/{n}{}",
            a.model_version
                .as_ref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default()
        ),
        _ => "—".into(),
    };
    let fields = [
        ("id", a.id.clone()),
        ("name", opt(&a.display_name)),
        ("owner", a.owner.clone()),
        ("purpose", opt(&a.purpose)),
        (
            "state",
            format!("{} (version {})", a.state.as_str(), a.version),
        ),
        ("risk tier", a.risk_tier.as_str().to_string()),
        ("model", model),
        ("config hash", opt(&a.config_hash)),
        ("servers", a.capabilities.servers.join(", ")),
        ("tools", a.capabilities.tools.join(", ")),
        ("data classes", a.capabilities.data_classes.join(", ")),
        ("controls", a.controls.join(", ")),
        ("registered", time(a.created_at_ms)),
    ];
    for (k, v) in fields {
        println!("{k:>13}  {v}");
    }
    println!("\nhistory:");
    let rows = d
        .history
        .iter()
        .map(|t| {
            vec![
                time(t.at_ms),
                format!(
                    "{} → {}",
                    t.from.map_or("—", Lifecycle::as_str),
                    t.to.as_str()
                ),
                t.actor.clone(),
                t.reason.clone(),
            ]
        })
        .collect();
    println!("{}", table(&["WHEN", "CHANGE", "BY", "WHY"], rows));
    if !d.tokens.is_empty() {
        println!("\ntokens:");
        let rows = d
            .tokens
            .iter()
            .map(|t| {
                vec![
                    t.token_id.clone(),
                    time(t.issued_at_ms),
                    time(t.expires_at_ms),
                    t.root_key_id.to_string(),
                ]
            })
            .collect();
        println!("{}", table(&["TOKEN", "ISSUED", "EXPIRES", "KEY"], rows));
    }
}
