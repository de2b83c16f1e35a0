//! Helpers shared by the extension tests.
#![allow(dead_code)]

use warden_catalog::{Catalog, CatalogError};

pub fn load(files: &[(&str, &str)]) -> Result<Catalog, Vec<CatalogError>> {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    Catalog::builtin().extended(&files)
}

pub fn errors(files: &[(&str, &str)]) -> Vec<CatalogError> {
    match load(files) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e,
    }
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
pub fn at(text: &str, needle: &str) -> (usize, usize) {
    let Some(offset) = text.find(needle) else {
        panic!("`{needle}` not in text")
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Assert one error is at the position of `needle` in `file`'s `text` and mentions `fragment`.
pub fn expect(errs: &[CatalogError], file: &str, text: &str, needle: &str, fragment: &str) {
    let (line, column) = at(text, needle);
    assert!(
        errs.iter().any(|e| e.file == file
            && e.line == line
            && e.column == column
            && e.message.contains(fragment)),
        "no error at {file}:{line}:{column} containing `{fragment}`; got:\n{}",
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

pub const GOOD: &str = r#"
controls:
  - id: ACME-EGRESS-PROXY
    name: Egress proxy with inspection
    kind: preventive
    description: All outbound traffic leaves through the ACME proxy, which logs and filters it.
    mitigates: [T2, T11]
    layers: [L4]
    warden: null
    references: [owasp-asi-threats, "https://intranet.example/egress"]
rules:
  - id: acme-agent-without-proxy
    title: "Agent {id} bypasses the egress proxy"
    description: "Agent {id} ({name}) reaches the internet directly."
    applies_to: agent
    when:
      all:
        - field: deployment.egress
          equals: open
        - field: labels
          contains: internet
    threats: [T2]
    layers: [L4]
    atlas: [AML.T0086]
    stride: [information-disclosure]
    factors: [autonomy]
    asi: [ASI04]
    likelihood: 2
    impact: 3
    adjust:
      - when: {field: autonomy, equals: autonomous}
        likelihood: 1
    controls: [ACME-EGRESS-PROXY, WC-EGRESS-CONTROL]
"#;
