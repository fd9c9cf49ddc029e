package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestIdempotencyKey: a POST sent again with the same Idempotency-Key gets
// the first answer (a new key's secret included) and does nothing twice;
// the same key with another request, or a malformed key, is refused.
func TestIdempotencyKey(t *testing.T) { t.Parallel(); testdb.ForEach(t, testIdempotencyKey) }

func testIdempotencyKey(t *testing.T) {
	e := newEnv(t).withAdmin()
	const key = "2b7e1516-28ae-4d2a-abf7-158809cf4f3c"
	body := `{"name":"etl-idem","api_key":{"name":"prod"}}`
	first := e.do("POST", "/api/v1/service-accounts", body, "Idempotency-Key: "+key)
	if first.status != http.StatusCreated {
		t.Fatalf("first create = %d %s", first.status, first.body)
	}
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the first answer says it is a replay")
	}
	again := e.do("POST", "/api/v1/service-accounts", body, "Idempotency-Key: "+key)
	if again.status != first.status || !bytes.Equal(again.body, first.body) {
		t.Errorf("retry = %d %s; want the first answer %d %s", again.status, again.body, first.status, first.body)
	}
	if again.header.Get("Idempotent-Replayed") != "true" || again.header.Get("Content-Type") != "application/json" {
		t.Errorf("retry headers = %v; want Idempotent-Replayed: true and a JSON Content-Type", again.header)
	}
	if again.header.Get("Location") != first.header.Get("Location") {
		t.Errorf("retry Location = %q; want the first's %q", again.header.Get("Location"), first.header.Get("Location"))
	}
	page := must(e.admin.ListServiceAccounts(e.ctx, client.ListUsersOptions{Name: "etl-idem"}))(t)
	if len(page.Data) != 1 {
		t.Errorf("service accounts named etl-idem: %d; want 1", len(page.Data))
	}
	events := must(e.admin.ListAuditEvents(e.ctx, client.ListAuditEventsOptions{Action: "service_account.create"}))(t)
	if len(events.Data) != 1 {
		t.Errorf("service_account.create events: %d; want 1", len(events.Data))
	}

	tests := []struct {
		name, method, path, body, key string
		status                        int
		reason                        string
	}{
		{"same key, another body", "POST", "/api/v1/service-accounts", `{"name":"etl-idem-2"}`, key, 422, "idempotency_key_reused"},
		{"same key, another path", "POST", "/api/v1/groups", body, key, 422, "idempotency_key_reused"},
		{"too short", "POST", "/api/v1/groups", `{"name":"g"}`, "abc", 400, "idempotency_key_malformed"},
		{"a space inside", "POST", "/api/v1/groups", `{"name":"g"}`, "0123456789 abcdef", 400, "idempotency_key_malformed"},
		{"a GET ignores it", "GET", "/api/v1/me", "", "x", 200, ""},
	}
	for _, tc := range tests {
		r := e.do(tc.method, tc.path, tc.body, "Idempotency-Key: "+tc.key)
		if r.status != tc.status {
			t.Errorf("%s: %s %s = %d %s; want %d", tc.name, tc.method, tc.path, r.status, r.body, tc.status)
			continue
		}
		if tc.reason != "" {
			if eb := r.errBody(t); eb.Reason != tc.reason || !strings.Contains(eb.Message, "Idempotency-Key") {
				t.Errorf("%s: error %+v; want reason %q and a message naming Idempotency-Key", tc.name, eb, tc.reason)
			}
		}
	}

	// A refusal is an answer too: replayed, not run again.
	const badKey = "6f1d0c7a-5c1e-4a7b-8a43-3c0e6d7f8a90"
	bad := `{"name":""}`
	r1 := e.do("POST", "/api/v1/groups", bad, "Idempotency-Key: "+badKey)
	r2 := e.do("POST", "/api/v1/groups", bad, "Idempotency-Key: "+badKey)
	if r1.status != 422 || r2.status != r1.status || !bytes.Equal(r1.body, r2.body) || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("an invalid create and its retry = %d %s, %d %s (replayed %q); want the same 422 twice, the second replayed",
			r1.status, r1.body, r2.status, r2.body, r2.header.Get("Idempotent-Replayed"))
	}
}

// TestSDKRetryAfterBrokenConnection is the case Idempotency-Key exists
// for: the server commits a new key, then the connection breaks before the
// answer arrives. The SDK sends the request again with the same key and
// gets the same key (its secret included), and there is one key, not two.
func TestSDKRetryAfterBrokenConnection(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testSDKRetryAfterBrokenConnection)
}

func testSDKRetryAfterBrokenConnection(t *testing.T) {
	// breaks is how many of the next key creations are served in full
	// and then cut off instead of answered.
	var breaks atomic.Int32
	var mu sync.Mutex
	var seenKeys []string
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/api-keys") {
				h.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			seenKeys = append(seenKeys, r.Header.Get("Idempotency-Key"))
			mu.Unlock()
			if breaks.Add(-1) < 0 {
				h.ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			conn.Close()
		})
	}
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := seenKeys
		seenKeys = nil
		return out
	}
	e := newEnvWith(t, envOptions{wrap: wrap}).withAdmin()
	sa := must(e.admin.CreateServiceAccount(e.ctx, client.CreateServiceAccountRequest{Name: "retry-sa"}))(t)

	// Two answers lost in a row (net/http itself resends a request with
	// an Idempotency-Key once on a broken kept-alive connection; the SDK
	// retries beyond that).
	breaks.Store(2)
	created, err := e.admin.CreateServiceAccountKey(e.ctx, sa.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "prod"})
	if err != nil {
		t.Fatalf("CreateServiceAccountKey across broken connections = %v; want the key (the SDK retries)", err)
	}
	if got := seen(); len(got) < 3 || got[0] == "" || strings.Count(strings.Join(got, ","), got[0]) != len(got) {
		t.Fatalf("the server saw Idempotency-Keys %q; want at least 3 requests, all with one key", got)
	}
	keys := must(e.admin.ListServiceAccountKeys(e.ctx, sa.ServiceAccount.ID, client.ListOptions{}))(t)
	if len(keys.Data) != 1 || keys.Data[0].ID != created.ID {
		t.Fatalf("the account's keys = %+v; want exactly the one returned, %s", keys.Data, created.ID)
	}
	// The secret replayed is the key's: it authenticates.
	me, err := e.client(client.WithAPIKey(created.Key)).Me(e.ctx)
	if err != nil || me.User.ID != sa.ServiceAccount.ID {
		t.Fatalf("Me with the replayed key = %+v, %v; want the service account", me, err)
	}

	// Without the SDK's retries, answers that keep being lost are the
	// caller's error; still, however often it was sent, one key.
	breaks.Store(100)
	_, err = e.client(client.WithAPIKey(e.adminKey), client.WithRetries(0)).CreateServiceAccountKey(e.ctx, sa.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "second"})
	if err == nil {
		t.Errorf("CreateServiceAccountKey with WithRetries(0) across broken connections = nil; want the network error")
	}
	breaks.Store(0)
	keys = must(e.admin.ListServiceAccountKeys(e.ctx, sa.ServiceAccount.ID, client.ListOptions{}))(t)
	if len(keys.Data) != 2 {
		t.Errorf("the account has %d keys after a create whose answers were lost; want 2", len(keys.Data))
	}
}
