package main

import (
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

func TestCLIKeyRotateAndLabels(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIKeyRotateAndLabels)
}

// testCLIKeyRotateAndLabels: signet keys rotate prints the new key once
// with the warning, the old key works through the grace and not after a
// rotation with grace 0; labels and owners are set, shown and filtered.
func testCLIKeyRotateAndLabels(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)
	w.ok(t, "", "groups", "create", "data-team")

	var created client.CreateServiceAccountResponse
	w.okJSON(t, &created, "sa", "create", "loader", "--label", "team=data", "--label", "env=prod", "--owner", "group:data-team",
		"--key-name", "nightly", "--key-expires-in", "30d")
	sa, old := created.ServiceAccount, created.APIKey
	if sa.Labels["team"] != "data" || sa.Labels["env"] != "prod" || sa.OwnerType != "group" || !strings.HasPrefix(sa.OwnerID, "grp_") {
		t.Fatalf("sa create --label --owner = %+v; want labels and the group as owner", sa)
	}
	with := func(key string) *cliWorld {
		return &cliWorld{srv: w.srv, configDir: t.TempDir(), home: t.TempDir(),
			env: map[string]string{"SIGNET_URL": w.srv.url, "SIGNET_API_KEY": key}}
	}

	// Rotate with a grace: both keys work.
	r := w.ok(t, "", "keys", "rotate", old.ID, "--grace", "2h")
	newKey := keyPattern.FindString(r.stdout)
	if newKey == "" || newKey == old.Key || !strings.Contains(r.stdout, "Rotated API key \"nightly\"") || !strings.Contains(r.stdout, "until ") {
		t.Fatalf("keys rotate stdout = %q; want the rotation, how long the old key works, and the new key", r.stdout)
	}
	if !strings.Contains(r.stderr, "cannot be shown again") {
		t.Errorf("keys rotate stderr = %q; want the warning that the key cannot be shown again", r.stderr)
	}
	with(old.Key).ok(t, "", "me")
	with(newKey).ok(t, "", "me")
	var shown client.APIKey
	w.okJSON(t, &shown, "keys", "get", old.ID)
	if shown.RotatedTo == "" || shown.Status != client.KeyStatusActive {
		t.Errorf("keys get (rotated) = %+v; want active and rotated_to set", shown)
	}
	if r := w.ok(t, "", "keys", "get", old.ID); !strings.Contains(r.stdout, "Rotated to") || !strings.Contains(r.stdout, shown.RotatedTo) {
		t.Errorf("keys get =\n%s\nwant the successor", r.stdout)
	}

	// Rotating again is a conflict; a bad grace a usage error.
	if r := w.run(t, "", "keys", "rotate", old.ID); r.code() != 1 || !strings.Contains(r.errLine(), "conflict") {
		t.Errorf("keys rotate (rotated already): exit %d, %q; want 1 and a conflict", r.code(), r.errLine())
	}
	if r := w.run(t, "", "keys", "rotate", shown.RotatedTo, "--grace", "soon"); r.code() != 2 {
		t.Errorf("keys rotate --grace soon: exit %d, %q; want 2", r.code(), r.errLine())
	}

	// Grace 0 with --quiet: stdout is exactly the newest key, and the
	// previous one is refused at once.
	r = w.ok(t, "", "keys", "rotate", shown.RotatedTo, "--grace", "0", "--quiet")
	newest := strings.TrimSuffix(r.stdout, "\n")
	if keyPattern.FindString(newest) != newest || r.stdout != newest+"\n" {
		t.Fatalf("keys rotate --quiet stdout = %q; want exactly one key", r.stdout)
	}
	if r := with(newKey).run(t, "", "me"); r.code() != 1 || !strings.Contains(r.errLine(), "expired") {
		t.Errorf("me with the rotated key: exit %d, %q; want 1 and expired", r.code(), r.errLine())
	}
	with(newest).ok(t, "", "me")

	// Key labels: on create, update, filter.
	var k client.CreatedAPIKey
	w.okJSON(t, &k, "keys", "create", "--service-account", "loader", "--name", "adhoc", "--label", "tier=batch")
	if k.Labels["tier"] != "batch" {
		t.Errorf("keys create --label = %v", k.Labels)
	}
	var keys []client.APIKey
	w.okList(t, &keys, "keys", "list", "--label", "tier=batch")
	if len(keys) != 1 || keys[0].ID != k.ID {
		t.Errorf("keys list --label tier=batch = %+v; want adhoc", keys)
	}
	r = w.ok(t, "", "keys", "update", k.ID, "--label", "tier=stream", "--label", "env=dev")
	if !strings.Contains(r.stdout, "env=dev, tier=stream") {
		t.Errorf("keys update --label stdout = %q", r.stdout)
	}
	if r := w.run(t, "", "keys", "update", k.ID, "--label", "Bad=x"); r.code() != 2 || !strings.Contains(r.errLine(), "label") {
		t.Errorf("keys update --label Bad=x: exit %d, %q; want 2 naming the label", r.code(), r.errLine())
	}
	w.ok(t, "", "keys", "update", k.ID, "--no-labels")

	// Service-account labels and owner.
	w.ok(t, "", "sa", "create", "web")
	var sas []client.User
	w.okList(t, &sas, "sa", "list", "--label", "team=data")
	if len(sas) != 1 || sas[0].Name != "loader" {
		t.Errorf("sa list --label team=data = %+v; want loader", sas)
	}
	w.ok(t, "", "sa", "labels", "web", "team=web")
	w.ok(t, "", "sa", "owner", "web", "group:data-team")
	r = w.ok(t, "", "sa", "get", "web")
	if !strings.Contains(r.stdout, "team=web") || !strings.Contains(r.stdout, "group grp_") {
		t.Errorf("sa get =\n%s\nwant its labels and owner", r.stdout)
	}
	w.okList(t, &sas, "sa", "list", "--owner", "group:data-team")
	if len(sas) != 2 || sas[0].Name == sas[1].Name || (sas[0].Name != "web" && sas[0].Name != "loader") || (sas[1].Name != "web" && sas[1].Name != "loader") {
		t.Errorf("sa list --owner group:data-team = %+v; want loader and web", sas)
	}
	if r := w.run(t, "", "sa", "list", "--owner", "team:x"); r.code() == 0 || !strings.Contains(r.errLine(), "owner") {
		t.Errorf("sa list --owner team:x: exit %d, %q; want an error naming the owner", r.code(), r.errLine())
	}
	w.ok(t, "", "sa", "labels", "web", "--clear")
	w.ok(t, "", "sa", "owner", "web", "--none")
	var got client.UserDetail
	w.okJSON(t, &got, "sa", "get", "web")
	if got.Labels != nil || got.OwnerID != "" {
		t.Errorf("after --clear and --none: %+v", got.User)
	}
	if r := w.run(t, "", "sa", "owner", "web", "team:x"); r.code() != 2 {
		t.Errorf("sa owner web team:x: exit %d; want 2", r.code())
	}
}
