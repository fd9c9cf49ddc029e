package main

import (
	"context"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCLIPermissionDomains registers a domain from the CLI and walks the
// README's check-API example on a fresh server, as written there.
func TestCLIPermissionDomains(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIPermissionDomains)
}

func testCLIPermissionDomains(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)
	for _, tt := range []struct {
		args     []string
		wantCode int
		want     string // substring of stdout (exit 0) or of the error line
	}{
		{[]string{"domains", "create", "metrics", "--description", "the metrics service"}, 0,
			"Registered permission domain metrics: metrics:read, metrics:write, metrics:execute."},
		{[]string{"permission-domains", "register", "tables"}, 0, "Registered permission domain tables"},
		{[]string{"domains", "create", "metrics"}, 1, `permission domain "metrics" is already registered (conflict`},
		{[]string{"domains", "create", "Not A Domain"}, 1, "(invalid, request "},
		{[]string{"domains", "create", "audit"}, 1, "one of Signet's own permission domains"},
		{[]string{"domains", "create"}, 2, "usage: signet domains create NAME"},
		{[]string{"domains", "list"}, 0, "metrics  metrics:read, metrics:write, metrics:execute  the metrics service"},
		{[]string{"roles", "permissions"}, 0, "metrics:write"},
	} {
		r := w.run(t, "", tt.args...)
		got := r.stdout
		if tt.wantCode != 0 {
			got = r.errLine()
		}
		if r.code() != tt.wantCode || !strings.Contains(got, tt.want) {
			t.Errorf("signet %s: exit %d, output %q; want exit %d and %q", strings.Join(tt.args, " "), r.code(), got, tt.wantCode, tt.want)
		}
	}

	// The README's check API example, from here on as written there.
	w.ok(t, "", "roles", "create", "--name", "checker", "--base", "none", "--permission", "signet:check")
	gatewayKey := strings.TrimSpace(w.ok(t, "", "sa", "create", "metrics-gateway", "--role", "checker@*", "--key-name", "prod", "--quiet").stdout)
	callerKey := strings.TrimSpace(w.ok(t, "", "sa", "create", "metrics-writer", "--role", "Edit", "--key-name", "prod", "--quiet").stdout)
	gw, err := client.New(w.srv.url, client.WithAPIKey(gatewayKey))
	if err != nil {
		t.Fatal(err)
	}
	res, err := gw.Check(context.Background(), callerKey, "metrics:write", "")
	if err != nil || !res.Allowed || res.Principal == nil || res.Principal.Name != "metrics-writer" {
		t.Errorf("the README's check = %+v, %v; want allowed for metrics-writer", res, err)
	}
	if res, err := gw.Check(context.Background(), callerKey, "metricz:write", ""); err != nil || res.Allowed || res.Reason != client.ReasonUnknownPermission {
		t.Errorf("check of an unregistered domain = %+v, %v; want unknown_permission", res, err)
	}
}
