-- Conversations, their turns and their handoffs. Every text column holds masked text only:
-- the store's API accepts nothing else.
CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,   -- the conversation as JSON (masked slot values)
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('customer', 'bot')),
    text            TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE handoffs (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL UNIQUE REFERENCES conversations(id),
    reason          TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'acknowledged')),
    summary         TEXT NOT NULL,   -- the handoff summary as JSON
    created_at      TEXT NOT NULL
);

CREATE INDEX handoffs_by_status ON handoffs(status, created_at);
