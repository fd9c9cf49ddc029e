-- The UTS #39 skeleton of each user's name (internal/confusable), kept by
-- Signet beside the name like name_key, so that names that look alike
-- ("sa_admin" and "sa_аdmin" with a Cyrillic а) are found with one indexed
-- lookup instead of a scan of every user. Filled for existing rows when
-- the store opens (sqlstore.backfillSkeletons): SQL cannot compute it.
-- (See 00001 for conventions.)

-- +goose Up
ALTER TABLE users ADD COLUMN name_skeleton TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX users_name_skeleton ON users (name_skeleton) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX users_name_skeleton;
ALTER TABLE users DROP COLUMN name_skeleton;
