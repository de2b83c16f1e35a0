//! The JSON report (`warden.threats/v1`): the [`Report`] itself, pretty-printed with keys in
//! the documented order, plus a top-level `diff` object when a baseline was given.

use super::RenderInput;
use crate::baseline::Diff;
use crate::finding::{REPORT_SCHEMA, Report};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The document `warden threats --format json` writes: a report and, when a baseline was
/// given, what changed since it. Its JSON Schema is `docs/report.schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "Warden threat report (warden.threats/v1)")]
pub struct ReportDocument {
    /// The report.
    #[serde(flatten)]
    pub report: Report,
    /// Changes since the baseline report, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
}

/// Where the schema is published.
pub const REPORT_SCHEMA_ID: &str = "https://warden.dev/schemas/report.schema.json";

/// The JSON Schema of [`ReportDocument`] (draft 2020-12), as published in
/// `docs/report.schema.json`.
pub fn report_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(ReportDocument);
    let mut value = serde_json::to_value(schema).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(obj) = value {
        // `$schema`, then `$id`, then the rest in the order schemars wrote them.
        let mut ordered = serde_json::Map::new();
        for (k, v) in obj {
            ordered.insert(k.clone(), v);
            if k == "$schema" {
                ordered.insert("$id".into(), REPORT_SCHEMA_ID.into());
            }
        }
        value = serde_json::Value::Object(ordered);
    }
    // Pin the version tag: a reader of v1 must not accept another version silently.
    if let Some(tag) = value.pointer_mut("/properties/schema") {
        let mut pinned = serde_json::Map::new();
        pinned.insert(
            "description".into(),
            format!("Format version; always `{REPORT_SCHEMA}`.").into(),
        );
        pinned.insert("const".into(), REPORT_SCHEMA.into());
        *tag = serde_json::Value::Object(pinned);
    }
    value
}

/// Render the JSON document, ending with a newline.
pub(crate) fn render(input: &RenderInput) -> String {
    let doc = ReportDocument {
        report: input.report.clone(),
        diff: input.diff.cloned(),
    };
    match serde_json::to_string_pretty(&doc) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Serialising plain data to a string cannot fail; keep the output valid JSON anyway.
        Err(e) => format!(
            "{{\"error\": {}}}\n",
            serde_json::Value::String(e.to_string())
        ),
    }
}
