package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestAPIKeysCannotChangeCredentials: PATCH /users/{self} with the owner's
// key — scoped or not — changes neither password nor email.
func TestAPIKeysCannotChangeCredentials(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAPIKeysCannotChangeCredentials)
}

func testAPIKeysCannotChangeCredentials(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx := e.ctx
	scoped := must(e.admin.CreatePersonalKey(ctx, client.CreateAPIKeyRequest{Name: "narrow", Scopes: []string{"audit:read"}}))(t)
	for _, c := range []*client.Client{e.admin, e.client(client.WithAPIKey(scoped.Key))} {
		_, err := c.UpdateUser(ctx, e.adminID, client.UserUpdate{Password: client.String("taken over for good"), CurrentPassword: client.String(adminPassword)})
		wantAPIError(t, err, http.StatusForbidden, client.CodeForbidden, "")
		_, err = c.UpdateUser(ctx, e.adminID, client.UserUpdate{Email: client.String("mallory@example.com")})
		wantAPIError(t, err, http.StatusForbidden, client.CodeForbidden, "")
	}
	_, err := e.admin.UpdateUser(ctx, e.adminID, client.UserUpdate{Password: client.String("taken over for good")})
	wantAPIError(t, err, http.StatusForbidden, client.CodeForbidden, "cannot change its owner's email or password")
	// The owner still signs in as before.
	must(e.client().Login(ctx, client.LoginRequest{Email: adminEmail, Password: adminPassword, DeviceID: "still-mine"}))(t)
}

// TestLoginEndpointThrottled: the CLI's password path is throttled like
// every other, with Retry-After.
func TestLoginEndpointThrottled(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLoginEndpointThrottled)
}

func testLoginEndpointThrottled(t *testing.T) {
	e := newEnv(t).withAdmin()
	anon := e.client()
	var last error
	for range 6 {
		_, last = anon.Login(e.ctx, client.LoginRequest{Email: adminEmail, Password: "a wrong guess", DeviceID: "guessing-device"})
	}
	wantAPIError(t, last, http.StatusTooManyRequests, client.CodeRateLimited, "too many failed sign-in attempts")
	body := `{"email":"` + adminEmail + `","password":"` + adminPassword + `","device_id":"guessing-device"}`
	r := e.do("POST", "/api/v1/login", body, "Content-Type: application/json")
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); r.status != http.StatusTooManyRequests || err != nil || secs < 60 {
		t.Errorf("POST /api/v1/login on a locked account = %d, Retry-After %q; want 429 and the minutes left", r.status, r.header.Get("Retry-After"))
	}
}

// TestGrantsNameOrganisationWideExplicitly: a grant that names no
// workspace is the default workspace's; "*" is organisation-wide, both
// ways.
func TestGrantsNameOrganisationWideExplicitly(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testGrantsNameOrganisationWideExplicitly)
}

func testGrantsNameOrganisationWideExplicitly(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx := e.ctx
	wss := must(e.admin.ListWorkspaces(ctx, client.ListOptions{}))(t)
	sa := must(e.admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "reader",
		Grants: []client.GrantSpec{{RoleID: "role_view"}}}))(t).ServiceAccount
	d := must(e.admin.GetServiceAccount(ctx, sa.ID))(t)
	if len(d.Grants) != 1 || d.Grants[0].WorkspaceID != wss.Data[0].ID {
		t.Errorf("grant without a workspace = %+v; want the default workspace %s", d.Grants, wss.Data[0].ID)
	}
	g := must(e.admin.CreateGrant(ctx, client.CreateGrantRequest{SubjectType: "user", SubjectID: sa.ID, RoleID: "role_view", WorkspaceID: client.OrganisationWide}))(t)
	if g.WorkspaceID != client.OrganisationWide {
		t.Errorf("organisation-wide grant answers workspace_id %q; want %q", g.WorkspaceID, client.OrganisationWide)
	}
	_, err := e.admin.CreateGrant(ctx, client.CreateGrantRequest{SubjectType: "user", SubjectID: sa.ID, RoleID: "role_admin"})
	wantAPIError(t, err, http.StatusUnprocessableEntity, client.CodeInvalid, "organisation-wide only")
}
