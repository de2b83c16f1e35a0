//! Comparing a report with an earlier one (`warden threats --baseline FILE`): which findings
//! are new, which are gone, and which changed severity or status.
//!
//! Findings are matched by their stable id, so edits elsewhere in the model do not turn an
//! old finding into a "new" one.

use crate::finding::{REPORT_SCHEMA, Report, Severity, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What changed between a baseline report and the current one. Every list is sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Diff {
    /// Ids of findings in the current report that the baseline did not have.
    pub new: Vec<String>,
    /// Findings of the baseline that the current report no longer has.
    pub resolved: Vec<Resolved>,
    /// Findings present in both whose severity or status changed.
    pub changed: Vec<Change>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.resolved.is_empty() && self.changed.is_empty()
    }
}

/// A baseline finding that is gone from the current report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Resolved {
    /// Finding id.
    pub id: String,
    /// Rule that produced it.
    pub rule: String,
    /// Its title in the baseline.
    pub title: String,
    /// Its severity in the baseline.
    pub severity: Severity,
    /// Its status in the baseline.
    pub status: StatusKind,
}

/// A finding whose severity or status differs between baseline and current report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    /// Finding id.
    pub id: String,
    /// Severity and status in the baseline.
    pub before: FindingState,
    /// Severity and status now.
    pub after: FindingState,
}

/// Severity and status of a finding at one point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FindingState {
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: StatusKind,
}

/// A finding's status without its details.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum StatusKind {
    /// Still needs work.
    Open,
    /// Addressed by implemented controls.
    Mitigated,
    /// Risk accepted by the owners.
    Accepted,
}

impl StatusKind {
    /// The kind of a full status.
    pub fn of(status: &Status) -> StatusKind {
        match status {
            Status::Open => StatusKind::Open,
            Status::Mitigated { .. } => StatusKind::Mitigated,
            Status::Accepted { .. } => StatusKind::Accepted,
        }
    }

    /// `open`, `mitigated` or `accepted`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Open => "open",
            StatusKind::Mitigated => "mitigated",
            StatusKind::Accepted => "accepted",
        }
    }
}

/// Compare `current` with `baseline`, matching findings by id.
pub fn diff(baseline: &Report, current: &Report) -> Diff {
    let before: BTreeMap<&str, _> = baseline
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f))
        .collect();
    let after: BTreeMap<&str, _> = current
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f))
        .collect();
    let mut out = Diff::default();
    for (id, now) in &after {
        match before.get(id) {
            None => out.new.push((*id).to_string()),
            Some(then) => {
                let b = FindingState {
                    severity: then.severity,
                    status: StatusKind::of(&then.status),
                };
                let a = FindingState {
                    severity: now.severity,
                    status: StatusKind::of(&now.status),
                };
                if a != b {
                    out.changed.push(Change {
                        id: (*id).to_string(),
                        before: b,
                        after: a,
                    });
                }
            }
        }
    }
    for (id, then) in &before {
        if !after.contains_key(id) {
            out.resolved.push(Resolved {
                id: (*id).to_string(),
                rule: then.rule.clone(),
                title: then.title.clone(),
                severity: then.severity,
                status: StatusKind::of(&then.status),
            });
        }
    }
    out
}

/// Read a baseline: the JSON written by `warden threats --format json`.
///
/// The error says plainly what is wrong when the text is not JSON, is another kind of file
/// (a SARIF log, a model), or is a report of another schema version.
pub fn load_baseline(text: &str) -> Result<Report, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the baseline is not valid JSON: {e}"))?;
    let Some(obj) = value.as_object() else {
        return Err(not_a_report("it is not a JSON object"));
    };
    match obj.get("schema") {
        Some(serde_json::Value::String(s)) if s == REPORT_SCHEMA => {}
        Some(serde_json::Value::String(s)) => {
            return Err(format!(
                "the baseline is a `{s}` report, but this version of Warden compares only \
                 `{REPORT_SCHEMA}` reports; regenerate it with `warden threats --format json`"
            ));
        }
        _ if obj.contains_key("runs") && obj.contains_key("version") => {
            return Err(not_a_report("it looks like a SARIF log"));
        }
        _ if obj.contains_key("warden") && obj.contains_key("system") => {
            return Err(not_a_report("it looks like a system model"));
        }
        _ => return Err(not_a_report("it has no `schema` field")),
    }
    serde_json::from_value(value)
        .map_err(|e| format!("the baseline is a `{REPORT_SCHEMA}` report but is malformed: {e}"))
}

fn not_a_report(why: &str) -> String {
    format!(
        "the baseline is not a Warden threat report ({why}); expected the `{REPORT_SCHEMA}` JSON \
         written by `warden threats --format json`"
    )
}
