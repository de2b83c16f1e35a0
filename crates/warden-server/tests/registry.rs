//! The register and the system model as one truth: `registry::import` of the example models
//! (capabilities, config hash, risk tier, owners), the widening rule, register-only agents,
//! and `registry::export` producing valid models that import back unchanged.

mod common;

use std::path::Path;

use warden_model::{Loaded, SystemModel, ToolGrant};
use warden_server::registry::{self, ImportOutcome, ImportReport};
use warden_store::{AgentRecord, Lifecycle, NewAgent, RiskTier, Store};
use warden_threats::engine;
use warden_threats::finding::{Finding, Status};

const ACTOR: &str = "alice";

fn load(name: &str) -> Loaded {
    let path = common::examples().join(name);
    warden_model::load_file(&path).unwrap_or_else(|d| panic!("{}: {d:?}", path.display()))
}

fn findings(loaded: &Loaded) -> Vec<Finding> {
    engine::analyze(
        loaded,
        loaded.source.text.as_bytes(),
        warden_catalog::Catalog::builtin(),
        &Default::default(),
    )
    .findings
}

fn customer_support() -> (SystemModel, Vec<Finding>) {
    let loaded = load("customer-support.yaml");
    let findings = findings(&loaded);
    (loaded.model, findings)
}

/// A fresh SQLite store in its own directory (kept alive by the returned guard).
async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_sqlite(&dir.path().join("warden.db"))
        .await
        .expect("open store");
    (store, dir)
}

async fn import(store: &Store, model: &SystemModel, findings: &[Finding]) -> ImportReport {
    registry::import(store, model, findings, ACTOR, false)
        .await
        .expect("import")
}

async fn import_widening(store: &Store, model: &SystemModel, findings: &[Finding]) -> ImportReport {
    registry::import(store, model, findings, ACTOR, true)
        .await
        .expect("import")
}

fn outcome<'a>(report: &'a ImportReport, id: &str) -> &'a ImportOutcome {
    report
        .agents
        .iter()
        .find(|(a, _)| a == id)
        .map(|(_, o)| o)
        .unwrap_or_else(|| panic!("no outcome for `{id}` in {report:?}"))
}

async fn record(store: &Store, id: &str) -> AgentRecord {
    store
        .get_agent(id)
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("`{id}` is not in the register"))
}

async fn move_to(store: &Store, id: &str, path: &[Lifecycle]) {
    for to in path {
        let from = record(store, id).await.state;
        store
            .transition(id, from, *to, ACTOR, "test")
            .await
            .expect("transition");
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn agent_mut<'a>(model: &'a mut SystemModel, id: &str) -> &'a mut warden_model::Agent {
    model
        .agents
        .iter_mut()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("no agent `{id}` in the model"))
}

fn grant(tool: &str) -> ToolGrant {
    ToolGrant {
        tool: tool.to_string(),
        ..Default::default()
    }
}

/// The risk tier the findings imply for `agent`: its most severe *open* finding, else low.
fn expected_tier(findings: &[Finding], agent: &str) -> RiskTier {
    findings
        .iter()
        .filter(|f| f.status == Status::Open && f.elements.iter().any(|e| e == agent))
        .map(|f| f.severity)
        .max()
        .map_or(RiskTier::Low, |s| {
            s.as_str().parse().expect("same spelling")
        })
}

/// Write `model` as JSON to `path` and read it back through the model loader, with every
/// check the CLI runs (structure, references, catalogue control ids).
fn validate_via_file(model: &SystemModel, path: &Path) -> Loaded {
    let json = serde_json::to_string_pretty(model).expect("serialize");
    std::fs::write(path, json).expect("write");
    let loaded = warden_model::load_file(path)
        .unwrap_or_else(|d| panic!("exported model does not load: {d:#?}"));
    let known = warden_catalog::Catalog::builtin()
        .controls
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let diags = warden_model::check_controls(&loaded, &known);
    assert!(diags.is_empty(), "unknown controls: {diags:#?}");
    loaded
}

// -------------------------------------------------------------------------- import

#[tokio::test]
async fn import_creates_proposed_entries_as_the_model_says() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    let report = import(&store, &model, &findings).await;

    let ids: Vec<&str> = report.agents.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "triage",
            "resolution",
            "memory-curator",
            "qa-reviewer",
            "kb-drafter"
        ]
    );
    assert!(
        report
            .agents
            .iter()
            .all(|(_, o)| *o == ImportOutcome::Created),
        "{report:?}"
    );
    assert!(!report.has_refusals());

    for id in ids {
        let rec = record(&store, id).await;
        assert_eq!(rec.state, Lifecycle::Proposed, "{id}");
        let history = store.history(id).await.expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].actor, ACTOR);
        assert_eq!(history[0].from, None);
        assert_eq!(history[0].reason, "imported from the system model");
    }

    // Capabilities, written out by hand from examples/customer-support.yaml.
    let resolution = record(&store, "resolution").await;
    assert_eq!(resolution.owner, "Support Platform team");
    assert_eq!(resolution.display_name.as_deref(), Some("Resolution agent"));
    assert_eq!(resolution.model_provider.as_deref(), Some("anthropic"));
    assert_eq!(resolution.model_name.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(
        resolution.model_version.as_deref(),
        Some("claude-sonnet-4-5-20250929")
    );
    assert_eq!(
        resolution.capabilities.tools,
        strings(&[
            "chat.post-reply",
            "crm.add-internal-note",
            "crm.issue-refund",
            "crm.read-customer",
            "crm.search-orders",
            "crm.update-ticket",
            "helpcentre.get-article",
            "helpcentre.search-articles",
            "mailer.send-email",
        ])
    );
    assert_eq!(
        resolution.capabilities.servers,
        strings(&["chat", "crm", "helpcentre", "mailer"])
    );
    // Tools' classes (crm.issue-refund brings financial and payment) and transcripts'.
    assert_eq!(
        resolution.capabilities.data_classes,
        strings(&["customer", "financial", "payment", "pii"])
    );

    // kb-drafter's tools hold no classes; its classes come from the store it reads.
    let drafter = record(&store, "kb-drafter").await;
    assert_eq!(drafter.owner, "Knowledge team");
    assert_eq!(drafter.capabilities.servers, strings(&["helpcentre"]));
    assert_eq!(
        drafter.capabilities.tools,
        strings(&["helpcentre.draft-article", "helpcentre.search-articles"])
    );
    assert_eq!(
        drafter.capabilities.data_classes,
        strings(&["customer", "pii"])
    );

    let qa = record(&store, "qa-reviewer").await;
    assert_eq!(qa.owner, "CX Quality team");
    assert_eq!(qa.capabilities.tools, strings(&["crm.add-internal-note"]));
    assert_eq!(qa.capabilities.servers, strings(&["crm"]));
    assert_eq!(qa.capabilities.data_classes, strings(&["customer", "pii"]));

    // Controls: implemented or partial, system-wide or scoped to the agent; the refund
    // approval is scoped to a tool and the planned ones do not count.
    let triage = record(&store, "triage").await;
    assert_eq!(
        triage.controls,
        strings(&[
            "WC-EGRESS-CONTROL",
            "WC-INPUT-SCAN",
            "WC-LOG-REDACTION",
            "WC-RATE-LIMIT",
        ])
    );
}

#[tokio::test]
async fn config_hash_is_stable_and_tracks_the_agent_entry() {
    let (model, findings) = customer_support();
    let (again, _) = customer_support();
    let hash = |m: &SystemModel, id: &str| {
        registry::plan(m, &findings)
            .into_iter()
            .map(|e| e.expect("entry"))
            .find(|e| e.id == id)
            .and_then(|e| e.config_hash)
            .expect("a config hash")
    };
    let h = hash(&model, "triage");
    let digest = h.strip_prefix("sha256:").expect("sha256: prefix");
    assert_eq!(digest.len(), 64, "{h}");
    assert!(
        digest
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(h, hash(&again, "triage"), "stable across loads");
    assert_ne!(h, hash(&model, "resolution"), "differs between agents");

    let (store, _dir) = store().await;
    import(&store, &model, &findings).await;
    assert_eq!(record(&store, "triage").await.config_hash, Some(h.clone()));

    // The register-owned fields do not change it; a configuration change does.
    let mut tiered = model.clone();
    agent_mut(&mut tiered, "triage").risk_tier = Some(warden_model::RiskTier::Critical);
    agent_mut(&mut tiered, "triage").lifecycle = Some(warden_model::Lifecycle::Active);
    assert_eq!(hash(&tiered, "triage"), h);
    let mut changed = model.clone();
    agent_mut(&mut changed, "triage").limits.max_steps = Some(16);
    assert_ne!(hash(&changed, "triage"), h);
}

#[tokio::test]
async fn risk_tier_follows_the_most_severe_open_finding_unless_declared() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    import(&store, &model, &findings).await;

    let mut tiers = Vec::new();
    for agent in &model.agents {
        let expected = expected_tier(&findings, &agent.id);
        assert_eq!(
            record(&store, &agent.id).await.risk_tier,
            expected,
            "{}",
            agent.id
        );
        tiers.push(expected);
    }
    assert!(
        tiers.iter().any(|t| *t != RiskTier::Low),
        "the example must exercise a derived tier above low: {tiers:?}"
    );
    // Accepted (and mitigated) findings do not raise the tier: triage's shared service
    // account is accepted in the model.
    let accepted: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            matches!(f.status, Status::Accepted { .. }) && f.elements.iter().any(|e| e == "triage")
        })
        .collect();
    assert!(!accepted.is_empty(), "the example accepts a triage risk");

    // A declared tier wins over the derived one, in either direction.
    let resolution_derived = expected_tier(&findings, "resolution");
    let declared = if resolution_derived == RiskTier::Low {
        warden_model::RiskTier::Critical
    } else {
        warden_model::RiskTier::Low
    };
    let mut model2 = model.clone();
    agent_mut(&mut model2, "resolution").risk_tier = Some(declared);
    let report = import(&store, &model2, &findings).await;
    assert_eq!(
        outcome(&report, "resolution"),
        &ImportOutcome::Updated { widened: vec![] }
    );
    let expected: RiskTier = format!("{declared:?}")
        .to_lowercase()
        .parse()
        .expect("tier");
    assert_ne!(expected, resolution_derived);
    assert_eq!(record(&store, "resolution").await.risk_tier, expected);
}

#[tokio::test]
async fn reimport_is_unchanged_and_an_ownerless_agent_is_refused() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    import(&store, &model, &findings).await;
    let before = store.list_agents(&Default::default()).await.expect("list");

    let report = import(&store, &model, &findings).await;
    assert_eq!(report.agents.len(), 5);
    assert!(
        report
            .agents
            .iter()
            .all(|(_, o)| *o == ImportOutcome::Unchanged),
        "{report:?}"
    );
    assert_eq!(
        store.list_agents(&Default::default()).await.expect("list"),
        before,
        "an unchanged import writes nothing"
    );

    let mut orphans = model.clone();
    let mut nobody = orphans.agents[3].clone();
    nobody.id = "orphan".into();
    nobody.owner = None;
    let mut blank = orphans.agents[3].clone();
    blank.id = "blank-owner".into();
    blank.owner = Some("   ".into());
    orphans.agents.push(nobody);
    orphans.agents.push(blank);
    let report = import(&store, &orphans, &findings).await;
    assert!(report.has_refusals());
    for id in ["orphan", "blank-owner"] {
        match outcome(&report, id) {
            ImportOutcome::Refused { reason } => {
                assert!(reason.contains("owner"), "{reason}");
                assert!(reason.contains(id), "{reason}");
            }
            other => panic!("{id}: expected a refusal, got {other:?}"),
        }
        assert!(
            store.get_agent(id).await.expect("read").is_none(),
            "nothing is written for `{id}`"
        );
    }
    assert_eq!(outcome(&report, "triage"), &ImportOutcome::Unchanged);
}

// ------------------------------------------------------------------------ widening

#[tokio::test]
async fn widening_an_active_agent_needs_acceptance_narrowing_does_not() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    import(&store, &model, &findings).await;
    move_to(
        &store,
        "qa-reviewer",
        &[Lifecycle::Approved, Lifecycle::Active],
    )
    .await;
    let before = record(&store, "qa-reviewer").await;

    let mut wider = model.clone();
    agent_mut(&mut wider, "qa-reviewer")
        .tools
        .push(grant("crm.issue-refund"));
    let report = import(&store, &wider, &findings).await;
    match outcome(&report, "qa-reviewer") {
        ImportOutcome::Refused { reason } => {
            assert!(reason.contains("crm.issue-refund"), "{reason}");
            assert!(reason.contains("active"), "{reason}");
            assert!(reason.contains("--accept-widening"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(report.has_refusals());
    assert_eq!(
        record(&store, "qa-reviewer").await,
        before,
        "register untouched"
    );
    // The other agents are unaffected by the refusal.
    assert_eq!(outcome(&report, "triage"), &ImportOutcome::Unchanged);

    let report = import_widening(&store, &wider, &findings).await;
    match outcome(&report, "qa-reviewer") {
        ImportOutcome::Updated { widened } => {
            assert!(
                widened.contains(&"tool crm.issue-refund".to_string()),
                "{widened:?}"
            );
            assert!(
                widened.contains(&"data class financial".to_string()),
                "{widened:?}"
            );
            assert!(
                widened.contains(&"data class payment".to_string()),
                "{widened:?}"
            );
        }
        other => panic!("expected an update, got {other:?}"),
    }
    let after = record(&store, "qa-reviewer").await;
    assert!(
        after
            .capabilities
            .tools
            .contains(&"crm.issue-refund".to_string())
    );
    assert_eq!(
        after.state,
        Lifecycle::Active,
        "import never changes the state"
    );
    assert_eq!(after.version, before.version + 1);

    // Back to the original model: narrowing, accepted without the flag.
    let report = import(&store, &model, &findings).await;
    assert_eq!(
        outcome(&report, "qa-reviewer"),
        &ImportOutcome::Updated { widened: vec![] }
    );
    assert_eq!(
        record(&store, "qa-reviewer").await.capabilities,
        before.capabilities
    );

    // Removing a grant from an active agent is narrowing too.
    move_to(&store, "triage", &[Lifecycle::Approved, Lifecycle::Active]).await;
    let mut narrower = model.clone();
    agent_mut(&mut narrower, "triage")
        .tools
        .retain(|g| g.tool != "chat.post-reply");
    let report = import(&store, &narrower, &findings).await;
    assert_eq!(
        outcome(&report, "triage"),
        &ImportOutcome::Updated { widened: vec![] }
    );
    assert!(
        !record(&store, "triage")
            .await
            .capabilities
            .tools
            .contains(&"chat.post-reply".to_string())
    );
}

#[tokio::test]
async fn widening_needs_acceptance_for_approved_and_suspended_agents_too() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    import(&store, &model, &findings).await;
    move_to(&store, "qa-reviewer", &[Lifecycle::Approved]).await;
    move_to(
        &store,
        "memory-curator",
        &[Lifecycle::Approved, Lifecycle::Active, Lifecycle::Suspended],
    )
    .await;
    let mut wider = model.clone();
    for id in ["qa-reviewer", "memory-curator"] {
        agent_mut(&mut wider, id)
            .tools
            .push(grant("mailer.send-email"));
    }
    let report = import(&store, &wider, &findings).await;
    for (id, state) in [("qa-reviewer", "approved"), ("memory-curator", "suspended")] {
        match outcome(&report, id) {
            ImportOutcome::Refused { reason } => {
                assert!(reason.contains("mailer.send-email"), "{reason}");
                assert!(reason.contains("server mailer"), "{reason}");
                assert!(reason.contains(state), "{reason}");
            }
            other => panic!("{id}: expected a refusal, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_proposed_agent_may_widen_a_retired_one_never_changes() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    import(&store, &model, &findings).await;

    let mut wider = model.clone();
    agent_mut(&mut wider, "kb-drafter")
        .tools
        .push(grant("crm.read-customer"));
    let report = import(&store, &wider, &findings).await;
    match outcome(&report, "kb-drafter") {
        ImportOutcome::Updated { widened } => {
            assert!(
                widened.contains(&"tool crm.read-customer".to_string()),
                "{widened:?}"
            );
            assert!(widened.contains(&"server crm".to_string()), "{widened:?}");
        }
        other => panic!("expected an update, got {other:?}"),
    }
    assert!(!report.has_refusals());
    let drafter = record(&store, "kb-drafter").await;
    assert_eq!(drafter.state, Lifecycle::Proposed);
    assert!(
        drafter
            .capabilities
            .tools
            .contains(&"crm.read-customer".to_string())
    );

    move_to(&store, "memory-curator", &[Lifecycle::Retired]).await;
    let retired = record(&store, "memory-curator").await;
    let mut changed = model.clone();
    agent_mut(&mut changed, "memory-curator").purpose = Some("something else".into());
    for accept in [false, true] {
        let report = registry::import(&store, &changed, &findings, ACTOR, accept)
            .await
            .expect("import");
        match outcome(&report, "memory-curator") {
            ImportOutcome::Refused { reason } => assert!(reason.contains("retired"), "{reason}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(record(&store, "memory-curator").await, retired);
    }
}

#[tokio::test]
async fn register_only_agents_are_reported_not_in_model() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    let side = NewAgent {
        id: "side-bot".into(),
        display_name: None,
        owner: "ops".into(),
        purpose: None,
        model_provider: None,
        model_name: None,
        model_version: None,
        config_hash: None,
        capabilities: Default::default(),
        risk_tier: RiskTier::Low,
        controls: vec![],
    };
    store
        .register_agent(side.clone(), ACTOR, "by hand")
        .await
        .expect("register");
    let report = import(&store, &model, &findings).await;
    assert_eq!(report.agents.len(), 6);
    assert_eq!(
        report.agents.last(),
        Some(&("side-bot".to_string(), ImportOutcome::NotInModel)),
        "register-only agents come after the model's"
    );
    assert!(!report.has_refusals());
    // Left alone.
    let rec = record(&store, "side-bot").await;
    assert_eq!(rec.version, 1);
    assert_eq!(rec.owner, "ops");
}

// -------------------------------------------------------------------------- export

#[tokio::test]
async fn export_into_the_base_model_writes_tier_and_lifecycle_and_validates() {
    let (model, findings) = customer_support();
    let (store, dir) = store().await;
    import(&store, &model, &findings).await;
    move_to(&store, "triage", &[Lifecycle::Approved, Lifecycle::Active]).await;
    move_to(&store, "qa-reviewer", &[Lifecycle::Approved]).await;
    let records = store.list_agents(&Default::default()).await.expect("list");

    let exported = registry::export(&records, Some(model.clone()));
    assert_eq!(exported.agents.len(), model.agents.len());
    for agent in &exported.agents {
        let rec = records.iter().find(|r| r.id == agent.id).expect("record");
        let tier = agent.risk_tier.expect("risk_tier written");
        assert_eq!(format!("{tier:?}").to_lowercase(), rec.risk_tier.as_str());
        let lifecycle = agent.lifecycle.expect("lifecycle written");
        assert_eq!(format!("{lifecycle:?}").to_lowercase(), rec.state.as_str());
    }
    assert_eq!(
        agent_mut(&mut exported.clone(), "triage").lifecycle,
        Some(warden_model::Lifecycle::Active)
    );
    assert_eq!(
        agent_mut(&mut exported.clone(), "qa-reviewer").lifecycle,
        Some(warden_model::Lifecycle::Approved)
    );
    // Nothing else changes: without those two fields it is the base model.
    let mut stripped = exported.clone();
    for a in &mut stripped.agents {
        a.risk_tier = None;
        a.lifecycle = None;
    }
    assert_eq!(stripped, model);

    let reloaded = validate_via_file(&exported, &dir.path().join("exported.json"));
    assert_eq!(reloaded.model, exported);
}

#[tokio::test]
async fn export_without_base_is_a_valid_minimal_model() {
    let (store, dir) = store().await;
    let entry = NewAgent {
        id: "billing-bot".into(),
        display_name: Some("Billing bot".into()),
        owner: "team-payments".into(),
        purpose: Some("Pays invoices".into()),
        model_provider: Some("anthropic".into()),
        model_name: Some("claude".into()),
        model_version: None,
        config_hash: None,
        capabilities: warden_store::Capabilities {
            servers: strings(&["billing", "ledger"]),
            tools: strings(&["billing.pay", "billing.refund", "ledger.*"]),
            data_classes: strings(&["financial"]),
        },
        risk_tier: RiskTier::High,
        controls: vec![],
    };
    store
        .register_agent(entry, ACTOR, "by hand")
        .await
        .expect("register");
    let mut second = store
        .get_agent("billing-bot")
        .await
        .expect("read")
        .expect("agent");
    second.id = "reader".into();
    second.capabilities.tools = strings(&["billing.pay"]);
    store
        .register_agent(
            NewAgent {
                id: second.id.clone(),
                display_name: None,
                owner: "team-payments".into(),
                purpose: None,
                model_provider: None,
                model_name: None,
                model_version: None,
                config_hash: None,
                capabilities: second.capabilities.clone(),
                risk_tier: RiskTier::Low,
                controls: vec![],
            },
            ACTOR,
            "by hand",
        )
        .await
        .expect("register");
    move_to(&store, "reader", &[Lifecycle::Retired]).await;
    let records = store.list_agents(&Default::default()).await.expect("list");

    let exported = registry::export(&records, None);
    assert_eq!(exported.warden, warden_model::FORMAT_VERSION);
    let ids: Vec<&str> = exported.agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["billing-bot", "reader"]);
    let bot = &exported.agents[0];
    assert_eq!(bot.owner.as_deref(), Some("team-payments"));
    assert_eq!(bot.name.as_deref(), Some("Billing bot"));
    assert_eq!(bot.risk_tier, Some(warden_model::RiskTier::High));
    assert_eq!(bot.lifecycle, Some(warden_model::Lifecycle::Proposed));
    let grants: Vec<&str> = bot.tools.iter().map(|g| g.tool.as_str()).collect();
    assert_eq!(grants, ["billing.pay", "billing.refund", "ledger.*"]);
    assert_eq!(
        exported.agents[1].lifecycle,
        Some(warden_model::Lifecycle::Retired)
    );
    // One stub per server, one stub tool per named tool (none for the wildcard), no
    // duplicates although two agents grant billing.pay.
    let servers: Vec<&str> = exported.servers.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(servers, ["billing", "ledger"]);
    let billing: Vec<&str> = exported.servers[0]
        .tools
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(billing, ["pay", "refund"]);
    assert!(exported.servers[1].tools.is_empty());

    let reloaded = validate_via_file(&exported, &dir.path().join("minimal.json"));
    assert_eq!(reloaded.model, exported);
}

#[tokio::test]
async fn import_of_the_export_is_unchanged() {
    for name in ["customer-support.yaml", "finance-ops.yaml"] {
        let (store, dir) = store().await;
        let loaded = load(name);
        let found = findings(&loaded);
        // Tiers the model does not declare come from findings; declare one so both paths
        // are covered.
        let mut declared = loaded.model;
        declared.agents[0].risk_tier = Some(warden_model::RiskTier::Critical);
        let report = import(&store, &declared, &found).await;
        assert!(!report.has_refusals(), "{name}: {report:?}");
        let first = declared.agents[0].id.clone();
        move_to(&store, &first, &[Lifecycle::Approved, Lifecycle::Active]).await;
        let before = store.list_agents(&Default::default()).await.expect("list");

        let exported = registry::export(&before, Some(declared.clone()));
        let reloaded = validate_via_file(&exported, &dir.path().join("exported.json"));
        let report = import(&store, &reloaded.model, &findings(&reloaded)).await;
        assert_eq!(report.agents.len(), declared.agents.len(), "{name}");
        for agent in &declared.agents {
            assert_eq!(
                outcome(&report, &agent.id),
                &ImportOutcome::Unchanged,
                "{name}: {}",
                agent.id
            );
        }
        assert_eq!(
            store.list_agents(&Default::default()).await.expect("list"),
            before,
            "{name}: the round trip wrote nothing"
        );
    }
}

/// A retired agent that the model still describes exactly as the register does is not a
/// change, so a re-import (e.g. of `registry export`'s own output, which keeps retired
/// agents with `lifecycle: retired`) should not report it as refused.
#[tokio::test]
async fn an_unchanged_retired_agent_is_not_refused() {
    let (model, findings) = customer_support();
    let (store, _dir) = store().await;
    import(&store, &model, &findings).await;
    move_to(&store, "kb-drafter", &[Lifecycle::Retired]).await;
    let records = store.list_agents(&Default::default()).await.expect("list");
    let exported = registry::export(&records, Some(model.clone()));
    let report = import(&store, &exported, &findings).await;
    assert_eq!(outcome(&report, "kb-drafter"), &ImportOutcome::Unchanged);
    assert!(!report.has_refusals(), "{report:?}");
}
