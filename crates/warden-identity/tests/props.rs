//! Property: no sequence of attenuations (honest or forged) yields a right the root lacks.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::time::Duration;

use biscuit_auth::{Biscuit, BlockBuilder, builder};
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use warden_identity::{
    ArgRule, AttenuateRequest, Scope, ToolRule, VerifiedToken, VerifierConfig, attenuate,
};

const SERVERS: [&str; 3] = ["fs", "db", "web"];
const TOOLS: [&str; 3] = ["read", "write", "query"];
const ARGS: [&str; 2] = ["a", "b"];
const GLOBS: [&str; 4] = ["*", "x*", "*a", "x"];
const CLASSES: [&str; 3] = ["pii", "public", "secret"];

fn values() -> Vec<Value> {
    vec![
        json!("x"),
        json!("y"),
        json!("xa"),
        json!("za"),
        json!(1),
        json!(5),
        json!(10.0),
        json!(50),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    proptest::sample::select(values())
}

fn arb_arg_rule() -> impl Strategy<Value = ArgRule> {
    prop_oneof![
        proptest::collection::vec(arb_value(), 0..4).prop_map(ArgRule::OneOf),
        proptest::sample::select(GLOBS.to_vec()).prop_map(|g| ArgRule::Like(g.into())),
        proptest::sample::select(vec![1.0, 5.0, 10.0, 50.0]).prop_map(ArgRule::Max),
    ]
}

fn arb_tool_rule() -> impl Strategy<Value = ToolRule> {
    proptest::collection::btree_map(
        proptest::sample::select(ARGS.to_vec()),
        arb_arg_rule(),
        0..3,
    )
    .prop_map(|m| ToolRule {
        arguments: m.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    })
}

fn arb_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_string()),
        2 => proptest::sample::select(SERVERS.to_vec()).prop_map(|s| format!("{s}.*")),
        4 => (proptest::sample::select(SERVERS.to_vec()), proptest::sample::select(TOOLS.to_vec()))
            .prop_map(|(s, t)| format!("{s}.{t}")),
    ]
}

fn arb_scope() -> impl Strategy<Value = Scope> {
    (
        proptest::collection::btree_map(arb_pattern(), arb_tool_rule(), 0..5),
        proptest::collection::btree_set(proptest::sample::select(CLASSES.to_vec()), 0..3),
    )
        .prop_map(|(tools, classes)| Scope {
            tools,
            data_classes: classes.into_iter().map(String::from).collect(),
        })
}

/// A call: server, tool, arguments drawn from the same small universe.
fn arb_call() -> impl Strategy<Value = (String, String, Value)> {
    (
        proptest::sample::select(SERVERS.to_vec()),
        proptest::sample::select(TOOLS.to_vec()),
        proptest::option::weighted(0.85, arb_value()),
        proptest::option::weighted(0.85, arb_value()),
    )
        .prop_map(|(s, t, a, b)| {
            let args: serde_json::Map<String, Value> = [("a", a), ("b", b)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect();
            (s.to_string(), t.to_string(), Value::Object(args))
        })
}

/// Deterministic narrowing of `scope` driven by `seed`: drops entries, tightens rules.
fn narrow(scope: &Scope, seed: u64) -> Scope {
    let mut bits = seed;
    let mut next = move || {
        bits = bits
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        bits >> 33
    };
    let mut tools = BTreeMap::new();
    for (pattern, rule) in &scope.tools {
        if next() % 4 == 0 {
            continue;
        }
        let mut arguments = BTreeMap::new();
        for (arg, r) in &rule.arguments {
            let tightened = match r {
                ArgRule::OneOf(v) => {
                    ArgRule::OneOf(v.iter().filter(|_| next() % 3 != 0).cloned().collect())
                }
                ArgRule::Max(m) if next() % 2 == 0 => ArgRule::Max(m / 2.0),
                ArgRule::Max(m) => ArgRule::OneOf(
                    values()
                        .into_iter()
                        .filter(|v| v.as_f64().is_some_and(|n| n <= *m))
                        .collect(),
                ),
                ArgRule::Like(g) if next() % 2 == 0 => ArgRule::Like(g.clone()),
                ArgRule::Like(g) => ArgRule::OneOf(
                    values()
                        .into_iter()
                        .filter(|v| v.as_str().is_some_and(|s| like(g, s)))
                        .collect(),
                ),
            };
            arguments.insert(arg.clone(), tightened);
        }
        if next() % 3 == 0 {
            arguments
                .entry("b".to_string())
                .or_insert(ArgRule::Max(5.0));
        }
        // Sometimes replace a server wildcard by one of its tools.
        let pattern = match pattern.strip_suffix(".*") {
            Some(server) if next() % 2 == 0 => format!("{server}.{}", TOOLS[(next() % 3) as usize]),
            _ => pattern.clone(),
        };
        tools.insert(pattern, ToolRule { arguments });
    }
    let data_classes: BTreeSet<String> = scope
        .data_classes
        .iter()
        .filter(|_| next() % 3 != 0)
        .cloned()
        .collect();
    Scope {
        tools,
        data_classes,
    }
}

/// A narrowing of `scope` with one random loosening applied: usually a widening.
fn perturb(scope: &Scope, seed: u64) -> Scope {
    let mut out = narrow(scope, seed);
    let pick = (seed >> 7) as usize;
    let keys: Vec<String> = out.tools.keys().cloned().collect();
    let Some(key) = keys.get(pick % keys.len().max(1)).cloned() else {
        out.tools.insert("*".into(), ToolRule::default());
        return out;
    };
    let rule = out.tools.get_mut(&key).expect("key exists");
    let arg = rule.arguments.keys().next().cloned();
    match (seed % 6, arg) {
        (0, _) => {
            out.tools.insert("*".into(), ToolRule::default());
        }
        (1, Some(arg)) => {
            let widened = match &rule.arguments[&arg] {
                ArgRule::Max(m) => ArgRule::Max(m * 2.0 + 1.0),
                ArgRule::OneOf(v) => {
                    let mut v = v.clone();
                    v.extend(values());
                    ArgRule::OneOf(v)
                }
                ArgRule::Like(_) => ArgRule::Like("*".into()),
            };
            rule.arguments.insert(arg, widened);
        }
        (2, Some(arg)) => {
            rule.arguments.remove(&arg);
        }
        (3, Some(arg)) => {
            rule.arguments.insert(arg, ArgRule::Max(50.0));
        }
        (4, _) => {
            out.data_classes.insert("secret".into());
        }
        _ => {
            let server = key.split('.').next().unwrap_or("fs").to_string();
            out.tools.insert(format!("{server}.*"), ToolRule::default());
        }
    }
    out
}

fn like(glob: &str, s: &str) -> bool {
    ArgRule::Like(glob.into()).allows(&json!(s))
}

fn fixture() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| {
        let mut config = VerifierConfig::new(AUD);
        config.cache_capacity = 0;
        Fixture::with_config(config)
    })
}

#[derive(Debug, Clone)]
enum Step {
    /// Attenuate with a narrowing of the current scope (should be accepted).
    Narrow(u64),
    /// Attenuate with an arbitrary scope (often a widening: must then be refused).
    Arbitrary(Scope),
    /// Attenuate with a narrowing plus one loosening.
    Perturb(u64),
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<u64>().prop_map(Step::Narrow),
        arb_scope().prop_map(Step::Arbitrary),
        any::<u64>().prop_map(Step::Perturb),
    ]
}

fn assert_no_new_rights(root: &Scope, v: &VerifiedToken, calls: &[(String, String, Value)]) {
    for (server, tool, args) in calls {
        if v.permits(server, tool, args).is_ok() {
            assert!(
                root.check_call(server, tool, args).is_ok(),
                "{server}.{tool} {args} allowed at depth {} but not by the root scope",
                v.depth()
            );
        }
    }
    for class in CLASSES {
        if v.permits_data_class(class) {
            assert!(root.allows_data_class(class));
        }
    }
    // Stronger than the intersection `permits` computes: every block's scope on its own is
    // within its parent's, which is what chain validation promises.
    for (k, pair) in v.scopes.windows(2).enumerate() {
        let (parent, child) = (&pair[0], &pair[1]);
        for (server, tool, args) in calls {
            if child.check_call(server, tool, args).is_ok() {
                assert!(
                    parent.check_call(server, tool, args).is_ok(),
                    "block {} allows {server}.{tool} {args}, its parent does not",
                    k + 1
                );
            }
        }
        for class in CLASSES {
            assert!(!child.allows_data_class(class) || parent.allows_data_class(class));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn attenuation_never_widens(
        root in arb_scope(),
        steps in proptest::collection::vec(arb_step(), 1..6),
        calls in proptest::collection::vec(arb_call(), 64),
    ) {
        let fx = fixture();
        let keys = fx.keyring.key_set();
        let mut current = fx.issue("agent-0", root.clone(), 5);
        let mut scope = root.clone();
        for (i, step) in steps.iter().enumerate() {
            let (requested, honest) = match step {
                Step::Narrow(seed) => (narrow(&scope, *seed), true),
                Step::Arbitrary(s) => (s.clone(), false),
                Step::Perturb(seed) => (perturb(&scope, *seed), false),
            };
            let req = AttenuateRequest {
                delegate: format!("agent-{}", i + 1),
                scope: requested.clone(),
                ttl: Some(Duration::from_secs(60)),
                max_depth: None,
            };
            match attenuate(&keys, &current.token, &req, NOW) {
                Ok(next) => {
                    let v = fx.verifier.verify(&next.token, NOW)
                        .expect("a token attenuate produced must verify");
                    assert_no_new_rights(&root, &v, &calls);
                    current = next;
                    scope = requested;
                }
                Err(e) => prop_assert!(!honest, "honest narrowing refused: {e}"),
            }
        }
    }

    #[test]
    fn forged_blocks_never_widen(
        root in arb_scope(),
        forged in proptest::collection::vec((arb_scope(), 0i64..6, any::<bool>()), 1..4),
        calls in proptest::collection::vec(arb_call(), 64),
    ) {
        let fx = fixture();
        let key = fx.keyring.public_key(fx.keyring.active_kid()).unwrap();
        let issued = fx.issue("agent-0", root.clone(), 5);
        let mut biscuit = Biscuit::from_base64(&issued.token, key).unwrap();
        for (i, (scope, depth, later)) in forged.iter().enumerate() {
            let exp = issued.expires_at_ms + if *later { 1 } else { 0 };
            let mut block = BlockBuilder::new()
                .fact(builder::fact("delegate", &[builder::string(&format!("f{i}"))]))
                .and_then(|b| b.fact(builder::fact("expires_at", &[builder::int(exp)])))
                .and_then(|b| b.fact(builder::fact("remaining_depth", &[builder::int(*depth)])))
                .unwrap();
            for (pattern, rule) in &scope.tools {
                let json = serde_json::to_string(rule).unwrap();
                block = block
                    .fact(builder::fact("tool", &[builder::string(pattern), builder::string(&json)]))
                    .unwrap();
            }
            for class in &scope.data_classes {
                block = block.fact(builder::fact("data_class", &[builder::string(class)])).unwrap();
            }
            biscuit = biscuit.append(block).unwrap();
            let token = biscuit.to_base64().unwrap();
            if let Ok(v) = fx.verifier.verify(&token, NOW) {
                assert_no_new_rights(&root, &v, &calls);
                // And nothing beyond the forged block's own claim either.
                for (server, tool, args) in &calls {
                    if v.permits(server, tool, args).is_ok() {
                        prop_assert!(scope.check_call(server, tool, args).is_ok());
                    }
                }
            }
        }
    }
}
