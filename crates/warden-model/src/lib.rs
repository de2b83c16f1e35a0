//! The Warden system model: one description of a multi-agent system (`warden.yaml`) that
//! the threat analysis, policy generation and the live register all work from.
//!
//! [`load_file`] / [`parse_str`] read YAML or JSON, keep the position of every value, and
//! return either a [`Loaded`] model or every problem found at once as [`Diagnostic`]s.

pub mod graph;
pub mod source;
pub mod types;

pub use source::{Diagnostic, Loaded, Position, SourceMap, load_file, parse_str};
pub use types::*;

/// The JSON Schema of the model file, for editors (`warden model schema`).
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(SystemModel);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}
