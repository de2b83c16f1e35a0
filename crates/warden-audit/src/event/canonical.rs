//! The canonical JSON writer: RFC 8785 (JCS) style, keys sorted, minimal escaping.

use serde_json::Value;

#[cfg(doc)]
use super::MAX_ENTRY_BYTES;
use super::{AuditEvent, FORMAT_VERSION};
use crate::hash::{Hash, leaf_hash};

impl AuditEvent {
    /// The canonical encoding: the bytes of the log entry. Always at most [`MAX_ENTRY_BYTES`].
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// The RFC 9162 leaf hash of this event's entry: `SHA-256(0x00 || canonical_bytes)`.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.encode())
    }

    pub(super) fn encode(&self) -> Vec<u8> {
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

pub(super) fn escaped_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | 0x08 | b'\t' | b'\n' | 0x0c | b'\r' => 2,
            b if b < 0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
        + 2
}

#[cfg(test)]
mod tests {
    use super::*;

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
