package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/service"
)

// chromiumPath returns the Chromium to drive, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("browser tests skipped: no Chromium at /usr/bin/chromium or on PATH (Debian: apt-get install -y chromium; .ci/run installs it)")
	return ""
}

// browserOnSQLite skips a browser test's PostgreSQL run, and skips it
// without Chromium. What a browser checks (pages, forms, scripts) is the
// same on every backend, and a browser test costs a Chromium and seconds a
// step, so most run on SQLite only; the handler tests beneath them, and the
// browser flows of the product page (TestBrowserServiceAccountFlow) and of
// single sign-on (TestBrowserSSO), run on both.
func browserOnSQLite(t *testing.T) {
	t.Helper()
	if testdb.Backend(t) != testdb.SQLite {
		t.Skip("this browser test runs on SQLite only: pages behave the same on every backend (the handler tests, TestBrowserServiceAccountFlow and TestBrowserSSO run on both)")
	}
	chromiumPath(t)
}

// newChrome starts a headless Chromium with a fresh profile and returns a
// context for one tab; it closes with the test.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser without a deadline (a deadline on the first run
	// would stop the whole browser); each step gets its own below.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	// Confirmation dialogs (revoke, delete) are accepted.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// step runs actions until they succeed or the test's deadline nears
// (testenv.Deadline: a loaded machine makes a step take seconds), failing
// the test with what on error.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithDeadline(ctx, testenv.Deadline(t))
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
}

func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithDeadline(ctx, testenv.Deadline(t))
	defer cancel()
	for {
		v, err := chromedp.Run(sctx, a)
		// A node found a moment before may be replaced before it is read
		// (a page still settling on a loaded machine): read it again.
		if err != nil && strings.Contains(err.Error(), "No node with given id") && sctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// screenshot saves a PNG of the viewport into $SIGNET_SCREENSHOTS, if set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SIGNET_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// apiStatus calls GET /api/v1/me with key and returns the status.
func apiStatus(t *testing.T, e *env, key string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func signIn(t *testing.T, ctx context.Context, base, login, password string) {
	t.Helper()
	step(t, ctx, "sign in as "+login,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
}

// TestBrowserServiceAccountFlow is the product page's flow in a real
// browser: create a service account with a key, copy the key once, use it,
// edit the account, find the key in the API keys page, revoke it.
func TestBrowserServiceAccountFlow(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testBrowserServiceAccountFlow)
}

func testBrowserServiceAccountFlow(t *testing.T) {
	chromiumPath(t)
	e := newEnv(t)
	ctx := newChrome(t)
	base := e.srv.URL
	wss, _, err := e.svc.ListWorkspaces(e.ctx, signet.SystemActor, signet.Page{})
	if err != nil || len(wss) == 0 {
		t.Fatalf("ListWorkspaces: %v", err)
	}
	defaultWS := wss[0].ID
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true}, Setting: cdpbrowser.PermissionSettingGranted, Origin: base,
		}); err != nil {
			t.Logf("granting %s: %v (the copy check falls back to the copy target)", name, err)
		}
	}

	// Sign in as the first admin; Settings → Users.
	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "users page", chromedp.WaitVisible(chromedp.ID("users-table")))
	screenshot(t, ctx, "01-users-list")

	// Create → Service Account.
	step(t, ctx, "open the create menu and choose Service Account",
		chromedp.Click(chromedp.CSS("#create-menu summary")),
		chromedp.WaitVisible(chromedp.ID("create-sa-item")),
		chromedp.Click(chromedp.ID("create-sa-item")),
		chromedp.WaitVisible(chromedp.ID("sa-name")),
	)
	// A name of blanks passes the browser's "required" but not the
	// service: the error shows in the dialog, and what was typed stays.
	step(t, ctx, "fill the form with an invalid name",
		chromedp.SendKeys(chromedp.ID("sa-name"), "   "),
		chromedp.SetValue(chromedp.CSS(`#create-sa select[name=grant_role]`), signet.RoleViewID),
		chromedp.SetValue(chromedp.CSS(`#create-sa select[name=grant_ws]`), defaultWS),
		chromedp.SendKeys(chromedp.ID("sa-key-name"), "airflow"),
		chromedp.SendKeys(chromedp.ID("sa-key-description"), "Airflow prod"),
		chromedp.Click(chromedp.ID("create-sa-submit")),
		chromedp.WaitVisible(chromedp.ID("sa-name-error")),
	)
	if msg := value(t, ctx, "error text", chromedp.Text(chromedp.ID("sa-name-error"))); !strings.Contains(msg, "Service account name is required") {
		t.Errorf("error beside the name = %q; want the service's message", msg)
	}
	if v := value(t, ctx, "name's aria-invalid", chromedp.Evaluate[string](`document.getElementById("sa-name").getAttribute("aria-invalid")`)); v != "true" {
		t.Errorf("the name's aria-invalid = %q; want true", v)
	}
	if v := value(t, ctx, "kept key name", chromedp.Value(chromedp.ID("sa-key-name"))); v != "airflow" {
		t.Errorf("key name after the error = %q; want what was typed", v)
	}
	if v := value(t, ctx, "kept role", chromedp.Value(chromedp.CSS(`#create-sa select[name=grant_role]`))); v != signet.RoleViewID {
		t.Errorf("role after the error = %q; want what was chosen", v)
	}
	step(t, ctx, "fix the name", chromedp.SetValue(chromedp.ID("sa-name"), "nightly-etl"))
	screenshot(t, ctx, "02-create-service-account")
	step(t, ctx, "create", chromedp.Click(chromedp.ID("create-sa-submit")), chromedp.WaitVisible(chromedp.ID("show-key")))

	// The key is shown once.
	secret := value(t, ctx, "read the key", chromedp.Value(chromedp.ID("new-key")))
	parsed, err := apikey.Parse(secret)
	if err != nil {
		t.Fatalf("shown key %q does not parse: %v", secret, err)
	}
	warning := value(t, ctx, "warning", chromedp.Text(chromedp.CSS("#show-key .warning")))
	if !strings.Contains(warning, "only be shown once") || !strings.Contains(warning, "cannot be retrieved after closing") {
		t.Errorf("show-once warning = %q", warning)
	}
	screenshot(t, ctx, "03-show-key-once")

	// Copy puts exactly the key on the clipboard.
	step(t, ctx, "copy", chromedp.Click(chromedp.ID("copy-key")), chromedp.WaitReady(chromedp.CSS(`#copy-key[data-copied="true"]`)))
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	clip, err := chromedp.Run(sctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	cancel()
	if err != nil {
		t.Logf("reading the clipboard in headless Chromium failed (%v); checked the copy target instead", err)
		if v := value(t, ctx, "copy target", chromedp.Value(chromedp.ID("new-key"))); v != secret {
			t.Errorf("copy target = %q; want the key", v)
		}
	} else if clip != secret {
		t.Errorf("clipboard = %q; want exactly the key %q", clip, secret)
	}

	// Done closes the dialog and replaces the page.
	step(t, ctx, "done", chromedp.Click(chromedp.ID("key-done")), chromedp.WaitNotPresent(chromedp.ID("show-key")), chromedp.WaitVisible(chromedp.ID("users-table")))
	if loc := value(t, ctx, "location", chromedp.Location()); loc != base+"/settings/users" {
		t.Errorf("after Done the page is %s; want /settings/users", loc)
	}

	sas, _, err := e.svc.ListUsers(e.ctx, signet.SystemActor, signet.UserFilter{Kind: signet.KindServiceAccount})
	if err != nil || len(sas) != 1 {
		t.Fatalf("service accounts = %v, %v; want the one created", sas, err)
	}
	sa := sas[0]

	// The key works against the REST API.
	if st := apiStatus(t, e, secret); st != http.StatusOK {
		t.Fatalf("GET /api/v1/me with the new key = %d; want 200", st)
	}

	// The key appears nowhere afterwards: not after Back, not in any page.
	// Back leads to an earlier form response, which the browser may not
	// show again (no-store: ERR_CACHE_MISS); either way, no key.
	if err := chromedp.Do(ctx, chromedp.NavigateBack()); err != nil {
		t.Logf("back: %v", err)
	}
	assertNoSecret(t, ctx, "the page after Back", secret)
	pages := []string{"/settings/users", "/settings/users/" + sa.ID, "/settings/api-keys", "/settings/groups", "/settings/groups/" + service.DefaultViewGroupID,
		"/settings/roles", "/settings/roles/" + signet.RoleViewID, "/settings/workspaces", "/settings/webhooks", "/settings/audit", "/settings/account"}
	events, _, err := e.svc.ListAuditEvents(e.ctx, signet.SystemActor, signet.AuditFilter{Page: signet.Page{Limit: signet.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		pages = append(pages, "/settings/audit/"+ev.ID)
	}
	for _, p := range pages {
		step(t, ctx, "open "+p, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("main")))
		assertNoSecret(t, ctx, p, secret)
	}
	if strings.Contains(e.logs.String(), secret) || strings.Contains(e.logs.String(), secret[len(secret)-42:]) {
		t.Errorf("the server log contains the key")
	}

	// Edit: rename, add to a group.
	step(t, ctx, "edit",
		chromedp.Navigate(base+"/settings/users"),
		chromedp.Click(chromedp.CSS(`a[aria-label="Edit nightly-etl"]`)),
		chromedp.WaitVisible(chromedp.ID("details-form")),
		chromedp.SetValue(chromedp.ID("name"), "nightly-etl-prod"),
		chromedp.Click(chromedp.ID("save-details")),
		chromedp.WaitReady(chromedp.CSS(`input#name[value="nightly-etl-prod"]`)),
		chromedp.Click(chromedp.CSS(`#groups-form input[value="`+service.DefaultViewGroupID+`"]`)),
		chromedp.Click(chromedp.ID("save-groups")),
		chromedp.WaitReady(chromedp.CSS(`#groups-form input[value="`+service.DefaultViewGroupID+`"][checked]`)),
	)
	screenshot(t, ctx, "04-edit-service-account")
	d, err := e.svc.GetUser(e.ctx, signet.SystemActor, sa.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.User.Name != "nightly-etl-prod" || len(d.Groups) != 1 || d.Groups[0].ID != service.DefaultViewGroupID {
		t.Errorf("after editing: name %q, groups %v; want renamed and in Default View", d.User.Name, d.Groups)
	}

	// API keys page: listed under Service Account API Keys with its hint.
	row := `#sa-keys tr[data-key-id="` + parsed.ID() + `"]`
	step(t, ctx, "api keys page", chromedp.Navigate(base+"/settings/api-keys"), chromedp.WaitVisible(chromedp.CSS(row)))
	if hint := value(t, ctx, "hint", chromedp.Text(chromedp.CSS(row+" [data-hint]"))); hint != apikey.Hint(secret) {
		t.Errorf("hint in the list = %q; want %q", hint, apikey.Hint(secret))
	}
	if owner := value(t, ctx, "owner", chromedp.Text(chromedp.CSS(row+" td"))); owner != "nightly-etl-prod" {
		t.Errorf("owner in the list = %q; want the renamed account", owner)
	}
	if desc := value(t, ctx, "row", chromedp.Text(chromedp.CSS(row))); !strings.Contains(desc, "Airflow prod") || !strings.Contains(desc, "airflow") {
		t.Errorf("row = %q; want the key's name and description", desc)
	}
	screenshot(t, ctx, "05-api-keys")

	// Revoke (the confirmation dialog is accepted); the API refuses the key.
	step(t, ctx, "revoke", chromedp.Click(chromedp.CSS(row+` a[data-revoke]`)), chromedp.WaitVisible(chromedp.ID("confirm-ok")), chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitVisible(chromedp.CSS(row+" .status-revoked")))
	if st := apiStatus(t, e, secret); st != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with the revoked key = %d; want 401", st)
	}

	// The audit log shows it all, from the real trail.
	step(t, ctx, "audit log", chromedp.Navigate(base+"/settings/audit"), chromedp.WaitVisible(chromedp.ID("audit-table")))
	html := value(t, ctx, "audit html", chromedp.OuterHTML(chromedp.ID("audit-table")))
	for _, a := range []string{"service_account.create", "service_account.update", "service_account.groups_set", "api_key.revoke", "session.login"} {
		if !strings.Contains(html, a) {
			t.Errorf("audit log lacks %s", a)
		}
	}
	screenshot(t, ctx, "06-audit-log")
	if os.Getenv("SIGNET_SCREENSHOTS") != "" {
		for i, p := range []string{"/settings/groups/" + service.DefaultViewGroupID, "/settings/roles/new", "/settings/workspaces", "/settings/account", "/settings/audit/" + events[0].ID} {
			step(t, ctx, "open "+p, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("main")))
			screenshot(t, ctx, fmt.Sprintf("%02d-%s", 10+i, strings.NewReplacer("/settings/", "", "/", "-").Replace(p)))
		}
	}

	// A narrow window is usable: no horizontal scrolling of the page itself.
	step(t, ctx, "narrow", chromedp.EmulateViewport(400, 800), chromedp.Navigate(base+"/settings/users"), chromedp.WaitVisible(chromedp.ID("users-table")))
	if wide := value(t, ctx, "page width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
		t.Errorf("at 400px the page scrolls sideways")
	}
	screenshot(t, ctx, "07-users-narrow")
	step(t, ctx, "wide again", chromedp.EmulateViewport(1280, 900))

	// Without a CSRF token a form post is refused.
	step(t, ctx, "post without csrf",
		chromedp.Navigate(base+"/settings/groups"),
		chromedp.WaitVisible(chromedp.CSS("main")),
		chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector('#create-group form'); f.querySelector('[name=csrf]').remove(); f.querySelector('[name=name]').value = 'x'; f.submit(); })()`),
		chromedp.WaitVisible(chromedp.CSS("p.error")),
	)
	if msg := value(t, ctx, "csrf refusal", chromedp.Text(chromedp.CSS("p.error"))); !strings.Contains(msg, "did not come from this site") {
		t.Errorf("refusal = %q", msg)
	}
	if title := value(t, ctx, "title", chromedp.Title()); !strings.HasPrefix(title, "Forbidden") {
		t.Errorf("page title = %q; want Forbidden (403)", title)
	}

	// A service account cannot sign in, in a separate browser profile.
	other, cancelOther := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelOther()
	if err := chromedp.Do(other); err != nil {
		t.Fatal(err)
	}
	signIn(t, other, base, "nightly-etl-prod", "any password at all")
	step(t, other, "refusal", chromedp.WaitVisible(chromedp.CSS("p.error")))
	if msg := value(t, other, "refusal text", chromedp.Text(chromedp.CSS("p.error"))); msg != "service accounts cannot sign in; they are for API and SDK use only" {
		t.Errorf("service account sign-in message = %q", msg)
	}
	screenshot(t, other, "08-service-account-login-refused")
}

// TestBrowserNonAdmin: a user holding View sees no admin action, and the
// server refuses one forced through.
func TestBrowserNonAdmin(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserNonAdmin) }

func testBrowserNonAdmin(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	e.human("Vic", "vic@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	ctx := newChrome(t)
	base := e.srv.URL
	signIn(t, ctx, base, "vic@example.com", adminPassword)
	step(t, ctx, "users page", chromedp.WaitVisible(chromedp.ID("users-table")))
	html := value(t, ctx, "html", chromedp.OuterHTML(chromedp.CSS("html")))
	for _, banned := range []string{"create-menu", "create-sa", "Create role", "Create group", "/delete"} {
		if strings.Contains(html, banned) {
			t.Errorf("a viewer's users page offers %q", banned)
		}
	}
	for _, p := range []string{"/settings/groups", "/settings/roles", "/settings/workspaces", "/settings/webhooks", "/settings/users/" + firstUserID(t, e)} {
		step(t, ctx, "open "+p, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("main")))
		html := value(t, ctx, "html", chromedp.OuterHTML(chromedp.CSS("main")))
		for _, banned := range []string{`method="post"`} {
			if strings.Contains(html, banned) {
				t.Errorf("%s offers a form to a viewer", p)
			}
		}
	}
	// Forcing the create form: refused by the service.
	step(t, ctx, "forced post",
		chromedp.Navigate(base+"/settings/users"),
		chromedp.WaitReady(chromedp.CSS("main")),
		chromedp.Evaluate[chromedp.Void](`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/settings/service-accounts';
			const c = document.querySelector('[name=csrf]').cloneNode(); f.appendChild(c);
			const n = document.createElement('input'); n.name = 'name'; n.value = 'sneaky'; f.appendChild(n);
			document.body.appendChild(f); f.submit(); })()`),
		chromedp.WaitVisible(chromedp.CSS("p.error")),
	)
	if msg := value(t, ctx, "refusal", chromedp.Text(chromedp.CSS("p.error"))); !strings.Contains(msg, "service_accounts:write") {
		t.Errorf("forced create = %q; want the permission refusal", msg)
	}
	if sas, _, _ := e.svc.ListUsers(e.ctx, signet.SystemActor, signet.UserFilter{Kind: signet.KindServiceAccount}); len(sas) != 0 {
		t.Errorf("a viewer created a service account")
	}
}

func firstUserID(t *testing.T, e *env) string {
	us, _, err := e.svc.ListUsers(e.ctx, signet.SystemActor, signet.UserFilter{Kind: signet.KindHuman})
	if err != nil || len(us) == 0 {
		t.Fatalf("ListUsers: %v", err)
	}
	for _, u := range us {
		if u.Email == adminEmail {
			return u.ID
		}
	}
	return us[0].ID
}

func assertNoSecret(t *testing.T, ctx context.Context, where, secret string) {
	t.Helper()
	html := value(t, ctx, "html of "+where, chromedp.OuterHTML(chromedp.CSS("html")))
	// The whole key, and its secret part alone.
	if strings.Contains(html, secret) || strings.Contains(html, secret[len(secret)-42:]) {
		t.Errorf("%s contains the key after its dialog was closed", where)
	}
}
