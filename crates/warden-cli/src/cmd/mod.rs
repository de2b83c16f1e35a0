//! Subcommands and what they share: loading a model and printing diagnostics.

pub mod agent;
pub mod audit;
pub mod catalog;
pub mod keys;
pub mod model;
pub mod registry;
pub mod state;
pub mod threats;
pub mod token;

use std::path::{Path, PathBuf};
use warden_catalog::Catalog;
use warden_model::{Diagnostic, Loaded};

/// Print diagnostics for people (stderr) and say how many there were.
pub fn report_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{}", d.render());
    }
    let n = diags.len();
    eprintln!("{n} error{} found", if n == 1 { "" } else { "s" });
}

/// Limits on the model files Warden reads (all have safe defaults).
#[derive(clap::Args, Debug, Clone)]
pub struct Limits {
    /// Largest model file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = warden_model::ParseOptions::default().max_bytes)]
    pub max_model_bytes: usize,
    /// Deepest nesting of mappings and lists accepted in a model file.
    #[arg(long, value_name = "N", default_value_t = warden_model::ParseOptions::default().max_depth)]
    pub max_model_depth: usize,
}

impl Limits {
    /// The parser options these limits stand for.
    pub fn options(&self) -> warden_model::ParseOptions {
        warden_model::ParseOptions {
            max_bytes: self.max_model_bytes,
            max_depth: self.max_model_depth,
            ..warden_model::ParseOptions::default()
        }
    }
}

/// Read a model and run every check (structure, references, catalogue control ids).
pub fn check_model(
    path: &Path,
    catalog: &Catalog,
    limits: &Limits,
) -> Result<Loaded, Vec<Diagnostic>> {
    let loaded = warden_model::load_file_with(path, &limits.options())?;
    let known = catalog.controls.iter().map(|c| c.id.clone()).collect();
    let diags = warden_model::check_controls(&loaded, &known);
    if diags.is_empty() {
        Ok(loaded)
    } else {
        Err(diags)
    }
}

/// Load and fully validate a model, or print every diagnostic and return `None`.
pub fn load_model(path: &Path, catalog: &Catalog, limits: &Limits) -> Option<Loaded> {
    match check_model(path, catalog, limits) {
        Ok(l) => Some(l),
        Err(diags) => {
            report_diagnostics(&diags);
            None
        }
    }
}

/// The built-in catalogue extended with team rule/control files, or print why not.
pub fn catalog_with(extra: &[PathBuf]) -> Option<Catalog> {
    if extra.is_empty() {
        return Some(Catalog::builtin().clone());
    }
    match Catalog::with_extensions(extra) {
        Ok(c) => Some(c),
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            None
        }
    }
}
