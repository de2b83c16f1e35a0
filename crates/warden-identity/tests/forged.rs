//! Blocks appended with the raw Biscuit API, bypassing `attenuate`: the verifier must refuse
//! every one that widens, and never read a forged block's facts as another block's claims.

mod common;

use biscuit_auth::{Biscuit, BlockBuilder, KeyPair};
use common::*;
use serde_json::json;
use warden_identity::TokenError;

/// Append a block written in Datalog to `token`, as any holder could.
fn forge(fx: &Fixture, token: &str, code: &str) -> String {
    let key = fx.keyring.public_key(fx.keyring.active_kid()).unwrap();
    let biscuit = Biscuit::from_base64(token, key).unwrap();
    let block = BlockBuilder::new().code(code).unwrap();
    biscuit.append(block).unwrap().to_base64().unwrap()
}

fn delegation_code(
    delegate: &str,
    tools: &[(&str, &str)],
    classes: &[&str],
    exp: i64,
    depth: i64,
) -> String {
    let mut code =
        format!("delegate(\"{delegate}\"); expires_at({exp}); remaining_depth({depth});\n");
    for (pattern, rule) in tools {
        let rule = rule.replace('\\', "\\\\").replace('"', "\\\"");
        code.push_str(&format!("tool(\"{pattern}\", \"{rule}\");\n"));
    }
    for c in classes {
        code.push_str(&format!("data_class(\"{c}\");\n"));
    }
    code
}

fn widened_block(err: TokenError) -> usize {
    match err {
        TokenError::WidenedAttenuation { block, .. } => block,
        other => panic!("expected WidenedAttenuation, got {other:?}"),
    }
}

#[test]
fn forged_widening_blocks_are_refused() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 3);
    let exp = t.expires_at_ms;
    let cases: Vec<(&str, String)> = vec![
        (
            "new tool",
            delegation_code("b", &[("mail.send", "{}")], &[], exp, 1),
        ),
        (
            "wildcard",
            delegation_code("b", &[("*", "{}")], &[], exp, 1),
        ),
        (
            "dropped argument rule",
            delegation_code("b", &[("db.query", r#"{"arguments":{}}"#)], &[], exp, 1),
        ),
        (
            "looser max",
            delegation_code(
                "b",
                &[(
                    "db.query",
                    r#"{"arguments":{"table":{"one_of":["users"]},"limit":{"max":1e9}}}"#,
                )],
                &[],
                exp,
                1,
            ),
        ),
        (
            "other glob",
            delegation_code(
                "b",
                &[("web.fetch", r#"{"arguments":{"url":{"like":"*"}}}"#)],
                &[],
                exp,
                1,
            ),
        ),
        (
            "new data class",
            delegation_code("b", &[], &["secret"], exp, 1),
        ),
        ("later expiry", delegation_code("b", &[], &[], exp + 1, 1)),
        (
            "depth not decreasing",
            delegation_code("b", &[], &[], exp, 3),
        ),
    ];
    for (what, code) in cases {
        let forged = forge(&fx, &t.token, &code);
        let err = fx.verifier.verify(&forged, NOW).unwrap_err();
        assert_eq!(widened_block(err), 1, "{what}");
    }
    // A widening in the second delegation block, after an honest first one.
    let child = fx.delegate(&t.token, "b", root_scope());
    let forged = forge(
        &fx,
        &child.token,
        &delegation_code("c", &[("*", "{}")], &[], exp, 0),
    );
    assert_eq!(
        widened_block(fx.verifier.verify(&forged, NOW).unwrap_err()),
        2
    );
}

#[test]
fn forged_structural_violations() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 3);
    let exp = t.expires_at_ms;
    // Cycle through a forged block.
    let forged = forge(&fx, &t.token, &delegation_code("a", &[], &[], exp, 1));
    assert_eq!(
        fx.verifier.verify(&forged, NOW).unwrap_err(),
        TokenError::Cycle { actor: "a".into() }
    );
    // Missing claims.
    let forged = forge(&fx, &t.token, "check if true;");
    assert_eq!(
        fx.verifier.verify(&forged, NOW).unwrap_err(),
        TokenError::MissingClaim("delegate".into())
    );
    let forged = forge(&fx, &t.token, "delegate(\"b\"); expires_at(1);");
    assert_eq!(
        fx.verifier.verify(&forged, NOW).unwrap_err(),
        TokenError::MissingClaim("remaining_depth".into())
    );
    // Conflicting or ill-typed claims.
    for code in [
        format!("delegate(\"b\"); delegate(\"c\"); expires_at({exp}); remaining_depth(1);"),
        "delegate(\"b\"); expires_at(\"soon\"); remaining_depth(1);".to_string(),
        format!("delegate(\"b\"); expires_at({exp}); remaining_depth(-1);"),
        format!("delegate(\"b\"); expires_at({exp}); remaining_depth(1); tool(\"fs.*\");"),
        format!(
            "delegate(\"b\"); expires_at({exp}); remaining_depth(1); tool(\"fs.*\", \"not json\");"
        ),
        format!("delegate(\"b\"); expires_at({exp}); remaining_depth(1); tool(\"bad\", \"{{}}\");"),
    ] {
        let forged = forge(&fx, &t.token, &code);
        let err = fx.verifier.verify(&forged, NOW).unwrap_err();
        assert!(
            matches!(err, TokenError::InvalidClaim { block: 1, .. }),
            "{code}: {err:?}"
        );
    }
    // A depth-0 token gets no delegation, however it is appended.
    let t0 = fx.issue("a", root_scope(), 0);
    let forged = forge(&fx, &t0.token, &delegation_code("b", &[], &[], exp, 0));
    assert!(matches!(
        fx.verifier.verify(&forged, NOW).unwrap_err(),
        TokenError::DepthExceeded { depth: 1, max: 0 }
    ));
}

#[test]
fn forged_blocks_cannot_impersonate_other_blocks() {
    let fx = Fixture::new();
    let narrow = scope(&[("fs.read", rule(&[]))], &[]);
    let t = fx.issue("a", narrow.clone(), 2);
    let exp = t.expires_at_ms;
    // Authority-looking facts and rules deriving tool facts in a later block are not claims.
    let code = format!(
        "{} agent(\"root\"); subject(\"user:admin\"); token_audience(\"x\"); max_depth(9);\n\
         tool(\"fs.read\", \"{{}}\");\n\
         tool(\"*\", \"{{}}\") <- delegate($d);",
        delegation_code("b", &[], &[], exp, 1)
    );
    let forged = forge(&fx, &t.token, &code);
    let v = fx.verifier.verify(&forged, NOW).unwrap();
    assert_eq!(v.actors, vec!["a", "b"]);
    assert_eq!(v.subject, "user:alice");
    assert_eq!(v.audience, AUD);
    assert_eq!(v.scopes[0], narrow);
    assert_eq!(v.scopes[1], narrow);
    assert!(v.permits("fs", "read", &json!({})).is_ok());
    assert!(v.permits("fs", "write", &json!({})).is_err());
    assert!(v.permits("mail", "send", &json!({})).is_err());
}

#[test]
fn forged_failing_check_and_third_party_blocks() {
    let fx = Fixture::new();
    let t = fx.issue("a", root_scope(), 2);
    let exp = t.expires_at_ms;
    // A block whose own check fails: Biscuit's authorizer refuses it.
    let code = format!("{} check if false;", delegation_code("b", &[], &[], exp, 1));
    let forged = forge(&fx, &t.token, &code);
    assert!(matches!(
        fx.verifier.verify(&forged, NOW).unwrap_err(),
        TokenError::FailedCheck(_)
    ));
    // A third-party block is read like any other: attributed to its own index.
    let key = fx.keyring.public_key(1).unwrap();
    let biscuit = Biscuit::from_base64(&t.token, key).unwrap();
    let request = biscuit.third_party_request().unwrap();
    let external = KeyPair::new();
    let block = BlockBuilder::new()
        .code(delegation_code("b", &[("*", "{}")], &[], exp, 1))
        .unwrap();
    let signed = request.create_block(&external.private(), block).unwrap();
    let forged = biscuit
        .append_third_party(external.public(), signed)
        .unwrap()
        .to_base64()
        .unwrap();
    assert_eq!(
        widened_block(fx.verifier.verify(&forged, NOW).unwrap_err()),
        1
    );
}
