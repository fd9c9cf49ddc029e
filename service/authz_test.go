package service

import (
	"context"
	"slices"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

// mutations lists one call of every mutating method, for the
// deny-by-default test. Each takes an env prepared by the test and an
// actor.
var mutations = []struct {
	name   string
	action string
	call   func(e *env, a *signet.Actor, fx *fixture) error
}{
	{"CreateServiceAccount", "service_account.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.CreateServiceAccount(e.ctx, a, CreateServiceAccountInput{Name: "new"})
		return err
	}},
	{"CreateHuman", "user.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.CreateHuman(e.ctx, a, CreateHumanInput{Name: "n", Email: "n@example.com"})
		return err
	}},
	{"UpdateUser", "service_account.update", func(e *env, a *signet.Actor, fx *fixture) error {
		n := "x"
		_, err := e.svc.UpdateUser(e.ctx, a, fx.sa.ID, UserUpdate{Name: &n})
		return err
	}},
	{"SetUserStatus", "service_account.disable", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.SetUserStatus(e.ctx, a, fx.sa.ID, signet.StatusDisabled)
		return err
	}},
	{"DeleteUser", "service_account.delete", func(e *env, a *signet.Actor, fx *fixture) error {
		return e.svc.DeleteUser(e.ctx, a, fx.sa.ID)
	}},
	{"SetUserGroups", "service_account.groups_set", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.SetUserGroups(e.ctx, a, fx.sa.ID, []string{DefaultViewGroupID})
		return err
	}},
	{"CreateAPIKey", "api_key.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.CreateAPIKey(e.ctx, a, fx.sa.ID, CreateKeyInput{Name: "k"})
		return err
	}},
	{"RevokeAPIKey", "api_key.revoke", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.RevokeAPIKey(e.ctx, a, fx.keyID, "")
		return err
	}},
	{"CreateWorkspace", "workspace.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.CreateWorkspace(e.ctx, a, WorkspaceInput{Name: "w"})
		return err
	}},
	{"UpdateWorkspace", "workspace.update", func(e *env, a *signet.Actor, fx *fixture) error {
		n := "w2"
		_, err := e.svc.UpdateWorkspace(e.ctx, a, e.defaultWS, WorkspaceUpdate{Name: &n})
		return err
	}},
	{"DeleteWorkspace", "workspace.delete", func(e *env, a *signet.Actor, fx *fixture) error {
		return e.svc.DeleteWorkspace(e.ctx, a, fx.ws)
	}},
	{"CreateRole", "role.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.CreateRole(e.ctx, a, RoleInput{Name: "r", Base: signet.BaseNone})
		return err
	}},
	{"UpdateRole", "role.update", func(e *env, a *signet.Actor, fx *fixture) error {
		n := "r2"
		_, err := e.svc.UpdateRole(e.ctx, a, fx.role, RoleUpdate{Name: &n})
		return err
	}},
	{"DeleteRole", "role.delete", func(e *env, a *signet.Actor, fx *fixture) error {
		return e.svc.DeleteRole(e.ctx, a, fx.role)
	}},
	{"RegisterPermissionDomain", "permission_domain.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.RegisterPermissionDomain(e.ctx, a, "metrics", "")
		return err
	}},
	{"CreateGroup", "group.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.CreateGroup(e.ctx, a, GroupInput{Name: "g"})
		return err
	}},
	{"UpdateGroup", "group.update", func(e *env, a *signet.Actor, fx *fixture) error {
		n := "g2"
		_, err := e.svc.UpdateGroup(e.ctx, a, DefaultViewGroupID, GroupUpdate{Name: &n})
		return err
	}},
	{"DeleteGroup", "group.delete", func(e *env, a *signet.Actor, fx *fixture) error {
		return e.svc.DeleteGroup(e.ctx, a, DefaultViewGroupID)
	}},
	{"AddGroupMember", "group.member_add", func(e *env, a *signet.Actor, fx *fixture) error {
		return e.svc.AddGroupMember(e.ctx, a, DefaultViewGroupID, fx.sa.ID)
	}},
	{"RemoveGroupMember", "group.member_remove", func(e *env, a *signet.Actor, fx *fixture) error {
		return e.svc.RemoveGroupMember(e.ctx, a, DefaultEditGroupID, fx.sa.ID)
	}},
	{"CreateGrant", "grant.create", func(e *env, a *signet.Actor, fx *fixture) error {
		_, err := e.svc.CreateGrant(e.ctx, a, GrantInput{SubjectType: signet.SubjectUser, SubjectID: fx.sa.ID, RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS})
		return err
	}},
	{"DeleteGrant", "grant.delete", func(e *env, a *signet.Actor, fx *fixture) error {
		return e.svc.DeleteGrant(e.ctx, a, fx.grant)
	}},
}

// fixture is what the mutations act on.
type fixture struct {
	sa    *signet.User
	keyID string
	ws    string
	role  string
	grant string
}

func newFixture(e *env) *fixture {
	e.tb.Helper()
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{
		Name: "target", GroupIDs: []string{DefaultEditGroupID}, Key: &CreateKeyInput{Name: "k"},
	})
	e.must(err)
	w, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "other"})
	e.must(err)
	g, err := e.svc.CreateGrant(e.ctx, e.admin, GrantInput{SubjectType: signet.SubjectUser, SubjectID: out.User.ID, RoleID: signet.RoleEditID, WorkspaceID: w.ID})
	e.must(err)
	return &fixture{sa: out.User, keyID: out.Key.Key.ID, ws: w.ID, role: e.role(signet.BaseView), grant: g.ID}
}

func TestDenyByDefault(t *testing.T) { t.Parallel(); testdb.ForEach(t, testDenyByDefault) }

func testDenyByDefault(t *testing.T) {
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			fx := newFixture(e)
			// A View role in the default workspace gives read permissions
			// there, none of which authorises these mutations.
			a := e.human([]GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS}})
			a.KeyID = ""
			before := len(e.events())
			changes := e.changes
			err := m.call(e, a, fx)
			wantCode(t, m.name+"(unprivileged)", err, signet.EFORBIDDEN)
			evs := e.events()
			if len(evs) != before+1 {
				t.Fatalf("events after denied %s = %d; want %d (one denied event)", m.name, len(evs), before+1)
			}
			ev := evs[0]
			if ev.Outcome != signet.OutcomeDenied || ev.ActorID != a.UserID || ev.Action != m.action {
				t.Errorf("denied event = %s %s by %s; want %s denied by %s", ev.Action, ev.Outcome, ev.ActorID, m.action, a.UserID)
			}
			if e.changes != changes {
				t.Errorf("onChange called %d times for a denied %s; want 0", e.changes-changes, m.name)
			}
			// The admin may do all of it.
			wantCode(t, m.name+"(admin)", m.call(e, e.admin, fx), "")
		})
	}
}

func TestReadsNeedPermission(t *testing.T) { t.Parallel(); testdb.ForEach(t, testReadsNeedPermission) }

func testReadsNeedPermission(t *testing.T) {
	e := newEnv(t)
	fx := newFixture(e)
	a := e.actorWith()
	reads := []struct {
		name string
		call func() error
	}{
		{"ListUsers", func() error { _, _, err := e.svc.ListUsers(e.ctx, a, signet.UserFilter{}); return err }},
		{"GetUser", func() error { _, err := e.svc.GetUser(e.ctx, a, fx.sa.ID); return err }},
		{"GetAPIKey", func() error { _, err := e.svc.GetAPIKey(e.ctx, a, fx.keyID); return err }},
		{"GetWorkspace", func() error { _, err := e.svc.GetWorkspace(e.ctx, a, fx.ws); return err }},
		{"ListRoles", func() error { _, _, err := e.svc.ListRoles(e.ctx, a, signet.Page{}); return err }},
		{"GetRole", func() error { _, err := e.svc.GetRole(e.ctx, a, fx.role); return err }},
		{"ListPermissions", func() error { _, _, err := e.svc.ListPermissions(e.ctx, a); return err }},
		{"ListGroups", func() error { _, _, err := e.svc.ListGroups(e.ctx, a, signet.Page{}); return err }},
		{"GetGroup", func() error { _, err := e.svc.GetGroup(e.ctx, a, DefaultViewGroupID); return err }},
		{"ListGrants", func() error { _, _, err := e.svc.ListGrants(e.ctx, a, signet.GrantFilter{}); return err }},
		{"ListAuditEvents", func() error { _, _, err := e.svc.ListAuditEvents(e.ctx, a, signet.AuditFilter{}); return err }},
		{"GetAuditEvent", func() error { _, err := e.svc.GetAuditEvent(e.ctx, a, e.lastEvent().ID); return err }},
	}
	for _, r := range reads {
		wantCode(t, r.name+"(no permissions)", r.call(), signet.EFORBIDDEN)
	}
	// Reading oneself needs nothing.
	_, err := e.svc.GetUser(e.ctx, a, a.UserID)
	wantCode(t, "GetUser(self)", err, "")
	_, err = e.svc.Me(e.ctx, a)
	wantCode(t, "Me", err, "")
	ws, _, err := e.svc.ListWorkspaces(e.ctx, a, signet.Page{})
	wantCode(t, "ListWorkspaces", err, "")
	if len(ws) != 0 {
		t.Errorf("ListWorkspaces(no permissions) = %d workspaces; want 0", len(ws))
	}
	_, err = e.svc.CreateServiceAccount(e.ctx, nil, CreateServiceAccountInput{Name: "x"})
	wantCode(t, "CreateServiceAccount(nil actor)", err, signet.EUNAUTHENTICATED)
}

func TestNoEscalation(t *testing.T) { t.Parallel(); testdb.ForEach(t, testNoEscalation) }

func testNoEscalation(t *testing.T) {
	tests := []struct {
		name  string
		perms []string
		do    func(e *env, a *signet.Actor) error
		want  string
	}{
		{
			name:  "SA manager cannot create an SA with an Admin grant",
			perms: []string{"service_accounts:write", "service_accounts:read"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateServiceAccount(e.ctx, a, CreateServiceAccountInput{Name: "evil", Grants: []GrantSpec{{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}}})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "SA and grants manager still cannot hand out Admin",
			perms: []string{"service_accounts:write", "grants:write"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateServiceAccount(e.ctx, a, CreateServiceAccountInput{Name: "evil", Grants: []GrantSpec{{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}}})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "SA manager cannot create an SA in Admins",
			perms: []string{"service_accounts:write", "groups:write"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateServiceAccount(e.ctx, a, CreateServiceAccountInput{Name: "evil", GroupIDs: []string{signet.AdminsGroupID}})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "group manager cannot add an SA to Admins",
			perms: []string{"groups:write", "service_accounts:write"},
			do: func(e *env, a *signet.Actor) error {
				return e.svc.AddGroupMember(e.ctx, a, signet.AdminsGroupID, e.sa().ID)
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "group manager cannot put an SA in Admins with SetUserGroups",
			perms: []string{"groups:write"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.SetUserGroups(e.ctx, a, e.sa().ID, []string{signet.AdminsGroupID})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "group manager cannot add to a group with more permissions",
			perms: []string{"groups:write"},
			do: func(e *env, a *signet.Actor) error {
				return e.svc.AddGroupMember(e.ctx, a, DefaultViewGroupID, e.sa().ID)
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "SA manager cannot mint a key for an Admin SA",
			perms: []string{"service_accounts:write", "api_keys:write"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateAPIKey(e.ctx, a, e.sa(GrantSpec{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}).ID, CreateKeyInput{Name: "k"})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "SA manager may mint a key scoped to what it holds",
			perms: []string{"service_accounts:write", "audit:read"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateAPIKey(e.ctx, a, e.sa(GrantSpec{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}).ID, CreateKeyInput{Name: "k", Scopes: []string{"audit:read"}})
				return err
			},
		},
		{
			name:  "SA manager may mint a key for a weaker SA",
			perms: []string{"service_accounts:write", "audit:read"},
			do: func(e *env, a *signet.Actor) error {
				r := e.role(signet.BaseNone, "audit:read")
				_, err := e.svc.CreateAPIKey(e.ctx, a, e.sa(GrantSpec{RoleID: r, WorkspaceID: signet.OrganisationWide}).ID, CreateKeyInput{Name: "k"})
				return err
			},
		},
		{
			name:  "grants manager cannot grant Admin",
			perms: []string{"grants:write"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateGrant(e.ctx, a, GrantInput{SubjectType: signet.SubjectUser, SubjectID: a.UserID, RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "grants manager can grant a role it covers",
			perms: []string{"grants:write", "audit:read"},
			do: func(e *env, a *signet.Actor) error {
				r := e.role(signet.BaseNone, "audit:read")
				_, err := e.svc.CreateGrant(e.ctx, a, GrantInput{SubjectType: signet.SubjectUser, SubjectID: e.sa().ID, RoleID: r, WorkspaceID: signet.OrganisationWide})
				return err
			},
		},
		{
			name:  "role manager cannot define a role beyond its own",
			perms: []string{"roles:write"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateRole(e.ctx, a, RoleInput{Name: "big", Base: signet.BaseNone, Permissions: []string{"users:write"}})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "role manager cannot raise a role's base beyond its own",
			perms: []string{"roles:write"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateRole(e.ctx, a, RoleInput{Name: "big", Base: signet.BaseView})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "role manager can define a role within its own",
			perms: []string{"roles:write", "audit:read"},
			do: func(e *env, a *signet.Actor) error {
				_, err := e.svc.CreateRole(e.ctx, a, RoleInput{Name: "small", Base: signet.BaseNone, Permissions: []string{"audit:read"}})
				return err
			},
		},
		{
			name:  "role manager cannot widen a held role",
			perms: []string{"roles:write", "audit:read"},
			do: func(e *env, a *signet.Actor) error {
				r := e.role(signet.BaseNone, "audit:read")
				perms := []string{"audit:read", "settings:write"}
				_, err := e.svc.UpdateRole(e.ctx, a, r, RoleUpdate{Permissions: &perms})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "user manager cannot take over an admin's password",
			perms: []string{"users:write"},
			do: func(e *env, a *signet.Actor) error {
				pw := "a brand new password"
				_, err := e.svc.UpdateUser(e.ctx, a, e.admin.UserID, UserUpdate{Password: &pw})
				return err
			},
			want: signet.EFORBIDDEN,
		},
		{
			name:  "scoped key cannot mint a wider personal key",
			perms: []string{"audit:read", "users:read"},
			do: func(e *env, a *signet.Actor) error {
				ck, err := e.svc.CreateAPIKey(e.ctx, a, a.UserID, CreateKeyInput{Name: "narrow", Scopes: []string{"audit:read"}})
				if err != nil {
					return err
				}
				scoped := *a
				scoped.KeyID, scoped.KeyScopes = ck.Key.ID, ck.Key.Scopes
				_, err = e.svc.CreateAPIKey(e.ctx, &scoped, a.UserID, CreateKeyInput{Name: "wide"})
				return err
			},
			want: signet.EFORBIDDEN,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.actorWith(tt.perms...)
			err := tt.do(e, a)
			wantCode(t, tt.name, err, tt.want)
			if tt.want == signet.EFORBIDDEN {
				if ev := e.lastEvent(); ev.Outcome != signet.OutcomeDenied || ev.ActorID != a.UserID {
					t.Errorf("last event = %s %s by %s; want a denied event by the actor", ev.Action, ev.Outcome, ev.ActorID)
				}
			}
		})
	}
}

func TestWorkspaceManagerGrants(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWorkspaceManagerGrants)
}

func testWorkspaceManagerGrants(t *testing.T) {
	e := newEnv(t)
	other, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "Other"})
	e.must(err)
	mgr := e.human(nil, DefaultManageGroupID) // Manage on the default workspace
	sa := e.sa()
	tests := []struct {
		name string
		in   GrantInput
		want string
	}{
		{"view in own workspace", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, e.defaultWS}, ""},
		{"manage in own workspace", GrantInput{signet.SubjectUser, sa.ID, signet.RoleManageID, e.defaultWS}, ""},
		{"view in another workspace", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, other.ID}, signet.EFORBIDDEN},
		{"view organisation-wide", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, signet.OrganisationWide}, signet.EFORBIDDEN},
		{"admin", GrantInput{signet.SubjectUser, sa.ID, signet.RoleAdminID, signet.OrganisationWide}, signet.EFORBIDDEN},
	}
	for _, tt := range tests {
		_, err := e.svc.CreateGrant(e.ctx, mgr, tt.in)
		wantCode(t, "CreateGrant("+tt.name+")", err, tt.want)
	}
	// The audit of a workspace grant names the workspace.
	g, err := e.svc.CreateGrant(e.ctx, mgr, GrantInput{signet.SubjectGroup, DefaultViewGroupID, signet.RoleEditID, e.defaultWS})
	e.must(err)
	if ev := e.lastEvent(); ev.Action != "grant.create" || ev.WorkspaceID != e.defaultWS || ev.TargetID != g.ID {
		t.Errorf("last event = %s ws %q target %s; want grant.create in the default workspace", ev.Action, ev.WorkspaceID, ev.TargetID)
	}
	// A workspace manager lists the grants of its workspace, not others'.
	_, _, err = e.svc.ListGrants(e.ctx, mgr, signet.GrantFilter{WorkspaceID: e.defaultWS})
	wantCode(t, "ListGrants(own workspace)", err, "")
	_, _, err = e.svc.ListGrants(e.ctx, mgr, signet.GrantFilter{WorkspaceID: other.ID})
	wantCode(t, "ListGrants(other workspace)", err, signet.EFORBIDDEN)
	e.must(e.svc.DeleteGrant(e.ctx, mgr, g.ID))
}

func TestKeyFollowsOwnerGrants(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyFollowsOwnerGrants)
}

func testKeyFollowsOwnerGrants(t *testing.T) {
	e := newEnv(t)
	r := e.role(signet.BaseNone, "audit:read", "users:read")
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{
		Name: "reader", Grants: []GrantSpec{{RoleID: r, WorkspaceID: signet.OrganisationWide}, {RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS}}, Key: &CreateKeyInput{Name: "k"},
	})
	e.must(err)
	ks, err := e.svc.LoadKeyState(e.ctx, out.Key.Key.ID)
	e.must(err)
	if !ks.Access.Can("audit:read", "") || !ks.Access.Can("roles:read", e.defaultWS) {
		t.Fatalf("LoadKeyState access = %v; want audit:read org-wide and view in default", ks.Access.Org.List())
	}
	d, err := e.svc.GetUser(e.ctx, e.admin, out.User.ID)
	e.must(err)
	for _, g := range d.Grants {
		if g.RoleID == r {
			e.must(e.svc.DeleteGrant(e.ctx, e.admin, g.ID))
		}
	}
	ks, err = e.svc.LoadKeyState(e.ctx, out.Key.Key.ID)
	e.must(err)
	if ks.Access.Can("audit:read", "") || !ks.Access.Can("roles:read", e.defaultWS) {
		t.Errorf("LoadKeyState after the grant was deleted: audit:read = %v; want false (view kept)", ks.Access.Can("audit:read", ""))
	}
	// A scoped key sees only its scopes.
	scoped, err := e.svc.CreateAPIKey(e.ctx, e.admin, out.User.ID, CreateKeyInput{Name: "scoped", Scopes: []string{"roles:read"}})
	e.must(err)
	ks, err = e.svc.LoadKeyState(e.ctx, scoped.Key.ID)
	e.must(err)
	if ks.Access.Can("users:read", e.defaultWS) || !ks.Access.Can("roles:read", e.defaultWS) {
		t.Errorf("scoped key access in default = %v; want just roles:read", ks.Access.Workspaces[e.defaultWS].List())
	}
	// Editing a role takes effect at once for its holders.
	role, err := e.svc.CreateRole(e.ctx, e.admin, RoleInput{Name: "growing", Base: signet.BaseNone})
	e.must(err)
	_, err = e.svc.CreateGrant(e.ctx, e.admin, GrantInput{signet.SubjectUser, out.User.ID, role.Role.ID, signet.OrganisationWide})
	e.must(err)
	perms := []string{"settings:read"}
	_, err = e.svc.UpdateRole(e.ctx, e.admin, role.Role.ID, RoleUpdate{Permissions: &perms})
	e.must(err)
	ks, err = e.svc.LoadKeyState(e.ctx, out.Key.Key.ID)
	e.must(err)
	if !ks.Access.Can("settings:read", "") {
		t.Error("LoadKeyState after role edit lacks settings:read")
	}
	_, err = e.svc.LoadKeyState(e.ctx, "key_unknown")
	wantCode(t, "LoadKeyState(unknown)", err, signet.ENOTFOUND)
}

func TestActorKeyCheckedInTransaction(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testActorKeyCheckedInTransaction)
}

func testActorKeyCheckedInTransaction(t *testing.T) {
	e := newEnv(t)
	ck, err := e.svc.CreateAPIKey(e.ctx, e.admin, e.admin.UserID, CreateKeyInput{Name: "admin key"})
	e.must(err)
	keyActor := *e.admin
	keyActor.KeyID = ck.Key.ID
	_, err = e.svc.CreateWorkspace(e.ctx, &keyActor, WorkspaceInput{Name: "by key"})
	wantCode(t, "CreateWorkspace(by live key)", err, "")
	_, err = e.svc.RevokeAPIKey(e.ctx, e.admin, ck.Key.ID, "")
	e.must(err)
	// An actor built from a key revoked since (a stale cache upstream)
	// can do nothing.
	_, err = e.svc.CreateWorkspace(e.ctx, &keyActor, WorkspaceInput{Name: "by revoked key"})
	wantCode(t, "CreateWorkspace(by revoked key)", err, signet.EFORBIDDEN)
}

func TestLastAdminProtection(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLastAdminProtection) }

func testLastAdminProtection(t *testing.T) {
	tests := []struct {
		name string
		do   func(e *env) error
		want string
	}{
		{"remove last admin from Admins", func(e *env) error {
			return e.svc.RemoveGroupMember(e.ctx, e.admin, signet.AdminsGroupID, e.admin.UserID)
		}, signet.ECONFLICT},
		{"SetUserGroups drops Admins", func(e *env) error {
			_, err := e.svc.SetUserGroups(e.ctx, e.admin, e.admin.UserID, nil)
			return err
		}, signet.ECONFLICT},
		{"disable last admin", func(e *env) error {
			_, err := e.svc.SetUserStatus(e.ctx, e.admin, e.admin.UserID, signet.StatusDisabled)
			return err
		}, signet.ECONFLICT},
		{"delete last admin", func(e *env) error {
			return e.svc.DeleteUser(e.ctx, e.admin, e.admin.UserID)
		}, signet.ECONFLICT},
		{"disabled co-admin does not count", func(e *env) error {
			b := e.human(nil, signet.AdminsGroupID)
			if _, err := e.svc.SetUserStatus(e.ctx, e.admin, b.UserID, signet.StatusDisabled); err != nil {
				return err
			}
			return e.svc.RemoveGroupMember(e.ctx, e.admin, signet.AdminsGroupID, e.admin.UserID)
		}, signet.ECONFLICT},
		{"with another admin, removal is fine", func(e *env) error {
			e.human(nil, signet.AdminsGroupID)
			return e.svc.RemoveGroupMember(e.ctx, e.admin, signet.AdminsGroupID, e.admin.UserID)
		}, ""},
		{"with another admin, disabling is fine", func(e *env) error {
			e.human(nil, signet.AdminsGroupID)
			_, err := e.svc.SetUserStatus(e.ctx, e.admin, e.admin.UserID, signet.StatusDisabled)
			return err
		}, ""},
		{"delete Admins", func(e *env) error {
			return e.svc.DeleteGroup(e.ctx, e.admin, signet.AdminsGroupID)
		}, signet.ECONFLICT},
		{"rename Admins", func(e *env) error {
			n := "Owners"
			_, err := e.svc.UpdateGroup(e.ctx, e.admin, signet.AdminsGroupID, GroupUpdate{Name: &n})
			return err
		}, signet.ECONFLICT},
		{"describe Admins", func(e *env) error {
			d := "the people in charge"
			_, err := e.svc.UpdateGroup(e.ctx, e.admin, signet.AdminsGroupID, GroupUpdate{Description: &d})
			return err
		}, ""},
		{"delete the Admins grant", func(e *env) error {
			g, err := e.svc.GetGroup(e.ctx, e.admin, signet.AdminsGroupID)
			if err != nil {
				return err
			}
			return e.svc.DeleteGrant(e.ctx, e.admin, g.Grants[0].ID)
		}, signet.ECONFLICT},
		{"edit a built-in role", func(e *env) error {
			perms := []string{"audit:read"}
			_, err := e.svc.UpdateRole(e.ctx, e.admin, signet.RoleViewID, RoleUpdate{Permissions: &perms})
			return err
		}, signet.ECONFLICT},
		{"delete a built-in role", func(e *env) error {
			return e.svc.DeleteRole(e.ctx, e.admin, signet.RoleAdminID)
		}, signet.ECONFLICT},
		{"delete the default workspace", func(e *env) error {
			return e.svc.DeleteWorkspace(e.ctx, e.admin, e.defaultWS)
		}, signet.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			err := tt.do(e)
			wantCode(t, tt.name, err, tt.want)
			if err != nil && signet.ErrorMessage(err) == "" {
				t.Errorf("%s: empty message", tt.name)
			}
		})
	}
}

func TestAuditTrail(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAuditTrail) }

func testAuditTrail(t *testing.T) {
	e := newEnv(t)
	ck, err := e.svc.CreateAPIKey(e.ctx, e.admin, e.admin.UserID, CreateKeyInput{Name: "admin key"})
	e.must(err)
	a := *e.admin
	a.KeyID = ck.Key.ID
	ctx := signet.WithRequestInfo(context.Background(), signet.RequestInfo{IP: "203.0.113.9", UserAgent: "test/1", RequestID: "req-1"})
	e.ctx = ctx
	fx := newFixture(e)
	steps := []struct {
		action string
		do     func() error
	}{
		{"service_account.create", func() error {
			_, err := e.svc.CreateServiceAccount(ctx, &a, CreateServiceAccountInput{Name: "audited"})
			return err
		}},
		{"service_account.update", func() error {
			n := "audited2"
			_, err := e.svc.UpdateUser(ctx, &a, fx.sa.ID, UserUpdate{Name: &n})
			return err
		}},
		{"api_key.create", func() error {
			_, err := e.svc.CreateAPIKey(ctx, &a, fx.sa.ID, CreateKeyInput{Name: "k2"})
			return err
		}},
		{"group.member_add", func() error { return e.svc.AddGroupMember(ctx, &a, DefaultViewGroupID, fx.sa.ID) }},
		{"group.member_remove", func() error { return e.svc.RemoveGroupMember(ctx, &a, DefaultViewGroupID, fx.sa.ID) }},
		{"grant.create", func() error {
			_, err := e.svc.CreateGrant(ctx, &a, GrantInput{signet.SubjectUser, fx.sa.ID, signet.RoleViewID, e.defaultWS})
			return err
		}},
		{"role.update", func() error {
			d := "described"
			_, err := e.svc.UpdateRole(ctx, &a, fx.role, RoleUpdate{Description: &d})
			return err
		}},
		{"workspace.create", func() error {
			_, err := e.svc.CreateWorkspace(ctx, &a, WorkspaceInput{Name: "audited"})
			return err
		}},
		{"group.create", func() error {
			_, err := e.svc.CreateGroup(ctx, &a, GroupInput{Name: "audited"})
			return err
		}},
		{"permission_domain.create", func() error {
			_, err := e.svc.RegisterPermissionDomain(ctx, &a, "metrics", "metrics service")
			return err
		}},
		{"api_key.revoke", func() error { _, err := e.svc.RevokeAPIKey(ctx, &a, fx.keyID, "rotated"); return err }},
		{"service_account.disable", func() error {
			_, err := e.svc.SetUserStatus(ctx, &a, fx.sa.ID, signet.StatusDisabled)
			return err
		}},
		{"service_account.delete", func() error { return e.svc.DeleteUser(ctx, &a, fx.sa.ID) }},
	}
	for _, st := range steps {
		before := len(e.events())
		changes := e.changes
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.action, err)
		}
		evs := e.events()
		if len(evs) != before+1 {
			t.Errorf("%s wrote %d events; want exactly 1", st.action, len(evs)-before)
		}
		ev := evs[0]
		if ev.Action != st.action || ev.ActorID != e.admin.UserID || ev.ActorKind != signet.KindHuman || ev.KeyID != ck.Key.ID ||
			ev.RequestID != "req-1" || ev.IP != "203.0.113.9" || ev.UserAgent != "test/1" || ev.Outcome != signet.OutcomeSuccess || ev.Seq == 0 || ev.Hash == "" {
			t.Errorf("event of %s = %+v; want action, actor, key, request info and success", st.action, ev)
		}
		if e.changes != changes+1 {
			t.Errorf("%s called onChange %d times; want 1", st.action, e.changes-changes)
		}
	}
	// The chain holds.
	evs := e.events()
	slices.Reverse(evs)
	prev := signet.AuditGenesisHash
	for _, ev := range evs {
		if ev.PrevHash != prev || ev.ChainHash(prev) != ev.Hash {
			t.Fatalf("event %d breaks the chain", ev.Seq)
		}
		prev = ev.Hash
	}
	// Audit readers: organisation-wide sees all; workspace auditors only theirs.
	wsAuditor := e.human([]GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS}})
	_, _, err = e.svc.ListAuditEvents(ctx, wsAuditor, signet.AuditFilter{WorkspaceID: e.defaultWS})
	wantCode(t, "ListAuditEvents(own workspace)", err, "")
	_, _, err = e.svc.ListAuditEvents(ctx, wsAuditor, signet.AuditFilter{})
	wantCode(t, "ListAuditEvents(all, by workspace viewer)", err, signet.EFORBIDDEN)
	got, _, err := e.svc.ListAuditEvents(ctx, e.admin, signet.AuditFilter{Action: "api_key.revoke"})
	e.must(err)
	if len(got) != 1 || got[0].Details["reason"] != "rotated" {
		t.Errorf("ListAuditEvents(api_key.revoke) = %d events; want 1 with the reason", len(got))
	}
	one, err := e.svc.GetAuditEvent(ctx, e.admin, got[0].ID)
	e.must(err)
	if one.ID != got[0].ID {
		t.Errorf("GetAuditEvent = %s; want %s", one.ID, got[0].ID)
	}
}
