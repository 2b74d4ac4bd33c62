-- The transactional outbox: one row per handoff and webhook destination, written in the
-- same transaction as the turn that created the handoff. The delivery worker claims due
-- rows by pushing next_attempt_at past a lease, so a row whose worker died comes due again.
-- Times the worker compares are integer milliseconds since the epoch.
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    handoff_id        TEXT NOT NULL REFERENCES handoffs(id),
    destination       TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL UNIQUE,
    payload           TEXT NOT NULL,   -- the handoff document as JSON (masked)
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms   INTEGER NOT NULL,
    window_start_ms   INTEGER NOT NULL, -- retries stop this long after (reset by a manual retry)
    last_error        TEXT,
    created_at        TEXT NOT NULL,
    delivered_at      TEXT
);

CREATE INDEX outbox_due ON outbox(destination, status, next_attempt_ms);
