package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/signetdev/signet/internal/testdb"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
)

// fixture is one of every resource, for the bad-input table to aim at.
type fixture struct {
	saID, saKeyID, humanID, groupID, roleID, wsID, grantID, eventID, personalKeyID string
	webhookID, deliveryID                                                          string
	audienceID, clientKeyID                                                        string
	providerID                                                                     string
}

func newFixture(t *testing.T, e *env) fixture {
	t.Helper()
	ctx, c := e.ctx, e.admin
	var f fixture
	ws := must(c.CreateWorkspace(ctx, client.CreateWorkspaceRequest{Name: "analytics"}))(t)
	f.wsID = ws.ID
	sa := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name: "loader", Grants: []client.GrantSpec{{RoleID: "role_view", WorkspaceID: ws.ID}},
		APIKey: &client.CreateAPIKeyRequest{Name: "k1"},
	}))(t)
	f.saID, f.saKeyID = sa.ServiceAccount.ID, sa.APIKey.ID
	h := must(c.CreateUser(ctx, client.CreateUserRequest{Name: "Bob", Email: "bob@example.com", Password: "a long enough password"}))(t)
	f.humanID = h.ID
	g := must(c.CreateGroup(ctx, client.CreateGroupRequest{Name: "pipelines"}))(t)
	f.groupID = g.ID
	r := must(c.CreateRole(ctx, client.CreateRoleRequest{Name: "Auditor", Base: "view", Permissions: []string{"audit:read"}}))(t)
	f.roleID = r.ID
	gr := must(c.CreateGrant(ctx, client.CreateGrantRequest{SubjectType: "group", SubjectID: g.ID, RoleID: r.ID, WorkspaceID: ws.ID}))(t)
	f.grantID = gr.ID
	evs := must(c.ListAuditEvents(ctx, client.ListAuditEventsOptions{ListOptions: client.ListOptions{Limit: 1}}))(t)
	if len(evs.Data) == 0 {
		t.Fatal("no audit event")
	}
	f.eventID = evs.Data[0].ID
	pk := must(c.ListPersonalKeys(ctx, client.ListOptions{}))(t)
	f.personalKeyID = pk.Data[0].ID
	wh := must(c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: "http://127.0.0.1:9/hooks", EventTypes: []string{"api_key.*"}}))(t)
	f.webhookID = wh.ID
	f.deliveryID = must(c.SendTestWebhook(ctx, wh.ID))(t).ID
	f.audienceID = must(c.CreateAudience(ctx, client.CreateAudienceRequest{Identifier: "https://billing.internal"}))(t).ID
	f.clientKeyID = must(c.CreateClientKey(ctx, f.saID, client.CreateClientKeyRequest{Name: "ci", PublicKey: ed25519PEM(t)}))(t).ID
	f.providerID = must(c.CreateOIDCProvider(ctx, client.CreateOIDCProviderRequest{Name: "Okta", Issuer: "https://corp.okta.example",
		ClientID: "signet", ClientSecret: "s3cret"}))(t).ID
	return f
}

// fill substitutes the fixture's ids in a route pattern.
func (f fixture) fill(pattern string) string {
	id := ""
	switch {
	case strings.HasPrefix(pattern, "/api/v1/service-accounts/"):
		id = f.saID
	case strings.HasPrefix(pattern, "/api/v1/api-keys/"):
		id = f.saKeyID
	case strings.HasPrefix(pattern, "/api/v1/me/api-keys/"):
		id = f.personalKeyID
	case strings.HasPrefix(pattern, "/api/v1/users/"):
		id = f.humanID
	case strings.HasPrefix(pattern, "/api/v1/groups/"):
		id = f.groupID
	case strings.HasPrefix(pattern, "/api/v1/roles/"):
		id = f.roleID
	case strings.HasPrefix(pattern, "/api/v1/workspaces/"):
		id = f.wsID
	case strings.HasPrefix(pattern, "/api/v1/grants/"):
		id = f.grantID
	case strings.HasPrefix(pattern, "/api/v1/audit-events/"):
		id = f.eventID
	case strings.HasPrefix(pattern, "/api/v1/webhooks/"):
		id = f.webhookID
	case strings.HasPrefix(pattern, "/api/v1/oauth/audiences/"):
		id = f.audienceID
	case strings.HasPrefix(pattern, "/api/v1/sso/providers/"):
		id = f.providerID
	}
	return strings.NewReplacer("{id}", id, "{user_id}", f.humanID, "{delivery_id}", f.deliveryID, "{key_id}", f.clientKeyID).Replace(pattern)
}

// snapshot is everything a client can see, as JSON, for "the database is
// unchanged" comparisons.
func snapshot(t *testing.T, e *env) string {
	t.Helper()
	ctx, c := e.ctx, e.admin
	var b strings.Builder
	add := func(name string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %s\n", name, j)
	}
	users := collectAll(t, func(cursor string) (*client.Page[client.User], error) {
		return c.ListUsers(ctx, client.ListUsersOptions{Kind: "all", ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
	})
	for _, u := range users {
		add("user", must(c.GetUser(ctx, u.ID))(t))
	}
	for _, kind := range []string{client.KeyKindServiceAccount, client.KeyKindPersonal} {
		keys := collectAll(t, func(cursor string) (*client.Page[client.APIKey], error) {
			return c.ListAPIKeys(ctx, client.ListAPIKeysOptions{Kind: kind, ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
		})
		for i := range keys {
			keys[i].LastUsedAt = nil // recorded behind requests, not state under test
		}
		add("keys", keys)
	}
	groups := collectAll(t, func(cursor string) (*client.Page[client.Group], error) {
		return c.ListGroups(ctx, client.ListOptions{Limit: 200, Cursor: cursor})
	})
	for _, g := range groups {
		add("group", must(c.GetGroup(ctx, g.ID))(t))
	}
	add("roles", collectAll(t, func(cursor string) (*client.Page[client.Role], error) {
		return c.ListRoles(ctx, client.ListOptions{Limit: 200, Cursor: cursor})
	}))
	add("workspaces", collectAll(t, func(cursor string) (*client.Page[client.Workspace], error) {
		return c.ListWorkspaces(ctx, client.ListOptions{Limit: 200, Cursor: cursor})
	}))
	add("grants", collectAll(t, func(cursor string) (*client.Page[client.Grant], error) {
		return c.ListGrants(ctx, client.ListGrantsOptions{ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
	}))
	add("permissions", must(c.ListPermissions(ctx))(t))
	events := collectAll(t, func(cursor string) (*client.Page[client.AuditEvent], error) {
		return c.ListAuditEvents(ctx, client.ListAuditEventsOptions{ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
	})
	add("audit events", len(events))
	return b.String()
}

func collectAll[T any](t *testing.T, list func(cursor string) (*client.Page[T], error)) []T {
	t.Helper()
	var out []T
	for v, err := range client.All(t.Context(), func(_ context.Context, cursor string) (*client.Page[T], error) { return list(cursor) }) {
		if err != nil {
			t.Fatalf("listing: %v", err)
		}
		out = append(out, v)
	}
	return out
}

// bodyRoutes lists, for every route that takes a JSON body, a body with a
// field of the wrong type and the message naming it.
var bodyRoutes = map[string]struct {
	wrongType, wantMsg string
	optional           bool // the body may be omitted
}{
	"POST /api/v1/setup":                             {`{"token":5}`, `field "token" must be a string, not a number`, false},
	"POST /api/v1/check":                             {`{"checks":[{"key":5}]}`, `field "checks.key" must be a string, not a number`, false},
	"POST /api/v1/login":                             {`{"email":5}`, `field "email" must be a string, not a number`, false},
	"POST /api/v1/me/api-keys":                       {`{"name":5}`, `field "name" must be a string, not a number`, false},
	"POST /api/v1/me/api-keys/{id}/revoke":           {`{"reason":true}`, `field "reason" must be a string, not a boolean`, true},
	"POST /api/v1/service-accounts":                  {`{"name":"x","api_key":{"name":5}}`, `field "api_key.name" must be a string, not a number`, false},
	"PATCH /api/v1/service-accounts/{id}":            {`{"name":["x"]}`, `field "name" must be a string, not an array`, false},
	"PUT /api/v1/service-accounts/{id}/groups":       {`{"group_ids":"grp_x"}`, `field "group_ids" must be an array, not a string`, false},
	"POST /api/v1/service-accounts/{id}/api-keys":    {`{"name":"k","scopes":[1]}`, `field "scopes" must be a string, not a number`, false},
	"POST /api/v1/api-keys/{id}/revoke":              {`{"reason":{}}`, `field "reason" must be a string, not an object`, true},
	"PATCH /api/v1/api-keys/{id}":                    {`{"allowed_networks":"10.0.0.0/8"}`, `field "allowed_networks" must be an array, not a string`, false},
	"POST /api/v1/api-keys/{id}/rotate":              {`{"grace":24}`, `field "grace" must be a string, not a number`, true},
	"POST /api/v1/api-keys/{id}/disable":             {`{"reason":5}`, `field "reason" must be a string, not a number`, true},
	"POST /api/v1/users":                             {`{"email":5}`, `field "email" must be a string, not a number`, false},
	"PATCH /api/v1/users/{id}":                       {`{"password":5}`, `field "password" must be a string, not a number`, false},
	"POST /api/v1/groups":                            {`{"name":5}`, `field "name" must be a string, not a number`, false},
	"PATCH /api/v1/groups/{id}":                      {`{"description":5}`, `field "description" must be a string, not a number`, false},
	"POST /api/v1/groups/{id}/members":               {`{"user_id":5}`, `field "user_id" must be a string, not a number`, false},
	"POST /api/v1/roles":                             {`{"name":"r","base":"view","permissions":"audit:read"}`, `field "permissions" must be an array, not a string`, false},
	"PATCH /api/v1/roles/{id}":                       {`{"base":1}`, `field "base" must be a string, not a number`, false},
	"POST /api/v1/permission-domains":                {`{"name":5}`, `field "name" must be a string, not a number`, false},
	"POST /api/v1/grants":                            {`{"role_id":5}`, `field "role_id" must be a string, not a number`, false},
	"POST /api/v1/workspaces":                        {`{"name":5}`, `field "name" must be a string, not a number`, false},
	"PATCH /api/v1/workspaces/{id}":                  {`{"name":5}`, `field "name" must be a string, not a number`, false},
	"PUT /api/v1/key-policy":                         {`{"require_expiry":"yes"}`, `field "require_expiry" must be a boolean, not a string`, false},
	"POST /api/v1/webhooks":                          {`{"url":"https://example.com","event_types":"*"}`, `field "event_types" must be an array, not a string`, false},
	"PATCH /api/v1/webhooks/{id}":                    {`{"enabled":"yes"}`, `field "enabled" must be a boolean, not a string`, false},
	"POST /api/v1/webhooks/{id}/rotate-secret":       {`{"overlap":24}`, `field "overlap" must be a string, not a number`, true},
	"POST /api/v1/oauth/audiences":                   {`{"identifier":5}`, `field "identifier" must be a string, not a number`, false},
	"PATCH /api/v1/oauth/audiences/{id}":             {`{"token_lifetime":300}`, `field "token_lifetime" must be a string, not a number`, false},
	"POST /api/v1/service-accounts/{id}/client-keys": {`{"name":"k","public_key":{"kty":"OKP"}}`, `field "public_key" must be a string, not an object`, false},
	"POST /api/v1/sso/providers":                     {`{"name":5}`, `field "name" must be a string, not a number`, false},
	"PATCH /api/v1/sso/providers/{id}":               {`{"jit_create":"yes"}`, `field "jit_create" must be a boolean, not a string`, false},
	"PUT /api/v1/sso/password-login":                 {`{"disabled":"yes"}`, `field "disabled" must be a boolean, not a string`, false},
}

// noBodyRoutes are the POST routes that take no body.
var noBodyRoutes = []string{
	"POST /api/v1/service-accounts/{id}/disable", "POST /api/v1/service-accounts/{id}/enable",
	"POST /api/v1/users/{id}/disable", "POST /api/v1/users/{id}/enable",
	"POST /api/v1/api-keys/{id}/enable",
	"POST /api/v1/webhooks/{id}/test", "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
	"POST /api/v1/oauth/signing-keys/rotate",
}

// ownBodyRoutes take a body of their own format, tested where they are:
// leak reports are a signed JSON array, read as the sender's format (see
// secret_scanning_test.go); the OAuth endpoints take forms and answer in
// OAuth's error shape (see package issuer's tests).
var ownBodyRoutes = []string{"POST /api/v1/secret-scanning/reports", "POST /oauth2/token", "POST /oauth2/introspect", "POST /oauth2/revoke"}

type badCase struct {
	name         string
	method, path string
	body         string
	headers      []string
	status       int
	code         string
	msg          string // a substring of the message
}

func TestBadInput(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBadInput) }

func testBadInput(t *testing.T) {
	e := newEnv(t).withAdmin()
	f := newFixture(t, e)
	var cases []badCase

	// Decoding failures, on every route with a body.
	for _, rt := range httpapi.Routes() {
		key := rt.Method + " " + rt.Pattern
		if rt.Method != "POST" && rt.Method != "PUT" && rt.Method != "PATCH" || slices.Contains(noBodyRoutes, key) || slices.Contains(ownBodyRoutes, key) {
			continue
		}
		br, ok := bodyRoutes[key]
		if !ok {
			t.Errorf("route %s takes a body but is not in bodyRoutes", key)
			continue
		}
		path := f.fill(rt.Pattern)
		big := `{"name":"` + strings.Repeat("a", httpapi.DefaultMaxBodyBytes) + `"}`
		cases = append(cases,
			badCase{key + " malformed", rt.Method, path, `{"name":`, nil, 400, "bad_request", "not valid JSON"},
			badCase{key + " syntax", rt.Method, path, `{"name" 1}`, nil, 400, "bad_request", "not valid JSON (at byte"},
			badCase{key + " unknown field", rt.Method, path, `{"bogus":1}`, nil, 400, "bad_request", `unknown field "bogus"`},
			badCase{key + " wrong type", rt.Method, path, br.wrongType, nil, 400, "bad_request", br.wantMsg},
			badCase{key + " array", rt.Method, path, `[]`, nil, 400, "bad_request", "must be a JSON object, not an array"},
			badCase{key + " two values", rt.Method, path, `{} {}`, nil, 400, "bad_request", "single JSON value"},
			badCase{key + " content type", rt.Method, path, `{}`, []string{"Content-Type: text/plain"}, 415, "unsupported_media_type", "Content-Type must be application/json"},
			badCase{key + " too large", rt.Method, path, big, nil, 413, "payload_too_large", "larger than"},
		)
		if !br.optional {
			cases = append(cases, badCase{key + " empty", rt.Method, path, "", nil, 400, "bad_request", "request body is required"})
		}
	}

	// Unknown query parameters on every route, misspelt filters first
	// among them: refused, naming the parameter, never ignored.
	for _, rt := range httpapi.Routes() {
		if rt.Page || rt.Pattern == "/api/v1/forward-auth/{path...}" || slices.Contains(ownBodyRoutes, rt.Method+" "+rt.Pattern) && strings.HasPrefix(rt.Pattern, "/oauth2/") {
			continue
		}
		method := rt.Method
		if method == "*" {
			method = "GET"
		}
		path := f.fill(rt.Pattern)
		if rt.Pattern == "/api/v1/forward-auth" {
			path += "?permission=metrics:read&"
		} else {
			path += "?"
		}
		cases = append(cases, badCase{method + " " + rt.Pattern + " unknown parameter", method, path + "stauts=active", "", nil, 400, "bad_request", `unknown query parameter "stauts"`})
		if slices.Contains(rt.Query, "cursor") {
			for _, cur := range []string{"!!!", "not-base64%3F", "bm90IGEgY3Vyc29y", strings.Repeat("QUFB", 40)} {
				cases = append(cases, badCase{method + " " + rt.Pattern + " cursor " + cur, method, path + "cursor=" + cur, "", nil, 400, "bad_request", "query parameter cursor is not a cursor this list returned"})
			}
		}
	}
	cases = append(cases,
		badCase{"audit cursor not a seq", "GET", "/api/v1/audit-events?cursor=YWJj", "", nil, 400, "bad_request", "query parameter cursor is not a cursor"},
		badCase{"workspaces cursor, paged in memory", "GET", "/api/v1/workspaces?cursor=!!", "", nil, 400, "bad_request", "query parameter cursor is not a cursor"},
		// An unknown workspace is a 404 naming it, not an empty list.
		badCase{"grants unknown workspace header", "GET", "/api/v1/grants", "", []string{"X-Workspace-Id: ws_nope"}, 404, "not_found", `workspace "ws_nope" not found`},
		badCase{"grants unknown workspace bigeye header", "GET", "/api/v1/grants", "", []string{"X-Bigeye-Workspace-Id: ws_nope"}, 404, "not_found", `workspace "ws_nope" not found`},
		badCase{"grants unknown workspace_id", "GET", "/api/v1/grants?workspace_id=ws_nope", "", nil, 404, "not_found", `workspace "ws_nope" not found`},
		badCase{"audit unknown workspace header", "GET", "/api/v1/audit-events", "", []string{"X-Workspace-Id: ws_nope"}, 404, "not_found", `workspace "ws_nope" not found`},
		badCase{"audit unknown workspace bigeye header", "GET", "/api/v1/audit-events", "", []string{"X-Bigeye-Workspace-Id: ws_nope"}, 404, "not_found", `workspace "ws_nope" not found`},
		badCase{"export unknown workspace", "GET", "/api/v1/audit-events/export?workspace_id=ws_nope", "", nil, 404, "not_found", `workspace "ws_nope" not found`},
	)

	// Pagination and filters on every list.
	for _, path := range []string{"/api/v1/service-accounts", "/api/v1/service-accounts/" + f.saID + "/api-keys", "/api/v1/api-keys",
		"/api/v1/me/api-keys", "/api/v1/users", "/api/v1/groups", "/api/v1/roles", "/api/v1/grants", "/api/v1/workspaces", "/api/v1/audit-events",
		"/api/v1/webhooks", "/api/v1/webhooks/" + f.webhookID + "/deliveries", "/api/v1/oauth/audiences"} {
		for _, limit := range []string{"0", "-1", "201", "abc", "1.5", "99999999999999999999"} {
			cases = append(cases, badCase{"GET " + path + " limit=" + limit, "GET", path + "?limit=" + limit, "", nil, 400, "bad_request", "query parameter limit must be an integer from 1 to 200"})
		}
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	cases = append(cases, []badCase{
		{"status filter", "GET", "/api/v1/service-accounts?status=gone", "", nil, 400, "bad_request", "query parameter status must be one of: active, disabled"},
		{"key status filter", "GET", "/api/v1/api-keys?status=old", "", nil, 400, "bad_request", "query parameter status must be one of: active, revoked, disabled, expired"},
		{"expiring_within not a duration", "GET", "/api/v1/api-keys?expiring_within=soon", "", nil, 400, "bad_request", "query parameter expiring_within must be a duration longer than zero, such as 7d"},
		{"expiring_within zero", "GET", "/api/v1/me/api-keys?expiring_within=0", "", nil, 400, "bad_request", "expiring_within must be a duration longer than zero"},
		{"unused_for not a duration", "GET", "/api/v1/service-accounts/" + f.saID + "/api-keys?unused_for=-3d", "", nil, 400, "bad_request", "query parameter unused_for must be a duration longer than zero, such as 90d"},
		{"key kind filter", "GET", "/api/v1/api-keys?kind=robot", "", nil, 400, "bad_request", "query parameter kind must be one of"},
		{"user kind filter", "GET", "/api/v1/users?kind=robot", "", nil, 400, "bad_request", "query parameter kind must be one of: human, service_account, all"},
		{"grant subject filter", "GET", "/api/v1/grants?subject_type=team", "", nil, 400, "bad_request", "query parameter subject_type"},
		{"audit outcome filter", "GET", "/api/v1/audit-events?outcome=meh", "", nil, 400, "bad_request", "query parameter outcome"},
		{"audit since", "GET", "/api/v1/audit-events?since=yesterday", "", nil, 400, "bad_request", "query parameter since must be an RFC 3339 timestamp"},
		{"audit until", "GET", "/api/v1/audit-events?until=2030-13-01", "", nil, 400, "bad_request", "query parameter until"},
		{"two workspaces", "GET", "/api/v1/grants?workspace_id=" + f.wsID, "", []string{"X-Workspace-Id: ws_other"}, 400, "bad_request", "two different workspaces"},
		{"two workspaces bigeye", "GET", "/api/v1/audit-events", "", []string{"X-Workspace-Id: ws_a", "X-Bigeye-Workspace-Id: ws_b"}, 400, "bad_request", "two different workspaces"},

		// Semantic validation, from the service.
		{"sa empty name", "POST", "/api/v1/service-accounts", `{"name":""}`, nil, 422, "invalid", "name is required"},
		{"sa long name", "POST", "/api/v1/service-accounts", `{"name":"` + long(101) + `"}`, nil, 422, "invalid", "too long"},
		{"sa long description", "POST", "/api/v1/service-accounts", `{"name":"ok","description":"` + long(1001) + `"}`, nil, 422, "invalid", "too long"},
		{"sa duplicate name", "POST", "/api/v1/service-accounts", `{"name":"LOADER"}`, nil, 409, "conflict", "already exists"},
		{"sa unknown role", "POST", "/api/v1/service-accounts", `{"name":"ok","grants":[{"role_id":"role_nope"}]}`, nil, 404, "not_found", ""},
		{"sa unknown group", "POST", "/api/v1/service-accounts", `{"name":"ok","group_ids":["grp_nope"]}`, nil, 404, "not_found", ""},
		{"sa key expires_in junk", "POST", "/api/v1/service-accounts", `{"name":"ok","api_key":{"name":"k","expires_in":"soon"}}`, nil, 422, "invalid", `field "api_key.expires_in": "soon" is not a valid duration; use a duration such as 30d`},
		{"sa key expires_in negative", "POST", "/api/v1/service-accounts", `{"name":"ok","api_key":{"name":"k","expires_in":"-1h"}}`, nil, 422, "invalid", `cannot have a sign`},
		{"sa key expires_in months", "POST", "/api/v1/service-accounts", `{"name":"ok","api_key":{"name":"k","expires_in":"P1M"}}`, nil, 422, "invalid", `years and months have no fixed length`},
		{"sa key expires_in zero", "POST", "/api/v1/service-accounts", `{"name":"ok","api_key":{"name":"k","expires_in":"0s"}}`, nil, 422, "invalid", `"api_key.expires_in" must be a duration longer than zero`},
		{"sa key long name", "POST", "/api/v1/service-accounts", `{"name":"ok","api_key":{"name":"` + long(101) + `"}}`, nil, 422, "invalid", "too long"},
		{"sa patch long name", "PATCH", "/api/v1/service-accounts/" + f.saID, `{"name":"` + long(101) + `"}`, nil, 422, "invalid", "too long"},
		{"sa patch password", "PATCH", "/api/v1/service-accounts/" + f.saID, `{"password":"a long enough password"}`, nil, 422, "invalid", "password"},
		{"sa patch email", "PATCH", "/api/v1/service-accounts/" + f.saID, `{"email":"x@example.com"}`, nil, 422, "invalid", "email"},
		{"sa groups null", "PUT", "/api/v1/service-accounts/" + f.saID + "/groups", `{}`, nil, 422, "invalid", `"group_ids" is required`},
		{"sa groups unknown", "PUT", "/api/v1/service-accounts/" + f.saID + "/groups", `{"group_ids":["grp_nope"]}`, nil, 404, "not_found", ""},
		{"key no name", "POST", "/api/v1/service-accounts/" + f.saID + "/api-keys", `{}`, nil, 422, "invalid", "name is required"},
		{"key expires_at past", "POST", "/api/v1/service-accounts/" + f.saID + "/api-keys", `{"name":"k","expires_at":"` + past + `"}`, nil, 422, "invalid", "expires_at must be in the future"},
		{"key expires both", "POST", "/api/v1/service-accounts/" + f.saID + "/api-keys", `{"name":"k","expires_at":"` + future + `","expires_in":"1h"}`, nil, 422, "invalid", "not both"},
		{"key expires_at junk", "POST", "/api/v1/service-accounts/" + f.saID + "/api-keys", `{"name":"k","expires_at":"tomorrow"}`, nil, 400, "bad_request", "RFC 3339"},
		{"key expires_at number", "POST", "/api/v1/service-accounts/" + f.saID + "/api-keys", `{"name":"k","expires_at":1700000000}`, nil, 400, "bad_request", "RFC 3339"},
		{"key unknown scope", "POST", "/api/v1/service-accounts/" + f.saID + "/api-keys", `{"name":"k","scopes":["nope:read"]}`, nil, 422, "invalid", "unknown permission"},
		{"key long description", "POST", "/api/v1/me/api-keys", `{"name":"k","description":"` + long(1001) + `"}`, nil, 422, "invalid", "too long"},
		{"revoke long reason", "POST", "/api/v1/api-keys/" + f.saKeyID + "/revoke", `{"reason":"` + long(501) + `"}`, nil, 422, "invalid", "too long"},
		{"disable long reason", "POST", "/api/v1/api-keys/" + f.saKeyID + "/disable", `{"reason":"` + long(501) + `"}`, nil, 422, "invalid", "too long"},
		{"user bad email", "POST", "/api/v1/users", `{"name":"C","email":"not-an-email","password":"a long enough password"}`, nil, 422, "invalid", "email"},
		{"user short password", "POST", "/api/v1/users", `{"name":"C","email":"c@example.com","password":"short"}`, nil, 422, "invalid", "password is too short"},
		{"user duplicate email", "POST", "/api/v1/users", `{"name":"B2","email":"BOB@example.com","password":"a long enough password"}`, nil, 409, "conflict", "already exists"},
		{"user long email", "POST", "/api/v1/users", `{"name":"C","email":"` + long(250) + `@x.io","password":"a long enough password"}`, nil, 422, "invalid", "email"},
		{"group long name", "POST", "/api/v1/groups", `{"name":"` + long(101) + `"}`, nil, 422, "invalid", "too long"},
		{"group duplicate", "POST", "/api/v1/groups", `{"name":"Pipelines"}`, nil, 409, "conflict", ""},
		{"member missing user", "POST", "/api/v1/groups/" + f.groupID + "/members", `{}`, nil, 422, "invalid", `"user_id" is required`},
		{"role bad base", "POST", "/api/v1/roles", `{"name":"R","base":"owner"}`, nil, 422, "invalid", "base"},
		{"role unknown permission", "POST", "/api/v1/roles", `{"name":"R","base":"view","permissions":["nope:fly"]}`, nil, 422, "invalid", "nope:fly"},
		{"role long name", "POST", "/api/v1/roles", `{"name":"` + long(101) + `","base":"view"}`, nil, 422, "invalid", "too long"},
		{"builtin role edit", "PATCH", "/api/v1/roles/role_admin", `{"name":"Boss"}`, nil, 409, "", ""},
		{"workspace long name", "POST", "/api/v1/workspaces", `{"name":"` + long(101) + `"}`, nil, 422, "invalid", "too long"},
		{"workspace empty name", "POST", "/api/v1/workspaces", `{"name":""}`, nil, 422, "invalid", "name is required"},
		{"grant bad subject", "POST", "/api/v1/grants", `{"subject_type":"team","subject_id":"x","role_id":"role_view"}`, nil, 422, "invalid", "subject"},
		{"grant unknown role", "POST", "/api/v1/grants", `{"subject_type":"user","subject_id":"` + f.saID + `","role_id":"role_nope","workspace_id":"` + f.wsID + `"}`, nil, 404, "not_found", ""},
		{"domain bad name", "POST", "/api/v1/permission-domains", `{"name":"Bad Name!"}`, nil, 422, "invalid", ""},
		{"login no device", "POST", "/api/v1/login", `{"email":"a@example.com","password":"x"}`, nil, 422, "invalid", "device_id must be"},
		{"login short device", "POST", "/api/v1/login", `{"email":"a@example.com","password":"x","device_id":"abc"}`, nil, 422, "invalid", "device_id must be"},
		{"login expires_in junk", "POST", "/api/v1/login", `{"email":"a@example.com","password":"x","device_id":"abcdefgh","expires_in":"30x"}`, nil, 422, "invalid", `field "expires_in": "30x" is not a valid duration`},
		{"login expires_in too long", "POST", "/api/v1/login", `{"email":"a@example.com","password":"x","device_id":"abcdefgh","expires_in":"9000h"}`, nil, 422, "invalid", "expires_in must be between"},
		{"grant admin without explicit organisation", "POST", "/api/v1/grants", `{"subject_type":"group","subject_id":"grp_default_view","role_id":"role_admin"}`, nil, 422, "invalid", "organisation-wide only"},
		{"webhook no url", "POST", "/api/v1/webhooks", `{"event_types":["*"]}`, nil, 422, "invalid", "url is required"},
		{"webhook url scheme", "POST", "/api/v1/webhooks", `{"url":"ftp://example.com/hook","event_types":["*"]}`, nil, 422, "invalid", "webhook URL must be http:// or https://"},
		{"webhook url user info", "POST", "/api/v1/webhooks", `{"url":"https://u:p@example.com/hook","event_types":["*"]}`, nil, 422, "invalid", "user name or password"},
		{"webhook url too long", "POST", "/api/v1/webhooks", `{"url":"https://example.com/` + long(2048) + `","event_types":["*"]}`, nil, 422, "invalid", "url is longer than"},
		{"webhook no event types", "POST", "/api/v1/webhooks", `{"url":"https://example.com/hook"}`, nil, 422, "invalid", "subscribe to at least one event type"},
		{"webhook unknown event type", "POST", "/api/v1/webhooks", `{"url":"https://example.com/hook","event_types":["api_key.explode"]}`, nil, 422, "invalid", `unknown event type "api_key.explode"`},
		{"webhook unknown domain", "POST", "/api/v1/webhooks", `{"url":"https://example.com/hook","event_types":["rocket.*"]}`, nil, 422, "invalid", `unknown event type "rocket.*"`},
		{"webhook long description", "POST", "/api/v1/webhooks", `{"url":"https://example.com/hook","event_types":["*"],"description":"` + long(1001) + `"}`, nil, 422, "invalid", "too long"},
		{"webhook patch url scheme", "PATCH", "/api/v1/webhooks/" + f.webhookID, `{"url":"javascript:alert(1)"}`, nil, 422, "invalid", "http:// or https://"},
		{"webhook patch no event types", "PATCH", "/api/v1/webhooks/" + f.webhookID, `{"event_types":[]}`, nil, 422, "invalid", "subscribe to at least one event type"},
		{"webhook overlap junk", "POST", "/api/v1/webhooks/" + f.webhookID + "/rotate-secret", `{"overlap":"soon"}`, nil, 422, "invalid", `field "overlap": "soon" is not a valid duration`},
		{"webhook overlap negative", "POST", "/api/v1/webhooks/" + f.webhookID + "/rotate-secret", `{"overlap":"-1h"}`, nil, 422, "invalid", "cannot have a sign"},
		{"webhook overlap too long", "POST", "/api/v1/webhooks/" + f.webhookID + "/rotate-secret", `{"overlap":"8d"}`, nil, 422, "invalid", "overlap must be between 0 (the old secret stops at once) and 7d"},
		{"webhook deliveries status filter", "GET", "/api/v1/webhooks/" + f.webhookID + "/deliveries?status=lost", "", nil, 400, "bad_request", "query parameter status must be one of: pending, succeeded, failed"},
		{"setup wrong token", "POST", "/api/v1/setup", `{"token":"nope","name":"E","email":"e@example.com","password":"a long enough password"}`, nil, 401, "unauthenticated", ""},

		// Unknown ids.
		{"get sa unknown", "GET", "/api/v1/service-accounts/sa_nope", "", nil, 404, "not_found", `service account "sa_nope" not found`},
		{"get sa human", "GET", "/api/v1/service-accounts/" + f.humanID, "", nil, 404, "not_found", "service account"},
		{"patch sa unknown", "PATCH", "/api/v1/service-accounts/sa_nope", `{"name":"x"}`, nil, 404, "not_found", `service account "sa_nope" not found`},
		{"patch sa human", "PATCH", "/api/v1/service-accounts/" + f.humanID, `{"name":"x"}`, nil, 404, "not_found", "service account"},
		{"delete sa unknown", "DELETE", "/api/v1/service-accounts/sa_nope", "", nil, 404, "not_found", `service account "sa_nope" not found`},
		{"delete sa human", "DELETE", "/api/v1/service-accounts/" + f.humanID, "", nil, 404, "not_found", "service account"},
		{"disable sa unknown", "POST", "/api/v1/service-accounts/sa_nope/disable", "", nil, 404, "not_found", `service account "sa_nope" not found`},
		{"enable sa human", "POST", "/api/v1/service-accounts/" + f.humanID + "/enable", "", nil, 404, "not_found", ""},
		{"sa groups unknown sa", "PUT", "/api/v1/service-accounts/sa_nope/groups", `{"group_ids":[]}`, nil, 404, "not_found", `service account "sa_nope" not found`},
		{"sa keys unknown", "GET", "/api/v1/service-accounts/sa_nope/api-keys", "", nil, 404, "not_found", `service account "sa_nope" not found`},
		{"sa keys human", "GET", "/api/v1/service-accounts/" + f.humanID + "/api-keys", "", nil, 404, "not_found", ""},
		{"sa key create unknown", "POST", "/api/v1/service-accounts/sa_nope/api-keys", `{"name":"k"}`, nil, 404, "not_found", `service account "sa_nope" not found`},
		{"get key unknown", "GET", "/api/v1/api-keys/key_nope", "", nil, 404, "not_found", ""},
		{"revoke key unknown", "POST", "/api/v1/api-keys/key_nope/revoke", "", nil, 404, "not_found", ""},
		{"disable key unknown", "POST", "/api/v1/api-keys/key_nope/disable", "", nil, 404, "not_found", ""},
		{"enable key unknown", "POST", "/api/v1/api-keys/key_nope/enable", "", nil, 404, "not_found", ""},
		{"revoke personal not mine", "POST", "/api/v1/me/api-keys/" + f.saKeyID + "/revoke", "", nil, 404, "not_found", ""},
		{"revoke personal unknown", "POST", "/api/v1/me/api-keys/key_nope/revoke", "", nil, 404, "not_found", ""},
		{"get user unknown", "GET", "/api/v1/users/usr_nope", "", nil, 404, "not_found", `user "usr_nope" not found`},
		{"patch user unknown", "PATCH", "/api/v1/users/usr_nope", `{"name":"x"}`, nil, 404, "not_found", ""},
		{"delete user unknown", "DELETE", "/api/v1/users/usr_nope", "", nil, 404, "not_found", ""},
		{"disable user unknown", "POST", "/api/v1/users/usr_nope/disable", "", nil, 404, "not_found", ""},
		{"enable user unknown", "POST", "/api/v1/users/usr_nope/enable", "", nil, 404, "not_found", ""},
		{"get group unknown", "GET", "/api/v1/groups/grp_nope", "", nil, 404, "not_found", ""},
		{"patch group unknown", "PATCH", "/api/v1/groups/grp_nope", `{"name":"x"}`, nil, 404, "not_found", ""},
		{"delete group unknown", "DELETE", "/api/v1/groups/grp_nope", "", nil, 404, "not_found", ""},
		{"add member unknown group", "POST", "/api/v1/groups/grp_nope/members", `{"user_id":"` + f.saID + `"}`, nil, 404, "not_found", ""},
		{"add member unknown user", "POST", "/api/v1/groups/" + f.groupID + "/members", `{"user_id":"usr_nope"}`, nil, 404, "not_found", `user "usr_nope" not found`},
		{"add member unknown service account", "POST", "/api/v1/groups/" + f.groupID + "/members", `{"user_id":"sa_nope"}`, nil, 404, "not_found", `service account "sa_nope" not found`},
		{"remove member not member", "DELETE", "/api/v1/groups/" + f.groupID + "/members/" + f.humanID, "", nil, 404, "not_found", ""},
		{"get role unknown", "GET", "/api/v1/roles/role_nope", "", nil, 404, "not_found", ""},
		{"patch role unknown", "PATCH", "/api/v1/roles/role_nope", `{"name":"x"}`, nil, 404, "not_found", ""},
		{"delete role unknown", "DELETE", "/api/v1/roles/role_nope", "", nil, 404, "not_found", ""},
		{"get workspace unknown", "GET", "/api/v1/workspaces/ws_nope", "", nil, 404, "not_found", ""},
		{"patch workspace unknown", "PATCH", "/api/v1/workspaces/ws_nope", `{"name":"x"}`, nil, 404, "not_found", ""},
		{"delete workspace unknown", "DELETE", "/api/v1/workspaces/ws_nope", "", nil, 404, "not_found", ""},
		{"delete grant unknown", "DELETE", "/api/v1/grants/grant_nope", "", nil, 404, "not_found", ""},
		{"get event unknown", "GET", "/api/v1/audit-events/evt_nope", "", nil, 404, "not_found", ""},
		{"get webhook unknown", "GET", "/api/v1/webhooks/wh_nope", "", nil, 404, "not_found", `webhook endpoint "wh_nope" not found`},
		{"patch webhook unknown", "PATCH", "/api/v1/webhooks/wh_nope", `{"description":"x"}`, nil, 404, "not_found", `webhook endpoint "wh_nope" not found`},
		{"delete webhook unknown", "DELETE", "/api/v1/webhooks/wh_nope", "", nil, 404, "not_found", `webhook endpoint "wh_nope" not found`},
		{"rotate webhook unknown", "POST", "/api/v1/webhooks/wh_nope/rotate-secret", "", nil, 404, "not_found", `webhook endpoint "wh_nope" not found`},
		{"test webhook unknown", "POST", "/api/v1/webhooks/wh_nope/test", "", nil, 404, "not_found", `webhook endpoint "wh_nope" not found`},
		{"deliveries webhook unknown", "GET", "/api/v1/webhooks/wh_nope/deliveries", "", nil, 404, "not_found", `webhook endpoint "wh_nope" not found`},
		{"delivery unknown", "GET", "/api/v1/webhooks/" + f.webhookID + "/deliveries/whd_nope", "", nil, 404, "not_found", `webhook delivery "whd_nope"`},
		{"delivery of unknown webhook", "GET", "/api/v1/webhooks/wh_nope/deliveries/" + f.deliveryID, "", nil, 404, "not_found", "not found"},
		{"redeliver unknown", "POST", "/api/v1/webhooks/" + f.webhookID + "/deliveries/whd_nope/redeliver", "", nil, 404, "not_found", `webhook delivery "whd_nope"`},

		// Credentials that do not verify.
		{"junk key", "GET", "/api/v1/me", "", []string{"-auth", "Authorization: Bearer nonsense"}, 401, "unauthenticated", "the API key is not valid"},
		{"malformed credential", "GET", "/api/v1/me", "", []string{"-auth", "Authorization: Weird x"}, 401, "unauthenticated", "the credential is malformed"},
		{"no credential", "GET", "/api/v1/me", "", []string{"-auth"}, 401, "unauthenticated", "authentication required"},

		// Routing.
		{"unknown route", "GET", "/api/v1/nothing-here", "", nil, 404, "not_found", "no route for GET /api/v1/nothing-here"},
		{"method not allowed", "DELETE", "/api/v1/me", "", nil, 405, "method_not_allowed", "method DELETE is not allowed"},
	}...)

	before := snapshot(t, e)
	for _, c := range cases {
		r := e.do(c.method, c.path, c.body, c.headers...)
		if r.status != c.status {
			t.Errorf("%s: %s %s = %d %s; want %d", c.name, c.method, c.path, r.status, r.body, c.status)
			continue
		}
		eb := r.errBody(t)
		if testing.Verbose() {
			t.Logf("%s: %s %s = %d %s %q", c.name, c.method, c.path, r.status, eb.Code, eb.Message)
		}
		if (c.code != "" && eb.Code != c.code) || !strings.Contains(eb.Message, c.msg) || eb.Message == "" {
			t.Errorf("%s: %s %s = %d %s %q; want %s with a message containing %q", c.name, c.method, c.path, r.status, eb.Code, eb.Message, c.code, c.msg)
		}
		if !messageStyle(eb.Message) {
			t.Errorf("%s: message %q is not in the one style: lower case (but for a name such as API, HTTP or Content-Type), no final period", c.name, eb.Message)
		}
		if eb.RequestID == "" || eb.RequestID != r.header.Get("X-Request-Id") {
			t.Errorf("%s: request_id %q, X-Request-Id %q; want the same, not empty", c.name, eb.RequestID, r.header.Get("X-Request-Id"))
		}
		if c.status == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
			t.Errorf("%s: 405 without an Allow header", c.name)
		}
	}
	if after := snapshot(t, e); after != before {
		t.Errorf("bad input changed the database:\n--- before\n%s\n--- after\n%s", before, after)
	}
}

// messageStyle reports whether an error message is in the one style of
// Signet's messages: it begins in lower case, unless with a name written
// in capitals (API, HTTP, Content-Type, a quoted value), and has no final
// period.
func messageStyle(msg string) bool {
	if msg == "" || strings.HasSuffix(msg, ".") {
		return false
	}
	first, _, _ := strings.Cut(msg, " ")
	if first == strings.ToLower(first) {
		return true
	}
	switch first {
	case "API", "HTTP", "Content-Type":
		return true
	}
	return strings.HasPrefix(first, `"`)
}
