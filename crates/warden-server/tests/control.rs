//! The control plane's rules, end to end through `ControlPlane`: only active agents get
//! tokens (scoped to their manifest), lifecycle transitions are checked, suspending and
//! retiring revoke (time-scoped), revocations by token and by block cascade exactly as far
//! as they should, revocations reach other processes sharing the store, root keys rotate
//! and retire, concurrent transitions have one winner, and bad tokens are refused.
//!
//! Tests about the shared store run on SQLite and, when `WARDEN_TEST_DATABASE_URL` is set,
//! on PostgreSQL (a fresh schema each, dropped afterwards).

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use common::{Env, active_agent, agent, refused};
use warden_identity::{
    AttenuateRequest, IssuedToken, KeyRing, KeyState, RevocationSet, RevokedBy, TokenError,
    Verifier, VerifierConfig,
};
use warden_server::{ControlError, ControlPlane, IssueOptions};
use warden_store::{Lifecycle, RevocationKind, StoreError};

const TOOLS: &[&str] = &["crm.read", "crm.write", "kb.*"];

async fn issue_default(plane: &ControlPlane, id: &str) -> Result<IssuedToken, ControlError> {
    plane.issue_token(id, &IssueOptions::default()).await
}

/// How a token fails to verify on `plane`; panics if it verifies.
fn token_error(plane: &ControlPlane, token: &str) -> TokenError {
    match plane.verify_token(token) {
        Err(ControlError::Token(e)) => e,
        other => panic!("expected a token error, got {other:?}"),
    }
}

/// What revoked `token` on `plane`; panics on any other outcome.
fn revoked_by(plane: &ControlPlane, token: &str) -> RevokedBy {
    match token_error(plane, token) {
        TokenError::Revoked { what } => what,
        other => panic!("expected a revocation, got {other:?}"),
    }
}

fn verifies(plane: &ControlPlane, token: &IssuedToken) {
    if let Err(e) = plane.verify_token(&token.token) {
        panic!("token for `{}` should verify: {e}", token.agent_id);
    }
}

/// Delegate `parent` to `delegate` with the parent's (whole) last scope.
fn delegate(plane: &ControlPlane, parent: &IssuedToken, delegate: &str) -> IssuedToken {
    let scope = plane
        .verify_token(&parent.token)
        .expect("parent verifies")
        .effective_scope()
        .cloned()
        .expect("a scope");
    let request = AttenuateRequest {
        delegate: delegate.to_string(),
        scope,
        ttl: None,
        max_depth: None,
    };
    plane.attenuate(&parent.token, &request).expect("attenuate")
}

fn depth(max_depth: u8) -> IssueOptions {
    IssueOptions {
        max_depth,
        ..Default::default()
    }
}

/// Past the millisecond of the latest revocation, so a token issued next is strictly later
/// (agent revocations cover every token issued at or before their time).
async fn next_millisecond() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

/// The time of the agent revocation recorded for `id`.
async fn agent_revocation_at(plane: &ControlPlane, id: &str) -> i64 {
    let all = plane
        .store()
        .revocations_since(0, 10_000)
        .await
        .expect("revocations");
    all.iter()
        .filter(|r| r.kind == RevocationKind::Agent && r.value == id)
        .map(|r| r.at_ms)
        .max()
        .expect("an agent revocation")
}

/// When `token` was issued, read from the token itself by a verifier that knows no
/// revocations.
fn issued_at_ms(env: &Env, token: &IssuedToken) -> i64 {
    let keys = KeyRing::open_or_create(&env.dir.join("identity")).expect("key ring");
    let verifier = Verifier::new(
        keys.key_set(),
        Arc::new(RevocationSet::new()),
        VerifierConfig::new("warden"),
    );
    verifier
        .verify_uncached(&token.token, token.expires_at_ms - 1)
        .expect("verifies without revocations")
        .issued_at_ms
}

// ------------------------------------------------------------------ issue and verify

async fn issue_and_verify(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &["pii", "customer"])).await;

    let token = plane
        .issue_token("a", &IssueOptions::default())
        .await
        .expect("issue to an active agent");
    assert_eq!(token.agent_id, "a");
    let v = plane.verify_token(&token.token).expect("verifies");
    assert_eq!(v.acting_agent(), "a");
    assert_eq!(v.subject, "a", "the agent acts for itself by default");
    assert_eq!(v.owner, "team-test");
    assert_eq!(v.actors, vec!["a".to_string()]);
    assert_eq!(v.token_id, token.token_id);
    assert_eq!(v.audience, "warden");
    assert_eq!(v.scopes.len(), 1);
    let tools: Vec<&str> = v.scopes[0].tools.keys().map(String::as_str).collect();
    assert_eq!(tools, TOOLS, "the scope is the manifest's tools");
    assert!(
        v.scopes[0].tools.values().all(|r| r.arguments.is_empty()),
        "{:?}",
        v.scopes[0]
    );
    let classes: Vec<&str> = v.scopes[0]
        .data_classes
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(classes, ["customer", "pii"]);
    assert!(v.permits("crm", "read", &serde_json::json!({})).is_ok());
    assert!(v.permits("kb", "anything", &serde_json::json!({})).is_ok());
    assert!(v.permits("crm", "delete", &serde_json::json!({})).is_err());

    // On behalf of someone else: the subject changes, the acting agent does not.
    let for_alice = plane
        .issue_token(
            "a",
            &IssueOptions {
                on_behalf_of: Some("user:alice".into()),
                ..Default::default()
            },
        )
        .await
        .expect("issue on behalf of alice");
    let v = plane.verify_token(&for_alice.token).expect("verifies");
    assert_eq!(v.subject, "user:alice");
    assert_eq!(v.acting_agent(), "a");

    // The register records what it issued.
    let detail = plane.agent("a").await.expect("read").expect("agent a");
    let recorded: BTreeSet<&str> = detail.tokens.iter().map(|t| t.token_id.as_str()).collect();
    assert_eq!(
        recorded,
        BTreeSet::from([token.token_id.as_str(), for_alice.token_id.as_str()])
    );
    assert!(detail.tokens.iter().all(|t| t.agent_id == "a"));
}

async fn tokens_only_for_active_agents(env: Env) {
    let plane = env.plane().await;

    plane
        .register(agent("p", TOOLS, &[]), "alice", "new")
        .await
        .expect("register");
    let msg = refused(issue_default(&plane, "p").await);
    assert!(msg.contains("proposed"), "{msg}");

    plane
        .transition("p", Lifecycle::Approved, "alice", "ok")
        .await
        .expect("approve");
    let msg = refused(issue_default(&plane, "p").await);
    assert!(msg.contains("approved"), "{msg}");

    plane
        .transition("p", Lifecycle::Active, "alice", "go")
        .await
        .expect("activate");
    issue_default(&plane, "p").await.expect("active: issued");

    plane
        .transition("p", Lifecycle::Suspended, "alice", "stop")
        .await
        .expect("suspend");
    let msg = refused(issue_default(&plane, "p").await);
    assert!(msg.contains("suspended"), "{msg}");

    plane
        .transition("p", Lifecycle::Retired, "alice", "gone")
        .await
        .expect("retire");
    let msg = refused(issue_default(&plane, "p").await);
    assert!(msg.contains("retired"), "{msg}");

    let msg = refused(issue_default(&plane, "nobody").await);
    assert!(msg.contains("nobody"), "{msg}");

    // Nothing was recorded for the refusals: only the one token issued while active.
    let detail = plane.agent("p").await.expect("read").expect("agent p");
    assert_eq!(detail.tokens.len(), 1);
}

async fn tool_narrowing_stays_within_the_manifest(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &["pii"])).await;
    let narrow = |tools: &[&str]| IssueOptions {
        tools: tools.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };

    for outside in ["crm.delete", "billing.pay", "crm.*", "*"] {
        let msg = refused(plane.issue_token("a", &narrow(&[outside])).await);
        assert!(msg.contains(outside), "{outside}: {msg}");
    }
    // One bad tool spoils the request, even next to good ones.
    let msg = refused(
        plane
            .issue_token("a", &narrow(&["crm.read", "crm.delete"]))
            .await,
    );
    assert!(msg.contains("crm.delete"), "{msg}");

    let token = plane
        .issue_token("a", &narrow(&["crm.read", "kb.search"]))
        .await
        .expect("narrowing inside the manifest (kb.search is under kb.*)");
    let v = plane.verify_token(&token.token).expect("verifies");
    let tools: Vec<&str> = v.scopes[0].tools.keys().map(String::as_str).collect();
    assert_eq!(tools, ["crm.read", "kb.search"]);
    assert!(v.permits("crm", "read", &serde_json::json!({})).is_ok());
    assert!(v.permits("crm", "write", &serde_json::json!({})).is_err());
    assert!(v.permits("kb", "other", &serde_json::json!({})).is_err());
    // Narrowing tools keeps the manifest's data classes.
    assert!(v.permits_data_class("pii"));
}

async fn disallowed_transitions_name_the_allowed_ones(env: Env) {
    let plane = env.plane().await;
    plane
        .register(agent("a", TOOLS, &[]), "alice", "new")
        .await
        .expect("register");

    let msg = refused(
        plane
            .transition("a", Lifecycle::Active, "mallory", "skip review")
            .await,
    );
    assert!(msg.contains("proposed"), "{msg}");
    assert!(msg.contains("allowed: approved, retired"), "{msg}");
    let msg = refused(
        plane
            .transition("a", Lifecycle::Suspended, "mallory", "x")
            .await,
    );
    assert!(msg.contains("allowed: approved, retired"), "{msg}");
    let msg = refused(
        plane
            .transition("a", Lifecycle::Proposed, "mallory", "x")
            .await,
    );
    assert!(msg.contains("allowed: approved, retired"), "{msg}");

    // The refusals changed nothing.
    let detail = plane.agent("a").await.expect("read").expect("agent a");
    assert_eq!(detail.agent.state, Lifecycle::Proposed);
    assert_eq!(detail.agent.version, 1);
    assert_eq!(detail.history.len(), 1);

    plane
        .transition("a", Lifecycle::Approved, "alice", "ok")
        .await
        .expect("approve");
    let msg = refused(
        plane
            .transition("a", Lifecycle::Suspended, "mallory", "x")
            .await,
    );
    assert!(msg.contains("allowed: active, retired"), "{msg}");

    let msg = refused(
        plane
            .transition("ghost", Lifecycle::Approved, "a", "x")
            .await,
    );
    assert!(msg.contains("ghost"), "{msg}");
}

// ------------------------------------------------------------------------ revocation

async fn suspend_revokes_issued_and_delegated_tokens(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let token = plane.issue_token("a", &depth(1)).await.expect("issue");
    let to_b = delegate(&plane, &token, "b");
    verifies(&plane, &token);
    let v = plane.verify_token(&to_b.token).expect("delegated verifies");
    assert_eq!(v.actors, ["a", "b"]);
    assert_eq!(v.acting_agent(), "b");

    plane
        .transition("a", Lifecycle::Suspended, "alice", "anomalous tool use")
        .await
        .expect("suspend");
    assert!(matches!(
        token_error(&plane, &token.token),
        TokenError::Revoked { .. }
    ));
    assert!(matches!(
        token_error(&plane, &to_b.token),
        TokenError::Revoked { .. }
    ));
    let revoked_at = agent_revocation_at(&plane, "a").await;

    plane
        .transition("a", Lifecycle::Active, "alice", "cleared")
        .await
        .expect("reactivate");
    // Reactivation does not resurrect anything issued before the suspension.
    assert!(matches!(
        token_error(&plane, &token.token),
        TokenError::Revoked { .. }
    ));
    assert!(matches!(
        token_error(&plane, &to_b.token),
        TokenError::Revoked { .. }
    ));

    // A token issued right away is accepted only if it was issued strictly after the
    // revocation: one issued in the same millisecond is refused (fail closed).
    let immediate = plane.issue_token("a", &depth(1)).await.expect("issue");
    let issued_at = issued_at_ms(&env, &immediate);
    match plane.verify_token(&immediate.token) {
        Ok(v) => assert!(
            v.issued_at_ms > revoked_at,
            "a token issued at {} (≤ revocation at {revoked_at}) verified",
            v.issued_at_ms
        ),
        Err(ControlError::Token(TokenError::Revoked {
            what: RevokedBy::Agent(who),
        })) => {
            assert_eq!(who, "a");
            assert!(
                issued_at <= revoked_at,
                "refused a token issued at {issued_at}, after the revocation at {revoked_at}"
            );
            eprintln!("note: a token issued in the revocation's millisecond was refused");
        }
        Err(e) => panic!("unexpected error: {e}"),
    }

    next_millisecond().await;
    let fresh = plane.issue_token("a", &depth(1)).await.expect("issue");
    verifies(&plane, &fresh);
    let fresh_b = delegate(&plane, &fresh, "b");
    verifies(&plane, &fresh_b);
    // ...while the old ones stay dead.
    assert!(plane.verify_token(&token.token).is_err());
    assert!(plane.verify_token(&to_b.token).is_err());
}

async fn suspending_a_delegate_revokes_tokens_delegated_to_it(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("x", TOOLS, &[])).await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let x_token = plane.issue_token("x", &depth(1)).await.expect("issue");
    let x_to_a = delegate(&plane, &x_token, "a");
    verifies(&plane, &x_to_a);

    plane
        .transition("a", Lifecycle::Suspended, "alice", "stop")
        .await
        .expect("suspend a");
    assert_eq!(
        revoked_by(&plane, &x_to_a.token),
        RevokedBy::Agent("a".into())
    );
    // x's own token is not collateral damage.
    verifies(&plane, &x_token);
}

/// Suspend, reactivate, suspend again: the second suspension must revoke what was issued
/// to or delegated through the agent since the reactivation, including tokens another
/// agent delegated *to* it (the register has no record of those; only the agent
/// revocation's time covers them).
async fn second_suspension_revokes_delegations_made_since_reactivation(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("x", TOOLS, &[])).await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    plane
        .transition("a", Lifecycle::Suspended, "alice", "first")
        .await
        .expect("suspend a");
    plane
        .transition("a", Lifecycle::Active, "alice", "cleared")
        .await
        .expect("reactivate a");
    next_millisecond().await;
    let own = plane.issue_token("a", &depth(0)).await.expect("issue to a");
    let x_token = plane.issue_token("x", &depth(1)).await.expect("issue to x");
    let x_to_a = delegate(&plane, &x_token, "a");
    verifies(&plane, &own);
    verifies(&plane, &x_to_a);

    next_millisecond().await;
    plane
        .transition("a", Lifecycle::Suspended, "alice", "second")
        .await
        .expect("suspend a again");
    assert!(
        plane.verify_token(&own.token).is_err(),
        "a's own token survived the second suspension"
    );
    assert!(
        plane.verify_token(&x_to_a.token).is_err(),
        "a token delegated to a after its reactivation survived its second suspension"
    );
    // A second process sharing the store must agree.
    let other = env.plane().await;
    assert!(other.verify_token(&x_to_a.token).is_err());
}

async fn revoke_agent_keeps_its_state(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let token = plane.issue_token("a", &depth(1)).await.expect("issue");
    let to_b = delegate(&plane, &token, "b");
    let before = plane.agent("a").await.expect("read").expect("agent");

    plane
        .revoke_agent("a", "alice", "suspected leak")
        .await
        .expect("revoke agent");
    assert!(matches!(
        token_error(&plane, &token.token),
        TokenError::Revoked { .. }
    ));
    assert!(matches!(
        token_error(&plane, &to_b.token),
        TokenError::Revoked { .. }
    ));

    let after = plane.agent("a").await.expect("read").expect("agent");
    assert_eq!(after.agent.state, Lifecycle::Active);
    assert_eq!(after.agent.version, before.agent.version);
    assert_eq!(after.history, before.history, "no transition was recorded");

    next_millisecond().await;
    let fresh = plane
        .issue_token("a", &IssueOptions::default())
        .await
        .expect("still active: new tokens are issued");
    verifies(&plane, &fresh);
}

async fn revoke_token_kills_root_and_derived(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let token = plane.issue_token("a", &depth(2)).await.expect("issue");
    let to_b = delegate(&plane, &token, "b");
    let to_c = delegate(&plane, &to_b, "c");
    let other = plane.issue_token("a", &depth(1)).await.expect("issue");
    for t in [&token, &to_b, &to_c, &other] {
        verifies(&plane, t);
    }

    plane
        .revoke_token(&token.token_id, "alice", "leaked in a log")
        .await
        .expect("revoke token");
    for t in [&token, &to_b, &to_c] {
        assert_eq!(
            revoked_by(&plane, &t.token),
            RevokedBy::Token(token.token_id.clone()),
            "token held by {}",
            t.agent_id
        );
    }
    verifies(&plane, &other);
    // The agent itself is not revoked.
    next_millisecond().await;
    let fresh = plane.issue_token("a", &depth(0)).await.expect("issue");
    verifies(&plane, &fresh);
}

async fn revoke_block_kills_the_delegation_and_below_only(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let root = plane.issue_token("a", &depth(2)).await.expect("issue");
    let to_b = delegate(&plane, &root, "b");
    let b_to_c = delegate(&plane, &to_b, "c");
    let to_d = delegate(&plane, &root, "d");
    assert_eq!(to_b.revocation_ids.len(), 2);
    assert_eq!(to_b.revocation_ids[0], root.revocation_ids[0]);
    assert_ne!(to_b.revocation_ids[1], to_d.revocation_ids[1]);
    for t in [&root, &to_b, &b_to_c, &to_d] {
        verifies(&plane, t);
    }

    let block = to_b.revocation_ids[1].clone();
    plane
        .revoke_block(&block, "alice", "b compromised")
        .await
        .expect("revoke block");
    for t in [&to_b, &b_to_c] {
        match revoked_by(&plane, &t.token) {
            RevokedBy::Block { index, id } => {
                assert_eq!(index, 1, "held by {}", t.agent_id);
                assert_eq!(id, block);
            }
            other => panic!("expected a block revocation, got {other:?}"),
        }
    }
    // The parent and the sibling delegation live on.
    verifies(&plane, &root);
    verifies(&plane, &to_d);
    // And the parent can still delegate to b afresh (a new block, a new revocation id).
    let again = delegate(&plane, &root, "b");
    verifies(&plane, &again);
}

async fn retire_revokes_and_is_final(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let token = plane.issue_token("a", &depth(1)).await.expect("issue");
    let to_b = delegate(&plane, &token, "b");

    plane
        .transition("a", Lifecycle::Retired, "alice", "replaced by a2")
        .await
        .expect("retire");
    assert!(matches!(
        token_error(&plane, &token.token),
        TokenError::Revoked { .. }
    ));
    assert!(matches!(
        token_error(&plane, &to_b.token),
        TokenError::Revoked { .. }
    ));
    for to in Lifecycle::ALL {
        let msg = refused(plane.transition("a", *to, "alice", "undo").await);
        assert!(msg.contains("final"), "{to}: {msg}");
    }
    let msg = refused(plane.issue_token("a", &IssueOptions::default()).await);
    assert!(msg.contains("retired"), "{msg}");

    // Retiring straight from proposed is allowed too.
    plane
        .register(agent("p", TOOLS, &[]), "alice", "new")
        .await
        .expect("register");
    let rec = plane
        .transition("p", Lifecycle::Retired, "alice", "never mind")
        .await
        .expect("retire proposed");
    assert_eq!(rec.state, Lifecycle::Retired);
}

// ------------------------------------------------------- propagation between processes

async fn revocations_reach_other_processes_on_sync(env: Env) {
    let a = env.plane().await;
    let b = env.plane().await;
    active_agent(&a, agent("agent", TOOLS, &[])).await;
    let token = a.issue_token("agent", &depth(0)).await.expect("issue");
    // b verifies with the shared keys, and caches the result.
    verifies(&b, &token);

    a.transition("agent", Lifecycle::Suspended, "alice", "stop")
        .await
        .expect("suspend on a");
    assert!(a.verify_token(&token.token).is_err(), "a refuses at once");
    // The register is shared: b sees the state immediately and will not issue...
    let msg = refused(b.issue_token("agent", &IssueOptions::default()).await);
    assert!(msg.contains("suspended"), "{msg}");
    // ...but its verifier learns of the revocation only when it syncs.
    verifies(&b, &token);
    let applied = b.sync_revocations().await.expect("sync");
    assert!(applied >= 1, "b applied {applied} revocations");
    assert!(matches!(
        token_error(&b, &token.token),
        TokenError::Revoked { .. }
    ));
    // Nothing new since: a second sync applies nothing.
    assert_eq!(b.sync_revocations().await.expect("sync"), 0);

    // And the other way round: a token revoked on b is refused on a after a's sync.
    a.transition("agent", Lifecycle::Active, "alice", "back")
        .await
        .expect("reactivate");
    next_millisecond().await;
    let second = a.issue_token("agent", &depth(0)).await.expect("issue");
    b.sync_revocations().await.expect("sync");
    verifies(&b, &second);
    verifies(&a, &second);
    b.revoke_token(&second.token_id, "bob", "leak")
        .await
        .expect("revoke on b");
    verifies(&a, &second);
    a.sync_revocations().await.expect("sync");
    assert_eq!(
        revoked_by(&a, &second.token),
        RevokedBy::Token(second.token_id.clone())
    );
}

async fn revocation_poller_propagates(env: Env) {
    let a = env.plane().await;
    let mut config = env.config();
    config.revocation_poll = Duration::from_millis(50);
    let b = Arc::new(env.plane_with(config).await);
    let poller = b.spawn_revocation_poller();

    active_agent(&a, agent("agent", TOOLS, &[])).await;
    let token = a.issue_token("agent", &depth(0)).await.expect("issue");
    verifies(&b, &token);

    a.transition("agent", Lifecycle::Suspended, "alice", "stop")
        .await
        .expect("suspend on a");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    let refused_by_b = loop {
        if let Err(e) = b.verify_token(&token.token) {
            break Some(e);
        }
        if tokio::time::Instant::now() >= deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    poller.abort();
    match refused_by_b {
        Some(ControlError::Token(TokenError::Revoked { .. })) => {}
        Some(e) => panic!("refused for the wrong reason: {e}"),
        None => panic!("b still accepted the token 2 s after the suspension"),
    }
}

// ---------------------------------------------------------------------- root keys

async fn key_rotation(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let keys = plane.keys().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!((keys[0].kid, keys[0].state), (1, KeyState::Active));

    let before = plane.issue_token("a", &depth(1)).await.expect("issue");
    assert_eq!(before.root_key_id, 1);
    let before_b = delegate(&plane, &before, "b");

    let kid = plane.rotate_keys().expect("rotate");
    assert_eq!(kid, 2);
    let states: Vec<(u32, KeyState)> = plane
        .keys()
        .expect("keys")
        .iter()
        .map(|k| (k.kid, k.state))
        .collect();
    assert_eq!(states, [(1, KeyState::VerifyOnly), (2, KeyState::Active)]);
    verifies(&plane, &before);
    verifies(&plane, &before_b);

    let after = plane.issue_token("a", &depth(0)).await.expect("issue");
    assert_eq!(after.root_key_id, 2);
    verifies(&plane, &after);

    // The active key cannot be retired; the old one can.
    assert!(matches!(
        plane.retire_key(2),
        Err(ControlError::Identity(_))
    ));
    plane.retire_key(1).expect("retire key 1");
    for t in [&before, &before_b] {
        match token_error(&plane, &t.token) {
            TokenError::RetiredKey { kid: 1 } | TokenError::UnknownKey { kid: 1 } => {}
            other => panic!("expected a retired-key refusal, got {other:?}"),
        }
    }
    verifies(&plane, &after);
    let states: Vec<(u32, KeyState)> = plane
        .keys()
        .expect("keys")
        .iter()
        .map(|k| (k.kid, k.state))
        .collect();
    assert_eq!(states, [(1, KeyState::Retired), (2, KeyState::Active)]);

    // Another process opening the data directory now sees the same keys.
    let other = env.plane().await;
    verifies(&other, &after);
    assert!(other.verify_token(&before.token).is_err());
}

// ------------------------------------------------------------------------ concurrency

async fn concurrent_activation_has_one_winner(env: Env) {
    let plane = Arc::new(env.plane().await);
    plane
        .register(agent("a", TOOLS, &[]), "alice", "new")
        .await
        .expect("register");
    plane
        .transition("a", Lifecycle::Approved, "alice", "ok")
        .await
        .expect("approve");

    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let plane = Arc::clone(&plane);
            tokio::spawn(async move {
                plane
                    .transition("a", Lifecycle::Active, &format!("op{i}"), "race")
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(rec) => {
                assert_eq!(rec.state, Lifecycle::Active);
                wins += 1;
            }
            // A loser either read `active` already, or lost the compare-and-set.
            Err(ControlError::Refused(msg)) => assert!(msg.contains("active"), "{msg}"),
            Err(ControlError::Store(StoreError::Conflict { .. })) => {}
            Err(e) => panic!("unexpected error from a racing transition: {e}"),
        }
    }
    assert_eq!(wins, 1, "exactly one concurrent activation succeeds");
    let detail = plane.agent("a").await.expect("read").expect("agent");
    let activations = detail
        .history
        .iter()
        .filter(|t| t.to == Lifecycle::Active)
        .count();
    assert_eq!(activations, 1);
    assert_eq!(detail.agent.version, 3);
}

// ------------------------------------------------------------------------ bad tokens

async fn bad_tokens_are_refused(env: Env) {
    let plane = env.plane().await;
    active_agent(&plane, agent("a", TOOLS, &[])).await;
    let good = plane
        .issue_token("a", &IssueOptions::default())
        .await
        .expect("issue")
        .token;
    let half = good[..good.len() / 2].to_string();
    // Base64 padding carries no data, so drop it and then a whole 4-character quantum.
    let unpadded = good.trim_end_matches('=');
    let short = unpadded[..unpadded.len() - 4].to_string();
    let last_char_changed = {
        let mut t = good.clone();
        let c = t.pop().expect("non-empty");
        t.push(if c == 'A' { 'B' } else { 'A' });
        t
    };
    let mut middle_flipped = good.clone().into_bytes();
    let mid = middle_flipped.len() / 2;
    middle_flipped[mid] = if middle_flipped[mid] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let middle_flipped = String::from_utf8(middle_flipped).expect("ascii");
    let oversized = "A".repeat(64 * 1024);

    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("blank", "   \n".into()),
        ("garbage", "not a token at all!".into()),
        ("base64 garbage", "QUFBQUFBQUFBQUFBQUFB".into()),
        ("truncated", half),
        ("three bytes short", short),
        ("last char changed", last_char_changed),
        ("middle byte flipped", middle_flipped),
        ("oversized", oversized),
        ("two tokens", format!("{good}.{good}")),
    ];
    for (what, token) in cases {
        match plane.verify_token(&token) {
            Err(ControlError::Token(_)) => {}
            other => panic!("{what}: expected Err(ControlError::Token(_)), got {other:?}"),
        }
    }
    // A token for another audience is refused by a gateway serving a different one.
    let mut config = env.config();
    config.audience = "other-gateway".into();
    config.verifier.audience = "other-gateway".into();
    let other = env.plane_with(config).await;
    assert!(matches!(
        token_error(&other, &good),
        TokenError::WrongAudience { .. }
    ));
    // And the good token itself still verifies here.
    assert!(plane.verify_token(&good).is_ok());
}

on_both_backends!(
    issue_and_verify,
    tokens_only_for_active_agents,
    tool_narrowing_stays_within_the_manifest,
    disallowed_transitions_name_the_allowed_ones,
    suspend_revokes_issued_and_delegated_tokens,
    suspending_a_delegate_revokes_tokens_delegated_to_it,
    revoke_agent_keeps_its_state,
    revoke_token_kills_root_and_derived,
    revoke_block_kills_the_delegation_and_below_only,
    retire_revokes_and_is_final,
    revocations_reach_other_processes_on_sync,
    revocation_poller_propagates,
    key_rotation,
    concurrent_activation_has_one_winner,
    bad_tokens_are_refused,
    second_suspension_revokes_delegations_made_since_reactivation,
);
