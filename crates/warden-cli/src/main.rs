//! `warden`: the command-line face of Warden, a zero-trust security control plane for
//! multi-agent AI systems. Each subcommand lives in its own module under `cmd/`.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit codes shared by every subcommand (documented in `docs/cli.md`).
pub mod exit {
    /// Success, and nothing at or above `--fail-on`.
    pub const OK: u8 = 0;
    /// Findings at or above `--fail-on` severity are open.
    pub const FINDINGS: u8 = 1;
    /// The input (model, rules, baseline) is invalid or unreadable.
    pub const INVALID: u8 = 2;
    /// Writing output failed.
    pub const IO: u8 = 3;
}

/// Warden: model the threats of a multi-agent AI system and enforce least privilege on it.
#[derive(Parser)]
#[command(name = "warden", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Threat-model a system: MAESTRO layers, OWASP ASI T1–T15, ATLAS, with findings and reports.
    Threats(cmd::threats::Args),
    /// Validate a system model or print its JSON Schema.
    #[command(subcommand)]
    Model(cmd::model::ModelCommand),
    /// Browse the threat catalogue: layers, threats, ASI Top 10, ATLAS, factors, traits, controls, rules.
    Catalog(cmd::catalog::Args),
    /// The tamper-evident audit log: verify it, prove entries to third parties, show, tail,
    /// export and append events.
    Audit(cmd::audit::Args),
    /// The live register of agents: register, list, show, approve, activate, suspend,
    /// revoke, retire.
    Agent(cmd::agent::Args),
    /// Agent credentials: issue, attenuate (delegate), inspect, verify, revoke.
    Token(cmd::token::Args),
    /// The control plane's root signing keys: list, rotate, retire.
    Keys(cmd::keys::Args),
    /// Keep the register and the system model one truth: import agents from a model,
    /// export the register into one.
    Registry(cmd::registry::Args),
}

/// Die quietly on a closed pipe (`warden … | head`), like other Unix filters, instead of
/// panicking on the failed write.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; restoring the default
    // disposition of SIGPIPE has no other effect on the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    default_sigpipe();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Threats(args) => cmd::threats::run(args),
        Command::Model(c) => cmd::model::run(c),
        Command::Catalog(args) => cmd::catalog::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Agent(args) => cmd::agent::run(args),
        Command::Token(args) => cmd::token::run(args),
        Command::Keys(args) => cmd::keys::run(args),
        Command::Registry(args) => cmd::registry::run(args),
    };
    ExitCode::from(code)
}
