//! `warden audit` end to end: append from stdin, verify, show, tail (and follow), export,
//! inclusion proofs checked by a third party, tampering and unreadable logs, exit codes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

fn warden(data: &Path) -> Command {
    let mut c = Command::cargo_bin("warden").expect("binary built");
    c.env("WARDEN_DATA_DIR", data);
    c
}

fn event(i: u64) -> Value {
    json!({
        "v": 1,
        "time": format!("2026-05-04T12:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
        "who": {"agent": format!("agent:worker-{i}"), "subject": "user:alice@example.com", "chain": []},
        "what": {
            "operation": "tools/call",
            "target": format!("github/tool_{i}"),
            "arguments_sha256": "3f178b1abe3acd9f46c9f04672c2aa54f09f763d7907f20c9c81ca0c71419d26",
        },
        "decision": {"outcome": "allow", "policies": ["policy:p"], "reason": format!("because {i}")},
        "outcome": {"status": "ok"},
        "correlation": {"request_id": i.to_string(), "session_id": "s1"},
        "refs": [],
    })
}

fn lines(range: std::ops::Range<u64>) -> String {
    range.map(|i| format!("{}\n", event(i))).collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("runs");
    (status.code().unwrap_or(-1), text(&stdout), text(&stderr))
}

/// A data directory with `n` events appended through the CLI.
fn log_with(n: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(warden(dir.path())
        .args(["audit", "append"])
        .write_stdin(lines(0..n)));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count() as u64, n, "{out}");
    dir
}

#[test]
fn append_then_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(warden(dir.path())
        .args(["audit", "append"])
        .write_stdin(lines(0..50)));
    assert_eq!(code, 0, "{err}");
    let first: Vec<&str> = out.lines().next().unwrap().split(' ').collect();
    assert_eq!(first[0], "0");
    assert_eq!(first[1].len(), 64);
    assert_eq!(out.lines().last().unwrap().split(' ').next(), Some("49"));
    assert!(err.contains("appended 50 events"), "{err}");

    // Appending again continues the log; --data-dir works as well as the environment.
    let (code, out, _) = run(Command::cargo_bin("warden")
        .unwrap()
        .args(["audit", "append", "--json", "--data-dir"])
        .arg(dir.path())
        .write_stdin(lines(50..52)));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        (v["line"].as_u64(), v["index"].as_u64()),
        (Some(1), Some(50))
    );

    let (code, out, err) = run(warden(dir.path()).args(["audit", "verify"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("verified: 52 entries"), "{out}");

    let (code, out, _) = run(warden(dir.path()).args(["audit", "verify", "--json"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["size"], 52);
    assert_eq!(v["latest_checkpoint"], 52);
}

#[test]
fn a_bad_line_is_reported_and_nothing_after_it_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = lines(0..2);
    input.push_str("this is not json\n\n");
    input.push_str(&format!("{}\n", json!({"v": 1, "who": {}})));
    input.push_str(&lines(2..4));
    let (code, out, err) = run(warden(dir.path())
        .args(["audit", "append"])
        .write_stdin(input));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("line 3: not JSON"), "{err}");
    assert!(err.contains("line 5: "), "{err}");
    let indices: Vec<&str> = out.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(indices, ["0", "1", "2", "3"]);
    // A missing time is filled in; the events after the bad lines are in the log.
    let (code, out, _) = run(warden(dir.path()).args(["audit", "show", "3", "--json"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["event"]["who"]["agent"], "agent:worker-3");
    let (code, _, _) = run(warden(dir.path()).args(["audit", "verify"]));
    assert_eq!(code, 0);
}

#[test]
fn show_export_and_tail() {
    let dir = log_with(30);
    let (code, out, _) = run(warden(dir.path()).args(["audit", "show", "7"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("entry       7\nleaf hash   "), "{out}");
    assert!(out.contains("agent       agent:worker-7\n"), "{out}");
    assert!(out.contains("decision    allow by policy:p\n"), "{out}");
    assert!(out.contains("reason      because 7\n"), "{out}");

    let (code, out, _) = run(warden(dir.path()).args(["audit", "show", "7", "--json"]));
    assert_eq!(code, 0);
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["index"], 7);
    assert_eq!(shown["event"], event(7));

    let (code, _, err) = run(warden(dir.path()).args(["audit", "show", "30"]));
    assert_eq!(code, 2);
    assert!(err.contains("holds 30 entries"), "{err}");

    let (code, out, _) = run(warden(dir.path()).args(["audit", "export"]));
    assert_eq!(code, 0);
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 30);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["index"], i as u64);
        assert_eq!(row["event"], event(i as u64));
    }
    assert_eq!(rows[7], shown);

    let (code, out, _) = run(warden(dir.path()).args(["audit", "tail", "-n", "3"]));
    assert_eq!(code, 0);
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got.len(), 3, "{out}");
    assert!(
        got[0].starts_with(
            "27  2026-05-04T12:00:27.000Z  agent:worker-27  tools/call github/tool_27  allow ok"
        ),
        "{out}"
    );
    assert!(got[2].starts_with("29  "), "{out}");

    let (code, out, _) = run(warden(dir.path()).args(["audit", "tail", "-n", "2", "--json"]));
    assert_eq!(code, 0);
    let tail: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(tail, rows[28..]);

    // More lines than entries: all of them.
    let (_, out, _) = run(warden(dir.path()).args(["audit", "tail", "-n", "100"]));
    assert_eq!(out.lines().count(), 30);
}

#[test]
fn tail_follow_prints_new_entries() {
    let dir = log_with(5);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("warden"))
        .env("WARDEN_DATA_DIR", dir.path())
        .args(["audit", "tail", "-n", "1", "-f", "--interval", "50"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let next = || rx.recv_timeout(Duration::from_secs(20)).expect("a line");
    assert!(next().starts_with("4  "));
    let (code, _, err) = run(warden(dir.path())
        .args(["audit", "append"])
        .write_stdin(lines(5..8)));
    assert_eq!(code, 0, "{err}");
    for i in 5..8 {
        let line = next();
        assert!(line.starts_with(&format!("{i}  ")), "{line}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_third_party_checks_a_proof_with_only_the_proof_and_the_vkey() {
    let dir = log_with(40);
    let third = tempfile::tempdir().unwrap();
    let proof = third.path().join("proof.json");
    let (code, _, err) = run(warden(dir.path())
        .args(["audit", "proof", "17", "-o"])
        .arg(&proof));
    assert_eq!(code, 0, "{err}");
    let vkey = third.path().join("log.vkey");
    std::fs::copy(dir.path().join("audit/log.vkey"), &vkey).unwrap();

    // The file is self-contained.
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    assert_eq!(file["format"], "warden-audit-inclusion-proof/v1");
    assert_eq!(file["index"], 17);
    assert_eq!(file["tree_size"], 40);
    assert!(
        file["checkpoint"]
            .as_str()
            .unwrap()
            .starts_with("warden/audit\n40\n")
    );

    // The third party: another directory, no data directory, the key as a file or a string.
    let check = |proof: &Path, key: &str| {
        let mut c = Command::cargo_bin("warden").unwrap();
        c.current_dir(third.path())
            .env("WARDEN_DATA_DIR", third.path().join("none"))
            .args(["audit", "check-proof"])
            .arg(proof)
            .args(["--key", key]);
        run(&mut c)
    };
    let (code, out, err) = check(&proof, "log.vkey");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("verified: entry 17 is in log warden/audit (checkpoint of size 40"),
        "{out}"
    );
    assert!(out.contains("agent:worker-17"), "{out}");
    let key_string = std::fs::read_to_string(&vkey).unwrap();
    assert_eq!(check(&proof, key_string.trim()).0, 0);

    // Against an older checkpoint from the history.
    let (code, out, _) = run(warden(dir.path()).args(["audit", "proof", "3", "--size", "40"]));
    assert_eq!(code, 0);
    assert!(out.contains("\"index\": 3"));
    let (code, _, err) = run(warden(dir.path()).args(["audit", "proof", "3", "--size", "39"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(warden(dir.path()).args(["audit", "proof", "40"]));
    assert_eq!(code, 2, "{err}");

    // Tampered proof files do not verify (exit 1).
    let other = serde_json::to_string(&event(99)).unwrap();
    use base64::Engine as _;
    let other_b64 = base64::engine::general_purpose::STANDARD.encode(other);
    let tamper: Vec<(&str, Value)> = vec![
        ("index", json!(16)),
        ("entry", json!(other_b64)),
        ("leaf_hash", json!("00".repeat(32))),
        ("tree_size", json!(41)),
        (
            "checkpoint",
            json!(
                file["checkpoint"]
                    .as_str()
                    .unwrap()
                    .replacen("\n40\n", "\n41\n", 1)
            ),
        ),
    ];
    for (field, value) in tamper {
        let mut t = file.clone();
        t[field] = value;
        let path = third.path().join(format!("tampered-{field}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&t).unwrap()).unwrap();
        let (code, out, err) = check(&path, "log.vkey");
        assert_eq!(code, 1, "{field}: {out}{err}");
        assert!(out.contains("NOT VERIFIED"), "{out}");
    }
    let mut t = file.clone();
    let mut hashes = t["proof"].as_array().unwrap().clone();
    hashes[0] = json!("11".repeat(32));
    t["proof"] = json!(hashes);
    std::fs::write(&proof, t.to_string()).unwrap();
    assert_eq!(check(&proof, "log.vkey").0, 1);

    // Not a proof file at all, or no such file: could not read (exit 2).
    std::fs::write(&proof, "garbage").unwrap();
    assert_eq!(check(&proof, "log.vkey").0, 2);
    assert_eq!(check(&third.path().join("missing.json"), "log.vkey").0, 2);
    // Checked with another log's key: does not verify.
    let other_log = log_with(1);
    let (code, _, _) = run(warden(dir.path())
        .args(["audit", "proof", "17", "-o"])
        .arg(&proof));
    assert_eq!(code, 0);
    let other_key = other_log.path().join("audit/log.vkey");
    assert_eq!(check(&proof, other_key.to_str().unwrap()).0, 1);
}

#[test]
fn verify_after_tampering_exits_1_and_names_the_entry() {
    let dir = log_with(20);
    // Rewrite entry 12 with a valid record checksum, as a capable attacker would.
    let wal = dir.path().join("audit/entries.wal");
    let mut entries = Vec::new();
    warden_audit::verify::wal::read_wal(&wal, Default::default(), 65535, |r| {
        entries.push(r.entry.to_vec());
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    entries[12] = warden_audit::event::AuditEvent::from_json(&event(99))
        .unwrap()
        .canonical_bytes();
    let mut buf = Vec::new();
    for e in &entries {
        warden_audit::store::encode_record(e, &mut buf);
    }
    std::fs::write(&wal, buf).unwrap();

    let (code, out, _) = run(warden(dir.path()).args(["audit", "verify"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("TAMPERED: 1 problem"), "{out}");
    assert!(out.contains("modified-entry at entry 12"), "{out}");

    let (code, out, _) = run(warden(dir.path()).args(["audit", "verify", "--json"]));
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "tampered");
    assert_eq!(v["problems"][0]["kind"], "modified-entry");
    assert_eq!(v["problems"][0]["index"], 12);

    // Proofs are built from the published, signed tree: they still prove the entry that
    // was published, not the rewritten one.
    let (code, out, err) = run(warden(dir.path()).args(["audit", "proof", "12"]));
    assert_eq!(code, 0, "{err}");
    let file: Value = serde_json::from_str(&out).unwrap();
    use base64::Engine as _;
    let entry = base64::engine::general_purpose::STANDARD
        .decode(file["entry"].as_str().unwrap())
        .unwrap();
    let published = warden_audit::event::AuditEvent::from_canonical(&entry).unwrap();
    assert_eq!(published.to_json(), event(12));
}

#[test]
fn verify_against_a_saved_checkpoint_and_a_given_key() {
    let dir = log_with(10);
    let saved = dir.path().join("saved.txt");
    std::fs::copy(dir.path().join("audit/tlog/checkpoint"), &saved).unwrap();
    let (code, _, err) = run(warden(dir.path())
        .args(["audit", "append"])
        .write_stdin(lines(10..15)));
    assert_eq!(code, 0, "{err}");
    let vkey = dir.path().join("audit/log.vkey");
    let (code, out, err) = run(warden(dir.path())
        .args(["audit", "verify", "--checkpoint"])
        .arg(&saved)
        .arg("--key")
        .arg(&vkey));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("consistent with the saved checkpoint"),
        "{out}"
    );

    // A checkpoint from another log with the same origin: signed by another key.
    let other = log_with(10);
    let foreign = other.path().join("audit/tlog/checkpoint");
    let (code, out, _) = run(warden(dir.path())
        .args(["audit", "verify", "--checkpoint"])
        .arg(&foreign));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("wrong-key"), "{out}");
    // Verified with the other log's key: every checkpoint is signed by the wrong key.
    let (code, out, _) = run(warden(dir.path())
        .args(["audit", "verify", "--key"])
        .arg(other.path().join("audit/log.vkey")));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("wrong-key"), "{out}");
    // Garbage saved checkpoint or key: could not read.
    std::fs::write(&saved, "garbage").unwrap();
    let (code, _, err) = run(warden(dir.path())
        .args(["audit", "verify", "--checkpoint"])
        .arg(&saved));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(warden(dir.path()).args(["audit", "verify", "--key", "nonsense"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn unreadable_logs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("does-not-exist");
    for args in [
        &["audit", "verify"][..],
        &["audit", "show", "0"],
        &["audit", "tail"],
        &["audit", "export"],
        &["audit", "proof", "0"],
    ] {
        let (code, _, err) = run(warden(&missing).args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("error:"), "{args:?}: {err}");
    }
    let (code, out, _) = run(warden(&missing).args(["audit", "verify", "--json"]));
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "unreadable");

    // A garbage verifier key in the data directory.
    let log = log_with(3);
    std::fs::write(log.path().join("audit/log.vkey"), "garbage\n").unwrap();
    let (code, _, err) = run(warden(log.path()).args(["audit", "verify"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("log.vkey"), "{err}");
}

#[test]
fn every_audit_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [
        &["audit"][..],
        &["audit", "verify"],
        &["audit", "proof"],
        &["audit", "check-proof"],
        &["audit", "show"],
        &["audit", "tail"],
        &["audit", "export"],
        &["audit", "append"],
    ] {
        let (code, out, _) = run(warden(dir.path()).args(sub).arg("--help"));
        assert_eq!(code, 0, "{sub:?}");
        assert!(out.contains("Usage: warden audit"), "{sub:?}: {out}");
        assert!(out.contains("--data-dir"), "{sub:?}: {out}");
    }
}
