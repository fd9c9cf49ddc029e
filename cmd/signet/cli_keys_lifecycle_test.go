package main

import (
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCLIKeysDisableEnableAndFilters: signet keys disable|enable, and the
// --expiring-within and --unused-for filters of keys list.
func TestCLIKeysDisableEnableAndFilters(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIKeysDisableEnableAndFilters)
}

func testCLIKeysDisableEnableAndFilters(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)
	w.ok(t, "", "service-accounts", "create", "etl", "--key-name", "soon", "--key-expires-in", "3d", "--quiet")
	var later client.CreatedAPIKey
	w.okJSON(t, &later, "keys", "create", "--service-account", "etl", "--name", "later", "--expires-in", "30d")
	w.ok(t, "", "keys", "create", "--name", "laptop", "--expires-in", "1d", "--quiet")

	names := func(keys []client.APIKey) string {
		var out []string
		for _, k := range keys {
			out = append(out, k.Name)
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "list", "--expiring-within", "7d"}, "soon"},
		{[]string{"keys", "list", "--service-account", "etl", "--expiring-within", "P60D"}, "soon,later"},
		{[]string{"keys", "list", "--unused-for", "90d"}, ""},
		{[]string{"keys", "list", "--personal", "--expiring-within", "2d"}, "laptop"},
	} {
		var keys []client.APIKey
		w.okList(t, &keys, tt.args...)
		if got := names(keys); got != tt.want {
			t.Errorf("signet %s = [%s]; want [%s]", strings.Join(tt.args, " "), got, tt.want)
		}
	}

	r := w.ok(t, "", "keys", "disable", later.ID, "--reason", "paused")
	if !strings.Contains(r.stdout, "Disabled API key \"later\"") {
		t.Errorf("keys disable printed %q", r.stdout)
	}
	var k client.APIKey
	w.okJSON(t, &k, "keys", "get", later.ID)
	if k.Status != client.KeyStatusDisabled || k.DisabledReason != "paused" {
		t.Errorf("after disable: status %s, reason %q; want disabled, paused", k.Status, k.DisabledReason)
	}
	if out := w.ok(t, "", "keys", "get", later.ID).stdout; !strings.Contains(out, "paused") {
		t.Errorf("keys get does not show the disable reason:\n%s", out)
	}
	var keys []client.APIKey
	w.okList(t, &keys, "keys", "list", "--status", "disabled")
	if names(keys) != "later" {
		t.Errorf("keys list --status disabled = [%s]; want [later]", names(keys))
	}
	w.okJSON(t, &k, "keys", "enable", later.ID)
	if k.Status != client.KeyStatusActive {
		t.Errorf("keys enable: status %s; want active", k.Status)
	}
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"keys", "list", "--expiring-within", "soon"}, "--expiring-within"},
		{[]string{"keys", "list", "--unused-for", "0"}, "--unused-for must be longer than zero"},
		{[]string{"keys", "enable"}, "usage: signet keys enable KEY_ID"},
	} {
		r := w.run(t, "", tt.args...)
		if r.code() != 2 || !strings.Contains(r.errLine(), tt.wantErr) {
			t.Errorf("signet %s: exit %d, %q; want exit 2 with %q", strings.Join(tt.args, " "), r.code(), r.errLine(), tt.wantErr)
		}
	}
}
