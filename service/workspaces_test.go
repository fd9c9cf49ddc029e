package service

import (
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

func TestWorkspaces(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWorkspaces) }

func testWorkspaces(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		in       WorkspaceInput
		wantCode string
	}{
		{"ok", WorkspaceInput{Name: "Analytics", Description: "numbers"}, ""},
		{"duplicate", WorkspaceInput{Name: "Analytics"}, signet.ECONFLICT},
		{"duplicate of default", WorkspaceInput{Name: "Default"}, signet.ECONFLICT},
		{"empty", WorkspaceInput{Name: " "}, signet.EINVALID},
		{"long", WorkspaceInput{Name: strings.Repeat("w", signet.MaxNameLen+1)}, signet.EINVALID},
		{"long description", WorkspaceInput{Name: "W", Description: strings.Repeat("d", signet.MaxDescriptionLen+1)}, signet.EINVALID},
	}
	for _, tt := range tests {
		_, err := e.svc.CreateWorkspace(e.ctx, e.admin, tt.in)
		wantCode(t, "CreateWorkspace("+tt.name+")", err, tt.wantCode)
	}
	ws, _, err := e.svc.ListWorkspaces(e.ctx, e.admin, signet.Page{})
	e.must(err)
	if len(ws) != 2 {
		t.Fatalf("ListWorkspaces(admin) = %d; want 2", len(ws))
	}
	var analytics *signet.Workspace
	for _, w := range ws {
		if w.Name == "Analytics" {
			analytics = w
		}
	}
	n := "Default"
	_, err = e.svc.UpdateWorkspace(e.ctx, e.admin, analytics.ID, WorkspaceUpdate{Name: &n})
	wantCode(t, "UpdateWorkspace(to taken name)", err, signet.ECONFLICT)

	// A user holding permissions in one workspace sees just that one.
	viewer := e.human(nil, DefaultViewGroupID)
	ws, _, err = e.svc.ListWorkspaces(e.ctx, viewer, signet.Page{})
	e.must(err)
	if len(ws) != 1 || ws[0].ID != e.defaultWS {
		t.Errorf("ListWorkspaces(default viewer) = %v; want just the default", ws)
	}
	_, err = e.svc.GetWorkspace(e.ctx, viewer, analytics.ID)
	wantCode(t, "GetWorkspace(not visible)", err, signet.EFORBIDDEN)

	// Deleting a workspace removes its grants.
	sa := e.sa(GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: analytics.ID})
	e.must(e.svc.DeleteWorkspace(e.ctx, e.admin, analytics.ID))
	d, err := e.svc.GetUser(e.ctx, e.admin, sa.ID)
	e.must(err)
	if len(d.Grants) != 0 {
		t.Errorf("grants after workspace deletion = %d; want 0", len(d.Grants))
	}
	err = e.svc.DeleteWorkspace(e.ctx, e.admin, analytics.ID)
	wantCode(t, "DeleteWorkspace(again)", err, signet.ENOTFOUND)
}

func TestListWorkspacesPaging(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testListWorkspacesPaging)
}

func testListWorkspacesPaging(t *testing.T) {
	e := newEnv(t)
	r := e.role(signet.BaseNone, "audit:read")
	var grants []GrantSpec
	for i := 0; i < 5; i++ {
		w, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: e.uniq("ws")})
		e.must(err)
		grants = append(grants, GrantSpec{RoleID: r, WorkspaceID: w.ID})
	}
	a := e.human(grants)
	seen := map[string]bool{}
	p := signet.Page{Limit: 2}
	for i := 0; i < 10; i++ {
		ws, next, err := e.svc.ListWorkspaces(e.ctx, a, p)
		e.must(err)
		for _, w := range ws {
			if seen[w.ID] {
				t.Errorf("workspace %s listed twice", w.ID)
			}
			seen[w.ID] = true
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	if len(seen) != 5 {
		t.Errorf("paged through %d workspaces; want 5", len(seen))
	}
}

func TestGrantValidation(t *testing.T) { t.Parallel(); testdb.ForEach(t, testGrantValidation) }

func testGrantValidation(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	tests := []struct {
		name     string
		in       GrantInput
		wantCode string
	}{
		{"ok", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, e.defaultWS}, ""},
		{"duplicate", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, e.defaultWS}, signet.ECONFLICT},
		{"org-wide is distinct", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, signet.OrganisationWide}, ""},
		{"unknown user", GrantInput{signet.SubjectUser, "sa_nope", signet.RoleViewID, signet.OrganisationWide}, signet.ENOTFOUND},
		{"unknown group", GrantInput{signet.SubjectGroup, "grp_nope", signet.RoleViewID, signet.OrganisationWide}, signet.ENOTFOUND},
		{"unknown role", GrantInput{signet.SubjectUser, sa.ID, "role_nope", signet.OrganisationWide}, signet.ENOTFOUND},
		{"unknown workspace", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, "ws_nope"}, signet.ENOTFOUND},
		{"bad subject type", GrantInput{"robot", sa.ID, signet.RoleViewID, signet.OrganisationWide}, signet.EINVALID},
		{"admin in a workspace", GrantInput{signet.SubjectUser, sa.ID, signet.RoleAdminID, e.defaultWS}, signet.EINVALID},
		{"group grant", GrantInput{signet.SubjectGroup, DefaultEditGroupID, signet.RoleViewID, signet.OrganisationWide}, ""},
		// Organisation-wide is never a default: no workspace means the
		// default workspace (a duplicate of "ok" above), and Admin must be
		// asked for organisation-wide explicitly.
		{"no workspace is the default workspace", GrantInput{signet.SubjectUser, sa.ID, signet.RoleViewID, ""}, signet.ECONFLICT},
		{"admin without asking for organisation-wide", GrantInput{signet.SubjectUser, sa.ID, signet.RoleAdminID, ""}, signet.EINVALID},
	}
	for _, tt := range tests {
		before := len(e.events())
		_, err := e.svc.CreateGrant(e.ctx, e.admin, tt.in)
		wantCode(t, "CreateGrant("+tt.name+")", err, tt.wantCode)
		if err != nil && len(e.events()) != before {
			t.Errorf("CreateGrant(%s) failed but wrote an event", tt.name)
		}
	}
	err := e.svc.DeleteGrant(e.ctx, e.admin, "grant_nope")
	wantCode(t, "DeleteGrant(unknown)", err, signet.ENOTFOUND)
}

func TestGroups(t *testing.T) { t.Parallel(); testdb.ForEach(t, testGroups) }

func testGroups(t *testing.T) {
	e := newEnv(t)
	g, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "Pipelines"})
	e.must(err)
	_, err = e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "pipelines"})
	wantCode(t, "CreateGroup(duplicate)", err, signet.ECONFLICT)
	_, err = e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: ""})
	wantCode(t, "CreateGroup(empty)", err, signet.EINVALID)
	sa := e.sa()
	e.must(e.svc.AddGroupMember(e.ctx, e.admin, g.ID, sa.ID))
	err = e.svc.AddGroupMember(e.ctx, e.admin, g.ID, sa.ID)
	wantCode(t, "AddGroupMember(again)", err, signet.ECONFLICT)
	err = e.svc.AddGroupMember(e.ctx, e.admin, g.ID, "sa_nope")
	wantCode(t, "AddGroupMember(unknown user)", err, signet.ENOTFOUND)

	d, err := e.svc.SetUserGroups(e.ctx, e.admin, sa.ID, []string{DefaultViewGroupID, DefaultEditGroupID})
	e.must(err)
	if len(d.Groups) != 2 {
		t.Errorf("SetUserGroups groups = %d; want 2", len(d.Groups))
	}
	ev := e.lastEvent()
	if ev.Action != "service_account.groups_set" || len(ev.Details["added"].([]any)) != 2 || len(ev.Details["removed"].([]any)) != 1 {
		t.Errorf("last event = %s %v; want 2 added, 1 removed", ev.Action, ev.Details)
	}
	before := len(e.events())
	_, err = e.svc.SetUserGroups(e.ctx, e.admin, sa.ID, []string{DefaultEditGroupID, DefaultViewGroupID})
	e.must(err)
	if len(e.events()) != before {
		t.Error("SetUserGroups with no change wrote an event")
	}
	err = e.svc.RemoveGroupMember(e.ctx, e.admin, g.ID, sa.ID)
	wantCode(t, "RemoveGroupMember(not a member)", err, signet.ENOTFOUND)

	n := "Robots"
	up, err := e.svc.UpdateGroup(e.ctx, e.admin, g.ID, GroupUpdate{Name: &n})
	e.must(err)
	if up.Name != "Robots" {
		t.Errorf("UpdateGroup name = %q; want Robots", up.Name)
	}
	e.must(e.svc.DeleteGroup(e.ctx, e.admin, g.ID))
	_, err = e.svc.GetGroup(e.ctx, e.admin, g.ID)
	wantCode(t, "GetGroup(deleted)", err, signet.ENOTFOUND)
}

func TestMe(t *testing.T) { t.Parallel(); testdb.ForEach(t, testMe) }

func testMe(t *testing.T) {
	e := newEnv(t)
	other, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "Other"})
	e.must(err)
	r := e.role(signet.BaseNone, "audit:read")
	a := e.human([]GrantSpec{{RoleID: r, WorkspaceID: signet.OrganisationWide}}, DefaultEditGroupID)
	me, err := e.svc.Me(e.ctx, a)
	e.must(err)
	if me.User.ID != a.UserID || me.User.PasswordHash != "" || len(me.Groups) != 1 {
		t.Errorf("Me = %+v; want the caller, no hash, one group", me)
	}
	if len(me.Organisation) != 1 || me.Organisation[0] != "audit:read" {
		t.Errorf("Me.Organisation = %v; want [audit:read]", me.Organisation)
	}
	perms := map[string][]string{}
	for _, w := range me.Workspaces {
		perms[w.Workspace.ID] = w.Permissions
	}
	if len(perms) != 2 {
		t.Fatalf("Me.Workspaces = %d; want 2 (org-wide audit:read reaches every workspace)", len(perms))
	}
	if got := perms[other.ID]; len(got) != 1 || got[0] != "audit:read" {
		t.Errorf("Me permissions in other = %v; want [audit:read]", got)
	}
	if got := perms[e.defaultWS]; !contains(got, "audit:read") || !contains(got, "roles:read") {
		t.Errorf("Me permissions in default = %v; want Edit's plus audit:read", got)
	}
	adminMe, err := e.svc.Me(e.ctx, e.admin)
	e.must(err)
	if len(adminMe.Workspaces) != 2 || adminMe.Workspaces[0].Permissions[0] != "*" {
		t.Errorf("Me(admin).Workspaces = %+v; want [*] in both", adminMe.Workspaces)
	}
	_, err = e.svc.Me(e.ctx, signet.SystemActor)
	wantCode(t, "Me(system)", err, signet.EUNAUTHENTICATED)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestWorkspaceFilters: a list filtered on a workspace that does not exist
// is ENOTFOUND naming it, not an empty list; the audit trail keeps
// listing the events of a deleted workspace.
func TestWorkspaceFilters(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWorkspaceFilters) }

func testWorkspaceFilters(t *testing.T) {
	e := newEnv(t)
	w, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "Sandbox"})
	e.must(err)
	g, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "sandboxers"})
	e.must(err)
	_, err = e.svc.CreateGrant(e.ctx, e.admin, GrantInput{SubjectType: signet.SubjectGroup, SubjectID: g.ID, RoleID: signet.RoleViewID, WorkspaceID: w.ID})
	e.must(err)
	e.must(e.svc.DeleteWorkspace(e.ctx, e.admin, w.ID))
	for _, tt := range []struct {
		name, ws string
		grants   string // want code of ListGrants
		audit    string // want code of ListAuditEvents and ExportAuditEvents
	}{
		{"unknown", "ws_nope", signet.ENOTFOUND, signet.ENOTFOUND},
		{"deleted, with events", w.ID, signet.ENOTFOUND, ""},
		{"none", "", "", ""},
	} {
		_, _, err := e.svc.ListGrants(e.ctx, e.admin, signet.GrantFilter{WorkspaceID: tt.ws})
		wantCode(t, "ListGrants("+tt.name+")", err, tt.grants)
		_, _, err = e.svc.ListAuditEvents(e.ctx, e.admin, signet.AuditFilter{WorkspaceID: tt.ws})
		wantCode(t, "ListAuditEvents("+tt.name+")", err, tt.audit)
		err = e.svc.ExportAuditEvents(e.ctx, e.admin, signet.AuditFilter{WorkspaceID: tt.ws}, func(*signet.AuditEvent) error { return nil })
		wantCode(t, "ExportAuditEvents("+tt.name+")", err, tt.audit)
		if err != nil && tt.ws != "" && !strings.Contains(signet.ErrorMessage(err), tt.ws) {
			t.Errorf("%s: message %q does not name %s", tt.name, signet.ErrorMessage(err), tt.ws)
		}
	}
}
