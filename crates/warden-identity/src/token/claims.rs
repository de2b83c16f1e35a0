//! Warden's claims as Biscuit facts, both ways.
//!
//! Authority block (signed by the root key):
//! `warden_token(1)`, `token_id(hex)`, `agent(id)`, `owner(id)`, `subject(id)`,
//! `token_audience(aud)`, `issued_at(ms)`, `expires_at(ms)`, `max_depth(n)`,
//! `tool(pattern, rule_json)` per tool entry, `data_class(name)` per class, and the checks
//! `check if time($t), $t <= <expiry>` and `check if audience(<aud>)` (the authorizer supplies
//! `time` and `audience`), so plain Biscuit tooling enforces expiry and audience too.
//!
//! Delegation block (appended offline by the holder): `delegate(id)`, `tool(…)`,
//! `data_class(…)`, `expires_at(ms)`, `remaining_depth(n)` and the time check.

use std::collections::HashMap;

use biscuit_auth::builder::{BlockBuilder, Term as BTerm, fact, int, string};

use super::parse::{RawFact, Term};
use crate::error::TokenError;
use crate::scope::{Scope, ToolRule};

const VERSION: i64 = 1;

/// Claims of the authority block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AuthorityClaims {
    pub(crate) token_id: String,
    pub(crate) agent: String,
    pub(crate) owner: String,
    pub(crate) subject: String,
    pub(crate) audience: String,
    pub(crate) issued_at_ms: i64,
    pub(crate) expires_at_ms: i64,
    pub(crate) max_depth: u8,
    pub(crate) scope: Scope,
}

/// Claims of one delegation block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DelegationClaims {
    pub(crate) delegate: String,
    pub(crate) scope: Scope,
    pub(crate) expires_at_ms: i64,
    pub(crate) remaining_depth: u8,
}

fn build_err(e: biscuit_auth::error::Token) -> TokenError {
    TokenError::Build(e.to_string())
}

fn time_check(block: BlockBuilder, expires_at_ms: i64) -> Result<BlockBuilder, TokenError> {
    let secs = u64::try_from(expires_at_ms.div_euclid(1000)).unwrap_or(0);
    let params = HashMap::from([("exp".to_string(), BTerm::Date(secs))]);
    block
        .code_with_params("check if time($t), $t <= {exp}", params, HashMap::new())
        .map_err(build_err)
}

fn scope_facts(mut block: BlockBuilder, scope: &Scope) -> Result<BlockBuilder, TokenError> {
    for (pattern, rule) in &scope.tools {
        let json = serde_json::to_string(rule).map_err(|e| TokenError::Build(e.to_string()))?;
        block = block
            .fact(fact("tool", &[string(pattern), string(&json)]))
            .map_err(build_err)?;
    }
    for class in &scope.data_classes {
        block = block
            .fact(fact("data_class", &[string(class)]))
            .map_err(build_err)?;
    }
    Ok(block)
}

/// The authority block's facts and checks.
pub(crate) fn authority_block(c: &AuthorityClaims) -> Result<BlockBuilder, TokenError> {
    let facts = [
        fact("warden_token", &[int(VERSION)]),
        fact("token_id", &[string(&c.token_id)]),
        fact("agent", &[string(&c.agent)]),
        fact("owner", &[string(&c.owner)]),
        fact("subject", &[string(&c.subject)]),
        fact("token_audience", &[string(&c.audience)]),
        fact("issued_at", &[int(c.issued_at_ms)]),
        fact("expires_at", &[int(c.expires_at_ms)]),
        fact("max_depth", &[int(i64::from(c.max_depth))]),
    ];
    let mut block = BlockBuilder::new();
    for f in facts {
        block = block.fact(f).map_err(build_err)?;
    }
    block = scope_facts(block, &c.scope)?;
    block = time_check(block, c.expires_at_ms)?;
    let params = HashMap::from([("aud".to_string(), string(&c.audience))]);
    block
        .code_with_params("check if audience({aud})", params, HashMap::new())
        .map_err(build_err)
}

/// A delegation block's facts and check.
pub(crate) fn delegation_block(c: &DelegationClaims) -> Result<BlockBuilder, TokenError> {
    let block = BlockBuilder::new()
        .fact(fact("delegate", &[string(&c.delegate)]))
        .and_then(|b| b.fact(fact("expires_at", &[int(c.expires_at_ms)])))
        .and_then(|b| {
            b.fact(fact(
                "remaining_depth",
                &[int(i64::from(c.remaining_depth))],
            ))
        })
        .map_err(build_err)?;
    let block = scope_facts(block, &c.scope)?;
    time_check(block, c.expires_at_ms)
}

/// Facts of one block, with helpers that enforce "exactly one value of the right type".
struct View<'a> {
    index: usize,
    facts: &'a [RawFact],
}

impl<'a> View<'a> {
    fn invalid(&self, detail: String) -> TokenError {
        TokenError::InvalidClaim {
            block: self.index,
            detail,
        }
    }

    fn one(&self, name: &str) -> Result<&'a Term, TokenError> {
        let mut found: Option<&Term> = None;
        for terms in self.all(name) {
            let [term] = terms else {
                return Err(self.invalid(format!("`{name}` must have one value")));
            };
            if found.is_some_and(|f| f != term) {
                return Err(self.invalid(format!("conflicting `{name}` values")));
            }
            found = Some(term);
        }
        found.ok_or_else(|| TokenError::MissingClaim(name.to_string()))
    }

    fn all(&self, name: &str) -> Vec<&'a [Term]> {
        self.facts
            .iter()
            .filter(|f| f.name == name)
            .map(|f| f.terms.as_slice())
            .collect()
    }

    fn string(&self, name: &str) -> Result<String, TokenError> {
        match self.one(name)? {
            Term::Str(s) => Ok(s.clone()),
            _ => Err(self.invalid(format!("`{name}` must be a string"))),
        }
    }

    fn int(&self, name: &str) -> Result<i64, TokenError> {
        match self.one(name)? {
            Term::Int(n) => Ok(*n),
            _ => Err(self.invalid(format!("`{name}` must be an integer"))),
        }
    }

    fn depth(&self, name: &str) -> Result<u8, TokenError> {
        let n = self.int(name)?;
        u8::try_from(n).map_err(|_| self.invalid(format!("`{name}` must be between 0 and 255")))
    }

    fn scope(&self) -> Result<Scope, TokenError> {
        let mut scope = Scope::default();
        for terms in self.all("tool") {
            let [Term::Str(pattern), Term::Str(json)] = terms else {
                return Err(self.invalid("`tool` must hold a pattern and a rule".into()));
            };
            let rule: ToolRule = serde_json::from_str(json)
                .map_err(|_| self.invalid(format!("rule of tool `{pattern}` is not valid")))?;
            if let Some(previous) = scope.tools.insert(pattern.clone(), rule)
                && scope.tools.get(pattern) != Some(&previous)
            {
                return Err(self.invalid(format!("conflicting rules for tool `{pattern}`")));
            }
        }
        for terms in self.all("data_class") {
            let [Term::Str(class)] = terms else {
                return Err(self.invalid("`data_class` must hold one string".into()));
            };
            scope.data_classes.insert(class.clone());
        }
        scope.validate().map_err(|e| self.invalid(e))?;
        Ok(scope)
    }
}

/// Read the authority block's claims.
pub(crate) fn read_authority(facts: &[RawFact]) -> Result<AuthorityClaims, TokenError> {
    let v = View { index: 0, facts };
    let version = v.int("warden_token")?;
    if version != VERSION {
        return Err(v.invalid(format!("unsupported Warden token version {version}")));
    }
    Ok(AuthorityClaims {
        token_id: v.string("token_id")?,
        agent: v.string("agent")?,
        owner: v.string("owner")?,
        subject: v.string("subject")?,
        audience: v.string("token_audience")?,
        issued_at_ms: v.int("issued_at")?,
        expires_at_ms: v.int("expires_at")?,
        max_depth: v.depth("max_depth")?,
        scope: v.scope()?,
    })
}

/// Read the claims of delegation block `index`.
pub(crate) fn read_delegation(
    index: usize,
    facts: &[RawFact],
) -> Result<DelegationClaims, TokenError> {
    let v = View { index, facts };
    Ok(DelegationClaims {
        delegate: v.string("delegate")?,
        expires_at_ms: v.int("expires_at")?,
        remaining_depth: v.depth("remaining_depth")?,
        scope: v.scope()?,
    })
}
