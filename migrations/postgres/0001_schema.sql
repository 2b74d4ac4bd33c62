-- Frontline's schema in PostgreSQL: the same tables as the embedded SQLite store, for many
-- instances on one database. Every text column holds masked text only.
CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,          -- the conversation as JSON (masked slot values)
    turn        BIGINT NOT NULL,        -- its version: a save that finds it moved on is refused
    status      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    day         DATE NOT NULL,          -- the bank's calendar day it started (UTC+8)
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX conversations_by_day ON conversations(day);

CREATE TABLE turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             BIGINT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('customer', 'bot')),
    text            TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE handoffs (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL UNIQUE REFERENCES conversations(id),
    reason          TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'acknowledged')),
    summary         TEXT NOT NULL,      -- the handoff summary as JSON
    day             DATE NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    acked_by        TEXT,
    acked_at        TIMESTAMPTZ
);
CREATE INDEX handoffs_by_status ON handoffs(status, created_at);
CREATE INDEX handoffs_by_day ON handoffs(day);

-- The transactional outbox. Workers of every instance claim due rows with
-- FOR UPDATE SKIP LOCKED and lease them by pushing next_attempt_ms ahead, so a row whose
-- worker died comes due again. Times the workers compare are milliseconds since the epoch.
CREATE TABLE outbox (
    id                BIGSERIAL PRIMARY KEY,
    handoff_id        TEXT NOT NULL REFERENCES handoffs(id),
    destination       TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL UNIQUE,
    payload           TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms   BIGINT NOT NULL,
    window_start_ms   BIGINT NOT NULL,
    last_error        TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    delivered_at      TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox(destination, status, next_attempt_ms);

CREATE TABLE turn_facts (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    turn            BIGINT NOT NULL,
    day             DATE NOT NULL,
    channel         TEXT NOT NULL,
    intent          TEXT,
    complaint       BOOLEAN NOT NULL,
    emotion         TEXT NOT NULL,
    PRIMARY KEY (conversation_id, turn)
);
CREATE INDEX turn_facts_by_day ON turn_facts(day);
