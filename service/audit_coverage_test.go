package service

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// readOnly lists the Service methods that change nothing anyone asked to
// change, and so record no audit event: reads, authentication helpers,
// and bookkeeping (last-used data and activity counts, written behind
// requests). Every other exported method must be in TestAuditCoverage's
// table; a new method fails TestEveryServiceMethodIsClassified until it is
// put in one of the two.
var readOnly = []string{
	"ActorForUser", "AuditEventsAfter", "DefaultWorkspaceID", "AuditHead", "AuthenticatePassword", "CheckPasswordThrottle", "Denied",
	"ExportAuditEvents", "GetAPIKey", "GetKeyPolicy", "GetAuditEvent", "GetGroup", "GetRole", "GetUser",
	"GetWorkspace", "KeyActivity", "KeysActivity", "KeyAttentionThresholds", "ListAPIKeys", "ListAuditEvents", "ListGrants",
	"ListGroups", "ListPermissions", "ListRoles", "ListUsers", "ListWorkspaces",
	"LoadKeyState", "Me", "RecordKeyUsage",
	// Key lifecycle: the keys to warn a user about, and the last job
	// run's counts (for metrics).
	"ExpiringKeys", "ExpiringKeyCounts", "RecordKeyUses", "SetupPending",
	// Idempotency-Key bookkeeping: the request it guards is audited itself.
	"BeginIdempotent", "CompleteIdempotent",
	"VerifyAuditChain",
	// Sessions: listing, and looking one up (which only refreshes its
	// last-seen time, like a key's last use).
	"ListSessions", "LookupSession",
	// Warnings about misleading names, shown beside them in the UI.
	"NameWarnings",
	// Webhooks: reads, and queueing a delivery (a test event, a
	// redelivery), which changes nothing; the delivery log shows it.
	"GetWebhookDelivery", "GetWebhookEndpoint", "ListWebhookDeliveries", "ListWebhookEndpoints",
	"NewDispatcher", "RedeliverWebhook", "SendTestWebhook",
	// Short-lived tokens: reads, the issuer's state, and the record of
	// used client assertions (bookkeeping against replay).
	"ClientKeyActive", "GetAudience", "ListAudiences", "ListClientKeys", "LoadClientAssertionState",
	"LoadTokenIssuerState", "SigningKeys", "UseClientAssertion",
	// Single sign-on: reads; BeginSSO writes only a single-use state (no
	// one's data); CompleteSSO is a sign-in, audited as session.login or
	// session.login_failed like Login, and checked against a real
	// identity provider in sso_test.go.
	"GetOIDCProvider", "ListOIDCProviders", "LoginProviders", "PasswordLogin", "PasswordLoginOff",
	// SCIM reads.
	"SCIMListUsers", "SCIMGetUser", "SCIMListGroups", "SCIMGetGroup", "BeginSSO", "CompleteSSO",
}

// mutation is one mutating service operation and the audit event it must
// produce.
type mutation struct {
	method     string // the Service method exercised
	action     string // the event's action
	targetType string
	run        func(e *env) error
}

// alsoRecorded lists, by method and action, the further events a mutation
// commits after its own, in order: a service account created with a key
// records the key's api_key.create too, like every key creation.
var alsoRecorded = map[string][]string{
	"CreateServiceAccount service_account.create": {"api_key.create"},
	"SCIMCreateGroup group.create":                {"group.member_add"},
	"SCIMUpdateGroup group.update":                {"group.member_remove"},
}

// auditedMutations covers every mutating method at least once; methods whose
// action depends on the target (a user or a service account) appear once
// per kind.
func auditedMutations() []mutation {
	var (
		sa, human   *signet.User
		group       string
		role        string
		ws          string
		grant       string
		key         string
		session     string
		webhookID   string
		audID       string
		ckID        string
		idpID       string
		scimID      string
		scimGroupID string
		// saKey is the key string of the service account's first key.
		saKey string
	)
	return []mutation{
		{"CreateServiceAccount", "service_account.create", "service_account", func(e *env) error {
			out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl", Key: &CreateKeyInput{Name: "k"}})
			if err == nil {
				sa, saKey = out.User, out.Key.Secret
			}
			return err
		}},
		{"CreateHuman", "user.create", "user", func(e *env) error {
			u, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "Bob", Email: "bob@example.com"})
			human = u
			return err
		}},
		{"UpdateUser", "service_account.update", "service_account", func(e *env) error {
			_, err := e.svc.UpdateUser(e.ctx, e.admin, sa.ID, UserUpdate{Name: ptr("etl-renamed")})
			return err
		}},
		{"UpdateUser", "user.update", "user", func(e *env) error {
			_, err := e.svc.UpdateUser(e.ctx, e.admin, human.ID, UserUpdate{Description: ptr("ops")})
			return err
		}},
		{"SetUserStatus", "service_account.disable", "service_account", func(e *env) error {
			_, err := e.svc.SetUserStatus(e.ctx, e.admin, sa.ID, signet.StatusDisabled)
			return err
		}},
		{"SetUserStatus", "service_account.enable", "service_account", func(e *env) error {
			_, err := e.svc.SetUserStatus(e.ctx, e.admin, sa.ID, signet.StatusActive)
			return err
		}},
		{"SetUserStatus", "user.disable", "user", func(e *env) error {
			_, err := e.svc.SetUserStatus(e.ctx, e.admin, human.ID, signet.StatusDisabled)
			return err
		}},
		{"CreateGroup", "group.create", "group", func(e *env) error {
			g, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "ops"})
			if err == nil {
				group = g.ID
			}
			return err
		}},
		{"UpdateGroup", "group.update", "group", func(e *env) error {
			_, err := e.svc.UpdateGroup(e.ctx, e.admin, group, GroupUpdate{Name: ptr("ops-team")})
			return err
		}},
		{"AddGroupMember", "group.member_add", "group", func(e *env) error {
			return e.svc.AddGroupMember(e.ctx, e.admin, group, sa.ID)
		}},
		{"RemoveGroupMember", "group.member_remove", "group", func(e *env) error {
			return e.svc.RemoveGroupMember(e.ctx, e.admin, group, sa.ID)
		}},
		{"SetUserGroups", "service_account.groups_set", "service_account", func(e *env) error {
			_, err := e.svc.SetUserGroups(e.ctx, e.admin, sa.ID, []string{group})
			return err
		}},
		{"CreateRole", "role.create", "role", func(e *env) error {
			r, err := e.svc.CreateRole(e.ctx, e.admin, RoleInput{Name: "auditor", Base: signet.BaseNone, Permissions: []string{"audit:read"}})
			if err == nil {
				role = r.Role.ID
			}
			return err
		}},
		{"UpdateRole", "role.update", "role", func(e *env) error {
			_, err := e.svc.UpdateRole(e.ctx, e.admin, role, RoleUpdate{Base: ptr(signet.BaseView)})
			return err
		}},
		{"CreateWorkspace", "workspace.create", "workspace", func(e *env) error {
			w, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "staging"})
			if err == nil {
				ws = w.ID
			}
			return err
		}},
		{"UpdateWorkspace", "workspace.update", "workspace", func(e *env) error {
			_, err := e.svc.UpdateWorkspace(e.ctx, e.admin, ws, WorkspaceUpdate{Description: ptr("pre-prod")})
			return err
		}},
		{"CreateGrant", "grant.create", "grant", func(e *env) error {
			g, err := e.svc.CreateGrant(e.ctx, e.admin, GrantInput{SubjectType: signet.SubjectUser, SubjectID: sa.ID, RoleID: role, WorkspaceID: ws})
			if err == nil {
				grant = g.ID
			}
			return err
		}},
		{"DeleteGrant", "grant.delete", "grant", func(e *env) error {
			return e.svc.DeleteGrant(e.ctx, e.admin, grant)
		}},
		{"DeleteRole", "role.delete", "role", func(e *env) error {
			return e.svc.DeleteRole(e.ctx, e.admin, role)
		}},
		{"DeleteWorkspace", "workspace.delete", "workspace", func(e *env) error {
			return e.svc.DeleteWorkspace(e.ctx, e.admin, ws)
		}},
		{"RegisterPermissionDomain", "permission_domain.create", "permission_domain", func(e *env) error {
			_, err := e.svc.RegisterPermissionDomain(e.ctx, e.admin, "metrics", "")
			return err
		}},
		{"CreateAPIKey", "api_key.create", "api_key", func(e *env) error {
			k, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "second"})
			if err == nil {
				key = k.Key.ID
			}
			return err
		}},
		{"RevokeLeakedKeys", ActionKeyLeaked, "api_key", func(e *env) error {
			_, err := e.svc.RevokeLeakedKeys(e.ctx, []LeakedToken{{Token: saKey, URL: "https://example.com/leak", Source: "content"}})
			return err
		}},
		{"UpdateAPIKey", "api_key.update", "api_key", func(e *env) error {
			_, err := e.svc.UpdateAPIKey(e.ctx, e.admin, key, APIKeyUpdate{AllowedNetworks: &[]string{"10.0.0.0/8"}, Labels: &map[string]string{"team": "data"}})
			return err
		}},
		{"RotateAPIKey", "api_key.rotate", "api_key", func(e *env) error {
			r, err := e.svc.RotateAPIKey(e.ctx, e.admin, key, RotateKeyInput{})
			if err == nil {
				key = r.Key.Key.ID
			}
			return err
		}},
		{"DisableAPIKey", "api_key.disable", "api_key", func(e *env) error {
			_, err := e.svc.DisableAPIKey(e.ctx, e.admin, key, "paused")
			return err
		}},
		{"EnableAPIKey", "api_key.enable", "api_key", func(e *env) error {
			_, err := e.svc.EnableAPIKey(e.ctx, e.admin, key)
			return err
		}},
		// The key lifecycle job acts as the system actor, like retention
		// pruning: a key made straight in storage, expiring in 3 days, gets
		// its one warning.
		{"RunKeyLifecycle", ActionKeyExpiring, "api_key", func(e *env) error {
			exp := e.clock().Add(3 * 24 * time.Hour)
			k := &signet.APIKey{ID: "key_coverageexpiring", Kind: signet.KeyKindServiceAccount, OwnerID: sa.ID, Name: "soon",
				Hint: "sgn_sa_…cove", CreatedAt: e.clock(), ExpiresAt: &exp}
			e.must(e.st.Write(e.ctx, func(tx store.Tx) error { return tx.CreateAPIKey(e.ctx, k) }))
			_, err := e.svc.RunKeyLifecycle(e.ctx)
			return err
		}},
		{"RevokeAPIKey", "api_key.revoke", "api_key", func(e *env) error {
			_, err := e.svc.RevokeAPIKey(e.ctx, e.admin, key, "rotated")
			return err
		}},
		{"CreateAudience", ActionAudienceCreate, "oauth_audience", func(e *env) error {
			au, err := e.svc.CreateAudience(e.ctx, e.admin, AudienceInput{Identifier: "https://billing.internal", ServiceAccountID: sa.ID})
			if err == nil {
				audID = au.ID
			}
			return err
		}},
		{"UpdateAudience", ActionAudienceUpdate, "oauth_audience", func(e *env) error {
			_, err := e.svc.UpdateAudience(e.ctx, e.admin, audID, AudienceUpdate{TokenLifetime: ptr(5 * time.Minute)})
			return err
		}},
		{"DeleteAudience", ActionAudienceDelete, "oauth_audience", func(e *env) error {
			return e.svc.DeleteAudience(e.ctx, e.admin, audID)
		}},
		{"CreateClientKey", ActionClientKeyCreate, "oauth_client_key", func(e *env) error {
			k, err := e.svc.CreateClientKey(e.ctx, e.admin, sa.ID, ClientKeyInput{Name: "ci", PublicKey: testPublicKeyPEM(e.tb, newEd25519(e.tb))})
			if err == nil {
				ckID = k.ID
			}
			return err
		}},
		{"DeleteClientKey", ActionClientKeyDelete, "oauth_client_key", func(e *env) error {
			return e.svc.DeleteClientKey(e.ctx, e.admin, sa.ID, ckID)
		}},
		{"RotateSigningKeys", ActionSigningKeyRotate, "oauth_signing_key", func(e *env) error {
			_, err := e.svc.RotateSigningKeys(e.ctx, e.admin, TokenOptions{}, true)
			return err
		}},
		{"RevokeAccessToken", ActionTokenRevoke, "oauth_token", func(e *env) error {
			return e.svc.RevokeAccessToken(e.ctx, signet.SystemActor, signet.RevokedToken{JTI: "at_coverage", ClientID: sa.ID, ExpiresAt: e.clock().Add(time.Hour)})
		}},
		{"RecordTokenEvents", ActionTokenIssue, "oauth_audience", func(e *env) error {
			return e.svc.RecordTokenEvents(e.ctx, []TokenEvent{{ClientID: sa.ID, GrantType: "client_credentials", Audience: "billing", Count: 1, First: e.clock(), Last: e.clock()}})
		}},
		{"DeleteGroup", "group.delete", "group", func(e *env) error {
			return e.svc.DeleteGroup(e.ctx, e.admin, group)
		}},
		{"DeleteUser", "service_account.delete", "service_account", func(e *env) error {
			return e.svc.DeleteUser(e.ctx, e.admin, sa.ID)
		}},
		{"DeleteUser", "user.delete", "user", func(e *env) error {
			return e.svc.DeleteUser(e.ctx, e.admin, human.ID)
		}},
		{"Login", "session.login", "user", func(e *env) error {
			ses, err := e.svc.Login(e.ctx, "ada@example.com", testPassword)
			if err == nil {
				session = ses.Session.ID
			}
			return err
		}},
		{"RevokeSession", "session.revoke", "user", func(e *env) error {
			// A second session is made straight in storage, so that this
			// step's only event is the revoke.
			other := &signet.Session{ID: "ses_other", UserID: e.admin.UserID, TokenHash: SessionTokenHash("other"),
				CreatedAt: e.clock(), ExpiresAt: e.clock().Add(time.Hour), LastSeenAt: e.clock()}
			e.must(e.st.Write(e.ctx, func(tx store.Tx) error { return tx.CreateSession(e.ctx, other) }))
			return e.svc.RevokeSession(e.ctx, e.admin, other.ID)
		}},
		{"LoginKey", "api_key.create", "api_key", func(e *env) error {
			_, err := e.svc.LoginKey(e.ctx, LoginKeyInput{Login: "ada@example.com", Password: testPassword, DeviceID: "coverage-device"})
			return err
		}},
		{"Logout", "session.logout", "user", func(e *env) error {
			a := *e.admin
			a.SessionID = session
			return e.svc.Logout(e.ctx, &a)
		}},
		{"CreateOIDCProvider", "oidc_provider.create", "oidc_provider", func(e *env) error {
			p, err := e.svc.CreateOIDCProvider(e.ctx, e.admin, OIDCProviderInput{Name: "Okta", Issuer: "https://idp.example",
				ClientID: "signet", ClientSecret: "s3cret"})
			if err == nil {
				idpID = p.ID
			}
			return err
		}},
		{"UpdateOIDCProvider", "oidc_provider.update", "oidc_provider", func(e *env) error {
			_, err := e.svc.UpdateOIDCProvider(e.ctx, e.admin, idpID, OIDCProviderUpdate{JITCreate: ptr(true)})
			return err
		}},
		{"DeleteOIDCProvider", "oidc_provider.delete", "oidc_provider", func(e *env) error {
			return e.svc.DeleteOIDCProvider(e.ctx, e.admin, idpID)
		}},
		{"SCIMCreateUser", "user.create", "user", func(e *env) error {
			u, err := e.svc.SCIMCreateUser(e.ctx, e.admin, SCIMUserChange{UserName: ptr("scim@example.com")})
			if err == nil {
				scimID = u.User.ID
			}
			return err
		}},
		{"SCIMUpdateUser", "user.update", "user", func(e *env) error {
			_, err := e.svc.SCIMUpdateUser(e.ctx, e.admin, scimID, SCIMUserChange{Name: ptr("Scim Person")})
			return err
		}},
		{"SCIMUpdateUser", "user.disable", "user", func(e *env) error {
			_, err := e.svc.SCIMUpdateUser(e.ctx, e.admin, scimID, SCIMUserChange{Active: ptr(false)})
			return err
		}},
		{"SCIMCreateGroup", "group.create", "group", func(e *env) error {
			g, err := e.svc.SCIMCreateGroup(e.ctx, e.admin, SCIMGroupChange{DisplayName: ptr("SCIM team"), Members: &[]string{scimID}})
			if err == nil {
				scimGroupID = g.Group.ID
			}
			return err
		}},
		{"SCIMUpdateGroup", "group.update", "group", func(e *env) error {
			_, err := e.svc.SCIMUpdateGroup(e.ctx, e.admin, scimGroupID, SCIMGroupChange{DisplayName: ptr("SCIM people"), Remove: []string{scimID}})
			return err
		}},
		{"SCIMDeleteGroup", "group.delete", "group", func(e *env) error {
			return e.svc.SCIMDeleteGroup(e.ctx, e.admin, scimGroupID)
		}},
		{"SCIMDeleteUser", "user.delete", "user", func(e *env) error {
			return e.svc.SCIMDeleteUser(e.ctx, e.admin, scimID)
		}},
		{"SetPasswordLogin", "password_login.update", "setting", func(e *env) error {
			_, err := e.svc.SetPasswordLogin(e.ctx, e.admin, signet.PasswordLogin{})
			return err
		}},
		{"CreateAdmin", "user.create", "user", func(e *env) error {
			_, err := e.svc.CreateAdmin(e.ctx, CreateHumanInput{Name: "Root", Email: "root@example.com", Password: testPassword})
			return err
		}},
		{"RecordAuthFailures", ActionAuthFailed, "credential", func(e *env) error {
			return e.svc.RecordAuthFailures(e.ctx, []AuthFailure{{Credential: "malformed", Fingerprint: "0011223344556677", Reason: "invalid_key", IP: "192.0.2.9", Count: 3, First: e.clock(), Last: e.clock()}})
		}},
		{"CreateWebhookEndpoint", "webhook_endpoint.create", "webhook_endpoint", func(e *env) error {
			c, err := e.svc.CreateWebhookEndpoint(e.ctx, e.admin, WebhookEndpointInput{URL: "https://receiver.example/hook", EventTypes: []string{"*"}})
			if err == nil {
				webhookID = c.Endpoint.ID
			}
			return err
		}},
		{"UpdateWebhookEndpoint", "webhook_endpoint.update", "webhook_endpoint", func(e *env) error {
			_, err := e.svc.UpdateWebhookEndpoint(e.ctx, e.admin, webhookID, WebhookEndpointUpdate{EventTypes: &[]string{"api_key.*"}})
			return err
		}},
		{"UpdateWebhookEndpoint", "webhook_endpoint.disable", "webhook_endpoint", func(e *env) error {
			_, err := e.svc.UpdateWebhookEndpoint(e.ctx, e.admin, webhookID, WebhookEndpointUpdate{Enabled: ptr(false)})
			return err
		}},
		{"RotateWebhookSecret", "webhook_endpoint.rotate_secret", "webhook_endpoint", func(e *env) error {
			_, err := e.svc.RotateWebhookSecret(e.ctx, e.admin, webhookID, ptr(time.Hour))
			return err
		}},
		{"DeleteWebhookEndpoint", "webhook_endpoint.delete", "webhook_endpoint", func(e *env) error {
			return e.svc.DeleteWebhookEndpoint(e.ctx, e.admin, webhookID)
		}},
		{"SetKeyPolicy", "key_policy.update", "key_policy", func(e *env) error {
			_, err := e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * 24 * time.Hour})
			return err
		}},
		{"PruneAuditEvents", actionAuditPrune, "audit_trail", func(e *env) error {
			e.advance(time.Minute)
			_, err := e.svc.PruneAuditEvents(e.ctx, signet.SystemActor, e.clock().Add(-30*time.Second))
			return err
		}},
	}
}

// TestAuditCoverage runs every mutating operation against the real service
// and checks that each commits exactly one event (plus those alsoRecorded
// names), with the expected action, target type and outcome, and that the
// chain stays intact.
func TestAuditCoverage(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAuditCoverage) }

func testAuditCoverage(t *testing.T) {
	e := newEnv(t)
	// Bootstrap and first-admin setup are audited too.
	setup := e.events()
	var actions []string
	for _, ev := range setup {
		actions = append(actions, ev.Action)
	}
	if !slices.Equal(actions, []string{"setup.complete", "system.bootstrap"}) {
		t.Errorf("events of bootstrap and setup = %v; want [setup.complete system.bootstrap]", actions)
	}
	for _, m := range auditedMutations() {
		head, _, err := e.svc.AuditHead(e.ctx)
		e.must(err)
		if err := m.run(e); err != nil {
			t.Fatalf("%s (%s): %v", m.method, m.action, err)
		}
		var newEvents []*signet.AuditEvent
		for _, ev := range e.events() {
			if ev.Seq > head {
				newEvents = append(newEvents, ev)
			}
		}
		also := alsoRecorded[m.method+" "+m.action]
		if len(newEvents) != 1+len(also) {
			t.Errorf("%s (%s) recorded %d events; want exactly %d", m.method, m.action, len(newEvents), 1+len(also))
			continue
		}
		// events() is newest first: the mutation's own event is the oldest.
		for i, action := range also {
			if ev := newEvents[len(also)-1-i]; ev.Action != action || ev.Outcome != signet.OutcomeSuccess || ev.RequestID != newEvents[len(also)].RequestID {
				t.Errorf("%s (%s): further event %d = %s (%s); want %s, success, same request", m.method, m.action, i, ev.Action, ev.Outcome, action)
			}
		}
		ev := newEvents[len(also)]
		if ev.Action != m.action || ev.TargetType != m.targetType {
			t.Errorf("%s recorded action %q on %q; want %q on %q", m.method, ev.Action, ev.TargetType, m.action, m.targetType)
		}
		wantOutcome := signet.OutcomeSuccess
		if m.action == ActionAuthFailed {
			wantOutcome = signet.OutcomeDenied
		}
		if ev.Outcome != wantOutcome {
			t.Errorf("%s: outcome %q; want %q", m.method, ev.Outcome, wantOutcome)
		}
	}
	v, err := e.svc.VerifyAuditChain(e.ctx, e.admin)
	if err != nil || !v.OK {
		t.Fatalf("VerifyAuditChain after every mutation = %+v, %v; want OK", v, err)
	}
}

// TestEveryServiceMethodIsClassified fails when an exported Service method
// is neither in the coverage table nor declared read-only.
func TestEveryServiceMethodIsClassified(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{"Bootstrap": true, "CompleteSetup": true} // checked at the start of TestAuditCoverage
	for _, m := range auditedMutations() {
		covered[m.method] = true
	}
	typ := reflect.TypeFor[*Service]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if covered[name] == slices.Contains(readOnly, name) {
			t.Errorf("Service.%s must be either in the audit coverage table (a mutation) or in readOnly, not %s",
				name, map[bool]string{true: "both", false: "neither"}[covered[name]])
		}
	}
}

// TestDeniedMutationsAreAudited checks that a refused mutation leaves one
// "denied" event naming the actor and the target, and nothing else.
func TestDeniedMutationsAreAudited(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testDeniedMutationsAreAudited)
}

func testDeniedMutationsAreAudited(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	nobody := e.actorWith()
	before := len(e.events())
	_, err := e.svc.UpdateUser(e.ctx, nobody, sa.ID, UserUpdate{Name: ptr("hijacked")})
	wantCode(t, "UpdateUser by an actor without permissions", err, signet.EFORBIDDEN)
	evs := e.events()
	if len(evs) != before+1 {
		t.Fatalf("events after a denied update: %d new; want 1", len(evs)-before)
	}
	ev := evs[0]
	if ev.Action != "service_account.update" || ev.Outcome != signet.OutcomeDenied || ev.ActorID != nobody.UserID ||
		ev.ActorName != nobody.Name || ev.TargetID != sa.ID || ev.TargetName != sa.Name {
		t.Errorf("denied event = %+v; want service_account.update denied by %s on %s", ev, nobody.UserID, sa.ID)
	}
}

// TestAuditAttribution checks the who/what/where of an event made with an
// API key: actor, its name at the time, key, target name at the time,
// request provenance, and old/new values.
func TestAuditAttribution(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAuditAttribution) }

func testAuditAttribution(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{
		Name: "deployer", Grants: []GrantSpec{{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}}, Key: &CreateKeyInput{Name: "ci"}})
	e.must(err)
	target := e.sa()
	// The actor as a stale cache might hold it: an old name.
	a := &signet.Actor{UserID: out.User.ID, Kind: signet.KindServiceAccount, Name: "old-name", KeyID: out.Key.Key.ID}
	ctx := signet.WithRequestInfo(e.ctx, signet.RequestInfo{IP: "198.51.100.7", UserAgent: "ci-runner/1.0", RequestID: "req-attrib"})
	_, err = e.svc.UpdateUser(ctx, a, target.ID, UserUpdate{Name: ptr("renamed")})
	e.must(err)
	ev := e.lastEvent()
	want := signet.AuditEvent{
		ActorID: out.User.ID, ActorKind: signet.KindServiceAccount, ActorName: "deployer", KeyID: out.Key.Key.ID,
		Action: "service_account.update", TargetType: "service_account", TargetID: target.ID, TargetName: target.Name,
		Outcome: signet.OutcomeSuccess, IP: "198.51.100.7", UserAgent: "ci-runner/1.0", RequestID: "req-attrib",
	}
	got := *ev
	got.ID, got.Seq, got.Time, got.Details, got.PrevHash, got.Hash = "", 0, time.Time{}, nil, "", ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event = %+v\nwant    %+v", got, want)
	}
	change, _ := ev.Details["name"].(map[string]any)
	if change["old"] != target.Name || change["new"] != "renamed" {
		t.Errorf("details.name = %v; want old %q, new %q", ev.Details["name"], target.Name, "renamed")
	}
}
