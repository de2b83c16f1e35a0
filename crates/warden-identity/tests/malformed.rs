//! Hostile input: truncations, bit flips, garbage, oversize. Always an error, never a panic.

mod common;

use common::*;
use proptest::prelude::*;
use warden_identity::{TokenError, VerifierConfig};

#[test]
fn every_sampled_prefix_of_a_valid_token_is_refused() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 2);
    let t = fx.delegate(&t.token, "b", root_scope());
    let len = t.token.len();
    let step = (len / 400).max(1);
    let mut cut: Vec<usize> = (0..len).step_by(step).collect();
    cut.extend(len.saturating_sub(64)..len);
    for n in cut {
        let prefix = &t.token[..n];
        if t.token[n..].bytes().all(|b| b == b'=') {
            // Only base64 padding removed: still the same token.
            assert!(fx.verifier.verify(prefix, NOW).is_ok());
            continue;
        }
        match fx.verifier.verify(prefix, NOW) {
            Err(TokenError::Malformed(_)) | Err(TokenError::BadSignature) => {}
            other => panic!("prefix of {n}/{len} bytes gave {other:?}"),
        }
    }
    assert!(fx.verifier.verify(&t.token, NOW).is_ok());
}

#[test]
fn bit_flips_are_refused() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 0);
    let key = fx.keyring.public_key(1).unwrap();
    let bytes = biscuit_auth::Biscuit::from_base64(&t.token, key)
        .unwrap()
        .to_vec()
        .unwrap();
    for i in (0..bytes.len()).step_by(7) {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0x01;
        let token = base64_url(&flipped);
        assert!(fx.verifier.verify(&token, NOW).is_err(), "flip at {i}");
    }
}

fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn empty_garbage_and_oversized() {
    let fx = Fixture::new();
    for garbage in [
        "",
        "   ",
        "not a token",
        "!!!!",
        "AAAA",
        "eyJhbGciOiJIUzI1NiJ9.e30.x",
    ] {
        let err = fx.verifier.verify(garbage, NOW).unwrap_err();
        assert!(
            matches!(err, TokenError::Malformed(_)),
            "{garbage:?}: {err:?}"
        );
        assert!(!err.to_string().is_empty());
    }
    let big = "A".repeat(16 * 1024 + 1);
    assert_eq!(
        fx.verifier.verify(&big, NOW).unwrap_err(),
        TokenError::Oversized {
            len: 16 * 1024 + 1,
            max: 16 * 1024
        }
    );
    let mut config = VerifierConfig::new(AUD);
    config.max_token_bytes = 100;
    let small = Fixture::with_config(config);
    let t = small.issue("a", root_scope(), 0);
    assert!(matches!(
        small.verifier.verify(&t.token, NOW),
        Err(TokenError::Oversized { max: 100, .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_strings_never_panic(s in ".{0,600}") {
        let fx = fixture();
        prop_assert!(fx.verifier.verify(&s, NOW).is_err());
    }

    #[test]
    fn random_base64_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let fx = fixture();
        prop_assert!(fx.verifier.verify(&base64_url(&bytes), NOW).is_err());
    }
}

fn fixture() -> &'static Fixture {
    use std::sync::OnceLock;
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(Fixture::new)
}
