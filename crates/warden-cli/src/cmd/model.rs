//! `warden model validate|schema`.

use crate::exit;
use clap::Subcommand;
use std::path::PathBuf;

/// Work with system model files.
#[derive(Subcommand)]
pub enum ModelCommand {
    /// Check a model file and report every problem at once, with file, line, column and a hint.
    Validate {
        /// The model file (YAML or JSON).
        model: PathBuf,
        /// Print diagnostics as JSON on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        limits: crate::cmd::Limits,
    },
    /// Print the JSON Schema of the model format (for editor completion and checks).
    Schema,
}

/// Run a `model` subcommand.
pub fn run(cmd: ModelCommand) -> u8 {
    match cmd {
        ModelCommand::Schema => {
            let schema = warden_model::json_schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            exit::OK
        }
        ModelCommand::Validate {
            model,
            json,
            limits,
        } => {
            let catalog = warden_catalog::Catalog::builtin();
            let diags = crate::cmd::check_model(&model, catalog, &limits)
                .err()
                .unwrap_or_default();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&diags).unwrap_or_default()
                );
            } else if diags.is_empty() {
                println!("{}: valid", model.display());
            } else {
                crate::cmd::report_diagnostics(&diags);
            }
            if diags.is_empty() {
                exit::OK
            } else {
                exit::INVALID
            }
        }
    }
}
