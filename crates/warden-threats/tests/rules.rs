//! Every built-in per-element rule: silent on a well-secured model, and fired by the one
//! change that introduces its weakness. A new rule without a case here fails the suite.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use warden_catalog::Catalog;
use warden_threats::engine::{self, Options};
use warden_threats::{Report, Status};

const SECURE: &str = r#"
warden: 1
system: {name: secure, owner: security}
zones:
  - {id: corp, trust: internal}
  - {id: internet, trust: untrusted}
agents:
  - id: assistant
    owner: team-a
    model: {provider: p, name: m, version: "2026-01-01"}
    autonomy: supervised
    identity: own-credential
    memory: {kind: session}
    limits: {max_steps: 10, calls_per_minute: 10, budget_usd_per_day: 5, max_spawns: 2, max_recursion: 2}
    tools:
      - {tool: crm.lookup}
      - {tool: crm.refund, approval: true}
    delegates_to: [helper]
    zone: corp
    oversight:
      - {action: payment, approvers: [leads], quorum: 2}
  - id: helper
    owner: team-a
    model: {provider: p, name: m, version: "2026-01-01"}
    identity: own-credential
    limits: {max_steps: 10, calls_per_minute: 10, budget_usd_per_day: 5}
    zone: corp
servers:
  - id: crm
    owner: team-a
    transport: streamable-http
    trust: internal
    provenance: {publisher: internal, version: "1.0", hash: "sha256:ab", signature: verified}
    zone: corp
    tools:
      - {id: lookup, capabilities: [read], side_effects: none, reads: [db]}
      - {id: refund, capabilities: [payment], side_effects: irreversible}
data_stores:
  - {id: db, kind: database, sensitivity: confidential, encrypted_at_rest: true, zone: corp}
humans:
  - {id: user, role: user}
  - {id: leads, role: approver, count: 5, approvals_per_day: 50}
links:
  - {from: user, to: assistant, protocol: ui, authentication: oauth, encryption: tls}
  - {from: assistant, to: crm, protocol: mcp, authentication: workload-identity, encryption: tls}
  - {from: assistant, to: helper, protocol: a2a, authentication: mtls, encryption: mtls, signed: true, schema_validated: true}
deployment: {sandbox: strong, egress: allow-list}
observability: {logging: true, audit: tamper-evident, redaction: true, monitoring: true, alerting: true, anomaly_detection: true}
"#;

fn base() -> Value {
    warden_model::source::to_json("secure.yaml", SECURE)
        .expect("base model parses")
        .0
}

fn analyze(v: &Value) -> Report {
    let text = serde_json::to_string_pretty(v).expect("serialises");
    let loaded = match warden_model::parse_str("m.json", &text) {
        Ok(l) => l,
        Err(d) => panic!("mutated model is invalid: {d:#?}"),
    };
    engine::analyze(
        &loaded,
        text.as_bytes(),
        Catalog::builtin(),
        &Options::default(),
    )
}

fn rule_ids() -> BTreeSet<String> {
    Catalog::builtin()
        .rules
        .iter()
        .map(|r| r.id.clone())
        .collect()
}

fn set(v: &mut Value, pointer: &str, value: Value) {
    match v.pointer_mut(pointer) {
        Some(slot) => *slot = value,
        None => {
            let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
            let obj = v
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .expect("parent is an object");
            obj.insert(key.to_string(), value);
        }
    }
}

fn push(v: &mut Value, pointer: &str, value: Value) {
    if v.pointer(pointer).is_none() {
        set(v, pointer, json!([]));
    }
    v.pointer_mut(pointer)
        .and_then(Value::as_array_mut)
        .expect("array")
        .push(value);
}

fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    v.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("object")
        .remove(key);
}

fn add_web(v: &mut Value, to: &str) {
    push(v, "/external_sources", json!({"id": "web", "kind": "web"}));
    push(
        v,
        "/links",
        json!({"from": "web", "to": to, "protocol": "http", "authentication": "none", "encryption": "tls"}),
    );
}

fn no_approval(v: &mut Value) {
    set(v, "/agents/0/tools/1/approval", json!(false));
    set(v, "/agents/0/oversight", json!([]));
}

type Mutation = fn(&mut Value);

/// (rule id, expected finding id, the change that introduces the weakness)
fn cases() -> Vec<(&'static str, &'static str, Mutation)> {
    vec![
        (
            "memory-untrusted-write",
            "memory-untrusted-write/mem",
            |v| {
                push(v, "/external_sources", json!({"id": "web", "kind": "web"}));
                push(
                    v,
                    "/data_stores",
                    json!({"id": "mem", "kind": "memory", "writers": ["web"], "encrypted_at_rest": true}),
                );
            },
        ),
        (
            "long-term-memory-untrusted-input",
            "long-term-memory-untrusted-input/assistant",
            |v| {
                set(v, "/agents/0/memory", json!({"kind": "long-term"}));
                add_web(v, "assistant");
            },
        ),
        (
            "irreversible-tool-no-approval",
            "irreversible-tool-no-approval/crm.refund",
            no_approval,
        ),
        (
            "payment-tool-no-approval",
            "payment-tool-no-approval/crm.refund",
            no_approval,
        ),
        (
            "untrusted-input-high-impact-tools",
            "untrusted-input-high-impact-tools/assistant",
            |v| {
                no_approval(v);
                add_web(v, "assistant");
            },
        ),
        ("untrusted-tool-server", "untrusted-tool-server/crm", |v| {
            set(v, "/servers/0/trust", json!("untrusted"))
        }),
        ("unpinned-tool-server", "unpinned-tool-server/crm", |v| {
            set(
                v,
                "/servers/0/provenance",
                json!({"publisher": "acme", "version": "1.0"}),
            );
        }),
        (
            "shared-service-account",
            "shared-service-account/assistant",
            |v| {
                set(v, "/agents/0/identity", json!("shared-service-account"));
            },
        ),
        (
            "user-token-passthrough",
            "user-token-passthrough/assistant",
            |v| {
                set(v, "/agents/0/identity", json!("user-passthrough"));
            },
        ),
        (
            "unscoped-delegation",
            "unscoped-delegation/assistant+helper",
            |v| {
                set(v, "/links/2/on_behalf_of", json!("user"));
            },
        ),
        (
            "missing-execution-limits",
            "missing-execution-limits/assistant",
            |v| {
                remove(v, "/agents/0/limits/budget_usd_per_day");
            },
        ),
        ("unbounded-spawning", "unbounded-spawning/assistant", |v| {
            remove(v, "/agents/0/limits/max_spawns")
        }),
        (
            "unvalidated-agent-messages",
            "unvalidated-agent-messages/assistant+helper",
            |v| {
                set(v, "/links/2/schema_validated", json!(false));
            },
        ),
        (
            "shared-store-unvalidated",
            "shared-store-unvalidated/notes",
            |v| {
                push(
                    v,
                    "/data_stores",
                    json!({"id": "notes", "kind": "database", "writers": ["assistant"]}),
                );
                push(v, "/agents/0/reads", json!("notes"));
                push(v, "/agents/1/reads", json!("notes"));
            },
        ),
        (
            "autonomous-agent-untrusted-input",
            "autonomous-agent-untrusted-input/helper",
            |v| {
                set(v, "/agents/1/autonomy", json!("autonomous"));
                add_web(v, "helper");
            },
        ),
        (
            "autonomous-high-stakes",
            "autonomous-high-stakes/assistant",
            |v| {
                set(v, "/agents/0/autonomy", json!("autonomous"));
                set(v, "/agents/0/oversight", json!([]));
            },
        ),
        ("unpinned-model", "unpinned-model/assistant", |v| {
            remove(v, "/agents/0/model/version")
        }),
        (
            "no-tamper-evident-audit",
            "no-tamper-evident-audit/system",
            |v| {
                set(v, "/observability/audit", json!("plain"));
            },
        ),
        ("unredacted-logs", "unredacted-logs/system", |v| {
            set(v, "/observability/redaction", json!(false))
        }),
        (
            "unauthenticated-agent-link",
            "unauthenticated-agent-link/assistant+helper",
            |v| {
                set(v, "/links/2/authentication", json!("none"));
            },
        ),
        (
            "unauthenticated-tool-link",
            "unauthenticated-tool-link/assistant+crm",
            |v| {
                set(v, "/links/1/authentication", json!("unknown"));
            },
        ),
        (
            "undeclared-identity",
            "undeclared-identity/assistant",
            |v| remove(v, "/agents/0/identity"),
        ),
        ("approver-overload", "approver-overload/leads", |v| {
            set(v, "/humans/1/approvals_per_day", json!(500))
        }),
        (
            "code-execution-unsandboxed",
            "code-execution-unsandboxed/crm.exec",
            |v| {
                push(
                    v,
                    "/servers/0/tools",
                    json!({"id": "exec", "capabilities": ["execute-code"]}),
                );
                set(v, "/deployment/sandbox", json!("none"));
            },
        ),
        (
            "code-execution-container-only",
            "code-execution-container-only/crm.exec",
            |v| {
                push(
                    v,
                    "/servers/0/tools",
                    json!({"id": "exec", "capabilities": ["execute-code"]}),
                );
                push(
                    v,
                    "/agents/0/tools",
                    json!({"tool": "crm.exec", "approval": true}),
                );
                set(v, "/deployment/sandbox", json!("container"));
                add_web(v, "assistant");
            },
        ),
        (
            "unsigned-agent-messages",
            "unsigned-agent-messages/assistant+helper",
            |v| {
                set(v, "/links/2/signed", json!(false));
            },
        ),
        ("cleartext-link", "cleartext-link/assistant+crm", |v| {
            set(v, "/links/1/encryption", json!("none"))
        }),
        ("no-anomaly-detection", "no-anomaly-detection/system", |v| {
            set(v, "/observability/anomaly_detection", json!(false));
        }),
        ("no-alerting", "no-alerting/system", |v| {
            set(v, "/observability/alerting", json!(false))
        }),
        ("agent-without-owner", "agent-without-owner/helper", |v| {
            remove(v, "/agents/1/owner")
        }),
        (
            "external-agent-unverified",
            "external-agent-unverified/partner",
            |v| {
                push(
                    v,
                    "/external_sources",
                    json!({"id": "partner", "kind": "agent"}),
                );
                push(
                    v,
                    "/links",
                    json!({"from": "partner", "to": "helper", "protocol": "a2a", "authentication": "oauth", "encryption": "tls", "signed": true, "schema_validated": true}),
                );
            },
        ),
        (
            "single-approver-high-impact",
            "single-approver-high-impact/assistant",
            |v| {
                set(v, "/agents/0/oversight/0/quorum", json!(1));
            },
        ),
        (
            "untrusted-content-to-people",
            "untrusted-content-to-people/assistant",
            |v| add_web(v, "assistant"),
        ),
        (
            "sensitive-store-unencrypted",
            "sensitive-store-unencrypted/db",
            |v| {
                set(v, "/data_stores/0/encrypted_at_rest", json!(false));
            },
        ),
        (
            "open-egress-untrusted-agents",
            "open-egress-untrusted-agents/system",
            |v| {
                set(v, "/deployment/egress", json!("open"));
                add_web(v, "assistant");
            },
        ),
    ]
}

fn rule_findings(r: &Report) -> BTreeSet<String> {
    let rules = rule_ids();
    r.findings
        .iter()
        .filter(|f| rules.contains(&f.rule))
        .map(|f| f.id.clone())
        .collect()
}

#[test]
fn secure_model_triggers_no_per_element_rule() {
    let found = rule_findings(&analyze(&base()));
    assert!(
        found.is_empty(),
        "unexpected findings on the secure model: {found:?}"
    );
}

#[test]
fn every_rule_fires_on_its_weakness() {
    for (rule, id, mutate) in cases() {
        let mut v = base();
        mutate(&mut v);
        let report = analyze(&v);
        let found = rule_findings(&report);
        assert!(
            found.contains(id),
            "rule {rule}: expected finding {id}, got {found:?}"
        );
        let f = report
            .findings
            .iter()
            .find(|f| f.id == id)
            .expect("present");
        assert_eq!(f.rule, rule);
        assert!(f.location.is_some(), "{id} has no location");
        assert!(
            !f.title.contains('{'),
            "{id}: unrendered title `{}`",
            f.title
        );
        assert!(
            !f.description.contains("{derived"),
            "{id}: unrendered description"
        );
        assert!(!f.controls.is_empty(), "{id} recommends no control");
    }
}

#[test]
fn every_builtin_rule_has_a_case() {
    let covered: BTreeSet<String> = cases().iter().map(|(r, _, _)| r.to_string()).collect();
    let missing: Vec<_> = rule_ids().difference(&covered).cloned().collect();
    assert!(missing.is_empty(), "rules without a test case: {missing:?}");
}

#[test]
fn every_owasp_threat_has_a_rule() {
    let mut seen = BTreeSet::new();
    for r in &Catalog::builtin().rules {
        seen.extend(r.threats.iter().cloned());
    }
    for t in 1..=15 {
        assert!(seen.contains(&format!("T{t}")), "no rule for T{t}");
    }
}

#[test]
fn declared_control_mitigates_and_acceptance_wins() {
    let mut v = base();
    set(
        &mut v,
        "/agents/0/identity",
        json!("shared-service-account"),
    );
    push(
        &mut v,
        "/controls",
        json!({"id": "WC-AGENT-IDENTITY", "scope": ["assistant"]}),
    );
    let r = analyze(&v);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "shared-service-account/assistant")
        .expect("finding");
    assert_eq!(
        f.status,
        Status::Mitigated {
            controls: vec!["WC-AGENT-IDENTITY".into()]
        }
    );

    // A control scoped elsewhere does not count; a planned one neither.
    let mut v = base();
    set(
        &mut v,
        "/agents/0/identity",
        json!("shared-service-account"),
    );
    push(
        &mut v,
        "/controls",
        json!({"id": "WC-AGENT-IDENTITY", "scope": ["helper"]}),
    );
    push(
        &mut v,
        "/controls",
        json!({"id": "WC-LEAST-PRIVILEGE", "status": "planned"}),
    );
    let r = analyze(&v);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "shared-service-account/assistant")
        .expect("finding");
    assert_eq!(f.status, Status::Open);

    push(
        &mut v,
        "/accepted_risks",
        json!({"finding": "shared-service-account/assistant", "justification": "legacy", "owner": "ciso", "expires": "2030-01-01"}),
    );
    let r = analyze(&v);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "shared-service-account/assistant")
        .expect("finding");
    assert!(matches!(&f.status, Status::Accepted { owner, .. } if owner == "ciso"));

    // An expired acceptance no longer holds when judged as of a later date.
    let text = serde_json::to_string(&v).expect("json");
    let loaded = warden_model::parse_str("m.json", &text).expect("valid");
    let later = Options {
        as_of: Some("2031-01-01".into()),
        ..Options::default()
    };
    let r = engine::analyze(&loaded, text.as_bytes(), Catalog::builtin(), &later);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "shared-service-account/assistant")
        .expect("finding");
    assert_eq!(f.status, Status::Open);
}

#[test]
fn partial_control_lowers_likelihood_only() {
    let mut v = base();
    set(
        &mut v,
        "/agents/0/identity",
        json!("shared-service-account"),
    );
    let open = analyze(&v);
    push(
        &mut v,
        "/controls",
        json!({"id": "WC-AGENT-IDENTITY", "status": "partial"}),
    );
    let partial = analyze(&v);
    let a = open
        .findings
        .iter()
        .find(|f| f.id == "shared-service-account/assistant")
        .expect("finding");
    let b = partial
        .findings
        .iter()
        .find(|f| f.id == "shared-service-account/assistant")
        .expect("finding");
    assert_eq!(b.status, Status::Open);
    assert_eq!(b.likelihood + 1, a.likelihood);
}

#[test]
fn every_builtin_rule_has_a_static_name() {
    for r in &Catalog::builtin().rules {
        let name = r.name.as_deref().unwrap_or_default();
        assert!(
            !name.is_empty() && !name.contains('{'),
            "rule {} needs a static name",
            r.id
        );
    }
}
