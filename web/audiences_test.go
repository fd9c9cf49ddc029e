package web_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// publicPEM returns a fresh Ed25519 key's public half as PEM, and its
// private half as PKCS #8 PEM.
func publicPEM(t *testing.T) (pub, priv string) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	sder, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: sder}))
}

// adminActor is the first administrator, as an actor of the service.
func adminActor(t *testing.T, e *env) *signet.Actor {
	t.Helper()
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	return e.svc.ActorForUser(admin)
}

func newSA(t *testing.T, e *env, name string) *signet.User {
	t.Helper()
	out, err := e.svc.CreateServiceAccount(e.ctx, adminActor(t, e), service.CreateServiceAccountInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return out.User
}

func TestAudiencePages(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAudiencePages) }

func testAudiencePages(t *testing.T) {
	e := newEnv(t)
	sa := newSA(t, e, "billing-svc")
	b := e.browser()
	b.login(adminEmail, adminPassword)
	const page = "/settings/audiences"

	// The page, its navigation entry, its empty state and no signing key yet.
	r := b.get(page)
	if r.status != http.StatusOK || !strings.Contains(r.body, `href="/settings/audiences" aria-current="page"`) || !strings.Contains(r.body, "No audiences yet") ||
		!strings.Contains(r.body, "tokens name it in <span class=\"mono\">aud</span>") || !strings.Contains(r.body, `id="signing-keys-empty"`) ||
		!strings.Contains(r.body, `href="/.well-known/jwks.json"`) {
		t.Fatalf("GET %s = %d; want the page, its navigation entry, the empty state and the signing keys' section:\n%s", page, r.status, r.body)
	}
	if r := b.get(page + "?dialog=create-audience"); !strings.Contains(r.body, `id="create-audience" class="modal" aria-labelledby="create-audience-title" open data-autoopen`) ||
		!strings.Contains(r.body, `<option value="`+sa.ID+`">billing-svc</option>`) {
		t.Errorf("?dialog=create-audience does not open the create dialog offering the service accounts")
	}

	// Refused: the message beside its field, what was typed kept.
	for _, tt := range []struct {
		name, ident, lifetime, input, want string
	}{
		{"spaces", "billing service", "", "identifier", "without spaces"},
		{"no identifier", "", "", "identifier", "Identifier is required"},
		{"a bad duration", "billing", "forever", "lifetime", "is not a duration"},
		{"too long", "billing", "48h", "lifetime", "Token lifetime must be between 0"},
	} {
		r := b.form(t, page, page, url.Values{"identifier": {tt.ident}, "description": {"Billing API"}, "service_account_id": {sa.ID}, "token_lifetime": {tt.lifetime}}, http.StatusUnprocessableEntity)
		body := html.UnescapeString(r.body)
		if !strings.Contains(r.body, `id="create-audience-`+tt.input+`-error"`) || !strings.Contains(body, tt.want) ||
			!strings.Contains(r.body, `id="create-audience-`+tt.input+`" `) || !strings.Contains(r.body, `aria-invalid="true" aria-describedby="create-audience-`+tt.input+`-error`) {
			t.Errorf("%s: want %q beside the %s input:\n%s", tt.name, tt.want, tt.input, r.body)
		}
		if !strings.Contains(r.body, `open data-autoopen`) || !strings.Contains(r.body, `value="Billing API"`) || !strings.Contains(r.body, `<option value="`+sa.ID+`" selected>`) {
			t.Errorf("%s: want the dialog reopened with what was typed", tt.name)
		}
	}
	r = b.form(t, page, page, url.Values{"identifier": {"billing"}, "service_account_id": {"sa_nope"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="create-audience-account-error"`) {
		t.Errorf("an unknown service account: want the message beside the select:\n%s", r.body)
	}
	if auds, _, _ := e.svc.ListAudiences(e.ctx, signet.SystemActor, signet.Page{}); len(auds) != 0 {
		t.Fatalf("refused forms created %d audiences", len(auds))
	}

	// Created: listed with its account (linked) and lifetime; another with the policy's.
	r = b.form(t, page, page, url.Values{"identifier": {"https://billing.internal"}, "description": {"Billing API"}, "service_account_id": {sa.ID}, "token_lifetime": {"5m"}}, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=created" {
		t.Errorf("create redirected to %q", loc)
	}
	b.form(t, page, page, url.Values{"identifier": {"reports"}}, http.StatusSeeOther)
	auds, _, err := e.svc.ListAudiences(e.ctx, signet.SystemActor, signet.Page{})
	if err != nil || len(auds) != 2 {
		t.Fatalf("audiences = %v, %v; want 2", auds, err)
	}
	var billing, reports *signet.Audience
	for _, a := range auds {
		switch a.Identifier {
		case "https://billing.internal":
			billing = a
		case "reports":
			reports = a
		}
	}
	if billing == nil || reports == nil || billing.ServiceAccountID != sa.ID || billing.TokenLifetime != 5*time.Minute || billing.Description != "Billing API" || reports.TokenLifetime != 0 {
		t.Fatalf("created audiences = %+v, %+v", billing, reports)
	}
	r = b.get(page)
	if !strings.Contains(r.body, `<a href="/settings/users/`+sa.ID+`">billing-svc</a>`) || !strings.Contains(r.body, `<td data-label="Token lifetime">5m</td>`) ||
		!strings.Contains(r.body, "policy default (15m)") || strings.Contains(r.body, "No audiences yet") {
		t.Errorf("the list should show both audiences, the account linked, the lifetimes:\n%s", r.body)
	}

	// A second audience with the same identifier is refused beside it.
	r = b.form(t, page, page, url.Values{"identifier": {"reports"}}, http.StatusConflict)
	if !strings.Contains(r.body, `id="create-audience-identifier-error"`) || !strings.Contains(r.body, "already exists") {
		t.Errorf("a duplicate identifier: want the conflict beside the identifier:\n%s", r.body)
	}

	// Edit: refused with what was typed in its own dialog; then saved.
	edit := page + "/" + billing.ID
	r = b.form(t, page, edit, url.Values{"identifier": {"https://billing.internal"}, "description": {"renamed"}, "token_lifetime": {"25h"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="edit-`+billing.ID+`" class="modal" aria-labelledby="edit-`+billing.ID+`-title" open data-autoopen`) ||
		!strings.Contains(r.body, `id="edit-`+billing.ID+`-lifetime-error"`) || !strings.Contains(r.body, `value="renamed"`) || !strings.Contains(r.body, `value="25h"`) {
		t.Errorf("a bad edit: want its dialog open with the message beside the lifetime and what was typed:\n%s", r.body)
	}
	b.form(t, page, edit, url.Values{"identifier": {"https://billing.internal/v2"}, "description": {"renamed"}, "service_account_id": {""}, "token_lifetime": {""}}, http.StatusSeeOther)
	got, err := e.svc.GetAudience(e.ctx, signet.SystemActor, billing.ID)
	if err != nil || got.Identifier != "https://billing.internal/v2" || got.Description != "renamed" || got.ServiceAccountID != "" || got.TokenLifetime != 0 {
		t.Errorf("after editing: %+v, %v", got, err)
	}

	// Delete: the no-JavaScript confirmation page, then the post.
	r = b.get(edit + "/delete")
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="`+edit+`/delete"`) || !strings.Contains(r.body, "Delete audience") || !strings.Contains(r.body, "introspection answers inactive") {
		t.Errorf("GET %s/delete = %d; want the confirmation page:\n%s", edit, r.status, r.body)
	}
	r = b.form(t, edit+"/delete", edit+"/delete", nil, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=deleted" {
		t.Errorf("delete redirected to %q", loc)
	}
	if _, err := e.svc.GetAudience(e.ctx, signet.SystemActor, billing.ID); signet.ErrorCode(err) != signet.ENOTFOUND {
		t.Errorf("after delete: %v; want ENOTFOUND", err)
	}
	if r := b.get(edit + "/delete"); r.status != http.StatusNotFound {
		t.Errorf("the confirmation of a deleted audience = %d; want 404", r.status)
	}

	// Signing keys: rotate now (its confirmation page first), twice.
	r = b.get("/settings/signing-keys/rotate")
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="/settings/signing-keys/rotate"`) || !strings.Contains(r.body, "keep verifying until it leaves the JWKS") {
		t.Errorf("GET the rotation's confirmation = %d; want the page:\n%s", r.status, r.body)
	}
	r = b.form(t, page, "/settings/signing-keys/rotate", nil, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=signing_rotated" {
		t.Errorf("rotate redirected to %q", loc)
	}
	keys, err := e.svc.SigningKeys(e.ctx, signet.SystemActor)
	if err != nil || len(keys) != 1 {
		t.Fatalf("signing keys = %v, %v; want 1", keys, err)
	}
	r = b.get(page + "?notice=signing_rotated")
	if !strings.Contains(r.body, "a new key signs tokens from now on") || !strings.Contains(r.body, `data-signing-key-id="`+keys[0].ID+`"`) ||
		!strings.Contains(r.body, `status-active">signing`) || strings.Contains(r.body, "BEGIN") {
		t.Errorf("after rotating: want the notice and the signing key, without key material:\n%s", r.body)
	}
	b.form(t, page, "/settings/signing-keys/rotate", nil, http.StatusSeeOther)
	keys, _ = e.svc.SigningKeys(e.ctx, signet.SystemActor)
	if len(keys) != 2 || keys[0].ExpiresAt == nil {
		t.Fatalf("after a second rotation: %d keys; want the old one retired beside the new one", len(keys))
	}
	r = b.get(page)
	if !strings.Contains(r.body, "published until "+keys[0].ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")) || strings.Count(r.body, "data-signing-key-id=") != 2 {
		t.Errorf("after a second rotation: want the retired key published until its expiry:\n%s", r.body)
	}

	// CSRF: a form without the token changes nothing.
	if r := b.post(page, url.Values{"identifier": {"forged"}}); r.status != http.StatusForbidden {
		t.Errorf("POST %s without a CSRF token = %d; want 403", page, r.status)
	}
	if r := b.post("/settings/signing-keys/rotate", url.Values{"csrf": {"forged"}}); r.status != http.StatusForbidden {
		t.Errorf("POST rotate with a forged CSRF token = %d; want 403", r.status)
	}
	if auds, _, _ := e.svc.ListAudiences(e.ctx, signet.SystemActor, signet.Page{}); len(auds) != 1 {
		t.Errorf("audiences after forged posts = %d; want 1", len(auds))
	}
	if keys, _ := e.svc.SigningKeys(e.ctx, signet.SystemActor); len(keys) != 2 {
		t.Errorf("signing keys after a forged rotation = %d; want 2", len(keys))
	}
}

func TestAudiencesForbidden(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAudiencesForbidden) }

func testAudiencesForbidden(t *testing.T) {
	e := newEnv(t)
	a, err := e.svc.CreateAudience(e.ctx, adminActor(t, e), service.AudienceInput{Identifier: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	item := "/settings/audiences/" + a.ID

	// A manager of one workspace: no entry, and refused.
	e.human("Wendy", "wendy@example.com", service.GrantSpec{RoleID: signet.RoleManageID, WorkspaceID: defaultWS(t, e)})
	b := e.browser()
	b.login("wendy@example.com", adminPassword)
	if r := b.get("/settings/api-keys"); strings.Contains(r.body, `href="/settings/audiences"`) {
		t.Errorf("a workspace manager's navigation offers Audiences")
	}
	for _, p := range []string{"/settings/audiences", item + "/delete", "/settings/signing-keys/rotate"} {
		if r := b.get(p); r.status != http.StatusForbidden {
			t.Errorf("GET %s as a workspace manager = %d; want 403", p, r.status)
		}
	}
	csrf := b.csrf("/settings/api-keys")
	for _, p := range []string{"/settings/audiences", item, item + "/delete", "/settings/signing-keys/rotate"} {
		if r := b.post(p, url.Values{"csrf": {csrf}, "identifier": {"x"}}); r.status != http.StatusForbidden {
			t.Errorf("POST %s as a workspace manager = %d; want 403", p, r.status)
		}
	}

	// An organisation-wide viewer reads, and is offered nothing to change.
	e.human("Vic", "vic@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	v := e.browser()
	v.login("vic@example.com", adminPassword)
	r := v.get("/settings/audiences")
	if r.status != http.StatusOK || !strings.Contains(r.body, `href="/settings/audiences" aria-current="page"`) || !strings.Contains(r.body, ">billing</td>") {
		t.Errorf("GET /settings/audiences as a viewer = %d; want the page", r.status)
	}
	main := r.body[strings.Index(r.body, "<main"):strings.Index(r.body, "</main>")]
	if strings.Contains(main, `method="post"`) || strings.Contains(main, "Create audience") || strings.Contains(main, "Rotate now") || strings.Contains(main, "/delete") {
		t.Errorf("the viewer is offered a change:\n%s", main)
	}
	csrf = v.csrf("/settings/audiences")
	for _, p := range []string{"/settings/audiences", item, item + "/delete", "/settings/signing-keys/rotate"} {
		if r := v.post(p, url.Values{"csrf": {csrf}, "identifier": {"x"}}); r.status != http.StatusForbidden || !strings.Contains(r.body, "settings:write") {
			t.Errorf("POST %s as a viewer = %d; want 403 naming settings:write", p, r.status)
		}
	}
	if got, err := e.svc.GetAudience(e.ctx, signet.SystemActor, a.ID); err != nil || got.Identifier != "billing" {
		t.Errorf("the audience after refused posts: %+v, %v", got, err)
	}
	if keys, _ := e.svc.SigningKeys(e.ctx, signet.SystemActor); len(keys) != 0 {
		t.Errorf("refused rotations made %d signing keys", len(keys))
	}
}

func TestPublicKeyPages(t *testing.T) { t.Parallel(); testdb.ForEach(t, testPublicKeyPages) }

func testPublicKeyPages(t *testing.T) {
	e := newEnv(t)
	sa := newSA(t, e, "ci-deployer")
	b := e.browser()
	b.login(adminEmail, adminPassword)
	page := "/settings/users/" + sa.ID
	add := page + "/public-keys"

	r := b.get(page)
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="public-keys"`) || !strings.Contains(r.body, `id="public-keys-empty"`) || !strings.Contains(r.body, `id="open-add-public-key"`) {
		t.Fatalf("GET %s = %d; want the Public keys section with its empty state:\n%s", page, r.status, r.body)
	}
	r = b.get(page + "?dialog=add-public-key")
	if !strings.Contains(r.body, `id="add-public-key" class="modal" aria-labelledby="add-public-key-title" open data-autoopen`) ||
		!strings.Contains(r.body, "The public half only; Signet never sees the private key.") {
		t.Errorf("?dialog=add-public-key does not open the dialog with its help")
	}
	if r := b.get("/settings/users/" + e.human("Hal", "hal@example.com").ID); strings.Contains(r.body, `id="public-keys"`) {
		t.Errorf("a person's page shows a Public keys section")
	}

	pub, priv := publicPEM(t)
	// A private key is refused with the service's message, and not sent back.
	r = b.form(t, page, add, url.Values{"name": {"ci-signer"}, "public_key": {priv}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="pk-key-error"`) || !strings.Contains(html.UnescapeString(r.body), "never a private key") ||
		!strings.Contains(r.body, `aria-invalid="true" aria-describedby="pk-key-error pk-key-hint"`) || !strings.Contains(r.body, `value="ci-signer"`) {
		t.Errorf("a private key: want the service's message beside the key, the name kept:\n%s", r.body)
	}
	if body := html.UnescapeString(r.body); strings.Contains(body, "PRIVATE KEY-----\n") || strings.Contains(body, strings.Split(priv, "\n")[1]) {
		t.Errorf("the page sent a pasted private key back")
	}
	if strings.Contains(e.logs.String(), strings.Split(priv, "\n")[1]) {
		t.Errorf("the server log contains a pasted private key")
	}
	// A JWK with its private member.
	r = b.form(t, page, add, url.Values{"name": {"jwk"}, "public_key": {`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="pk-key-error"`) || !strings.Contains(html.UnescapeString(r.body), "holds a private key") || strings.Contains(r.body, "nWGxne") {
		t.Errorf("a private JWK: want the message beside the key and the JWK not sent back:\n%s", r.body)
	}
	// No name: beside the name, the public key kept.
	r = b.form(t, page, add, url.Values{"name": {"  "}, "public_key": {pub}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="pk-name-error"`) || !strings.Contains(html.UnescapeString(r.body), strings.Split(pub, "\n")[1]) {
		t.Errorf("no name: want the message beside the name and the key kept:\n%s", r.body)
	}
	if keys, _ := e.svc.ListClientKeys(e.ctx, signet.SystemActor, sa.ID); len(keys) != 0 {
		t.Fatalf("refused forms added %d keys", len(keys))
	}

	// Added: listed with its algorithm, thumbprint and who added it.
	r = b.form(t, page, add, url.Values{"name": {"ci-signer"}, "public_key": {pub}}, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=added" {
		t.Errorf("add redirected to %q", loc)
	}
	keys, err := e.svc.ListClientKeys(e.ctx, signet.SystemActor, sa.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("client keys = %v, %v; want 1", keys, err)
	}
	k := keys[0]
	r = b.get(page)
	if !strings.Contains(r.body, `data-public-key-id="`+k.ID+`"`) || !strings.Contains(r.body, ">EdDSA<") || !strings.Contains(r.body, k.Thumbprint) ||
		!strings.Contains(r.body, "by Ada") || strings.Contains(r.body, `id="public-keys-empty"`) {
		t.Errorf("the list should show the key:\n%s", r.body)
	}
	// The same key again: refused beside the key.
	r = b.form(t, page, add, url.Values{"name": {"again"}, "public_key": {pub}}, http.StatusConflict)
	if !strings.Contains(r.body, `id="pk-key-error"`) || !strings.Contains(r.body, "already registered") {
		t.Errorf("a duplicate key: want the conflict beside the key:\n%s", r.body)
	}
	// A P-256 JWK works too.
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	b.form(t, page, add, url.Values{"name": {"ec"}, "public_key": {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))}}, http.StatusSeeOther)

	// A viewer sees the keys, and is offered nothing to change.
	e.human("Vic", "vic@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	v := e.browser()
	v.login("vic@example.com", adminPassword)
	r = v.get(page)
	if !strings.Contains(r.body, `data-public-key-id="`+k.ID+`"`) || strings.Contains(r.body, "open-add-public-key") || strings.Contains(r.body, "/public-keys/"+k.ID+"/delete") {
		t.Errorf("a viewer: want the keys listed and no change offered")
	}
	csrf := v.csrf(page)
	for _, p := range []string{add, add + "/" + k.ID + "/delete"} {
		if r := v.post(p, url.Values{"csrf": {csrf}, "name": {"x"}, "public_key": {pub}}); r.status != http.StatusForbidden || !strings.Contains(r.body, "service_accounts:write") {
			t.Errorf("POST %s as a viewer = %d; want 403 naming service_accounts:write", p, r.status)
		}
	}
	// CSRF.
	if r := b.post(add+"/"+k.ID+"/delete", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("delete without a CSRF token = %d; want 403", r.status)
	}

	// Delete: the confirmation page, then the post.
	del := add + "/" + k.ID + "/delete"
	r = b.get(del)
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="`+del+`"`) || !strings.Contains(r.body, "Delete public key") {
		t.Errorf("GET %s = %d; want the confirmation page:\n%s", del, r.status, r.body)
	}
	r = b.form(t, del, del, nil, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=removed" {
		t.Errorf("delete redirected to %q", loc)
	}
	if keys, _ := e.svc.ListClientKeys(e.ctx, signet.SystemActor, sa.ID); len(keys) != 1 || keys[0].ID == k.ID {
		t.Errorf("after delete: %v; want only the P-256 key", keys)
	}
	if r := b.get(del); r.status != http.StatusNotFound {
		t.Errorf("the confirmation of a deleted key = %d; want 404", r.status)
	}
	r = b.form(t, page, del, nil, http.StatusNotFound)
	if !strings.Contains(r.body, `id="public-keys-error"`) {
		t.Errorf("deleting a deleted key: want the message beside the public keys:\n%s", r.body)
	}
}
