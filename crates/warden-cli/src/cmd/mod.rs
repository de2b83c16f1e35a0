//! Subcommands and what they share: loading a model and printing diagnostics.

pub mod catalog;
pub mod model;
pub mod threats;

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

/// Load and fully validate a model (structure, references, catalogue control ids).
/// Returns the model and its bytes, or prints every diagnostic and returns `None`.
pub fn load_model(path: &Path, catalog: &Catalog) -> Option<(Loaded, Vec<u8>)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return None;
        }
    };
    let loaded = match warden_model::load_file(path) {
        Ok(l) => l,
        Err(diags) => {
            report_diagnostics(&diags);
            return None;
        }
    };
    let known = catalog.controls.iter().map(|c| c.id.clone()).collect();
    let diags = warden_model::check_controls(&loaded, &known);
    if !diags.is_empty() {
        report_diagnostics(&diags);
        return None;
    }
    Some((loaded, bytes))
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
