package main

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
)

// TestCLIWebhooks drives the webhooks commands against a real signet serve
// whose dispatcher delivers to a receiver on 127.0.0.1: create (the secret
// shown once), list, get, test, deliveries until delivered, the delivery
// with its attempts, redeliver, update, rotate-secret and delete.
func TestCLIWebhooks(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIWebhooks)
}

func testCLIWebhooks(t *testing.T) {
	t.Parallel()
	key := make([]byte, 32)
	rand.Read(key)
	keyFile := filepath.Join(t.TempDir(), "signet.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := newCLIWorld(t, "--secret-key-file", keyFile, "--webhook-allow-private")
	w.login(t)

	var mu sync.Mutex
	var got []string // webhook-id headers received
	rcv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("webhook-id"))
		mu.Unlock()
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rcv.Close)

	// Create: what happened and the secret on stdout, the warning on
	// stderr; the secret is never shown again.
	r := w.ok(t, "", "webhooks", "create", "--endpoint-url", rcv.URL+"/signet", "--events", "api_key.*, service_account.create", "--description", "audit mirror")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(lines[0], "Created webhook endpoint wh_") || !strings.Contains(lines[0], rcv.URL+"/signet, enabled") ||
		!strings.HasPrefix(secret, "whsec_") || !strings.Contains(r.stderr, "cannot be shown again") {
		t.Fatalf("webhooks create printed %q, stderr %q; want the endpoint, the secret last, and the warning", r.stdout, r.stderr)
	}
	id := strings.Fields(lines[0])[3]

	var eps []client.WebhookEndpoint
	w.okList(t, &eps, "webhooks", "list")
	if len(eps) != 1 || eps[0].ID != id || strings.Join(eps[0].EventTypes, ",") != "api_key.*,service_account.create" {
		t.Errorf("webhooks list --json = %+v; want the endpoint", eps)
	}
	for _, args := range [][]string{{"webhooks", "list"}, {"webhooks", "get", id}, {"webhooks", "list", "--json"}, {"webhooks", "get", id, "--json"}} {
		if r := w.ok(t, "", args...); strings.Contains(r.stdout, secret) || strings.Contains(r.stdout, "whsec_") || !strings.Contains(r.stdout, id) {
			t.Errorf("signet %s printed %q; want the endpoint without its secret", strings.Join(args, " "), r.stdout)
		}
	}
	if r := w.ok(t, "", "webhooks", "get", id); !strings.Contains(r.stdout, "Events:") || !strings.Contains(r.stdout, "api_key.*, service_account.create") {
		t.Errorf("webhooks get printed %q; want its events", r.stdout)
	}

	// A test event, delivered by the server's dispatcher.
	r = w.ok(t, "", "webhooks", "test", id)
	if !strings.HasPrefix(r.stdout, "Queued a test event (") {
		t.Fatalf("webhooks test printed %q", r.stdout)
	}
	var queued client.WebhookDelivery
	w.okJSON(t, &queued, "webhooks", "test", id)
	var ds []client.WebhookDelivery
	for deadline := testenv.Deadline(t); ; {
		w.okList(t, &ds, "webhooks", "deliveries", id, "--status", "succeeded")
		if len(ds) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries did not succeed; succeeded: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ds[0].ID != queued.ID || ds[0].EventType != "webhook.test" || ds[0].LastStatusCode != http.StatusOK {
		t.Errorf("webhooks deliveries --status succeeded = %+v; want the last test delivery first, answered 200", ds)
	}
	if r := w.ok(t, "", "webhooks", "deliveries", id); !strings.Contains(r.stdout, queued.ID) || !strings.Contains(r.stdout, "succeeded") {
		t.Errorf("webhooks deliveries printed %q; want the delivery, succeeded", r.stdout)
	}
	r = w.ok(t, "", "webhooks", "delivery", id, queued.ID)
	if !strings.Contains(r.stdout, "Status:") || !strings.Contains(r.stdout, "Attempts:") || !strings.Contains(r.stdout, " ms") ||
		!strings.Contains(r.stdout, `"type": "webhook.test"`) {
		t.Errorf("webhooks delivery printed %q; want its status, attempts and payload", r.stdout)
	}
	var detail client.WebhookDeliveryDetail
	w.okJSON(t, &detail, "webhooks", "delivery", id, queued.ID)
	if len(detail.AttemptLog) != 1 || detail.AttemptLog[0].StatusCode != http.StatusOK {
		t.Errorf("webhooks delivery --json attempts = %+v; want one, answered 200", detail.AttemptLog)
	}

	// Redeliver: a new delivery of the same event.
	var again client.WebhookDelivery
	w.okJSON(t, &again, "webhooks", "redeliver", id, queued.ID)
	if again.ID == queued.ID || again.EventID != queued.EventID {
		t.Errorf("webhooks redeliver = %+v; want a new delivery of event %s", again, queued.EventID)
	}

	// Update, rotate, delete; and the mistakes a command line can make.
	for _, tt := range []struct {
		args     []string
		wantCode int
		want     string // substring of stdout (exit 0) or of the error line
	}{
		{[]string{"webhooks", "update", id, "--disable"}, 0, "Updated webhook endpoint " + id + " (" + rcv.URL + "/signet, disabled)."},
		{[]string{"webhooks", "test", id}, 1, "is disabled: enable it first (conflict"},
		{[]string{"webhooks", "update", id, "--enable", "--events", "*", "--description", ""}, 0, "enabled)."},
		{[]string{"webhooks", "update", id}, 2, "nothing to change"},
		{[]string{"webhooks", "update", id, "--enable", "--disable"}, 2, "cannot be combined"},
		{[]string{"webhooks", "update", id, "--endpoint-url", "ftp://example.com"}, 1, "http:// or https:// (invalid"},
		{[]string{"webhooks", "create", "--endpoint-url", rcv.URL}, 2, "--endpoint-url and --events are required"},
		{[]string{"webhooks", "create", "--endpoint-url", rcv.URL, "--events", "api_key.explode"}, 1, `unknown event type "api_key.explode"`},
		{[]string{"webhooks", "deliveries", id, "--status", "lost"}, 2, `--status "lost": want pending or succeeded or failed`},
		{[]string{"webhooks", "rotate-secret", id, "--overlap", "soon"}, 2, "--overlap:"},
		{[]string{"webhooks", "rotate-secret", id, "--overlap", "2h"}, 0, "The previous secret keeps signing until"},
		{[]string{"webhooks", "get", "wh_nope"}, 1, `webhook endpoint "wh_nope" not found (not_found`},
		{[]string{"webhooks", "event-types"}, 0, "service_account.create"},
		{[]string{"webhooks", "delete", id, "--yes"}, 0, "Deleted webhook endpoint " + id + "."},
		{[]string{"webhooks", "get", id}, 1, "not found"},
	} {
		r := w.run(t, "", tt.args...)
		out := r.stdout
		if tt.wantCode != 0 {
			out = r.errLine()
		}
		if r.code() != tt.wantCode || !strings.Contains(out, tt.want) {
			t.Errorf("signet %s: exit %d, output %q; want exit %d and %q", strings.Join(tt.args, " "), r.code(), out, tt.wantCode, tt.want)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if !containsString(got, queued.EventID) {
		t.Errorf("the receiver got webhook-ids %v; want %s", got, queued.EventID)
	}
}
