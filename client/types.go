package client

import (
	"encoding/json"
	"time"
)

// This file defines the JSON wire types of the REST API. The server
// (package httpapi) encodes and decodes these same types, so the SDK and
// the API share one definition of every body.

// Error codes, as found in Error.Code. They mirror the closed set of the
// server's domain package.
const (
	CodeBadRequest           = "bad_request"            // malformed request: JSON, types, unknown fields, query parameters
	CodeMethodNotAllowed     = "method_not_allowed"     // the path exists, but not with this method (405)
	CodePayloadTooLarge      = "payload_too_large"      // the request body is too large (413)
	CodeUnsupportedMediaType = "unsupported_media_type" // the request body is not JSON (415)
	CodeInvalid              = "invalid"                // well-formed but semantically invalid input
	CodeUnauthenticated      = "unauthenticated"        // no credential, or one that does not verify
	CodeForbidden            = "forbidden"              // authenticated, but not allowed
	CodeNotFound             = "not_found"              // the target does not exist
	CodeConflict             = "conflict"               // uniqueness or state conflict
	CodeRateLimited          = "rate_limited"           // too many attempts
	CodeUnavailable          = "unavailable"            // a dependency is unreachable
	CodeInternal             = "internal"               // a server bug; details only in the server's log
)

// User kinds, statuses and key kinds and statuses.
const (
	KindHuman          = "human"
	KindServiceAccount = "service_account"

	StatusActive   = "active"
	StatusDisabled = "disabled"

	KeyKindServiceAccount = "service_account"
	KeyKindPersonal       = "personal"

	KeyStatusActive  = "active"
	KeyStatusRevoked = "revoked"
	KeyStatusExpired = "expired"
	// KeyStatusDisabled is a key set aside until enabled again.
	KeyStatusDisabled = "disabled"
)

// ErrorResponse is the body of every error response.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the "error" object of an error response.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Reason    string `json:"reason,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Page is one page of a list. NextCursor is "" on the last page.
type Page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// User is a human or a service account.
type User struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Name         string     `json:"name"`
	Email        string     `json:"email,omitempty"`
	Description  string     `json:"description"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	UpdatedAt    time.Time  `json:"updated_at"`
	LastActiveAt *time.Time `json:"last_active_at"`
	// Labels, OwnerType ("user" or "group") and OwnerID: a service
	// account's labels and who is responsible for it; absent when unset.
	Labels    map[string]string `json:"labels,omitempty"`
	OwnerType string            `json:"owner_type,omitempty"`
	OwnerID   string            `json:"owner_id,omitempty"`
}

// UserDetail is a user with its group memberships and direct grants, as
// returned by a get.
type UserDetail struct {
	User
	Groups []Group `json:"groups"`
	Grants []Grant `json:"grants"`
}

// APIKey is the metadata of an API key. It never carries the secret.
type APIKey struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	OwnerID     string   `json:"owner_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Hint        string   `json:"hint"`
	Scopes      []string `json:"scopes"`
	// Status is derived at the time of the response: active, revoked or expired.
	Status        string     `json:"status"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     *time.Time `json:"expires_at"`
	LastUsedAt    *time.Time `json:"last_used_at"`
	LastUsedIP    string     `json:"last_used_ip"`
	RevokedAt     *time.Time `json:"revoked_at"`
	RevokedBy     string     `json:"revoked_by"`
	RevokedReason string     `json:"revoked_reason"`
	// DisabledAt is set while the key is disabled (status "disabled"): by
	// DisabledBy, a user id, or "" for Signet itself (a key unused for
	// longer than the key policy allows), for DisabledReason.
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledBy     string     `json:"disabled_by"`
	DisabledReason string     `json:"disabled_reason"`
	// Labels are the key's key=value labels; absent when it has none.
	Labels map[string]string `json:"labels,omitempty"`
	// RotatedFrom is the key this one replaced in a rotation; RotatedTo
	// the key that replaced this one, at RotatedAt.
	RotatedFrom string     `json:"rotated_from,omitempty"`
	RotatedTo   string     `json:"rotated_to,omitempty"`
	RotatedAt   *time.Time `json:"rotated_at,omitempty"`
	// AllowedNetworks are the networks the key is accepted from, in
	// normalised CIDR form; [] when it is accepted from anywhere.
	AllowedNetworks []string `json:"allowed_networks"`
	// Violations are the rules of the organisation's key policy the key
	// breaks (made before the policy was tightened); absent when it
	// complies.
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one rule of the key policy a key breaks.
type Violation struct {
	// Rule is the policy field the key breaks, e.g.
	// "max_lifetime_service_account".
	Rule string `json:"rule"`
	// Message says how, and what would comply.
	Message string `json:"message"`
}

// CreatedAPIKey is a key just created: its metadata and, in Key, the whole
// key string. The key string is returned only once, in this response.
type CreatedAPIKey struct {
	APIKey
	Key string `json:"key"`
}

// Workspace partitions the resources that permissions apply to.
type Workspace struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	IsDefault   bool      `json:"is_default"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Role is a named set of permissions: a base plus extra permissions.
type Role struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Base        string   `json:"base"`
	Permissions []string `json:"permissions"`
	// EffectivePermissions is the role expanded: base plus extras, sorted;
	// ["*"] for the built-in Admin role.
	EffectivePermissions []string  `json:"effective_permissions"`
	BuiltIn              bool      `json:"built_in"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// Group is a set of users.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Protected   bool      `json:"protected"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// GroupDetail is a group with its members and grants, as returned by a get.
type GroupDetail struct {
	Group
	Members []User  `json:"members"`
	Grants  []Grant `json:"grants"`
}

// GroupMember is a membership of a user in a group.
type GroupMember struct {
	GroupID string `json:"group_id"`
	UserID  string `json:"user_id"`
}

// Grant gives a role to a group or a user in a workspace, or
// organisation-wide when WorkspaceID is OrganisationWide ("*").
type Grant struct {
	ID          string    `json:"id"`
	SubjectType string    `json:"subject_type"`
	SubjectID   string    `json:"subject_id"`
	RoleID      string    `json:"role_id"`
	WorkspaceID string    `json:"workspace_id"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by,omitempty"`
}

// AuditEvent is one record of the audit trail. It never contains a secret.
type AuditEvent struct {
	ID          string         `json:"id"`
	Seq         int64          `json:"seq"`
	Time        time.Time      `json:"time"`
	ActorID     string         `json:"actor_id,omitempty"`
	ActorKind   string         `json:"actor_kind,omitempty"`
	ActorName   string         `json:"actor_name,omitempty"`
	KeyID       string         `json:"key_id,omitempty"`
	SessionID   string         `json:"session_id,omitempty"`
	Action      string         `json:"action"`
	TargetType  string         `json:"target_type,omitempty"`
	TargetID    string         `json:"target_id,omitempty"`
	TargetName  string         `json:"target_name,omitempty"`
	WorkspaceID string         `json:"workspace_id,omitempty"`
	Outcome     string         `json:"outcome"`
	IP          string         `json:"ip,omitempty"`
	UserAgent   string         `json:"user_agent,omitempty"`
	RequestID   string         `json:"request_id,omitempty"`
	Details     map[string]any `json:"details,omitempty"`
	PrevHash    string         `json:"prev_hash"`
	Hash        string         `json:"hash"`
}

// PermissionDomain is a permission domain registered by an operator.
type PermissionDomain struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// Permissions is the permission catalogue of the installation.
type Permissions struct {
	// Permissions lists every permission, sorted.
	Permissions []string `json:"permissions"`
	// Domains lists the operator-registered domains.
	Domains []PermissionDomain `json:"domains"`
	// Bases maps each custom-role base (none, view, edit, manage) to the
	// permissions it grants.
	Bases map[string][]string `json:"bases"`
}

// Me is the caller and its effective permissions.
type Me struct {
	User User `json:"user"`
	// KeyID is the API key the caller used, if any.
	KeyID  string  `json:"key_id,omitempty"`
	Groups []Group `json:"groups"`
	// OrganisationPermissions apply in every workspace and to
	// organisation-level resources; ["*"] means every permission.
	OrganisationPermissions []string               `json:"organisation_permissions"`
	Workspaces              []WorkspacePermissions `json:"workspaces"`
}

// WorkspacePermissions is the caller's effective permissions in one workspace.
type WorkspacePermissions struct {
	Workspace   Workspace `json:"workspace"`
	Permissions []string  `json:"permissions"`
}

// Status is the body of /healthz and /readyz.
type Status struct {
	Status string `json:"status"`
}

// --- request bodies ---

// OrganisationWide is the WorkspaceID of an organisation-wide grant: a
// request asks for one with it (omitting the workspace means the default
// workspace), and responses name one with it.
const OrganisationWide = "*"

// GrantSpec names a role to grant in a workspace: a workspace id,
// OrganisationWide, or "" for the default workspace.
type GrantSpec struct {
	RoleID      string `json:"role_id"`
	WorkspaceID string `json:"workspace_id,omitempty"`
}

// CreateAPIKeyRequest describes a new API key. ExpiresAt and ExpiresIn are
// mutually exclusive; neither means the key does not expire.
type CreateAPIKeyRequest struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// ExpiresIn is a duration such as "30d", "12h", "90m" or ISO 8601's
	// "P30D" (the syntax of signet.ParseDuration, README "Durations").
	ExpiresIn string   `json:"expires_in,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	// AllowedNetworks, when not empty, are the only networks the key is
	// accepted from: CIDRs such as "10.0.0.0/8" or "2001:db8::/32", or
	// addresses (one address: /32 or /128). At most 100.
	AllowedNetworks []string `json:"allowed_networks,omitempty"`
	// Labels are key=value pairs to find the key by (at most 20; names
	// [a-z0-9][a-z0-9._/-]{0,62}, values up to 256 printable characters).
	Labels map[string]string `json:"labels,omitempty"`
}

// RotateAPIKeyRequest asks for a rotation. Grace is how long the old key
// keeps working, a duration such as "24h" or "0" (it stops at once); ""
// means the key policy's default rotation grace.
type RotateAPIKeyRequest struct {
	Grace string `json:"grace,omitempty"`
}

// RotateAPIKeyResponse is the result of a rotation: the new key, whose Key
// field is the key string, returned only this once, and the rotated key
// as it now stands (expiring at the end of the grace).
type RotateAPIKeyResponse struct {
	APIKey   CreatedAPIKey `json:"api_key"`
	Previous APIKey        `json:"previous_api_key"`
}

// CreateServiceAccountRequest describes a new service account and,
// optionally, its first API key.
type CreateServiceAccountRequest struct {
	Name        string               `json:"name"`
	Description string               `json:"description,omitempty"`
	Grants      []GrantSpec          `json:"grants,omitempty"`
	GroupIDs    []string             `json:"group_ids,omitempty"`
	APIKey      *CreateAPIKeyRequest `json:"api_key,omitempty"`
	// Labels are key=value pairs; OwnerType ("user" or "group") and
	// OwnerID name who is responsible for the account.
	Labels    map[string]string `json:"labels,omitempty"`
	OwnerType string            `json:"owner_type,omitempty"`
	OwnerID   string            `json:"owner_id,omitempty"`
}

// CreateServiceAccountResponse is the result of creating a service account.
// APIKey is nil when no key was asked for; otherwise its Key field holds the
// key string, shown only once.
type CreateServiceAccountResponse struct {
	ServiceAccount User           `json:"service_account"`
	APIKey         *CreatedAPIKey `json:"api_key,omitempty"`
}

// CreateUserRequest describes a new human user.
type CreateUserRequest struct {
	Name     string      `json:"name"`
	Email    string      `json:"email"`
	Password string      `json:"password"`
	Grants   []GrantSpec `json:"grants,omitempty"`
	GroupIDs []string    `json:"group_ids,omitempty"`
}

// UserUpdate is a partial update of a user or service account; nil fields
// are left alone. Email and Password are refused for service accounts.
type UserUpdate struct {
	Name        *string `json:"name,omitempty"`
	Email       *string `json:"email,omitempty"`
	Description *string `json:"description,omitempty"`
	Password    *string `json:"password,omitempty"`
	// CurrentPassword is required to change one's own email or password
	// (never possible with an API key).
	CurrentPassword *string `json:"current_password,omitempty"`
	// Labels replaces a service account's labels ({} removes them);
	// OwnerType and OwnerID, given together, set its owner ("" and ""
	// remove it). Service accounts only.
	Labels    *map[string]string `json:"labels,omitempty"`
	OwnerType *string            `json:"owner_type,omitempty"`
	OwnerID   *string            `json:"owner_id,omitempty"`
}

// SetGroupsRequest replaces a user's group memberships.
type SetGroupsRequest struct {
	GroupIDs []string `json:"group_ids"`
}

// UpdateAPIKeyRequest is the body of PATCH /api/v1/api-keys/{id}: nil
// fields are left as they are.
type UpdateAPIKeyRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	// Labels replaces every label ({} removes them).
	Labels *map[string]string `json:"labels,omitempty"`
	// AllowedNetworks replaces the key's network allowlist: CIDRs such as
	// "10.0.0.0/8" or "2001:db8::/32", or addresses; an empty list clears
	// it (the key works from anywhere).
	AllowedNetworks *[]string `json:"allowed_networks,omitempty"`
}

// RevokeAPIKeyRequest is the optional body of a revocation.
type RevokeAPIKeyRequest struct {
	Reason string `json:"reason,omitempty"`
}

// DisableAPIKeyRequest is the optional body of disabling a key.
type DisableAPIKeyRequest struct {
	Reason string `json:"reason,omitempty"`
}

// CreateWorkspaceRequest describes a new workspace.
type CreateWorkspaceRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// WorkspaceUpdate is a partial update of a workspace.
type WorkspaceUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// CreateRoleRequest describes a custom role.
type CreateRoleRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Base        string   `json:"base"`
	Permissions []string `json:"permissions,omitempty"`
}

// RoleUpdate is a partial update of a custom role.
type RoleUpdate struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Base        *string   `json:"base,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}

// CreateGroupRequest describes a new group.
type CreateGroupRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// GroupUpdate is a partial update of a group.
type GroupUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// AddGroupMemberRequest adds a user to a group.
type AddGroupMemberRequest struct {
	UserID string `json:"user_id"`
}

// CreateGrantRequest gives a role to a group or a user.
type CreateGrantRequest struct {
	SubjectType string `json:"subject_type"` // "group" or "user"
	SubjectID   string `json:"subject_id"`
	RoleID      string `json:"role_id"`
	// WorkspaceID is a workspace id, OrganisationWide, or "" for the
	// default workspace.
	WorkspaceID string `json:"workspace_id,omitempty"`
}

// RegisterPermissionDomainRequest registers a permission domain.
type RegisterPermissionDomainRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// SetupRequest completes the first-administrator setup with the one-time
// token printed in the server's log.
type SetupRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginRequest exchanges a human's email and password for a personal API
// key that expires: how `signet login` signs in (POST /api/v1/login).
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// DeviceID identifies the device signing in (8 to 64 characters of
	// [A-Za-z0-9._-], random, kept on the device): the keys an earlier
	// login on the same device minted are revoked.
	DeviceID string `json:"device_id"`
	// KeyName names the key; empty means "signet login".
	KeyName string `json:"key_name,omitempty"`
	// ExpiresIn is the key's lifetime, a duration such as "30d" or "PT12H"; empty
	// means 30 days; at most 365 days.
	ExpiresIn string `json:"expires_in,omitempty"`
}

// --- list options (query parameters) ---

// ListOptions selects one page of a list.
type ListOptions struct {
	Limit  int    // 1..200; 0 = the server's default (50)
	Cursor string // "" for the first page
}

// ListUsersOptions filters a list of users or service accounts.
type ListUsersOptions struct {
	// Kind is "human", "service_account" or "all" (users only; "" = human).
	Kind string
	// Status is "active" or "disabled"; "" = both.
	Status string
	// Name matches name or email, case-insensitively.
	Name string
	// Labels keeps the service accounts carrying every one of these
	// labels ("team=data"; service accounts only).
	Labels []string
	// Owner keeps the service accounts owned by this user (usr_…) or
	// group (grp_…) id (service accounts only).
	Owner string
	ListOptions
}

// ListAPIKeysOptions filters a list of API keys.
type ListAPIKeysOptions struct {
	OwnerID string
	// Status is "active", "revoked", "disabled" or "expired"; "" = all.
	Status string
	// Name matches the key name, case-insensitively.
	Name string
	// Kind is "service_account" (the default) or "personal".
	Kind string
	// NonCompliant keeps the keys that break the key policy.
	NonCompliant bool
	// Labels keeps the keys carrying every one of these labels
	// ("team=data").
	Labels []string
	// ExpiringWithin keeps the keys expiring within this duration ("7d"),
	// not expired yet; UnusedFor those not used for this long ("90d";
	// never-used keys count from their creation).
	ExpiringWithin string
	UnusedFor      string
	ListOptions
}

// ListGrantsOptions filters a list of grants.
type ListGrantsOptions struct {
	SubjectType string
	SubjectID   string
	RoleID      string
	WorkspaceID string
	ListOptions
}

// ListAuditEventsOptions filters the audit trail (newest first).
type ListAuditEventsOptions struct {
	ActorID     string
	KeyID       string
	Action      string
	TargetType  string
	TargetID    string
	WorkspaceID string
	Outcome     string // "success", "denied" or "error"
	Since       *time.Time
	Until       *time.Time
	// Query matches actor or target names containing it, case-insensitively.
	Query string
	ListOptions
}

// AuditChainStatus is the result of verifying the audit trail's hash
// chain: intact (OK), or the first event where it breaks.
type AuditChainStatus struct {
	OK bool `json:"ok"`
	// Checked is how many events verified.
	Checked int64 `json:"checked"`
	// HeadSeq and HeadHash identify the last verified event; record them
	// elsewhere to detect a truncated tail later.
	HeadSeq  int64  `json:"head_seq"`
	HeadHash string `json:"head_hash"`
	// Checkpoint is where retention pruning cut the chain, if it ever did.
	Checkpoint *AuditCheckpoint `json:"checkpoint,omitempty"`
	// Break names the first event that does not verify.
	Break *AuditChainBreak `json:"break,omitempty"`
}

// AuditCheckpoint is the last event removed by retention pruning.
type AuditCheckpoint struct {
	Seq      int64     `json:"seq"`
	Hash     string    `json:"hash"`
	PrunedAt time.Time `json:"pruned_at"`
}

// AuditChainBreak is where and why the chain does not verify. Problem is
// "hash_mismatch", "prev_link_broken", "seq_gap" or "checkpoint_mismatch".
type AuditChainBreak struct {
	Seq     int64  `json:"seq"`
	EventID string `json:"event_id,omitempty"`
	Problem string `json:"problem"`
	Message string `json:"message"`
}

// KeyActivity is an API key's successful and failed authentications per
// hour since a time, with totals. Hours without any are left out.
type KeyActivity struct {
	KeyID     string            `json:"key_id"`
	Since     time.Time         `json:"since"`
	Successes int64             `json:"successes"`
	Failures  int64             `json:"failures"`
	Hours     []KeyActivityHour `json:"hours"`
}

// KeyActivityHour is one hour of a key's activity.
type KeyActivityHour struct {
	Hour      time.Time `json:"hour"`
	Successes int64     `json:"successes"`
	Failures  int64     `json:"failures"`
}

// ExportAuditEventsOptions selects the events of an export.
type ExportAuditEventsOptions struct {
	Since       *time.Time
	Until       *time.Time
	WorkspaceID string
}

// CheckRequest is the body of POST /api/v1/check: one check (Key and
// Permission set) or a batch (Checks set, at most MaxChecks), not both.
type CheckRequest struct {
	// Key is the API key the asking service's caller presented.
	Key string `json:"key,omitempty"`
	// Permission is what the caller needs, "domain:action".
	Permission string `json:"permission,omitempty"`
	// Workspace is the workspace id to check in; empty means the request's
	// X-Workspace-Id, else the default workspace.
	Workspace string `json:"workspace,omitempty"`
	// ClientIP is the address of the caller that presented Key, as the
	// asking service sees it (its TCP peer, or what its trusted proxies
	// say). Signet trusts the asking service for it, and judges the key's
	// network allowlist by it; without it a key that has an allowlist is
	// refused (network_not_allowed). In a batch it is the default of each
	// check's own.
	ClientIP string  `json:"client_ip,omitempty"`
	Checks   []Check `json:"checks,omitempty"`
}

// Check is one check of a batch.
type Check struct {
	Key        string `json:"key"`
	Permission string `json:"permission"`
	Workspace  string `json:"workspace,omitempty"`
	// ClientIP is this check's caller's address (CheckRequest.ClientIP).
	ClientIP string `json:"client_ip,omitempty"`
}

// MaxChecks is the most checks one request may carry.
const MaxChecks = 100

// Reasons a check is denied, in CheckResult.Reason.
const (
	ReasonInvalidKey       = "invalid_key"
	ReasonRevoked          = "revoked"
	ReasonExpired          = "expired"
	ReasonKeyDisabled      = "key_disabled"
	ReasonOwnerDisabled    = "owner_disabled"
	ReasonPolicyViolation  = "policy_violation" // the key breaks the enforced key policy
	ReasonPermissionDenied = "permission_denied"
	// ReasonNetworkNotAllowed: the key has a network allowlist and the
	// caller's address (the check's client_ip) is outside it, or was not
	// given.
	ReasonNetworkNotAllowed = "network_not_allowed"
	// ReasonUnknownPermission: the permission asked about is not in the
	// catalogue (a typo, or a domain not registered).
	ReasonUnknownPermission = "unknown_permission"
	// ReasonWorkspaceNotFound: the workspace checked in does not exist
	// (forward-auth's and signetauth's; the check API answers 404).
	ReasonWorkspaceNotFound = "workspace_not_found"
)

// CheckResult is the answer to one check.
type CheckResult struct {
	Allowed bool `json:"allowed"`
	// Principal is the key's owner; absent when the key did not verify.
	Principal *Principal `json:"principal,omitempty"`
	KeyID     string     `json:"key_id,omitempty"`
	// Workspace is the workspace the permission was checked in.
	Workspace string `json:"workspace"`
	// Reason says why a check was denied; empty when allowed.
	Reason string `json:"reason,omitempty"`
}

// Principal is who holds a key.
type Principal struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // KindHuman or KindServiceAccount
	Name string `json:"name"`
	// Labels are a service account's labels; absent for humans and for
	// accounts without labels.
	Labels map[string]string `json:"labels,omitempty"`
}

// CheckBatchResponse answers a batch: one result per check, in order.
type CheckBatchResponse struct {
	Results []CheckResult `json:"results"`
}

// --- webhooks ---

// Webhook delivery statuses, in WebhookDelivery.Status.
const (
	DeliveryPending   = "pending"   // not delivered yet; attempted again at NextAttemptAt
	DeliverySucceeded = "succeeded" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // every attempt of the retry window failed
)

// WebhookEndpoint is a receiver of webhook deliveries. It never carries
// its signing secret.
type WebhookEndpoint struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	Description string `json:"description"`
	// EventTypes are the subscriptions: "*", a domain such as "api_key.*",
	// or event types such as "api_key.revoke".
	EventTypes []string `json:"event_types"`
	Enabled    bool     `json:"enabled"`
	// DisabledReason says why Signet disabled the endpoint; "" when it is
	// enabled or an administrator disabled it.
	DisabledReason string `json:"disabled_reason"`
	// PreviousSecretExpiresAt is set while the secret a rotation replaced
	// still signs deliveries beside the new one.
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
	// FailingSince is the first failed attempt since the last success;
	// nil while deliveries succeed.
	FailingSince *time.Time `json:"failing_since"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// CreatedWebhookEndpoint is an endpoint just created, or whose secret was
// just rotated, with its signing secret ("whsec_…") in Secret. The secret
// is returned only in this response.
type CreatedWebhookEndpoint struct {
	WebhookEndpoint
	Secret string `json:"secret"`
}

// WebhookDelivery is one event to deliver to one endpoint, and where its
// delivery stands.
type WebhookDelivery struct {
	ID         string `json:"id"`
	EndpointID string `json:"endpoint_id"`
	// EventID is the webhook-id header: the same on every attempt and on a
	// redelivery, so that receivers can de-duplicate.
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	// Status is DeliveryPending, DeliverySucceeded or DeliveryFailed.
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	// NextAttemptAt is when a pending delivery is attempted next; nil once
	// it succeeded or failed.
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	// LastAttemptAt, LastStatusCode and LastError describe the latest
	// attempt (status 0 when no HTTP answer came).
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
	LastStatusCode int        `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	// Payload is the JSON body delivered.
	Payload json.RawMessage `json:"payload"`
}

// WebhookDeliveryDetail is a delivery with its attempts, oldest first.
type WebhookDeliveryDetail struct {
	WebhookDelivery
	AttemptLog []WebhookAttempt `json:"attempt_log"`
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	N          int       `json:"n"` // 1 for the first attempt
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"` // 0 when no HTTP answer came
	// LatencyMS is how long the receiver took, in milliseconds.
	LatencyMS float64 `json:"latency_ms"`
	// Error says why the attempt failed; "" when it succeeded.
	Error string `json:"error"`
	// ResponseBody is the start of the receiver's answer.
	ResponseBody string `json:"response_body"`
}

// WebhookEventTypes is the catalogue of webhook event types.
type WebhookEventTypes struct {
	// EventTypes lists every event type, sorted.
	EventTypes []string `json:"event_types"`
	// Wildcards lists the patterns that subscribe to several: "*" and one
	// "<domain>.*" per domain.
	Wildcards []string `json:"wildcards"`
}

// CreateWebhookRequest describes a new webhook endpoint. Enabled nil
// means true.
type CreateWebhookRequest struct {
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	EventTypes  []string `json:"event_types"`
	Enabled     *bool    `json:"enabled,omitempty"`
}

// WebhookUpdate is a partial update of a webhook endpoint; nil fields are
// left alone. Enabling an endpoint Signet disabled clears its failure
// record.
type WebhookUpdate struct {
	URL         *string   `json:"url,omitempty"`
	Description *string   `json:"description,omitempty"`
	EventTypes  *[]string `json:"event_types,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
}

// RotateWebhookSecretRequest is the optional body of a secret rotation.
type RotateWebhookSecretRequest struct {
	// Overlap is how long the replaced secret keeps signing beside the new
	// one, a duration such as "24h" or "PT1H" (signet.ParseDuration's
	// syntax); "" means 24 hours, "0s" stops it at once; at most 7 days.
	Overlap string `json:"overlap,omitempty"`
}

// ListWebhookDeliveriesOptions filters an endpoint's deliveries (newest
// first).
type ListWebhookDeliveriesOptions struct {
	// Status is "pending", "succeeded" or "failed"; "" = all.
	Status string
	ListOptions
}

// KeyPolicySettings are the organisation's rules for API keys, as set with
// PUT /api/v1/key-policy: the whole policy, every field absent meaning no
// rule. Durations are strings such as "90d", "12h" or "P30D"; "0" or absent
// means no bound.
type KeyPolicySettings struct {
	// MaxLifetimeServiceAccount and MaxLifetimePersonal bound the lifetime
	// (creation to expiry) of new keys of each kind.
	MaxLifetimeServiceAccount string `json:"max_lifetime_service_account,omitempty"`
	MaxLifetimePersonal       string `json:"max_lifetime_personal,omitempty"`
	// RequireExpiry refuses new keys that never expire.
	RequireExpiry bool `json:"require_expiry"`
	// RequireNetworkAllowlist refuses new service-account keys without
	// allowed_networks.
	RequireNetworkAllowlist bool `json:"require_network_allowlist"`
	// MaxActiveKeysPerAccount bounds the active keys of one account; 0
	// means no bound. A rotation is never refused for it.
	MaxActiveKeysPerAccount int `json:"max_active_keys_per_account"`
	// DefaultRotationGrace is how long a rotated key keeps working when the
	// rotation names no grace ("0": 1d); MaxRotationGrace bounds the grace
	// asked for ("0": 7d).
	DefaultRotationGrace string `json:"default_rotation_grace,omitempty"`
	MaxRotationGrace     string `json:"max_rotation_grace,omitempty"`
	// DisableUnusedAfter disables keys unused for this long; "0": never.
	DisableUnusedAfter string `json:"disable_unused_after,omitempty"`
	// TokenLifetime is how long the access tokens of the token endpoint
	// live, at most 24h; "0" or absent: 15m.
	TokenLifetime string `json:"token_lifetime,omitempty"`
	// ExpiryWarnings are how long before expiry keys are warned about (1
	// to 10); absent or null: 14d, 7d and 1d.
	ExpiryWarnings []string `json:"expiry_warnings"`
	// EnforceFrom, when set, is when keys breaking the policy start to be
	// refused (reason policy_violation); null: they are only reported.
	EnforceFrom *time.Time `json:"enforce_from"`
}

// KeyPolicy is the organisation's key policy as GET /api/v1/key-policy
// answers it: the settings, with every duration written out ("0" for
// none), and who last changed it.
type KeyPolicy struct {
	KeyPolicySettings
	// UpdatedAt is absent, and UpdatedBy empty, while no policy has been
	// set.
	UpdatedAt *time.Time `json:"updated_at"`
	UpdatedBy string     `json:"updated_by"`
}

// --- short-lived tokens (OAuth 2.0) ---

// Audience is a resource — a service behind Signet — registered to
// receive access tokens, which name it by Identifier in their aud claim.
type Audience struct {
	ID string `json:"id"`
	// Identifier is the aud value: an absolute URI such as
	// "https://billing.internal" or a name such as "billing".
	Identifier  string `json:"identifier"`
	Description string `json:"description"`
	// ServiceAccountID is the account the resource runs as ("" none): it
	// may exchange tokens addressed to this audience for narrower ones.
	ServiceAccountID string `json:"service_account_id"`
	// TokenLifetime bounds the lifetime of the tokens issued for this
	// audience below the key policy's token_lifetime, a duration such as
	// "5m"; "0": the policy's.
	TokenLifetime string    `json:"token_lifetime"`
	CreatedAt     time.Time `json:"created_at"`
	CreatedBy     string    `json:"created_by"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// CreateAudienceRequest describes a new audience. TokenLifetime is a
// duration such as "5m" or "PT5M"; "" or "0": the key policy's.
type CreateAudienceRequest struct {
	Identifier       string `json:"identifier"`
	Description      string `json:"description,omitempty"`
	ServiceAccountID string `json:"service_account_id,omitempty"`
	TokenLifetime    string `json:"token_lifetime,omitempty"`
}

// AudienceUpdate is a partial update of an audience; nil fields are left
// alone. An empty ServiceAccountID clears it; a TokenLifetime of "0"
// returns to the key policy's.
type AudienceUpdate struct {
	Identifier       *string `json:"identifier,omitempty"`
	Description      *string `json:"description,omitempty"`
	ServiceAccountID *string `json:"service_account_id,omitempty"`
	TokenLifetime    *string `json:"token_lifetime,omitempty"`
}

// ClientKey is a public key registered on a service account: the account
// authenticates to the token endpoint with JWT assertions signed by the
// private half (private_key_jwt), naming the key by ID in their kid
// header.
type ClientKey struct {
	ID               string `json:"id"`
	ServiceAccountID string `json:"service_account_id"`
	Name             string `json:"name"`
	// Algorithm is what the assertions must be signed with: "EdDSA",
	// "ES256" or "RS256".
	Algorithm string `json:"algorithm"`
	// PublicKey is PEM ("-----BEGIN PUBLIC KEY-----").
	PublicKey string `json:"public_key"`
	// Thumbprint is the key's RFC 7638 SHA-256 JWK thumbprint, base64url.
	Thumbprint string    `json:"thumbprint"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
}

// CreateClientKeyRequest registers a public key: PublicKey is PEM
// (SubjectPublicKeyInfo) or a JWK, of an Ed25519, P-256 or RSA (2048 bits
// or more) key. A private key is refused.
type CreateClientKeyRequest struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

// ClientKeyList is a service account's client keys, by id.
type ClientKeyList struct {
	Data []ClientKey `json:"data"`
}

// SigningKey is one of Signet's token signing keys, public part only. The
// newest key not retired signs; a retired one stays published until
// ExpiresAt.
type SigningKey struct {
	ID        string `json:"id"` // the kid
	Algorithm string `json:"algorithm"`
	// PublicKey is PEM ("-----BEGIN PUBLIC KEY-----").
	PublicKey string    `json:"public_key"`
	CreatedAt time.Time `json:"created_at"`
	// RetiredAt is when a successor took over signing; null while it signs.
	RetiredAt *time.Time `json:"retired_at"`
	// ExpiresAt is when it leaves the published keys; null while it signs.
	ExpiresAt *time.Time `json:"expires_at"`
}

// SigningKeyList is the published signing keys, oldest first.
type SigningKeyList struct {
	Data []SigningKey `json:"data"`
}
