-- Turns of one conversation taken by two instances at once: the conversation's turn count
-- is its version, and a save that finds it moved on is refused (the turn is taken again).
-- The rest feeds analytics: the state, channel and bank day of each conversation, the
-- bank day of each handoff, and one row of facts per customer turn (no text).
ALTER TABLE conversations ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
ALTER TABLE conversations ADD COLUMN day TEXT NOT NULL DEFAULT '1970-01-01';
UPDATE conversations SET
    turn = COALESCE(json_extract(state, '$.turn'), 0),
    status = COALESCE(json_extract(state, '$.state.state'), 'active'),
    channel = COALESCE(json_extract(state, '$.channel'), 'web'),
    day = date(created_at, '+8 hours');
CREATE INDEX conversations_by_day ON conversations(day);

ALTER TABLE handoffs ADD COLUMN day TEXT NOT NULL DEFAULT '1970-01-01';
UPDATE handoffs SET day = date(created_at, '+8 hours');
CREATE INDEX handoffs_by_day ON handoffs(day);

CREATE TABLE turn_facts (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    turn            INTEGER NOT NULL,
    day             TEXT NOT NULL,      -- the bank's calendar day (UTC+8)
    channel         TEXT NOT NULL,
    intent          TEXT,               -- NULL: nothing recognised (a fallback)
    complaint       INTEGER NOT NULL,   -- 1 if the intent is a complaint
    emotion         TEXT NOT NULL,
    PRIMARY KEY (conversation_id, turn)
);
CREATE INDEX turn_facts_by_day ON turn_facts(day);
