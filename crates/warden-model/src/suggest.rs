//! "Did you mean …?" suggestions and plain-language names for places in the model.

use jsonschema::JsonType;
use jsonschema::error::TypeKind;
use serde_json::Value;

/// The candidate closest to `word`, when one is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let norm = |s: &str| s.to_lowercase().replace('_', "-");
    let w = norm(word);
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let n = norm(c);
        let score = if n == w {
            2.0
        } else {
            strsim::jaro_winkler(&w, &n).max(strsim::normalized_damerau_levenshtein(&w, &n))
        };
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `` `a`, `b` and `c` ``, cut after `max` items.
pub(crate) fn list<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let shown: Vec<String> = items
        .iter()
        .take(max)
        .map(|s| format!("`{}`", s.as_ref()))
        .collect();
    let rest = items.len().saturating_sub(max);
    match (shown.split_last(), rest) {
        (None, _) => String::new(),
        (Some((last, [])), 0) => last.clone(),
        (Some((last, init)), 0) => format!("{} and {last}", init.join(", ")),
        (Some(_), n) => format!("{} and {n} more", shown.join(", ")),
    }
}

/// A hint naming the likely intended candidate, or listing the candidates; `what` names
/// their kind in the plural ("data stores").
pub(crate) fn hint_for(word: &str, candidates: &[&str], what: &str) -> String {
    let mut unique: Vec<&str> = Vec::with_capacity(candidates.len());
    for c in candidates {
        if !unique.contains(c) {
            unique.push(c);
        }
    }
    let candidates = unique.as_slice();
    if let Some(c) = did_you_mean(word, candidates.iter().copied()) {
        format!("did you mean `{c}`?")
    } else if candidates.is_empty() {
        format!("no {what} are declared")
    } else {
        format!("known {what}: {}", list(candidates, 12))
    }
}

/// Split a JSON Pointer into unescaped segments.
pub(crate) fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The singular name of an item of the collection `key`, inside an element of kind `outer`.
fn singular(key: &str, outer: Option<&str>) -> Option<&'static str> {
    Some(match key {
        "zones" => "zone",
        "agents" => "agent",
        "servers" => "server",
        "data_stores" => "data store",
        "humans" => "human",
        "external_sources" => "external source",
        "links" => "link",
        "controls" => "control",
        "accepted_risks" => "accepted risk",
        "oversight" => "oversight rule",
        "tools" if outer == Some("server") => "tool",
        "tools" => "tool grant",
        _ => return None,
    })
}

/// How an item of a collection is named: its id (or tool, action, finding, endpoints).
fn ident(item: Option<&Value>, index: usize) -> String {
    let field = |k: &str| item.and_then(|i| i.get(k)).and_then(Value::as_str);
    if let Some(id) = ["id", "tool", "action", "finding"]
        .iter()
        .find_map(|k| field(k))
    {
        format!("`{id}`")
    } else if let (Some(from), Some(to)) = (field("from"), field("to")) {
        format!("`{from}` → `{to}`")
    } else {
        format!("#{}", index + 1)
    }
}

/// A plain-language name for the place `pointer` in `root`: "agent `triage`",
/// "`memory` of agent `triage`", "tool `search` of server `web`", "the top level".
pub(crate) fn describe(root: &Value, pointer: &str) -> String {
    let mut element: Option<String> = None;
    let mut outer_kind: Option<&'static str> = None;
    let mut path: Vec<String> = Vec::new();
    let mut value = Some(root);
    for seg in segments(pointer) {
        let in_array = matches!(value, Some(Value::Array(_)));
        let next = match value {
            Some(Value::Array(items)) => seg.parse::<usize>().ok().and_then(|n| items.get(n)),
            Some(Value::Object(obj)) => obj.get(&seg),
            _ => None,
        };
        let index = seg.parse::<usize>().ok().filter(|_| in_array);
        let kind = path.last().and_then(|k| singular(k, outer_kind));
        match (index, kind) {
            (Some(n), Some(kind)) => {
                let name = format!("{kind} {}", ident(next, n));
                element = Some(match element {
                    Some(outer) if path.len() == 1 => format!("{name} of {outer}"),
                    Some(outer) => {
                        path.pop();
                        format!("{name} in `{}` of {outer}", path.join("."))
                    }
                    None => name,
                });
                outer_kind = Some(kind);
                path.clear();
            }
            (Some(n), None) => match path.last_mut() {
                Some(last) => last.push_str(&format!("[{n}]")),
                None => path.push(format!("[{n}]")),
            },
            (None, _) => path.push(seg),
        }
        value = next;
    }
    match (element, path.is_empty()) {
        (None, true) => "the top level".to_string(),
        (None, false) => format!("`{}`", path.join(".")),
        (Some(e), true) => e,
        (Some(e), false) => format!("`{}` of {e}", path.join(".")),
    }
}

/// A JSON value as it would be written: strings bare, anything else as JSON.
pub(crate) fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn types_of(kind: &TypeKind) -> Vec<JsonType> {
    match kind {
        TypeKind::Single(t) => vec![*t],
        TypeKind::Multiple(set) => set.iter().collect(),
    }
}

pub(crate) fn type_word(t: JsonType) -> &'static str {
    match t {
        JsonType::Array => "a list",
        JsonType::Boolean => "`true` or `false`",
        JsonType::Integer => "a whole number",
        JsonType::Null => "nothing (null)",
        JsonType::Number => "a number",
        JsonType::Object => "a mapping",
        JsonType::String => "a string",
    }
}

/// "a list", "a string" — leaving out null, which only means the key may be omitted.
pub(crate) fn expected_types(kind: &TypeKind) -> String {
    let all = types_of(kind);
    let wanted: Vec<&str> = all
        .iter()
        .filter(|t| **t != JsonType::Null || all.len() == 1)
        .map(|t| type_word(*t))
        .collect();
    wanted.join(" or ")
}

pub(crate) fn type_hint(kind: &TypeKind, instance: &Value) -> Option<String> {
    let types = types_of(kind);
    let main = types.iter().find(|t| **t != JsonType::Null).copied()?;
    Some(match (main, instance) {
        (JsonType::String, Value::Number(_) | Value::Bool(_)) => {
            format!("put it in quotes to make it a string: \"{instance}\"")
        }
        (JsonType::String, _) => "write a single text value".into(),
        (JsonType::Array, Value::String(s)) => {
            format!("write a list, e.g. `[{s}]`, or one `- item` per line")
        }
        (JsonType::Array, _) => "write a list: one `- item` per line, or `[a, b]`".into(),
        (JsonType::Object, _) => {
            "write a mapping: `key: value` pairs, indented under the key".into()
        }
        (JsonType::Boolean, _) => "write `true` or `false` (without quotes)".into(),
        (JsonType::Integer, _) => "write a whole number (without quotes)".into(),
        (JsonType::Number, _) => "write a number (without quotes)".into(),
        (JsonType::Null, _) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("ownr", ["owner", "name"]), Some("owner"));
        assert_eq!(did_you_mean("xyz", ["owner", "name"]), None);
        assert_eq!(
            did_you_mean("Long_Term", ["long-term", "none"]),
            Some("long-term")
        );
        assert_eq!(list(&["a", "b", "c"], 5), "`a`, `b` and `c`");
        assert_eq!(list(&["a", "b", "c"], 2), "`a`, `b` and 1 more");
    }

    #[test]
    fn descriptions() {
        let v = json!({"agents": [{"id": "triage", "memory": {}, "tools": [{"tool": "a.b"}]}],
            "servers": [{"id": "web", "tools": [{"id": "search"}]}], "system": {}});
        assert_eq!(describe(&v, ""), "the top level");
        assert_eq!(describe(&v, "/system"), "`system`");
        assert_eq!(describe(&v, "/agents/0"), "agent `triage`");
        assert_eq!(
            describe(&v, "/agents/0/memory"),
            "`memory` of agent `triage`"
        );
        assert_eq!(
            describe(&v, "/agents/0/tools/0"),
            "tool grant `a.b` of agent `triage`"
        );
        assert_eq!(
            describe(&v, "/servers/0/tools/0"),
            "tool `search` of server `web`"
        );
        assert_eq!(describe(&v, "/agents/0/tools"), "`tools` of agent `triage`");
        assert_eq!(describe(&v, "/agents/3"), "agent #4");
    }
}
