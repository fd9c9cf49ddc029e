package httpapi_test

import (
	"github.com/signetdev/signet/internal/testdb"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
)

func TestSetupPage(t *testing.T) { testdb.ForEach(t, testSetupPage) }

func testSetupPage(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/setup?token="+url.QueryEscape(e.setupToken), "")
	body := string(r.body)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /setup = %d %s; want 200 HTML", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{`<form method="post" action="/setup">`, `name="email"`, `name="password"`, `value="` + e.setupToken + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("setup page lacks %s", want)
		}
	}
	for _, banned := range []string{"<script", "http://", "https://", "src="} {
		if strings.Contains(body, banned) {
			t.Errorf("setup page contains %q: it must be self-contained, without scripts", banned)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q; want default-src 'none' and no scripts", csp)
	}
	if r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy = %q; want no-referrer (the token is in the URL)", r.header.Get("Referrer-Policy"))
	}

	post := func(form url.Values) response {
		return e.do("POST", "/setup", form.Encode(), "Content-Type: application/x-www-form-urlencoded")
	}
	// A bad password re-renders the form with the service's message, keeping
	// the other fields but never the password.
	r = post(url.Values{"token": {e.setupToken}, "name": {"Ada"}, "email": {adminEmail}, "password": {"short"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "password is too short") ||
		!strings.Contains(string(r.body), `value="`+adminEmail+`"`) || strings.Contains(string(r.body), `value="short"`) {
		t.Errorf("POST /setup with a short password = %d %s; want 422 with the message and the email kept", r.status, r.body)
	}
	// HTML in input is escaped.
	r = post(url.Values{"token": {"wrong"}, "name": {`<b>x</b>`}, "email": {adminEmail}, "password": {adminPassword}})
	if r.status != http.StatusUnauthorized || strings.Contains(string(r.body), "<b>x</b>") {
		t.Errorf("POST /setup with a wrong token = %d; want 401 and escaped input", r.status)
	}
	r = post(url.Values{"token": {e.setupToken}, "name": {"Ada"}, "email": {adminEmail}, "password": {adminPassword}})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "Setup is complete") {
		t.Fatalf("POST /setup = %d %s; want the success message", r.status, r.body)
	}
	// The admin exists and can call the API.
	me := must(e.client(client.WithBasicAuth(adminEmail, adminPassword)).Me(e.ctx))(t)
	if me.User.Email != adminEmail {
		t.Errorf("Me() after setup = %+v", me.User)
	}
	// The page now says setup is done, and the form is gone.
	r = e.do("GET", "/setup?token="+url.QueryEscape(e.setupToken), "")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "already been completed") || strings.Contains(string(r.body), "<form") {
		t.Errorf("GET /setup after setup = %d %s; want the completed message without a form", r.status, r.body)
	}
	if strings.Contains(e.logs.String(), e.setupToken) || strings.Contains(e.logs.String(), adminPassword) {
		t.Errorf("the log contains the setup token or the password")
	}
}
