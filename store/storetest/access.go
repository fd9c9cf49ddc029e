package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

func testWorkspaces(t *testing.T, s store.Store) {
	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetDefaultWorkspace(t.Context())
		return err
	})
	wantCode(t, "GetDefaultWorkspace(before bootstrap)", err, signet.ENOTFOUND)

	def := workspace("Default")
	def.IsDefault = true
	prod := workspace("Production")
	create(t, s, def, prod)

	read(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		got, err := tx.GetDefaultWorkspace(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "GetDefaultWorkspace", got, def)
		if got, err = tx.GetWorkspace(ctx, prod.ID); err != nil {
			return err
		}
		wantEqual(t, "GetWorkspace", got, prod)
		_, err = tx.GetWorkspace(ctx, "ws_missing")
		wantCode(t, `GetWorkspace("ws_missing")`, err, signet.ENOTFOUND)
		return nil
	})

	second := workspace("Second default")
	second.IsDefault = true
	creates := []struct {
		name string
		w    *signet.Workspace
		want string
	}{
		{"second default", second, signet.ECONFLICT},
		{"name differing in case", workspace("PRODUCTION"), signet.ECONFLICT},
		{"new name", workspace("Staging"), ""},
	}
	for _, tc := range creates {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateWorkspace(t.Context(), tc.w) })
		wantCode(t, "CreateWorkspace("+tc.name+")", err, tc.want)
	}

	prod.Name, prod.Description, prod.UpdatedAt = "Prod", "renamed", at(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateWorkspace(t.Context(), prod) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetWorkspace(t.Context(), prod.ID)
		wantEqual(t, "GetWorkspace after UpdateWorkspace", got, prod)
		return err
	})
	updates := []struct {
		name string
		w    func() *signet.Workspace
		want string
	}{
		{"name taken", func() *signet.Workspace { w := *prod; w.Name = "default"; return &w }, signet.ECONFLICT},
		{"own name in another case", func() *signet.Workspace { w := *prod; w.Name = "PROD"; return &w }, ""},
		{"unknown", func() *signet.Workspace { return workspace("ghost") }, signet.ENOTFOUND},
	}
	for _, tc := range updates {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.UpdateWorkspace(t.Context(), tc.w()) })
		wantCode(t, "UpdateWorkspace("+tc.name+")", err, tc.want)
	}
	// UpdateWorkspace does not move the default.
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetDefaultWorkspace(t.Context())
		if err == nil {
			wantEqual(t, "GetDefaultWorkspace().ID after updates", got.ID, def.ID)
		}
		return err
	})

	got := walk(t, s, 2, func(tx store.Tx, p signet.Page) ([]*signet.Workspace, string, error) {
		return tx.ListWorkspaces(t.Context(), p)
	})
	if len(got) != 3 {
		t.Errorf("len(ListWorkspaces) = %d; want 3", len(got))
	}
}

func testDeleteWorkspace(t *testing.T, s store.Store) {
	ws := workspace("Doomed")
	keep := workspace("Kept")
	sa := serviceAccount("etl-bot")
	r := role("Reader")
	inWS := grant(signet.SubjectUser, sa.ID, r.ID, ws.ID)
	inKeep := grant(signet.SubjectUser, sa.ID, r.ID, keep.ID)
	orgWide := grant(signet.SubjectUser, sa.ID, r.ID, "")
	create(t, s, ws, keep, sa, r, inWS, inKeep, orgWide)

	write(t, s, func(tx store.Tx) error { return tx.DeleteWorkspace(t.Context(), ws.ID) })
	read(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		_, err := tx.GetWorkspace(ctx, ws.ID)
		wantCode(t, "GetWorkspace(deleted)", err, signet.ENOTFOUND)
		_, err = tx.GetGrant(ctx, inWS.ID)
		wantCode(t, "GetGrant(grant in deleted workspace)", err, signet.ENOTFOUND)
		grants, _, err := tx.ListGrants(ctx, signet.GrantFilter{SubjectID: sa.ID})
		if err != nil {
			return err
		}
		gotIDs := ids(grants, func(g *signet.Grant) string { return g.ID })
		want := []string{inKeep.ID, orgWide.ID}
		slices.Sort(want)
		wantEqual(t, "ListGrants after DeleteWorkspace", gotIDs, want)
		return nil
	})
	err := writeErr(t, s, func(tx store.Tx) error { return tx.DeleteWorkspace(t.Context(), ws.ID) })
	wantCode(t, "DeleteWorkspace(again)", err, signet.ENOTFOUND)
}

func testRoles(t *testing.T, s store.Store) {
	admin := role("Admin")
	admin.ID, admin.Base, admin.BuiltIn, admin.Permissions = signet.RoleAdminID, signet.BaseAdmin, true, nil
	custom := role("Metrics writer", "metrics:write", "metrics:execute")
	custom.Base = signet.BaseEdit
	create(t, s, admin, custom)

	for _, want := range []*signet.Role{admin, custom} {
		read(t, s, func(tx store.Tx) error {
			got, err := tx.GetRole(t.Context(), want.ID)
			wantEqual(t, fmt.Sprintf("GetRole(%q)", want.ID), got, want)
			return err
		})
	}
	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetRole(t.Context(), "role_missing")
		return err
	})
	wantCode(t, `GetRole("role_missing")`, err, signet.ENOTFOUND)

	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateRole(t.Context(), role("METRICS WRITER")) })
	wantCode(t, "CreateRole(name differing in case)", err, signet.ECONFLICT)

	custom.Name, custom.Description, custom.Base = "Metrics reader", "narrowed", signet.BaseView
	custom.Permissions, custom.UpdatedAt = []string{"metrics:read"}, at(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateRole(t.Context(), custom) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetRole(t.Context(), custom.ID)
		wantEqual(t, "GetRole after UpdateRole", got, custom)
		return err
	})

	updates := []struct {
		name string
		r    func() *signet.Role
		want string
	}{
		{"name taken", func() *signet.Role { r := *custom; r.Name = "ADMIN"; return &r }, signet.ECONFLICT},
		{"permissions emptied", func() *signet.Role { r := *custom; r.Permissions = nil; return &r }, ""},
		{"unknown", func() *signet.Role { return role("ghost") }, signet.ENOTFOUND},
	}
	for _, tc := range updates {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.UpdateRole(t.Context(), tc.r()) })
		wantCode(t, "UpdateRole("+tc.name+")", err, tc.want)
	}

	got := walk(t, s, 1, func(tx store.Tx, p signet.Page) ([]*signet.Role, string, error) {
		return tx.ListRoles(t.Context(), p)
	})
	roleID := func(r *signet.Role) string { return r.ID }
	want := []string{admin.ID, custom.ID}
	slices.Sort(want)
	wantEqual(t, "ListRoles", ids(got, roleID), want)
}

func testDeleteRole(t *testing.T, s store.Store) {
	r := role("Reader")
	unused := role("Unused")
	g := group("Analysts")
	gr := grant(signet.SubjectGroup, g.ID, r.ID, "")
	create(t, s, r, unused, g, gr)

	tests := []struct {
		name string
		id   string
		want string
	}{
		{"granted", r.ID, signet.ECONFLICT},
		{"unused", unused.ID, ""},
		{"unknown", "role_missing", signet.ENOTFOUND},
	}
	for _, tc := range tests {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.DeleteRole(t.Context(), tc.id) })
		wantCode(t, "DeleteRole("+tc.name+")", err, tc.want)
	}
	write(t, s, func(tx store.Tx) error {
		if err := tx.DeleteGrant(t.Context(), gr.ID); err != nil {
			return err
		}
		return tx.DeleteRole(t.Context(), r.ID)
	})
	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetRole(t.Context(), r.ID)
		return err
	})
	wantCode(t, "GetRole(deleted)", err, signet.ENOTFOUND)
}

func testGroups(t *testing.T, s store.Store) {
	admins := group("Admins")
	admins.ID, admins.Protected = signet.AdminsGroupID, true
	analysts := group("Analysts")
	create(t, s, admins, analysts)

	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetGroup(t.Context(), admins.ID)
		wantEqual(t, "GetGroup(Admins)", got, admins)
		return err
	})
	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetGroup(t.Context(), "grp_missing")
		return err
	})
	wantCode(t, `GetGroup("grp_missing")`, err, signet.ENOTFOUND)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateGroup(t.Context(), group("ANALYSTS")) })
	wantCode(t, "CreateGroup(name differing in case)", err, signet.ECONFLICT)

	analysts.Name, analysts.Description, analysts.UpdatedAt = "Data analysts", "renamed", at(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateGroup(t.Context(), analysts) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetGroup(t.Context(), analysts.ID)
		wantEqual(t, "GetGroup after UpdateGroup", got, analysts)
		return err
	})
	updates := []struct {
		name string
		g    func() *signet.Group
		want string
	}{
		{"name taken", func() *signet.Group { g := *analysts; g.Name = "admins"; return &g }, signet.ECONFLICT},
		{"unknown", func() *signet.Group { return group("ghost") }, signet.ENOTFOUND},
	}
	for _, tc := range updates {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.UpdateGroup(t.Context(), tc.g()) })
		wantCode(t, "UpdateGroup("+tc.name+")", err, tc.want)
	}

	got := walk(t, s, 1, func(tx store.Tx, p signet.Page) ([]*signet.Group, string, error) {
		return tx.ListGroups(t.Context(), p)
	})
	groupID := func(g *signet.Group) string { return g.ID }
	want := []string{admins.ID, analysts.ID}
	slices.Sort(want)
	wantEqual(t, "ListGroups", ids(got, groupID), want)
}

func testGroupMembers(t *testing.T, s store.Store) {
	g1, g2 := group("One"), group("Two")
	ada, bob := human("Ada", "ada@example.com"), human("Bob", "bob@example.com")
	sa := serviceAccount("etl-bot")
	create(t, s, g1, g2, ada, bob, sa, member(g1, ada), member(g1, bob), member(g1, sa), member(g2, ada))

	adds := []struct {
		name string
		m    signet.GroupMember
		want string
	}{
		{"already a member", member(g1, ada), signet.ECONFLICT},
		{"unknown group", member(group("ghost"), ada), signet.ENOTFOUND},
		{"unknown user", member(g1, human("Ghost", "")), signet.ENOTFOUND},
	}
	for _, tc := range adds {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.AddGroupMember(t.Context(), tc.m) })
		wantCode(t, "AddGroupMember("+tc.name+")", err, tc.want)
	}

	deleteUser(t, s, bob, at(time.Minute))
	listMembers := func(g *signet.Group) []string {
		var got []*signet.User
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ListGroupMembers(t.Context(), g.ID)
			return err
		})
		return userIDs(got)
	}
	listGroups := func(u *signet.User) []string {
		var got []*signet.Group
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ListUserGroups(t.Context(), u.ID)
			return err
		})
		return ids(got, func(g *signet.Group) string { return g.ID })
	}
	sorted := func(ss ...string) []string { slices.Sort(ss); return ss }

	wantEqual(t, "ListGroupMembers(One) (a deleted member is hidden)", listMembers(g1), sorted(ada.ID, sa.ID))
	wantEqual(t, "ListUserGroups(Ada)", listGroups(ada), sorted(g1.ID, g2.ID))
	read(t, s, func(tx store.Tx) error {
		got, err := tx.ListGroupMembers(t.Context(), g2.ID)
		if err == nil {
			want := *ada
			wantEqual(t, "ListGroupMembers(Two)", got, []*signet.User{&want})
		}
		return err
	})

	write(t, s, func(tx store.Tx) error { return tx.RemoveGroupMember(t.Context(), g1.ID, sa.ID) })
	wantEqual(t, "ListGroupMembers(One) after RemoveGroupMember", listMembers(g1), []string{ada.ID})
	err := writeErr(t, s, func(tx store.Tx) error { return tx.RemoveGroupMember(t.Context(), g1.ID, sa.ID) })
	wantCode(t, "RemoveGroupMember(not a member)", err, signet.ENOTFOUND)

	write(t, s, func(tx store.Tx) error { return tx.RemoveUserFromAllGroups(t.Context(), ada.ID) })
	wantEqual(t, "ListUserGroups(Ada) after RemoveUserFromAllGroups", listGroups(ada), []string{})
	wantEqual(t, "ListGroupMembers(Two) after RemoveUserFromAllGroups", listMembers(g2), []string{})
}

func testDeleteGroup(t *testing.T, s store.Store) {
	g, keep := group("Doomed"), group("Kept")
	ada := human("Ada", "ada@example.com")
	r := role("Reader")
	ws := workspace("Main")
	gGrant := grant(signet.SubjectGroup, g.ID, r.ID, ws.ID)
	keepGrant := grant(signet.SubjectGroup, keep.ID, r.ID, ws.ID)
	userGrant := grant(signet.SubjectUser, ada.ID, r.ID, "")
	create(t, s, g, keep, ada, r, ws, member(g, ada), member(keep, ada), gGrant, keepGrant, userGrant)

	write(t, s, func(tx store.Tx) error { return tx.DeleteGroup(t.Context(), g.ID) })
	read(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		_, err := tx.GetGroup(ctx, g.ID)
		wantCode(t, "GetGroup(deleted)", err, signet.ENOTFOUND)
		groups, err := tx.ListUserGroups(ctx, ada.ID)
		if err != nil {
			return err
		}
		wantEqual(t, "ListUserGroups after DeleteGroup", ids(groups, func(g *signet.Group) string { return g.ID }), []string{keep.ID})
		grants, _, err := tx.ListGrants(ctx, signet.GrantFilter{})
		if err != nil {
			return err
		}
		want := []string{keepGrant.ID, userGrant.ID}
		slices.Sort(want)
		wantEqual(t, "ListGrants after DeleteGroup", ids(grants, func(g *signet.Grant) string { return g.ID }), want)
		return nil
	})
	err := writeErr(t, s, func(tx store.Tx) error { return tx.DeleteGroup(t.Context(), g.ID) })
	wantCode(t, "DeleteGroup(again)", err, signet.ENOTFOUND)
}

func testGrants(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	gone := serviceAccount("gone-bot")
	g := group("Analysts")
	r1, r2 := role("Reader"), role("Writer")
	ws1, ws2 := workspace("One"), workspace("Two")
	create(t, s, sa, gone, g, r1, r2, ws1, ws2)
	deleteUser(t, s, gone, at(time.Minute))

	saWS1 := grant(signet.SubjectUser, sa.ID, r1.ID, ws1.ID)
	saOrg := grant(signet.SubjectUser, sa.ID, r2.ID, "")
	gWS2 := grant(signet.SubjectGroup, g.ID, r1.ID, ws2.ID)
	gWS1 := grant(signet.SubjectGroup, g.ID, r2.ID, ws1.ID)
	create(t, s, saWS1, saOrg, gWS2, gWS1)

	for _, want := range []*signet.Grant{saWS1, saOrg} {
		read(t, s, func(tx store.Tx) error {
			got, err := tx.GetGrant(t.Context(), want.ID)
			wantEqual(t, fmt.Sprintf("GetGrant(%q)", want.ID), got, want)
			return err
		})
	}

	creates := []struct {
		name string
		g    *signet.Grant
		want string
	}{
		{"unknown role", grant(signet.SubjectUser, sa.ID, "role_missing", ws1.ID), signet.ENOTFOUND},
		{"unknown workspace", grant(signet.SubjectUser, sa.ID, r2.ID, "ws_missing"), signet.ENOTFOUND},
		{"unknown user", grant(signet.SubjectUser, "sa_missing", r1.ID, ""), signet.ENOTFOUND},
		{"deleted user", grant(signet.SubjectUser, gone.ID, r1.ID, ""), signet.ENOTFOUND},
		{"unknown group", grant(signet.SubjectGroup, "grp_missing", r1.ID, ""), signet.ENOTFOUND},
		{"group id as user", grant(signet.SubjectUser, g.ID, r1.ID, ""), signet.ENOTFOUND},
	}
	for _, tc := range creates {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateGrant(t.Context(), tc.g) })
		wantCode(t, "CreateGrant("+tc.name+")", err, tc.want)
	}

	lists := []struct {
		name string
		f    signet.GrantFilter
		want []*signet.Grant
	}{
		{"all", signet.GrantFilter{}, []*signet.Grant{saWS1, saOrg, gWS2, gWS1}},
		{"user subject", signet.GrantFilter{SubjectType: signet.SubjectUser, SubjectID: sa.ID}, []*signet.Grant{saWS1, saOrg}},
		{"groups", signet.GrantFilter{SubjectType: signet.SubjectGroup}, []*signet.Grant{gWS2, gWS1}},
		{"role", signet.GrantFilter{RoleID: r1.ID}, []*signet.Grant{saWS1, gWS2}},
		{"workspace", signet.GrantFilter{WorkspaceID: ws1.ID}, []*signet.Grant{saWS1, gWS1}},
		{"role in workspace", signet.GrantFilter{RoleID: r2.ID, WorkspaceID: ws1.ID}, []*signet.Grant{gWS1}},
	}
	grantID := func(g *signet.Grant) string { return g.ID }
	for _, tc := range lists {
		got := walk(t, s, 1, func(tx store.Tx, p signet.Page) ([]*signet.Grant, string, error) {
			f := tc.f
			f.Page = p
			return tx.ListGrants(t.Context(), f)
		})
		want := ids(tc.want, grantID)
		slices.Sort(want)
		wantEqual(t, "ListGrants("+tc.name+")", ids(got, grantID), want)
	}

	write(t, s, func(tx store.Tx) error { return tx.DeleteGrant(t.Context(), gWS1.ID) })
	err := writeErr(t, s, func(tx store.Tx) error { return tx.DeleteGrant(t.Context(), gWS1.ID) })
	wantCode(t, "DeleteGrant(again)", err, signet.ENOTFOUND)
	err = readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetGrant(t.Context(), gWS1.ID)
		return err
	})
	wantCode(t, "GetGrant(deleted)", err, signet.ENOTFOUND)

	write(t, s, func(tx store.Tx) error { return tx.DeleteUserGrants(t.Context(), sa.ID) })
	read(t, s, func(tx store.Tx) error {
		got, _, err := tx.ListGrants(t.Context(), signet.GrantFilter{})
		wantEqual(t, "ListGrants after DeleteUserGrants", ids(got, grantID), []string{gWS2.ID})
		return err
	})
}

func testGrantUniqueness(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	g := group("Analysts")
	r := role("Reader")
	ws1, ws2 := workspace("One"), workspace("Two")
	create(t, s, sa, g, r, ws1, ws2,
		grant(signet.SubjectUser, sa.ID, r.ID, ws1.ID),
		grant(signet.SubjectUser, sa.ID, r.ID, ""))

	tests := []struct {
		name string
		g    *signet.Grant
		want string
	}{
		{"same role, same workspace", grant(signet.SubjectUser, sa.ID, r.ID, ws1.ID), signet.ECONFLICT},
		{"same role, organisation-wide again", grant(signet.SubjectUser, sa.ID, r.ID, ""), signet.ECONFLICT},
		{"same role, other workspace", grant(signet.SubjectUser, sa.ID, r.ID, ws2.ID), ""},
		{"another subject, organisation-wide", grant(signet.SubjectGroup, g.ID, r.ID, ""), ""},
		{"that subject, organisation-wide again", grant(signet.SubjectGroup, g.ID, r.ID, ""), signet.ECONFLICT},
	}
	for _, tc := range tests {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateGrant(t.Context(), tc.g) })
		wantCode(t, "CreateGrant("+tc.name+")", err, tc.want)
	}
}

func testGrantsReaching(t *testing.T, s store.Store) {
	ada, bob := human("Ada", "ada@example.com"), human("Bob", "bob@example.com")
	g1, g2, g3 := group("One"), group("Two"), group("Bob's")
	reader := role("Reader", "metrics:read")
	admin := role("Admin")
	admin.Base, admin.BuiltIn, admin.Permissions = signet.BaseAdmin, true, nil
	ws := workspace("Main")
	create(t, s, ada, bob, g1, g2, g3, reader, admin, ws, member(g1, ada), member(g2, ada), member(g3, bob))

	direct := grant(signet.SubjectUser, ada.ID, reader.ID, ws.ID)
	viaG1 := grant(signet.SubjectGroup, g1.ID, admin.ID, "")
	viaG2 := grant(signet.SubjectGroup, g2.ID, reader.ID, "")
	bobs := grant(signet.SubjectUser, bob.ID, admin.ID, "")
	viaG3 := grant(signet.SubjectGroup, g3.ID, reader.ID, ws.ID)
	create(t, s, direct, viaG1, viaG2, bobs, viaG3)

	tests := []struct {
		user *signet.User
		want []signet.GrantedRole
	}{
		{ada, []signet.GrantedRole{{Grant: *direct, Role: *reader}, {Grant: *viaG1, Role: *admin}, {Grant: *viaG2, Role: *reader}}},
		{bob, []signet.GrantedRole{{Grant: *bobs, Role: *admin}, {Grant: *viaG3, Role: *reader}}},
		{human("Nobody", ""), []signet.GrantedRole{}},
	}
	for _, tc := range tests {
		var got []signet.GrantedRole
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GrantsReaching(t.Context(), tc.user.ID)
			return err
		})
		slices.SortFunc(got, func(a, b signet.GrantedRole) int { return strings.Compare(a.Grant.ID, b.Grant.ID) })
		slices.SortFunc(tc.want, func(a, b signet.GrantedRole) int { return strings.Compare(a.Grant.ID, b.Grant.ID) })
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		wantEqual(t, fmt.Sprintf("GrantsReaching(%s)", tc.user.Name), got, tc.want)
	}
}
