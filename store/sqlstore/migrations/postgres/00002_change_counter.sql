-- The change counter; see migrations/sqlite/00002_change_counter.sql. Every
-- write transaction that changes data increments version and sends
-- NOTIFY signet_changes with the new version as payload; PostgreSQL delivers
-- the notification only when the transaction commits. Each replica LISTENs,
-- and polls this row as the safety net for notifications it missed.

-- +goose Up
CREATE TABLE change_counter (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO change_counter (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE change_counter;
