//! Revocations: an append-only log every verifier reads. `seq` increases strictly in commit
//! order, so a replica that remembers the last seq it saw can poll for newer entries and
//! never miss one.

use crate::{
    BeginWrite, NewRevocation, Revocation, RevocationKind, Store, StoreError, now_ms, on_pool,
    parse_column, validate,
};

/// Most rows `revocations_since` returns at once; larger limits are clamped to it.
pub const MAX_REVOCATION_PAGE: i64 = 10_000;

/// The columns, in row-struct order.
macro_rules! revocation_columns {
    () => {
        "seq, kind, value, reason, actor, at_ms, expires_at_ms"
    };
}

#[derive(sqlx::FromRow)]
struct RevocationRow {
    seq: i64,
    kind: String,
    value: String,
    reason: String,
    actor: String,
    at_ms: i64,
    expires_at_ms: Option<i64>,
}

impl RevocationRow {
    fn into_revocation(self) -> Result<Revocation, StoreError> {
        Ok(Revocation {
            kind: parse_column("kind", &self.kind)?,
            seq: self.seq,
            value: self.value,
            reason: self.reason,
            actor: self.actor,
            at_ms: self.at_ms,
            expires_at_ms: self.expires_at_ms,
        })
    }
}

impl Store {
    /// Records a revocation. Tokens and blocks are revoked once: revoking one already revoked
    /// returns the existing entry unchanged (its original seq, reason and actor). An agent is
    /// revoked *as of a time* (every token issued to or through it until then), so each
    /// agent revocation is a new entry with its own time and seq — a second suspension after
    /// a reactivation must reach every replica. Block ids are stored lower-case.
    pub async fn revoke(&self, r: NewRevocation) -> Result<Revocation, StoreError> {
        let value = validate::new_revocation(&r)?;
        let now = now_ms();
        let row: RevocationRow = on_pool!(self, pool => {
            let mut tx = pool.begin_write(&self.writer).await?;
            if let Some(lock) = lock_statement(pool) {
                sqlx::query(lock).execute(tx.conn()).await?;
            }
            let inserted: Option<RevocationRow> = sqlx::query_as(concat!(
                "INSERT INTO revocations (kind, value, reason, actor, at_ms, expires_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, value) WHERE kind <> 'agent' DO NOTHING \
                 RETURNING ", revocation_columns!()))
                .bind(r.kind.as_str()).bind(&value).bind(&r.reason).bind(&r.actor).bind(now)
                .bind(r.expires_at_ms)
                .fetch_optional(tx.conn()).await?;
            let row = match inserted {
                Some(row) => row,
                None => sqlx::query_as(concat!(
                        "SELECT ", revocation_columns!(), " FROM revocations WHERE kind = $1 AND value = $2 ORDER BY seq LIMIT 1"))
                    .bind(r.kind.as_str()).bind(&value)
                    .fetch_one(tx.conn()).await?,
            };
            tx.commit().await?;
            row
        });
        row.into_revocation()
    }

    /// Up to `limit` revocations with seq greater than `after_seq`, seq ascending. Start
    /// with `after_seq = 0`, then pass the last seq seen. `limit` must be positive; it is
    /// clamped to [`MAX_REVOCATION_PAGE`].
    pub async fn revocations_since(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<Revocation>, StoreError> {
        if limit < 1 {
            return Err(StoreError::InvalidInput(format!(
                "limit must be at least 1, got {limit}"
            )));
        }
        let limit = limit.min(MAX_REVOCATION_PAGE);
        let rows: Vec<RevocationRow> = on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", revocation_columns!(), " FROM revocations WHERE seq > $1 ORDER BY seq LIMIT $2"))
                .bind(after_seq).bind(limit).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(RevocationRow::into_revocation)
            .collect()
    }

    /// Whether `value` of `kind` is revoked. Expiry does not lift a revocation (fail
    /// closed). Block ids match case-insensitively.
    pub async fn is_revoked(&self, kind: RevocationKind, value: &str) -> Result<bool, StoreError> {
        let value = validate::revocation_value(kind, value)?;
        let seq: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT seq FROM revocations WHERE kind = $1 AND value = $2 LIMIT 1")
                .bind(kind.as_str()).bind(&value).fetch_optional(pool).await?
        });
        Ok(seq.is_some())
    }
}

/// The backend's statement (if any) that makes revocation seqs commit in order.
fn lock_statement<P: BeginWrite>(_pool: &P) -> Option<&'static str> {
    P::LOCK_REVOCATIONS
}
