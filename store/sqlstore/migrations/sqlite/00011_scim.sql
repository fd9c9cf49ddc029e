-- SCIM provisioning: external_id is the identity provider's own id for a
-- person or a group (SCIM's externalId, RFC 7643 §3.1), set and read by
-- the provider; '' when none. The provider finds its resources by it
-- (filter=externalId eq "…"), hence the partial indexes. Not unique: it
-- is the provider's to keep unique, and two providers may reuse values.
-- (See 00001 for conventions.)

-- +goose Up
ALTER TABLE users ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE INDEX users_external_id ON users (external_id) WHERE external_id <> '';
CREATE INDEX groups_external_id ON groups (external_id) WHERE external_id <> '';

-- +goose Down
DROP INDEX groups_external_id;
DROP INDEX users_external_id;
ALTER TABLE groups DROP COLUMN external_id;
ALTER TABLE users DROP COLUMN external_id;
