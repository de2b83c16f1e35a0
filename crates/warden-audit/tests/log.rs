//! Integration tests of the durable audit log: appends and acknowledgements, proofs against
//! the signed checkpoint, subscription, backpressure, limits, reopening and recovery.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use warden_audit::checkpoint::open_checkpoint;
use warden_audit::config::AuditConfig;
use warden_audit::hash::{Hash, leaf_hash, root_of};
use warden_audit::log::{AuditError, AuditLog};
use warden_audit::proof::{verify_consistency, verify_inclusion};
use warden_audit::store::{self, Layout};
use warden_audit::tiles::TileReader;

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}: {}", "x".repeat((i % 37) as usize)).into_bytes()
}

fn config() -> AuditConfig {
    AuditConfig {
        // Publish only when asked, so tests control the checkpoints.
        checkpoint_every: Duration::from_secs(3600),
        checkpoint_every_entries: u64::MAX,
        ..AuditConfig::default()
    }
}

async fn fill(log: &AuditLog, n: u64) {
    for i in 0..n {
        let (index, leaf) = log.append(entry(i)).await.unwrap();
        assert_eq!(index, i);
        assert_eq!(leaf, leaf_hash(&entry(i)));
    }
}

/// Rewrites `entries.wal` with the given entries (valid records), as an attacker with file
/// access would.
fn rewrite_wal(data: &Path, entries: &[Vec<u8>]) {
    let mut buf = Vec::new();
    for e in entries {
        store::encode_record(e, &mut buf);
    }
    fs::write(Layout::new(data).wal, buf).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_ack_entry_and_proofs_verify_against_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    assert_eq!(log.size(), 0);
    assert!(log.latest_checkpoint().is_none());
    fill(&log, 100).await;
    // An empty entry is an entry too.
    assert_eq!(log.append(Vec::new()).await.unwrap().0, 100);
    let many = log
        .append_many((101..110).map(entry).collect())
        .await
        .unwrap();
    assert_eq!(
        many.iter().map(|m| m.0).collect::<Vec<_>>(),
        (101..110).collect::<Vec<_>>()
    );
    assert_eq!(log.size(), 110);
    assert_eq!(log.entry(100).unwrap(), Vec::<u8>::new());
    assert_eq!(log.entry(42).unwrap(), entry(42));
    assert!(matches!(
        log.entry(110),
        Err(AuditError::NotFound {
            index: 110,
            size: 110
        })
    ));

    let text = log.publish_now().unwrap();
    assert_eq!(log.latest_checkpoint().as_deref(), Some(text.as_str()));
    let cp = open_checkpoint(&text, log.verifier()).unwrap().checkpoint;
    assert_eq!(cp.origin, "warden/audit");
    assert_eq!(cp.size, 110);
    let leaves: Vec<Hash> = (0..110).map(|i| log.leaf_hash(i).unwrap()).collect();
    assert_eq!(cp.root, root_of(&leaves));
    assert_eq!(log.tree_head(), (110, cp.root));
    for i in 0..110 {
        let proof = log.inclusion_proof(i, cp.size).unwrap();
        verify_inclusion(
            &leaf_hash(&log.entry(i).unwrap()),
            i,
            cp.size,
            &proof,
            &cp.root,
        )
        .unwrap();
    }
    for old in [0, 1, 7, 64, 109, 110] {
        let proof = log.consistency_proof(old, cp.size).unwrap();
        let old_root = log.root_at(old).unwrap();
        verify_consistency(old, cp.size, &old_root, &cp.root, &proof).unwrap();
    }
    assert!(log.inclusion_proof(5, 111).is_err());
    assert!(log.consistency_proof(5, 111).is_err());

    // Published files: history, latest, tiles a third party can read.
    let layout = log.layout().clone();
    let history = fs::read_to_string(layout.checkpoint_path(110)).unwrap();
    assert_eq!(history, text);
    assert_eq!(fs::read_to_string(layout.tlog_checkpoint()).unwrap(), text);
    let reader = TileReader::new(&layout.tlog, cp.size);
    for i in [0, 55, 109] {
        assert_eq!(reader.entry(i).unwrap(), log.entry(i).unwrap());
    }
    // Nothing new: publishing again returns the same checkpoint.
    assert_eq!(log.publish_now().unwrap(), text);
    log.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_published_by_entry_count_and_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = AuditConfig {
        checkpoint_every_entries: 10,
        checkpoint_every: Duration::from_secs(3600),
        ..AuditConfig::default()
    };
    let log = AuditLog::open(dir.path(), cfg).unwrap();
    fill(&log, 25).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let size_of = |log: &AuditLog| {
        log.latest_checkpoint()
            .map(|t| open_checkpoint(&t, log.verifier()).unwrap().checkpoint.size)
    };
    while size_of(&log).is_none_or(|s| s < 20) {
        assert!(Instant::now() < deadline, "no checkpoint after 20 entries");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    log.close().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let cfg = AuditConfig {
        checkpoint_every_entries: u64::MAX,
        checkpoint_every: Duration::from_millis(50),
        ..AuditConfig::default()
    };
    let log = AuditLog::open(dir.path(), cfg).unwrap();
    fill(&log, 3).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while size_of(&log) != Some(3) {
        assert!(Instant::now() < deadline, "no timed checkpoint");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(log.publish_error().is_none());
    log.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_receives_every_entry_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    let mut rx = log.subscribe();
    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..50u64 {
                log.append(entry(t * 1000 + i)).await.unwrap();
            }
        }));
    }
    let batch = log.append_many((0..20).map(entry).collect()).await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    for expected in 0..420u64 {
        let (index, leaf) = rx.recv().await.unwrap();
        assert_eq!(index, expected);
        assert_eq!(leaf, leaf_hash(&log.entry(index).unwrap()));
    }
    assert_eq!(batch.len(), 20);
    assert!(rx.try_recv().is_err());
    log.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backpressure_with_a_tiny_queue() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = AuditConfig {
        queue_capacity: 1,
        max_batch: 2,
        ..config()
    };
    let log = AuditLog::open(dir.path(), cfg).unwrap();
    // Waiting appends all get through, one queue slot at a time.
    let mut tasks = Vec::new();
    for t in 0..64u64 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for i in 0..4u64 {
                got.push(log.append(entry(t * 10 + i)).await.unwrap().0);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (0..256).collect::<Vec<_>>());

    // try_append refuses instead of waiting when the queue is full.
    let mut saw_full = false;
    for _round in 0..50 {
        let mut tasks = Vec::new();
        for i in 0..64u64 {
            let log = log.clone();
            tasks.push(tokio::spawn(async move { log.try_append(entry(i)).await }));
        }
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => {}
                Err(AuditError::QueueFull { capacity: 1 }) => saw_full = true,
                Err(e) => panic!("unexpected error {e}"),
            }
        }
        if saw_full {
            break;
        }
    }
    assert!(saw_full, "try_append never saw a full queue");
    // Everything that was acknowledged is dense.
    let size = log.size();
    for i in 0..size {
        log.entry(i).unwrap();
    }
    log.close().await.unwrap();
}

#[tokio::test]
async fn limits_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    let err = log.append(vec![0u8; 65536]).await.unwrap_err();
    assert!(matches!(
        err,
        AuditError::EntryTooLarge {
            len: 65536,
            max: 65535
        }
    ));
    assert!(err.to_string().contains("max_entry_bytes"));
    assert_eq!(log.append(vec![7u8; 65535]).await.unwrap().0, 0);
    let too_many = log.append_many(vec![vec![1]; 8193]).await.unwrap_err();
    assert!(matches!(
        too_many,
        AuditError::TooManyEntries {
            count: 8193,
            max: 8192
        }
    ));
    assert!(log.append_many(Vec::new()).await.unwrap().is_empty());
    assert_eq!(log.size(), 1);
    log.close().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let small = AuditConfig {
        max_entry_bytes: 100,
        ..config()
    };
    let log = AuditLog::open(dir.path(), small).unwrap();
    assert!(log.append(vec![1; 101]).await.is_err());
    assert!(
        log.append_many(vec![vec![1; 10], vec![1; 101]])
            .await
            .is_err()
    );
    assert_eq!(log.size(), 0);
    log.close().await.unwrap();

    for bad in [
        AuditConfig {
            queue_capacity: 0,
            ..config()
        },
        AuditConfig {
            max_entry_bytes: 70000,
            ..config()
        },
        AuditConfig {
            origin: String::new(),
            ..config()
        },
    ] {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            AuditLog::open(dir.path(), bad),
            Err(AuditError::Config(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopen_after_close_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 300).await;
    let head = log.tree_head();
    // A second open of the same log is refused while it is open.
    assert!(matches!(
        AuditLog::open(dir.path(), config()),
        Err(AuditError::Locked { .. })
    ));
    let clone = log.clone();
    log.close().await.unwrap();
    assert!(matches!(
        clone.append(entry(1)).await,
        Err(AuditError::Closed)
    ));
    drop(clone);

    let log = AuditLog::open(dir.path(), config()).unwrap();
    assert_eq!(log.tree_head(), head);
    // close published a final checkpoint of everything.
    let text = log.latest_checkpoint().unwrap();
    let cp = open_checkpoint(&text, log.verifier()).unwrap().checkpoint;
    assert_eq!((cp.size, cp.root), head);
    for i in 0..300 {
        assert_eq!(log.entry(i).unwrap(), entry(i));
    }
    assert_eq!(log.append(entry(300)).await.unwrap().0, 300);
    let text2 = log.publish_now().unwrap();
    let cp2 = open_checkpoint(&text2, log.verifier()).unwrap().checkpoint;
    let proof = log.consistency_proof(300, 301).unwrap();
    verify_consistency(300, 301, &cp.root, &cp2.root, &proof).unwrap();
    log.close().await.unwrap();

    // Closing without appending still leaves a checkpoint (of the empty log).
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    log.close().await.unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    let cp = open_checkpoint(&log.latest_checkpoint().unwrap(), log.verifier()).unwrap();
    assert_eq!(cp.checkpoint.size, 0);
    log.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_tail_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 10).await;
    log.close().await.unwrap();
    let wal = Layout::new(dir.path()).wal;
    let good_len = fs::metadata(&wal).unwrap().len();

    // A record cut short, as a crash mid-write leaves it; then a zero-filled tail.
    let mut rec = Vec::new();
    store::encode_record(b"never acknowledged", &mut rec);
    for tail in [
        rec[..rec.len() - 1].to_vec(),
        rec[..3].to_vec(),
        vec![0u8; 4096],
    ] {
        OpenOptions::new()
            .append(true)
            .open(&wal)
            .unwrap()
            .write_all(&tail)
            .unwrap();
        let log = AuditLog::open(dir.path(), config()).unwrap();
        assert_eq!(log.size(), 10);
        assert_eq!(fs::metadata(&wal).unwrap().len(), good_len);
        log.close().await.unwrap();
    }
    let log = AuditLog::open(dir.path(), config()).unwrap();
    assert_eq!(log.append(entry(10)).await.unwrap().0, 10);
    assert_eq!(log.entry(10).unwrap(), entry(10));
    log.close().await.unwrap();
}

#[tokio::test]
async fn a_modified_record_is_corruption_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 10).await;
    log.close().await.unwrap();
    let wal = Layout::new(dir.path()).wal;
    let mut bytes = fs::read(&wal).unwrap();
    // Offset of entry 3's bytes.
    let offset: usize = (0..3).map(|i| entry(i).len() + 8).sum();
    bytes[offset + 6] ^= 0x20;
    let valid_before = bytes.clone();
    fs::write(&wal, &bytes).unwrap();
    let err = AuditLog::open(dir.path(), config()).unwrap_err();
    match &err {
        AuditError::Corrupt {
            index: 3,
            offset: o,
            ..
        } => assert_eq!(*o as usize, offset),
        other => panic!("expected corruption at entry 3, got {other:?}"),
    }
    assert!(err.to_string().contains("entry 3"), "{err}");
    // Nothing was repaired or truncated: the evidence stays.
    assert_eq!(fs::read(&wal).unwrap(), valid_before);

    // A complete final record that fails its check is corruption too, not a torn tail.
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 4).await;
    log.close().await.unwrap();
    let wal = Layout::new(dir.path()).wal;
    let mut bytes = fs::read(&wal).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&wal, &bytes).unwrap();
    assert!(matches!(
        AuditLog::open(dir.path(), config()),
        Err(AuditError::Corrupt { index: 3, .. })
    ));
}

#[tokio::test]
async fn a_wal_that_does_not_match_the_checkpoint_is_refused() {
    async fn published_log(dir: &Path) -> Vec<Vec<u8>> {
        let log = AuditLog::open(dir, config()).unwrap();
        fill(&log, 600).await;
        log.close().await.unwrap(); // publishes a checkpoint of all 600
        (0..600).map(entry).collect()
    }
    let tampered = |dir: &Path| match AuditLog::open(dir, config()) {
        Err(AuditError::Tampered { index, reason }) => (index, reason),
        Err(other) => panic!("expected tampering, got {other}"),
        Ok(_) => panic!("a tampered log opened"),
    };

    // Modified entry (with a valid record check).
    let dir = tempfile::tempdir().unwrap();
    let mut entries = published_log(dir.path()).await;
    entries[300] = b"something else happened".to_vec();
    rewrite_wal(dir.path(), &entries);
    let (index, reason) = tampered(dir.path());
    assert_eq!(index, 300, "{reason}");
    assert!(reason.contains("entry 300"), "{reason}");

    // Deleted entry.
    let dir = tempfile::tempdir().unwrap();
    let mut entries = published_log(dir.path()).await;
    entries.remove(17);
    rewrite_wal(dir.path(), &entries);
    assert_eq!(tampered(dir.path()).0, 17);

    // Reordered entries.
    let dir = tempfile::tempdir().unwrap();
    let mut entries = published_log(dir.path()).await;
    entries.swap(400, 401);
    rewrite_wal(dir.path(), &entries);
    assert_eq!(tampered(dir.path()).0, 400);

    // Inserted entry.
    let dir = tempfile::tempdir().unwrap();
    let mut entries = published_log(dir.path()).await;
    entries.insert(5, b"inserted".to_vec());
    rewrite_wal(dir.path(), &entries);
    assert_eq!(tampered(dir.path()).0, 5);

    // Truncated at a record boundary: fewer entries than the checkpoint covers.
    let dir = tempfile::tempdir().unwrap();
    let mut entries = published_log(dir.path()).await;
    entries.truncate(550);
    rewrite_wal(dir.path(), &entries);
    let (index, reason) = tampered(dir.path());
    assert_eq!(index, 550);
    assert!(reason.contains("550..600"), "{reason}");

    // Without tiles to compare with, the checkpoint history brackets the divergence.
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    for k in 0..6u64 {
        for i in k * 100..(k + 1) * 100 {
            log.append(entry(i)).await.unwrap();
        }
        log.publish_now().unwrap();
    }
    log.close().await.unwrap();
    fs::remove_dir_all(Layout::new(dir.path()).tlog.join("tile")).unwrap();
    let mut entries: Vec<Vec<u8>> = (0..600).map(entry).collect();
    entries[250] = b"rewritten".to_vec();
    rewrite_wal(dir.path(), &entries);
    let (index, reason) = tampered(dir.path());
    assert_eq!(index, 200, "{reason}");
    assert!(reason.contains("200..300"), "{reason}");

    // The whole log replaced: nothing left at all.
    let dir = tempfile::tempdir().unwrap();
    published_log(dir.path()).await;
    fs::remove_file(Layout::new(dir.path()).wal).unwrap();
    assert_eq!(tampered(dir.path()).0, 0);
}

#[tokio::test]
async fn bad_checkpoints_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 5).await;
    log.close().await.unwrap();
    let layout = Layout::new(dir.path());
    let good = fs::read(layout.tlog_checkpoint()).unwrap();

    for garbage in [
        &b""[..],
        b"garbage",
        &[0xff, 0xfe, 0x00][..],
        b"warden/audit\n5\nAAAA\n\n\xe2\x80\x94 warden/audit AAAA\n",
    ] {
        fs::write(layout.tlog_checkpoint(), garbage).unwrap();
        match AuditLog::open(dir.path(), config()) {
            Err(AuditError::Checkpoint { path, .. }) => assert_eq!(path, layout.tlog_checkpoint()),
            Err(other) => panic!("expected a checkpoint error, got {other}"),
            Ok(_) => panic!("opened with a garbage checkpoint"),
        }
    }
    // Signed by another key (another log with the same origin).
    let other = tempfile::tempdir().unwrap();
    let log = AuditLog::open(other.path(), config()).unwrap();
    fill(&log, 5).await;
    log.close().await.unwrap();
    let foreign = fs::read(Layout::new(other.path()).tlog_checkpoint()).unwrap();
    fs::write(layout.tlog_checkpoint(), &foreign).unwrap();
    let err = AuditLog::open(dir.path(), config()).unwrap_err();
    assert!(matches!(err, AuditError::Checkpoint { .. }), "{err}");

    // Restored, it opens again.
    fs::write(layout.tlog_checkpoint(), &good).unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    assert_eq!(log.size(), 5);
    log.close().await.unwrap();

    // A history file named for another size than it holds is refused.
    fs::rename(layout.checkpoint_path(5), layout.checkpoint_path(4)).unwrap();
    fs::remove_file(layout.tlog_checkpoint()).unwrap();
    assert!(matches!(
        AuditLog::open(dir.path(), config()),
        Err(AuditError::Checkpoint { .. })
    ));
}

#[tokio::test]
async fn any_damage_to_the_wal_is_refused_or_harmless_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 50).await;
    log.close().await.unwrap();
    let wal = Layout::new(dir.path()).wal;
    let original = fs::read(&wal).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut refused, mut harmless) = (0, 0);
    for round in 0..300 {
        let mut bytes = original.clone();
        let at = (next() % bytes.len() as u64) as usize;
        match round % 5 {
            0 => bytes[at] ^= 1 << (next() % 8),
            1 => bytes.truncate(at),
            2 => bytes.extend((0..1 + next() % 300).map(|_| next() as u8)),
            3 => {
                let junk: Vec<u8> = (0..1 + next() % 20).map(|_| next() as u8).collect();
                bytes.splice(at..at, junk);
            }
            _ => {
                let len = (next() % 64) as usize;
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
            }
        }
        fs::write(&wal, &bytes).unwrap();
        match AuditLog::open(dir.path(), config()) {
            Ok(log) => {
                // Only damage after the checkpointed entries can be accepted (a torn tail),
                // and the checkpointed entries are intact.
                assert!(log.size() >= 50, "round {round}");
                for i in 0..50 {
                    assert_eq!(log.entry(i).unwrap(), entry(i), "round {round}");
                }
                log.close().await.unwrap();
                harmless += 1;
            }
            Err(
                AuditError::Corrupt { .. }
                | AuditError::Tampered { .. }
                | AuditError::Checkpoint { .. },
            ) => refused += 1,
            Err(other) => panic!("round {round}: unexpected error {other}"),
        }
        // Back to the original log (and its checkpoint) for the next round.
        fs::write(&wal, &original).unwrap();
        let layout = Layout::new(dir.path());
        for size in store::list_checkpoints(&layout.checkpoints).unwrap() {
            if size != 50 {
                fs::remove_file(layout.checkpoint_path(size)).unwrap();
            }
        }
        fs::copy(layout.checkpoint_path(50), layout.tlog_checkpoint()).unwrap();
    }
    // Appended junk usually declares an impossible length (refused as corruption); only junk
    // that looks like the start of a record is taken for a torn tail.
    assert!(refused > 200, "{refused} refused, {harmless} harmless");
}

#[tokio::test]
async fn witness_cosignatures_on_the_latest_checkpoint_are_kept() {
    use warden_audit::note::{Signer, add_signature};
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 3).await;
    log.close().await.unwrap();
    let layout = Layout::new(dir.path());
    let text = fs::read_to_string(layout.tlog_checkpoint()).unwrap();
    let witness = Signer::new(
        "witness.example/w1",
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
    )
    .unwrap();
    let cosigned = add_signature(&text, &witness).unwrap();
    assert_ne!(cosigned, text);
    fs::write(layout.tlog_checkpoint(), &cosigned).unwrap();

    let log = AuditLog::open(dir.path(), config()).unwrap();
    assert_eq!(log.latest_checkpoint().as_deref(), Some(cosigned.as_str()));
    log.close().await.unwrap();
    assert_eq!(
        fs::read_to_string(layout.tlog_checkpoint()).unwrap(),
        cosigned
    );
    // History keeps the checkpoint as the log signed it.
    assert_eq!(fs::read_to_string(layout.checkpoint_path(3)).unwrap(), text);
}

#[tokio::test]
async fn two_checkpoints_of_one_size_with_different_roots_are_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), config()).unwrap();
    fill(&log, 3).await;
    log.close().await.unwrap();
    // Sign a different size-3 checkpoint with the log's own key (a forked history).
    let layout = Layout::new(dir.path());
    let signer = warden_audit::keys::load_or_create_signer(&layout.dir, "warden/audit").unwrap();
    let forged = warden_audit::checkpoint::Checkpoint {
        origin: "warden/audit".into(),
        size: 3,
        root: [9u8; 32],
        extensions: Vec::new(),
    }
    .sign(&signer)
    .unwrap();
    fs::write(layout.tlog_checkpoint(), forged).unwrap();
    let err = AuditLog::open(dir.path(), config()).unwrap_err();
    assert!(err.to_string().contains("forked"), "{err}");
}
