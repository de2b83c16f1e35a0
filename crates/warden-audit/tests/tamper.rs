//! Offline verification (`verify::verify_dir`) against every way of tampering with a log:
//! each test builds a real log with `AuditLog` (3,000 audit events, a signed checkpoint
//! every 500), closes it, tampers with it as an attacker with write access to the data
//! directory would, and checks the verdict names the right kind and the first point of
//! divergence (entry index and/or file).

use std::fs;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};
use warden_audit::config::AuditConfig;
use warden_audit::event::{AuditEvent, format_unix_millis};
use warden_audit::keys;
use warden_audit::log::AuditLog;
use warden_audit::store::{self, Layout};
use warden_audit::tiles;
use warden_audit::verify::wal::{WalPosition, read_wal};
use warden_audit::verify::{
    Problem, ProblemKind, SAVED_CHECKPOINT, Verdict, VerifyOptions, verify_dir,
};

const SIZE: u64 = 3000;
const EVERY: u64 = 500;

fn event(i: u64, flavour: &str) -> AuditEvent {
    let args = hex::encode(Sha256::digest(format!("{flavour} arguments {i}")));
    let v = json!({
        "v": 1,
        "time": format_unix_millis(1_770_000_000_000 + i * 37).unwrap(),
        "who": {
            "agent": format!("agent:worker-{}", i % 17),
            "subject": "user:alice@example.com",
            "chain": ["user:alice@example.com", "agent:planner"],
        },
        "what": {
            "operation": "tools/call",
            "target": format!("github/{flavour}_{}", i % 5),
            "arguments_sha256": args,
        },
        "decision": {
            "outcome": if i.is_multiple_of(7) { "deny" } else { "allow" },
            "policies": ["policy:research-assistant-github"],
            "reason": format!("rule {i}"),
        },
        "outcome": { "status": if i.is_multiple_of(7) { "blocked" } else { "ok" } },
        "correlation": { "request_id": i.to_string(), "session_id": "3f2b9c1e" },
        "refs": [],
    });
    AuditEvent::from_json(&v).unwrap()
}

fn config() -> AuditConfig {
    AuditConfig {
        // Publish only when asked, so the checkpoints are exactly every EVERY entries.
        checkpoint_every: Duration::from_secs(3600),
        checkpoint_every_entries: u64::MAX,
        ..AuditConfig::default()
    }
}

/// Appends `events` in batches of EVERY, publishing a checkpoint after each batch.
async fn grow(log: &AuditLog, events: &[AuditEvent]) {
    for batch in events.chunks(EVERY as usize) {
        let entries = batch.iter().map(AuditEvent::canonical_bytes).collect();
        log.append_many(entries).await.unwrap();
        log.publish_now().unwrap();
    }
}

/// A closed log of SIZE events with a checkpoint every EVERY entries.
async fn build(dir: &Path) {
    let log = AuditLog::open(dir, config()).unwrap();
    let events: Vec<AuditEvent> = (0..SIZE).map(|i| event(i, "tool")).collect();
    grow(&log, &events).await;
    log.close().await.unwrap();
}

async fn built() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path()).await;
    dir
}

fn entries(dir: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    read_wal(&Layout::new(dir).wal, WalPosition::default(), 65535, |r| {
        out.push(r.entry.to_vec());
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

/// Rewrites `entries.wal` with valid records, as a capable attacker would.
fn rewrite_wal(dir: &Path, entries: &[Vec<u8>]) {
    let mut buf = Vec::new();
    for e in entries {
        store::encode_record(e, &mut buf);
    }
    fs::write(Layout::new(dir).wal, buf).unwrap();
}

fn history(size: u64) -> String {
    format!("audit/checkpoints/{size:020}")
}

fn verify(dir: &Path) -> Verdict {
    verify_dir(dir, &VerifyOptions::default())
}

/// The problems of a tampered verdict (panics with the verdict otherwise).
fn problems(v: Verdict) -> Vec<Problem> {
    match v {
        Verdict::Tampered(p) => p,
        other => panic!("expected a tampered verdict, got {other:?}"),
    }
}

/// The single problem of a tampered verdict.
fn only(v: Verdict) -> Problem {
    let p = problems(v);
    assert_eq!(p.len(), 1, "{p:#?}");
    p.into_iter().next().unwrap()
}

#[tokio::test]
async fn an_untouched_log_verifies() {
    let dir = built().await;
    let latest = fs::read_to_string(Layout::new(dir.path()).tlog_checkpoint()).unwrap();
    let Verdict::Verified(s) = verify(dir.path()) else {
        panic!("{:?}", verify(dir.path()));
    };
    assert_eq!(s.size, SIZE);
    assert_eq!(s.latest_checkpoint, Some(SIZE));
    // Six history files and the latest checkpoint.
    assert_eq!(s.checkpoints, 7);
    assert_eq!(s.unpublished, 0);
    assert_eq!(s.trusted_checkpoint, None);
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    let root = latest.lines().nth(2).unwrap();
    use base64::Engine as _;
    let root = base64::engine::general_purpose::STANDARD
        .decode(root)
        .unwrap();
    assert_eq!(s.root.as_slice(), root.as_slice());

    // Reopening and appending more (not yet published) still verifies, with a note.
    let log = AuditLog::open(dir.path(), config()).unwrap();
    log.append_event(&event(SIZE, "tool")).await.unwrap();
    let Verdict::Verified(s) = verify(dir.path()) else {
        panic!("{:?}", verify(dir.path()));
    };
    assert_eq!((s.size, s.unpublished), (SIZE + 1, 1));
    log.close().await.unwrap();
}

#[tokio::test]
async fn the_saved_checkpoint_of_the_same_log_verifies() {
    let dir = built().await;
    let layout = Layout::new(dir.path());
    for size in [EVERY, 2000, SIZE] {
        let saved = fs::read_to_string(layout.checkpoint_path(size)).unwrap();
        let options = VerifyOptions {
            trusted_checkpoint: Some(saved),
            verifier: None,
        };
        match verify_dir(dir.path(), &options) {
            Verdict::Verified(s) => {
                assert_eq!(s.trusted_checkpoint, Some(size));
                assert_eq!(s.checkpoints, 8);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_modified_entry_is_named() {
    let dir = built().await;
    let mut e = entries(dir.path());
    let before = warden_audit::hash::leaf_hash(&e[1234]);
    e[1234] = event(1234, "forged").canonical_bytes();
    rewrite_wal(dir.path(), &e);
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::ModifiedEntry, "{p}");
    assert_eq!(p.index, Some(1234));
    assert_eq!(p.count, Some(1));
    // The first checkpoint that no longer matches: the one of size 1500.
    assert_eq!(p.file.as_deref(), Some(history(1500).as_str()));
    assert_eq!(p.expected, Some(hex::encode(before)));
    assert_eq!(
        p.found,
        Some(hex::encode(warden_audit::hash::leaf_hash(&e[1234])))
    );
}

#[tokio::test]
async fn a_modified_record_with_a_stale_checksum_is_a_corrupt_entry() {
    let dir = built().await;
    let wal = Layout::new(dir.path()).wal;
    let mut bytes = fs::read(&wal).unwrap();
    // Entry 0 starts at byte 4; change a byte inside it without fixing its checksum.
    bytes[20] ^= 0x20;
    fs::write(&wal, &bytes).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::CorruptEntry, "{p}");
    assert_eq!(p.index, Some(0));
    assert_eq!(p.file.as_deref(), Some("audit/entries.wal"));
    assert!(p.detail.contains("checksum"), "{p}");
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    let dir = built().await;
    let mut e = entries(dir.path());
    e.remove(777);
    rewrite_wal(dir.path(), &e);
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::DeletedEntry, "{p}");
    assert_eq!(p.index, Some(777));
    assert_eq!(p.count, Some(1));
    assert_eq!(p.file.as_deref(), Some(history(1000).as_str()));
}

#[tokio::test]
async fn an_inserted_entry_is_named() {
    let dir = built().await;
    let mut e = entries(dir.path());
    e.insert(2100, event(2100, "inserted").canonical_bytes());
    rewrite_wal(dir.path(), &e);
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::InsertedEntry, "{p}");
    assert_eq!(p.index, Some(2100));
    assert_eq!(p.count, Some(1));
    assert_eq!(p.file.as_deref(), Some(history(2500).as_str()));
}

#[tokio::test]
async fn swapped_entries_are_reordered() {
    let dir = built().await;
    let original = entries(dir.path());
    let mut e = original.clone();
    e.swap(1500, 1503);
    rewrite_wal(dir.path(), &e);
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::Reordered, "{p}");
    assert_eq!((p.index, p.count), (Some(1500), Some(4)));
    assert_eq!(p.file.as_deref(), Some(history(2000).as_str()));

    // Two neighbours, in the last published batch.
    let mut e = original.clone();
    e.swap(2998, 2999);
    rewrite_wal(dir.path(), &e);
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::Reordered, "{p}");
    assert_eq!((p.index, p.count), (Some(2998), Some(2)));
    assert_eq!(p.file.as_deref(), Some(history(SIZE).as_str()));
}

#[tokio::test]
async fn a_truncated_log_is_named() {
    let dir = built().await;
    let mut e = entries(dir.path());
    e.truncate(2600);
    rewrite_wal(dir.path(), &e);
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::Truncated, "{p}");
    assert_eq!((p.index, p.count), (Some(2600), Some(400)));
    assert_eq!(p.file.as_deref(), Some(history(SIZE).as_str()));
    assert!(p.detail.contains("2600..3000"), "{p}");

    // The whole WAL removed.
    fs::remove_file(Layout::new(dir.path()).wal).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::Truncated, "{p}");
    assert_eq!(p.index, Some(0));
    assert_eq!(p.file.as_deref(), Some(history(EVERY).as_str()));
    assert!(p.detail.contains("missing"), "{p}");
}

#[tokio::test]
async fn a_truncated_wal_file_is_named_not_a_panic() {
    let dir = built().await;
    let wal = Layout::new(dir.path()).wal;
    let bytes = fs::read(&wal).unwrap();
    // Cut inside the last record: 2999 complete records remain.
    fs::write(&wal, &bytes[..bytes.len() - 10]).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::Truncated, "{p}");
    assert_eq!(p.index, Some(SIZE - 1));
    assert_eq!(p.file.as_deref(), Some(history(SIZE).as_str()));

    // Cut anywhere: always a truncation at the first incomplete record.
    for cut in [0, 1, 3, 5, 1000, bytes.len() / 3, bytes.len() / 2 + 7] {
        fs::write(&wal, &bytes[..cut]).unwrap();
        let complete = entries(dir.path()).len() as u64;
        let p = only(verify(dir.path()));
        assert_eq!(p.kind, ProblemKind::Truncated, "cut {cut}: {p}");
        assert_eq!(p.index, Some(complete), "cut {cut}");
    }
}

#[tokio::test]
async fn rewritten_history_is_caught_by_the_saved_checkpoint() {
    // The user saved a checkpoint of log A.
    let a = built().await;
    let saved = fs::read_to_string(Layout::new(a.path()).checkpoint_path(1000)).unwrap();

    // The operator, who holds the key, builds B: same first 600 events, then others.
    let b = tempfile::tempdir().unwrap();
    let (la, lb) = (Layout::new(a.path()), Layout::new(b.path()));
    fs::create_dir_all(&lb.dir).unwrap();
    for f in [keys::KEY_FILE, keys::VKEY_FILE] {
        fs::copy(la.dir.join(f), lb.dir.join(f)).unwrap();
    }
    let log = AuditLog::open(b.path(), config()).unwrap();
    let events: Vec<AuditEvent> = (0..SIZE)
        .map(|i| event(i, if i < 600 { "tool" } else { "other" }))
        .collect();
    grow(&log, &events).await;
    log.close().await.unwrap();

    // On its own, B is a perfectly good log.
    assert!(verify(b.path()).is_verified(), "{:?}", verify(b.path()));
    // Not against the checkpoint the user saved from A.
    let options = VerifyOptions {
        trusted_checkpoint: Some(saved.clone()),
        verifier: None,
    };
    let p = only(verify_dir(b.path(), &options));
    assert_eq!(p.kind, ProblemKind::RewrittenHistory, "{p}");
    assert_eq!(p.file.as_deref(), Some(SAVED_CHECKPOINT));
    assert!(p.detail.contains("size 1000"), "{p}");

    // An old checkpoint of A left in B's history is caught without the saved one.
    fs::write(lb.checkpoint_path(1000), &saved).unwrap();
    let p = only(verify(b.path()));
    assert_eq!(p.kind, ProblemKind::RewrittenHistory, "{p}");
    assert_eq!(p.file.as_deref(), Some(history(1000).as_str()));
}

#[tokio::test]
async fn a_checkpoint_signed_by_another_key_is_named_with_its_key() {
    let dir = built().await;
    let layout = Layout::new(dir.path());
    let other_dir = tempfile::tempdir().unwrap();
    let other = keys::load_or_create_signer(other_dir.path(), "warden/audit").unwrap();
    let path = layout.checkpoint_path(2000);
    let text = fs::read_to_string(&path).unwrap();
    let body = &text[..text.find("\n\n").unwrap() + 1];
    fs::write(&path, other.sign(body).unwrap()).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::WrongKey, "{p}");
    assert_eq!(p.file.as_deref(), Some(history(2000).as_str()));
    let other_key = format!("warden/audit+{}", hex::encode(other.key_id()));
    assert_eq!(p.key.as_deref(), Some(other_key.as_str()));

    // Verified with another key than the log's, every checkpoint is named.
    let options = VerifyOptions {
        trusted_checkpoint: None,
        verifier: Some(other.verifier()),
    };
    let all = problems(verify_dir(dir.path(), &options));
    let wrong: Vec<_> = all
        .iter()
        .filter(|p| p.kind == ProblemKind::WrongKey)
        .collect();
    assert_eq!(wrong.len(), 6, "{all:#?}"); // 5 history files + tlog/checkpoint

    // A checkpoint whose text was edited under the log's own signature.
    let text = fs::read_to_string(layout.checkpoint_path(1500)).unwrap();
    fs::write(
        layout.checkpoint_path(1500),
        text.replacen("\n1500\n", "\n1499\n", 1),
    )
    .unwrap();
    let all = problems(verify(dir.path()));
    assert!(
        all.iter().any(|p| p.kind == ProblemKind::BadSignature
            && p.file.as_deref() == Some(history(1500).as_str())),
        "{all:#?}"
    );
}

#[tokio::test]
async fn garbage_checkpoint_files_are_named() {
    let dir = built().await;
    let layout = Layout::new(dir.path());
    for garbage in [
        &b""[..],
        b"garbage",
        &[0xff, 0xfe, 0x00, 0x01][..],
        b"warden/audit\n5\nAAAA\n\n\xe2\x80\x94 warden/audit AAAA\n",
    ] {
        fs::write(layout.checkpoint_path(1500), garbage).unwrap();
        let p = only(verify(dir.path()));
        assert_eq!(p.kind, ProblemKind::MalformedCheckpoint, "{p}");
        assert_eq!(p.file.as_deref(), Some(history(1500).as_str()));

        let good = fs::read(layout.tlog_checkpoint()).unwrap();
        fs::write(layout.tlog_checkpoint(), garbage).unwrap();
        let all = problems(verify(dir.path()));
        assert!(
            all.iter()
                .any(|p| p.kind == ProblemKind::MalformedCheckpoint
                    && p.file.as_deref() == Some("audit/tlog/checkpoint")),
            "{all:#?}"
        );
        fs::write(layout.tlog_checkpoint(), good).unwrap();
    }
    // A large file is refused before it is parsed.
    fs::write(layout.checkpoint_path(1500), vec![b'a'; 3 << 20]).unwrap();
    assert_eq!(
        only(verify(dir.path())).kind,
        ProblemKind::MalformedCheckpoint
    );
}

#[tokio::test]
async fn a_garbage_or_missing_vkey_makes_the_log_unreadable() {
    let dir = built().await;
    let vkey = Layout::new(dir.path()).dir.join(keys::VKEY_FILE);
    for garbage in [&b"garbage\n"[..], b"", &[0xff; 5000][..]] {
        fs::write(&vkey, garbage).unwrap();
        match verify(dir.path()) {
            Verdict::Unreadable(why) => assert!(why.contains("log.vkey"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
    fs::remove_file(&vkey).unwrap();
    assert!(matches!(verify(dir.path()), Verdict::Unreadable(_)));
    // The key given out of band still works (here derived from the private key).
    let signer = keys::load_or_create_signer(&Layout::new(dir.path()).dir, "warden/audit");
    fs::remove_file(&vkey).unwrap();
    let options = VerifyOptions {
        trusted_checkpoint: None,
        verifier: Some(signer.unwrap().verifier()),
    };
    assert!(verify_dir(dir.path(), &options).is_verified());
}

#[test]
fn a_missing_directory_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let v = verify(&dir.path().join("nope"));
    assert!(
        matches!(&v, Verdict::Unreadable(why) if why.contains("does not exist")),
        "{v:?}"
    );
    let v = verify(dir.path());
    assert!(
        matches!(&v, Verdict::Unreadable(why) if why.contains("no audit log")),
        "{v:?}"
    );
}

#[tokio::test]
async fn an_unparseable_record_stops_reading_and_is_named() {
    let dir = built().await;
    let wal = Layout::new(dir.path()).wal;
    let mut bytes = fs::read(&wal).unwrap();
    // Find entry 10's offset and give it an impossible length.
    let mut offset = 0usize;
    for _ in 0..10 {
        let len = u32::from_be_bytes(bytes[offset..offset + 4].try_into().unwrap()) as usize;
        offset += len + 8;
    }
    bytes[offset..offset + 4].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
    fs::write(&wal, &bytes).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::CorruptEntry, "{p}");
    assert_eq!(p.index, Some(10));
}

#[tokio::test]
async fn altered_tiles_are_named_when_the_entries_are_intact() {
    let dir = built().await;
    let tlog = Layout::new(dir.path()).tlog;
    let tile = tlog.join(tiles::tile_path(0, 3, None));
    let mut bytes = fs::read(&tile).unwrap();
    bytes[5 * 32] ^= 1; // leaf hash of entry 3 * 256 + 5
    fs::write(&tile, &bytes).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::TileMismatch, "{p}");
    assert_eq!(p.index, Some(3 * 256 + 5));
    assert_eq!(p.file.as_deref(), Some("audit/tlog/tile/0/003"));
    bytes[5 * 32] ^= 1;
    fs::write(&tile, &bytes).unwrap();

    // An entry bundle.
    let bundle = tlog.join(tiles::entries_path(2, None));
    let mut bytes = fs::read(&bundle).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 1;
    fs::write(&bundle, &bytes).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::TileMismatch, "{p}");
    assert_eq!(p.index, Some(3 * 256 - 1));
    assert_eq!(p.file.as_deref(), Some("audit/tlog/tile/entries/002"));
}

#[tokio::test]
async fn without_tiles_the_history_brackets_the_divergence() {
    let dir = built().await;
    fs::remove_dir_all(Layout::new(dir.path()).tlog.join("tile")).unwrap();
    let mut e = entries(dir.path());
    e[1234] = event(1234, "forged").canonical_bytes();
    rewrite_wal(dir.path(), &e);
    let all = problems(verify(dir.path()));
    let p = all
        .iter()
        .find(|p| p.kind == ProblemKind::Diverged)
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!((p.index, p.count), (Some(1000), Some(500)));
    assert_eq!(p.file.as_deref(), Some(history(1500).as_str()));
}

#[tokio::test]
async fn a_history_file_deleted_under_the_latest_checkpoint_is_named() {
    let dir = built().await;
    fs::remove_file(Layout::new(dir.path()).checkpoint_path(SIZE)).unwrap();
    let p = only(verify(dir.path()));
    assert_eq!(p.kind, ProblemKind::MissingCheckpoint, "{p}");
    assert_eq!(p.file.as_deref(), Some(history(SIZE).as_str()));
}

#[tokio::test]
async fn inclusion_proof_files_from_tiles_or_entries() {
    use warden_audit::verify::proof_file::{check_inclusion_proof, make_inclusion_proof};
    let dir = built().await;
    let layout = Layout::new(dir.path());
    let verifier = keys::load_verifier(&layout.dir).unwrap();
    let file = make_inclusion_proof(dir.path(), 1234, None, None).unwrap();
    assert_eq!((file.index, file.tree_size), (1234, SIZE));
    let checked = check_inclusion_proof(&file.to_json_pretty(), &verifier).unwrap();
    assert_eq!(checked.entry, event(1234, "tool").canonical_bytes());
    // Against an earlier checkpoint of the history.
    let old = make_inclusion_proof(dir.path(), 10, Some(EVERY), None).unwrap();
    assert_eq!(old.tree_size, EVERY);
    check_inclusion_proof(&old.to_json_pretty(), &verifier).unwrap();
    assert!(make_inclusion_proof(dir.path(), EVERY, Some(EVERY), None).is_err());
    assert!(make_inclusion_proof(dir.path(), 0, Some(EVERY + 1), None).is_err());

    // Without tiles, the proof is built from the entries, and is the same.
    fs::remove_dir_all(layout.tlog.join("tile")).unwrap();
    assert_eq!(
        make_inclusion_proof(dir.path(), 1234, None, None).unwrap(),
        file
    );
    // Entries that no longer match the signed checkpoint give no proof.
    let mut e = entries(dir.path());
    e.swap(3, 4);
    rewrite_wal(dir.path(), &e);
    let err = make_inclusion_proof(dir.path(), 1234, None, None).unwrap_err();
    assert!(err.is_invalid(), "{err}");

    // Any change to the file fails the check.
    let mut bad = file.clone();
    bad.index = 1235;
    let err = check_inclusion_proof(&bad.to_json_pretty(), &verifier).unwrap_err();
    assert!(err.is_invalid(), "{err}");
    let err = check_inclusion_proof("{}", &verifier).unwrap_err();
    assert!(!err.is_invalid(), "{err}");
}

/// Random damage anywhere never panics and never verifies.
#[tokio::test]
async fn random_damage_never_panics() {
    let dir = built().await;
    let layout = Layout::new(dir.path());
    let mut files = Vec::new();
    let mut stack = vec![layout.dir.clone()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with(keys::KEY_FILE) {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..24 {
        let file = &files[(next() % files.len() as u64) as usize];
        let original = fs::read(file).unwrap();
        if original.is_empty() {
            continue;
        }
        let mut bytes = original.clone();
        let at = (next() % bytes.len() as u64) as usize;
        bytes[at] ^= 1 << (next() % 8);
        fs::write(file, &bytes).unwrap();
        let v = verify(dir.path());
        assert!(
            !v.is_verified(),
            "{} byte {at} flipped: {v:?}",
            file.display()
        );
        fs::write(file, &original).unwrap();
    }
    assert!(verify(dir.path()).is_verified());
}

/// Full verification of a 1,000,000-entry log. A measurement, not a check of its speed:
/// `cargo test --release -p warden-audit --test tamper -- --ignored --nocapture million`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn million_entry_log_verification_time() {
    const N: u64 = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    // A checkpoint (and its partial tiles) every 4096 entries, the default interval, exactly.
    let log = AuditLog::open(dir.path(), config()).unwrap();
    let start = std::time::Instant::now();
    let mut bytes = 0usize;
    for first in (0..N).step_by(4096) {
        let batch: Vec<Vec<u8>> = (first..(first + 4096).min(N))
            .map(|i| event(i, "tool").canonical_bytes())
            .collect();
        bytes += batch.iter().map(Vec::len).sum::<usize>();
        log.append_many(batch).await.unwrap();
        log.publish_now().unwrap();
    }
    log.close().await.unwrap();
    eprintln!(
        "built {N} entries ({:.0} MB of entries) in {:.1?}",
        bytes as f64 / 1e6,
        start.elapsed()
    );
    for run in 0..3 {
        let t = std::time::Instant::now();
        let v = verify(dir.path());
        let took = t.elapsed();
        let Verdict::Verified(s) = v else {
            panic!("{v:?}");
        };
        assert_eq!(s.size, N);
        eprintln!(
            "run {run}: verified {N} entries, {} checkpoints, in {took:.2?}",
            s.checkpoints
        );
    }
}
