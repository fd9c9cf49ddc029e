package service

import (
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

func TestBootstrapCreatesDefaults(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testBootstrapCreatesDefaults)
}

func testBootstrapCreatesDefaults(t *testing.T) {
	e := newEnv(t)
	roles, _, err := e.svc.ListRoles(e.ctx, e.admin, signet.Page{})
	e.must(err)
	got := map[string]string{}
	for _, r := range roles {
		if !r.Role.BuiltIn {
			t.Errorf("role %s BuiltIn = false; want true", r.Role.ID)
		}
		got[r.Role.ID] = r.Role.Name + "/" + r.Role.Base
	}
	want := map[string]string{
		signet.RoleAdminID: "Admin/admin", signet.RoleManageID: "Manage/manage",
		signet.RoleEditID: "Edit/edit", signet.RoleViewID: "View/view",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("role %s = %q; want %q", id, got[id], w)
		}
	}
	groups, _, err := e.svc.ListGroups(e.ctx, e.admin, signet.Page{})
	e.must(err)
	if len(groups) != 4 {
		t.Fatalf("ListGroups() returned %d groups; want 4", len(groups))
	}
	admins, err := e.svc.GetGroup(e.ctx, e.admin, signet.AdminsGroupID)
	e.must(err)
	if !admins.Group.Protected || len(admins.Grants) != 1 || admins.Grants[0].RoleID != signet.RoleAdminID || admins.Grants[0].WorkspaceID != "" {
		t.Errorf("Admins = %+v, grants %+v; want protected with an org-wide Admin grant", admins.Group, admins.Grants)
	}
	if len(admins.Members) != 1 || admins.Members[0].ID != e.admin.UserID {
		t.Errorf("Admins members = %v; want the first admin", admins.Members)
	}
	for _, dg := range defaultGroups {
		g, err := e.svc.GetGroup(e.ctx, e.admin, dg.id)
		e.must(err)
		if g.Group.Name != dg.name || len(g.Grants) != 1 || g.Grants[0].RoleID != dg.roleID || g.Grants[0].WorkspaceID != e.defaultWS {
			t.Errorf("group %s = %+v, grants %+v; want %s with %s on the default workspace", dg.id, g.Group, g.Grants, dg.name, dg.roleID)
		}
	}
	w, err := e.svc.GetWorkspace(e.ctx, e.admin, e.defaultWS)
	e.must(err)
	if w.Name != "Default" || !w.IsDefault {
		t.Errorf("default workspace = %+v; want Default", w)
	}

	// A restart changes nothing and audits nothing.
	before := len(e.events())
	token, err := e.svc.Bootstrap(e.ctx)
	if err != nil || token != "" {
		t.Errorf("Bootstrap() after setup = %q, %v; want \"\", nil", token, err)
	}
	if after := len(e.events()); after != before {
		t.Errorf("events after second Bootstrap = %d; want %d", after, before)
	}
	groups2, _, err := e.svc.ListGroups(e.ctx, e.admin, signet.Page{})
	e.must(err)
	if len(groups2) != 4 {
		t.Errorf("ListGroups() after restart returned %d groups; want 4", len(groups2))
	}
}

func TestSetupToken(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSetupToken) }

func testSetupToken(t *testing.T) {
	e := newEnv(t) // already set up by Ada
	pending, err := e.svc.SetupPending(e.ctx)
	if err != nil || pending {
		t.Errorf("SetupPending() = %v, %v; want false", pending, err)
	}
	ev := e.lastEvent()
	if ev.Action != "setup.complete" || ev.TargetID != e.admin.UserID || ev.ActorKind != "system" {
		t.Errorf("last event = %s %s by %s; want setup.complete of the admin by system", ev.Action, ev.TargetID, ev.ActorKind)
	}
	for k, v := range ev.Details {
		if s, ok := v.(string); ok && (strings.Contains(s, testPassword) || strings.HasPrefix(s, "$2")) {
			t.Errorf("setup event detail %s = %q; want no password or hash", k, s)
		}
	}
	// The token is single-use, and refused once a human exists.
	_, err = e.svc.CompleteSetup(e.ctx, "anything", CreateHumanInput{Name: "Eve", Email: "eve@example.com", Password: testPassword})
	wantCode(t, "CompleteSetup(after setup)", err, signet.EUNAUTHENTICATED)
}

func TestCompleteSetupToken(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCompleteSetupToken) }

func testCompleteSetupToken(t *testing.T) {
	f := newBareEnv(t)
	e := f
	token, err := f.svc.Bootstrap(f.ctx)
	e.must(err)
	if len(token) != 43 || strings.ContainsAny(token, "+/=") {
		t.Errorf("setup token %q; want 43 base64url characters", token)
	}
	// Only the hash is stored.
	e.must(f.st.Read(f.ctx, func(tx store.Tx) error {
		v, err := tx.GetSetting(f.ctx, settingSetupToken)
		if err != nil {
			return err
		}
		if v == token || v != hashToken(token) {
			t.Errorf("stored setting = %q; want the SHA-256 of the token", v)
		}
		return nil
	}))
	in := CreateHumanInput{Name: "Grace", Email: "grace@example.com", Password: testPassword}
	_, err = f.svc.CompleteSetup(f.ctx, token+"x", in)
	wantCode(t, "CompleteSetup(wrong token)", err, signet.EUNAUTHENTICATED)
	_, err = f.svc.CompleteSetup(f.ctx, token, CreateHumanInput{Name: "Grace", Email: "grace@example.com", Password: "short"})
	wantCode(t, "CompleteSetup(short password)", err, signet.EINVALID)
	u, err := f.svc.CompleteSetup(f.ctx, token, in)
	wantCode(t, "CompleteSetup(right token)", err, "")
	if u.PasswordHash != "" {
		t.Errorf("CompleteSetup returned a password hash")
	}
	_, err = f.svc.CompleteSetup(f.ctx, token, CreateHumanInput{Name: "Eve", Email: "eve@example.com", Password: testPassword})
	wantCode(t, "CompleteSetup(reused token)", err, signet.EUNAUTHENTICATED)
	me, err := f.svc.Me(f.ctx, f.svc.ActorForUser(u))
	e.must(err)
	if len(me.Organisation) != 1 || me.Organisation[0] != "*" {
		t.Errorf("Me().Organisation = %v; want [*] for the first admin", me.Organisation)
	}
}

func TestCreateAdmin(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCreateAdmin) }

func testCreateAdmin(t *testing.T) {
	e := newEnv(t)
	u, err := e.svc.CreateAdmin(e.ctx, CreateHumanInput{Name: "Root", Email: "root@example.com", Password: testPassword})
	e.must(err)
	g, err := e.svc.GetGroup(e.ctx, e.admin, signet.AdminsGroupID)
	e.must(err)
	if len(g.Members) != 2 {
		t.Errorf("Admins has %d members after CreateAdmin; want 2", len(g.Members))
	}
	_, err = e.svc.CreateAdmin(e.ctx, CreateHumanInput{Name: "Root", Email: "ROOT@example.com", Password: testPassword})
	wantCode(t, "CreateAdmin(taken email)", err, signet.ECONFLICT)
	_, err = e.svc.CreateAdmin(e.ctx, CreateHumanInput{Name: "Root", Email: "other@example.com"})
	wantCode(t, "CreateAdmin(no password)", err, signet.EINVALID)
	if _, err := e.svc.AuthenticatePassword(e.ctx, "root@example.com", testPassword); err != nil {
		t.Errorf("AuthenticatePassword(new admin) = %v; want nil", err)
	}
	_ = u
}
