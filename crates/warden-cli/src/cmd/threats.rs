//! `warden threats MODEL`: the MAESTRO threat model as a table, report, SARIF or diagram.

use crate::exit;
use std::path::PathBuf;
use warden_threats::render::{Format, RenderInput};
use warden_threats::{Severity, Status, baseline, engine};

/// Threat-model a system described in a model file.
#[derive(clap::Args)]
pub struct Args {
    /// The system model (YAML or JSON).
    model: PathBuf,
    /// Output format: table, md, html, json, sarif, mermaid or dot.
    #[arg(long, short = 'f', default_value = "table")]
    format: String,
    /// Write the output to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// A previous JSON report: show new, resolved and changed findings.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Exit with status 1 if an open finding is at or above this severity (low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Team rule/control files to add to the built-in catalogue.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Judge accepted-risk expiry against this date (YYYY-MM-DD) instead of never expiring.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[command(flatten)]
    limits: crate::cmd::Limits,
}

/// Run `warden threats`.
pub fn run(args: Args) -> u8 {
    let format: Format = match args.format.parse() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::INVALID;
        }
    };
    let fail_on: Option<Severity> = match args.fail_on.as_deref().map(str::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --fail-on: {e}");
            return exit::INVALID;
        }
    };
    let Some(catalog) = crate::cmd::catalog_with(&args.rules) else {
        return exit::INVALID;
    };
    let Some(loaded) = crate::cmd::load_model(&args.model, &catalog, &args.limits) else {
        return exit::INVALID;
    };
    let options = engine::Options {
        as_of: args.as_of.clone(),
        ..engine::Options::default()
    };
    let graph = warden_model::graph::Graph::build(&loaded.model);
    let bytes = loaded.source.text.as_bytes();
    let report = engine::analyze_graph(&loaded, &graph, bytes, &catalog, &options);
    for warning in engine::stale_acceptances(&loaded, &report, &options) {
        eprintln!("warning: {warning}");
    }

    let diff = match &args.baseline {
        None => None,
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read baseline {}: {e}", path.display());
                    return exit::INVALID;
                }
            };
            match baseline::load_baseline(&text) {
                Ok(base) => Some(baseline::diff(&base, &report)),
                Err(e) => {
                    eprintln!("error: baseline {}: {e}", path.display());
                    return exit::INVALID;
                }
            }
        }
    };
    let names = engine::names(&catalog);
    let input = RenderInput {
        report: &report,
        model: &loaded.model,
        graph: &graph,
        names: &names,
        diff: diff.as_ref(),
    };
    let text = warden_threats::render::render(format, &input);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return exit::IO;
            }
        }
        None => print!("{text}"),
    }

    let failing = fail_on.map_or(0, |min| {
        report
            .findings
            .iter()
            .filter(|f| f.status == Status::Open && f.severity >= min)
            .count()
    });
    if failing > 0 {
        eprintln!(
            "{failing} open finding(s) at or above {}",
            fail_on.map(Severity::as_str).unwrap_or_default()
        );
        exit::FINDINGS
    } else {
        exit::OK
    }
}
