//! What the register, token and key commands share: where the state lives, who is acting,
//! how to print, and opening the control plane.

use std::path::PathBuf;

use serde::Serialize;
use warden_server::{ControlConfig, ControlError, ControlPlane};

/// Exit status: done.
pub const OK: u8 = 0;
/// Exit status: refused (a transition not allowed, a token that does not verify, a conflict).
pub const REFUSED: u8 = 1;
/// Exit status: invalid input, or the state could not be read or written.
pub const INVALID: u8 = 2;

/// Where Warden's state lives, who is acting, and the output form.
#[derive(clap::Args, Debug, Clone)]
pub struct StateArgs {
    /// The data directory (root keys in `identity/`, the SQLite register `warden.db`).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "WARDEN_DATA_DIR",
        default_value = ".warden"
    )]
    pub data_dir: PathBuf,
    /// Keep the register in PostgreSQL (`postgres://…`) instead of the data directory.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "WARDEN_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Who is acting; recorded with every change (default: `$USER`).
    #[arg(long, global = true, value_name = "NAME", env = "WARDEN_ACTOR")]
    pub actor: Option<String>,
    /// The audience tokens are issued for and checked against.
    #[arg(long, global = true, value_name = "AUD", default_value = "warden")]
    pub audience: String,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

impl StateArgs {
    /// The acting person: `--actor`, else `$USER`, else `cli`.
    pub fn actor(&self) -> String {
        self.actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "cli".into())
    }

    /// The control-plane configuration these arguments describe.
    pub fn config(&self) -> ControlConfig {
        let mut config = ControlConfig::new(&self.data_dir);
        config.database = self.database.clone();
        config.audience = self.audience.clone();
        config.verifier.audience = self.audience.clone();
        config
    }
}

/// Run `f` on a freshly opened control plane in a single-threaded runtime; print its error
/// (if any) and turn the result into an exit status.
pub fn with_plane<F>(state: &StateArgs, f: F) -> u8
where
    F: AsyncFnOnce(&ControlPlane) -> Result<u8, ControlError>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return INVALID;
        }
    };
    runtime.block_on(async {
        let plane = match ControlPlane::open(state.config()).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: cannot open Warden's state: {e}");
                return INVALID;
            }
        };
        let code = match f(&plane).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                status_of(&e)
            }
        };
        plane.store().close().await;
        code
    })
}

/// The exit status for an error: refusals are 1, everything else 2.
pub fn status_of(e: &ControlError) -> u8 {
    use warden_store::StoreError;
    match e {
        ControlError::Refused(_) | ControlError::Token(_) => REFUSED,
        ControlError::Store(
            StoreError::Conflict { .. }
            | StoreError::InvalidTransition { .. }
            | StoreError::AlreadyExists { .. },
        ) => REFUSED,
        _ => INVALID,
    }
}

/// Print `value` as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot render JSON: {e}"),
    }
}

/// A plain table (no colours, no borders but a header rule) for terminals and logs.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(headers.to_vec());
    for row in rows {
        t.add_row(row);
    }
    t.to_string()
}

/// A Unix-millisecond timestamp as RFC 3339 (UTC, seconds).
pub fn time(ms: i64) -> String {
    let secs = u64::try_from(ms / 1000).unwrap_or(0);
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()
}

/// Read a token given on the command line, or from stdin when it is `-`.
pub fn token_arg(arg: &str) -> Result<String, ControlError> {
    if arg == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(std::io::stdin(), 1 << 20), &mut s)
            .map_err(|e| ControlError::Invalid(format!("cannot read the token from stdin: {e}")))?;
        Ok(s.trim().to_string())
    } else {
        Ok(arg.trim().to_string())
    }
}
