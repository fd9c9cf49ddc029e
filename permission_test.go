package signet_test

import (
	"slices"
	"sort"
	"testing"

	signet "github.com/signetdev/signet"
)

var allPerms = signet.PermSet{All: true}

func TestPermSet(t *testing.T) {
	var zero signet.PermSet
	tests := []struct {
		name      string
		s         signet.PermSet
		has       []string // Has is true for each
		hasNot    []string // Has is false for each
		wantList  []string
		wantEmpty bool
	}{
		{name: "zero value", s: zero, hasNot: []string{"users:read", "", "*"}, wantList: []string{}, wantEmpty: true},
		{name: "Add of nothing", s: signet.NewPermSet(), hasNot: []string{"users:read"}, wantList: []string{}, wantEmpty: true},
		{name: "one", s: signet.NewPermSet("users:read"), has: []string{"users:read"}, hasNot: []string{"users:write", "users", "*"}, wantList: []string{"users:read"}},
		{name: "duplicates, sorted", s: signet.NewPermSet("roles:read", "audit:read", "roles:read"),
			has: []string{"audit:read", "roles:read"}, wantList: []string{"audit:read", "roles:read"}},
		// "*" in a concrete set is a string like any other, not a wildcard:
		// only the All flag means every permission.
		{name: "literal star", s: signet.NewPermSet("*"), has: []string{"*"}, hasNot: []string{"users:read"}, wantList: []string{"*"}},
		{name: "All", s: allPerms, has: []string{"users:read", "metrics:execute", "not-in-any-catalogue:x", ""}, wantList: []string{"*"}},
		{name: "All with concrete ones too", s: func() signet.PermSet {
			s := signet.NewPermSet("audit:read")
			s.All = true
			return s
		}(), has: []string{"audit:read", "users:write"}, wantList: []string{"*"}},
	}
	for _, tt := range tests {
		for _, p := range tt.has {
			if !tt.s.Has(p) {
				t.Errorf("%s: Has(%q) = false; want true", tt.name, p)
			}
		}
		for _, p := range tt.hasNot {
			if tt.s.Has(p) {
				t.Errorf("%s: Has(%q) = true; want false", tt.name, p)
			}
		}
		if got := tt.s.List(); !slices.Equal(got, tt.wantList) || got == nil {
			t.Errorf("%s: List() = %#v; want %#v", tt.name, got, tt.wantList)
		}
		if got := tt.s.Empty(); got != tt.wantEmpty {
			t.Errorf("%s: Empty() = %v; want %v", tt.name, got, tt.wantEmpty)
		}
	}
}

func TestPermSetUnion(t *testing.T) {
	tests := []struct {
		name    string
		s, o    signet.PermSet
		want    []string // List of the result
		wantAll bool
	}{
		{name: "zero with zero", want: []string{}},
		{name: "zero with some", o: signet.NewPermSet("b", "a"), want: []string{"a", "b"}},
		{name: "some with zero", s: signet.NewPermSet("a"), want: []string{"a"}},
		{name: "overlapping", s: signet.NewPermSet("a", "b"), o: signet.NewPermSet("b", "c"), want: []string{"a", "b", "c"}},
		{name: "with All", s: signet.NewPermSet("a"), o: allPerms, want: []string{"*"}, wantAll: true},
		{name: "All with some", s: allPerms, o: signet.NewPermSet("a"), want: []string{"*"}, wantAll: true},
	}
	for _, tt := range tests {
		s := tt.s
		s.Union(tt.o)
		if got := s.List(); !slices.Equal(got, tt.want) || s.All != tt.wantAll {
			t.Errorf("%s: %v ∪ %v = %v (All %v); want %v (All %v)", tt.name, tt.s.List(), tt.o.List(), got, s.All, tt.want, tt.wantAll)
		}
	}

	// The union owns its permissions: adding to it later does not reach
	// the set it was built from (Access.In relies on this).
	o := signet.NewPermSet("a")
	var s signet.PermSet
	s.Union(o)
	s.Add("b")
	if o.Has("b") {
		t.Errorf("adding to a union changed its operand: %v", o.List())
	}
}

func TestPermSetCovers(t *testing.T) {
	ab := signet.NewPermSet("a", "b")
	tests := []struct {
		name string
		s, o signet.PermSet
		want bool
	}{
		{"zero covers zero", signet.PermSet{}, signet.PermSet{}, true},
		{"some covers zero", ab, signet.PermSet{}, true},
		{"zero does not cover some", signet.PermSet{}, ab, false},
		{"itself", ab, ab, true},
		{"superset", ab, signet.NewPermSet("a"), true},
		{"subset", signet.NewPermSet("a"), ab, false},
		{"disjoint", signet.NewPermSet("c"), signet.NewPermSet("a"), false},
		{"All covers some", allPerms, ab, true},
		{"All covers All", allPerms, allPerms, true},
		{"some does not cover All", ab, allPerms, false},
		{"literal star does not cover All", signet.NewPermSet("*"), allPerms, false},
		{"zero does not cover All", signet.PermSet{}, allPerms, false},
	}
	for _, tt := range tests {
		if got := tt.s.Covers(tt.o); got != tt.want {
			t.Errorf("%s: %v.Covers(%v) = %v; want %v", tt.name, tt.s.List(), tt.o.List(), got, tt.want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	registered := []string{"tables", "metrics"}
	c := signet.NewCatalogue(registered)
	registered[0] = "changed" // the catalogue keeps its own copy

	if got, want := c.Domains(), []string{"metrics", "tables"}; !slices.Equal(got, want) {
		t.Errorf("Domains() = %v; want %v", got, want)
	}
	want := append(slices.Clone(signet.SignetPermissions),
		"metrics:read", "metrics:write", "metrics:execute", "tables:read", "tables:write", "tables:execute")
	sort.Strings(want)
	if got := c.Permissions(); !slices.Equal(got, want) {
		t.Errorf("Permissions() = %v; want %v", got, want)
	}
	for _, tt := range []struct {
		p    string
		want bool
	}{
		{"users:read", true},
		{"signet:check", true},
		{"audit:read", true},
		{"audit:write", false}, // audit is append-only
		{"metrics:execute", true},
		{"tables:read", true},
		{"changed:read", false},
		{"jobs:read", false},
		{"metrics", false},
		{"*", false},
		{"", false},
	} {
		if got := c.Has(tt.p); got != tt.want {
			t.Errorf("Has(%q) = %v; want %v", tt.p, got, tt.want)
		}
	}

	empty := signet.NewCatalogue(nil)
	want = slices.Sorted(slices.Values(signet.SignetPermissions))
	if got := empty.Permissions(); !slices.Equal(got, want) {
		t.Errorf("NewCatalogue(nil).Permissions() = %v; want %v", got, want)
	}
	if got := empty.Domains(); len(got) != 0 {
		t.Errorf("NewCatalogue(nil).Domains() = %v; want none", got)
	}
}

func TestBasePermissions(t *testing.T) {
	c := signet.NewCatalogue([]string{"tables", "metrics"})
	view := []string{
		"api_keys:read", "audit:read", "grants:read", "groups:read", "metrics:read", "roles:read",
		"service_accounts:read", "settings:read", "tables:read", "users:read", "workspaces:read",
	}
	edit := append(slices.Clone(view), "metrics:execute", "metrics:write", "tables:execute", "tables:write")
	sort.Strings(edit)
	manage := append(slices.Clone(edit), "grants:write")
	sort.Strings(manage)
	tests := []struct {
		base string
		want []string
	}{
		{signet.BaseNone, nil},
		// Every read, Signet's and the registered domains'; signet:check is
		// not a read.
		{signet.BaseView, view},
		// Content writes only: no Signet write (users, roles, settings…).
		{signet.BaseEdit, edit},
		// grants:write is the one Signet write a base gives.
		{signet.BaseManage, manage},
		// Admin is PermSet.All, not a list (see TestRolePermissions).
		{signet.BaseAdmin, nil},
		{"", nil},
		{"bogus", nil},
	}
	for _, tt := range tests {
		if got := c.BasePermissions(tt.base); !slices.Equal(got, tt.want) {
			t.Errorf("BasePermissions(%q) = %v; want %v", tt.base, got, tt.want)
		}
	}
}

func TestValidBase(t *testing.T) {
	for _, tt := range []struct {
		base string
		want bool
	}{
		{signet.BaseNone, true}, {signet.BaseView, true}, {signet.BaseEdit, true}, {signet.BaseManage, true},
		{signet.BaseAdmin, false}, // the built-in Admin role only
		{"", false}, {"View", false},
	} {
		if got := signet.ValidBase(tt.base); got != tt.want {
			t.Errorf("ValidBase(%q) = %v; want %v", tt.base, got, tt.want)
		}
	}
}

func TestRolePermissions(t *testing.T) {
	c := signet.NewCatalogue([]string{"metrics"})
	tests := []struct {
		name    string
		role    signet.Role
		want    []string // List of the result
		wantAll bool
	}{
		{name: "Admin", role: signet.Role{ID: signet.RoleAdminID, Base: signet.BaseAdmin}, want: []string{"*"}, wantAll: true},
		{name: "Admin with extras is still every permission", role: signet.Role{Base: signet.BaseAdmin, Permissions: []string{"metrics:read"}}, want: []string{"*"}, wantAll: true},
		{name: "none", role: signet.Role{Base: signet.BaseNone}, want: []string{}},
		{name: "none plus extras", role: signet.Role{Base: signet.BaseNone, Permissions: []string{"signet:check", "metrics:write"}},
			want: []string{"metrics:write", "signet:check"}},
		{name: "view plus an extra it already has", role: signet.Role{Base: signet.BaseView, Permissions: []string{"users:read"}},
			want: c.BasePermissions(signet.BaseView)},
		{name: "edit plus an extra", role: signet.Role{Base: signet.BaseEdit, Permissions: []string{"users:write"}},
			want: slices.Sorted(slices.Values(append(c.BasePermissions(signet.BaseEdit), "users:write")))},
		{name: "manage", role: signet.Role{ID: signet.RoleManageID, Base: signet.BaseManage}, want: c.BasePermissions(signet.BaseManage)},
	}
	for _, tt := range tests {
		got := c.RolePermissions(&tt.role)
		if !slices.Equal(got.List(), tt.want) || got.All != tt.wantAll {
			t.Errorf("%s: RolePermissions = %v (All %v); want %v (All %v)", tt.name, got.List(), got.All, tt.want, tt.wantAll)
		}
	}
}

// can is one expectation of Access.Can.
type can struct {
	p, ws string
	want  bool
}

func TestComputeAccess(t *testing.T) {
	c := signet.NewCatalogue([]string{"metrics", "tables"})
	admin := signet.Role{ID: signet.RoleAdminID, Base: signet.BaseAdmin}
	view := signet.Role{ID: signet.RoleViewID, Base: signet.BaseView}
	edit := signet.Role{ID: signet.RoleEditID, Base: signet.BaseEdit}
	checker := signet.Role{ID: "role_checker", Base: signet.BaseNone, Permissions: []string{"signet:check"}}
	readsMetrics := signet.Role{ID: "role_r", Base: signet.BaseNone, Permissions: []string{"metrics:read"}}
	writesMetrics := signet.Role{ID: "role_w", Base: signet.BaseNone, Permissions: []string{"metrics:write"}}
	grant := func(r signet.Role, ws string) signet.GrantedRole {
		return signet.GrantedRole{Grant: signet.Grant{RoleID: r.ID, WorkspaceID: ws}, Role: r}
	}
	tests := []struct {
		name   string
		grants []signet.GrantedRole
		checks []can
	}{
		{name: "no grants", checks: []can{
			{"users:read", "", false}, {"users:read", "ws_a", false}, {"metrics:read", "ws_a", false},
		}},
		{name: "organisation-wide counts everywhere and at organisation level", grants: []signet.GrantedRole{grant(view, "")}, checks: []can{
			{"users:read", "", true}, {"users:read", "ws_a", true}, {"metrics:read", "ws_never_seen", true},
			{"metrics:write", "ws_a", false}, {"users:write", "", false},
		}},
		{name: "per workspace counts only there", grants: []signet.GrantedRole{grant(view, "ws_a")}, checks: []can{
			{"metrics:read", "ws_a", true}, {"users:read", "ws_a", true},
			{"metrics:read", "ws_b", false}, {"metrics:read", "", false}, {"users:read", "", false},
		}},
		{name: "Admin naming a workspace is organisation-wide", grants: []signet.GrantedRole{grant(admin, "ws_a")}, checks: []can{
			{"users:write", "", true}, {"settings:write", "ws_b", true}, {"metrics:execute", "ws_a", true},
			{"domain:registered_later", "ws_z", true},
		}},
		{name: "Admin organisation-wide", grants: []signet.GrantedRole{grant(admin, "")}, checks: []can{
			{"users:write", "", true}, {"tables:write", "ws_b", true},
		}},
		{name: "union across workspaces and levels",
			grants: []signet.GrantedRole{grant(edit, "ws_a"), grant(view, "ws_b"), grant(checker, "")},
			checks: []can{
				{"metrics:write", "ws_a", true}, {"metrics:read", "ws_a", true},
				{"metrics:read", "ws_b", true}, {"metrics:write", "ws_b", false},
				{"signet:check", "", true}, {"signet:check", "ws_a", true}, {"signet:check", "ws_c", true},
				{"metrics:read", "", false}, {"metrics:read", "ws_c", false},
			}},
		{name: "union within one workspace",
			grants: []signet.GrantedRole{grant(readsMetrics, "ws_a"), grant(writesMetrics, "ws_a")},
			checks: []can{
				{"metrics:read", "ws_a", true}, {"metrics:write", "ws_a", true}, {"metrics:execute", "ws_a", false},
				{"metrics:read", "ws_b", false},
			}},
		{name: "organisation-wide and per-workspace add up in the workspace",
			grants: []signet.GrantedRole{grant(readsMetrics, ""), grant(writesMetrics, "ws_a")},
			checks: []can{
				{"metrics:read", "ws_a", true}, {"metrics:write", "ws_a", true},
				{"metrics:read", "ws_b", true}, {"metrics:write", "ws_b", false},
				{"metrics:read", "", true}, {"metrics:write", "", false},
			}},
	}
	for _, tt := range tests {
		a := c.ComputeAccess(tt.grants)
		for _, ck := range tt.checks {
			if got := a.Can(ck.p, ck.ws); got != ck.want {
				t.Errorf("%s: Can(%q, %q) = %v; want %v", tt.name, ck.p, ck.ws, got, ck.want)
			}
		}
	}

	// Organisation-wide grants live only in Org; no workspace entry is
	// made for them (Covers and Narrow walk the workspace map).
	a := c.ComputeAccess([]signet.GrantedRole{grant(view, ""), grant(admin, "ws_a")})
	if len(a.Workspaces) != 0 || !a.Org.All {
		t.Errorf("organisation-wide grants: Org %v (All %v), Workspaces %v; want All and no workspaces", a.Org.List(), a.Org.All, a.Workspaces)
	}
}

// access builds an Access from an organisation-wide set and per-workspace
// sets given as "ws=perm,perm" pairs.
func access(org signet.PermSet, ws ...any) signet.Access {
	a := signet.Access{Org: org}
	for i := 0; i < len(ws); i += 2 {
		if a.Workspaces == nil {
			a.Workspaces = map[string]signet.PermSet{}
		}
		a.Workspaces[ws[i].(string)] = ws[i+1].(signet.PermSet)
	}
	return a
}

func TestAccessIn(t *testing.T) {
	set := signet.NewPermSet
	a := access(set("audit:read"), "ws_a", set("metrics:read"), "ws_b", allPerms)
	tests := []struct {
		ws      string
		want    []string
		wantAll bool
	}{
		{"", []string{"audit:read"}, false}, // organisation level: only organisation-wide grants
		{"ws_a", []string{"audit:read", "metrics:read"}, false},
		{"ws_b", []string{"*"}, true},
		{"ws_unknown", []string{"audit:read"}, false},
	}
	for _, tt := range tests {
		got := a.In(tt.ws)
		if !slices.Equal(got.List(), tt.want) || got.All != tt.wantAll {
			t.Errorf("In(%q) = %v (All %v); want %v (All %v)", tt.ws, got.List(), got.All, tt.want, tt.wantAll)
		}
		// The result is the caller's: changing it leaves a alone.
		got.Add("x:y")
		if slices.Contains(a.Org.List(), "x:y") || slices.Contains(a.Workspaces[tt.ws].List(), "x:y") {
			t.Errorf("adding to In(%q) changed the access", tt.ws)
		}
	}
}

func TestAccessCovers(t *testing.T) {
	set := signet.NewPermSet
	none := signet.Access{}
	tests := []struct {
		name string
		a, o signet.Access
		want bool
	}{
		{"nothing covers nothing", none, none, true},
		{"anything covers nothing", access(set("a:r")), none, true},
		{"nothing covers an empty workspace entry", none, access(signet.PermSet{}, "ws_a", signet.PermSet{}), true},
		{"nothing does not cover something", none, access(set("a:r")), false},
		{"itself", access(set("a:r"), "ws_a", set("b:r")), access(set("a:r"), "ws_a", set("b:r")), true},
		{"organisation-wide covers the same in a workspace", access(set("a:r")), access(signet.PermSet{}, "ws_a", set("a:r")), true},
		{"a workspace does not cover organisation-wide", access(signet.PermSet{}, "ws_a", set("a:r")), access(set("a:r")), false},
		{"one workspace does not cover another", access(signet.PermSet{}, "ws_a", set("a:r")), access(signet.PermSet{}, "ws_b", set("a:r")), false},
		{"every workspace listed is still not organisation-wide",
			access(signet.PermSet{}, "ws_a", set("a:r"), "ws_b", set("a:r")), access(set("a:r")), false},
		{"organisation-wide plus workspace add up",
			access(set("a:r"), "ws_a", set("a:w")), access(signet.PermSet{}, "ws_a", set("a:r", "a:w")), true},
		{"missing one in a workspace",
			access(set("a:r"), "ws_a", set("a:w")), access(signet.PermSet{}, "ws_a", set("a:r", "a:w", "a:x")), false},
		{"All covers everything", access(allPerms), access(allPerms, "ws_a", allPerms), true},
		{"All in a workspace covers that workspace", access(signet.PermSet{}, "ws_a", allPerms), access(signet.PermSet{}, "ws_a", set("a:r", "z:z")), true},
		{"All in a workspace is not organisation-wide", access(signet.PermSet{}, "ws_a", allPerms), access(set("a:r")), false},
		{"concrete permissions do not cover All", access(set("a:r", "*")), access(allPerms), false},
		{"concrete permissions do not cover All in a workspace", access(set("a:r")), access(signet.PermSet{}, "ws_a", allPerms), false},
		{"organisation-wide All covers All in a workspace", access(allPerms), access(signet.PermSet{}, "ws_a", allPerms), true},
	}
	for _, tt := range tests {
		if got := tt.a.Covers(&tt.o); got != tt.want {
			t.Errorf("%s: Covers = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestAccessNarrow(t *testing.T) {
	set := signet.NewPermSet
	a := access(set("a:r", "a:w"), "ws_a", set("b:r", "b:w"), "ws_b", allPerms)
	admin := access(allPerms)
	tests := []struct {
		name   string
		a      signet.Access
		scopes []string
		checks []can
	}{
		{name: "no scopes: unchanged", a: a, scopes: nil, checks: []can{
			{"a:r", "", true}, {"a:w", "ws_a", true}, {"b:w", "ws_a", true}, {"z:z", "ws_b", true}, {"b:r", "", false},
		}},
		{name: "empty scopes: unchanged", a: a, scopes: []string{}, checks: []can{
			{"a:w", "", true}, {"z:z", "ws_b", true},
		}},
		{name: "keeps only the scopes", a: a, scopes: []string{"a:r", "b:r"}, checks: []can{
			{"a:r", "", true}, {"a:r", "ws_a", true}, {"a:w", "", false}, {"a:w", "ws_a", false},
			{"b:r", "ws_a", true}, {"b:w", "ws_a", false}, {"b:r", "", false}, {"b:r", "ws_c", false},
			{"b:r", "ws_b", true}, {"z:z", "ws_b", false},
		}},
		{name: "a scope not held is not gained", a: a, scopes: []string{"c:r"}, checks: []can{
			{"c:r", "", false}, {"c:r", "ws_a", false}, {"c:r", "ws_b", true}, // ws_b holds All
			{"a:r", "", false},
		}},
		{name: "Admin narrowed to its scopes only", a: admin, scopes: []string{"metrics:read"}, checks: []can{
			{"metrics:read", "", true}, {"metrics:read", "ws_x", true}, {"metrics:write", "ws_x", false}, {"users:read", "", false},
		}},
		// A literal "*" scope (refused when a key is made) must not turn
		// into every permission.
		{name: "a star scope is not All", a: admin, scopes: []string{"*"}, checks: []can{
			{"users:read", "", false}, {"metrics:read", "ws_x", false},
		}},
	}
	for _, tt := range tests {
		n := tt.a.Narrow(tt.scopes)
		for _, ck := range tt.checks {
			if got := n.Can(ck.p, ck.ws); got != ck.want {
				t.Errorf("%s: Narrow(%q).Can(%q, %q) = %v; want %v", tt.name, tt.scopes, ck.p, ck.ws, got, ck.want)
			}
		}
		if n.Org.All && len(tt.scopes) > 0 {
			t.Errorf("%s: Narrow(%q) holds every permission", tt.name, tt.scopes)
		}
	}

	// Narrowing twice is narrowing to the intersection (a scoped key used
	// with request scopes).
	n := a.Narrow([]string{"a:r", "a:w", "b:w"}).Narrow([]string{"a:w", "b:w", "b:r"})
	for _, ck := range []can{{"a:w", "", true}, {"b:w", "ws_a", true}, {"a:r", "", false}, {"b:r", "ws_a", false}} {
		if got := n.Can(ck.p, ck.ws); got != ck.want {
			t.Errorf("twice narrowed: Can(%q, %q) = %v; want %v", ck.p, ck.ws, got, ck.want)
		}
	}
}

func TestSplitPermission(t *testing.T) {
	tests := []struct {
		p                  string
		wantDomain, wantAc string
		wantOK             bool
	}{
		{"metrics:read", "metrics", "read", true},
		{"signet:check", "signet", "check", true},
		{"service_accounts:write", "service_accounts", "write", true},
		{"metrics", "", "", false},
		{":read", "", "", false},
		{"metrics:", "", "", false},
		{"a:b:c", "", "", false},
		{"a::b", "", "", false},
		{":", "", "", false},
		{"", "", "", false},
		{"*", "", "", false},
	}
	for _, tt := range tests {
		d, a, ok := signet.SplitPermission(tt.p)
		if ok != tt.wantOK || (ok && (d != tt.wantDomain || a != tt.wantAc)) {
			t.Errorf("SplitPermission(%q) = %q, %q, %v; want %q, %q, %v", tt.p, d, a, ok, tt.wantDomain, tt.wantAc, tt.wantOK)
		}
	}
}
