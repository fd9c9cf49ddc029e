package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
)

// TestBrowserAudiences is short-lived tokens' settings in a real browser:
// Settings → Audiences from its empty state, an identifier refused beside
// its field, an audience created and listed, the signing key rotated
// through the confirmation dialog; then, in a phone-sized window, a
// service account's public keys: a pasted private key refused, a public
// key added and listed, and deleted through the confirmation dialog.
func TestBrowserAudiences(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserAudiences) }

func testBrowserAudiences(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	sa := newSA(t, e, "billing-svc")
	ctx := newChrome(t)
	base := e.srv.URL

	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "Settings → Audiences",
		chromedp.WaitVisible(chromedp.ID("users-table")),
		chromedp.Click(chromedp.CSS(`nav a[href="/settings/audiences"]`)),
		chromedp.WaitVisible(chromedp.ID("audiences-empty")),
	)
	if txt := value(t, ctx, "empty state", chromedp.Text(chromedp.ID("audiences-empty"))); !strings.Contains(txt, "a service that accepts Signet's short-lived tokens; tokens name it in aud") || !strings.Contains(txt, "Create audience") {
		t.Errorf("empty state = %q; want what an audience is and how to add one", txt)
	}
	screenshot(t, ctx, "30-audiences-empty")

	// An identifier the service refuses: its message beside the field.
	step(t, ctx, "create with a space in the identifier",
		chromedp.Click(chromedp.ID("open-create-audience")),
		chromedp.WaitVisible(chromedp.ID("create-audience-identifier")),
		chromedp.SendKeys(chromedp.ID("create-audience-identifier"), "billing service"),
		chromedp.SendKeys(chromedp.ID("create-audience-description"), "Billing API"),
		chromedp.SetValue(chromedp.ID("create-audience-account"), sa.ID),
		chromedp.SendKeys(chromedp.ID("create-audience-lifetime"), "5m"),
		chromedp.Click(chromedp.ID("create-audience-submit")),
		chromedp.WaitVisible(chromedp.ID("create-audience-identifier-error")),
	)
	if msg := value(t, ctx, "error", chromedp.Text(chromedp.ID("create-audience-identifier-error"))); !strings.Contains(msg, "without spaces") {
		t.Errorf("error beside the identifier = %q; want the service's message", msg)
	}
	if v := value(t, ctx, "aria-invalid", chromedp.Evaluate[string](`document.getElementById("create-audience-identifier").getAttribute("aria-invalid")`)); v != "true" {
		t.Errorf("identifier aria-invalid = %q; want true", v)
	}
	if v := value(t, ctx, "kept account", chromedp.Value(chromedp.ID("create-audience-account"))); v != sa.ID {
		t.Errorf("service account after the error = %q; want %s", v, sa.ID)
	}
	screenshot(t, ctx, "31-audience-create-error")

	step(t, ctx, "create",
		chromedp.SetValue(chromedp.ID("create-audience-identifier"), "https://billing.internal"),
		chromedp.Click(chromedp.ID("create-audience-submit")),
		chromedp.WaitVisible(chromedp.ID("audiences-table")),
	)
	auds, _, err := e.svc.ListAudiences(e.ctx, signet.SystemActor, signet.Page{})
	if err != nil || len(auds) != 1 {
		t.Fatalf("audiences = %v, %v; want the one created", auds, err)
	}
	row := value(t, ctx, "row", chromedp.Text(chromedp.CSS(`tr[data-audience-id="`+auds[0].ID+`"]`)))
	for _, want := range []string{"https://billing.internal", "Billing API", "billing-svc", "5m"} {
		if !strings.Contains(row, want) {
			t.Errorf("audience row = %q; want %q", row, want)
		}
	}

	// Rotate now, confirmed in the in-page dialog.
	step(t, ctx, "rotate the signing key",
		chromedp.Click(chromedp.ID("rotate-signing-key")),
		chromedp.WaitVisible(chromedp.ID("confirm-ok")),
	)
	if txt := value(t, ctx, "confirmation", chromedp.Text(chromedp.ID("confirm-text"))); !strings.Contains(txt, "keep verifying until it leaves the JWKS") {
		t.Errorf("the rotation's question = %q; want what happens to tokens already signed", txt)
	}
	step(t, ctx, "confirm the rotation", chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitVisible(chromedp.ID("signing-keys-table")))
	if txt := value(t, ctx, "signing keys", chromedp.Text(chromedp.ID("signing-keys-table"))); !strings.Contains(txt, "signing") {
		t.Errorf("signing keys = %q; want the new key signing", txt)
	}
	screenshot(t, ctx, "32-audiences")

	// A phone-sized window: the service account's public keys.
	pub, priv := publicPEM(t)
	page := base + "/settings/users/" + sa.ID
	step(t, ctx, "narrow: the service account's page",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.ID("public-keys-empty")),
	)
	for _, p := range layoutProblems(t, ctx, rowActions) {
		t.Errorf("the service account's page at 390px: %s", p)
	}
	step(t, ctx, "add a private key",
		chromedp.Click(chromedp.ID("open-add-public-key")),
		chromedp.WaitVisible(chromedp.ID("pk-name")),
		chromedp.SendKeys(chromedp.ID("pk-name"), "ci-signer"),
		chromedp.SetValue(chromedp.ID("pk-key"), priv),
		chromedp.Click(chromedp.ID("add-public-key-submit")),
		chromedp.WaitVisible(chromedp.ID("pk-key-error")),
	)
	if msg := value(t, ctx, "error", chromedp.Text(chromedp.ID("pk-key-error"))); !strings.Contains(msg, "never a private key") {
		t.Errorf("error beside the key = %q; want the service's refusal", msg)
	}
	if v := value(t, ctx, "textarea", chromedp.Value(chromedp.ID("pk-key"))); strings.Contains(v, "PRIVATE") {
		t.Errorf("the page sent the private key back into the form")
	}
	for _, p := range layoutProblems(t, ctx, "") {
		t.Errorf("the add-public-key dialog at 390px: %s", p)
	}
	screenshot(t, ctx, "33-public-key-error-narrow")
	step(t, ctx, "add the public key",
		chromedp.SetValue(chromedp.ID("pk-key"), pub),
		chromedp.Click(chromedp.ID("add-public-key-submit")),
		chromedp.WaitVisible(chromedp.ID("public-keys-table")),
	)
	keys, err := e.svc.ListClientKeys(e.ctx, signet.SystemActor, sa.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("client keys = %v, %v; want the one added", keys, err)
	}
	row = value(t, ctx, "key row", chromedp.Text(chromedp.CSS(`tr[data-public-key-id="`+keys[0].ID+`"]`)))
	for _, want := range []string{"ci-signer", "EdDSA", keys[0].Thumbprint, "Ada"} {
		if !strings.Contains(row, want) {
			t.Errorf("public key row = %q; want %q", row, want)
		}
	}
	for _, p := range layoutProblems(t, ctx, rowActions) {
		t.Errorf("the public keys at 390px: %s", p)
	}
	screenshot(t, ctx, "34-public-keys-narrow")
	step(t, ctx, "delete the public key",
		chromedp.Click(chromedp.CSS(`tr[data-public-key-id="`+keys[0].ID+`"] a.danger`)),
		chromedp.WaitVisible(chromedp.ID("confirm-ok")),
		chromedp.Click(chromedp.ID("confirm-ok")),
		chromedp.WaitVisible(chromedp.ID("public-keys-empty")),
	)
	if keys, _ := e.svc.ListClientKeys(e.ctx, signet.SystemActor, sa.ID); len(keys) != 0 {
		t.Errorf("client keys after delete = %d", len(keys))
	}
}
