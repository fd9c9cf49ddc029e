package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

func TestSecurityHeaders(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSecurityHeaders) }

func testSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for _, path := range []string{"/login", "/setup", "/nope", "/static/app.css"} {
		r := b.get(path)
		h := r.header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy = %q; want script-src 'self', no unsafe-inline, frame-ancestors 'none'", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v; want nosniff, no-referrer, DENY", path, h)
		}
	}
	b.login(adminEmail, adminPassword)
	for _, path := range []string{"/settings/users", "/settings/api-keys", "/settings/groups", "/settings/roles", "/settings/workspaces", "/settings/webhooks", "/settings/audit", "/settings/account"} {
		r := b.get(path)
		if r.status != http.StatusOK {
			t.Errorf("GET %s = %d; want 200:\n%s", path, r.status, r.body)
			continue
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control = %q; want no-store", path, r.header.Get("Cache-Control"))
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " onclick=") || strings.Contains(r.body, "style=") {
			t.Errorf("GET %s: page has inline script or style", path)
		}
	}
}

func TestSessionCookie(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSessionCookie) }

func testSessionCookie(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	r := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "email": {adminEmail}, "password": {adminPassword}})
	var c *http.Cookie
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "signet_session" {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Lax, not Secure over plain HTTP", c)
	}
	// The cookie value is the token; only its hash is stored, so the
	// database cannot give a session away.
	if _, err := e.svc.LookupSession(e.ctx, c.Value); err != nil {
		t.Fatalf("LookupSession(cookie) = %v", err)
	}
}

func TestSecureCookiesBehindHTTPS(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testSecureCookiesBehindHTTPS)
}

func testSecureCookiesBehindHTTPS(t *testing.T) {
	e := newEnvWith(t, envOptions{secureCookies: true})
	b := e.browser()
	r := b.get("/login")
	csrf := csrfRE.FindStringSubmatch(r.body)[1]
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if !ck.Secure || !ck.HttpOnly {
			t.Errorf("cookie %s = %+v; want Secure and HttpOnly when the public URL is https", ck.Name, ck)
		}
	}
	// The plain-HTTP test client does not send Secure cookies back, as a
	// browser would not; post the pre-session token by hand.
	req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"csrf": {csrf}, "email": {adminEmail}, "password": {adminPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "signet_pre", Value: csrf})
	r = b.do(req)
	var found bool
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "signet_session" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie = %+v; want Secure, HttpOnly, SameSite=Lax", ck)
			}
		}
	}
	if !found {
		t.Errorf("POST /login = %d; no session cookie", r.status)
	}
}

func TestCSRF(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCSRF) }

func testCSRF(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	// Login form without the token.
	r := b.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	if r.status != http.StatusForbidden {
		t.Errorf("POST /login without CSRF = %d; want 403", r.status)
	}
	b.login(adminEmail, adminPassword)
	form := url.Values{"name": {"etl"}}
	r = b.post("/settings/service-accounts", form)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "did not come from this site") {
		t.Errorf("POST without CSRF = %d; want 403 with the message", r.status)
	}
	form.Set("csrf", "x"+b.csrf("/settings/users"))
	if r = b.post("/settings/service-accounts", form); r.status != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token = %d; want 403", r.status)
	}
	// A cross-site Origin is refused even with the token.
	form.Set("csrf", b.csrf("/settings/users"))
	req, _ := http.NewRequest("POST", e.srv.URL+"/settings/service-accounts", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r = b.do(req); r.status != http.StatusForbidden {
		t.Errorf("POST from another origin = %d; want 403", r.status)
	}
	// Nothing was created.
	if r = b.get("/settings/users"); strings.Contains(r.body, ">etl<") {
		t.Errorf("a refused form created the service account")
	}
	if r = b.post("/settings/service-accounts", form); r.status != http.StatusCreated {
		t.Errorf("POST with the token = %d; want 201:\n%s", r.status, r.body)
	}
}

func TestAPIKeysNotAcceptedForPages(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAPIKeysNotAcceptedForPages)
}

func testAPIKeysNotAcceptedForPages(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	k, err := e.svc.CreateAPIKey(e.ctx, e.svc.ActorForUser(admin), admin.ID, service.CreateKeyInput{Name: "pk"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	for _, hdr := range []string{"Bearer " + k.Secret, "apikey " + k.Secret} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/settings/users", nil)
		req.Header.Set("Authorization", hdr)
		if r := b.do(req); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Errorf("GET /settings/users with %s = %d %s; want a redirect to /login", strings.Fields(hdr)[0], r.status, r.header.Get("Location"))
		}
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/settings/users", nil)
	req.SetBasicAuth(adminEmail, adminPassword)
	if r := b.do(req); r.status != http.StatusSeeOther {
		t.Errorf("GET /settings/users with HTTP Basic = %d; want a redirect to /login", r.status)
	}
}

func TestServiceAccountLoginRefused(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testServiceAccountLoginRefused)
}

func testServiceAccountLoginRefused(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if _, err := e.svc.CreateServiceAccount(e.ctx, e.svc.ActorForUser(admin), service.CreateServiceAccountInput{Name: "nightly-etl"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	r := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "email": {"nightly-etl"}, "password": {"anything at all"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "service accounts cannot sign in; they are for API and SDK use only") {
		t.Errorf("POST /login as a service account = %d; want 401 with the refusal:\n%s", r.status, r.body)
	}
	if strings.Contains(r.header.Get("Set-Cookie"), "signet_session=") {
		t.Errorf("a service account got a session cookie")
	}
	if !strings.Contains(r.body, `value="nightly-etl"`) || strings.Contains(r.body, "anything at all") {
		t.Errorf("the login form should keep the login and drop the password")
	}
}

func TestLoginThrottled(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLoginThrottled) }

func testLoginThrottled(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	var r response
	for i := 0; i <= service.PasswordFailuresPerAccount; i++ {
		r = b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "email": {adminEmail}, "password": {"wrong password"}})
	}
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "too many failed sign-in attempts") || r.header.Get("Retry-After") == "" {
		t.Fatalf("sign-in after %d failures = %d; want 429 with a clear message and Retry-After:\n%s", service.PasswordFailuresPerAccount, r.status, r.body)
	}
	e.advance(service.PasswordWindow)
	b.login(adminEmail, adminPassword)
}

func TestSessionExpiry(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSessionExpiry) }

func testSessionExpiry(t *testing.T) {
	e := newEnvWith(t, envOptions{sessionTTL: 2 * time.Hour, sessionIdle: 20 * time.Minute})
	b := e.browser()
	b.login(adminEmail, adminPassword)
	if r := b.get("/settings/users"); r.status != http.StatusOK {
		t.Fatalf("GET /settings/users = %d", r.status)
	}
	e.advance(21 * time.Minute)
	r := b.get("/settings/users")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fsettings%2Fusers" {
		t.Fatalf("GET after the idle timeout = %d %s; want a redirect to the login page", r.status, r.header.Get("Location"))
	}
	b.login(adminEmail, adminPassword)
	for i := 0; i < 6; i++ {
		e.advance(19 * time.Minute)
		if r := b.get("/settings/users"); r.status != http.StatusOK {
			t.Fatalf("GET while active (%d) = %d; want 200", i, r.status)
		}
	}
	e.advance(7 * time.Minute) // past 2h since sign-in
	if r := b.get("/settings/users"); r.status != http.StatusSeeOther {
		t.Fatalf("GET past the absolute lifetime = %d; want a redirect to sign in", r.status)
	}
}

func TestLogoutAndSessions(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLogoutAndSessions) }

func testLogoutAndSessions(t *testing.T) {
	e := newEnv(t)
	b1, b2 := e.browser(), e.browser()
	b1.login(adminEmail, adminPassword)
	b2.login(adminEmail, adminPassword)
	r := b1.get("/settings/account")
	// This session signs out with a form; the other is ended through a
	// confirmation (a link to its page, or the in-page dialog).
	if strings.Count(r.body, `<form method="post" action="/settings/account/sessions/`) != 1 || strings.Count(r.body, `href="/settings/account/sessions/`) != 1 ||
		!strings.Contains(r.body, "this session") {
		t.Fatalf("account page should list both sessions:\n%s", r.body)
	}
	// b1 ends b2's session.
	i := strings.Index(r.body, `href="/settings/account/sessions/`)
	id := r.body[i+len(`href="/settings/account/sessions/`):]
	id = id[:strings.Index(id, "/")]
	rr := b1.post("/settings/account/sessions/"+id+"/revoke", url.Values{"csrf": {b1.csrf("/settings/account")}})
	if rr.status != http.StatusSeeOther {
		t.Fatalf("revoking a session = %d", rr.status)
	}
	ended := 0
	for _, b := range []*browser{b1, b2} {
		if b.get("/settings/users").status == http.StatusSeeOther {
			ended++
		}
	}
	if ended != 1 {
		t.Fatalf("%d sessions ended; want 1", ended)
	}
	b3 := e.browser()
	b3.login(adminEmail, adminPassword)
	if r := b3.post("/logout", url.Values{"csrf": {b3.csrf("/settings/users")}}); r.status != http.StatusSeeOther {
		t.Fatalf("POST /logout = %d", r.status)
	}
	if r := b3.get("/settings/users"); r.status != http.StatusSeeOther {
		t.Errorf("GET after logout = %d; want a redirect to sign in", r.status)
	}
	// Every step is audited.
	evs, _, err := e.svc.ListAuditEvents(e.ctx, signet.SystemActor, signet.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, ev := range evs {
		seen[ev.Action] = true
	}
	for _, a := range []string{"session.login", "session.revoke", "session.logout"} {
		if !seen[a] {
			t.Errorf("no %s event", a)
		}
	}
}

func TestNonAdminSeesNoAdminActions(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testNonAdminSeesNoAdminActions)
}

func testNonAdminSeesNoAdminActions(t *testing.T) {
	e := newEnv(t)
	u := e.human("Vic", "vic@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	b := e.browser()
	b.login("vic@example.com", adminPassword)
	r := b.get("/settings/users")
	if r.status != http.StatusOK {
		t.Fatalf("GET /settings/users as a viewer = %d:\n%s", r.status, r.body)
	}
	for _, banned := range []string{"create=service_account", "create-sa", `action="/settings/service-accounts"`, "Create <span"} {
		if strings.Contains(r.body, banned) {
			t.Errorf("users page offers %q to a viewer", banned)
		}
	}
	// The server refuses regardless.
	csrf := b.csrf("/settings/users")
	r = b.post("/settings/service-accounts", url.Values{"csrf": {csrf}, "name": {"sneaky"}})
	if r.status != http.StatusForbidden {
		t.Errorf("POST /settings/service-accounts as a viewer = %d; want 403", r.status)
	}
	r = b.post("/settings/groups", url.Values{"csrf": {csrf}, "name": {"sneaky"}})
	if r.status != http.StatusForbidden {
		t.Errorf("POST /settings/groups as a viewer = %d; want 403", r.status)
	}
	// Someone without any read permission does not even see the users list.
	_ = u
	e.human("Nobody", "nobody@example.com")
	b2 := e.browser()
	b2.login("nobody@example.com", adminPassword)
	if r := b2.get("/settings/users"); r.status != http.StatusForbidden {
		t.Errorf("GET /settings/users without permissions = %d; want 403", r.status)
	}
	if r := b2.get("/"); r.header.Get("Location") != "/settings/api-keys" {
		t.Errorf("GET / without permissions leads to %q; want /settings/api-keys", r.header.Get("Location"))
	}
	r = b2.get("/settings/api-keys")
	if r.status != http.StatusOK || strings.Contains(r.body, "Service Account API Keys") || strings.Contains(r.body, `href="/settings/users"`) {
		t.Errorf("GET /settings/api-keys without permissions = %d; want only personal keys and no Users link", r.status)
	}
}

func TestWorkspaceOnlyUser(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWorkspaceOnlyUser) }

func testWorkspaceOnlyUser(t *testing.T) {
	e := newEnv(t)
	ws := ""
	wss, _, _ := e.svc.ListWorkspaces(e.ctx, signet.SystemActor, signet.Page{})
	for _, w := range wss {
		if w.IsDefault {
			ws = w.ID
		}
	}
	e.human("Wendy", "wendy@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: ws})
	b := e.browser()
	b.login("wendy@example.com", adminPassword)
	if r := b.get("/"); r.header.Get("Location") != "/settings/api-keys" {
		t.Errorf("GET / for a workspace-only viewer leads to %q; want /settings/api-keys", r.header.Get("Location"))
	}
	r := b.get("/settings/api-keys")
	if !strings.Contains(r.body, `href="/settings/audit"`) || strings.Contains(r.body, `href="/settings/users"`) {
		t.Errorf("nav for a workspace-only viewer: want Audit log, not Users")
	}
	r = b.get("/settings/audit")
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "workspace="+ws) {
		t.Fatalf("GET /settings/audit = %d %s; want a redirect to the workspace's events", r.status, r.header.Get("Location"))
	}
	if r := b.get(r.header.Get("Location")); r.status != http.StatusOK {
		t.Errorf("audit page of the workspace = %d:\n%s", r.status, r.body)
	}
}

func TestSetupPage(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSetupPage) }

func testSetupPage(t *testing.T) {
	e := newEnvWith(t, envOptions{noAdmin: true})
	b := e.browser()
	r := b.get("/setup?token=" + url.QueryEscape(e.setupToken))
	if r.status != http.StatusOK || !strings.Contains(r.body, `value="`+e.setupToken+`"`) {
		t.Fatalf("GET /setup = %d; want the form with the token", r.status)
	}
	csrf := csrfRE.FindStringSubmatch(r.body)[1]
	r = b.post("/setup", url.Values{"csrf": {csrf}, "token": {e.setupToken}, "name": {"Ada"}, "email": {adminEmail}, "password": {"short"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "password is too short") ||
		!strings.Contains(r.body, `value="`+adminEmail+`"`) || strings.Contains(r.body, `value="short"`) {
		t.Errorf("POST /setup with a short password = %d; want 422 with the message, the email kept, the password dropped", r.status)
	}
	r = b.post("/setup", url.Values{"token": {e.setupToken}, "name": {"Ada"}, "email": {adminEmail}, "password": {adminPassword}})
	if r.status != http.StatusForbidden {
		t.Errorf("POST /setup without CSRF = %d; want 403", r.status)
	}
	r = b.post("/setup", url.Values{"csrf": {csrf}, "token": {e.setupToken}, "name": {"Ada"}, "email": {adminEmail}, "password": {adminPassword}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Setup is complete") {
		t.Fatalf("POST /setup = %d; want the success message:\n%s", r.status, r.body)
	}
	b.login(adminEmail, adminPassword)
	if r := b.get("/setup"); !strings.Contains(r.body, "already been completed") || strings.Contains(r.body, "<form method=\"post\" action=\"/setup\"") {
		t.Errorf("GET /setup after setup should say it is done, without the form")
	}
	if strings.Contains(e.logs.String(), e.setupToken) || strings.Contains(e.logs.String(), adminPassword) {
		t.Errorf("the log contains the setup token or the password")
	}
}
