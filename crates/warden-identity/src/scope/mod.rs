//! What a token allows: tools (with argument rules) and data classes.
//!
//! A scope's rights are the **union** of its tool entries: a call is allowed when at least
//! one entry whose pattern matches the tool accepts the arguments. Union semantics keep
//! narrowing monotone: adding an entry can only add rights, so "every child entry is covered
//! by one parent entry" (see [`Scope::check_within`]) proves the child grants nothing new.

mod narrow;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Tools and data classes a token allows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// Tool patterns: `"server.tool"`, `"server.*"` or `"*"`, each with its argument rules.
    pub tools: BTreeMap<String, ToolRule>,
    /// Data classes the bearer may touch.
    pub data_classes: BTreeSet<String>,
}

/// Constraints on a tool call's arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolRule {
    /// Argument name → rule; arguments not named are unconstrained. Empty = any arguments.
    #[serde(default)]
    pub arguments: BTreeMap<String, ArgRule>,
}

/// One argument constraint (mirrors the system model's argument constraints).
///
/// A constrained argument must be present in the call: an absent value cannot be shown to
/// satisfy the rule, so it is refused (fail closed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArgRule {
    /// The value must equal one of these (numbers compare by value: `1` equals `1.0`).
    OneOf(Vec<Value>),
    /// The value must be a string matching this glob, where `*` matches any run of characters.
    Like(String),
    /// The value must be a number no greater than this.
    Max(f64),
}

/// A parsed tool pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern<'a> {
    /// `*`: every tool of every server.
    Any,
    /// `server.*`: every tool of one server.
    Server(&'a str),
    /// `server.tool`: one tool.
    Tool(&'a str, &'a str),
}

impl<'a> Pattern<'a> {
    /// Parse a tool pattern; `None` if it is not one of the three accepted shapes.
    pub(crate) fn parse(p: &'a str) -> Option<Self> {
        if p == "*" {
            return Some(Pattern::Any);
        }
        let (server, tool) = p.split_once('.')?;
        if server.is_empty() || server.contains('*') || tool.is_empty() {
            return None;
        }
        if tool == "*" {
            Some(Pattern::Server(server))
        } else if tool.contains('*') {
            None
        } else {
            Some(Pattern::Tool(server, tool))
        }
    }

    fn matches(self, server: &str, tool: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Server(s) => s == server,
            Pattern::Tool(s, t) => s == server && t == tool,
        }
    }
}

impl Scope {
    /// Check the scope is well-formed: valid tool patterns, finite maxima, non-empty names.
    pub fn validate(&self) -> Result<(), String> {
        for (pattern, rule) in &self.tools {
            if Pattern::parse(pattern).is_none() {
                return Err(format!(
                    "tool pattern `{pattern}` must be `server.tool`, `server.*` or `*`"
                ));
            }
            for (arg, r) in &rule.arguments {
                if arg.is_empty() {
                    return Err(format!("tool `{pattern}` has an empty argument name"));
                }
                if let ArgRule::Max(m) = r
                    && !m.is_finite()
                {
                    return Err(format!(
                        "argument `{arg}` of `{pattern}` has a non-finite max"
                    ));
                }
            }
        }
        if self.data_classes.iter().any(String::is_empty) {
            return Err("empty data class name".into());
        }
        Ok(())
    }

    /// Whether this scope allows calling `server.tool` with `args`; on refusal, which rule.
    pub fn check_call(&self, server: &str, tool: &str, args: &Value) -> Result<(), String> {
        let mut first_failure = None;
        for (pattern, rule) in &self.tools {
            let Some(p) = Pattern::parse(pattern) else {
                continue;
            };
            if !p.matches(server, tool) {
                continue;
            }
            match rule.check_args(args) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first_failure.get_or_insert_with(|| format!("rule `{pattern}`: {e}"));
                }
            }
        }
        Err(first_failure.unwrap_or_else(|| format!("no rule allows tool `{server}.{tool}`")))
    }

    /// Whether this scope allows the data class.
    pub fn allows_data_class(&self, class: &str) -> bool {
        self.data_classes.contains(class)
    }

    /// Check that `self` grants nothing `parent` does not: every tool entry is covered by a
    /// parent entry whose pattern includes it and whose argument rules are at least as
    /// loose, and every data class is the parent's. The error says what would widen.
    pub fn check_within(&self, parent: &Scope) -> Result<(), String> {
        narrow::check_within(self, parent)
    }
}

impl ToolRule {
    /// Check the call's arguments against every rule.
    pub fn check_args(&self, args: &Value) -> Result<(), String> {
        for (name, rule) in &self.arguments {
            let Some(value) = args.get(name) else {
                return Err(format!("argument `{name}` is constrained but absent"));
            };
            if !rule.allows(value) {
                return Err(format!("argument `{name}` is outside {}", rule.describe()));
            }
        }
        Ok(())
    }
}

impl ArgRule {
    /// Whether `value` satisfies the rule.
    pub fn allows(&self, value: &Value) -> bool {
        match self {
            ArgRule::OneOf(values) => values.iter().any(|v| json_eq(v, value)),
            ArgRule::Like(glob) => value.as_str().is_some_and(|s| glob_match(glob, s)),
            ArgRule::Max(max) => value.as_f64().is_some_and(|n| n <= *max),
        }
    }

    fn describe(&self) -> String {
        match self {
            ArgRule::OneOf(_) => "the allowed values".into(),
            ArgRule::Like(glob) => format!("pattern `{glob}`"),
            ArgRule::Max(max) => format!("maximum {max}"),
        }
    }
}

/// JSON equality where numbers compare by value (integers exactly, others as f64).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Glob match where `*` matches any (possibly empty) run of bytes; linear-time backtracking.
pub(crate) fn glob_match(glob: &str, text: &str) -> bool {
    let (p, t) = (glob.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("/tmp/*", "/tmp/a/b"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }

    #[test]
    fn patterns() {
        assert_eq!(Pattern::parse("*"), Some(Pattern::Any));
        assert_eq!(Pattern::parse("fs.*"), Some(Pattern::Server("fs")));
        assert_eq!(
            Pattern::parse("fs.read.x"),
            Some(Pattern::Tool("fs", "read.x"))
        );
        assert_eq!(Pattern::parse("fs"), None);
        assert_eq!(Pattern::parse("*.read"), None);
        assert_eq!(Pattern::parse("fs.re*"), None);
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_eq(&serde_json::json!(1), &serde_json::json!(1.0)));
        assert!(!json_eq(&serde_json::json!(1), &serde_json::json!("1")));
    }
}
