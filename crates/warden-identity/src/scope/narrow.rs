//! Scope containment: does a child scope grant only what its parent grants?
//!
//! The check is sound (never accepts a widening) and slightly conservative: a child entry
//! must be covered by a *single* parent entry, even if the union of several would cover it.

use super::{ArgRule, Pattern, Scope, ToolRule, glob_match, json_eq};

pub(super) fn check_within(child: &Scope, parent: &Scope) -> Result<(), String> {
    'entries: for (child_pattern, child_rule) in &child.tools {
        let Some(cp) = Pattern::parse(child_pattern) else {
            return Err(format!("tool pattern `{child_pattern}` is invalid"));
        };
        let mut reason = None;
        for (parent_pattern, parent_rule) in &parent.tools {
            let Some(pp) = Pattern::parse(parent_pattern) else {
                continue;
            };
            if !covers(pp, cp) {
                continue;
            }
            match rule_within(child_rule, parent_rule) {
                Ok(()) => continue 'entries,
                Err(e) => {
                    reason.get_or_insert_with(|| {
                        format!("tool `{child_pattern}` (parent rule `{parent_pattern}`): {e}")
                    });
                }
            }
        }
        return Err(
            reason.unwrap_or_else(|| format!("tool `{child_pattern}` is not in the parent scope"))
        );
    }
    if let Some(class) = child
        .data_classes
        .iter()
        .find(|c| !parent.data_classes.contains(*c))
    {
        return Err(format!("data class `{class}` is not in the parent scope"));
    }
    Ok(())
}

/// Whether every tool the child pattern names is named by the parent pattern.
fn covers(parent: Pattern<'_>, child: Pattern<'_>) -> bool {
    match (parent, child) {
        (Pattern::Any, _) => true,
        (Pattern::Server(p), Pattern::Server(c) | Pattern::Tool(c, _)) => p == c,
        (Pattern::Tool(ps, pt), Pattern::Tool(cs, ct)) => ps == cs && pt == ct,
        _ => false,
    }
}

fn rule_within(child: &ToolRule, parent: &ToolRule) -> Result<(), String> {
    for (arg, parent_rule) in &parent.arguments {
        let Some(child_rule) = child.arguments.get(arg) else {
            return Err(format!(
                "argument `{arg}` has no rule, but the parent constrains it"
            ));
        };
        arg_within(child_rule, parent_rule).map_err(|e| format!("argument `{arg}`: {e}"))?;
    }
    Ok(())
}

fn arg_within(child: &ArgRule, parent: &ArgRule) -> Result<(), String> {
    match (child, parent) {
        (ArgRule::OneOf(values), ArgRule::OneOf(allowed)) => {
            match values
                .iter()
                .find(|v| !allowed.iter().any(|a| json_eq(a, v)))
            {
                None => Ok(()),
                Some(v) => Err(format!("value {v} is not among the parent's values")),
            }
        }
        (ArgRule::OneOf(values), ArgRule::Max(max)) => {
            match values
                .iter()
                .find(|v| !v.as_f64().is_some_and(|n| n <= *max))
            {
                None => Ok(()),
                Some(v) => Err(format!("value {v} exceeds the parent's maximum {max}")),
            }
        }
        (ArgRule::OneOf(values), ArgRule::Like(glob)) => {
            match values
                .iter()
                .find(|v| !v.as_str().is_some_and(|s| glob_match(glob, s)))
            {
                None => Ok(()),
                Some(v) => Err(format!("value {v} does not match the parent's `{glob}`")),
            }
        }
        (ArgRule::Max(m), ArgRule::Max(max)) if m <= max => Ok(()),
        (ArgRule::Max(m), ArgRule::Max(max)) => {
            Err(format!("maximum {m} is above the parent's maximum {max}"))
        }
        (ArgRule::Like(g), ArgRule::Like(glob)) if g == glob => Ok(()),
        (ArgRule::Like(g), ArgRule::Like(glob)) => Err(format!(
            "pattern `{g}` differs from the parent's `{glob}` (only identical patterns or explicit values narrow a pattern)"
        )),
        (c, p) => Err(format!(
            "a {} rule cannot narrow the parent's {} rule",
            kind(c),
            kind(p)
        )),
    }
}

fn kind(rule: &ArgRule) -> &'static str {
    match rule {
        ArgRule::OneOf(_) => "one_of",
        ArgRule::Like(_) => "like",
        ArgRule::Max(_) => "max",
    }
}
