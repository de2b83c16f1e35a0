//! The live register of agents: registration, reads, optimistic updates and the
//! compare-and-set lifecycle with its history.

use crate::{
    AgentFilter, AgentRecord, BeginWrite, ConflictKind, Lifecycle, NewAgent, Store, StoreError,
    Transition, from_json, now_ms, on_pool, parse_column, to_json, validate,
};

/// The agent columns, in `AgentRow` order.
macro_rules! agent_columns {
    () => {
        "id, display_name, owner, purpose, model_provider, model_name, model_version, \
         config_hash, capabilities, risk_tier, controls, state, version, created_at_ms, \
         updated_at_ms"
    };
}

/// Appends one lifecycle change to an agent's history; seq = previous + 1. Runs inside the
/// transaction that changed the agent, whose row lock keeps seqs unique.
const INSERT_TRANSITION: &str = "INSERT INTO agent_transitions \
     (agent_id, seq, from_state, to_state, actor, reason, at_ms) \
     SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 \
     FROM agent_transitions WHERE agent_id = $1";

/// An agent row as stored (enums and lists still text).
#[derive(sqlx::FromRow)]
struct AgentRow {
    id: String,
    display_name: Option<String>,
    owner: String,
    purpose: Option<String>,
    model_provider: Option<String>,
    model_name: Option<String>,
    model_version: Option<String>,
    config_hash: Option<String>,
    capabilities: String,
    risk_tier: String,
    controls: String,
    state: String,
    version: i64,
    created_at_ms: i64,
    updated_at_ms: i64,
}

impl AgentRow {
    fn into_record(self) -> Result<AgentRecord, StoreError> {
        Ok(AgentRecord {
            capabilities: from_json("capabilities", &self.capabilities)?,
            risk_tier: parse_column("risk_tier", &self.risk_tier)?,
            controls: from_json("controls", &self.controls)?,
            state: parse_column("state", &self.state)?,
            id: self.id,
            display_name: self.display_name,
            owner: self.owner,
            purpose: self.purpose,
            model_provider: self.model_provider,
            model_name: self.model_name,
            model_version: self.model_version,
            config_hash: self.config_hash,
            version: self.version,
            created_at_ms: self.created_at_ms,
            updated_at_ms: self.updated_at_ms,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TransitionRow {
    agent_id: String,
    seq: i64,
    from_state: Option<String>,
    to_state: String,
    actor: String,
    reason: String,
    at_ms: i64,
}

impl TransitionRow {
    fn into_transition(self) -> Result<Transition, StoreError> {
        Ok(Transition {
            from: match &self.from_state {
                Some(s) => Some(parse_column("from_state", s)?),
                None => None,
            },
            to: parse_column("to_state", &self.to_state)?,
            agent_id: self.agent_id,
            seq: self.seq,
            actor: self.actor,
            reason: self.reason,
            at_ms: self.at_ms,
        })
    }
}

/// The validated, serialised descriptive fields of an agent.
struct Fields {
    agent: NewAgent,
    capabilities: String,
    controls: String,
}

fn fields(agent: NewAgent) -> Result<Fields, StoreError> {
    validate::new_agent(&agent)?;
    Ok(Fields {
        capabilities: to_json(&agent.capabilities)?,
        controls: to_json(&agent.controls)?,
        agent,
    })
}

impl Store {
    /// Adds an agent to the register in state `proposed`, version 1, and records that
    /// first transition (from nothing to proposed) with `actor` and `reason`.
    /// `AlreadyExists` if the id is taken.
    pub async fn register_agent(
        &self,
        agent: NewAgent,
        actor: &str,
        reason: &str,
    ) -> Result<AgentRecord, StoreError> {
        let f = fields(agent)?;
        validate::actor(actor)?;
        validate::reason(reason)?;
        let a = &f.agent;
        let now = now_ms();
        let to = Lifecycle::Proposed.as_str();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write(&self.writer).await?;
            let row: Option<AgentRow> = sqlx::query_as(concat!(
                "INSERT INTO agents (", agent_columns!(), ") \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13) \
                 ON CONFLICT (id) DO NOTHING RETURNING ", agent_columns!()))
                .bind(&a.id).bind(&a.display_name).bind(&a.owner).bind(&a.purpose)
                .bind(&a.model_provider).bind(&a.model_name).bind(&a.model_version)
                .bind(&a.config_hash).bind(&f.capabilities).bind(a.risk_tier.as_str())
                .bind(&f.controls).bind(to).bind(now)
                .fetch_optional(tx.conn()).await?;
            let Some(row) = row else {
                tx.rollback().await?;
                return Err(StoreError::AlreadyExists { what: "agent", id: a.id.clone() });
            };
            sqlx::query(INSERT_TRANSITION)
                .bind(&a.id).bind(None::<&str>).bind(to).bind(actor).bind(reason).bind(now)
                .execute(tx.conn()).await?;
            tx.commit().await?;
            row.into_record()
        })
    }

    /// The agent with this id, if registered.
    pub async fn get_agent(&self, id: &str) -> Result<Option<AgentRecord>, StoreError> {
        validate::id("agent id", id)?;
        let row: Option<AgentRow> = on_pool!(self, pool => {
            sqlx::query_as(concat!("SELECT ", agent_columns!(), " FROM agents WHERE id = $1"))
                .bind(id).fetch_optional(pool).await?
        });
        row.map(AgentRow::into_record).transpose()
    }

    /// Registered agents matching `filter`, ordered by id (byte order on both backends).
    pub async fn list_agents(&self, filter: &AgentFilter) -> Result<Vec<AgentRecord>, StoreError> {
        let state = filter.state.map(Lifecycle::as_str);
        let owner = filter.owner.as_deref();
        let rows: Vec<AgentRow> = on_pool!(self, pool => {
            sqlx::query_as(concat!("SELECT ", agent_columns!(), " FROM agents \
                 WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR owner = $2) ORDER BY id"))
                .bind(state).bind(owner).fetch_all(pool).await?
        });
        rows.into_iter().map(AgentRow::into_record).collect()
    }

    /// Replaces the descriptive fields of agent `id` (everything in `agent`; its id must
    /// equal `id`) if its version is still `expected_version`, and bumps the version.
    /// Errors: `NotFound`; `Retired` (a retired record is frozen); `Conflict` with the
    /// current version if someone else changed it first.
    pub async fn update_agent(
        &self,
        id: &str,
        expected_version: i64,
        agent: NewAgent,
    ) -> Result<AgentRecord, StoreError> {
        validate::id("agent id", id)?;
        if agent.id != id {
            return Err(StoreError::InvalidInput(format!(
                "an agent's id cannot change (`{}` given for agent `{id}`)",
                agent.id.escape_debug()
            )));
        }
        let f = fields(agent)?;
        let a = &f.agent;
        let now = now_ms();
        let (row, current): (Option<AgentRow>, Option<(String, i64)>) = on_pool!(self, pool => {
            let mut tx = pool.begin_write(&self.writer).await?;
            let row: Option<AgentRow> = sqlx::query_as(concat!(
                "UPDATE agents SET display_name = $1, owner = $2, purpose = $3, \
                 model_provider = $4, model_name = $5, model_version = $6, config_hash = $7, \
                 capabilities = $8, risk_tier = $9, controls = $10, version = version + 1, \
                 updated_at_ms = $11 \
                 WHERE id = $12 AND version = $13 AND state <> 'retired' RETURNING ",
                agent_columns!()))
                .bind(&a.display_name).bind(&a.owner).bind(&a.purpose)
                .bind(&a.model_provider).bind(&a.model_name).bind(&a.model_version)
                .bind(&a.config_hash).bind(&f.capabilities).bind(a.risk_tier.as_str())
                .bind(&f.controls).bind(now).bind(id).bind(expected_version)
                .fetch_optional(tx.conn()).await?;
            let current = match row {
                Some(_) => None,
                None => sqlx::query_as("SELECT state, version FROM agents WHERE id = $1")
                    .bind(id).fetch_optional(tx.conn()).await?,
            };
            tx.commit().await?;
            (row, current)
        });
        if let Some(row) = row {
            return row.into_record();
        }
        match current {
            None => Err(StoreError::agent_not_found(id)),
            Some((state, _)) if state == Lifecycle::Retired.as_str() => {
                Err(StoreError::Retired { id: id.to_owned() })
            }
            Some((_, current)) => Err(StoreError::Conflict {
                id: id.to_owned(),
                conflict: ConflictKind::Version {
                    expected: expected_version,
                    current,
                },
            }),
        }
    }

    /// Moves agent `id` from `from` to `to` if the lifecycle allows it and the agent is in
    /// `from` right now (compare-and-set); records `actor`, time and `reason` in its history
    /// and bumps its version, atomically. Errors: `InvalidTransition` (checked first),
    /// `NotFound`, `Conflict` with the actual state.
    pub async fn transition(
        &self,
        id: &str,
        from: Lifecycle,
        to: Lifecycle,
        actor: &str,
        reason: &str,
    ) -> Result<AgentRecord, StoreError> {
        validate::id("agent id", id)?;
        validate::actor(actor)?;
        validate::reason(reason)?;
        if !from.can_transition(to) {
            return Err(StoreError::InvalidTransition { from, to });
        }
        let now = now_ms();
        let (row, actual): (Option<AgentRow>, Option<String>) = on_pool!(self, pool => {
            let mut tx = pool.begin_write(&self.writer).await?;
            let row: Option<AgentRow> = sqlx::query_as(concat!(
                "UPDATE agents SET state = $1, version = version + 1, updated_at_ms = $2 \
                 WHERE id = $3 AND state = $4 RETURNING ", agent_columns!()))
                .bind(to.as_str()).bind(now).bind(id).bind(from.as_str())
                .fetch_optional(tx.conn()).await?;
            if row.is_some() {
                sqlx::query(INSERT_TRANSITION)
                    .bind(id).bind(from.as_str()).bind(to.as_str()).bind(actor).bind(reason)
                    .bind(now)
                    .execute(tx.conn()).await?;
                tx.commit().await?;
                (row, None)
            } else {
                let actual = sqlx::query_scalar("SELECT state FROM agents WHERE id = $1")
                    .bind(id).fetch_optional(tx.conn()).await?;
                tx.rollback().await?;
                (None, actual)
            }
        });
        match (row, actual) {
            (Some(row), _) => row.into_record(),
            (None, None) => Err(StoreError::agent_not_found(id)),
            (None, Some(actual)) => Err(StoreError::Conflict {
                id: id.to_owned(),
                conflict: ConflictKind::State {
                    expected: from,
                    actual: parse_column("state", &actual)?,
                },
            }),
        }
    }

    /// The lifecycle history of agent `id`, oldest first (the registration is seq 1).
    /// `NotFound` if no such agent is registered.
    pub async fn history(&self, id: &str) -> Result<Vec<Transition>, StoreError> {
        validate::id("agent id", id)?;
        let rows: Vec<TransitionRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT agent_id, seq, from_state, to_state, actor, reason, at_ms \
                 FROM agent_transitions WHERE agent_id = $1 ORDER BY seq")
                .bind(id).fetch_all(pool).await?
        });
        if rows.is_empty() && self.get_agent(id).await?.is_none() {
            return Err(StoreError::agent_not_found(id));
        }
        rows.into_iter()
            .map(TransitionRow::into_transition)
            .collect()
    }
}
