//! Durable append throughput of the audit log (a load harness, not criterion: the figure is
//! entries per second under concurrency, each acknowledged only after its batch's fdatasync).
//!
//! `cargo bench -p warden-audit --bench append` runs each scenario for
//! `WARDEN_BENCH_SECS` seconds (default 5) with ~200-byte entries, on a fresh log under
//! `WARDEN_BENCH_DIR` (default: the system temp dir) with the default configuration, so
//! checkpoints and tiles are published (every 4096 entries or 1 s) while it runs. Without
//! `--bench` (as `cargo test --all-targets` runs it) each scenario runs briefly, as a smoke
//! test.
//!
//! Scenarios: 1, 8 and 64 writer tasks, each appending in a loop (one `append` awaited at a
//! time); the same writer counts each keeping a sliding window of individually acknowledged
//! appends in flight; and 1 writer pipelining `append_many` of 256 entries. With N writers
//! each waiting for its acknowledgement, throughput is at most N / (fdatasync latency).
//!
//! Knobs: `WARDEN_BENCH_ONLY=<substring of a scenario name>`,
//! `WARDEN_BENCH_CHECKPOINT_EVERY_ENTRIES`, `WARDEN_BENCH_CHECKPOINT_EVERY_MS` (set both
//! very high to measure without publication) and `WARDEN_BENCH_GROUP_COMMIT_WAIT_US`.

use futures::stream::{FuturesUnordered, StreamExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use warden_audit::config::AuditConfig;
use warden_audit::log::AuditLog;

const ENTRY_BYTES: usize = 200;

fn entry(writer: u64, seq: u64) -> Vec<u8> {
    let mut e = format!(
        "{{\"v\":1,\"agent\":\"agent-{writer}\",\"op\":\"tools/call\",\"seq\":{seq},\"decision\":\"allow\",\"pad\":\""
    )
    .into_bytes();
    e.resize(ENTRY_BYTES - 2, b'x');
    e.extend_from_slice(b"\"}");
    e
}

struct Outcome {
    entries: u64,
    elapsed: Duration,
    /// Acknowledgement latencies of single appends (empty for `append_many`).
    latencies: Vec<Duration>,
    stats: warden_audit::log::AuditStats,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(
    dir: PathBuf,
    writers: u64,
    batch: usize,
    in_flight: usize,
    secs: Duration,
) -> Outcome {
    let mut config = AuditConfig::default();
    if let Some(n) = std::env::var("WARDEN_BENCH_CHECKPOINT_EVERY_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.checkpoint_every_entries = n;
    }
    if let Some(ms) = std::env::var("WARDEN_BENCH_CHECKPOINT_EVERY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.checkpoint_every = Duration::from_millis(ms);
    }
    if let Some(us) = std::env::var("WARDEN_BENCH_GROUP_COMMIT_WAIT_US")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.group_commit_wait = Duration::from_micros(us);
    }
    let log = AuditLog::open(&dir, config).expect("open the log");
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let log = log.clone();
        let stop = Arc::clone(&stop);
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut lat = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                if in_flight > 1 {
                    // One writer keeping `in_flight` individually acknowledged appends
                    // outstanding (a sliding window), as a gateway worker serving concurrent
                    // requests would.
                    let mut pending = FuturesUnordered::new();
                    let mut next = 0u64;
                    while !stop.load(Ordering::Relaxed) || !pending.is_empty() {
                        while pending.len() < in_flight && !stop.load(Ordering::Relaxed) {
                            let (log, seq, t) = (&log, next, Instant::now());
                            pending.push(async move {
                                log.append(entry(w, seq)).await.map(|_| t.elapsed())
                            });
                            next += 1;
                        }
                        match pending.next().await {
                            Some(r) => {
                                lat.push(r.expect("append"));
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    break;
                } else if batch == 1 {
                    let t = Instant::now();
                    log.append(entry(w, n)).await.expect("append");
                    lat.push(t.elapsed());
                    n += 1;
                } else {
                    let entries = (n..n + batch as u64).map(|s| entry(w, s)).collect();
                    log.append_many(entries).await.expect("append_many");
                    n += batch as u64;
                }
            }
            (n, lat)
        }));
    }
    tokio::time::sleep(secs).await;
    stop.store(true, Ordering::Relaxed);
    let mut entries = 0;
    let mut latencies = Vec::new();
    for t in tasks {
        let (n, lat) = t.await.expect("writer task");
        entries += n;
        latencies.extend(lat);
    }
    let elapsed = start.elapsed();
    assert_eq!(
        log.size(),
        entries,
        "every acknowledged entry is in the log"
    );
    let stats = log.stats();
    log.close().await.expect("close");
    latencies.sort_unstable();
    Outcome {
        entries,
        elapsed,
        latencies,
        stats,
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let secs = if bench {
        std::env::var("WARDEN_BENCH_SECS")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::from_secs(5))
    } else {
        Duration::from_millis(200)
    };
    let base = std::env::var_os("WARDEN_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "durable appends, {ENTRY_BYTES}-byte entries, {:.1} s per scenario, fdatasync per batch{}",
        secs.as_secs_f64(),
        if bench {
            ""
        } else {
            " (smoke run: `cargo bench` for figures)"
        }
    );
    for (name, writers, batch, in_flight) in [
        ("1 writer", 1u64, 1usize, 1usize),
        ("8 writers", 8, 1, 1),
        ("64 writers", 64, 1, 1),
        ("1 writer, 256 appends in flight", 1, 1, 256),
        ("8 writers, 32 appends in flight each", 8, 1, 32),
        ("64 writers, 4 appends in flight each", 64, 1, 4),
        ("1 writer, append_many(256)", 1, 256, 1),
    ] {
        let only = std::env::var("WARDEN_BENCH_ONLY").unwrap_or_default();
        if !name.contains(only.as_str()) {
            continue;
        }
        let dir = tempfile::Builder::new()
            .prefix("warden-append-bench")
            .tempdir_in(&base)
            .expect("temp dir");
        let o = rt.block_on(run(
            dir.path().to_path_buf(),
            writers,
            batch,
            in_flight,
            secs,
        ));
        let rate = o.entries as f64 / o.elapsed.as_secs_f64();
        let lat = if o.latencies.is_empty() {
            String::new()
        } else {
            format!(
                "  ack latency p50 {:?} p99 {:?}",
                percentile(&o.latencies, 0.5),
                percentile(&o.latencies, 0.99)
            )
        };
        let s = o.stats;
        let commits = s.commits.max(1);
        println!(
            "{name:<38} {rate:>10.0} entries/s  ({} entries in {:.2} s){lat}\n{:<38} {:.1} \
             entries/commit, write+fdatasync {:.0} µs/commit, {} commits, {} checkpoints",
            o.entries,
            o.elapsed.as_secs_f64(),
            "",
            s.entries as f64 / commits as f64,
            s.sync_nanos as f64 / commits as f64 / 1000.0,
            s.commits,
            s.checkpoints,
        );
    }
}
