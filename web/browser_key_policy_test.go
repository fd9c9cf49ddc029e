package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// TestBrowserKeyPolicy is Settings → Key policy in a real browser: a
// refused value kept in the form, a tightened policy saved, the key made
// before it reported on the page and marked on the API keys page.
func TestBrowserKeyPolicy(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserKeyPolicy) }

func testBrowserKeyPolicy(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := e.svc.CreateServiceAccount(e.ctx, e.svc.ActorForUser(admin), service.CreateServiceAccountInput{Name: "legacy-etl", Key: &service.CreateKeyInput{Name: "forever"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := newChrome(t)
	base := e.srv.URL
	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "Settings → Key policy",
		chromedp.WaitVisible(chromedp.ID("users-table")),
		chromedp.Click(chromedp.CSS(`nav a[href="/settings/key-policy"]`)),
		chromedp.WaitVisible(chromedp.ID("key-policy-form")),
	)
	if txt := value(t, ctx, "summary", chromedp.Text(chromedp.ID("nc-summary"))); !strings.Contains(txt, "Every key complies") {
		t.Errorf("summary without a policy = %q; want every key compliant", txt)
	}

	step(t, ctx, "a refused value",
		chromedp.SendKeys(chromedp.ID("kp-max-sa"), "-5d"),
		chromedp.Click(chromedp.ID("save-key-policy")),
		chromedp.WaitVisible(chromedp.ID("key-policy-error")),
	)
	if v := value(t, ctx, "kept value", chromedp.Value(chromedp.ID("kp-max-sa"))); v != "-5d" {
		t.Errorf("value after the error = %q; want what was typed", v)
	}
	screenshot(t, ctx, "40-key-policy-error")

	step(t, ctx, "save a tightened policy",
		chromedp.SetValue(chromedp.ID("kp-max-sa"), "90d"),
		chromedp.Click(chromedp.ID("kp-require-expiry")),
		chromedp.Click(chromedp.ID("save-key-policy")),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
		chromedp.WaitVisible(chromedp.ID("non-compliant-table")),
	)
	if row := value(t, ctx, "row", chromedp.Text(chromedp.CSS(`#non-compliant-table tr[data-key-id="`+sa.Key.Key.ID+`"]`))); !strings.Contains(row, "legacy-etl") || !strings.Contains(row, "require_expiry") {
		t.Errorf("non-compliant row = %q; want the owner and the rule", row)
	}
	p, err := e.svc.GetKeyPolicy(e.ctx, signet.SystemActor)
	if err != nil || p.MaxLifetimeServiceAccount == 0 || !p.RequireExpiry {
		t.Errorf("policy after saving = %+v, %v; want 90d and expiry required", p, err)
	}
	screenshot(t, ctx, "41-key-policy-saved")

	step(t, ctx, "the API keys page, non-compliant only",
		chromedp.Click(chromedp.CSS(`nav a[href="/settings/api-keys"]`)),
		chromedp.WaitVisible(chromedp.ID("knoncompliant")),
		chromedp.Click(chromedp.ID("knoncompliant")),
		chromedp.Submit(chromedp.ID("knoncompliant")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key-id="`+sa.Key.Key.ID+`"] .policy-violation`)),
	)
}
