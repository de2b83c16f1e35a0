//! `warden agent|token|keys|registry` end to end on a temporary data directory: outputs
//! (tables and JSON), exit codes (0 done, 1 refused, 2 invalid input), who/when/why in the
//! history, token issue/verify/attenuate/inspect/revoke, key rotation, the registry round
//! trip through `warden model validate`, and the permissions of the state files.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// `warden ARGS… --data-dir DIR --actor alice`, isolated from the caller's environment.
fn warden(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("warden").expect("binary built");
    for var in [
        "WARDEN_DATA_DIR",
        "WARDEN_DATABASE_URL",
        "WARDEN_ACTOR",
        "USER",
    ] {
        c.env_remove(var);
    }
    c.args(args)
        .arg("--data-dir")
        .arg(data)
        .args(["--actor", "alice"]);
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(data: &Path, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = warden(data, args).output().expect("runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs and requires exit 0; returns stdout.
fn ok(data: &Path, args: &[&str]) -> String {
    let r = run(data, args);
    assert_eq!(
        r.code, 0,
        "warden {args:?} failed:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r.stdout
}

fn json(data: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = ok(data, &all);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

/// Register `id` with the given tools and take it to `active`.
fn active(data: &Path, id: &str, tools: &[&str]) {
    let mut args = vec!["agent", "register", id, "--owner", "team-a"];
    for t in tools {
        args.extend(["--tool", t]);
    }
    ok(data, &args);
    ok(data, &["agent", "approve", id, "--reason", "reviewed"]);
    ok(data, &["agent", "activate", id, "--reason", "go-live"]);
}

fn issue(data: &Path, args: &[&str]) -> String {
    let mut all = vec!["token", "issue"];
    all.extend(args);
    let out = ok(data, &all);
    out.trim().to_string()
}

// ------------------------------------------------------------------- the register

#[test]
fn register_list_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let table = ok(
        d,
        &[
            "agent",
            "register",
            "bot-a",
            "--owner",
            "team-a",
            "--tool",
            "crm.lookup",
            "--tool",
            "kb.search",
            "--data-class",
            "pii",
            "--risk-tier",
            "high",
            "--model",
            "anthropic/claude@2026-01",
            "--reason",
            "new support bot",
        ],
    );
    let header = table.lines().next().unwrap_or_default();
    for col in ["AGENT", "STATE", "OWNER", "RISK", "TOOLS"] {
        assert!(header.contains(col), "{table}");
    }
    let row = table
        .lines()
        .find(|l| l.contains("bot-a"))
        .unwrap_or_else(|| panic!("no row for bot-a: {table}"));
    for cell in ["proposed", "team-a", "high", "crm.lookup, kb.search"] {
        assert!(row.contains(cell), "{cell} missing from {row:?}");
    }

    let created = json(
        d,
        &[
            "agent",
            "register",
            "bot-b",
            "--owner",
            "team-b",
            "--tool",
            "crm.lookup",
        ],
    );
    let created = &created[0];
    assert_eq!(created["id"], "bot-b");
    assert_eq!(created["state"], "proposed");
    assert_eq!(created["risk_tier"], "medium", "the default tier");
    assert_eq!(created["version"], 1);
    assert_eq!(
        created["capabilities"]["servers"],
        serde_json::json!(["crm"])
    );

    // An id is registered once.
    let r = run(d, &["agent", "register", "bot-b", "--owner", "x"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);

    ok(
        d,
        &[
            "agent",
            "approve",
            "bot-a",
            "--reason",
            "reviewed in SEC-142",
        ],
    );
    let approved = json(d, &["agent", "list", "--state", "approved"]);
    let ids: Vec<&str> = approved
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["bot-a"]);
    let proposed = json(d, &["agent", "list", "--state", "proposed"]);
    assert_eq!(proposed.as_array().map(Vec::len), Some(1));
    assert_eq!(proposed[0]["id"], "bot-b");
    let all = json(d, &["agent", "list"]);
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let by_owner = json(d, &["agent", "list", "--owner", "team-b"]);
    assert_eq!(by_owner.as_array().map(Vec::len), Some(1));
    let table = ok(d, &["agent", "list", "--state", "approved"]);
    assert!(
        table.contains("bot-a") && !table.contains("bot-b"),
        "{table}"
    );

    // Who, when and why.
    let shown = ok(d, &["agent", "show", "bot-a"]);
    for text in [
        "history:",
        "— → proposed",
        "proposed → approved",
        "alice",
        "new support bot",
        "reviewed in SEC-142",
        "anthropic/claude@2026-01",
    ] {
        assert!(shown.contains(text), "{text:?} missing from:\n{shown}");
    }
    let detail = json(d, &["agent", "show", "bot-a"]);
    let history = detail["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["from"], "proposed");
    assert_eq!(history[1]["to"], "approved");
    assert_eq!(history[1]["actor"], "alice");
    assert_eq!(history[1]["reason"], "reviewed in SEC-142");
    assert!(history[1]["at_ms"].as_i64().unwrap_or(0) > 1_600_000_000_000);
    assert_eq!(detail["agent"]["model_version"], "2026-01");

    let r = run(d, &["agent", "show", "nobody"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("nobody"), "{}", r.stderr);
}

#[test]
fn lifecycle_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["agent", "register", "bot", "--owner", "team-a"]);

    let r = run(d, &["agent", "activate", "bot", "--reason", "skip review"]);
    assert_eq!(r.code, 1, "a disallowed transition is refused");
    assert!(
        r.stderr.contains("allowed: approved, retired"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    ok(d, &["agent", "approve", "bot", "--reason", "ok"]);
    ok(d, &["agent", "activate", "bot", "--reason", "go"]);
    ok(d, &["agent", "suspend", "bot", "--reason", "stop"]);
    let r = run(d, &["agent", "suspend", "bot", "--reason", "again"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("suspended"), "{}", r.stderr);
    ok(d, &["agent", "activate", "bot", "--reason", "back"]);
    ok(d, &["agent", "revoke", "bot", "--reason", "leak"]);
    ok(d, &["agent", "retire", "bot", "--reason", "replaced"]);
    let r = run(d, &["agent", "activate", "bot", "--reason", "undo"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("final"), "{}", r.stderr);
    let r = run(d, &["agent", "approve", "ghost", "--reason", "x"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("ghost"), "{}", r.stderr);

    // Missing --reason: a usage error from the argument parser.
    let r = run(d, &["agent", "approve", "bot"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--reason"), "{}", r.stderr);

    let detail = json(d, &["agent", "show", "bot"]);
    assert_eq!(detail["agent"]["state"], "retired");
    assert_eq!(detail["history"].as_array().map(Vec::len), Some(6));
}

/// `docs/registry.md`: "Exit status: 0 done, 1 refused (…), 2 invalid input".
#[test]
fn invalid_option_values_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = run(
        d,
        &[
            "agent",
            "register",
            "bot",
            "--owner",
            "team-a",
            "--risk-tier",
            "extreme",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("risk tier"), "{}", r.stderr);
    let r = run(d, &["agent", "list", "--state", "sleeping"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn invalid_option_values_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for bad in [
        &["--risk-tier", "extreme"][..],
        &["--model", "no-slash"][..],
    ] {
        let mut args = vec!["agent", "register", "bot", "--owner", "team-a"];
        args.extend(bad);
        let r = run(d, &args);
        assert_ne!(r.code, 0, "{bad:?} accepted");
        assert!(r.stderr.starts_with("error:"), "{}", r.stderr);
    }
    let r = run(
        d,
        &[
            "agent",
            "register",
            "bot",
            "--owner",
            "team-a",
            "--risk-tier",
            "extreme",
        ],
    );
    assert!(r.stderr.contains("risk tier `extreme`"), "{}", r.stderr);
    assert_eq!(json(d, &["agent", "list"]), serde_json::json!([]));
}

// ------------------------------------------------------------------------- tokens

#[test]
fn token_issue_verify_and_suspend() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "agent", "register", "a", "--owner", "team-a", "--tool", "srv.tool",
        ],
    );
    let r = run(d, &["token", "issue", "a"]);
    assert_eq!(r.code, 1, "a proposed agent gets no token");
    assert!(r.stderr.contains("proposed"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    ok(d, &["agent", "approve", "a", "--reason", "ok"]);
    ok(d, &["agent", "activate", "a", "--reason", "go"]);

    let r = run(d, &["token", "issue", "a", "--on-behalf-of", "user:bob"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Only the token on stdout, so scripts can capture it; details on stderr.
    assert_eq!(r.stdout.lines().count(), 1, "{:?}", r.stdout);
    let token = r.stdout.trim_end_matches('\n');
    assert!(token.len() > 100, "{token}");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b)),
        "not base64url: {token}"
    );
    assert!(r.stderr.contains("issued token"), "{}", r.stderr);

    let r = run(d, &["token", "verify", token]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("valid"), "{}", r.stdout);
    assert!(r.stdout.contains("user:bob"), "{}", r.stdout);
    let verified = json(d, &["token", "verify", token]);
    assert_eq!(verified["actors"], serde_json::json!(["a"]));
    assert_eq!(verified["subject"], "user:bob");

    // From stdin too.
    let out = warden(d, &["token", "verify", "-"])
        .write_stdin(format!("{token}\n"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));

    ok(
        d,
        &["agent", "suspend", "a", "--reason", "anomalous tool use"],
    );
    let r = run(d, &["token", "verify", token]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("refused"), "{}", r.stdout);
    assert!(r.stdout.contains("revoked"), "{}", r.stdout);
    let r = run(d, &["token", "issue", "a"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("suspended"), "{}", r.stderr);

    let r = run(d, &["token", "verify", "garbage"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("refused"), "{}", r.stdout);
}

#[test]
fn attenuate_and_inspect_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    active(d, "a", &["srv.tool", "srv.other"]);
    let parent = issue(d, &["a", "--max-depth", "1"]);

    let r = run(
        d,
        &[
            "token",
            "attenuate",
            &parent,
            "--delegate",
            "b",
            "--tool",
            "srv.tool",
            "--arg",
            "srv.tool:x=max:5",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "{:?}", r.stdout);
    let child = r.stdout.trim().to_string();
    assert_ne!(child, parent);

    let inspected = json(d, &["token", "inspect", &child]);
    assert_eq!(inspected["actors"], serde_json::json!(["a", "b"]));
    assert_eq!(inspected["remaining_depth"], 0);
    let scopes = inspected["scopes"].as_array().expect("scopes");
    assert_eq!(scopes.len(), 2);
    let root_tools: Vec<&String> = scopes[0]["tools"]
        .as_object()
        .expect("tools")
        .keys()
        .collect();
    assert_eq!(root_tools, ["srv.other", "srv.tool"]);
    let delegated = scopes[1]["tools"].as_object().expect("tools");
    assert_eq!(delegated.keys().collect::<Vec<_>>(), ["srv.tool"]);
    assert_eq!(
        delegated["srv.tool"]["arguments"]["x"],
        serde_json::json!({"max": 5.0})
    );
    assert_eq!(
        inspected["revocation_ids"].as_array().map(Vec::len),
        Some(2)
    );

    let text = ok(d, &["token", "inspect", &child]);
    assert!(text.contains("a → b"), "{text}");
    assert!(text.contains("x ≤ 5"), "{text}");

    // Rights only shrink: the delegate cannot get a tool the parent lacks, nor delegate
    // further (depth 0).
    let r = run(
        d,
        &[
            "token",
            "attenuate",
            &parent,
            "--delegate",
            "c",
            "--tool",
            "srv.admin",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run(d, &["token", "attenuate", &child, "--delegate", "c"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    ok(d, &["token", "verify", &child]);
}

#[test]
fn token_and_block_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    active(d, "a", &["srv.tool"]);
    let issued = json(d, &["token", "issue", "a", "--max-depth", "1"]);
    let token = issued["token"].as_str().expect("token").to_string();
    let token_id = issued["token_id"].as_str().expect("token_id").to_string();
    let other = issue(d, &["a"]);

    // Revoke one delegation block: the delegate's token dies, its parent does not.
    let child = json(d, &["token", "attenuate", &token, "--delegate", "b"]);
    let child_token = child["token"].as_str().expect("token").to_string();
    let block = child["revocation_ids"][1]
        .as_str()
        .expect("block id")
        .to_string();
    ok(d, &["token", "verify", &child_token]);
    ok(
        d,
        &[
            "token",
            "revoke",
            &block,
            "--block",
            "--reason",
            "b compromised",
        ],
    );
    assert_eq!(run(d, &["token", "verify", &child_token]).code, 1);
    ok(d, &["token", "verify", &token]);

    let r = run(d, &["token", "revoke", &token_id, "--reason", "leaked"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(&token_id), "{}", r.stderr);
    let r = run(d, &["token", "verify", &token]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains(&token_id), "{}", r.stdout);
    // Another token of the same agent is unaffected.
    ok(d, &["token", "verify", &other]);

    let r = run(d, &["token", "revoke", &token_id]);
    assert_eq!(r.code, 2, "--reason is required");
}

// --------------------------------------------------------------------------- keys

#[test]
fn keys_rotate_and_retire() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    active(d, "a", &["srv.tool"]);
    let before = issue(d, &["a"]);

    let r = run(d, &["keys", "rotate"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("key 2"), "{}", r.stderr);
    let keys = json(d, &["keys", "list"]);
    let keys = keys.as_array().expect("array");
    assert_eq!(keys.len(), 2);
    let states: Vec<&str> = keys
        .iter()
        .map(|k| k["state"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(states, ["verify_only", "active"]);
    assert_eq!(states.iter().filter(|s| **s == "active").count(), 1);
    assert_eq!(keys[1]["kid"], 2);

    ok(d, &["token", "verify", &before]);
    let after = issue(d, &["a"]);
    assert_eq!(json(d, &["token", "inspect", &after])["root_key_id"], 2);

    // The active key cannot be retired; the old one can, and its tokens stop verifying.
    assert_ne!(run(d, &["keys", "retire", "2"]).code, 0);
    ok(d, &["keys", "retire", "1"]);
    let r = run(d, &["token", "verify", &before]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("key 1"), "{}", r.stdout);
    ok(d, &["token", "verify", &after]);
}

// ----------------------------------------------------------------------- registry

#[test]
fn registry_import_export_validate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = examples().join("customer-support.yaml");
    let model = model.to_str().expect("utf-8 path");

    let r = run(d, &["registry", "import", model]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.matches("created (proposed)").count(),
        5,
        "{}",
        r.stdout
    );
    let list = json(d, &["agent", "list", "--state", "proposed"]);
    assert_eq!(list.as_array().map(Vec::len), Some(5));

    let again = json(d, &["registry", "import", model]);
    let outcomes = again["agents"].as_array().expect("agents");
    assert_eq!(outcomes.len(), 5);
    assert!(
        outcomes.iter().all(|o| o[1]["outcome"] == "unchanged"),
        "{again}"
    );

    ok(d, &["agent", "approve", "triage", "--reason", "reviewed"]);
    let yaml = d.join("exported.yaml");
    let out = ok(
        d,
        &[
            "registry",
            "export",
            "--model",
            model,
            "-o",
            yaml.to_str().unwrap(),
        ],
    );
    assert!(out.is_empty(), "-o writes to the file only: {out}");
    let text = std::fs::read_to_string(&yaml).expect("exported file");
    assert!(text.contains("lifecycle: approved"), "{text}");
    assert!(text.contains("lifecycle: proposed"), "{text}");
    let r = Command::cargo_bin("warden")
        .unwrap()
        .args(["model", "validate"])
        .arg(&yaml)
        .output()
        .expect("runs");
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );

    // Without a base model, as JSON: still a valid model.
    let minimal = d.join("minimal.json");
    ok(
        d,
        &[
            "registry",
            "export",
            "--format",
            "json",
            "-o",
            minimal.to_str().unwrap(),
        ],
    );
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(&minimal).unwrap()).expect("json");
    assert_eq!(exported["agents"].as_array().map(Vec::len), Some(5));
    let r = Command::cargo_bin("warden")
        .unwrap()
        .args(["model", "validate"])
        .arg(&minimal)
        .output()
        .expect("runs");
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );

    // The export imports back unchanged.
    let back = json(d, &["registry", "import", yaml.to_str().unwrap()]);
    assert!(
        back["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .all(|o| o[1]["outcome"] == "unchanged"),
        "{back}"
    );

    let r = run(d, &["registry", "export", "--format", "toml"]);
    assert_eq!(r.code, 2);
}

#[test]
fn registry_import_refuses_widening_an_approved_agent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = examples().join("customer-support.yaml");
    ok(d, &["registry", "import", original.to_str().unwrap()]);
    ok(
        d,
        &["agent", "approve", "qa-reviewer", "--reason", "reviewed"],
    );

    let text = std::fs::read_to_string(&original).unwrap();
    let anchor = "      - tool: crm.add-internal-note\n        arguments:\n          visibility:";
    assert_eq!(text.matches(anchor).count(), 1, "the example changed");
    let wider = text.replace(anchor, &format!("      - tool: crm.issue-refund\n{anchor}"));
    let wider_path = d.join("wider.yaml");
    std::fs::write(&wider_path, wider).unwrap();

    let r = run(d, &["registry", "import", wider_path.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("REFUSED"), "{}", r.stdout);
    assert!(r.stdout.contains("crm.issue-refund"), "{}", r.stdout);
    let r = run(
        d,
        &[
            "registry",
            "import",
            wider_path.to_str().unwrap(),
            "--accept-widening",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("widened"), "{}", r.stdout);
    let qa = json(d, &["agent", "show", "qa-reviewer"]);
    assert_eq!(qa["agent"]["state"], "approved");
    assert!(
        qa["agent"]["capabilities"]["tools"]
            .as_array()
            .expect("tools")
            .contains(&Value::from("crm.issue-refund"))
    );
}

// -------------------------------------------------------------------- permissions

#[cfg(unix)]
#[test]
fn state_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("state");
    ok(&d, &["agent", "list"]);
    ok(&d, &["keys", "rotate"]);
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    for key in ["root-1.key", "root-2.key"] {
        assert_eq!(mode(&d.join("identity").join(key)), 0o600, "{key}");
    }
    assert_eq!(mode(&d.join("warden.db")), 0o600, "warden.db");
    assert_eq!(
        mode(&d.join("identity")) & 0o077,
        0,
        "the key directory is private"
    );
}
