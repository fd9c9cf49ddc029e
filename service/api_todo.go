package service

// This file lists the service API with placeholder bodies so that the HTTP
// layer and the CLI can be written against it while it is implemented. Each
// method moves to its own file when implemented; this file disappears.

import (
	"context"
	"errors"

	signet "github.com/signetdev/signet"
)

var errTODO = errors.New("service: not implemented yet")

// --- bootstrap (bootstrap.go) ---

// Bootstrap creates the defaults on an empty database (default workspace,
// built-in roles, Admins and Default Manage/Edit/View groups with their
// grants) and is a no-op on later starts. When no human user exists yet it
// returns a new one-time setup token (only its hash is stored); otherwise "".
func (s *Service) Bootstrap(ctx context.Context) (setupToken string, err error) { return "", errTODO }

// CompleteSetup consumes the setup token and creates the first administrator
// (a human in the Admins group). Returns EUNAUTHENTICATED for a wrong or used
// token, EINVALID for bad input.
func (s *Service) CompleteSetup(ctx context.Context, token string, in CreateHumanInput) (*signet.User, error) {
	return nil, errTODO
}

// SetupPending reports whether the first-admin setup has not happened yet.
func (s *Service) SetupPending(ctx context.Context) (bool, error) { return false, errTODO }

// CreateAdmin creates an administrator offline (signet admin create), as
// the system actor. Returns ECONFLICT if the email is taken.
func (s *Service) CreateAdmin(ctx context.Context, in CreateHumanInput) (*signet.User, error) {
	return nil, errTODO
}

// --- authentication support (authn.go) ---

// LoadKeyState loads a key, its owner and the owner's access for
// verification. Returns ENOTFOUND for an unknown key id.
func (s *Service) LoadKeyState(ctx context.Context, keyID string) (*KeyState, error) {
	return nil, errTODO
}

// AuthenticatePassword checks a login (email) and password. Service
// accounts are refused with a message that they are for API and SDK use
// only; disabled users and wrong passwords get EUNAUTHENTICATED.
func (s *Service) AuthenticatePassword(ctx context.Context, login, password string) (*signet.User, error) {
	return nil, errTODO
}

// ActorForUser returns an Actor for an authenticated user.
func (s *Service) ActorForUser(u *signet.User) *signet.Actor { return nil }

// RecordKeyUses writes coalesced last-used data (no audit event).
func (s *Service) RecordKeyUses(ctx context.Context, uses []signet.KeyUse) error { return errTODO }

// Me returns the caller and its effective permissions per workspace.
func (s *Service) Me(ctx context.Context, a *signet.Actor) (*MeView, error) { return nil, errTODO }

// --- users and service accounts (users.go) ---

func (s *Service) CreateServiceAccount(ctx context.Context, a *signet.Actor, in CreateServiceAccountInput) (*CreatedServiceAccount, error) {
	return nil, errTODO
}
func (s *Service) CreateHuman(ctx context.Context, a *signet.Actor, in CreateHumanInput) (*signet.User, error) {
	return nil, errTODO
}
func (s *Service) ListUsers(ctx context.Context, a *signet.Actor, f signet.UserFilter) ([]*signet.User, string, error) {
	return nil, "", errTODO
}
func (s *Service) GetUser(ctx context.Context, a *signet.Actor, id string) (*UserDetail, error) {
	return nil, errTODO
}
func (s *Service) UpdateUser(ctx context.Context, a *signet.Actor, id string, up UserUpdate) (*signet.User, error) {
	return nil, errTODO
}
func (s *Service) SetUserStatus(ctx context.Context, a *signet.Actor, id, status string) (*signet.User, error) {
	return nil, errTODO
}
func (s *Service) DeleteUser(ctx context.Context, a *signet.Actor, id string) error { return errTODO }
func (s *Service) SetUserGroups(ctx context.Context, a *signet.Actor, id string, groupIDs []string) (*UserDetail, error) {
	return nil, errTODO
}

// --- API keys (keys.go) ---

func (s *Service) CreateAPIKey(ctx context.Context, a *signet.Actor, ownerID string, in CreateKeyInput) (*CreatedKey, error) {
	return nil, errTODO
}
func (s *Service) ListAPIKeys(ctx context.Context, a *signet.Actor, f signet.APIKeyFilter) ([]*signet.APIKey, string, error) {
	return nil, "", errTODO
}
func (s *Service) GetAPIKey(ctx context.Context, a *signet.Actor, id string) (*signet.APIKey, error) {
	return nil, errTODO
}
func (s *Service) RevokeAPIKey(ctx context.Context, a *signet.Actor, id, reason string) (*signet.APIKey, error) {
	return nil, errTODO
}

// --- workspaces (workspaces.go) ---

func (s *Service) CreateWorkspace(ctx context.Context, a *signet.Actor, in WorkspaceInput) (*signet.Workspace, error) {
	return nil, errTODO
}
func (s *Service) ListWorkspaces(ctx context.Context, a *signet.Actor, p signet.Page) ([]*signet.Workspace, string, error) {
	return nil, "", errTODO
}
func (s *Service) GetWorkspace(ctx context.Context, a *signet.Actor, id string) (*signet.Workspace, error) {
	return nil, errTODO
}
func (s *Service) UpdateWorkspace(ctx context.Context, a *signet.Actor, id string, up WorkspaceUpdate) (*signet.Workspace, error) {
	return nil, errTODO
}
func (s *Service) DeleteWorkspace(ctx context.Context, a *signet.Actor, id string) error { return errTODO }

// --- roles and permissions (roles.go) ---

func (s *Service) CreateRole(ctx context.Context, a *signet.Actor, in RoleInput) (*RoleDetail, error) {
	return nil, errTODO
}
func (s *Service) ListRoles(ctx context.Context, a *signet.Actor, p signet.Page) ([]*RoleDetail, string, error) {
	return nil, "", errTODO
}
func (s *Service) GetRole(ctx context.Context, a *signet.Actor, id string) (*RoleDetail, error) {
	return nil, errTODO
}
func (s *Service) UpdateRole(ctx context.Context, a *signet.Actor, id string, up RoleUpdate) (*RoleDetail, error) {
	return nil, errTODO
}
func (s *Service) DeleteRole(ctx context.Context, a *signet.Actor, id string) error { return errTODO }

// ListPermissions returns the permission catalogue and the registered domains.
func (s *Service) ListPermissions(ctx context.Context, a *signet.Actor) (*signet.Catalogue, []*signet.PermissionDomain, error) {
	return nil, nil, errTODO
}
func (s *Service) RegisterPermissionDomain(ctx context.Context, a *signet.Actor, name, description string) (*signet.PermissionDomain, error) {
	return nil, errTODO
}

// --- groups (groups.go) ---

func (s *Service) CreateGroup(ctx context.Context, a *signet.Actor, in GroupInput) (*signet.Group, error) {
	return nil, errTODO
}
func (s *Service) ListGroups(ctx context.Context, a *signet.Actor, p signet.Page) ([]*signet.Group, string, error) {
	return nil, "", errTODO
}
func (s *Service) GetGroup(ctx context.Context, a *signet.Actor, id string) (*GroupDetail, error) {
	return nil, errTODO
}
func (s *Service) UpdateGroup(ctx context.Context, a *signet.Actor, id string, up GroupUpdate) (*signet.Group, error) {
	return nil, errTODO
}
func (s *Service) DeleteGroup(ctx context.Context, a *signet.Actor, id string) error { return errTODO }
func (s *Service) AddGroupMember(ctx context.Context, a *signet.Actor, groupID, userID string) error {
	return errTODO
}
func (s *Service) RemoveGroupMember(ctx context.Context, a *signet.Actor, groupID, userID string) error {
	return errTODO
}

// --- grants (grants.go) ---

func (s *Service) CreateGrant(ctx context.Context, a *signet.Actor, in GrantInput) (*signet.Grant, error) {
	return nil, errTODO
}
func (s *Service) ListGrants(ctx context.Context, a *signet.Actor, f signet.GrantFilter) ([]*signet.Grant, string, error) {
	return nil, "", errTODO
}
func (s *Service) DeleteGrant(ctx context.Context, a *signet.Actor, id string) error { return errTODO }

// --- audit (audit.go) ---

func (s *Service) ListAuditEvents(ctx context.Context, a *signet.Actor, f signet.AuditFilter) ([]*signet.AuditEvent, string, error) {
	return nil, "", errTODO
}
func (s *Service) GetAuditEvent(ctx context.Context, a *signet.Actor, id string) (*signet.AuditEvent, error) {
	return nil, errTODO
}
