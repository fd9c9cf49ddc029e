package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// TestConfirmationPages: without JavaScript, each destructive action's
// link leads to a page that names the consequence and holds the POST
// button; deleting a service account with active keys wants its name.
func TestConfirmationPages(t *testing.T) { t.Parallel(); testdb.ForEach(t, testConfirmationPages) }

func testConfirmationPages(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(adminEmail, adminPassword)
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	actor := e.svc.ActorForUser(admin)
	sa, err := e.svc.CreateServiceAccount(e.ctx, actor, service.CreateServiceAccountInput{Name: "nightly-etl", Key: &service.CreateKeyInput{Name: "airflow"}})
	if err != nil {
		t.Fatal(err)
	}
	idle, err := e.svc.CreateServiceAccount(e.ctx, actor, service.CreateServiceAccountInput{Name: "idle-bot"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.svc.CreateGroup(e.ctx, actor, service.GroupInput{Name: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := e.svc.CreateWorkspace(e.ctx, actor, service.WorkspaceInput{Name: "staging"})
	if err != nil {
		t.Fatal(err)
	}

	// Each page names the thing and the consequence, posts where the
	// link's data-confirm-action does, and the edit pages link to it.
	for _, tt := range []struct {
		page, linkedFrom, want, action string
	}{
		{"/settings/api-keys/" + sa.Key.Key.ID + "/revoke?back=/settings/users/" + sa.User.ID, "/settings/users/" + sa.User.ID,
			"Revoke the API key “airflow”?", "/settings/api-keys/" + sa.Key.Key.ID + "/revoke"},
		{"/settings/users/" + sa.User.ID + "/delete", "/settings/users/" + sa.User.ID, "It has active API keys", "/settings/users/" + sa.User.ID + "/delete"},
		{"/settings/groups/" + g.ID + "/delete", "/settings/groups/" + g.ID, "Its members lose the roles it grants", "/settings/groups/" + g.ID + "/delete"},
		{"/settings/workspaces/" + ws.ID + "/delete", "/settings/workspaces", "Every grant in it is removed", "/settings/workspaces/" + ws.ID + "/delete"},
	} {
		r := b.get(tt.page)
		body := html.UnescapeString(r.body)
		if r.status != http.StatusOK || !strings.Contains(body, tt.want) || !strings.Contains(body, `<form method="post" action="`+tt.action+`"`) {
			t.Errorf("GET %s = %d; want %q and a form posting to %s:\n%s", tt.page, r.status, tt.want, tt.action, r.body)
		}
		if from := b.get(tt.linkedFrom); !strings.Contains(html.UnescapeString(from.body), `href="`+strings.SplitN(tt.page, "?", 2)[0]) {
			t.Errorf("%s has no link to %s", tt.linkedFrom, tt.page)
		}
	}

	// The service account with an active key: no name, a wrong name:
	// refused with the error beside the field; the right name deletes.
	page := "/settings/users/" + sa.User.ID + "/delete"
	for _, typed := range []string{"", "nightly"} {
		r := b.form(t, page, page, url.Values{"confirm_name": {typed}}, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, `aria-invalid="true" aria-describedby="confirm-page-name-error"`) {
			t.Errorf("typed %q: want the error beside the name:\n%s", typed, r.body)
		}
	}
	if _, err := e.svc.GetUser(e.ctx, actor, sa.User.ID); err != nil {
		t.Fatalf("a wrong name deleted the service account: %v", err)
	}
	b.form(t, page, page, url.Values{"confirm_name": {"nightly-etl"}}, http.StatusSeeOther)
	if _, err := e.svc.GetUser(e.ctx, actor, sa.User.ID); signet.ErrorCode(err) != signet.ENOTFOUND {
		t.Errorf("after the right name, GetUser = %v; want not found", err)
	}
	// Without active keys, no name is asked for.
	page = "/settings/users/" + idle.User.ID + "/delete"
	if r := b.get(page); strings.Contains(r.body, `id="confirm-page-name"`) {
		t.Errorf("a service account without keys asks for its name")
	}
	b.form(t, page, page, nil, http.StatusSeeOther)

	// Ending a session from its page.
	other := e.browser()
	other.login(adminEmail, adminPassword)
	sessions, err := e.svc.ListSessions(e.ctx, actor)
	if err != nil || len(sessions) != 2 {
		t.Fatalf("sessions = %d, %v", len(sessions), err)
	}
	for _, se := range sessions {
		p := "/settings/account/sessions/" + se.ID + "/revoke"
		if r := b.get(p); r.status != http.StatusOK || !strings.Contains(r.body, "signed out") {
			t.Errorf("GET %s = %d; want the question", p, r.status)
		}
	}
}
