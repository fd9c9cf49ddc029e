package main

import (
	"context"
	"fmt"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("groups", nil, "manage groups and their members", []subcommand{
		{name: "create", args: "NAME [--description D]", summary: "create a group", run: groupsCreate},
		{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", summary: "list groups", run: groupsList},
		{name: "get", aliases: []string{"show"}, args: "GROUP", summary: "show a group, its members and roles", run: groupsGet},
		{name: "update", args: "GROUP [--name N] [--description D]", summary: "rename a group or change its description", run: groupsUpdate},
		{name: "delete", aliases: []string{"rm"}, args: "GROUP [--yes]", summary: "delete a group, its memberships and its grants", run: groupsDelete},
		{name: "add-member", args: "GROUP USER_ID", summary: "add a user or service account to a group", run: groupsAddMember},
		{name: "remove-member", args: "GROUP USER_ID", summary: "remove a user or service account from a group", run: groupsRemoveMember},
	})
}

// GROUP arguments are a group id (grp_…) or its name.

// groupCmd parses a sub-command whose first argument is a group.
func groupCmd(ctx context.Context, c *cliCmd, args []string, min, max int, synopsis string) (*client.Client, *resolver, string, error) {
	if err := c.parse(args, min, max, synopsis); err != nil {
		return nil, nil, "", err
	}
	cl, err := c.client()
	if err != nil {
		return nil, nil, "", err
	}
	r := newResolver(ctx, cl)
	gid, err := r.group(c.args[0])
	if err != nil {
		return nil, nil, "", err
	}
	return cl, r, gid, nil
}

func groupsCreate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "groups create")
	desc := c.fs.String("description", "", "description")
	if err := c.parse(args, 1, 1, "NAME [--description D]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	g, err := cl.CreateGroup(ctx, client.CreateGroupRequest{Name: c.args[0], Description: *desc})
	if err != nil {
		return wrapErr(err)
	}
	return printGroupResult(c, g, "Created group")
}

func printGroupResult(c *cliCmd, g *client.Group, verb string) error {
	if *c.json {
		return c.printJSON(g)
	}
	fmt.Fprintf(c.e.stdout, "%s %s (%s).\n", verb, g.Name, g.ID)
	return nil
}

func groupsList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "groups list")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	items, next, err := collect(ctx, pf, cl.ListGroups)
	if err != nil {
		return err
	}
	return printList(c, items, next, []string{"ID", "NAME", "DESCRIPTION", "PROTECTED", "CREATED"},
		func(g client.Group) []string {
			return []string{g.ID, g.Name, g.Description, yesNo(g.Protected), fmtTime(g.CreatedAt)}
		})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func groupsGet(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "groups get")
	cl, r, gid, err := groupCmd(ctx, c, args, 1, 1, "GROUP")
	if err != nil {
		return err
	}
	g, err := cl.GetGroup(ctx, gid)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(g)
	}
	if err := fields(e.stdout,
		"ID", g.ID,
		"Name", g.Name,
		"Description", g.Description,
		"Protected", yesNo(g.Protected),
		"Created", fmtTime(g.CreatedAt),
	); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nRoles:\n")
	printIndented(e, r.grantLines(g.Grants))
	fmt.Fprintf(e.stdout, "\nMembers:\n")
	if len(g.Members) == 0 {
		fmt.Fprintln(e.stdout, "  (none)")
		return nil
	}
	t := newTable(e.stdout, "  ID", "KIND", "NAME", "EMAIL", "STATUS")
	for _, u := range g.Members {
		t.row("  "+u.ID, kindLabel(u.Kind), u.Name, u.Email, u.Status)
	}
	return t.flush()
}

func groupsUpdate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "groups update")
	name := c.fs.String("name", "", "new name")
	desc := c.fs.String("description", "", "new description (may be empty)")
	cl, _, gid, err := groupCmd(ctx, c, args, 1, 1, "GROUP [--name N] [--description D]")
	if err != nil {
		return err
	}
	var up client.GroupUpdate
	if c.set("name") {
		up.Name = name
	}
	if c.set("description") {
		up.Description = desc
	}
	if up == (client.GroupUpdate{}) {
		return usagef("groups update: nothing to change: give --name or --description")
	}
	g, err := cl.UpdateGroup(ctx, gid, up)
	if err != nil {
		return wrapErr(err)
	}
	return printGroupResult(c, g, "Updated group")
}

func groupsDelete(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "groups delete")
	yes := c.fs.Bool("yes", false, "do not ask for confirmation")
	cl, _, gid, err := groupCmd(ctx, c, args, 1, 1, "GROUP [--yes]")
	if err != nil {
		return err
	}
	if err := deleteConfirmed(c, *yes, fmt.Sprintf("Delete group %s, its memberships and its grants?", c.args[0]), func() error { return cl.DeleteGroup(ctx, gid) }); err != nil {
		return err
	}
	return printDeleted(c, "group", gid)
}

func groupsAddMember(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "groups add-member")
	cl, _, gid, err := groupCmd(ctx, c, args, 2, 2, "GROUP USER_ID")
	if err != nil {
		return err
	}
	if err := cl.AddGroupMember(ctx, gid, c.args[1]); err != nil {
		return wrapErr(err)
	}
	return printMembership(c, gid, c.args[1], "Added", "to")
}

func groupsRemoveMember(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "groups remove-member")
	cl, _, gid, err := groupCmd(ctx, c, args, 2, 2, "GROUP USER_ID")
	if err != nil {
		return err
	}
	if err := cl.RemoveGroupMember(ctx, gid, c.args[1]); err != nil {
		return wrapErr(err)
	}
	return printMembership(c, gid, c.args[1], "Removed", "from")
}

func printMembership(c *cliCmd, gid, uid, verb, prep string) error {
	if *c.json {
		return c.printJSON(client.GroupMember{GroupID: gid, UserID: uid})
	}
	fmt.Fprintf(c.e.stdout, "%s %s %s group %s.\n", verb, uid, prep, gid)
	return nil
}
