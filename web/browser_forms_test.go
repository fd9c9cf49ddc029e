package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// TestBrowserForms: the create-service-account dialog starts with one role
// row and adds more on demand, with Create in view at 1280×900; the Create
// menu closes on an outside click; an error shows beside its field with
// what was typed kept; a destructive action asks in a dialog that names
// its consequence, and Cancel leaves things alone; deleting a service
// account with active keys wants its name typed.
func TestBrowserForms(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserForms) }

func testBrowserForms(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	ctx := newChrome(t)
	base := e.srv.URL
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	actor := e.svc.ActorForUser(admin)
	sa, err := e.svc.CreateServiceAccount(e.ctx, actor, service.CreateServiceAccountInput{Name: "nightly-etl",
		Key: &service.CreateKeyInput{Name: "airflow"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateServiceAccount(e.ctx, actor, service.CreateServiceAccountInput{Name: "billing-sync"}); err != nil {
		t.Fatal(err)
	}
	js := func(what, expr string) string {
		t.Helper()
		return value(t, ctx, what, chromedp.Evaluate[string](expr))
	}
	jsBool := func(what, expr string) bool { t.Helper(); return value(t, ctx, what, chromedp.Evaluate[bool](expr)) }

	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "users page", chromedp.WaitVisible(chromedp.ID("users-table")))

	// The Create menu: a menu button that closes on a click outside.
	if got := js("menu button", `[document.querySelector("#create-menu summary").getAttribute("aria-haspopup"), document.querySelector("#create-menu ul").getAttribute("role"), document.getElementById("create-sa-item").getAttribute("role")].join(",")`); got != "menu,menu,menuitem" {
		t.Errorf("Create menu roles = %q; want menu,menu,menuitem", got)
	}
	// (aria-expanded follows the toggle event, which comes a moment later.)
	step(t, ctx, "open the menu", chromedp.Click(chromedp.CSS("#create-menu summary")), chromedp.WaitVisible(chromedp.ID("create-sa-item")),
		chromedp.WaitReady(chromedp.CSS(`#create-menu summary[aria-expanded="true"]`)))
	step(t, ctx, "click outside", chromedp.Click(chromedp.CSS("h1")),
		chromedp.WaitReady(chromedp.CSS(`#create-menu summary[aria-expanded="false"]`)))
	if jsBool("menu open", `document.getElementById("create-menu").open`) {
		t.Errorf("the menu stays open after a click outside")
	}

	// The dialog: one role row, "Add a role" adds one, Create in view.
	step(t, ctx, "open the dialog",
		chromedp.Click(chromedp.CSS("#create-menu summary")),
		chromedp.WaitVisible(chromedp.ID("create-sa-item")),
		chromedp.Click(chromedp.ID("create-sa-item")),
		chromedp.WaitVisible(chromedp.ID("sa-name")),
	)
	rows := func() string {
		return js("rows", `String(document.querySelectorAll("#create-sa [data-grant-row]").length)`)
	}
	if n := rows(); n != "1" {
		t.Errorf("role rows on opening = %s; want 1", n)
	}
	inView := `(() => { const r = document.getElementById("create-sa-submit").getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; })()`
	if !jsBool("Create in view", inView) {
		t.Errorf("Create is not in view at 1280×900 without scrolling")
	}
	if w := js("select weight", `getComputedStyle(document.querySelector("#create-sa select[name=grant_role]")).fontWeight`); w != "400" {
		t.Errorf("role select font-weight = %s; want 400", w)
	}
	step(t, ctx, "add a role", chromedp.Click(chromedp.CSS("#create-sa [data-add-row]")))
	if n := rows(); n != "2" {
		t.Errorf("role rows after Add a role = %s; want 2", n)
	}
	step(t, ctx, "add three more", chromedp.Click(chromedp.CSS("#create-sa [data-add-row]")), chromedp.Click(chromedp.CSS("#create-sa [data-add-row]")),
		chromedp.Click(chromedp.CSS("#create-sa [data-add-row]")), chromedp.Click(chromedp.CSS("#create-sa [data-add-row]")))
	if !jsBool("Create in view", inView) {
		t.Errorf("with many rows, Create is not in view (the dialog body should scroll)")
	}

	// A duplicate name: the error beside the name, what was typed kept.
	step(t, ctx, "a duplicate name",
		chromedp.SendKeys(chromedp.ID("sa-name"), "billing-sync"),
		chromedp.SendKeys(chromedp.ID("sa-description"), "copies invoices"),
		chromedp.Click(chromedp.ID("create-sa-submit")),
		chromedp.WaitVisible(chromedp.ID("sa-name-error")),
	)
	if got := js("error", `document.getElementById("sa-name-error").textContent`); !strings.Contains(got, "A service account named \"billing-sync\" already exists.") {
		t.Errorf("error beside the name = %q", got)
	}
	if got := js("aria", `["aria-invalid","aria-describedby"].map(a => document.getElementById("sa-name").getAttribute(a)).join(" ")`); got != "true sa-name-error" {
		t.Errorf("name aria-invalid, aria-describedby = %q; want \"true sa-name-error\"", got)
	}
	if got := js("kept", `document.getElementById("sa-name").value + "|" + document.getElementById("sa-description").value`); got != "billing-sync|copies invoices" {
		t.Errorf("typed values after the error = %q", got)
	}
	if got := js("focus", `document.activeElement.id`); got != "sa-name" {
		t.Errorf("focus after the error = %q; want the name", got)
	}

	// Renaming to a duplicate on the edit page keeps what was typed.
	edit := base + "/settings/users/" + sa.User.ID
	step(t, ctx, "rename to a duplicate", chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SetValue(chromedp.ID("name"), "billing-sync"), chromedp.Click(chromedp.ID("save-details")),
		chromedp.WaitVisible(chromedp.ID("name-error")))
	if got := js("kept", `document.getElementById("name").value + "|" + document.getElementById("name").getAttribute("aria-invalid")`); got != "billing-sync|true" {
		t.Errorf("name after a failed rename = %q; want what was typed, marked invalid", got)
	}

	// Revoke: the dialog names the consequence; Cancel leaves the key.
	keys, _, err := e.svc.ListAPIKeys(e.ctx, actor, signet.APIKeyFilter{OwnerID: sa.User.ID})
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %v, %v", keys, err)
	}
	step(t, ctx, "ask to revoke", chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.CSS("a[data-revoke]")),
		chromedp.Click(chromedp.CSS("a[data-revoke]")), chromedp.WaitVisible(chromedp.ID("confirm-dialog")))
	if got := js("question", `document.getElementById("confirm-title").textContent + " " + document.getElementById("confirm-text").textContent`); !strings.Contains(got, "Revoke the API key “airflow”?") || !strings.Contains(got, "stops working at once") {
		t.Errorf("confirmation = %q; want the key and the consequence", got)
	}
	if got := js("focus", `document.activeElement.id`); got != "confirm-cancel" {
		t.Errorf("focus in the confirmation = %q; want Cancel", got)
	}
	step(t, ctx, "cancel", chromedp.Click(chromedp.ID("confirm-cancel")), chromedp.WaitNotVisible(chromedp.ID("confirm-dialog")))
	if k, err := e.svc.GetAPIKey(e.ctx, actor, keys[0].ID); err != nil || k.RevokedAt != nil {
		t.Errorf("after Cancel the key is revoked (%v)", err)
	}

	// Delete: the account has an active key, so its name is asked for;
	// a wrong name is refused by the server even when the button is
	// forced.
	step(t, ctx, "ask to delete", chromedp.Click(chromedp.ID("delete-user")), chromedp.WaitVisible(chromedp.ID("confirm-name")))
	if !jsBool("disabled", `document.getElementById("confirm-ok").disabled`) {
		t.Errorf("the delete button is enabled before the name is typed")
	}
	step(t, ctx, "type a wrong name and force the button", chromedp.SendKeys(chromedp.ID("confirm-name"), "nightly"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("confirm-ok").disabled = false`),
		chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitVisible(chromedp.ID("confirm-page-name-error")))
	if _, err := e.svc.GetUser(e.ctx, actor, sa.User.ID); err != nil {
		t.Errorf("a wrong name deleted the service account: %v", err)
	}
	step(t, ctx, "type the name", chromedp.SendKeys(chromedp.ID("confirm-page-name"), "nightly-etl"),
		chromedp.Click(chromedp.ID("confirm-page-ok")), chromedp.WaitVisible(chromedp.ID("users-table")))
	if _, err := e.svc.GetUser(e.ctx, actor, sa.User.ID); signet.ErrorCode(err) != signet.ENOTFOUND {
		t.Errorf("after typing the name, GetUser = %v; want not found", err)
	}
}

// TestBrowserAccount: a human changes their password on the account page
// (a wrong current password is refused beside its field), and sees and
// ends their other sessions.
func TestBrowserAccount(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserAccount) }

func testBrowserAccount(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	ctx := newChrome(t)
	base := e.srv.URL
	other := e.browser()
	other.login(adminEmail, adminPassword)
	js := func(what, expr string) string {
		t.Helper()
		return value(t, ctx, what, chromedp.Evaluate[string](expr))
	}

	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "account page", chromedp.WaitVisible(chromedp.ID("users-table")), chromedp.Navigate(base+"/settings/account"),
		chromedp.WaitVisible(chromedp.ID("sessions-title")))
	if n := js("sessions", `String(document.querySelectorAll("#main tbody tr").length)`); n != "2" {
		t.Errorf("sessions listed = %s; want 2", n)
	}

	// End the other session, through the confirmation dialog.
	step(t, ctx, "end the other session", chromedp.Click(chromedp.CSS("a[data-session]")), chromedp.WaitVisible(chromedp.ID("confirm-ok")),
		chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if n := js("sessions", `String(document.querySelectorAll("#main tbody tr").length)`); n != "1" {
		t.Errorf("sessions listed after ending one = %s; want 1", n)
	}
	if r := other.get("/settings/users"); r.status != 303 {
		t.Errorf("the ended session still works: %d", r.status)
	}

	// A wrong current password: refused beside its field.
	const next = "a brand new passphrase"
	step(t, ctx, "wrong current password",
		chromedp.SendKeys(chromedp.ID("pw-current"), "not my password"),
		chromedp.SendKeys(chromedp.ID("pw-new"), next),
		chromedp.SendKeys(chromedp.ID("pw-confirm"), next),
		chromedp.Click(chromedp.ID("change-password")),
		chromedp.WaitVisible(chromedp.ID("pw-current-error")))
	if got := js("aria", `document.getElementById("pw-current").getAttribute("aria-describedby")`); got != "pw-current-error" {
		t.Errorf("current password aria-describedby = %q", got)
	}
	step(t, ctx, "right current password",
		chromedp.SendKeys(chromedp.ID("pw-current"), adminPassword),
		chromedp.SendKeys(chromedp.ID("pw-new"), next),
		chromedp.SendKeys(chromedp.ID("pw-confirm"), next),
		chromedp.Click(chromedp.ID("change-password")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if got := js("notice", `document.querySelector("p.notice").textContent`); !strings.Contains(got, "Your password has been changed") {
		t.Errorf("notice = %q", got)
	}
	again := e.browser()
	again.login(adminEmail, next)
}
