//! YAML (and JSON) text to a JSON value with the span of every key and value.
//!
//! The tree is built from `saphyr-parser` events so that duplicate mapping keys are caught,
//! aliases are expanded under a budget, and nesting depth is bounded before anything
//! recursive ever sees the value.

use crate::diagnostics::{Diagnostic, Position, Span};
use crate::source::{ParseOptions, SourceMap};
use crate::tree::Builder;
use saphyr::Scalar;
use saphyr_parser::{Event, Marker, Parser, ScanError};
use serde_json::{Number, Value};
use std::borrow::Cow;

/// The outcome of reading the text: the value (absent when reading had to stop, or the top
/// level is not a mapping), the spans, and every problem found on the way.
pub(crate) struct Built {
    pub value: Option<Value>,
    pub source: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Escape a key for use in a JSON Pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Parse YAML text into a JSON value and the positions of its parts, with default limits.
pub fn to_json(file: &str, text: &str) -> Result<(Value, SourceMap), Vec<Diagnostic>> {
    to_json_with(file, text, &ParseOptions::default())
}

/// Parse YAML text into a JSON value and the positions of its parts. Fails on any problem
/// in the text itself (syntax, duplicate keys, limits, a top level that is not a mapping).
pub fn to_json_with(
    file: &str,
    text: &str,
    options: &ParseOptions,
) -> Result<(Value, SourceMap), Vec<Diagnostic>> {
    let built = build(file, text, options);
    match built.value {
        Some(value) if built.diagnostics.is_empty() => Ok((value, built.source)),
        _ => Err(built.diagnostics),
    }
}

fn position(m: &Marker) -> Position {
    Position::new(m.line(), m.col() + 1)
}

fn span(s: &saphyr_parser::Span) -> Span {
    Span {
        start: position(&s.start),
        end: position(&s.end),
    }
}

/// Whether the text looks like JSON (its first non-blank character opens an object or list).
fn looks_like_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .chars()
            .next(),
        Some('{' | '[')
    )
}

pub(crate) fn build(file: &str, text: &str, options: &ParseOptions) -> Built {
    let json = looks_like_json(text);
    // In JSON a tab can only be whitespace between tokens, where YAML may reject it; a space
    // in its place keeps every offset and column the same.
    let parsed: Cow<'_, str> = if json && text.contains('\t') {
        Cow::Owned(text.replace('\t', " "))
    } else {
        Cow::Borrowed(text)
    };
    let mut b = Builder::new(file, text, options);
    let mut documents = 0usize;
    let mut stopped = false;
    for event in Parser::new_from_str(&parsed) {
        let (event, sp) = match event {
            Ok((event, sp)) => (event, span(&sp)),
            Err(e) => {
                let d = syntax_error(&b, &e, json, text, options);
                b.push(d);
                stopped = true;
                break;
            }
        };
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    let d = b.diag(sp, "", "the file holds more than one YAML document")
                        .with_hint("a model file holds one document: remove this `---` and what follows, or move it to its own file");
                    b.push(d);
                    break;
                }
            }
            Event::StreamEnd => break,
            event => {
                if b.event(event, sp).is_err() {
                    stopped = true;
                    break;
                }
            }
        }
    }
    b.finish(stopped)
}

/// A syntax error, positioned by serde_json's reading for JSON text, else by YAML's.
fn syntax_error(
    b: &Builder<'_>,
    e: &ScanError,
    json: bool,
    text: &str,
    options: &ParseOptions,
) -> Diagnostic {
    let json_error = json
        .then(|| serde_json::from_str::<serde::de::IgnoredAny>(text).err())
        .flatten()
        .filter(|je| je.is_syntax() || je.is_eof());
    if let Some(je) = json_error {
        let start = Position::new(je.line().max(1), je.column().max(1));
        return b
            .diag(
                Span { start, end: start },
                "",
                format!("JSON syntax error: {je}"),
            )
            .with_hint(
                "check for a missing or extra comma, bracket or quote just before this position",
            );
    }
    let info = e.info();
    let start = position(e.marker());
    let (message, hint) = if info.contains("recursion limit") {
        (
            format!(
                "the document nests too deeply (more than {} levels)",
                options.max_depth.min(255)
            ),
            "flatten the structure; a model never needs this much nesting",
        )
    } else {
        (format!("YAML syntax error: {info}"), syntax_hint(info))
    };
    b.diag(Span { start, end: start }, "", message)
        .with_hint(hint)
}

fn syntax_hint(info: &str) -> &'static str {
    let info = info.to_ascii_lowercase();
    if info.contains("tab") {
        "YAML does not allow tabs for indentation: indent with spaces"
    } else if info.contains("mapping values are not allowed") {
        "a value containing `: ` must be quoted, or this line is indented differently from its siblings"
    } else if info.contains("quote") || info.contains("quoted") {
        "close the quoted string, or escape the quote inside it"
    } else if info.contains("flow")
        || info.contains("','")
        || info.contains("']'")
        || info.contains("'}'")
    {
        "check the brackets and commas of this `[...]` or `{...}`"
    } else if info.contains("anchor") || info.contains("alias") {
        "define the anchor (`&name`) before the alias (`*name`) that repeats it"
    } else if info.contains("block")
        || info.contains("indentation")
        || info.contains("expected key")
    {
        "keys at the same level must start in the same column; check the indentation here"
    } else {
        "check indentation and quoting near this position"
    }
}

/// Node count and container depth of a value, without recursion.
pub(crate) fn measure(value: &Value) -> (usize, usize) {
    let mut nodes = 0usize;
    let mut depth = 0usize;
    let mut todo = vec![(value, 0usize)];
    while let Some((v, d)) = todo.pop() {
        nodes += 1;
        match v {
            Value::Array(items) => {
                depth = depth.max(d + 1);
                todo.extend(items.iter().map(|i| (i, d + 1)));
            }
            Value::Object(obj) => {
                depth = depth.max(d + 1);
                todo.extend(obj.values().map(|i| (i, d + 1)));
            }
            _ => {}
        }
    }
    (nodes, depth)
}

/// The JSON value of a resolved YAML scalar.
pub(crate) fn scalar_value(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.into_inner().to_string())),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}
