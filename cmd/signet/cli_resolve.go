package main

import (
	"context"
	"fmt"
	"iter"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
)

// resolver turns what people type — an id, or a name — into ids. A value
// with the kind's id prefix ("role_", "ws_", "grp_", "sa_") is taken as an
// id unchanged; anything else is looked up by name, case-insensitively.
type resolver struct {
	ctx context.Context
	cl  *client.Client

	roles           *kind[client.Role]
	workspaces      *kind[client.Workspace]
	groups          *kind[client.Group]
	serviceAccounts *kind[client.User]
}

// kind is one kind of thing people name by id or by name.
type kind[T any] struct {
	prefix  string // every id of this kind has it
	noun    string // "service account", for messages
	listCmd string // "service-accounts": 'signet <listCmd> list' shows the names
	idName  func(T) (id, name string)
	// candidates yields the things a reference may name: the whole list,
	// or those the server matched to ref.
	candidates func(ref string) iter.Seq2[T, error]
}

func newResolver(ctx context.Context, cl *client.Client) *resolver {
	return &resolver{ctx: ctx, cl: cl,
		roles: &kind[client.Role]{prefix: id.Role, noun: "role", listCmd: "roles",
			idName: func(x client.Role) (string, string) { return x.ID, x.Name }, candidates: readOnce(ctx, cl.ListRoles)},
		workspaces: &kind[client.Workspace]{prefix: id.Workspace, noun: "workspace", listCmd: "workspaces",
			idName: func(x client.Workspace) (string, string) { return x.ID, x.Name }, candidates: readOnce(ctx, cl.ListWorkspaces)},
		groups: &kind[client.Group]{prefix: id.Group, noun: "group", listCmd: "groups",
			idName: func(x client.Group) (string, string) { return x.ID, x.Name }, candidates: readOnce(ctx, cl.ListGroups)},
		// Service accounts can be many: the server filters them by name.
		serviceAccounts: &kind[client.User]{prefix: id.ServiceAccount, noun: "service account", listCmd: "service-accounts",
			idName: func(x client.User) (string, string) { return x.ID, x.Name },
			candidates: func(ref string) iter.Seq2[client.User, error] {
				return client.All(ctx, func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
					return cl.ListServiceAccounts(ctx, client.ListUsersOptions{Name: ref, ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
				})
			}},
	}
}

// readOnce returns candidates that are the whole list, read on first use
// and then kept for the rest of the command.
func readOnce[T any](ctx context.Context, list lister[T]) func(string) iter.Seq2[T, error] {
	var items []T
	return func(string) iter.Seq2[T, error] {
		return func(yield func(T, error) bool) {
			if items == nil {
				all, err := fetchAll(ctx, list)
				if err != nil {
					var zero T
					yield(zero, err)
					return
				}
				items = all
			}
			for _, x := range items {
				if !yield(x, nil) {
					return
				}
			}
		}
	}
}

// fetchAll reads every page of a list.
func fetchAll[T any](ctx context.Context, list lister[T]) ([]T, error) {
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

// resolve returns the id ref names: ref itself when it has the kind's
// prefix, else the id of the first candidate whose name is ref, ignoring
// case.
func (k *kind[T]) resolve(ref string) (string, error) {
	if strings.HasPrefix(ref, k.prefix) {
		return ref, nil
	}
	for x, err := range k.candidates(ref) {
		if err != nil {
			return "", wrapErr(err)
		}
		if xID, name := k.idName(x); strings.EqualFold(name, ref) {
			return xID, nil
		}
	}
	return "", fmt.Errorf("no %s named %q (see 'signet %s list')", k.noun, ref, k.listCmd)
}

// names maps ids to display names for tables, best effort: when the list
// cannot be read (no permission, say) the ids are shown instead.
func (k *kind[T]) names() names {
	n := names{}
	for x, err := range k.candidates("") {
		if err != nil {
			break
		}
		xID, name := k.idName(x)
		n[xID] = name
	}
	return n
}

// role resolves a role id or name (e.g. "View").
func (r *resolver) role(ref string) (string, error) { return r.roles.resolve(ref) }

// group resolves a group id or name.
func (r *resolver) group(ref string) (string, error) { return r.groups.resolve(ref) }

// serviceAccount resolves a service-account id or exact name.
func (r *resolver) serviceAccount(ref string) (string, error) { return r.serviceAccounts.resolve(ref) }

// workspace resolves a workspace id or name; "*" means organisation-wide
// and resolves to "".
func (r *resolver) workspace(ref string) (string, error) {
	if ref == "*" {
		return "", nil
	}
	return r.workspaces.resolve(ref)
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

// grantsAndGroups resolves the --role and --group values of a command
// that creates a user or a service account.
func (r *resolver) grantsAndGroups(roles, groups []string) ([]client.GrantSpec, []string, error) {
	grants, err := r.grantSpecs(roles)
	if err != nil {
		return nil, nil, err
	}
	ids, err := r.groupIDs(groups)
	return grants, ids, err
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

// names maps ids to display names.
type names map[string]string

func (n names) of(id string) string {
	if v, ok := n[id]; ok && v != "" {
		return v
	}
	return id
}

// grantLines describes grants for people: "View in Default", "Admin
// (organisation-wide)".
func (r *resolver) grantLines(gs []client.Grant) []string {
	if len(gs) == 0 {
		return nil
	}
	roles, wss := r.roles.names(), r.workspaces.names()
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
