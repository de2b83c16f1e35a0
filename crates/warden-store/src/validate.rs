//! Input checks applied before anything touches the database, so bad input is refused with
//! a clear message and nothing is written.
//!
//! Text that operators will read (ids, names, reasons) must be printable: no control
//! characters (which could forge log lines or drive a terminal) and no invisible or
//! bidirectional formatting characters (which could make one id look like another).

use crate::{Capabilities, IssuedToken, NewAgent, NewRevocation, RevocationKind, StoreError};

/// Longest id (agent, token, control, …) in bytes.
pub const MAX_ID_BYTES: usize = 128;
/// Longest actor or owner name in bytes.
pub const MAX_NAME_BYTES: usize = 256;
/// Longest reason in bytes.
pub const MAX_REASON_BYTES: usize = 1024;
/// Longest free-text field (purpose, display name, model fields, …) in bytes.
pub const MAX_TEXT_BYTES: usize = 4096;
/// Longest Biscuit block revocation id, in hex characters (a 256-byte signature).
pub const MAX_BLOCK_ID_HEX: usize = 512;
/// Most entries in any list field (capabilities, controls, revocation ids).
pub const MAX_LIST_LEN: usize = 1024;

type R = Result<(), StoreError>;

fn bad(msg: String) -> StoreError {
    StoreError::InvalidInput(msg)
}

/// Characters that render as nothing or reorder text.
fn invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Printable text of at most `max` bytes; `multiline` also allows `\n` and `\t`.
fn text(field: &str, v: &str, max: usize, multiline: bool) -> R {
    if v.len() > max {
        return Err(bad(format!(
            "{field} is {} bytes; the limit is {max}",
            v.len()
        )));
    }
    if let Some(c) = v
        .chars()
        .find(|c| (c.is_control() && !(multiline && matches!(c, '\n' | '\t'))) || invisible(*c))
    {
        return Err(bad(format!(
            "{field} contains the non-printable character U+{:04X}",
            c as u32
        )));
    }
    Ok(())
}

/// A required single-line value: non-empty, no surrounding whitespace, printable, ≤ `max`.
fn name(field: &str, v: &str, max: usize) -> R {
    if v.is_empty() {
        return Err(bad(format!("{field} must not be empty")));
    }
    if v.trim() != v {
        return Err(bad(format!(
            "{field} must not start or end with whitespace"
        )));
    }
    text(field, v, max, false)
}

/// An id: non-empty, ≤ [`MAX_ID_BYTES`], printable.
pub(crate) fn id(field: &str, v: &str) -> R {
    name(field, v, MAX_ID_BYTES)
}

/// Who did something: non-empty, ≤ [`MAX_NAME_BYTES`], printable.
pub(crate) fn actor(v: &str) -> R {
    name("actor", v, MAX_NAME_BYTES)
}

/// Why: may be empty, ≤ [`MAX_REASON_BYTES`], printable (newlines and tabs allowed).
pub(crate) fn reason(v: &str) -> R {
    text("reason", v, MAX_REASON_BYTES, true)
}

fn opt_text(field: &str, v: &Option<String>, multiline: bool) -> R {
    v.as_deref()
        .map_or(Ok(()), |v| text(field, v, MAX_TEXT_BYTES, multiline))
}

fn list(field: &str, items: &[String], max: usize) -> R {
    if items.len() > MAX_LIST_LEN {
        return Err(bad(format!(
            "{field} has {} entries; the limit is {MAX_LIST_LEN}",
            items.len()
        )));
    }
    items
        .iter()
        .try_for_each(|i| name(&format!("an entry of {field}"), i, max))
}

fn capabilities(c: &Capabilities) -> R {
    list("capabilities.servers", &c.servers, MAX_ID_BYTES)?;
    list("capabilities.tools", &c.tools, 2 * MAX_ID_BYTES + 1)?;
    list("capabilities.data_classes", &c.data_classes, MAX_ID_BYTES)
}

/// The descriptive fields of an agent.
pub(crate) fn new_agent(a: &NewAgent) -> R {
    id("agent id", &a.id)?;
    name("owner", &a.owner, MAX_NAME_BYTES)?;
    opt_text("display_name", &a.display_name, false)?;
    opt_text("purpose", &a.purpose, true)?;
    opt_text("model_provider", &a.model_provider, false)?;
    opt_text("model_name", &a.model_name, false)?;
    opt_text("model_version", &a.model_version, false)?;
    opt_text("config_hash", &a.config_hash, false)?;
    capabilities(&a.capabilities)?;
    list("controls", &a.controls, MAX_ID_BYTES)
}

/// A Biscuit block revocation id: non-empty even-length hex.
fn block_id(v: &str) -> R {
    if v.is_empty() || v.len() > MAX_BLOCK_ID_HEX || !v.len().is_multiple_of(2) {
        return Err(bad(format!(
            "a block revocation id must be 2 to {MAX_BLOCK_ID_HEX} hex characters, even in number"
        )));
    }
    if !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("a block revocation id must be hex".to_owned()));
    }
    Ok(())
}

/// The value of a revocation of `kind`, normalised (block ids lower-cased).
pub(crate) fn revocation_value(kind: RevocationKind, v: &str) -> Result<String, StoreError> {
    match kind {
        RevocationKind::Agent => id("revoked agent id", v)?,
        RevocationKind::Token => id("revoked token id", v)?,
        RevocationKind::Block => block_id(v)?,
    }
    Ok(match kind {
        RevocationKind::Block => v.to_ascii_lowercase(),
        _ => v.to_owned(),
    })
}

/// A revocation to record; returns its normalised value.
pub(crate) fn new_revocation(r: &NewRevocation) -> Result<String, StoreError> {
    let value = revocation_value(r.kind, &r.value)?;
    reason(&r.reason)?;
    actor(&r.actor)?;
    Ok(value)
}

/// An issued token; returns its revocation ids, normalised.
pub(crate) fn issued_token(t: &IssuedToken) -> Result<Vec<String>, StoreError> {
    id("token id", &t.token_id)?;
    id("agent id", &t.agent_id)?;
    if let Some(p) = &t.parent_token_id {
        id("parent token id", p)?;
    }
    if let Some(d) = &t.delegate {
        id("delegate", d)?;
    }
    if t.expires_at_ms < t.issued_at_ms {
        return Err(bad("a token cannot expire before it is issued".to_owned()));
    }
    if t.revocation_ids.len() > MAX_LIST_LEN {
        return Err(bad(format!(
            "a token has at most {MAX_LIST_LEN} revocation ids"
        )));
    }
    t.revocation_ids
        .iter()
        .map(|r| revocation_value(RevocationKind::Block, r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(id("id", "agent-1").is_ok());
        assert!(id("id", "ägent 1").is_ok());
        assert!(id("id", "").is_err());
        assert!(id("id", " a").is_err());
        assert!(id("id", "a\u{0}b").is_err());
        assert!(id("id", "a\u{202E}b").is_err());
        assert!(id("id", &"x".repeat(MAX_ID_BYTES)).is_ok());
        assert!(id("id", &"x".repeat(MAX_ID_BYTES + 1)).is_err());
        assert!(reason("line one\nline two").is_ok());
        assert!(reason("bell\u{7}").is_err());
    }

    #[test]
    fn block_ids() {
        let v = revocation_value(RevocationKind::Block, "AbCd");
        assert_eq!(v.ok().as_deref(), Some("abcd"));
        assert!(revocation_value(RevocationKind::Block, "abc").is_err());
        assert!(revocation_value(RevocationKind::Block, "zz").is_err());
    }
}
