-- Promises that are kept (issue 19): the same as SQLite's 0007.
-- Every commitment the bot (or an agent) makes, written in the transaction of the turn that
-- makes it. The follow-up of every instance claims due rows with FOR UPDATE SKIP LOCKED;
-- the times it compares are milliseconds since the epoch. `text`, `customer_id` masked.
CREATE TABLE commitments (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    customer_id     TEXT,
    intent          TEXT NOT NULL,
    template        TEXT NOT NULL,
    text            TEXT NOT NULL,
    made_by         TEXT NOT NULL,
    made_at         TIMESTAMPTZ NOT NULL,
    day             DATE NOT NULL,
    due_by          DATE NOT NULL,
    due_at          TIMESTAMPTZ NOT NULL,
    due_ms          BIGINT NOT NULL,
    due_soon_ms     BIGINT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'fulfilled', 'overdue', 'cancelled')),
    due_soon_sent   BOOLEAN NOT NULL DEFAULT FALSE,
    overdue_sent    BOOLEAN NOT NULL DEFAULT FALSE,
    fulfilled_by    TEXT,
    on_time         BOOLEAN,
    cancel_reason   TEXT,
    closed_at       TIMESTAMPTZ
);
CREATE INDEX commitments_follow_up ON commitments(status, due_soon_ms);
CREATE INDEX commitments_by_customer ON commitments(customer_id, status);
CREATE INDEX commitments_by_conversation ON commitments(conversation_id);
CREATE INDEX commitments_by_day ON commitments(day);

-- The outbox carries commitment events too: a row is for a handoff or for a commitment.
ALTER TABLE outbox ALTER COLUMN handoff_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN commitment_id TEXT REFERENCES commitments(id);
ALTER TABLE outbox ADD CONSTRAINT outbox_one_subject
    CHECK ((handoff_id IS NULL) <> (commitment_id IS NULL));
