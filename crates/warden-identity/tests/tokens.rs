//! Issue, attenuate, verify: the happy paths and every refusal.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use warden_identity::{
    ArgRule, AttenuateRequest, IssueRequest, Issuer, IssuerConfig, KeyRing, RevocationSet,
    TokenError, ToolRule, Verifier, VerifierConfig, attenuate,
};

#[test]
fn issue_verify_round_trip() {
    let fx = Fixture::new();
    let issued = fx.issue("agent-a", root_scope(), 2);
    assert_eq!(issued.token_id.len(), 32);
    assert_eq!(issued.revocation_ids.len(), 1);
    assert_eq!(issued.root_key_id, 1);
    assert_eq!(issued.expires_at_ms, NOW + 600_000);
    let v = fx.verifier.verify(&issued.token, NOW).expect("verify");
    assert_eq!(v.token_id, issued.token_id);
    assert_eq!(v.subject, "user:alice");
    assert_eq!(v.owner, "team-a");
    assert_eq!(v.actors, vec!["agent-a"]);
    assert_eq!(v.acting_agent(), "agent-a");
    assert_eq!(v.depth(), 0);
    assert_eq!(v.scopes, vec![root_scope()]);
    assert_eq!(v.remaining_depth, 2);
    assert_eq!(v.audience, AUD);
    assert_eq!(v.revocation_ids, issued.revocation_ids);
    assert_eq!(v.expires_at_ms, issued.expires_at_ms);
    // Debug never shows the token itself.
    assert!(!format!("{issued:?}").contains(&issued.token));
}

#[test]
fn subject_defaults_to_agent() {
    let fx = Fixture::new();
    let mut req = request("agent-a", root_scope(), 0);
    req.on_behalf_of = None;
    let issued = fx.issuer.issue(&req).unwrap();
    let v = fx.verifier.verify(&issued.token, NOW).unwrap();
    assert_eq!(v.subject, "agent-a");
}

#[test]
fn permits_checks_tools_arguments_and_data_classes() {
    let fx = Fixture::new();
    let issued = fx.issue("agent-a", root_scope(), 1);
    let v = fx.verifier.verify(&issued.token, NOW).unwrap();
    assert!(v.permits("fs", "read", &json!({"path": "/etc"})).is_ok());
    assert!(
        v.permits("db", "query", &json!({"table": "users", "limit": 10}))
            .is_ok()
    );
    assert!(
        v.permits("db", "query", &json!({"table": "users", "limit": 10.0}))
            .is_ok()
    );
    let denied = v
        .permits("db", "query", &json!({"table": "secrets", "limit": 10}))
        .unwrap_err();
    assert_eq!(denied.block, 0);
    assert!(denied.reason.contains("table"), "{denied}");
    assert!(
        v.permits("db", "query", &json!({"table": "users", "limit": 101}))
            .is_err()
    );
    assert!(
        v.permits("db", "query", &json!({"table": "users"}))
            .is_err(),
        "a constrained argument must be present"
    );
    assert!(
        v.permits("web", "fetch", &json!({"url": "https://api.example.com/x"}))
            .is_ok()
    );
    assert!(
        v.permits("web", "fetch", &json!({"url": "https://evil.com/x"}))
            .is_err()
    );
    assert!(v.permits("mail", "send", &json!({})).is_err());
    assert!(v.permits_data_class("pii"));
    assert!(!v.permits_data_class("secret"));
}

#[test]
fn chain_extraction_for_zero_to_five_delegations() {
    let fx = Fixture::new();
    let mut issued = fx.issue("a0", root_scope(), 5);
    for depth in 0..=5usize {
        let v = fx.verifier.verify(&issued.token, NOW).expect("verify");
        let expected: Vec<String> = (0..=depth).map(|i| format!("a{i}")).collect();
        assert_eq!(v.actors, expected);
        assert_eq!(v.acting_agent(), format!("a{depth}"));
        assert_eq!(v.depth(), depth);
        assert_eq!(v.subject, "user:alice");
        assert_eq!(v.scopes.len(), depth + 1);
        assert_eq!(usize::from(v.remaining_depth), 5 - depth);
        assert_eq!(v.revocation_ids.len(), depth + 1);
        assert_eq!(issued.revocation_ids, v.revocation_ids);
        if depth < 5 {
            issued = fx.delegate(&issued.token, &format!("a{}", depth + 1), root_scope());
            assert_eq!(issued.agent_id, format!("a{}", depth + 1));
        }
    }
    // Depth exhausted: a sixth delegation is refused.
    let err = attenuate(
        &fx.keyring.key_set(),
        &issued.token,
        &delegation("a6", root_scope()),
        NOW,
    )
    .unwrap_err();
    assert!(
        matches!(err, TokenError::DepthExceeded { depth: 6, .. }),
        "{err}"
    );
}

#[test]
fn depth_limits() {
    let fx = Fixture::new();
    // max_depth 0: no delegation at all.
    let t = fx.issue("a", root_scope(), 0);
    let err = attenuate(
        &fx.keyring.key_set(),
        &t.token,
        &delegation("b", root_scope()),
        NOW,
    )
    .unwrap_err();
    assert!(
        matches!(err, TokenError::DepthExceeded { depth: 1, max: 0 }),
        "{err}"
    );
    // Requested depth must be below the parent's remaining depth.
    let t = fx.issue("a", root_scope(), 2);
    let mut req = delegation("b", root_scope());
    req.max_depth = Some(2);
    let err = attenuate(&fx.keyring.key_set(), &t.token, &req, NOW).unwrap_err();
    assert!(
        matches!(err, TokenError::WidenedAttenuation { block: 1, .. }),
        "{err}"
    );
    // Issuer refuses a max_depth above its limit.
    assert!(fx.issuer.issue(&request("a", root_scope(), 6)).is_err());
    // The verifier's own depth limit applies whatever the token allows.
    let t = fx.issue("a0", root_scope(), 3);
    let t = fx.delegate(&t.token, "a1", root_scope());
    let t = fx.delegate(&t.token, "a2", root_scope());
    let mut config = VerifierConfig::new(AUD);
    config.max_depth = 1;
    let strict = Verifier::new(fx.keyring.key_set(), fx.revocations.clone(), config);
    let err = strict.verify(&t.token, NOW).unwrap_err();
    assert!(
        matches!(err, TokenError::DepthExceeded { depth: 2, max: 1 }),
        "{err}"
    );
}

#[test]
fn cycles_are_refused() {
    let fx = Fixture::new();
    let t = fx.issue("A", root_scope(), 3);
    let t = fx.delegate(&t.token, "B", root_scope());
    let err = attenuate(
        &fx.keyring.key_set(),
        &t.token,
        &delegation("A", root_scope()),
        NOW,
    )
    .unwrap_err();
    assert_eq!(err, TokenError::Cycle { actor: "A".into() });
    let err = attenuate(
        &fx.keyring.key_set(),
        &t.token,
        &delegation("B", root_scope()),
        NOW,
    )
    .unwrap_err();
    assert_eq!(err, TokenError::Cycle { actor: "B".into() });
}

fn widened(fx: &Fixture, parent: &str, req: &AttenuateRequest) -> String {
    match attenuate(&fx.keyring.key_set(), parent, req, NOW) {
        Err(TokenError::WidenedAttenuation { block, detail }) => {
            assert_eq!(block, 1);
            detail
        }
        other => panic!("expected WidenedAttenuation, got {other:?}"),
    }
}

#[test]
fn attenuation_refuses_every_kind_of_widening() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 2).token;
    let query = |args: &[(&str, ArgRule)]| rule(args);
    // Tool not in the parent scope.
    let d = widened(
        &fx,
        &t,
        &delegation("b", scope(&[("mail.send", ToolRule::default())], &[])),
    );
    assert!(d.contains("mail.send"), "{d}");
    // A server wildcard where the parent only has one tool.
    let d = widened(
        &fx,
        &t,
        &delegation("b", scope(&[("db.*", ToolRule::default())], &[])),
    );
    assert!(d.contains("db.*"), "{d}");
    // Missing argument rule where the parent had one.
    let d = widened(
        &fx,
        &t,
        &delegation(
            "b",
            scope(&[("db.query", query(&[("limit", ArgRule::Max(5.0))]))], &[]),
        ),
    );
    assert!(d.contains("table"), "{d}");
    // Looser Max.
    let loose_max = query(&[
        ("table", ArgRule::OneOf(vec![json!("users")])),
        ("limit", ArgRule::Max(1000.0)),
    ]);
    let d = widened(
        &fx,
        &t,
        &delegation("b", scope(&[("db.query", loose_max)], &[])),
    );
    assert!(d.contains("limit"), "{d}");
    // OneOf with a value outside the parent's.
    let extra = query(&[
        (
            "table",
            ArgRule::OneOf(vec![json!("users"), json!("secrets")]),
        ),
        ("limit", ArgRule::Max(10.0)),
    ]);
    let d = widened(
        &fx,
        &t,
        &delegation("b", scope(&[("db.query", extra)], &[])),
    );
    assert!(d.contains("secrets"), "{d}");
    // A different glob.
    let glob = query(&[("url", ArgRule::Like("https://*".into()))]);
    widened(
        &fx,
        &t,
        &delegation("b", scope(&[("web.fetch", glob)], &[])),
    );
    // A Like replacing a OneOf.
    let like = query(&[
        ("table", ArgRule::Like("*".into())),
        ("limit", ArgRule::Max(10.0)),
    ]);
    widened(&fx, &t, &delegation("b", scope(&[("db.query", like)], &[])));
    // Data class not in the parent.
    let d = widened(&fx, &t, &delegation("b", scope(&[], &["secret"])));
    assert!(d.contains("secret"), "{d}");
    // Narrowings are accepted: OneOf within a glob and within a Max, tighter Max, subsets.
    let narrow = scope(
        &[
            (
                "fs.read",
                query(&[("path", ArgRule::Like("/tmp/*".into()))]),
            ),
            (
                "db.query",
                query(&[
                    ("table", ArgRule::OneOf(vec![json!("orders")])),
                    ("limit", ArgRule::OneOf(vec![json!(5), json!(50)])),
                ]),
            ),
            (
                "web.fetch",
                query(&[(
                    "url",
                    ArgRule::OneOf(vec![json!("https://a.example.com/x")]),
                )]),
            ),
        ],
        &["public"],
    );
    let child = fx.delegate(&t, "b", narrow.clone());
    let v = fx.verifier.verify(&child.token, NOW).unwrap();
    assert_eq!(v.scopes[1], narrow);
    assert!(
        v.permits("db", "query", &json!({"table": "orders", "limit": 5}))
            .is_ok()
    );
    let denied = v
        .permits("db", "query", &json!({"table": "users", "limit": 5}))
        .unwrap_err();
    assert_eq!(denied.block, 1);
    assert!(!v.permits_data_class("pii"));
    assert!(v.permits_data_class("public"));
}

#[test]
fn attenuation_expiry_is_capped_by_the_parent() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 2);
    let mut req = delegation("b", root_scope());
    req.ttl = Some(Duration::from_secs(3600));
    let child = attenuate(&fx.keyring.key_set(), &t.token, &req, NOW).unwrap();
    assert_eq!(child.expires_at_ms, t.expires_at_ms);
    req.ttl = Some(Duration::from_secs(60));
    let child = attenuate(&fx.keyring.key_set(), &t.token, &req, NOW).unwrap();
    assert_eq!(child.expires_at_ms, NOW + 60_000);
    let v = fx.verifier.verify(&child.token, NOW).unwrap();
    assert_eq!(v.expires_at_ms, NOW + 60_000);
    assert!(matches!(
        fx.verifier.verify(&child.token, NOW + 61_000),
        Err(TokenError::Expired { at_ms }) if at_ms == NOW + 60_000
    ));
    // The parent still verifies at that time.
    assert!(fx.verifier.verify(&t.token, NOW + 61_000).is_ok());
    // Expired parents cannot be delegated.
    let err = attenuate(&fx.keyring.key_set(), &t.token, &req, NOW + 601_000).unwrap_err();
    assert!(matches!(err, TokenError::Expired { .. }), "{err}");
}

#[test]
fn expired_and_not_yet_valid() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 0);
    assert!(fx.verifier.verify(&t.token, NOW + 600_000).is_ok());
    let err = fx.verifier.verify(&t.token, NOW + 600_001).unwrap_err();
    assert_eq!(
        err,
        TokenError::Expired {
            at_ms: NOW + 600_000
        }
    );
    // Skew: 30 s early is tolerated, 31 s is not.
    let fresh = Fixture::new();
    let t = fresh.issue("a", root_scope(), 0);
    assert!(
        fresh
            .verifier
            .verify_uncached(&t.token, NOW - 30_000)
            .is_ok()
    );
    let err = fresh
        .verifier
        .verify_uncached(&t.token, NOW - 31_000)
        .unwrap_err();
    assert_eq!(err, TokenError::NotYetValid { at_ms: NOW });
}

#[test]
fn cached_tokens_still_expire() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 0);
    assert!(fx.verifier.verify(&t.token, NOW).is_ok());
    assert_eq!(fx.verifier.cache_len(), 1);
    let err = fx.verifier.verify(&t.token, NOW + 700_000).unwrap_err();
    assert!(matches!(err, TokenError::Expired { .. }));
    assert_eq!(fx.verifier.cache_len(), 0);
}

#[test]
fn wrong_audience() {
    let fx = Fixture::new();
    let mut req = request("a", root_scope(), 0);
    req.audience = "other-gateway".into();
    let t = fx.issuer.issue(&req).unwrap();
    let err = fx.verifier.verify(&t.token, NOW).unwrap_err();
    assert_eq!(
        err,
        TokenError::WrongAudience {
            expected: AUD.into(),
            found: "other-gateway".into()
        }
    );
}

#[test]
fn wrong_signature_and_unknown_key() {
    let fx = Fixture::new();
    let other = Fixture::new();
    let foreign = other.issue("a", root_scope(), 0);
    // Same key id (1), different key: the signature does not verify.
    let err = fx.verifier.verify(&foreign.token, NOW).unwrap_err();
    assert_eq!(err, TokenError::BadSignature);
    // A key id this verifier has never seen.
    let mut ring = KeyRing::open_or_create(&other.dir.path().join("identity")).unwrap();
    ring.rotate().unwrap();
    let issuer = Issuer::with_clock(&ring, IssuerConfig::default(), other.clock.clone());
    let t = issuer.issue(&request("a", root_scope(), 0)).unwrap();
    assert_eq!(t.root_key_id, 2);
    let err = fx.verifier.verify(&t.token, NOW).unwrap_err();
    assert_eq!(err, TokenError::UnknownKey { kid: 2 });
    // Attenuation also needs a known key.
    let err = attenuate(
        &fx.keyring.key_set(),
        &t.token,
        &delegation("b", root_scope()),
        NOW,
    )
    .unwrap_err();
    assert_eq!(err, TokenError::UnknownKey { kid: 2 });
}

#[test]
fn rotation_and_retirement() {
    let mut fx = Fixture::new();
    let old = fx.issue("a", root_scope(), 1);
    let old_child = fx.delegate(&old.token, "b", root_scope());
    assert!(fx.verifier.verify(&old.token, NOW).is_ok());
    let kid = fx.keyring.rotate().unwrap();
    assert_eq!(kid, 2);
    fx.issuer.update_signer(&fx.keyring);
    fx.verifier.set_keys(fx.keyring.key_set());
    let new = fx.issue("a", root_scope(), 0);
    assert_eq!(new.root_key_id, 2);
    // Old tokens still verify (cached and uncached), new ones too.
    assert!(fx.verifier.verify(&old.token, NOW).is_ok());
    assert!(fx.verifier.verify_uncached(&old_child.token, NOW).is_ok());
    assert!(fx.verifier.verify(&new.token, NOW).is_ok());
    fx.keyring.retire(1).unwrap();
    fx.verifier.set_keys(fx.keyring.key_set());
    // The cached entry is refused too: the key state is rechecked on every hit.
    assert_eq!(
        fx.verifier.verify(&old.token, NOW).unwrap_err(),
        TokenError::RetiredKey { kid: 1 }
    );
    assert_eq!(
        fx.verifier.verify(&old_child.token, NOW).unwrap_err(),
        TokenError::RetiredKey { kid: 1 }
    );
    assert!(fx.verifier.verify(&new.token, NOW).is_ok());
}

#[test]
fn refresh_reissues_undelegated_tokens_only() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 2);
    let v = fx.verifier.verify(&t.token, NOW).unwrap();
    fx.clock.advance(500_000);
    let refreshed = fx.issuer.refresh(&v, None).unwrap();
    assert_ne!(refreshed.token_id, t.token_id);
    assert_eq!(refreshed.expires_at_ms, NOW + 500_000 + 15 * 60 * 1000);
    let r = fx.verifier.verify(&refreshed.token, NOW + 700_000).unwrap();
    assert_eq!(r.actors, v.actors);
    assert_eq!(r.scopes, v.scopes);
    assert_eq!(r.subject, v.subject);
    assert_eq!(r.owner, v.owner);
    assert_eq!(r.remaining_depth, v.remaining_depth);
    let child = fx.delegate(&t.token, "b", root_scope());
    let cv = fx.verifier.verify(&child.token, NOW + 500_000).unwrap();
    assert!(fx.issuer.refresh(&cv, None).is_err());
    // ttl above the maximum is refused.
    assert!(
        fx.issuer
            .refresh(&v, Some(Duration::from_secs(25 * 3600)))
            .is_err()
    );
}

#[test]
fn issue_validates_requests() {
    let fx = Fixture::new();
    let bad = |f: fn(&mut IssueRequest)| {
        let mut req = request("a", root_scope(), 0);
        f(&mut req);
        fx.issuer.issue(&req).unwrap_err()
    };
    bad(|r| r.agent_id.clear());
    bad(|r| r.audience.clear());
    bad(|r| r.ttl = Some(Duration::ZERO));
    bad(|r| r.ttl = Some(Duration::from_secs(25 * 3600)));
    bad(|r| {
        r.scope
            .tools
            .insert("bad pattern".into(), ToolRule::default());
    });
    bad(|r| {
        r.scope
            .tools
            .insert("x.y".into(), rule(&[("n", ArgRule::Max(f64::NAN))]));
    });
    // Default ttl.
    let mut req = request("a", root_scope(), 0);
    req.ttl = None;
    let t = fx.issuer.issue(&req).unwrap();
    assert_eq!(t.expires_at_ms, NOW + 15 * 60 * 1000);
}

#[test]
fn plain_biscuit_tooling_enforces_expiry_and_audience() {
    use biscuit_auth::{AuthorizerBuilder, Biscuit};
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 0);
    let key = fx.keyring.public_key(1).unwrap();
    let token = Biscuit::from_base64(&t.token, key).unwrap();
    let run = |aud: &str, secs: i64| {
        let code = format!(
            "time({}); audience(\"{aud}\"); allow if true;",
            biscuit_date(secs)
        );
        AuthorizerBuilder::new()
            .code(code)
            .and_then(|b| b.build(&token))
            .and_then(|mut a| a.authorize())
    };
    assert!(run(AUD, NOW / 1000).is_ok());
    assert!(run("elsewhere", NOW / 1000).is_err());
    assert!(run(AUD, NOW / 1000 + 3600).is_err());
}

fn biscuit_date(secs: i64) -> String {
    // RFC 3339 for a Unix time, without pulling a date crate into the tests.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[test]
fn verifier_without_cache_and_shared_revocations() {
    let fx = Fixture::new();
    let mut config = VerifierConfig::new(AUD);
    config.cache_capacity = 0;
    let v = Verifier::new(fx.keyring.key_set(), RevocationSet::new().into(), config);
    let t = fx.issue("a", root_scope(), 0);
    assert!(v.verify(&t.token, NOW).is_ok());
    assert_eq!(v.cache_len(), 0);
}

#[test]
fn shared_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Verifier>();
    assert_send_sync::<Issuer>();
    assert_send_sync::<RevocationSet>();
    assert_send_sync::<KeyRing>();
    assert_send_sync::<warden_identity::VerifiedToken>();
}
