package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
)

// TestDatabaseOutage stages PostgreSQL outages behind a TCP proxy and checks
// what the issue asks: /readyz unready, writes failing fast with 503, and
// key verification refusing by default (--outage-cache-ttl 0), or serving
// cached keys for the configured time with --outage-cache-ttl, but never a
// key revoked before the outage began. Not parallel: it times how soon
// calls fail.
func TestDatabaseOutage(t *testing.T) {
	testdb.RequirePostgres(t)
	ctx := t.Context()
	database := testdb.NewPostgresDatabase(t)
	proxy := testdb.NewProxy(t, database)
	const stmtTimeout = time.Second
	args := []string{"--db-statement-timeout", stmtTimeout.String(), "--change-poll-interval", "100ms"}
	strict := startReplica(t, proxy.URL, true, args...)

	su, _ := url.Parse(strict.setupURL)
	const email, password = "admin@example.com", "correct horse battery staple"
	anon, _ := client.New(strict.url)
	if _, err := anon.Setup(ctx, client.SetupRequest{Token: su.Query().Get("token"), Name: "Admin", Email: email, Password: password}); err != nil {
		t.Fatal(err)
	}
	// Started after the setup: a replica starting on an empty database
	// issues a new setup link, voiding the first.
	lenient := startReplica(t, proxy.URL, false, append(args, "--outage-cache-ttl", "1m")...)
	adminKey, err := anon.Login(ctx, client.LoginRequest{Email: email, Password: password, DeviceID: "outage-test", KeyName: "outage test"})
	if err != nil {
		t.Fatal(err)
	}
	adminC, _ := client.New(strict.url, client.WithAPIKey(adminKey.Key))
	admin := apikeyAuth(adminKey.Key)
	sa, err := adminC.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name: "etl", Grants: []client.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: client.OrganisationWide}},
		APIKey: &client.CreateAPIKeyRequest{Name: "live"},
	})
	if err != nil {
		t.Fatal(err)
	}
	live := sa.APIKey.Key
	doomed, err := adminC.CreateServiceAccountKey(ctx, sa.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "doomed"})
	if err != nil {
		t.Fatal(err)
	}
	// unseen is revoked too, but its revocation is never verified on the
	// replicas: only the change feed tells them.
	unseen, err := adminC.CreateServiceAccountKey(ctx, sa.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "unseen"})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(s *testServer, key string) int {
		return call(t, "GET", s.url+"/api/v1/personal-api-keys/verify", apikeyAuth(key), nil, nil)
	}
	// Both replicas cache both keys; then "doomed" is revoked, and both
	// learn of it (the lenient one through the change feed).
	for _, s := range []*testServer{strict, lenient} {
		for _, k := range []string{live, doomed.Key, unseen.Key} {
			if code := verify(s, k); code != http.StatusNoContent {
				t.Fatalf("verify before the outage = %d; want 204", code)
			}
		}
	}
	// unseen first: a replica that refuses doomed has been told of both.
	for _, id := range []string{unseen.ID, doomed.ID} {
		if _, err := adminC.RevokeAPIKey(ctx, id, "leaked"); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*testServer{strict, lenient} {
		testenv.Eventually(t, "revocation reaches the replica", func() bool { return verify(s, doomed.Key) == http.StatusUnauthorized })
	}
	// The revocation made every cached entry stale; the live key is
	// verified again, so both replicas hold a current entry for it.
	for _, s := range []*testServer{strict, lenient} {
		if code := verify(s, live); code != http.StatusNoContent {
			t.Fatalf("verify live key = %d; want 204", code)
		}
	}

	proxy.Down()
	for _, s := range []*testServer{strict, lenient} {
		testenv.Eventually(t, "/readyz reports the outage", func() bool {
			return call(t, "GET", s.url+"/readyz", nil, nil, nil) == http.StatusServiceUnavailable
		})
	}
	// Writes fail fast, with 503 and a code.
	var errBody struct {
		Error struct{ Code string } `json:"error"`
	}
	start := time.Now()
	code := call(t, "POST", strict.url+"/api/v1/service-accounts", admin, map[string]any{"name": "during-outage"}, &errBody)
	if took := time.Since(start); code != http.StatusServiceUnavailable || errBody.Error.Code != signet.EUNAVAILABLE || took > 2*stmtTimeout+time.Second {
		t.Errorf("write with the database down = %d %q after %v; want 503 %q within %v", code, errBody.Error.Code, took, signet.EUNAVAILABLE, 2*stmtTimeout+time.Second)
		t.Logf("server log:\n%s", strict.logs.String())
	}
	// Past the staleness window (2 × 100ms), the strict replica refuses
	// the live key; the lenient one keeps serving it from its cache. The
	// revoked key is refused by both, always.
	time.Sleep(300 * time.Millisecond)
	if code := verify(strict, live); code != http.StatusServiceUnavailable {
		t.Errorf("strict replica, live key during the outage = %d; want 503", code)
	}
	if code := verify(lenient, live); code != http.StatusNoContent {
		t.Errorf("lenient replica (--outage-cache-ttl 1m), live key during the outage = %d; want 204", code)
	}
	for _, s := range []*testServer{strict, lenient} {
		for _, k := range []string{doomed.Key, unseen.Key} {
			if code := verify(s, k); code == http.StatusNoContent {
				t.Errorf("a key revoked before the outage was accepted during it (%s)", s.url)
			}
		}
	}

	proxy.Up()
	testenv.Eventually(t, "recovery", func() bool {
		return call(t, "GET", strict.url+"/readyz", nil, nil, nil) == http.StatusOK && verify(strict, live) == http.StatusNoContent
	})

	// A partition: the database stops answering without closing anything.
	// Writes still fail within the statement timeout instead of hanging.
	proxy.Blackhole()
	start = time.Now()
	code = call(t, "POST", strict.url+"/api/v1/service-accounts", admin, map[string]any{"name": "during-partition"}, &errBody)
	if took := time.Since(start); code != http.StatusServiceUnavailable || took > 2*stmtTimeout+time.Second {
		t.Errorf("write with the database silent = %d after %v; want 503 within %v", code, took, 2*stmtTimeout+time.Second)
	}
	testenv.Eventually(t, "/readyz reports the partition", func() bool {
		return call(t, "GET", strict.url+"/readyz", nil, nil, nil) == http.StatusServiceUnavailable
	})
	for _, k := range []string{doomed.Key, unseen.Key} {
		if code := verify(lenient, k); code == http.StatusNoContent {
			t.Errorf("a key revoked before the partition was accepted during it")
		}
	}
	proxy.Up()
}
