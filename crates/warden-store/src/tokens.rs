//! Issued tokens: what was handed out to whom, so operators can list and inspect it.
//! Recording is bookkeeping, not authority: a token is valid because of its signature and
//! the revocation list, not because it is listed here.

use crate::{IssuedToken, Store, StoreError, from_json, on_pool, to_json, validate};

/// The columns, in row-struct order.
macro_rules! token_columns {
    () => {
        "token_id, agent_id, parent_token_id, delegate, issued_at_ms, \
                       expires_at_ms, revocation_ids, root_key_id"
    };
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    token_id: String,
    agent_id: String,
    parent_token_id: Option<String>,
    delegate: Option<String>,
    issued_at_ms: i64,
    expires_at_ms: i64,
    revocation_ids: String,
    root_key_id: i64,
}

impl TokenRow {
    fn into_token(self) -> Result<IssuedToken, StoreError> {
        Ok(IssuedToken {
            revocation_ids: from_json("revocation_ids", &self.revocation_ids)?,
            root_key_id: u32::try_from(self.root_key_id)
                .map_err(|_| StoreError::corrupt(format!("root_key_id {}", self.root_key_id)))?,
            token_id: self.token_id,
            agent_id: self.agent_id,
            parent_token_id: self.parent_token_id,
            delegate: self.delegate,
            issued_at_ms: self.issued_at_ms,
            expires_at_ms: self.expires_at_ms,
        })
    }
}

impl Store {
    /// Records an issued token. `AlreadyExists` if its token id was recorded before.
    /// Revocation ids are stored lower-case. The agent need not be in the register.
    pub async fn record_token(&self, t: &IssuedToken) -> Result<(), StoreError> {
        let revocation_ids = to_json(&validate::issued_token(t)?)?;
        let inserted = on_pool!(self, pool => {
            sqlx::query(concat!(
                "INSERT INTO issued_tokens (", token_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (token_id) DO NOTHING"))
                .bind(&t.token_id).bind(&t.agent_id).bind(&t.parent_token_id).bind(&t.delegate)
                .bind(t.issued_at_ms).bind(t.expires_at_ms).bind(&revocation_ids)
                .bind(i64::from(t.root_key_id))
                .execute(pool).await?.rows_affected()
        });
        if inserted == 0 {
            return Err(StoreError::AlreadyExists {
                what: "token",
                id: t.token_id.clone(),
            });
        }
        Ok(())
    }

    /// The recorded token with this id, if any.
    pub async fn get_token(&self, token_id: &str) -> Result<Option<IssuedToken>, StoreError> {
        validate::id("token id", token_id)?;
        let row: Option<TokenRow> = on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", token_columns!(), " FROM issued_tokens WHERE token_id = $1"))
                .bind(token_id).fetch_optional(pool).await?
        });
        row.map(TokenRow::into_token).transpose()
    }

    /// Every token recorded for `agent_id`, oldest first (ties by token id). Empty if none.
    pub async fn tokens_for_agent(&self, agent_id: &str) -> Result<Vec<IssuedToken>, StoreError> {
        validate::id("agent id", agent_id)?;
        let rows: Vec<TokenRow> = on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", token_columns!(), " FROM issued_tokens WHERE agent_id = $1 \
                 ORDER BY issued_at_ms, token_id"))
                .bind(agent_id).fetch_all(pool).await?
        });
        rows.into_iter().map(TokenRow::into_token).collect()
    }
}
