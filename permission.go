package signet

import (
	"slices"
	"sort"
	"strings"
)

// Permissions are "domain:action" strings. Signet's own domains and their
// actions are fixed; operators may register further domains for the services
// Signet protects, and each of those gets ContentActions.
var SignetPermissions = []string{
	"users:read", "users:write",
	"service_accounts:read", "service_accounts:write",
	"api_keys:read", "api_keys:write",
	"groups:read", "groups:write",
	"roles:read", "roles:write",
	"grants:read", "grants:write",
	"workspaces:read", "workspaces:write",
	"audit:read",
	"settings:read", "settings:write",
	"signet:check",
	"scim:write",
}

// ContentActions are the actions of every operator-registered domain.
var ContentActions = []string{"read", "write", "execute"}

// Role bases. A custom role is a base plus extra permissions.
const (
	BaseNone   = "none"
	BaseView   = "view"
	BaseEdit   = "edit"
	BaseManage = "manage"
	BaseAdmin  = "admin" // the built-in Admin role only
)

// Built-in role ids. They are fixed so that every installation agrees.
const (
	RoleAdminID  = "role_admin"
	RoleManageID = "role_manage"
	RoleEditID   = "role_edit"
	RoleViewID   = "role_view"
)

// AdminsGroupID is the id of the protected Admins group.
const AdminsGroupID = "grp_admins"

// Catalogue is the set of permissions that exist in one installation:
// Signet's own plus those of the registered domains.
type Catalogue struct {
	domains []string // registered content domains, sorted
	all     []string // every permission, sorted
}

// NewCatalogue returns the catalogue for the given registered domains.
func NewCatalogue(registered []string) *Catalogue {
	c := &Catalogue{domains: slices.Clone(registered)}
	sort.Strings(c.domains)
	c.all = slices.Clone(SignetPermissions)
	for _, d := range c.domains {
		for _, a := range ContentActions {
			c.all = append(c.all, d+":"+a)
		}
	}
	sort.Strings(c.all)
	return c
}

// Permissions returns every permission in the catalogue, sorted.
func (c *Catalogue) Permissions() []string { return c.all }

// Domains returns the registered content domains, sorted.
func (c *Catalogue) Domains() []string { return c.domains }

// Has reports whether p is a known permission.
func (c *Catalogue) Has(p string) bool {
	_, found := slices.BinarySearch(c.all, p)
	return found
}

// BasePermissions returns the permissions a role base grants, as documented
// in the README ("Roles and permissions"):
//   - view:   every "*:read" permission (Signet's and every registered domain's);
//   - edit:   view, plus write and execute on every registered domain;
//   - manage: edit, plus grants:write (assigning roles within the workspace,
//     bounded by the no-escalation rule);
//   - none:   nothing.
//
// BaseAdmin is not expanded here: it is the "every permission" flag of PermSet.
func (c *Catalogue) BasePermissions(base string) []string {
	var out []string
	switch base {
	case BaseView, BaseEdit, BaseManage:
		for _, p := range c.all {
			if strings.HasSuffix(p, ":read") {
				out = append(out, p)
			}
		}
		if base == BaseView {
			break
		}
		for _, d := range c.domains {
			out = append(out, d+":write", d+":execute")
		}
		if base == BaseManage {
			out = append(out, "grants:write")
		}
	}
	sort.Strings(out)
	return out
}

// ValidBase reports whether b may be the base of a custom role.
func ValidBase(b string) bool {
	switch b {
	case BaseNone, BaseView, BaseEdit, BaseManage:
		return true
	}
	return false
}

// PermSet is a set of concrete permissions, or every permission (All).
// The zero value is the empty set. Lookups do not allocate.
type PermSet struct {
	All   bool
	perms map[string]struct{}
}

// NewPermSet returns a set holding perms.
func NewPermSet(perms ...string) PermSet {
	var s PermSet
	s.Add(perms...)
	return s
}

// Add adds perms to s.
func (s *PermSet) Add(perms ...string) {
	if len(perms) == 0 {
		return
	}
	if s.perms == nil {
		s.perms = make(map[string]struct{}, len(perms))
	}
	for _, p := range perms {
		s.perms[p] = struct{}{}
	}
}

// Union adds every permission of o to s.
func (s *PermSet) Union(o PermSet) {
	if o.All {
		s.All = true
	}
	for p := range o.perms {
		s.Add(p)
	}
}

// Has reports whether s holds p.
func (s PermSet) Has(p string) bool {
	if s.All {
		return true
	}
	_, ok := s.perms[p]
	return ok
}

// Empty reports whether s holds nothing.
func (s PermSet) Empty() bool { return !s.All && len(s.perms) == 0 }

// List returns the permissions of s, sorted; for All it returns ["*"].
func (s PermSet) List() []string {
	if s.All {
		return []string{"*"}
	}
	out := make([]string, 0, len(s.perms))
	for p := range s.perms {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Covers reports whether s holds every permission of o.
func (s PermSet) Covers(o PermSet) bool {
	if s.All {
		return true
	}
	if o.All {
		return false
	}
	for p := range o.perms {
		if _, ok := s.perms[p]; !ok {
			return false
		}
	}
	return true
}

// Access is a user's effective permissions: those granted organisation-wide
// (which apply in every workspace and to organisation-level resources) and
// those granted per workspace. Immutable once built.
type Access struct {
	Org        PermSet
	Workspaces map[string]PermSet // workspace id -> permissions granted in it
}

// GrantedRole is a grant joined with its role, as needed to compute Access.
type GrantedRole struct {
	Grant Grant
	Role  Role
}

// RolePermissions expands a role to its concrete permission set.
func (c *Catalogue) RolePermissions(r *Role) PermSet {
	if r.Base == BaseAdmin {
		return PermSet{All: true}
	}
	s := NewPermSet(c.BasePermissions(r.Base)...)
	s.Add(r.Permissions...)
	return s
}

// ComputeAccess is the one place where grants become effective permissions:
// the union of every grant reaching the user, directly or through its groups.
func (c *Catalogue) ComputeAccess(grants []GrantedRole) Access {
	a := Access{}
	for i := range grants {
		g := &grants[i]
		perms := c.RolePermissions(&g.Role)
		if g.Grant.WorkspaceID == "" || g.Role.Base == BaseAdmin {
			// Admin holds every permission in every workspace, whatever
			// workspace its grant names.
			a.Org.Union(perms)
			continue
		}
		if a.Workspaces == nil {
			a.Workspaces = make(map[string]PermSet)
		}
		ws := a.Workspaces[g.Grant.WorkspaceID]
		ws.Union(perms)
		a.Workspaces[g.Grant.WorkspaceID] = ws
	}
	return a
}

// Can reports whether a holds permission p in workspace ws. With ws == ""
// only organisation-wide permissions count (organisation-level resources).
func (a *Access) Can(p, ws string) bool {
	if a.Org.Has(p) {
		return true
	}
	if ws == "" {
		return false
	}
	s, ok := a.Workspaces[ws]
	return ok && s.Has(p)
}

// In returns the effective permissions in workspace ws: organisation-wide
// ones plus those granted in ws.
func (a *Access) In(ws string) PermSet {
	var s PermSet
	s.Union(a.Org)
	if ws != "" {
		s.Union(a.Workspaces[ws])
	}
	return s
}

// Covers reports whether a holds at least every permission of o, at the
// organisation level and in every workspace. It is the no-escalation test:
// an actor may only hand out, or mint keys carrying, access it covers.
func (a *Access) Covers(o *Access) bool {
	if !a.Org.Covers(o.Org) {
		return false
	}
	for ws, perms := range o.Workspaces {
		mine := a.In(ws)
		if !mine.Covers(perms) {
			return false
		}
	}
	return true
}

// Narrow returns a restricted to the permissions in scopes, as a scoped API
// key sees it. Empty scopes leave a unchanged.
func (a Access) Narrow(scopes []string) Access {
	if len(scopes) == 0 {
		return a
	}
	keep := func(s PermSet) PermSet {
		var out PermSet
		for _, p := range scopes {
			if s.Has(p) {
				out.Add(p)
			}
		}
		return out
	}
	n := Access{Org: keep(a.Org)}
	for ws, s := range a.Workspaces {
		if n.Workspaces == nil {
			n.Workspaces = make(map[string]PermSet)
		}
		n.Workspaces[ws] = keep(s)
	}
	return n
}

// SplitPermission splits "domain:action"; ok is false for any other shape.
func SplitPermission(p string) (domain, action string, ok bool) {
	domain, action, ok = strings.Cut(p, ":")
	return domain, action, ok && domain != "" && action != "" && !strings.Contains(action, ":")
}
