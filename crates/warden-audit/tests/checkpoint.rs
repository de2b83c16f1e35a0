//! Signed checkpoints (C2SP tlog-checkpoint): format, verification, rejection of other keys
//! and origins, cosignatures, and tamper detection.

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use warden_audit::checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
use warden_audit::hash::{empty_root, leaf_hash, root_of};
use warden_audit::note::{NoteError, Signer, add_signature, parse_note};

const ORIGIN: &str = "warden.example/audit";

fn signer() -> Signer {
    Signer::new(ORIGIN, SigningKey::from_bytes(&[11u8; 32])).unwrap()
}

fn checkpoint(size: u64) -> Checkpoint {
    let leaves: Vec<_> = (0..size).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: root_of(&leaves),
        extensions: vec![],
    }
}

#[test]
fn body_format() {
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: 0,
        root: empty_root(),
        extensions: vec![],
    };
    assert_eq!(
        cp.body(),
        "warden.example/audit\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    );
    let with_ext = Checkpoint {
        extensions: vec!["ext one".into(), "— two".into()],
        ..cp.clone()
    };
    assert_eq!(with_ext.body(), format!("{}ext one\n— two\n", cp.body()));
    assert_eq!(Checkpoint::parse_body(&with_ext.body()).unwrap(), with_ext);
}

#[test]
fn sign_and_open_round_trip() {
    let s = signer();
    for size in [0, 1, 7, 1000] {
        let cp = checkpoint(size);
        let text = cp.sign(&s).unwrap();
        assert!(text.starts_with(&cp.body()));
        let opened = open_checkpoint(&text, &s.verifier()).unwrap();
        assert_eq!(opened.checkpoint, cp);
        assert_eq!(opened.text, text);
        assert_eq!(opened.note.text, cp.body());
        assert_eq!(opened.note.signatures.len(), 1);
    }
}

#[test]
fn spec_example_parses() {
    // The example from c2sp.org/tlog-checkpoint (its key is not published, so parse only).
    let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\
                — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
    let note = parse_note(text).unwrap();
    let cp = Checkpoint::parse_body(&note.text).unwrap();
    assert_eq!(cp.origin, "example.com/behind-the-sofa");
    assert_eq!(cp.size, 20852163);
    assert_eq!(
        hex::encode(cp.root),
        "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
    );
    // Verifying it with our key fails: no signature by our key.
    let other_origin = Signer::new(
        "example.com/behind-the-sofa",
        SigningKey::from_bytes(&[1; 32]),
    )
    .unwrap();
    assert!(matches!(
        open_checkpoint(text, &other_origin.verifier()),
        Err(CheckpointError::Note(NoteError::WrongKeyId { .. }))
    ));
}

#[test]
fn a_checkpoint_signed_by_another_key_is_rejected() {
    let cp = checkpoint(5);
    // Same origin, another key (e.g. an attacker's): key ID differs.
    let impostor = Signer::new(ORIGIN, SigningKey::from_bytes(&[12u8; 32])).unwrap();
    let text = cp.sign(&impostor).unwrap();
    let err = open_checkpoint(&text, &signer().verifier()).unwrap_err();
    assert!(
        matches!(err, CheckpointError::Note(NoteError::WrongKeyId { .. })),
        "{err}"
    );
    // Another log altogether.
    let other = Signer::new("other.example/log", SigningKey::from_bytes(&[13u8; 32])).unwrap();
    let text = Checkpoint {
        origin: "other.example/log".into(),
        ..cp.clone()
    }
    .sign(&other)
    .unwrap();
    let err = open_checkpoint(&text, &signer().verifier()).unwrap_err();
    assert!(
        matches!(err, CheckpointError::Note(NoteError::NoSignature { .. })),
        "{err}"
    );
}

#[test]
fn a_checkpoint_with_another_origin_is_rejected() {
    let s = signer();
    let cp = Checkpoint {
        origin: "someone.else/log".into(),
        ..checkpoint(3)
    };
    // Our signing refuses to produce it...
    assert_eq!(
        cp.sign(&s).unwrap_err(),
        CheckpointError::OriginMismatch {
            origin: "someone.else/log".into(),
            key_name: ORIGIN.into(),
        }
    );
    // ...and a validly signed note whose body names another origin is refused on opening.
    let text = s.sign(&cp.body()).unwrap();
    assert_eq!(
        open_checkpoint(&text, &s.verifier()).unwrap_err(),
        CheckpointError::OriginMismatch {
            origin: "someone.else/log".into(),
            key_name: ORIGIN.into(),
        }
    );
}

#[test]
fn witness_cosignatures_are_preserved_and_ignored() {
    let s = signer();
    let text = checkpoint(9).sign(&s).unwrap();
    let w1 = Signer::new("witness.example/one", SigningKey::from_bytes(&[21; 32])).unwrap();
    let w2 = Signer::new("witness.example/two", SigningKey::from_bytes(&[22; 32])).unwrap();
    let cosigned = add_signature(&add_signature(&text, &w1).unwrap(), &w2).unwrap();
    let opened = open_checkpoint(&cosigned, &s.verifier()).unwrap();
    assert_eq!(opened.note.signatures.len(), 3);
    assert_eq!(opened.note.signatures[1].name, "witness.example/one");
    assert_eq!(opened.text, cosigned);
    // A garbage cosignature from an unknown key is ignored too.
    let junk = format!("{cosigned}— junk.example/w AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    open_checkpoint(&junk, &s.verifier()).unwrap();
}

#[test]
fn malformed_bodies_are_rejected() {
    let root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let cases: &[(&str, usize)] = &[
        ("", 1),
        ("origin\n", 2),
        ("origin\n1\n", 3),
        ("\n1\nROOT\n", 1),
        ("origin\n01\nROOT\n", 2),
        ("origin\n+1\nROOT\n", 2),
        ("origin\n-1\nROOT\n", 2),
        ("origin\n 1\nROOT\n", 2),
        ("origin\n\nROOT\n", 2),
        ("origin\n18446744073709551616\nROOT\n", 2),
        ("origin\n1\nAAAA\n", 3),
        (
            "origin\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
            3,
        ),
        (
            "origin\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",
            3,
        ),
        ("origin\n1\nROOT", 3),
        ("origin\n1\nROOT\n\n", 4),
        ("origin\n1\nROOT\next\n\nmore\n", 5),
        ("origin\n1\nROOT\nt\tab\n", 4),
    ];
    for (body, line) in cases {
        let body = body.replace("ROOT", root);
        match Checkpoint::parse_body(&body) {
            Err(CheckpointError::Malformed { line: l, .. }) => {
                assert_eq!(l, *line, "{body:?}")
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
    let ok = format!("origin with spaces\n18446744073709551615\n{root}\n");
    assert_eq!(Checkpoint::parse_body(&ok).unwrap().size, u64::MAX);
    let many = format!("o\n1\n{root}\n{}", "x\n".repeat(65));
    assert!(Checkpoint::parse_body(&many).is_err());
}

#[test]
fn invalid_checkpoints_are_not_signed() {
    let s = signer();
    for cp in [
        Checkpoint {
            origin: String::new(),
            ..checkpoint(1)
        },
        Checkpoint {
            origin: format!("{ORIGIN}\n2"),
            ..checkpoint(1)
        },
        Checkpoint {
            extensions: vec![String::new()],
            ..checkpoint(1)
        },
        Checkpoint {
            extensions: vec!["a\nb".into()],
            ..checkpoint(1)
        },
    ] {
        assert!(
            matches!(cp.sign(&s), Err(CheckpointError::Invalid { .. })),
            "{cp:?}"
        );
    }
}

#[test]
fn garbage_is_rejected_with_an_error() {
    let v = signer().verifier();
    for text in [
        "",
        "\n",
        "garbage",
        "a\n\nb\n",
        "\u{2014} \n",
        "warden.example/audit\n1\n\n— warden.example/audit AAAA\n",
    ] {
        assert!(open_checkpoint(text, &v).is_err(), "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Changing any byte of a signed checkpoint makes opening it fail.
    #[test]
    fn any_flipped_byte_fails(size in 0u64..5000, pos in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let s = signer();
        let text = checkpoint(size % 50).sign(&s).unwrap();
        let mut bytes = text.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] ^= mask;
        if let Ok(tampered) = String::from_utf8(bytes) {
            prop_assert!(open_checkpoint(&tampered, &s.verifier()).is_err(), "{}", tampered);
        }
    }

    /// Changing the size or the root of a checkpoint invalidates the signature.
    #[test]
    fn altered_fields_fail(size in 0u64..u64::MAX, root in any::<[u8; 32]>(), delta in 1u64..1000) {
        let s = signer();
        let cp = Checkpoint { origin: ORIGIN.into(), size, root, extensions: vec![] };
        let text = cp.sign(&s).unwrap();
        prop_assert_eq!(&open_checkpoint(&text, &s.verifier()).unwrap().checkpoint, &cp);
        let forged = Checkpoint { size: size.wrapping_add(delta), ..cp.clone() };
        let sig_lines = &text[cp.body().len()..];
        let forged_text = format!("{}{}", forged.body(), sig_lines);
        prop_assert!(open_checkpoint(&forged_text, &s.verifier()).is_err());
    }

    #[test]
    fn parse_body_never_panics(s in "\\PC{0,200}") {
        let _ = Checkpoint::parse_body(&s);
        let _ = open_checkpoint(&s, &signer().verifier());
    }
}

/// The example of `docs/audit-format.md`: the one-entry log holding the example event of
/// `tests/event.rs`, signed with a documentation key (seed 0x0b × 32). Checked
/// independently with Python's `cryptography` package.
#[test]
fn doc_example_checkpoint() {
    const VKEY: &str = "warden.example/audit+651fa6d5+AWa+fjMsekUzMr2dCn99sFX1xe8aBq2mbZizn7aBDEc6";
    const SIGNED: &str = "warden.example/audit\n1\nlH7Jeqx202c4PDfz1W5rk+wzF9vHjMi1vibKtStwJ+8=\n\n\
        — warden.example/audit ZR+m1TNlmbJ80pkpRGnxcM4NzPJwSsjQLVAfV3By3xXktztFPvErhR8dMUENRnlhCG0aqfVtG9ZVxCbvSxhFy6/6/AQ=\n";
    let s = signer();
    assert_eq!(s.verifier().vkey(), VKEY);
    let mut root = [0u8; 32];
    hex::decode_to_slice(
        "947ec97aac76d367383c37f3d56e6b93ec3317dbc78cc8b5be26cab52b7027ef",
        &mut root,
    )
    .unwrap();
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: 1,
        root,
        extensions: vec![],
    };
    assert_eq!(cp.sign(&s).unwrap(), SIGNED);
    let v = warden_audit::note::Verifier::from_vkey(VKEY).unwrap();
    assert_eq!(open_checkpoint(SIGNED, &v).unwrap().checkpoint, cp);
}
