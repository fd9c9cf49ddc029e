package service

import (
	"slices"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

func TestCreateRoleValidation(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCreateRoleValidation)
}

func testCreateRoleValidation(t *testing.T) {
	tests := []struct {
		name     string
		in       RoleInput
		wantCode string
		wantEff  []string // subset of Effective on success
	}{
		{name: "none plus one", in: RoleInput{Name: "Auditor", Base: signet.BaseNone, Permissions: []string{"audit:read"}}, wantEff: []string{"audit:read"}},
		{name: "view base", in: RoleInput{Name: "Reader", Base: signet.BaseView}, wantEff: []string{"users:read", "roles:read"}},
		{name: "manage base", in: RoleInput{Name: "Boss", Base: signet.BaseManage}, wantEff: []string{"grants:write"}},
		{name: "duplicates folded", in: RoleInput{Name: "Dup", Base: signet.BaseNone, Permissions: []string{"audit:read", "audit:read"}}, wantEff: []string{"audit:read"}},
		{name: "admin base", in: RoleInput{Name: "Root", Base: signet.BaseAdmin}, wantCode: signet.EINVALID},
		{name: "empty base", in: RoleInput{Name: "Nothing"}, wantCode: signet.EINVALID},
		{name: "unknown permission", in: RoleInput{Name: "X", Base: signet.BaseNone, Permissions: []string{"metrics:read"}}, wantCode: signet.EINVALID},
		{name: "no name", in: RoleInput{Base: signet.BaseNone}, wantCode: signet.EINVALID},
		{name: "taken name", in: RoleInput{Name: "admin", Base: signet.BaseNone}, wantCode: signet.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			before := len(e.events())
			r, err := e.svc.CreateRole(e.ctx, e.admin, tt.in)
			wantCode(t, "CreateRole", err, tt.wantCode)
			if err != nil {
				if after := len(e.events()); after != before {
					t.Errorf("events after failed CreateRole = %d; want %d", after, before)
				}
				return
			}
			for _, p := range tt.wantEff {
				if !slices.Contains(r.Effective, p) {
					t.Errorf("Effective = %v; want it to contain %s", r.Effective, p)
				}
			}
			if r.Role.BuiltIn {
				t.Error("custom role is BuiltIn")
			}
		})
	}
}

func TestRoleLifecycle(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRoleLifecycle) }

func testRoleLifecycle(t *testing.T) {
	e := newEnv(t)
	r, err := e.svc.CreateRole(e.ctx, e.admin, RoleInput{Name: "Auditor", Base: signet.BaseNone, Permissions: []string{"audit:read"}})
	e.must(err)
	base := signet.BaseView
	up, err := e.svc.UpdateRole(e.ctx, e.admin, r.Role.ID, RoleUpdate{Base: &base})
	e.must(err)
	if !slices.Contains(up.Effective, "users:read") {
		t.Errorf("Effective after base change = %v; want view permissions", up.Effective)
	}
	ev := e.lastEvent()
	if ev.Action != "role.update" || ev.Details["base"] == nil {
		t.Errorf("last event = %s %v; want role.update with the base change", ev.Action, ev.Details)
	}
	bad := []string{"nope:read"}
	_, err = e.svc.UpdateRole(e.ctx, e.admin, r.Role.ID, RoleUpdate{Permissions: &bad})
	wantCode(t, "UpdateRole(unknown permission)", err, signet.EINVALID)

	g, err := e.svc.CreateGrant(e.ctx, e.admin, GrantInput{signet.SubjectGroup, DefaultViewGroupID, r.Role.ID, e.defaultWS})
	e.must(err)
	err = e.svc.DeleteRole(e.ctx, e.admin, r.Role.ID)
	wantCode(t, "DeleteRole(granted)", err, signet.ECONFLICT)
	if !strings.Contains(signet.ErrorMessage(err), "still granted") {
		t.Errorf("DeleteRole(granted) message = %q; want it to say the role is still granted", signet.ErrorMessage(err))
	}
	e.must(e.svc.DeleteGrant(e.ctx, e.admin, g.ID))
	e.must(e.svc.DeleteRole(e.ctx, e.admin, r.Role.ID))
	_, err = e.svc.GetRole(e.ctx, e.admin, r.Role.ID)
	wantCode(t, "GetRole(deleted)", err, signet.ENOTFOUND)
	admin, err := e.svc.GetRole(e.ctx, e.admin, signet.RoleAdminID)
	e.must(err)
	if !slices.Equal(admin.Effective, []string{"*"}) {
		t.Errorf("Admin Effective = %v; want [*]", admin.Effective)
	}
}

func TestRegisterPermissionDomain(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRegisterPermissionDomain)
}

func testRegisterPermissionDomain(t *testing.T) {
	tests := []struct {
		name     string
		domain   string
		wantCode string
	}{
		{"ok", "metrics", ""},
		{"underscore", "data_sources", ""},
		{"signet's own", "users", signet.EINVALID},
		{"signet check domain", "signet", signet.EINVALID},
		{"upper case", "Metrics", signet.EINVALID},
		{"too short", "m", signet.EINVALID},
		{"starts with digit", "1metrics", signet.EINVALID},
		{"colon", "me:trics", signet.EINVALID},
		{"too long", strings.Repeat("m", 41), signet.EINVALID},
		{"duplicate", "tables", signet.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.RegisterPermissionDomain(e.ctx, e.admin, "tables", "")
			e.must(err)
			_, err = e.svc.RegisterPermissionDomain(e.ctx, e.admin, tt.domain, "a service")
			wantCode(t, "RegisterPermissionDomain("+tt.domain+")", err, tt.wantCode)
			if err != nil {
				return
			}
			cat, domains, err := e.svc.ListPermissions(e.ctx, e.admin)
			e.must(err)
			if !cat.Has(tt.domain+":write") || len(domains) != 2 {
				t.Errorf("catalogue lacks %s:write or domains = %d; want it registered", tt.domain, len(domains))
			}
			// The new permissions are usable at once, e.g. in roles.
			_, err = e.svc.CreateRole(e.ctx, e.admin, RoleInput{Name: "r", Base: signet.BaseNone, Permissions: []string{tt.domain + ":execute"}})
			wantCode(t, "CreateRole(new domain permission)", err, "")
		})
	}
}
