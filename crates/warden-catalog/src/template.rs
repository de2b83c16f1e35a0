//! Description templates: `{field.path}` placeholders filled from a facts object.

use crate::condition::FieldPath;
use crate::issue::Issue;
use serde_json::Value;

/// What a placeholder renders as when its field is missing or null.
pub const MISSING: &str = "(not set)";

/// Fill `{field.path}` placeholders of `template` from `facts` (see [`crate::Rule::render`]).
pub fn render(template: &str, facts: &Value) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let Some(stripped) = tail.strip_prefix('{') {
            match stripped.find('}') {
                Some(end) => {
                    let key = &stripped[..end];
                    match FieldPath::parse(key.trim()) {
                        Ok(p) => push_value(&mut out, p.resolve(facts)),
                        Err(_) => {
                            out.push('{');
                            out.push_str(key);
                            out.push('}');
                        }
                    }
                    rest = &stripped[end + 1..];
                }
                None => {
                    out.push_str(tail);
                    rest = "";
                }
            }
        } else {
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn push_value(out: &mut String, v: Option<&Value>) {
    match v {
        None => out.push_str(MISSING),
        Some(Value::String(s)) => out.push_str(s),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match item {
                    Value::String(s) => out.push_str(s),
                    other => out.push_str(&other.to_string()),
                }
            }
        }
        Some(other) => out.push_str(&other.to_string()),
    }
}

/// Check that every `{…}` of a template holds a valid field path and braces balance.
pub(crate) fn check_template(t: &str, pointer: &str, issues: &mut Vec<Issue>) {
    let mut rest = t;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
        } else if let Some(stripped) = tail.strip_prefix('{') {
            let Some(end) = stripped.find('}') else {
                issues.push(Issue::at(
                    pointer,
                    "unclosed `{` in template; write `{{` for a literal brace",
                ));
                return;
            };
            if let Err(e) = FieldPath::parse(stripped[..end].trim()) {
                issues.push(Issue::at(
                    pointer,
                    format!("bad placeholder in template: {e}"),
                ));
            }
            rest = &stripped[end + 1..];
        } else {
            issues.push(Issue::at(
                pointer,
                "unmatched `}` in template; write `}}` for a literal brace",
            ));
            rest = &tail[1..];
        }
    }
}
