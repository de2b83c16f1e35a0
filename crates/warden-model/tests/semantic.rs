//! Semantic checks on well-formed models: versions, unique ids, references, numbers.

mod common;
use common::{BASE, assert_diag, errors, ok, only};
use std::collections::BTreeSet;
use warden_model::check_controls;

/// `BASE` with one piece replaced (the piece must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from:?}");
    BASE.replacen(from, to, 1)
}

/// `BASE` with sections appended (from line 30 on).
fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn base_model_is_valid() {
    let l = ok(BASE);
    assert_eq!(l.model.agents.len(), 2);
}

#[test]
fn format_version_must_be_1() {
    let d = only(&edit("warden: 1", "warden: 2"));
    assert_diag(
        &d,
        1,
        9,
        "unsupported format version 2",
        "this version of Warden reads `warden: 1`",
    );
}

#[test]
fn duplicate_ids_across_kinds() {
    let d = only(&with("  - id: memory\n"));
    assert_diag(
        &d,
        30,
        9,
        "duplicate id `memory`: already used by the data store at line 23",
        "ids of zones, agents, servers, data stores, humans and external sources share one namespace; rename this external source or the data store at line 23, column 9",
    );
}

#[test]
fn duplicate_tool_ids_within_a_server() {
    let d = only(&edit(
        "        ingests: [internet]\n",
        "        ingests: [internet]\n      - id: search\n",
    ));
    assert_diag(
        &d,
        22,
        13,
        "duplicate tool id `search` in server `web`: already used at line 19",
        "tool ids are unique within their server; rename this tool or the one at line 19, column 13",
    );
}

#[test]
fn memory_store_and_shared_with() {
    let d = only(&edit("      store: memory", "      store: memroy"));
    assert_diag(
        &d,
        12,
        14,
        "unknown data store `memroy` in agent `triage`",
        "did you mean `memory`?",
    );
    let d = only(&edit(
        "      store: memory",
        "      store: memory\n      shared_with: [planer]",
    ));
    assert_diag(
        &d,
        13,
        21,
        "unknown agent `planer` in agent `triage`",
        "did you mean `planner`?",
    );
}

#[test]
fn oversight_actions_and_approvers() {
    let text = edit(
        "    tools:\n      - tool: web.search\n",
        "    tools:\n      - tool: web.search\n    oversight:\n      - action: paymnt\n      - action: web.serch\n      - action: web\n      - action: browse\n      - action: web.*\n      - action: '*'\n        approvers: [alcie]\n",
    );
    let ds = errors(&text);
    assert_eq!(ds.len(), 4, "{ds:#?}");
    assert_diag(
        &ds[0],
        16,
        17,
        "unknown oversight action `paymnt` in agent `triage`",
        "did you mean `payment`?",
    );
    assert_diag(
        &ds[1],
        17,
        17,
        "unknown tool `web.serch` in agent `triage`",
        "did you mean `web.search`?",
    );
    assert_diag(
        &ds[2],
        18,
        17,
        "unknown oversight action `web` in agent `triage`",
        "did you mean `web.*`?",
    );
    assert_diag(
        &ds[3],
        22,
        21,
        "unknown human `alcie` in agent `triage`",
        "did you mean `alice`?",
    );
}

#[test]
fn oversight_quorum() {
    let base = "    tools:\n      - tool: web.search\n";
    let d = only(&edit(
        base,
        &format!("{base}    oversight:\n      - action: payment\n        quorum: 0\n"),
    ));
    assert_diag(
        &d,
        17,
        17,
        "`quorum` of oversight `payment` in agent `triage` must be at least 1",
        "an approval needs at least one approver: set `quorum: 1` or more",
    );
    let d = only(&edit(
        base,
        &format!(
            "{base}    oversight:\n      - action: payment\n        approvers: [alice]\n        quorum: 2\n"
        ),
    ));
    assert_diag(
        &d,
        18,
        17,
        "`quorum` 2 of oversight `payment` in agent `triage` exceeds the 1 approver(s) listed",
        "lower the quorum, list more approvers, or raise the `count` of an approver group",
    );
    // A group of three approvers can meet a quorum of two.
    let text = edit(
        base,
        &format!(
            "{base}    oversight:\n      - action: payment\n        approvers: [alice]\n        quorum: 2\n"
        ),
    );
    ok(&text.replacen("    role: approver", "    role: approver\n    count: 3", 1));
}

#[test]
fn tool_grants() {
    let ds = errors(&edit(
        "      - tool: web.search\n",
        "      - tool: web.search\n      - tool: web\n      - tool: web.fetch\n      - tool: mail.send\n      - tool: web.*\n",
    ));
    assert_eq!(ds.len(), 3, "{ds:#?}");
    assert_diag(
        &ds[0],
        15,
        15,
        "unknown tool `web` in agent `triage`",
        "did you mean `web.*` (every tool of server `web`)?",
    );
    assert_diag(
        &ds[1],
        16,
        15,
        "unknown tool `web.fetch` in agent `triage`",
        "server `web` has the tools `search`",
    );
    assert_diag(
        &ds[2],
        17,
        15,
        "unknown tool `mail.send` in agent `triage`",
        "known tools: `web.search` and `web.*`",
    );
}

#[test]
fn delegation_reads_writes_and_zones() {
    let d = only(&edit(
        "  - id: planner",
        "  - id: planner\n    delegates_to: [triag]",
    ));
    assert_diag(
        &d,
        16,
        20,
        "unknown agent `triag` in agent `planner`",
        "did you mean `triage`?",
    );
    let d = only(&edit(
        "  - id: planner",
        "  - id: planner\n    reads: [memory, secrets]",
    ));
    assert_diag(
        &d,
        16,
        21,
        "unknown data store `secrets` in agent `planner`",
        "known data stores: `memory`",
    );
    let d = only(&edit(
        "  - id: planner",
        "  - id: planner\n    writes: [memroy]",
    ));
    assert_diag(
        &d,
        16,
        14,
        "unknown data store `memroy` in agent `planner`",
        "did you mean `memory`?",
    );
    let d = only(&edit("    zone: corp", "    zone: crop"));
    assert_diag(
        &d,
        9,
        11,
        "unknown zone `crop` in agent `triage`",
        "did you mean `corp`?",
    );
    for (anchor, owner) in [
        ("  - id: web", "server `web`"),
        ("  - id: memory", "data store `memory`"),
        ("  - id: alice", "human `alice`"),
        ("  - id: internet", "external source `internet`"),
    ] {
        let d = only(&edit(anchor, &format!("{anchor}\n    zone: dmz")));
        assert_eq!(d.message, format!("unknown zone `dmz` in {owner}"));
        assert_eq!(d.hint.as_deref(), Some("known zones: `corp`"));
    }
}

#[test]
fn tool_data_and_external_references() {
    let ds = errors(&edit(
        "        ingests: [internet]",
        "        ingests: [web-pages]\n        sends_to: [internett]\n        reads: [memroy]\n        writes: [nowhere]",
    ));
    assert_eq!(ds.len(), 4, "{ds:#?}");
    assert_diag(
        &ds[0],
        21,
        19,
        "unknown external source `web-pages` in tool `web.search`",
        "known external sources: `internet`",
    );
    assert_diag(
        &ds[1],
        22,
        20,
        "unknown external source `internett` in tool `web.search`",
        "did you mean `internet`?",
    );
    assert_diag(
        &ds[2],
        23,
        17,
        "unknown data store `memroy` in tool `web.search`",
        "did you mean `memory`?",
    );
    assert_diag(
        &ds[3],
        24,
        18,
        "unknown data store `nowhere` in tool `web.search`",
        "known data stores: `memory`",
    );
}

#[test]
fn store_writers_accept_elements_and_tools() {
    ok(&edit(
        "    kind: memory",
        "    kind: memory\n    writers: [triage, web.search, alice, internet]",
    ));
    let d = only(&edit(
        "    kind: memory",
        "    kind: memory\n    writers: [web.serch]",
    ));
    assert_diag(
        &d,
        25,
        15,
        "unknown element `web.serch` in data store `memory`",
        "did you mean `web.search`?",
    );
}

#[test]
fn links() {
    let text = with(
        "links:\n  - from: alice\n    to: triage\n    on_behalf_of: alice\n  - from: triage\n    to: triage\n  - from: triag\n    to: web.search\n    on_behalf_of: web\n",
    );
    let ds = errors(&text);
    assert_eq!(ds.len(), 3, "{ds:#?}");
    assert_diag(
        &ds[0],
        35,
        9,
        "link from `triage` to itself",
        "a link joins two different elements; remove it or fix `from` or `to`",
    );
    assert_diag(
        &ds[1],
        36,
        11,
        "unknown element `triag` in link `triag` → `web.search`",
        "did you mean `triage`?",
    );
    assert_diag(
        &ds[2],
        38,
        19,
        "unknown human or agent `web` in link `triag` → `web.search`",
        "known humans or agents: `alice`, `triage` and `planner`",
    );
}

#[test]
fn control_scope_and_accepted_risks() {
    let text = with(
        "controls:\n  - id: WC-HITL\n    scope: [triage, planer]\naccepted_risks:\n  - finding: F1\n    justification: low impact\n    owner: sec\n    expires: 2025-02-30\n  - finding: F2\n    justification: ok\n    owner: sec\n    expires: 2026-12-31\n",
    );
    let ds = errors(&text);
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_diag(
        &ds[0],
        32,
        21,
        "unknown element `planer` in the scope of control `WC-HITL`",
        "did you mean `planner`?",
    );
    assert_diag(
        &ds[1],
        37,
        14,
        "`expires` of accepted risk `F1` is not a valid date: `2025-02-30`",
        "write the date as YYYY-MM-DD, e.g. 2026-12-31",
    );
}

#[test]
fn human_count_must_be_positive() {
    let d = only(&edit(
        "    role: approver",
        "    role: approver\n    count: 0",
    ));
    assert_diag(
        &d,
        28,
        12,
        "`count` of human `alice` must be at least 1",
        "a group of people has at least one member; remove the human if there is none",
    );
}

#[test]
fn unknown_controls_against_the_catalogue() {
    let l = ok(&with(
        "controls:\n  - id: WC-HITL\n  - id: WC-HTIL\n  - id: XYZ\n",
    ));
    let known: BTreeSet<String> = ["WC-HITL", "WC-SANDBOX"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ds = check_controls(&l, &known);
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert_diag(
        &ds[0],
        32,
        9,
        "unknown control `WC-HTIL`",
        "did you mean `WC-HITL`?",
    );
    assert_diag(
        &ds[1],
        33,
        9,
        "unknown control `XYZ`",
        "`warden catalog controls` lists the known controls",
    );
}

#[test]
fn semantic_errors_are_all_reported_with_structural_duplicates() {
    // A duplicate key does not hide the semantic problems of the rest of the file.
    let text = edit("    zone: corp", "    zone: crop\n    zone: corp").replacen(
        "      store: memory",
        "      store: memroy",
        1,
    );
    let ds = errors(&text);
    let lines: Vec<usize> = ds.iter().map(|d| d.position.line).collect();
    assert_eq!(lines, vec![9, 10, 13], "{ds:#?}");
}
