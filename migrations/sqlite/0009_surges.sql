-- Surge alerts (issue 22). Each turn's instant (ms since the epoch) and the city it named,
-- so that the last hour can be compared with the same hour of the days before; the
-- alerts themselves, at most one open per intent and city ('' : the intent everywhere).
ALTER TABLE turn_facts ADD COLUMN at_ms INTEGER;
ALTER TABLE turn_facts ADD COLUMN city TEXT;
CREATE INDEX turn_facts_by_at ON turn_facts(at_ms);

CREATE TABLE surges (
    id          TEXT PRIMARY KEY,
    intent      TEXT NOT NULL,
    city        TEXT NOT NULL DEFAULT '',
    raised_at   TEXT NOT NULL,
    window_ms   INTEGER NOT NULL,   -- the hour that surged ended here
    count       INTEGER NOT NULL,   -- conversations in that hour
    baseline    REAL NOT NULL,      -- the same hour's average over the days before
    cleared_at  TEXT
);
-- One open alert per intent and city, whatever the number of instances raising it.
CREATE UNIQUE INDEX surges_open ON surges(intent, city) WHERE cleared_at IS NULL;

-- The outbox carries surge events too: a row is for a handoff, a commitment or a surge.
-- SQLite cannot change a CHECK: the table is rebuilt (foreign keys are off while it runs).
CREATE TABLE outbox_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    handoff_id        TEXT REFERENCES handoffs(id),
    commitment_id     TEXT REFERENCES commitments(id),
    surge_id          TEXT REFERENCES surges(id),
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
    CHECK ((handoff_id IS NOT NULL) + (commitment_id IS NOT NULL) + (surge_id IS NOT NULL) = 1)
);
INSERT INTO outbox_new (id, handoff_id, commitment_id, destination, idempotency_key, payload,
                        status, attempts, next_attempt_ms, window_start_ms, last_error,
                        created_at, delivered_at)
    SELECT id, handoff_id, commitment_id, destination, idempotency_key, payload, status,
           attempts, next_attempt_ms, window_start_ms, last_error, created_at, delivered_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(destination, status, next_attempt_ms);
