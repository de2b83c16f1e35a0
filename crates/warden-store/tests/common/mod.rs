//! Test harness: run one `async fn(Store)` against SQLite (a temp file) and PostgreSQL
//! (a fresh schema in `WARDEN_TEST_DATABASE_URL`, dropped afterwards).

#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use warden_store::{Capabilities, NewAgent, RiskTier, Store};

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
        "warden_test_{}_{}_{}",
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

/// Runs `test` on a store in a new SQLite file.
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_sqlite(&dir.path().join("warden.db"))
        .await
        .expect("open sqlite");
    let result = tokio::spawn(test(store.clone())).await;
    store.close().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `test` on a store in a fresh PostgreSQL schema, or says it was skipped.
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = pg_url() else {
        eprintln!("skipped: WARDEN_TEST_DATABASE_URL not set");
        return;
    };
    let schema = fresh_schema();
    let store = Store::open_postgres_in_schema(&url, &schema)
        .await
        .expect("open postgres");
    // Run in a task so a failing test still gets its schema dropped.
    let result = tokio::spawn(test(store.clone())).await;
    store.close().await;
    drop_schema(&url, &schema).await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Declares each listed `async fn(Store)` as two tests: `sqlite::name` and `postgres::name`.
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

/// A fully described agent.
pub fn agent(id: &str) -> NewAgent {
    NewAgent {
        id: id.to_owned(),
        display_name: Some(format!("Agent {id}")),
        owner: "team-payments".to_owned(),
        purpose: Some("Reconciles invoices.\nRuns nightly.".to_owned()),
        model_provider: Some("anthropic".to_owned()),
        model_name: Some("claude".to_owned()),
        model_version: Some("2026-01".to_owned()),
        config_hash: Some("sha256:abcd".to_owned()),
        capabilities: Capabilities {
            servers: vec!["billing".to_owned()],
            tools: vec!["billing.read_invoice".to_owned(), "ledger.*".to_owned()],
            data_classes: vec!["financial".to_owned()],
        },
        risk_tier: RiskTier::High,
        controls: vec!["C-APPROVAL".to_owned(), "C-AUDIT".to_owned()],
    }
}

/// A minimal agent with an owner.
pub fn minimal_agent(id: &str, owner: &str) -> NewAgent {
    NewAgent {
        id: id.to_owned(),
        display_name: None,
        owner: owner.to_owned(),
        purpose: None,
        model_provider: None,
        model_name: None,
        model_version: None,
        config_hash: None,
        capabilities: Capabilities::default(),
        risk_tier: RiskTier::Low,
        controls: vec![],
    }
}
