package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// form posts values (plus the CSRF token of page) and checks the status.
func (b *browser) form(t *testing.T, page, path string, values url.Values, want int) response {
	t.Helper()
	if values == nil {
		values = url.Values{}
	}
	values.Set("csrf", b.csrf(page))
	r := b.post(path, values)
	if r.status != want {
		t.Fatalf("POST %s = %d; want %d:\n%s", path, r.status, want, r.body)
	}
	return r
}

var locationID = regexp.MustCompile(`/settings/\w+/([a-z]+_[0-9a-z]+)`)

func TestPagesAndForms(t *testing.T) { t.Parallel(); testdb.ForEach(t, testPagesAndForms) }

func testPagesAndForms(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(adminEmail, adminPassword)

	// Every page and dialog renders.
	for _, p := range []string{"/", "/settings", "/settings/users?create=service_account", "/settings/users?create=user&kind=human&status=active&q=a",
		"/settings/api-keys?dialog=create-personal-key", "/settings/groups?dialog=create-group", "/settings/groups/" + signet.AdminsGroupID,
		"/settings/roles/new", "/settings/roles/" + signet.RoleAdminID, "/settings/workspaces?dialog=create-workspace",
		"/settings/webhooks?dialog=create-webhook", "/settings/identity-providers?dialog=create-provider",
		"/settings/audit?outcome=success&since=2020-01-01&until=2999-01-01"} {
		r := b.get(p)
		if r.status == http.StatusSeeOther {
			r = b.get(r.header.Get("Location"))
		}
		if r.status != http.StatusOK {
			t.Errorf("GET %s = %d:\n%s", p, r.status, r.body)
		}
	}
	if r := b.get("/settings/audit?since=yesterday"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("GET /settings/audit with a bad date = %d; want 422", r.status)
	}

	// A human, created from the dialog; a bad email is shown in the dialog
	// with what was typed, never the password.
	r := b.form(t, "/settings/users", "/settings/users", url.Values{"name": {"Bob"}, "email": {"not-an-email"}, "password": {"a long enough password"}, "grant_role": {signet.RoleViewID}, "grant_ws": {""}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `value="not-an-email"`) || strings.Contains(r.body, "a long enough password") || !strings.Contains(r.body, `id="create-user" class="modal" aria-labelledby="create-user-title" open data-autoopen`) {
		t.Errorf("create-user error should reopen the dialog with the input and without the password")
	}
	r = b.form(t, "/settings/users", "/settings/users", url.Values{"name": {"Bob"}, "email": {"bob@example.com"}, "password": {"a long enough password"}, "grant_role": {signet.RoleViewID}, "grant_ws": {""}}, http.StatusSeeOther)
	users, _, _ := e.svc.ListUsers(e.ctx, signet.SystemActor, signet.UserFilter{NameContains: "bob"})
	if len(users) != 1 {
		t.Fatalf("Bob was not created")
	}
	bob := users[0]
	// The dialog's workspace left at its default is the default
	// workspace, never organisation-wide.
	if r := b.get("/settings/users"); !strings.Contains(r.body, "View (Default)") {
		t.Errorf("users list does not show Bob's role in the default workspace")
	}

	// Groups: create, rename, add and remove a member, grant, delete.
	r = b.form(t, "/settings/groups", "/settings/groups", url.Values{"name": {"ETL"}, "description": {"pipelines"}}, http.StatusSeeOther)
	m := locationID.FindStringSubmatch(r.header.Get("Location"))
	if m == nil {
		t.Fatalf("create group redirected to %q", r.header.Get("Location"))
	}
	gp := "/settings/groups/" + m[1]
	b.form(t, gp, gp, url.Values{"name": {"ETL jobs"}, "description": {"pipelines"}}, http.StatusSeeOther)
	b.form(t, gp, gp+"/members", url.Values{"user": {bob.ID}}, http.StatusSeeOther)
	b.form(t, gp, gp+"/grants", url.Values{"role": {signet.RoleEditID}, "workspace": {defaultWS(t, e)}}, http.StatusSeeOther)
	if r := b.get(gp); !strings.Contains(r.body, "ETL jobs") || !strings.Contains(r.body, ">Bob<") || !strings.Contains(r.body, "Edit (Default)") {
		t.Errorf("group page lacks the new name, member or grant:\n%s", r.body)
	}
	b.form(t, gp, gp+"/members/"+bob.ID+"/delete", nil, http.StatusSeeOther)
	// The Admins group keeps its last member: the refusal shows on the page.
	ap := "/settings/groups/" + signet.AdminsGroupID
	admin := firstUserID(t, e)
	r = b.form(t, ap, ap+"/members/"+admin+"/delete", nil, http.StatusConflict)
	if !strings.Contains(r.body, "last active member of the Admins group") {
		t.Errorf("removing the last admin: want the service's refusal on the page")
	}
	b.form(t, gp, gp+"/delete", nil, http.StatusSeeOther)

	// Roles: a custom role from a base plus permissions, edited, deleted;
	// built-ins are refused.
	r = b.form(t, "/settings/roles/new", "/settings/roles", url.Values{"name": {"Auditor"}, "base": {"none"}, "permission": {"audit:read", "nonsense:perm"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "Unknown permission") || !strings.Contains(r.body, `value="Auditor"`) {
		t.Errorf("bad role: want the message and the input kept")
	}
	r = b.form(t, "/settings/roles/new", "/settings/roles", url.Values{"name": {"Auditor"}, "base": {"none"}, "permission": {"audit:read"}}, http.StatusSeeOther)
	rp := r.header.Get("Location")
	rp = rp[:strings.Index(rp, "?")]
	b.form(t, rp, rp, url.Values{"name": {"Auditor"}, "base": {"view"}, "permission": {"audit:read", "users:write"}}, http.StatusSeeOther)
	if r := b.get(rp); !strings.Contains(r.body, `value="users:write" checked`) {
		t.Errorf("role edit not saved")
	}
	b.form(t, rp, rp+"/delete", nil, http.StatusSeeOther)
	if r := b.get("/settings/roles/" + signet.RoleAdminID); strings.Contains(r.body, `action="/settings/roles/`+signet.RoleAdminID+`"`) {
		t.Errorf("built-in role offers an edit form")
	}
	b.form(t, "/settings/roles", "/settings/roles/"+signet.RoleAdminID, url.Values{"name": {"Boss"}}, http.StatusConflict)

	// Workspaces.
	b.form(t, "/settings/workspaces", "/settings/workspaces", url.Values{"name": {"Staging"}}, http.StatusSeeOther)
	r = b.form(t, "/settings/workspaces", "/settings/workspaces", url.Values{"name": {"Staging"}}, http.StatusConflict)
	if !strings.Contains(r.body, `open data-autoopen`) {
		t.Errorf("duplicate workspace: want the dialog reopened with the error")
	}
	wss, _, _ := e.svc.ListWorkspaces(e.ctx, signet.SystemActor, signet.Page{})
	for _, w := range wss {
		if w.Name == "Staging" {
			b.form(t, "/settings/workspaces", "/settings/workspaces/"+w.ID, url.Values{"name": {"Stage"}, "description": {"x"}}, http.StatusSeeOther)
			b.form(t, "/settings/workspaces", "/settings/workspaces/"+w.ID+"/delete", nil, http.StatusSeeOther)
		}
	}

	// Edit a user: grant, remove grant, disable, enable, delete.
	up := "/settings/users/" + bob.ID
	b.form(t, up, up+"/grants", url.Values{"role": {signet.RoleEditID}, "workspace": {defaultWS(t, e)}}, http.StatusSeeOther)
	d, _ := e.svc.GetUser(e.ctx, signet.SystemActor, bob.ID)
	for _, g := range d.Grants {
		if g.RoleID == signet.RoleEditID {
			b.form(t, up, up+"/grants/"+g.ID+"/delete", nil, http.StatusSeeOther)
		}
	}
	b.form(t, up, up+"/status", url.Values{"status": {"disabled"}}, http.StatusSeeOther)
	if r := b.get(up); !strings.Contains(r.body, "status-disabled") || !strings.Contains(r.body, ">Enable<") {
		t.Errorf("disabled user page should offer Enable")
	}
	b.form(t, up, up+"/status", url.Values{"status": {"active"}}, http.StatusSeeOther)
	b.form(t, up, up+"/delete", nil, http.StatusSeeOther)
	if r := b.get(up); r.status != http.StatusNotFound {
		t.Errorf("deleted user page = %d; want 404", r.status)
	}

	// Personal keys: create (shown once, 201), revoke.
	r = b.form(t, "/settings/api-keys", "/settings/api-keys/personal", url.Values{"key_name": {"laptop"}, "key_expires": {"720h"}}, http.StatusCreated)
	if !strings.Contains(r.body, `id="show-key"`) || !strings.Contains(r.body, "sgn_pk_") {
		t.Fatalf("personal key not shown")
	}
	keys, _, _ := e.svc.ListAPIKeys(e.ctx, signet.SystemActor, signet.APIKeyFilter{Kind: signet.KeyKindPersonal})
	if len(keys) != 1 || keys[0].ExpiresAt == nil {
		t.Fatalf("personal keys = %v; want one expiring", keys)
	}
	if r := b.get("/settings/api-keys"); strings.Contains(r.body, "sgn_pk_0") || !strings.Contains(r.body, keys[0].Hint) {
		t.Errorf("API keys page should show the hint and never the key")
	}
	b.form(t, "/settings/api-keys", "/settings/api-keys/"+keys[0].ID+"/revoke", url.Values{"back": {"//evil.example"}}, http.StatusSeeOther)
	// A service-account key without choosing the account: error in the dialog.
	if _, err := e.svc.CreateServiceAccount(e.ctx, e.svc.ActorForUser(&signet.User{ID: admin, Kind: signet.KindHuman}), service.CreateServiceAccountInput{Name: "bot"}); err != nil {
		t.Fatal(err)
	}
	r = b.form(t, "/settings/api-keys", "/settings/api-keys/service-account", url.Values{"key_name": {"ci"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "Choose a service account.") {
		t.Errorf("missing owner: want the message in the dialog")
	}

	// Audit: the detail page of an event.
	evs, _, _ := e.svc.ListAuditEvents(e.ctx, signet.SystemActor, signet.AuditFilter{Action: "api_key.revoke"})
	if len(evs) != 1 {
		t.Fatalf("api_key.revoke events = %d", len(evs))
	}
	if r := b.get("/settings/audit/" + evs[0].ID); r.status != http.StatusOK || !strings.Contains(r.body, evs[0].Hash) {
		t.Errorf("audit event page = %d; want the event with its hash", r.status)
	}
	if r := b.get("/settings/audit?action=api_key.revoke"); strings.Count(r.body, "/settings/audit/evt_") != 1 {
		t.Errorf("audit filter by action should list exactly one event")
	}
}

func TestAuditPagination(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAuditPagination) }

func testAuditPagination(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	a := e.svc.ActorForUser(admin)
	for i := 0; i < signet.DefaultPageSize+5; i++ {
		if _, err := e.svc.CreateGroup(e.ctx, a, service.GroupInput{Name: "g" + string(rune('A'+i/26)) + string(rune('a'+i%26))}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	b.login(adminEmail, adminPassword)
	r := b.get("/settings/audit?action=group.create")
	next := regexp.MustCompile(`href="(/settings/audit\?[^"]*cursor=[^"]+)">Older`).FindStringSubmatch(r.body)
	if next == nil || strings.Count(r.body, "/settings/audit/evt_") != signet.DefaultPageSize {
		t.Fatalf("first audit page: want %d events and an Older link", signet.DefaultPageSize)
	}
	r = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if strings.Count(r.body, "/settings/audit/evt_") != 5 || !strings.Contains(r.body, ">Newest<") {
		t.Errorf("second audit page: want 5 events and a Newest link")
	}
}

func defaultWS(t *testing.T, e *env) string {
	t.Helper()
	wss, _, err := e.svc.ListWorkspaces(e.ctx, signet.SystemActor, signet.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wss {
		if w.IsDefault {
			return w.ID
		}
	}
	t.Fatal("no default workspace")
	return ""
}
