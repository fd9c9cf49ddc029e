package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// replicas is two "signet serve" on one PostgreSQL database, with an
// administrator client for each.
type replicas struct {
	database string
	a, b     *testServer
	adminA   *client.Client
	adminB   *client.Client
	saID     string // a service account to mint keys for
}

// startReplicas starts replica A on a fresh PostgreSQL database, completes
// the setup on it, then starts replica B on the same database. The admin
// clients use a personal key: HTTP Basic would pay bcrypt on every call
// after each change.
func startReplicas(t *testing.T, extraArgs ...string) *replicas {
	t.Helper()
	ctx := t.Context()
	r := &replicas{database: testdb.NewPostgresDatabase(t)}
	r.a = startReplica(t, r.database, true, extraArgs...)
	su, err := url.Parse(r.a.setupURL)
	if err != nil {
		t.Fatal(err)
	}
	const email, password = "admin@example.com", "correct horse battery staple"
	anon, _ := client.New(r.a.url)
	if _, err := anon.Setup(ctx, client.SetupRequest{Token: su.Query().Get("token"), Name: "Admin", Email: email, Password: password}); err != nil {
		t.Fatal(err)
	}
	k, err := anon.Login(ctx, client.LoginRequest{Email: email, Password: password, DeviceID: "replica-test", KeyName: "replica test"})
	if err != nil {
		t.Fatal(err)
	}
	// B names its connections, so that a test can find them in
	// pg_stat_activity: signet-b, and signet-b-listen for the listener.
	sep := "?"
	if strings.Contains(r.database, "?") {
		sep = "&"
	}
	r.b = startReplica(t, r.database+sep+"application_name=signet-b", false, extraArgs...)
	r.adminA, _ = client.New(r.a.url, client.WithAPIKey(k.Key))
	r.adminB, _ = client.New(r.b.url, client.WithAPIKey(k.Key))
	sa, err := r.adminA.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name:   "replicated",
		Grants: []client.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: client.OrganisationWide}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.saID = sa.ServiceAccount.ID
	return r
}

// revokeTrial mints a key on A, has B verify (and cache) it, revokes it
// on A and returns how long after the revoke request began B first
// refused the key.
func (r *replicas) revokeTrial(t *testing.T, i int, beforeRevoke func()) time.Duration {
	t.Helper()
	ctx := t.Context()
	k, err := r.adminA.CreateServiceAccountKey(ctx, r.saID, client.CreateAPIKeyRequest{Name: fmt.Sprintf("trial-%d", i)})
	if err != nil {
		t.Fatal(err)
	}
	onB, _ := client.New(r.b.url, client.WithAPIKey(k.Key))
	// B must hold the key in its cache before the revocation.
	waitAccepted(t, onB)
	if ok, err := onB.VerifyKey(ctx); !ok || err != nil {
		t.Fatalf("verify on B (cached) = %v, %v; want true", ok, err)
	}
	if beforeRevoke != nil {
		beforeRevoke()
	}
	start := time.Now()
	if _, err := r.adminA.RevokeAPIKey(ctx, k.ID, "trial"); err != nil {
		t.Fatal(err)
	}
	// The tests assert on the times measured; this only ends a trial
	// that would never end.
	for deadline := testenv.Deadline(t); ; {
		ok, err := onB.VerifyKey(ctx)
		if err != nil {
			t.Fatalf("verify on B after the revoke: %v", err)
		}
		if !ok {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still accepts a key revoked on A %v ago", time.Since(start))
		}
	}
}

// percentiles returns the 50th and 99th percentiles and the maximum.
func percentiles(d []time.Duration) (p50, p99, maxD time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.99), s[len(s)-1]
}

// TestReplicaSeesRevocation measures how long a key revoked through
// replica A stays accepted by replica B when notifications flow: the
// documented bound is the notification latency, a few milliseconds; the
// assertion allows the goal, p99 under one second. Not parallel,
// nor is the next test: they measure.
func TestReplicaSeesRevocation(t *testing.T) {
	testdb.RequirePostgres(t)
	r := startReplicas(t)
	const trials = 100
	var d []time.Duration
	for i := range trials {
		d = append(d, r.revokeTrial(t, i, nil))
	}
	p50, p99, mx := percentiles(d)
	t.Logf("revoked on A, refused by B (LISTEN/NOTIFY): n=%d p50=%v p99=%v max=%v", trials, p50, p99, mx)
	if p99 >= time.Second {
		t.Errorf("p99 staleness = %v; want < 1s", p99)
	}
	verifyAuditChain(t, r.database)
}

// TestReplicaSeesRevocationWithoutListener kills B's listening connection
// (pg_terminate_backend) every 10ms, so that B misses notifications, and
// shows the safety net still bounds how long B accepts a revoked key: B
// learns of the change from the change counter, read right after each
// reconnect and every poll interval, so within one interval plus the poll.
// (TestWatchChanges shows the periodic poll alone delivering changes.)
func TestReplicaSeesRevocationWithoutListener(t *testing.T) {
	testdb.RequirePostgres(t)
	const poll = 500 * time.Millisecond // the default --change-poll-interval
	r := startReplicas(t, "--change-poll-interval", poll.String())
	dbName := r.database[strings.LastIndex(r.database, "/")+1:]
	if i := strings.Index(dbName, "?"); i >= 0 {
		dbName = dbName[:i]
	}
	admin, err := sql.Open("pgx", testdb.RequirePostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed atomic.Int64
	kill := func() {
		var n int64
		err := admin.QueryRowContext(t.Context(), `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = $1 AND application_name = 'signet-b-listen') k`, dbName).Scan(&n)
		if err == nil {
			killed.Add(n)
		}
	}
	// Kill B's listener continuously: each reconnect (after its backoff)
	// is cut again, so B learns of changes almost only through its poll.
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			kill()
			time.Sleep(10 * time.Millisecond)
		}
	})
	const trials = 30
	var d []time.Duration
	for i := range trials {
		d = append(d, r.revokeTrial(t, i, kill))
	}
	stop()
	wg.Wait()
	p50, p99, mx := percentiles(d)
	t.Logf("revoked on A, refused by B with its listener killed %d times: n=%d p50=%v p99=%v max=%v", killed.Load(), trials, p50, p99, mx)
	if killed.Load() == 0 {
		t.Errorf("B's listening connection was never terminated; is its application_name signet-b-listen?")
	}
	// The documented bound is one poll interval plus the poll's duration,
	// and in every case the cache is trusted for at most two intervals
	// without a successful poll; asserting twice that (2s) absorbs a loaded
	// machine and -race.
	if limit := 4 * poll; mx >= limit {
		t.Errorf("max staleness without notifications = %v; want < %v", mx, limit)
	}
}

// TestReplicasAuditChain makes changes on both replicas at once and checks
// that their audit events form one valid chain.
func TestReplicasAuditChain(t *testing.T) {
	t.Parallel()
	testdb.RequirePostgres(t)
	r := startReplicas(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i, c := range []*client.Client{r.adminA, r.adminB, r.adminA, r.adminB} {
		wg.Go(func() {
			for j := range 10 {
				_, err := c.CreateServiceAccount(t.Context(), client.CreateServiceAccountRequest{Name: fmt.Sprintf("sa-%d-%d", i, j)})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("CreateServiceAccount = %v", err)
	}
	if n := verifyAuditChain(t, r.database); n < 40 {
		t.Errorf("audit events = %d; want at least 40", n)
	}
}

// verifyAuditChain reads the whole audit trail of database and checks that
// it is one chain: seq 1, 2, …, each event linked to the previous one and
// its hash recomputed from its fields. It returns the number of events.
func verifyAuditChain(t *testing.T, database string) int {
	t.Helper()
	st := testdb.OpenDatabase(t, database, sqlstore.Options{})
	var all []*signet.AuditEvent
	err := st.Read(t.Context(), func(tx store.Tx) error {
		f := signet.AuditFilter{Page: signet.Page{Limit: signet.MaxPageSize}}
		for {
			evs, next, err := tx.ListAuditEvents(t.Context(), f)
			if err != nil {
				return err
			}
			all = append(all, evs...)
			if next == "" {
				return nil
			}
			f.Cursor = next
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(all)
	prev := signet.AuditGenesisHash
	for i, e := range all {
		if e.Seq != int64(i+1) || e.PrevHash != prev || e.ChainHash(e.PrevHash) != e.Hash {
			t.Fatalf("audit event %d (seq %d, %s) breaks the chain", i+1, e.Seq, e.Action)
		}
		prev = e.Hash
	}
	return len(all)
}

// waitAccepted verifies the key of c until the replica c talks to accepts
// it (it may still reload once on the key's own creation), so that the key
// is in that replica's cache.
func waitAccepted(t *testing.T, c *client.Client) {
	t.Helper()
	for deadline := testenv.Deadline(t); ; {
		ok, err := c.VerifyKey(t.Context())
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica never accepted the key")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
