package main

import (
	"context"
	"fmt"
	"io"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("groups", nil, "manage groups and their members",
		groupsCreate, groupsList, groupsGet, groupsUpdate, groupsDelete, groupsAddMember, groupsRemoveMember)
}

// GROUP arguments are a group id (grp_…) or its name.

var groupsCreate = clientCmd[descFlag]{name: "create", args: "NAME [--description D]", summary: "create a group",
	min: 1, max: 1, flags: (*descFlag).define,
	run: func(ctx context.Context, x *cmdCall, o *descFlag) (*output, error) {
		g, err := x.cl.CreateGroup(ctx, client.CreateGroupRequest{Name: x.args[0], Description: o.desc})
		return groupSaid(g, err, "Created group")
	}}

// groupSaid is what a command that wrote g prints, unless err.
func groupSaid(g *client.Group, err error, verb string) (*output, error) {
	if err != nil {
		return nil, err
	}
	return say(g, "%s %s (%s).\n", verb, g.Name, g.ID), nil
}

var groupsList = clientCmd[pageFlags]{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", usage: "[flags]",
	summary: "list groups", flags: (*pageFlags).define,
	run: func(ctx context.Context, x *cmdCall, p *pageFlags) (*output, error) {
		return listed(ctx, *p, x.cl.ListGroups, []string{"ID", "NAME", "DESCRIPTION", "PROTECTED", "CREATED"},
			func(g client.Group) []string {
				return []string{g.ID, g.Name, g.Description, yesNo(g.Protected), fmtTime(g.CreatedAt)}
			})
	}}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

var groupsGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "GROUP", summary: "show a group, its members and roles",
	min: 1, max: 1, first: groupArg,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		g, err := x.cl.GetGroup(ctx, x.id)
		return shown(g, err, func(w io.Writer) error {
			if err := fields(w,
				"ID", g.ID,
				"Name", g.Name,
				"Description", g.Description,
				"Protected", yesNo(g.Protected),
				"Created", fmtTime(g.CreatedAt),
			); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nRoles:\n")
			printIndented(w, x.r.grantLines(g.Grants))
			fmt.Fprintf(w, "\nMembers:\n")
			if len(g.Members) == 0 {
				fmt.Fprintln(w, "  (none)")
				return nil
			}
			t := newTable(w, "  ID", "KIND", "NAME", "EMAIL", "STATUS")
			for _, u := range g.Members {
				t.row("  "+u.ID, kindLabel(u.Kind), u.Name, u.Email, u.Status)
			}
			return t.flush()
		})
	}}

var groupsUpdate = clientCmd[renameFlags]{name: "update", args: "GROUP [--name N] [--description D]",
	summary: "rename a group or change its description", min: 1, max: 1, first: groupArg, flags: (*renameFlags).define,
	run: func(ctx context.Context, x *cmdCall, o *renameFlags) (*output, error) {
		var up client.GroupUpdate
		if up.Name, up.Description = o.changed(x); up == (client.GroupUpdate{}) {
			return nil, usagef("groups update: nothing to change: give --name or --description")
		}
		g, err := x.cl.UpdateGroup(ctx, x.id, up)
		return groupSaid(g, err, "Updated group")
	}}

var groupsDelete = deleteCmd("GROUP [--yes]", "delete a group, its memberships and its grants", groupArg,
	"Delete group %s, its memberships and its grants?", (*client.Client).DeleteGroup, "Deleted group %s.")

var (
	groupsAddMember = memberCmd("add-member", "add a user or service account to a group", "Added", "to",
		(*client.Client).AddGroupMember)
	groupsRemoveMember = memberCmd("remove-member", "remove a user or service account from a group", "Removed", "from",
		(*client.Client).RemoveGroupMember)
)

// memberCmd is "groups add-member" or "groups remove-member": change
// calls the API.
func memberCmd(name, summary, verb, prep string, change func(cl *client.Client, ctx context.Context, gid, uid string) error) clientCmd[noFlags] {
	return clientCmd[noFlags]{name: name, args: "GROUP USER_ID", summary: summary, min: 2, max: 2, first: groupArg,
		run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
			uid := x.args[1]
			if err := change(x.cl, ctx, x.id, uid); err != nil {
				return nil, err
			}
			return say(client.GroupMember{GroupID: x.id, UserID: uid}, "%s %s %s group %s.\n", verb, uid, prep, x.id), nil
		}}
}
