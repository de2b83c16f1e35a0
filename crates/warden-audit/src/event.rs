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

use serde_json::{Map, Value};

use crate::hash::{Hash, leaf_hash};

/// The encoding version written in `"v"`.
pub const FORMAT_VERSION: u64 = 1;

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

    fn validate(&self) -> Result<(), EventError> {
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

    /// The canonical encoding: the bytes of the log entry. Always at most [`MAX_ENTRY_BYTES`].
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// The RFC 9162 leaf hash of this event's entry: `SHA-256(0x00 || canonical_bytes)`.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.encode())
    }

    fn encode(&self) -> Vec<u8> {
        // Keys are written in sorted (byte) order at every level.
        let mut w = Writer(Vec::with_capacity(512));
        w.raw("{\"correlation\":{");
        w.key_str("request_id", &self.correlation.request_id, true);
        w.key_str("session_id", &self.correlation.session_id, false);
        if let Some(t) = &self.correlation.trace_id {
            w.key_str("trace_id", t, false);
        }
        w.raw("},\"decision\":{");
        w.key_str("outcome", self.decision.outcome.as_str(), true);
        w.key_list("policies", &self.decision.policies, false);
        w.key_str("reason", &self.decision.reason, false);
        w.raw("},\"outcome\":{");
        let mut first = true;
        if let Some(e) = &self.outcome.error {
            w.key_str("error", e, first);
            first = false;
        }
        if let Some(h) = &self.outcome.result_sha256 {
            w.key_str("result_sha256", h, first);
            first = false;
        }
        w.key_str("status", self.outcome.status.as_str(), first);
        w.raw("},\"refs\":[");
        for (i, r) in self.refs.iter().enumerate() {
            if i > 0 {
                w.raw(",");
            }
            w.raw("{");
            w.key_str("media_type", &r.media_type, true);
            w.key_str("sha256", &r.sha256, false);
            w.raw(",\"size\":");
            w.raw(&r.size.to_string());
            w.raw("}");
        }
        w.raw("],");
        w.key_str("time", &self.time, true);
        w.raw(",\"v\":");
        w.raw(&FORMAT_VERSION.to_string());
        w.raw(",\"what\":{");
        w.key_str("arguments_sha256", &self.what.arguments_sha256, true);
        w.key_str("operation", &self.what.operation, false);
        w.key_str("target", &self.what.target, false);
        w.raw("},\"who\":{");
        w.key_str("agent", &self.who.agent, true);
        w.key_list("chain", &self.who.chain, false);
        w.key_str("subject", &self.who.subject, false);
        w.raw("}}");
        w.0
    }

    /// The event as a JSON value (the same content as the canonical encoding).
    pub fn to_json(&self) -> Value {
        // The canonical encoding is valid JSON by construction.
        serde_json::from_slice(&self.encode()).unwrap_or(Value::Null)
    }

    /// Decodes a log entry, accepting only the canonical encoding of a valid version-1
    /// event: any other byte sequence, even equivalent JSON, is an error.
    pub fn from_canonical(bytes: &[u8]) -> Result<Self, EventError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EventError::TooLarge {
                size: bytes.len(),
                max: MAX_ENTRY_BYTES,
                largest: None,
            });
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| EventError::Json {
            message: e.to_string(),
        })?;
        let event = Self::from_json(&value)?;
        let canonical = event.encode();
        if canonical != bytes {
            let offset = canonical
                .iter()
                .zip(bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(canonical.len().min(bytes.len()));
            return Err(EventError::NonCanonical { offset });
        }
        Ok(event)
    }

    /// Builds an event from JSON (e.g. a line of `warden audit append`), strictly: every
    /// required field present with the right type, no unknown field, `"v": 1`. Optional
    /// fields may be absent or `null`. The result is validated as by [`AuditEvent::new`].
    pub fn from_json(value: &Value) -> Result<Self, EventError> {
        let top = object(value, "event")?;
        only_keys(
            top,
            "",
            &[
                "v",
                "time",
                "who",
                "what",
                "decision",
                "outcome",
                "correlation",
                "refs",
            ],
        )?;
        let v = top.get("v").ok_or_else(|| missing("", "v"))?;
        let version = v.as_u64().ok_or_else(|| EventError::WrongType {
            field: "v".into(),
            expected: "a non-negative integer",
        })?;
        if version != FORMAT_VERSION {
            return Err(EventError::UnsupportedVersion { version });
        }
        let time = req_str(top, "", "time")?;

        let o = req_obj(top, "", "who")?;
        only_keys(o, "who", &["agent", "subject", "chain"])?;
        let who = Who {
            agent: req_str(o, "who", "agent")?,
            subject: req_str(o, "who", "subject")?,
            chain: str_list(o, "who", "chain", MAX_CHAIN)?,
        };

        let o = req_obj(top, "", "what")?;
        only_keys(o, "what", &["operation", "target", "arguments_sha256"])?;
        let what = What {
            operation: req_str(o, "what", "operation")?,
            target: req_str(o, "what", "target")?,
            arguments_sha256: req_str(o, "what", "arguments_sha256")?,
        };

        let o = req_obj(top, "", "decision")?;
        only_keys(o, "decision", &["outcome", "policies", "reason"])?;
        let verdict = req_str(o, "decision", "outcome")?;
        let decision = Decision {
            outcome: Verdict::parse(&verdict).ok_or_else(|| EventError::InvalidValue {
                field: "decision.outcome".into(),
                what: "must be one of allow, deny, approval-required, approved, rejected, timeout",
            })?,
            policies: str_list(o, "decision", "policies", MAX_POLICIES)?,
            reason: req_str(o, "decision", "reason")?,
        };

        let o = req_obj(top, "", "outcome")?;
        only_keys(o, "outcome", &["status", "result_sha256", "error"])?;
        let status = req_str(o, "outcome", "status")?;
        let outcome = Outcome {
            status: Status::parse(&status).ok_or_else(|| EventError::InvalidValue {
                field: "outcome.status".into(),
                what: "must be one of ok, error, blocked",
            })?,
            result_sha256: opt_str(o, "outcome", "result_sha256")?,
            error: opt_str(o, "outcome", "error")?,
        };

        let o = req_obj(top, "", "correlation")?;
        only_keys(o, "correlation", &["request_id", "session_id", "trace_id"])?;
        let correlation = Correlation {
            // Absent ids mean "none" (events from outside the gateway may have neither);
            // the canonical form always writes them, so `from_canonical` stays exact.
            request_id: opt_str(o, "correlation", "request_id")?.unwrap_or_default(),
            session_id: opt_str(o, "correlation", "session_id")?.unwrap_or_default(),
            trace_id: opt_str(o, "correlation", "trace_id")?,
        };

        let no_refs = Value::Array(Vec::new());
        let list = match top.get("refs") {
            None | Some(Value::Null) => &no_refs,
            Some(v) => v,
        };
        let list = list.as_array().ok_or_else(|| EventError::WrongType {
            field: "refs".into(),
            expected: "an array",
        })?;
        check_count("refs", list.len(), MAX_REFS)?;
        let mut refs = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let path = format!("refs[{i}]");
            let o = object(item, &path)?;
            only_keys(o, &path, &["sha256", "media_type", "size"])?;
            let size = o.get("size").ok_or_else(|| missing(&path, "size"))?;
            let size = size.as_u64().ok_or_else(|| EventError::WrongType {
                field: format!("{path}.size"),
                expected: "a non-negative integer",
            })?;
            refs.push(PayloadRef {
                sha256: req_str(o, &path, "sha256")?,
                media_type: req_str(o, &path, "media_type")?,
                size,
            });
        }

        AuditEvent::new(time, who, what, decision, outcome, correlation, refs)
    }
}

/// Formats milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.sssZ`, the event time
/// format. `None` after the year 9999.
pub fn format_unix_millis(ms: u64) -> Option<String> {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(i64::try_from(days).ok()?);
    if y > 9999 {
        return None;
    }
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    ))
}

/// Days since 1970-01-01 to a (year, month, day) civil date (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

struct Writer(Vec<u8>);

impl Writer {
    fn raw(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    fn key(&mut self, key: &str, first: bool) {
        if !first {
            self.0.push(b',');
        }
        self.string(key);
        self.0.push(b':');
    }

    fn key_str(&mut self, key: &str, value: &str, first: bool) {
        self.key(key, first);
        self.string(value);
    }

    fn key_list(&mut self, key: &str, values: &[String], first: bool) {
        self.key(key, first);
        self.0.push(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.string(v);
        }
        self.0.push(b']');
    }

    /// A JSON string with RFC 8785 escaping.
    fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.0.push(b'"');
        for &b in s.as_bytes() {
            match b {
                b'"' => self.0.extend_from_slice(b"\\\""),
                b'\\' => self.0.extend_from_slice(b"\\\\"),
                0x08 => self.0.extend_from_slice(b"\\b"),
                b'\t' => self.0.extend_from_slice(b"\\t"),
                b'\n' => self.0.extend_from_slice(b"\\n"),
                0x0c => self.0.extend_from_slice(b"\\f"),
                b'\r' => self.0.extend_from_slice(b"\\r"),
                b if b < 0x20 => {
                    self.0.extend_from_slice(b"\\u00");
                    self.0.push(HEX[usize::from(b >> 4)]);
                    self.0.push(HEX[usize::from(b & 0xf)]);
                }
                b => self.0.push(b),
            }
        }
        self.0.push(b'"');
    }
}

fn escaped_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | 0x08 | b'\t' | b'\n' | 0x0c | b'\r' => 2,
            b if b < 0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
        + 2
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn missing(path: &str, key: &str) -> EventError {
    EventError::MissingField {
        field: join(path, key),
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, EventError> {
    v.as_object().ok_or_else(|| EventError::WrongType {
        field: path.to_owned(),
        expected: "an object",
    })
}

fn only_keys(o: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<(), EventError> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(EventError::UnknownField {
            field: join(path, k),
        }),
        None => Ok(()),
    }
}

fn req_obj<'a>(
    o: &'a Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<&'a Map<String, Value>, EventError> {
    let v = o.get(key).ok_or_else(|| missing(path, key))?;
    object(v, &join(path, key))
}

fn req_str(o: &Map<String, Value>, path: &str, key: &str) -> Result<String, EventError> {
    match o.get(key) {
        None => Err(missing(path, key)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(EventError::WrongType {
            field: join(path, key),
            expected: "a string",
        }),
    }
}

fn opt_str(o: &Map<String, Value>, path: &str, key: &str) -> Result<Option<String>, EventError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(EventError::WrongType {
            field: join(path, key),
            expected: "a string or null",
        }),
    }
}

fn str_list(
    o: &Map<String, Value>,
    path: &str,
    key: &str,
    max: usize,
) -> Result<Vec<String>, EventError> {
    let field = join(path, key);
    let list = o.get(key).ok_or_else(|| missing(path, key))?;
    let list = list.as_array().ok_or_else(|| EventError::WrongType {
        field: field.clone(),
        expected: "an array of strings",
    })?;
    check_count(&field, list.len(), max)?;
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| EventError::WrongType {
                    field: format!("{field}[{i}]"),
                    expected: "a string",
                })
        })
        .collect()
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

fn check_count(field: &str, count: usize, max: usize) -> Result<(), EventError> {
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

/// Checks `YYYY-MM-DDTHH:MM:SS.sssZ` with a real calendar date.
fn check_time(field: &str, s: &str) -> Result<(), EventError> {
    let bad = || EventError::InvalidValue {
        field: field.to_owned(),
        what: "must be RFC 3339 UTC with milliseconds, YYYY-MM-DDTHH:MM:SS.sssZ",
    };
    let b = s.as_bytes();
    if b.len() != 24 {
        return Err(bad());
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            23 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return Err(bad());
        }
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    // Second 60 is a leap second, which RFC 3339 allows.
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format_and_check() {
        assert_eq!(format_unix_millis(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_unix_millis(1_767_225_600_123).unwrap(),
            "2026-01-01T00:00:00.123Z"
        );
        assert_eq!(
            format_unix_millis(951_782_400_000).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_unix_millis(253_402_300_799_999).unwrap(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(format_unix_millis(253_402_300_800_000), None);
        assert_eq!(format_unix_millis(u64::MAX), None);
        for t in [0, 951_782_400_000, 1_767_225_600_123, 253_402_300_799_999] {
            check_time("time", &format_unix_millis(t).unwrap()).unwrap();
        }
        for bad in [
            "2026-02-29T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-00-01T00:00:00.000Z",
            "2026-01-00T00:00:00.000Z",
            "2026-01-01T24:00:00.000Z",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.000+00:00",
            "2026-01-01t00:00:00.000Z",
            "2026-01-01T00:00:00.000z",
            "２026-01-01T00:00:00.000Z",
        ] {
            assert!(check_time("time", bad).is_err(), "{bad}");
        }
        check_time("time", "2024-02-29T23:59:60.999Z").unwrap();
    }

    #[test]
    fn escaping_is_minimal() {
        let mut w = Writer(Vec::new());
        w.string("a\"b\\c\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}/é\u{2028}");
        assert_eq!(
            String::from_utf8(w.0).unwrap(),
            "\"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u001f\u{7f}/é\u{2028}\""
        );
        assert_eq!(escaped_len("a\"\u{1}"), 2 + 1 + 2 + 6);
    }
}
