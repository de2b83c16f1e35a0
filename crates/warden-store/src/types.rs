//! The values the store keeps: agents in the register, their lifecycle history,
//! revocations and issued tokens.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::StoreError;

/// Defines a fieldless enum stored as snake_case TEXT, with `as_str`, `Display`, `FromStr`
/// and `ALL`, so the database, serde and the CLI all spell values the same way.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stored (and serialized) spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($s => Ok($name::$v),)+
                    _ => Err(StoreError::InvalidInput(format!(
                        "unknown {} `{}`; expected one of: {}",
                        $what,
                        s.escape_debug(),
                        [$($s),+].join(", ")
                    ))),
                }
            }
        }
    };
}

text_enum!(
    /// Where an agent is in its life. proposed → approved → active ⇄ suspended; any state but
    /// retired → retired. Retired is terminal.
    Lifecycle, "lifecycle state" {
        /// Registered, awaiting approval.
        Proposed = "proposed",
        /// Approved by its reviewers, not yet running.
        Approved = "approved",
        /// Running; may be issued credentials.
        Active = "active",
        /// Stopped; may be reactivated.
        Suspended = "suspended",
        /// Gone for good.
        Retired = "retired",
    }
);

impl Lifecycle {
    /// Whether the register allows moving from `self` to `to` (never to the same state).
    pub fn can_transition(self, to: Lifecycle) -> bool {
        use Lifecycle::*;
        matches!(
            (self, to),
            (Proposed, Approved)
                | (Approved, Active)
                | (Active, Suspended)
                | (Suspended, Active)
                | (Proposed | Approved | Active | Suspended, Retired)
        )
    }
}

text_enum!(
    /// How much harm an agent could do if it misbehaved; drives review depth.
    RiskTier, "risk tier" {
        /// Little harm possible.
        Low = "low",
        /// Bounded harm.
        Medium = "medium",
        /// Serious harm to data, money or people.
        High = "high",
        /// Severe harm that is hard to undo.
        Critical = "critical",
    }
);

text_enum!(
    /// What a revocation names.
    RevocationKind, "revocation kind" {
        /// An agent id: every credential of the agent is refused.
        Agent = "agent",
        /// A token's unique id.
        Token = "token",
        /// A Biscuit block revocation id (hex, stored lower-case).
        Block = "block",
    }
);

/// What an agent is allowed to reach (its declared least privilege). Stored as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capabilities {
    /// MCP servers it may talk to.
    pub servers: Vec<String>,
    /// Tools it may call: `"server.tool"` or `"server.*"`.
    pub tools: Vec<String>,
    /// Data classes it may handle.
    pub data_classes: Vec<String>,
}

/// The descriptive fields of an agent, as given when registering or updating it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAgent {
    /// Unique id (≤ 128 bytes, printable).
    pub id: String,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// Accountable owner (a person or team); required.
    pub owner: String,
    /// What it is for.
    pub purpose: Option<String>,
    /// Model provider, e.g. "anthropic".
    pub model_provider: Option<String>,
    /// Model name.
    pub model_name: Option<String>,
    /// Model version.
    pub model_version: Option<String>,
    /// Hash of the agent's configuration, to detect drift.
    pub config_hash: Option<String>,
    /// Declared least privilege.
    pub capabilities: Capabilities,
    /// Risk tier.
    pub risk_tier: RiskTier,
    /// Ids of the controls applied to it.
    pub controls: Vec<String>,
}

/// An agent as stored in the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    /// Unique id.
    pub id: String,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// Accountable owner.
    pub owner: String,
    /// What it is for.
    pub purpose: Option<String>,
    /// Model provider.
    pub model_provider: Option<String>,
    /// Model name.
    pub model_name: Option<String>,
    /// Model version.
    pub model_version: Option<String>,
    /// Hash of the agent's configuration.
    pub config_hash: Option<String>,
    /// Declared least privilege.
    pub capabilities: Capabilities,
    /// Risk tier.
    pub risk_tier: RiskTier,
    /// Ids of the controls applied to it.
    pub controls: Vec<String>,
    /// Current lifecycle state.
    pub state: Lifecycle,
    /// Optimistic-concurrency version: 1 when registered, +1 on every change.
    pub version: i64,
    /// When it was registered (unix ms).
    pub created_at_ms: i64,
    /// When it last changed (unix ms).
    pub updated_at_ms: i64,
}

/// One lifecycle change of an agent: who moved it, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The agent.
    pub agent_id: String,
    /// Position in the agent's history, from 1 (the registration).
    pub seq: i64,
    /// The state left; `None` for the registration.
    pub from: Option<Lifecycle>,
    /// The state entered.
    pub to: Lifecycle,
    /// Who made the change.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When (unix ms).
    pub at_ms: i64,
}

/// A revocation to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRevocation {
    /// What `value` names.
    pub kind: RevocationKind,
    /// The agent id, token id or block revocation id (hex).
    pub value: String,
    /// Why (≤ 1024 bytes).
    pub reason: String,
    /// Who revoked.
    pub actor: String,
    /// After this time (unix ms) the revoked credential has expired anyway, so the entry
    /// may be pruned. It does not lift the revocation: `is_revoked` ignores it.
    pub expires_at_ms: Option<i64>,
}

/// A recorded revocation. `seq` increases strictly in commit order, so a replica can poll
/// `revocations_since(last_seen_seq)` without missing entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revocation {
    /// Position in the revocation log (strictly increasing, gaps possible).
    pub seq: i64,
    /// What `value` names.
    pub kind: RevocationKind,
    /// The revoked agent id, token id or block id.
    pub value: String,
    /// Why.
    pub reason: String,
    /// Who revoked.
    pub actor: String,
    /// When (unix ms).
    pub at_ms: i64,
    /// See [`NewRevocation::expires_at_ms`].
    pub expires_at_ms: Option<i64>,
}

/// A credential handed out, kept so operators can list and inspect what exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// The token's unique id.
    pub token_id: String,
    /// The agent it was issued to.
    pub agent_id: String,
    /// The token it was attenuated from, if any.
    pub parent_token_id: Option<String>,
    /// The delegate it was attenuated for, if any.
    pub delegate: Option<String>,
    /// Issue time (unix ms).
    pub issued_at_ms: i64,
    /// Expiry (unix ms); not before `issued_at_ms`.
    pub expires_at_ms: i64,
    /// Biscuit block revocation ids (hex), one per block.
    pub revocation_ids: Vec<String>,
    /// Which root key signed it.
    pub root_key_id: u32,
}

/// Which agents `list_agents` returns; empty matches all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentFilter {
    /// Only agents in this state.
    pub state: Option<Lifecycle>,
    /// Only agents with exactly this owner.
    pub owner: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_and_reject_unknowns() {
        for l in Lifecycle::ALL {
            assert_eq!(l.as_str().parse::<Lifecycle>(), Ok(*l));
            let json = serde_json::to_string(l).unwrap_or_default();
            assert_eq!(json, format!("\"{l}\""));
        }
        for r in RiskTier::ALL {
            assert_eq!(r.as_str().parse::<RiskTier>(), Ok(*r));
        }
        for k in RevocationKind::ALL {
            assert_eq!(k.as_str().parse::<RevocationKind>(), Ok(*k));
        }
        assert!(matches!(
            "Active".parse::<Lifecycle>(),
            Err(StoreError::InvalidInput(_))
        ));
    }

    #[test]
    fn retired_is_terminal_and_no_self_transitions() {
        for a in Lifecycle::ALL {
            assert!(!a.can_transition(*a));
            assert!(!Lifecycle::Retired.can_transition(*a));
        }
        let allowed = Lifecycle::ALL
            .iter()
            .flat_map(|a| Lifecycle::ALL.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.can_transition(*b))
            .count();
        assert_eq!(allowed, 8);
    }
}
