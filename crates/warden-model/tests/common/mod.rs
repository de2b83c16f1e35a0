//! Helpers shared by the integration tests.
#![allow(dead_code)]

use warden_model::{Diagnostic, Loaded, parse_str};

/// The diagnostics for `text`, failing the test if it parses.
pub fn errors(text: &str) -> Vec<Diagnostic> {
    match parse_str("test.yaml", text) {
        Ok(_) => panic!("expected diagnostics for:\n{text}"),
        Err(d) => d,
    }
}

/// The single diagnostic for `text`.
pub fn only(text: &str) -> Diagnostic {
    let d = errors(text);
    assert_eq!(d.len(), 1, "expected one diagnostic, got {d:#?}");
    d.into_iter().next().unwrap()
}

/// Parse `text`, failing the test with the rendered diagnostics if it does not.
pub fn ok(text: &str) -> Loaded {
    match parse_str("test.yaml", text) {
        Ok(l) => l,
        Err(ds) => panic!(
            "unexpected diagnostics:\n{}",
            ds.iter().map(Diagnostic::render).collect::<String>()
        ),
    }
}

/// Assert where a diagnostic is, what it says and what it suggests.
#[track_caller]
pub fn assert_diag(d: &Diagnostic, line: usize, column: usize, message: &str, hint: &str) {
    assert_eq!(
        (d.position.line, d.position.column),
        (line, column),
        "position of {d:#?}"
    );
    assert_eq!(d.message, message, "message of {d:#?}");
    assert_eq!(d.hint.as_deref().unwrap_or(""), hint, "hint of {d:#?}");
}

/// A small valid model that the semantic tests extend.
pub const BASE: &str = "\
warden: 1
system:
  name: demo
zones:
  - id: corp
    trust: internal
agents:
  - id: triage
    zone: corp
    memory:
      kind: long-term
      store: memory
    tools:
      - tool: web.search
  - id: planner
servers:
  - id: web
    tools:
      - id: search
        capabilities: [browse]
        ingests: [internet]
data_stores:
  - id: memory
    kind: memory
humans:
  - id: alice
    role: approver
external_sources:
  - id: internet
";
