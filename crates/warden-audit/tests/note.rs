//! Signed notes: known answers from Go's `golang.org/x/mod/sumdb/note` test suite (the
//! reference implementation of C2SP signed-note), malformed input, cosignatures.

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use warden_audit::note::{
    MAX_NOTE_BYTES, MAX_SIGNATURES, NoteError, Signer, Verifier, add_signature, key_id, parse_note,
    validate_key_name, verify_note,
};

// Published test vectors of golang.org/x/mod/sumdb/note (note_test.go).
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter() -> Verifier {
    Verifier::from_vkey(PETER_VKEY).unwrap()
}

fn signed() -> String {
    format!("{TEXT}\n{PETER_SIG}")
}

#[test]
fn go_vector_verifier_key_and_key_id() {
    let v = peter();
    assert_eq!(v.name(), "PeterNeumann");
    assert_eq!(v.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(key_id("PeterNeumann", v.public_key()), v.key_id());
    assert_eq!(v.vkey(), PETER_VKEY);
    let e = Verifier::from_vkey(ENOCH_VKEY).unwrap();
    assert_eq!(hex::encode(e.key_id()), "af0cfe78");
    assert_eq!(e.vkey(), ENOCH_VKEY);
}

#[test]
fn go_vector_signing_is_byte_for_byte() {
    let signer = Signer::from_skey(PETER_SKEY).unwrap();
    assert_eq!(signer.name(), "PeterNeumann");
    assert_eq!(hex::encode(signer.key_id()), "c74f20a3");
    assert_eq!(signer.verifier(), peter());
    assert_eq!(signer.verifier().vkey(), PETER_VKEY);
    assert_eq!(signer.sign(TEXT).unwrap(), signed());
    // The same key given as a SigningKey: same key ID and the same (deterministic) note.
    let again = Signer::new("PeterNeumann", SigningKey::from_bytes(&peter_seed())).unwrap();
    assert_eq!(again.key_id(), signer.key_id());
    assert_eq!(again.sign(TEXT).unwrap(), signed());
}

/// The Ed25519 seed inside `PETER_SKEY`.
fn peter_seed() -> [u8; 32] {
    let raw = base64_decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
    assert_eq!(raw[0], 1);
    raw[1..].try_into().unwrap()
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn go_vector_note_verifies() {
    let note = parse_note(&signed()).unwrap();
    assert_eq!(note.text, TEXT);
    assert_eq!(note.signatures.len(), 1);
    assert_eq!(note.signatures[0].name, "PeterNeumann");
    assert_eq!(hex::encode(note.signatures[0].key_id), "c74f20a3");
    assert_eq!(note.signatures[0].signature.len(), 64);
    verify_note(&note, &peter()).unwrap();
    assert_eq!(note.encode(), signed());
}

#[test]
fn round_trip_with_a_fresh_key() {
    let signer = Signer::new(
        "example.com/warden",
        SigningKey::generate(&mut rand_core::OsRng),
    )
    .unwrap();
    let text = "hello\n\nworld with an empty line\n";
    let note = signer.sign(text).unwrap();
    let parsed = parse_note(&note).unwrap();
    assert_eq!(parsed.text, text);
    verify_note(&parsed, &signer.verifier()).unwrap();
    let v = Verifier::from_vkey(&signer.verifier().vkey()).unwrap();
    verify_note(&parsed, &v).unwrap();
}

#[test]
fn extra_signatures_are_preserved_and_ignored() {
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let note = parse_note(&both).unwrap();
    assert_eq!(note.signatures.len(), 2);
    assert_eq!(note.signatures[1].name, "EnochRoot");
    verify_note(&note, &peter()).unwrap();
    verify_note(&note, &Verifier::from_vkey(ENOCH_VKEY).unwrap()).unwrap();
    assert_eq!(note.encode(), both);

    // An unknown (unverifiable) signature first, with a garbage 64-byte blob, is ignored too.
    let unknown = format!(
        "{TEXT}\n— witness.example/w1 AAAAAAAA{}=\n{PETER_SIG}",
        "A".repeat(83)
    );
    let note = parse_note(&unknown).unwrap();
    verify_note(&note, &peter()).unwrap();

    // A signature with the same name but another key ID is another key: ignored.
    let rotated = format!(
        "{TEXT}\n— PeterNeumann AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n{PETER_SIG}"
    );
    verify_note(&parse_note(&rotated).unwrap(), &peter()).unwrap();
}

#[test]
fn add_signature_appends_a_cosignature_keeping_existing_lines() {
    let witness = Signer::new("witness.example/w1", SigningKey::from_bytes(&[42u8; 32])).unwrap();
    let original = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let cosigned = add_signature(&original, &witness).unwrap();
    assert!(cosigned.starts_with(&original));
    let note = parse_note(&cosigned).unwrap();
    assert_eq!(note.signatures.len(), 3);
    verify_note(&note, &peter()).unwrap();
    verify_note(&note, &witness.verifier()).unwrap();
    // Adding it again replaces the line instead of duplicating it.
    assert_eq!(add_signature(&cosigned, &witness).unwrap(), cosigned);
    // A bare text is not a signed note.
    assert!(matches!(
        add_signature(TEXT, &witness),
        Err(NoteError::Malformed { .. })
    ));
}

#[test]
fn invalid_signature_is_rejected() {
    // Go's case: four characters inserted into the signature.
    let sig = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    let note = parse_note(&format!("{TEXT}\n{sig}")).unwrap();
    assert!(matches!(
        verify_note(&note, &peter()),
        Err(NoteError::BadSignature { line: 4, .. })
    ));
    // Altered text.
    let altered = signed().replace("cryptography", "cryptographY");
    let note = parse_note(&altered).unwrap();
    assert!(matches!(
        verify_note(&note, &peter()),
        Err(NoteError::BadSignature { .. })
    ));
    // A valid signature does not excuse a failing one by the same key.
    let note = parse_note(&format!("{TEXT}\n{PETER_SIG}{sig}")).unwrap();
    assert!(matches!(
        verify_note(&note, &peter()),
        Err(NoteError::BadSignature { line: 5, .. })
    ));
}

#[test]
fn missing_or_other_key_signatures() {
    let enoch_only = parse_note(&format!("{TEXT}\n{ENOCH_SIG}")).unwrap();
    let err = verify_note(&enoch_only, &peter()).unwrap_err();
    assert!(matches!(err, NoteError::NoSignature { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "note has no signature by key PeterNeumann+c74f20a3"
    );

    // Same name, another key: a key-ID mismatch is reported as such.
    let other = Signer::new("PeterNeumann", SigningKey::from_bytes(&[1u8; 32])).unwrap();
    let note = parse_note(&other.sign(TEXT).unwrap()).unwrap();
    let err = verify_note(&note, &peter()).unwrap_err();
    assert!(matches!(err, NoteError::WrongKeyId { .. }), "{err}");
}

#[test]
fn malformed_notes_are_rejected() {
    let bad = [
        TEXT.to_string(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\u{1}{TEXT}\n{PETER_SIG}"),
        format!("{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{TEXT}\n{PETER_SIG}\n"),
        format!("{TEXT}\n-- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
        format!("{TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n"),
        format!("{TEXT}\n— PeterNeumann  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
        format!("{TEXT}\n— PeterNeumann\n"),
        format!("{TEXT}\n— PeterNeumann AAAA\n"),
        format!("{TEXT}\n— Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
        format!("{TEXT}\n—  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
        signed().replace('\n', "\r\n"),
        format!("{TEXT}\n{PETER_SIG}").replace("problem,", "problem,\t"),
        String::new(),
        "\n".into(),
        "\n\n".into(),
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n".into(),
    ];
    for msg in bad {
        let err = parse_note(&msg).expect_err(&msg);
        assert!(matches!(err, NoteError::Malformed { .. }), "{msg:?}: {err}");
    }
    let err = parse_note(&signed().replace('\n', "\r\n")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed signed note, line 1: carriage return (CRLF line endings are not allowed)"
    );
}

#[test]
fn size_and_count_limits() {
    let many = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1));
    assert_eq!(
        parse_note(&many).unwrap_err(),
        NoteError::TooManySignatures {
            max: MAX_SIGNATURES
        }
    );
    // Exactly the limit is fine, and each duplicate verifies.
    let ok = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES));
    verify_note(&parse_note(&ok).unwrap(), &peter()).unwrap();

    let huge = format!("{}\n\n{PETER_SIG}", "a".repeat(MAX_NOTE_BYTES));
    assert!(matches!(parse_note(&huge), Err(NoteError::TooLarge { .. })));
    let signer = Signer::from_skey(PETER_SKEY).unwrap();
    assert!(matches!(
        signer.sign(&format!("{}\n", "a".repeat(MAX_NOTE_BYTES))),
        Err(NoteError::TooLarge { .. })
    ));
    let full = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES));
    assert!(matches!(
        add_signature(
            &full,
            &Signer::new("w", SigningKey::from_bytes(&[3; 32])).unwrap()
        ),
        Err(NoteError::TooManySignatures { .. })
    ));
}

#[test]
fn signing_rejects_invalid_text() {
    let signer = Signer::from_skey(PETER_SKEY).unwrap();
    for text in ["", "abc", "a\rb\n", "tab\there\n", "nul\0\n"] {
        assert!(
            matches!(signer.sign(text), Err(NoteError::InvalidText { .. })),
            "{text:?}"
        );
    }
}

#[test]
fn key_names_are_checked() {
    for name in [
        "",
        "a+b",
        "a b",
        "a\u{a0}b",
        "a\u{2003}b",
        "tab\t",
        "x\u{1}",
    ] {
        assert!(validate_key_name(name).is_err(), "{name:?}");
        assert!(
            Signer::new(name, SigningKey::from_bytes(&[9; 32])).is_err(),
            "{name:?}"
        );
    }
    assert!(validate_key_name(&"a".repeat(2000)).is_err());
    validate_key_name("example.com/log/é").unwrap();
}

#[test]
fn mangled_verifier_keys_are_rejected() {
    // As in Go's test: every proper substring and every single-byte increment fails.
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let s = std::str::from_utf8(&b[i..j]).unwrap();
            assert!(Verifier::from_vkey(s).is_err(), "{s}");
        }
    }
    let mut m = b.to_vec();
    for i in 0..m.len() {
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(Verifier::from_vkey(s).is_err(), "{s}");
        }
        m[i] = m[i].wrapping_sub(1);
    }
    // Wrong-length key and unknown algorithm, each with the key ID adjusted (from Go).
    assert!(
        Verifier::from_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err()
    );
    assert_eq!(
        Verifier::from_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .unwrap_err(),
        NoteError::UnsupportedAlgorithm { alg: 0x65 }
    );
    // Uppercase hex, a wrong key ID, a non-canonical base64 tail, garbage, an oversized key.
    assert!(Verifier::from_vkey(&PETER_VKEY.replace("c74f20a3", "C74F20A3")).is_err());
    assert!(matches!(
        Verifier::from_vkey(&PETER_VKEY.replace("c74f20a3", "c74f20a4")),
        Err(NoteError::KeyIdMismatch { .. })
    ));
    assert!(Verifier::from_vkey(&PETER_VKEY.replace("10TW", "10TX")).is_err());
    for garbage in [
        "",
        "+",
        "++",
        "a++",
        "a+c74f20a3+",
        "\u{2014}",
        "PeterNeumann+c74f20a3+!!!!",
    ] {
        assert!(Verifier::from_vkey(garbage).is_err(), "{garbage:?}");
    }
    assert!(matches!(
        Verifier::from_vkey(&format!("{}+c74f20a3+AA==", "a".repeat(5000))),
        Err(NoteError::MalformedVerifierKey { .. })
    ));
}

#[test]
fn weak_verifier_keys_are_rejected() {
    // The identity point (small order) is a valid encoding but a weak key.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&identity).unwrap();
    assert!(matches!(
        Verifier::new("weak", key),
        Err(NoteError::InvalidPublicKey { .. })
    ));
}

#[test]
fn mangled_private_keys_are_rejected_without_echoing_them() {
    let b = PETER_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let s = std::str::from_utf8(&b[i..j]).unwrap();
            match Signer::from_skey(s) {
                Ok(_) => panic!("{s} accepted"),
                Err(e) => assert!(!e.to_string().contains("AYEKFALV"), "{e}"),
            }
        }
    }
    let mut m = b.to_vec();
    for i in 0..m.len() {
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(Signer::from_skey(s).is_err(), "{s}");
        }
        m[i] = m[i].wrapping_sub(1);
    }
}

#[test]
fn signer_debug_hides_the_private_key() {
    let signer = Signer::from_skey(PETER_SKEY).unwrap();
    let dbg = format!("{signer:?} {signer:#?}");
    assert!(dbg.contains("PeterNeumann"));
    assert!(dbg.contains("c74f20a3"));
    let seed = peter_seed();
    assert!(!dbg.contains(&hex::encode(seed)));
    assert!(!dbg.contains("AYEKFALV"));
    assert!(!dbg.contains(&format!("{seed:?}")[1..20]));
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,300}") {
        let _ = parse_note(&s);
        let _ = Verifier::from_vkey(&s);
        let _ = Signer::from_skey(&s);
    }

    #[test]
    fn parse_never_panics_on_near_notes(
        cut in 0usize..400,
        insert in "[\\x00-\\x7f—+ \n]{0,4}",
    ) {
        let base = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        let mut cut = cut.min(base.len());
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        let s = format!("{}{insert}{}", &base[..cut], &base[cut..]);
        if let Ok(note) = parse_note(&s) {
            let _ = verify_note(&note, &peter());
        }
        let _ = parse_note(&base[..cut]);
    }

    #[test]
    fn any_text_signs_and_verifies(text in "[^\\x00-\\x09\\x0b-\\x1f]{0,200}") {
        let text = format!("{text}\n");
        let signer = Signer::new("t.example/log", SigningKey::from_bytes(&[5; 32])).unwrap();
        let note = signer.sign(&text).unwrap();
        let parsed = parse_note(&note).unwrap();
        prop_assert_eq!(&parsed.text, &text);
        prop_assert!(verify_note(&parsed, &signer.verifier()).is_ok());
        prop_assert_eq!(parsed.encode(), note);
    }
}
