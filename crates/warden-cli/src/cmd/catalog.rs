//! `warden catalog [SECTION]`.

use crate::exit;
use std::path::PathBuf;
use warden_catalog::Section;

/// Browse the threat catalogue compiled into Warden (plus any team files).
#[derive(clap::Args)]
pub struct Args {
    /// What to list: layers, threats, asi, atlas, factors, traits, controls, rules or sources.
    #[arg(default_value = "threats")]
    section: String,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
    /// Team rule/control files to add to the built-in catalogue.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
}

/// Run `warden catalog`.
pub fn run(args: Args) -> u8 {
    let section: Section = match args.section.parse() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::INVALID;
        }
    };
    let Some(catalog) = crate::cmd::catalog_with(&args.rules) else {
        return exit::INVALID;
    };
    if args.json {
        let v = warden_catalog::section_json(&catalog, section);
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", warden_catalog::render_section(&catalog, section));
    }
    exit::OK
}
