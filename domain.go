// Package signet holds Signet's domain: the types every layer shares, the
// permission catalogue and its evaluation, and the error codes. It imports
// only the standard library.
package signet

import (
	"net/netip"
	"time"
)

// MaxClientTokenLen bounds an identifier a client chooses (see
// ValidClientToken).
const MaxClientTokenLen = 64

// ValidClientToken reports whether v is an identifier a client may
// choose for itself — a request id, a device id — : min to
// MaxClientTokenLen characters of [A-Za-z0-9._-], so that it is safe in
// headers, logs and audit events as it is.
func ValidClientToken(v string, min int) bool {
	if len(v) < min || len(v) > MaxClientTokenLen || len(v) == 0 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// User kinds.
const (
	KindHuman          = "human"
	KindServiceAccount = "service_account"
)

// User statuses. A deleted user stays in storage (its keys and audit trail
// refer to it) but is hidden from lists and can never authenticate.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusDeleted  = "deleted"
)

// Limits on free-text fields, enforced in the service layer.
const (
	MaxNameLen        = 100
	MaxDescriptionLen = 1000
	MaxEmailLen       = 254
	MinPasswordLen    = 12
	MaxPasswordLen    = 72 // bcrypt's input limit
	MaxReasonLen      = 500
	MaxPageSize       = 200
	DefaultPageSize   = 50
)

// User is a principal: a human or a service account. Service accounts have
// no email and no password and can never log into the UI.
type User struct {
	ID          string
	Kind        string
	Name        string
	Email       string // humans only; "" for service accounts
	Description string
	// PasswordHash is a bcrypt hash; "" for service accounts and for humans
	// without a password. Never leaves the service layer.
	PasswordHash string
	Status       string
	CreatedAt    time.Time
	CreatedBy    string // user id of the creator; "" for bootstrap
	UpdatedAt    time.Time
	DeletedAt    *time.Time
	LastActiveAt *time.Time
	// Labels are key=value pairs (team=data, env=prod).
	Labels map[string]string
	// OwnerType ("user" or "group") and OwnerID name who is responsible
	// for a service account: who is warned about its keys. "" when unset.
	OwnerType string
	OwnerID   string
	// ExternalID is the identity provider's own id for a person, set by
	// SCIM provisioning (SCIM's externalId); "" when none.
	ExternalID string
}

// IsServiceAccount reports whether u is a service account.
func (u *User) IsServiceAccount() bool { return u.Kind == KindServiceAccount }

// UserFilter selects users in a list. Zero fields do not filter.
type UserFilter struct {
	Kind   string // KindHuman or KindServiceAccount
	Status string // StatusActive or StatusDisabled; deleted users are never listed
	// NameContains matches name or email, case-insensitively.
	NameContains string
	// Labels keeps the users carrying every one of these labels.
	Labels map[string]string
	// OwnerType and OwnerID keep the service accounts owned by this user
	// or group (both set, or neither).
	OwnerType, OwnerID string
	// ExternalID keeps the users the identity provider knows by this id.
	ExternalID string
	Page
}

// Page asks for one page of a list: at most Limit items after Cursor.
type Page struct {
	Limit  int
	Cursor string // opaque; "" for the first page
}

// API key kinds.
const (
	KeyKindServiceAccount = "service_account"
	KeyKindPersonal       = "personal"
)

// API key statuses, derived from the stored fields at a point in time.
const (
	KeyStatusActive  = "active"
	KeyStatusRevoked = "revoked"
	KeyStatusExpired = "expired"
	// KeyStatusDisabled is a key set aside, reversibly (unlike revoked).
	KeyStatusDisabled = "disabled"
)

// APIKey is a credential owned by one user. The secret is never stored:
// SecretHash is SHA-256 of the secret part of the key.
type APIKey struct {
	ID            string // "key_" + the key id embedded in the key string
	Kind          string
	OwnerID       string
	Name          string
	Description   string
	SecretHash    [32]byte
	Hint          string   // e.g. "sgn_sa_…Ab3x": safe to display
	Scopes        []string // optional narrowing of the owner's permissions; nil = none
	CreatedBy     string
	CreatedAt     time.Time
	ExpiresAt     *time.Time
	RevokedAt     *time.Time
	RevokedBy     string
	RevokedReason string
	LastUsedAt    *time.Time
	LastUsedIP    string
	// LoginDevice is the device id of the `signet login` that minted this
	// personal key; "" for every other key. Signing in again on the same
	// device revokes the keys it minted before.
	LoginDevice string
	// AllowedNetworks, when not empty, are the only networks a request
	// with the key is accepted from (reason network_not_allowed).
	AllowedNetworks []netip.Prefix
	// Labels are key=value pairs (team=data, env=prod) to find keys by.
	Labels map[string]string
	// Lifetime is the expiry rule the key was made with: its span from
	// creation to expiry, 0 when it never expires. A rotation gives the
	// successor the same lifetime from its own creation.
	Lifetime time.Duration
	// RotatedFrom is the key this one replaced in a rotation; RotatedTo
	// the key that replaced this one, at RotatedAt.
	RotatedFrom string
	RotatedTo   string
	RotatedAt   *time.Time
	// DisabledAt is set while the key is disabled (by an administrator,
	// or by the system for being unused), with who and why; a disabled
	// key is refused until it is enabled again. "" DisabledBy is the
	// system.
	DisabledAt     *time.Time
	DisabledBy     string
	DisabledReason string
	// Violations are the rules of the key policy the key breaks, as the
	// service computes them when it reads the key (never stored); nil for
	// a compliant key, a revoked or an expired one.
	Violations []Violation
}

// Status returns the key's status at now.
func (k *APIKey) Status(now time.Time) string {
	switch {
	case k.RevokedAt != nil:
		return KeyStatusRevoked
	case k.DisabledAt != nil:
		return KeyStatusDisabled
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return KeyStatusExpired
	default:
		return KeyStatusActive
	}
}

// APIKeyFilter selects keys in a list. Zero fields do not filter.
type APIKeyFilter struct {
	Kind    string // KeyKindServiceAccount or KeyKindPersonal
	OwnerID string
	// Status filters by derived status at Now.
	Status       string
	Now          time.Time
	NameContains string
	// ExpiresBefore keeps the keys that expire before it (and have not
	// yet, at Now): ?expiring_within=.
	ExpiresBefore *time.Time
	// UnusedSince keeps the keys not used since it: last used before it,
	// or never used and created before it (?unused_for=).
	UnusedSince *time.Time
	// Labels keeps the keys carrying every one of these labels.
	Labels map[string]string
	// NonCompliant keeps the keys that break the key policy
	// (?non_compliant=true). The service applies it, scanning the keys the
	// other fields select; storage ignores it.
	NonCompliant bool
	Page
}

// KeyUse is one coalesced "last used" observation, written behind requests.
type KeyUse struct {
	KeyID string
	At    time.Time
	IP    string
}

// Workspace partitions the resources that permissions apply to.
type Workspace struct {
	ID          string
	Name        string
	Description string
	IsDefault   bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Role is a named set of permissions: a base level plus extra permissions.
// Built-in roles cannot be edited or deleted.
type Role struct {
	ID          string
	Name        string
	Description string
	Base        string   // BaseNone, BaseView, BaseEdit, BaseManage, or BaseAdmin (built-in Admin only)
	Permissions []string // extra "domain:action" permissions beyond the base
	BuiltIn     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Group is a set of users. The protected Admins group can never be deleted
// and never loses its last active member.
type Group struct {
	ID          string
	Name        string
	Description string
	Protected   bool
	// ExternalID is the identity provider's own id for the group, set by
	// SCIM provisioning; "" when none.
	ExternalID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// GroupMember records a user's membership of a group.
type GroupMember struct {
	GroupID string
	UserID  string
	AddedAt time.Time
	AddedBy string
}

// Grant subject types.
const (
	SubjectGroup = "group"
	SubjectUser  = "user"
)

// OrganisationWide is the workspace a grant request names to ask for an
// organisation-wide grant. A request that names no workspace gets the
// default workspace: organisation-wide access is never a default, on any
// surface (REST, CLI, UI). Stored grants and their responses keep "" and
// "*" respectively for organisation-wide.
const OrganisationWide = "*"

// Grant gives a role to a group or to a single user, in one workspace or,
// when WorkspaceID is "", organisation-wide (every workspace, and the
// organisation-level resources: users, service accounts, keys, groups,
// roles, workspaces, settings).
type Grant struct {
	ID          string
	SubjectType string
	SubjectID   string
	RoleID      string
	WorkspaceID string
	CreatedAt   time.Time
	CreatedBy   string
}

// GrantFilter selects grants. Zero fields do not filter.
type GrantFilter struct {
	SubjectType string
	SubjectID   string
	RoleID      string
	WorkspaceID string
	Page
}

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeDenied  = "denied"
	OutcomeError   = "error"
)

// AuditEvent is an append-only, hash-chained record of who did what. It
// never contains a secret.
type AuditEvent struct {
	ID          string
	Seq         int64 // position in the chain, assigned by storage
	Time        time.Time
	ActorID     string
	ActorKind   string
	ActorName   string
	KeyID       string
	SessionID   string
	Action      string // e.g. "service_account.create"
	TargetType  string
	TargetID    string
	TargetName  string
	WorkspaceID string
	Outcome     string
	IP          string
	UserAgent   string
	RequestID   string
	Details     map[string]any
	PrevHash    string // hex; assigned by storage
	Hash        string // hex; assigned by storage
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	ActorID     string
	KeyID       string
	Action      string
	TargetType  string
	TargetID    string
	WorkspaceID string
	Outcome     string
	Since       *time.Time
	Until       *time.Time
	// Query matches events whose actor name or target name contains it,
	// case-insensitively.
	Query string
	Page
}

// Session is a signed-in UI session of a human user. Only the hash of its
// token is stored.
type Session struct {
	ID         string
	UserID     string
	TokenHash  [32]byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
	RevokedAt  *time.Time
}

// PermissionDomain is a domain registered by an operator for a service that
// Signet protects, e.g. "metrics"; it gets the actions read, write and execute.
type PermissionDomain struct {
	Name        string
	Description string
	CreatedAt   time.Time
}
