-- Promises that are kept (issue 19).
-- Every commitment the bot (or an agent) makes, written in the transaction of the turn that
-- makes it. Times the follow-up compares are integer milliseconds since the epoch, like the
-- outbox's. `text` and `customer_id` are masked.
CREATE TABLE commitments (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    customer_id     TEXT,
    intent          TEXT NOT NULL,
    template        TEXT NOT NULL,
    text            TEXT NOT NULL,
    made_by         TEXT NOT NULL,
    made_at         TEXT NOT NULL,
    day             TEXT NOT NULL,   -- the bank day it was made (analytics)
    due_by          TEXT NOT NULL,   -- the bank date the customer was told
    due_at          TEXT NOT NULL,
    due_ms          INTEGER NOT NULL,
    due_soon_ms     INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'fulfilled', 'overdue', 'cancelled')),
    due_soon_sent   INTEGER NOT NULL DEFAULT 0,
    overdue_sent    INTEGER NOT NULL DEFAULT 0,
    fulfilled_by    TEXT,
    on_time         INTEGER,         -- fulfilled by its due time
    cancel_reason   TEXT,            -- masked
    closed_at       TEXT
);
CREATE INDEX commitments_follow_up ON commitments(status, due_soon_ms);
CREATE INDEX commitments_by_customer ON commitments(customer_id, status);
CREATE INDEX commitments_by_conversation ON commitments(conversation_id);
CREATE INDEX commitments_by_day ON commitments(day);

-- The outbox carries commitment events too: a row is for a handoff or for a commitment.
-- SQLite cannot drop NOT NULL: the table is rebuilt (foreign keys are off while it runs).
CREATE TABLE outbox_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    handoff_id        TEXT REFERENCES handoffs(id),
    commitment_id     TEXT REFERENCES commitments(id),
    destination       TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL UNIQUE,
    payload           TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms   INTEGER NOT NULL,
    window_start_ms   INTEGER NOT NULL,
    last_error        TEXT,
    created_at        TEXT NOT NULL,
    delivered_at      TEXT,
    CHECK ((handoff_id IS NULL) <> (commitment_id IS NULL))
);
INSERT INTO outbox_new (id, handoff_id, destination, idempotency_key, payload, status,
                        attempts, next_attempt_ms, window_start_ms, last_error, created_at,
                        delivered_at)
    SELECT id, handoff_id, destination, idempotency_key, payload, status, attempts,
           next_attempt_ms, window_start_ms, last_error, created_at, delivered_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(destination, status, next_attempt_ms);
