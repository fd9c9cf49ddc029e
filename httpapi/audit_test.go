package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
)

// TestAuditEventMatchesRequestID checks that the X-Request-Id echoed on a
// response is the request id of the event the request produced, for a
// change, a refusal and an authentication failure.
func TestAuditEventMatchesRequestID(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAuditEventMatchesRequestID)
}

func testAuditEventMatchesRequestID(t *testing.T) {
	e := newEnv(t).withAdmin()
	r := e.do("POST", "/api/v1/service-accounts", `{"name":"etl"}`, "User-Agent: pipeline/2.0")
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	rid := r.header.Get("X-Request-Id")
	ev := newestEvent(t, e, client.ListAuditEventsOptions{Action: "service_account.create"})
	if rid == "" || ev.RequestID != rid || ev.UserAgent != "pipeline/2.0" || ev.IP != "127.0.0.1" || ev.KeyID == "" || ev.ActorID != e.adminID {
		t.Errorf("event = %+v; want request id %q, user agent pipeline/2.0, IP 127.0.0.1, the admin and its key", ev, rid)
	}

	// A caller's own request id is kept and recorded.
	r = e.do("POST", "/api/v1/groups", `{"name":"ops"}`, "X-Request-Id: trace-abc-123")
	if got := r.header.Get("X-Request-Id"); got != "trace-abc-123" {
		t.Fatalf("X-Request-Id = %q; want trace-abc-123 echoed", got)
	}
	if ev := newestEvent(t, e, client.ListAuditEventsOptions{Action: "group.create"}); ev.RequestID != "trace-abc-123" {
		t.Errorf("group.create request id = %q; want trace-abc-123", ev.RequestID)
	}

	// A refusal.
	sa := must(e.admin.CreateServiceAccount(e.ctx, client.CreateServiceAccountRequest{Name: "weak", APIKey: &client.CreateAPIKeyRequest{Name: "k"}}))(t)
	r = e.do("POST", "/api/v1/groups", `{"name":"nope"}`, "Authorization: Bearer "+sa.APIKey.Key)
	if r.status != http.StatusForbidden {
		t.Fatalf("create by a powerless key: %d", r.status)
	}
	ev = newestEvent(t, e, client.ListAuditEventsOptions{Outcome: "denied"})
	if ev.RequestID != r.header.Get("X-Request-Id") || ev.KeyID != sa.APIKey.ID || ev.Action != "group.create" {
		t.Errorf("denied event = %+v; want group.create by key %s, request %s", ev, sa.APIKey.ID, r.header.Get("X-Request-Id"))
	}

	// An authentication failure, once aggregated.
	r = e.do("GET", "/api/v1/me", "", "Authorization: Bearer "+sa.APIKey.Key[:len(sa.APIKey.Key)-3]+"xyz")
	if r.status != http.StatusUnauthorized {
		t.Fatalf("bad key: %d", r.status)
	}
	if err := e.failures.Flush(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	ev = newestEvent(t, e, client.ListAuditEventsOptions{Action: service.ActionAuthFailed})
	if ev.RequestID != r.header.Get("X-Request-Id") || ev.KeyID != sa.APIKey.ID || ev.Details["reason"] != "invalid_key" {
		t.Errorf("auth.failed event = %+v; want key %s, request %s", ev, sa.APIKey.ID, r.header.Get("X-Request-Id"))
	}
}

func newestEvent(t *testing.T, e *env, o client.ListAuditEventsOptions) client.AuditEvent {
	t.Helper()
	o.Limit = 1
	p := must(e.admin.ListAuditEvents(e.ctx, o))(t)
	if len(p.Data) == 0 {
		t.Fatalf("no audit event matches %+v", o)
	}
	return p.Data[0]
}

func TestAuditQueryVerifyAndActivity(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAuditQueryVerifyAndActivity)
}

func testAuditQueryVerifyAndActivity(t *testing.T) {
	e := newEnv(t).withAdmin()
	sa := must(e.admin.CreateServiceAccount(e.ctx, client.CreateServiceAccountRequest{Name: "Nightly-ETL", APIKey: &client.CreateAPIKeyRequest{Name: "k"}}))(t)
	must(e.admin.CreateGroup(e.ctx, client.CreateGroupRequest{Name: "ops"}))(t)

	page := must(e.admin.ListAuditEvents(e.ctx, client.ListAuditEventsOptions{Query: "nightly"}))(t)
	if len(page.Data) != 1 || page.Data[0].TargetID != sa.ServiceAccount.ID {
		t.Errorf("q=nightly: %d events; want the creation of %s", len(page.Data), sa.ServiceAccount.ID)
	}

	v := must(e.admin.VerifyAuditChain(e.ctx))(t)
	if !v.OK || v.Checked == 0 || v.HeadSeq != v.Checked || v.Break != nil {
		t.Errorf("VerifyAuditChain = %+v; want ok", v)
	}
	saClient := e.client(client.WithAPIKey(sa.APIKey.Key))
	_, err := saClient.VerifyAuditChain(e.ctx)
	wantAPIError(t, err, http.StatusForbidden, "forbidden", "audit:read")

	for range 3 {
		must(saClient.Me(e.ctx))(t)
	}
	e.do("GET", "/api/v1/me", "", "Authorization: Bearer "+wrongSecret(t, sa.APIKey.Key))
	if err := e.uses.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	act := must(e.admin.KeyActivity(e.ctx, sa.APIKey.ID, nil))(t)
	if act.Successes != 4 || act.Failures != 1 || len(act.Hours) != 1 {
		t.Errorf("KeyActivity = %+v; want 4 successes (3 reads, 1 refused verify) and 1 failure in one hour", act)
	}
	_, err = e.admin.KeyActivity(e.ctx, "key_nope", nil)
	wantAPIError(t, err, http.StatusNotFound, "not_found", "")
}

// wrongSecret returns a key with the id of key, a valid checksum and
// another secret.
func wrongSecret(t *testing.T, key string) string {
	t.Helper()
	const kindLen, idLen = 2, 26
	raw := key[4+kindLen+1 : 4+kindLen+1+idLen]
	other, _, err := apikey.Generate(key[4:6], raw)
	if err != nil {
		t.Fatal(err)
	}
	return other
}

func TestAuditExport(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAuditExport) }

func testAuditExport(t *testing.T) {
	e := newEnv(t).withAdmin()
	for i := range 5 {
		must(e.admin.CreateGroup(e.ctx, client.CreateGroupRequest{Name: fmt.Sprintf("g%d", i)}))(t)
	}
	var seqs []int64
	err := e.admin.ExportAuditEvents(e.ctx, client.ExportAuditEventsOptions{}, func(ev client.AuditEvent) error {
		seqs = append(seqs, ev.Seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("exported seqs = %v; want 1, 2, 3, … in order", seqs)
		}
	}
	future := time.Now().Add(time.Hour)
	n := 0
	err = e.admin.ExportAuditEvents(e.ctx, client.ExportAuditEventsOptions{Since: &future}, func(client.AuditEvent) error { n++; return nil })
	if err != nil || n != 0 {
		t.Errorf("export since the future = %d events, %v; want none", n, err)
	}
	r := e.do("GET", "/api/v1/audit-events/export?since=yesterday", "")
	if r.status != http.StatusBadRequest {
		t.Errorf("export with a bad since = %d; want 400", r.status)
	}
}

// exportSize is the number of events of the export memory test. A
// million is what the test is about (collecting that many events would
// show in the heap) and runs with SIGNET_HEAVY: CI runs it without -race
// in a step of its own (.ci/run); under the race detector, which makes
// seeding a million events take over ten minutes, heavy is 20,000. By
// default it is 2,500: three batches, enough to check that the export and
// the chain verification carry on across batches, not the memory. Set
// SIGNET_EXPORT_EVENTS to choose.
func exportSize(t *testing.T) int {
	if s := os.Getenv("SIGNET_EXPORT_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	switch {
	case !testenv.Heavy() || testing.Short():
		t.Logf("2,500 events; set %s=1 for a million (20,000 under -race)", testenv.EnvHeavy)
		return 2_500
	case raceEnabled:
		return 20_000
	}
	return 1_000_000
}

// TestAuditExportConstantMemory exports a million events through the real
// handler and checks that the heap does not grow with them: the events are
// read in batches and streamed, never collected. Not parallel: it
// measures the process's heap.
func TestAuditExportConstantMemory(t *testing.T) { testdb.ForEach(t, testAuditExportConstantMemory) }

func testAuditExportConstantMemory(t *testing.T) {
	e := newEnv(t).withAdmin()
	n := exportSize(t)
	start := time.Now()
	seedEvents(t, e.st, n)
	t.Logf("seeded %d events in %v", n, time.Since(start))

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	start = time.Now()
	var lines int
	err := e.admin.ExportAuditEventsRaw(e.ctx, client.ExportAuditEventsOptions{}, func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			lines++
			if lines == 1 || lines%20_000 == 0 {
				var ev struct{ Seq int64 }
				if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Seq == 0 {
					return fmt.Errorf("line %d: %q does not decode: %v", lines, sc.Text(), err)
				}
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exported %d events in %v; heap %d MiB before, peak %d MiB", lines, time.Since(start), base>>20, peak>>20)
	if want := n + 3; lines < n || lines > want+10 {
		t.Errorf("exported %d lines; want about %d", lines, want)
	}
	// A million events are ~500 MB of JSON; a streaming export's heap
	// stays within a few batches.
	const limit = 64 << 20
	if peak > base+limit {
		t.Errorf("heap grew by %d MiB during the export; want under %d MiB", (peak-base)>>20, limit>>20)
	}

	// The seeded events are a real chain: verification walks all of them,
	// in batches too.
	start = time.Now()
	v, err := e.admin.VerifyAuditChain(e.ctx)
	if err != nil || !v.OK || v.Checked < int64(n) {
		t.Fatalf("VerifyAuditChain = %+v, %v; want ok with at least %d events", v, err, n)
	}
	t.Logf("verified %d events in %v", v.Checked, time.Since(start))
}

// seedEvents appends n synthetic events directly through the store, in
// transactions of 1,000.
func seedEvents(t *testing.T, st store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	// Transactions stay well inside the per-transaction deadline that the
	// PostgreSQL store enforces (--db-statement-timeout, 5 s), even under
	// the race detector on a loaded machine.
	const perTx = 1_000
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n; {
		m := min(perTx, n-done)
		err := st.Write(ctx, func(tx store.Tx) error {
			evs := make([]*signet.AuditEvent, m)
			for i := range m {
				evs[i] = &signet.AuditEvent{
					ID: id.New(id.AuditEvent), Time: at.Add(time.Duration(done+i) * time.Millisecond),
					ActorID: "sa_seed", ActorKind: signet.KindServiceAccount, ActorName: "seeder", KeyID: "key_seed",
					Action: "service_account.update", TargetType: "service_account", TargetID: "sa_target", TargetName: "target",
					Outcome: signet.OutcomeSuccess, IP: "192.0.2.1", UserAgent: "seed", RequestID: "req_seed",
					Details: map[string]any{"name": map[string]any{"old": "a", "new": "b"}},
				}
			}
			return tx.AppendAuditEvents(ctx, evs)
		})
		if err != nil {
			t.Fatal(err)
		}
		done += m
	}
}
