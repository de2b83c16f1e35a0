//! Renderer tests: snapshots of every format for a small but rich fixture, determinism,
//! escaping of hostile model text, SARIF and JSON schema validation, and the baseline diff.
//!
//! Regenerate the snapshots (and `docs/report.schema.json`) with
//! `UPDATE_SNAPSHOTS=1 cargo test -p warden-threats --test render`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use warden_model::graph::Graph;
use warden_model::{SystemModel, parse_str};
use warden_threats::baseline::{self, Diff, StatusKind};
use warden_threats::render::{Format, Names, RenderInput, ReportDocument, render, report_schema};
use warden_threats::{
    ElementCounts, Finding, Location, ModelRef, REPORT_SCHEMA, Report, Severity, Status, Stride,
    Summary,
};

const MODEL_FILE: &str = "examples/support desk.yaml";

const MODEL: &str = r#"warden: 1
system:
  name: Acme support <script>alert("system")</script>
  description: Support agents that look up orders, refund & email customers.
  owner: Support Platform
zones:
  - id: internet
    name: Public internet
    trust: untrusted
  - id: edge
    name: Vendor edge
    trust: partner
  - id: core
    name: Core <b>services</b>
    trust: internal
  - id: vault
    name: Payments vault
    trust: restricted
agents:
  - id: triage
    name: Triage agent
    zone: core
    autonomy: autonomous
    identity: shared-service-account
    memory:
      kind: long-term
      store: memory
      shared_with: [refunds]
    tools:
      - tool: crm.*
      - tool: web.fetch
    delegates_to: [refunds]
  - id: refunds
    name: 'Refund agent "R" <img src=x onerror=alert(1)>'
    zone: vault
    tools:
      - tool: payments.refund
        approval: true
      - tool: mail.send
    reads: [orders]
servers:
  - id: crm
    name: CRM MCP server
    zone: core
    transport: streamable-http
    tools:
      - id: lookup
        capabilities: [read]
      - id: update
        capabilities: [write]
      - id: notes
      - id: tags
      - id: merge
      - id: export
        capabilities: [read, network-egress]
      - id: delete
        capabilities: [delete]
  - id: web
    name: Web fetch
    zone: edge
    tools:
      - id: fetch
        capabilities: [browse]
        ingests: [web-pages]
  - id: payments
    name: Payments
    zone: vault
    tools:
      - id: refund
        capabilities: [payment]
        side_effects: irreversible
  - id: mail
    name: Mailer
    zone: core
    tools:
      - id: send
        capabilities: [messaging]
        sends_to: [customer-email]
data_stores:
  - id: memory
    name: Shared memory
    kind: memory
    zone: core
  - id: orders
    name: Orders DB
    kind: database
    sensitivity: confidential
    zone: vault
humans:
  - id: customer
    name: Customers
    internal: false
    zone: internet
  - id: lead
    name: Support lead
    role: approver
external_sources:
  - id: web-pages
    name: Web pages
    kind: web
    zone: internet
  - id: customer-email
    name: Customer email
    kind: email
    zone: internet
links:
  - from: customer
    to: triage
    protocol: ui
    authentication: oauth
    encryption: tls
  - from: triage
    to: crm
    protocol: mcp
    authentication: none
  - from: triage
    to: web
    protocol: mcp
    authentication: api-key
  - from: triage
    to: refunds
    protocol: a2a
  - from: refunds
    to: payments
    protocol: mcp
    authentication: mtls
controls:
  - id: WC-HITL
    scope: [refunds]
  - id: WC-SANDBOX
    status: planned
"#;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

struct Spec<'a> {
    id: &'a str,
    rule: &'a str,
    title: &'a str,
    layers: &'a [&'a str],
    threats: &'a [&'a str],
    asi: &'a [&'a str],
    atlas: &'a [&'a str],
    elements: &'a [&'a str],
    path: &'a [&'a str],
    li: (u8, u8),
    controls: &'a [&'a str],
    status: Status,
}

fn finding(s: Spec, pointer: Option<&str>, source: &warden_model::SourceMap) -> Finding {
    Finding {
        id: s.id.to_string(),
        rule: s.rule.to_string(),
        title: s.title.to_string(),
        description: format!("{} This text | has *markup* and <tags>.", s.title),
        layers: strings(s.layers),
        cross_layer: s.layers.len() > 1,
        threats: strings(s.threats),
        asi: strings(s.asi),
        atlas: strings(s.atlas),
        stride: vec![Stride::Tampering, Stride::ElevationOfPrivilege],
        factors: strings(&["autonomy", "non-determinism"]),
        elements: strings(s.elements),
        path: strings(s.path),
        location: pointer.map(|p| {
            let pos = source.key_position(p);
            Location {
                pointer: p.to_string(),
                line: pos.line,
                column: pos.column,
            }
        }),
        likelihood: s.li.0,
        impact: s.li.1,
        severity: Severity::from_matrix(s.li.0, s.li.1),
        controls: strings(s.controls),
        status: s.status,
    }
}

struct Fixture {
    model: SystemModel,
    graph: Graph,
    report: Report,
    baseline: Report,
    names: Names,
}

fn summary(findings: &[Finding]) -> Summary {
    let mut s = Summary {
        total: findings.len(),
        ..Summary::default()
    };
    for f in findings {
        match f.status {
            Status::Open => s.open[f.severity as usize] += 1,
            Status::Mitigated { .. } => s.mitigated += 1,
            Status::Accepted { .. } => s.accepted += 1,
        }
    }
    s
}

fn report(model: &SystemModel, mut findings: Vec<Finding>) -> Report {
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    Report {
        schema: REPORT_SCHEMA.to_string(),
        generator: "warden 0.1.0".to_string(),
        model: ModelRef {
            name: model.system.name.clone(),
            file: MODEL_FILE.to_string(),
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_string(),
            elements: ElementCounts {
                agents: model.agents.len(),
                servers: model.servers.len(),
                tools: model.servers.iter().map(|s| s.tools.len()).sum(),
                data_stores: model.data_stores.len(),
                humans: model.humans.len(),
                external_sources: model.external_sources.len(),
                links: model.links.len(),
            },
        },
        summary: summary(&findings),
        findings,
    }
}

fn fixture() -> Fixture {
    let loaded = match parse_str(MODEL_FILE, MODEL) {
        Ok(l) => l,
        Err(d) => panic!("fixture model does not parse: {d:?}"),
    };
    let src = &loaded.source;
    let open = || Status::Open;
    let specs = vec![
        (
            Spec {
                id: "unauthenticated-link:triage->crm",
                rule: "unauthenticated-link",
                title: "Triage agent reaches the CRM server without authentication",
                layers: &["L4"],
                threats: &["T9", "T3"],
                asi: &["ASI03"],
                atlas: &[],
                elements: &["triage", "crm"],
                path: &[],
                li: (4, 4),
                controls: &["WC-MTLS", "WC-WORKLOAD-ID"],
                status: open(),
            },
            Some("/links/1"),
        ),
        (
            Spec {
                id: "injection-to-payment:web-pages->payments.refund",
                rule: "untrusted-input-reaches-payment",
                title: "Web content can steer an irreversible refund",
                layers: &["L2", "L3", "L7"],
                threats: &["T6", "T2"],
                asi: &["ASI01", "ASI02"],
                atlas: &["AML.T0051", "AML.T0053"],
                elements: &["web-pages", "payments.refund"],
                path: &[
                    "web-pages",
                    "web.fetch",
                    "triage",
                    "refunds",
                    "payments.refund",
                ],
                li: (3, 4),
                controls: &["WC-HITL", "WC-CONTENT-SCAN", "WC-MTLS"],
                status: open(),
            },
            Some("/external_sources/0"),
        ),
        (
            Spec {
                id: "shared-memory-poisoning:memory",
                rule: "shared-memory-poisoning",
                title: "Shared long-term memory accepts unvalidated writes",
                layers: &["L2"],
                threats: &["T1"],
                asi: &["ASI06"],
                atlas: &["AML.T0080.000"],
                elements: &["memory", "triage", "refunds"],
                path: &[],
                li: (3, 3),
                controls: &["WC-MEM-VALIDATE", "WC-CONTENT-SCAN"],
                status: open(),
            },
            Some("/data_stores/0"),
        ),
        (
            Spec {
                id: "shared-identity:triage",
                rule: "shared-identity",
                title: "Triage agent acts with a shared service account",
                layers: &["L7"],
                threats: &["T9"],
                asi: &["ASI03"],
                atlas: &[],
                elements: &["triage"],
                path: &[],
                li: (2, 4),
                controls: &["WC-WORKLOAD-ID"],
                status: Status::Accepted {
                    owner: "Support Platform".to_string(),
                    justification: "Migrating to <workload> identities in Q1 | tracked".to_string(),
                    expires: Some("2027-03-31".to_string()),
                },
            },
            Some("/agents/0/identity"),
        ),
        (
            Spec {
                id: "unbounded-autonomy:triage",
                rule: "unbounded-autonomy",
                title: "Autonomous agent has no step, spawn or budget limits <script>x</script>",
                layers: &["L4"],
                threats: &["T4"],
                asi: &["ASI08"],
                atlas: &["AML.T0034.002"],
                elements: &["triage"],
                path: &[],
                li: (2, 3),
                controls: &["WC-LIMITS"],
                status: open(),
            },
            Some("/agents/0"),
        ),
        (
            Spec {
                id: "irreversible-without-approval:payments.refund",
                rule: "irreversible-without-approval",
                title: "Irreversible refund tool",
                layers: &["L3"],
                threats: &["T2"],
                asi: &["ASI02"],
                atlas: &[],
                elements: &["payments.refund"],
                path: &[],
                li: (2, 3),
                controls: &["WC-HITL"],
                status: Status::Mitigated {
                    controls: strings(&["WC-HITL"]),
                },
            },
            Some("/servers/2/tools/0"),
        ),
        (
            Spec {
                id: "unpinned-server:crm",
                rule: "unpinned-server",
                title: "CRM server version and hash are not pinned",
                layers: &["L3"],
                threats: &["T13"],
                asi: &[],
                atlas: &["AML.T0110"],
                elements: &["crm.update"],
                path: &[],
                li: (1, 3),
                controls: &["WC-PIN-TOOLS"],
                status: open(),
            },
            Some("/servers/0"),
        ),
        (
            Spec {
                id: "no-audit:system",
                rule: "no-audit",
                title: "Agent actions are not recorded in a tamper-evident log",
                layers: &["L5"],
                threats: &["T8"],
                asi: &[],
                atlas: &[],
                elements: &[],
                path: &[],
                li: (1, 2),
                controls: &["WC-AUDIT"],
                status: Status::Mitigated {
                    controls: strings(&["WC-AUDIT"]),
                },
            },
            None,
        ),
    ];
    let findings: Vec<Finding> = specs.into_iter().map(|(s, p)| finding(s, p, src)).collect();

    // The baseline: no shared-memory finding yet, an old finding since resolved, and the
    // autonomy finding at another severity and status.
    let mut old: Vec<Finding> = findings
        .iter()
        .filter(|f| f.id != "shared-memory-poisoning:memory")
        .cloned()
        .collect();
    for f in &mut old {
        if f.id == "unbounded-autonomy:triage" {
            f.likelihood = 3;
            f.severity = Severity::from_matrix(3, 3);
            f.status = Status::Accepted {
                owner: "ops".to_string(),
                justification: "pilot".to_string(),
                expires: None,
            };
        }
    }
    let mut gone = findings[0].clone();
    gone.id = "plaintext-link:customer->triage".to_string();
    gone.rule = "plaintext-link".to_string();
    gone.title = "Chat traffic travels in clear text".to_string();
    old.push(gone);

    let model = loaded.model;
    let graph = Graph::build(&model);
    let baseline = report(&model, old);
    let report = report(&model, findings);
    Fixture {
        names: names(),
        graph,
        baseline,
        report,
        model,
    }
}

fn names() -> Names {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    Names {
        layers: map(&[
            ("L1", "Foundation Models"),
            ("L2", "Data Operations"),
            ("L3", "Agent Frameworks"),
            ("L4", "Deployment Infrastructure"),
            ("L5", "Evaluation & Observability"),
            ("L6", "Security & Compliance"),
            ("L7", "Agent Ecosystem"),
        ]),
        threats: map(&[
            ("T1", "Memory Poisoning"),
            ("T2", "Tool Misuse"),
            ("T3", "Privilege Compromise"),
            ("T4", "Resource Overload"),
            ("T5", "Cascading Hallucination Attacks"),
            ("T6", "Intent Breaking & Goal Manipulation"),
            ("T7", "Misaligned & Deceptive Behaviors"),
            ("T8", "Repudiation & Untraceability"),
            ("T9", "Identity Spoofing & Impersonation"),
            ("T10", "Overwhelming Human in the Loop"),
            ("T11", "Unexpected RCE & Code Attacks"),
            ("T12", "Agent Communication Poisoning"),
            ("T13", "Rogue Agents in Multi-Agent Systems"),
            ("T14", "Human Attacks on Multi-Agent Systems"),
            ("T15", "Human Manipulation"),
        ]),
        asi: map(&[
            ("ASI01", "Agent Goal Hijack"),
            ("ASI02", "Tool Misuse and Exploitation"),
            ("ASI03", "Identity and Privilege Abuse"),
            ("ASI06", "Memory & Context Poisoning"),
            ("ASI08", "Cascading Failures"),
        ]),
        atlas: map(&[
            ("AML.T0051", "LLM Prompt Injection"),
            ("AML.T0053", "AI Agent Tool Invocation"),
            ("AML.T0080.000", "AI Agent Context Poisoning: Memory"),
            ("AML.T0110", "AI Agent Tool Poisoning"),
        ]),
        controls: map(&[
            ("WC-HITL", "Human approval of high-impact actions"),
            ("WC-MTLS", "Mutual TLS between components"),
            ("WC-WORKLOAD-ID", "Per-agent workload identity"),
            (
                "WC-CONTENT-SCAN",
                "Scan untrusted content for injected instructions",
            ),
            ("WC-MEM-VALIDATE", "Validate and attribute memory writes"),
            ("WC-LIMITS", "Step, spawn and budget limits"),
            ("WC-PIN-TOOLS", "Pin tool definitions and versions"),
        ]),
        // Some rules without a title, to show the fallback.
        rules: map(&[
            (
                "unauthenticated-link",
                "A component accepts messages without authenticating the sender",
            ),
            (
                "untrusted-input-reaches-payment",
                "Untrusted input reaches an agent that can move money",
            ),
            (
                "shared-memory-poisoning",
                "Memory shared between agents can be poisoned",
            ),
            ("shared-identity", "Agents share one identity"),
            (
                "irreversible-without-approval",
                "An irreversible tool runs without human approval",
            ),
        ]),
    }
}

fn render_all(fx: &Fixture, diff: Option<&Diff>) -> Vec<(Format, String)> {
    let input = RenderInput {
        report: &fx.report,
        model: &fx.model,
        graph: &fx.graph,
        names: &fx.names,
        diff,
    };
    Format::ALL
        .iter()
        .map(|&f| (f, render(f, &input)))
        .collect()
}

/// One format's output, parsed as JSON.
fn rendered_json(fx: &Fixture, diff: Option<&Diff>, format: Format) -> serde_json::Value {
    let text = render_all(fx, diff)
        .into_iter()
        .find_map(|(f, text)| (f == format).then_some(text))
        .unwrap_or_default();
    match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("{format} output is not JSON: {e}"),
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compare `actual` with the file, or rewrite the file under `UPDATE_SNAPSHOTS=1`.
/// Returns a description of the difference, if any.
fn check_file(path: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok()?;
        }
        return std::fs::write(path, actual)
            .err()
            .map(|e| format!("{}: cannot write: {e}", path.display()));
    }
    let expected = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            return Some(format!(
                "{}: cannot read ({e}); run with UPDATE_SNAPSHOTS=1\n",
                path.display()
            ));
        }
    };
    if expected == actual {
        return None;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut report = format!(
        "{}: differs (expected {} lines, got {})\n",
        path.display(),
        e.len(),
        a.len()
    );
    let mut shown = 0;
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            if shown < 8 {
                report.push_str(&format!(
                    "  line {}:\n    - {}\n    + {}\n",
                    i + 1,
                    x.map(|s| s.chars().take(160).collect::<String>())
                        .unwrap_or_else(|| "<none>".into()),
                    y.map(|s| s.chars().take(160).collect::<String>())
                        .unwrap_or_else(|| "<none>".into())
                ));
            }
            shown += 1;
        }
    }
    report.push_str(&format!("  {shown} differing lines in all\n"));
    Some(report)
}

#[test]
fn snapshots_of_every_format() {
    let fx = fixture();
    let d = baseline::diff(&fx.baseline, &fx.report);
    let mut failures = Vec::new();
    for (format, text) in render_all(&fx, Some(&d)) {
        let path = manifest_dir()
            .join("tests/snapshots")
            .join(format!("report.{}", format.extension()));
        failures.extend(check_file(&path, &text));
    }
    // Without a baseline: no diff anywhere.
    let (_, json) = render_all(&fx, None).swap_remove(3);
    failures.extend(check_file(
        &manifest_dir().join("tests/snapshots/report-no-baseline.json"),
        &json,
    ));
    assert!(
        failures.is_empty(),
        "snapshot mismatch:\n{}",
        failures.concat()
    );
}

#[test]
fn output_is_deterministic() {
    let (a, b) = (fixture(), fixture());
    let (da, db) = (
        baseline::diff(&a.baseline, &a.report),
        baseline::diff(&b.baseline, &b.report),
    );
    for ((f, x), (_, y)) in render_all(&a, Some(&da))
        .into_iter()
        .zip(render_all(&b, Some(&db)))
    {
        assert_eq!(x, y, "{f} output differs between two runs");
        assert!(!x.is_empty(), "{f} output is empty");
    }
}

#[test]
fn hostile_model_text_is_escaped() {
    let fx = fixture();
    let d = baseline::diff(&fx.baseline, &fx.report);
    let out = render_all(&fx, Some(&d));
    let get = |f: Format| {
        out.iter()
            .find(|(x, _)| *x == f)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    let html = get(Format::Html);
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("<img"), "model markup reached the HTML");
    assert!(!html.contains("<b>services"), "zone name was not escaped");
    assert!(html.contains("Acme support &lt;script&gt;alert(&quot;system&quot;)&lt;/script&gt;"));
    assert!(html.contains("Refund agent &quot;R&quot; &lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("src=\""), "the page must not load anything");
    assert!(!html.contains("href=\"http"), "the page must not link out");

    let md = get(Format::Md);
    assert!(!md.contains("<script"), "raw HTML in Markdown");
    assert!(!md.contains("<img"), "raw HTML in Markdown");
    assert!(md.contains("This text \\| has \\*markup\\* and &lt;tags&gt;"));

    let mermaid = get(Format::Mermaid);
    assert!(!mermaid.contains("<script") && !mermaid.contains("<img") && !mermaid.contains("<b>"));
    assert!(mermaid.contains("Refund agent #34;R#34; #60;img src=x onerror=alert#40;1#41;#62;"));
    let dot = get(Format::Dot);
    assert!(
        dot.contains("label=\"Refund agent \\\"R\\\" <img src=x onerror=alert(1)>\\n(refunds)\"")
    );

    let table = get(Format::Table);
    assert!(!table.contains('\u{1b}'), "terminal escape in table output");
}

#[test]
fn terminal_output_strips_control_characters() {
    let mut fx = fixture();
    fx.report.findings[0].title = "evil \u{1b}[2J title\r\nnext".to_string();
    let out = render_all(&fx, None)
        .into_iter()
        .find(|(f, _)| *f == Format::Table)
        .map(|(_, s)| s)
        .unwrap_or_default();
    assert!(!out.contains('\u{1b}') && !out.contains('\r'));
    assert!(out.contains("evil [2J title"), "{out}");
}

fn validator(schema: &serde_json::Value) -> jsonschema::Validator {
    match jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
    {
        Ok(v) => v,
        Err(e) => panic!("schema does not compile: {e}"),
    }
}

fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

/// The official SARIF 2.1.0 schema shipped in the serde-sarif crate (a dev-dependency, so
/// cargo has always fetched it), located through `cargo metadata`.
fn sarif_schema() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(manifest_dir().join("Cargo.toml"))
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o.stdout,
        Ok(o) => panic!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("cannot run cargo metadata: {e}"),
    };
    let meta: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    let manifest = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .map(PathBuf::from);
    let Some(manifest) = manifest else {
        panic!("serde-sarif is not in cargo metadata; is it still a dev-dependency?");
    };
    let path = manifest.with_file_name("src").join("schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    // The official schema's `language` pattern ends in an unbalanced `]`, which JavaScript
    // regexes read as a literal but the `regex` format check rejects. Escape it (in memory
    // only) so that everything else, formats included, is checked.
    let text = text.replace(r#"[a-zA-Z]{2}]?$"#, r#"[a-zA-Z]{2}\\]?$"#);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(
        schema["$id"],
        "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json",
        "unexpected schema in {}",
        path.display()
    );
    schema
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let fx = fixture();
    let v = validator(&sarif_schema());
    let d = baseline::diff(&fx.baseline, &fx.report);
    for diff in [None, Some(&d)] {
        let doc = rendered_json(&fx, diff, Format::Sarif);
        assert_valid(&v, &doc, "SARIF output");
        let mut broken = doc.clone();
        broken["runs"][0]["results"][0]["level"] = "critical".into();
        assert!(
            !v.is_valid(&broken),
            "the SARIF schema check accepts anything"
        );
        let run = &doc["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "warden");
        let results = run["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(results.len(), fx.report.findings.len());
        let loc = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "examples/support%20desk.yaml"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap_or(0) > 1);
        let by_id = |id: &str| {
            results
                .iter()
                .find(|r| r["partialFingerprints"]["wardenFindingId/v1"] == id)
                .cloned()
                .unwrap_or_default()
        };
        let accepted = by_id("shared-identity:triage");
        assert_eq!(accepted["suppressions"][0]["kind"], "external");
        assert_eq!(accepted["level"], "error");
        assert_eq!(by_id("unpinned-server:crm")["level"], "note");
        assert_eq!(by_id("unbounded-autonomy:triage")["level"], "warning");
        assert_eq!(
            by_id("unauthenticated-link:triage->crm")["properties"]["security-severity"],
            "9.5"
        );
        assert!(by_id("irreversible-without-approval:payments.refund")["suppressions"].is_array());
        assert!(by_id("unpinned-server:crm")["suppressions"].is_null());
        if diff.is_some() {
            assert_eq!(
                by_id("shared-memory-poisoning:memory")["baselineState"],
                "new"
            );
            assert_eq!(
                by_id("unbounded-autonomy:triage")["baselineState"],
                "updated"
            );
        }
    }
}

fn published_schema() -> serde_json::Value {
    let path = manifest_dir().join("../../docs/report.schema.json");
    let generated = serde_json::to_string_pretty(&report_schema()).unwrap_or_default() + "\n";
    if let Some(problem) = check_file(&path, &generated) {
        panic!("docs/report.schema.json is out of date with the types:\n{problem}");
    }
    serde_json::from_str(&generated).unwrap_or_default()
}

#[test]
fn json_is_valid_against_the_published_schema() {
    let fx = fixture();
    let v = validator(&published_schema());
    let d = baseline::diff(&fx.baseline, &fx.report);
    for diff in [None, Some(&d)] {
        let doc = rendered_json(&fx, diff, Format::Json);
        assert_valid(&v, &doc, "JSON output");
        assert_eq!(doc.get("diff").is_some(), diff.is_some());
        let back: ReportDocument = match serde_json::from_value(doc) {
            Ok(r) => r,
            Err(e) => panic!("JSON output does not read back: {e}"),
        };
        assert_eq!(back.report, fx.report);
        assert_eq!(back.diff.as_ref(), diff);
    }
    // The schema rejects what is not a report.
    let mut bad = serde_json::to_value(&fx.report).unwrap_or_default();
    bad["findings"][0]["severity"] = "catastrophic".into();
    assert!(!v.is_valid(&bad), "schema accepted an unknown severity");
    let mut other = serde_json::to_value(&fx.report).unwrap_or_default();
    other["schema"] = "warden.threats/v2".into();
    assert!(
        !v.is_valid(&other),
        "schema accepted another format version"
    );
    let mut status = serde_json::to_value(&fx.report).unwrap_or_default();
    status["findings"][0]["status"] = serde_json::json!({"state": "mitigated"});
    assert!(
        !v.is_valid(&status),
        "schema accepted a mitigation without controls"
    );
}

#[test]
fn diff_finds_new_resolved_and_changed() {
    let fx = fixture();
    let d = baseline::diff(&fx.baseline, &fx.report);
    assert_eq!(d.new, vec!["shared-memory-poisoning:memory".to_string()]);
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].id, "plaintext-link:customer->triage");
    assert_eq!(d.resolved[0].severity, Severity::Critical);
    assert_eq!(d.changed.len(), 1);
    let c = &d.changed[0];
    assert_eq!(c.id, "unbounded-autonomy:triage");
    assert_eq!(
        (c.before.severity, c.before.status),
        (Severity::High, StatusKind::Accepted)
    );
    assert_eq!(
        (c.after.severity, c.after.status),
        (Severity::Medium, StatusKind::Open)
    );
    assert!(baseline::diff(&fx.report, &fx.report).is_empty());
    // Reversed, new and resolved swap.
    let r = baseline::diff(&fx.report, &fx.baseline);
    assert_eq!(r.new, vec!["plaintext-link:customer->triage".to_string()]);
    assert_eq!(r.resolved[0].id, "shared-memory-poisoning:memory");
}

#[test]
fn baseline_loads_json_output_and_rejects_other_files() {
    let fx = fixture();
    let d = baseline::diff(&fx.baseline, &fx.report);
    let (_, json) = render_all(&fx, Some(&d)).swap_remove(3);
    assert_eq!(baseline::load_baseline(&json), Ok(fx.report.clone()));
    let (_, sarif) = render_all(&fx, None).swap_remove(4);
    let err = baseline::load_baseline(&sarif).err().unwrap_or_default();
    assert!(err.contains("SARIF"), "{err}");
    let err = baseline::load_baseline(&json.replace(REPORT_SCHEMA, "warden.threats/v9"))
        .err()
        .unwrap_or_default();
    assert!(
        err.contains("warden.threats/v9") && err.contains(REPORT_SCHEMA),
        "{err}"
    );
    let err = baseline::load_baseline("warden: 1")
        .err()
        .unwrap_or_default();
    assert!(err.contains("not valid JSON"), "{err}");
    let err = baseline::load_baseline("[1, 2]").err().unwrap_or_default();
    assert!(err.contains("not a Warden threat report"), "{err}");
    let err = baseline::load_baseline(r#"{"schema": "warden.threats/v1", "findings": 3}"#)
        .err()
        .unwrap_or_default();
    assert!(err.contains("malformed"), "{err}");
}

#[test]
fn every_rule_and_analysis_has_a_static_title() {
    let catalog = warden_catalog::Catalog::builtin();
    let names = warden_threats::engine::names(catalog);
    let ids = catalog
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .chain(warden_threats::analyses::ANALYSES.iter().map(|&(id, _)| id));
    for id in ids {
        let title = names.rules.get(id).map(String::as_str).unwrap_or_default();
        assert!(
            title.len() > 12 && !title.contains(['{', '}', '`']),
            "{id}: `{title}`"
        );
        assert!(title.starts_with(char::is_uppercase), "{id}: `{title}`");
    }
    assert_eq!(
        names.rules.get("cleartext-link").map(String::as_str),
        Some("Unencrypted link")
    );
}

#[test]
fn formats_parse_and_print() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        assert_eq!(f.to_string(), f.as_str());
    }
    assert_eq!("Markdown".parse::<Format>(), Ok(Format::Md));
    let err = "pdf".parse::<Format>().err().unwrap_or_default();
    assert!(
        err.contains("table, md, html, json, sarif, mermaid or dot"),
        "{err}"
    );
}

#[test]
fn diagrams_follow_the_model() {
    let fx = fixture();
    let out = render_all(&fx, None);
    let mermaid = &out[5].1;
    assert!(mermaid.starts_with("flowchart LR\n"));
    // One subgraph per zone that has elements; the approver has no zone.
    assert_eq!(mermaid.matches("  subgraph ").count(), 4);
    // triage -> crm is unauthenticated: dashed and styled red.
    let tri = fx.graph.node("triage").unwrap_or_default();
    let crm = fx.graph.node("crm").unwrap_or_default();
    assert!(mermaid.contains(&format!("n{tri} -.->|\"mcp\"| n{crm}")));
    assert!(mermaid.contains("linkStyle 1 stroke:#e03131"));
    let critical = mermaid
        .lines()
        .find(|l| l.starts_with("  class ") && l.ends_with(" sev_critical"))
        .unwrap_or_default();
    assert!(
        critical
            .trim_start_matches("  class ")
            .split([',', ' '])
            .any(|k| k == format!("n{tri}")),
        "triage is not coloured critical: {critical}"
    );
    let dot = &out[6].1;
    assert!(dot.starts_with("digraph warden {"));
    assert_eq!(dot.matches("subgraph cluster_").count(), 4);
    assert!(dot.contains(&format!("n{tri} -> n{crm} [label=\"mcp\"")));
    let html = &out[2].1;
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\""));
    assert_eq!(
        html.matches("<g class=\"zone\">").count(),
        5,
        "4 zones + unzoned band"
    );
    assert!(
        html.contains("+1 more tools"),
        "7 CRM tools: six shown, one folded"
    );
}

#[test]
fn empty_model_and_report_render_in_every_format() {
    let loaded = match parse_str("empty.yaml", "warden: 1\nsystem:\n  name: Empty\n") {
        Ok(l) => l,
        Err(d) => panic!("{d:?}"),
    };
    let graph = Graph::build(&loaded.model);
    let report = report(&loaded.model, Vec::new());
    let names = Names::default();
    let diff = baseline::diff(&report, &report);
    let input = RenderInput {
        report: &report,
        model: &loaded.model,
        graph: &graph,
        names: &names,
        diff: Some(&diff),
    };
    for f in Format::ALL {
        let out = render(f, &input);
        assert!(!out.is_empty(), "{f}: empty output");
        assert!(out.ends_with('\n'), "{f}: no final newline");
    }
    assert!(render(Format::Table, &input).contains("No findings."));
    assert!(render(Format::Html, &input).contains("The model has no elements."));
}
