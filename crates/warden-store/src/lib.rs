//! Warden's persistent state behind one interface, with two backends:
//!
//! * **SQLite** (the default): one file in the data directory, created 0600, WAL journal,
//!   `synchronous=FULL`, a busy timeout so concurrent writers queue instead of failing.
//! * **PostgreSQL**: several control-plane replicas share one state.
//!
//! The store holds the live register of agents (with a compare-and-set lifecycle and its
//! history), revocations (a log with a strictly increasing `seq` that verifiers poll) and
//! the tokens that were issued. Schema migrations (one set per backend, embedded in the
//! binary) run on every open.
//!
//! Every write that must be race-free is one transaction whose first statement is the
//! compare-and-set itself (`UPDATE … WHERE state = $from RETURNING …`); SQLite transactions
//! begin `IMMEDIATE` so writers serialise on the database lock. Each entity lives in its own
//! module (`agents`, `revocations`, `tokens`); new entities add a module, a migration per
//! backend and tests in the shared suite.

mod agents;
mod connect;
mod error;
mod revocations;
mod tokens;
mod types;
pub mod validate;

pub use connect::StoreOptions;
pub use error::{ConflictKind, StoreError};
pub use revocations::MAX_REVOCATION_PAGE;
pub use types::{
    AgentFilter, AgentRecord, Capabilities, IssuedToken, Lifecycle, NewAgent, NewRevocation,
    Revocation, RevocationKind, RiskTier, Transition,
};

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A handle on Warden's persistent state. Cheap to clone (it wraps a connection pool) and
/// safe to use from many tasks at once.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Whose turn it is to write (used by SQLite only; shared by clones).
    writer: Arc<Mutex<()>>,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl fmt::Debug for Store {
    /// Deliberately terse: the pools' own `Debug` would print connect options, password
    /// included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool. The body is written once and
/// type-checked once per backend, so SQL must be portable (`$n` placeholders work on both).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A write transaction, holding this store's writer turn (SQLite) until it ends.
pub(crate) struct WriteTx<DB: sqlx::Database> {
    tx: Transaction<'static, DB>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl<DB: sqlx::Database> WriteTx<DB> {
    /// The connection to run statements on.
    pub(crate) fn conn(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }

    /// Commits, then gives up the writer turn.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back, then gives up the writer turn.
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// Starting a write transaction the right way for each backend.
pub(crate) trait BeginWrite {
    /// The sqlx database type.
    type Db: sqlx::Database;
    /// A statement to run first in a revocation insert so that seqs commit in order.
    const LOCK_REVOCATIONS: Option<&'static str>;
    /// Begins a transaction that holds the write lock from its first statement.
    async fn begin_write(&self, writer: &Arc<Mutex<()>>) -> Result<WriteTx<Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = Sqlite;
    // BEGIN IMMEDIATE already serialises every writer.
    const LOCK_REVOCATIONS: Option<&'static str> = None;
    async fn begin_write(&self, writer: &Arc<Mutex<()>>) -> Result<WriteTx<Sqlite>, sqlx::Error> {
        // SQLite has one writer at a time. Queue this process's writers fairly here rather
        // than in SQLite's busy handler, which polls with sleeps of up to 100 ms; the busy
        // timeout still covers writers in other processes (e.g. the CLI).
        let turn = writer.clone().lock_owned().await;
        // IMMEDIATE takes the write lock now, so the transaction never has to upgrade a
        // read lock (an upgrade cannot wait: it fails with SQLITE_BUSY at once).
        let tx = self.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx {
            tx,
            _turn: Some(turn),
        })
    }
}

impl BeginWrite for PgPool {
    type Db = Postgres;
    const LOCK_REVOCATIONS: Option<&'static str> = Some("LOCK TABLE revocations IN EXCLUSIVE MODE");
    async fn begin_write(&self, _: &Arc<Mutex<()>>) -> Result<WriteTx<Postgres>, sqlx::Error> {
        // Row locks taken by the compare-and-set statements serialise what must be.
        Ok(WriteTx {
            tx: self.begin().await?,
            _turn: None,
        })
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the store at `url`:
    /// `sqlite:///abs/path/warden.db`, `sqlite://relative.db`, `sqlite::memory:`,
    /// `postgres://…` or `postgresql://…`. Errors never echo the URL's password.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, &StoreOptions::default()).await
    }

    /// Opens the SQLite store at `path`, creating the file (0600) and its parent
    /// directories (0700) if missing, and migrating it.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        Store::open_sqlite_with(path, &StoreOptions::default()).await
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every pooled connection (waiting for those in use to come back). Clones of
    /// this store fail afterwards.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// Now, in unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Serialises a value stored as JSON text.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::InvalidInput(e.to_string()))
}

/// Parses a value stored as JSON text.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    column: &str,
    s: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::corrupt(format!("{column}: {e}")))
}

/// Parses an enum stored as TEXT.
pub(crate) fn parse_column<T: std::str::FromStr>(column: &str, s: &str) -> Result<T, StoreError> {
    s.parse()
        .map_err(|_| StoreError::corrupt(format!("{column} `{}`", s.escape_debug())))
}
