-- Crisis notices (issue 22): as migrations/sqlite/0008_notices.sql.
CREATE TABLE notices (
    id           TEXT PRIMARY KEY,
    locale       TEXT NOT NULL,
    body         TEXT NOT NULL,
    ends_ms      BIGINT NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE TABLE notice_audit (
    seq       BIGSERIAL PRIMARY KEY,
    notice_id TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('published', 'changed', 'withdrawn')),
    key_name  TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    body      TEXT
);
ALTER TABLE turn_facts ADD COLUMN notice TEXT;
