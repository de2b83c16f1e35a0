//! One behavioural suite, run against SQLite and (when `WARDEN_TEST_DATABASE_URL` is set)
//! PostgreSQL. Each test is an `async fn(Store)`; `on_both_backends!` declares the two
//! variants. Backend-specific tests (files, URLs, schemas) are at the end.

mod common;

use std::sync::Arc;

use common::{agent, minimal_agent};
use warden_store::{
    AgentFilter, ConflictKind, IssuedToken, Lifecycle, NewRevocation, RevocationKind, RiskTier,
    Store, StoreError,
};

on_both_backends!(
    register_get_list_filter,
    duplicate_register_is_already_exists,
    lifecycle_matrix,
    history_records_who_when_why,
    transition_cas_conflict_and_not_found,
    concurrent_transitions_exactly_one_wins,
    concurrent_updates_exactly_one_wins,
    update_agent_versions_and_guards,
    revocations_seq_paging_idempotence,
    concurrent_revocations_get_distinct_increasing_seqs,
    tokens_record_and_list,
    bad_input_is_rejected_and_nothing_written,
);

use Lifecycle::*;

async fn register_get_list_filter(store: Store) {
    let before = warden_store_now();
    let rec = store
        .register_agent(agent("b-agent"), "alice", "new")
        .await
        .unwrap();
    assert_eq!(rec.state, Proposed);
    assert_eq!(rec.version, 1);
    assert!(rec.created_at_ms >= before && rec.updated_at_ms == rec.created_at_ms);
    let a = agent("b-agent");
    assert_eq!(
        (
            &rec.id,
            &rec.display_name,
            &rec.owner,
            &rec.purpose,
            &rec.capabilities
        ),
        (
            &a.id,
            &a.display_name,
            &a.owner,
            &a.purpose,
            &a.capabilities
        )
    );
    assert_eq!(
        (rec.risk_tier, &rec.controls),
        (RiskTier::High, &a.controls)
    );
    assert_eq!(
        (
            &rec.model_provider,
            &rec.model_name,
            &rec.model_version,
            &rec.config_hash
        ),
        (
            &a.model_provider,
            &a.model_name,
            &a.model_version,
            &a.config_hash
        )
    );
    assert_eq!(store.get_agent("b-agent").await.unwrap(), Some(rec.clone()));
    assert_eq!(store.get_agent("nobody").await.unwrap(), None);

    store
        .register_agent(minimal_agent("a-agent", "team-x"), "alice", "")
        .await
        .unwrap();
    store
        .register_agent(minimal_agent("C-agent", "team-x"), "alice", "")
        .await
        .unwrap();
    store
        .transition("a-agent", Proposed, Approved, "bob", "ok")
        .await
        .unwrap();

    let ids = |v: Vec<warden_store::AgentRecord>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let all = store.list_agents(&AgentFilter::default()).await.unwrap();
    assert_eq!(ids(all), ["C-agent", "a-agent", "b-agent"], "byte order");
    let f = AgentFilter {
        state: Some(Proposed),
        owner: None,
    };
    assert_eq!(
        ids(store.list_agents(&f).await.unwrap()),
        ["C-agent", "b-agent"]
    );
    let f = AgentFilter {
        state: None,
        owner: Some("team-x".into()),
    };
    assert_eq!(
        ids(store.list_agents(&f).await.unwrap()),
        ["C-agent", "a-agent"]
    );
    let f = AgentFilter {
        state: Some(Approved),
        owner: Some("team-x".into()),
    };
    assert_eq!(ids(store.list_agents(&f).await.unwrap()), ["a-agent"]);
    let f = AgentFilter {
        state: Some(Retired),
        owner: None,
    };
    assert!(store.list_agents(&f).await.unwrap().is_empty());
}

async fn duplicate_register_is_already_exists(store: Store) {
    store
        .register_agent(agent("dup"), "alice", "first")
        .await
        .unwrap();
    let mut other = minimal_agent("dup", "someone-else");
    other.risk_tier = RiskTier::Critical;
    let err = store
        .register_agent(other, "mallory", "second")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::AlreadyExists {
            what: "agent",
            id: "dup".into()
        }
    );
    let rec = store.get_agent("dup").await.unwrap().unwrap();
    assert_eq!(rec.owner, "team-payments");
    assert_eq!(store.history("dup").await.unwrap().len(), 1);
}

/// A path from proposed to each state.
fn path_to(state: Lifecycle) -> &'static [Lifecycle] {
    match state {
        Proposed => &[],
        Approved => &[Approved],
        Active => &[Approved, Active],
        Suspended => &[Approved, Active, Suspended],
        Retired => &[Retired],
    }
}

async fn lifecycle_matrix(store: Store) {
    let mut allowed = 0;
    for &from in Lifecycle::ALL {
        for &to in Lifecycle::ALL {
            let id = format!("m-{from}-{to}");
            store
                .register_agent(minimal_agent(&id, "o"), "t", "")
                .await
                .unwrap();
            let mut cur = Proposed;
            for &next in path_to(from) {
                store
                    .transition(&id, cur, next, "t", "setup")
                    .await
                    .unwrap();
                cur = next;
            }
            let version = store.get_agent(&id).await.unwrap().unwrap().version;
            let result = store.transition(&id, from, to, "t", "matrix").await;
            let expect_ok = matches!(
                (from, to),
                (Proposed, Approved)
                    | (Approved, Active)
                    | (Active, Suspended)
                    | (Suspended, Active)
                    | (Proposed | Approved | Active | Suspended, Retired)
            );
            if expect_ok {
                allowed += 1;
                let rec = result.unwrap_or_else(|e| panic!("{from}->{to}: {e}"));
                assert_eq!((rec.state, rec.version), (to, version + 1));
            } else {
                assert_eq!(result, Err(StoreError::InvalidTransition { from, to }));
                let rec = store.get_agent(&id).await.unwrap().unwrap();
                assert_eq!((rec.state, rec.version), (from, version), "{from}->{to}");
            }
        }
    }
    assert_eq!(allowed, 8);
}

async fn history_records_who_when_why(store: Store) {
    let t0 = warden_store_now();
    store
        .register_agent(agent("h"), "alice", "needed for billing")
        .await
        .unwrap();
    store
        .transition("h", Proposed, Approved, "bob", "reviewed")
        .await
        .unwrap();
    store
        .transition("h", Approved, Active, "carol", "deployed")
        .await
        .unwrap();
    store
        .transition("h", Active, Suspended, "soc", "anomaly\nticket 42")
        .await
        .unwrap();
    let h = store.history("h").await.unwrap();
    let got: Vec<_> = h
        .iter()
        .map(|t| (t.seq, t.from, t.to, t.actor.as_str(), t.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, None, Proposed, "alice", "needed for billing"),
            (2, Some(Proposed), Approved, "bob", "reviewed"),
            (3, Some(Approved), Active, "carol", "deployed"),
            (4, Some(Active), Suspended, "soc", "anomaly\nticket 42"),
        ]
    );
    assert!(h.iter().all(|t| t.agent_id == "h" && t.at_ms >= t0));
    assert!(h.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    assert_eq!(store.get_agent("h").await.unwrap().unwrap().version, 4);
    assert!(matches!(
        store.history("ghost").await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn transition_cas_conflict_and_not_found(store: Store) {
    store.register_agent(agent("c"), "alice", "").await.unwrap();
    store
        .transition("c", Proposed, Approved, "bob", "")
        .await
        .unwrap();
    let err = store
        .transition("c", Proposed, Approved, "bob", "again")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::Conflict {
            id: "c".into(),
            conflict: ConflictKind::State {
                expected: Proposed,
                actual: Approved
            },
        }
    );
    let err = store
        .transition("c", Proposed, Retired, "bob", "")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }));
    let rec = store.get_agent("c").await.unwrap().unwrap();
    assert_eq!((rec.state, rec.version), (Approved, 2));
    assert_eq!(store.history("c").await.unwrap().len(), 2);
    let err = store
        .transition("ghost", Proposed, Approved, "bob", "")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::NotFound {
            what: "agent",
            id: "ghost".into()
        }
    );
}

async fn concurrent_transitions_exactly_one_wins(store: Store) {
    store
        .register_agent(agent("race"), "alice", "")
        .await
        .unwrap();
    store
        .transition("race", Proposed, Approved, "bob", "")
        .await
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .transition("race", Approved, Active, &format!("op-{i}"), "go")
                    .await
            })
        })
        .collect();
    let (mut ok, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(rec) => {
                ok += 1;
                assert_eq!((rec.state, rec.version), (Active, 3));
            }
            Err(StoreError::Conflict { conflict, .. }) => {
                conflicts += 1;
                assert_eq!(
                    conflict,
                    ConflictKind::State {
                        expected: Approved,
                        actual: Active
                    }
                );
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 15));
    let h = store.history("race").await.unwrap();
    assert_eq!(h.iter().filter(|t| t.to == Active).count(), 1);
    assert_eq!(h.len(), 3);
}

async fn concurrent_updates_exactly_one_wins(store: Store) {
    let v = store
        .register_agent(agent("upd"), "alice", "")
        .await
        .unwrap()
        .version;
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut a = agent("upd");
                a.purpose = Some(format!("writer {i}"));
                barrier.wait().await;
                store.update_agent("upd", v, a).await
            })
        })
        .collect();
    let mut winners = vec![];
    for t in tasks {
        match t.await.unwrap() {
            Ok(rec) => winners.push(rec),
            Err(StoreError::Conflict { conflict, .. }) => {
                assert_eq!(
                    conflict,
                    ConflictKind::Version {
                        expected: 1,
                        current: 2
                    }
                );
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = store.get_agent("upd").await.unwrap().unwrap();
    assert_eq!(stored, winners[0]);
    assert_eq!(stored.version, 2);
}

async fn update_agent_versions_and_guards(store: Store) {
    store.register_agent(agent("u"), "alice", "").await.unwrap();
    let mut a = agent("u");
    a.owner = "team-new".into();
    a.risk_tier = RiskTier::Critical;
    a.capabilities.tools.push("mail.send".into());
    a.display_name = None;
    let r2 = store.update_agent("u", 1, a.clone()).await.unwrap();
    assert_eq!(
        (r2.version, r2.owner.as_str(), r2.risk_tier),
        (2, "team-new", RiskTier::Critical)
    );
    assert_eq!(
        (r2.display_name.clone(), r2.capabilities.clone()),
        (None, a.capabilities.clone())
    );
    assert_eq!(r2.state, Proposed, "an update does not change the state");
    let r3 = store.update_agent("u", 2, a.clone()).await.unwrap();
    assert_eq!(r3.version, 3);
    let err = store.update_agent("u", 2, a.clone()).await.unwrap_err();
    assert_eq!(
        err,
        StoreError::Conflict {
            id: "u".into(),
            conflict: ConflictKind::Version {
                expected: 2,
                current: 3
            }
        }
    );
    let r4 = store
        .transition("u", Proposed, Approved, "bob", "")
        .await
        .unwrap();
    assert_eq!(r4.version, 4, "transitions bump the version too");
    let err = store
        .update_agent("ghost", 1, agent("ghost"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }));
    let err = store
        .update_agent("u", 4, agent("other"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput(_)));
    store
        .transition("u", Approved, Retired, "bob", "done")
        .await
        .unwrap();
    let err = store.update_agent("u", 5, a).await.unwrap_err();
    assert_eq!(err, StoreError::Retired { id: "u".into() });
    assert_eq!(store.get_agent("u").await.unwrap().unwrap().version, 5);
}

fn rev(kind: RevocationKind, value: &str) -> NewRevocation {
    NewRevocation {
        kind,
        value: value.into(),
        reason: "compromised".into(),
        actor: "soc".into(),
        expires_at_ms: Some(4_102_444_800_000),
    }
}

async fn revocations_seq_paging_idempotence(store: Store) {
    assert!(store.revocations_since(0, 10).await.unwrap().is_empty());
    let a = store
        .revoke(rev(RevocationKind::Agent, "agent-1"))
        .await
        .unwrap();
    let t = store
        .revoke(rev(RevocationKind::Token, "tok-1"))
        .await
        .unwrap();
    let b = store
        .revoke(rev(RevocationKind::Block, "DEADBEEF"))
        .await
        .unwrap();
    assert!(a.seq < t.seq && t.seq < b.seq);
    assert_eq!(
        (b.value.as_str(), b.reason.as_str(), b.actor.as_str()),
        ("deadbeef", "compromised", "soc")
    );
    assert_eq!(b.expires_at_ms, Some(4_102_444_800_000));

    let mut again = rev(RevocationKind::Block, "deadbeef");
    again.reason = "other reason".into();
    assert_eq!(
        store.revoke(again).await.unwrap(),
        b,
        "idempotent for blocks: existing row returned"
    );
    let mut again = rev(RevocationKind::Token, "tok-1");
    again.reason = "other reason".into();
    assert_eq!(
        store.revoke(again).await.unwrap(),
        t,
        "idempotent for tokens"
    );
    // Same value, different kind: a separate revocation.
    let a_tok = store
        .revoke(rev(RevocationKind::Token, "agent-1"))
        .await
        .unwrap();
    assert!(a_tok.seq > b.seq);

    assert!(
        store
            .is_revoked(RevocationKind::Agent, "agent-1")
            .await
            .unwrap()
    );
    assert!(
        store
            .is_revoked(RevocationKind::Block, "deadbeef")
            .await
            .unwrap()
    );
    assert!(
        store
            .is_revoked(RevocationKind::Block, "DeadBeef")
            .await
            .unwrap()
    );
    assert!(
        !store
            .is_revoked(RevocationKind::Agent, "tok-1")
            .await
            .unwrap()
    );
    assert!(
        !store
            .is_revoked(RevocationKind::Agent, "agent-2")
            .await
            .unwrap()
    );

    // An agent revoked again (a second suspension) gets a new entry, with a later seq and
    // its own time, so replicas following the seq learn of it.
    let a2 = store
        .revoke(rev(RevocationKind::Agent, "agent-1"))
        .await
        .unwrap();
    assert!(a2.seq > a_tok.seq && a2.at_ms >= a.at_ms);

    let all = store.revocations_since(0, 100).await.unwrap();
    assert_eq!(
        all,
        vec![a.clone(), t.clone(), b.clone(), a_tok.clone(), a2.clone()]
    );
    let p1 = store.revocations_since(0, 2).await.unwrap();
    let p2 = store.revocations_since(p1[1].seq, 2).await.unwrap();
    let p3 = store.revocations_since(p2[1].seq, 2).await.unwrap();
    assert_eq!(
        (p1, p2, p3),
        (vec![a, t.clone()], vec![b, a_tok.clone()], vec![a2])
    );
    assert_eq!(store.revocations_since(t.seq, 1).await.unwrap().len(), 1);
    assert!(matches!(
        store.revocations_since(0, 0).await,
        Err(StoreError::InvalidInput(_))
    ));
}

async fn concurrent_revocations_get_distinct_increasing_seqs(store: Store) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut seqs = vec![];
                for j in 0..5 {
                    let v = format!("tok-{i}-{j}");
                    seqs.push(
                        store
                            .revoke(rev(RevocationKind::Token, &v))
                            .await
                            .unwrap()
                            .seq,
                    );
                }
                seqs
            })
        })
        .collect();
    let mut seqs = vec![];
    for t in tasks {
        let mine = t.await.unwrap();
        assert!(mine.windows(2).all(|w| w[0] < w[1]));
        seqs.extend(mine);
    }
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 40);
    let polled: Vec<i64> = store
        .revocations_since(0, 1000)
        .await
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(polled, seqs);
}

fn token(id: &str, agent: &str, issued: i64) -> IssuedToken {
    IssuedToken {
        token_id: id.into(),
        agent_id: agent.into(),
        parent_token_id: None,
        delegate: None,
        issued_at_ms: issued,
        expires_at_ms: issued + 3_600_000,
        revocation_ids: vec!["AA01".into(), "bb02".into()],
        root_key_id: u32::MAX,
    }
}

async fn tokens_record_and_list(store: Store) {
    let t1 = token("t1", "agent-a", 2_000);
    let mut t2 = token("t2", "agent-a", 1_000);
    t2.parent_token_id = Some("t1".into());
    t2.delegate = Some("agent-b".into());
    store.record_token(&t1).await.unwrap();
    store.record_token(&t2).await.unwrap();
    store
        .record_token(&token("t3", "agent-z", 500))
        .await
        .unwrap();
    let err = store.record_token(&t1).await.unwrap_err();
    assert_eq!(
        err,
        StoreError::AlreadyExists {
            what: "token",
            id: "t1".into()
        }
    );

    let listed = store.tokens_for_agent("agent-a").await.unwrap();
    let mut want2 = t2.clone();
    want2.revocation_ids = vec!["aa01".into(), "bb02".into()];
    let mut want1 = t1.clone();
    want1.revocation_ids = want2.revocation_ids.clone();
    assert_eq!(listed, vec![want2, want1.clone()], "oldest first");
    assert_eq!(store.get_token("t1").await.unwrap(), Some(want1));
    assert_eq!(store.get_token("nope").await.unwrap(), None);
    assert!(store.tokens_for_agent("nobody").await.unwrap().is_empty());
}

async fn bad_input_is_rejected_and_nothing_written(store: Store) {
    let long = "x".repeat(10 * 1024);
    for id in [
        "",
        long.as_str(),
        "bad\u{0}id",
        "new\nline",
        "esc\u{1b}[31m",
        "rtl\u{202e}txt",
        " padded",
    ] {
        let err = store
            .register_agent(minimal_agent(id, "o"), "alice", "")
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput(_)),
            "{id:?}: {err:?}"
        );
        let err = store
            .revoke(rev(RevocationKind::Agent, id))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput(_)),
            "{id:?}: {err:?}"
        );
        let err = store.record_token(&token(id, "a", 0)).await.unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput(_)),
            "{id:?}: {err:?}"
        );
    }
    let bad = [
        (minimal_agent("ok", ""), "alice", String::new()),
        (minimal_agent("ok", "o"), "", String::new()),
        (minimal_agent("ok", "o"), "alice", "r".repeat(1025)),
        (minimal_agent("ok", "o"), "al\u{7}ice", String::new()),
    ];
    for (a, actor, reason) in bad {
        let err = store.register_agent(a, actor, &reason).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err:?}");
    }
    let mut caps = minimal_agent("ok", "o");
    caps.capabilities.tools.push(String::new());
    assert!(matches!(
        store.register_agent(caps, "a", "").await,
        Err(StoreError::InvalidInput(_))
    ));
    let mut t = token("ok", "a", 10);
    t.expires_at_ms = 5;
    assert!(matches!(
        store.record_token(&t).await,
        Err(StoreError::InvalidInput(_))
    ));
    let mut t = token("ok", "a", 10);
    t.revocation_ids = vec!["xyz".into()];
    assert!(matches!(
        store.record_token(&t).await,
        Err(StoreError::InvalidInput(_))
    ));
    let err = store
        .revoke(rev(RevocationKind::Block, "not-hex"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput(_)));
    let err = store
        .transition("", Proposed, Approved, "a", "")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput(_)));
    assert!(matches!(
        store.get_agent(&long).await,
        Err(StoreError::InvalidInput(_))
    ));

    // Nothing was written anywhere.
    assert!(
        store
            .list_agents(&AgentFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.revocations_since(0, 100).await.unwrap().is_empty());
    assert!(store.tokens_for_agent("a").await.unwrap().is_empty());
    assert_eq!(store.get_token("ok").await.unwrap(), None);
    // And the limit itself is accepted.
    let max_id = "y".repeat(128);
    store
        .register_agent(minimal_agent(&max_id, "o"), "alice", &"r".repeat(1024))
        .await
        .unwrap();
}

fn warden_store_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

// ---- backend-specific ----------------------------------------------------------------

#[tokio::test]
async fn sqlite_data_persists_across_reopen_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/warden.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    assert_eq!(store.backend().to_string(), "sqlite");
    store.register_agent(agent("p"), "alice", "").await.unwrap();
    store
        .transition("p", Proposed, Approved, "bob", "")
        .await
        .unwrap();
    store.revoke(rev(RevocationKind::Token, "t")).await.unwrap();
    store.record_token(&token("t", "p", 1)).await.unwrap();
    store.close().await;

    for _ in 0..2 {
        let url = format!("sqlite://{}", path.display());
        let store = Store::open(&url).await.unwrap();
        let rec = store.get_agent("p").await.unwrap().unwrap();
        assert_eq!((rec.state, rec.version), (Approved, 2));
        assert_eq!(store.history("p").await.unwrap().len(), 2);
        assert!(store.is_revoked(RevocationKind::Token, "t").await.unwrap());
        assert_eq!(store.tokens_for_agent("p").await.unwrap().len(), 1);
        store.close().await;
    }
}

#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/warden.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    store.register_agent(agent("x"), "alice", "").await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    let wal = dir.path().join("data/warden.db-wal");
    if wal.exists() {
        assert_eq!(
            mode(&wal) & 0o077,
            0,
            "the WAL is as private as the database"
        );
    }
    store.close().await;
}

#[tokio::test]
async fn sqlite_in_memory_works() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    store.register_agent(agent("m"), "alice", "").await.unwrap();
    let other = store.clone();
    assert!(other.get_agent("m").await.unwrap().is_some());
    store.close().await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    for url in [
        "mysql://root:s3cret@localhost/db",
        "",
        "warden.db",
        "sqlite://",
        "sqlite://x.db?mode=ro",
    ] {
        match Store::open(url).await {
            Err(StoreError::UnsupportedUrl(msg)) => assert!(!msg.contains("s3cret"), "{msg}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    let opts = warden_store::StoreOptions {
        schema: Some("s".into()),
        ..Default::default()
    };
    let err = Store::open_with("sqlite::memory:", &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput(_)));
}

#[tokio::test]
async fn postgres_errors_never_reveal_the_password() {
    for url in [
        "postgres://postgres:s3cret@127.0.0.1:1/postgres",
        "postgresql://user:s3cret@127.0.0.1:1/db?sslmode=disable",
        "postgres://user:s3cret@[::1/db",
        "postgres://user:s3cret@127.0.0.1:notaport/db",
    ] {
        let err = Store::open(url).await.unwrap_err();
        let (shown, debug) = (err.to_string(), format!("{err:?}"));
        assert!(
            matches!(err, StoreError::Database(_) | StoreError::InvalidInput(_)),
            "{url}: {debug}"
        );
        assert!(
            !shown.contains("s3cret") && !debug.contains("s3cret"),
            "{shown} / {debug}"
        );
    }
}

#[tokio::test]
async fn postgres_migrations_are_idempotent_and_schemas_isolate() {
    let Some(url) = common::pg_url() else {
        eprintln!("skipped: WARDEN_TEST_DATABASE_URL not set");
        return;
    };
    let (s1, s2) = (common::fresh_schema(), common::fresh_schema());
    let store = Store::open_postgres_in_schema(&url, &s1).await.unwrap();
    assert_eq!(store.backend().to_string(), "postgres");
    assert!(!format!("{store:?}").contains("password"));
    store
        .register_agent(agent("pg"), "alice", "")
        .await
        .unwrap();
    store.close().await;
    let again = Store::open_postgres_in_schema(&url, &s1).await.unwrap();
    assert!(again.get_agent("pg").await.unwrap().is_some());
    let other = Store::open_postgres_in_schema(&url, &s2).await.unwrap();
    assert!(other.get_agent("pg").await.unwrap().is_none());
    assert!(matches!(
        Store::open_postgres_in_schema(&url, "bad;name").await,
        Err(StoreError::InvalidInput(_))
    ));
    again.close().await;
    other.close().await;
    common::drop_schema(&url, &s1).await;
    common::drop_schema(&url, &s2).await;
}

/// Two stores on one file (as the server and the CLI would be) do not share the in-process
/// writer queue: SQLite's own lock and busy timeout must still make the CAS race-free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_handles_on_one_file_race_safely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("warden.db");
    let (a, b) = (
        Store::open_sqlite(&path).await.unwrap(),
        Store::open_sqlite(&path).await.unwrap(),
    );
    for i in 0..4 {
        let id = format!("two-{i}");
        a.register_agent(agent(&id), "alice", "").await.unwrap();
        let tasks: Vec<_> = (0..16)
            .map(|t| {
                let (s, id) = (if t % 2 == 0 { a.clone() } else { b.clone() }, id.clone());
                tokio::spawn(async move { s.transition(&id, Proposed, Approved, "op", "").await })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!(ok, 1);
        assert_eq!(b.history(&id).await.unwrap().len(), 2);
    }
    a.close().await;
    b.close().await;
}
