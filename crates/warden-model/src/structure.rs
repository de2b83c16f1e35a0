//! Structural validation: the JSON value against the model's JSON Schema, every error
//! turned into a located, plain-language [`Diagnostic`].

use crate::diagnostics::Diagnostic;
use crate::source::{SourceMap, type_name};
use crate::suggest::{
    describe, did_you_mean, expected_types, hint_for, list, plain, segments, type_hint, type_word,
    types_of,
};
use crate::yaml::escape_pointer;
use jsonschema::JsonType;
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The model's schema and a validator compiled from it, built once.
fn compiled() -> Option<&'static (Value, Validator)> {
    static COMPILED: OnceLock<Option<(Value, Validator)>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            let schema = crate::json_schema();
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .ok()?;
            Some((schema, validator))
        })
        .as_ref()
}

/// Check `value` against the model's schema; an empty result means it is well-formed.
pub(crate) fn check(value: &Value, source: &SourceMap) -> Vec<Diagnostic> {
    let Some((schema, validator)) = compiled() else {
        return vec![Diagnostic::file_level(
            &source.file,
            "internal error: the model schema does not compile",
        )];
    };
    let cx = Cx {
        root: value,
        schema,
        source,
    };
    let mut out = Vec::new();
    for error in validator.iter_errors(value) {
        cx.translate(&error, &mut out);
    }
    // A misspelt required key shows up twice: as unknown and as missing. Keep the first.
    let suggested: BTreeSet<(String, String)> = out
        .iter()
        .filter_map(|(_, d)| match d {
            Found::Unknown {
                object,
                suggestion: Some(s),
            } => Some((object.clone(), s.clone())),
            _ => None,
        })
        .collect();
    out.into_iter()
        .filter(|(_, found)| match found {
            Found::Missing { object, key } => !suggested.contains(&(object.clone(), key.clone())),
            _ => true,
        })
        .map(|(d, _)| d)
        .collect()
}

/// What kind of problem a diagnostic reports, for collapsing related ones.
enum Found {
    Unknown {
        object: String,
        suggestion: Option<String>,
    },
    Missing {
        object: String,
        key: String,
    },
    Other,
}

struct Cx<'a> {
    root: &'a Value,
    schema: &'a Value,
    source: &'a SourceMap,
}

impl Cx<'_> {
    /// The schema object holding the failing keyword (`/$defs/Agent/additionalProperties` →
    /// `/$defs/Agent`).
    fn schema_of(&self, error: &ValidationError<'_>) -> Option<&Value> {
        let path = error.schema_path().as_str();
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        self.schema.pointer(parent)
    }

    /// Follow a local `$ref`, if the schema is one.
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| self.schema.pointer(p))
            .unwrap_or(schema)
    }

    /// The values an enumeration allows, if the schema is one (`enum`, or `oneOf` consts).
    fn enum_values(&self, schema: &Value) -> Option<Vec<String>> {
        let schema = self.resolve(schema);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return Some(values.iter().map(plain).collect());
        }
        let branches = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))?
            .as_array()?;
        branches.iter().map(|b| b.get("const").map(plain)).collect()
    }

    /// "`key` in agent `a`" for a value, or the element itself for a list item.
    fn field(&self, pointer: &str) -> String {
        match pointer.rsplit_once('/') {
            Some((parent, key)) if key.parse::<usize>().is_err() => {
                let key = segments(&format!("/{key}")).concat();
                match describe(self.root, parent).as_str() {
                    "the top level" => format!("`{key}`"),
                    owner => format!("`{key}` in {owner}"),
                }
            }
            _ => describe(self.root, pointer),
        }
    }

    fn at_value(&self, pointer: &str, message: String) -> Diagnostic {
        Diagnostic::new(self.source, self.source.span(pointer), pointer, message)
    }

    fn translate(&self, error: &ValidationError<'_>, out: &mut Vec<(Diagnostic, Found)>) {
        let pointer = error.instance_path().as_str().to_string();
        let instance = error.instance();
        let found = type_name(instance);
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed: Vec<&str> = self
                    .schema_of(error)
                    .and_then(|s| s.get("properties"))
                    .and_then(Value::as_object)
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let owner = describe(self.root, &pointer);
                for key in unexpected {
                    let child = format!("{pointer}/{}", escape_pointer(key));
                    let suggestion = did_you_mean(key, allowed.iter().copied());
                    let hint = match suggestion {
                        _ if key == "<<" => {
                            "merge keys (`<<`) are not supported: repeat the keys instead"
                                .to_string()
                        }
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("allowed keys here: {}", list(&allowed, 20)),
                    };
                    let d = Diagnostic::new(
                        self.source,
                        self.source.key_span(&child),
                        &child,
                        format!("unknown key `{key}` in {owner}"),
                    )
                    .with_hint(hint);
                    let found = Found::Unknown {
                        object: pointer.clone(),
                        suggestion: suggestion.map(str::to_string),
                    };
                    out.push((d, found));
                }
            }
            ValidationErrorKind::Required { property } => {
                let key = plain(property);
                let about = self
                    .schema_of(error)
                    .and_then(|s| s.pointer(&format!("/properties/{}", escape_pointer(&key))))
                    .and_then(|p| p.get("description"))
                    .and_then(Value::as_str)
                    .map(|d| format!(" ({})", d.trim_end_matches('.').to_lowercase()))
                    .unwrap_or_default();
                let d = Diagnostic::new(
                    self.source,
                    self.source.key_span(&pointer),
                    &pointer,
                    format!(
                        "missing required key `{key}` in {}",
                        describe(self.root, &pointer)
                    ),
                )
                .with_hint(format!("add `{key}:`{about}"));
                out.push((
                    d,
                    Found::Missing {
                        object: pointer,
                        key,
                    },
                ));
            }
            ValidationErrorKind::Type { kind } => {
                let expected = expected_types(kind);
                let d = self
                    .at_value(
                        &pointer,
                        format!(
                            "wrong type for {}: expected {expected}, found {found}",
                            self.field(&pointer)
                        ),
                    )
                    .with_hint_opt(type_hint(kind, instance));
                out.push((d, Found::Other));
            }
            ValidationErrorKind::Enum { .. }
            | ValidationErrorKind::OneOfNotValid { .. }
            | ValidationErrorKind::AnyOf { .. } => self.alternatives(error, out),
            ValidationErrorKind::Constant { expected_value } => {
                let d = self.at_value(
                    &pointer,
                    format!(
                        "invalid value for {}: expected `{}`",
                        self.field(&pointer),
                        plain(expected_value)
                    ),
                );
                out.push((d, Found::Other));
            }
            ValidationErrorKind::Maximum { limit }
            | ValidationErrorKind::ExclusiveMaximum { limit } => {
                let d = self
                    .at_value(
                        &pointer,
                        format!(
                            "{} is too large: {instance} is over the limit of {limit}",
                            self.field(&pointer)
                        ),
                    )
                    .with_hint(format!("use a number no greater than {limit}"));
                out.push((d, Found::Other));
            }
            ValidationErrorKind::Minimum { limit }
            | ValidationErrorKind::ExclusiveMinimum { limit } => {
                let d = self
                    .at_value(
                        &pointer,
                        format!(
                            "{} is too small: {instance} is under the minimum of {limit}",
                            self.field(&pointer)
                        ),
                    )
                    .with_hint(format!("use a number no less than {limit}"));
                out.push((d, Found::Other));
            }
            ValidationErrorKind::Format { format } => {
                let d = self.at_value(
                    &pointer,
                    format!(
                        "{} is not a valid {format}: {instance}",
                        self.field(&pointer)
                    ),
                );
                out.push((d, Found::Other));
            }
            _ => {
                let d = self.at_value(
                    &pointer,
                    format!("invalid value for {}: {error}", self.field(&pointer)),
                );
                out.push((d, Found::Other));
            }
        }
    }

    /// An enumeration, or a choice between schemas (`Option<T>` is `T` or null).
    fn alternatives(&self, error: &ValidationError<'_>, out: &mut Vec<(Diagnostic, Found)>) {
        let pointer = error.instance_path().as_str();
        let instance = error.instance();
        let keyword_schema = self.schema_of(error).unwrap_or(&Value::Null);
        if let Some(values) = self.enum_values(keyword_schema) {
            let shown: Vec<&str> = values.iter().map(String::as_str).collect();
            let (message, hint) = match instance.as_ref() {
                Value::String(s) => (
                    format!("invalid value `{s}` for {}", self.field(pointer)),
                    match did_you_mean(s, shown.iter().copied()) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!("expected one of {}", list(&shown, 20)),
                    },
                ),
                other => (
                    format!(
                        "wrong type for {}: expected one of {}, found {}",
                        self.field(pointer),
                        list(&shown, 20),
                        type_name(other)
                    ),
                    hint_for("", &shown, "values"),
                ),
            };
            out.push((
                self.at_value(pointer, message).with_hint(hint),
                Found::Other,
            ));
            return;
        }
        let context = match error.kind() {
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context } => context,
            _ => return,
        };
        // Branches that failed only because the value has another type say nothing useful.
        let type_only = |branch: &Vec<ValidationError<'static>>| {
            branch.iter().all(|e| {
                e.instance_path().as_str() == pointer
                    && matches!(e.kind(), ValidationErrorKind::Type { .. })
            })
        };
        let best = context
            .iter()
            .filter(|b| !b.is_empty() && !type_only(b))
            .min_by_key(|b| b.len());
        match best {
            Some(branch) => branch.iter().for_each(|e| self.translate(e, out)),
            None => {
                let mut expected = Vec::new();
                for e in context.iter().flatten() {
                    if let ValidationErrorKind::Type { kind } = e.kind() {
                        for t in types_of(kind) {
                            if t != JsonType::Null && !expected.contains(&t) {
                                expected.push(t);
                            }
                        }
                    }
                }
                let names: Vec<&str> = expected.iter().map(|t| type_word(*t)).collect();
                let expected = if names.is_empty() {
                    "another value".to_string()
                } else {
                    names.join(" or ")
                };
                let message = format!(
                    "wrong type for {}: expected {expected}, found {}",
                    self.field(pointer),
                    type_name(instance)
                );
                let hint = expected_first(&context.iter().flatten().collect::<Vec<_>>(), instance);
                out.push((
                    self.at_value(pointer, message).with_hint_opt(hint),
                    Found::Other,
                ));
            }
        }
    }
}

fn expected_first(errors: &[&ValidationError<'_>], instance: &Value) -> Option<String> {
    errors.iter().find_map(|e| match e.kind() {
        ValidationErrorKind::Type { kind }
            if !types_of(kind).contains(&JsonType::Null) || types_of(kind).len() > 1 =>
        {
            type_hint(kind, instance)
        }
        _ => None,
    })
}

/// The values of the enumeration `$defs/{name}` of the model's schema, as spelt in files.
pub(crate) fn enum_values(name: &str) -> Vec<String> {
    let Some((schema, _)) = compiled() else {
        return Vec::new();
    };
    let Some(def) = schema.pointer(&format!("/$defs/{}", escape_pointer(name))) else {
        return Vec::new();
    };
    if let Some(values) = def.get("enum").and_then(Value::as_array) {
        return values.iter().map(plain).collect();
    }
    def.get("oneOf")
        .and_then(Value::as_array)
        .map(|b| b.iter().filter_map(|b| b.get("const")).map(plain).collect())
        .unwrap_or_default()
}
