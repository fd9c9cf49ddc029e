package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// The client secrets the tests type. No page may ever hold them.
const (
	idpSecret    = "idp-secret-Zq7uX2vRk9"
	idpNewSecret = "idp-secret-replaced-Wm4pT8sLc3"
)

// providerValues is a whole, valid add-provider form mapping "eng" to
// group; tests change what they need.
func providerValues(group string) url.Values {
	return url.Values{"name": {"Corp IdP"}, "issuer": {"https://login.corp.example"}, "client_id": {"signet-ui"},
		"client_secret": {idpSecret}, "scopes": {"email, profile groups"}, "allowed_domains": {"Example.com corp.example"},
		"jit_create": {"true"}, "groups_claim": {"groups"}, "mapping_value": {"eng", ""}, "mapping_group": {group, ""}, "enabled": {"true"}}
}

// lastProviderUpdate returns the details of the newest oidc_provider.update
// audit event.
func lastProviderUpdate(t *testing.T, e *env) map[string]any {
	t.Helper()
	events, _, err := e.svc.ListAuditEvents(e.ctx, signet.SystemActor, signet.AuditFilter{Action: "oidc_provider.update"})
	if err != nil || len(events) == 0 {
		t.Fatalf("oidc_provider.update events = %v, %v; want one", events, err)
	}
	return events[0].Details
}

func TestIdentityProviderPages(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testIdentityProviderPages)
}

func testIdentityProviderPages(t *testing.T) {
	e := newEnv(t)
	a := adminActor(t, e)
	eng, err := e.svc.CreateGroup(e.ctx, a, service.GroupInput{Name: "Engineers"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(adminEmail, adminPassword)
	const page = "/settings/identity-providers"
	// noSecret fails the test if r holds a client secret typed in a form.
	noSecret := func(what string, r response) response {
		t.Helper()
		for _, s := range []string{idpSecret, idpNewSecret} {
			if strings.Contains(r.body, s) {
				t.Errorf("%s: the page holds a client secret:\n%s", what, r.body)
			}
		}
		return r
	}

	// The page, its navigation entry, its empty state, the redirect URL
	// and password sign-in on.
	r := b.get(page)
	for _, want := range []string{`href="/settings/identity-providers" aria-current="page"`, "No identity providers yet", "single sign-on service (OpenID Connect)",
		`value="` + e.srv.URL + `/login/sso/callback"`, `id="password-login-state"><span class="badge status-active">on</span>`, `id="pl-no-provider"`} {
		if r.status != http.StatusOK || !strings.Contains(r.body, want) {
			t.Errorf("GET %s = %d; want %q in the page:\n%s", page, r.status, want, r.body)
		}
	}
	r = b.get(page + "?dialog=create-provider")
	if !strings.Contains(r.body, `id="create-provider" class="modal" aria-labelledby="create-provider-title" open data-autoopen`) ||
		!strings.Contains(r.body, `<option value="`+eng.ID+`">Engineers</option>`) || !strings.Contains(r.body, `value="email profile"`) ||
		!strings.Contains(r.body, `id="create-provider-client-secret" name="client_secret" type="password"`) {
		t.Errorf("?dialog=create-provider does not open the add dialog offering the groups, the usual scopes and a password input:\n%s", r.body)
	}

	// Refused: the message beside its field, what was typed kept, never
	// the secret.
	for _, tt := range []struct {
		name  string
		set   url.Values
		input string // the input's id after "create-provider-"
		want  string
	}{
		{"http issuer", url.Values{"issuer": {"http://login.corp.example"}}, "issuer", "must use https (http is accepted for localhost only)"},
		{"no issuer URL", url.Values{"issuer": {"login"}}, "issuer", "must be an absolute URL"},
		{"no name", url.Values{"name": {"  "}}, "name", "Name is required"},
		{"no client id", url.Values{"client_id": {""}}, "client-id", "Client ID is required"},
		{"no client secret", url.Values{"client_secret": {" "}}, "client-secret", "Client secret is required"},
		{"a bad scope", url.Values{"scopes": {`email "x"`}}, "scopes", "is not a scope"},
		{"a bad domain", url.Values{"allowed_domains": {"example"}}, "domains", `"example" is not an email domain`},
		{"mappings without a claim", url.Values{"groups_claim": {""}}, "groups-claim", "Groups claim is required with group mappings"},
		{"an unknown group", url.Values{"mapping_value": {"eng", "ops"}, "mapping_group": {eng.ID, "grp_gone"}}, "mappings", "Group mappings, row 2: the group chosen does not exist"},
		{"a row without a group", url.Values{"mapping_value": {"eng", "ops"}, "mapping_group": {eng.ID, ""}}, "mappings", `Group mappings, row 2: choose the Signet group for "ops"`},
		{"a row without a value", url.Values{"mapping_value": {"", "ops"}, "mapping_group": {eng.ID, eng.ID}}, "mappings", "Group mappings, row 1: type the value"},
	} {
		v := providerValues(eng.ID)
		for k, vs := range tt.set {
			v[k] = vs
		}
		r := noSecret(tt.name, b.form(t, page, page, v, http.StatusUnprocessableEntity))
		body := html.UnescapeString(r.body)
		if !strings.Contains(r.body, `id="create-provider-`+tt.input+`-error"`) || !strings.Contains(body, tt.want) {
			t.Errorf("%s: want %q beside the %s input:\n%s", tt.name, tt.want, tt.input, r.body)
		}
		if tt.input != "mappings" && !strings.Contains(r.body, `aria-invalid="true" aria-describedby="create-provider-`+tt.input+`-error`) {
			t.Errorf("%s: the %s input is not marked invalid", tt.name, tt.input)
		}
		if !strings.Contains(r.body, `open data-autoopen`) || !strings.Contains(r.body, `name="name" type="text" maxlength="60" required value="`+v.Get("name")+`"`) ||
			!strings.Contains(r.body, `name="mapping_value" maxlength="255" value="ops"`) && v["mapping_value"][1] == "ops" {
			t.Errorf("%s: want the dialog reopened with what was typed", tt.name)
		}
		if !strings.Contains(body, "type it again") {
			t.Errorf("%s: the dialog does not say to type the secret again", tt.name)
		}
	}
	// The row the error names is marked.
	v := providerValues(eng.ID)
	v["mapping_value"], v["mapping_group"] = []string{"eng", "ops"}, []string{eng.ID, "grp_gone"}
	r = noSecret("an unknown group", b.form(t, page, page, v, http.StatusUnprocessableEntity))
	if n := strings.Count(r.body, `aria-invalid="true" aria-describedby="create-provider-mappings-error"`); n != 2 ||
		!strings.Contains(r.body, `<option value="grp_gone" selected>grp_gone</option>`) {
		t.Errorf("an unknown group: %d controls marked; want the value and the select of row 2, the id kept:\n%s", n, r.body)
	}
	if list, _ := e.svc.ListOIDCProviders(e.ctx, a); len(list) != 0 {
		t.Fatalf("refused forms created %d providers", len(list))
	}

	// Added: listed, normalised by the service, never with its secret.
	r = noSecret("create", b.form(t, page, page, providerValues(eng.ID), http.StatusSeeOther))
	if loc := r.header.Get("Location"); loc != page+"?notice=created" {
		t.Errorf("create redirected to %q", loc)
	}
	list, err := e.svc.ListOIDCProviders(e.ctx, a)
	if err != nil || len(list) != 1 {
		t.Fatalf("providers = %v, %v; want 1", list, err)
	}
	p := list[0]
	if p.Name != "Corp IdP" || p.Issuer != "https://login.corp.example" || p.ClientID != "signet-ui" || !p.JITCreate || !p.Enabled ||
		strings.Join(p.Scopes, " ") != "email groups profile" || strings.Join(p.AllowedDomains, " ") != "corp.example example.com" ||
		p.GroupsClaim != "groups" || len(p.GroupMappings) != 1 || p.GroupMappings[0] != (signet.GroupMapping{Value: "eng", GroupID: eng.ID}) {
		t.Fatalf("created provider = %+v", p)
	}
	r = noSecret("the list", b.get(page+"?notice=created"))
	row := regexp.MustCompile(`(?s)<tr data-provider-id="` + p.ID + `">.*?</tr>`).FindString(r.body)
	for _, want := range []string{">Corp IdP<", ">https://login.corp.example<", ">signet-ui<", "status-active\">enabled", "created at first sign-in",
		`1 <span class="muted small">(claim <span class="mono">groups</span>)`, "corp.example, example.com", `href="/settings/identity-providers/` + p.ID + `/delete"`} {
		if !strings.Contains(row, want) {
			t.Errorf("the provider's row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(r.body, "No identity providers yet") || strings.Contains(r.body, `id="pl-no-provider"`) {
		t.Errorf("with an enabled provider, the page still shows the empty state or the no-provider warning")
	}
	edit := page + "/" + p.ID
	r = b.get(page + "?dialog=edit-" + p.ID)
	secretInput := regexp.MustCompile(`<input id="edit-` + p.ID + `-client-secret"[^>]*>`).FindString(r.body)
	if !strings.Contains(r.body, `id="edit-`+p.ID+`" class="modal" aria-labelledby="edit-`+p.ID+`-title" open data-autoopen`) || secretInput == "" ||
		strings.Contains(secretInput, "value=") || strings.Contains(secretInput, "required") || !strings.Contains(r.body, `<option value="`+eng.ID+`" selected>Engineers</option>`) {
		t.Errorf("the edit dialog: want it open, the mapping's group selected, an empty optional secret input (%s):\n%s", secretInput, r.body)
	}

	// Edit, keeping the secret: a blank secret changes nothing of it.
	v = providerValues(eng.ID)
	v.Set("name", "Corp SSO")
	v.Set("client_secret", "")
	v.Del("jit_create")
	v["mapping_value"], v["mapping_group"] = []string{""}, []string{""}
	noSecret("edit", b.form(t, page, edit, v, http.StatusSeeOther))
	got, err := e.svc.GetOIDCProvider(e.ctx, a, p.ID)
	if err != nil || got.Name != "Corp SSO" || got.JITCreate || len(got.GroupMappings) != 0 || got.Issuer != p.Issuer {
		t.Errorf("after editing: %+v, %v", got, err)
	}
	if d := lastProviderUpdate(t, e); d["client_secret_changed"] != nil {
		t.Errorf("an edit with an empty secret changed it: %v", d)
	}

	// Edit, replacing the secret.
	v = providerValues(eng.ID)
	v.Set("client_secret", idpNewSecret)
	noSecret("replace the secret", b.form(t, page, edit, v, http.StatusSeeOther))
	if d := lastProviderUpdate(t, e); d["client_secret_changed"] != true {
		t.Errorf("an edit with a new secret did not change it: %v", d)
	}

	// Edit refused: its own dialog, with what was typed but the secret.
	v = providerValues(eng.ID)
	v.Set("issuer", "ftp://login.corp.example")
	v.Set("name", "Renamed")
	v.Set("client_secret", idpNewSecret)
	r = noSecret("a refused edit", b.form(t, page, edit, v, http.StatusUnprocessableEntity))
	if !strings.Contains(r.body, `id="edit-`+p.ID+`" class="modal" aria-labelledby="edit-`+p.ID+`-title" open data-autoopen`) ||
		!strings.Contains(r.body, `id="edit-`+p.ID+`-issuer-error"`) || !strings.Contains(r.body, `value="Renamed"`) || !strings.Contains(r.body, `value="ftp://login.corp.example"`) {
		t.Errorf("a bad edit: want its dialog open with the message beside the issuer and what was typed:\n%s", r.body)
	}
	if got, _ := e.svc.GetOIDCProvider(e.ctx, a, p.ID); got.Name != "Corp IdP" {
		t.Errorf("a refused edit renamed the provider to %q", got.Name)
	}

	// Password sign-in: refused without a break-glass administrator, or
	// with one who is not an administrator; then off, then on again.
	const pl = "/settings/password-login"
	hal := e.human("Hal", "hal@example.com")
	for _, tt := range []struct{ name, user, want string }{
		{"nobody", "", "Name the break-glass administrator"},
		{"a non-administrator", hal.ID, "must be an active human in the Admins group"},
	} {
		r := b.form(t, page, pl, url.Values{"password_login": {"off"}, "break_glass_user_id": {tt.user}}, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, `id="pl-break-glass-error"`) || !strings.Contains(html.UnescapeString(r.body), tt.want) ||
			!strings.Contains(r.body, `aria-invalid="true" aria-describedby="pl-break-glass-error pl-break-glass-hint"`) ||
			!strings.Contains(r.body, `id="pl-off" checked`) {
			t.Errorf("off with %s: want %q beside the select, Off kept:\n%s", tt.name, tt.want, r.body)
		}
	}
	if pw, _ := e.svc.PasswordLogin(e.ctx, a); pw.Disabled {
		t.Fatalf("refused forms turned password sign-in off")
	}
	adminID := e.adminID(t)
	r = b.get(page)
	if !strings.Contains(r.body, `<option value="`+adminID+`">Ada (`+adminEmail+`)</option>`) || strings.Contains(r.body, `<option value="`+hal.ID+`"`) {
		t.Errorf("the break-glass select: want the administrators, not the others:\n%s", r.body)
	}
	r = b.form(t, page, pl, url.Values{"password_login": {"off"}, "break_glass_user_id": {adminID}}, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=password_login_off" {
		t.Errorf("turning it off redirected to %q", loc)
	}
	if pw, err := e.svc.PasswordLogin(e.ctx, a); err != nil || !pw.Disabled || pw.BreakGlassUserID != adminID {
		t.Errorf("after turning it off: %+v, %v", pw, err)
	}
	r = b.get(page + "?notice=password_login_off")
	if !strings.Contains(r.body, "Only <strong>Ada</strong>, the break-glass administrator") || !strings.Contains(r.body, `id="pl-off" checked`) ||
		!strings.Contains(r.body, `<option value="`+adminID+`" selected>`) || !strings.Contains(r.body, "Password sign-in is off") {
		t.Errorf("with password sign-in off: want the state, the notice and the form as it is:\n%s", r.body)
	}
	b.form(t, page, pl, url.Values{"password_login": {"on"}, "break_glass_user_id": {adminID}}, http.StatusSeeOther)
	if pw, _ := e.svc.PasswordLogin(e.ctx, a); pw.Disabled || pw.BreakGlassUserID != "" {
		t.Errorf("after turning it on: %+v", pw)
	}

	// CSRF: a form without the token changes nothing.
	if r := b.post(page, providerValues(eng.ID)); r.status != http.StatusForbidden {
		t.Errorf("POST %s without a CSRF token = %d; want 403", page, r.status)
	}
	if r := b.post(pl, url.Values{"csrf": {"forged"}, "password_login": {"off"}, "break_glass_user_id": {adminID}}); r.status != http.StatusForbidden {
		t.Errorf("POST %s with a forged CSRF token = %d; want 403", pl, r.status)
	}
	if list, _ := e.svc.ListOIDCProviders(e.ctx, a); len(list) != 1 {
		t.Errorf("providers after a forged post = %d; want 1", len(list))
	}

	// Delete: the no-JavaScript confirmation page, then the post.
	r = b.get(edit + "/delete")
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="`+edit+`/delete"`) || !strings.Contains(r.body, "Delete provider") || !strings.Contains(r.body, "Nobody can sign in with it any more") {
		t.Errorf("GET %s/delete = %d; want the confirmation page:\n%s", edit, r.status, r.body)
	}
	r = b.form(t, edit+"/delete", edit+"/delete", nil, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=deleted" {
		t.Errorf("delete redirected to %q", loc)
	}
	if _, err := e.svc.GetOIDCProvider(e.ctx, a, p.ID); signet.ErrorCode(err) != signet.ENOTFOUND {
		t.Errorf("after delete: %v; want ENOTFOUND", err)
	}
	if r := b.get(edit + "/delete"); r.status != http.StatusNotFound {
		t.Errorf("the confirmation of a deleted provider = %d; want 404", r.status)
	}
	r = b.form(t, page, edit+"/delete", nil, http.StatusNotFound)
	if !strings.Contains(r.body, "not found") || !strings.Contains(r.body, `id="providers-empty"`) {
		t.Errorf("deleting a deleted provider: want the message above the page:\n%s", r.body)
	}

	for _, s := range []string{idpSecret, idpNewSecret} {
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("the server log holds a client secret")
		}
	}
}

func TestIdentityProvidersForbidden(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testIdentityProvidersForbidden)
}

func testIdentityProvidersForbidden(t *testing.T) {
	e := newEnv(t)
	a := adminActor(t, e)
	p, err := e.svc.CreateOIDCProvider(e.ctx, a, service.OIDCProviderInput{Name: "Corp IdP", Issuer: "https://login.corp.example",
		ClientID: "signet-ui", ClientSecret: idpSecret})
	if err != nil {
		t.Fatal(err)
	}
	const page = "/settings/identity-providers"
	item := page + "/" + p.ID
	posts := []string{page, item, item + "/delete", "/settings/password-login"}
	form := func(csrf string) url.Values {
		v := providerValues("")
		v.Del("mapping_value")
		v.Del("mapping_group")
		v.Set("csrf", csrf)
		v.Set("password_login", "off")
		v.Set("break_glass_user_id", e.adminID(t))
		return v
	}

	// A manager of one workspace: no entry, and refused.
	e.human("Wendy", "wendy@example.com", service.GrantSpec{RoleID: signet.RoleManageID, WorkspaceID: defaultWS(t, e)})
	b := e.browser()
	b.login("wendy@example.com", adminPassword)
	if r := b.get("/settings/api-keys"); strings.Contains(r.body, `href="/settings/identity-providers"`) {
		t.Errorf("a workspace manager's navigation offers Identity providers")
	}
	for _, u := range []string{page, item + "/delete"} {
		if r := b.get(u); r.status != http.StatusForbidden {
			t.Errorf("GET %s as a workspace manager = %d; want 403", u, r.status)
		}
	}
	csrf := b.csrf("/settings/api-keys")
	for _, u := range posts {
		if r := b.post(u, form(csrf)); r.status != http.StatusForbidden {
			t.Errorf("POST %s as a workspace manager = %d; want 403", u, r.status)
		}
	}

	// An organisation-wide viewer reads, and is offered nothing to change.
	e.human("Vic", "vic@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	v := e.browser()
	v.login("vic@example.com", adminPassword)
	r := v.get(page)
	if r.status != http.StatusOK || !strings.Contains(r.body, `href="/settings/identity-providers" aria-current="page"`) || !strings.Contains(r.body, `data-provider-id="`+p.ID+`"`) ||
		!strings.Contains(r.body, "Only an Admin can turn password sign-in on or off") {
		t.Errorf("GET %s as a viewer = %d; want the page", page, r.status)
	}
	main := r.body[strings.Index(r.body, "<main"):strings.Index(r.body, "</main>")]
	if strings.Contains(main, `method="post"`) || strings.Contains(main, "Add provider") || strings.Contains(main, "/delete") || strings.Contains(main, "client_secret") {
		t.Errorf("the viewer is offered a change:\n%s", main)
	}
	csrf = v.csrf(page)
	for _, u := range posts {
		if r := v.post(u, form(csrf)); r.status != http.StatusForbidden || !strings.Contains(r.body, "settings:write") {
			t.Errorf("POST %s as a viewer = %d; want 403 naming settings:write", u, r.status)
		}
	}

	// settings:write without being an Admin: providers, but not the
	// password switch, and no mapping to the Admins group.
	role, err := e.svc.CreateRole(e.ctx, a, service.RoleInput{Name: "sso admin", Base: signet.BaseView, Permissions: []string{"settings:write"}})
	if err != nil {
		t.Fatal(err)
	}
	e.human("Sam", "sam@example.com", service.GrantSpec{RoleID: role.Role.ID, WorkspaceID: signet.OrganisationWide})
	s := e.browser()
	s.login("sam@example.com", adminPassword)
	r = s.get(page)
	if !strings.Contains(r.body, `id="open-create-provider"`) || strings.Contains(r.body, `id="password-login-form"`) || !strings.Contains(r.body, "Only an Admin can turn password sign-in on or off") {
		t.Errorf("settings:write without Admin: want Add provider and no password sign-in form:\n%s", r.body)
	}
	r = s.form(t, page, "/settings/password-login", url.Values{"password_login": {"off"}, "break_glass_user_id": {e.adminID(t)}}, http.StatusForbidden)
	if !strings.Contains(r.body, `id="password-login-error"`) || !strings.Contains(r.body, "nly an Admin may turn password sign-in on or off") {
		t.Errorf("settings:write without Admin, turning password sign-in off: want the refusal in the section:\n%s", r.body)
	}
	r = s.form(t, page, page, providerValues(signet.AdminsGroupID), http.StatusForbidden)
	if !strings.Contains(r.body, `id="create-provider-error"`) || !strings.Contains(r.body, "would give permissions you do not hold yourself") || strings.Contains(r.body, idpSecret) {
		t.Errorf("settings:write without Admin, mapping Admins: want the refusal in the dialog:\n%s", r.body)
	}
	if list, _ := e.svc.ListOIDCProviders(e.ctx, a); len(list) != 1 || list[0].Name != "Corp IdP" {
		t.Errorf("providers after refused posts: %v", list)
	}
	if pw, _ := e.svc.PasswordLogin(e.ctx, a); pw.Disabled {
		t.Errorf("a refused post turned password sign-in off")
	}
}
