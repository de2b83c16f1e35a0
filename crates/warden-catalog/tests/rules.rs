//! Rules: description templates, scoring with adjustments, subjects.

use serde_json::json;
use warden_catalog::{Catalog, Rule, Subject, template::MISSING};

fn one_rule(yaml: &str) -> Rule {
    let files = [("team.yaml".to_string(), yaml.to_string())];
    match Catalog::builtin().extended(&files) {
        Ok(c) => match c.rules.last() {
            Some(r) => r.clone(),
            None => panic!("no rule loaded"),
        },
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn render_fills_placeholders() {
    let facts = json!({
        "id": "planner",
        "name": "Planning agent",
        "limits": {"max_steps": 20, "budget": 2.5},
        "tags": ["web", "email", 3],
        "flag": false,
        "nothing": null,
        "obj": {"a": 1}
    });
    let r = |t: &str| Rule::render(t, &facts);
    assert_eq!(
        r("Agent `{id}` ({name})"),
        "Agent `planner` (Planning agent)"
    );
    assert_eq!(
        r("{limits.max_steps} steps, ${limits.budget}"),
        "20 steps, $2.5"
    );
    assert_eq!(r("reads {tags}"), "reads web, email, 3");
    assert_eq!(
        r("{flag}/{nothing}/{absent}"),
        format!("false/{MISSING}/{MISSING}")
    );
    assert_eq!(r("{obj}"), r#"{"a":1}"#);
    assert_eq!(r("{{literal}} and }} and {{"), "{literal} and } and {");
    assert_eq!(r("{ id }"), "planner", "spaces around a path are ignored");
    assert_eq!(r("no placeholders"), "no placeholders");
    assert_eq!(
        r("{} and {a b}"),
        "{} and {a b}",
        "invalid placeholders stay as written"
    );
    assert_eq!(r("unclosed {id"), "unclosed {id");
    assert_eq!(r("stray } brace"), "stray } brace");
    assert_eq!(r("é{id}ß"), "éplannerß");
}

#[test]
fn score_applies_adjustments_and_clamps() {
    let rule = one_rule(
        r#"
rules:
  - id: team-score
    title: "Agent {id}"
    description: "Agent {id} acts alone."
    applies_to: agent
    when: {field: autonomy, equals: autonomous}
    threats: [T2]
    layers: [L3]
    likelihood: 3
    impact: 2
    adjust:
      - when: {field: tools, count_gte: 2}
        likelihood: 3
      - when: {field: owner, exists: false}
        impact: -3
      - when: {field: derived.untrusted_input, equals: true}
        likelihood: -1
        impact: 1
    controls: [WC-HITL-APPROVAL]
"#,
    );
    assert_eq!(rule.applies_to, Subject::Agent);
    assert_eq!(rule.adjust.len(), 3);
    let base = json!({"autonomy": "autonomous", "owner": "ops", "tools": ["a"]});
    assert_eq!(rule.score(&base), (3, 2));
    assert_eq!(
        rule.score(&json!({"owner": "ops", "tools": ["a", "b"]})),
        (4, 2),
        "clamped at 4"
    );
    assert_eq!(rule.score(&json!({"tools": []})), (3, 1), "clamped at 1");
    assert_eq!(
        rule.score(&json!({"owner": "ops", "derived": {"untrusted_input": true}})),
        (2, 3)
    );
    assert!(rule.fires(Subject::Agent, &base));
    assert!(!rule.fires(Subject::Tool, &base));
    assert!(!rule.fires(Subject::Agent, &json!({"autonomy": "supervised"})));
}

#[test]
fn subjects_round_trip() {
    for s in Subject::ALL {
        assert_eq!(s.as_str().parse::<Subject>(), Ok(s));
    }
    assert_eq!("data-store".parse::<Subject>(), Ok(Subject::DataStore));
    assert!("datastore".parse::<Subject>().is_err());
}

#[test]
fn builtin_rules_all_loaded_and_render() {
    let c = Catalog::builtin();
    let text = warden_catalog::BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == "rules.yaml")
        .map(|(_, t)| *t)
        .unwrap_or("");
    let declared = text
        .lines()
        .filter(|l| l.trim_start().starts_with("- id:"))
        .count();
    assert_eq!(
        c.rules.len(),
        declared,
        "every rule in rules.yaml is loaded"
    );
    for r in &c.rules {
        let facts = json!({"id": "x"});
        assert!(!Rule::render(&r.title, &facts).contains("{id}"), "{}", r.id);
    }
}

#[test]
fn rules_serialize_with_conditions_in_file_form() {
    let rule = one_rule(
        r#"
rules:
  - id: team-json
    title: t
    description: d
    applies_to: data-store
    when: {not: {field: encrypted_at_rest, equals: true}}
    threats: [T3]
    layers: [L2]
    stride: [information-disclosure]
    likelihood: 1
    impact: 3
    controls: [WC-DATA-ENCRYPTION]
"#,
    );
    let v = serde_json::to_value(&rule).unwrap_or_default();
    assert_eq!(v["applies_to"], "data-store");
    assert_eq!(
        v["when"],
        json!({"not": {"field": "encrypted_at_rest", "equals": true}})
    );
    assert_eq!(v["stride"], json!(["information-disclosure"]));
}
