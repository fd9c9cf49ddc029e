-- The change counter: every write transaction that changes data (not the
-- last-used bookkeeping) increments version before it commits, so any
-- process sharing the database can tell by polling one row whether it has
-- missed a change. On PostgreSQL the same transaction also sends
-- NOTIFY signet_changes; SQLite has no notifications and relies on the poll
-- for changes made by another process (offline admin commands).

-- +goose Up
CREATE TABLE change_counter (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO change_counter (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE change_counter;
