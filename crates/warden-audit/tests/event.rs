//! Audit events: the canonical encoding (a known answer that `docs/audit-format.md` shows),
//! round trips, and rejection of non-canonical, unknown-field and oversized input.

use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::Digest;
use warden_audit::event::*;

/// The example entry of `docs/audit-format.md`, byte for byte.
const EXAMPLE: &str = r#"{"correlation":{"request_id":"17","session_id":"3f2b9c1e","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"},"decision":{"outcome":"allow","policies":["policy:research-assistant-github"],"reason":"permitted by policy:research-assistant-github"},"outcome":{"result_sha256":"5f8a57a01ffcf921b63c0660345365ef213185b4ba6df47892c4f4e7ff1998c2","status":"ok"},"refs":[{"media_type":"application/json","sha256":"5f8a57a01ffcf921b63c0660345365ef213185b4ba6df47892c4f4e7ff1998c2","size":13}],"time":"2026-05-04T12:34:56.789Z","v":1,"what":{"arguments_sha256":"3f178b1abe3acd9f46c9f04672c2aa54f09f763d7907f20c9c81ca0c71419d26","operation":"tools/call","target":"github/create_issue"},"who":{"agent":"agent:research-assistant","chain":["user:alice@example.com","agent:planner"],"subject":"user:alice@example.com"}}"#;
/// Its RFC 9162 leaf hash, SHA-256(0x00 || entry) (checked independently with Python's
/// `json` and `hashlib`).
const EXAMPLE_LEAF_HASH: &str = "947ec97aac76d367383c37f3d56e6b93ec3317dbc78cc8b5be26cab52b7027ef";

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(b))
}

fn who() -> Who {
    Who {
        agent: "agent:research-assistant".into(),
        subject: "user:alice@example.com".into(),
        chain: vec!["user:alice@example.com".into(), "agent:planner".into()],
    }
}

fn what() -> What {
    What {
        operation: "tools/call".into(),
        target: "github/create_issue".into(),
        arguments_sha256: sha256_hex(br#"{"title":"Bug"}"#),
    }
}

fn decision() -> Decision {
    Decision {
        outcome: Verdict::Allow,
        policies: vec!["policy:research-assistant-github".into()],
        reason: "permitted by policy:research-assistant-github".into(),
    }
}

fn outcome() -> Outcome {
    Outcome {
        status: Status::Ok,
        result_sha256: Some(sha256_hex(br#"{"number":42}"#)),
        error: None,
    }
}

fn correlation() -> Correlation {
    Correlation {
        request_id: "17".into(),
        session_id: "3f2b9c1e".into(),
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
    }
}

fn refs() -> Vec<PayloadRef> {
    vec![PayloadRef {
        sha256: sha256_hex(br#"{"number":42}"#),
        media_type: "application/json".into(),
        size: 13,
    }]
}

fn example() -> AuditEvent {
    AuditEvent::new(
        "2026-05-04T12:34:56.789Z",
        who(),
        what(),
        decision(),
        outcome(),
        correlation(),
        refs(),
    )
    .unwrap()
}

fn example_json() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

#[test]
fn known_answer() {
    let e = example();
    assert_eq!(String::from_utf8(e.canonical_bytes()).unwrap(), EXAMPLE);
    assert_eq!(hex::encode(e.leaf_hash()), EXAMPLE_LEAF_HASH);
    assert_eq!(
        hex::encode(warden_audit::hash::leaf_hash(EXAMPLE.as_bytes())),
        EXAMPLE_LEAF_HASH
    );
    assert_eq!(e.version(), 1);
    assert_eq!(e.to_json(), example_json());
}

#[test]
fn canonical_round_trip() {
    let e = example();
    assert_eq!(AuditEvent::from_canonical(EXAMPLE.as_bytes()).unwrap(), e);
    assert_eq!(AuditEvent::from_json(&example_json()).unwrap(), e);
}

#[test]
fn minimal_event_omits_absent_optionals() {
    let e = AuditEvent::new(
        "1970-01-01T00:00:00.000Z",
        Who {
            agent: "a".into(),
            subject: String::new(),
            chain: vec![],
        },
        What {
            operation: "initialize".into(),
            target: String::new(),
            arguments_sha256: sha256_hex(b""),
        },
        Decision {
            outcome: Verdict::Deny,
            policies: vec![],
            reason: String::new(),
        },
        Outcome {
            status: Status::Blocked,
            result_sha256: None,
            error: None,
        },
        Correlation {
            request_id: String::new(),
            session_id: String::new(),
            trace_id: None,
        },
        vec![],
    )
    .unwrap();
    let bytes = e.canonical_bytes();
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        r#"{"correlation":{"request_id":"","session_id":""},"decision":{"outcome":"deny","policies":[],"reason":""},"outcome":{"status":"blocked"},"refs":[],"time":"1970-01-01T00:00:00.000Z","v":1,"what":{"arguments_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","operation":"initialize","target":""},"who":{"agent":"a","chain":[],"subject":""}}"#
    );
    assert_eq!(AuditEvent::from_canonical(&bytes).unwrap(), e);
}

#[test]
fn from_json_accepts_any_layout_and_null_optionals() {
    let pretty = serde_json::to_string_pretty(&example_json()).unwrap();
    let value: Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(AuditEvent::from_json(&value).unwrap(), example());

    let mut v = example_json();
    v["outcome"]["error"] = Value::Null;
    assert_eq!(AuditEvent::from_json(&v).unwrap(), example());
    // But a null is not canonical.
    let bytes = serde_json::to_vec(&v).unwrap();
    assert!(matches!(
        AuditEvent::from_canonical(&bytes),
        Err(EventError::NonCanonical { .. })
    ));
}

#[test]
fn non_canonical_encodings_are_rejected() {
    let variants = [
        // Whitespace.
        serde_json::to_string_pretty(&example_json()).unwrap(),
        format!("{EXAMPLE}\n"),
        format!(" {EXAMPLE}"),
        EXAMPLE.replace(r#""v":1,"#, r#""v": 1,"#),
        // Key order.
        EXAMPLE.replace(
            r#"{"request_id":"17","session_id":"3f2b9c1e""#,
            r#"{"session_id":"3f2b9c1e","request_id":"17""#,
        ),
        // Unnecessary escapes.
        EXAMPLE.replace("tools/call", "tools\\/call"),
        EXAMPLE.replace("tools/call", "tools/c\\u0061ll"),
        // Duplicate key (the last value is the one JSON parsers keep).
        EXAMPLE.replace(r#""v":1,"#, r#""v":1,"v":1,"#),
        EXAMPLE.replace(r#""size":13"#, r#""size":12,"size":13"#),
    ];
    for bytes in variants {
        let err = AuditEvent::from_canonical(bytes.as_bytes()).unwrap_err();
        assert!(
            matches!(err, EventError::NonCanonical { .. }),
            "{bytes}: {err}"
        );
    }
    // Number forms other than a plain integer are wrong types, not merely non-canonical.
    for bytes in [
        EXAMPLE.replace(r#""v":1,"#, r#""v":1.0,"#),
        EXAMPLE.replace(r#""size":13"#, r#""size":1.3e1"#),
        EXAMPLE.replace(r#""size":13"#, r#""size":-13"#),
    ] {
        assert!(
            matches!(
                AuditEvent::from_canonical(bytes.as_bytes()),
                Err(EventError::WrongType { .. })
            ),
            "{bytes}"
        );
    }
    let err = AuditEvent::from_canonical(format!("{EXAMPLE}\n").as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "audit entry is not in canonical form (first difference at byte {})",
            EXAMPLE.len()
        )
    );
}

#[test]
fn unknown_fields_are_rejected() {
    let cases = [
        ("/extra", "extra"),
        ("/who/role", "who.role"),
        ("/what/arguments", "what.arguments"),
        ("/decision/score", "decision.score"),
        ("/outcome/result", "outcome.result"),
        ("/correlation/span_id", "correlation.span_id"),
        ("/refs/0/url", "refs[0].url"),
    ];
    for (pointer, field) in cases {
        let mut v = example_json();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        v.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.into(), json!("x"));
        assert_eq!(
            AuditEvent::from_json(&v).unwrap_err(),
            EventError::UnknownField {
                field: field.into()
            }
        );
        // Also through the canonical path, even when placed in sorted order.
        let bytes = serde_json::to_vec(&sorted(&v)).unwrap();
        assert_eq!(
            AuditEvent::from_canonical(&bytes).unwrap_err(),
            EventError::UnknownField {
                field: field.into()
            }
        );
    }
}

/// A copy of `v` with object keys sorted at every level.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[test]
fn missing_wrong_and_invalid_fields_are_named() {
    let mut v = example_json();
    v["who"].as_object_mut().unwrap().remove("agent");
    assert_eq!(
        AuditEvent::from_json(&v).unwrap_err(),
        EventError::MissingField {
            field: "who.agent".into()
        }
    );
    let mut v = example_json();
    v["who"]["chain"][1] = json!(7);
    assert_eq!(
        AuditEvent::from_json(&v).unwrap_err(),
        EventError::WrongType {
            field: "who.chain[1]".into(),
            expected: "a string"
        }
    );
    let mut v = example_json();
    v["v"] = json!(2);
    assert_eq!(
        AuditEvent::from_json(&v).unwrap_err(),
        EventError::UnsupportedVersion { version: 2 }
    );
    let mut v = example_json();
    v["decision"]["outcome"] = json!("maybe");
    assert!(matches!(
        AuditEvent::from_json(&v),
        Err(EventError::InvalidValue { field, .. }) if field == "decision.outcome"
    ));
    let mut v = example_json();
    v["what"]["arguments_sha256"] = json!("ABC");
    assert!(matches!(
        AuditEvent::from_json(&v),
        Err(EventError::InvalidValue { field, .. }) if field == "what.arguments_sha256"
    ));
    let mut v = example_json();
    v["time"] = json!("2026-05-04T12:34:56Z");
    assert!(matches!(
        AuditEvent::from_json(&v),
        Err(EventError::InvalidValue { field, .. }) if field == "time"
    ));
    let mut v = example_json();
    v["refs"][0]["size"] = json!(1u64 << 53);
    assert!(matches!(
        AuditEvent::from_json(&v),
        Err(EventError::InvalidValue { field, .. }) if field == "refs[0].size"
    ));
    assert!(matches!(
        AuditEvent::from_json(&json!([])),
        Err(EventError::WrongType { .. })
    ));
    assert!(matches!(
        AuditEvent::from_canonical(b"not json"),
        Err(EventError::Json { .. })
    ));
    assert!(matches!(
        AuditEvent::from_canonical(b"{\"v\":1,\"time\":\"\xff\"}"),
        Err(EventError::Json { .. })
    ));
}

#[test]
fn every_verdict_and_status_round_trips() {
    for verdict in Verdict::ALL {
        for status in Status::ALL {
            let e = AuditEvent::new(
                "2026-01-01T00:00:00.000Z",
                who(),
                what(),
                Decision {
                    outcome: verdict,
                    ..decision()
                },
                Outcome {
                    status,
                    result_sha256: None,
                    error: Some("upstream said \"no\"\n".into()),
                },
                correlation(),
                refs(),
            )
            .unwrap();
            assert_eq!(Verdict::parse(verdict.as_str()), Some(verdict));
            assert_eq!(Status::parse(status.as_str()), Some(status));
            assert_eq!(AuditEvent::from_canonical(&e.canonical_bytes()).unwrap(), e);
        }
    }
}

#[test]
fn oversized_fields_are_named() {
    let long = |n| "x".repeat(n);
    let err = AuditEvent::new(
        "2026-01-01T00:00:00.000Z",
        who(),
        what(),
        Decision {
            reason: long(MAX_TEXT_BYTES + 1),
            ..decision()
        },
        outcome(),
        correlation(),
        refs(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        EventError::FieldTooLong {
            field: "decision.reason".into(),
            len: MAX_TEXT_BYTES + 1,
            max: MAX_TEXT_BYTES
        }
    );
    assert_eq!(
        err.to_string(),
        "field decision.reason is 8193 bytes, more than the 8192-byte limit"
    );

    let err = AuditEvent::new(
        "2026-01-01T00:00:00.000Z",
        Who {
            chain: vec![String::new(); MAX_CHAIN + 1],
            ..who()
        },
        what(),
        decision(),
        outcome(),
        correlation(),
        refs(),
    )
    .unwrap_err();
    assert!(matches!(err, EventError::TooMany { field, .. } if field == "who.chain"));

    let err = AuditEvent::new(
        "2026-01-01T00:00:00.000Z",
        Who {
            chain: vec![String::new(), long(MAX_ID_BYTES + 1)],
            ..who()
        },
        what(),
        decision(),
        outcome(),
        correlation(),
        refs(),
    )
    .unwrap_err();
    assert!(matches!(err, EventError::FieldTooLong { field, .. } if field == "who.chain[1]"));

    // Every field within its limit, but escaping makes the entry too large.
    let controls = "\u{1}".repeat(MAX_TEXT_BYTES);
    let err = AuditEvent::new(
        "2026-01-01T00:00:00.000Z",
        who(),
        what(),
        Decision {
            reason: controls.clone(),
            ..decision()
        },
        Outcome {
            error: Some(controls[..MAX_TEXT_BYTES / 2].to_owned()),
            ..outcome()
        },
        correlation(),
        refs(),
    )
    .unwrap_err();
    match err {
        EventError::TooLarge { size, max, largest } => {
            assert!(size > MAX_ENTRY_BYTES);
            assert_eq!(max, MAX_ENTRY_BYTES);
            assert_eq!(largest.as_deref(), Some("decision.reason"));
        }
        other => panic!("{other:?}"),
    }

    // Input larger than an entry is refused before parsing.
    let big = vec![b' '; MAX_ENTRY_BYTES + 1];
    assert!(matches!(
        AuditEvent::from_canonical(&big),
        Err(EventError::TooLarge { .. })
    ));
}

#[test]
fn the_largest_valid_events_fit_an_entry() {
    // Fill every list and field to its limit with plain characters: either it fits, or it is
    // refused; it never produces an entry over the limit.
    let id = "i".repeat(MAX_ID_BYTES);
    let result = AuditEvent::new(
        "2026-01-01T00:00:00.000Z",
        Who {
            agent: id.clone(),
            subject: id.clone(),
            chain: vec![id.clone(); MAX_CHAIN],
        },
        What {
            operation: "o".repeat(MAX_OPERATION_BYTES),
            target: "t".repeat(MAX_TARGET_BYTES),
            arguments_sha256: sha256_hex(b""),
        },
        Decision {
            outcome: Verdict::ApprovalRequired,
            policies: vec![id.clone(); MAX_POLICIES],
            reason: "r".repeat(MAX_TEXT_BYTES),
        },
        Outcome {
            status: Status::Error,
            result_sha256: Some(sha256_hex(b"")),
            error: Some("e".repeat(MAX_TEXT_BYTES)),
        },
        Correlation {
            request_id: id.clone(),
            session_id: id.clone(),
            trace_id: Some(id.clone()),
        },
        vec![
            PayloadRef {
                sha256: sha256_hex(b""),
                media_type: "m".repeat(MAX_MEDIA_TYPE_BYTES),
                size: MAX_PAYLOAD_SIZE,
            };
            MAX_REFS
        ],
    );
    match result {
        Ok(e) => assert!(e.canonical_bytes().len() <= MAX_ENTRY_BYTES),
        Err(EventError::TooLarge { largest, .. }) => {
            assert_eq!(largest.as_deref(), Some("decision.policies"))
        }
        Err(other) => panic!("{other}"),
    }
}

fn keys_sorted(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            let keys: Vec<_> = m.keys().collect();
            keys.windows(2).all(|w| w[0] < w[1]) && m.values().all(keys_sorted)
        }
        Value::Array(a) => a.iter().all(keys_sorted),
        _ => true,
    }
}

fn arb_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..max).prop_map(|c| c.into_iter().collect())
}

fn arb_hex() -> impl Strategy<Value = String> {
    any::<[u8; 32]>().prop_map(hex::encode)
}

prop_compose! {
    fn arb_event()(
        ms in 0u64..253_402_300_800_000,
        agent in arb_text(40).prop_filter("non-empty", |s| !s.is_empty()),
        subject in arb_text(40),
        chain in prop::collection::vec(arb_text(20), 0..5),
        operation in arb_text(20).prop_filter("non-empty", |s| !s.is_empty()),
        target in arb_text(40),
        args in arb_hex(),
        verdict in prop::sample::select(Verdict::ALL.to_vec()),
        policies in prop::collection::vec(arb_text(20), 0..4),
        reason in arb_text(80),
        status in prop::sample::select(Status::ALL.to_vec()),
        result in prop::option::of(arb_hex()),
        error in prop::option::of(arb_text(40)),
        request_id in arb_text(10),
        session_id in arb_text(10),
        trace_id in prop::option::of(arb_text(10)),
        refs in prop::collection::vec((arb_hex(), "[a-z]{1,10}/[a-z+.-]{1,20}", 0u64..=MAX_PAYLOAD_SIZE), 0..4),
    ) -> AuditEvent {
        AuditEvent::new(
            format_unix_millis(ms).unwrap(),
            Who { agent, subject, chain },
            What { operation, target, arguments_sha256: args },
            Decision { outcome: verdict, policies, reason },
            Outcome { status, result_sha256: result, error },
            Correlation { request_id, session_id, trace_id },
            refs.into_iter().map(|(sha256, media_type, size)| PayloadRef { sha256, media_type, size }).collect(),
        ).unwrap()
    }
}

proptest! {
    #[test]
    fn canonical_round_trip_for_any_event(e in arb_event()) {
        let bytes = e.canonical_bytes();
        prop_assert!(bytes.len() <= MAX_ENTRY_BYTES);
        prop_assert_eq!(&AuditEvent::from_canonical(&bytes).unwrap(), &e);
        // It is JSON with sorted keys, the same value as to_json, and what a standard
        // serializer with sorted keys and no white space writes.
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert!(keys_sorted(&value));
        prop_assert_eq!(&value, &e.to_json());
        prop_assert_eq!(serde_json::to_vec(&sorted(&value)).unwrap(), bytes.clone());
        prop_assert_eq!(AuditEvent::from_json(&value).unwrap(), e);
    }

    #[test]
    fn from_canonical_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = AuditEvent::from_canonical(&bytes);
    }

    #[test]
    fn any_flipped_byte_is_rejected_or_changes_the_event(pos in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let mut bytes = EXAMPLE.as_bytes().to_vec();
        let i = pos.index(bytes.len());
        bytes[i] ^= mask;
        // A flipped byte either fails to decode or decodes to a different event (with a
        // different leaf hash): never to the same event.
        if let Ok(e) = AuditEvent::from_canonical(&bytes) {
            prop_assert_ne!(e, example());
        }
    }
}

#[test]
fn external_events_may_omit_ids_and_refs() {
    let v = serde_json::json!({
        "v": 1, "time": "2026-11-21T14:40:00.000Z",
        "who": {"agent": "batch-job", "subject": "batch-job", "chain": []},
        "what": {"operation": "export", "target": "crm-db", "arguments_sha256": "ab".repeat(32)},
        "decision": {"outcome": "allow", "policies": [], "reason": "scheduled"},
        "outcome": {"status": "ok"},
        "correlation": {}
    });
    let e =
        warden_audit::event::AuditEvent::from_json(&v).expect("ids and refs are optional on input");
    let bytes = e.canonical_bytes();
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    assert!(
        text.contains("\"session_id\":\"\"") && text.contains("\"refs\":[]"),
        "{text}"
    );
    assert_eq!(
        warden_audit::event::AuditEvent::from_canonical(&bytes).expect("canonical"),
        e
    );
    // The canonical form itself stays strict: dropping a field is not canonical.
    let stripped = text.replace(",\"refs\":[]", "");
    assert!(warden_audit::event::AuditEvent::from_canonical(stripped.as_bytes()).is_err());
}
