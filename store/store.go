// Package store defines Signet's storage contract. Two implementations sit
// behind it (SQLite, embedded default; PostgreSQL for several replicas), and
// one conformance suite (store/storetest) runs against both.
//
// Every method that touches data lives on Tx: the service layer does all of
// an operation — authorisation reads, the change, and its audit event — in
// one transaction.
package store

import (
	"context"
	"time"

	signet "github.com/signetdev/signet"
)

// Store opens transactions.
type Store interface {
	// Read runs fn in a read-only transaction with a consistent snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in a read-write transaction and commits if fn returns
	// nil. Writers are serialised, so audit events form one chain. On a
	// serialization failure the transaction is retried a bounded number of
	// times, so fn must not have effects outside the transaction.
	// Returns EUNAVAILABLE when the database cannot be reached.
	Write(ctx context.Context, fn func(Tx) error) error
	// Ping checks the database is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// ChangeFeed tells a process about changes committed by any process that
// shares its database: the other replicas on PostgreSQL, an offline admin
// command on SQLite. Verification caches follow it, so that a revoke, a
// disable or a grant change made on one replica reaches the others.
type ChangeFeed interface {
	// WatchChanges reports changes to w until ctx is done, then returns.
	WatchChanges(ctx context.Context, w ChangeWatcher) error
}

// ChangeWatcher receives what a ChangeFeed learns. Its methods must be
// quick and must not block: the feed calls them holding its own lock.
type ChangeWatcher interface {
	// Invalidate is called when changes may have been committed since the
	// previous call: everything cached from the database is stale.
	Invalidate()
	// Confirm is called after each successful check of the database that
	// found every change committed before at already reported.
	Confirm(at time.Time)
}

// Tx is one transaction. Methods return *signet.Error with the codes named
// in their comments; any other failure is EINTERNAL (or EUNAVAILABLE).
// List methods return at most Page.Limit items (DefaultPageSize when 0),
// ordered by id, and a cursor for the next page ("" when there is none;
// signet.EncodeCursor's encoding). A cursor no list returned is
// signet.InvalidCursor (EBADREQUEST).
type Tx interface {
	// Users (humans and service accounts).

	// CreateUser inserts u. Returns ECONFLICT if a non-deleted user has the
	// same email (case-insensitively), or a non-deleted service account the
	// same name (case-insensitively).
	CreateUser(ctx context.Context, u *signet.User) error
	// GetUser returns the user, including deleted ones. Returns ENOTFOUND.
	GetUser(ctx context.Context, id string) (*signet.User, error)
	// GetUserByEmail returns the non-deleted human with that email,
	// compared case-insensitively. Returns ENOTFOUND.
	GetUserByEmail(ctx context.Context, email string) (*signet.User, error)
	// GetServiceAccountByName returns the non-deleted service account with
	// that name, compared case-insensitively. Returns ENOTFOUND.
	GetServiceAccountByName(ctx context.Context, name string) (*signet.User, error)
	// ListUsers returns non-deleted users matching f.
	ListUsers(ctx context.Context, f signet.UserFilter) ([]*signet.User, string, error)
	// UpdateUser stores every mutable field of u (name, email, description,
	// password hash, status, updated/deleted/last-active times).
	// Returns ENOTFOUND, or ECONFLICT as CreateUser.
	UpdateUser(ctx context.Context, u *signet.User) error
	// FindUsersBySkeleton returns the non-deleted users of a kind ("" =
	// all) whose names have one of the given UTS #39 skeletons
	// (confusable.Skeleton), at most 1,000, by id: the names that look
	// like a given one, found through an index.
	FindUsersBySkeleton(ctx context.Context, kind string, skeletons []string) ([]*signet.User, error)
	// CountUsers returns the number of non-deleted users of a kind ("" = all).
	CountUsers(ctx context.Context, kind string) (int, error)

	// API keys.

	// CreateAPIKey inserts k. Returns ECONFLICT on a duplicate id.
	CreateAPIKey(ctx context.Context, k *signet.APIKey) error
	// GetAPIKey returns the key including its secret hash. Returns ENOTFOUND.
	GetAPIKey(ctx context.Context, id string) (*signet.APIKey, error)
	// ListAPIKeys returns keys matching f, revoked ones included.
	ListAPIKeys(ctx context.Context, f signet.APIKeyFilter) ([]*signet.APIKey, string, error)
	// RevokeAPIKey sets the revocation fields of a key that is not revoked
	// yet and reports whether it did; an already revoked key keeps its first
	// revocation. Returns ENOTFOUND.
	RevokeAPIKey(ctx context.Context, id string, at time.Time, by, reason string) (bool, error)
	// RevokeUserAPIKeys revokes every unrevoked key of a user and returns
	// the ids it revoked.
	RevokeUserAPIKeys(ctx context.Context, userID string, at time.Time, by, reason string) ([]string, error)
	// UpdateAPIKey stores the mutable fields of k: name, description,
	// expiry, allowlist, labels, lifetime, rotation links and disabled
	// state (not the secret, owner or revocation). Returns ENOTFOUND.
	UpdateAPIKey(ctx context.Context, k *signet.APIKey) error
	// RecordKeyWarning records that the expiry warning of threshold was
	// sent for a key, and reports whether this call recorded it (false:
	// it had been already, by any process), so that each is sent once.
	RecordKeyWarning(ctx context.Context, keyID string, threshold time.Duration, at time.Time) (bool, error)
	// RecordKeyUses writes last-used time and IP of keys, keeping the later
	// time when one is already stored. Unknown ids are ignored.
	RecordKeyUses(ctx context.Context, uses []signet.KeyUse) error

	// Workspaces.

	// CreateWorkspace inserts w. Returns ECONFLICT on a duplicate name.
	CreateWorkspace(ctx context.Context, w *signet.Workspace) error
	// GetWorkspace returns ENOTFOUND.
	GetWorkspace(ctx context.Context, id string) (*signet.Workspace, error)
	// GetDefaultWorkspace returns ENOTFOUND before bootstrap.
	GetDefaultWorkspace(ctx context.Context) (*signet.Workspace, error)
	ListWorkspaces(ctx context.Context, p signet.Page) ([]*signet.Workspace, string, error)
	// UpdateWorkspace stores name, description, updated time.
	// Returns ENOTFOUND or ECONFLICT.
	UpdateWorkspace(ctx context.Context, w *signet.Workspace) error
	// DeleteWorkspace deletes the workspace and the grants in it.
	// Returns ENOTFOUND.
	DeleteWorkspace(ctx context.Context, id string) error

	// Roles.

	// CreateRole inserts r. Returns ECONFLICT on a duplicate name
	// (case-insensitively).
	CreateRole(ctx context.Context, r *signet.Role) error
	// GetRole returns ENOTFOUND.
	GetRole(ctx context.Context, id string) (*signet.Role, error)
	// ListRoles returns every role (built-in first is not guaranteed; ordered by id).
	ListRoles(ctx context.Context, p signet.Page) ([]*signet.Role, string, error)
	// UpdateRole stores name, description, base, permissions, updated time.
	// Returns ENOTFOUND or ECONFLICT.
	UpdateRole(ctx context.Context, r *signet.Role) error
	// DeleteRole returns ENOTFOUND, or ECONFLICT while grants use the role.
	DeleteRole(ctx context.Context, id string) error

	// Groups.

	// CreateGroup inserts g. Returns ECONFLICT on a duplicate name
	// (case-insensitively).
	CreateGroup(ctx context.Context, g *signet.Group) error
	// GetGroup returns ENOTFOUND.
	GetGroup(ctx context.Context, id string) (*signet.Group, error)
	ListGroups(ctx context.Context, p signet.Page) ([]*signet.Group, string, error)
	// UpdateGroup stores name, description, external id, updated time.
	// Returns ENOTFOUND or ECONFLICT.
	UpdateGroup(ctx context.Context, g *signet.Group) error
	// DeleteGroup deletes the group, its memberships and its grants.
	// Returns ENOTFOUND.
	DeleteGroup(ctx context.Context, id string) error
	// AddGroupMember returns ENOTFOUND if the group or user does not exist,
	// ECONFLICT if the user is already a member.
	AddGroupMember(ctx context.Context, m signet.GroupMember) error
	// RemoveGroupMember returns ENOTFOUND if the user is not a member.
	RemoveGroupMember(ctx context.Context, groupID, userID string) error
	// ListGroupMembers returns the non-deleted members of a group, by user id.
	ListGroupMembers(ctx context.Context, groupID string) ([]*signet.User, error)
	// ListUserGroups returns the groups a user belongs to, by group id.
	ListUserGroups(ctx context.Context, userID string) ([]*signet.Group, error)
	// RemoveUserFromAllGroups removes every membership of a user.
	RemoveUserFromAllGroups(ctx context.Context, userID string) error

	// Grants.

	// CreateGrant inserts g. Returns ECONFLICT if the same subject already
	// holds the same role in the same workspace (or organisation-wide);
	// ENOTFOUND if the role, workspace or subject does not exist.
	CreateGrant(ctx context.Context, g *signet.Grant) error
	// GetGrant returns ENOTFOUND.
	GetGrant(ctx context.Context, id string) (*signet.Grant, error)
	// DeleteGrant returns ENOTFOUND.
	DeleteGrant(ctx context.Context, id string) error
	// ListGrants returns grants matching f.
	ListGrants(ctx context.Context, f signet.GrantFilter) ([]*signet.Grant, string, error)
	// GrantsReaching returns every grant that reaches a user, directly or
	// through its groups, joined with its role.
	GrantsReaching(ctx context.Context, userID string) ([]signet.GrantedRole, error)
	// DeleteUserGrants deletes the grants whose subject is the user.
	DeleteUserGrants(ctx context.Context, userID string) error

	// Permission domains registered by operators.

	// CreatePermissionDomain returns ECONFLICT on a duplicate name.
	CreatePermissionDomain(ctx context.Context, d *signet.PermissionDomain) error
	ListPermissionDomains(ctx context.Context) ([]*signet.PermissionDomain, error)

	// Audit events.

	// AppendAuditEvent assigns e.Seq, e.PrevHash and e.Hash (continuing the
	// chain from the newest event, or from the checkpoint when pruning left
	// none) and inserts e.
	AppendAuditEvent(ctx context.Context, e *signet.AuditEvent) error
	// AppendAuditEvents appends events in order, as AppendAuditEvent each
	// would, reading the chain's tail once.
	AppendAuditEvents(ctx context.Context, events []*signet.AuditEvent) error
	// ListAuditEvents returns events matching f, newest first (by Seq).
	ListAuditEvents(ctx context.Context, f signet.AuditFilter) ([]*signet.AuditEvent, string, error)
	// ScanAuditEvents returns at most limit events with Seq > afterSeq,
	// oldest first, matching f (its Page is ignored). Iterating by the last
	// Seq returned reads the chain in constant memory.
	ScanAuditEvents(ctx context.Context, afterSeq int64, f signet.AuditFilter, limit int) ([]*signet.AuditEvent, error)
	// AuditHead returns the seq and hash of the newest event; with no
	// events, those of the checkpoint, or 0 and the genesis hash.
	AuditHead(ctx context.Context) (int64, string, error)
	// GetAuditEvent returns ENOTFOUND.
	GetAuditEvent(ctx context.Context, id string) (*signet.AuditEvent, error)
	// GetAuditCheckpoint returns the retention checkpoint, or ENOTFOUND
	// when nothing was ever pruned.
	GetAuditCheckpoint(ctx context.Context) (*signet.AuditCheckpoint, error)
	// PruneAuditEvents deletes the oldest events: every event up to (and
	// excluding) the first one whose time is at or after before, so that
	// what remains is a suffix of the chain. It records the last deleted
	// event as the checkpoint and returns it with the number deleted; nil
	// and 0 when nothing is old enough.
	PruneAuditEvents(ctx context.Context, before, at time.Time) (*signet.AuditCheckpoint, int64, error)

	// Per-key activity.

	// RecordKeyActivity adds counts to the (key, hour) rows.
	RecordKeyActivity(ctx context.Context, activity []signet.KeyActivity) error
	// ListKeyActivity returns a key's hourly counts from since on, oldest
	// first.
	ListKeyActivity(ctx context.Context, keyID string, since time.Time) ([]signet.KeyActivity, error)
	// ListKeysActivity returns the hourly counts of the keys keyIDs from
	// since on, in one query: ordered by key id, then oldest first. No ids,
	// no rows. For a page of keys (at most signet.MaxPageSize ids).
	ListKeysActivity(ctx context.Context, keyIDs []string, since time.Time) ([]signet.KeyActivity, error)

	// Sessions (UI).

	CreateSession(ctx context.Context, s *signet.Session) error
	// GetSessionByTokenHash returns ENOTFOUND.
	GetSessionByTokenHash(ctx context.Context, hash [32]byte) (*signet.Session, error)
	// TouchSession sets LastSeenAt. Returns ENOTFOUND.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// RevokeSession sets RevokedAt if unset. Returns ENOTFOUND.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// RevokeUserSessions revokes every session of a user.
	RevokeUserSessions(ctx context.Context, userID string, at time.Time) error
	// ListUserSessions returns a user's unrevoked, unexpired sessions.
	ListUserSessions(ctx context.Context, userID string, now time.Time) ([]*signet.Session, error)

	// Idempotency records (Idempotency-Key), written outside the change
	// counter: no cache reads them.

	// CreateIdempotencyRecord inserts r, first deleting every record
	// expired at now. Returns ECONFLICT if a record with the same scope
	// and key hash exists.
	CreateIdempotencyRecord(ctx context.Context, r *signet.IdempotencyRecord, now time.Time) error
	// GetIdempotencyRecord returns the record of scope and keyHash, even
	// an expired one. Returns ENOTFOUND.
	GetIdempotencyRecord(ctx context.Context, scope string, keyHash [32]byte) (*signet.IdempotencyRecord, error)
	// CompleteIdempotencyRecord stores the sealed response of a record
	// that has none yet. Returns ENOTFOUND if there is no such record, or
	// ECONFLICT if it already has one.
	CompleteIdempotencyRecord(ctx context.Context, scope string, keyHash [32]byte, response []byte) error
	// DeleteIdempotencyRecord deletes a record, if it exists.
	DeleteIdempotencyRecord(ctx context.Context, scope string, keyHash [32]byte) error

	// Webhooks, written outside the change counter: no cache reads them.
	// Appending an audit event that is a webhook event
	// (signet.IsWebhookEvent) also creates, in the same transaction, one
	// pending delivery for every enabled endpoint subscribed to its action
	// (signet.WebhookSubscribes): the outbox.

	// CreateWebhookEndpoint inserts e.
	CreateWebhookEndpoint(ctx context.Context, e *signet.WebhookEndpoint) error
	// GetWebhookEndpoint returns ENOTFOUND.
	GetWebhookEndpoint(ctx context.Context, id string) (*signet.WebhookEndpoint, error)
	ListWebhookEndpoints(ctx context.Context, p signet.Page) ([]*signet.WebhookEndpoint, string, error)
	// UpdateWebhookEndpoint stores every mutable field of e. Returns
	// ENOTFOUND.
	UpdateWebhookEndpoint(ctx context.Context, e *signet.WebhookEndpoint) error
	// DeleteWebhookEndpoint deletes the endpoint with its deliveries and
	// their attempts. Returns ENOTFOUND.
	DeleteWebhookEndpoint(ctx context.Context, id string) error
	// CreateWebhookDelivery inserts d (a test event, which no audit event
	// produced).
	CreateWebhookDelivery(ctx context.Context, d *signet.WebhookDelivery) error
	// GetWebhookDelivery returns ENOTFOUND.
	GetWebhookDelivery(ctx context.Context, id string) (*signet.WebhookDelivery, error)
	// ListWebhookDeliveries returns deliveries matching f, newest first
	// (the cursor continues with older ones).
	ListWebhookDeliveries(ctx context.Context, f signet.WebhookDeliveryFilter) ([]*signet.WebhookDelivery, string, error)
	// UpdateWebhookDelivery stores the status, attempt count, times, last
	// answer and lease of d. Returns ENOTFOUND.
	UpdateWebhookDelivery(ctx context.Context, d *signet.WebhookDelivery) error
	// ClaimWebhookDeliveries leases at most limit pending deliveries of
	// enabled endpoints that are due at now and not leased (or whose lease
	// ran out) to owner until leaseUntil, oldest due first, and returns
	// them. On PostgreSQL rows another transaction holds are skipped (FOR
	// UPDATE SKIP LOCKED), so replicas never claim the same delivery.
	ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, owner string, limit int) ([]*signet.WebhookDelivery, error)
	// NextWebhookDeliveryDue returns when the next pending delivery of an
	// enabled endpoint is due (its lease's end, if later); nil when none
	// is pending.
	NextWebhookDeliveryDue(ctx context.Context) (*time.Time, error)
	// PruneWebhookDeliveries deletes the deliveries that are no longer
	// pending and were created before before, with their attempts, and
	// returns how many it deleted.
	PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error)
	// AddWebhookAttempt inserts a.
	AddWebhookAttempt(ctx context.Context, a *signet.WebhookAttempt) error
	// ListWebhookAttempts returns a delivery's attempts, first first.
	ListWebhookAttempts(ctx context.Context, deliveryID string) ([]*signet.WebhookAttempt, error)

	// OAuth 2.0 (short-lived tokens). Audiences, client keys, signing keys
	// and revoked tokens count as changes: caches read them.

	// CreateAudience inserts a. Returns ECONFLICT on a duplicate
	// identifier.
	CreateAudience(ctx context.Context, a *signet.Audience) error
	// GetAudience returns ENOTFOUND.
	GetAudience(ctx context.Context, id string) (*signet.Audience, error)
	// GetAudienceByIdentifier returns the audience whose identifier is
	// exactly identifier. Returns ENOTFOUND.
	GetAudienceByIdentifier(ctx context.Context, identifier string) (*signet.Audience, error)
	ListAudiences(ctx context.Context, p signet.Page) ([]*signet.Audience, string, error)
	// UpdateAudience stores identifier, description, service account,
	// token lifetime and updated time. Returns ENOTFOUND or ECONFLICT.
	UpdateAudience(ctx context.Context, a *signet.Audience) error
	// DeleteAudience returns ENOTFOUND.
	DeleteAudience(ctx context.Context, id string) error
	// CreateClientKey inserts k. Returns ECONFLICT when the user already
	// has a key with the same thumbprint, ENOTFOUND when the user does not
	// exist.
	CreateClientKey(ctx context.Context, k *signet.ClientKey) error
	// GetClientKey returns ENOTFOUND.
	GetClientKey(ctx context.Context, id string) (*signet.ClientKey, error)
	// ListClientKeys returns a user's client keys, by id.
	ListClientKeys(ctx context.Context, userID string) ([]*signet.ClientKey, error)
	// DeleteClientKey returns ENOTFOUND.
	DeleteClientKey(ctx context.Context, id string) error
	// DeleteUserClientKeys deletes every client key of a user.
	DeleteUserClientKeys(ctx context.Context, userID string) error
	// CreateSigningKey inserts k. Returns ECONFLICT on a duplicate id.
	CreateSigningKey(ctx context.Context, k *signet.SigningKey) error
	// ListSigningKeys returns every signing key, oldest first.
	ListSigningKeys(ctx context.Context) ([]*signet.SigningKey, error)
	// UpdateSigningKey stores the retirement and expiry of k. Returns
	// ENOTFOUND.
	UpdateSigningKey(ctx context.Context, k *signet.SigningKey) error
	// DeleteSigningKey returns ENOTFOUND.
	DeleteSigningKey(ctx context.Context, id string) error
	// RevokeToken records a revoked access token and reports whether this
	// call recorded it (false: it was already), first deleting the records
	// of tokens expired at now.
	RevokeToken(ctx context.Context, t *signet.RevokedToken, now time.Time) (bool, error)
	// ListRevokedTokens returns the revoked tokens not expired at now.
	ListRevokedTokens(ctx context.Context, now time.Time) ([]*signet.RevokedToken, error)
	// UseClientAssertion records the jti of a client assertion of client
	// that expires at expiresAt and reports whether this is its first use,
	// first forgetting the assertions expired at now. Bookkeeping: not a
	// change.
	UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt, now time.Time) (bool, error)
	// Single sign-on (sso.go in package signet), written outside the
	// change counter: no cache reads them.

	// CreateOIDCProvider inserts p. Returns ECONFLICT on a duplicate id.
	CreateOIDCProvider(ctx context.Context, p *signet.OIDCProvider) error
	// GetOIDCProvider returns ENOTFOUND.
	GetOIDCProvider(ctx context.Context, id string) (*signet.OIDCProvider, error)
	// ListOIDCProviders returns every provider, by id (there are few).
	ListOIDCProviders(ctx context.Context) ([]*signet.OIDCProvider, error)
	// UpdateOIDCProvider stores every mutable field of p. Returns
	// ENOTFOUND.
	UpdateOIDCProvider(ctx context.Context, p *signet.OIDCProvider) error
	// DeleteOIDCProvider deletes the provider and the identities linked
	// through it. Returns ENOTFOUND.
	DeleteOIDCProvider(ctx context.Context, id string) error
	// GetUserIdentity returns the link of a provider's subject. Returns
	// ENOTFOUND.
	GetUserIdentity(ctx context.Context, providerID, subject string) (*signet.UserIdentity, error)
	// CreateUserIdentity inserts i. Returns ECONFLICT if the subject is
	// linked already, ENOTFOUND if the provider or user does not exist.
	CreateUserIdentity(ctx context.Context, i *signet.UserIdentity) error
	// TouchUserIdentity sets LastLoginAt. Returns ENOTFOUND.
	TouchUserIdentity(ctx context.Context, providerID, subject string, at time.Time) error
	// ListUserIdentities returns a user's identities, by provider id.
	ListUserIdentities(ctx context.Context, userID string) ([]*signet.UserIdentity, error)
	// CreateSSOLoginState inserts st, first deleting every state expired
	// at now. Returns ECONFLICT on a duplicate state hash.
	CreateSSOLoginState(ctx context.Context, st *signet.SSOLoginState, now time.Time) error
	// TakeSSOLoginState deletes the state with that hash and returns it,
	// expired or not: a state is used at most once, even by concurrent
	// callers. Returns ENOTFOUND.
	TakeSSOLoginState(ctx context.Context, stateHash [32]byte) (*signet.SSOLoginState, error)

	// Settings: a small key-value table (setup token hash, installation id).

	// GetSetting returns ENOTFOUND.
	GetSetting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
	DeleteSetting(ctx context.Context, key string) error
}
