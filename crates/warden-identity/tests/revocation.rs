//! Revocation by token id, agent and block; cascades; visibility on cached tokens.

mod common;

use common::*;
use warden_identity::{RevocationKind, RevokedBy, TokenError};

fn revoked(err: TokenError) -> RevokedBy {
    match err {
        TokenError::Revoked { what } => what,
        other => panic!("expected Revoked, got {other:?}"),
    }
}

#[test]
fn revoking_a_token_id_revokes_the_family() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 2);
    let child = fx.delegate(&t.token, "b", root_scope());
    assert_eq!(child.token_id, t.token_id);
    // Both cached first.
    fx.verifier.verify(&t.token, NOW).unwrap();
    fx.verifier.verify(&child.token, NOW).unwrap();
    let generation = fx.revocations.apply(RevocationKind::Token, &t.token_id);
    assert_eq!(generation, 1);
    for token in [&t.token, &child.token] {
        let what = revoked(fx.verifier.verify(token, NOW).unwrap_err());
        assert_eq!(what, RevokedBy::Token(t.token_id.clone()));
    }
    // Another token is unaffected.
    let other = fx.issue("a", root_scope(), 0);
    assert!(fx.verifier.verify(&other.token, NOW).is_ok());
}

#[test]
fn revoking_an_agent_kills_tokens_delegated_through_it() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 3);
    let b = fx.delegate(&t.token, "b", root_scope());
    let c = fx.delegate(&b.token, "c", root_scope());
    let other = fx.issue("x", root_scope(), 0);
    for token in [&t.token, &b.token, &c.token, &other.token] {
        fx.verifier.verify(token, NOW).unwrap();
    }
    fx.revocations.apply(RevocationKind::Agent, "b");
    assert!(fx.verifier.verify(&t.token, NOW).is_ok());
    for token in [&b.token, &c.token] {
        let what = revoked(fx.verifier.verify(token, NOW).unwrap_err());
        assert_eq!(what, RevokedBy::Agent("b".into()));
    }
    assert!(fx.verifier.verify(&other.token, NOW).is_ok());
}

#[test]
fn an_agent_revocation_covers_tokens_issued_until_then_only() {
    let fx = Fixture::new();
    let root = fx.issue("a", root_scope(), 1);
    let via_b = fx.delegate(&root.token, "b", root_scope());
    let issued_at = fx.verifier.verify(&root.token, NOW).unwrap().issued_at_ms;

    // Revoked as of a moment before the token was issued (a suspension since lifted by
    // reactivation): the token stands.
    fx.revocations
        .apply_at(RevocationKind::Agent, "a", issued_at - 1);
    assert!(fx.verifier.verify(&root.token, NOW).is_ok());
    assert!(fx.verifier.verify(&via_b.token, NOW).is_ok());

    // Revoked as of the moment it was issued: it and its delegations die, cached or not.
    fx.revocations
        .apply_at(RevocationKind::Agent, "a", issued_at);
    for token in [&root.token, &via_b.token] {
        let what = revoked(fx.verifier.verify(token, NOW).unwrap_err());
        assert_eq!(what, RevokedBy::Agent("a".into()));
    }

    // An earlier time never replaces a later one.
    fx.revocations
        .apply_at(RevocationKind::Agent, "a", issued_at - 10);
    assert!(fx.verifier.verify(&root.token, NOW).is_err());
}

#[test]
fn revoking_a_block_cascades_to_descendants_but_not_siblings() {
    let fx = Fixture::new();
    let root = fx.issue("a", root_scope(), 3);
    let b = fx.delegate(&root.token, "b", root_scope());
    let sibling = fx.delegate(&root.token, "s", root_scope());
    let c = fx.delegate(&b.token, "c", root_scope());
    for token in [&root.token, &b.token, &sibling.token, &c.token] {
        fx.verifier.verify(token, NOW).unwrap();
    }
    let b_block = b.revocation_ids[1].clone();
    assert_eq!(c.revocation_ids[1], b_block);
    assert_ne!(sibling.revocation_ids[1], b_block);
    // Upper-case input is normalized.
    fx.revocations
        .apply(RevocationKind::Block, &b_block.to_ascii_uppercase());
    for token in [&b.token, &c.token] {
        let what = revoked(fx.verifier.verify(token, NOW).unwrap_err());
        assert_eq!(
            what,
            RevokedBy::Block {
                index: 1,
                id: b_block.clone()
            }
        );
    }
    assert!(fx.verifier.verify(&root.token, NOW).is_ok());
    assert!(fx.verifier.verify(&sibling.token, NOW).is_ok());
    // Revoking the authority block revokes everything derived from the issued token.
    fx.revocations
        .apply(RevocationKind::Block, &root.revocation_ids[0]);
    assert!(fx.verifier.verify(&sibling.token, NOW).is_err());
    assert!(fx.verifier.verify(&root.token, NOW).is_err());
}

#[test]
fn batch_apply_tracks_generation_and_hits_cached_tokens() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 0);
    let u = fx.issue("u", root_scope(), 0);
    fx.verifier.verify(&t.token, NOW).unwrap();
    fx.verifier.verify(&u.token, NOW).unwrap();
    assert_eq!(fx.verifier.cache_len(), 2);
    let generation = fx.revocations.apply_batch(
        [
            (RevocationKind::Token, t.token_id.clone(), 0),
            (RevocationKind::Agent, "nobody".to_string(), i64::MAX),
        ],
        42,
    );
    assert_eq!(generation, 42);
    assert_eq!(fx.revocations.generation(), 42);
    assert_eq!(fx.revocations.len(), 2);
    // An older generation never moves the counter back.
    assert_eq!(fx.revocations.apply_batch([], 7), 42);
    assert!(fx.verifier.verify(&t.token, NOW).is_err());
    assert!(fx.verifier.verify(&u.token, NOW).is_ok());
    // The refused entry left the cache; it is not re-cached on failure.
    assert_eq!(fx.verifier.cache_len(), 1);
    assert!(fx.verifier.verify(&t.token, NOW).is_err());
    assert_eq!(fx.verifier.cache_len(), 1);
}

#[test]
fn revocation_is_seen_by_concurrent_verifiers_immediately() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 0);
    fx.verifier.verify(&t.token, NOW).unwrap();
    let revoked_flag = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                for _ in 0..100 {
                    let after = revoked_flag.load(Ordering::SeqCst);
                    let result = fx.verifier.verify(&t.token, NOW);
                    if after {
                        assert!(result.is_err(), "verified after revocation");
                    }
                }
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
        fx.revocations.apply(RevocationKind::Agent, "a");
        revoked_flag.store(true, Ordering::SeqCst);
    });
    assert!(fx.verifier.verify(&t.token, NOW).is_err());
}
