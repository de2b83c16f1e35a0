//! The one error type every store operation returns, and the redaction that keeps
//! credentials out of it.

use crate::types::Lifecycle;

/// Why a store operation failed.
///
/// Variants are stable so callers can map them (e.g. `NotFound` → 404, `Conflict` → 409,
/// `InvalidTransition`/`InvalidInput`/`Retired` → 400/422, the rest → 500). No variant ever
/// carries a password or a full database URL: text that came from the driver is scrubbed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The named entity does not exist.
    #[error("{what} `{id}` not found")]
    NotFound {
        /// What kind of thing was looked up ("agent", …).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// An entity with this id is already stored.
    #[error("{what} `{id}` already exists")]
    AlreadyExists {
        /// What kind of thing ("agent", "token", …).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A compare-and-set lost: someone else changed the row since the caller read it.
    /// Re-read and retry (or give up).
    #[error("agent `{id}` was changed concurrently: {conflict}")]
    Conflict {
        /// The agent's id.
        id: String,
        /// What the caller expected and what was found.
        conflict: ConflictKind,
    },
    /// The lifecycle does not allow moving from `from` to `to`.
    #[error("lifecycle transition {from} → {to} is not allowed")]
    InvalidTransition {
        /// The state the caller asked to leave.
        from: Lifecycle,
        /// The state the caller asked to enter.
        to: Lifecycle,
    },
    /// The agent is retired, which is terminal: its record can no longer be changed.
    #[error("agent `{id}` is retired; a retired agent cannot be changed")]
    Retired {
        /// The agent's id.
        id: String,
    },
    /// An argument failed validation; nothing was written.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The database failed or could not be reached (text scrubbed of credentials).
    #[error("database error: {0}")]
    Database(String),
    /// Schema migrations failed (e.g. the database was migrated by a newer Warden).
    #[error("schema migration failed: {0}")]
    Migration(String),
    /// The database URL names a scheme this store does not support.
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
}

/// The two ways a compare-and-set on an agent can lose.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConflictKind {
    /// `update_agent` expected one version and found another.
    #[error("expected version {expected}, current version is {current}")]
    Version {
        /// The version the caller read.
        expected: i64,
        /// The version stored now.
        current: i64,
    },
    /// `transition` expected the agent in one state and found it in another.
    #[error("expected state {expected}, current state is {actual}")]
    State {
        /// The state the caller asked to leave.
        expected: Lifecycle,
        /// The state stored now.
        actual: Lifecycle,
    },
}

impl StoreError {
    /// Shorthand for an agent that does not exist.
    pub(crate) fn agent_not_found(id: &str) -> Self {
        StoreError::NotFound {
            what: "agent",
            id: id.to_owned(),
        }
    }

    /// A stored row that does not decode into our types (hand-edited or corrupted).
    pub(crate) fn corrupt(detail: impl std::fmt::Display) -> Self {
        StoreError::Database(format!("corrupt row: {detail}"))
    }
}

impl From<sqlx::Error> for StoreError {
    /// Query-time driver errors. They never contain connection credentials (those only
    /// appear at connect time, where [`Redactor`] is applied as well).
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// Removes secrets (a URL's password, the URL itself) from error text.
#[derive(Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for errors produced while connecting with `url`.
    pub(crate) fn for_url(url: &str) -> Self {
        let mut secrets = vec![url.to_owned()];
        if let Some(pw) = url_password(url) {
            secrets.push(percent_decode(&pw));
            secrets.push(pw);
        }
        secrets.retain(|s| !s.is_empty());
        // Longest first, so a password inside the URL does not break the URL's redaction.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    /// `text` with every secret replaced by `***`.
    pub(crate) fn scrub(&self, text: impl std::fmt::Display) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }

    /// A driver error from connecting, as a scrubbed [`StoreError::Database`].
    pub(crate) fn db(&self, what: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError::Database(self.scrub(format!("{what}: {e}")))
    }
}

/// The password in `scheme://user:password@host/…`, still percent-encoded.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let pw = userinfo.split_once(':')?.1;
    Some(pw.to_owned())
}

/// Minimal percent-decoding (invalid escapes are kept as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_scrubs_passwords() {
        let r = Redactor::for_url("postgres://u:p%40ss@h:5432/db?sslmode=disable");
        assert_eq!(r.scrub("x p%40ss y p@ss z"), "x *** y *** z");
        assert_eq!(url_password("postgres://u@h/db"), None);
        assert_eq!(url_password("postgres://h/db"), None);
        assert_eq!(url_password("postgres://u:@h/db").as_deref(), Some(""));
        let r = Redactor::for_url("postgres://u:@h/db");
        assert_eq!(r.scrub("postgres://u:@h/db down"), "*** down");
    }
}
