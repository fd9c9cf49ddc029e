-- Requests sent with an Idempotency-Key, remembered for 24 hours so that a
-- retry gets the first answer instead of doing the work twice. scope is
-- the caller (user id and key id); key_hash the SHA-256 of the
-- Idempotency-Key; request_hash the SHA-256 of method, path and body.
-- response is NULL while the first request runs, then its answer sealed
-- with AES-GCM under a key derived from the Idempotency-Key itself, which
-- Signet does not store: the table alone reveals no secret a response
-- carried (a new API key). Rows past expires_at are deleted as new ones
-- are added. Written outside the change counter: no cache reads them.
-- (See 00001 for conventions.)

-- +goose Up
CREATE TABLE idempotency_records (
    scope        TEXT COLLATE "C" NOT NULL,
    key_hash     BYTEA NOT NULL CHECK (length(key_hash) = 32),
    request_hash BYTEA NOT NULL CHECK (length(request_hash) = 32),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    response     BYTEA,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX idempotency_records_expires ON idempotency_records (expires_at);

-- +goose Down
DROP TABLE idempotency_records;
