-- Every customer turn explained (issue 24): the audit record as JSON (masked, versioned
-- by its schema_version field), written in the turn's transaction, purged after the
-- retention period by `at_ms`.
CREATE TABLE turn_audit (
    conversation_id TEXT NOT NULL,
    turn            INTEGER NOT NULL,
    at_ms           INTEGER NOT NULL,
    record          TEXT NOT NULL,
    PRIMARY KEY (conversation_id, turn)
);
CREATE INDEX turn_audit_by_at ON turn_audit(at_ms);
