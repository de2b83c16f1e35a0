//! Crash test: a child process appends continuously and is killed with SIGKILL at a random
//! moment, many times, reopening the same directory each time. After every kill the log must
//! open, hold every entry the child saw acknowledged (byte for byte), have the root of its
//! entries, and be consistent with its latest signed checkpoint.
//!
//! The child is this test binary re-executed (`--exact crash_child`) with
//! `WARDEN_AUDIT_CRASH_CHILD` set. Knobs: `WARDEN_AUDIT_CRASH_ITERATIONS` (default 30) and
//! `WARDEN_AUDIT_CRASH_SEED` (default: from the clock; printed, to replay a run).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use warden_audit::checkpoint::open_checkpoint;
use warden_audit::config::AuditConfig;
use warden_audit::hash::{Hash, leaf_hash, root_of};
use warden_audit::log::AuditLog;
use warden_audit::proof::verify_consistency;
use warden_audit::store::Layout;

const CHILD_ENV: &str = "WARDEN_AUDIT_CRASH_CHILD";
const RUN_ENV: &str = "WARDEN_AUDIT_CRASH_RUN";
const TASKS: u64 = 6;

/// The entry a child of run `run` appends as the `seq`-th append of task `task`: derived
/// deterministically, 40–400 bytes so records straddle pages and batches differently.
fn derived_entry(run: u64, task: u64, seq: u64) -> Vec<u8> {
    let mut out = format!("run {run} task {task} seq {seq} ").into_bytes();
    let seed = Sha256::digest(out.as_slice());
    let len = 40 + (u16::from_be_bytes([seed[0], seed[1]]) % 360) as usize;
    let mut block: [u8; 32] = seed.into();
    while out.len() < len {
        block = Sha256::digest(block).into();
        out.extend_from_slice(&block);
    }
    out.truncate(len);
    out
}

fn child_config() -> AuditConfig {
    AuditConfig {
        // Publish often, so kills also land in tile and checkpoint writes.
        checkpoint_every_entries: 200,
        checkpoint_every: Duration::from_millis(15),
        max_batch: 64,
        ..AuditConfig::default()
    }
}

/// Child mode: open the log and append forever from several tasks, printing
/// `ACK <index> <task> <seq>` for each acknowledged entry as soon as it is acknowledged.
/// Without the environment variable (a normal test run) it does nothing.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let run: u64 = std::env::var(RUN_ENV)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let log = match AuditLog::open(Path::new(&dir), child_config()) {
            Ok(log) => log,
            Err(e) => {
                println!("OPEN-FAILED {e}");
                std::process::exit(3);
            }
        };
        println!("READY {}", log.size());
        // Never outlive a parent that failed to kill us.
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_secs(60));
            std::process::exit(6);
        });
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                let mut seq = 0u64;
                loop {
                    if task == 0 {
                        // One task appends several entries per request.
                        let batch: Vec<Vec<u8>> = (seq..seq + 5)
                            .map(|s| derived_entry(run, task, s))
                            .collect();
                        let acks = match log.append_many(batch).await {
                            Ok(a) => a,
                            Err(e) => {
                                println!("APPEND-FAILED {e}");
                                std::process::exit(4);
                            }
                        };
                        let mut lines = String::new();
                        for (k, (index, _)) in acks.iter().enumerate() {
                            lines.push_str(&format!("ACK {index} {task} {}\n", seq + k as u64));
                        }
                        emit(&lines);
                        seq += 5;
                    } else {
                        match log.append(derived_entry(run, task, seq)).await {
                            Ok((index, _)) => emit(&format!("ACK {index} {task} {seq}\n")),
                            Err(e) => {
                                println!("APPEND-FAILED {e}");
                                std::process::exit(4);
                            }
                        }
                        seq += 1;
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

/// Writes whole lines with one write to the stdout pipe (so a kill never leaves half a
/// line that parses).
/// If the parent is gone (the pipe is closed), the child stops.
fn emit(lines: &str) {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(lines.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(5);
    }
}

/// A small deterministic generator for the kill delays.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

struct Verified {
    size: u64,
    /// Bytes of a torn tail that recovery removed.
    torn: u64,
    checkpoint: Option<(u64, Hash)>,
}

/// Opens (a copy of) the crashed directory and checks everything the child acknowledged.
fn verify(
    rt: &tokio::runtime::Runtime,
    data: &Path,
    acked: &BTreeMap<u64, Vec<u8>>,
    previous_checkpoint: Option<(u64, Hash)>,
) -> Verified {
    // The checkpoint the crashed child left (read before opening: open may publish more).
    let layout = Layout::new(data);
    let on_disk = std::fs::read_to_string(layout.tlog_checkpoint()).ok();
    let wal_len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let before = wal_len(&layout.wal);
    let log = AuditLog::open(data, child_config())
        .unwrap_or_else(|e| panic!("the log does not open after a crash: {e}"));
    let size = log.size();
    let torn = before - wal_len(&layout.wal);
    // Every acknowledged entry is there, with its exact bytes.
    for (&index, expected) in acked {
        assert!(
            index < size,
            "acknowledged entry {index} lost (size {size})"
        );
        assert_eq!(
            &log.entry(index).unwrap(),
            expected,
            "acknowledged entry {index} differs"
        );
    }
    // The tree is the tree of the entries.
    let leaves: Vec<Hash> = (0..size)
        .map(|i| leaf_hash(&log.entry(i).unwrap()))
        .collect();
    assert_eq!(log.tree_head(), (size, root_of(&leaves)));
    // The latest checkpoint verifies, is consistent with the tree and with the previous one.
    let checkpoint = on_disk.map(|text| {
        let cp = open_checkpoint(&text, log.verifier()).unwrap().checkpoint;
        assert!(cp.size <= size);
        assert_eq!(cp.root, root_of(&leaves[..cp.size as usize]));
        (cp.size, cp.root)
    });
    if let (Some((old, old_root)), Some((new, new_root))) = (previous_checkpoint, checkpoint) {
        assert!(old <= new, "checkpoint went back from {old} to {new}");
        let proof = log.consistency_proof(old, new).unwrap();
        verify_consistency(old, new, &old_root, &new_root, &proof).unwrap();
    }
    rt.block_on(log.close()).unwrap();
    Verified {
        size,
        torn,
        checkpoint,
    }
}

#[test]
fn survives_repeated_sigkill() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let iterations: u64 = std::env::var("WARDEN_AUDIT_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("WARDEN_AUDIT_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    eprintln!("crash test: {iterations} iterations, WARDEN_AUDIT_CRASH_SEED={seed}");
    let mut rng = XorShift(seed);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let exe = std::env::current_exe().unwrap();
    let work = tempfile::tempdir().unwrap();
    let data: PathBuf = work.path().join("data");
    let mut acked: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let mut checkpoint = None;
    let mut with_acks = 0;
    let mut torn_tails = 0;
    for run in 0..iterations {
        let delay = Duration::from_millis(5 + rng.next() % 196);
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &data)
            .env(RUN_ENV, run.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                // A line without its newline was cut by the kill: ignore it.
                if line.ends_with('\n') {
                    if line.contains("READY") {
                        let _ = ready_tx.send(());
                    }
                    lines.push(line.trim_end().to_string());
                }
                line.clear();
            }
            lines
        });
        // Most runs are killed while appending (the delay counts from the end of recovery);
        // every third one at a random moment from its start, recovery included.
        let from_start = run % 3 == 0;
        if !from_start {
            let _ = ready_rx.recv_timeout(Duration::from_secs(60));
        }
        let started = Instant::now();
        std::thread::sleep(delay);
        let exited_early = child.try_wait().unwrap();
        child.kill().unwrap(); // SIGKILL
        let killed_after = started.elapsed();
        child.wait().unwrap();
        let lines = reader.join().unwrap();
        if let Some(line) = lines.iter().find(|l| l.contains("-FAILED")) {
            panic!("child of run {run} failed: {line}");
        }
        assert!(
            exited_early.is_none(),
            "child of run {run} exited by itself: {exited_early:?}"
        );
        let mut new = 0;
        for line in &lines {
            let mut parts = line.split_whitespace();
            if parts.next() != Some("ACK") {
                continue;
            }
            let nums: Vec<u64> = parts.map(|p| p.parse().unwrap()).collect();
            let (index, task, seq) = (nums[0], nums[1], nums[2]);
            let previous = acked.insert(index, derived_entry(run, task, seq));
            assert!(previous.is_none(), "index {index} acknowledged twice");
            new += 1;
        }
        if new > 0 {
            with_acks += 1;
        }
        // SIGKILL cannot tear a write that is under way (the kernel finishes it), but a power
        // cut can: every fourth run, leave what such a crash leaves, a cut final record (or a
        // zero-filled extension), for the next opens to recover.
        if run % 4 == 1 {
            let mut record = Vec::new();
            warden_audit::store::encode_record(&derived_entry(run, 99, 0), &mut record);
            let tail = if rng.next().is_multiple_of(3) {
                vec![0u8; 1 + (rng.next() % 4096) as usize]
            } else {
                record.truncate(1 + (rng.next() as usize % (record.len() - 1)));
                record
            };
            let mut wal = std::fs::OpenOptions::new()
                .append(true)
                .open(Layout::new(&data).wal)
                .unwrap();
            wal.write_all(&tail).unwrap();
        }
        // Check a copy, so that the next child recovers the crashed state itself.
        let check = work.path().join(format!("check-{run}"));
        copy_dir(&data, &check);
        let v = verify(&rt, &check, &acked, checkpoint);
        std::fs::remove_dir_all(&check).unwrap();
        if v.torn > 0 {
            torn_tails += 1;
        }
        eprintln!(
            "run {run}: killed after {killed_after:?} ({}), {new} new acknowledged, log size {}, \
             torn tail {} bytes, checkpoint {:?}",
            if from_start {
                "from start"
            } else {
                "from ready"
            },
            v.size,
            v.torn,
            v.checkpoint.map(|c| c.0)
        );
        checkpoint = v.checkpoint.or(checkpoint);
    }
    // Many kills must have landed while appends were going on (a third of the runs are
    // killed from their start, often before their first acknowledgement).
    assert!(
        with_acks * 4 >= iterations || iterations < 4,
        "only {with_acks} of {iterations} runs acknowledged anything"
    );
    eprintln!(
        "crash test: {with_acks} of {iterations} runs acknowledged entries; {torn_tails} left a \
         torn tail; {} entries acknowledged in all",
        acked.len()
    );
    // Finally the directory itself (not a copy) opens and verifies.
    let v = verify(&rt, &data, &acked, checkpoint);
    assert!(v.size >= acked.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_get_dense_unique_indices() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), AuditConfig::default()).unwrap();
    let mut tasks = Vec::new();
    for task in 0..64u64 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for seq in 0..100u64 {
                if seq % 10 == 0 {
                    let batch = (0..3).map(|k| derived_entry(task, seq, k)).collect();
                    for (k, (index, leaf)) in log
                        .append_many(batch)
                        .await
                        .unwrap()
                        .into_iter()
                        .enumerate()
                    {
                        got.push((index, leaf, derived_entry(task, seq, k as u64)));
                    }
                } else {
                    let e = derived_entry(task, seq, 99);
                    let (index, leaf) = log.append(e.clone()).await.unwrap();
                    got.push((index, leaf, e));
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_by_key(|g| g.0);
    let n = all.len() as u64;
    assert_eq!(n, 64 * (90 + 10 * 3));
    assert_eq!(log.size(), n);
    for (expected, (index, leaf, bytes)) in all.iter().enumerate() {
        assert_eq!(*index, expected as u64, "indices are not dense and unique");
        assert_eq!(*leaf, leaf_hash(bytes));
        assert_eq!(&log.entry(*index).unwrap(), bytes);
    }
    let leaves: Vec<Hash> = all.iter().map(|g| g.1).collect();
    assert_eq!(log.tree_head().1, root_of(&leaves));
    log.close().await.unwrap();
}

const FULL_ENV: &str = "WARDEN_AUDIT_DISK_FULL_CHILD";

/// Child mode for [`fails_closed_when_the_disk_is_full`]: caps the file size this process
/// may write (`RLIMIT_FSIZE`, so writes past it fail with `EFBIG`), then appends until the
/// log refuses, printing `ACK <i>` for every acknowledged entry and `ERR <error>` for every
/// refusal.
#[test]
fn disk_full_child() {
    let Some(dir) = std::env::var_os(FULL_ENV) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let log = AuditLog::open(Path::new(&dir), child_config()).unwrap();
        // SAFETY: setting a signal disposition and a resource limit; no memory is shared.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 64 * 1024,
                rlim_max: libc::RLIM_INFINITY,
            };
            assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
        }
        let mut refused = 0;
        for i in 0..400u64 {
            match log.append(derived_entry(0, 0, i)).await {
                Ok((index, _)) => emit(&format!("ACK {index} {i}\n")),
                Err(e) => {
                    emit(&format!("ERR {e}\n"));
                    refused += 1;
                    if refused == 5 {
                        break;
                    }
                }
            }
        }
        let _ = log.close().await;
    });
}

#[test]
fn fails_closed_when_the_disk_is_full() {
    if std::env::var_os(CHILD_ENV).is_some() || std::env::var_os(FULL_ENV).is_some() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "disk_full_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FULL_ENV, &data)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}");
    let mut acked = BTreeMap::new();
    let mut errors = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.split("ACK ").nth(1) {
            let nums: Vec<u64> = rest
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect();
            assert!(
                errors.is_empty(),
                "an entry was acknowledged after a refusal"
            );
            acked.insert(nums[0], derived_entry(0, 0, nums[1]));
        } else if let Some(rest) = line.split("ERR ").nth(1) {
            errors.push(rest.to_string());
        }
    }
    assert!(acked.len() > 10, "{stdout}");
    assert_eq!(errors.len(), 5, "{stdout}");
    // After the failed write, the log refuses everything (it never acknowledges).
    for e in &errors[1..] {
        assert!(e.contains("refuses entries after a storage failure"), "{e}");
    }
    // Reopened without the limit, it recovers (the partial write is a torn tail) and holds
    // every acknowledged entry.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let v = verify(&rt, &data, &acked, None);
    assert!(v.size >= acked.len() as u64);
}
