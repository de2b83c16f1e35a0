//! The condition language of rules: `all`, `any`, `not` and field tests, parsed once (field
//! paths pre-split) and evaluated against a JSON "facts" object without allocating.
//!
//! A field that is absent, or present with the value `null`, is *missing*. Each operator's
//! answer for a missing field is fixed (see [`Op`]) and documented in `docs/catalog.md`.

use crate::issue::Issue;

mod parse;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// A boolean test over a facts object.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// True when every member holds.
    All(Vec<Condition>),
    /// True when at least one member holds.
    Any(Vec<Condition>),
    /// True when the inner condition does not hold.
    Not(Box<Condition>),
    /// A test of one field.
    Field(FieldTest),
}

/// One field test: a path and an operator.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldTest {
    /// The field.
    pub path: FieldPath,
    /// What is tested.
    pub op: Op,
}

/// A dotted field path (`limits.max_steps`, `tools.0.tool`), split once at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    raw: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    key: String,
    index: Option<usize>,
}

impl FieldPath {
    /// Parse `a.b.0.c`; every segment must be non-empty.
    pub fn parse(raw: &str) -> Result<FieldPath, String> {
        if raw.is_empty() {
            return Err("a field path must not be empty".into());
        }
        let mut segments = Vec::new();
        for part in raw.split('.') {
            if part.is_empty() {
                return Err(format!("field path `{raw}` has an empty segment"));
            }
            if part
                .chars()
                .any(|c| c.is_whitespace() || c == '{' || c == '}')
            {
                return Err(format!(
                    "field path `{raw}` contains whitespace or braces; use dotted names such as `limits.max_steps`"
                ));
            }
            segments.push(Segment {
                key: part.to_string(),
                index: part.parse().ok(),
            });
        }
        Ok(FieldPath {
            raw: raw.to_string(),
            segments,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The value at this path, or `None` when it is missing (absent or `null`). A numeric
    /// segment indexes an array, or names a key of a mapping.
    pub fn resolve<'a>(&self, facts: &'a Value) -> Option<&'a Value> {
        let mut v = facts;
        for seg in &self.segments {
            v = match v {
                Value::Object(m) => m.get(seg.key.as_str())?,
                Value::Array(a) => a.get(seg.index?)?,
                _ => return None,
            };
        }
        if v.is_null() { None } else { Some(v) }
    }
}

/// The operator of a field test, with its operand. "Missing" means absent or `null`.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Equal to the value (numbers compare by value: `1` equals `1.0`). Missing → false.
    Equals(Value),
    /// Not equal to the value. Missing → true.
    NotEquals(Value),
    /// Equal to one of the values. Missing → false.
    In(Vec<Value>),
    /// An array has an equal element; a string has the substring; a mapping has the key.
    /// Missing → false.
    Contains(Value),
    /// `contains` holds for at least one of the values. Missing → false.
    ContainsAny(Vec<Value>),
    /// `true`: present and not null; `false`: missing.
    Exists(bool),
    /// `true`: missing, `""`, `[]` or `{}`; `false`: anything else.
    Empty(bool),
    /// A number greater than the operand. Missing or not a number → false.
    Gt(f64),
    /// A number greater than or equal to the operand. Missing or not a number → false.
    Gte(f64),
    /// A number less than the operand. Missing or not a number → false.
    Lt(f64),
    /// A number less than or equal to the operand. Missing or not a number → false.
    Lte(f64),
    /// An array with at least this many elements. Missing counts as `[]`; other types → false.
    CountGte(usize),
    /// An array with at most this many elements. Missing counts as `[]`; other types → false.
    CountLte(usize),
    /// A string matching the glob (`*` matches any run of characters, case-sensitive).
    /// Missing or not a string → false.
    Matches(String),
}

/// Every operator name a field test may use.
pub const OPERATORS: [&str; 14] = [
    "equals",
    "not_equals",
    "in",
    "contains",
    "contains_any",
    "exists",
    "empty",
    "gt",
    "gte",
    "lt",
    "lte",
    "count_gte",
    "count_lte",
    "matches",
];

impl Op {
    /// The operator's name in files.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Equals(_) => "equals",
            Op::NotEquals(_) => "not_equals",
            Op::In(_) => "in",
            Op::Contains(_) => "contains",
            Op::ContainsAny(_) => "contains_any",
            Op::Exists(_) => "exists",
            Op::Empty(_) => "empty",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::CountGte(_) => "count_gte",
            Op::CountLte(_) => "count_lte",
            Op::Matches(_) => "matches",
        }
    }

    /// The operand as a JSON value (as it would be written in a file).
    pub fn operand(&self) -> Value {
        match self {
            Op::Equals(v) | Op::NotEquals(v) | Op::Contains(v) => v.clone(),
            Op::In(vs) | Op::ContainsAny(vs) => Value::Array(vs.clone()),
            Op::Exists(b) | Op::Empty(b) => Value::Bool(*b),
            Op::Gt(n) | Op::Gte(n) | Op::Lt(n) | Op::Lte(n) => number(*n),
            Op::CountGte(n) | Op::CountLte(n) => Value::from(*n as u64),
            Op::Matches(s) => Value::String(s.clone()),
        }
    }

    fn eval(&self, v: Option<&Value>) -> bool {
        match self {
            Op::Equals(x) => v.is_some_and(|v| same(v, x)),
            Op::NotEquals(x) => !v.is_some_and(|v| same(v, x)),
            Op::In(xs) => v.is_some_and(|v| xs.iter().any(|x| same(v, x))),
            Op::Contains(x) => v.is_some_and(|v| contains(v, x)),
            Op::ContainsAny(xs) => v.is_some_and(|v| xs.iter().any(|x| contains(v, x))),
            Op::Exists(want) => v.is_some() == *want,
            Op::Empty(want) => is_empty(v) == *want,
            Op::Gt(n) => num(v).is_some_and(|x| x > *n),
            Op::Gte(n) => num(v).is_some_and(|x| x >= *n),
            Op::Lt(n) => num(v).is_some_and(|x| x < *n),
            Op::Lte(n) => num(v).is_some_and(|x| x <= *n),
            Op::CountGte(n) => count(v).is_some_and(|c| c >= *n),
            Op::CountLte(n) => count(v).is_some_and(|c| c <= *n),
            Op::Matches(p) => {
                matches!(v, Some(Value::String(s)) if glob(p.as_bytes(), s.as_bytes()))
            }
        }
    }
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match haystack {
        Value::Array(items) => items.iter().any(|i| same(i, needle)),
        Value::String(s) => matches!(needle, Value::String(n) if s.contains(n.as_str())),
        Value::Object(m) => matches!(needle, Value::String(n) if m.contains_key(n.as_str())),
        _ => false,
    }
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        Some(_) => false,
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn count(v: Option<&Value>) -> Option<usize> {
    match v {
        None => Some(0),
        Some(Value::Array(a)) => Some(a.len()),
        Some(_) => None,
    }
}

/// Glob match where `*` matches any run of bytes (including none); everything else is literal.
pub(crate) fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<usize> = None;
    let mut resume = 0;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            p += 1;
            resume = t;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            t = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

impl Condition {
    /// Whether the condition holds for `facts`. Pure; never panics; does not allocate.
    pub fn eval(&self, facts: &Value) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.eval(facts)),
            Condition::Any(cs) => cs.iter().any(|c| c.eval(facts)),
            Condition::Not(c) => !c.eval(facts),
            Condition::Field(t) => t.op.eval(t.path.resolve(facts)),
        }
    }

    /// Parse a condition from its JSON form. `pointer` is the JSON Pointer of `value` in
    /// its file, used to locate problems; every problem found is reported.
    pub fn parse(value: &Value, pointer: &str) -> Result<Condition, Vec<Issue>> {
        let mut issues = Vec::new();
        let c = parse::parse_into(value, pointer, &mut issues);
        match c {
            Some(c) if issues.is_empty() => Ok(c),
            _ => Err(issues),
        }
    }

    /// The JSON form of the condition, as it would be written in a file.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        match self {
            Condition::All(cs) => {
                m.insert("all".into(), cs.iter().map(Condition::to_value).collect());
            }
            Condition::Any(cs) => {
                m.insert("any".into(), cs.iter().map(Condition::to_value).collect());
            }
            Condition::Not(c) => {
                m.insert("not".into(), c.to_value());
            }
            Condition::Field(t) => {
                m.insert("field".into(), Value::String(t.path.raw.clone()));
                m.insert(t.op.name().into(), t.op.operand());
            }
        }
        Value::Object(m)
    }

    /// The field paths the condition reads, in order of appearance.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().for_each(|c| c.collect_fields(out))
            }
            Condition::Not(c) => c.collect_fields(out),
            Condition::Field(t) => out.push(t.path.as_str()),
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Condition::parse(&v, "").map_err(|issues| {
            let msgs: Vec<String> = issues.iter().map(Issue::to_string).collect();
            serde::de::Error::custom(msgs.join("; "))
        })
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                let sep = if matches!(self, Condition::All(_)) {
                    " and "
                } else {
                    " or "
                };
                f.write_str("(")?;
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str(")")
            }
            Condition::Not(c) => write!(f, "not {c}"),
            Condition::Field(t) => {
                let p = t.path.as_str();
                match &t.op {
                    Op::Exists(true) => write!(f, "{p} exists"),
                    Op::Exists(false) => write!(f, "{p} missing"),
                    Op::Empty(true) => write!(f, "{p} empty"),
                    Op::Empty(false) => write!(f, "{p} not empty"),
                    op => write!(f, "{p} {} {}", op.name(), op.operand()),
                }
            }
        }
    }
}
