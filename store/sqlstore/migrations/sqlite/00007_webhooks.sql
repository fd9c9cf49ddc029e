-- Outbound webhooks. webhook_endpoints are the receivers; secret and
-- previous_secret hold their signing secrets sealed with the server's
-- secret key (see service/webhooks.go), never in the clear.
-- webhook_deliveries is the outbox: one row per (event, endpoint), written
-- in the transaction that appends the audit event, so a committed change
-- always has its deliveries and a rolled-back one never does. A process
-- claims due rows by setting lease_owner and lease_until; another takes
-- them over only once the lease has run out. webhook_attempts keeps every
-- try. All three are written outside the change counter: no cache reads
-- them. (See 00001 for conventions.)

-- +goose Up
CREATE TABLE webhook_endpoints (
    id                         TEXT PRIMARY KEY,
    url                        TEXT NOT NULL,
    description                TEXT NOT NULL DEFAULT '',
    event_types                TEXT NOT NULL,
    enabled                    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    disabled_reason            TEXT NOT NULL DEFAULT '',
    secret                     TEXT NOT NULL,
    previous_secret            TEXT NOT NULL DEFAULT '',
    previous_secret_expires_at BIGINT,
    failing_since              BIGINT,
    created_at                 BIGINT NOT NULL,
    created_by                 TEXT NOT NULL DEFAULT '',
    updated_at                 BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    payload          BLOB NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    last_attempt_at  BIGINT,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    n             INTEGER NOT NULL,
    at            BIGINT NOT NULL,
    status_code   INTEGER NOT NULL DEFAULT 0,
    latency_us    BIGINT NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    response_body TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, n)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
