//! Decoding: strict parsing of JSON input and of canonical log entries.

use serde_json::{Map, Value};

use super::limits::check_count;
use super::{
    AuditEvent, Correlation, Decision, EventError, FORMAT_VERSION, MAX_CHAIN, MAX_ENTRY_BYTES,
    MAX_POLICIES, MAX_REFS, Outcome, PayloadRef, Status, Verdict, What, Who,
};

impl AuditEvent {
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
