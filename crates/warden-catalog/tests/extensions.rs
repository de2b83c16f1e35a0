//! Team extension files: what they may add, files on disk, shapes and id clashes.

mod common;

use common::{GOOD, errors, expect, load};
use std::path::PathBuf;
use warden_catalog::Catalog;

#[test]
fn a_valid_file_adds_rules_and_controls() {
    let c = match load(&[("acme.yaml", GOOD)]) {
        Ok(c) => c,
        Err(e) => panic!("{e:?}"),
    };
    let builtin = Catalog::builtin();
    assert_eq!(c.rules.len(), builtin.rules.len() + 1);
    assert_eq!(c.controls.len(), builtin.controls.len() + 1);
    let rule = c.rule("acme-agent-without-proxy");
    assert_eq!(rule.map(|r| r.controls.len()), Some(2));
    assert_eq!(rule.map(|r| r.asi.clone()), Some(vec!["ASI04".to_string()]));
    // the new control is counted for the threats it mitigates; the built-in is untouched
    assert!(
        c.threat("T2")
            .is_some_and(|t| t.controls.iter().any(|k| k == "ACME-EGRESS-PROXY"))
    );
    assert!(
        c.controls_for("T11")
            .iter()
            .any(|k| k.id == "ACME-EGRESS-PROXY")
    );
    assert!(builtin.control("ACME-EGRESS-PROXY").is_none());
    assert!(c.check().is_empty(), "{:?}", c.check());
}

#[test]
fn files_on_disk_are_read_and_unreadable_ones_reported() {
    let dir = std::env::temp_dir().join(format!("warden-catalog-test-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let good = dir.join("acme.yaml");
    let written = std::fs::write(&good, GOOD);
    assert!(written.is_ok(), "{written:?}");
    let c = Catalog::with_extensions(std::slice::from_ref(&good));
    assert!(
        c.as_ref()
            .is_ok_and(|c| c.rule("acme-agent-without-proxy").is_some()),
        "{c:?}"
    );
    let missing = dir.join("missing.yaml");
    let e = match Catalog::with_extensions(&[good.clone(), missing.clone()]) {
        Ok(_) => panic!("a missing file must be an error"),
        Err(e) => e,
    };
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].file.as_str(), e[0].line),
        (missing.display().to_string().as_str(), 0)
    );
    assert!(e[0].message.contains("cannot read file"));
    assert!(
        e[0].to_string()
            .starts_with(&format!("{}: ", missing.display()))
    );
    let _ = std::fs::remove_dir_all(&dir);
    let none: Vec<PathBuf> = Vec::new();
    assert!(
        Catalog::with_extensions(&none)
            .is_ok_and(|c| c.rules.len() == Catalog::builtin().rules.len())
    );
}

#[test]
fn syntax_and_shape_errors() {
    let bad = "rules:\n  - id: [unclosed\n";
    let e = errors(&[("syntax.yaml", bad)]);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].message.contains("YAML syntax error") && e[0].line >= 2,
        "{e:?}"
    );

    let e = errors(&[("list.yaml", "- id: x\n")]);
    assert_eq!((e[0].line, e[0].column), (1, 1));
    assert!(e[0].message.contains("must be a mapping"));

    let text = "rules: []\npolicies: []\n";
    expect(
        &errors(&[("top.yaml", text)]),
        "top.yaml",
        text,
        "policies",
        "unknown key `policies`",
    );

    let text = "# nothing here\nrules_: []\n";
    let e = errors(&[("typo.yaml", text)]);
    expect(&e, "typo.yaml", text, "rules_", "did you mean `rules`?");
    assert!(e.iter().any(|e| e.message.contains("adds nothing")));

    let text = "rules: {id: x}\n";
    expect(
        &errors(&[("notlist.yaml", text)]),
        "notlist.yaml",
        text,
        "{id",
        "`rules` must be a list",
    );
}

#[test]
fn id_clashes() {
    let builtin_rule = Catalog::builtin().rules.first().map(|r| r.id.clone());
    let clash_rule = match builtin_rule {
        Some(id) => GOOD.replace("acme-agent-without-proxy", &id),
        None => GOOD.to_string(),
    };
    let clash = clash_rule.replace("ACME-EGRESS-PROXY", "WC-SANDBOX");
    let e = errors(&[("clash.yaml", &clash)]);
    expect(
        &e,
        "clash.yaml",
        &clash,
        "WC-SANDBOX\n",
        "control id `WC-SANDBOX` is already defined (by the catalogue)",
    );
    if let Some(first) = Catalog::builtin().rules.first() {
        let needle = format!("{}\n", first.id);
        expect(
            &e,
            "clash.yaml",
            &clash,
            &needle,
            "is already defined (by the catalogue)",
        );
    }

    // the same id in two team files: the second is reported, naming the first
    let e = errors(&[("a.yaml", GOOD), ("b.yaml", GOOD)]);
    expect(
        &e,
        "b.yaml",
        GOOD,
        "acme-agent-without-proxy",
        "already defined (a.yaml:12:9)",
    );
    expect(
        &e,
        "b.yaml",
        GOOD,
        "ACME-EGRESS-PROXY\n",
        "already defined (a.yaml:3:9)",
    );
    assert!(e.iter().all(|e| e.file == "b.yaml"), "{e:?}");
}

#[test]
fn errors_from_several_files_are_all_reported() {
    let a = "rules:\n  - id: x\n";
    let b = "controls: 3\n";
    let e = errors(&[("a.yaml", a), ("b.yaml", b)]);
    assert!(e.iter().any(|e| e.file == "a.yaml"), "{e:?}");
    assert!(
        e.iter()
            .any(|e| e.file == "b.yaml" && e.message.contains("`controls` must be a list"))
    );
    let shown = e[0].to_string();
    assert!(shown.starts_with(&format!("{}:{}:{}: ", e[0].file, e[0].line, e[0].column)));
}

#[test]
fn a_rule_may_use_a_control_from_another_team_file() {
    let controls = "controls:\n  - id: ACME-X\n    name: X\n    kind: detective\n    description: d\n    mitigates: [T4]\n";
    let rules = "rules:\n  - id: acme-x\n    title: t\n    description: d\n    applies_to: system\n    when: {field: a, exists: true}\n    threats: [T4]\n    layers: [L4]\n    likelihood: 1\n    impact: 1\n    controls: [ACME-X]\n";
    let c = load(&[("rules.yaml", rules), ("controls.yaml", controls)]);
    assert!(c.is_ok_and(|c| c.rule("acme-x").is_some()));
}
