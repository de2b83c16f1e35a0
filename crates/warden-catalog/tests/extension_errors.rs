//! Team extension files: unknown references, bad conditions and scores, malformed entries,
//! each reported at its position.

mod common;

use common::{GOOD, errors, expect};

#[test]
fn unknown_references_in_rules() {
    let text = GOOD
        .replace("threats: [T2]", "threats: [T2, T16]")
        .replace("layers: [L4]\n    atlas", "layers: [L8]\n    atlas")
        .replace("atlas: [AML.T0086]", "atlas: [AML.T9999]")
        .replace("factors: [autonomy]", "factors: [autonomyy]")
        .replace("asi: [ASI04]", "asi: [ASI11]")
        .replace("stride: [information-disclosure]", "stride: [disclosure]")
        .replace(
            "controls: [ACME-EGRESS-PROXY, WC-EGRESS-CONTROL]",
            "controls: [ACME-EGRESS-PROXY, WC-EGRESS-CONTROLS]",
        )
        .replace("applies_to: agent", "applies_to: robot");
    let e = errors(&[("refs.yaml", &text)]);
    expect(&e, "refs.yaml", &text, "T16", "unknown threat `T16`");
    expect(&e, "refs.yaml", &text, "L8", "unknown layer `L8`");
    expect(
        &e,
        "refs.yaml",
        &text,
        "AML.T9999",
        "unknown ATLAS technique `AML.T9999`",
    );
    expect(
        &e,
        "refs.yaml",
        &text,
        "autonomyy",
        "did you mean `autonomy`?",
    );
    expect(
        &e,
        "refs.yaml",
        &text,
        "ASI11",
        "unknown OWASP Agentic Top 10 id `ASI11`",
    );
    expect(
        &e,
        "refs.yaml",
        &text,
        "disclosure]",
        "unknown STRIDE category `disclosure`",
    );
    expect(
        &e,
        "refs.yaml",
        &text,
        "WC-EGRESS-CONTROLS",
        "did you mean `WC-EGRESS-CONTROL`?",
    );
    expect(&e, "refs.yaml", &text, "robot", "unknown subject `robot`");
    assert_eq!(e.len(), 8, "{e:?}");
}

#[test]
fn bad_conditions_and_scores_in_rules() {
    let text = GOOD
        .replace("          equals: open", "          equal: open")
        .replace(
            "likelihood: 2\n    impact: 3",
            "likelihood: 0\n    impact: 5",
        )
        .replace("        likelihood: 1\n", "        likelihood: 4\n");
    let e = errors(&[("bad.yaml", &text)]);
    expect(
        &e,
        "bad.yaml",
        &text,
        "equal:",
        "unknown key `equal` in a condition",
    );
    expect(
        &e,
        "bad.yaml",
        &text,
        "0\n    impact: 5",
        "`likelihood` must be a whole number from 1 to 4",
    );
    expect(
        &e,
        "bad.yaml",
        &text,
        "5\n    adjust",
        "`impact` must be a whole number from 1 to 4",
    );
    expect(&e, "bad.yaml", &text, "4\n    controls", "from -3 to 3");
    assert_eq!(e.len(), 4, "{e:?}");

    let text = GOOD.replace(
        "      - when: {field: autonomy, equals: autonomous}\n        likelihood: 1\n",
        "      - when: {field: autonomy}\n      - likelihood: 1\n",
    );
    let e = errors(&[("adjust.yaml", &text)]);
    expect(
        &e,
        "adjust.yaml",
        &text,
        "{field: autonomy}",
        "needs one operator",
    );
    expect(
        &e,
        "adjust.yaml",
        &text,
        "likelihood: 1\n",
        "missing required key `when`",
    );
    assert!(
        e.iter()
            .any(|e| e.message.contains("needs `likelihood` and/or `impact`")),
        "{e:?}"
    );
}

#[test]
fn malformed_rules() {
    let text = r#"rules:
  - id: "bad id/with slash"
    titel: "Typo"
    description: "Unclosed {placeholder"
    applies_to: agent
    when: {field: a, exists: true}
    layers: []
    likelihood: 2
    impact: 2
  - just a string
"#;
    let e = errors(&[("malformed.yaml", text)]);
    expect(
        &e,
        "malformed.yaml",
        text,
        "\"bad id",
        "may contain only letters",
    );
    expect(&e, "malformed.yaml", text, "titel", "did you mean `title`?");
    expect(
        &e,
        "malformed.yaml",
        text,
        "id: \"bad",
        "missing required key `title`",
    );
    expect(&e, "malformed.yaml", text, "\"Unclosed", "unclosed `{`");
    expect(
        &e,
        "malformed.yaml",
        text,
        "id: \"bad",
        "at least one entry in `layers`",
    );
    expect(
        &e,
        "malformed.yaml",
        text,
        "just a string",
        "a rule must be a mapping",
    );
}

#[test]
fn malformed_controls() {
    let text = r#"controls:
  - id: ACME-ONE
    name: One
    kind: reactive
    description: Does something.
    mitigates: []
    layers: [L9]
    warden: 3
    references: [not-a-source, "https://ok.example"]
    owner: team
"#;
    let e = errors(&[("controls.yaml", text)]);
    expect(
        &e,
        "controls.yaml",
        text,
        "reactive",
        "unknown control kind `reactive`",
    );
    expect(
        &e,
        "controls.yaml",
        text,
        "id: ACME-ONE",
        "must mitigate at least one threat",
    );
    expect(&e, "controls.yaml", text, "L9", "unknown layer `L9`");
    expect(
        &e,
        "controls.yaml",
        text,
        "3\n",
        "`warden` must be a non-empty string or null",
    );
    expect(
        &e,
        "controls.yaml",
        text,
        "not-a-source",
        "neither a catalogue source id nor",
    );
    expect(
        &e,
        "controls.yaml",
        text,
        "owner",
        "unknown key `owner` in a control",
    );
    assert_eq!(e.len(), 6, "{e:?}");
}
