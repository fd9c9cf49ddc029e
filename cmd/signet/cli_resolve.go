package main

import (
	"context"
	"fmt"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
)

// resolver turns what people type — an id, or a name — into ids. A value
// with the type's id prefix ("role_", "ws_", "grp_", "sa_") is taken as an
// id unchanged; anything else is looked up by name, case-insensitively, in
// the list (fetched once per command).
type resolver struct {
	ctx context.Context
	cl  *client.Client

	roles      []client.Role
	workspaces []client.Workspace
	groups     []client.Group
}

func newResolver(ctx context.Context, cl *client.Client) *resolver {
	return &resolver{ctx: ctx, cl: cl}
}

// fetchAll reads every page of a list.
func fetchAll[T any](ctx context.Context, list func(ctx context.Context, o client.ListOptions) (*client.Page[T], error)) ([]T, error) {
	var out []T
	for v, err := range client.All(ctx, func(ctx context.Context, cursor string) (*client.Page[T], error) {
		return list(ctx, client.ListOptions{Limit: 200, Cursor: cursor})
	}) {
		if err != nil {
			return nil, wrapErr(err)
		}
		out = append(out, v)
	}
	return out, nil
}

// role resolves a role id or name (e.g. "View").
func (r *resolver) role(ref string) (string, error) {
	if strings.HasPrefix(ref, id.Role) {
		return ref, nil
	}
	if r.roles == nil {
		all, err := fetchAll(r.ctx, r.cl.ListRoles)
		if err != nil {
			return "", err
		}
		r.roles = all
	}
	for _, x := range r.roles {
		if strings.EqualFold(x.Name, ref) {
			return x.ID, nil
		}
	}
	return "", fmt.Errorf("no role named %q (see 'signet roles list')", ref)
}

func (r *resolver) loadWorkspaces() error {
	if r.workspaces != nil {
		return nil
	}
	all, err := fetchAll(r.ctx, r.cl.ListWorkspaces)
	if err != nil {
		return err
	}
	r.workspaces = all
	return nil
}

// workspace resolves a workspace id or name; "*" means organisation-wide
// and resolves to "".
func (r *resolver) workspace(ref string) (string, error) {
	if ref == "*" {
		return "", nil
	}
	if strings.HasPrefix(ref, id.Workspace) {
		return ref, nil
	}
	if err := r.loadWorkspaces(); err != nil {
		return "", err
	}
	for _, w := range r.workspaces {
		if strings.EqualFold(w.Name, ref) {
			return w.ID, nil
		}
	}
	return "", fmt.Errorf("no workspace named %q (see 'signet workspaces list')", ref)
}

// grantTarget resolves a role and an optional workspace reference, by the
// server's one rule: an omitted workspace means the default workspace, and
// "*" asks for organisation-wide explicitly (the only way to grant Admin).
func (r *resolver) grantTarget(roleRef, wsRef string) (client.GrantSpec, error) {
	roleID, err := r.role(roleRef)
	if err != nil {
		return client.GrantSpec{}, err
	}
	var wsID string
	switch {
	case wsRef == "*":
		wsID = client.OrganisationWide
	case wsRef != "":
		if wsID, err = r.workspace(wsRef); err != nil {
			return client.GrantSpec{}, err
		}
	case roleID == signet.RoleAdminID:
		// The server refuses this too; say it in the CLI's words.
		return client.GrantSpec{}, usagef("the Admin role is organisation-wide only: ask for it explicitly with %s@* (or --workspace '*')", roleRef)
	}
	return client.GrantSpec{RoleID: roleID, WorkspaceID: wsID}, nil
}

// grantSpecs parses --role values of the form ROLE[@WORKSPACE].
func (r *resolver) grantSpecs(refs []string) ([]client.GrantSpec, error) {
	var out []client.GrantSpec
	for _, ref := range refs {
		roleRef, wsRef, _ := strings.Cut(ref, "@")
		if roleRef == "" {
			return nil, usagef("--role %q: want ROLE or ROLE@WORKSPACE", ref)
		}
		g, err := r.grantTarget(roleRef, wsRef)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// group resolves a group id or name.
func (r *resolver) group(ref string) (string, error) {
	if strings.HasPrefix(ref, id.Group) {
		return ref, nil
	}
	if r.groups == nil {
		all, err := fetchAll(r.ctx, r.cl.ListGroups)
		if err != nil {
			return "", err
		}
		r.groups = all
	}
	for _, g := range r.groups {
		if strings.EqualFold(g.Name, ref) {
			return g.ID, nil
		}
	}
	return "", fmt.Errorf("no group named %q (see 'signet groups list')", ref)
}

func (r *resolver) groupIDs(refs []string) ([]string, error) {
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		g, err := r.group(ref)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// serviceAccount resolves a service-account id or exact name.
func (r *resolver) serviceAccount(ref string) (string, error) {
	if strings.HasPrefix(ref, id.ServiceAccount) {
		return ref, nil
	}
	for sa, err := range client.All(r.ctx, func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
		return r.cl.ListServiceAccounts(ctx, client.ListUsersOptions{Name: ref, ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
	}) {
		if err != nil {
			return "", wrapErr(err)
		}
		if strings.EqualFold(sa.Name, ref) {
			return sa.ID, nil
		}
	}
	return "", fmt.Errorf("no service account named %q (see 'signet service-accounts list')", ref)
}

// names maps ids to display names for tables, best effort: when a list
// cannot be read (no permission, say) the ids are shown instead.
type names map[string]string

func (n names) of(id string) string {
	if v, ok := n[id]; ok && v != "" {
		return v
	}
	return id
}

func (r *resolver) roleNames() names {
	n := names{}
	if r.roles == nil {
		all, err := fetchAll(r.ctx, r.cl.ListRoles)
		if err != nil {
			return n
		}
		r.roles = all
	}
	for _, x := range r.roles {
		n[x.ID] = x.Name
	}
	return n
}

func (r *resolver) workspaceNames() names {
	n := names{}
	if r.loadWorkspaces() != nil {
		return n
	}
	for _, w := range r.workspaces {
		n[w.ID] = w.Name
	}
	return n
}

func (r *resolver) groupNames() names {
	n := names{}
	if r.groups == nil {
		all, err := fetchAll(r.ctx, r.cl.ListGroups)
		if err != nil {
			return n
		}
		r.groups = all
	}
	for _, g := range r.groups {
		n[g.ID] = g.Name
	}
	return n
}

// grantLines describes grants for people: "View in Default", "Admin
// (organisation-wide)".
func (r *resolver) grantLines(gs []client.Grant) []string {
	if len(gs) == 0 {
		return nil
	}
	roles, wss := r.roleNames(), r.workspaceNames()
	out := make([]string, len(gs))
	for i, g := range gs {
		where := "organisation-wide"
		if g.WorkspaceID != client.OrganisationWide {
			where = "in " + wss.of(g.WorkspaceID)
		}
		out[i] = fmt.Sprintf("%s %s (%s)", roles.of(g.RoleID), where, g.ID)
	}
	return out
}
