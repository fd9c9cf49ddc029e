-- Keys minted by `signet login` (POST /api/v1/login) remember the device
-- that asked for them, so that signing in again on that device replaces
-- the previous key instead of leaving it behind. '' for every other key.
-- (See 00001 for conventions.)

-- +goose Up
ALTER TABLE api_keys ADD COLUMN login_device TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE api_keys DROP COLUMN login_device;
