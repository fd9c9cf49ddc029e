package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestServeTrustedProxies: "serve --trusted-proxies" makes the API and the
// UI alike take the client's address from the X-Forwarded-For of the
// listed proxies; without it, neither reads a forwarding header.
func TestServeTrustedProxies(t *testing.T) { t.Parallel(); testdb.ForEach(t, testServeTrustedProxies) }

func testServeTrustedProxies(t *testing.T) {
	const email, password = "admin@example.com", "correct horse battery staple"
	forwarded := func(r *http.Request) {
		r.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.5")
		r.Header.Set("X-Real-IP", "203.0.113.2")
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "127.0.0.1"},
		{[]string{"--trusted-proxies", "127.0.0.1/32"}, "198.51.100.5"},
	} {
		s := startServer(t, tt.args...)
		su, _ := url.Parse(s.setupURL)
		if code := call(t, "POST", s.url+"/api/v1/setup", forwarded,
			client.SetupRequest{Token: su.Query().Get("token"), Name: "Admin", Email: email, Password: password}, nil); code != http.StatusCreated {
			t.Fatalf("POST /api/v1/setup = %d; want 201", code)
		}

		// The UI: sign in through the form.
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := browser.Get(s.url + "/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on the login page")
		}
		form := url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {password}}
		req, _ := http.NewRequest("POST", s.url+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		forwarded(req)
		if resp, err = browser.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /login = %d; want 303", resp.StatusCode)
		}

		anon, _ := client.New(s.url)
		k, err := anon.Login(context.Background(), client.LoginRequest{Email: email, Password: password, DeviceID: "clientaddr-test"})
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := client.New(s.url, client.WithAPIKey(k.Key))
		evs, err := admin.ListAuditEvents(context.Background(), client.ListAuditEventsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, ev := range evs.Data {
			if ev.Action == "session.login" || strings.HasPrefix(ev.Action, "setup") {
				seen[ev.Action] = true
				if ev.IP != tt.want {
					t.Errorf("serve %v: %s event IP = %q; want %q", tt.args, ev.Action, ev.IP, tt.want)
				}
			}
		}
		if !seen["session.login"] || len(seen) < 2 {
			t.Errorf("serve %v: audit events %v; want the setup and the sign-in", tt.args, seen)
		}
	}

	err := run(context.Background(), []string{"serve", "--trusted-proxies", "10.0.0.0/8,proxy.internal"}, func(string) string { return "" },
		strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Errorf("serve --trusted-proxies with a host name = %v; want a usage error naming the flag", err)
	}
}
