package service

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

// The regression tests of the security hardening: each fails on the code
// before it.

// keyActor returns the actor of an API key as authn would build it.
func keyActor(u *signet.User, k *CreatedKey) *signet.Actor {
	return &signet.Actor{UserID: u.ID, Kind: u.Kind, Name: u.Name, KeyID: k.Key.ID, KeyScopes: k.Key.Scopes}
}

// sessionActor signs in as email and returns the session's actor.
func (e *env) sessionActor(email, password string) *signet.Actor {
	e.tb.Helper()
	ns, err := e.svc.Login(loginCtx("10.1.1.1"), email, password)
	e.must(err)
	info, err := e.svc.LookupSession(e.ctx, ns.Token)
	e.must(err)
	return info.Actor
}

func TestKeysCannotTakeOverTheirOwner(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeysCannotTakeOverTheirOwner)
}

func testKeysCannotTakeOverTheirOwner(t *testing.T) {
	e := newEnv(t)
	bob, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "Bob", Email: "bob@example.com", Password: testPassword,
		Grants: []GrantSpec{{RoleID: signet.RoleViewID}}})
	e.must(err)
	bobActor := e.svc.ActorForUser(bob)
	unscoped, err := e.svc.CreateAPIKey(e.ctx, bobActor, bob.ID, CreateKeyInput{Name: "laptop"})
	e.must(err)
	scoped, err := e.svc.CreateAPIKey(e.ctx, bobActor, bob.ID, CreateKeyInput{Name: "metrics", Scopes: []string{"roles:read"}})
	e.must(err)
	adminKey, err := e.svc.CreateAPIKey(e.ctx, e.admin, e.admin.UserID, CreateKeyInput{Name: "admin"})
	e.must(err)
	admin := &signet.User{ID: e.admin.UserID, Kind: signet.KindHuman, Name: e.admin.Name}

	tests := []struct {
		name  string
		actor *signet.Actor
		user  string
		up    UserUpdate
		want  string
	}{
		{"unscoped key sets its owner's password", keyActor(bob, unscoped), bob.ID, UserUpdate{Password: ptr("a brand new password")}, signet.EFORBIDDEN},
		{"unscoped key sets it with the current one", keyActor(bob, unscoped), bob.ID, UserUpdate{Password: ptr("a brand new password"), CurrentPassword: ptr(testPassword)}, signet.EFORBIDDEN},
		{"unscoped key sets its owner's email", keyActor(bob, unscoped), bob.ID, UserUpdate{Email: ptr("mallory@example.com")}, signet.EFORBIDDEN},
		{"scoped key sets its owner's password", keyActor(bob, scoped), bob.ID, UserUpdate{Password: ptr("a brand new password")}, signet.EFORBIDDEN},
		{"scoped key sets its owner's email", keyActor(bob, scoped), bob.ID, UserUpdate{Email: ptr("mallory@example.com")}, signet.EFORBIDDEN},
		{"scoped key renames its owner", keyActor(bob, scoped), bob.ID, UserUpdate{Name: ptr("Mallory")}, signet.EFORBIDDEN},
		{"an admin's own key sets the admin's password", keyActor(admin, adminKey), admin.ID, UserUpdate{Password: ptr("a brand new password")}, signet.EFORBIDDEN},
		{"unscoped key renames its owner", keyActor(bob, unscoped), bob.ID, UserUpdate{Name: ptr("Robert")}, ""},
		{"unscoped key resubmits the same email", keyActor(bob, unscoped), bob.ID, UserUpdate{Email: ptr("bob@example.com"), Description: ptr("same email")}, ""},
	}
	for _, tt := range tests {
		_, err := e.svc.UpdateUser(e.ctx, tt.actor, tt.user, tt.up)
		wantCode(t, "UpdateUser("+tt.name+")", err, tt.want)
	}
	// Bob still signs in with his password and email.
	if _, err := e.svc.AuthenticatePassword(loginCtx("10.9.9.9"), "bob@example.com", testPassword); err != nil {
		t.Fatalf("Bob cannot sign in after the refused takeover: %v", err)
	}
	// The refusal is audited, with the key that tried.
	if ev := e.lastEventOf("user.update", signet.OutcomeDenied); ev == nil || ev.KeyID == "" {
		t.Errorf("no denied user.update event naming the key: %+v", ev)
	}
}

// lastEventOf returns the newest event with action and outcome, or nil.
func (e *env) lastEventOf(action, outcome string) *signet.AuditEvent {
	for _, ev := range e.events() {
		if ev.Action == action && ev.Outcome == outcome {
			return ev
		}
	}
	return nil
}

func TestScopedKeysBindSelfService(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testScopedKeysBindSelfService)
}

func testScopedKeysBindSelfService(t *testing.T) {
	e := newEnv(t)
	bob, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "Bob", Email: "bob@example.com", Password: testPassword,
		Grants: []GrantSpec{{RoleID: signet.RoleViewID}}})
	e.must(err)
	bobActor := e.svc.ActorForUser(bob)
	other, err := e.svc.CreateAPIKey(e.ctx, bobActor, bob.ID, CreateKeyInput{Name: "other"})
	e.must(err)
	scoped, err := e.svc.CreateAPIKey(e.ctx, bobActor, bob.ID, CreateKeyInput{Name: "scoped", Scopes: []string{"roles:read"}})
	e.must(err)
	a := keyActor(bob, scoped)

	_, err = e.svc.CreateAPIKey(e.ctx, a, bob.ID, CreateKeyInput{Name: "sibling", Scopes: []string{"roles:read"}})
	wantCode(t, "a scoped key mints a sibling", err, signet.EFORBIDDEN)
	_, err = e.svc.RevokeAPIKey(e.ctx, a, other.Key.ID, "")
	wantCode(t, "a scoped key revokes its owner's other key", err, signet.EFORBIDDEN)
	_, _, err = e.svc.ListAPIKeys(e.ctx, a, signet.APIKeyFilter{OwnerID: bob.ID})
	wantCode(t, "a scoped key lists its owner's keys", err, signet.EFORBIDDEN)
	_, err = e.svc.GetUser(e.ctx, a, bob.ID)
	wantCode(t, "a scoped key reads its owner", err, signet.EFORBIDDEN)
	_, err = e.svc.GetAPIKey(e.ctx, a, scoped.Key.ID)
	wantCode(t, "a scoped key reads itself", err, "")
	_, err = e.svc.Me(e.ctx, a)
	wantCode(t, "a scoped key asks who it is", err, "")
	_, err = e.svc.RevokeAPIKey(e.ctx, a, scoped.Key.ID, "done with it")
	wantCode(t, "a scoped key revokes itself", err, "")
	// Unscoped, the same owner may do all of it.
	_, err = e.svc.RevokeAPIKey(e.ctx, keyActor(bob, other), other.Key.ID, "")
	wantCode(t, "an unscoped key revokes itself", err, "")
}

func TestOwnCredentialChangeNeedsCurrentPassword(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testOwnCredentialChangeNeedsCurrentPassword)
}

func testOwnCredentialChangeNeedsCurrentPassword(t *testing.T) {
	e := newEnv(t)
	here := e.sessionActor("ada@example.com", testPassword)
	elsewhere := e.sessionActor("ada@example.com", testPassword)
	const newPassword = "an entirely new password"

	_, err := e.svc.UpdateUser(e.ctx, here, here.UserID, UserUpdate{Password: ptr(newPassword)})
	wantCode(t, "UpdateUser(own password, no current password)", err, signet.EINVALID)
	_, err = e.svc.UpdateUser(e.ctx, here, here.UserID, UserUpdate{Password: ptr(newPassword), CurrentPassword: ptr("not the password")})
	wantCode(t, "UpdateUser(own password, wrong current password)", err, signet.EFORBIDDEN)
	if ev := e.lastEventOf("user.update", signet.OutcomeDenied); ev == nil {
		t.Error("a wrong current password is not audited")
	}
	_, err = e.svc.UpdateUser(e.ctx, here, here.UserID, UserUpdate{Email: ptr("ada@evil.example"), CurrentPassword: ptr("not the password")})
	wantCode(t, "UpdateUser(own email, wrong current password)", err, signet.EFORBIDDEN)

	_, err = e.svc.UpdateUser(e.ctx, here, here.UserID, UserUpdate{Password: ptr(newPassword), CurrentPassword: ptr(testPassword)})
	e.must(err)
	if ev := e.lastEvent(); ev.Action != "user.update" || ev.Details["sessions_ended"] == nil {
		t.Errorf("last event = %s %v; want user.update naming the sessions it ended", ev.Action, ev.Details)
	}
	// The other session ended; this one goes on.
	if _, err := e.svc.ListSessions(e.ctx, here); err != nil {
		t.Fatal(err)
	}
	live := e.liveSessions(here.UserID)
	if len(live) != 1 || live[0] != here.SessionID {
		t.Errorf("live sessions after the change = %v; want only the session that made it (%s), not %s", live, here.SessionID, elsewhere.SessionID)
	}
	if _, err := e.svc.AuthenticatePassword(loginCtx("10.2.2.2"), "ada@example.com", testPassword); err == nil {
		t.Error("the old password still works")
	}
	if _, err := e.svc.AuthenticatePassword(loginCtx("10.2.2.2"), "ada@example.com", newPassword); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
}

// liveSessions returns the ids of a user's unrevoked sessions.
func (e *env) liveSessions(userID string) []string {
	e.tb.Helper()
	var out []string
	e.must(e.st.Read(e.ctx, func(tx store.Tx) error {
		all, err := tx.ListUserSessions(e.ctx, userID, e.clock())
		for _, s := range all {
			if s.RevokedAt == nil {
				out = append(out, s.ID)
			}
		}
		return err
	}))
	return out
}

func TestAdminPasswordResetEndsSessions(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAdminPasswordResetEndsSessions)
}

func testAdminPasswordResetEndsSessions(t *testing.T) {
	e := newEnv(t)
	bob, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "Bob", Email: "bob@example.com", Password: testPassword})
	e.must(err)
	e.sessionActor("bob@example.com", testPassword)
	if n := len(e.liveSessions(bob.ID)); n != 1 {
		t.Fatalf("Bob has %d sessions; want 1", n)
	}
	_, err = e.svc.UpdateUser(e.ctx, e.admin, bob.ID, UserUpdate{Password: ptr("reset by the admin")})
	e.must(err)
	if n := len(e.liveSessions(bob.ID)); n != 0 {
		t.Errorf("Bob has %d live sessions after an admin reset his password; want 0", n)
	}
	// A users:write holder who does not cover Bob (an admin, now) cannot.
	_, err = e.svc.CreateGrant(e.ctx, e.admin, GrantInput{signet.SubjectUser, bob.ID, signet.RoleAdminID, signet.OrganisationWide})
	e.must(err)
	hr := e.actorWith("users:write", "users:read")
	_, err = e.svc.UpdateUser(e.ctx, hr, bob.ID, UserUpdate{Password: ptr("taken over by hr")})
	wantCode(t, "UpdateUser(an admin's password, by users:write alone)", err, signet.EFORBIDDEN)
}

func TestPasswordThrottleIsAtomic(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testPasswordThrottleIsAtomic)
}

func testPasswordThrottleIsAtomic(t *testing.T) {
	e := newEnv(t)
	const attempts = 40
	// Enough hashing slots that no attempt is refused as busy on a slow
	// machine: this test is about the throttle alone.
	e.svc.hashes = newHashLimiter(attempts)
	ctx := loginCtx("10.3.3.3")
	codes := make(chan string, attempts)
	var start, done sync.WaitGroup
	start.Add(1)
	for range attempts {
		done.Go(func() {
			start.Wait()
			_, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", "a wrong guess")
			codes <- signet.ErrorCode(err)
		})
	}
	start.Done()
	done.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	if count[signet.EUNAUTHENTICATED] != PasswordFailuresPerAccount || count[signet.ERATELIMITED] != attempts-PasswordFailuresPerAccount {
		t.Errorf("%d simultaneous wrong passwords: %v; want exactly %d checked and the rest refused", attempts, count, PasswordFailuresPerAccount)
	}
	// Locked: even the right password is refused, until the window ends.
	_, err := e.svc.AuthenticatePassword(loginCtx("10.4.4.4"), "ada@example.com", testPassword)
	wantCode(t, "AuthenticatePassword(right password, locked account)", err, signet.ERATELIMITED)
	if signet.ErrorRetryAfter(err) <= 0 {
		t.Errorf("the refusal names no Retry-After")
	}
	wantCode(t, "CheckPasswordThrottle(locked account)", e.svc.CheckPasswordThrottle(loginCtx("10.4.4.4"), "ADA@example.com"), signet.ERATELIMITED)
	e.advance(PasswordWindow)
	_, err = e.svc.AuthenticatePassword(loginCtx("10.4.4.4"), "ada@example.com", testPassword)
	wantCode(t, "AuthenticatePassword(after the window)", err, "")
}

func TestSetupCountsAgainstTheThrottle(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testSetupCountsAgainstTheThrottle)
}

func testSetupCountsAgainstTheThrottle(t *testing.T) {
	e := newBareEnv(t)
	_, err := e.svc.Bootstrap(e.ctx)
	e.must(err)
	ctx := loginCtx("10.5.5.5")
	for range PasswordFailuresPerIP {
		_, err := e.svc.CompleteSetup(ctx, "a guessed token", CreateHumanInput{Name: "Eve", Email: "eve@example.com", Password: testPassword})
		wantCode(t, "CompleteSetup(wrong token)", err, signet.EUNAUTHENTICATED)
	}
	_, err = e.svc.CompleteSetup(ctx, "a guessed token", CreateHumanInput{Name: "Eve", Email: "eve@example.com", Password: testPassword})
	wantCode(t, "CompleteSetup(after the limit)", err, signet.ERATELIMITED)
	// The same address is throttled on every password path.
	_, err = e.svc.AuthenticatePassword(ctx, "someone@example.com", "whatever")
	wantCode(t, "AuthenticatePassword(from a throttled address)", err, signet.ERATELIMITED)
}

func TestPasswordHashingIsBounded(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testPasswordHashingIsBounded)
}

func testPasswordHashingIsBounded(t *testing.T) {
	e := newEnv(t)
	l := e.svc.hashes
	// Every slot busy and the queue full: the next check is refused at
	// once, without hashing and without counting against the account.
	for range cap(l.slots) {
		l.slots <- struct{}{}
	}
	l.queued.Store(l.maxQueue)
	for range PasswordFailuresPerAccount + 1 {
		_, err := e.svc.AuthenticatePassword(loginCtx("10.6.6.6"), "ada@example.com", testPassword)
		wantCode(t, "AuthenticatePassword(hashing saturated)", err, signet.ERATELIMITED)
		if signet.ErrorReason(err) != "busy" {
			t.Fatalf("reason = %q; want busy", signet.ErrorReason(err))
		}
	}
	_, err := e.svc.prehash(e.ctx, "a new long password")
	wantCode(t, "prehash(hashing saturated)", err, signet.ERATELIMITED)
	// A waiting request gives up when its caller goes away.
	l.queued.Store(0)
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	wantCode(t, "hashLimiter.run(waiting, caller gone)", l.run(cctx, func() { t.Error("ran without a slot") }), signet.ERATELIMITED)
	// Freed, it works, and the refusals did not lock the account.
	for range cap(l.slots) {
		<-l.slots
	}
	_, err = e.svc.AuthenticatePassword(loginCtx("10.6.6.6"), "ada@example.com", testPassword)
	wantCode(t, "AuthenticatePassword(free again)", err, "")
}

func TestHashLimiterRunsAtMostItsSlots(t *testing.T) {
	t.Parallel()
	l := newHashLimiter(2)
	var mu sync.Mutex
	var running, peak int
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			_ = l.run(context.Background(), func() {
				mu.Lock()
				running++
				peak = max(peak, running)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				mu.Lock()
				running--
				mu.Unlock()
			})
		})
	}
	wg.Wait()
	if peak > 2 {
		t.Errorf("%d hashes ran at once; want at most 2", peak)
	}
}

func TestSetupLinkNeverWhileAnAdministratorExists(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testSetupLinkNeverWhileAnAdministratorExists)
}

func testSetupLinkNeverWhileAnAdministratorExists(t *testing.T) {
	e := newEnv(t)
	// An administrator service account joins Admins; the only human
	// administrator is then deleted: no human is left, an administrator is.
	robot := e.sa()
	e.must(e.svc.AddGroupMember(e.ctx, e.admin, signet.AdminsGroupID, robot.ID))
	e.must(e.svc.DeleteUser(e.ctx, e.svc.ActorForUser(robot), e.admin.UserID))
	token, err := e.svc.Bootstrap(e.ctx)
	e.must(err)
	if token != "" {
		t.Fatalf("Bootstrap() issued a setup link while an administrator service account exists")
	}
	pending, err := e.svc.SetupPending(e.ctx)
	e.must(err)
	if pending {
		t.Error("SetupPending() = true while an administrator exists")
	}
}

func TestLeftoverSetupTokenDiesWithTheFirstAdministrator(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLeftoverSetupTokenDiesWithTheFirstAdministrator)
}

func testLeftoverSetupTokenDiesWithTheFirstAdministrator(t *testing.T) {
	e := newBareEnv(t)
	token, err := e.svc.Bootstrap(e.ctx)
	e.must(err)
	// An administrator made some other way than the link (here a service
	// account given Admin offline by the system actor).
	_, err = e.svc.CreateServiceAccount(e.ctx, signet.SystemActor, CreateServiceAccountInput{Name: "root-bot",
		Grants: []GrantSpec{{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}}})
	e.must(err)
	_, err = e.svc.CompleteSetup(loginCtx("10.7.7.7"), token, CreateHumanInput{Name: "Eve", Email: "eve@example.com", Password: testPassword})
	wantCode(t, "CompleteSetup(an administrator exists)", err, signet.EUNAUTHENTICATED)
	// A directly granted administrator counts, disabled or not; a deleted
	// one does not.
	bot, err := e.svc.CreateServiceAccount(e.ctx, signet.SystemActor, CreateServiceAccountInput{Name: "root-bot-2",
		Grants: []GrantSpec{{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}}})
	e.must(err)
	_, err = e.svc.SetUserStatus(e.ctx, signet.SystemActor, bot.User.ID, signet.StatusDisabled)
	e.must(err)
	if token, err := e.svc.Bootstrap(e.ctx); err != nil || token != "" {
		t.Errorf("Bootstrap() = %q, %v while administrators exist; want no link", token, err)
	}
	users, _, err := e.svc.ListUsers(e.ctx, signet.SystemActor, signet.UserFilter{Kind: signet.KindServiceAccount})
	e.must(err)
	for _, u := range users {
		e.must(e.svc.DeleteUser(e.ctx, signet.SystemActor, u.ID))
	}
	if token, err := e.svc.Bootstrap(e.ctx); err != nil || token == "" {
		t.Errorf("Bootstrap() = %q, %v once every administrator is deleted; want a new link", token, err)
	}
}

func TestTakingAwayIsBounded(t *testing.T) { t.Parallel(); testdb.ForEach(t, testTakingAwayIsBounded) }

func testTakingAwayIsBounded(t *testing.T) {
	e := newEnv(t)
	second := e.human([]GrantSpec{{RoleID: signet.RoleViewID}}, signet.AdminsGroupID) // a second administrator
	adminSA := e.sa(GrantSpec{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide})
	viewerSA := e.sa(GrantSpec{RoleID: signet.RoleViewID})
	adminGrant := e.userGrant(adminSA.ID, signet.RoleAdminID)
	groupsWriter := e.actorWith("groups:write", "groups:read", "users:read")
	manager := e.actorWith("grants:write", "grants:read", "service_accounts:read")
	saWriter := e.actorWith("service_accounts:write", "service_accounts:read")
	// What they may still do: act on principals they cover.
	weak := e.sa()

	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"groups:write removes an administrator from Admins", func() error {
			return e.svc.RemoveGroupMember(e.ctx, groupsWriter, signet.AdminsGroupID, second.UserID)
		}, signet.EFORBIDDEN},
		{"groups:write takes an administrator out of every group", func() error {
			_, err := e.svc.SetUserGroups(e.ctx, groupsWriter, second.UserID, nil)
			return err
		}, signet.EFORBIDDEN},
		{"a grants manager deletes another account's Admin grant", func() error {
			return e.svc.DeleteGrant(e.ctx, manager, adminGrant)
		}, signet.EFORBIDDEN},
		{"service_accounts:write disables an Admin service account", func() error {
			_, err := e.svc.SetUserStatus(e.ctx, saWriter, adminSA.ID, signet.StatusDisabled)
			return err
		}, signet.EFORBIDDEN},
		{"service_accounts:write deletes an Admin service account", func() error {
			return e.svc.DeleteUser(e.ctx, saWriter, adminSA.ID)
		}, signet.EFORBIDDEN},
		{"service_accounts:write renames an Admin service account", func() error {
			_, err := e.svc.UpdateUser(e.ctx, saWriter, adminSA.ID, UserUpdate{Name: ptr("not-admin")})
			return err
		}, signet.EFORBIDDEN},
		{"service_accounts:write disables a View service account", func() error {
			_, err := e.svc.SetUserStatus(e.ctx, saWriter, viewerSA.ID, signet.StatusDisabled)
			return err
		}, signet.EFORBIDDEN},
		{"service_accounts:write disables an account holding nothing", func() error {
			_, err := e.svc.SetUserStatus(e.ctx, saWriter, weak.ID, signet.StatusDisabled)
			return err
		}, ""},
		{"service_accounts:write enables it again", func() error {
			_, err := e.svc.SetUserStatus(e.ctx, saWriter, weak.ID, signet.StatusActive)
			return err
		}, ""},
	}
	for _, tt := range tests {
		wantCode(t, tt.name, tt.run(), tt.want)
	}
	// Re-enabling a disabled administrator is bounded too.
	_, err := e.svc.SetUserStatus(e.ctx, e.admin, adminSA.ID, signet.StatusDisabled)
	e.must(err)
	_, err = e.svc.SetUserStatus(e.ctx, saWriter, adminSA.ID, signet.StatusActive)
	wantCode(t, "service_accounts:write enables a disabled Admin service account", err, signet.EFORBIDDEN)
	// An administrator still may.
	e.must(e.svc.RemoveGroupMember(e.ctx, e.admin, signet.AdminsGroupID, second.UserID))
	e.must(e.svc.DeleteGrant(e.ctx, e.admin, adminGrant))
}

// userGrant returns the id of the grant of roleID to user userID.
func (e *env) userGrant(userID, roleID string) string {
	e.tb.Helper()
	d, err := e.svc.GetUser(e.ctx, e.admin, userID)
	e.must(err)
	for _, g := range d.Grants {
		if g.RoleID == roleID {
			return g.ID
		}
	}
	e.tb.Fatalf("user %s holds no grant of %s", userID, roleID)
	return ""
}

func TestRepeatedRefusalsAreAggregated(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRepeatedRefusalsAreAggregated)
}

func testRepeatedRefusalsAreAggregated(t *testing.T) {
	e := newEnv(t)
	viewer := e.actorWith("service_accounts:read")
	before := len(e.events())
	const tries = 50
	for range tries {
		_, err := e.svc.CreateServiceAccount(e.ctx, viewer, CreateServiceAccountInput{Name: "nope"})
		wantCode(t, "CreateServiceAccount(without the permission)", err, signet.EFORBIDDEN)
	}
	if n := len(e.events()) - before; n != 1 {
		t.Fatalf("%d refusals wrote %d events at once; want 1 (the first)", tries, n)
	}
	// Before the window is over nothing more is written; after it, one
	// event counts the rest.
	e.must(e.svc.Denied().Flush(e.ctx, false))
	if n := len(e.events()) - before; n != 1 {
		t.Fatalf("a flush within the window wrote %d events; want none", n-1)
	}
	e.advance(DeniedWindow)
	e.must(e.svc.Denied().Flush(e.ctx, false))
	evs := e.events()
	if n := len(evs) - before; n != 2 {
		t.Fatalf("after the window: %d events; want 2", n)
	}
	sum := evs[0]
	if sum.Action != "service_account.create" || sum.Outcome != signet.OutcomeDenied || sum.ActorID != viewer.UserID ||
		sum.Details["repeated"] != true || fmt.Sprint(sum.Details["count"]) != fmt.Sprint(tries-1) {
		t.Errorf("summary event = %s %s by %s %v; want a denied service_account.create by the viewer counting %d", sum.Action, sum.Outcome, sum.ActorID, sum.Details, tries-1)
	}
	// A new refusal after the flush is recorded at once again.
	_, err := e.svc.CreateServiceAccount(e.ctx, viewer, CreateServiceAccountInput{Name: "nope"})
	wantCode(t, "CreateServiceAccount(again)", err, signet.EFORBIDDEN)
	if n := len(e.events()) - before; n != 3 {
		t.Errorf("a refusal after the flush wrote %d events in all; want 3", n)
	}
	v, err := e.svc.VerifyAuditChain(e.ctx, e.admin)
	if err != nil || !v.OK {
		t.Fatalf("VerifyAuditChain = %+v, %v", v, err)
	}
}

func TestChainVerificationIsOneAtATime(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testChainVerificationIsOneAtATime)
}

func testChainVerificationIsOneAtATime(t *testing.T) {
	e := newEnv(t)
	release, err := tryAcquire(e.svc.chainVerifications, "")
	e.must(err)
	_, err = e.svc.VerifyAuditChain(e.ctx, e.admin)
	wantCode(t, "VerifyAuditChain(while another runs)", err, signet.ERATELIMITED)
	release()
	_, err = e.svc.VerifyAuditChain(e.ctx, e.admin)
	wantCode(t, "VerifyAuditChain(after it finished)", err, "")
	for range maxAuditExports {
		_, err := tryAcquire(e.svc.exports, "")
		e.must(err)
	}
	err = e.svc.ExportAuditEvents(e.ctx, e.admin, signet.AuditFilter{}, func(*signet.AuditEvent) error { return nil })
	wantCode(t, "ExportAuditEvents(while the others run)", err, signet.ERATELIMITED)
}

func TestLoginKey(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLoginKey) }

func testLoginKey(t *testing.T) {
	e := newEnv(t)
	ctx := loginCtx("10.8.8.8")
	first, err := e.svc.LoginKey(ctx, LoginKeyInput{Login: "ada@example.com", Password: testPassword, DeviceID: "laptop-0001"})
	e.must(err)
	if first.Key.ExpiresAt == nil || !first.Key.ExpiresAt.Equal(e.clock().Add(DefaultLoginKeyTTL)) || first.Key.Kind != signet.KeyKindPersonal {
		t.Fatalf("login key = %+v; want a personal key expiring in %s", first.Key, DefaultLoginKeyTTL)
	}
	other, err := e.svc.LoginKey(ctx, LoginKeyInput{Login: "ada@example.com", Password: testPassword, DeviceID: "desktop-0002"})
	e.must(err)
	again, err := e.svc.LoginKey(ctx, LoginKeyInput{Login: "ada@example.com", Password: testPassword, DeviceID: "laptop-0001", ExpiresIn: time.Hour})
	e.must(err)
	status := func(id string) string {
		k, err := e.svc.GetAPIKey(e.ctx, e.admin, id)
		e.must(err)
		return k.Status(e.clock())
	}
	if status(first.Key.ID) != signet.KeyStatusRevoked || status(other.Key.ID) != signet.KeyStatusActive || status(again.Key.ID) != signet.KeyStatusActive {
		t.Errorf("after a second login on the laptop: first %s, desktop %s, new %s; want revoked, active, active",
			status(first.Key.ID), status(other.Key.ID), status(again.Key.ID))
	}
	if ev := e.lastEvent(); ev.Action != "api_key.create" || ev.Details["login"] != true || ev.Details["replaced_keys"] == nil {
		t.Errorf("last event = %s %v; want api_key.create with login and replaced_keys", ev.Action, ev.Details)
	}
	_, err = e.svc.LoginKey(ctx, LoginKeyInput{Login: "ada@example.com", Password: testPassword, DeviceID: "laptop-0001", ExpiresIn: MaxLoginKeyTTL + time.Hour})
	wantCode(t, "LoginKey(too long)", err, signet.EINVALID)
	_, err = e.svc.LoginKey(ctx, LoginKeyInput{Login: "ada@example.com", Password: "wrong password!", DeviceID: "laptop-0001"})
	wantCode(t, "LoginKey(wrong password)", err, signet.EUNAUTHENTICATED)
	if ev := e.lastEvent(); ev.Action != "session.login_failed" || ev.Details["via"] != "cli" {
		t.Errorf("last event = %s %v; want session.login_failed via cli", ev.Action, ev.Details)
	}
}
