//! Load harness for the store: operations per second and p50/p99 latency of
//! `register_agent`, `get_agent`, `transition` (the full lifecycle) and `revoke`, with 1
//! and 8 concurrent tasks, on SQLite and (when `WARDEN_BENCH_DATABASE_URL` or
//! `WARDEN_TEST_DATABASE_URL` is set) PostgreSQL, in a fresh schema dropped afterwards.
//!
//! `cargo bench -p warden-store --bench register` runs it for real; without `--bench`
//! (as `cargo test --all-targets` runs it) it does a few operations as a smoke test.
//! `WARDEN_BENCH_OPS` overrides the operations per measurement (default 2000).

use std::error::Error;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use warden_store::{
    Capabilities, Lifecycle, NewAgent, NewRevocation, RevocationKind, RiskTier, Store,
};

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// One row of the results table.
struct Row {
    backend: String,
    op: &'static str,
    tasks: usize,
    ops: usize,
    wall: Duration,
    lat: Vec<Duration>,
}

fn agent(id: String) -> NewAgent {
    NewAgent {
        id,
        display_name: Some("Bench agent".into()),
        owner: "bench".into(),
        purpose: Some("load test".into()),
        model_provider: Some("anthropic".into()),
        model_name: Some("claude".into()),
        model_version: None,
        config_hash: Some("sha256:0000".into()),
        capabilities: Capabilities {
            servers: vec!["files".into()],
            tools: vec!["files.read".into(), "files.list".into()],
            data_classes: vec!["internal".into()],
        },
        risk_tier: RiskTier::Medium,
        controls: vec!["C-1".into()],
    }
}

/// Runs `units × steps` calls of `op(unit, step)` over `tasks` tasks (a unit's steps run in
/// order on one task); returns wall time and one latency per call.
async fn measure<F, Fut>(
    tasks: usize,
    units: usize,
    steps: usize,
    op: F,
) -> Res<(Duration, Vec<Duration>)>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Res<()>> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                for unit in (t..units).step_by(tasks) {
                    for step in 0..steps {
                        let s = Instant::now();
                        op(unit, step).await?;
                        lat.push(s.elapsed());
                    }
                }
                Res::Ok(lat)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(units * steps);
    for h in handles {
        all.extend(h.await??);
    }
    Ok((start.elapsed(), all))
}

/// Measures every operation with `tasks` tasks on `store`.
async fn run_all(store: &Store, tasks: usize, ops: usize, rows: &mut Vec<Row>) -> Res<()> {
    let backend = store.backend().to_string();
    let p = format!("c{tasks}");
    let mut push = |op, (wall, lat): (Duration, Vec<Duration>)| {
        rows.push(Row {
            backend: backend.clone(),
            op,
            tasks,
            ops: lat.len(),
            wall,
            lat,
        });
    };

    let (s, px) = (store.clone(), p.clone());
    push(
        "register_agent",
        measure(tasks, ops, 1, move |i, _| {
            let (s, id) = (s.clone(), format!("{px}-reg-{i}"));
            async move {
                s.register_agent(agent(id), "bench", "load")
                    .await
                    .map(drop)
                    .map_err(Into::into)
            }
        })
        .await?,
    );

    let (s, px) = (store.clone(), p.clone());
    push(
        "get_agent",
        measure(tasks, ops, 1, move |i, _| {
            let (s, id) = (s.clone(), format!("{px}-reg-{}", (i * 7919) % ops));
            async move {
                match s.get_agent(&id).await? {
                    Some(_) => Ok(()),
                    None => Err(format!("{id} missing").into()),
                }
            }
        })
        .await?,
    );

    // The full lifecycle, one transition per operation: each agent goes
    // proposed → approved → active → suspended → active → retired.
    use Lifecycle::*;
    const STEPS: [(Lifecycle, Lifecycle); 5] = [
        (Proposed, Approved),
        (Approved, Active),
        (Active, Suspended),
        (Suspended, Active),
        (Active, Retired),
    ];
    let agents = (ops / STEPS.len()).max(1);
    let (s, px) = (store.clone(), p.clone());
    push(
        "transition",
        measure(tasks, agents, STEPS.len(), move |i, step| {
            let (s, id) = (s.clone(), format!("{px}-reg-{i}"));
            let (from, to) = STEPS[step];
            async move {
                s.transition(&id, from, to, "bench", "load")
                    .await
                    .map(drop)
                    .map_err(Into::into)
            }
        })
        .await?,
    );

    let (s, px) = (store.clone(), p.clone());
    push(
        "revoke",
        measure(tasks, ops, 1, move |i, _| {
            let s = s.clone();
            let r = NewRevocation {
                kind: RevocationKind::Token,
                value: format!("{px}-tok-{i}"),
                reason: "load".into(),
                actor: "bench".into(),
                expires_at_ms: None,
            };
            async move { s.revoke(r).await.map(drop).map_err(Into::into) }
        })
        .await?,
    );
    Ok(())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1e3
}

async fn bench(store: Store, ops: usize, rows: &mut Vec<Row>) -> Res<()> {
    for tasks in [1, 8] {
        run_all(&store, tasks, ops, rows).await?;
    }
    store.close().await;
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Res<()> {
    let full = std::env::args().any(|a| a == "--bench");
    let ops = match std::env::var("WARDEN_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(n) if full => n,
        _ if full => 2000,
        _ => 10,
    };
    let mut rows = Vec::new();

    let dir = tempfile::tempdir()?;
    bench(
        Store::open_sqlite(&dir.path().join("bench.db")).await?,
        ops,
        &mut rows,
    )
    .await?;

    let pg = ["WARDEN_BENCH_DATABASE_URL", "WARDEN_TEST_DATABASE_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    if let Some(url) = pg {
        let schema = format!("warden_bench_{}", std::process::id());
        let result = match Store::open_postgres_in_schema(&url, &schema).await {
            Ok(store) => bench(store, ops, &mut rows).await,
            Err(e) => Err(e.into()),
        };
        let mut conn = PgConnection::connect(&url).await?;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE"
        )))
        .execute(&mut conn)
        .await?;
        result?;
    } else if full {
        eprintln!("postgres skipped: set WARDEN_BENCH_DATABASE_URL or WARDEN_TEST_DATABASE_URL");
    }

    if !full {
        println!(
            "register bench smoke test: {} measurements ok (run with `cargo bench` for figures)",
            rows.len()
        );
        return Ok(());
    }
    println!("| backend | operation | tasks | ops | ops/s | p50 ms | p99 ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for mut r in rows {
        r.lat.sort();
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} |",
            r.backend,
            r.op,
            r.tasks,
            r.ops,
            r.ops as f64 / r.wall.as_secs_f64(),
            pct(&r.lat, 0.50),
            pct(&r.lat, 0.99),
        );
    }
    Ok(())
}
