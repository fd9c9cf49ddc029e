package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// TestBrowserIdentityProviders is single sign-on's settings in a real
// browser: Settings → Identity providers from its empty state, a
// provider added through the dialog (an http issuer refused beside its
// field, the secret not sent back, a second mapping row added with
// "Add a mapping"), listed, edited keeping its secret; password sign-in
// turned off but for a break-glass administrator; the provider deleted
// through the confirmation dialog.
func TestBrowserIdentityProviders(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testBrowserIdentityProviders)
}

func testBrowserIdentityProviders(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	a := adminActor(t, e)
	eng, err := e.svc.CreateGroup(e.ctx, a, service.GroupInput{Name: "Engineers"})
	if err != nil {
		t.Fatal(err)
	}
	ops, err := e.svc.CreateGroup(e.ctx, a, service.GroupInput{Name: "Operators"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := newChrome(t)
	base := e.srv.URL
	// noSecret fails the test if the page holds the secret typed.
	noSecret := func(where string) {
		t.Helper()
		if html := value(t, ctx, "html of "+where, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, idpSecret) {
			t.Errorf("%s: the page holds the client secret", where)
		}
	}

	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "Settings → Identity providers",
		chromedp.WaitVisible(chromedp.ID("users-table")),
		chromedp.Click(chromedp.CSS(`nav a[href="/settings/identity-providers"]`)),
		chromedp.WaitVisible(chromedp.ID("providers-empty")),
	)
	if txt := value(t, ctx, "empty state", chromedp.Text(chromedp.ID("providers-empty"))); !strings.Contains(txt, "single sign-on service (OpenID Connect)") || !strings.Contains(txt, "Add provider") {
		t.Errorf("empty state = %q; want what a provider is and how to add one", txt)
	}
	if v := value(t, ctx, "redirect URL", chromedp.Value(chromedp.ID("redirect-url"))); v != base+"/login/sso/callback" {
		t.Errorf("redirect URL = %q; want %s/login/sso/callback", v, base)
	}
	screenshot(t, ctx, "40-identity-providers-empty")

	// An http issuer the service refuses: its message beside the field,
	// what was typed kept but the secret.
	const row2 = `#create-provider [data-mapping-row]:nth-of-type(2) `
	step(t, ctx, "add with an http issuer",
		chromedp.Click(chromedp.ID("open-create-provider")),
		chromedp.WaitVisible(chromedp.ID("create-provider-name")),
		chromedp.SendKeys(chromedp.ID("create-provider-name"), "Corp IdP"),
		chromedp.SendKeys(chromedp.ID("create-provider-issuer"), "http://login.corp.example"),
		chromedp.SendKeys(chromedp.ID("create-provider-client-id"), "signet-ui"),
		chromedp.SendKeys(chromedp.ID("create-provider-client-secret"), idpSecret),
		chromedp.SendKeys(chromedp.ID("create-provider-domains"), "example.com"),
		chromedp.Click(chromedp.ID("create-provider-jit")),
		chromedp.SendKeys(chromedp.ID("create-provider-groups-claim"), "groups"),
		chromedp.SendKeys(chromedp.CSS(`#create-provider [data-mapping-row] input[name=mapping_value]`), "eng"),
		chromedp.SetValue(chromedp.CSS(`#create-provider [data-mapping-row] select`), eng.ID),
		chromedp.Click(chromedp.CSS(`#create-provider [data-add-row]`)),
		chromedp.WaitVisible(chromedp.CSS(row2+`input[name=mapping_value]`)),
		chromedp.SendKeys(chromedp.CSS(row2+`input[name=mapping_value]`), "ops"),
		chromedp.SetValue(chromedp.CSS(row2+`select`), ops.ID),
		chromedp.Click(chromedp.ID("create-provider-submit")),
		chromedp.WaitVisible(chromedp.ID("create-provider-issuer-error")),
	)
	if msg := value(t, ctx, "error", chromedp.Text(chromedp.ID("create-provider-issuer-error"))); !strings.Contains(msg, "must use https") {
		t.Errorf("error beside the issuer = %q; want the service's message", msg)
	}
	if v := value(t, ctx, "aria-invalid", chromedp.Evaluate[string](`document.getElementById("create-provider-issuer").getAttribute("aria-invalid")`)); v != "true" {
		t.Errorf("issuer aria-invalid = %q; want true", v)
	}
	if v := value(t, ctx, "secret after the error", chromedp.Value(chromedp.ID("create-provider-client-secret"))); v != "" {
		t.Errorf("the client secret input after the error holds %d characters; want none", len(v))
	}
	if v := value(t, ctx, "second mapping kept", chromedp.Value(chromedp.CSS(row2+`select`))); v != ops.ID {
		t.Errorf("the second mapping's group after the error = %q; want %s", v, ops.ID)
	}
	noSecret("the refused dialog")
	screenshot(t, ctx, "41-identity-provider-add-error")

	step(t, ctx, "add",
		chromedp.SetValue(chromedp.ID("create-provider-issuer"), "https://login.corp.example"),
		chromedp.SendKeys(chromedp.ID("create-provider-client-secret"), idpSecret),
		chromedp.Click(chromedp.ID("create-provider-submit")),
		chromedp.WaitVisible(chromedp.ID("providers-table")),
	)
	list, err := e.svc.ListOIDCProviders(e.ctx, a)
	if err != nil || len(list) != 1 {
		t.Fatalf("providers = %v, %v; want the one added", list, err)
	}
	p := list[0]
	if len(p.GroupMappings) != 2 || !p.JITCreate || !p.Enabled {
		t.Errorf("the provider added = %+v; want two mappings, JIT creation, enabled", p)
	}
	row := value(t, ctx, "row", chromedp.Text(chromedp.CSS(`tr[data-provider-id="`+p.ID+`"]`)))
	for _, want := range []string{"Corp IdP", "https://login.corp.example", "signet-ui", "enabled", "created at first sign-in", "2", "example.com"} {
		if !strings.Contains(row, want) {
			t.Errorf("provider row = %q; want %q", row, want)
		}
	}
	noSecret("the list")
	screenshot(t, ctx, "42-identity-providers")

	// Edit, keeping the secret.
	step(t, ctx, "edit",
		chromedp.Click(chromedp.ID("edit-provider-"+p.ID)),
		chromedp.WaitVisible(chromedp.ID("edit-"+p.ID+"-name")),
	)
	if v := value(t, ctx, "secret in the edit dialog", chromedp.Value(chromedp.ID("edit-"+p.ID+"-client-secret"))); v != "" {
		t.Errorf("the edit dialog's secret input holds %d characters; want none", len(v))
	}
	step(t, ctx, "save the edit",
		chromedp.SetValue(chromedp.ID("edit-"+p.ID+"-name"), "Corp SSO"),
		chromedp.Click(chromedp.ID("edit-"+p.ID+"-submit")),
		// The page after adding has a notice too: wait for this one.
		chromedp.WaitVisible(`//p[@class="notice" and normalize-space()="Saved."]`),
	)
	if got, err := e.svc.GetOIDCProvider(e.ctx, a, p.ID); err != nil || got.Name != "Corp SSO" || len(got.GroupMappings) != 2 {
		t.Errorf("after editing: %+v, %v", got, err)
	}
	if d := lastProviderUpdate(t, e); d["client_secret_changed"] != nil {
		t.Errorf("an edit with an empty secret changed it: %v", d)
	}
	if row := value(t, ctx, "row", chromedp.Text(chromedp.CSS(`tr[data-provider-id="`+p.ID+`"]`))); !strings.Contains(row, "Corp SSO") {
		t.Errorf("provider row after editing = %q; want the new name", row)
	}

	// Password sign-in off, but for the administrator.
	adminID := e.adminID(t)
	step(t, ctx, "password sign-in off",
		chromedp.Click(chromedp.ID("pl-off")),
		chromedp.SetValue(chromedp.ID("pl-break-glass"), adminID),
		chromedp.Click(chromedp.ID("save-password-login")),
		chromedp.WaitVisible(`//p[@class="notice" and starts-with(normalize-space(), "Password sign-in is off")]`),
	)
	if txt := value(t, ctx, "state", chromedp.Text(chromedp.ID("password-login-state"))); !strings.Contains(txt, "Only Ada, the break-glass administrator") {
		t.Errorf("password sign-in state = %q; want off but for Ada", txt)
	}
	if pw, err := e.svc.PasswordLogin(e.ctx, a); err != nil || !pw.Disabled || pw.BreakGlassUserID != adminID {
		t.Errorf("password sign-in = %+v, %v; want off but for the administrator", pw, err)
	}
	screenshot(t, ctx, "43-password-sign-in-off")

	// Delete, confirmed in the in-page dialog.
	step(t, ctx, "delete",
		chromedp.Click(chromedp.ID("delete-provider-"+p.ID)),
		chromedp.WaitVisible(chromedp.ID("confirm-ok")),
	)
	if txt := value(t, ctx, "confirmation", chromedp.Text(chromedp.ID("confirm-text"))); !strings.Contains(txt, "Nobody can sign in with it any more") {
		t.Errorf("the deletion's question = %q; want what it does", txt)
	}
	step(t, ctx, "confirm the deletion", chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitVisible(chromedp.ID("providers-empty")))
	if _, err := e.svc.GetOIDCProvider(e.ctx, a, p.ID); signet.ErrorCode(err) != signet.ENOTFOUND {
		t.Errorf("after delete: %v; want ENOTFOUND", err)
	}
}
