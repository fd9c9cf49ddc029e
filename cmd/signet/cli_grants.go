package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
)

func init() {
	registerGroup("grants", nil, "give roles to groups and users", []subcommand{
		{name: "create", args: "--role ROLE (--group GROUP | --user USER_ID) [--workspace WORKSPACE]",
			summary: "grant a role to a group or a user in a workspace (default: the default workspace, organisation-wide for Admin; --workspace '*' for organisation-wide)", run: grantsCreate},
		{name: "list", aliases: []string{"ls"}, args: "[--workspace WORKSPACE] [--subject GROUP_OR_USER_ID] [--role ROLE] [--limit N] [--cursor C] [--all]",
			summary: "list grants", run: grantsList},
		{name: "delete", aliases: []string{"rm"}, args: "GRANT_ID", summary: "remove a grant", run: grantsDelete},
	})
}

func grantsCreate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "grants create")
	role := c.fs.String("role", "", "role id or name (required)")
	group := c.fs.String("group", "", "grant to this group (id or name)")
	user := c.fs.String("user", "", "grant to this user (id) or service account (id or name)")
	ws := c.fs.String("workspace", "", "workspace id or name; * for organisation-wide")
	if err := c.parse(args, 0, 0, "--role ROLE (--group GROUP | --user USER_ID) [--workspace WORKSPACE]"); err != nil {
		return err
	}
	if *role == "" || (*group == "") == (*user == "") {
		return usagef("grants create: --role and exactly one of --group or --user are required")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	r := newResolver(ctx, cl)
	spec, err := r.grantTarget(*role, *ws)
	if err != nil {
		return err
	}
	req := client.CreateGrantRequest{RoleID: spec.RoleID, WorkspaceID: spec.WorkspaceID}
	if *group != "" {
		req.SubjectType = "group"
		if req.SubjectID, err = r.group(*group); err != nil {
			return err
		}
	} else {
		req.SubjectType, req.SubjectID = "user", *user
		if !strings.HasPrefix(*user, id.User) {
			// A service account, by id or name.
			if req.SubjectID, err = r.serviceAccount(*user); err != nil {
				return err
			}
		}
	}
	g, err := cl.CreateGrant(ctx, req)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(g)
	}
	fmt.Fprintf(e.stdout, "Granted %s to %s %s.\n", r.grantLines([]client.Grant{*g})[0], g.SubjectType, g.SubjectID)
	return nil
}

func grantsList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "grants list")
	ws := c.fs.String("workspace", "", "only grants in this workspace (id or name)")
	subject := c.fs.String("subject", "", "only grants to this group or user (id)")
	role := c.fs.String("role", "", "only grants of this role (id or name)")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	r := newResolver(ctx, cl)
	var opts client.ListGrantsOptions
	if *ws != "" && *ws != "*" {
		if opts.WorkspaceID, err = r.workspace(*ws); err != nil {
			return err
		}
	}
	if *role != "" {
		if opts.RoleID, err = r.role(*role); err != nil {
			return err
		}
	}
	if *subject != "" {
		opts.SubjectID = *subject
		switch {
		case strings.HasPrefix(*subject, id.Group):
			opts.SubjectType = "group"
		case strings.HasPrefix(*subject, id.User), strings.HasPrefix(*subject, id.ServiceAccount):
			opts.SubjectType = "user"
		default:
			// A group name, most likely.
			if opts.SubjectID, err = r.group(*subject); err != nil {
				return err
			}
			opts.SubjectType = "group"
		}
	}
	items, next, err := collect(ctx, pf, func(ctx context.Context, o client.ListOptions) (*client.Page[client.Grant], error) {
		opts.ListOptions = o
		return cl.ListGrants(ctx, opts)
	})
	if err != nil {
		return err
	}
	var roles, wss, groups names
	if !*c.json {
		roles, wss, groups = r.roleNames(), r.workspaceNames(), r.groupNames()
	}
	return printList(c, items, next, []string{"ID", "ROLE", "SUBJECT TYPE", "SUBJECT", "WORKSPACE", "CREATED"},
		func(g client.Grant) []string {
			where := "(organisation-wide)"
			if g.WorkspaceID != client.OrganisationWide {
				where = wss.of(g.WorkspaceID)
			}
			subject := g.SubjectID
			if g.SubjectType == "group" {
				subject = groups.of(g.SubjectID)
			}
			return []string{g.ID, roles.of(g.RoleID), g.SubjectType, subject, where, fmtTime(g.CreatedAt)}
		})
}

func grantsDelete(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "grants delete")
	if err := c.parse(args, 1, 1, "GRANT_ID"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	if err := cl.DeleteGrant(ctx, c.args[0]); err != nil {
		return wrapErr(err)
	}
	return printDeleted(c, "grant", c.args[0])
}
