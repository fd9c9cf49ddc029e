package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// userNames are the names in the Users table, in its order.
var userNames = regexp.MustCompile(`<td data-label="Name"><a href="/settings/users/[a-z]+_[0-9a-z]+"><bdi>([^<]*)</bdi>`)

func listedUsers(body string) []string {
	var out []string
	for _, m := range userNames.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestUsersSorting: the Users list sorts by name by default and by any
// column on request, says which in aria-sort, and pages the sorted list.
func TestUsersSorting(t *testing.T) { t.Parallel(); testdb.ForEach(t, testUsersSorting) }

func testUsersSorting(t *testing.T) {
	e := newEnv(t)
	carol := e.human("Carol", "carol@example.com")
	e.human("alice", "alice@example.com")
	e.human("Bob", "bob@example.com")
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := e.svc.ActorForUser(admin)
	if _, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: "able-sa"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetUserStatus(e.ctx, a, carol.ID, signet.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(adminEmail, adminPassword) // Ada is the only one ever active

	for _, tt := range []struct {
		query    string
		want     []string
		ariaSort string // the sorted column's header: its aria-sort and link
	}{
		{"", []string{"able-sa", "Ada", "alice", "Bob", "Carol"}, `aria-sort="ascending"><a class="sort" href="/settings/users?order=desc&amp;sort=name">Name`},
		{"?sort=name&order=desc", []string{"Carol", "Bob", "alice", "Ada", "able-sa"}, `aria-sort="descending"><a class="sort" href="/settings/users">Name`},
		{"?sort=type", []string{"Ada", "alice", "Bob", "Carol", "able-sa"}, `aria-sort="ascending"><a class="sort" href="/settings/users?order=desc&amp;sort=type">Type`},
		{"?sort=type&order=desc", []string{"able-sa", "Ada", "alice", "Bob", "Carol"}, `aria-sort="descending"><a class="sort" href="/settings/users?order=asc&amp;sort=type">Type`},
		{"?sort=status", []string{"able-sa", "Ada", "alice", "Bob", "Carol"}, `aria-sort="ascending"><a class="sort" href="/settings/users?order=desc&amp;sort=status">Status`},
		{"?sort=status&order=desc", []string{"Carol", "able-sa", "Ada", "alice", "Bob"}, `aria-sort="descending"`},
		{"?sort=last_active", []string{"Ada", "able-sa", "alice", "Bob", "Carol"}, `aria-sort="descending"><a class="sort" href="/settings/users?order=asc&amp;sort=last_active">Last active`},
		{"?sort=last_active&order=asc", []string{"able-sa", "alice", "Bob", "Carol", "Ada"}, `aria-sort="ascending"`},
		{"?sort=nonsense&order=sideways", []string{"able-sa", "Ada", "alice", "Bob", "Carol"}, `aria-sort="ascending"><a class="sort" href="/settings/users?order=desc&amp;sort=name">Name`},
		{"?kind=human&sort=name&order=desc", []string{"Carol", "Bob", "alice", "Ada"}, `aria-sort="descending"><a class="sort" href="/settings/users?kind=human">Name`},
	} {
		r := b.get("/settings/users" + tt.query)
		if r.status != http.StatusOK {
			t.Fatalf("GET /settings/users%s = %d", tt.query, r.status)
		}
		if got := listedUsers(r.body); !slices.Equal(got, tt.want) {
			t.Errorf("GET /settings/users%s lists %q; want %q", tt.query, got, tt.want)
		}
		if !strings.Contains(r.body, tt.ariaSort) {
			t.Errorf("GET /settings/users%s: no header with %s", tt.query, tt.ariaSort)
		}
		if n := strings.Count(r.body, "aria-sort="); n != 1 {
			t.Errorf("GET /settings/users%s: %d headers with aria-sort; want 1", tt.query, n)
		}
	}

	// Pages of the sorted list: the next page goes on where the first
	// stopped, keeping the sort.
	for i := range 50 {
		if _, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: fmt.Sprintf("bulk-%02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	r := b.get("/settings/users?sort=name&order=desc")
	first := listedUsers(r.body)
	next := regexp.MustCompile(`href="(/settings/users\?[^"]*page=2[^"]*)">Next page`).FindStringSubmatch(r.body)
	if len(first) != signet.DefaultPageSize || first[0] != "Carol" || next == nil {
		t.Fatalf("first page = %d users from %q, next link %v; want %d from Carol and a next page", len(first), first[0], next, signet.DefaultPageSize)
	}
	r = b.get(html.UnescapeString(next[1]))
	second := listedUsers(r.body)
	if want := []string{"bulk-00", "Bob", "alice", "Ada", "able-sa"}; !slices.Equal(second, want) {
		t.Errorf("second page = %q; want %q", second, want)
	}
	if !strings.Contains(r.body, `← Previous page`) || strings.Contains(r.body, "Next page") {
		t.Errorf("the last page should link back and not on")
	}
}

// TestEmptyStates: a list with nothing to show says what to do next, and
// no empty table is drawn.
func TestEmptyStates(t *testing.T) { t.Parallel(); testdb.ForEach(t, testEmptyStates) }

func testEmptyStates(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(adminEmail, adminPassword)

	for _, tt := range []struct {
		path, section string // section: the part of the page from this marker on
		want          []string
	}{
		// No service account yet: create one first.
		{"/settings/api-keys", `id="sa-keys"`, []string{`id="sa-keys-empty"`, "No service accounts yet", `href="/settings/users?create=service_account"`}},
		{"/settings/api-keys", `id="personal-title"`, []string{`id="personal-keys-empty"`, `data-open-dialog="create-personal-key">Create one`}},
		{"/settings/api-keys?status=revoked", `id="sa-keys"`, []string{"No service-account keys match these filters.", `href="/settings/api-keys#sa-keys">Clear the filters`}},
		{"/settings/users?q=nobody", `role="search"`, []string{`id="users-empty"`, "No users match these filters.", `href="/settings/users">clear the filters`, `id="clear-filters"`}},
		{"/settings/users?kind=service_account&sort=type&order=desc", `role="search"`, []string{`id="users-empty"`, `href="/settings/users?order=desc&amp;sort=type">clear the filters`}},
		{"/settings/audit?action=nothing.happened", `role="search"`, []string{`id="audit-empty"`, "No events match these filters.", `href="/settings/audit">Clear the filters`}},
	} {
		r := b.get(tt.path)
		_, section, _ := strings.Cut(r.body, tt.section)
		if end := strings.Index(section, "</section>"); end > 0 && tt.section != `role="search"` {
			section = section[:end]
		}
		if r.status != http.StatusOK {
			t.Errorf("GET %s = %d", tt.path, r.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(section, w) {
				t.Errorf("GET %s: no %s after %s", tt.path, w, tt.section)
			}
		}
		if strings.Contains(section, "<table") {
			t.Errorf("GET %s draws an empty table after %s", tt.path, tt.section)
		}
	}
}

// TestWorkspaceEditDialog: a workspace is edited in a dialog of its row; a
// refused edit reopens it with what was typed and the service's message.
func TestWorkspaceEditDialog(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWorkspaceEditDialog) }

func testWorkspaceEditDialog(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(adminEmail, adminPassword)
	b.form(t, "/settings/workspaces", "/settings/workspaces", url.Values{"name": {"Staging"}}, http.StatusSeeOther)
	b.form(t, "/settings/workspaces", "/settings/workspaces", url.Values{"name": {"Production"}}, http.StatusSeeOther)
	ws := wantWorkspace(t, e, "Staging")
	r := b.get("/settings/workspaces?dialog=edit-" + ws)
	if !strings.Contains(r.body, `<dialog id="edit-`+ws+`" class="modal" aria-labelledby="edit-`+ws+`-title" open data-autoopen>`) {
		t.Errorf("?dialog=edit-%s does not open the workspace's dialog", ws)
	}
	if n := strings.Count(r.body, "open data-autoopen"); n != 1 {
		t.Errorf("%d dialogs open; want 1", n)
	}
	r = b.form(t, "/settings/workspaces", "/settings/workspaces/"+ws, url.Values{"name": {"Production"}, "description": {"typed"}}, http.StatusConflict)
	_, dialog, _ := strings.Cut(r.body, `<dialog id="edit-`+ws+`"`)
	dialog, _, _ = strings.Cut(dialog, "</dialog>")
	if !strings.HasPrefix(dialog, ` class="modal" aria-labelledby="edit-`+ws+`-title" open data-autoopen>`) || !strings.Contains(dialog, `aria-invalid="true"`) || !strings.Contains(dialog, `class="field-error"`) ||
		!strings.Contains(dialog, `value="Production"`) || !strings.Contains(dialog, `value="typed"`) {
		t.Errorf("a refused edit should reopen the dialog with the message beside its input and what was typed:\n%s", dialog)
	}
	b.form(t, "/settings/workspaces", "/settings/workspaces/"+ws, url.Values{"name": {"Staging EU"}}, http.StatusSeeOther)
	if r := b.get("/settings/workspaces"); !strings.Contains(r.body, `<td data-label="Name">Staging EU</td>`) {
		t.Errorf("the renamed workspace is not listed")
	}
}
