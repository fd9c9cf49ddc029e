package web_test

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/web"
)

// nextCases are sign-in targets (the value of ?next= once decoded) and
// where the browser is sent.
var nextCases = []struct{ next, want string }{
	// Off-site tricks: a browser drops tab/CR/LF and reads "\" as "/".
	{"/%09/evil.example", "/"},
	{"/\t/evil.example", "/"},
	{"/\r\n/evil.example", "/"},
	{"/./\\evil.example", "/"},
	{"/\\evil.example", "/"},
	{"/\\\\evil.example", "/"},
	{"\\/evil.example", "/"},
	{"//evil.example", "/"},
	{"//evil.example/settings", "/"},
	{"///evil.example", "/"},
	{"/%2F%2Fevil.example", "/"},
	{"/%2f/evil.example", "/"},
	{"/%5Cevil.example", "/"},
	{"/./%5Cevil.example", "/"},
	{"https://evil.example", "/"},
	{"https:/evil.example", "/"},
	{"javascript:alert(1)", "/"},
	{" //evil.example", "/"},
	{"evil.example", "/"},
	{"", "/"},
	{"/\x00", "/"},
	// On-site paths are kept, cleaned as http.Redirect would.
	{"/", "/"},
	{"/settings/users?x=1", "/settings/users?x=1"},
	{"/settings/users/", "/settings/users/"},
	{"/settings/../settings/keys", "/settings/keys"},
	{"/.//evil.example", "/evil.example"},
	{"/settings/./users?next=//evil.example", "/settings/users?next=//evil.example"},
	{"/settings/audit?q=a%20b#top", "/settings/audit?q=a%20b#top"},
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tt := range nextCases {
		got := web.SafeNext(tt.next)
		if got != tt.want {
			t.Errorf("safeNext(%q) = %q; want %q", tt.next, got, tt.want)
		}
		if !onSite(got) {
			t.Errorf("safeNext(%q) = %q: a browser would leave the site", tt.next, got)
		}
	}
}

// onSite reports whether a browser at https://signet.example following
// Location: loc stays on https://signet.example: the location with tab,
// CR and LF dropped and backslashes read as slashes, resolved against the
// page.
func onSite(loc string) bool {
	n := strings.NewReplacer("\t", "", "\r", "", "\n", "", "\\", "/").Replace(loc)
	base, _ := url.Parse("https://signet.example/login")
	u, err := base.Parse(n)
	return err == nil && u.Scheme == "https" && u.Host == "signet.example"
}

// TestLoginRedirectStaysOnSite signs in through the real form with each
// target and checks the Location header.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLoginRedirectStaysOnSite)
}

func testLoginRedirectStaysOnSite(t *testing.T) {
	e := newEnv(t)
	for _, tt := range nextCases {
		b := e.browser()
		// The form carries next as the login page received it.
		r := b.get("/login?next=" + url.QueryEscape(tt.next))
		if r.status != http.StatusOK {
			t.Fatalf("GET /login?next=%q = %d", tt.next, r.status)
		}
		r = b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "email": {adminEmail}, "password": {adminPassword}, "next": {tt.next}})
		if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != tt.want || !onSite(loc) {
			t.Errorf("POST /login with next=%q = %d, Location %q; want 303 to %q", tt.next, r.status, loc, tt.want)
		}
		// Already signed in, the login page redirects at once.
		r = b.get("/login?next=" + url.QueryEscape(tt.next))
		if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != tt.want {
			t.Errorf("GET /login?next=%q signed in = %d, Location %q; want 303 to %q", tt.next, r.status, loc, tt.want)
		}
	}
	// The raw query of the reports, as a browser sends it.
	for _, raw := range []string{"/%09/evil.example/x", "/./%5Cevil.example"} {
		b := e.browser()
		b.login(adminEmail, adminPassword)
		r := b.get("/login?next=" + raw)
		if loc := r.header.Get("Location"); !onSite(loc) || loc != "/" {
			t.Errorf("GET /login?next=%s signed in: Location %q; want /", raw, loc)
		}
	}
}

// FuzzSafeNext: whatever next is, the target safeNext returns, after what
// http.Redirect and a browser do to it (path.Clean; tabs and line breaks
// dropped, '\' read as '/'), resolves to this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/settings/users?x=1", "/%09/evil.example", "/./\\evil.example", "//evil.example", "https://evil.example", "/\t/evil", "/../..//evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://signet.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		out := web.SafeNext(next)
		if !strings.HasPrefix(out, "/") {
			t.Fatalf("SafeNext(%q) = %q; want a path", next, out)
		}
		// What http.Redirect sends for a path, as a browser reads it.
		p, q, _ := strings.Cut(out, "?")
		sent := path.Clean(p)
		if strings.HasSuffix(p, "/") && sent != "/" {
			sent += "/"
		}
		if q != "" || strings.Contains(out, "?") {
			sent += "?" + q
		}
		read := strings.NewReplacer("\t", "", "\r", "", "\n", "", "\\", "/").Replace(sent)
		ref, err := url.Parse(read)
		if err != nil {
			t.Fatalf("SafeNext(%q) = %q, which does not parse as a browser reads it: %v", next, out, err)
		}
		if got := base.ResolveReference(ref); got.Host != base.Host || got.Scheme != base.Scheme || strings.HasPrefix(read, "//") {
			t.Fatalf("SafeNext(%q) = %q leads to %s; want this site", next, out, got)
		}
	})
}
