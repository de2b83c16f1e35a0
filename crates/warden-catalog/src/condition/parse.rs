//! Parsing conditions from their JSON form, reporting every problem with its JSON Pointer.

use super::{Condition, FieldPath, FieldTest, OPERATORS, Op};
use crate::issue::{Issue, escape};
use serde_json::{Map, Value};

pub(super) fn parse_into(
    value: &Value,
    pointer: &str,
    issues: &mut Vec<Issue>,
) -> Option<Condition> {
    let Value::Object(m) = value else {
        issues.push(Issue::at(
            pointer,
            "a condition must be a mapping: `all`, `any`, `not` or `field` with one operator",
        ));
        return None;
    };
    for combinator in ["all", "any", "not"] {
        if let Some(inner) = m.get(combinator) {
            for k in m.keys().filter(|k| k.as_str() != combinator) {
                issues.push(Issue::key(
                    &format!("{pointer}/{}", escape(k)),
                    format!("`{k}` cannot stand beside `{combinator}`; nest it inside instead"),
                ));
            }
            let here = format!("{pointer}/{combinator}");
            if combinator == "not" {
                return parse_into(inner, &here, issues).map(|c| Condition::Not(Box::new(c)));
            }
            let Value::Array(items) = inner else {
                issues.push(Issue::at(
                    &here,
                    format!("`{combinator}` takes a list of conditions"),
                ));
                return None;
            };
            if items.is_empty() {
                issues.push(Issue::at(
                    &here,
                    format!("`{combinator}` needs at least one condition"),
                ));
                return None;
            }
            let parsed: Vec<Option<Condition>> = items
                .iter()
                .enumerate()
                .map(|(i, item)| parse_into(item, &format!("{here}/{i}"), issues))
                .collect();
            let parsed: Option<Vec<Condition>> = parsed.into_iter().collect();
            return parsed.map(|cs| {
                if combinator == "all" {
                    Condition::All(cs)
                } else {
                    Condition::Any(cs)
                }
            });
        }
    }
    parse_field(m, pointer, issues)
}

fn parse_field(
    m: &Map<String, Value>,
    pointer: &str,
    issues: &mut Vec<Issue>,
) -> Option<Condition> {
    let before = issues.len();
    let path = match m.get("field") {
        Some(Value::String(s)) => match FieldPath::parse(s) {
            Ok(p) => Some(p),
            Err(e) => {
                issues.push(Issue::at(&format!("{pointer}/field"), e));
                None
            }
        },
        Some(_) => {
            issues.push(Issue::at(
                &format!("{pointer}/field"),
                "`field` must be a string path",
            ));
            None
        }
        None => {
            issues.push(Issue::at(
                pointer,
                "a condition needs `all`, `any`, `not`, or `field` with one operator",
            ));
            None
        }
    };
    let mut ops = Vec::new();
    for (k, v) in m {
        let here = format!("{pointer}/{}", escape(k));
        if k == "field" {
            continue;
        }
        if !OPERATORS.contains(&k.as_str()) {
            issues.push(Issue::key(
                &here,
                format!(
                    "unknown key `{k}` in a condition (operators: {})",
                    OPERATORS.join(", ")
                ),
            ));
            continue;
        }
        if let Some(op) = parse_op(k, v, &here, issues) {
            ops.push((here, op));
        }
    }
    if path.is_some() && ops.is_empty() && issues.len() == before {
        issues.push(Issue::at(
            pointer,
            format!(
                "the field test needs one operator ({})",
                OPERATORS.join(", ")
            ),
        ));
    }
    if ops.len() > 1 {
        for (here, op) in &ops[1..] {
            issues.push(Issue::key(
                here,
                format!(
                    "a field test takes exactly one operator, but `{}` follows `{}`; combine tests with `all`",
                    op.name(),
                    ops[0].1.name()
                ),
            ));
        }
    }
    match (path, ops.len()) {
        (Some(path), 1) if issues.len() == before => {
            let op = ops.pop().map(|(_, op)| op)?;
            Some(Condition::Field(FieldTest { path, op }))
        }
        _ => None,
    }
}

fn parse_op(name: &str, v: &Value, here: &str, issues: &mut Vec<Issue>) -> Option<Op> {
    let mut fail = |msg: String| {
        issues.push(Issue::at(here, msg));
        None
    };
    match name {
        "equals" | "not_equals" | "contains" => {
            if v.is_null() {
                return fail(format!(
                    "`{name}` needs a value; to test for a missing field use `exists: false` or `empty: true`"
                ));
            }
            Some(match name {
                "equals" => Op::Equals(v.clone()),
                "not_equals" => Op::NotEquals(v.clone()),
                _ => Op::Contains(v.clone()),
            })
        }
        "in" | "contains_any" => match v {
            Value::Array(items) if !items.is_empty() && items.iter().all(|i| !i.is_null()) => {
                Some(if name == "in" {
                    Op::In(items.clone())
                } else {
                    Op::ContainsAny(items.clone())
                })
            }
            _ => fail(format!(
                "`{name}` takes a non-empty list of values (no nulls)"
            )),
        },
        "exists" | "empty" => match v {
            Value::Bool(b) => Some(if name == "exists" {
                Op::Exists(*b)
            } else {
                Op::Empty(*b)
            }),
            _ => fail(format!("`{name}` takes true or false")),
        },
        "gt" | "gte" | "lt" | "lte" => match v.as_f64() {
            Some(n) => Some(match name {
                "gt" => Op::Gt(n),
                "gte" => Op::Gte(n),
                "lt" => Op::Lt(n),
                _ => Op::Lte(n),
            }),
            None => fail(format!("`{name}` takes a number")),
        },
        "count_gte" | "count_lte" => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => Some(if name == "count_gte" {
                Op::CountGte(n)
            } else {
                Op::CountLte(n)
            }),
            None => fail(format!("`{name}` takes a whole number, 0 or more")),
        },
        "matches" => match v {
            Value::String(s) => Some(Op::Matches(s.clone())),
            _ => fail("`matches` takes a glob string such as `*.delete_*`".into()),
        },
        _ => fail(format!("unknown operator `{name}`")),
    }
}
