//! The built-in catalogue is complete and internally consistent.

use warden_catalog::{Catalog, ControlKind, Section, Stride, render_section, section_json};

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| id(i).to_string()).collect()
}

#[test]
fn builtin_loads_without_errors() {
    if let Err(errors) = Catalog::try_builtin() {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("built-in catalogue failed to load:\n{}", list.join("\n"));
    }
}

#[test]
fn builtin_has_no_integrity_problems() {
    let problems = Catalog::builtin().check();
    assert!(problems.is_empty(), "problems:\n{}", problems.join("\n"));
}

#[test]
fn builtin_has_every_expected_entry() {
    let c = Catalog::builtin();
    let t: Vec<String> = (1..=15).map(|i| format!("T{i}")).collect();
    assert_eq!(ids(&c.threats, |x| &x.id), t);
    let asi: Vec<String> = (1..=10).map(|i| format!("ASI{i:02}")).collect();
    assert_eq!(ids(&c.asi, |x| &x.id), asi);
    let layers: Vec<String> = (1..=7).map(|i| format!("L{i}")).collect();
    assert_eq!(ids(&c.layers, |x| &x.id), layers);
    assert_eq!(
        ids(&c.factors, |x| &x.id),
        [
            "non-determinism",
            "autonomy",
            "identity-management",
            "agent-communication"
        ]
    );
    assert_eq!(c.traits.len(), 7);
    for id in [
        "orchestration",
        "communication",
        "planning",
        "perception-context",
        "learning-knowledge-sharing",
        "trust",
        "tool-usage",
    ] {
        assert!(c.traits.iter().any(|t| t.id == id), "trait {id} missing");
    }
    assert!(c.cross_layer.len() >= 8);
}

#[test]
fn builtin_has_the_required_atlas_techniques() {
    let c = Catalog::builtin();
    for id in [
        "AML.T0051",
        "AML.T0051.000",
        "AML.T0051.001",
        "AML.T0053",
        "AML.T0070",
        "AML.T0080",
        "AML.T0080.000",
        "AML.T0086",
        "AML.T0110",
        "AML.T0034.002",
    ] {
        assert!(c.atlas_technique(id).is_some(), "{id} missing");
    }
    let sub = c.atlas_technique("AML.T0080.000").map(|a| a.parent());
    assert_eq!(sub, Some(Some("AML.T0080")));
}

#[test]
fn builtin_has_every_control_other_crates_rely_on() {
    let c = Catalog::builtin();
    for id in [
        "WC-AGENT-IDENTITY",
        "WC-DELEGATION-SCOPE",
        "WC-LEAST-PRIVILEGE",
        "WC-TOOL-ALLOWLIST",
        "WC-HITL-APPROVAL",
        "WC-APPROVAL-TRIAGE",
        "WC-RATE-LIMIT",
        "WC-KILL-SWITCH",
        "WC-SANDBOX",
        "WC-EGRESS-CONTROL",
        "WC-INPUT-SCAN",
        "WC-OUTPUT-FILTER",
        "WC-MEMORY-VALIDATION",
        "WC-SESSION-ISOLATION",
        "WC-CORPUS-INTEGRITY",
        "WC-MESSAGE-SIGNING",
        "WC-MUTUAL-AUTH",
        "WC-TRANSPORT-ENCRYPTION",
        "WC-TAMPER-EVIDENT-AUDIT",
        "WC-LOG-REDACTION",
        "WC-MONITORING-ALERTING",
        "WC-ANOMALY-DETECTION",
        "WC-TOOL-PINNING",
        "WC-SUPPLY-CHAIN",
        "WC-AGENT-REGISTRY",
        "WC-OWNERSHIP",
        "WC-GROUNDING",
        "WC-GOAL-GUARD",
        "WC-BEHAVIOUR-EVAL",
        "WC-MODEL-PINNING",
        "WC-SECRETS-MANAGEMENT",
        "WC-DATA-ENCRYPTION",
        "WC-ZONE-SEGMENTATION",
        "WC-DELEGATION-MONITORING",
        "WC-EXPLAIN-INTENT",
    ] {
        assert!(c.control(id).is_some(), "{id} missing");
    }
    assert_eq!(
        c.control("WC-KILL-SWITCH").map(|k| k.kind),
        Some(ControlKind::Corrective)
    );
}

#[test]
fn every_threat_has_two_controls_computed_from_controls_yaml() {
    let c = Catalog::builtin();
    for t in &c.threats {
        assert!(t.controls.len() >= 2, "{} has {:?}", t.id, t.controls);
        let from_lookup: Vec<&str> = c
            .controls_for(&t.id)
            .iter()
            .map(|k| k.id.as_str())
            .collect();
        let mut sorted = from_lookup.clone();
        sorted.sort();
        assert_eq!(t.controls, sorted, "{}", t.id);
    }
}

#[test]
fn layer_mapping_follows_the_reference() {
    let c = Catalog::builtin();
    let layer = |id: &str| c.layer(id).map(|l| l.threats.clone()).unwrap_or_default();
    assert_eq!(layer("L1"), ["T1", "T5", "T7", "T11"]);
    assert_eq!(layer("L2"), ["T1", "T12"]);
    assert_eq!(layer("L3"), ["T2", "T5", "T6", "T11"]);
    assert_eq!(layer("L4"), ["T3", "T4", "T13", "T14"]);
    assert_eq!(layer("L5"), ["T8", "T10"]);
    assert_eq!(layer("L6"), ["T3", "T7"]);
    assert_eq!(layer("L7"), ["T9", "T13", "T14", "T15"]);
}

#[test]
fn lookups_and_asi_mapping() {
    let c = Catalog::builtin();
    assert_eq!(c.threat("T2").map(|t| t.name.as_str()), Some("Tool Misuse"));
    assert!(c.threat("T16").is_none());
    assert_eq!(
        c.layer("L5").map(|l| l.name.as_str()),
        Some("Evaluation & Observability")
    );
    assert_eq!(c.asi_for(&["T6"]), ["ASI01"]);
    assert_eq!(c.asi_for(&["T9", "T3", "T3"]), ["ASI03"]);
    let ts = vec!["T11".to_string(), "T1".to_string(), "T99".to_string()];
    assert_eq!(c.asi_for(&ts), ["ASI01", "ASI05", "ASI06"]);
    assert!(c.asi_for::<&str>(&[]).is_empty());
    assert_eq!(
        c.threat("T9").map(|t| t.stride.clone()),
        Some(vec![Stride::Spoofing])
    );
    assert!(c.controls_for("T99").is_empty());
}

#[test]
fn every_section_renders_deterministically_within_width() {
    let c = Catalog::builtin();
    for s in Section::ALL {
        let a = render_section(c, s);
        assert_eq!(a, render_section(c, s), "{s}");
        assert!(!a.trim().is_empty(), "{s}");
        for line in a.lines() {
            assert!(line.chars().count() <= 100, "{s}: line too long: {line}");
        }
        assert!(!section_json(c, s).is_null(), "{s}");
        assert_eq!(s.as_str().parse::<Section>(), Ok(s));
    }
    assert!("nonsense".parse::<Section>().is_err());
    let threats = render_section(c, Section::Threats);
    assert!(threats.contains("T10") && threats.contains("Memory Poisoning"));
    assert!(render_section(c, Section::Controls).contains("WC-TAMPER-EVIDENT-AUDIT"));
}

#[test]
fn json_of_threats_includes_computed_controls() {
    let v = section_json(Catalog::builtin(), Section::Threats);
    let t1 = &v[0];
    assert_eq!(t1["id"], "T1");
    assert!(t1["controls"].as_array().is_some_and(|a| a.len() >= 2));
    assert_eq!(t1["stride"][0], "tampering");
}

#[test]
fn check_finds_broken_references_and_coverage() {
    let mut c = Catalog::builtin().clone();
    assert!(c.check().is_empty());
    if let Some(t) = c.threats.iter_mut().find(|t| t.id == "T4") {
        t.layers.push("L9".into());
        t.asi.push("ASI02".into());
    }
    if let Some(a) = c.atlas.iter_mut().find(|a| a.id == "AML.T0053") {
        a.url = "https://example.com".into();
    }
    c.atlas.retain(|a| a.id != "AML.T0080");
    c.controls
        .retain(|k| !k.mitigates.contains(&"T10".to_string()) || k.id == "WC-APPROVAL-TRIAGE");
    if let Some(first) = c.layers.first().cloned() {
        c.layers.push(first);
    }
    if let Some(k) = c.controls.first_mut() {
        k.references.push("no-such-source".into());
    }
    let problems = c.check().join("\n");
    for expected in [
        "threat T4: unknown layer `L9`",
        "threat T4 lists ASI02, but ASI02 does not list T4",
        "ATLAS AML.T0053: url should be https://atlas.mitre.org/techniques/AML.T0053",
        "ATLAS AML.T0080.000: parent technique AML.T0080 is missing",
        "threat T1: unknown ATLAS technique `AML.T0080`",
        "threat T10: mitigated by 1 control(s), at least 2 needed",
        "layer id `L1` is defined more than once",
        "reference `no-such-source` is neither a source id nor a URL",
    ] {
        assert!(
            problems.contains(expected),
            "missing `{expected}` in:\n{problems}"
        );
    }
}

#[test]
fn advice_flags_rules_whose_controls_do_not_fit() {
    let team = r#"
rules:
  - id: team-advice
    title: t
    description: d
    applies_to: system
    when: {field: a, exists: true}
    threats: [T4]
    layers: [L4]
    likelihood: 1
    impact: 1
    controls: [WC-SANDBOX]
  - id: team-no-controls
    title: t
    description: d
    applies_to: system
    when: {field: a, exists: true}
    layers: [L4]
    likelihood: 1
    impact: 1
"#;
    let c = Catalog::builtin().extended(&[("team.yaml".into(), team.into())]);
    let advice = c.map(|c| c.advice().join("\n")).unwrap_or_default();
    assert!(
        advice.contains("rule team-advice: recommends WC-SANDBOX, which mitigates none"),
        "{advice}"
    );
    assert!(
        advice.contains("rule team-no-controls: maps to no OWASP threat"),
        "{advice}"
    );
    assert!(
        advice.contains("rule team-no-controls: recommends no control"),
        "{advice}"
    );
}

#[test]
fn docs_list_every_builtin_control_and_atlas_technique() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/catalog.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(!doc.is_empty(), "{} is missing", path.display());
    let c = Catalog::builtin();
    for k in &c.controls {
        assert!(
            doc.contains(&format!("`{}`", k.id)),
            "docs/catalog.md lacks control {}",
            k.id
        );
    }
    for a in &c.atlas {
        assert!(
            doc.contains(&format!("[{}]", a.id)),
            "docs/catalog.md lacks {}",
            a.id
        );
    }
    for s in Section::ALL {
        assert!(
            doc.contains(&format!("`{s}`")),
            "docs/catalog.md lacks section {s}"
        );
    }
}
