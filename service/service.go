// Package service holds Signet's use cases. Every rule of DESIGN.md §1 is
// written here once: the REST API, the web UI and the CLI all call these
// methods. Each mutating method authorises the actor, validates input,
// writes the change and its audit event in one storage transaction, and
// then tells caches that something changed.
package service

import (
	"log/slog"
	"sync/atomic"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// Service implements Signet's use cases over a store.
type Service struct {
	store store.Store
	// now is injected so expiry logic is tested without sleeping.
	now    func() time.Time
	logger *slog.Logger
	// onChange is called after every committed mutation (and never inside
	// a transaction) so verification caches drop what they hold.
	onChange func()
	// bcryptCost is lowered in tests; production uses bcrypt.DefaultCost or more.
	bcryptCost int
	// dummyState is the hash compared against on sign-in failures.
	dummyState
	// sessionTTL and sessionIdle bound UI sessions (see sessions.go).
	sessionTTL, sessionIdle time.Duration
	// throttle counts password attempts, and hashes bounds concurrent
	// bcrypt work (see passwords.go).
	throttle attemptThrottle
	hashes   *hashLimiter
	// denied aggregates repeated refusals (see denied.go).
	denied *DeniedAggregator
	// chainVerifications and exports bound the expensive audit reads
	// running at once on this node (see audit_trail.go).
	chainVerifications, exports chan struct{}
	// webhooks configures outbound webhooks; webhookNudge wakes this
	// process's Dispatcher, once there is one.
	webhooks     WebhookOptions
	webhookNudge atomic.Pointer[chan struct{}]
	// lifecycle is the key lifecycle job's memory (see key_lifecycle.go).
	lifecycle keyLifecycle
	// sso configures single sign-on; ssoCache holds identity providers'
	// discovery (see sso.go).
	sso      SSOOptions
	ssoCache ssoClients
}

// Options configure a Service. Zero fields take defaults.
type Options struct {
	// Now is the clock; the service truncates its times to microseconds,
	// storage's precision. nil means time.Now.
	Now        func() time.Time
	Logger     *slog.Logger
	OnChange   func()
	BcryptCost int
	// SessionTTL is the absolute lifetime of a UI session;
	// 0 means DefaultSessionTTL.
	SessionTTL time.Duration
	// SessionIdleTimeout ends a UI session unused for that long;
	// 0 means DefaultSessionIdleTimeout.
	SessionIdleTimeout time.Duration
	// PasswordHashConcurrency is how many bcrypt computations may run at
	// once; 0 means half the CPUs, at least one (see passwords.go).
	PasswordHashConcurrency int
	// Webhooks configure outbound webhooks.
	Webhooks WebhookOptions
	// SSO configures single sign-on (its client secrets are sealed with
	// Webhooks.Box, the server's secret key).
	SSO SSOOptions
}

// New returns a Service over st.
func New(st store.Store, opts Options) *Service {
	s := &Service{store: st, now: opts.Now, logger: opts.Logger, onChange: opts.OnChange, bcryptCost: opts.BcryptCost,
		sessionTTL: opts.SessionTTL, sessionIdle: opts.SessionIdleTimeout, hashes: newHashLimiter(opts.PasswordHashConcurrency), webhooks: opts.Webhooks, sso: opts.SSO}
	if s.sessionTTL <= 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	if s.sessionIdle <= 0 {
		s.sessionIdle = DefaultSessionIdleTimeout
	}
	// Times are minted here, at storage's precision (microseconds), so
	// that the answer to a change and every later read of it agree.
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	s.now = func() time.Time { return clock().Truncate(time.Microsecond) }
	s.denied = newDeniedAggregator(s)
	s.chainVerifications = make(chan struct{}, maxChainVerifications)
	s.exports = make(chan struct{}, maxAuditExports)
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.onChange == nil {
		s.onChange = func() {}
	}
	if s.bcryptCost == 0 {
		s.bcryptCost = 12
	}
	return s
}

// GrantSpec names a role to grant in a workspace: a workspace id, "" for
// the default workspace, or signet.OrganisationWide.
type GrantSpec struct {
	RoleID      string
	WorkspaceID string
}

// CreateKeyInput describes a new API key. ExpiresAt and ExpiresIn are
// mutually exclusive; both empty means the key does not expire.
type CreateKeyInput struct {
	Name        string
	Description string
	ExpiresAt   *time.Time
	ExpiresIn   time.Duration
	Scopes      []string
	// AllowedNetworks are the CIDRs (or addresses) the key is accepted
	// from; none: anywhere. See signet.ParseAllowedNetworks.
	AllowedNetworks []string
	// Labels are key=value pairs to find the key by (signet.ValidateLabels).
	Labels map[string]string
	// loginDevice marks a key minted by LoginKey.
	loginDevice string
	// rotates is the key a rotation replaces (RotateAPIKey): the new key
	// copies its network allowlist and is linked to it, and the key
	// policy's MaxActiveKeysPerAccount does not refuse it (it replaces a
	// key that is going away).
	rotates *signet.APIKey
}

// CreatedKey is a key just minted. Secret is the whole key string; it is
// returned only here, once, and never stored.
type CreatedKey struct {
	Key    *signet.APIKey
	Secret string
}

// CreateServiceAccountInput describes a new service account and,
// optionally, its first API key.
type CreateServiceAccountInput struct {
	Name        string
	Description string
	Grants      []GrantSpec
	GroupIDs    []string
	Key         *CreateKeyInput
	// Labels are key=value pairs (signet.ValidateLabels); OwnerType
	// ("user" or "group") and OwnerID name who is responsible for the
	// account, both or neither (see validateOwner).
	Labels    map[string]string
	OwnerType string
	OwnerID   string
}

// CreatedServiceAccount is the result of CreateServiceAccount. Key is nil
// when no key was asked for.
type CreatedServiceAccount struct {
	User *signet.User
	Key  *CreatedKey
}

// CreateHumanInput describes a new human user.
type CreateHumanInput struct {
	Name     string
	Email    string
	Password string
	Grants   []GrantSpec
	GroupIDs []string
}

// UserUpdate is a partial update; nil fields are left alone. Password is
// refused for service accounts.
type UserUpdate struct {
	Name        *string
	Email       *string
	Description *string
	Password    *string
	// CurrentPassword is required to change one's own email or password:
	// a session or credential someone else got hold of is not enough to
	// lock its owner out.
	CurrentPassword *string
	// Labels replaces a service account's labels (an empty map removes
	// them); OwnerType and OwnerID, given together, set its owner ("" and
	// "" remove it). Refused for humans.
	Labels    *map[string]string
	OwnerType *string
	OwnerID   *string
}

// UserDetail is a user with its group memberships and direct grants.
type UserDetail struct {
	User   *signet.User
	Groups []*signet.Group
	Grants []*signet.Grant
}

// GroupDetail is a group with its members and grants.
type GroupDetail struct {
	Group   *signet.Group
	Members []*signet.User
	Grants  []*signet.Grant
}

// RoleInput describes a custom role.
type RoleInput struct {
	Name        string
	Description string
	Base        string
	Permissions []string
}

// RoleUpdate is a partial update of a custom role.
type RoleUpdate struct {
	Name        *string
	Description *string
	Base        *string
	Permissions *[]string
}

// RoleDetail is a role with its expanded, effective permissions.
type RoleDetail struct {
	Role      *signet.Role
	Effective []string // sorted; ["*"] for Admin
}

// WorkspaceInput describes a workspace.
type WorkspaceInput struct {
	Name        string
	Description string
}

// WorkspaceUpdate is a partial update of a workspace.
type WorkspaceUpdate struct {
	Name        *string
	Description *string
}

// GroupInput describes a group.
type GroupInput struct {
	Name        string
	Description string
}

// GroupUpdate is a partial update of a group.
type GroupUpdate struct {
	Name        *string
	Description *string
}

// GrantInput describes a grant of a role to a group or a user.
type GrantInput struct {
	SubjectType string // signet.SubjectGroup or signet.SubjectUser
	SubjectID   string
	RoleID      string
	WorkspaceID string // a workspace id, "" for the default workspace, or signet.OrganisationWide
}

// WorkspacePermissions is the effective permission list in one workspace.
type WorkspacePermissions struct {
	Workspace   *signet.Workspace
	Permissions []string // sorted; ["*"] for every permission
}

// MeView is the caller and its effective permissions.
type MeView struct {
	User         *signet.User
	KeyID        string
	Groups       []*signet.Group
	Organisation []string // organisation-wide permissions, sorted
	Workspaces   []WorkspacePermissions
}

// KeyState is everything key verification needs, loaded in one read
// transaction and cached by authn until the next change.
type KeyState struct {
	Key    *signet.APIKey
	Owner  *signet.User
	Access signet.Access // the owner's access, narrowed by the key's scopes
	// Catalogue is the permission catalogue as of the same read: the
	// check API tells a permission that does not exist from one the key
	// lacks (unknown_permission, not permission_denied).
	Catalogue *signet.Catalogue
	// Workspaces are the ids of every workspace as of the same read,
	// sorted: the check API refuses a workspace that does not exist.
	Workspaces []string
	// Violations are the rules of the key policy the key breaks, as of
	// the same read; nil for a compliant key.
	Violations []signet.Violation
	// EnforceFrom is when the key policy starts refusing keys that break
	// it (nil: it only reports them): the verifier refuses the key, with
	// reason policy_violation, from then on when Violations is not empty.
	EnforceFrom *time.Time
}
