-- Surge alerts (issue 22). Each turn's instant (ms since the epoch) and the city it named,
-- so that the last hour can be compared with the same hour of the days before; the
-- alerts themselves, at most one open per intent and city ('' : the intent everywhere).
ALTER TABLE turn_facts ADD COLUMN at_ms BIGINT;
ALTER TABLE turn_facts ADD COLUMN city TEXT;
CREATE INDEX turn_facts_by_at ON turn_facts(at_ms);

CREATE TABLE surges (
    id          TEXT PRIMARY KEY,
    intent      TEXT NOT NULL,
    city        TEXT NOT NULL DEFAULT '',
    raised_at   TIMESTAMPTZ NOT NULL,
    window_ms   BIGINT NOT NULL,
    count       BIGINT NOT NULL,
    baseline    DOUBLE PRECISION NOT NULL,
    cleared_at  TIMESTAMPTZ
);
-- One open alert per intent and city, whatever the number of instances raising it.
CREATE UNIQUE INDEX surges_open ON surges(intent, city) WHERE cleared_at IS NULL;

-- The outbox carries surge events too: a row is for a handoff, a commitment or a surge.
ALTER TABLE outbox ADD COLUMN surge_id TEXT REFERENCES surges(id);
ALTER TABLE outbox DROP CONSTRAINT outbox_one_subject;
ALTER TABLE outbox ADD CONSTRAINT outbox_one_subject
    CHECK (num_nonnulls(handoff_id, commitment_id, surge_id) = 1);
