//! The `warden` binary end to end: exit codes, formats, baselines, diagnostics, and the
//! committed example reports (regenerate with `UPDATE_EXAMPLES=1 cargo test -p warden-cli`).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

fn warden() -> Command {
    let mut c = Command::cargo_bin("warden").expect("binary built");
    c.current_dir(root());
    c
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn there_are_at_least_four_examples() {
    assert!(examples().len() >= 4, "{:?}", examples());
}

/// The reports committed under examples/reports/ are exactly what Warden produces today.
#[test]
fn example_reports_are_current() {
    let update = std::env::var_os("UPDATE_EXAMPLES").is_some();
    let dir = root().join("examples/reports");
    let mut stale = Vec::new();
    for name in examples() {
        for (format, ext) in [
            ("md", "md"),
            ("json", "json"),
            ("html", "html"),
            ("sarif", "sarif"),
        ] {
            let out = warden()
                .args(["threats", &format!("examples/{name}.yaml"), "-f", format])
                .output()
                .expect("runs");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name} {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let path = dir.join(format!("{name}.{ext}"));
            if update {
                std::fs::create_dir_all(&dir).expect("mkdir");
                std::fs::write(&path, &out.stdout).expect("write");
            } else if std::fs::read(&path).ok().as_deref() != Some(&out.stdout[..]) {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale example reports (run UPDATE_EXAMPLES=1 cargo test -p warden-cli): {stale:?}"
    );
}

#[test]
fn summary_table_is_the_default() {
    let out = warden()
        .args(["threats", "examples/customer-support.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("critical") && text.contains("L3"), "{text}");
}

#[test]
fn fail_on_sets_the_exit_code_from_open_findings() {
    for name in examples() {
        let out = warden()
            .args(["threats", &format!("examples/{name}.yaml"), "-f", "json"])
            .output()
            .expect("runs");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
        let open = report["summary"]["open"]
            .as_array()
            .expect("open counts")
            .clone();
        for (i, sev) in ["low", "medium", "high", "critical"].iter().enumerate() {
            let at_or_above: u64 = open[i..].iter().filter_map(|v| v.as_u64()).sum();
            let code = warden()
                .args([
                    "threats",
                    &format!("examples/{name}.yaml"),
                    "--fail-on",
                    sev,
                ])
                .output()
                .expect("runs")
                .status
                .code();
            assert_eq!(
                code,
                Some(if at_or_above > 0 { 1 } else { 0 }),
                "{name} --fail-on {sev}"
            );
        }
    }
}

#[test]
fn bad_arguments_exit_2_with_a_reason() {
    let out = warden()
        .args(["threats", "examples/customer-support.yaml", "-f", "pdf"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pdf"));
    let out = warden()
        .args([
            "threats",
            "examples/customer-support.yaml",
            "--fail-on",
            "severe",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = warden()
        .args(["threats", "does/not/exist.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn invalid_model_reports_every_error_with_positions() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("bad.yaml");
    std::fs::write(
        &p,
        "warden: 1\nsystem: {name: x}\nagents:\n  - id: a\n    ownr: me\n    autonomy: fully\n  - id: a\n",
    )
    .expect("write");
    for args in [vec!["model", "validate"], vec!["threats"]] {
        let out = Command::cargo_bin("warden")
            .expect("bin")
            .args(&args)
            .arg(&p)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("bad.yaml:5:5"), "{err}");
        assert!(err.contains("owner"), "{err}");
        assert!(err.contains("bad.yaml:6:"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = Command::cargo_bin("warden")
        .expect("bin")
        .args(["model", "validate", "--json"])
        .arg(&p)
        .output()
        .expect("runs");
    let diags: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json diagnostics");
    assert!(diags.as_array().is_some_and(|d| d.len() >= 2), "{diags}");
}

#[test]
fn unknown_control_id_is_a_diagnostic() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("m.yaml");
    std::fs::write(
        &p,
        "warden: 1\nsystem: {name: x}\ncontrols:\n  - id: WC-HITL-APROVAL\n",
    )
    .expect("write");
    let out = Command::cargo_bin("warden")
        .expect("bin")
        .args(["model", "validate"])
        .arg(&p)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WC-HITL-APPROVAL"), "{err}");
}

#[test]
fn baseline_shows_new_and_resolved_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let base = dir.path().join("base.json");
    let out = warden()
        .args(["threats", "examples/finance-ops.yaml", "-f", "json", "-o"])
        .arg(&base)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));

    // Same model against its own baseline: nothing new, nothing resolved.
    let out = warden()
        .args([
            "threats",
            "examples/finance-ops.yaml",
            "-f",
            "json",
            "--baseline",
        ])
        .arg(&base)
        .output()
        .expect("runs");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        r["diff"]["new"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r["diff"]
    );
    assert_eq!(r["diff"]["resolved"].as_array().map(Vec::len), Some(0));

    // Weaken the model: the new finding shows up as new.
    let text = std::fs::read_to_string(root().join("examples/finance-ops.yaml")).expect("read");
    let weakened = text.replacen("audit: tamper-evident", "audit: plain", 1);
    assert_ne!(
        text, weakened,
        "finance-ops example should declare a tamper-evident audit"
    );
    let m = dir.path().join("finance-ops.yaml");
    std::fs::write(&m, weakened).expect("write");
    let out = Command::cargo_bin("warden")
        .expect("bin")
        .args(["threats", "-f", "json", "--baseline"])
        .arg(&base)
        .arg(&m)
        .output()
        .expect("runs");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let new: Vec<String> = r["diff"]["new"]
        .as_array()
        .expect("new")
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert!(
        new.iter().any(|n| n.contains("no-tamper-evident-audit")),
        "{new:?}"
    );

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"schema\": \"something-else\"}").expect("write");
    let out = warden()
        .args(["threats", "examples/finance-ops.yaml", "--baseline"])
        .arg(&garbage)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schema_and_catalog_and_help() {
    let out = warden().args(["model", "schema"]).output().expect("runs");
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema json");
    assert!(schema["$id"].is_string());
    for section in [
        "layers", "threats", "asi", "atlas", "factors", "traits", "controls", "rules",
    ] {
        let out = warden().args(["catalog", section]).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "catalog {section}");
        assert!(!out.stdout.is_empty());
        let out = warden()
            .args(["catalog", section, "--json"])
            .output()
            .expect("runs");
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("catalog {section} --json: {e}"));
    }
    assert_eq!(
        warden()
            .args(["catalog", "nonsense"])
            .output()
            .expect("runs")
            .status
            .code(),
        Some(2)
    );
    for args in [
        vec!["--help"],
        vec!["threats", "--help"],
        vec!["model", "--help"],
        vec!["model", "validate", "--help"],
        vec!["catalog", "--help"],
    ] {
        let out = warden().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn output_is_deterministic_across_runs() {
    for format in ["table", "md", "html", "json", "sarif", "mermaid", "dot"] {
        let a = warden()
            .args(["threats", "examples/research-assistant.yaml", "-f", format])
            .output()
            .expect("runs");
        let b = warden()
            .args(["threats", "examples/research-assistant.yaml", "-f", format])
            .output()
            .expect("runs");
        assert_eq!(a.stdout, b.stdout, "{format}");
        assert!(!a.stdout.is_empty(), "{format}");
    }
}

#[test]
fn model_size_and_depth_limits_are_configurable() {
    let out = warden()
        .args([
            "model",
            "validate",
            "examples/finance-ops.yaml",
            "--max-model-bytes",
            "100",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("100"), "{err}");
    let out = warden()
        .args([
            "threats",
            "examples/finance-ops.yaml",
            "--max-model-depth",
            "3",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = warden()
        .args(["model", "validate", "examples/finance-ops.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn team_rules_add_findings_and_bad_rules_are_located() {
    let dir = tempfile::tempdir().expect("tmp");
    let rules = dir.path().join("team.yaml");
    std::fs::write(
        &rules,
        r#"controls:
  - id: ACME-MODEL-REVIEW
    name: Model change review board
    kind: preventive
    description: Every model upgrade is reviewed before rollout.
    mitigates: [T7]
rules:
  - id: acme-autonomous-agents
    title: "Agent `{id}` is autonomous"
    description: "ACME policy: `{id}` runs with {autonomy} autonomy."
    applies_to: agent
    when: {field: autonomy, equals: autonomous}
    threats: [T7]
    layers: [L6]
    likelihood: 2
    impact: 2
    controls: [ACME-MODEL-REVIEW]
"#,
    )
    .expect("write");
    let out = warden()
        .args([
            "threats",
            "examples/research-assistant.yaml",
            "-f",
            "json",
            "--rules",
        ])
        .arg(&rules)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(
        ids.iter().any(|i| i.starts_with("acme-autonomous-agents/")),
        "{ids:?}"
    );
    let out = warden()
        .args(["catalog", "rules", "--rules"])
        .arg(&rules)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme-autonomous-agents"));

    // A typo in an operator is reported at its line and column, and nothing runs.
    let text = std::fs::read_to_string(&rules)
        .expect("read")
        .replace("equals: autonomous", "equal: autonomous");
    std::fs::write(&rules, text).expect("write");
    let out = warden()
        .args(["threats", "examples/research-assistant.yaml", "--rules"])
        .arg(&rules)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("team.yaml:12:29"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn stale_and_expired_acceptances_are_warned_about() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("m.yaml");
    std::fs::write(
        &p,
        "warden: 1\nsystem: {name: x}\nagents:\n  - {id: a, identity: shared-service-account}\naccepted_risks:\n  - {finding: shared-service-account/a, justification: legacy, owner: ciso, expires: 2026-06-30}\n  - {finding: no-such-rule/a, justification: typo, owner: ciso}\n",
    )
    .expect("write");
    let out = Command::cargo_bin("warden")
        .expect("bin")
        .args(["threats", "--as-of", "2026-11-21"])
        .arg(&p)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("m.yaml:6:") && err.contains("expired on 2026-06-30"),
        "{err}"
    );
    assert!(
        err.contains("m.yaml:7:") && err.contains("`no-such-rule/a` matches no finding"),
        "{err}"
    );
    let out = Command::cargo_bin("warden")
        .expect("bin")
        .args(["threats"])
        .arg(&p)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("expired"), "{err}");
}
