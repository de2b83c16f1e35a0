//! Field limits of an [`AuditEvent`] and its validation.

use super::canonical::escaped_len;
use super::time::check_time;
use super::{AuditEvent, EventError};

/// Largest encoded entry, in bytes (entries in tlog-tiles bundles have a 16-bit length).
pub const MAX_ENTRY_BYTES: usize = 65535;

/// Longest identifier (agent, subject, delegation actor, policy, request/session/trace id).
pub const MAX_ID_BYTES: usize = 512;
/// Longest operation name.
pub const MAX_OPERATION_BYTES: usize = 256;
/// Longest target.
pub const MAX_TARGET_BYTES: usize = 1024;
/// Longest free text (decision reason, error message).
pub const MAX_TEXT_BYTES: usize = 8192;
/// Longest media type.
pub const MAX_MEDIA_TYPE_BYTES: usize = 255;
/// Most actors in a delegation chain.
pub const MAX_CHAIN: usize = 32;
/// Most policies named by a decision.
pub const MAX_POLICIES: usize = 64;
/// Most payload references.
pub const MAX_REFS: usize = 64;
/// Largest payload size that can be recorded (2^53 − 1, exact in every JSON parser).
pub const MAX_PAYLOAD_SIZE: u64 = (1 << 53) - 1;

impl AuditEvent {
    /// Checks every field against its format and limit, and the encoded size.
    pub(super) fn validate(&self) -> Result<(), EventError> {
        check_time("time", &self.time)?;
        check_nonempty("who.agent", &self.who.agent)?;
        check_len("who.agent", &self.who.agent, MAX_ID_BYTES)?;
        check_len("who.subject", &self.who.subject, MAX_ID_BYTES)?;
        check_count("who.chain", self.who.chain.len(), MAX_CHAIN)?;
        for (i, actor) in self.who.chain.iter().enumerate() {
            check_len(&format!("who.chain[{i}]"), actor, MAX_ID_BYTES)?;
        }
        check_nonempty("what.operation", &self.what.operation)?;
        check_len("what.operation", &self.what.operation, MAX_OPERATION_BYTES)?;
        check_len("what.target", &self.what.target, MAX_TARGET_BYTES)?;
        check_sha256("what.arguments_sha256", &self.what.arguments_sha256)?;
        check_count(
            "decision.policies",
            self.decision.policies.len(),
            MAX_POLICIES,
        )?;
        for (i, p) in self.decision.policies.iter().enumerate() {
            check_len(&format!("decision.policies[{i}]"), p, MAX_ID_BYTES)?;
        }
        check_len("decision.reason", &self.decision.reason, MAX_TEXT_BYTES)?;
        if let Some(h) = &self.outcome.result_sha256 {
            check_sha256("outcome.result_sha256", h)?;
        }
        if let Some(e) = &self.outcome.error {
            check_len("outcome.error", e, MAX_TEXT_BYTES)?;
        }
        check_len(
            "correlation.request_id",
            &self.correlation.request_id,
            MAX_ID_BYTES,
        )?;
        check_len(
            "correlation.session_id",
            &self.correlation.session_id,
            MAX_ID_BYTES,
        )?;
        if let Some(t) = &self.correlation.trace_id {
            check_len("correlation.trace_id", t, MAX_ID_BYTES)?;
        }
        check_count("refs", self.refs.len(), MAX_REFS)?;
        for (i, r) in self.refs.iter().enumerate() {
            check_sha256(&format!("refs[{i}].sha256"), &r.sha256)?;
            let field = format!("refs[{i}].media_type");
            check_nonempty(&field, &r.media_type)?;
            check_len(&field, &r.media_type, MAX_MEDIA_TYPE_BYTES)?;
            if r.media_type
                .chars()
                .any(|c| c.is_control() || c.is_whitespace())
            {
                return Err(EventError::InvalidValue {
                    field,
                    what: "media type contains white space or a control character",
                });
            }
            if r.size > MAX_PAYLOAD_SIZE {
                return Err(EventError::InvalidValue {
                    field: format!("refs[{i}].size"),
                    what: "larger than 2^53 - 1",
                });
            }
        }
        let size = self.encode().len();
        if size > MAX_ENTRY_BYTES {
            return Err(EventError::TooLarge {
                size,
                max: MAX_ENTRY_BYTES,
                largest: Some(self.largest_field()),
            });
        }
        Ok(())
    }

    /// The field whose encoding takes the most room (for error messages).
    fn largest_field(&self) -> String {
        let fields: Vec<(String, usize)> = vec![
            ("who.agent".into(), escaped_len(&self.who.agent)),
            ("who.subject".into(), escaped_len(&self.who.subject)),
            (
                "who.chain".into(),
                self.who.chain.iter().map(|s| escaped_len(s) + 1).sum(),
            ),
            ("what.operation".into(), escaped_len(&self.what.operation)),
            ("what.target".into(), escaped_len(&self.what.target)),
            (
                "decision.policies".into(),
                self.decision
                    .policies
                    .iter()
                    .map(|s| escaped_len(s) + 1)
                    .sum(),
            ),
            ("decision.reason".into(), escaped_len(&self.decision.reason)),
            (
                "outcome.error".into(),
                self.outcome.error.as_deref().map_or(0, escaped_len),
            ),
            (
                "correlation.request_id".into(),
                escaped_len(&self.correlation.request_id),
            ),
            (
                "correlation.session_id".into(),
                escaped_len(&self.correlation.session_id),
            ),
            (
                "correlation.trace_id".into(),
                self.correlation.trace_id.as_deref().map_or(0, escaped_len),
            ),
            (
                "refs".into(),
                self.refs
                    .iter()
                    .map(|r| 120 + escaped_len(&r.media_type))
                    .sum(),
            ),
        ];
        // The first of the largest (max_by_key keeps the last, hence rev()).
        fields
            .into_iter()
            .rev()
            .max_by_key(|f| f.1)
            .map(|f| f.0)
            .unwrap_or_default()
    }
}

fn check_len(field: &str, s: &str, max: usize) -> Result<(), EventError> {
    if s.len() > max {
        return Err(EventError::FieldTooLong {
            field: field.to_owned(),
            len: s.len(),
            max,
        });
    }
    Ok(())
}

pub(super) fn check_count(field: &str, count: usize, max: usize) -> Result<(), EventError> {
    if count > max {
        return Err(EventError::TooMany {
            field: field.to_owned(),
            count,
            max,
        });
    }
    Ok(())
}

fn check_nonempty(field: &str, s: &str) -> Result<(), EventError> {
    if s.is_empty() {
        return Err(EventError::InvalidValue {
            field: field.to_owned(),
            what: "must not be empty",
        });
    }
    Ok(())
}

fn check_sha256(field: &str, s: &str) -> Result<(), EventError> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(EventError::InvalidValue {
            field: field.to_owned(),
            what: "must be a SHA-256 digest: 64 lowercase hex digits",
        });
    }
    Ok(())
}
