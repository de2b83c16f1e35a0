//! `warden registry`: keep the live register and the system model one truth.

use std::path::PathBuf;

use clap::Subcommand;
use warden_server::ControlPlane;
use warden_server::registry::{self, ImportOutcome};
use warden_threats::engine;

use super::state::{INVALID, OK, REFUSED, StateArgs, print_json, table, with_plane};
use crate::cmd::Limits;

/// Move agents between the register and the system model file.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RegistryCommand,
    #[command(flatten)]
    state: StateArgs,
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Bring every agent of a model into the register: new ones as `proposed`, known ones
    /// updated (owner, purpose, model, capability manifest, risk tier, controls). The risk
    /// tier, when the model does not declare one, is the agent's most severe open threat
    /// finding. An update that widens an approved or active agent is refused unless
    /// `--accept-widening`. Exit 1 if any agent was refused.
    Import {
        /// The system model (YAML or JSON).
        model: PathBuf,
        /// Accept updates that widen what approved, active or suspended agents may use
        /// (after they have been reviewed).
        #[arg(long)]
        accept_widening: bool,
        /// Team rule/control files to add to the built-in catalogue.
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
        #[command(flatten)]
        limits: Limits,
    },
    /// Write the register as a system model: into `--model` (each agent's owner, name,
    /// purpose, model, risk tier and lifecycle updated; register-only agents appended), or
    /// as a minimal model of its own.
    Export {
        /// A model to write the register into (it is read, not modified; the result goes to
        /// stdout or `-o`).
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// `yaml` or `json`.
        #[arg(long, default_value = "yaml")]
        format: String,
        #[command(flatten)]
        limits: Limits,
    },
}

/// Run `warden registry`.
pub fn run(args: Args) -> u8 {
    let state = args.state.clone();
    let actor = state.actor();
    match args.command {
        RegistryCommand::Import {
            model,
            accept_widening,
            rules,
            limits,
        } => {
            let Some(catalog) = crate::cmd::catalog_with(&rules) else {
                return INVALID;
            };
            let Some(loaded) = crate::cmd::load_model(&model, &catalog, &limits) else {
                return INVALID;
            };
            let report = engine::analyze(
                &loaded,
                loaded.source.text.as_bytes(),
                &catalog,
                &engine::Options::default(),
            );
            with_plane(&state, async move |plane: &ControlPlane| {
                let outcome = registry::import(
                    plane.store(),
                    &loaded.model,
                    &report.findings,
                    &actor,
                    accept_widening,
                )
                .await?;
                if state.json {
                    print_json(&outcome);
                } else {
                    let rows = outcome
                        .agents
                        .iter()
                        .map(|(id, o)| vec![id.clone(), describe(o)])
                        .collect();
                    println!("{}", table(&["AGENT", "OUTCOME"], rows));
                }
                Ok(if outcome.has_refusals() { REFUSED } else { OK })
            })
        }
        RegistryCommand::Export {
            model,
            output,
            format,
            limits,
        } => {
            if format != "yaml" && format != "json" {
                eprintln!("error: --format must be yaml or json, not `{format}`");
                return INVALID;
            }
            let base = match &model {
                None => None,
                Some(path) => {
                    let Some(catalog) = crate::cmd::catalog_with(&[]) else {
                        return INVALID;
                    };
                    let Some(loaded) = crate::cmd::load_model(path, &catalog, &limits) else {
                        return INVALID;
                    };
                    Some(loaded.model)
                }
            };
            with_plane(&state, async move |plane: &ControlPlane| {
                let records = plane.agents(&Default::default()).await?;
                let model = registry::export(&records, base);
                let text = if format == "json" {
                    serde_json::to_string_pretty(&model)
                        .map(|s| s + "\n")
                        .map_err(|e| e.to_string())
                } else {
                    serde_saphyr::to_string(&model).map_err(|e| e.to_string())
                };
                let text = match text {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!("error: cannot render the model: {e}");
                        return Ok(INVALID);
                    }
                };
                match &output {
                    Some(path) => {
                        if let Err(e) = std::fs::write(path, text) {
                            eprintln!("error: cannot write {}: {e}", path.display());
                            return Ok(crate::exit::IO);
                        }
                    }
                    None => print!("{text}"),
                }
                Ok(OK)
            })
        }
    }
}

fn describe(o: &ImportOutcome) -> String {
    match o {
        ImportOutcome::Created => "created (proposed)".into(),
        ImportOutcome::Updated { widened } if widened.is_empty() => "updated".into(),
        ImportOutcome::Updated { widened } => format!("updated, widened: {}", widened.join(", ")),
        ImportOutcome::Unchanged => "unchanged".into(),
        ImportOutcome::Refused { reason } => format!("REFUSED: {reason}"),
        ImportOutcome::NotInModel => "in the register, not in the model (left alone)".into(),
    }
}
