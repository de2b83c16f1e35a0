//! Reading a model file: YAML (or JSON, which YAML parses too) into a JSON value plus a map
//! from JSON Pointer to source position, then into typed [`SystemModel`].

use crate::types::SystemModel;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// A position in a source file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Where each value of the document came from, keyed by JSON Pointer (`/agents/0/id`).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// File name as given by the caller.
    pub file: String,
    /// The whole text, for snippets.
    pub text: String,
    /// Pointer → position of the value.
    pub values: BTreeMap<String, Position>,
    /// Pointer → position of the mapping key that introduced the value.
    pub keys: BTreeMap<String, Position>,
}

impl SourceMap {
    /// Position of the value at `pointer`, falling back to its nearest ancestor.
    pub fn position(&self, pointer: &str) -> Position {
        let mut p = pointer.to_string();
        loop {
            if let Some(pos) = self.values.get(&p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return Position { line: 1, column: 1 },
            }
        }
    }

    /// Position of the key that introduced `pointer` (or of the value when there is no key).
    pub fn key_position(&self, pointer: &str) -> Position {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.position(pointer))
    }

    /// The source line `line` (1-based), without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line.saturating_sub(1)).unwrap_or("")
    }
}

/// One problem in a model file, located precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File name.
    pub file: String,
    /// Where the problem is.
    pub position: Position,
    /// JSON Pointer of the offending value (empty for syntax errors).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

/// A successfully read model with the positions of its values.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The typed model.
    pub model: SystemModel,
    /// Positions of its values.
    pub source: SourceMap,
}

/// Read and parse a model file. I/O errors become a single diagnostic.
pub fn load_file(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse_str(&name, &text),
        Err(e) => Err(vec![Diagnostic {
            file: name,
            position: Position::default(),
            pointer: String::new(),
            message: format!("cannot read file: {e}"),
            hint: None,
        }]),
    }
}

/// Parse a model from text (YAML or JSON); `file` names it in diagnostics.
pub fn parse_str(file: &str, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let (value, source) = to_json(file, text)?;
    match serde_json::from_value::<SystemModel>(value) {
        Ok(model) => Ok(Loaded { model, source }),
        Err(e) => Err(vec![Diagnostic {
            file: file.to_string(),
            position: Position { line: 1, column: 1 },
            pointer: String::new(),
            message: e.to_string(),
            hint: None,
        }]),
    }
}

/// Parse YAML text into a JSON value and the positions of its parts.
pub fn to_json(file: &str, text: &str) -> Result<(Value, SourceMap), Vec<Diagnostic>> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        vec![Diagnostic {
            file: file.to_string(),
            position: Position {
                line: e.marker().line(),
                column: e.marker().col() + 1,
            },
            pointer: String::new(),
            message: format!("YAML syntax error: {}", e.info()),
            hint: Some("check indentation and quoting near this position".into()),
        }]
    })?;
    let mut map = SourceMap {
        file: file.to_string(),
        text: text.to_string(),
        ..SourceMap::default()
    };
    let value = match docs.first() {
        Some(doc) => convert(doc, String::new(), &mut map),
        None => Value::Null,
    };
    Ok((value, map))
}

fn pos(m: &saphyr::Marker) -> Position {
    Position {
        line: m.line(),
        column: m.col() + 1,
    }
}

/// Escape a key for use in a JSON Pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn convert(node: &MarkedYaml<'_>, pointer: String, map: &mut SourceMap) -> Value {
    map.values.insert(pointer.clone(), pos(&node.span.start));
    match &node.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(s, _, _) => Value::String(s.to_string()),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| convert(item, format!("{pointer}/{i}"), map))
                .collect(),
        ),
        YamlData::Mapping(entries) => {
            let mut obj = Map::new();
            for (k, v) in entries {
                let key = match &k.data {
                    YamlData::Value(s) => match scalar(s) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                    YamlData::Representation(s, _, _) => s.to_string(),
                    _ => String::from("<complex key>"),
                };
                let child = format!("{pointer}/{}", escape_pointer(&key));
                map.keys.insert(child.clone(), pos(&k.span.start));
                let value = convert(v, child, map);
                obj.insert(key, value);
            }
            Value::Object(obj)
        }
        YamlData::Tagged(_, inner) => convert(inner, pointer, map),
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    }
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}
