-- A person takes over in the same chat (issue 18).
-- The conversation token: only its SHA-256 (hex) is kept; the client got the token once.
ALTER TABLE conversations ADD COLUMN token_sha256 TEXT;

-- What the widget and the desk see happen, written in the transaction of the change that
-- causes it. The id is global and increasing: the SSE event id a client resumes from.
-- `data` is JSON made of masked text only.
CREATE TABLE conversation_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    kind            TEXT NOT NULL,
    data            TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX conversation_events_by_conversation ON conversation_events(conversation_id, id);

-- Handoffs gain who claimed them in the chat and when, and how they were released; and
-- a conversation an agent gave back to the bot may be handed off again, so
-- `conversation_id` is no longer unique. SQLite cannot drop a constraint: the table is
-- rebuilt (the migration runs with foreign keys off, and checks them before it commits).
CREATE TABLE handoffs_new (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    reason          TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'acknowledged')),
    summary         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    acked_by        TEXT,
    acked_at        TEXT,
    day             TEXT NOT NULL DEFAULT '1970-01-01',
    agent_id        TEXT,
    agent_name      TEXT,
    claimed_at      TEXT,
    released_at     TEXT,
    outcome         TEXT,
    note            TEXT     -- the agent's note, masked
);
INSERT INTO handoffs_new (id, conversation_id, reason, priority, status, summary, created_at,
                          acked_by, acked_at, day)
    SELECT id, conversation_id, reason, priority, status, summary, created_at,
           acked_by, acked_at, day FROM handoffs;
DROP TABLE handoffs;
ALTER TABLE handoffs_new RENAME TO handoffs;
CREATE INDEX handoffs_by_status ON handoffs(status, created_at);
CREATE INDEX handoffs_by_day ON handoffs(day);
CREATE INDEX handoffs_by_conversation ON handoffs(conversation_id, created_at);

-- The customer's rating of an agent who resolved the conversation: one per conversation.
CREATE TABLE ratings (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    handoff_id      TEXT NOT NULL,
    intent          TEXT,              -- the handoff's primary intent
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT,              -- masked
    day             TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX ratings_by_day ON ratings(day);
