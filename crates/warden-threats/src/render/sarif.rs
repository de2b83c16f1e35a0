//! SARIF 2.1.0 for code-scanning tools: one rule per rule id seen, one result per finding,
//! located in the model file, with suppressions for accepted and mitigated findings.

use super::RenderInput;
use super::sarif_log::*;
use super::stats::{humanise, named, status_words};
use crate::finding::{Finding, Severity, Status};
use std::collections::{BTreeMap, BTreeSet};

/// Where the rule documentation lives.
const HELP_BASE: &str = "https://warden.dev/docs/threats#";

/// The `security-severity` score code-scanning tools read (0–10).
fn score(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The SARIF level of a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// The model path as a URI reference with forward slashes (relative paths stay relative).
pub(crate) fn artifact_uri(file: &str) -> String {
    let mut path = file.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    let drive = path.as_bytes().get(1) == Some(&b':') && path.as_bytes().get(2) == Some(&b'/');
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    } else if drive {
        out.push_str("file:///");
    }
    for c in path.chars() {
        match c {
            'A'..='Z'
            | 'a'..='z'
            | '0'..='9'
            | '-'
            | '.'
            | '_'
            | '~'
            | '/'
            | '!'
            | '$'
            | '&'
            | '\''
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | ';'
            | '='
            | '@' => out.push(c),
            ':' if drive => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

#[derive(Default)]
struct RuleInfo<'a> {
    max: Option<Severity>,
    tags: BTreeSet<&'a str>,
    threats: BTreeSet<&'a str>,
    layers: BTreeSet<&'a str>,
    controls: BTreeSet<&'a str>,
}

/// Render the SARIF log, ending with a newline.
pub(crate) fn render(input: &RenderInput) -> String {
    let report = input.report;
    let mut infos: BTreeMap<&str, RuleInfo> = BTreeMap::new();
    for f in &report.findings {
        let r = infos.entry(f.rule.as_str()).or_default();
        r.max = r.max.max(Some(f.severity));
        let tags = f
            .threats
            .iter()
            .chain(&f.asi)
            .chain(&f.atlas)
            .chain(&f.layers);
        r.tags.extend(tags.map(String::as_str));
        r.threats.extend(f.threats.iter().map(String::as_str));
        r.layers.extend(f.layers.iter().map(String::as_str));
        r.controls.extend(f.controls.iter().map(String::as_str));
    }
    let index: BTreeMap<&str, usize> = infos.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules = infos.iter().map(|(id, r)| rule(id, r, input)).collect();

    let uri = artifact_uri(&report.model.file);
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    let results = findings
        .iter()
        .map(|f| result(f, &uri, index.get(f.rule.as_str()).copied(), input))
        .collect();

    let version = report
        .generator
        .strip_prefix("warden ")
        .unwrap_or(&report.generator);
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "warden",
                    information_uri: "https://warden.dev",
                    version,
                    rules,
                },
            },
            artifacts: [Artifact {
                location: ArtifactLocation {
                    uri: &uri,
                    index: None,
                },
                hashes: Hashes {
                    sha256: &report.model.sha256,
                },
            }],
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProps {
                schema: &report.schema,
                system: &report.model.name,
            },
        }],
    };
    match serde_json::to_string_pretty(&log) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(_) => String::from("{}\n"),
    }
}

fn rule<'a>(id: &'a str, r: &RuleInfo<'a>, input: &RenderInput) -> Rule<'a> {
    let names = input.names;
    let sev = r.max.unwrap_or(Severity::Low);
    let list = |set: &BTreeSet<&str>, m: &BTreeMap<String, String>| {
        set.iter()
            .map(|x| named(m, x))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut full = format!("Warden threat rule `{id}`.");
    if !r.threats.is_empty() {
        full.push_str(&format!(
            " OWASP ASI threats: {}.",
            list(&r.threats, &names.threats)
        ));
    }
    if !r.layers.is_empty() {
        full.push_str(&format!(
            " MAESTRO layers: {}.",
            list(&r.layers, &names.layers)
        ));
    }
    if !r.controls.is_empty() {
        full.push_str(&format!(
            " Recommended controls: {}.",
            list(&r.controls, &names.controls)
        ));
    }
    let mut tags = vec!["security"];
    tags.extend(r.tags.iter().copied());
    let title = humanise(id);
    let short = match names.rules.get(id) {
        Some(t) if !t.is_empty() => t.clone(),
        _ => title.clone(),
    };
    Rule {
        id,
        name: title.split(' ').map(humanise).collect::<Vec<_>>().concat(),
        short_description: Text { text: short },
        full_description: Text { text: full.clone() },
        help_uri: format!("{HELP_BASE}{id}"),
        help: Text { text: full },
        default_configuration: Level { level: level(sev) },
        properties: RuleProps {
            tags,
            security_severity: score(sev),
            precision: "high",
        },
    }
}

fn result<'a>(
    f: &'a Finding,
    uri: &'a str,
    rule_index: Option<usize>,
    input: &RenderInput,
) -> SResult<'a> {
    let title = f.title.trim_end_matches('.');
    let message = if f.description.is_empty() {
        format!("{title}.")
    } else {
        format!("{title}. {}", f.description)
    };
    let suppressions = match &f.status {
        Status::Open => Vec::new(),
        Status::Accepted { .. } => {
            let same = |s: &str| s.to_string();
            let words = status_words(&f.status, "open", |ids| ids.join(", "), same, same);
            vec![Suppression {
                kind: "external",
                status: "accepted",
                justification: format!("Risk {words}"),
            }]
        }
        Status::Mitigated { controls } => vec![Suppression {
            kind: "external",
            status: "accepted",
            justification: format!("Mitigated by implemented controls: {}", controls.join(", ")),
        }],
    };
    let baseline_state = input.diff.map(|d| {
        if d.new.contains(&f.id) {
            "new"
        } else if d.changed.iter().any(|c| c.id == f.id) {
            "updated"
        } else {
            "unchanged"
        }
    });
    let logical_locations = match (&f.location, f.elements.first()) {
        (Some(loc), Some(el)) => vec![Logical {
            name: el,
            fully_qualified_name: &loc.pointer,
            kind: "element",
        }],
        _ => Vec::new(),
    };
    SResult {
        rule_id: &f.rule,
        rule_index,
        level: level(f.severity),
        message: Text { text: message },
        locations: [Location {
            physical_location: Physical {
                artifact_location: ArtifactLocation {
                    uri,
                    index: Some(0),
                },
                region: f.location.as_ref().map(|l| Region {
                    start_line: l.line.max(1),
                    start_column: l.column.max(1),
                }),
            },
            logical_locations,
        }],
        partial_fingerprints: Fingerprints { id: &f.id },
        suppressions,
        baseline_state,
        properties: ResultProps {
            severity: f.severity.as_str(),
            security_severity: score(f.severity),
            status: f.status.as_str(),
            threats: &f.threats,
            asi: &f.asi,
            atlas: &f.atlas,
            layers: &f.layers,
            cross_layer: f.cross_layer,
            likelihood: f.likelihood,
            impact: f.impact,
            elements: &f.elements,
            path: &f.path,
            controls: &f.controls,
        },
    }
}
