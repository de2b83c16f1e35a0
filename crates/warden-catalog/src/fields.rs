//! Small helpers for reading typed fields out of a JSON mapping while recording every
//! problem with its JSON Pointer, and the sets of known ids references are checked against.

use crate::Catalog;
use crate::issue::{Issue, escape};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The ids a file may refer to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    pub threats: BTreeSet<String>,
    pub layers: BTreeSet<String>,
    pub atlas: BTreeSet<String>,
    pub factors: BTreeSet<String>,
    pub asi: BTreeSet<String>,
    pub sources: BTreeSet<String>,
    pub controls: BTreeSet<String>,
}

impl Known {
    /// Everything `catalog` defines.
    pub fn of(catalog: &Catalog) -> Known {
        fn ids<T>(items: &[T], id: impl Fn(&T) -> &String) -> BTreeSet<String> {
            items.iter().map(|i| id(i).clone()).collect()
        }
        Known {
            threats: ids(&catalog.threats, |t| &t.id),
            layers: ids(&catalog.layers, |l| &l.id),
            atlas: ids(&catalog.atlas, |a| &a.id),
            factors: ids(&catalog.factors, |f| &f.id),
            asi: ids(&catalog.asi, |a| &a.id),
            sources: ids(&catalog.sources, |s| &s.id),
            controls: ids(&catalog.controls, |c| &c.id),
        }
    }
}

/// Pointer of `key` under `pointer`.
pub(crate) fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape(key))
}

/// `v` as a mapping, or an issue saying what was expected.
pub(crate) fn object<'a>(
    v: &'a Value,
    pointer: &str,
    what: &str,
    issues: &mut Vec<Issue>,
) -> Option<&'a Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        _ => {
            issues.push(Issue::at(pointer, format!("{what} must be a mapping")));
            None
        }
    }
}

/// Report every key of `m` not in `allowed`.
pub(crate) fn check_keys(
    m: &Map<String, Value>,
    pointer: &str,
    allowed: &[&str],
    what: &str,
    issues: &mut Vec<Issue>,
) {
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            let hint = nearest(k, allowed.iter().copied())
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            issues.push(Issue::key(
                &child(pointer, k),
                format!(
                    "unknown key `{k}` in {what} (allowed: {}){hint}",
                    allowed.join(", ")
                ),
            ));
        }
    }
}

/// A required, non-empty string field.
pub(crate) fn string(
    m: &Map<String, Value>,
    pointer: &str,
    key: &str,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) => {
            issues.push(Issue::at(
                &child(pointer, key),
                format!("`{key}` must not be empty"),
            ));
            None
        }
        Some(_) => {
            issues.push(Issue::at(
                &child(pointer, key),
                format!("`{key}` must be a string"),
            ));
            None
        }
        None => {
            issues.push(Issue::at(pointer, format!("missing required key `{key}`")));
            None
        }
    }
}

/// An optional list of strings (missing means empty).
pub(crate) fn strings(
    m: &Map<String, Value>,
    pointer: &str,
    key: &str,
    issues: &mut Vec<Issue>,
) -> Vec<String> {
    let here = child(pointer, key);
    match m.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
                    _ => issues.push(Issue::at(
                        &format!("{here}/{i}"),
                        format!("entries of `{key}` must be non-empty strings"),
                    )),
                }
            }
            out
        }
        Some(_) => {
            issues.push(Issue::at(
                &here,
                format!("`{key}` must be a list of strings"),
            ));
            Vec::new()
        }
    }
}

/// An integer field within `min..=max`; `None` when missing (reported if `required`).
pub(crate) fn int(
    m: &Map<String, Value>,
    pointer: &str,
    key: &str,
    (min, max): (i64, i64),
    required: bool,
    issues: &mut Vec<Issue>,
) -> Option<i64> {
    match m.get(key) {
        None if required => {
            issues.push(Issue::at(pointer, format!("missing required key `{key}`")));
            None
        }
        None => None,
        Some(v) => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                issues.push(Issue::at(
                    &child(pointer, key),
                    format!("`{key}` must be a whole number from {min} to {max}"),
                ));
                None
            }
        },
    }
}

/// Report each entry of `list` (found at `pointer/key`) that is not in `known`.
pub(crate) fn refs(
    list: &[String],
    pointer: &str,
    key: &str,
    known: &BTreeSet<String>,
    what: &str,
    issues: &mut Vec<Issue>,
) {
    for (i, id) in list.iter().enumerate() {
        if !known.contains(id) {
            let hint = nearest(id, known.iter().map(String::as_str))
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            issues.push(Issue::at(
                &format!("{}/{i}", child(pointer, key)),
                format!("unknown {what} `{id}`{hint}"),
            ));
        }
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// Whether `id` is a usable identifier: letters, digits, `.`, `_` and `-` only.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
