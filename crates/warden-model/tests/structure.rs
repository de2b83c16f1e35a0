//! Structural problems: each schema error kind becomes one located, friendly diagnostic.

mod common;
use common::{assert_diag, errors, only};

#[test]
fn unknown_key_points_at_the_key_and_suggests() {
    let d = only("warden: 1\nsystem:\n  name: x\nagents:\n  - id: triage\n    ownr: team-a\n");
    assert_diag(
        &d,
        6,
        5,
        "unknown key `ownr` in agent `triage`",
        "did you mean `owner`?",
    );
    assert_eq!(d.pointer, "/agents/0/ownr");
    assert_eq!(d.length, 4);
    assert_eq!(d.snippet, "    ownr: team-a");
}

#[test]
fn unknown_key_without_close_match_lists_allowed_keys() {
    let d = only("warden: 1\nsystem:\n  name: x\n  colour: blue\n");
    assert_diag(
        &d,
        4,
        3,
        "unknown key `colour` in `system`",
        "allowed keys here: `name`, `description` and `owner`",
    );
}

#[test]
fn merge_keys_are_explained() {
    let d = only("warden: 1\nsystem:\n  name: x\n  <<: {owner: y}\n");
    assert_diag(
        &d,
        4,
        3,
        "unknown key `<<` in `system`",
        "merge keys (`<<`) are not supported: repeat the keys instead",
    );
}

#[test]
fn wrong_type_says_expected_and_found() {
    let d = only("warden: 1\nsystem:\n  name: x\nagents:\n  - id: a\n    tools: web.search\n");
    assert_diag(
        &d,
        6,
        12,
        "wrong type for `tools` in agent `a`: expected a list, found a string",
        "write a list, e.g. `[web.search]`, or one `- item` per line",
    );
    assert_eq!(d.snippet, "    tools: web.search");
    assert_eq!(d.length, 10);
}

#[test]
fn number_where_a_string_is_needed_suggests_quotes() {
    let d = only("warden: 1\nsystem:\n  name: 42\n");
    assert_diag(
        &d,
        3,
        9,
        "wrong type for `name` in `system`: expected a string, found a whole number",
        "put it in quotes to make it a string: \"42\"",
    );
}

#[test]
fn optional_mapping_of_wrong_type_is_one_error() {
    // `model` is `ModelInfo` or null: the cascade collapses to one message.
    let d = only("warden: 1\nsystem:\n  name: x\nagents:\n  - id: a\n    model: gpt\n");
    assert_diag(
        &d,
        6,
        12,
        "wrong type for `model` in agent `a`: expected a mapping, found a string",
        "write a mapping: `key: value` pairs, indented under the key",
    );
}

#[test]
fn missing_required_key_points_at_the_owner() {
    let d = only(
        "warden: 1\nsystem:\n  name: x\nagents:\n  - id: a\n    model:\n      provider: acme\n",
    );
    assert_diag(
        &d,
        6,
        5,
        "missing required key `name` in `model` of agent `a`",
        "add `name:` (model name)",
    );
    let d = only("warden: 1\nsystem:\n  owner: me\n");
    assert_diag(
        &d,
        2,
        1,
        "missing required key `name` in `system`",
        "add `name:` (short name of the system)",
    );
}

#[test]
fn misspelt_required_key_is_reported_once() {
    let d = only("warden: 1\nsystem:\n  nme: x\n");
    assert_diag(
        &d,
        3,
        3,
        "unknown key `nme` in `system`",
        "did you mean `name`?",
    );
}

#[test]
fn invalid_enum_value_suggests_the_closest() {
    let d = only("warden: 1\nsystem:\n  name: x\nagents:\n  - id: a\n    autonomy: autonomus\n");
    assert_diag(
        &d,
        6,
        15,
        "invalid value `autonomus` for `autonomy` in agent `a`",
        "did you mean `autonomous`?",
    );
    // Inside an optional mapping (`deployment` is a `Deployment` or null).
    let d = only(
        "warden: 1\nsystem:\n  name: x\nagents:\n  - id: a\n    deployment: {sandbox: strog}\n",
    );
    assert_diag(
        &d,
        6,
        27,
        "invalid value `strog` for `sandbox` in `deployment` of agent `a`",
        "did you mean `strong`?",
    );
}

#[test]
fn invalid_enum_value_without_close_match_lists_values() {
    let d = only("warden: 1\nsystem:\n  name: x\nzones:\n  - id: z\n    trust: medium\n");
    assert_diag(
        &d,
        6,
        12,
        "invalid value `medium` for `trust` in zone `z`",
        "expected one of `untrusted`, `partner`, `internal` and `restricted`",
    );
}

#[test]
fn number_out_of_range() {
    let d = only("warden: 1\nsystem:\n  name: x\nhumans:\n  - id: h\n    count: 5000000000\n");
    assert_diag(
        &d,
        6,
        12,
        "`count` in human `h` is too large: 5000000000 is over the limit of 4294967295",
        "use a number no greater than 4294967295",
    );
    let d = only("warden: 1\nsystem:\n  name: x\nhumans:\n  - id: h\n    count: -1\n");
    assert_diag(
        &d,
        6,
        12,
        "`count` in human `h` is too small: -1 is under the minimum of 0",
        "use a number no less than 0",
    );
}

#[test]
fn decimal_where_a_whole_number_is_needed() {
    let d = only("warden: 1.0\nsystem:\n  name: x\n");
    assert_diag(
        &d,
        1,
        9,
        "expected a whole number at `/warden`, found a decimal number",
        "write a whole number, without a decimal point",
    );
}

#[test]
fn many_errors_are_all_reported_in_order() {
    let text = "\
warden: 1
system:
  nme: demo
  owner: [1]
zones:
  - id: z
    trust: trsted
  - id: 3
agents:
  - id: triage
    ownr: team-a
    tools: x
    autonomy: autonomus
humans:
  - id: h
    count: 5000000000
links:
  - from: a
";
    let ds = errors(text);
    let got: Vec<(usize, usize)> = ds
        .iter()
        .map(|d| (d.position.line, d.position.column))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, 3),
            (4, 10),
            (7, 12),
            (8, 9),
            (11, 5),
            (12, 12),
            (13, 15),
            (16, 12),
            (18, 5)
        ],
        "{ds:#?}"
    );
    assert!(ds[8].message.starts_with("missing required key `to`"));
}

#[test]
fn keys_of_free_maps_are_described_by_path() {
    let d = only(
        "warden: 1\nsystem:\n  name: x\nservers: [{id: pay, tools: [{id: send}]}]\nagents:\n  - id: a\n    tools:\n      - tool: pay.send\n        arguments:\n          to: {lik: 'acct-*'}\n",
    );
    assert_diag(
        &d,
        10,
        16,
        "unknown key `lik` in `arguments.to` of tool grant `pay.send` of agent `a`",
        "did you mean `like`?",
    );
}

#[test]
fn whole_numbers_up_to_u64_max_are_read() {
    let l = common::ok(&format!(
        "warden: 1\nsystem:\n  name: x\nagents:\n  - id: a\n    limits: {{max_steps: {}}}\n",
        u64::MAX
    ));
    assert_eq!(l.model.agents[0].limits.max_steps, Some(u64::MAX));
}
