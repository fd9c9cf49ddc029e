package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCLISSO drives the sso providers and sso password-login commands
// against a real signet serve: a round trip of create, list, show, update
// and delete; the client secret from standard input and from a file, and
// never in any output; bad input refused naming the flag.
func TestCLISSO(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLISSO)
}

func testCLISSO(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := newCLIWorldWithSecretKey(t)
	w.login(t)
	w.ok(t, "", "groups", "create", "Platform")
	w.ok(t, "", "groups", "create", "Ops")
	var groups []client.Group
	w.okList(t, &groups, "groups", "list")
	gid := map[string]string{}
	for _, g := range groups {
		gid[g.Name] = g.ID
	}

	// Every secret this test gives; none may show in anything the CLI
	// prints, stdout, stderr or error.
	secrets := []string{"stdin-secret-7f3a9c", "file-secret-2b8e41", "rotated-secret-c05d17", "flag-secret-99e0aa"}
	var printed strings.Builder
	run := func(stdin string, args ...string) result {
		t.Helper()
		r := w.run(t, stdin, args...)
		printed.WriteString(r.stdout + r.stderr + r.errLine() + "\n")
		return r
	}
	ok := func(stdin string, args ...string) result {
		t.Helper()
		r := run(stdin, args...)
		if r.err != nil {
			t.Fatalf("signet %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
		}
		return r
	}
	okJSON := func(out any, args ...string) {
		t.Helper()
		r := ok("", append(args, "--json")...)
		if err := json.Unmarshal([]byte(r.stdout), out); err != nil {
			t.Fatalf("signet %s --json: decoding %q: %v", strings.Join(args, " "), r.stdout, err)
		}
	}
	// okList is okJSON for a list: its items, from the API's page.
	okList := func(out any, args ...string) {
		t.Helper()
		var page struct {
			Data json.RawMessage `json:"data"`
		}
		okJSON(&page, args...)
		if err := json.Unmarshal(page.Data, out); err != nil {
			t.Fatalf("signet %s --json: decoding data %s: %v", strings.Join(args, " "), page.Data, err)
		}
	}
	secretFile := filepath.Join(dir, "okta.secret")
	if err := os.WriteFile(secretFile, []byte(secrets[1]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Create: the secret from standard input, mappings by group name, a
	// claim value holding "=" (the last one separates the group).
	r := ok(secrets[0]+"\n", "sso", "providers", "create", "--name", "Okta", "--issuer", "https://corp.okta.example",
		"--client-id", "0oa123", "--client-secret-file", "-", "--scopes", "email,profile,groups",
		"--allowed-domains", "Example.com, @corp.example", "--jit", "--groups-claim", "groups",
		"--map", "platform-eng=Platform", "--map", "CN=ops,OU=Groups=Ops")
	if !strings.HasPrefix(r.stdout, "Added identity provider Okta (idp_") || !strings.Contains(r.stdout, "), enabled.\n") {
		t.Fatalf("sso providers create printed %q", r.stdout)
	}
	oktaID := strings.Trim(strings.Fields(r.stdout)[4], "(),")
	wantRedirect := w.srv.url + "/login/sso/callback"
	if !strings.Contains(r.stdout, "Register this redirect URI at the provider: "+wantRedirect+"\n") {
		t.Errorf("sso providers create printed %q; want the redirect URI %s", r.stdout, wantRedirect)
	}

	// Create: the secret from a file, disabled; --json prints the API's
	// document, the redirect URI goes to stderr.
	r = ok("", "sso", "providers", "create", "--name", "Dex", "--issuer", "http://localhost:5556/dex",
		"--client-id", "signet", "--client-secret-file", secretFile, "--disabled", "--json")
	var dex client.OIDCProvider
	if err := json.Unmarshal([]byte(r.stdout), &dex); err != nil || !strings.HasPrefix(dex.ID, "idp_") || dex.Enabled || dex.Name != "Dex" {
		t.Errorf("sso providers create --json = %q (%v); want the disabled provider", r.stdout, err)
	}
	if !strings.Contains(r.stderr, wantRedirect) {
		t.Errorf("sso providers create --json wrote %q on stderr; want the redirect URI", r.stderr)
	}

	// List: a table, and the API's page with --json.
	r = ok("", "sso", "providers", "list")
	for _, want := range []string{"ID", "NAME", "ISSUER", "ENABLED", "JIT", "MAPPINGS", oktaID, "https://corp.okta.example", dex.ID} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("sso providers list printed %q; want %q in it", r.stdout, want)
		}
	}
	if row := strings.Fields(lineWith(r.stdout, oktaID)); len(row) != 6 || strings.Join(row[3:], " ") != "yes yes 2" {
		t.Errorf("sso providers list: Okta's row is %q; want enabled, jit and 2 mappings", row)
	}
	if row := strings.Fields(lineWith(r.stdout, dex.ID)); len(row) != 6 || strings.Join(row[3:], " ") != "no no 0" {
		t.Errorf("sso providers list: Dex's row is %q; want disabled, no jit, no mappings", row)
	}
	var list []client.OIDCProvider
	okList(&list, "sso", "providers", "ls")
	if len(list) != 2 {
		t.Fatalf("sso providers list --json = %+v; want 2 providers", list)
	}
	var okta client.OIDCProvider
	for _, p := range list {
		if p.ID == oktaID {
			okta = p
		}
	}
	wantMaps := []client.GroupMapping{{Value: "platform-eng", GroupID: gid["Platform"]}, {Value: "CN=ops,OU=Groups", GroupID: gid["Ops"]}}
	if okta.ID != oktaID || !okta.JITCreate || okta.GroupsClaim != "groups" || !okta.Enabled ||
		strings.Join(okta.Scopes, " ") != "email groups profile" || strings.Join(okta.AllowedDomains, " ") != "corp.example example.com" ||
		len(okta.GroupMappings) != 2 || okta.GroupMappings[0] != wantMaps[0] || okta.GroupMappings[1] != wantMaps[1] ||
		okta.RedirectPath != "/login/sso/callback" {
		t.Errorf("Okta, as listed = %+v", okta)
	}

	// Show, by name (any case) and by id.
	r = ok("", "sso", "providers", "show", "okta")
	for _, want := range []string{"ID:", oktaID, "Issuer:", "Client ID:", "0oa123", "write-only", "openid, email, groups, profile",
		"corp.example, example.com", "Redirect URI:", wantRedirect, "Group mappings:",
		"platform-eng -> Platform (" + gid["Platform"] + ")", "CN=ops,OU=Groups -> Ops (" + gid["Ops"] + ")"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("sso providers show printed %q; want %q in it", r.stdout, want)
		}
	}
	var got client.OIDCProvider
	okJSON(&got, "sso", "providers", "get", oktaID)
	if got.ID != oktaID || got.ClientID != "0oa123" {
		t.Errorf("sso providers get ID --json = %+v", got)
	}

	// Update: only the flags given change; --map replaces the mappings,
	// the secret from a file replaces the secret.
	if err := os.WriteFile(secretFile, []byte(secrets[2]+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = ok("", "sso", "providers", "update", "Okta", "--map", "platform-eng=Ops", "--jit=false", "--disable",
		"--scopes", "email", "--client-secret-file", secretFile)
	if r.stdout != "Updated identity provider Okta ("+oktaID+"), disabled.\n" {
		t.Errorf("sso providers update printed %q", r.stdout)
	}
	okJSON(&got, "sso", "providers", "get", oktaID)
	if got.Name != "Okta" || got.Issuer != "https://corp.okta.example" || got.ClientID != "0oa123" || got.GroupsClaim != "groups" ||
		got.JITCreate || got.Enabled || strings.Join(got.Scopes, " ") != "email" || strings.Join(got.AllowedDomains, " ") != "corp.example example.com" ||
		len(got.GroupMappings) != 1 || got.GroupMappings[0] != (client.GroupMapping{Value: "platform-eng", GroupID: gid["Ops"]}) {
		t.Errorf("Okta after update = %+v", got)
	}
	ok("", "sso", "providers", "update", oktaID, "--no-maps", "--enable", "--name", "Okta SSO", "--allowed-domains", "", "--scopes", "")
	got = client.OIDCProvider{}
	okJSON(&got, "sso", "providers", "get", "okta sso")
	if len(got.GroupMappings) != 0 || !got.Enabled || got.Name != "Okta SSO" || len(got.AllowedDomains) != 0 || len(got.Scopes) != 0 || got.ClientID != "0oa123" {
		t.Errorf("Okta after --no-maps --enable --name --allowed-domains '' --scopes '' = %+v", got)
	}

	// Bad input: refused before any request where the CLI can tell, with
	// the flag named.
	create := func(extra ...string) []string {
		return append([]string{"sso", "providers", "create", "--name", "X", "--issuer", "https://x.example", "--client-id", "x", "--client-secret-file", "-"}, extra...)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		msg   string
		usage bool // exit status 2
	}{
		{"issuer not a URL", "s", append(create(), "--issuer", "corp.okta.example"), "--issuer: the issuer must be an absolute URL", true},
		{"issuer over http", "s", append(create(), "--issuer", "http://corp.okta.example"), "--issuer: the issuer must use https", true},
		{"issuer on update", "", []string{"sso", "providers", "update", dex.ID, "--issuer", "ftp://x"}, "--issuer:", true},
		{"unknown group", "s", append(create(), "--groups-claim", "groups", "--map", "eng=Nope"), `--map "eng=Nope": no group named "Nope"`, false},
		{"map without =", "s", append(create(), "--groups-claim", "groups", "--map", "platform-eng"), `--map "platform-eng": want VALUE=GROUP`, true},
		{"map without a group", "s", append(create(), "--groups-claim", "groups", "--map", "platform-eng="), `--map "platform-eng=": want VALUE=GROUP`, true},
		{"map without claim", "s", append(create(), "--map", "a=Ops"), "--map needs --groups-claim", true},
		{"bad domain", "s", append(create(), "--allowed-domains", "not a domain"), "--allowed-domains:", true},
		{"secret as a value", "", append(create(), "--client-secret", secrets[3]), "--client-secret: the client secret is not taken on the command line", true},
		{"secret as a value, =", "", append(create(), "--client-secret="+secrets[3]), "--client-secret-file FILE", true},
		{"secret as a value, alone", "", []string{"sso", "providers", "create", "--client-secret", secrets[3]}, "--client-secret:", true},
		{"secret as a value, update", "", []string{"sso", "providers", "update", dex.ID, "--client-secret", secrets[3]}, "--client-secret:", true},
		{"secret as the file's name", "", append(create(), "--client-secret-file", secrets[3]), "--client-secret-file: cannot read the file", true},
		{"no secret on stdin", "", create(), "--client-secret-file: no secret: it is empty", true},
		{"two lines of secret", "a\nb\n", create(), "--client-secret-file: it holds more than one line", true},
		{"secret file required", "", []string{"sso", "providers", "create", "--name", "X", "--issuer", "https://x.example", "--client-id", "x"}, "--client-secret-file are required", true},
		{"map and no-maps", "", []string{"sso", "providers", "update", dex.ID, "--map", "a=Ops", "--no-maps"}, "cannot be combined", true},
		{"enable and disable", "", []string{"sso", "providers", "update", dex.ID, "--enable", "--disable"}, "cannot be combined", true},
		{"nothing to change", "", []string{"sso", "providers", "update", dex.ID}, "nothing to change", true},
		{"unknown provider", "", []string{"sso", "providers", "show", "nope"}, `no identity provider named "nope"`, false},
		{"a name taken (any case)", "s", []string{"sso", "providers", "create", "--name", "okta sso", "--issuer", "https://other.example", "--client-id", "y", "--client-secret-file", "-"}, `an identity provider named "Okta SSO" already exists`, false},
		{"unknown id", "", []string{"sso", "providers", "get", "idp_nope"}, "not found", false},
		{"delete unconfirmed", "", []string{"sso", "providers", "delete", dex.ID}, "pass --yes", true},
	} {
		r := run(tc.stdin, tc.args...)
		if r.err == nil || !strings.Contains(r.errLine(), tc.msg) || (r.code() == 2) != tc.usage {
			t.Errorf("%s: signet %s = %v (exit %d, %q); want an error saying %q (usage error: %v)",
				tc.name, strings.Join(tc.args, " "), r.err, r.code(), r.errLine(), tc.msg, tc.usage)
		}
	}

	// Delete, by name.
	if r := ok("", "sso", "providers", "delete", "dex", "--yes"); r.stdout != "Deleted identity provider "+dex.ID+".\n" {
		t.Errorf("sso providers delete printed %q", r.stdout)
	}
	if r := run("", "sso", "providers", "delete", dex.ID, "--yes"); r.err == nil || !strings.Contains(r.errLine(), "not found") {
		t.Errorf("deleting it again = %v (%q); want not found", r.err, r.errLine())
	}
	okList(&list, "sso", "providers", "list")
	if len(list) != 1 || list[0].Name != "Okta SSO" {
		t.Errorf("sso providers list after delete = %+v; want Okta SSO alone", list)
	}

	// Password sign-in: off for everyone but a break-glass administrator
	// named by email, then on again.
	if r := ok("", "sso", "password-login"); !strings.Contains(r.stdout, "Password sign-in: on") {
		t.Errorf("sso password-login printed %q", r.stdout)
	}
	ok("a long password for bob\n", "users", "create", "--name", "Bob", "--email", "bob@example.com", "--password-stdin")
	for _, tc := range []struct {
		args  []string
		msg   string
		usage bool
	}{
		{[]string{"sso", "password-login", "off"}, "--break-glass is required", true},
		{[]string{"sso", "password-login", "on", "--break-glass", "admin@example.com"}, "--break-glass goes with off", true},
		{[]string{"sso", "password-login", "sideways"}, `want on or off, not "sideways"`, true},
		{[]string{"sso", "password-login", "off", "--break-glass", "Admin"}, "--break-glass \"Admin\": want a user id", true},
		{[]string{"sso", "password-login", "off", "--break-glass", "nobody@example.com"}, `--break-glass: no user with email "nobody@example.com"`, false},
		{[]string{"sso", "password-login", "off", "--break-glass", "bob@example.com"}, "must be an active human in the Admins group", false},
	} {
		r := run("", tc.args...)
		if r.err == nil || !strings.Contains(r.errLine(), tc.msg) || (r.code() == 2) != tc.usage {
			t.Errorf("signet %s = %v (exit %d, %q); want an error saying %q", strings.Join(tc.args, " "), r.err, r.code(), r.errLine(), tc.msg)
		}
	}
	r = ok("", "sso", "password-login", "off", "--break-glass", "ADMIN@example.com")
	if !strings.HasPrefix(r.stdout, "Password sign-in is off: only the break-glass administrator Admin <admin@example.com> (usr_") {
		t.Errorf("sso password-login off printed %q", r.stdout)
	}
	var pl client.PasswordLogin
	okJSON(&pl, "sso", "password-login")
	if !pl.Disabled || !strings.HasPrefix(pl.BreakGlassUserID, "usr_") {
		t.Errorf("sso password-login --json = %+v; want off, with the break-glass administrator", pl)
	}
	if r := ok("", "sso", "password-login"); !strings.Contains(r.stdout, "Password sign-in:") || !strings.Contains(r.stdout, "off") ||
		!strings.Contains(r.stdout, "<admin@example.com> ("+pl.BreakGlassUserID+")") {
		t.Errorf("sso password-login printed %q", r.stdout)
	}
	// Bob's password no longer signs in; the break-glass administrator's does.
	if r := run("a long password for bob\n", "login", "--url", w.srv.url, "--email", "bob@example.com", "--password-stdin"); r.err == nil ||
		!strings.Contains(r.errLine(), "password sign-in is turned off") {
		t.Errorf("bob's login with password sign-in off = %v (%q); want refused", r.err, r.errLine())
	}
	w.login(t)
	ok("", "sso", "password-login", "off", "--break-glass", pl.BreakGlassUserID)
	if r := ok("", "sso", "password-login", "on"); r.stdout != "Password sign-in is on for everyone.\n" {
		t.Errorf("sso password-login on printed %q", r.stdout)
	}
	pl = client.PasswordLogin{}
	okJSON(&pl, "sso", "password-login")
	if pl.Disabled || pl.BreakGlassUserID != "" {
		t.Errorf("sso password-login --json after on = %+v; want on", pl)
	}

	for _, s := range secrets {
		if strings.Contains(printed.String(), s) {
			t.Errorf("the CLI printed the client secret %q", s)
		}
	}
}

// TestSSOReadSecretFile reads client secrets as sso providers create and
// update do: one line from a file or standard input, trimmed; errors
// never repeat the file's name or its content.
func TestSSOReadSecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path, stdin, want, msg string
	}{
		{name: "file", path: file("a", "s3cret\n"), want: "s3cret"},
		{name: "file with CRLF and spaces", path: file("b", "  s3cret \r\n"), want: "s3cret"},
		{name: "stdin", path: "-", stdin: "s3cret\n", want: "s3cret"},
		{name: "stdin without newline", path: "-", stdin: "s3cret", want: "s3cret"},
		{name: "empty file", path: file("c", "\n"), msg: "no secret: it is empty"},
		{name: "empty stdin", path: "-", msg: "no secret: it is empty"},
		{name: "two lines", path: file("d", "s3cret\nmore-s3cret\n"), msg: "more than one line"},
		{name: "no such file", path: filepath.Join(dir, "s3cret-by-mistake"), msg: "cannot read the file"},
		{name: "a directory", path: dir, msg: "cannot read the file"},
		{name: "no path", path: "", msg: "give the file"},
	} {
		e := &env{stdin: strings.NewReader(tc.stdin)}
		got, err := readSecretFile(e, "--client-secret-file", tc.path, "Client secret: ")
		switch {
		case tc.msg == "" && (err != nil || got != tc.want):
			t.Errorf("%s: readSecretFile = %q, %v; want %q", tc.name, got, err, tc.want)
		case tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg) || exitCode(err) != 2):
			t.Errorf("%s: readSecretFile = %q, %v; want a usage error saying %q", tc.name, got, err, tc.msg)
		case err != nil && (strings.Contains(err.Error(), "s3cret") || (len(tc.path) > 1 && strings.Contains(err.Error(), tc.path))):
			t.Errorf("%s: readSecretFile error %q repeats the file's name or content", tc.name, err)
		}
	}
	// On a terminal, "-" asks without echo.
	e := &env{stdin: strings.NewReader(""), readPassword: func(prompt string) (string, error) {
		if prompt != "Client secret: " {
			t.Errorf("prompt %q", prompt)
		}
		return "typed-s3cret", nil
	}}
	if got, err := readSecretFile(e, "--client-secret-file", "-", "Client secret: "); err != nil || got != "typed-s3cret" {
		t.Errorf("readSecretFile on a terminal = %q, %v; want the typed secret", got, err)
	}
}

// lineWith returns the first line of s that contains sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
