package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

const v1 = "/api/v1"

// --- service accounts ---

// CreateServiceAccount creates a service account with optional grants,
// group memberships and first API key.
func (c *Client) CreateServiceAccount(ctx context.Context, req CreateServiceAccountRequest) (*CreateServiceAccountResponse, error) {
	return call[CreateServiceAccountResponse](ctx, c, http.MethodPost, v1+"/service-accounts", nil, req)
}

// ListServiceAccounts returns one page of service accounts. opts.Kind is ignored.
func (c *Client) ListServiceAccounts(ctx context.Context, opts ListUsersOptions) (*Page[User], error) {
	q := opts.ListOptions.values()
	set(q, "status", opts.Status)
	set(q, "name", opts.Name)
	set(q, "owner", opts.Owner)
	for _, l := range opts.Labels {
		q.Add("label", l)
	}
	return call[Page[User]](ctx, c, http.MethodGet, v1+"/service-accounts", q, nil)
}

// GetServiceAccount returns a service account with its groups and grants.
func (c *Client) GetServiceAccount(ctx context.Context, id string) (*UserDetail, error) {
	return call[UserDetail](ctx, c, http.MethodGet, p(v1+"/service-accounts/", id), nil, nil)
}

// UpdateServiceAccount renames a service account or changes its
// description. Email and Password are refused for service accounts.
func (c *Client) UpdateServiceAccount(ctx context.Context, id string, up UserUpdate) (*User, error) {
	return call[User](ctx, c, http.MethodPatch, p(v1+"/service-accounts/", id), nil, up)
}

// DeleteServiceAccount deletes a service account and revokes its keys.
func (c *Client) DeleteServiceAccount(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/service-accounts/", id), nil, nil, nil)
}

// DisableServiceAccount disables a service account: its keys stop working at once.
func (c *Client) DisableServiceAccount(ctx context.Context, id string) (*User, error) {
	return call[User](ctx, c, http.MethodPost, p(v1+"/service-accounts/", id, "/disable"), nil, nil)
}

// EnableServiceAccount enables a disabled service account.
func (c *Client) EnableServiceAccount(ctx context.Context, id string) (*User, error) {
	return call[User](ctx, c, http.MethodPost, p(v1+"/service-accounts/", id, "/enable"), nil, nil)
}

// SetServiceAccountGroups replaces a service account's group memberships.
func (c *Client) SetServiceAccountGroups(ctx context.Context, id string, groupIDs []string) (*UserDetail, error) {
	if groupIDs == nil {
		groupIDs = []string{}
	}
	return call[UserDetail](ctx, c, http.MethodPut, p(v1+"/service-accounts/", id, "/groups"), nil, SetGroupsRequest{GroupIDs: groupIDs})
}

// CreateServiceAccountKey creates an API key for a service account. The
// result's Key field is the key string, returned only this once.
func (c *Client) CreateServiceAccountKey(ctx context.Context, id string, req CreateAPIKeyRequest) (*CreatedAPIKey, error) {
	return call[CreatedAPIKey](ctx, c, http.MethodPost, p(v1+"/service-accounts/", id, "/api-keys"), nil, req)
}

// ListServiceAccountKeys returns one page of a service account's keys,
// revoked and expired ones included.
func (c *Client) ListServiceAccountKeys(ctx context.Context, id string, opts ListOptions) (*Page[APIKey], error) {
	return call[Page[APIKey]](ctx, c, http.MethodGet, p(v1+"/service-accounts/", id, "/api-keys"), opts.values(), nil)
}

// --- API keys ---

// ListAPIKeys returns one page of API keys: every service account's keys
// unless opts.Kind says "personal".
func (c *Client) ListAPIKeys(ctx context.Context, opts ListAPIKeysOptions) (*Page[APIKey], error) {
	q := opts.ListOptions.values()
	set(q, "owner_id", opts.OwnerID)
	set(q, "status", opts.Status)
	set(q, "name", opts.Name)
	set(q, "kind", opts.Kind)
	if opts.NonCompliant {
		set(q, "non_compliant", "true")
	}
	for _, l := range opts.Labels {
		q.Add("label", l)
	}
	set(q, "expiring_within", opts.ExpiringWithin)
	set(q, "unused_for", opts.UnusedFor)
	return call[Page[APIKey]](ctx, c, http.MethodGet, v1+"/api-keys", q, nil)
}

// GetKeyPolicy returns the organisation's key policy (needs settings:read
// organisation-wide).
func (c *Client) GetKeyPolicy(ctx context.Context) (*KeyPolicy, error) {
	return call[KeyPolicy](ctx, c, http.MethodGet, v1+"/key-policy", nil, nil)
}

// SetKeyPolicy replaces the organisation's key policy (needs
// settings:write organisation-wide). Existing keys that break it are
// reported, not revoked, and refused from its EnforceFrom on.
func (c *Client) SetKeyPolicy(ctx context.Context, p KeyPolicySettings) (*KeyPolicy, error) {
	return call[KeyPolicy](ctx, c, http.MethodPut, v1+"/key-policy", nil, p)
}

// GetAPIKey returns a key's metadata.
func (c *Client) GetAPIKey(ctx context.Context, id string) (*APIKey, error) {
	return call[APIKey](ctx, c, http.MethodGet, p(v1+"/api-keys/", id), nil, nil)
}

// RotateAPIKey replaces a key by a new one with the same owner, name,
// description, scopes, network allowlist, labels and expiry rule; the old
// key keeps working for the grace (req.Grace, or the key policy's
// default), then is refused as expired. The result's APIKey.Key is the
// new key string, returned only this once.
func (c *Client) RotateAPIKey(ctx context.Context, id string, req RotateAPIKeyRequest) (*RotateAPIKeyResponse, error) {
	return call[RotateAPIKeyResponse](ctx, c, http.MethodPost, p(v1+"/api-keys/", id, "/rotate"), nil, req)
}

// RevokeAPIKey revokes a key. Revoking a revoked key is not an error and
// keeps the first revocation.
func (c *Client) RevokeAPIKey(ctx context.Context, id, reason string) (*APIKey, error) {
	return call[APIKey](ctx, c, http.MethodPost, p(v1+"/api-keys/", id, "/revoke"), nil, RevokeAPIKeyRequest{Reason: reason})
}

// UpdateAPIKey changes a key's name, description, labels or network
// allowlist (the fields set in req); see UpdateAPIKeyRequest.
func (c *Client) UpdateAPIKey(ctx context.Context, id string, req UpdateAPIKeyRequest) (*APIKey, error) {
	if req.AllowedNetworks != nil && *req.AllowedNetworks == nil {
		// A pointer to a nil list means "clear", which JSON's null would
		// not say.
		req.AllowedNetworks = &[]string{}
	}
	return call[APIKey](ctx, c, http.MethodPatch, p(v1+"/api-keys/", id), nil, req)
}

// DisableAPIKey disables a key until it is enabled again; requests with
// it are refused (reason key_disabled). Disabling a disabled key is not an
// error.
func (c *Client) DisableAPIKey(ctx context.Context, id, reason string) (*APIKey, error) {
	return call[APIKey](ctx, c, http.MethodPost, p(v1+"/api-keys/", id, "/disable"), nil, DisableAPIKeyRequest{Reason: reason})
}

// EnableAPIKey enables a disabled key. Enabling counts as a use of the
// key (its last-used time becomes now).
func (c *Client) EnableAPIKey(ctx context.Context, id string) (*APIKey, error) {
	return call[APIKey](ctx, c, http.MethodPost, p(v1+"/api-keys/", id, "/enable"), nil, nil)
}

// --- me and personal keys ---

// Me returns the caller and its effective permissions.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	return call[Me](ctx, c, http.MethodGet, v1+"/me", nil, nil)
}

// CreatePersonalKey creates an API key owned by the caller.
func (c *Client) CreatePersonalKey(ctx context.Context, req CreateAPIKeyRequest) (*CreatedAPIKey, error) {
	return call[CreatedAPIKey](ctx, c, http.MethodPost, v1+"/me/api-keys", nil, req)
}

// ListPersonalKeys returns one page of the caller's own keys.
func (c *Client) ListPersonalKeys(ctx context.Context, opts ListOptions) (*Page[APIKey], error) {
	return call[Page[APIKey]](ctx, c, http.MethodGet, v1+"/me/api-keys", opts.values(), nil)
}

// RevokePersonalKey revokes one of the caller's own keys.
func (c *Client) RevokePersonalKey(ctx context.Context, id, reason string) (*APIKey, error) {
	return call[APIKey](ctx, c, http.MethodPost, p(v1+"/me/api-keys/", id, "/revoke"), nil, RevokeAPIKeyRequest{Reason: reason})
}

// VerifyKey asks the server whether the client's API key is valid (Bigeye's
// GET /api/v1/personal-api-keys/verify). It reports false, with a nil
// error, when the server answers 401.
func (c *Client) VerifyKey(ctx context.Context) (bool, error) {
	err := c.do(ctx, http.MethodGet, v1+"/personal-api-keys/verify", nil, nil, nil)
	if err == nil {
		return true, nil
	}
	if ErrorCode(err) == CodeUnauthenticated {
		return false, nil
	}
	return false, err
}

// --- setup and health ---

// Setup completes the first-administrator setup with the one-time token
// from the server's log. It needs no credential.
func (c *Client) Setup(ctx context.Context, req SetupRequest) (*User, error) {
	return call[User](ctx, c, http.MethodPost, v1+"/setup", nil, req)
}

// Login exchanges an email and password for a personal API key that
// expires (POST /api/v1/login; no other credential needed). It revokes the
// keys an earlier login with the same DeviceID minted.
func (c *Client) Login(ctx context.Context, req LoginRequest) (*CreatedAPIKey, error) {
	return call[CreatedAPIKey](ctx, c, http.MethodPost, v1+"/login", nil, req)
}

// Ready reports whether the server is ready (GET /readyz); the error is an
// *Error with status 503 when it is not.
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}

// --- users ---

// CreateUser creates a human user.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (*User, error) {
	return call[User](ctx, c, http.MethodPost, v1+"/users", nil, req)
}

// ListUsers returns one page of users: humans unless opts.Kind says
// "service_account" or "all".
func (c *Client) ListUsers(ctx context.Context, opts ListUsersOptions) (*Page[User], error) {
	q := opts.ListOptions.values()
	set(q, "kind", opts.Kind)
	set(q, "status", opts.Status)
	set(q, "name", opts.Name)
	return call[Page[User]](ctx, c, http.MethodGet, v1+"/users", q, nil)
}

// GetUser returns a user (of either kind) with its groups and grants.
func (c *Client) GetUser(ctx context.Context, id string) (*UserDetail, error) {
	return call[UserDetail](ctx, c, http.MethodGet, p(v1+"/users/", id), nil, nil)
}

// UpdateUser changes a user's name, email, description or password.
func (c *Client) UpdateUser(ctx context.Context, id string, up UserUpdate) (*User, error) {
	return call[User](ctx, c, http.MethodPatch, p(v1+"/users/", id), nil, up)
}

// DeleteUser deletes a user and revokes its keys.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/users/", id), nil, nil, nil)
}

// DisableUser disables a user: its keys and sessions stop working at once.
func (c *Client) DisableUser(ctx context.Context, id string) (*User, error) {
	return call[User](ctx, c, http.MethodPost, p(v1+"/users/", id, "/disable"), nil, nil)
}

// EnableUser enables a disabled user.
func (c *Client) EnableUser(ctx context.Context, id string) (*User, error) {
	return call[User](ctx, c, http.MethodPost, p(v1+"/users/", id, "/enable"), nil, nil)
}

// --- groups ---

// CreateGroup creates a group.
func (c *Client) CreateGroup(ctx context.Context, req CreateGroupRequest) (*Group, error) {
	return call[Group](ctx, c, http.MethodPost, v1+"/groups", nil, req)
}

// ListGroups returns one page of groups.
func (c *Client) ListGroups(ctx context.Context, opts ListOptions) (*Page[Group], error) {
	return call[Page[Group]](ctx, c, http.MethodGet, v1+"/groups", opts.values(), nil)
}

// GetGroup returns a group with its members and grants.
func (c *Client) GetGroup(ctx context.Context, id string) (*GroupDetail, error) {
	return call[GroupDetail](ctx, c, http.MethodGet, p(v1+"/groups/", id), nil, nil)
}

// UpdateGroup renames a group or changes its description.
func (c *Client) UpdateGroup(ctx context.Context, id string, up GroupUpdate) (*Group, error) {
	return call[Group](ctx, c, http.MethodPatch, p(v1+"/groups/", id), nil, up)
}

// DeleteGroup deletes a group, its memberships and its grants.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/groups/", id), nil, nil, nil)
}

// AddGroupMember adds a user to a group.
func (c *Client) AddGroupMember(ctx context.Context, groupID, userID string) error {
	return c.do(ctx, http.MethodPost, p(v1+"/groups/", groupID, "/members"), nil, AddGroupMemberRequest{UserID: userID}, nil)
}

// RemoveGroupMember removes a user from a group.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/groups/", groupID, "/members/", userID), nil, nil, nil)
}

// --- roles and permissions ---

// CreateRole creates a custom role.
func (c *Client) CreateRole(ctx context.Context, req CreateRoleRequest) (*Role, error) {
	return call[Role](ctx, c, http.MethodPost, v1+"/roles", nil, req)
}

// ListRoles returns one page of roles, built-in ones included.
func (c *Client) ListRoles(ctx context.Context, opts ListOptions) (*Page[Role], error) {
	return call[Page[Role]](ctx, c, http.MethodGet, v1+"/roles", opts.values(), nil)
}

// GetRole returns a role with its effective permissions.
func (c *Client) GetRole(ctx context.Context, id string) (*Role, error) {
	return call[Role](ctx, c, http.MethodGet, p(v1+"/roles/", id), nil, nil)
}

// UpdateRole changes a custom role; built-in roles cannot be changed.
func (c *Client) UpdateRole(ctx context.Context, id string, up RoleUpdate) (*Role, error) {
	return call[Role](ctx, c, http.MethodPatch, p(v1+"/roles/", id), nil, up)
}

// DeleteRole deletes a custom role that no grant uses.
func (c *Client) DeleteRole(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/roles/", id), nil, nil, nil)
}

// ListPermissions returns the permission catalogue.
func (c *Client) ListPermissions(ctx context.Context) (*Permissions, error) {
	return call[Permissions](ctx, c, http.MethodGet, v1+"/permissions", nil, nil)
}

// RegisterPermissionDomain registers a permission domain for a service
// Signet protects; it gets the actions read, write and execute.
func (c *Client) RegisterPermissionDomain(ctx context.Context, req RegisterPermissionDomainRequest) (*PermissionDomain, error) {
	return call[PermissionDomain](ctx, c, http.MethodPost, v1+"/permission-domains", nil, req)
}

// --- grants ---

// CreateGrant gives a role to a group or a user.
func (c *Client) CreateGrant(ctx context.Context, req CreateGrantRequest) (*Grant, error) {
	return call[Grant](ctx, c, http.MethodPost, v1+"/grants", nil, req)
}

// ListGrants returns one page of grants.
func (c *Client) ListGrants(ctx context.Context, opts ListGrantsOptions) (*Page[Grant], error) {
	q := opts.ListOptions.values()
	set(q, "subject_type", opts.SubjectType)
	set(q, "subject_id", opts.SubjectID)
	set(q, "role_id", opts.RoleID)
	set(q, "workspace_id", opts.WorkspaceID)
	return call[Page[Grant]](ctx, c, http.MethodGet, v1+"/grants", q, nil)
}

// DeleteGrant deletes a grant.
func (c *Client) DeleteGrant(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/grants/", id), nil, nil, nil)
}

// --- workspaces ---

// CreateWorkspace creates a workspace.
func (c *Client) CreateWorkspace(ctx context.Context, req CreateWorkspaceRequest) (*Workspace, error) {
	return call[Workspace](ctx, c, http.MethodPost, v1+"/workspaces", nil, req)
}

// ListWorkspaces returns one page of workspaces.
func (c *Client) ListWorkspaces(ctx context.Context, opts ListOptions) (*Page[Workspace], error) {
	return call[Page[Workspace]](ctx, c, http.MethodGet, v1+"/workspaces", opts.values(), nil)
}

// GetWorkspace returns a workspace.
func (c *Client) GetWorkspace(ctx context.Context, id string) (*Workspace, error) {
	return call[Workspace](ctx, c, http.MethodGet, p(v1+"/workspaces/", id), nil, nil)
}

// UpdateWorkspace renames a workspace or changes its description.
func (c *Client) UpdateWorkspace(ctx context.Context, id string, up WorkspaceUpdate) (*Workspace, error) {
	return call[Workspace](ctx, c, http.MethodPatch, p(v1+"/workspaces/", id), nil, up)
}

// DeleteWorkspace deletes a workspace and the grants in it.
func (c *Client) DeleteWorkspace(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/workspaces/", id), nil, nil, nil)
}

// --- audit ---

// ListAuditEvents returns one page of audit events, newest first.
func (c *Client) ListAuditEvents(ctx context.Context, opts ListAuditEventsOptions) (*Page[AuditEvent], error) {
	q := opts.ListOptions.values()
	for k, v := range map[string]string{
		"actor_id": opts.ActorID, "key_id": opts.KeyID, "action": opts.Action,
		"target_type": opts.TargetType, "target_id": opts.TargetID,
		"workspace_id": opts.WorkspaceID, "outcome": opts.Outcome,
	} {
		set(q, k, v)
	}
	set(q, "q", opts.Query)
	setTime(q, "since", opts.Since)
	setTime(q, "until", opts.Until)
	return call[Page[AuditEvent]](ctx, c, http.MethodGet, v1+"/audit-events", q, nil)
}

// VerifyAuditChain asks the server to verify the audit trail's hash chain.
// A broken chain is not an error: see AuditChainStatus.OK and Break.
func (c *Client) VerifyAuditChain(ctx context.Context) (*AuditChainStatus, error) {
	return call[AuditChainStatus](ctx, c, http.MethodGet, v1+"/audit-events/verify", nil, nil)
}

// ExportAuditEvents streams the audit events of a time range, oldest
// first, calling fn with each. The server sends JSON Lines and the client
// decodes them one at a time, so memory stays constant however many there
// are. An error from fn stops the export and is returned.
func (c *Client) ExportAuditEvents(ctx context.Context, opts ExportAuditEventsOptions, fn func(AuditEvent) error) error {
	return c.ExportAuditEventsRaw(ctx, opts, func(r io.Reader) error {
		dec := json.NewDecoder(r)
		for {
			var ev AuditEvent
			if err := dec.Decode(&ev); err == io.EOF {
				return nil
			} else if err != nil {
				return fmt.Errorf("client: decoding export: %w", err)
			}
			if err := fn(ev); err != nil {
				return err
			}
		}
	})
}

// ExportAuditEventsRaw is ExportAuditEvents handing the JSON Lines body to
// read as it arrives (e.g. to copy it to a file unchanged).
func (c *Client) ExportAuditEventsRaw(ctx context.Context, opts ExportAuditEventsOptions, read func(io.Reader) error) error {
	q := url.Values{}
	setTime(q, "since", opts.Since)
	setTime(q, "until", opts.Until)
	set(q, "workspace_id", opts.WorkspaceID)
	return c.stream(ctx, v1+"/audit-events/export", q, read)
}

// KeyActivity returns a key's hourly authentication counts since a time
// (nil: the server's default, the last 7 days).
func (c *Client) KeyActivity(ctx context.Context, keyID string, since *time.Time) (*KeyActivity, error) {
	q := url.Values{}
	setTime(q, "since", since)
	return call[KeyActivity](ctx, c, http.MethodGet, p(v1+"/api-keys/", keyID, "/activity"), q, nil)
}

// GetAuditEvent returns one audit event.
func (c *Client) GetAuditEvent(ctx context.Context, id string) (*AuditEvent, error) {
	return call[AuditEvent](ctx, c, http.MethodGet, p(v1+"/audit-events/", id), nil, nil)
}

// --- webhooks ---

// CreateWebhook creates a webhook endpoint (needs settings:write
// organisation-wide). The result's Secret ("whsec_…") signs its
// deliveries and is returned only this once.
func (c *Client) CreateWebhook(ctx context.Context, req CreateWebhookRequest) (*CreatedWebhookEndpoint, error) {
	return call[CreatedWebhookEndpoint](ctx, c, http.MethodPost, v1+"/webhooks", nil, req)
}

// ListWebhooks returns one page of webhook endpoints.
func (c *Client) ListWebhooks(ctx context.Context, opts ListOptions) (*Page[WebhookEndpoint], error) {
	return call[Page[WebhookEndpoint]](ctx, c, http.MethodGet, v1+"/webhooks", opts.values(), nil)
}

// GetWebhook returns a webhook endpoint (never its secret).
func (c *Client) GetWebhook(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return call[WebhookEndpoint](ctx, c, http.MethodGet, p(v1+"/webhooks/", id), nil, nil)
}

// UpdateWebhook changes an endpoint's URL, description, event types or
// enabled state.
func (c *Client) UpdateWebhook(ctx context.Context, id string, up WebhookUpdate) (*WebhookEndpoint, error) {
	return call[WebhookEndpoint](ctx, c, http.MethodPatch, p(v1+"/webhooks/", id), nil, up)
}

// DeleteWebhook deletes an endpoint and its deliveries.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/webhooks/", id), nil, nil, nil)
}

// RotateWebhookSecret gives an endpoint a new signing secret, returned
// only this once. The replaced secret keeps signing for overlap (a
// duration such as "24h"; "" means 24 hours, "0s" none).
func (c *Client) RotateWebhookSecret(ctx context.Context, id, overlap string) (*CreatedWebhookEndpoint, error) {
	return call[CreatedWebhookEndpoint](ctx, c, http.MethodPost, p(v1+"/webhooks/", id, "/rotate-secret"), nil, RotateWebhookSecretRequest{Overlap: overlap})
}

// SendTestWebhook queues a delivery of a "webhook.test" event to an
// enabled endpoint and returns it.
func (c *Client) SendTestWebhook(ctx context.Context, id string) (*WebhookDelivery, error) {
	return call[WebhookDelivery](ctx, c, http.MethodPost, p(v1+"/webhooks/", id, "/test"), nil, nil)
}

// ListWebhookDeliveries returns one page of an endpoint's deliveries,
// newest first.
func (c *Client) ListWebhookDeliveries(ctx context.Context, id string, opts ListWebhookDeliveriesOptions) (*Page[WebhookDelivery], error) {
	q := opts.ListOptions.values()
	set(q, "status", opts.Status)
	return call[Page[WebhookDelivery]](ctx, c, http.MethodGet, p(v1+"/webhooks/", id, "/deliveries"), q, nil)
}

// GetWebhookDelivery returns a delivery of an endpoint with its attempts.
func (c *Client) GetWebhookDelivery(ctx context.Context, id, deliveryID string) (*WebhookDeliveryDetail, error) {
	return call[WebhookDeliveryDetail](ctx, c, http.MethodGet, p(v1+"/webhooks/", id, "/deliveries/", deliveryID), nil, nil)
}

// RedeliverWebhook queues a delivery's event again, as a new delivery with
// the same event id, and returns the new delivery.
func (c *Client) RedeliverWebhook(ctx context.Context, id, deliveryID string) (*WebhookDelivery, error) {
	return call[WebhookDelivery](ctx, c, http.MethodPost, p(v1+"/webhooks/", id, "/deliveries/", deliveryID, "/redeliver"), nil, nil)
}

// ListWebhookEventTypes returns the webhook event types endpoints may
// subscribe to.
func (c *Client) ListWebhookEventTypes(ctx context.Context) (*WebhookEventTypes, error) {
	return call[WebhookEventTypes](ctx, c, http.MethodGet, v1+"/webhook-event-types", nil, nil)
}

// call sends a request and decodes a T from the response; it returns nil
// and the error on failure.
func call[T any](ctx context.Context, c *Client, method, path string, query url.Values, body any) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, query, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Check asks Signet whether key may do permission in workspace (empty:
// the default workspace). The client's own key needs signet:check. A
// denied check is not an error: see CheckResult.Allowed and Reason.
func (c *Client) Check(ctx context.Context, key, permission, workspace string) (*CheckResult, error) {
	return call[CheckResult](ctx, c, http.MethodPost, v1+"/check", nil, CheckRequest{Key: key, Permission: permission, Workspace: workspace})
}

// CheckFrom is Check for a caller at clientIP (CheckRequest.ClientIP): a
// key with a network allowlist is judged by it.
func (c *Client) CheckFrom(ctx context.Context, key, permission, workspace, clientIP string) (*CheckResult, error) {
	return call[CheckResult](ctx, c, http.MethodPost, v1+"/check", nil, CheckRequest{Key: key, Permission: permission, Workspace: workspace, ClientIP: clientIP})
}

// CheckBatch runs up to MaxChecks checks in one request.
func (c *Client) CheckBatch(ctx context.Context, checks []Check) ([]CheckResult, error) {
	res, err := call[CheckBatchResponse](ctx, c, http.MethodPost, v1+"/check", nil, CheckRequest{Checks: checks})
	if err != nil {
		return nil, err
	}
	return res.Results, nil
}

// --- short-lived tokens (OAuth 2.0) ---

// CreateAudience registers a resource tokens may be issued for (needs
// settings:write organisation-wide).
func (c *Client) CreateAudience(ctx context.Context, req CreateAudienceRequest) (*Audience, error) {
	return call[Audience](ctx, c, http.MethodPost, v1+"/oauth/audiences", nil, req)
}

// ListAudiences returns one page of audiences, by id.
func (c *Client) ListAudiences(ctx context.Context, opts ListOptions) (*Page[Audience], error) {
	return call[Page[Audience]](ctx, c, http.MethodGet, v1+"/oauth/audiences", opts.values(), nil)
}

// GetAudience returns an audience.
func (c *Client) GetAudience(ctx context.Context, id string) (*Audience, error) {
	return call[Audience](ctx, c, http.MethodGet, p(v1+"/oauth/audiences/", id), nil, nil)
}

// UpdateAudience changes an audience's identifier, description, service
// account or token lifetime. Tokens already issued keep theirs.
func (c *Client) UpdateAudience(ctx context.Context, id string, up AudienceUpdate) (*Audience, error) {
	return call[Audience](ctx, c, http.MethodPatch, p(v1+"/oauth/audiences/", id), nil, up)
}

// DeleteAudience deletes an audience: no token is issued for it any more.
func (c *Client) DeleteAudience(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/oauth/audiences/", id), nil, nil, nil)
}

// CreateClientKey registers a public key on a service account, for
// private_key_jwt (needs service_accounts:write organisation-wide).
func (c *Client) CreateClientKey(ctx context.Context, serviceAccountID string, req CreateClientKeyRequest) (*ClientKey, error) {
	return call[ClientKey](ctx, c, http.MethodPost, p(v1+"/service-accounts/", serviceAccountID, "/client-keys"), nil, req)
}

// ListClientKeys returns a service account's client keys, by id.
func (c *Client) ListClientKeys(ctx context.Context, serviceAccountID string) ([]ClientKey, error) {
	out, err := call[ClientKeyList](ctx, c, http.MethodGet, p(v1+"/service-accounts/", serviceAccountID, "/client-keys"), nil, nil)
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// DeleteClientKey removes a client key from a service account: assertions
// signed with it are refused from now on.
func (c *Client) DeleteClientKey(ctx context.Context, serviceAccountID, keyID string) error {
	return c.do(ctx, http.MethodDelete, p(v1+"/service-accounts/", serviceAccountID, "/client-keys/", keyID), nil, nil, nil)
}

// ListSigningKeys returns Signet's published token signing keys (public
// parts), oldest first (needs settings:read organisation-wide).
func (c *Client) ListSigningKeys(ctx context.Context) ([]SigningKey, error) {
	out, err := call[SigningKeyList](ctx, c, http.MethodGet, v1+"/oauth/signing-keys", nil, nil)
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// RotateSigningKeys replaces the signing key at once (a key that may have
// leaked; needs settings:write organisation-wide) and returns the
// published keys: the replaced one stays published until the tokens it
// signed have expired.
func (c *Client) RotateSigningKeys(ctx context.Context) ([]SigningKey, error) {
	out, err := call[SigningKeyList](ctx, c, http.MethodPost, v1+"/oauth/signing-keys/rotate", nil, nil)
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}
