//! The control plane's state operations, shared by the `warden` commands and (later) the
//! REST API: the live register of agents, their credentials and revocations, and the root
//! keys — one place where the rules that tie them together live:
//!
//! - only an **active** agent can be issued a token, and its scope is its capability
//!   manifest in the register (optionally narrowed);
//! - suspending or retiring an agent revokes every token issued to or delegated through it;
//! - every revocation is written to the store first and then applied to this process's
//!   verifier, so it takes effect here at once; other processes sharing the store pick it up
//!   on their next [`ControlPlane::sync_revocations`] (the server polls every
//!   [`ControlConfig::revocation_poll`]), which bounds how long a revoked token can still
//!   pass anywhere.

mod agents;
mod keys;
mod tokens;

pub use agents::AgentDetail;
pub use tokens::{IssueOptions, scope_of};

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use warden_identity::{
    IdentityError, IssuerConfig, KeyRing, RevocationSet, TokenError, Verifier, VerifierConfig,
};
use warden_store::{RevocationKind, Store, StoreError};

/// Where the control plane keeps its state and how it checks credentials.
#[derive(Debug, Clone)]
pub struct ControlConfig {
    /// The data directory: root keys in `identity/`, the SQLite database `warden.db`.
    pub data_dir: PathBuf,
    /// A `postgres://` URL to keep the register in PostgreSQL instead of SQLite.
    pub database: Option<String>,
    /// The audience tokens are issued for and verified against (this gateway).
    pub audience: String,
    /// How tokens are issued (lifetimes, depth).
    pub issuer: IssuerConfig,
    /// How tokens are verified (size and depth limits, cache).
    pub verifier: VerifierConfig,
    /// How often a long-running process reads new revocations from the store.
    pub revocation_poll: Duration,
}

impl ControlConfig {
    /// Defaults for a data directory: SQLite, audience `warden`, 1 s revocation polling.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let audience = "warden".to_string();
        ControlConfig {
            data_dir: data_dir.into(),
            database: None,
            issuer: IssuerConfig::default(),
            verifier: VerifierConfig::new(audience.clone()),
            audience,
            revocation_poll: Duration::from_secs(1),
        }
    }
}

/// Why a control-plane operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Keys could not be read or written.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// A token was refused.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The operation is not allowed (the agent's current state, an unknown agent, a grant
    /// outside its manifest).
    #[error("{0}")]
    Refused(String),
    /// The request itself is malformed (a bad option value).
    #[error("{0}")]
    Invalid(String),
}

/// The register, the keys and the verifier of one control-plane process.
pub struct ControlPlane {
    store: Store,
    keys: Mutex<KeyRing>,
    issuer_config: IssuerConfig,
    verifier: Verifier,
    revocations: Arc<RevocationSet>,
    synced: tokio::sync::Mutex<i64>,
    config: ControlConfig,
}

impl ControlPlane {
    /// Open (creating on first use) the keys and the store, and load every revocation.
    pub async fn open(config: ControlConfig) -> Result<Self, ControlError> {
        let store = match &config.database {
            Some(url) => Store::open(url).await?,
            None => Store::open_sqlite(&config.data_dir.join("warden.db")).await?,
        };
        Self::with_store(config, store).await
    }

    /// Like [`ControlPlane::open`], on a store the caller opened (e.g. a PostgreSQL schema
    /// of its own); `config.database` is not used.
    pub async fn with_store(config: ControlConfig, store: Store) -> Result<Self, ControlError> {
        let keys = KeyRing::open_or_create(&config.data_dir.join("identity"))?;
        let revocations = Arc::new(RevocationSet::new());
        let verifier = Verifier::new(keys.key_set(), revocations.clone(), config.verifier.clone());
        let plane = ControlPlane {
            store,
            keys: Mutex::new(keys),
            issuer_config: config.issuer.clone(),
            verifier,
            revocations,
            synced: tokio::sync::Mutex::new(0),
            config,
        };
        plane.sync_revocations().await?;
        Ok(plane)
    }

    /// The store behind the register.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &ControlConfig {
        &self.config
    }

    /// Apply revocations written to the store since the last call (by this process or any
    /// other sharing the store); returns how many were new.
    pub async fn sync_revocations(&self) -> Result<usize, ControlError> {
        let mut synced = self.synced.lock().await;
        let mut applied = 0;
        loop {
            let batch = self.store.revocations_since(*synced, 1000).await?;
            if batch.is_empty() {
                break;
            }
            for r in &batch {
                self.revocations
                    .apply_at(identity_kind(r.kind), &r.value, r.at_ms);
                *synced = (*synced).max(r.seq);
            }
            applied += batch.len();
        }
        Ok(applied)
    }

    /// Poll the store for revocations every [`ControlConfig::revocation_poll`] until the
    /// returned task is aborted; errors are retried on the next tick (and reported by
    /// readiness checks in the server).
    pub fn spawn_revocation_poller(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let plane = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(plane.config.revocation_poll);
            loop {
                tick.tick().await;
                let _ = plane.sync_revocations().await;
            }
        })
    }
}

/// The identity crate's name for a stored revocation kind.
fn identity_kind(kind: RevocationKind) -> warden_identity::RevocationKind {
    match kind {
        RevocationKind::Agent => warden_identity::RevocationKind::Agent,
        RevocationKind::Token => warden_identity::RevocationKind::Token,
        RevocationKind::Block => warden_identity::RevocationKind::Block,
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
