package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/scim"
	"github.com/signetdev/signet/service"
)

// env is a Signet serving its REST API and SCIM behind the one edge, as
// signet serve does, with an administrator, the identity provider's
// SCIM token (a service-account key holding scim:write) and a person,
// Grace, with a password, a personal key and a service account she owns.
type env struct {
	t       *testing.T
	ctx     context.Context
	srv     *httptest.Server
	svc     *service.Service
	admin   *signet.Actor
	token   string // the SCIM token
	grace   *signet.User
	graceSA *signet.User
	// graceKey is Grace's personal key.
	graceKey string
}

const password = "correct horse battery staple"

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := testdb.Open(t)
	var verifier *authn.Verifier
	svc := service.New(st, service.Options{BcryptCost: 4, OnChange: func() { verifier.Invalidate() }})
	verifier = authn.NewVerifier(svc, authn.NewUsageRecorder(svc.RecordKeyUsage, nil), nil)
	auth := authn.NewAuthenticator(verifier, svc)
	token, err := svc.Bootstrap(ctx)
	must(t, err)
	adminUser, err := svc.CompleteSetup(ctx, token, service.CreateHumanInput{Name: "Ada", Email: "ada@example.com", Password: password})
	must(t, err)
	e := &env{t: t, ctx: ctx, svc: svc, admin: svc.ActorForUser(adminUser)}
	mux := http.NewServeMux()
	httpapi.NewAPI(httpapi.Config{Service: svc, Auth: auth, Ready: st.Ping}).Register(mux)
	scim.Register(mux, scim.Config{Service: svc, Auth: auth})
	e.srv = httptest.NewServer(httpedge.New(httpedge.Config{}).Wrap(mux))
	t.Cleanup(e.srv.Close)

	role, err := svc.CreateRole(ctx, e.admin, service.RoleInput{Name: "SCIM provisioning", Base: signet.BaseNone, Permissions: []string{"scim:write"}})
	must(t, err)
	sa, err := svc.CreateServiceAccount(ctx, e.admin, service.CreateServiceAccountInput{Name: "okta-scim",
		Grants: []service.GrantSpec{{RoleID: role.Role.ID, WorkspaceID: signet.OrganisationWide}}, Key: &service.CreateKeyInput{Name: "scim"}})
	must(t, err)
	e.token = sa.Key.Secret
	e.grace, err = svc.CreateHuman(ctx, e.admin, service.CreateHumanInput{Name: "Grace Hopper", Email: "grace@example.com", Password: password})
	must(t, err)
	k, err := svc.CreateAPIKey(ctx, svc.ActorForUser(e.grace), e.grace.ID, service.CreateKeyInput{Name: "laptop"})
	must(t, err)
	e.graceKey = k.Secret
	owned, err := svc.CreateServiceAccount(ctx, e.admin, service.CreateServiceAccountInput{Name: "graces-etl", OwnerType: "user", OwnerID: e.grace.ID})
	must(t, err)
	e.graceSA = owned.User
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// do sends a SCIM request with token ("" for none) and decodes the
// answer into a map.
func (e *env) do(method, path, token, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.srv.Client().Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s = %d, body %q is not JSON", method, path, resp.StatusCode, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
			e.t.Errorf("%s %s: Content-Type %q; want application/scim+json", method, path, ct)
		}
	}
	return resp.StatusCode, out
}

// apiStatus is the status of GET /api/v1/me with key.
func (e *env) apiStatus(key string) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := e.srv.Client().Do(req)
	must(e.t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) session() string {
	e.t.Helper()
	ns, err := e.svc.Login(e.ctx, e.grace.Email, password)
	must(e.t, err)
	return ns.Token
}

// deactivations are the PATCH bodies Okta and Entra ID send to
// deactivate a user (their documented shapes differ: Okta a value object
// without a path, Entra a capitalised op with a path and a string
// boolean).
var deactivations = []struct{ name, body string }{
	{"Okta", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`},
	{"Entra ID", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`},
}

// TestDeactivation: a provider's deactivation ends the person's live
// session and refuses their personal key at once, lists the service
// accounts they own, and is audited; reactivating gives the key back.
func TestDeactivation(t *testing.T) { t.Parallel(); testdb.ForEach(t, testDeactivation) }

func testDeactivation(t *testing.T) {
	for _, tc := range deactivations {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ses := e.session()
			if st := e.apiStatus(e.graceKey); st != http.StatusOK {
				t.Fatalf("Grace's key before = %d; want 200", st)
			}
			st, u := e.do("PATCH", "/scim/v2/Users/"+e.grace.ID, e.token, tc.body)
			if st != http.StatusOK || u["active"] != false {
				t.Fatalf("PATCH (deactivate) = %d %v; want 200, active false", st, u)
			}
			ext, _ := u[scim.SchemaSignetExt].(map[string]any)
			owned, _ := ext["ownedServiceAccounts"].([]any)
			if len(owned) != 1 || owned[0].(map[string]any)["value"] != e.graceSA.ID {
				t.Errorf("ownedServiceAccounts = %v; want [%s]", ext, e.graceSA.ID)
			}
			if _, err := e.svc.LookupSession(e.ctx, ses); signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
				t.Errorf("Grace's session after deactivation = %v; want EUNAUTHENTICATED", err)
			}
			if st := e.apiStatus(e.graceKey); st != http.StatusUnauthorized {
				t.Errorf("Grace's personal key after deactivation = %d; want 401", st)
			}
			evs, _, err := e.svc.ListAuditEvents(e.ctx, e.admin, signet.AuditFilter{Action: "user.disable"})
			must(t, err)
			if len(evs) != 1 || evs[0].TargetID != e.grace.ID || evs[0].Details["via"] != "scim" || evs[0].Details["owned_service_accounts"] == nil {
				t.Fatalf("user.disable events = %+v; want one for Grace, via scim, listing her service accounts", evs)
			}
			// Reactivation gives back the keys the deactivation disabled.
			st, u = e.do("PATCH", "/scim/v2/Users/"+e.grace.ID, e.token, strings.ReplaceAll(strings.ReplaceAll(tc.body, "false", "true"), "False", "True"))
			if st != http.StatusOK || u["active"] != true {
				t.Fatalf("PATCH (reactivate) = %d %v; want 200, active true", st, u)
			}
			if st := e.apiStatus(e.graceKey); st != http.StatusOK {
				t.Errorf("Grace's personal key after reactivation = %d; want 200", st)
			}
			// Repeating it changes nothing.
			if st, _ := e.do("PATCH", "/scim/v2/Users/"+e.grace.ID, e.token, strings.ReplaceAll(strings.ReplaceAll(tc.body, "false", "true"), "False", "True")); st != http.StatusOK {
				t.Errorf("PATCH (reactivate again) = %d; want 200", st)
			}
		})
	}
}

// TestProviderShapes: the create, update and PATCH shapes Okta and Entra
// ID document, and the answers they expect.
func TestProviderShapes(t *testing.T) { t.Parallel(); testdb.ForEach(t, testProviderShapes) }

func testProviderShapes(t *testing.T) {
	e := newEnv(t)
	// Okta and Entra ID look the user up first.
	st, list := e.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "linus@example.com"`)+"&startIndex=1&count=100", e.token, "")
	if st != http.StatusOK || list["totalResults"] != float64(0) || len(list["Resources"].([]any)) != 0 {
		t.Fatalf("GET filter (nobody) = %d %v; want 200 and no results", st, list)
	}
	// Okta's create.
	st, u := e.do("POST", "/scim/v2/Users", e.token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"linus@example.com",
		"name":{"givenName":"Linus","familyName":"Torvalds"},"emails":[{"primary":true,"value":"linus@example.com","type":"work"}],
		"displayName":"Linus Torvalds","locale":"en-US","externalId":"00u1","groups":[],"password":"ignored","active":true}`)
	if st != http.StatusCreated || u["userName"] != "linus@example.com" || u["displayName"] != "Linus Torvalds" || u["active"] != true {
		t.Fatalf("POST (Okta) = %d %v; want 201 and the user", st, u)
	}
	id := u["id"].(string)
	st, list = e.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "Linus@Example.com"`), e.token, "")
	if st != http.StatusOK || list["totalResults"] != float64(1) || list["Resources"].([]any)[0].(map[string]any)["id"] != id {
		t.Errorf("GET filter (found, any case) = %d %v; want the user", st, list)
	}
	// A second create of the same person is a conflict.
	st, errBody := e.do("POST", "/scim/v2/Users", e.token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"linus@example.com","active":true}`)
	if st != http.StatusConflict || errBody["scimType"] != "uniqueness" || errBody["status"] != "409" {
		t.Errorf("POST (duplicate) = %d %v; want 409, scimType uniqueness", st, errBody)
	}
	// Entra ID's attribute updates: capitalised ops, paths, an email
	// filter path, and attributes Signet does not keep.
	st, u = e.do("PATCH", "/scim/v2/Users/"+id, e.token, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"displayName","value":"Linus B. Torvalds"},
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"linus.torvalds@example.com"},
		{"op":"Add","path":"title","value":"Kernel"},
		{"op":"Replace","path":"externalId","value":"e1"}]}`)
	if st != http.StatusOK || u["displayName"] != "Linus B. Torvalds" || u["userName"] != "linus.torvalds@example.com" {
		t.Errorf("PATCH (Entra ID attributes) = %d %v; want the new name and email", st, u)
	}
	// Okta's PUT replaces the user.
	st, u = e.do("PUT", "/scim/v2/Users/"+id, e.token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`",
		"userName":"linus.torvalds@example.com","name":{"givenName":"Linus","familyName":"T"},"emails":[{"primary":true,"value":"linus.torvalds@example.com","type":"work"}],"active":true}`)
	if st != http.StatusOK || u["displayName"] != "Linus T" {
		t.Errorf("PUT (Okta) = %d %v; want the name from name.givenName and familyName", st, u)
	}
	// An unsupported filter, an unknown op and an unknown user.
	if st, b := e.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`title eq "x"`), e.token, ""); st != http.StatusBadRequest || b["scimType"] != "invalidFilter" {
		t.Errorf("GET with an unsupported filter = %d %v; want 400 invalidFilter", st, b)
	}
	if st, _ := e.do("PATCH", "/scim/v2/Users/"+id, e.token, `{"Operations":[{"op":"move","path":"active","value":false}]}`); st != http.StatusBadRequest {
		t.Errorf("PATCH with op move = %d; want 400", st)
	}
	if st, b := e.do("GET", "/scim/v2/Users/usr_missing", e.token, ""); st != http.StatusNotFound || b["status"] != "404" {
		t.Errorf("GET an unknown user = %d %v; want 404 in SCIM's error shape", st, b)
	}
	// Deleting ends the person.
	if st, _ := e.do("DELETE", "/scim/v2/Users/"+id, e.token, ""); st != http.StatusNoContent {
		t.Errorf("DELETE = %d; want 204", st)
	}
	if st, _ := e.do("GET", "/scim/v2/Users/"+id, e.token, ""); st != http.StatusNotFound {
		t.Errorf("GET after DELETE = %d; want 404", st)
	}
}

// TestListPagination walks the users with startIndex and count and gets
// each person exactly once, service accounts never.
func TestListPagination(t *testing.T) { t.Parallel(); testdb.ForEach(t, testListPagination) }

func testListPagination(t *testing.T) {
	e := newEnv(t)
	want := []string{"ada@example.com", "grace@example.com"}
	for i := range 5 {
		email := fmt.Sprintf("person%d@example.com", i)
		if st, _ := e.do("POST", "/scim/v2/Users", e.token, `{"userName":"`+email+`","active":true}`); st != http.StatusCreated {
			t.Fatalf("POST %s = %d", email, st)
		}
		want = append(want, email)
	}
	var got []string
	for start := 1; ; start += 2 {
		st, page := e.do("GET", fmt.Sprintf("/scim/v2/Users?startIndex=%d&count=2", start), e.token, "")
		if st != http.StatusOK || page["totalResults"] != float64(len(want)) || page["startIndex"] != float64(start) {
			t.Fatalf("GET startIndex=%d = %d %v; want totalResults %d", start, st, page, len(want))
		}
		res := page["Resources"].([]any)
		if len(res) == 0 {
			break
		}
		for _, r := range res {
			got = append(got, r.(map[string]any)["userName"].(string))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("paged userNames = %v; want %v", got, want)
	}
}

// TestAuth: SCIM needs a key holding scim:write organisation-wide.
func TestAuth(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAuth) }

func testAuth(t *testing.T) {
	e := newEnv(t)
	if st, b := e.do("GET", "/scim/v2/Users", "", ""); st != http.StatusUnauthorized || b["schemas"].([]any)[0] != scim.SchemaError {
		t.Errorf("GET without a token = %d %v; want 401 in SCIM's error shape", st, b)
	}
	if st, _ := e.do("GET", "/scim/v2/Users", e.graceKey, ""); st != http.StatusForbidden {
		t.Errorf("GET with a key lacking scim:write = %d; want 403", st)
	}
	if st, _ := e.do("PATCH", "/scim/v2/Users/"+e.grace.ID, e.graceKey, deactivations[0].body); st != http.StatusForbidden {
		t.Errorf("PATCH with a key lacking scim:write = %d; want 403", st)
	}
	// The last active administrator cannot be deactivated.
	if st, b := e.do("PATCH", "/scim/v2/Users/"+e.admin.UserID, e.token, deactivations[0].body); st != http.StatusConflict {
		t.Errorf("PATCH deactivating the last Admin = %d %v; want 409", st, b)
	}
}
