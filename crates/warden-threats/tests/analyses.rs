//! Tests of the graph analyses: each fires on a small model built for it and stays quiet on
//! a near-identical one where the threat is broken; output is deterministic and does not
//! depend on the order of elements in the file; a 10,000-element model runs through.

use warden_model::graph::Graph;
use warden_model::{SystemModel, parse_str};
use warden_threats::Draft;
use warden_threats::analyses::{self, blast_radius};
use warden_threats::synthetic;
use warden_threats::trust::{self, TrustTable};

fn model(yaml: &str) -> SystemModel {
    match parse_str("t.yaml", yaml) {
        Ok(l) => l.model,
        Err(e) => panic!("test model does not parse: {e:?}"),
    }
}

fn run(m: &SystemModel) -> Vec<Draft> {
    analyses::run(m, &Graph::build(m))
}

fn by_rule<'a>(drafts: &'a [Draft], rule: &str) -> Vec<&'a Draft> {
    drafts.iter().filter(|d| d.rule == rule).collect()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const HEAD: &str = "warden: 1\nsystem: {name: t}\n";

const TOOLS: &str = r#"
servers:
  - id: browser
    trust: internal
    tools: [{id: fetch, capabilities: [browse], ingests: [web]}]
  - id: crm
    trust: internal
    tools: [{id: lookup, capabilities: [read], reads: [customers]}]
  - id: mail
    trust: internal
    tools: [{id: send, capabilities: [messaging], sends_to: [email-out]}]
external_sources:
  - id: web
  - id: email-out
    kind: email
"#;

fn with_tools(agents: &str, stores: &str) -> SystemModel {
    model(&format!("{HEAD}{agents}{TOOLS}{stores}"))
}

const CUSTOMERS: &str = "data_stores:\n  - id: customers\n    sensitivity: confidential\n";

// ---------------------------------------------------------------- (a) toxic flow

#[test]
fn toxic_flow_fires_on_the_lethal_trifecta() {
    let m = with_tools(
        "agents:\n  - id: assistant\n    tools: [{tool: browser.fetch}, {tool: crm.lookup}, {tool: mail.send}]\n",
        CUSTOMERS,
    );
    let d = run(&m);
    let t = by_rule(&d, "toxic-flow");
    assert_eq!(t.len(), 1, "{d:#?}");
    assert_eq!(
        t[0].elements,
        strs(&["assistant", "web", "customers", "mail.send"])
    );
    assert_eq!(
        t[0].path,
        strs(&["web", "browser.fetch", "assistant", "mail.send"])
    );
    assert!(t[0].cross_layer && t[0].layers.len() >= 2);
    assert_eq!((t[0].likelihood, t[0].impact), (3, 3));
    assert!(t[0].atlas.contains(&"AML.T0086".to_string()));
    assert!(t[0].controls.contains(&"WC-EGRESS-CONTROL".to_string()));
}

#[test]
fn toxic_flow_restricted_data_raises_impact_and_approval_lowers_likelihood() {
    let m = with_tools(
        "agents:\n  - id: assistant\n    tools: [{tool: browser.fetch}, {tool: crm.lookup}, {tool: mail.send, approval: true}]\n",
        "data_stores:\n  - id: customers\n    sensitivity: restricted\n",
    );
    let d = run(&m);
    let t = by_rule(&d, "toxic-flow");
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].likelihood, t[0].impact), (2, 4));
}

#[test]
fn toxic_flow_needs_all_three_legs() {
    // No way out.
    let m = with_tools(
        "agents:\n  - id: assistant\n    tools: [{tool: browser.fetch}, {tool: crm.lookup}]\n",
        CUSTOMERS,
    );
    assert!(by_rule(&run(&m), "toxic-flow").is_empty());
    // Nothing sensitive.
    let m = with_tools(
        "agents:\n  - id: assistant\n    tools: [{tool: browser.fetch}, {tool: crm.lookup}, {tool: mail.send}]\n",
        "data_stores:\n  - id: customers\n    sensitivity: internal\n",
    );
    assert!(by_rule(&run(&m), "toxic-flow").is_empty());
    // No untrusted input.
    let m = with_tools(
        "agents:\n  - id: assistant\n    tools: [{tool: crm.lookup}, {tool: mail.send}]\n",
        CUSTOMERS,
    );
    assert!(run(&m).iter().all(|d| d.rule != "toxic-flow"));
}

#[test]
fn toxic_flow_follows_a_poisoned_rag_store() {
    let m = with_tools(
        "agents:\n  - id: assistant\n    reads: [kb]\n    tools: [{tool: crm.lookup}, {tool: mail.send}]\n",
        "data_stores:\n  - id: customers\n    sensitivity: confidential\n  - id: kb\n    kind: rag-corpus\n    writers: [web]\n",
    );
    let d = run(&m);
    let t = by_rule(&d, "toxic-flow");
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].path, strs(&["web", "kb", "assistant", "mail.send"]));
    assert!(t[0].atlas.contains(&"AML.T0070".to_string()));
}

#[test]
fn leakage_cascade_crosses_agents() {
    let m = with_tools(
        "agents:\n  - id: reader\n    tools: [{tool: browser.fetch}]\n    delegates_to: [clerk]\n  - id: clerk\n    tools: [{tool: crm.lookup}, {tool: mail.send}]\n",
        CUSTOMERS,
    );
    let d = run(&m);
    assert!(by_rule(&d, "toxic-flow").is_empty());
    let c = by_rule(&d, "leakage-cascade");
    assert_eq!(c.len(), 1, "{d:#?}");
    assert_eq!(
        c[0].elements,
        strs(&["clerk", "reader", "web", "customers", "mail.send"])
    );
    assert_eq!(
        c[0].path,
        strs(&["web", "browser.fetch", "reader", "clerk", "mail.send"])
    );
    // Without the delegation the untrusted content never reaches the clerk.
    let m = with_tools(
        "agents:\n  - id: reader\n    tools: [{tool: browser.fetch}]\n  - id: clerk\n    tools: [{tool: crm.lookup}, {tool: mail.send}]\n",
        CUSTOMERS,
    );
    assert!(by_rule(&run(&m), "leakage-cascade").is_empty());
}

// ---------------------------------------------------------------- (b) blast radius

const PAY: &str = r#"
servers:
  - id: payments
    tools: [{id: pay, capabilities: [payment], side_effects: irreversible}]
  - id: docs
    tools: [{id: search, capabilities: [read], reads: [wiki]}]
data_stores:
  - id: wiki
    sensitivity: internal
"#;

#[test]
fn blast_radius_follows_delegation_to_critical_tools() {
    let m = model(&format!(
        "{HEAD}agents:\n  - id: ops\n    tools: [{{tool: docs.search}}]\n    delegates_to: [payer]\n  - id: payer\n    tools: [{{tool: payments.pay}}]\n{PAY}"
    ));
    let d = run(&m);
    let b = by_rule(&d, "blast-radius");
    let ops = b
        .iter()
        .find(|d| d.elements[0] == "ops")
        .expect("ops finding");
    assert_eq!(ops.elements, strs(&["ops", "payments.pay"]));
    assert_eq!(ops.path, strs(&["ops", "payer", "payments.pay"]));
    assert_eq!(ops.impact, 4);
    assert!(
        b.iter()
            .any(|d| d.elements == strs(&["payer", "payments.pay"]))
    );

    let g = Graph::build(&m);
    let r = blast_radius(&m, &g, g.node("ops").unwrap_or(usize::MAX));
    assert_eq!(r.agents, strs(&["payer"]));
    assert_eq!(r.tools, strs(&["docs.search", "payments.pay"]));
    assert_eq!(r.stores, strs(&["wiki"]));
    assert_eq!(r.critical, strs(&["payments.pay"]));
    assert_eq!(r.path, strs(&["ops", "payer", "payments.pay"]));
    assert_eq!(blast_radius(&m, &g, usize::MAX), Default::default());
}

#[test]
fn blast_radius_is_quiet_when_critical_actions_need_approval() {
    let m = model(&format!(
        "{HEAD}agents:\n  - id: ops\n    tools: [{{tool: docs.search}}]\n    delegates_to: [payer]\n  - id: payer\n    tools: [{{tool: payments.pay, approval: true}}]\n{PAY}"
    ));
    assert!(by_rule(&run(&m), "blast-radius").is_empty());
}

#[test]
fn blast_radius_of_a_shared_service_account() {
    let yaml = format!(
        "{HEAD}agents:\n  - id: a1\n    identity: shared-service-account\n    tools: [{{tool: payments.pay}}]\n  - id: a2\n    identity: shared-service-account\n    tools: [{{tool: docs.search}}]\n{PAY}"
    );
    let d = run(&model(&yaml));
    let b = by_rule(&d, "blast-radius");
    let cred = b
        .iter()
        .find(|d| d.elements.len() == 3)
        .expect("credential finding");
    assert_eq!(cred.elements, strs(&["a1", "payments.pay", "a2"]));
    assert_eq!(cred.path, strs(&["a1", "payments.pay"]));
    assert!(cred.controls.contains(&"WC-AGENT-IDENTITY".to_string()));
    // With their own credentials there is no shared one to report.
    let own = yaml.replace("shared-service-account", "own-credential");
    let d = run(&model(&own));
    assert!(
        by_rule(&d, "blast-radius")
            .iter()
            .all(|d| d.elements.len() == 2)
    );
}

#[test]
fn blast_radius_of_a_users_token_passed_through() {
    let yaml = format!(
        "{HEAD}agents:\n  - id: a1\n    identity: user-passthrough\n    tools: [{{tool: payments.pay}}]\n  - id: a2\n    identity: user-passthrough\n    tools: [{{tool: docs.search}}]\n{PAY}humans:\n  - id: alice\nlinks:\n  - {{from: alice, to: a1, protocol: ui}}\n  - {{from: alice, to: a2, protocol: ui}}\n"
    );
    let d = run(&model(&yaml));
    let b = by_rule(&d, "blast-radius");
    assert!(
        b.iter()
            .any(|d| d.elements == strs(&["a1", "payments.pay", "alice", "a2"])),
        "{b:#?}"
    );
    // Different users: different tokens, nothing shared.
    let two = yaml
        .replace("  - id: alice\n", "  - id: alice\n  - id: bob\n")
        .replace("{from: alice, to: a2", "{from: bob, to: a2");
    let d = run(&model(&two));
    assert!(
        by_rule(&d, "blast-radius")
            .iter()
            .all(|d| d.elements.len() == 2)
    );
}

#[test]
fn blast_radius_of_a_server_covers_all_its_tools() {
    let m = model(&format!("{HEAD}{PAY}"));
    let g = Graph::build(&m);
    let r = blast_radius(&m, &g, g.node("payments").unwrap_or(usize::MAX));
    assert_eq!(r.tools, strs(&["payments.pay"]));
    assert_eq!(r.critical, strs(&["payments.pay"]));
    assert_eq!(r.path, strs(&["payments", "payments.pay"]));
    assert!(r.agents.is_empty() && r.stores.is_empty());
}

// ---------------------------------------------------------------- (c) delegation escalation

const DB: &str = r#"
servers:
  - id: db
    tools:
      - {id: drop, capabilities: [delete], side_effects: irreversible}
      - {id: read, capabilities: [read]}
"#;

#[test]
fn delegation_escalation_fires_on_unscoped_delegation() {
    let m = model(&format!(
        "{HEAD}agents:\n  - id: boss\n    tools: [{{tool: db.read}}]\n    delegates_to: [worker]\n  - id: worker\n    tools: [{{tool: db.drop}}, {{tool: db.read}}]\n{DB}"
    ));
    let d = run(&m);
    let e = by_rule(&d, "delegation-escalation");
    assert_eq!(e.len(), 1, "{d:#?}");
    assert_eq!(e[0].elements, strs(&["boss", "worker", "db.drop"]));
    assert_eq!(e[0].path, strs(&["boss", "worker"]));
    assert_eq!(e[0].impact, 3);
}

#[test]
fn delegation_escalation_is_quiet_when_scoped_or_already_granted() {
    let scoped = format!(
        "{HEAD}agents:\n  - id: boss\n    tools: [{{tool: db.read}}]\n    delegates_to: [worker]\n  - id: worker\n    tools: [{{tool: db.drop}}]\n{DB}links:\n  - {{from: boss, to: worker, protocol: a2a, authentication: mtls, scoped_delegation: true}}\n"
    );
    assert!(by_rule(&run(&model(&scoped)), "delegation-escalation").is_empty());
    let unscoped = scoped.replace("scoped_delegation: true", "scoped_delegation: false");
    assert_eq!(
        by_rule(&run(&model(&unscoped)), "delegation-escalation").len(),
        1
    );
    let granted = format!(
        "{HEAD}agents:\n  - id: boss\n    tools: [{{tool: db.drop}}]\n    delegates_to: [worker]\n  - id: worker\n    tools: [{{tool: db.drop}}]\n{DB}"
    );
    assert!(by_rule(&run(&model(&granted)), "delegation-escalation").is_empty());
}

#[test]
fn delegation_escalation_is_transitive() {
    let m = model(&format!(
        "{HEAD}agents:\n  - id: a\n    delegates_to: [b]\n  - id: b\n    delegates_to: [c]\n  - id: c\n    tools: [{{tool: db.drop}}]\n{DB}"
    ));
    let d = run(&m);
    let e = by_rule(&d, "delegation-escalation");
    let ac = e
        .iter()
        .find(|d| d.elements[..2] == strs(&["a", "c"]))
        .expect("a→c");
    assert_eq!(ac.path, strs(&["a", "b", "c"]));
    assert!(e.iter().any(|d| d.elements[..2] == strs(&["b", "c"])));
}

// ---------------------------------------------------------------- (d) cascading trust

fn chain(links: &str) -> SystemModel {
    model(&format!(
        "{HEAD}agents:\n  - id: a\n    delegates_to: [b]\n  - id: b\n    delegates_to: [c]\n  - id: c\n    tools: [{{tool: db.read}}]\n{DB}{links}"
    ))
}

#[test]
fn cascading_trust_reports_the_maximal_unauthenticated_chain() {
    let d = run(&chain(""));
    let c = by_rule(&d, "cascading-trust");
    assert_eq!(c.len(), 1, "{d:#?}");
    assert_eq!(c[0].path, strs(&["a", "b", "c", "db.read"]));
    assert_eq!(c[0].elements, strs(&["a", "db.read", "b", "c"]));
}

#[test]
fn cascading_trust_stops_at_authenticated_hops() {
    let one = "links:\n  - {from: a, to: b, protocol: a2a, authentication: mtls}\n";
    let c = run(&chain(one));
    let c = by_rule(&c, "cascading-trust");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].path, strs(&["b", "c", "db.read"]));
    let two = "links:\n  - {from: a, to: b, protocol: a2a, authentication: mtls}\n  - {from: b, to: c, protocol: a2a, authentication: workload-identity}\n";
    assert!(by_rule(&run(&chain(two)), "cascading-trust").is_empty());
    // An unauthenticated duplicate link makes the hop unauthenticated again.
    let dup = format!("{two}  - {{from: b, to: c, protocol: http, authentication: none}}\n");
    assert_eq!(by_rule(&run(&chain(&dup)), "cascading-trust").len(), 1);
}

#[test]
fn cascading_trust_handles_loops_without_a_head() {
    let m = model(&format!(
        "{HEAD}agents:\n  - id: a\n    delegates_to: [b]\n  - id: b\n    delegates_to: [a]\n    tools: [{{tool: db.drop}}]\n{DB}"
    ));
    let d = run(&m);
    let c = by_rule(&d, "cascading-trust");
    assert_eq!(c.len(), 1, "{d:#?}");
    assert_eq!(c[0].path, strs(&["a", "b", "db.drop"]));
}

// ---------------------------------------------------------------- (e) single point

#[test]
fn single_point_shared_server() {
    let yaml = format!(
        "{HEAD}agents:\n  - id: a1\n    tools: [{{tool: shared.look}}]\n  - id: a2\n    tools: [{{tool: shared.look}}]\nservers:\n  - id: shared\n    tools:\n      - {{id: look, capabilities: [read]}}\n      - {{id: pay, capabilities: [payment]}}\n"
    );
    let d = run(&model(&yaml));
    let s = by_rule(&d, "single-point");
    assert_eq!(s.len(), 1, "{d:#?}");
    assert_eq!(s[0].elements, strs(&["shared", "shared.pay", "a1", "a2"]));
    assert_eq!(s[0].path, strs(&["shared", "shared.pay"]));
    let single = yaml.replace("  - id: a2\n    tools: [{tool: shared.look}]\n", "");
    assert!(by_rule(&run(&model(&single)), "single-point").is_empty());
}

#[test]
fn single_point_shared_store() {
    let yaml = format!(
        "{HEAD}agents:\n  - id: a1\n    reads: [kb]\n    tools: [{{tool: payments.pay}}]\n  - id: a2\n    reads: [kb]\n    tools: [{{tool: payments.pay}}]\n{PAY}  - id: kb\n    kind: memory\n"
    );
    let d = run(&model(&yaml));
    let s: Vec<_> = by_rule(&d, "single-point")
        .into_iter()
        .filter(|d| d.elements[0] == "kb")
        .collect();
    assert_eq!(s.len(), 1, "{d:#?}");
    assert_eq!(s[0].elements, strs(&["kb", "payments.pay", "a1", "a2"]));
    assert_eq!(s[0].path, strs(&["kb", "a1", "payments.pay"]));
    // Critical assets behind only one of the readers: not a single point across agents
    // (the payment server itself still is one).
    let one = yaml.replacen("    tools: [{tool: payments.pay}]\n", "", 1);
    let d = run(&model(&one));
    assert!(
        by_rule(&d, "single-point")
            .iter()
            .all(|d| d.elements[0] != "kb"),
        "{d:#?}"
    );
}

#[test]
fn single_point_orchestrator() {
    let yaml = format!(
        "{HEAD}agents:\n  - id: boss\n    delegates_to: [w1, w2]\n  - id: w1\n    tools: [{{tool: payments.pay}}]\n  - id: w2\n    tools: [{{tool: payments.pay}}]\n{PAY}"
    );
    let d = run(&model(&yaml));
    let s: Vec<_> = by_rule(&d, "single-point")
        .into_iter()
        .filter(|d| d.elements[0] == "boss")
        .collect();
    assert_eq!(s.len(), 1, "{d:#?}");
    assert_eq!(s[0].elements, strs(&["boss", "payments.pay", "w1", "w2"]));
    assert_eq!(s[0].path, strs(&["boss", "w1", "payments.pay"]));
    assert!(s[0].controls.contains(&"WC-DELEGATION-SCOPE".to_string()));
    // Only one delegate reaches anything critical: no single point across agents.
    let one = yaml.replace(
        "  - id: w2\n    tools: [{tool: payments.pay}]\n",
        "  - id: w2\n",
    );
    let d = run(&model(&one));
    assert!(
        by_rule(&d, "single-point")
            .iter()
            .all(|d| d.elements[0] != "boss"),
        "{d:#?}"
    );
}

// ---------------------------------------------------------------- (f) memory poisoning path

#[test]
fn memory_poisoning_path_crosses_agents_through_memory() {
    let yaml = format!(
        "{HEAD}agents:\n  - id: scout\n    tools: [{{tool: browser.fetch}}]\n    writes: [notes]\n  - id: planner\n    reads: [notes]\n{TOOLS}{CUSTOMERS}  - id: notes\n    kind: memory\n"
    );
    let d = run(&model(&yaml));
    let p = by_rule(&d, "memory-poisoning-path");
    assert_eq!(p.len(), 1, "{d:#?}");
    assert_eq!(p[0].elements, strs(&["notes", "scout", "planner"]));
    assert_eq!(
        p[0].path,
        strs(&["web", "browser.fetch", "scout", "notes", "planner"])
    );
    let validated = yaml.replace(
        "kind: memory\n",
        "kind: memory\n    validated_writes: true\n",
    );
    assert!(by_rule(&run(&model(&validated)), "memory-poisoning-path").is_empty());
    let unexposed = yaml.replace("    tools: [{tool: browser.fetch}]\n", "");
    assert!(by_rule(&run(&model(&unexposed)), "memory-poisoning-path").is_empty());
}

// ---------------------------------------------------------------- properties

/// A deterministic permutation of every list of elements in the model.
fn shuffled(m: &SystemModel, seed: u64) -> SystemModel {
    fn perm<T>(v: &mut [T], seed: &mut u64) {
        for i in (1..v.len()).rev() {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let j = ((*seed >> 33) as usize) % (i + 1);
            v.swap(i, j);
        }
    }
    let mut m = m.clone();
    let mut s = seed;
    perm(&mut m.agents, &mut s);
    perm(&mut m.servers, &mut s);
    for srv in &mut m.servers {
        perm(&mut srv.tools, &mut s);
    }
    perm(&mut m.data_stores, &mut s);
    perm(&mut m.humans, &mut s);
    perm(&mut m.external_sources, &mut s);
    perm(&mut m.links, &mut s);
    for a in &mut m.agents {
        perm(&mut a.tools, &mut s);
        perm(&mut a.delegates_to, &mut s);
        perm(&mut a.reads, &mut s);
    }
    m
}

#[test]
fn output_is_deterministic_and_independent_of_element_order() {
    let m = synthetic::generate(150, 7);
    let first = run(&m);
    assert!(!first.is_empty());
    assert_eq!(first, run(&m));
    for seed in [1, 2] {
        let other = run(&shuffled(&m, seed));
        let key = |d: &Draft| (d.rule.clone(), d.elements.clone(), d.path.clone());
        let a: Vec<_> = first.iter().map(key).collect();
        let b: Vec<_> = other.iter().map(key).collect();
        assert_eq!(a, b, "shuffle {seed} changed what is reported");
        assert_eq!(first, other, "shuffle {seed} changed the drafts");
    }
}

#[test]
fn trust_table_matches_the_per_node_helpers() {
    let mut models = vec![synthetic::generate(60, 3)];
    models.push(with_tools("agents:\n  - id: x\n", CUSTOMERS));
    // Ids used twice (which validation rejects): the index must find the same element as
    // the per-node search of the model's lists.
    models.push(unchecked(
        r#"{"warden": 1, "system": {"name": "t"},
            "zones": [{"id": "z", "trust": "untrusted"}, {"id": "z", "trust": "internal"}],
            "humans": [{"id": "h"}, {"id": "h", "internal": true}],
            "external_sources": [{"id": "e", "trusted": true}, {"id": "e"}],
            "servers": [{"id": "s", "trust": "partner", "tools": [{"id": "t", "capabilities": ["credentials"]}]},
                        {"id": "s", "zone": "z", "tools": [{"id": "t", "capabilities": ["messaging"]}]}],
            "data_stores": [{"id": "d", "sensitivity": "restricted", "zone": "z"}, {"id": "d"}]}"#,
    ));
    for m in &models {
        let g = Graph::build(m);
        let t = TrustTable::build(m, &g);
        for i in 0..g.nodes.len() {
            assert_eq!(t.trust[i], trust::node_trust(m, &g, i), "{}", g.nodes[i].id);
            assert_eq!(
                t.sensitivity[i],
                trust::node_sensitivity(m, &g, i),
                "{}",
                g.nodes[i].id
            );
            assert_eq!(
                t.sink[i],
                trust::is_exfiltration_sink(m, &g, i),
                "{}",
                g.nodes[i].id
            );
        }
    }
}

/// A model straight from JSON, without the loader's validation.
fn unchecked(json: &str) -> SystemModel {
    match serde_json::from_str(json) {
        Ok(m) => m,
        Err(e) => panic!("test model does not deserialize: {e}"),
    }
}

#[test]
fn odd_models_do_not_panic() {
    let head = r#""warden": 1, "system": {"name": "t"}"#;
    let odd = [
        format!("{{{head}}}"),
        format!(
            r#"{{{head}, "agents": [{{"id": "a", "delegates_to": ["a", "ghost"], "reads": ["nothing"],
                "tools": [{{"tool": "nowhere.x"}}, {{"tool": "*"}}, {{"tool": ".*"}}]}}]}}"#
        ),
        format!(
            r#"{{{head}, "agents": [{{"id": "a"}}, {{"id": "a", "identity": "shared-service-account"}}],
                "data_stores": [{{"id": "a", "writers": ["a", "a"]}}],
                "servers": [{{"id": "a.b", "tools": [{{"id": "c", "writes": ["a"]}}]}}, {{"id": "a", "tools": [{{"id": "b.c"}}]}}]}}"#
        ),
        format!(
            r#"{{{head}, "agents": [{{"id": "a", "memory": {{"kind": "long-term", "store": "a", "shared_with": ["a", "b"]}}}}],
                "links": [{{"from": "a", "to": "a"}}, {{"from": "ghost", "to": "a", "on_behalf_of": "a"}}]}}"#
        ),
    ];
    for j in odd {
        let _ = run(&unchecked(&j));
    }
}

#[test]
fn synthetic_models_are_valid() {
    let m = synthetic::generate(120, 5);
    let json = serde_json::to_string(&m).unwrap_or_default();
    if let Err(e) = parse_str("synthetic.json", &json) {
        panic!("synthetic model does not validate: {e:?}");
    }
    assert_eq!(m, synthetic::generate(120, 5));
    assert_ne!(m, synthetic::generate(120, 6));
}

#[test]
fn synthetic_10k_smoke() {
    let m = synthetic::generate(1000, 42);
    let g = Graph::build(&m);
    assert!(
        g.nodes.len() + m.links.len() >= 9_000,
        "{} elements",
        g.nodes.len() + m.links.len()
    );
    let drafts = analyses::run(&m, &g);
    let catalog = warden_catalog::Catalog::builtin();
    let rules: Vec<&str> = analyses::ANALYSES.iter().map(|&(id, _)| id).collect();
    for &r in &rules {
        let n = by_rule(&drafts, r).len();
        assert!(n > 0 && n <= 500, "{r}: {n}");
    }
    let order: Vec<Option<usize>> = drafts
        .iter()
        .map(|d| rules.iter().position(|&r| r == d.rule))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "drafts do not come in the order of ANALYSES"
    );
    for d in &drafts {
        assert!(rules.contains(&d.rule.as_str()));
        assert!(d.cross_layer && d.layers.len() >= 2, "{d:?}");
        assert!((1..=4).contains(&d.likelihood) && (1..=4).contains(&d.impact));
        assert!(!d.elements.is_empty() && !d.path.is_empty() && !d.title.is_empty());
        assert!(
            d.elements
                .iter()
                .chain(&d.path)
                .all(|e| g.node(e).is_some()),
            "{d:?}"
        );
        assert!(
            d.controls.iter().all(|c| catalog.control(c).is_some()),
            "{d:?}"
        );
    }
}

/// Timing on the 10,000-element model; run with
/// `cargo test -p warden-threats --release --test analyses -- --ignored --nocapture`.
#[test]
#[ignore]
fn synthetic_10k_timing() {
    let m = synthetic::generate(1000, 42);
    let g = Graph::build(&m);
    let mut best = std::time::Duration::MAX;
    let mut n = 0;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        n = analyses::run(&m, &g).len();
        best = best.min(t.elapsed());
    }
    eprintln!(
        "{} nodes, {} edges, {} links: {n} drafts, best of 5: {best:?}",
        g.nodes.len(),
        g.edges.len(),
        m.links.len()
    );
}
