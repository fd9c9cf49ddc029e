-- Key lifecycle: per-key network allowlists and labels, the expiry rule
-- (lifetime) a rotation copies, the link between a rotated key and its
-- successor, and a reversible disabled state; labels and an owner for
-- users (who is responsible for a service account). key_warnings records
-- each expiry warning sent (key, threshold) once, so that no replica and
-- no restart sends it twice. (See 00001 for conventions.)

-- +goose Up
ALTER TABLE api_keys ADD COLUMN allowed_networks TEXT; -- JSON array of CIDRs; NULL: anywhere
ALTER TABLE api_keys ADD COLUMN labels TEXT;           -- JSON object; NULL: none
ALTER TABLE api_keys ADD COLUMN lifetime_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN rotated_from TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN rotated_to TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN rotated_at BIGINT;
ALTER TABLE api_keys ADD COLUMN disabled_at BIGINT;
ALTER TABLE api_keys ADD COLUMN disabled_by TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX api_keys_expires ON api_keys (expires_at) WHERE revoked_at IS NULL AND expires_at IS NOT NULL;

ALTER TABLE users ADD COLUMN labels TEXT;
ALTER TABLE users ADD COLUMN owner_type TEXT NOT NULL DEFAULT '' CHECK (owner_type IN ('', 'user', 'group'));
ALTER TABLE users ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';

CREATE TABLE key_warnings (
    key_id       TEXT COLLATE "C" NOT NULL,
    threshold_us BIGINT NOT NULL,
    sent_at      BIGINT NOT NULL,
    PRIMARY KEY (key_id, threshold_us)
);

-- +goose Down
DROP TABLE key_warnings;
ALTER TABLE users DROP COLUMN owner_id;
ALTER TABLE users DROP COLUMN owner_type;
ALTER TABLE users DROP COLUMN labels;
DROP INDEX api_keys_expires;
ALTER TABLE api_keys DROP COLUMN disabled_reason;
ALTER TABLE api_keys DROP COLUMN disabled_by;
ALTER TABLE api_keys DROP COLUMN disabled_at;
ALTER TABLE api_keys DROP COLUMN rotated_at;
ALTER TABLE api_keys DROP COLUMN rotated_to;
ALTER TABLE api_keys DROP COLUMN rotated_from;
ALTER TABLE api_keys DROP COLUMN lifetime_us;
ALTER TABLE api_keys DROP COLUMN labels;
ALTER TABLE api_keys DROP COLUMN allowed_networks;
