package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// tableWidths are the viewport widths every page with a table is checked
// at: a phone, a tablet, a laptop.
var tableWidths = []struct{ w, h int64 }{{390, 844}, {768, 1024}, {1280, 900}}

// tableLayout is what rowActionsVisible measures on a page.
type tableLayout struct {
	ScrollWidth int      `json:"scrollWidth"` // of the page
	Width       int      `json:"width"`       // window.innerWidth
	Actions     int      `json:"actions"`     // row actions (.row-action) on the page
	Hidden      []string `json:"hidden"`      // row actions outside the viewport or their table's visible box
	Regions     []string `json:"regions"`     // .table-wrap without tabindex, role=region and a label
	Wrapped     []string `json:"wrapped"`     // timestamps (.date) broken over lines
	EmptyGrids  int      `json:"emptyGrids"`  // tables without a row
}

// rowActionsVisible measures the page in ctx: whether it scrolls sideways,
// and which row actions cannot be seen without scrolling sideways (inside
// the viewport and inside the visible box of their scrolling table).
const rowActionsVisible = `(() => {
  const w = window.innerWidth;
  const out = {scrollWidth: document.scrollingElement.scrollWidth, width: w, actions: 0, hidden: [], regions: [], wrapped: [], emptyGrids: 0};
  for (const el of document.querySelectorAll('.row-action')) {
    out.actions++;
    const r = el.getBoundingClientRect();
    let left = 0, right = w;
    const wrap = el.closest('.table-wrap');
    if (wrap) { const b = wrap.getBoundingClientRect(); left = Math.max(left, b.left); right = Math.min(right, b.right); }
    if (r.width === 0 || r.left < left - 1 || r.right > right + 1) {
      out.hidden.push(el.textContent.trim().replace(/\s+/g, ' ') + ' at ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + Math.round(left) + '..' + Math.round(right));
    }
  }
  for (const el of document.querySelectorAll('.table-wrap')) {
    if (el.getAttribute('tabindex') !== '0' || el.getAttribute('role') !== 'region' || !el.getAttribute('aria-label')) out.regions.push(el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('.date')) {
    if (el.getClientRects().length > 1) out.wrapped.push(el.textContent);
  }
  for (const t of document.querySelectorAll('table')) {
    if (!t.querySelector('tbody tr')) out.emptyGrids++;
  }
  return out;
})()`

// TestBrowserTables opens every page with a table at a phone's, a tablet's
// and a laptop's width: no page scrolls sideways, every row action is in
// view, scrolling tables are keyboard-focusable regions, no timestamp
// wraps. It then edits a workspace and sorts the users at phone width.
func TestBrowserTables(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserTables) }

func testBrowserTables(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	pages, wantActions := tablesFixture(t, e)
	ctx := newChrome(t)
	base := e.srv.URL
	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "users page", chromedp.WaitVisible(chromedp.ID("users-table")))

	for _, size := range tableWidths {
		step(t, ctx, fmt.Sprintf("viewport %d", size.w), chromedp.EmulateViewport(size.w, size.h))
		for _, p := range pages {
			step(t, ctx, "open "+p, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("main")))
			l := value(t, ctx, "measure "+p, chromedp.Evaluate[tableLayout](rowActionsVisible))
			if l.Width != int(size.w) {
				t.Fatalf("at %d px window.innerWidth = %d", size.w, l.Width)
			}
			if l.ScrollWidth > l.Width {
				t.Errorf("at %d px %s scrolls sideways: %d px wide", size.w, p, l.ScrollWidth)
			}
			if len(l.Hidden) > 0 {
				t.Errorf("at %d px %s has %d of %d row actions out of view: %s", size.w, p, len(l.Hidden), l.Actions, strings.Join(l.Hidden, "; "))
			}
			if wantActions[p] && l.Actions == 0 {
				t.Errorf("at %d px %s has no row action (.row-action); want some", size.w, p)
			}
			if len(l.Regions) > 0 {
				t.Errorf("%s: tables not in a focusable, labelled region: %v", p, l.Regions)
			}
			if len(l.Wrapped) > 0 {
				t.Errorf("at %d px %s wraps timestamps: %q", size.w, p, l.Wrapped)
			}
			if l.EmptyGrids > 0 {
				t.Errorf("%s shows %d empty tables; want an empty state instead", p, l.EmptyGrids)
			}
			screenshot(t, ctx, fmt.Sprintf("tables-%d-%s", size.w, strings.Trim(strings.NewReplacer("/settings/", "", "/", "-", "?", "-", "=", "-", "&", "-").Replace(p), "-")))
		}
	}

	// At laptop width, sort the users by name, descending, from the
	// column header.
	step(t, ctx, "sort users by the header",
		chromedp.Navigate(base+"/settings/users"),
		chromedp.WaitReady(chromedp.CSS(`#users-table th[aria-sort="ascending"]`)),
		chromedp.Click(chromedp.CSS(`#users-table th[aria-sort="ascending"] a`)),
		chromedp.WaitReady(chromedp.CSS(`#users-table th[aria-sort="descending"]`)),
	)
	if first := value(t, ctx, "first user", chromedp.Text(chromedp.CSS(`#users-table tbody tr td a`))); first != "Zoë Long-Named Reviewer 19" {
		t.Errorf("first user by name descending = %q; want the last name alphabetically", first)
	}

	// At phone width, where the headers are hidden, from the filter form.
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	step(t, ctx, "sort users from the form",
		chromedp.Navigate(base+"/settings/users"),
		chromedp.WaitVisible(chromedp.ID("sort")),
		chromedp.SetValue(chromedp.ID("sort"), "type"),
		chromedp.SetValue(chromedp.ID("order"), "desc"),
		chromedp.Submit(chromedp.ID("sort")),
		chromedp.WaitReady(chromedp.CSS(`#users-table th[aria-sort="descending"] a[href*="sort=type"]`)),
	)
	if first := value(t, ctx, "first user", chromedp.Text(chromedp.CSS(`#users-table tbody tr td a`))); first != "nightly-etl-warehouse-loader" {
		t.Errorf("first user by type descending = %q; want the service account", first)
	}

	// Edit a workspace from its row, in a dialog.
	ws := wantWorkspace(t, e, "Staging")
	step(t, ctx, "edit a workspace",
		chromedp.Navigate(base+"/settings/workspaces"),
		chromedp.Click(chromedp.CSS(`tr[data-workspace-id="`+ws+`"] a.row-action`)),
		chromedp.WaitVisible(chromedp.ID("edit-"+ws+"-name")),
		chromedp.SetValue(chromedp.ID("edit-"+ws+"-name"), "Staging EU"),
		chromedp.Click(chromedp.CSS(`#edit-`+ws+` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	if name := value(t, ctx, "renamed", chromedp.Text(chromedp.CSS(`tr[data-workspace-id="`+ws+`"] td`))); name != "Staging EU" {
		t.Errorf("workspace after editing = %q; want Staging EU", name)
	}

	// Filters that match nothing: an empty state that clears them.
	step(t, ctx, "filter users to nothing",
		chromedp.Navigate(base+"/settings/users?q=nobody-at-all"),
		chromedp.WaitVisible(chromedp.ID("users-empty")),
		chromedp.Click(chromedp.CSS(`#users-empty a`)),
		chromedp.WaitVisible(chromedp.ID("users-table")),
	)
	screenshot(t, ctx, "tables-390-users-sorted")
}

// wantWorkspace returns the id of the workspace called name.
func wantWorkspace(t *testing.T, e *env, name string) string {
	t.Helper()
	wss, _, err := e.svc.ListWorkspaces(e.ctx, signet.SystemActor, signet.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wss {
		if w.Name == name {
			return w.ID
		}
	}
	t.Fatalf("no workspace %q", name)
	return ""
}

// tablesFixture fills e with enough of everything that every table has
// rows, long values and every kind of row action, and returns the pages to
// check and which of them must show row actions.
func tablesFixture(t *testing.T, e *env) ([]string, map[string]bool) {
	t.Helper()
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := e.svc.ActorForUser(admin)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		e.human(fmt.Sprintf("Zoë Long-Named Reviewer %02d", i), fmt.Sprintf("reviewer.with.a.long.address.%02d@departments.example.com", i),
			service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	}
	sa, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: "nightly-etl-warehouse-loader", Description: "Loads the warehouse every night",
		Grants: []service.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide}},
		Key: &service.CreateKeyInput{Name: "airflow-production-scheduler", Description: "Airflow in the production cluster, rotated quarterly",
			AllowedNetworks: []string{"10.0.0.0/8", "2001:db8::/32"}, Labels: map[string]string{"team": "data", "env": "prod"}}})
	must(err)
	second, err := e.svc.CreateAPIKey(e.ctx, a, sa.User.ID, service.CreateKeyInput{Name: "backfill"})
	must(err)
	_, err = e.svc.DisableAPIKey(e.ctx, a, second.Key.ID, "paused while the backfill is reviewed")
	must(err)
	_, err = e.svc.CreateAPIKey(e.ctx, a, admin.ID, service.CreateKeyInput{Name: "laptop", Description: "My laptop's CLI"})
	must(err)
	_, err = e.svc.CreateWorkspace(e.ctx, a, service.WorkspaceInput{Name: "Staging", Description: "Pre-production copies of every pipeline"})
	must(err)
	g, err := e.svc.CreateGroup(e.ctx, a, service.GroupInput{Name: "Data engineering", Description: "Everyone who runs pipelines"})
	must(err)
	must(e.svc.AddGroupMember(e.ctx, a, g.ID, sa.User.ID))
	_, err = e.svc.SetKeyPolicy(e.ctx, a, signet.KeyPolicy{RequireExpiry: true})
	must(err)
	rc := newReceiver(t)
	ep, err := e.svc.CreateWebhookEndpoint(e.ctx, a, service.WebhookEndpointInput{URL: rc.srv.URL + "/a/rather/long/path/for/the/security/team/receiver",
		Description: "SIEM feed", EventTypes: []string{"*"}})
	must(err)
	d, err := e.svc.SendTestWebhook(e.ctx, a, ep.Endpoint.ID)
	must(err)
	e.dispatch(t)

	pages := []string{"/settings/users", "/settings/users/" + sa.User.ID, "/settings/api-keys", "/settings/groups", "/settings/groups/" + g.ID,
		"/settings/roles", "/settings/roles/" + signet.RoleViewID, "/settings/workspaces", "/settings/webhooks", "/settings/webhooks/" + ep.Endpoint.ID,
		"/settings/webhooks/" + ep.Endpoint.ID + "/deliveries/" + d.ID, "/settings/audit", "/settings/key-policy", "/settings/account"}
	actions := map[string]bool{"/settings/users": true, "/settings/users/" + sa.User.ID: true, "/settings/api-keys": true, "/settings/workspaces": true,
		"/settings/webhooks/" + ep.Endpoint.ID: true, "/settings/audit": true, "/settings/account": true}
	return pages, actions
}
