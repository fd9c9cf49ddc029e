package httpapi_test

import (
	"context"
	"fmt"
	"github.com/signetdev/signet/internal/testdb"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
)

// TestResources exercises every resource through the client once: users,
// groups and members, roles and permissions, grants, workspaces.
func TestResources(t *testing.T) { t.Parallel(); testdb.ForEach(t, testResources) }

func testResources(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin

	// Workspaces.
	ws := must(c.CreateWorkspace(ctx, client.CreateWorkspaceRequest{Name: "marketing", Description: "m"}))(t)
	if ws.IsDefault || ws.Name != "marketing" {
		t.Errorf("CreateWorkspace() = %+v", ws)
	}
	ws = must(c.UpdateWorkspace(ctx, ws.ID, client.WorkspaceUpdate{Description: client.String("campaigns")}))(t)
	if got := must(c.GetWorkspace(ctx, ws.ID))(t); got.Description != "campaigns" || got.Name != "marketing" {
		t.Errorf("GetWorkspace() after update = %+v; want description campaigns, name kept", got)
	}

	// Users.
	bob := must(c.CreateUser(ctx, client.CreateUserRequest{Name: "Bob", Email: "bob@example.com", Password: "a long enough password"}))(t)
	if bob.Kind != client.KindHuman {
		t.Errorf("CreateUser().Kind = %s; want human", bob.Kind)
	}
	bob = must(c.UpdateUser(ctx, bob.ID, client.UserUpdate{Name: client.String("Robert")}))(t)
	if bob.Name != "Robert" {
		t.Errorf("UpdateUser().Name = %s; want Robert", bob.Name)
	}
	if u := must(c.DisableUser(ctx, bob.ID))(t); u.Status != client.StatusDisabled {
		t.Errorf("DisableUser().Status = %s", u.Status)
	}
	if _, err := e.client().Login(ctx, client.LoginRequest{Email: "bob@example.com", Password: "a long enough password", DeviceID: "bobs-laptop"}); client.ErrorCode(err) != client.CodeUnauthenticated {
		t.Errorf("Login() as a disabled user = %v; want unauthenticated", err)
	}
	if u := must(c.EnableUser(ctx, bob.ID))(t); u.Status != client.StatusActive {
		t.Errorf("EnableUser().Status = %s", u.Status)
	}
	sa := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "bot"}))(t).ServiceAccount
	humans := must(c.ListUsers(ctx, client.ListUsersOptions{}))(t)
	all := must(c.ListUsers(ctx, client.ListUsersOptions{Kind: "all"}))(t)
	sas := must(c.ListUsers(ctx, client.ListUsersOptions{Kind: client.KindServiceAccount}))(t)
	if !hasUser(humans.Data, bob.ID) || hasUser(humans.Data, sa.ID) || !hasUser(all.Data, sa.ID) || !hasUser(all.Data, bob.ID) || hasUser(sas.Data, bob.ID) {
		t.Errorf("ListUsers kinds: humans %v, all %v, service accounts %v", ids(humans.Data), ids(all.Data), ids(sas.Data))
	}
	if got := must(c.ListUsers(ctx, client.ListUsersOptions{Name: "robe"}))(t); len(got.Data) != 1 || got.Data[0].ID != bob.ID {
		t.Errorf("ListUsers(name=robe) = %v; want Robert", ids(got.Data))
	}

	// Groups and members.
	g := must(c.CreateGroup(ctx, client.CreateGroupRequest{Name: "pipelines"}))(t)
	g2 := must(c.UpdateGroup(ctx, g.ID, client.GroupUpdate{Description: client.String("all bots")}))(t)
	if g2.Description != "all bots" {
		t.Errorf("UpdateGroup() = %+v", g2)
	}
	if err := c.AddGroupMember(ctx, g.ID, bob.ID); err != nil {
		t.Fatalf("AddGroupMember: %v", err)
	}
	r := e.do("POST", "/api/v1/groups/"+g.ID+"/members", `{"user_id":"`+sa.ID+`"}`)
	if r.status != http.StatusCreated || !strings.Contains(string(r.body), `"user_id":"`+sa.ID+`"`) {
		t.Errorf("POST members = %d %s; want 201 with the membership", r.status, r.body)
	}
	gd := must(c.GetGroup(ctx, g.ID))(t)
	if len(gd.Members) != 2 {
		t.Errorf("GetGroup().Members = %v; want Robert and bot", ids(gd.Members))
	}
	if err := c.RemoveGroupMember(ctx, g.ID, bob.ID); err != nil {
		t.Fatalf("RemoveGroupMember: %v", err)
	}
	ud := must(c.SetServiceAccountGroups(ctx, sa.ID, nil))(t)
	if len(ud.Groups) != 0 {
		t.Errorf("SetServiceAccountGroups(none).Groups = %+v; want none", ud.Groups)
	}
	ud = must(c.SetServiceAccountGroups(ctx, sa.ID, []string{g.ID}))(t)
	if len(ud.Groups) != 1 || ud.Groups[0].ID != g.ID {
		t.Errorf("SetServiceAccountGroups(%s).Groups = %+v", g.ID, ud.Groups)
	}
	if got := must(c.GetUser(ctx, sa.ID))(t); len(got.Groups) != 1 {
		t.Errorf("GetUser(sa).Groups = %+v; want pipelines", got.Groups)
	}
	groups := must(c.ListGroups(ctx, client.ListOptions{}))(t)
	if len(groups.Data) < 5 { // Admins, Default Manage/Edit/View, pipelines
		t.Errorf("ListGroups() = %d groups; want the defaults and pipelines", len(groups.Data))
	}
	if err := c.DeleteGroup(ctx, "grp_admins"); client.ErrorCode(err) == "" {
		t.Errorf("DeleteGroup(Admins) = nil; want an error")
	}

	// Permissions and roles.
	d := must(c.RegisterPermissionDomain(ctx, client.RegisterPermissionDomainRequest{Name: "metrics", Description: "data quality metrics"}))(t)
	if d.Name != "metrics" {
		t.Errorf("RegisterPermissionDomain() = %+v", d)
	}
	perms := must(c.ListPermissions(ctx))(t)
	if !slices.Contains(perms.Permissions, "metrics:write") || len(perms.Domains) != 1 || !slices.Contains(perms.Bases["view"], "metrics:read") || perms.Bases["none"] == nil {
		t.Errorf("ListPermissions() = %+v; want metrics registered and bases expanded", perms)
	}
	role := must(c.CreateRole(ctx, client.CreateRoleRequest{Name: "Metric writer", Base: "view", Permissions: []string{"metrics:write"}}))(t)
	if role.BuiltIn || !slices.Contains(role.EffectivePermissions, "metrics:write") || !slices.Contains(role.EffectivePermissions, "metrics:read") {
		t.Errorf("CreateRole() = %+v", role)
	}
	role = must(c.UpdateRole(ctx, role.ID, client.RoleUpdate{Permissions: &[]string{"metrics:execute"}}))(t)
	if slices.Contains(role.Permissions, "metrics:write") || !slices.Contains(role.Permissions, "metrics:execute") {
		t.Errorf("UpdateRole() = %+v; want permissions replaced", role)
	}
	roles := must(c.ListRoles(ctx, client.ListOptions{}))(t)
	admin := must(c.GetRole(ctx, "role_admin"))(t)
	if len(roles.Data) != 5 || !admin.BuiltIn || !slices.Equal(admin.EffectivePermissions, []string{"*"}) {
		t.Errorf("ListRoles() = %d roles, Admin %+v; want 4 built-in and 1 custom, Admin with *", len(roles.Data), admin)
	}

	// Grants, filtered by workspace through each of the three ways to name one.
	gr := must(c.CreateGrant(ctx, client.CreateGrantRequest{SubjectType: "user", SubjectID: sa.ID, RoleID: role.ID, WorkspaceID: ws.ID}))(t)
	for _, cl := range []*client.Client{c, e.client(client.WithAPIKey(e.adminKey), client.WithWorkspace(ws.ID))} {
		opts := client.ListGrantsOptions{}
		if cl == c {
			opts.WorkspaceID = ws.ID
		}
		got := must(cl.ListGrants(ctx, opts))(t)
		if len(got.Data) != 1 || got.Data[0].ID != gr.ID {
			t.Errorf("ListGrants(workspace %s) = %+v; want the one grant", ws.ID, got.Data)
		}
	}
	r = e.do("GET", "/api/v1/grants", "", "X-Bigeye-Workspace-Id: "+ws.ID)
	if r.status != http.StatusOK || strings.Count(string(r.body), `"id":"grant_`) != 1 {
		t.Errorf("GET /api/v1/grants with X-Bigeye-Workspace-Id = %d %s; want the one grant", r.status, r.body)
	}
	if got := must(c.ListGrants(ctx, client.ListGrantsOptions{SubjectID: sa.ID}))(t); len(got.Data) != 1 {
		t.Errorf("ListGrants(subject %s) = %+v", sa.ID, got.Data)
	}
	if err := c.DeleteRole(ctx, role.ID); client.ErrorCode(err) != client.CodeConflict {
		t.Errorf("DeleteRole(in use) = %v; want conflict", err)
	}
	if err := c.DeleteGrant(ctx, gr.ID); err != nil {
		t.Fatalf("DeleteGrant: %v", err)
	}
	if err := c.DeleteRole(ctx, role.ID); err != nil {
		t.Fatalf("DeleteRole: %v", err)
	}

	// Audit filters.
	since := time.Now().Add(-time.Minute)
	evs := must(c.ListAuditEvents(ctx, client.ListAuditEventsOptions{Action: "role.delete", Since: &since, Outcome: "success"}))(t)
	if len(evs.Data) != 1 || evs.Data[0].TargetID != role.ID {
		t.Errorf("ListAuditEvents(role.delete) = %+v; want the deletion", evs.Data)
	}
	until := since
	if evs := must(c.ListAuditEvents(ctx, client.ListAuditEventsOptions{Until: &until}))(t); len(evs.Data) != 0 {
		t.Errorf("ListAuditEvents(until a minute ago) = %d events; want none", len(evs.Data))
	}

	// Deletions.
	if err := c.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if err := c.DeleteWorkspace(ctx, ws.ID); err != nil {
		t.Fatalf("DeleteWorkspace: %v", err)
	}
	if _, err := c.GetWorkspace(ctx, ws.ID); client.ErrorCode(err) != client.CodeNotFound {
		t.Errorf("GetWorkspace(deleted) = %v; want not found", err)
	}
	r = e.do("DELETE", "/api/v1/groups/"+g.ID, "")
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("DELETE group = %d %q; want 204 without a body", r.status, r.body)
	}
}

func TestPersonalKeys(t *testing.T) { t.Parallel(); testdb.ForEach(t, testPersonalKeys) }

func testPersonalKeys(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	exp := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	k := must(c.CreatePersonalKey(ctx, client.CreateAPIKeyRequest{Name: "laptop", ExpiresAt: &exp, Scopes: []string{"audit:read"}}))(t)
	if !strings.HasPrefix(k.Key, "sgn_pk_") || k.Kind != client.KeyKindPersonal || k.OwnerID != e.adminID || !k.ExpiresAt.Equal(exp) || !slices.Equal(k.Scopes, []string{"audit:read"}) {
		t.Errorf("CreatePersonalKey() = %+v", k)
	}
	// A scoped key sees only its scopes.
	scoped := e.client(client.WithAPIKey(k.Key))
	if _, err := scoped.ListAuditEvents(ctx, client.ListAuditEventsOptions{}); err != nil {
		t.Errorf("ListAuditEvents with an audit:read key: %v", err)
	}
	if _, err := scoped.ListUsers(ctx, client.ListUsersOptions{}); client.ErrorCode(err) != client.CodeForbidden {
		t.Errorf("ListUsers with an audit:read key = %v; want forbidden", err)
	}
	mine := must(c.ListPersonalKeys(ctx, client.ListOptions{}))(t)
	if len(mine.Data) != 2 { // the test's admin key and laptop
		t.Errorf("ListPersonalKeys() = %+v; want 2 keys", mine.Data)
	}
	// The service-account list does not show personal keys; kind=personal does.
	if got := must(c.ListAPIKeys(ctx, client.ListAPIKeysOptions{}))(t); len(got.Data) != 0 {
		t.Errorf("ListAPIKeys() = %+v; want no service-account keys", got.Data)
	}
	if got := must(c.ListAPIKeys(ctx, client.ListAPIKeysOptions{Kind: client.KeyKindPersonal, Name: "lap"}))(t); len(got.Data) != 1 || got.Data[0].ID != k.ID {
		t.Errorf("ListAPIKeys(personal, name lap) = %+v; want laptop", got.Data)
	}
	rk := must(c.RevokePersonalKey(ctx, k.ID, "lost"))(t)
	if rk.Status != client.KeyStatusRevoked || rk.RevokedReason != "lost" {
		t.Errorf("RevokePersonalKey() = %+v", rk)
	}
	if ok := must(scoped.VerifyKey(ctx))(t); ok {
		t.Errorf("VerifyKey() after revocation = true")
	}
	// Revoke without a body is fine too.
	k2 := must(c.CreatePersonalKey(ctx, client.CreateAPIKeyRequest{Name: "tmp", ExpiresIn: "1h"}))(t)
	if r := e.do("POST", "/api/v1/me/api-keys/"+k2.ID+"/revoke", ""); r.status != http.StatusOK || !strings.Contains(string(r.body), `"status":"revoked"`) {
		t.Errorf("revoke without a body = %d %s", r.status, r.body)
	}
	if k2.ExpiresAt == nil || time.Until(*k2.ExpiresAt) > time.Hour || time.Until(*k2.ExpiresAt) < 59*time.Minute {
		t.Errorf("expires_in 1h gave expires_at %v", k2.ExpiresAt)
	}
}

func TestPagination(t *testing.T) { t.Parallel(); testdb.ForEach(t, testPagination) }

func testPagination(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	var want []string
	for i := range 7 {
		res := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: fmt.Sprintf("sa-%d", i)}))(t)
		want = append(want, res.ServiceAccount.ID)
	}
	p1 := must(c.ListServiceAccounts(ctx, client.ListUsersOptions{ListOptions: client.ListOptions{Limit: 3}}))(t)
	if len(p1.Data) != 3 || p1.NextCursor == "" {
		t.Fatalf("first page = %d items, cursor %q; want 3 and a cursor", len(p1.Data), p1.NextCursor)
	}
	var got []string
	for u, err := range client.All(ctx, func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
		return c.ListServiceAccounts(ctx, client.ListUsersOptions{ListOptions: client.ListOptions{Limit: 3, Cursor: cursor}})
	}) {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		got = append(got, u.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("All() = %v; want %v", got, want)
	}
	// The last page has no cursor, and the field is omitted.
	r := e.do("GET", "/api/v1/service-accounts?limit=200", "")
	if r.status != http.StatusOK || strings.Contains(string(r.body), "next_cursor") || !strings.HasPrefix(string(r.body), `{"data":[`) {
		t.Errorf("GET /api/v1/service-accounts?limit=200 = %d %s; want data without next_cursor", r.status, r.body)
	}
	// An empty list is [], not null.
	r = e.do("GET", "/api/v1/api-keys", "")
	if string(r.body) != "{\"data\":[]}\n" {
		t.Errorf("empty list = %s; want {\"data\":[]}", r.body)
	}
}

func hasUser(us []client.User, id string) bool {
	return slices.ContainsFunc(us, func(u client.User) bool { return u.ID == id })
}

func ids(us []client.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID+"("+u.Name+")")
	}
	return out
}
