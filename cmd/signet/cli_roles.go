package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("roles", nil, "manage roles and list the permission catalogue",
		rolesCreate, rolesList, rolesGet, rolesUpdate, rolesDelete, rolesPermissions)
}

// ROLE arguments are a role id (role_…) or its name, e.g. View.

var roleBases = []string{"none", "view", "edit", "manage"}

type roleFlags struct {
	name, desc, base string
	perms            stringList
	noPerms          bool
}

var rolesCreate = clientCmd[roleFlags]{name: "create",
	args:    "--name N --base none|view|edit|manage [--permission PERM]... [--description D]",
	usage:   "--name N --base B [--permission PERM]... [--description D]",
	summary: "create a custom role: a base plus extra permissions", min: 0, max: 1,
	flags: func(o *roleFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.name, "name", "", "role name (required; or give it as the argument)")
		fs.StringVar(&o.base, "base", "", "base: none, view, edit or manage (required)")
		fs.StringVar(&o.desc, "description", "", "description")
		fs.Var(&o.perms, "permission", "an extra permission, e.g. metrics:write; repeatable")
	},
	check: func(x *cmdCall, o *roleFlags) error {
		if len(x.args) == 1 {
			if o.name != "" && o.name != x.args[0] {
				return usagef("roles create: give the name once, as the argument or with --name")
			}
			o.name = x.args[0]
		}
		if o.name == "" || o.base == "" {
			return usagef("roles create: --name and --base are required")
		}
		return checkEnum("--base", o.base, roleBases...)
	},
	run: func(ctx context.Context, x *cmdCall, o *roleFlags) (*output, error) {
		role, err := x.cl.CreateRole(ctx, client.CreateRoleRequest{Name: o.name, Description: o.desc, Base: o.base, Permissions: o.perms})
		return roleSaid(role, err, "Created role")
	}}

// roleSaid is what a command that wrote r prints, unless err.
func roleSaid(r *client.Role, err error, verb string) (*output, error) {
	if err != nil {
		return nil, err
	}
	return say(r, "%s %s (%s): %s.\n", verb, r.Name, r.ID, fmtPerms(r.EffectivePermissions)), nil
}

var rolesList = clientCmd[pageFlags]{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", usage: "[flags]",
	summary: "list roles, built-in ones included", flags: (*pageFlags).define,
	run: func(ctx context.Context, x *cmdCall, p *pageFlags) (*output, error) {
		return listed(ctx, *p, x.cl.ListRoles, []string{"ID", "NAME", "BASE", "BUILT-IN", "EXTRA PERMISSIONS", "DESCRIPTION"},
			func(r client.Role) []string {
				return []string{r.ID, r.Name, r.Base, yesNo(r.BuiltIn), strings.Join(r.Permissions, " "), r.Description}
			})
	}}

var rolesGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "ROLE", summary: "show a role and its effective permissions",
	min: 1, max: 1, first: roleArg,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		r, err := x.cl.GetRole(ctx, x.id)
		return shown(r, err, func(w io.Writer) error {
			if err := fields(w,
				"ID", r.ID,
				"Name", r.Name,
				"Description", r.Description,
				"Base", r.Base,
				"Built-in", yesNo(r.BuiltIn),
				"Extra permissions", strings.Join(r.Permissions, " "),
			); err != nil {
				return err
			}
			fmt.Fprintln(w, "\nEffective permissions:")
			if len(r.EffectivePermissions) == 1 && r.EffectivePermissions[0] == "*" {
				fmt.Fprintln(w, "  * (every permission, in every workspace)")
				return nil
			}
			printIndented(w, r.EffectivePermissions)
			return nil
		})
	}}

var rolesUpdate = clientCmd[roleFlags]{name: "update",
	args:    "ROLE [--name N] [--description D] [--base B] [--permission PERM]... [--no-permissions]",
	usage:   "ROLE [flags]",
	summary: "change a custom role (takes effect at once for everyone holding it); --permission replaces the extra permissions",
	min:     1, max: 1, first: roleArg,
	flags: func(o *roleFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.name, "name", "", "new name")
		fs.StringVar(&o.desc, "description", "", "new description (may be empty)")
		fs.StringVar(&o.base, "base", "", "new base: none, view, edit or manage")
		fs.Var(&o.perms, "permission", "extra permission; repeatable; replaces the current extra permissions")
		fs.BoolVar(&o.noPerms, "no-permissions", false, "remove every extra permission")
	},
	run: func(ctx context.Context, x *cmdCall, o *roleFlags) (*output, error) {
		var up client.RoleUpdate
		if x.set("name") {
			up.Name = &o.name
		}
		if x.set("description") {
			up.Description = &o.desc
		}
		if x.set("base") {
			if err := checkEnum("--base", o.base, roleBases...); err != nil {
				return nil, err
			}
			up.Base = &o.base
		}
		switch {
		case len(o.perms) > 0 && o.noPerms:
			return nil, usagef("roles update: --permission and --no-permissions cannot be combined")
		case len(o.perms) > 0:
			p := slices.Clone([]string(o.perms))
			up.Permissions = &p
		case o.noPerms:
			p := []string{}
			up.Permissions = &p
		}
		if up.Name == nil && up.Description == nil && up.Base == nil && up.Permissions == nil {
			return nil, usagef("roles update: nothing to change")
		}
		r, err := x.cl.UpdateRole(ctx, x.id, up)
		return roleSaid(r, err, "Updated role")
	}}

var rolesDelete = deleteCmd("ROLE [--yes]", "delete a custom role that no grant uses", roleArg,
	"Delete role %s?", (*client.Client).DeleteRole, "Deleted role %s.")

var rolesPermissions = clientCmd[noFlags]{name: "permissions", summary: "list every permission, and what each base grants",
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		p, err := x.cl.ListPermissions(ctx)
		return shown(p, err, func(w io.Writer) error {
			fmt.Fprintln(w, "Permissions:")
			printIndented(w, p.Permissions)
			if len(p.Domains) > 0 {
				fmt.Fprintln(w, "\nRegistered domains:")
				for _, d := range p.Domains {
					fmt.Fprintf(w, "  %s  %s\n", d.Name, oneLine(d.Description))
				}
			}
			if len(p.Bases) > 0 {
				fmt.Fprintln(w, "\nRole bases:")
				for _, b := range roleBases {
					if perms, ok := p.Bases[b]; ok {
						fmt.Fprintf(w, "  %-7s %s\n", b, fmtOrNone(perms))
					}
				}
			}
			return nil
		})
	}}

func fmtOrNone(p []string) string {
	if len(p) == 0 {
		return "(no permissions)"
	}
	return strings.Join(p, " ")
}
