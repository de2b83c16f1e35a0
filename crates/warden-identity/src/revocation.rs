//! The set of revoked agents, token ids and block revocation ids.
//!
//! Verifiers share one `Arc<RevocationSet>`. Lookups are lock-free (an `ArcSwap` load and a
//! few hash lookups); changes copy the set and swap it in, which suits a set that is read on
//! every request and written rarely. A token is revoked when its token id is revoked, when
//! any of its block revocation ids is (revoking a block cascades to every token derived from
//! it, since they all carry that block, but not to siblings derived from its parent), or when
//! any agent in its chain is revoked *as of a time* at or after the token was issued
//! (suspending an agent kills every token issued to or delegated through it so far, while
//! tokens issued after it is reactivated are unaffected — so the set only ever grows, and
//! replicas that poll it by sequence number never need to learn of a deletion).
//!
//! This set is in-process. Propagation between processes is the caller's job: the server
//! polls its store for revocations newer than [`RevocationSet::generation`] (every second by
//! default) and applies them with [`RevocationSet::apply_batch`], so a revocation takes
//! effect everywhere within one poll interval, and in this process on the very next
//! verification (cached tokens included).

use std::collections::{HashMap, HashSet};

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::error::RevokedBy;
use crate::token::VerifiedToken;

/// What a revocation entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationKind {
    /// An agent id: every token whose chain includes the agent.
    Agent,
    /// A token id: the issued token and every token derived from it.
    Token,
    /// A block revocation id (hex): tokens carrying that block.
    Block,
}

#[derive(Debug, Default, Clone)]
struct State {
    /// Agent id → the latest time (ms) as of which its tokens are revoked.
    agents: HashMap<String, i64>,
    tokens: HashSet<String>,
    blocks: HashSet<String>,
    generation: u64,
}

impl State {
    fn insert(&mut self, kind: RevocationKind, value: String, at_ms: i64) {
        match kind {
            RevocationKind::Agent => {
                let at = self.agents.entry(value).or_insert(at_ms);
                *at = (*at).max(at_ms);
            }
            RevocationKind::Token => {
                self.tokens.insert(value);
            }
            RevocationKind::Block => {
                self.blocks.insert(value);
            }
        }
    }

    fn contains(&self, kind: RevocationKind, value: &str) -> bool {
        match kind {
            RevocationKind::Agent => self.agents.contains_key(value),
            RevocationKind::Token => self.tokens.contains(value),
            RevocationKind::Block => self.blocks.contains(value),
        }
    }
}

/// Hex ids are compared in lowercase; agent ids exactly.
fn normalize(kind: RevocationKind, value: &str) -> String {
    match kind {
        RevocationKind::Agent => value.to_string(),
        RevocationKind::Token | RevocationKind::Block => value.to_ascii_lowercase(),
    }
}

/// Thread-safe revocation set with a generation counter.
#[derive(Debug, Default)]
pub struct RevocationSet {
    state: ArcSwap<State>,
}

impl RevocationSet {
    /// An empty set at generation 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Revoke one thing for good (an agent: every token it holds or will hold, until a
    /// later revocation time is recorded); returns the new generation (incremented by one).
    pub fn apply(&self, kind: RevocationKind, value: &str) -> u64 {
        self.apply_at(kind, value, i64::MAX)
    }

    /// Revoke one thing; for an agent, every token issued at or before `at_ms` (ms since the
    /// epoch) whose chain includes it. Token and block revocations ignore `at_ms`. Returns
    /// the new generation (incremented by one).
    pub fn apply_at(&self, kind: RevocationKind, value: &str, at_ms: i64) -> u64 {
        let value = normalize(kind, value);
        let state = self.state.rcu(|s| {
            let mut next = State::clone(s);
            next.insert(kind, value.clone(), at_ms);
            next.generation += 1;
            next
        });
        state.generation + 1
    }

    /// Revoke many things at once (e.g. what a store poll returned: kind, value and, for
    /// agents, the time as of which) and record the store's `generation`; the set's
    /// generation becomes the larger of the two. Returns it.
    pub fn apply_batch<I>(&self, entries: I, generation: u64) -> u64
    where
        I: IntoIterator<Item = (RevocationKind, String, i64)>,
    {
        let entries: Vec<(RevocationKind, String, i64)> = entries
            .into_iter()
            .map(|(k, v, at)| (k, normalize(k, &v), at))
            .collect();
        self.state.rcu(|s| {
            let mut next = State::clone(s);
            for (kind, value, at) in &entries {
                next.insert(*kind, value.clone(), *at);
            }
            next.generation = next.generation.max(generation);
            next
        });
        self.generation()
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.state.load().generation
    }

    /// Whether this exact entry is revoked.
    pub fn is_revoked(&self, kind: RevocationKind, value: &str) -> bool {
        self.state.load().contains(kind, &normalize(kind, value))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        let s = self.state.load();
        s.agents.len() + s.tokens.len() + s.blocks.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Check a verified token against the set: token id, every block, every actor.
    pub fn check(&self, token: &VerifiedToken) -> Result<(), RevokedBy> {
        let s = self.state.load();
        if s.tokens.is_empty() && s.blocks.is_empty() && s.agents.is_empty() {
            return Ok(());
        }
        if s.tokens.contains(&token.token_id) {
            return Err(RevokedBy::Token(token.token_id.clone()));
        }
        for (index, id) in token.revocation_ids.iter().enumerate() {
            if s.blocks.contains(id) {
                return Err(RevokedBy::Block {
                    index,
                    id: id.clone(),
                });
            }
        }
        let revoked_agent = |a: &&String| {
            s.agents
                .get(a.as_str())
                .is_some_and(|&at| token.issued_at_ms <= at)
        };
        match token.actors.iter().find(revoked_agent) {
            Some(agent) => Err(RevokedBy::Agent(agent.clone())),
            None => Ok(()),
        }
    }
}
