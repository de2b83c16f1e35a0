//! The condition language: every operator, missing fields, paths, nesting and parse errors.

use serde_json::{Value, json};
use warden_catalog::{Condition, FieldPath};

fn cond(v: Value) -> Condition {
    match Condition::parse(&v, "/when") {
        Ok(c) => c,
        Err(e) => panic!("{v} did not parse: {e:?}"),
    }
}

fn holds(c: Value, facts: &Value) -> bool {
    cond(c).eval(facts)
}

fn errors(v: Value) -> Vec<(String, String)> {
    match Condition::parse(&v, "/when") {
        Ok(c) => panic!("{v} parsed as {c}"),
        Err(e) => e.into_iter().map(|i| (i.pointer, i.message)).collect(),
    }
}

fn facts() -> Value {
    json!({
        "id": "planner",
        "autonomy": "autonomous",
        "steps": 12,
        "ratio": 0.5,
        "flag": false,
        "nothing": null,
        "blank": "",
        "none": [],
        "nobody": {},
        "tags": ["web", "email", 3],
        "limits": {"max_steps": 20},
        "tools": [{"tool": "fs.delete_file", "approval": false}, {"tool": "web.fetch"}],
        "map": {"0": "zero", "shell": true}
    })
}

#[test]
fn equals_and_not_equals() {
    let f = facts();
    assert!(holds(
        json!({"field": "autonomy", "equals": "autonomous"}),
        &f
    ));
    assert!(!holds(
        json!({"field": "autonomy", "equals": "supervised"}),
        &f
    ));
    assert!(
        holds(json!({"field": "steps", "equals": 12.0}), &f),
        "numbers compare by value"
    );
    assert!(holds(json!({"field": "flag", "equals": false}), &f));
    assert!(holds(
        json!({"field": "tags", "equals": ["web", "email", 3]}),
        &f
    ));
    // missing and null: equals is false, not_equals is true
    assert!(!holds(json!({"field": "absent", "equals": "x"}), &f));
    assert!(!holds(json!({"field": "nothing", "equals": false}), &f));
    assert!(holds(json!({"field": "absent", "not_equals": "x"}), &f));
    assert!(holds(json!({"field": "nothing", "not_equals": "x"}), &f));
    assert!(!holds(
        json!({"field": "autonomy", "not_equals": "autonomous"}),
        &f
    ));
    assert!(holds(
        json!({"field": "autonomy", "not_equals": "supervised"}),
        &f
    ));
}

#[test]
fn in_contains_and_contains_any() {
    let f = facts();
    assert!(holds(
        json!({"field": "autonomy", "in": ["conditional", "autonomous"]}),
        &f
    ));
    assert!(!holds(
        json!({"field": "autonomy", "in": ["assistive"]}),
        &f
    ));
    assert!(!holds(json!({"field": "absent", "in": ["x"]}), &f));
    assert!(holds(json!({"field": "steps", "in": [1, 12]}), &f));
    // arrays: element; strings: substring; mappings: key
    assert!(holds(json!({"field": "tags", "contains": "email"}), &f));
    assert!(holds(json!({"field": "tags", "contains": 3.0}), &f));
    assert!(!holds(json!({"field": "tags", "contains": "ftp"}), &f));
    assert!(holds(json!({"field": "id", "contains": "plan"}), &f));
    assert!(!holds(json!({"field": "id", "contains": "exec"}), &f));
    assert!(holds(json!({"field": "map", "contains": "shell"}), &f));
    assert!(!holds(json!({"field": "steps", "contains": 1}), &f));
    assert!(!holds(json!({"field": "absent", "contains": "x"}), &f));
    assert!(holds(
        json!({"field": "tags", "contains_any": ["ftp", "web"]}),
        &f
    ));
    assert!(!holds(
        json!({"field": "tags", "contains_any": ["ftp", "sms"]}),
        &f
    ));
    assert!(holds(
        json!({"field": "id", "contains_any": ["zzz", "ann"]}),
        &f
    ));
    assert!(!holds(
        json!({"field": "absent", "contains_any": ["x"]}),
        &f
    ));
}

#[test]
fn exists_and_empty() {
    let f = facts();
    assert!(holds(json!({"field": "steps", "exists": true}), &f));
    assert!(
        holds(json!({"field": "flag", "exists": true}), &f),
        "false is present"
    );
    assert!(holds(json!({"field": "blank", "exists": true}), &f));
    assert!(
        !holds(json!({"field": "nothing", "exists": true}), &f),
        "null is missing"
    );
    assert!(holds(json!({"field": "nothing", "exists": false}), &f));
    assert!(holds(json!({"field": "absent", "exists": false}), &f));
    for empty in ["absent", "nothing", "blank", "none", "nobody"] {
        assert!(holds(json!({"field": empty, "empty": true}), &f), "{empty}");
        assert!(
            !holds(json!({"field": empty, "empty": false}), &f),
            "{empty}"
        );
    }
    for full in ["flag", "steps", "id", "tags", "limits"] {
        assert!(holds(json!({"field": full, "empty": false}), &f), "{full}");
        assert!(!holds(json!({"field": full, "empty": true}), &f), "{full}");
    }
}

#[test]
fn numeric_comparisons() {
    let f = facts();
    assert!(holds(json!({"field": "steps", "gt": 11}), &f));
    assert!(!holds(json!({"field": "steps", "gt": 12}), &f));
    assert!(holds(json!({"field": "steps", "gte": 12}), &f));
    assert!(!holds(json!({"field": "steps", "gte": 12.5}), &f));
    assert!(holds(json!({"field": "ratio", "lt": 0.6}), &f));
    assert!(!holds(json!({"field": "ratio", "lt": 0.5}), &f));
    assert!(holds(json!({"field": "ratio", "lte": 0.5}), &f));
    assert!(!holds(json!({"field": "ratio", "lte": 0.4}), &f));
    // missing or not a number: every comparison is false
    for op in ["gt", "gte", "lt", "lte"] {
        assert!(
            !holds(json!({"field": "absent", op: 0}), &f),
            "{op} on missing"
        );
        assert!(
            !holds(json!({"field": "id", op: 0}), &f),
            "{op} on a string"
        );
        assert!(
            !holds(json!({"field": "flag", op: 0}), &f),
            "{op} on a bool"
        );
    }
}

#[test]
fn counts() {
    let f = facts();
    assert!(holds(json!({"field": "tags", "count_gte": 3}), &f));
    assert!(!holds(json!({"field": "tags", "count_gte": 4}), &f));
    assert!(holds(json!({"field": "tags", "count_lte": 3}), &f));
    assert!(!holds(json!({"field": "tags", "count_lte": 2}), &f));
    // a missing list counts as empty
    assert!(holds(json!({"field": "absent", "count_lte": 0}), &f));
    assert!(!holds(json!({"field": "absent", "count_gte": 1}), &f));
    assert!(holds(json!({"field": "none", "count_lte": 0}), &f));
    // other types are not lists
    assert!(!holds(json!({"field": "id", "count_gte": 0}), &f));
    assert!(!holds(json!({"field": "limits", "count_lte": 5}), &f));
}

#[test]
fn glob_matches() {
    let f = facts();
    let m = |field: &str, pattern: &str| holds(json!({"field": field, "matches": pattern}), &f);
    assert!(m("id", "planner"));
    assert!(!m("id", "plan"));
    assert!(m("id", "plan*"));
    assert!(m("id", "*ner"));
    assert!(m("id", "p*a*r"));
    assert!(m("id", "*"));
    assert!(m("id", "**planner**"));
    assert!(!m("id", "*x*"));
    assert!(!m("id", "Planner"), "case-sensitive");
    assert!(m("tools.0.tool", "*.delete_*"));
    assert!(!m("tools.1.tool", "*.delete_*"));
    assert!(m("blank", "*"));
    assert!(!m("blank", "?"));
    assert!(!m("steps", "*"), "numbers are not strings");
    assert!(!m("absent", "*"));
    // backtracking
    assert!(holds(
        json!({"field": "s", "matches": "a*ab"}),
        &json!({"s": "aaab"})
    ));
    assert!(!holds(
        json!({"field": "s", "matches": "a*ab*c"}),
        &json!({"s": "aabab"})
    ));
    assert!(holds(
        json!({"field": "s", "matches": "é*ß"}),
        &json!({"s": "éaßß"})
    ));
}

#[test]
fn field_paths() {
    let f = facts();
    assert!(holds(
        json!({"field": "limits.max_steps", "equals": 20}),
        &f
    ));
    assert!(holds(
        json!({"field": "tools.0.approval", "equals": false}),
        &f
    ));
    assert!(holds(
        json!({"field": "tools.1.approval", "exists": false}),
        &f
    ));
    assert!(
        holds(json!({"field": "tools.9.tool", "exists": false}), &f),
        "past the end"
    );
    assert!(
        holds(json!({"field": "map.0", "equals": "zero"}), &f),
        "numeric key of a mapping"
    );
    assert!(
        holds(json!({"field": "id.length", "exists": false}), &f),
        "through a scalar"
    );
    assert!(
        holds(json!({"field": "tools.x", "exists": false}), &f),
        "word index into a list"
    );
    let p = FieldPath::parse("limits.max_steps").map_err(|e| e.to_string());
    assert_eq!(p.as_ref().map(FieldPath::as_str), Ok("limits.max_steps"));
    assert!(FieldPath::parse("").is_err());
    assert!(FieldPath::parse("a..b").is_err());
    assert!(FieldPath::parse(".a").is_err());
    assert!(FieldPath::parse("a b").is_err());
    // facts need not be a mapping
    assert!(!cond(json!({"field": "a", "exists": true})).eval(&json!(3)));
}

#[test]
fn nesting() {
    let f = facts();
    let c = json!({"all": [
        {"field": "autonomy", "equals": "autonomous"},
        {"any": [
            {"field": "limits.max_steps", "gt": 50},
            {"not": {"field": "tools.0.approval", "equals": true}}
        ]},
        {"not": {"not": {"field": "tags", "contains": "web"}}}
    ]});
    assert!(holds(c.clone(), &f));
    let mut g = f.clone();
    g["tools"][0]["approval"] = json!(true);
    assert!(!holds(c.clone(), &g), "the `any` branch now fails");
    g["limits"]["max_steps"] = json!(100);
    assert!(holds(c, &g), "the other `any` branch holds");
    assert!(!holds(
        json!({"any": [{"field": "absent", "exists": true}]}),
        &f
    ));
    assert!(holds(
        json!({"all": [{"field": "absent", "exists": false}]}),
        &f
    ));
    assert!(holds(json!({"not": {"field": "absent", "equals": 1}}), &f));
}

#[test]
fn json_form_round_trips_and_displays() {
    let v = json!({"all": [
        {"field": "a", "in": [1, 2]},
        {"any": [{"field": "b", "exists": false}, {"not": {"field": "c", "matches": "x*"}}]},
        {"field": "d", "count_gte": 2},
        {"field": "e", "gte": 1.5}
    ]});
    let c = cond(v.clone());
    assert_eq!(c.to_value(), v);
    assert_eq!(cond(c.to_value()), c);
    let via_serde: Condition = serde_json::from_value(v)
        .map_err(|e| e.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(via_serde, c);
    assert_eq!(
        c.to_string(),
        r#"(a in [1,2] and (b missing or not c matches "x*") and d count_gte 2 and e gte 1.5)"#
    );
    assert_eq!(c.fields(), ["a", "b", "c", "d", "e"]);
    assert!(serde_json::from_value::<Condition>(json!({"field": "a"})).is_err());
}

#[test]
fn parse_errors_are_located() {
    let e = errors(json!({"field": "a", "equal": 1}));
    assert!(
        e.iter()
            .any(|(p, m)| p == "/when/equal" && m.contains("unknown key `equal`")),
        "{e:?}"
    );
    let e = errors(json!({"field": "a"}));
    assert_eq!(e[0].0, "/when");
    assert!(e[0].1.contains("needs one operator"), "{e:?}");
    let e = errors(json!({"field": "a", "equals": 1, "gt": 0}));
    assert!(
        e.iter().any(|(_, m)| m.contains("exactly one operator")),
        "{e:?}"
    );
    let e = errors(json!({"all": {"field": "a", "exists": true}}));
    assert_eq!(
        e,
        [(
            "/when/all".to_string(),
            "`all` takes a list of conditions".to_string()
        )]
    );
    let e = errors(json!({"any": []}));
    assert_eq!(e[0].0, "/when/any");
    let e = errors(json!({"all": [{"field": "a", "exists": true}, {"field": "b", "bogus": 1}]}));
    assert_eq!(e[0].0, "/when/all/1/bogus");
    let e = errors(json!({"not": {"field": "a", "gt": "x"}}));
    assert_eq!(e[0].0, "/when/not/gt");
    let e = errors(json!({"all": [{"field": "a", "exists": true}], "field": "b"}));
    assert!(e[0].1.contains("cannot stand beside `all`"), "{e:?}");
    assert_eq!(errors(json!("a == 1"))[0].0, "/when");
    assert_eq!(
        errors(json!({"field": 3, "exists": true}))[0].0,
        "/when/field"
    );
    assert_eq!(
        errors(json!({"field": "a..b", "exists": true}))[0].0,
        "/when/field"
    );
    assert!(
        errors(json!({"equals": 1}))[0]
            .1
            .contains("needs `all`, `any`, `not`, or `field`")
    );
    let bad_operands = [
        ("equals", json!(null)),
        ("not_equals", json!(null)),
        ("contains", json!(null)),
        ("in", json!("x")),
        ("in", json!([])),
        ("contains_any", json!([null])),
        ("exists", json!("yes")),
        ("empty", json!(1)),
        ("gt", json!("1")),
        ("lte", json!(null)),
        ("count_gte", json!(-1)),
        ("count_lte", json!(1.5)),
        ("matches", json!(3)),
    ];
    for (op, operand) in bad_operands {
        let e = errors(json!({"field": "a", op: operand}));
        assert_eq!(e.len(), 1, "{op}: {e:?}");
        assert_eq!(e[0].0, format!("/when/{op}"), "{op}");
    }
}

#[test]
fn evaluation_is_cheap_enough_to_run_at_scale() {
    // Not a timing assertion: a smoke test that evaluation over many facts stays correct.
    let c = cond(json!({"all": [
        {"field": "derived.untrusted_input", "equals": true},
        {"field": "tools", "count_gte": 1},
        {"not": {"field": "owner", "exists": true}}
    ]}));
    let elements: Vec<Value> = (0..10_000u32)
        .map(|i| json!({"derived": {"untrusted_input": i.is_multiple_of(2)}, "tools": [i], "owner": if i.is_multiple_of(3) { Value::Null } else { json!("team") }}))
        .collect();
    let hits = elements.iter().filter(|e| c.eval(e)).count();
    assert_eq!(hits, (0..10_000u32).filter(|i| i.is_multiple_of(6)).count());
}
