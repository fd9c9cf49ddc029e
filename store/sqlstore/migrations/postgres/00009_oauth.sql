-- Short-lived tokens (OAuth 2.0). oauth_audiences are the resources tokens
-- are issued for; oauth_client_keys the public keys service accounts
-- register to sign client assertions (private_key_jwt); oauth_signing_keys
-- Signet's own token signing keys, the private half sealed with the
-- server's secret key; oauth_revoked_tokens the access tokens revoked
-- before their expiry (RFC 7009), kept until then. These four are read by
-- caches, so writing them counts as a change. oauth_used_assertions
-- remembers each client assertion's jti until it expires, so that none is
-- accepted twice (RFC 7523 §3); it is bookkeeping. (See 00001 for
-- conventions.)

-- +goose Up
CREATE TABLE oauth_audiences (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    identifier         TEXT NOT NULL UNIQUE,
    description        TEXT NOT NULL DEFAULT '',
    service_account_id TEXT NOT NULL DEFAULT '',
    token_lifetime_us  BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    created_by         TEXT NOT NULL DEFAULT '',
    updated_at         BIGINT NOT NULL
);

CREATE TABLE oauth_client_keys (
    id         TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    algorithm  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    thumbprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    UNIQUE (user_id, thumbprint)
);

CREATE TABLE oauth_signing_keys (
    id          TEXT COLLATE "C" PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    expires_at  BIGINT
);

CREATE TABLE oauth_revoked_tokens (
    jti        TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX oauth_revoked_tokens_expires ON oauth_revoked_tokens (expires_at);

CREATE TABLE oauth_used_assertions (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX oauth_used_assertions_expires ON oauth_used_assertions (expires_at);

-- +goose Down
DROP TABLE oauth_used_assertions;
DROP TABLE oauth_revoked_tokens;
DROP TABLE oauth_signing_keys;
DROP TABLE oauth_client_keys;
DROP TABLE oauth_audiences;
