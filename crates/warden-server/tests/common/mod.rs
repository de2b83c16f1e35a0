//! Test harness for the control plane: run one scenario against SQLite (a temp data
//! directory) and PostgreSQL (a fresh schema in `WARDEN_TEST_DATABASE_URL`, dropped
//! afterwards). A scenario gets an [`Env`] it can open any number of control planes on, all
//! sharing the same store and root keys, as replicas of one control plane would.

#![allow(dead_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use warden_server::{ControlConfig, ControlError, ControlPlane};
use warden_store::{Capabilities, Lifecycle, NewAgent, RiskTier, Store};

/// The PostgreSQL URL the tests use, if any.
pub fn pg_url() -> Option<String> {
    std::env::var("WARDEN_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A schema name no other test (or test run) uses.
pub fn fresh_schema() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "warden_srv_test_{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Drops a test schema and everything in it.
pub async fn drop_schema(url: &str, schema: &str) {
    let mut conn = PgConnection::connect(url)
        .await
        .expect("connect to drop schema");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut conn)
    .await
    .expect("drop schema");
    let _ = conn.close().await;
}

/// Where a scenario's control planes keep their state.
#[derive(Debug, Clone)]
pub struct Env {
    /// The data directory (root keys; the SQLite file when there is no schema).
    pub dir: PathBuf,
    /// `(url, schema)` when the register lives in PostgreSQL.
    pub postgres: Option<(String, String)>,
}

impl Env {
    /// The default configuration for this environment.
    pub fn config(&self) -> ControlConfig {
        ControlConfig::new(&self.dir)
    }

    /// Open one more control plane (a "process") on the shared store and keys.
    pub async fn plane(&self) -> ControlPlane {
        self.plane_with(self.config()).await
    }

    /// Like [`Env::plane`], with a caller-adjusted configuration.
    pub async fn plane_with(&self, config: ControlConfig) -> ControlPlane {
        match &self.postgres {
            None => ControlPlane::open(config)
                .await
                .expect("open control plane"),
            Some((url, schema)) => {
                let store = Store::open_postgres_in_schema(url, schema)
                    .await
                    .expect("open postgres schema");
                ControlPlane::with_store(config, store)
                    .await
                    .expect("open control plane on postgres")
            }
        }
    }
}

/// Runs `fut` as a task of its own (so a panic is caught and returned) on this thread.
/// A local task, because opening a PostgreSQL store is not a `Send` future (sqlx's
/// migrator), so it could not be moved to `tokio::spawn`.
async fn run_local<Fut>(fut: Fut) -> Result<(), tokio::task::JoinError>
where
    Fut: Future<Output = ()> + 'static,
{
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move { tokio::task::spawn_local(fut).await })
        .await
}

/// Runs `test` with a fresh SQLite data directory.
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Env {
        dir: dir.path().to_path_buf(),
        postgres: None,
    };
    let result = run_local(test(env)).await;
    drop(dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `test` on a fresh PostgreSQL schema (keys in a temp directory), or says it was
/// skipped.
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let Some(url) = pg_url() else {
        eprintln!("skipped: WARDEN_TEST_DATABASE_URL not set");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = fresh_schema();
    let env = Env {
        dir: dir.path().to_path_buf(),
        postgres: Some((url.clone(), schema.clone())),
    };
    // Run in a task so a failing test still gets its schema dropped.
    let result = run_local(test(env)).await;
    drop_schema(&url, &schema).await;
    drop(dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Declares each listed `async fn(Env)` as two tests: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::on_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::on_postgres(super::$name).await;
                }
            )*
        }
    };
}

/// An agent entry with an owner and the given tools (servers derived from them).
pub fn agent(id: &str, tools: &[&str], data_classes: &[&str]) -> NewAgent {
    let mut servers: Vec<String> = tools
        .iter()
        .map(|t| t.split_once('.').map_or(*t, |(s, _)| s).to_string())
        .collect();
    servers.sort();
    servers.dedup();
    NewAgent {
        id: id.to_owned(),
        display_name: Some(format!("Agent {id}")),
        owner: "team-test".to_owned(),
        purpose: Some("integration tests".to_owned()),
        model_provider: None,
        model_name: None,
        model_version: None,
        config_hash: None,
        capabilities: Capabilities {
            servers,
            tools: tools.iter().map(|t| t.to_string()).collect(),
            data_classes: data_classes.iter().map(|c| c.to_string()).collect(),
        },
        risk_tier: RiskTier::Medium,
        controls: vec![],
    }
}

/// Register `entry` and take it through approval to `active`.
pub async fn active_agent(plane: &ControlPlane, entry: NewAgent) {
    let id = entry.id.clone();
    plane
        .register(entry, "alice", "test agent")
        .await
        .expect("register");
    plane
        .transition(&id, Lifecycle::Approved, "alice", "reviewed")
        .await
        .expect("approve");
    plane
        .transition(&id, Lifecycle::Active, "alice", "go-live")
        .await
        .expect("activate");
}

/// The message of a `Refused` error; panics on any other outcome.
pub fn refused<T: std::fmt::Debug>(r: Result<T, ControlError>) -> String {
    match r {
        Err(ControlError::Refused(msg)) => msg,
        other => panic!("expected ControlError::Refused, got {other:?}"),
    }
}

/// The repository's `examples/` directory.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}
