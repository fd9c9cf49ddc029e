package authn_test

import (
	"context"
	"hash/crc32"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
)

// clock is a settable time source for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a real service on a fresh SQLite file, wired to a verifier the
// way "signet serve" wires them.
type fixture struct {
	st       store.Store
	svc      *service.Service
	verifier *authn.Verifier
	uses     *authn.UseRecorder
	clock    *clock
	admin    *signet.Actor
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx := context.Background()
	st := testdb.Open(tb)
	f := &fixture{st: st, clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	f.svc = service.New(st, service.Options{
		Now:        f.clock.Now,
		BcryptCost: 4,
		OnChange:   func() { f.verifier.Invalidate() },
	})
	f.uses = authn.NewUseRecorder(f.svc.RecordKeyUses, nil)
	f.verifier = authn.NewVerifier(f.svc, f.uses, f.clock.Now)
	if _, err := f.svc.Bootstrap(ctx); err != nil {
		tb.Fatal(err)
	}
	u, err := f.svc.CreateAdmin(ctx, service.CreateHumanInput{Name: "Admin", Email: "admin@example.com", Password: "a long enough password"})
	if err != nil {
		tb.Fatal(err)
	}
	f.admin = f.svc.ActorForUser(u)
	return f
}

// serviceAccountWithKey creates a service account holding View in the
// default workspace and returns it with a key.
func (f *fixture) serviceAccountWithKey(tb testing.TB, name string, key service.CreateKeyInput) *service.CreatedServiceAccount {
	tb.Helper()
	res, err := f.svc.CreateServiceAccount(context.Background(), f.admin, service.CreateServiceAccountInput{
		Name:   name,
		Grants: []service.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide}},
		Key:    &key,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func reasonOf(err error) string {
	if err == nil {
		return ""
	}
	return signet.ErrorReason(err)
}

func TestVerifyKeyReflectsChangesOnNextRequest(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testVerifyKeyReflectsChangesOnNextRequest)
}

func testVerifyKeyReflectsChangesOnNextRequest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "k", ExpiresIn: time.Hour})
	secret := sa.Key.Secret

	steps := []struct {
		name       string
		change     func(t *testing.T)
		wantReason string // "" = verifies
	}{
		{"fresh key", func(*testing.T) {}, ""},
		{"cached key", func(*testing.T) {}, ""},
		{"owner disabled", func(t *testing.T) {
			if _, err := f.svc.SetUserStatus(ctx, f.admin, sa.User.ID, signet.StatusDisabled); err != nil {
				t.Fatal(err)
			}
		}, authn.ReasonOwnerDisabled},
		{"owner enabled again", func(t *testing.T) {
			if _, err := f.svc.SetUserStatus(ctx, f.admin, sa.User.ID, signet.StatusActive); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"key disabled", func(t *testing.T) {
			if _, err := f.svc.DisableAPIKey(ctx, f.admin, sa.Key.Key.ID, "investigating"); err != nil {
				t.Fatal(err)
			}
		}, authn.ReasonKeyDisabled},
		{"key enabled again", func(t *testing.T) {
			if _, err := f.svc.EnableAPIKey(ctx, f.admin, sa.Key.Key.ID); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"expired", func(*testing.T) { f.clock.Advance(time.Hour) }, authn.ReasonExpired},
	}
	for _, s := range steps {
		s.change(t)
		_, err := f.verifier.VerifyKey(ctx, secret, "10.0.0.1")
		if got := reasonOf(err); got != s.wantReason || (s.wantReason == "" && err != nil) {
			t.Fatalf("%s: VerifyKey error = %v (reason %q); want reason %q", s.name, err, got, s.wantReason)
		}
	}
}

func TestVerifyKeyRevokedAndDeleted(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testVerifyKeyRevokedAndDeleted)
}

func testVerifyKeyRevokedAndDeleted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	a := f.serviceAccountWithKey(t, "a", service.CreateKeyInput{Name: "k"})
	b := f.serviceAccountWithKey(t, "b", service.CreateKeyInput{Name: "k"})
	for _, sa := range []*service.CreatedServiceAccount{a, b} {
		if _, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, ""); err != nil {
			t.Fatalf("VerifyKey(new key) = %v; want nil", err)
		}
	}
	if _, err := f.svc.RevokeAPIKey(ctx, f.admin, a.Key.Key.ID, "leaked"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.verifier.VerifyKey(ctx, a.Key.Secret, ""); reasonOf(err) != authn.ReasonRevoked {
		t.Errorf("VerifyKey(revoked) = %v; want reason %q", err, authn.ReasonRevoked)
	}
	if err := f.svc.DeleteUser(ctx, f.admin, b.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.verifier.VerifyKey(ctx, b.Key.Secret, ""); err == nil {
		t.Error("VerifyKey(key of deleted service account) = nil; want an error")
	}
}

func TestVerifyKeyInvalid(t *testing.T) { t.Parallel(); testdb.ForEach(t, testVerifyKeyInvalid) }

func testVerifyKeyInvalid(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "k"})
	other := f.serviceAccountWithKey(t, "other", service.CreateKeyInput{Name: "k"})
	s := sa.Key.Secret
	// Well-formed keys with valid checksums: the right id with a wrong
	// secret, and an id that does not exist.
	wrongSecret, _, err := apikey.Generate(apikey.KindServiceAccount, strings.TrimPrefix(sa.Key.Key.ID, apikey.IDPrefix))
	if err != nil {
		t.Fatal(err)
	}
	unknownID, _, err := apikey.Generate(apikey.KindServiceAccount, id.Raw())
	if err != nil {
		t.Fatal(err)
	}
	// The key's kind is part of the key: the same id and secret under the
	// other prefix, with a recomputed checksum, is another string and must
	// not verify — even while the real key is cached.
	if _, err := f.verifier.VerifyKey(ctx, s, ""); err != nil {
		t.Fatalf("VerifyKey(real key) = %v", err)
	}
	rekinded := withChecksum("sgn_pk_" + s[len("sgn_sa_"):len(s)-6])
	if _, err := apikey.Parse(rekinded); err != nil {
		t.Fatalf("the rewritten key does not parse (%v): the test would prove nothing", err)
	}
	tests := []struct {
		name string
		key  string
	}{
		{"kind rewritten sa to pk", rekinded},
		{"empty", ""},
		{"junk", "not a key"},
		{"typo", s[:len(s)-1] + string(s[len(s)-1]^1)},
		{"other key's secret under this id", s[:34] + other.Key.Secret[34:]},
		{"wrong secret", wrongSecret},
		{"unknown key id", unknownID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.verifier.VerifyKey(ctx, tt.key, "")
			if signet.ErrorCode(err) != signet.EUNAUTHENTICATED || reasonOf(err) != authn.ReasonInvalidKey {
				t.Errorf("VerifyKey(%s) = %v; want unauthenticated/%s", tt.name, err, authn.ReasonInvalidKey)
			}
		})
	}
}

func TestVerifyKeyLosesPermissionWithGrant(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testVerifyKeyLosesPermissionWithGrant)
}

func testVerifyKeyLosesPermissionWithGrant(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "k"})
	v, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, "")
	if err != nil {
		t.Fatal(err)
	}
	ws := defaultWorkspace(t, f)
	if !v.Access.Can("users:read", ws) {
		t.Fatalf("before: Can(users:read, default) = false; want true")
	}
	grants, _, err := f.svc.ListGrants(ctx, f.admin, signet.GrantFilter{SubjectType: signet.SubjectUser, SubjectID: sa.User.ID})
	if err != nil || len(grants) != 1 {
		t.Fatalf("ListGrants = %v, %v; want one grant", grants, err)
	}
	if err := f.svc.DeleteGrant(ctx, f.admin, grants[0].ID); err != nil {
		t.Fatal(err)
	}
	v, err = f.verifier.VerifyKey(ctx, sa.Key.Secret, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Access.Can("users:read", ws) {
		t.Errorf("after the grant is deleted: Can(users:read, default) = true; want false")
	}
}

func defaultWorkspace(tb testing.TB, f *fixture) string {
	tb.Helper()
	var id string
	err := f.st.Read(context.Background(), func(tx store.Tx) error {
		w, err := tx.GetDefaultWorkspace(context.Background())
		if err == nil {
			id = w.ID
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func TestLastUsedIsWrittenOnlyByFlush(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLastUsedIsWrittenOnlyByFlush)
}

func testLastUsedIsWrittenOnlyByFlush(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "k"})
	for range 100 {
		if _, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() *signet.APIKey {
		var k *signet.APIKey
		if err := f.st.Read(ctx, func(tx store.Tx) error {
			var err error
			k, err = tx.GetAPIKey(ctx, sa.Key.Key.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return k
	}
	if k := stored(); k.LastUsedAt != nil {
		t.Fatalf("before flush: LastUsedAt = %v; want nil (no write per request)", k.LastUsedAt)
	}
	if n := f.uses.Pending(); n != 1 {
		t.Errorf("Pending() = %d; want 1 (uses of one key coalesce)", n)
	}
	if err := f.uses.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	k := stored()
	if k.LastUsedAt == nil || !k.LastUsedAt.Equal(f.clock.Now()) || k.LastUsedIP != "192.0.2.7" {
		t.Errorf("after flush: last used = %v from %q; want %v from 192.0.2.7", k.LastUsedAt, k.LastUsedIP, f.clock.Now())
	}
}

func TestUseRecorderRunFlushesOnShutdown(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var written []signet.KeyUse
	r := authn.NewUseRecorder(func(_ context.Context, u []signet.KeyUse) error {
		mu.Lock()
		written = append(written, u...)
		mu.Unlock()
		return nil
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx, time.Hour); close(done) }()
	r.Record("key_a", time.Unix(10, 0), "1.1.1.1")
	r.Record("key_a", time.Unix(5, 0), "2.2.2.2") // older: ignored
	r.Record("key_b", time.Unix(7, 0), "3.3.3.3")
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(written) != 2 {
		t.Fatalf("written at shutdown = %v; want 2 uses", written)
	}
	for _, u := range written {
		if u.KeyID == "key_a" && (u.IP != "1.1.1.1" || !u.At.Equal(time.Unix(10, 0))) {
			t.Errorf("key_a use = %+v; want the latest (1.1.1.1 at 10)", u)
		}
	}
}

func BenchmarkVerifyKeyCached(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	sa := f.serviceAccountWithKey(b, "etl", service.CreateKeyInput{Name: "k"})
	if _, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, "127.0.0.1"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, "127.0.0.1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerifyKeyUncached(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	sa := f.serviceAccountWithKey(b, "etl", service.CreateKeyInput{Name: "k"})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f.verifier.Invalidate()
		if _, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBasicAuthCacheDiesWithPasswordChange(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testBasicAuthCacheDiesWithPasswordChange)
}

func testBasicAuthCacheDiesWithPasswordChange(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	auth := authn.NewAuthenticator(f.verifier, f.svc)
	auth.AllowBasic(true)
	req := func(login, pw string) (*signet.Actor, error) {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.SetBasicAuth(login, pw)
		return auth.Authenticate(r)
	}
	const old, renewed = "a long enough password", "another long password"
	for i := range 2 { // second time from the cache
		if a, err := req("admin@example.com", old); err != nil || a.UserID != f.admin.UserID {
			t.Fatalf("basic auth #%d = %v, %v; want the admin", i, a, err)
		}
	}
	if _, err := req("admin@example.com", "wrong password!"); signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
		t.Fatalf("basic auth with a wrong password = %v; want unauthenticated", err)
	}
	pw, current := renewed, old
	if _, err := f.svc.UpdateUser(ctx, f.admin, f.admin.UserID, service.UserUpdate{Password: &pw, CurrentPassword: &current}); err != nil {
		t.Fatal(err)
	}
	if _, err := req("admin@example.com", old); signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
		t.Errorf("basic auth with the old password after a change = %v; want unauthenticated", err)
	}
	if _, err := req("admin@example.com", renewed); err != nil {
		t.Errorf("basic auth with the new password = %v; want nil", err)
	}
}

func TestBasicAuthOffByDefaultAndThrottled(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testBasicAuthOffByDefaultAndThrottled)
}

func testBasicAuthOffByDefaultAndThrottled(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	basic := func(auth *authn.Authenticator, ip, login, pw string) error {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r = r.WithContext(signet.WithRequestInfo(r.Context(), signet.RequestInfo{IP: ip}))
		r.SetBasicAuth(login, pw)
		_, err := auth.Authenticate(r)
		return err
	}
	const pw = "a long enough password"
	off := authn.NewAuthenticator(f.verifier, f.svc)
	if err := basic(off, "10.0.0.1", "admin@example.com", pw); signet.ErrorCode(err) != signet.EUNAUTHENTICATED || signet.ErrorReason(err) != authn.ReasonBasicDisabled {
		t.Fatalf("basic auth by default = %v; want unauthenticated/%s", err, authn.ReasonBasicDisabled)
	}
	on := authn.NewAuthenticator(f.verifier, f.svc)
	on.AllowBasic(true)
	if err := basic(on, "10.0.0.1", "admin@example.com", pw); err != nil {
		t.Fatalf("basic auth turned on = %v", err)
	}
	// Failed attempts elsewhere (here: sign-ins from the UI's path) lock
	// the account on every path, even for the credential Basic cached.
	for range service.PasswordFailuresPerAccount {
		f.svc.AuthenticatePassword(signet.WithRequestInfo(ctx, signet.RequestInfo{IP: "10.9.9.9"}), "admin@example.com", "a wrong guess")
	}
	if err := basic(on, "10.0.0.1", "admin@example.com", pw); signet.ErrorCode(err) != signet.ERATELIMITED {
		t.Errorf("basic auth of a locked account = %v; want rate_limited", err)
	}
}

func TestVerifyKeyFollowsRoleEdit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testVerifyKeyFollowsRoleEdit)
}

func testVerifyKeyFollowsRoleEdit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	role, err := f.svc.CreateRole(ctx, f.admin, service.RoleInput{Name: "auditor", Base: signet.BaseNone, Permissions: []string{"audit:read"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.CreateServiceAccount(ctx, f.admin, service.CreateServiceAccountInput{
		Name:   "siem-export",
		Grants: []service.GrantSpec{{RoleID: role.Role.ID, WorkspaceID: signet.OrganisationWide}},
		Key:    &service.CreateKeyInput{Name: "k"},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.verifier.VerifyKey(ctx, res.Key.Secret, "")
	if err != nil || !v.Access.Can("audit:read", "") {
		t.Fatalf("before the edit: VerifyKey = %v; Can(audit:read) = %v; want true", err, err == nil && v.Access.Can("audit:read", ""))
	}
	perms := []string{"groups:read"}
	if _, err := f.svc.UpdateRole(ctx, f.admin, role.Role.ID, service.RoleUpdate{Permissions: &perms}); err != nil {
		t.Fatal(err)
	}
	v, err = f.verifier.VerifyKey(ctx, res.Key.Secret, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Access.Can("audit:read", "") || !v.Access.Can("groups:read", "") {
		t.Errorf("after the edit: Can(audit:read) = %v, Can(groups:read) = %v; want false, true",
			v.Access.Can("audit:read", ""), v.Access.Can("groups:read", ""))
	}
}

// withChecksum appends the checksum apikey.Parse expects (CRC32 of the
// body in six base62 digits), as anyone who reads the documentation can.
func withChecksum(body string) string {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	v := crc32.ChecksumIEEE([]byte(body))
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = base62[v%62]
		v /= 62
	}
	return body + string(b[:])
}
