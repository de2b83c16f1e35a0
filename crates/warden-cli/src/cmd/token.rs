//! `warden token`: agent credentials (Biscuit tokens) — issue, attenuate, inspect, verify,
//! revoke.

use std::time::Duration;

use clap::Subcommand;
use warden_identity::{ArgRule, AttenuateRequest, Scope, ToolRule, VerifiedToken};
use warden_server::{ControlError, ControlPlane, IssueOptions};

use super::state::{OK, REFUSED, StateArgs, print_json, time, token_arg, with_plane};

/// Agent credentials: Biscuit tokens issued to active agents, narrowed by delegation, checked
/// offline with the control plane's public keys.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: TokenCommand,
    #[command(flatten)]
    state: StateArgs,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token to an active agent, scoped to its capability manifest. The token is
    /// printed alone on stdout (details on stderr) so scripts can capture it.
    Issue {
        /// The agent id.
        agent: String,
        /// Lifetime, e.g. `15m`, `2h` (default 15 minutes; at most the issuer's maximum).
        #[arg(long, value_parser = humantime::parse_duration)]
        ttl: Option<Duration>,
        /// The user or agent it acts for (default: itself), e.g. `user:alice`.
        #[arg(long, value_name = "SUBJECT")]
        on_behalf_of: Option<String>,
        /// Narrow to these tools (each within the manifest); repeat for more.
        #[arg(long = "tool", value_name = "SERVER.TOOL")]
        tools: Vec<String>,
        /// How many further delegations the token allows.
        #[arg(long, default_value_t = 0)]
        max_depth: u8,
    },
    /// Derive a narrower token for a delegate (offline: needs only the public keys). Rights
    /// only shrink: fewer tools, narrower arguments, a shorter life, less depth.
    Attenuate {
        /// The token to narrow (`-` reads it from stdin).
        token: String,
        /// The agent that will hold the new token.
        #[arg(long)]
        delegate: String,
        /// Keep only these tools; repeat for more (default: all of the parent's).
        #[arg(long = "tool", value_name = "SERVER.TOOL")]
        tools: Vec<String>,
        /// An argument rule, `SERVER.TOOL:ARG=one-of:V1,V2`, `…=like:GLOB` or `…=max:N`;
        /// repeat for more.
        #[arg(long = "arg", value_name = "RULE")]
        args: Vec<String>,
        /// Shorter lifetime, e.g. `5m`.
        #[arg(long, value_parser = humantime::parse_duration)]
        ttl: Option<Duration>,
        /// Further delegations the new token allows (below the parent's).
        #[arg(long)]
        max_depth: Option<u8>,
    },
    /// Verify a token and show everything in it: subject, the chain of actors, each block's
    /// scope, expiry, key and revocation ids. Exit 1 when it does not verify.
    Inspect {
        /// The token (`-` reads it from stdin).
        token: String,
    },
    /// Verify a token as the gateway would. Exit 0 valid, 1 refused (with the reason).
    Verify {
        /// The token (`-` reads it from stdin).
        token: String,
    },
    /// Revoke a token by its token id (everything delegated from it too), or one block of a
    /// chain by its revocation id (`--block`).
    Revoke {
        /// The token id, or with `--block` a block revocation id.
        id: String,
        /// `id` is a block revocation id.
        #[arg(long)]
        block: bool,
        /// Why (recorded).
        #[arg(long)]
        reason: String,
    },
}

/// Run `warden token`.
pub fn run(args: Args) -> u8 {
    let state = args.state.clone();
    let actor = state.actor();
    let json = state.json;
    with_plane(&state, async move |plane: &ControlPlane| {
        match args.command {
            TokenCommand::Issue {
                agent,
                ttl,
                on_behalf_of,
                tools,
                max_depth,
            } => {
                let options = IssueOptions {
                    ttl,
                    on_behalf_of,
                    tools,
                    max_depth,
                };
                let token = plane.issue_token(&agent, &options).await?;
                if json {
                    print_json(&token);
                } else {
                    println!("{}", token.token);
                    eprintln!(
                        "issued token {} to `{}`, expires {}",
                        token.token_id,
                        token.agent_id,
                        time(token.expires_at_ms)
                    );
                }
                Ok(OK)
            }
            TokenCommand::Attenuate {
                token,
                delegate,
                tools,
                args,
                ttl,
                max_depth,
            } => {
                let token = token_arg(&token)?;
                let parent = plane.verify_token(&token)?;
                let request = AttenuateRequest {
                    delegate,
                    scope: narrowed(&parent, &tools, &args)?,
                    ttl,
                    max_depth,
                };
                let child = plane.attenuate(&token, &request)?;
                if json {
                    print_json(&child);
                } else {
                    println!("{}", child.token);
                    eprintln!(
                        "derived a token for `{}`, expires {}",
                        request.delegate,
                        time(child.expires_at_ms)
                    );
                }
                Ok(OK)
            }
            TokenCommand::Inspect { token } => {
                let verified = plane.verify_token(&token_arg(&token)?)?;
                if json {
                    print_json(&*verified);
                } else {
                    print_verified(&verified);
                }
                Ok(OK)
            }
            TokenCommand::Verify { token } => match plane.verify_token(&token_arg(&token)?) {
                Ok(v) => {
                    if json {
                        print_json(&*v);
                    } else {
                        println!(
                            "valid: `{}` acting for `{}` (chain {}), expires {}",
                            v.acting_agent(),
                            v.subject,
                            v.actors.join(" → "),
                            time(v.expires_at_ms)
                        );
                    }
                    Ok(OK)
                }
                Err(e) => {
                    println!("refused: {e}");
                    Ok(REFUSED)
                }
            },
            TokenCommand::Revoke { id, block, reason } => {
                if block {
                    plane.revoke_block(&id, &actor, &reason).await?;
                } else {
                    plane.revoke_token(&id, &actor, &reason).await?;
                }
                eprintln!("revoked {} {id}", if block { "block" } else { "token" });
                Ok(OK)
            }
        }
    })
}

/// The delegate's scope: the parent's last scope, kept to `tools` and narrowed by `args`.
fn narrowed(
    parent: &VerifiedToken,
    tools: &[String],
    args: &[String],
) -> Result<Scope, ControlError> {
    let mut scope = parent.scopes.last().cloned().unwrap_or_default();
    if !tools.is_empty() {
        scope.tools = tools
            .iter()
            .map(|t| (t.clone(), scope.tools.get(t).cloned().unwrap_or_default()))
            .collect();
    }
    for spec in args {
        let (tool, arg, rule) = parse_arg_rule(spec)?;
        scope
            .tools
            .entry(tool)
            .or_insert_with(ToolRule::default)
            .arguments
            .insert(arg, rule);
    }
    Ok(scope)
}

/// Parse `SERVER.TOOL:ARG=one-of:V1,V2` | `=like:GLOB` | `=max:N`.
fn parse_arg_rule(spec: &str) -> Result<(String, String, ArgRule), ControlError> {
    let bad = |why: &str| {
        ControlError::Invalid(format!(
            "--arg `{spec}`: {why} (expected SERVER.TOOL:ARG=one-of:V1,V2 | like:GLOB | max:N)"
        ))
    };
    let (target, rule) = spec.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let (tool, arg) = target
        .rsplit_once(':')
        .ok_or_else(|| bad("no `:` before the argument name"))?;
    let (kind, value) = rule.split_once(':').ok_or_else(|| bad("no rule kind"))?;
    let rule = match kind {
        "one-of" => ArgRule::OneOf(
            value
                .split(',')
                .map(|v| serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::from(v)))
                .collect(),
        ),
        "like" => ArgRule::Like(value.to_string()),
        "max" => ArgRule::Max(value.parse().map_err(|_| bad("max needs a number"))?),
        _ => return Err(bad("unknown rule kind")),
    };
    Ok((tool.to_string(), arg.to_string(), rule))
}

fn print_verified(v: &VerifiedToken) {
    println!("      token  {}", v.token_id);
    println!("    subject  {}", v.subject);
    println!("      owner  {}", v.owner);
    println!("      chain  {}", v.actors.join(" → "));
    println!("   audience  {}", v.audience);
    println!("    expires  {}", time(v.expires_at_ms));
    println!("   root key  {}", v.root_key_id);
    println!("  depth left {}", v.remaining_depth);
    for (i, scope) in v.scopes.iter().enumerate() {
        let who = v.actors.get(i).map_or("?", String::as_str);
        println!(
            "\nblock {i} (held by `{who}`), revocation id {}:",
            v.revocation_ids.get(i).map_or("?", String::as_str)
        );
        for (tool, rule) in &scope.tools {
            if rule.arguments.is_empty() {
                println!("  {tool}");
            } else {
                let rules: Vec<String> = rule
                    .arguments
                    .iter()
                    .map(|(a, r)| format!("{a} {}", describe(r)))
                    .collect();
                println!("  {tool} where {}", rules.join(", "));
            }
        }
        if !scope.data_classes.is_empty() {
            let classes: Vec<&str> = scope.data_classes.iter().map(String::as_str).collect();
            println!("  data classes: {}", classes.join(", "));
        }
    }
}

fn describe(r: &ArgRule) -> String {
    match r {
        ArgRule::OneOf(vs) => format!(
            "∈ {{{}}}",
            vs.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ArgRule::Like(g) => format!("like {g:?}"),
        ArgRule::Max(m) => format!("≤ {m}"),
    }
}
