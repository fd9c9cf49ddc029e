package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCheckCLIAndMetrics drives "signet check" against "signet serve",
// then reads /metrics and forward-auth as serve wires them.
func TestCheckCLIAndMetrics(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCheckCLIAndMetrics) }

func testCheckCLIAndMetrics(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t) // the administrator: holds signet:check organisation-wide
	key := strings.TrimSpace(w.ok(t, "", "sa", "create", "robot", "--role", "View", "--key-name", "k", "--quiet").stdout)

	r := w.ok(t, key+"\n", "check", "-", "users:read")
	if !strings.HasPrefix(r.stdout, "allowed: ") || !strings.Contains(r.stdout, "robot") {
		t.Errorf("check (allowed) printed %q", r.stdout)
	}
	if r := w.run(t, "", "check", key, "users:write"); r.code() != 1 || !strings.Contains(r.stdout, "permission_denied") {
		t.Errorf("check (denied) = exit %d, %q; want 1 and permission_denied", r.code(), r.stdout)
	}
	var res client.CheckResult
	if r := w.run(t, "", "check", "--json", "not-a-key", "users:read"); r.code() != 1 {
		t.Errorf("check junk: exit %d; want 1", r.code())
	} else if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Reason != client.ReasonInvalidKey {
		t.Errorf("check --json junk = %q (%v); want reason invalid_key", r.stdout, err)
	}

	// The README's recipe: a gateway holding only signet:check.
	w.ok(t, "", "roles", "create", "--name", "checker", "--base", "none", "--permission", "signet:check")
	gw := strings.TrimSpace(w.ok(t, "", "sa", "create", "metrics-gateway", "--role", "checker@*", "--key-name", "prod", "--quiet").stdout)
	w.env["SIGNET_API_KEY"], w.env["SIGNET_URL"] = gw, w.srv.url
	if r := w.ok(t, "", "check", key, "users:read"); !strings.HasPrefix(r.stdout, "allowed: ") {
		t.Errorf("check as the gateway printed %q", r.stdout)
	}
	w.env["SIGNET_API_KEY"] = key // a key without signet:check may not ask
	if r := w.run(t, "", "check", key, "users:read"); r.code() != 1 || !strings.Contains(r.errLine(), "signet:check") {
		t.Errorf("check as a key without signet:check: exit %d, %q; want 1 naming signet:check", r.code(), r.errLine())
	}
	delete(w.env, "SIGNET_API_KEY")
	delete(w.env, "SIGNET_URL")

	// forward-auth is open to loopback by default.
	req, _ := http.NewRequest("GET", w.srv.url+"/api/v1/forward-auth?permission=users:read", nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Signet-Principal-Name") != "robot" {
		t.Errorf("forward-auth = %d, principal %q; want 200 robot", resp.StatusCode, resp.Header.Get("X-Signet-Principal-Name"))
	}

	resp, err = http.Get(w.srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`signet_key_verifications_total{outcome="ok"}`,
		`signet_key_verifications_total{outcome="invalid_key"}`,
		`signet_key_cache_lookups_total{result="hit"}`,
		`signet_key_verify_duration_seconds_bucket{cache="miss"`,
		`signet_key_cache_entries`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
