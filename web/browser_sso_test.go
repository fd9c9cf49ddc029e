package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/oidctest"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// ssoSetup starts a real OpenID provider (internal/oidctest) with a user
// in the IdP group "eng", and configures it in Signet with "eng" mapped
// to the group Engineers and just-in-time creation. It returns the
// provider, the Signet provider and the Engineers group.
func ssoSetup(t *testing.T, e *env) (*oidctest.Provider, *signet.OIDCProvider, *signet.Group) {
	t.Helper()
	idp := oidctest.Start(t)
	idp.AddClient("signet", "client-secret", e.srv.URL+"/login/sso/callback")
	idp.AddUser(oidctest.User{Username: "grace", Password: "pw", Email: "grace@example.com", EmailVerified: true,
		Name: "Grace Hopper", Groups: []string{"eng"}})
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := e.svc.ActorForUser(admin)
	eng, err := e.svc.CreateGroup(e.ctx, a, service.GroupInput{Name: "Engineers"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.CreateOIDCProvider(e.ctx, a, service.OIDCProviderInput{Name: "Corp IdP", Issuer: idp.Issuer, ClientID: "signet",
		ClientSecret: "client-secret", JITCreate: true, AllowedDomains: []string{"example.com"}, GroupsClaim: "groups",
		GroupMappings: []signet.GroupMapping{{Value: "eng", GroupID: eng.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	return idp, p, eng
}

// TestBrowserSSO drives the whole sign-in in Chromium: Signet's login
// page, the provider's own login form, back to Signet signed in, with the
// IdP group applied.
func TestBrowserSSO(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserSSO) }

func testBrowserSSO(t *testing.T) {
	chromiumPath(t)
	e := newEnv(t)
	idp, _, eng := ssoSetup(t, e)
	ctx := newChrome(t)
	step(t, ctx, "sign in with the identity provider",
		chromedp.Navigate(e.srv.URL+"/login?next=/settings/account"),
		chromedp.WaitVisible(`//a[normalize-space()="Sign in with Corp IdP"]`),
		chromedp.Click(`//a[normalize-space()="Sign in with Corp IdP"]`),
		// The provider's login form, on its own origin.
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "grace"),
		chromedp.SendKeys(chromedp.ID("password"), "pw"),
		chromedp.Click(`button[type=submit]`),
		// Back at Signet, signed in, where the login was going.
		chromedp.WaitVisible(`//header//a[normalize-space()="Grace Hopper"]`),
	)
	loc := value(t, ctx, "location", chromedp.Location())
	if !strings.HasPrefix(loc, e.srv.URL+"/settings/account") || strings.HasPrefix(loc, idp.Issuer) {
		t.Errorf("after sign-in the browser is at %s; want %s/settings/account", loc, e.srv.URL)
	}
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	d, err := e.svc.GetGroup(e.ctx, e.svc.ActorForUser(admin), eng.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(d.Members, func(u *signet.User) bool { return u.Email == "grace@example.com" }) {
		t.Errorf("Engineers members = %v; want grace, mapped from the IdP group eng", d.Members)
	}
	// The session is a normal UI session: signing out ends it.
	step(t, ctx, "sign out",
		chromedp.Click(`//button[normalize-space()="Sign out"]`),
		chromedp.WaitVisible(`//a[normalize-space()="Sign in with Corp IdP"]`),
	)
}

// TestSSOCallbackRefusals: the callback refuses what did not start in
// this browser, and says so on the login page.
func TestSSOCallbackRefusals(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSSOCallbackRefusals) }

func testSSOCallbackRefusals(t *testing.T) {
	e := newEnv(t)
	_, p, _ := ssoSetup(t, e)
	b := e.browser()

	// The login page offers the provider.
	r := b.get("/login?next=/settings/users")
	if !strings.Contains(r.body, `href="/login/sso/`+p.ID+`?next=`) || !strings.Contains(r.body, "Sign in with Corp IdP") {
		t.Fatalf("GET /login: no link for the provider:\n%s", r.body)
	}
	r = b.get("/login/sso/" + p.ID + "?next=/settings/users")
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.Contains(loc, "code_challenge_method=S256") {
		t.Fatalf("GET /login/sso/{id} = %d to %q; want 303 to the provider with PKCE", r.status, loc)
	}
	var bound bool
	for _, c := range b.client.Jar.Cookies(mustURL(t, e.srv.URL+"/login/sso/callback")) {
		bound = bound || c.Name == "signet_sso"
	}
	if !bound {
		t.Errorf("no signet_sso cookie for the callback after starting a sign-in")
	}
	// A state this browser did not get, and a replay without the cookie.
	r = b.get("/login/sso/callback?state=forged&code=x")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "did not start in this browser") {
		t.Errorf("callback with a forged state = %d; want 401 and the login page saying why:\n%s", r.status, r.body)
	}
	other := e.browser()
	state := mustURL(t, loc).Query().Get("state")
	r = other.get("/login/sso/callback?state=" + url.QueryEscape(state) + "&code=x")
	if r.status != http.StatusUnauthorized {
		t.Errorf("callback from another browser = %d; want 401", r.status)
	}
	// The provider's refusal is shown, not followed.
	if r := b.get("/login/sso/callback?error=access_denied"); r.status != http.StatusUnauthorized {
		t.Errorf("callback with error=access_denied and no state = %d; want 401", r.status)
	}
	// An unknown provider.
	if r := b.get("/login/sso/idp_missing"); r.status != http.StatusNotFound {
		t.Errorf("GET /login/sso/idp_missing = %d; want 404", r.status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLoginPagePasswordOff: with password sign-in off, the password form
// is the break-glass administrator's, behind a disclosure; the provider's
// button comes first.
func TestLoginPagePasswordOff(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLoginPagePasswordOff)
}

func testLoginPagePasswordOff(t *testing.T) {
	e := newEnv(t)
	ssoSetup(t, e)
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if _, err := e.svc.SetPasswordLogin(e.ctx, e.svc.ActorForUser(admin), signet.PasswordLogin{Disabled: true, BreakGlassUserID: admin.ID}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	r := b.get("/login")
	if !strings.Contains(r.body, "Break-glass administrator sign-in") || strings.Index(r.body, "Sign in with Corp IdP") > strings.Index(r.body, `action="/login"`) {
		t.Errorf("GET /login with passwords off: want the provider first and the password form behind the break-glass disclosure:\n%s", r.body)
	}
	bob := e.human("Bob", "bob@example.com")
	r = b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "email": {bob.Email}, "password": {adminPassword}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "password sign-in is turned off") {
		t.Errorf("POST /login as bob with passwords off = %d; want 401, password sign-in is turned off", r.status)
	}
	b.login(adminEmail, adminPassword) // the break-glass administrator
}
