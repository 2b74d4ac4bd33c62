-- Crisis notices (issue 22). The notices the on-duty manager publishes through the API
-- (files' notices are content), each as the API's JSON; every instance reads them every
-- few seconds. `notice_audit` keeps who published, changed or withdrew what, and when.
CREATE TABLE notices (
    id           TEXT PRIMARY KEY,
    locale       TEXT NOT NULL,
    body         TEXT NOT NULL,
    ends_ms      INTEGER NOT NULL,
    withdrawn_at TEXT,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE TABLE notice_audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('published', 'changed', 'withdrawn')),
    key_name  TEXT NOT NULL,
    at        TEXT NOT NULL,
    body      TEXT
);
-- The notice a turn's reply gave (analytics: conversations each notice touched).
ALTER TABLE turn_facts ADD COLUMN notice TEXT;
