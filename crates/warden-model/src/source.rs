//! Reading a model file: YAML (or JSON, which YAML parses too) into a JSON value plus a map
//! from JSON Pointer to source span, then structural validation against the JSON Schema,
//! then typed [`SystemModel`] and semantic checks. Every problem found is reported at once.

use crate::diagnostics::sort_and_dedup;
pub use crate::diagnostics::{Diagnostic, Position, Span};
use crate::types::SystemModel;
use crate::{structure, validate, yaml};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

pub use crate::yaml::{escape_pointer, to_json, to_json_with};

/// Limits that protect the reader from hostile or runaway input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Largest file accepted, in bytes (default 16 MiB).
    pub max_bytes: usize,
    /// Deepest nesting of mappings and lists accepted (default 128).
    pub max_depth: usize,
    /// Most nodes that aliases (`*name`) may copy in total (default 100 000); stops
    /// "billion laughs" expansion.
    pub max_alias_nodes: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 128,
            max_alias_nodes: 100_000,
        }
    }
}

/// Where each value of the document came from, keyed by JSON Pointer (`/agents/0/id`).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// File name as given by the caller.
    pub file: String,
    /// The whole text, for snippets.
    pub text: String,
    /// Pointer → span of the value.
    pub values: BTreeMap<String, Span>,
    /// Pointer → span of the mapping key that introduced the value.
    pub keys: BTreeMap<String, Span>,
    /// Byte offset at which each line starts.
    line_starts: Vec<usize>,
}

impl SourceMap {
    /// An empty map for `text`, named `file`.
    pub fn new(file: &str, text: &str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceMap {
            file: file.to_string(),
            text: text.to_string(),
            values: BTreeMap::new(),
            keys: BTreeMap::new(),
            line_starts,
        }
    }

    /// Span of the value at `pointer`, falling back to its nearest recorded ancestor.
    pub fn span(&self, pointer: &str) -> Span {
        let mut p = pointer;
        loop {
            if let Some(span) = self.values.get(p) {
                return *span;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => {
                    let start = Position::new(1, 1);
                    return Span { start, end: start };
                }
            }
        }
    }

    /// Position of the value at `pointer`, falling back to its nearest recorded ancestor.
    pub fn position(&self, pointer: &str) -> Position {
        self.span(pointer).start
    }

    /// Span of the key that introduced `pointer` (or of the value when there is no key).
    pub fn key_span(&self, pointer: &str) -> Span {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.span(pointer))
    }

    /// Position of the key that introduced `pointer` (or of the value when there is no key).
    pub fn key_position(&self, pointer: &str) -> Position {
        self.key_span(pointer).start
    }

    /// The source line `line` (1-based), without its line break; empty when out of range.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.line_starts.get(i)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text.get(start..end).unwrap_or("");
        text.trim_end_matches(['\n', '\r'])
    }
}

/// A successfully read model with the positions of its values.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The typed model.
    pub model: SystemModel,
    /// Positions of its values.
    pub source: SourceMap,
}

/// Read and parse a model file with the default [`ParseOptions`].
pub fn load_file(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    load_file_with(path, &ParseOptions::default())
}

/// Read and parse a model file. I/O errors, an over-large file and text that is not UTF-8
/// each become a single diagnostic.
pub fn load_file_with(path: &Path, options: &ParseOptions) -> Result<Loaded, Vec<Diagnostic>> {
    let name = path.display().to_string();
    let io_error = |e: std::io::Error| {
        vec![Diagnostic::file_level(
            &name,
            format!("cannot read file: {e}"),
        )]
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let limit = u64::try_from(options.max_bytes).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() > options.max_bytes {
        return Err(vec![too_large(&name, None, options)]);
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => parse_str_with(&name, text, options),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            let source = SourceMap::new(&name, valid);
            let start = Position::new(line, column);
            let d = Diagnostic::new(
                &source,
                Span { start, end: start },
                "",
                "the file is not valid UTF-8",
            )
            .with_hint("save the file as UTF-8 text");
            Err(vec![d])
        }
    }
}

fn too_large(file: &str, size: Option<usize>, options: &ParseOptions) -> Diagnostic {
    let size = size.map(|s| format!(" ({s} bytes)")).unwrap_or_default();
    Diagnostic::file_level(
        file,
        format!(
            "the file is too large{size}: the limit is {} bytes",
            options.max_bytes
        ),
    )
    .with_hint("split the model into smaller files, or raise the size limit")
}

/// Parse a model from text (YAML or JSON) with the default [`ParseOptions`]; `file` names
/// it in diagnostics.
pub fn parse_str(file: &str, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    parse_str_with(file, text, &ParseOptions::default())
}

/// Parse a model from text (YAML or JSON); `file` names it in diagnostics. Returns every
/// problem found, sorted by position.
pub fn parse_str_with(
    file: &str,
    text: &str,
    options: &ParseOptions,
) -> Result<Loaded, Vec<Diagnostic>> {
    if text.len() > options.max_bytes {
        return Err(vec![too_large(file, Some(text.len()), options)]);
    }
    let built = yaml::build(file, text, options);
    let mut diags = built.diagnostics;
    let source = built.source;
    let Some(value) = built.value else {
        sort_and_dedup(&mut diags);
        return Err(diags);
    };
    let structural = structure::check(&value, &source);
    let structurally_valid = structural.is_empty();
    diags.extend(structural);
    let mut model = None;
    if structurally_valid {
        match serde_path_to_error::deserialize::<_, SystemModel>(&value) {
            Ok(m) => {
                diags.extend(validate::check(&m, &source));
                model = Some(m);
            }
            Err(e) => diags.push(serde_diagnostic(&e, &source)),
        }
    }
    match model {
        Some(model) if diags.is_empty() => Ok(Loaded { model, source }),
        _ => {
            sort_and_dedup(&mut diags);
            Err(diags)
        }
    }
}

/// A type error the schema did not catch (e.g. `1.5` where a whole number is needed).
fn serde_diagnostic(
    e: &serde_path_to_error::Error<serde_json::Error>,
    source: &SourceMap,
) -> Diagnostic {
    let mut pointer = String::new();
    for segment in e.path().iter() {
        pointer.push('/');
        match segment {
            serde_path_to_error::Segment::Seq { index } => pointer.push_str(&index.to_string()),
            serde_path_to_error::Segment::Map { key } => pointer.push_str(&escape_pointer(key)),
            serde_path_to_error::Segment::Enum { variant } => {
                pointer.push_str(&escape_pointer(variant))
            }
            serde_path_to_error::Segment::Unknown => pointer.push('?'),
        }
    }
    let text = e.inner().to_string();
    let (message, hint) = if text.contains("floating point") {
        (
            format!("expected a whole number at `{pointer}`, found a decimal number"),
            "write a whole number, without a decimal point",
        )
    } else {
        (
            format!("invalid value at `{pointer}`: {text}"),
            "check this value against the schema (`warden model schema`)",
        )
    };
    Diagnostic::new(source, source.span(&pointer), &pointer, message).with_hint(hint)
}

/// How the type of a value is named in messages ("found a list").
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "a whole number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
