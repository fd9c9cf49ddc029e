package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
)

// TestChangeOwnPassword: the account page changes the password only with
// the current one, ends the user's other sessions and keeps this one.
func TestChangeOwnPassword(t *testing.T) { t.Parallel(); testdb.ForEach(t, testChangeOwnPassword) }

func testChangeOwnPassword(t *testing.T) {
	e := newEnv(t)
	here, elsewhere := e.browser(), e.browser()
	here.login(adminEmail, adminPassword)
	elsewhere.login(adminEmail, adminPassword)
	const next = "a completely new password"

	form := func(current, pw, confirm string) url.Values {
		return url.Values{"csrf": {here.csrf("/settings/account")}, "current_password": {current}, "new_password": {pw}, "confirm_password": {confirm}}
	}
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantText   string
		wantInput  string // the id of the input the error is beside
	}{
		{"wrong current password", form("not my password", next, next), http.StatusForbidden, "The current password is not correct.", "pw-current"},
		{"no current password", form("", next, next), http.StatusUnprocessableEntity, "Current password is required", "pw-current"},
		{"confirmation differs", form(adminPassword, next, next+"!"), http.StatusUnprocessableEntity, "The new password and its confirmation differ", "pw-confirm"},
	}
	for _, tt := range tests {
		r := here.post("/settings/account/password", tt.form)
		if r.status != tt.wantStatus || !strings.Contains(r.body, tt.wantText) || !strings.Contains(r.body, `id="`+tt.wantInput+`-error"`) ||
			!strings.Contains(r.body, `aria-invalid="true" aria-describedby="`+tt.wantInput+`-error"`) {
			t.Errorf("%s: POST /settings/account/password = %d; want %d with %q beside #%s", tt.name, r.status, tt.wantStatus, tt.wantText, tt.wantInput)
		}
		if strings.Contains(r.body, next) {
			t.Errorf("%s: the page shows a password typed into the form", tt.name)
		}
	}
	r := here.post("/settings/account/password", form(adminPassword, next, next))
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "notice=password_changed") {
		t.Fatalf("POST /settings/account/password = %d %s; want 303 with a notice", r.status, r.header.Get("Location"))
	}
	if r := here.get(r.header.Get("Location")); r.status != http.StatusOK || !strings.Contains(r.body, "Your other sessions have ended") {
		t.Errorf("the session that changed the password = %d; want it signed in, with the notice", r.status)
	}
	if r := elsewhere.get("/settings/users"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("another session after the change = %d %s; want a redirect to /login", r.status, r.header.Get("Location"))
	}
	again := e.browser()
	again.login(adminEmail, next)
}

// TestGrantDialogsDefaultToTheDefaultWorkspace: organisation-wide is
// offered, never preselected.
func TestGrantDialogsDefaultToTheDefaultWorkspace(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testGrantDialogsDefaultToTheDefaultWorkspace)
}

func testGrantDialogsDefaultToTheDefaultWorkspace(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(adminEmail, adminPassword)
	bob := e.human("Bob", "bob@example.com")
	for _, path := range []string{"/settings/users?dialog=create-sa", "/settings/users/" + bob.ID, "/settings/groups/grp_default_view"} {
		body := b.get(path).body
		if !strings.Contains(body, `<option value="*">Organisation-wide`) {
			t.Errorf("%s offers no organisation-wide choice", path)
		}
		if strings.Contains(body, `<option value="*" selected>`) || strings.Contains(body, `<option value="">Organisation-wide`) {
			t.Errorf("%s preselects organisation-wide", path)
		}
		if !strings.Contains(body, `selected>Default</option>`) {
			t.Errorf("%s does not preselect the default workspace", path)
		}
	}
}
