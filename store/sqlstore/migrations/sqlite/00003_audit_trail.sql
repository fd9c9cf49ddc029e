-- Audit trail: free-text search on names, the retention checkpoint, and
-- per-key authentication counts. Its PostgreSQL twin is
-- migrations/postgres/00003_audit_trail.sql (see 00001 for conventions).

-- +goose Up
-- Lowercased (by Signet, Go's Unicode rules) actor and target names, for
-- the free-text filter. They are derived from hashed columns and are not
-- part of the hash themselves. Existing rows are backfilled with the
-- database's lower(), which is ASCII-only in SQLite.
ALTER TABLE audit_events ADD COLUMN actor_name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN target_name_key TEXT NOT NULL DEFAULT '';
UPDATE audit_events SET actor_name_key = lower(actor_name), target_name_key = lower(target_name);

-- At most one row: the last event removed by retention pruning. The oldest
-- remaining event links to its hash.
CREATE TABLE audit_checkpoint (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    pruned_at INTEGER NOT NULL
);

-- Successful and failed authentications per API key per hour, written in
-- batches with the keys' last-used data (never one write per request).
-- hour is the start of the hour in unix microseconds, UTC. No foreign key:
-- keys are never deleted, and counts must not fail a whole batch.
CREATE TABLE api_key_activity (
    key_id    TEXT NOT NULL,
    hour      INTEGER NOT NULL,
    successes INTEGER NOT NULL DEFAULT 0,
    failures  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, hour)
);

-- +goose Down
DROP TABLE api_key_activity;
DROP TABLE audit_checkpoint;
ALTER TABLE audit_events DROP COLUMN target_name_key;
ALTER TABLE audit_events DROP COLUMN actor_name_key;
