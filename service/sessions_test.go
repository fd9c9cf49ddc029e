package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
)

func loginCtx(ip string) context.Context {
	return signet.WithRequestInfo(context.Background(), signet.RequestInfo{IP: ip, UserAgent: "test"})
}

func TestLoginCreatesSessionAndAudits(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLoginCreatesSessionAndAudits)
}

func testLoginCreatesSessionAndAudits(t *testing.T) {
	e := newEnv(t)
	ns, err := e.svc.Login(loginCtx("10.0.0.1"), " ada@example.com ", testPassword)
	e.must(err)
	if ns.Token == "" || ns.Session.TokenHash != SessionTokenHash(ns.Token) {
		t.Fatalf("Login() session = %+v; want a token whose hash is stored", ns.Session)
	}
	if ev := e.lastEvent(); ev.Action != "session.login" || ev.Outcome != signet.OutcomeSuccess || ev.SessionID != ns.Session.ID || ev.IP != "10.0.0.1" {
		t.Errorf("last event = %+v; want a successful session.login with the session id and IP", ev)
	}
	info, err := e.svc.LookupSession(e.ctx, ns.Token)
	e.must(err)
	if info.User.ID != e.admin.UserID || info.Actor.SessionID != ns.Session.ID || info.User.PasswordHash != "" {
		t.Errorf("LookupSession() = %+v; want the admin acting through the session", info)
	}
	if info.User.LastActiveAt == nil || !info.User.LastActiveAt.Equal(e.clock()) {
		t.Errorf("LastActiveAt = %v; want the sign-in time", info.User.LastActiveAt)
	}
	// The token is in no event.
	for _, ev := range e.events() {
		if strings.Contains(ev.ChainHash(""), ns.Token) || strings.Contains(ev.ChainHash(""), testPassword) {
			t.Errorf("event %s contains the token or the password", ev.Action)
		}
	}
}

func TestLoginRefusals(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLoginRefusals) }

func testLoginRefusals(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	_, err := e.svc.Login(loginCtx("10.0.0.2"), sa.Name, "whatever")
	wantCode(t, "Login(service account)", err, signet.EUNAUTHENTICATED)
	if want := "service accounts cannot sign in; they are for API and SDK use only"; signet.ErrorMessage(err) != want {
		t.Errorf("Login(service account) message = %q; want %q", signet.ErrorMessage(err), want)
	}
	ev := e.lastEvent()
	if ev.Action != "session.login_failed" || ev.Outcome != signet.OutcomeDenied || ev.Details["reason"] != "service_account" {
		t.Errorf("last event = %+v; want session.login_failed denied with reason service_account", ev)
	}
	_, err = e.svc.Login(loginCtx("10.0.0.2"), "ada@example.com", "wrong password!")
	wantCode(t, "Login(wrong password)", err, signet.EUNAUTHENTICATED)
	if signet.ErrorMessage(err) != "incorrect email or password" {
		t.Errorf("Login(wrong password) message = %q", signet.ErrorMessage(err))
	}
	for _, ev := range e.events() {
		if strings.Contains(ev.ChainHash(""), "wrong password!") {
			t.Errorf("event %s contains the attempted password", ev.Action)
		}
	}
}

func TestLoginThrottle(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLoginThrottle) }

func testLoginThrottle(t *testing.T) {
	e := newEnv(t)
	ctx := loginCtx("10.0.0.3")
	for i := 0; i < PasswordFailuresPerAccount; i++ {
		_, err := e.svc.Login(ctx, "ada@example.com", "wrong password!")
		wantCode(t, "Login(wrong)", err, signet.EUNAUTHENTICATED)
	}
	// Locked now, even with the right password.
	_, err := e.svc.Login(ctx, "ADA@example.com", testPassword)
	wantCode(t, "Login(after limit)", err, signet.ERATELIMITED)
	if !strings.Contains(signet.ErrorMessage(err), "try again in 15m") {
		t.Errorf("throttled message = %q; want the wait", signet.ErrorMessage(err))
	}
	// The window ends.
	e.advance(PasswordWindow)
	_, err = e.svc.Login(ctx, "ada@example.com", testPassword)
	wantCode(t, "Login(after window)", err, "")

	// Per IP: many accounts from one address.
	ip := loginCtx("10.0.0.4")
	for i := 0; i < PasswordFailuresPerIP; i++ {
		_, err := e.svc.Login(ip, e.uniq("nobody")+"@example.com", "x")
		wantCode(t, "Login(unknown)", err, signet.EUNAUTHENTICATED)
	}
	_, err = e.svc.Login(ip, "ada@example.com", testPassword)
	wantCode(t, "Login(from throttled IP)", err, signet.ERATELIMITED)
	_, err = e.svc.Login(loginCtx("10.0.0.5"), "ada@example.com", testPassword)
	wantCode(t, "Login(from another IP)", err, "")
}

func TestSessionExpiry(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSessionExpiry) }

func testSessionExpiry(t *testing.T) {
	e := newBareEnv(t)
	e.svc = New(e.st, Options{Now: e.clock, BcryptCost: 4, SessionTTL: 3 * time.Hour, SessionIdleTimeout: 30 * time.Minute})
	token, err := e.svc.Bootstrap(e.ctx)
	e.must(err)
	_, err = e.svc.CompleteSetup(e.ctx, token, CreateHumanInput{Name: "Ada", Email: "ada@example.com", Password: testPassword})
	e.must(err)

	ns, err := e.svc.Login(loginCtx("10.0.0.6"), "ada@example.com", testPassword)
	e.must(err)
	// Activity every 20 minutes keeps the session alive until its absolute end.
	for elapsed := time.Duration(0); elapsed+20*time.Minute < 3*time.Hour; elapsed += 20 * time.Minute {
		e.advance(20 * time.Minute)
		_, err := e.svc.LookupSession(e.ctx, ns.Token)
		wantCode(t, "LookupSession(active)", err, "")
	}
	e.advance(20 * time.Minute)
	_, err = e.svc.LookupSession(e.ctx, ns.Token)
	wantCode(t, "LookupSession(past absolute expiry)", err, signet.EUNAUTHENTICATED)

	// Idle timeout.
	ns, err = e.svc.Login(loginCtx("10.0.0.6"), "ada@example.com", testPassword)
	e.must(err)
	e.advance(29 * time.Minute)
	_, err = e.svc.LookupSession(e.ctx, ns.Token)
	wantCode(t, "LookupSession(29m idle)", err, "")
	e.advance(30 * time.Minute)
	_, err = e.svc.LookupSession(e.ctx, ns.Token)
	wantCode(t, "LookupSession(30m idle)", err, signet.EUNAUTHENTICATED)

	_, err = e.svc.LookupSession(e.ctx, "not-a-token")
	wantCode(t, "LookupSession(unknown)", err, signet.EUNAUTHENTICATED)
}

func TestLogoutAndRevoke(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLogoutAndRevoke) }

func testLogoutAndRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := loginCtx("10.0.0.7")
	a, err := e.svc.Login(ctx, "ada@example.com", testPassword)
	e.must(err)
	b, err := e.svc.Login(ctx, "ada@example.com", testPassword)
	e.must(err)
	ia, err := e.svc.LookupSession(e.ctx, a.Token)
	e.must(err)
	list, err := e.svc.ListSessions(e.ctx, ia.Actor)
	e.must(err)
	if len(list) != 2 || list[0].ID != b.Session.ID {
		t.Fatalf("ListSessions() = %d sessions; want 2, newest first", len(list))
	}
	// Another user cannot revoke them.
	other := e.human(nil)
	wantCode(t, "RevokeSession(someone else's)", e.svc.RevokeSession(e.ctx, other, b.Session.ID), signet.ENOTFOUND)

	e.must(e.svc.RevokeSession(e.ctx, ia.Actor, b.Session.ID))
	if ev := e.lastEvent(); ev.Action != "session.revoke" || ev.Details["session_id"] != b.Session.ID {
		t.Errorf("last event = %+v; want session.revoke", ev)
	}
	_, err = e.svc.LookupSession(e.ctx, b.Token)
	wantCode(t, "LookupSession(revoked)", err, signet.EUNAUTHENTICATED)

	e.must(e.svc.Logout(e.ctx, ia.Actor))
	if ev := e.lastEvent(); ev.Action != "session.logout" {
		t.Errorf("last event = %s; want session.logout", ev.Action)
	}
	_, err = e.svc.LookupSession(e.ctx, a.Token)
	wantCode(t, "LookupSession(logged out)", err, signet.EUNAUTHENTICATED)

	// Disabling a user ends its sessions.
	c, err := e.svc.Login(ctx, "ada@example.com", testPassword)
	e.must(err)
	admin2 := e.human(nil, signet.AdminsGroupID)
	_, err = e.svc.SetUserStatus(e.ctx, admin2, e.admin.UserID, signet.StatusDisabled)
	e.must(err)
	_, err = e.svc.LookupSession(e.ctx, c.Token)
	wantCode(t, "LookupSession(disabled user)", err, signet.EUNAUTHENTICATED)
}
