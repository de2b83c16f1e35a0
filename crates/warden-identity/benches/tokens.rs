//! Token costs: issue, first (uncached) verification, cached verification, a 3-deep
//! delegated token, attenuation, and `permits`.
//!
//! Run: `cargo bench -p warden-identity --bench tokens`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use warden_identity::{
    ArgRule, AttenuateRequest, IssueRequest, Issuer, IssuerConfig, KeyRing, ManualClock,
    RevocationSet, Scope, ToolRule, Verifier, VerifierConfig, attenuate,
};

const NOW: i64 = 1_700_000_000_000;

fn scope() -> Scope {
    let mut tools = BTreeMap::new();
    tools.insert("fs.*".to_string(), ToolRule::default());
    tools.insert(
        "db.query".to_string(),
        ToolRule {
            arguments: [
                (
                    "table".to_string(),
                    ArgRule::OneOf(vec![json!("users"), json!("orders")]),
                ),
                ("limit".to_string(), ArgRule::Max(100.0)),
            ]
            .into_iter()
            .collect(),
        },
    );
    tools.insert(
        "web.fetch".to_string(),
        ToolRule {
            arguments: [(
                "url".to_string(),
                ArgRule::Like("https://*.example.com/*".into()),
            )]
            .into_iter()
            .collect(),
        },
    );
    Scope {
        tools,
        data_classes: ["pii", "public"].iter().map(|s| s.to_string()).collect(),
    }
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ring = KeyRing::open_or_create(dir.path()).expect("keyring");
    let issuer = Issuer::with_clock(
        &ring,
        IssuerConfig::default(),
        Arc::new(ManualClock::new(NOW)),
    );
    let req = IssueRequest {
        agent_id: "agent-a".into(),
        owner: "team".into(),
        on_behalf_of: Some("user:alice".into()),
        scope: scope(),
        audience: "gw".into(),
        ttl: Some(Duration::from_secs(3600)),
        max_depth: 5,
    };
    let keys = ring.key_set();
    let uncached = {
        let mut config = VerifierConfig::new("gw");
        config.cache_capacity = 0;
        Verifier::new(keys.clone(), Arc::new(RevocationSet::new()), config)
    };
    let cached = Verifier::new(
        keys.clone(),
        Arc::new(RevocationSet::new()),
        VerifierConfig::new("gw"),
    );
    let token = issuer.issue(&req).expect("issue").token;
    let delegate = |token: &str, to: &str| {
        let req = AttenuateRequest {
            delegate: to.into(),
            scope: scope(),
            ttl: None,
            max_depth: None,
        };
        attenuate(&keys, token, &req, NOW).expect("attenuate").token
    };
    let deep = delegate(&delegate(&delegate(&token, "b"), "c"), "d");
    cached.verify(&token, NOW).expect("verify");
    let verified = cached.verify(&deep, NOW).expect("verify");

    c.bench_function("issue", |b| {
        b.iter(|| issuer.issue(black_box(&req)).expect("issue"))
    });
    c.bench_function("verify_first", |b| {
        b.iter(|| uncached.verify(black_box(&token), NOW).expect("verify"))
    });
    c.bench_function("verify_cached", |b| {
        b.iter(|| cached.verify(black_box(&token), NOW).expect("verify"))
    });
    c.bench_function("verify_first_delegated_3", |b| {
        b.iter(|| uncached.verify(black_box(&deep), NOW).expect("verify"))
    });
    c.bench_function("attenuate", |b| b.iter(|| delegate(black_box(&token), "b")));
    let args = json!({"table": "orders", "limit": 10});
    c.bench_function("permits_delegated_3", |b| {
        b.iter(|| {
            verified
                .permits("db", "query", black_box(&args))
                .expect("permits")
        })
    });
}

criterion_group!(tokens, benches);
criterion_main!(tokens);
