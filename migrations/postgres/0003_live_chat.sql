-- A person takes over in the same chat (issue 18): the same as SQLite's 0006.
-- The conversation token: only its SHA-256 (hex) is kept; the client got the token once.
ALTER TABLE conversations ADD COLUMN token_sha256 TEXT;

-- What the widget and the desk see happen, written in the transaction of the change that
-- causes it (which first locks the conversation's row, so one conversation's events are
-- committed in id order). Each transaction that writes some also sends
-- NOTIFY frontline_events with the conversation id. `data` is JSON of masked text only.
CREATE TABLE conversation_events (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    kind            TEXT NOT NULL,
    data            TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX conversation_events_by_conversation ON conversation_events(conversation_id, id);

-- A conversation an agent gave back to the bot may be handed off again.
ALTER TABLE handoffs DROP CONSTRAINT handoffs_conversation_id_key;
CREATE INDEX handoffs_by_conversation ON handoffs(conversation_id, created_at);

ALTER TABLE handoffs ADD COLUMN agent_id TEXT;
ALTER TABLE handoffs ADD COLUMN agent_name TEXT;
ALTER TABLE handoffs ADD COLUMN claimed_at TIMESTAMPTZ;
ALTER TABLE handoffs ADD COLUMN released_at TIMESTAMPTZ;
ALTER TABLE handoffs ADD COLUMN outcome TEXT;
ALTER TABLE handoffs ADD COLUMN note TEXT;

CREATE TABLE ratings (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    handoff_id      TEXT NOT NULL,
    intent          TEXT,
    score           BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT,
    day             DATE NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX ratings_by_day ON ratings(day);
