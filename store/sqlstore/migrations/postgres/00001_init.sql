-- Signet schema, version 1, PostgreSQL. The same tables, columns, values
-- and constraints as migrations/sqlite/00001_init.sql (read its header for
-- the conventions); the differences are only of type:
--   * INTEGER timestamps are BIGINT (unix microseconds, UTC).
--   * BLOB is BYTEA; 0/1 INTEGER flags are BOOLEAN.
--   * Identifiers and *_key columns are TEXT COLLATE "C", so ORDER BY id and
--     the cursor comparison id > ? are bytewise, as in SQLite, whatever the
--     database's default collation (and their indexes are cheaper).
--   * JSON stays TEXT: the audit hash is computed over what is stored, and
--     TEXT keeps it byte for byte (JSONB would reformat it).
-- Released migrations are never edited: a schema change is a new file, with
-- the same version number in both directories.

-- +goose Up
CREATE TABLE users (
    id             TEXT COLLATE "C" PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('human', 'service_account')),
    name           TEXT NOT NULL,
    name_key       TEXT COLLATE "C" NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    email_key      TEXT COLLATE "C",
    description    TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL DEFAULT '',
    updated_at     BIGINT NOT NULL,
    deleted_at     BIGINT,
    last_active_at BIGINT,
    CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (email_key)
    WHERE deleted_at IS NULL AND email_key IS NOT NULL;
CREATE UNIQUE INDEX users_sa_name_key ON users (name_key)
    WHERE kind = 'service_account' AND deleted_at IS NULL;
CREATE INDEX users_kind ON users (kind, id);

CREATE TABLE api_keys (
    id             TEXT COLLATE "C" PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('service_account', 'personal')),
    owner_id       TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    name           TEXT NOT NULL,
    name_key       TEXT COLLATE "C" NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    secret_hash    BYTEA NOT NULL CHECK (length(secret_hash) = 32),
    hint           TEXT NOT NULL DEFAULT '',
    scopes         TEXT,
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT,
    revoked_at     BIGINT,
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoked_reason TEXT NOT NULL DEFAULT '',
    last_used_at   BIGINT,
    last_used_ip   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_keys_owner ON api_keys (owner_id);
CREATE INDEX api_keys_kind ON api_keys (kind, id);

CREATE TABLE workspaces (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX workspaces_default ON workspaces (is_default) WHERE is_default;

CREATE TABLE roles (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    base        TEXT NOT NULL CHECK (base IN ('none', 'view', 'edit', 'manage', 'admin')),
    permissions TEXT NOT NULL DEFAULT '[]',
    built_in    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE groups (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    protected   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT COLLATE "C" NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    added_at BIGINT NOT NULL,
    added_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE grants (
    id           TEXT COLLATE "C" PRIMARY KEY,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('user', 'group')),
    subject_id   TEXT COLLATE "C" NOT NULL,
    role_id      TEXT COLLATE "C" NOT NULL REFERENCES roles (id),
    workspace_id TEXT COLLATE "C" REFERENCES workspaces (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX grants_unique ON grants (subject_type, subject_id, role_id, COALESCE(workspace_id, ''));
CREATE INDEX grants_subject ON grants (subject_type, subject_id);
CREATE INDEX grants_role ON grants (role_id);
CREATE INDEX grants_workspace ON grants (workspace_id);

CREATE TABLE audit_events (
    id           TEXT COLLATE "C" PRIMARY KEY,
    seq          BIGINT NOT NULL UNIQUE,
    time         BIGINT NOT NULL,
    actor_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    actor_kind   TEXT NOT NULL DEFAULT '',
    actor_name   TEXT NOT NULL DEFAULT '',
    key_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
    session_id   TEXT NOT NULL DEFAULT '',
    action       TEXT COLLATE "C" NOT NULL,
    target_type  TEXT COLLATE "C" NOT NULL DEFAULT '',
    target_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    target_name  TEXT NOT NULL DEFAULT '',
    workspace_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    outcome      TEXT COLLATE "C" NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    details      TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_key ON audit_events (key_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id, seq);
CREATE INDEX audit_events_workspace ON audit_events (workspace_id, seq);
CREATE INDEX audit_events_time ON audit_events (time);

CREATE TABLE sessions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    token_hash   BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE settings (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE permission_domains (
    name        TEXT COLLATE "C" PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE permission_domains;
DROP TABLE settings;
DROP TABLE sessions;
DROP TABLE audit_events;
DROP TABLE grants;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE roles;
DROP TABLE workspaces;
DROP TABLE api_keys;
DROP TABLE users;
