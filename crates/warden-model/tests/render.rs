//! Rendering diagnostics for people (compiler style) and for machines (JSON).

mod common;
use common::only;
use warden_model::{Diagnostic, parse_str};

#[test]
fn renders_in_compiler_style() {
    let mut text = String::from("warden: 1\nsystem:\n  name: x\nagents:\n");
    for i in 0..7 {
        text.push_str(&format!("  - id: a{i}\n"));
    }
    text.push_str("  - id: triage\n    ownr: team-a\n");
    let d = only(&text);
    let expected = "\
error: unknown key `ownr` in agent `triage`
  --> test.yaml:13:5
   |
13 |     ownr: team-a
   |     ^^^^
   = hint: did you mean `owner`?
";
    assert_eq!(d.render(), expected);
    assert_eq!(
        d.to_string(),
        "test.yaml:13:5: unknown key `ownr` in agent `triage`"
    );
}

#[test]
fn renders_file_level_problems_without_a_snippet() {
    let d = Diagnostic::file_level("m.yaml", "cannot read file: gone").with_hint("check the path");
    assert_eq!(
        d.render(),
        "error: cannot read file: gone\n  --> m.yaml\n   = hint: check the path\n"
    );
}

#[test]
fn carets_follow_tabs_and_long_lines_are_cut() {
    let d = only("{\n\t\"warden\": 1,\n\t\"system\": {\"name\": \"x\", \"ownr\": 1}\n}\n");
    let rendered = d.render();
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(lines[3], "3 | \t\"system\": {\"name\": \"x\", \"ownr\": 1}");
    assert_eq!(lines[4], "  | \t                        ^^^^^^");

    let filler = "x".repeat(300);
    let text = format!("{{\"warden\": 1, \"system\": {{\"name\": \"{filler}\", \"ownr\": 1}}}}");
    let d = only(&text);
    assert_eq!(d.position.column, 338);
    assert!(d.snippet.chars().count() <= 160, "{}", d.snippet);
    assert_eq!(d.snippet_column, 278);
    let rendered = d.render();
    let caret_line = rendered.lines().nth(4).unwrap_or_default();
    let snippet_line = rendered.lines().nth(3).unwrap_or_default();
    let caret_at = caret_line.find('^').unwrap_or_default();
    assert_eq!(&snippet_line[caret_at..caret_at + 6], "\"ownr\"");
}

#[test]
fn serialises_for_json_output() {
    let ds = parse_str("m.yaml", "warden: 1\nsystem:\n  nme: x\n")
        .err()
        .unwrap_or_default();
    let json = serde_json::to_value(&ds).unwrap();
    assert_eq!(json[0]["file"], "m.yaml");
    assert_eq!(json[0]["position"]["line"], 3);
    assert_eq!(json[0]["position"]["column"], 3);
    assert_eq!(json[0]["pointer"], "/system/nme");
    assert_eq!(json[0]["message"], "unknown key `nme` in `system`");
    assert_eq!(json[0]["hint"], "did you mean `name`?");
    assert_eq!(json[0]["snippet"], "  nme: x");
}

#[test]
fn diagnostics_are_sorted_and_deduplicated() {
    let ds = parse_str(
        "m.yaml",
        "warden: 1\nsystem:\n  owner: [1]\n  nme: x\n  name: y\n  name: z\n",
    )
    .err()
    .unwrap_or_default();
    let positions: Vec<(usize, usize)> = ds
        .iter()
        .map(|d| (d.position.line, d.position.column))
        .collect();
    let mut sorted = positions.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(positions, sorted, "{ds:#?}");
    assert_eq!(positions, vec![(3, 10), (4, 3), (6, 3)]);
}
