package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("roles", nil, "manage roles and list the permission catalogue", []subcommand{
		{name: "create", args: "--name N --base none|view|edit|manage [--permission PERM]... [--description D]",
			summary: "create a custom role: a base plus extra permissions", run: rolesCreate},
		{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", summary: "list roles, built-in ones included", run: rolesList},
		{name: "get", aliases: []string{"show"}, args: "ROLE", summary: "show a role and its effective permissions", run: rolesGet},
		{name: "update", args: "ROLE [--name N] [--description D] [--base B] [--permission PERM]... [--no-permissions]",
			summary: "change a custom role (takes effect at once for everyone holding it); --permission replaces the extra permissions", run: rolesUpdate},
		{name: "delete", aliases: []string{"rm"}, args: "ROLE [--yes]", summary: "delete a custom role that no grant uses", run: rolesDelete},
		{name: "permissions", args: "", summary: "list every permission, and what each base grants", run: rolesPermissions},
	})
}

// ROLE arguments are a role id (role_…) or its name, e.g. View.

var roleBases = []string{"none", "view", "edit", "manage"}

func rolesCreate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "roles create")
	name := c.fs.String("name", "", "role name (required; or give it as the argument)")
	base := c.fs.String("base", "", "base: none, view, edit or manage (required)")
	desc := c.fs.String("description", "", "description")
	var perms stringList
	c.fs.Var(&perms, "permission", "an extra permission, e.g. metrics:write; repeatable")
	if err := c.parse(args, 0, 1, "--name N --base B [--permission PERM]... [--description D]"); err != nil {
		return err
	}
	if len(c.args) == 1 {
		if *name != "" && *name != c.args[0] {
			return usagef("roles create: give the name once, as the argument or with --name")
		}
		*name = c.args[0]
	}
	if *name == "" || *base == "" {
		return usagef("roles create: --name and --base are required")
	}
	if err := checkEnum("--base", *base, roleBases...); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	role, err := cl.CreateRole(ctx, client.CreateRoleRequest{Name: *name, Description: *desc, Base: *base, Permissions: perms})
	if err != nil {
		return wrapErr(err)
	}
	return printRoleResult(c, role, "Created role")
}

func printRoleResult(c *cliCmd, r *client.Role, verb string) error {
	if *c.json {
		return c.printJSON(r)
	}
	fmt.Fprintf(c.e.stdout, "%s %s (%s): %s.\n", verb, r.Name, r.ID, fmtPerms(r.EffectivePermissions))
	return nil
}

func rolesList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "roles list")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	items, next, err := collect(ctx, pf, cl.ListRoles)
	if err != nil {
		return err
	}
	return printList(c, items, next, []string{"ID", "NAME", "BASE", "BUILT-IN", "EXTRA PERMISSIONS", "DESCRIPTION"},
		func(r client.Role) []string {
			return []string{r.ID, r.Name, r.Base, yesNo(r.BuiltIn), strings.Join(r.Permissions, " "), r.Description}
		})
}

// roleCmd parses a sub-command whose first argument is a role.
func roleCmd(ctx context.Context, c *cliCmd, args []string, synopsis string) (*client.Client, string, error) {
	if err := c.parse(args, 1, 1, synopsis); err != nil {
		return nil, "", err
	}
	cl, err := c.client()
	if err != nil {
		return nil, "", err
	}
	id, err := newResolver(ctx, cl).role(c.args[0])
	return cl, id, err
}

func rolesGet(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "roles get")
	cl, id, err := roleCmd(ctx, c, args, "ROLE")
	if err != nil {
		return err
	}
	r, err := cl.GetRole(ctx, id)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(r)
	}
	if err := fields(e.stdout,
		"ID", r.ID,
		"Name", r.Name,
		"Description", r.Description,
		"Base", r.Base,
		"Built-in", yesNo(r.BuiltIn),
		"Extra permissions", strings.Join(r.Permissions, " "),
	); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nEffective permissions:")
	if len(r.EffectivePermissions) == 1 && r.EffectivePermissions[0] == "*" {
		fmt.Fprintln(e.stdout, "  * (every permission, in every workspace)")
		return nil
	}
	printIndented(e, r.EffectivePermissions)
	return nil
}

func rolesUpdate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "roles update")
	name := c.fs.String("name", "", "new name")
	desc := c.fs.String("description", "", "new description (may be empty)")
	base := c.fs.String("base", "", "new base: none, view, edit or manage")
	var perms stringList
	c.fs.Var(&perms, "permission", "extra permission; repeatable; replaces the current extra permissions")
	noPerms := c.fs.Bool("no-permissions", false, "remove every extra permission")
	cl, id, err := roleCmd(ctx, c, args, "ROLE [flags]")
	if err != nil {
		return err
	}
	var up client.RoleUpdate
	if c.set("name") {
		up.Name = name
	}
	if c.set("description") {
		up.Description = desc
	}
	if c.set("base") {
		if err := checkEnum("--base", *base, roleBases...); err != nil {
			return err
		}
		up.Base = base
	}
	switch {
	case len(perms) > 0 && *noPerms:
		return usagef("roles update: --permission and --no-permissions cannot be combined")
	case len(perms) > 0:
		p := slices.Clone([]string(perms))
		up.Permissions = &p
	case *noPerms:
		p := []string{}
		up.Permissions = &p
	}
	if up.Name == nil && up.Description == nil && up.Base == nil && up.Permissions == nil {
		return usagef("roles update: nothing to change")
	}
	r, err := cl.UpdateRole(ctx, id, up)
	if err != nil {
		return wrapErr(err)
	}
	return printRoleResult(c, r, "Updated role")
}

func rolesDelete(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "roles delete")
	yes := c.fs.Bool("yes", false, "do not ask for confirmation")
	cl, id, err := roleCmd(ctx, c, args, "ROLE [--yes]")
	if err != nil {
		return err
	}
	if err := deleteConfirmed(c, *yes, fmt.Sprintf("Delete role %s?", c.args[0]), func() error { return cl.DeleteRole(ctx, id) }); err != nil {
		return err
	}
	return printDeleted(c, "role", id)
}

func rolesPermissions(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "roles permissions")
	if err := c.parse(args, 0, 0, ""); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	p, err := cl.ListPermissions(ctx)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(p)
	}
	fmt.Fprintln(e.stdout, "Permissions:")
	printIndented(e, p.Permissions)
	if len(p.Domains) > 0 {
		fmt.Fprintln(e.stdout, "\nRegistered domains:")
		for _, d := range p.Domains {
			fmt.Fprintf(e.stdout, "  %s  %s\n", d.Name, oneLine(d.Description))
		}
	}
	if len(p.Bases) > 0 {
		fmt.Fprintln(e.stdout, "\nRole bases:")
		for _, b := range roleBases {
			if perms, ok := p.Bases[b]; ok {
				fmt.Fprintf(e.stdout, "  %-7s %s\n", b, fmtOrNone(perms))
			}
		}
	}
	return nil
}

func fmtOrNone(p []string) string {
	if len(p) == 0 {
		return "(no permissions)"
	}
	return strings.Join(p, " ")
}
