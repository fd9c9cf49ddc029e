-- Signet schema, version 1.
--
-- Conventions shared with the PostgreSQL schema, so that both backends store
-- the same values and one Go implementation reads both:
--   * Timestamps are INTEGER (BIGINT) unix microseconds, UTC. Microseconds
--     are the finest precision PostgreSQL keeps, and an integer sorts,
--     compares and round-trips identically everywhere, free of driver time
--     formats and time zones.
--   * Case-insensitive uniqueness uses *_key columns holding the value
--     lowercased by Signet (Go's Unicode rules), not the database's lower(),
--     whose behaviour differs between SQLite (ASCII only) and PostgreSQL.
--   * Optional text is '' rather than NULL, except where NULL means
--     something to an index (users.email_key) or to a query.
--   * Lists (scopes, permissions) and audit details are JSON text.
--   * Booleans are INTEGER 0/1 here and BOOLEAN in PostgreSQL; database/sql
--     scans both into bool.
-- Released migrations are never edited: a schema change is a new file.

-- +goose Up
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('human', 'service_account')),
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    email_key      TEXT, -- NULL when there is no email
    description    TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL DEFAULT '',
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER,
    last_active_at INTEGER,
    -- A user is deleted exactly when it has a deletion time; the unique
    -- indexes below rely on deleted_at alone.
    CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (email_key)
    WHERE deleted_at IS NULL AND email_key IS NOT NULL;
CREATE UNIQUE INDEX users_sa_name_key ON users (name_key)
    WHERE kind = 'service_account' AND deleted_at IS NULL;
CREATE INDEX users_kind ON users (kind, id);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('service_account', 'personal')),
    owner_id       TEXT NOT NULL REFERENCES users (id),
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    secret_hash    BLOB NOT NULL CHECK (length(secret_hash) = 32),
    hint           TEXT NOT NULL DEFAULT '',
    scopes         TEXT, -- JSON array; NULL when the key is not narrowed
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    revoked_at     INTEGER,
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoked_reason TEXT NOT NULL DEFAULT '',
    last_used_at   INTEGER,
    last_used_ip   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_keys_owner ON api_keys (owner_id);
CREATE INDEX api_keys_kind ON api_keys (kind, id);

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- At most one default workspace.
CREATE UNIQUE INDEX workspaces_default ON workspaces (is_default) WHERE is_default = 1;

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    base        TEXT NOT NULL CHECK (base IN ('none', 'view', 'edit', 'manage', 'admin')),
    permissions TEXT NOT NULL DEFAULT '[]', -- JSON array of "domain:action"
    built_in    INTEGER NOT NULL DEFAULT 0 CHECK (built_in IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    protected   INTEGER NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id),
    added_at INTEGER NOT NULL,
    added_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- subject_id names a user or a group depending on subject_type, so it cannot
-- carry a foreign key: the store checks the subject exists when granting and
-- deletes a group's grants with the group.
CREATE TABLE grants (
    id           TEXT PRIMARY KEY,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('user', 'group')),
    subject_id   TEXT NOT NULL,
    role_id      TEXT NOT NULL REFERENCES roles (id),
    workspace_id TEXT REFERENCES workspaces (id) ON DELETE CASCADE, -- NULL = organisation-wide
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL DEFAULT ''
);
-- COALESCE because NULLs are distinct in a unique index, which would let an
-- organisation-wide grant be duplicated.
CREATE UNIQUE INDEX grants_unique ON grants (subject_type, subject_id, role_id, COALESCE(workspace_id, ''));
CREATE INDEX grants_subject ON grants (subject_type, subject_id);
CREATE INDEX grants_role ON grants (role_id);
CREATE INDEX grants_workspace ON grants (workspace_id);

-- workspace_id, actor_id and the target carry no foreign keys: the audit
-- trail outlives what it mentions.
CREATE TABLE audit_events (
    id           TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL UNIQUE,
    time         INTEGER NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    actor_kind   TEXT NOT NULL DEFAULT '',
    actor_name   TEXT NOT NULL DEFAULT '',
    key_id       TEXT NOT NULL DEFAULT '',
    session_id   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    target_name  TEXT NOT NULL DEFAULT '',
    workspace_id TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    details      TEXT, -- JSON object; NULL when empty
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
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_hash   BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE permission_domains (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
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
