package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// rotatedSA creates, as the admin, a service account with View and a
// labelled key, and returns the key.
func rotatedSA(t *testing.T, e *env) *service.CreatedKey {
	t.Helper()
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.CreateServiceAccount(e.ctx, e.svc.ActorForUser(admin), service.CreateServiceAccountInput{
		Name: "loader", Labels: map[string]string{"env": "prod"},
		Grants: []service.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide}},
		Key:    &service.CreateKeyInput{Name: "nightly", Labels: map[string]string{"team": "data"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Key
}

// TestBrowserRotateKey rotates a key from the API keys page in a real
// browser: the new key is shown once in the same dialog as a created key,
// the old key keeps working through the chosen grace, and after a
// rotation with "Stop at once" the rotated key no longer works.
func TestBrowserRotateKey(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserRotateKey) }

func testBrowserRotateKey(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	old := rotatedSA(t, e)
	ctx := newChrome(t)
	base := e.srv.URL
	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "users page", chromedp.WaitVisible(chromedp.ID("users-table")))
	step(t, ctx, "API keys page", chromedp.Navigate(base+"/settings/api-keys"), chromedp.WaitVisible(chromedp.ID("sa-keys")))
	row := `#sa-keys tr[data-key-id="` + old.Key.ID + `"]`
	if chip := value(t, ctx, "label chip", chromedp.Text(chromedp.CSS(row+` .chip[data-label="team"]`))); chip != "team=data" {
		t.Errorf("label chip = %q; want team=data", chip)
	}

	// Rotate with a grace of an hour.
	step(t, ctx, "rotate with 1h grace",
		chromedp.SetValue(chromedp.CSS(row+` select[name=grace]`), "1h"),
		chromedp.Click(chromedp.CSS(row+` form[data-rotate] button`)),
		chromedp.WaitVisible(chromedp.ID("show-key")),
	)
	if title := value(t, ctx, "title", chromedp.Text(chromedp.ID("show-key-title"))); title != "API key rotated" {
		t.Errorf("dialog title = %q; want API key rotated", title)
	}
	if w := value(t, ctx, "warning", chromedp.Text(chromedp.CSS("#show-key .warning"))); !strings.Contains(w, "only be shown once") {
		t.Errorf("show-once warning = %q", w)
	}
	if p := value(t, ctx, "previous", chromedp.Text(chromedp.CSS("#show-key [data-previous-until]"))); !strings.Contains(p, old.Key.ID) || !strings.Contains(p, "keeps working until") {
		t.Errorf("previous-key note = %q; want how long %s keeps working", p, old.Key.ID)
	}
	second := value(t, ctx, "read the new key", chromedp.Value(chromedp.ID("new-key")))
	if parsed, err := apikey.Parse(second); err != nil || parsed.ID() == old.Key.ID {
		t.Fatalf("shown key %q: %v; want a new key", second, err)
	}
	screenshot(t, ctx, "rotate-01-show-key-once")
	if got := apiStatus(t, e, old.Secret); got != http.StatusOK {
		t.Errorf("old key during the grace: GET /api/v1/me = %d; want 200", got)
	}
	if got := apiStatus(t, e, second); got != http.StatusOK {
		t.Errorf("new key: GET /api/v1/me = %d; want 200", got)
	}
	step(t, ctx, "done", chromedp.Click(chromedp.ID("key-done")), chromedp.WaitNotPresent(chromedp.ID("show-key")), chromedp.WaitVisible(chromedp.ID("sa-keys")))
	assertNoSecret(t, ctx, "the API keys page after Done", second)
	// The old key's row says it was rotated and offers no second rotation.
	if n := value(t, ctx, "rotate forms of the old key", chromedp.Evaluate[int](`document.querySelectorAll('`+row+` form[data-rotate]').length`)); n != 0 {
		t.Errorf("the rotated key's row has %d Rotate forms; want none", n)
	}
	value(t, ctx, "rotated mark", chromedp.Text(chromedp.CSS(row+` [data-rotated-to]`)))

	// Rotate the new key with "Stop at once": it is refused at once.
	newID := mustParse(t, second).ID()
	newRow := `#sa-keys tr[data-key-id="` + newID + `"]`
	step(t, ctx, "rotate with no grace",
		chromedp.SetValue(chromedp.CSS(newRow+` select[name=grace]`), "0"),
		chromedp.Click(chromedp.CSS(newRow+` form[data-rotate] button`)),
		chromedp.WaitVisible(chromedp.ID("show-key")),
	)
	third := value(t, ctx, "read the newest key", chromedp.Value(chromedp.ID("new-key")))
	if p := value(t, ctx, "previous", chromedp.Text(chromedp.CSS("#show-key [data-previous-until]"))); !strings.Contains(p, "no longer works") {
		t.Errorf("previous-key note after grace 0 = %q; want that it no longer works", p)
	}
	if got := apiStatus(t, e, second); got != http.StatusUnauthorized {
		t.Errorf("key rotated with grace 0: GET /api/v1/me = %d; want 401", got)
	}
	if got := apiStatus(t, e, third); got != http.StatusOK {
		t.Errorf("newest key: GET /api/v1/me = %d; want 200", got)
	}
	screenshot(t, ctx, "rotate-02-grace-0")
}

func mustParse(t *testing.T, key string) apikey.Key {
	t.Helper()
	p, err := apikey.Parse(key)
	if err != nil {
		t.Fatalf("apikey.Parse(%q): %v", key, err)
	}
	return p
}

var newKeyRE = regexp.MustCompile(`<textarea id="new-key"[^>]*>([^<]+)</textarea>`)

// TestRotateKeyWithoutJS: the Rotate form is a plain form: posted without
// JavaScript it answers the page with the new key shown once, and a
// second rotation of the same key is refused with the service's message.
func TestRotateKeyWithoutJS(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRotateKeyWithoutJS) }

func testRotateKeyWithoutJS(t *testing.T) {
	e := newEnv(t)
	old := rotatedSA(t, e)
	b := e.browser()
	b.login(adminEmail, adminPassword)
	page := b.get("/settings/api-keys")
	if !strings.Contains(page.body, `action="/settings/api-keys/`+old.Key.ID+`/rotate"`) {
		t.Fatalf("the API keys page has no Rotate form for %s", old.Key.ID)
	}
	form := url.Values{"csrf": {b.csrf("/settings/api-keys")}, "grace": {"24h"}, "back": {"/settings/users"}}
	r := b.post("/settings/api-keys/"+old.Key.ID+"/rotate", form)
	m := newKeyRE.FindStringSubmatch(r.body)
	if r.status != http.StatusCreated || m == nil {
		t.Fatalf("POST rotate = %d; want 201 with the new key:\n%s", r.status, r.body)
	}
	if _, err := apikey.Parse(html.UnescapeString(m[1])); err != nil {
		t.Errorf("shown key %q: %v", m[1], err)
	}
	if !strings.Contains(r.body, `method="get" action="/settings/users"><button type="submit" data-done-link`) {
		t.Errorf("Done does not lead back to the page the form was on")
	}
	if got := apiStatus(t, e, old.Secret); got != http.StatusOK {
		t.Errorf("old key during the 24h grace = %d; want 200", got)
	}
	r = b.post("/settings/api-keys/"+old.Key.ID+"/rotate", form)
	if r.status != http.StatusConflict || !strings.Contains(r.body, "rotated already") {
		t.Errorf("second rotation = %d; want 409 saying it was rotated already:\n%s", r.status, r.body)
	}
	form.Set("grace", "soon")
	r = b.post("/settings/api-keys/"+old.Key.ID+"/rotate", form)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "grace") {
		t.Errorf("bad grace = %d; want 422 naming grace", r.status)
	}
}

// TestServiceAccountLabelsForm: a service account's page shows its labels
// as chips and saves labels and owner from a plain form; a bad label is
// shown beside the form.
func TestServiceAccountLabelsForm(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testServiceAccountLabelsForm)
}

func testServiceAccountLabelsForm(t *testing.T) {
	e := newEnv(t)
	k := rotatedSA(t, e)
	saID := k.Key.OwnerID
	b := e.browser()
	b.login(adminEmail, adminPassword)
	page := b.get("/settings/users/" + saID)
	if !strings.Contains(page.body, `id="labels-form"`) || !strings.Contains(page.body, `data-label="env"`) {
		t.Fatalf("the service account's page lacks the labels form or its chips:\n%s", page.body)
	}
	if users := b.get("/settings/users"); !strings.Contains(users.body, `data-label="env"`) {
		t.Errorf("the users list shows no label chips")
	}
	path := "/settings/users/" + saID + "/labels"
	form := url.Values{"csrf": {b.csrf("/settings/users/" + saID)}, "labels": {"team=web\r\n\r\nenv=dev\r\n"}, "owner": {"group:grp_admins"}}
	if r := b.post(path, form); r.status != http.StatusSeeOther {
		t.Fatalf("POST labels = %d; want 303:\n%s", r.status, r.body)
	}
	d, err := e.svc.GetUser(e.ctx, signet.SystemActor, saID)
	if err != nil {
		t.Fatal(err)
	}
	if d.User.Labels["team"] != "web" || d.User.Labels["env"] != "dev" || len(d.User.Labels) != 2 || d.User.OwnerType != "group" || d.User.OwnerID != "grp_admins" {
		t.Errorf("after saving: labels %v, owner %s %s", d.User.Labels, d.User.OwnerType, d.User.OwnerID)
	}
	form.Set("labels", "Team=x")
	if r := b.post(path, form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "label name") {
		t.Errorf("POST a bad label = %d; want 422 with the message beside the form", r.status)
	}
	form.Set("labels", "")
	form.Set("owner", "")
	if r := b.post(path, form); r.status != http.StatusSeeOther {
		t.Fatalf("POST no labels = %d; want 303", r.status)
	}
	if d, _ := e.svc.GetUser(e.ctx, signet.SystemActor, saID); d.User.Labels != nil || d.User.OwnerID != "" {
		t.Errorf("after clearing: labels %v, owner %q", d.User.Labels, d.User.OwnerID)
	}
}
