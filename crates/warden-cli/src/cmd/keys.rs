//! `warden keys`: the control plane's root signing keys.

use clap::Subcommand;
use warden_server::ControlPlane;

use super::state::{OK, StateArgs, print_json, table, time, with_plane};

/// The control plane's Ed25519 root keys, which sign every agent token.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: KeysCommand,
    #[command(flatten)]
    state: StateArgs,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List the root keys and their states (active, verify-only, retired).
    List,
    /// Add a new signing key; the previous one still verifies the tokens it signed until it
    /// is retired.
    Rotate,
    /// Retire a verify-only key: tokens it signed stop verifying.
    Retire {
        /// The key id.
        kid: u32,
    },
}

/// Run `warden keys`.
pub fn run(args: Args) -> u8 {
    let json = args.state.json;
    with_plane(&args.state, async move |plane: &ControlPlane| {
        match args.command {
            KeysCommand::List => {}
            KeysCommand::Rotate => {
                let kid = plane.rotate_keys()?;
                eprintln!(
                    "key {kid} now signs new tokens; earlier keys still verify until retired"
                );
            }
            KeysCommand::Retire { kid } => {
                plane.retire_key(kid)?;
                eprintln!("key {kid} retired: tokens it signed no longer verify");
            }
        }
        let keys = plane.keys()?;
        if json {
            print_json(&keys);
        } else {
            let rows = keys
                .iter()
                .map(|k| {
                    vec![
                        k.kid.to_string(),
                        k.state.to_string(),
                        time(k.created_at_ms),
                        k.public_key.clone(),
                    ]
                })
                .collect();
            println!(
                "{}",
                table(&["KID", "STATE", "CREATED", "PUBLIC KEY"], rows)
            );
        }
        Ok(OK)
    })
}
