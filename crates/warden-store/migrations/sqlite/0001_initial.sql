-- Warden store, initial schema (SQLite). Times are unix milliseconds; enums are TEXT in
-- snake_case; lists and capabilities are JSON text. Keep in step with ../postgres.

CREATE TABLE agents (
    id             TEXT PRIMARY KEY NOT NULL,
    display_name   TEXT,
    owner          TEXT NOT NULL,
    purpose        TEXT,
    model_provider TEXT,
    model_name     TEXT,
    model_version  TEXT,
    config_hash    TEXT,
    capabilities   TEXT NOT NULL,
    risk_tier      TEXT NOT NULL CHECK (risk_tier IN ('low', 'medium', 'high', 'critical')),
    controls       TEXT NOT NULL,
    state          TEXT NOT NULL
                   CHECK (state IN ('proposed', 'approved', 'active', 'suspended', 'retired')),
    version        INTEGER NOT NULL CHECK (version >= 1),
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX agents_owner ON agents (owner);
CREATE INDEX agents_state ON agents (state);

-- Every lifecycle change, seq counting from 1 (the registration) per agent.
CREATE TABLE agent_transitions (
    agent_id   TEXT NOT NULL REFERENCES agents (id),
    seq        INTEGER NOT NULL,
    from_state TEXT CHECK (from_state IN ('proposed', 'approved', 'active', 'suspended', 'retired')),
    to_state   TEXT NOT NULL
               CHECK (to_state IN ('proposed', 'approved', 'active', 'suspended', 'retired')),
    actor      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    PRIMARY KEY (agent_id, seq)
) STRICT;

-- AUTOINCREMENT: a seq is never reused, so pollers can trust "seq > last seen".
CREATE TABLE revocations (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('agent', 'token', 'block')),
    value         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    expires_at_ms INTEGER
) STRICT;

-- A token or block is revoked once; an agent is revoked as of a time, and each revocation
-- of it (a second suspension after a reactivation) is a new entry with a later time.
CREATE UNIQUE INDEX revocations_once ON revocations (kind, value) WHERE kind <> 'agent';
CREATE INDEX revocations_lookup ON revocations (kind, value);

CREATE TABLE issued_tokens (
    token_id        TEXT PRIMARY KEY NOT NULL,
    agent_id        TEXT NOT NULL,
    parent_token_id TEXT,
    delegate        TEXT,
    issued_at_ms    INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    revocation_ids  TEXT NOT NULL,
    root_key_id     INTEGER NOT NULL CHECK (root_key_id BETWEEN 0 AND 4294967295)
) STRICT;

CREATE INDEX issued_tokens_agent ON issued_tokens (agent_id, issued_at_ms);
