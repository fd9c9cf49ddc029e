package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCLIOAuth drives the audiences, service-accounts client-keys and
// signing-keys commands, and policy set --token-lifetime, against a real
// signet serve: text for people, --json the API's documents.
func TestCLIOAuth(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIOAuth)
}

func testCLIOAuth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := newCLIWorldWithSecretKey(t)
	w.login(t)
	w.ok(t, "", "sa", "create", "billing-svc")
	w.ok(t, "", "sa", "create", "ci")

	// Audiences: create, list, get by identifier, update, delete.
	r := w.ok(t, "", "audiences", "create", "https://billing.internal", "--description", "Billing", "--service-account", "billing-svc", "--token-lifetime", "5m")
	if !strings.HasPrefix(r.stdout, "Created audience aud_") || !strings.Contains(r.stdout, "(https://billing.internal)") {
		t.Fatalf("audiences create printed %q", r.stdout)
	}
	audID := strings.Fields(r.stdout)[2]
	var auds []client.Audience
	w.okList(t, &auds, "audiences", "list")
	if len(auds) != 1 || auds[0].ID != audID || auds[0].TokenLifetime != "5m" || !strings.HasPrefix(auds[0].ServiceAccountID, "sa_") {
		t.Errorf("audiences list --json = %+v; want the audience, its account and lifetime", auds)
	}
	if r := w.ok(t, "", "audiences", "list"); !strings.Contains(r.stdout, "https://billing.internal") || !strings.Contains(r.stdout, "5m") {
		t.Errorf("audiences list printed %q", r.stdout)
	}
	var au client.Audience
	w.okJSON(t, &au, "audiences", "get", "https://billing.internal")
	if au.ID != audID || au.Description != "Billing" {
		t.Errorf("audiences get IDENTIFIER --json = %+v", au)
	}
	if r := w.ok(t, "", "audiences", "get", audID); !strings.Contains(r.stdout, "Token lifetime:") || !strings.Contains(r.stdout, "5m") {
		t.Errorf("audiences get printed %q", r.stdout)
	}
	r = w.ok(t, "", "audiences", "update", audID, "--token-lifetime", "0", "--no-service-account", "--identifier", "billing")
	if r.stdout != "Updated audience "+audID+" (billing).\n" {
		t.Errorf("audiences update printed %q", r.stdout)
	}
	w.okJSON(t, &au, "aud", "get", "billing")
	if au.TokenLifetime != "0" || au.ServiceAccountID != "" {
		t.Errorf("audience after update = %+v; want the policy's lifetime, no account", au)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"audiences", "create", "billing"}, "already exists"},
		{[]string{"audiences", "create", "has space"}, "without spaces"},
		{[]string{"audiences", "create", "x", "--token-lifetime", "soon"}, "--token-lifetime"},
		{[]string{"audiences", "get", "nope"}, `no audience with identifier "nope"`},
		{[]string{"audiences", "update", audID}, "nothing to change"},
	} {
		if r := w.run(t, "", tc.args...); r.err == nil || !strings.Contains(r.errLine(), tc.msg) {
			t.Errorf("signet %s = %v (%q); want an error saying %q", strings.Join(tc.args, " "), r.err, r.errLine(), tc.msg)
		}
	}

	// Client keys of a service account, named by its name.
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	pemFile := filepath.Join(dir, "ci.pub")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	r = w.ok(t, "", "sa", "client-keys", "add", "ci", "--name", "ci-signer", "--public-key-file", pemFile)
	if !strings.HasPrefix(r.stdout, "Added client key ck_") || !strings.Contains(r.stdout, "EdDSA") || !strings.Contains(r.stdout, "Thumbprint: ") {
		t.Fatalf("sa client-keys add printed %q", r.stdout)
	}
	ckID := strings.Fields(r.stdout)[3]
	pemBytes, _ := os.ReadFile(pemFile)
	if r := w.run(t, string(pemBytes), "sa", "client-keys", "add", "ci", "--name", "again", "--public-key-file", "-"); r.err == nil || !strings.Contains(r.errLine(), "already registered") {
		t.Errorf("adding the same key twice = %v (%q); want a conflict", r.err, r.errLine())
	}
	var list struct {
		Data []client.ClientKey `json:"data"`
	}
	w.okJSON(t, &list, "sa", "client-keys", "list", "ci")
	if len(list.Data) != 1 || list.Data[0].ID != ckID || list.Data[0].Name != "ci-signer" {
		t.Errorf("sa client-keys list --json = %+v; want the key", list.Data)
	}
	if r := w.ok(t, "", "sa", "client-keys", "ls", "ci"); !strings.Contains(r.stdout, ckID) || !strings.Contains(r.stdout, "ci-signer") {
		t.Errorf("sa client-keys list printed %q", r.stdout)
	}
	if r := w.run(t, "", "sa", "client-keys", "add", "ci", "--name", "x"); r.err == nil || r.code() != 2 {
		t.Errorf("sa client-keys add without --public-key-file = %v; want a usage error", r.err)
	}
	if r := w.ok(t, "", "sa", "client-keys", "delete", "ci", ckID, "--yes"); r.stdout != "Removed client key "+ckID+" from ci.\n" {
		t.Errorf("sa client-keys delete printed %q", r.stdout)
	}
	if r := w.run(t, "", "sa", "client-keys", "delete", "ci", ckID, "--yes"); r.err == nil || !strings.Contains(r.errLine(), "not found") {
		t.Errorf("deleting it again = %v (%q); want not found", r.err, r.errLine())
	}

	// Signing keys.
	r = w.ok(t, "", "signing-keys", "rotate", "--yes")
	if !strings.HasPrefix(r.stdout, "Rotated: sig_") || !strings.Contains(r.stdout, "signing") {
		t.Errorf("signing-keys rotate printed %q", r.stdout)
	}
	var keys struct {
		Data []client.SigningKey `json:"data"`
	}
	w.okJSON(t, &keys, "signing-keys", "rotate", "--yes")
	if len(keys.Data) < 2 || keys.Data[len(keys.Data)-1].RetiredAt != nil || keys.Data[len(keys.Data)-2].RetiredAt == nil {
		t.Errorf("signing-keys rotate --json = %+v; want the old key retired, a new one signing", keys.Data)
	}
	r = w.ok(t, "", "signing-keys", "list")
	if !strings.Contains(r.stdout, "retired") || strings.Contains(r.stdout, "PRIVATE") {
		t.Errorf("signing-keys list printed %q", r.stdout)
	}

	// The key policy's token lifetime.
	if r := w.ok(t, "", "policy", "set", "--token-lifetime", "30m"); !strings.Contains(r.stdout, "Access token lifetime:") || !strings.Contains(r.stdout, "30m") {
		t.Errorf("policy set --token-lifetime printed %q", r.stdout)
	}
	var p client.KeyPolicy
	w.okJSON(t, &p, "policy", "get")
	if p.TokenLifetime != "30m" {
		t.Errorf("policy get --json token_lifetime = %q; want 30m", p.TokenLifetime)
	}
	if r := w.run(t, "", "policy", "set", "--token-lifetime", "48h"); r.err == nil || !strings.Contains(r.errLine(), "token_lifetime") {
		t.Errorf("policy set --token-lifetime 48h = %v (%q); want refused", r.err, r.errLine())
	}
}
