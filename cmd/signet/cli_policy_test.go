package main

import (
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCLIPolicy drives the policy commands against a real signet serve:
// get (no rules), set (only the rules given change), a creation refused by
// the policy with its message, the keys it reports, bad flags, --reset.
func TestCLIPolicy(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCLIPolicy) }

func testCLIPolicy(t *testing.T) {
	w := newCLIWorld(t)
	w.login(t)
	w.ok(t, "", "service-accounts", "create", "legacy", "--key-name", "forever")

	if r := w.ok(t, "", "policy", "get"); !strings.Contains(r.stdout, "Max lifetime, service-account keys:") || !strings.Contains(r.stdout, "Enforce from:") ||
		!strings.Contains(r.stdout, "only reported") {
		t.Errorf("policy get printed %q; want every rule, off", r.stdout)
	}

	r := w.ok(t, "", "policy", "set", "--max-lifetime-sa", "90d", "--require-expiry", "--enforce-from", "2027-01-01T00:00:00Z")
	if !strings.Contains(r.stdout, "Updated the key policy") || !strings.Contains(r.stdout, "90d") || !strings.Contains(r.stdout, "2027-01-01 00:00Z") {
		t.Errorf("policy set printed %q; want the new policy", r.stdout)
	}
	// Only what is given changes.
	w.ok(t, "", "policy", "set", "--max-active-keys", "4")
	var p client.KeyPolicy
	w.okJSON(t, &p, "policy", "get")
	if p.MaxLifetimeServiceAccount != "90d" || !p.RequireExpiry || p.MaxActiveKeysPerAccount != 4 || p.EnforceFrom == nil {
		t.Errorf("policy get --json after two sets = %+v; want both changes", p)
	}

	// The policy refuses a key that breaks it, saying what would pass.
	r = w.run(t, "", "keys", "create", "--service-account", "legacy", "--name", "long", "--expires-in", "180d")
	if r.err == nil || !strings.Contains(r.err.Error(), "ask for expires_in of 90d or less") {
		t.Errorf("keys create beyond the maximum = %v; want the policy's refusal", r.err)
	}

	// The key made before the policy is listed, with the rule it breaks.
	r = w.ok(t, "", "policy", "violations")
	if !strings.Contains(r.stdout, "forever") || !strings.Contains(r.stdout, "require_expiry") {
		t.Errorf("policy violations printed %q; want the key made before the policy", r.stdout)
	}

	for _, bad := range [][]string{
		{"policy", "set"},
		{"policy", "set", "--max-lifetime-sa", "ninety"},
		{"policy", "set", "--enforce-from", "tomorrow"},
		{"policy", "set", "--expiry-warnings", "7d,soon"},
	} {
		if r := w.run(t, "", bad...); r.code() != 2 {
			t.Errorf("signet %s = exit %d (%v); want a usage error", strings.Join(bad, " "), r.code(), r.err)
		}
	}
	if r := w.run(t, "", "policy", "set", "--max-active-keys", "-1"); r.err == nil || !strings.Contains(r.err.Error(), "max_active_keys_per_account") {
		t.Errorf("policy set --max-active-keys -1 = %v; want the server's refusal naming the field", r.err)
	}

	w.ok(t, "", "policy", "set", "--reset", "--expiry-warnings", "3d")
	w.okJSON(t, &p, "policy", "get")
	if p.MaxLifetimeServiceAccount != "0" || p.RequireExpiry || p.EnforceFrom != nil || strings.Join(p.ExpiryWarnings, ",") != "3d" {
		t.Errorf("policy after --reset = %+v; want only the warnings", p)
	}
}
