package service

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/oidctest"
	"github.com/signetdev/signet/internal/testdb"
)

// The single sign-on tests run against a real OpenID provider
// (internal/oidctest: zitadel's example OP, with its login form), driven
// over HTTP as a browser without JavaScript would; web's browser test
// drives the same flow in Chromium.

const ssoRedirect = "http://signet.test/login/sso/callback"

type ssoEnv struct {
	*env
	idp      *oidctest.Provider
	provider *signet.OIDCProvider
	eng, ops string // group ids mapped from "eng" and "ops"
}

func newSSOEnv(t *testing.T, in OIDCProviderInput) *ssoEnv {
	t.Helper()
	e := newEnv(t)
	// ID tokens carry the provider's real times; the service's clock
	// must agree with them.
	e.mu.Lock()
	e.now = time.Now().UTC().Truncate(time.Second)
	e.mu.Unlock()
	idp := oidctest.Start(t)
	idp.AddClient("signet", "client-secret", ssoRedirect)
	se := &ssoEnv{env: e, idp: idp}
	eng, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "Engineers"})
	e.must(err)
	ops, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "Ops"})
	e.must(err)
	se.eng, se.ops = eng.ID, ops.ID
	in.Name, in.Issuer, in.ClientID, in.ClientSecret = "Corp IdP", idp.Issuer, "signet", "client-secret"
	if in.GroupsClaim == "" {
		in.GroupsClaim = "groups"
		in.GroupMappings = []signet.GroupMapping{{Value: "eng", GroupID: eng.ID}, {Value: "ops", GroupID: ops.ID}}
	}
	se.provider, err = e.svc.CreateOIDCProvider(e.ctx, e.admin, in)
	e.must(err)
	return se
}

// signIn runs the whole flow for username and returns CompleteSSO's
// answer, with the callback's parameters for replays.
func (se *ssoEnv) signIn(t *testing.T, username string) (*SSOSession, SSOCallback, error) {
	t.Helper()
	start, err := se.svc.BeginSSO(se.ctx, se.provider.ID, ssoRedirect, "/settings/users")
	if err != nil {
		t.Fatalf("BeginSSO = %v", err)
	}
	if !strings.Contains(start.AuthURL, "code_challenge_method=S256") || !strings.Contains(start.AuthURL, "nonce=") {
		t.Errorf("AuthURL = %s; want PKCE S256 and a nonce", start.AuthURL)
	}
	back, err := oidctest.SignIn(t.Context(), start.AuthURL, username, "pw")
	if err != nil {
		t.Fatalf("signing in at the provider: %v", err)
	}
	if !strings.HasPrefix(back.String(), ssoRedirect) {
		t.Fatalf("provider sent the browser to %s; want %s", back, ssoRedirect)
	}
	cb := SSOCallback{BrowserToken: start.BrowserToken, State: back.Query().Get("state"), Code: back.Query().Get("code"), RedirectURL: ssoRedirect}
	ses, err := se.svc.CompleteSSO(se.ctx, cb)
	return ses, cb, err
}

func (se *ssoEnv) addUser(username, email string, verified bool, groups ...string) {
	se.idp.AddUser(oidctest.User{Username: username, Password: "pw", Email: email, EmailVerified: verified, Name: "Grace Hopper", Groups: groups})
}

func groupNames(t *testing.T, e *env, userID string) []string {
	t.Helper()
	d, err := e.svc.GetUser(e.ctx, e.admin, userID)
	e.must(err)
	var out []string
	for _, g := range d.Groups {
		out = append(out, g.Name)
	}
	slices.Sort(out)
	return out
}

func TestSSOSignIn(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSSOSignIn) }

func testSSOSignIn(t *testing.T) {
	se := newSSOEnv(t, OIDCProviderInput{JITCreate: true, AllowedDomains: []string{"Example.com"}})
	se.addUser("grace", "grace@example.com", true, "eng", "unmapped")

	ses, _, err := se.signIn(t, "grace")
	if err != nil {
		t.Fatalf("CompleteSSO = %v; want a session", err)
	}
	if ses.Next != "/settings/users" || ses.User.Email != "grace@example.com" || ses.User.Name != "Grace Hopper" {
		t.Errorf("CompleteSSO = next %q, user %+v; want /settings/users, grace created just in time", ses.Next, ses.User)
	}
	info, err := se.svc.LookupSession(se.ctx, ses.Token)
	if err != nil || info.User.ID != ses.User.ID {
		t.Fatalf("LookupSession(SSO session) = %v, %v; want grace's session", info, err)
	}
	if got := groupNames(t, se.env, ses.User.ID); !slices.Equal(got, []string{"Engineers"}) {
		t.Errorf("groups after the first sign-in = %v; want [Engineers]", got)
	}
	// The sign-in, the user created and the group joined, in one
	// transaction's events.
	var actions []string
	evs := se.events()
	slices.Reverse(evs) // oldest first
	for _, ev := range evs {
		if ev.ActorID == ses.User.ID {
			actions = append(actions, ev.Action)
		}
	}
	if want := []string{"session.login", "user.create", "group.member_add"}; !slices.Equal(actions, want) {
		t.Errorf("events by grace = %v; want %v", actions, want)
	}
	login := se.lastOf("session.login")
	if login.Details["via"] != "sso" || login.Details["provider_id"] != se.provider.ID || login.SessionID != ses.Session.ID {
		t.Errorf("session.login details = %v (session %q); want via sso, the provider, the session", login.Details, login.SessionID)
	}

	// A manual membership of an unmapped group is kept; mapped groups
	// follow the claim at each sign-in, added and removed.
	misc, err := se.svc.CreateGroup(se.ctx, se.admin, GroupInput{Name: "Misc"})
	se.must(err)
	se.must(se.svc.AddGroupMember(se.ctx, se.admin, misc.ID, ses.User.ID))
	se.idp.SetGroups("grace", "ops")
	ses2, _, err := se.signIn(t, "grace")
	if err != nil {
		t.Fatalf("second CompleteSSO = %v", err)
	}
	if ses2.User.ID != ses.User.ID {
		t.Errorf("second sign-in user = %s; want the same user %s (linked by subject)", ses2.User.ID, ses.User.ID)
	}
	if got := groupNames(t, se.env, ses.User.ID); !slices.Equal(got, []string{"Misc", "Ops"}) {
		t.Errorf("groups after the second sign-in = %v; want [Misc Ops]", got)
	}
	if !slices.Equal(ses2.Added, []string{"Ops"}) || !slices.Equal(ses2.Removed, []string{"Engineers"}) {
		t.Errorf("second sign-in added %v, removed %v; want [Ops], [Engineers]", ses2.Added, ses2.Removed)
	}
	rm := se.lastOf("group.member_remove")
	if rm.TargetID != se.eng || rm.Details["via"] != "sso" {
		t.Errorf("group.member_remove = %s %v; want Engineers via sso", rm.TargetID, rm.Details)
	}

	// Sessions made by SSO follow the usual rules: idle timeout.
	se.advance(DefaultSessionIdleTimeout + time.Minute)
	if _, err := se.svc.LookupSession(se.ctx, ses2.Token); signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
		t.Errorf("LookupSession after the idle timeout = %v; want EUNAUTHENTICATED", err)
	}
}

// lastOf returns the newest event with action.
func (e *env) lastOf(action string) *signet.AuditEvent {
	e.tb.Helper()
	for _, ev := range e.events() { // newest first
		if ev.Action == action {
			return ev
		}
	}
	e.tb.Fatalf("no %s event", action)
	return nil
}

func TestSSORefusals(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSSORefusals) }

func testSSORefusals(t *testing.T) {
	tests := []struct {
		name string
		jit  bool
		// setup prepares the provider and Signet; run signs in and may
		// tamper with the callback.
		setup      func(se *ssoEnv)
		run        func(t *testing.T, se *ssoEnv) error
		wantReason string
	}{
		{name: "wrong state", jit: true, wantReason: "state_invalid", run: func(t *testing.T, se *ssoEnv) error {
			_, cb, err := se.signIn(t, "grace")
			se.must(err)
			cb.State = "not-the-state"
			_, err = se.svc.CompleteSSO(se.ctx, cb)
			return err
		}},
		{name: "state from another browser", jit: true, wantReason: "state_invalid", run: func(t *testing.T, se *ssoEnv) error {
			start, err := se.svc.BeginSSO(se.ctx, se.provider.ID, ssoRedirect, "/")
			se.must(err)
			back, err := oidctest.SignIn(t.Context(), start.AuthURL, "grace", "pw")
			se.must(err)
			_, err = se.svc.CompleteSSO(se.ctx, SSOCallback{BrowserToken: "another-browser", State: back.Query().Get("state"),
				Code: back.Query().Get("code"), RedirectURL: ssoRedirect})
			return err
		}},
		{name: "replayed callback", jit: true, wantReason: "state_invalid", run: func(t *testing.T, se *ssoEnv) error {
			_, cb, err := se.signIn(t, "grace")
			se.must(err)
			_, err = se.svc.CompleteSSO(se.ctx, cb)
			return err
		}},
		{name: "replayed code with a new state", jit: true, wantReason: "code_exchange_failed", run: func(t *testing.T, se *ssoEnv) error {
			_, cb, err := se.signIn(t, "grace")
			se.must(err)
			start, err := se.svc.BeginSSO(se.ctx, se.provider.ID, ssoRedirect, "/")
			se.must(err)
			back, err := oidctest.SignIn(t.Context(), start.AuthURL, "grace", "pw")
			se.must(err)
			_, err = se.svc.CompleteSSO(se.ctx, SSOCallback{BrowserToken: start.BrowserToken, State: back.Query().Get("state"),
				Code: cb.Code, RedirectURL: ssoRedirect})
			return err
		}},
		{name: "state expired", jit: true, wantReason: "state_invalid", run: func(t *testing.T, se *ssoEnv) error {
			start, err := se.svc.BeginSSO(se.ctx, se.provider.ID, ssoRedirect, "/")
			se.must(err)
			back, err := oidctest.SignIn(t.Context(), start.AuthURL, "grace", "pw")
			se.must(err)
			se.advance(ssoStateTTL + time.Second)
			_, err = se.svc.CompleteSSO(se.ctx, SSOCallback{BrowserToken: start.BrowserToken, State: back.Query().Get("state"),
				Code: back.Query().Get("code"), RedirectURL: ssoRedirect})
			return err
		}},
		{name: "ID token for another audience", jit: true, wantReason: "id_token_invalid",
			setup: func(se *ssoEnv) { se.idp.IssueForAudience("another-app") },
			run:   signInGrace},
		{name: "expired ID token", jit: true, wantReason: "id_token_invalid",
			setup: func(se *ssoEnv) { se.idp.IssueWithLifetime(-10 * time.Minute) },
			run:   signInGrace},
		{name: "email domain not allowed", jit: true, wantReason: "email_domain_not_allowed",
			setup: func(se *ssoEnv) { se.addUser("mallory", "mallory@evil.example", true) },
			run: func(t *testing.T, se *ssoEnv) error {
				_, _, err := se.signIn(t, "mallory")
				return err
			}},
		{name: "email not verified", jit: true, wantReason: "email_unverified",
			setup: func(se *ssoEnv) { se.addUser("unverified", "unverified@example.com", false) },
			run: func(t *testing.T, se *ssoEnv) error {
				_, _, err := se.signIn(t, "unverified")
				return err
			}},
		{name: "unknown user without just-in-time creation", jit: false, wantReason: "unknown_user", run: signInGrace},
		{name: "disabled user", jit: false, wantReason: "user_disabled",
			setup: func(se *ssoEnv) {
				u, err := se.svc.CreateHuman(se.ctx, se.admin, CreateHumanInput{Name: "Grace", Email: "grace@example.com"})
				se.must(err)
				_, err = se.svc.SetUserStatus(se.ctx, se.admin, u.ID, signet.StatusDisabled)
				se.must(err)
			},
			run: signInGrace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			se := newSSOEnv(t, OIDCProviderInput{JITCreate: tc.jit, AllowedDomains: []string{"example.com"}})
			se.addUser("grace", "grace@example.com", true, "eng")
			if tc.setup != nil {
				tc.setup(se)
			}
			err := tc.run(t, se)
			if signet.ErrorCode(err) != signet.EUNAUTHENTICATED || signet.ErrorReason(err) != tc.wantReason {
				t.Fatalf("CompleteSSO = %v (reason %q); want EUNAUTHENTICATED, reason %q", err, signet.ErrorReason(err), tc.wantReason)
			}
			ev := se.lastOf("session.login_failed")
			if ev.Details["reason"] != tc.wantReason || ev.Details["via"] != "sso" || ev.Outcome != signet.OutcomeDenied {
				t.Errorf("session.login_failed = %v %s; want reason %s via sso, denied", ev.Details, ev.Outcome, tc.wantReason)
			}
			// No token, code or secret reaches the audit trail.
			b, _ := json.Marshal(se.events())
			for _, secret := range []string{"client-secret", "code=", "eyJ"} {
				if strings.Contains(string(b), secret) {
					t.Errorf("the audit trail holds %q", secret)
				}
			}
		})
	}
}

func signInGrace(t *testing.T, se *ssoEnv) error {
	_, _, err := se.signIn(t, "grace")
	return err
}

// TestSSOLinksExistingUser: without just-in-time creation, an existing
// user is matched by verified email and linked, and later found by
// subject even after their email changes in Signet.
func TestSSOLinksExistingUser(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testSSOLinksExistingUser)
}

func testSSOLinksExistingUser(t *testing.T) {
	se := newSSOEnv(t, OIDCProviderInput{})
	u, err := se.svc.CreateHuman(se.ctx, se.admin, CreateHumanInput{Name: "Grace", Email: "grace@example.com"})
	se.must(err)
	se.addUser("grace", "grace@example.com", true)
	ses, _, err := se.signIn(t, "grace")
	if err != nil || ses.User.ID != u.ID {
		t.Fatalf("CompleteSSO = %v, %v; want the existing user %s", ses, err, u.ID)
	}
	if ev := se.lastOf("session.login"); ev.Details["identity_linked"] != true {
		t.Errorf("session.login details = %v; want identity_linked", ev.Details)
	}
	_, err = se.svc.UpdateUser(se.ctx, se.admin, u.ID, UserUpdate{Email: ptr("grace.hopper@example.com")})
	se.must(err)
	ses, _, err = se.signIn(t, "grace")
	if err != nil || ses.User.ID != u.ID {
		t.Fatalf("CompleteSSO after an email change = %v, %v; want the linked user", ses, err)
	}
}

func TestSSOProviderConfig(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSSOProviderConfig) }

func testSSOProviderConfig(t *testing.T) {
	e := newEnv(t)
	in := OIDCProviderInput{Name: "Okta", Issuer: "https://corp.okta.example", ClientID: "signet", ClientSecret: "top-secret-value",
		AllowedDomains: []string{"@Example.COM", "example.com"}}
	p, err := e.svc.CreateOIDCProvider(e.ctx, e.admin, in)
	e.must(err)
	if p.ClientSecret != "" || !slices.Equal(p.AllowedDomains, []string{"example.com"}) || !slices.Equal(p.Scopes, []string{"email", "profile"}) {
		t.Errorf("CreateOIDCProvider = %+v; want no secret, domains [example.com], default scopes", p)
	}
	list, err := e.svc.ListOIDCProviders(e.ctx, e.admin)
	e.must(err)
	if len(list) != 1 || list[0].ClientSecret != "" {
		t.Errorf("ListOIDCProviders = %+v; want one provider, no secret", list)
	}
	_, err = e.svc.UpdateOIDCProvider(e.ctx, e.admin, p.ID, OIDCProviderUpdate{ClientSecret: ptr("another-secret-value")})
	e.must(err)
	b, _ := json.Marshal(e.events())
	if strings.Contains(string(b), "secret-value") {
		t.Errorf("the audit trail holds the client secret: %s", b)
	}

	// Admins is mapped only by an Admin; a settings:write holder may not
	// hand it out (no escalation).
	settings := e.actorWith("settings:write", "settings:read")
	mapAdmins := OIDCProviderUpdate{GroupsClaim: ptr("groups"), GroupMappings: &[]signet.GroupMapping{{Value: "admins", GroupID: signet.AdminsGroupID}}}
	_, err = e.svc.UpdateOIDCProvider(e.ctx, settings, p.ID, mapAdmins)
	wantCode(t, "UpdateOIDCProvider(map Admins, not an Admin)", err, signet.EFORBIDDEN)
	_, err = e.svc.UpdateOIDCProvider(e.ctx, e.admin, p.ID, mapAdmins)
	e.must(err)

	bad := []struct {
		name  string
		in    OIDCProviderInput
		field string
	}{
		{"no name", OIDCProviderInput{Issuer: in.Issuer, ClientID: "x", ClientSecret: "y"}, "name"},
		{"http issuer", OIDCProviderInput{Name: "x", Issuer: "http://idp.example", ClientID: "x", ClientSecret: "y"}, "issuer"},
		{"no client id", OIDCProviderInput{Name: "x", Issuer: in.Issuer, ClientSecret: "y"}, "client_id"},
		{"no secret", OIDCProviderInput{Name: "x", Issuer: in.Issuer, ClientID: "x"}, "client_secret"},
		{"bad domain", OIDCProviderInput{Name: "x", Issuer: in.Issuer, ClientID: "x", ClientSecret: "y", AllowedDomains: []string{"not a domain"}}, "allowed_domains"},
		{"mapping without claim", OIDCProviderInput{Name: "x", Issuer: in.Issuer, ClientID: "x", ClientSecret: "y",
			GroupMappings: []signet.GroupMapping{{Value: "a", GroupID: signet.AdminsGroupID}}}, "groups_claim"},
		{"unknown group", OIDCProviderInput{Name: "x", Issuer: in.Issuer, ClientID: "x", ClientSecret: "y", GroupsClaim: "groups",
			GroupMappings: []signet.GroupMapping{{Value: "a", GroupID: "grp_missing"}}}, "group_mappings"},
		{"a name taken (any case)", OIDCProviderInput{Name: "OKTA", Issuer: in.Issuer, ClientID: "x", ClientSecret: "y"}, "name"},
		{"a name like an id", OIDCProviderInput{Name: "idp_okta", Issuer: in.Issuer, ClientID: "x", ClientSecret: "y"}, "name"},
		{"a name with a direction control", OIDCProviderInput{Name: "Okta‮", Issuer: in.Issuer, ClientID: "x", ClientSecret: "y"}, "name"},
	}
	for _, tc := range bad {
		_, err := e.svc.CreateOIDCProvider(e.ctx, e.admin, tc.in)
		if signet.ErrorField(err) != tc.field {
			t.Errorf("CreateOIDCProvider(%s) = %v (field %q); want an error on %q", tc.name, err, signet.ErrorField(err), tc.field)
		}
	}
	_, err = e.svc.CreateOIDCProvider(e.ctx, e.actorWith("settings:read"), in)
	wantCode(t, "CreateOIDCProvider(settings:read only)", err, signet.EFORBIDDEN)
	e.must(e.svc.DeleteOIDCProvider(e.ctx, e.admin, p.ID))
}

func TestPasswordLoginOff(t *testing.T) { t.Parallel(); testdb.ForEach(t, testPasswordLoginOff) }

func testPasswordLoginOff(t *testing.T) {
	e := newEnv(t)
	bob, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "Bob", Email: "bob@example.com", Password: testPassword})
	e.must(err)
	_, err = e.svc.SetPasswordLogin(e.ctx, e.admin, signet.PasswordLogin{Disabled: true})
	if signet.ErrorField(err) != "break_glass_user_id" {
		t.Errorf("SetPasswordLogin(off, no break-glass admin) = %v; want an error on break_glass_user_id", err)
	}
	_, err = e.svc.SetPasswordLogin(e.ctx, e.admin, signet.PasswordLogin{Disabled: true, BreakGlassUserID: bob.ID})
	if signet.ErrorField(err) != "break_glass_user_id" {
		t.Errorf("SetPasswordLogin(break-glass not an Admin) = %v; want an error on break_glass_user_id", err)
	}
	_, err = e.svc.SetPasswordLogin(e.ctx, e.actorWith("settings:write"), signet.PasswordLogin{})
	wantCode(t, "SetPasswordLogin(not an Admin)", err, signet.EFORBIDDEN)
	_, err = e.svc.SetPasswordLogin(e.ctx, e.admin, signet.PasswordLogin{Disabled: true, BreakGlassUserID: e.admin.UserID})
	e.must(err)

	_, err = e.svc.Login(e.ctx, "bob@example.com", testPassword)
	if signet.ErrorReason(err) != "password_login_disabled" {
		t.Errorf("Login(bob) with passwords off = %v; want reason password_login_disabled", err)
	}
	_, err = e.svc.LoginKey(e.ctx, LoginKeyInput{Login: "bob@example.com", Password: testPassword, DeviceID: "device-123"})
	if signet.ErrorReason(err) != "password_login_disabled" {
		t.Errorf("LoginKey(bob) with passwords off = %v; want reason password_login_disabled", err)
	}
	if _, err := e.svc.Login(e.ctx, "ADA@example.com", testPassword); err != nil {
		t.Errorf("Login(break-glass admin) = %v; want a session", err)
	}
	ev := e.lastOf("session.login_failed")
	if ev.Details["reason"] != "password_login_disabled" {
		t.Errorf("session.login_failed reason = %v; want password_login_disabled", ev.Details["reason"])
	}
	_, err = e.svc.SetPasswordLogin(e.ctx, e.admin, signet.PasswordLogin{})
	e.must(err)
	if _, err := e.svc.Login(e.ctx, "bob@example.com", testPassword); err != nil {
		t.Errorf("Login(bob) with passwords on again = %v; want a session", err)
	}
}
