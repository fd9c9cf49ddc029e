package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

// TestSignInClientAddress: the sign-in throttle and the audit trail count
// the TCP peer, whatever forwarding headers a client sends, unless the
// peer is a trusted proxy; then the address its X-Forwarded-For names.
func TestSignInClientAddress(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSignInClientAddress) }

func testSignInClientAddress(t *testing.T) {
	signIn := func(b *browser, csrf, email, password, xff string) response {
		t.Helper()
		form := url.Values{"csrf": {csrf}, "email": {email}, "password": {password}}
		req, _ := http.NewRequest("POST", b.e.srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		req.Header.Set("X-Real-IP", xff)
		return b.do(req)
	}
	loginIP := func(e *env) string {
		t.Helper()
		evs, _, err := e.svc.ListAuditEvents(e.ctx, signet.SystemActor, signet.AuditFilter{Action: "session.login"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("session.login events = %v, %v; want one", evs, err)
		}
		return evs[0].IP
	}

	// No trusted proxy: the headers are the client's own words.
	e := newEnv(t)
	b := e.browser()
	csrf := b.csrf("/login")
	if r := signIn(b, csrf, adminEmail, adminPassword, "198.51.100.1"); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in = %d; want 303", r.status)
	}
	if got := loginIP(e); got != "127.0.0.1" {
		t.Errorf("no trusted proxy: session.login IP = %q; want 127.0.0.1 (the peer)", got)
	}
	// Failures from one address, each claiming another, are counted
	// against that one address until it is throttled.
	b = e.browser()
	csrf = b.csrf("/login")
	throttledAt := 0
	for i := 1; i <= 100 && throttledAt == 0; i++ {
		r := signIn(b, csrf, fmt.Sprintf("nobody%d@example.com", i), "wrong password", fmt.Sprintf("198.51.100.%d", i))
		if r.status == http.StatusTooManyRequests {
			throttledAt = i
		}
	}
	if throttledAt == 0 {
		t.Fatal("100 failed sign-ins from one address, each with another X-Forwarded-For, were never throttled")
	}

	// Behind a trusted proxy: the address it appended.
	e = newEnvWith(t, envOptions{trustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	b = e.browser()
	csrf = b.csrf("/login")
	if r := signIn(b, csrf, adminEmail, adminPassword, "203.0.113.50, 198.51.100.9"); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in = %d; want 303", r.status)
	}
	if got := loginIP(e); got != "198.51.100.9" {
		t.Errorf("trusted proxy: session.login IP = %q; want 198.51.100.9 (right-most forwarded)", got)
	}
	b = e.browser()
	csrf = b.csrf("/login")
	for i := 1; i <= throttledAt+5; i++ {
		if r := signIn(b, csrf, fmt.Sprintf("nobody%d@example.com", i), "wrong password", fmt.Sprintf("198.51.100.%d", i)); r.status == http.StatusTooManyRequests {
			t.Fatalf("trusted proxy: attempt %d from its own forwarded address was throttled; the per-address count must follow the forwarded address", i)
		}
	}
}
