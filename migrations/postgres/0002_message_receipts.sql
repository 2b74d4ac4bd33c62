-- Receipts of messages sent with an idempotency key (`Idempotency-Key` or `message_id`),
-- written in the same transaction as the turn: a retry of the message, at any instance,
-- finds its receipt and gets the same answer, with no second turn; the primary key is the
-- last line against two instances saving one key at once. No customer text is kept: the
-- request is a SHA-256 digest of the message as masked, enough to tell a retry from
-- another message under the same key. The response is the answer as first sent, built
-- from masked text.
CREATE TABLE message_receipts (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    idempotency_key TEXT NOT NULL,
    request_digest  TEXT NOT NULL,
    turn            BIGINT NOT NULL,
    response        TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (conversation_id, idempotency_key)
);
