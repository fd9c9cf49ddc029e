package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCLIAllowedNetworks: --allowed-networks (and --allow-from) on keys
// create and sa create, keys update setting and clearing the allowlist,
// and a key used from outside its networks refused.
func TestCLIAllowedNetworks(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIAllowedNetworks)
}

func testCLIAllowedNetworks(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)

	var sa client.CreateServiceAccountResponse
	w.okJSON(t, &sa, "sa", "create", "robot", "--role", "View", "--key-name", "k", "--allowed-networks", "10.0.0.0/8", "--allow-from", "2001:db8::1")
	if got := fmt.Sprint(sa.APIKey.AllowedNetworks); got != "[10.0.0.0/8 2001:db8::1/128]" {
		t.Errorf("sa create --allowed-networks: key networks %s; want [10.0.0.0/8 2001:db8::1/128]", got)
	}
	var k client.CreatedAPIKey
	w.okJSON(t, &k, "keys", "create", "--service-account", "robot", "--name", "office", "--allowed-networks", "192.0.2.0/24, 198.51.100.7")
	if got := fmt.Sprint(k.AllowedNetworks); got != "[192.0.2.0/24 198.51.100.7/32]" {
		t.Errorf("keys create --allowed-networks: %s; want [192.0.2.0/24 198.51.100.7/32]", got)
	}

	// The key is refused from the test's own address (loopback)…
	w.env["SIGNET_API_KEY"] = k.Key
	r := w.run(t, "", "me")
	if r.code() != 1 || !strings.Contains(r.errLine(), "network_not_allowed") {
		t.Errorf("me with a key not allowed from loopback: exit %d, %q; want 1 naming network_not_allowed", r.code(), r.errLine())
	}
	delete(w.env, "SIGNET_API_KEY")

	// …until keys update allows it; '' clears the list.
	r = w.ok(t, "", "keys", "update", k.ID, "--allowed-networks", "127.0.0.1,::1")
	if !strings.Contains(r.stdout, "127.0.0.1/32, ::1/128") {
		t.Errorf("keys update output = %q; want the new allowlist", r.stdout)
	}
	w.env["SIGNET_API_KEY"] = k.Key
	w.ok(t, "", "me")
	delete(w.env, "SIGNET_API_KEY")
	var got client.APIKey
	w.okJSON(t, &got, "keys", "update", k.ID, "--allowed-networks", "")
	if got.AllowedNetworks == nil || len(got.AllowedNetworks) != 0 {
		t.Errorf("keys update --allowed-networks '': %v; want []", got.AllowedNetworks)
	}
	if r := w.ok(t, "", "keys", "get", k.ID); !strings.Contains(r.stdout, "anywhere") {
		t.Errorf("keys get of a key without allowlist = %q; want it to say anywhere", r.stdout)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"keys", "update", k.ID}, 2, "nothing to change"},
		{[]string{"keys", "update", k.ID, "--allowed-networks", "10.0.0.0/99"}, 1, `"10.0.0.0/99" is not a network`},
		{[]string{"keys", "create", "--name", "x", "--allow-from", "office"}, 1, `"office" is not an IP address`},
		{[]string{"sa", "create", "nokey", "--allowed-networks", "10.0.0.0/8"}, 2, "needs --key-name"},
	} {
		r := w.run(t, "", tc.args...)
		if r.code() != tc.code || !strings.Contains(r.errLine()+r.stderr, tc.msg) {
			t.Errorf("signet %s: exit %d, %q; want %d saying %q", strings.Join(tc.args, " "), r.code(), r.errLine()+r.stderr, tc.code, tc.msg)
		}
	}
}
