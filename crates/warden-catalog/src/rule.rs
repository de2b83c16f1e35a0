//! Declarative threat rules: which kind of element a rule examines, when it fires, what it
//! maps to, how it scores, and the description template filled in from the element's facts.

use crate::condition::Condition;
use crate::fields::{Known, check_keys, child, int, object, refs, string, strings, valid_id};
use crate::issue::Issue;
pub use crate::template::MISSING;
use crate::template::check_template;
use crate::types::Stride;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// The kind of model element a rule examines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Subject {
    /// An AI agent.
    Agent,
    /// An MCP server or other tool provider.
    Server,
    /// One tool of a server.
    Tool,
    /// A data store (including vector stores and memory).
    DataStore,
    /// A person.
    Human,
    /// A source of input from outside.
    External,
    /// A communication link between two elements.
    Link,
    /// The system as a whole.
    System,
}

impl Subject {
    /// All subjects.
    pub const ALL: [Subject; 8] = [
        Subject::Agent,
        Subject::Server,
        Subject::Tool,
        Subject::DataStore,
        Subject::Human,
        Subject::External,
        Subject::Link,
        Subject::System,
    ];

    /// The kebab-case name used in files (`data-store`).
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Agent => "agent",
            Subject::Server => "server",
            Subject::Tool => "tool",
            Subject::DataStore => "data-store",
            Subject::Human => "human",
            Subject::External => "external",
            Subject::Link => "link",
            Subject::System => "system",
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Subject {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Subject::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown subject `{s}` (expected one of: {})",
                    Subject::ALL.map(Subject::as_str).join(", ")
                )
            })
    }
}

/// A change to a rule's score when a further condition holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjust {
    /// When to apply the change.
    pub when: Condition,
    /// Added to the likelihood.
    pub likelihood: i8,
    /// Added to the impact.
    pub impact: i8,
}

/// A declarative rule: for each element of kind `applies_to` whose facts satisfy `when`,
/// the threat engine reports a finding mapped to the listed threats, layers and so on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Stable id (letters, digits, `.`, `_`, `-`); part of every finding id.
    pub id: String,
    /// Short static name of the rule (e.g. for SARIF rule lists); optional in team files.
    pub name: Option<String>,
    /// One-line title; a template like `description`.
    pub title: String,
    /// Explanation; `{id}`, `{name}` and `{a.b.c}` are replaced from the facts.
    pub description: String,
    /// Kind of element examined.
    pub applies_to: Subject,
    /// When the rule fires.
    pub when: Condition,
    /// OWASP ASI threats (T ids).
    pub threats: Vec<String>,
    /// MAESTRO layers.
    pub layers: Vec<String>,
    /// MITRE ATLAS technique ids.
    pub atlas: Vec<String>,
    /// STRIDE categories (kebab-case names).
    pub stride: Vec<String>,
    /// Agentic factors that amplify the finding.
    pub factors: Vec<String>,
    /// OWASP Agentic Top 10 ids beyond those implied by `threats` (e.g. ASI04).
    pub asi: Vec<String>,
    /// Likelihood, 1 (rare) to 4 (expected).
    pub likelihood: u8,
    /// Impact, 1 (minor) to 4 (severe).
    pub impact: u8,
    /// Score changes applied when their conditions hold.
    pub adjust: Vec<Adjust>,
    /// Recommended controls; declaring one implemented mitigates the finding.
    pub controls: Vec<String>,
}

impl Rule {
    /// Fill `{field.path}` placeholders of `template` from `facts`. `{{` and `}}` stand for
    /// literal braces; a missing field renders as [`MISSING`]; lists are joined with `, `.
    pub fn render(template: &str, facts: &Value) -> String {
        crate::template::render(template, facts)
    }

    /// This rule's likelihood and impact for `facts`, after every applicable adjustment,
    /// each clamped to 1–4.
    pub fn score(&self, facts: &Value) -> (u8, u8) {
        let (mut l, mut i) = (i16::from(self.likelihood), i16::from(self.impact));
        for a in self.adjust.iter().filter(|a| a.when.eval(facts)) {
            l += i16::from(a.likelihood);
            i += i16::from(a.impact);
        }
        (l.clamp(1, 4) as u8, i.clamp(1, 4) as u8)
    }

    /// Whether the rule fires for an element of kind `subject` with these facts.
    pub fn fires(&self, subject: Subject, facts: &Value) -> bool {
        self.applies_to == subject && self.when.eval(facts)
    }
}

const RULE_KEYS: [&str; 16] = [
    "id",
    "name",
    "title",
    "description",
    "applies_to",
    "when",
    "threats",
    "layers",
    "atlas",
    "stride",
    "factors",
    "asi",
    "likelihood",
    "impact",
    "adjust",
    "controls",
];

/// Parse one rule at `pointer`, checking every reference against `known`.
pub(crate) fn parse_rule(
    v: &Value,
    pointer: &str,
    known: &Known,
    issues: &mut Vec<Issue>,
) -> Option<Rule> {
    let before = issues.len();
    let m = object(v, pointer, "a rule", issues)?;
    check_keys(m, pointer, &RULE_KEYS, "a rule", issues);
    let id = string(m, pointer, "id", issues);
    if let Some(id) = id.as_deref().filter(|id| !valid_id(id)) {
        issues.push(Issue::at(
            &child(pointer, "id"),
            format!("rule id `{id}` may contain only letters, digits, `.`, `_` and `-`"),
        ));
    }
    let name = match m.get("name") {
        None | Some(Value::Null) => None,
        Some(_) => string(m, pointer, "name", issues),
    };
    let title = string(m, pointer, "title", issues);
    let description = string(m, pointer, "description", issues);
    for (key, t) in [("title", &title), ("description", &description)] {
        if let Some(t) = t {
            check_template(t, &child(pointer, key), issues);
        }
    }
    let applies_to = string(m, pointer, "applies_to", issues).and_then(|s| {
        Subject::from_str(&s)
            .map_err(|e| issues.push(Issue::at(&child(pointer, "applies_to"), e)))
            .ok()
    });
    let when = match m.get("when") {
        Some(w) => Condition::parse(w, &child(pointer, "when"))
            .map_err(|e| issues.extend(e))
            .ok(),
        None => {
            issues.push(Issue::at(pointer, "missing required key `when`"));
            None
        }
    };
    let list = |key: &str,
                set: &std::collections::BTreeSet<String>,
                what: &str,
                issues: &mut Vec<Issue>| {
        let l = strings(m, pointer, key, issues);
        refs(&l, pointer, key, set, what, issues);
        l
    };
    let threats = list("threats", &known.threats, "threat", issues);
    let layers = list("layers", &known.layers, "layer", issues);
    let atlas = list("atlas", &known.atlas, "ATLAS technique", issues);
    let factors = list("factors", &known.factors, "agentic factor", issues);
    let asi = list("asi", &known.asi, "OWASP Agentic Top 10 id", issues);
    let controls = list("controls", &known.controls, "control", issues);
    let layers_absent = match m.get("layers") {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    };
    if layers_absent {
        issues.push(Issue::at(
            pointer,
            "a rule needs at least one entry in `layers`",
        ));
    }
    let stride = strings(m, pointer, "stride", issues);
    for (i, s) in stride.iter().enumerate() {
        if let Err(e) = Stride::from_str(s) {
            issues.push(Issue::at(&format!("{}/{i}", child(pointer, "stride")), e));
        }
    }
    let likelihood = int(m, pointer, "likelihood", (1, 4), true, issues);
    let impact = int(m, pointer, "impact", (1, 4), true, issues);
    let adjust = parse_adjust(m.get("adjust"), &child(pointer, "adjust"), issues);
    if issues.len() != before {
        return None;
    }
    Some(Rule {
        id: id?,
        name,
        title: title?,
        description: description?,
        applies_to: applies_to?,
        when: when?,
        threats,
        layers,
        atlas,
        stride,
        factors,
        asi,
        likelihood: u8::try_from(likelihood?).ok()?,
        impact: u8::try_from(impact?).ok()?,
        adjust,
        controls,
    })
}

fn parse_adjust(v: Option<&Value>, pointer: &str, issues: &mut Vec<Issue>) -> Vec<Adjust> {
    let items = match v {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            issues.push(Issue::at(pointer, "`adjust` must be a list"));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let here = format!("{pointer}/{i}");
        let Some(m) = object(item, &here, "an adjustment", issues) else {
            continue;
        };
        check_keys(
            m,
            &here,
            &["when", "likelihood", "impact"],
            "an adjustment",
            issues,
        );
        let when = match m.get("when") {
            Some(w) => Condition::parse(w, &child(&here, "when"))
                .map_err(|e| issues.extend(e))
                .ok(),
            None => {
                issues.push(Issue::at(&here, "missing required key `when`"));
                None
            }
        };
        let l = int(m, &here, "likelihood", (-3, 3), false, issues).unwrap_or(0);
        let im = int(m, &here, "impact", (-3, 3), false, issues).unwrap_or(0);
        if l == 0 && im == 0 && !m.contains_key("likelihood") && !m.contains_key("impact") {
            issues.push(Issue::at(
                &here,
                "an adjustment needs `likelihood` and/or `impact` (a change from -3 to 3)",
            ));
        }
        if let (Some(when), Ok(l), Ok(im)) = (when, i8::try_from(l), i8::try_from(im)) {
            out.push(Adjust {
                when,
                likelihood: l,
                impact: im,
            });
        }
    }
    out
}
