//! The audit event — one log entry — and its canonical, versioned encoding.
//!
//! An entry is the canonical JSON of an [`AuditEvent`]: RFC 8785 (JCS) style, object keys
//! sorted, no insignificant white space, integers only, strings escaped minimally (`\"`,
//! `\\`, `\b \t \n \f \r`, other control characters as `\u00xx`; everything else as UTF-8).
//! The same event always gives the same bytes, and [`AuditEvent::from_canonical`] accepts
//! only those bytes: an entry rewritten into an equivalent but different JSON text does not
//! decode. Optional fields that are absent are omitted (never `null`).
//!
//! Format version 1 (`"v":1`). Unknown fields are rejected. An encoded entry is at most
//! [`MAX_ENTRY_BYTES`] (the tlog-tiles entry-bundle limit); [`AuditEvent::new`] refuses an
//! event that would be larger, naming the field at fault. Large payloads are not inlined:
//! they are referenced by SHA-256 in [`AuditEvent::refs`]. See `docs/audit-format.md`.

mod canonical;
mod limits;
mod parse;
mod time;

pub use limits::{
    MAX_CHAIN, MAX_ENTRY_BYTES, MAX_ID_BYTES, MAX_MEDIA_TYPE_BYTES, MAX_OPERATION_BYTES,
    MAX_PAYLOAD_SIZE, MAX_POLICIES, MAX_REFS, MAX_TARGET_BYTES, MAX_TEXT_BYTES,
};
pub use time::format_unix_millis;

/// The encoding version written in `"v"`.
pub const FORMAT_VERSION: u64 = 1;

/// Why an event could not be built, decoded or validated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The encoded entry (or the input) is larger than [`MAX_ENTRY_BYTES`].
    #[error("audit entry is {size} bytes, more than the {max}-byte limit{}", largest_hint(.largest))]
    TooLarge {
        /// Size in bytes.
        size: usize,
        /// The limit.
        max: usize,
        /// The field that takes the most room, when known.
        largest: Option<String>,
    },
    /// A field is longer than its limit.
    #[error("field {field} is {len} bytes, more than the {max}-byte limit")]
    FieldTooLong {
        /// Path of the field, e.g. `decision.reason` or `who.chain[2]`.
        field: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A list has more items than its limit.
    #[error("field {field} has {count} items, more than the limit of {max}")]
    TooMany {
        /// Path of the list.
        field: String,
        /// Number of items.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A required field is missing.
    #[error("missing field {field}")]
    MissingField {
        /// Path of the field.
        field: String,
    },
    /// A field that format version 1 does not define.
    #[error("unknown field {field}")]
    UnknownField {
        /// Path of the field.
        field: String,
    },
    /// A field has the wrong JSON type.
    #[error("field {field} must be {expected}")]
    WrongType {
        /// Path of the field.
        field: String,
        /// The expected type.
        expected: &'static str,
    },
    /// A field has a value outside its domain.
    #[error("field {field}: {what}")]
    InvalidValue {
        /// Path of the field.
        field: String,
        /// What is wrong.
        what: &'static str,
    },
    /// The entry has a format version this code does not know.
    #[error("unsupported audit entry format version {version} (this build reads version 1)")]
    UnsupportedVersion {
        /// The version found.
        version: u64,
    },
    /// The input is not JSON.
    #[error("audit entry is not valid JSON: {message}")]
    Json {
        /// The parser's message, with line and column.
        message: String,
    },
    /// The input is a valid event but not in canonical form.
    #[error("audit entry is not in canonical form (first difference at byte {offset})")]
    NonCanonical {
        /// Offset of the first byte that differs from the canonical encoding.
        offset: usize,
    },
}

fn largest_hint(largest: &Option<String>) -> String {
    match largest {
        Some(f) => format!(" (largest field: {f})"),
        None => String::new(),
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// The acting agent's id (non-empty).
    pub agent: String,
    /// On whose behalf (a user or another principal); may be empty.
    pub subject: String,
    /// The delegation chain: actors from the original delegator to the agent, in order.
    pub chain: Vec<String>,
}

/// What was attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct What {
    /// The operation, e.g. `tools/call` (non-empty).
    pub operation: String,
    /// The target: `server/tool`, a resource, or an agent.
    pub target: String,
    /// SHA-256 of the arguments (64 lowercase hex digits); the arguments are not inlined.
    pub arguments_sha256: String,
}

/// The policy decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Allowed by policy.
    Allow,
    /// Denied by policy.
    Deny,
    /// Held for human approval.
    ApprovalRequired,
    /// Approved by a human.
    Approved,
    /// Rejected by a human.
    Rejected,
    /// The approval request expired.
    Timeout,
}

impl Verdict {
    /// Every verdict, in documentation order.
    pub const ALL: [Verdict; 6] = [
        Verdict::Allow,
        Verdict::Deny,
        Verdict::ApprovalRequired,
        Verdict::Approved,
        Verdict::Rejected,
        Verdict::Timeout,
    ];

    /// The encoded value: `allow`, `deny`, `approval-required`, `approved`, `rejected`, `timeout`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::ApprovalRequired => "approval-required",
            Verdict::Approved => "approved",
            Verdict::Rejected => "rejected",
            Verdict::Timeout => "timeout",
        }
    }

    /// Parses an encoded value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The decision and why it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The verdict.
    pub outcome: Verdict,
    /// Ids of the policies that determined it.
    pub policies: Vec<String>,
    /// Human-readable reason; may be empty.
    pub reason: String,
}

/// How the operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// It ran and succeeded.
    Ok,
    /// It ran and failed.
    Error,
    /// It did not run (denied, rejected, timed out, blocked by a scanner).
    Blocked,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 3] = [Status::Ok, Status::Error, Status::Blocked];

    /// The encoded value: `ok`, `error` or `blocked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Blocked => "blocked",
        }
    }

    /// Parses an encoded value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The outcome of the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The status.
    pub status: Status,
    /// SHA-256 of the result (64 lowercase hex digits), if there is one.
    pub result_sha256: Option<String>,
    /// Error message, if any.
    pub error: Option<String>,
}

/// Correlation identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    /// The request id (e.g. the JSON-RPC id as a string); may be empty.
    pub request_id: String,
    /// The session id; may be empty (stateless transports).
    pub session_id: String,
    /// The distributed-trace id, if any.
    pub trace_id: Option<String>,
}

/// A large payload recorded elsewhere, referenced by hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadRef {
    /// SHA-256 of the payload (64 lowercase hex digits).
    pub sha256: String,
    /// Its media type, e.g. `application/json`.
    pub media_type: String,
    /// Its size in bytes (at most [`MAX_PAYLOAD_SIZE`]).
    pub size: u64,
}

/// One audit log entry. Built only through [`AuditEvent::new`], [`AuditEvent::from_json`] or
/// [`AuditEvent::from_canonical`], which validate it, so its encoding always fits an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    time: String,
    who: Who,
    what: What,
    decision: Decision,
    outcome: Outcome,
    correlation: Correlation,
    refs: Vec<PayloadRef>,
}

impl AuditEvent {
    /// Builds and validates an event. `time` is RFC 3339 UTC with milliseconds,
    /// `YYYY-MM-DDTHH:MM:SS.sssZ` (see [`format_unix_millis`]).
    ///
    /// Fails, naming the field, if a field is missing, malformed or too long, or if the
    /// encoded entry would exceed [`MAX_ENTRY_BYTES`].
    pub fn new(
        time: impl Into<String>,
        who: Who,
        what: What,
        decision: Decision,
        outcome: Outcome,
        correlation: Correlation,
        refs: Vec<PayloadRef>,
    ) -> Result<Self, EventError> {
        let event = AuditEvent {
            time: time.into(),
            who,
            what,
            decision,
            outcome,
            correlation,
            refs,
        };
        event.validate()?;
        Ok(event)
    }

    /// The format version of this event ([`FORMAT_VERSION`]).
    pub fn version(&self) -> u64 {
        FORMAT_VERSION
    }
    /// When it happened: RFC 3339 UTC with milliseconds.
    pub fn time(&self) -> &str {
        &self.time
    }
    /// Who acted.
    pub fn who(&self) -> &Who {
        &self.who
    }
    /// What was attempted.
    pub fn what(&self) -> &What {
        &self.what
    }
    /// The decision.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }
    /// The outcome.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }
    /// Correlation ids.
    pub fn correlation(&self) -> &Correlation {
        &self.correlation
    }
    /// Payloads referenced by hash.
    pub fn refs(&self) -> &[PayloadRef] {
        &self.refs
    }
}
