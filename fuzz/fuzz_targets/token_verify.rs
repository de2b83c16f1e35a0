//! Feed arbitrary bytes to the token verifier (and the attenuator): every input must be
//! refused or accepted with an error value, never a panic. The key ring is created once in
//! a temporary directory.
//!
//! The first byte picks how the rest is used, so the fuzzer reaches past base64 decoding:
//! 0 → the bytes as the token string; 1 → the bytes base64url-encoded (raw protobuf);
//! 2 → a valid delegated token's bytes with the rest applied as (offset, xor) patches.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use warden_identity::{
    AttenuateRequest, IssueRequest, Issuer, IssuerConfig, KeyRing, KeySet, RevocationSet, Scope,
    ToolRule, Verifier, VerifierConfig, attenuate,
};

const NOW: i64 = 1_700_000_000_000;

struct World {
    keys: KeySet,
    verifier: Verifier,
    valid: Vec<u8>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("warden-fuzz-identity-{}", std::process::id()));
        let ring = KeyRing::open_or_create(&dir).expect("key ring");
        let clock = Arc::new(warden_identity::ManualClock::new(NOW));
        let issuer = Issuer::with_clock(&ring, IssuerConfig::default(), clock);
        let mut scope = Scope::default();
        scope.tools.insert("fs.*".into(), ToolRule::default());
        scope.data_classes.insert("public".into());
        let issued = issuer
            .issue(&IssueRequest {
                agent_id: "a".into(),
                owner: "o".into(),
                on_behalf_of: None,
                scope: scope.clone(),
                audience: "gw".into(),
                ttl: Some(Duration::from_secs(3600)),
                max_depth: 3,
            })
            .expect("issue");
        let req = AttenuateRequest {
            delegate: "b".into(),
            scope,
            ttl: None,
            max_depth: None,
        };
        let child = attenuate(&ring.key_set(), &issued.token, &req, NOW).expect("attenuate");
        let valid = decode(&child.token);
        World {
            keys: ring.key_set(),
            verifier: Verifier::new(
                ring.key_set(),
                Arc::new(RevocationSet::new()),
                VerifierConfig::new("gw"),
            ),
            valid,
        }
    })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            continue;
        };
        bits = (bits << 6) | v as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Some((&mode, rest)) = data.split_first() else {
        let _ = w.verifier.verify("", NOW);
        return;
    };
    let token = match mode % 3 {
        0 => String::from_utf8_lossy(rest).into_owned(),
        1 => encode(rest),
        _ => {
            let mut bytes = w.valid.clone();
            for patch in rest.chunks(3) {
                if let [hi, lo, x] = patch {
                    let at = (usize::from(*hi) << 8 | usize::from(*lo)) % bytes.len().max(1);
                    if let Some(b) = bytes.get_mut(at) {
                        *b ^= x;
                    }
                }
            }
            encode(&bytes)
        }
    };
    if let Err(e) = w.verifier.verify(&token, NOW) {
        let _ = e.to_string();
    }
    let req = AttenuateRequest {
        delegate: "c".into(),
        scope: Scope::default(),
        ttl: None,
        max_depth: None,
    };
    let _ = attenuate(&w.keys, &token, &req, NOW);
});
