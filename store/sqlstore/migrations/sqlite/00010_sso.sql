-- Single sign-on (OpenID Connect). oidc_providers are the identity
-- providers people sign in with; client_secret is sealed with the server's
-- secret key (see service/sso.go), never in the clear; scopes,
-- allowed_domains and group_mappings are JSON. user_identities link a
-- provider's subject ("sub") to one user. sso_login_states are
-- authorisation requests in progress: single-use (deleted when the
-- browser comes back), short-lived, bound to the browser by the hash of a
-- cookie; nonce and verifier are sealed. Providers and identities are
-- configuration and links that the session lookup does not cache; login
-- states are bookkeeping. (See 00001 for conventions.)
-- Numbered 00010: 00009 is taken by the OAuth2 token issuer.

-- +goose Up
CREATE TABLE oidc_providers (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    issuer          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    client_secret   TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    allowed_domains TEXT NOT NULL,
    jit_create      INTEGER NOT NULL CHECK (jit_create IN (0, 1)),
    groups_claim    TEXT NOT NULL DEFAULT '',
    group_mappings  TEXT NOT NULL,
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    updated_at      BIGINT NOT NULL
);

CREATE TABLE user_identities (
    provider_id   TEXT NOT NULL REFERENCES oidc_providers (id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (provider_id, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

CREATE TABLE sso_login_states (
    state_hash   BLOB PRIMARY KEY CHECK (length(state_hash) = 32),
    browser_hash BLOB NOT NULL CHECK (length(browser_hash) = 32),
    provider_id  TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    next         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sso_login_states_expires ON sso_login_states (expires_at);

-- +goose Down
DROP TABLE sso_login_states;
DROP TABLE user_identities;
DROP TABLE oidc_providers;
