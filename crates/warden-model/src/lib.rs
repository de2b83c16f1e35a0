//! The Warden system model: one description of a multi-agent system (`warden.yaml`) that
//! the threat analysis, policy generation and the live register all work from.
//!
//! [`load_file`] / [`parse_str`] read YAML or JSON, keep the position of every value, and
//! return either a [`Loaded`] model or every problem found at once as [`Diagnostic`]s.

pub mod diagnostics;
pub mod graph;
mod references;
pub mod source;
mod structure;
mod suggest;
mod tree;
pub mod types;
mod validate;
mod yaml;

pub use diagnostics::{Diagnostic, Position, Span};
pub use source::{
    Loaded, ParseOptions, SourceMap, load_file, load_file_with, parse_str, parse_str_with,
};
pub use types::*;
pub use validate::check_controls;

/// The `$id` of the model's JSON Schema.
pub const SCHEMA_ID: &str = "https://warden.dev/schema/warden-model-v1.json";

/// The JSON Schema of the model file, for editors (`warden model schema`).
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(SystemModel);
    let mut value = serde_json::to_value(schema).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(root) = &mut value {
        // Put `$id` and the title first, where people look for them.
        let mut head = serde_json::Map::new();
        head.insert("$schema".into(), root.remove("$schema").unwrap_or_default());
        head.insert("$id".into(), SCHEMA_ID.into());
        head.insert("title".into(), "Warden system model".into());
        root.remove("title");
        head.append(root);
        *root = head;
    }
    bound_integers(&mut value);
    value
}

/// Give fixed-width integer formats their upper bound, so that the schema rejects exactly
/// what deserialisation would.
fn bound_integers(value: &mut serde_json::Value) {
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        match v {
            serde_json::Value::Object(obj) => {
                let max: Option<u64> = match obj.get("format").and_then(|f| f.as_str()) {
                    Some("uint8") => Some(u8::MAX.into()),
                    Some("uint16") => Some(u16::MAX.into()),
                    Some("uint32") => Some(u32::MAX.into()),
                    Some("uint64") => Some(u64::MAX),
                    _ => None,
                };
                if let Some(max) = max {
                    obj.entry("maximum").or_insert(max.into());
                }
                todo.extend(obj.values_mut());
            }
            serde_json::Value::Array(items) => todo.extend(items.iter_mut()),
            _ => {}
        }
    }
}
