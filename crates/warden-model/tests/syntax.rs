//! Problems in the text itself: syntax, duplicate keys, documents, aliases and limits.

mod common;
use common::{assert_diag, ok, only};
use warden_model::{ParseOptions, load_file, parse_str_with};

const SHAPE: &str =
    "a model starts with `warden: 1` and a `system:` mapping with at least a `name`";

#[test]
fn yaml_syntax_error_is_positioned() {
    let d = only("warden: 1\nsystem:\n  name: x\n   owner: y\n");
    assert_diag(
        &d,
        4,
        9,
        "YAML syntax error: mapping values are not allowed in this context",
        "a value containing `: ` must be quoted, or this line is indented differently from its siblings",
    );
    assert_eq!(d.snippet, "   owner: y");
}

#[test]
fn unclosed_quote() {
    let d = only("warden: 1\nsystem:\n  name: \"x\n");
    assert_eq!((d.position.line, d.position.column), (3, 9));
    assert!(d.message.starts_with("YAML syntax error: "), "{d:#?}");
    assert_eq!(
        d.hint.as_deref(),
        Some("close the quoted string, or escape the quote inside it")
    );
}

#[test]
fn tab_indentation() {
    let d = only("warden: 1\nsystem: {name: x}\nagents:\n\t- id: a\n");
    assert_eq!((d.position.line, d.position.column), (4, 2));
    assert_eq!(
        d.hint.as_deref(),
        Some("YAML does not allow tabs for indentation: indent with spaces")
    );
}

#[test]
fn json_input_works_and_json_errors_are_positioned() {
    let l = ok(
        "{\n\t\"warden\": 1,\n\t\"system\": {\"name\": \"x\"},\n\t\"agents\": [{\"id\": \"a\"}]\n}\n",
    );
    assert_eq!(l.model.agents[0].id, "a");
    assert_eq!(l.source.position("/agents/0/id").line, 4);
    let d = only("{\n  \"warden\": 1,\n  \"system\": {\"name\": \"x\"}\n  \"agents\": []\n}\n");
    assert_diag(
        &d,
        4,
        3,
        "JSON syntax error: expected `,` or `}` at line 4 column 3",
        "check for a missing or extra comma, bracket or quote just before this position",
    );
}

#[test]
fn json_structural_errors_are_positioned() {
    let d = only("{\"warden\": 1, \"system\": {\"name\": \"x\", \"ownr\": \"y\"}}");
    assert_diag(
        &d,
        1,
        39,
        "unknown key `ownr` in `system`",
        "did you mean `owner`?",
    );
}

#[test]
fn empty_file_and_comments_only() {
    for text in ["", "\n\n", "# nothing here\n", "---\n"] {
        let d = only(text);
        assert_diag(
            &d,
            1,
            1,
            "the file holds no model: it is empty or only comments",
            SHAPE,
        );
    }
}

#[test]
fn root_must_be_a_mapping() {
    let d = only("- a\n- b\n");
    assert_diag(
        &d,
        1,
        1,
        "the top level must be a mapping of keys to values, found a list",
        SHAPE,
    );
    let d = only("just text\n");
    assert_eq!(
        d.message,
        "the top level must be a mapping of keys to values, found a string"
    );
}

#[test]
fn several_documents() {
    let d = only("warden: 1\nsystem: {name: x}\n---\nwarden: 1\n");
    assert_diag(
        &d,
        3,
        1,
        "the file holds more than one YAML document",
        "a model file holds one document: remove this `---` and what follows, or move it to its own file",
    );
}

#[test]
fn duplicate_key_points_at_the_second() {
    let d = only("warden: 1\nsystem:\n  name: x\n  owner: a\n  owner: b\n");
    assert_diag(
        &d,
        5,
        3,
        "duplicate key `owner` in `system`",
        "`owner` is already set at line 4, column 3; remove one of them",
    );
    // Duplicates are found in JSON too.
    let d = only("{\"warden\": 1, \"warden\": 1, \"system\": {\"name\": \"x\"}}");
    assert_diag(
        &d,
        1,
        15,
        "duplicate key `warden` in the top level",
        "`warden` is already set at line 1, column 2; remove one of them",
    );
}

#[test]
fn aliases_resolve_with_positions_of_the_original() {
    let l = ok(
        "warden: 1\nsystem: {name: x}\ndeployment: &d {runtime: k8s}\nagents:\n  - id: a\n    deployment: *d\n",
    );
    assert_eq!(
        l.model.agents[0]
            .deployment
            .as_ref()
            .and_then(|d| d.runtime.as_deref()),
        Some("k8s")
    );
    assert_eq!(l.source.position("/agents/0/deployment/runtime").line, 3);
    let ds = common::errors(
        "warden: 1\nsystem: {name: x}\nagents:\n  - id: a\n    deployment: &d {sandbx: strong}\n  - id: b\n    deployment: *d\n",
    );
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_eq!(
        ds[1].message,
        "unknown key `sandbx` in `deployment` of agent `b`"
    );
    assert_eq!((ds[1].position.line, ds[1].position.column), (5, 21));
}

#[test]
fn billion_laughs_is_stopped() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .windows(2)
        .map(|w| (w[0], w[1]))
    {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let d = only(&text);
    assert_eq!(d.message, "aliases expand to more than 100000 nodes");
    assert_eq!(d.position.line, 5);
    assert_eq!(
        d.hint.as_deref(),
        Some("repeat fewer or smaller anchored nodes; deeply nested aliases grow exponentially")
    );
}

#[test]
fn nesting_deeper_than_the_limit() {
    let text = format!(
        "warden: 1\nsystem: {{name: x}}\nagents: {}{}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let d = only(&text);
    assert_diag(
        &d,
        3,
        136,
        "the document nests too deeply (more than 128 levels)",
        "flatten the structure; a model never needs this much nesting",
    );
    // A lower limit applies to block style too.
    let options = ParseOptions {
        max_depth: 3,
        ..ParseOptions::default()
    };
    let ds = parse_str_with(
        "t.yaml",
        "warden: 1\nsystem:\n  name: x\nagents:\n  - id: a\n    memory:\n      kind: none\n",
        &options,
    )
    .err()
    .unwrap_or_default();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].message,
        "the document nests too deeply (more than 3 levels)"
    );
    assert_eq!(ds[0].position.line, 7);
}

#[test]
fn size_limit_is_configurable() {
    let text = "warden: 1\nsystem: {name: x}\n";
    let options = ParseOptions {
        max_bytes: 10,
        ..ParseOptions::default()
    };
    let ds = parse_str_with("t.yaml", text, &options)
        .err()
        .unwrap_or_default();
    assert_eq!(ds.len(), 1);
    assert_eq!(
        ds[0].message,
        format!(
            "the file is too large ({} bytes): the limit is 10 bytes",
            text.len()
        )
    );
    assert_eq!(ds[0].position.line, 0);
    assert!(parse_str_with("t.yaml", text, &ParseOptions::default()).is_ok());
}

#[test]
fn tags_that_do_not_fit_their_value() {
    // The schema also rejects the (string) value; the tag problem comes first.
    let ds = common::errors("warden: !!int one\nsystem: {name: x}\n");
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_diag(
        &ds[0],
        1,
        9,
        "`one` cannot be read as `!!int`",
        "remove the tag, or write a value of the tagged type",
    );
    // A string tag makes a number a string.
    let l = ok("warden: 1\nsystem: {name: !!str 42}\n");
    assert_eq!(l.model.system.name, "42");
}

#[test]
fn complex_keys_are_rejected() {
    let ds = common::errors("warden: 1\nsystem: {name: x}\n? [a, b]\n: c\n");
    assert_eq!(
        ds[0].message, "a mapping key must be a plain string, found a list",
        "{ds:#?}"
    );
    assert_eq!(ds[0].position.line, 3);
}

#[test]
fn columns_count_characters_and_lines_survive_crlf_and_bom() {
    let d = only("warden: 1\r\nsystem:\r\n  name: \"é—x\"\r\n  ownr: y\r\n");
    assert_diag(
        &d,
        4,
        3,
        "unknown key `ownr` in `system`",
        "did you mean `owner`?",
    );
    assert_eq!(d.snippet, "  ownr: y");
    let d = only("warden: 1\nsystem: {name: \"ééé\", ownr: y}\n");
    assert_eq!((d.position.line, d.position.column), (2, 23));
    let l = ok("\u{feff}warden: 1\nsystem: {name: x}\n");
    assert_eq!(l.model.warden, 1);
}

#[test]
fn load_file_reports_io_and_encoding_problems() {
    let dir = std::env::temp_dir().join(format!("warden-model-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.yaml");
    let ds = load_file(&missing).err().unwrap();
    assert_eq!(ds.len(), 1);
    assert!(ds[0].message.starts_with("cannot read file: "), "{ds:#?}");
    assert_eq!(ds[0].file, missing.display().to_string());

    let latin1 = dir.join("latin1.yaml");
    std::fs::write(&latin1, b"warden: 1\nsystem:\n  name: caf\xe9\n").unwrap();
    let ds = load_file(&latin1).err().unwrap();
    assert_eq!(ds.len(), 1);
    assert_diag(
        &ds[0],
        3,
        12,
        "the file is not valid UTF-8",
        "save the file as UTF-8 text",
    );

    let good = dir.join("good.yaml");
    std::fs::write(&good, "warden: 1\nsystem:\n  name: x\n").unwrap();
    assert_eq!(
        load_file(&good)
            .map(|l| l.model.system.name)
            .ok()
            .as_deref(),
        Some("x")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn nested_anchors_count_against_the_alias_budget() {
    let text = "warden: 1\nsystem: {name: x}\ndeployment: &a {runtime: &b [x, x, x]}\n";
    // Default budget: fine apart from the schema (runtime must be a string).
    let ds = common::errors(text);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert!(
        ds[0].message.starts_with("wrong type for `runtime`"),
        "{ds:#?}"
    );
    let options = ParseOptions {
        max_alias_nodes: 3,
        ..ParseOptions::default()
    };
    let ds = parse_str_with("t.yaml", text, &options)
        .err()
        .unwrap_or_default();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].message, "aliases expand to more than 3 nodes");
}
