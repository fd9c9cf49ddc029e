package web_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
)

// TestBrowserWebhooks is Settings → Webhooks in a real browser: the empty
// state, a refused URL with the input kept, the signing secret shown once
// and copied, a test event in the delivery log, its attempts, redelivery,
// rotation, disable/enable and delete.
func TestBrowserWebhooks(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserWebhooks) }

func testBrowserWebhooks(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	rc := newReceiver(t)
	ctx := newChrome(t)
	base := e.srv.URL
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true}, Setting: cdpbrowser.PermissionSettingGranted, Origin: base,
		}); err != nil {
			t.Logf("granting %s: %v (the copy check falls back to the copy target)", name, err)
		}
	}
	checked := func(sel string) bool {
		t.Helper()
		return value(t, ctx, "checked "+sel, chromedp.Evaluate[bool](`document.querySelector(`+"`"+sel+"`"+`).checked`))
	}

	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "Settings → Webhooks",
		chromedp.WaitVisible(chromedp.ID("users-table")),
		chromedp.Click(chromedp.CSS(`nav a[href="/settings/webhooks"]`)),
		chromedp.WaitVisible(chromedp.ID("webhooks-empty")),
	)
	if txt := value(t, ctx, "empty state", chromedp.Text(chromedp.ID("webhooks-empty"))); !strings.Contains(txt, "HTTP POST") || !strings.Contains(txt, "Create webhook") {
		t.Errorf("empty state = %q; want what a webhook is for and how to add one", txt)
	}
	screenshot(t, ctx, "20-webhooks-empty")

	// A URL the service refuses: its message in the dialog, the input kept.
	step(t, ctx, "create with an ftp URL",
		chromedp.Click(chromedp.ID("open-create-webhook")),
		chromedp.WaitVisible(chromedp.ID("wh-url")),
		chromedp.SendKeys(chromedp.ID("wh-url"), "ftp://receiver.example.com/hook"),
		chromedp.SendKeys(chromedp.ID("wh-description"), "SIEM feed"),
		chromedp.Click(chromedp.CSS(`#create-webhook input[value="api_key.*"]`)),
		chromedp.Click(chromedp.CSS(`#create-webhook input[value="user.disable"]`)),
		chromedp.Click(chromedp.ID("create-webhook-submit")),
		chromedp.WaitVisible(chromedp.ID("wh-url-error")),
	)
	if msg := value(t, ctx, "error", chromedp.Text(chromedp.ID("wh-url-error"))); !strings.Contains(msg, "http:// or https://") {
		t.Errorf("error beside the URL = %q; want the service's message", msg)
	}
	if v := value(t, ctx, "URL aria-invalid", chromedp.Evaluate[string](`document.getElementById("wh-url").getAttribute("aria-invalid")`)); v != "true" {
		t.Errorf("URL aria-invalid = %q; want true", v)
	}
	if v := value(t, ctx, "kept URL", chromedp.Value(chromedp.ID("wh-url"))); v != "ftp://receiver.example.com/hook" {
		t.Errorf("URL after the error = %q; want what was typed", v)
	}
	if !checked(`#create-webhook input[value="api_key.*"]`) || !checked(`#create-webhook input[value="user.disable"]`) || !checked(`#wh-enabled`) {
		t.Errorf("the ticked boxes were not kept after the error")
	}
	screenshot(t, ctx, "21-webhook-create-error")

	// Created: the secret shown once, copied, and gone after Done.
	step(t, ctx, "create",
		chromedp.SetValue(chromedp.ID("wh-url"), rc.srv.URL+"/hook"),
		chromedp.Click(chromedp.ID("create-webhook-submit")),
		chromedp.WaitVisible(chromedp.ID("show-key")),
	)
	secret := value(t, ctx, "secret", chromedp.Value(chromedp.ID("new-key")))
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("shown secret = %q; want a whsec_ secret", secret)
	}
	if w := value(t, ctx, "warning", chromedp.Text(chromedp.CSS("#show-key .warning"))); !strings.Contains(w, "only be shown once") || !strings.Contains(w, "cannot be retrieved after closing") {
		t.Errorf("show-once warning = %q", w)
	}
	screenshot(t, ctx, "22-webhook-secret-once")
	step(t, ctx, "copy", chromedp.Click(chromedp.ID("copy-key")), chromedp.WaitReady(chromedp.CSS(`#copy-key[data-copied="true"]`)))
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	clip, err := chromedp.Run(sctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	cancel()
	if err == nil && clip != secret {
		t.Errorf("clipboard = %q; want exactly the secret", clip)
	}
	eps, _, err := e.svc.ListWebhookEndpoints(e.ctx, signet.SystemActor, signet.Page{})
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints = %v, %v; want the one created", eps, err)
	}
	page := base + "/settings/webhooks/" + eps[0].ID
	step(t, ctx, "done", chromedp.Click(chromedp.ID("key-done")), chromedp.WaitNotPresent(chromedp.ID("show-key")), chromedp.WaitVisible(chromedp.ID("deliveries")))
	if loc := value(t, ctx, "location", chromedp.Location()); loc != page {
		t.Errorf("after Done the page is %s; want %s", loc, page)
	}
	assertNoSecret(t, ctx, "the endpoint page", secret)
	step(t, ctx, "list", chromedp.Navigate(base+"/settings/webhooks"), chromedp.WaitVisible(chromedp.ID("webhooks-table")))
	assertNoSecret(t, ctx, "the list", secret)
	if row := value(t, ctx, "row", chromedp.Text(chromedp.CSS(`tr[data-webhook-id="`+eps[0].ID+`"]`))); !strings.Contains(row, "SIEM feed") || !strings.Contains(row, "api_key.*, user.disable") || !strings.Contains(row, "enabled") {
		t.Errorf("list row = %q; want the description, event types and status", row)
	}

	// Send test event: it shows in the log; the receiver fails it; its
	// attempt shows on the delivery's page.
	step(t, ctx, "send a test event",
		chromedp.Click(chromedp.CSS(`tr[data-webhook-id="`+eps[0].ID+`"] a`)),
		chromedp.WaitVisible(chromedp.ID("send-test")),
		chromedp.Click(chromedp.ID("send-test")),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries-table tr[data-delivery-id]`)),
	)
	if row := value(t, ctx, "delivery row", chromedp.Text(chromedp.CSS(`#deliveries-table tr[data-delivery-id]`))); !strings.Contains(row, "webhook.test") || !strings.Contains(row, "pending") {
		t.Errorf("delivery row = %q; want the pending test event", row)
	}
	e.dispatch(t)
	step(t, ctx, "attempts",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries-table tr[data-delivery-id]`)),
		chromedp.Click(chromedp.CSS(`#deliveries-table tr[data-delivery-id] td:last-child a`)),
		chromedp.WaitVisible(chromedp.ID("attempts-table")),
	)
	if txt := value(t, ctx, "attempts", chromedp.Text(chromedp.ID("attempts-table"))); !strings.Contains(txt, "500") || !strings.Contains(txt, "database down") {
		t.Errorf("attempts = %q; want the 500 and the answer", txt)
	}
	screenshot(t, ctx, "23-webhook-delivery")
	rc.status.Store(http.StatusOK)
	step(t, ctx, "redeliver",
		chromedp.Click(chromedp.ID("redeliver")),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries-table tr[data-delivery-id]:nth-child(2)`)),
	)
	screenshot(t, ctx, "24-webhook-endpoint")

	// Rotate with an overlap: a new secret, shown once.
	step(t, ctx, "rotate",
		chromedp.SetValue(chromedp.ID("rotate-overlap"), "1h"),
		chromedp.Click(chromedp.ID("rotate-secret")),
		chromedp.WaitVisible(chromedp.ID("confirm-ok")), chromedp.Click(chromedp.ID("confirm-ok")),
		chromedp.WaitVisible(chromedp.ID("show-key")),
	)
	rotated := value(t, ctx, "rotated secret", chromedp.Value(chromedp.ID("new-key")))
	if !strings.HasPrefix(rotated, "whsec_") || rotated == secret {
		t.Errorf("rotated secret = %q; want a new one", rotated)
	}
	step(t, ctx, "done after rotating", chromedp.Click(chromedp.ID("key-done")), chromedp.WaitNotPresent(chromedp.ID("show-key")), chromedp.WaitVisible(chromedp.ID("deliveries")))
	assertNoSecret(t, ctx, "the endpoint page after rotating", rotated)

	// Disable, enable, delete (the confirmations are accepted in the in-page dialog).
	step(t, ctx, "disable", chromedp.Click(chromedp.ID("disable-webhook")), chromedp.WaitVisible(chromedp.ID("confirm-ok")), chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitVisible(chromedp.ID("enable-webhook")))
	if msg := value(t, ctx, "reason", chromedp.Text(chromedp.CSS("[data-disabled-reason]"))); !strings.Contains(msg, "Disabled by an administrator") {
		t.Errorf("disabled reason = %q", msg)
	}
	step(t, ctx, "enable", chromedp.Click(chromedp.ID("enable-webhook")), chromedp.WaitVisible(chromedp.ID("disable-webhook")))

	// A narrow window is usable: no horizontal scrolling of the page itself.
	for _, p := range []string{page, base + "/settings/webhooks?dialog=create-webhook"} {
		step(t, ctx, "narrow "+p, chromedp.EmulateViewport(400, 800), chromedp.Navigate(p), chromedp.WaitReady(chromedp.CSS("main")))
		if wide := value(t, ctx, "page width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
			wide := value(t, ctx, "widest", chromedp.Evaluate[string](`[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join(' | ')`))
			t.Errorf("at 400px %s scrolls sideways: %s", p, wide)
		}
	}
	step(t, ctx, "wide again", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("delete-webhook")))
	step(t, ctx, "delete", chromedp.Click(chromedp.ID("delete-webhook")), chromedp.WaitVisible(chromedp.ID("confirm-ok")), chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitVisible(chromedp.ID("webhooks-empty")))
	if eps, _, _ := e.svc.ListWebhookEndpoints(e.ctx, signet.SystemActor, signet.Page{}); len(eps) != 0 {
		t.Errorf("endpoints after delete = %d", len(eps))
	}
	if os.Getenv("SIGNET_SCREENSHOTS") != "" {
		screenshot(t, ctx, "25-webhooks-deleted")
	}
}
