package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
)

func init() {
	registerGroup("grants", nil, "give roles to groups and users", grantsCreate, grantsList, grantsDelete)
}

type grantFlags struct {
	role, group, user, subject, ws string
	page                           pageFlags
}

var grantsCreate = clientCmd[grantFlags]{name: "create", args: "--role ROLE (--group GROUP | --user USER_ID) [--workspace WORKSPACE]",
	summary: "grant a role to a group or a user in a workspace (default: the default workspace, organisation-wide for Admin; --workspace '*' for organisation-wide)",
	flags: func(o *grantFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.role, "role", "", "role id or name (required)")
		fs.StringVar(&o.group, "group", "", "grant to this group (id or name)")
		fs.StringVar(&o.user, "user", "", "grant to this user (id) or service account (id or name)")
		fs.StringVar(&o.ws, "workspace", "", "workspace id or name; * for organisation-wide")
	},
	check: func(x *cmdCall, o *grantFlags) error {
		if o.role == "" || (o.group == "") == (o.user == "") {
			return usagef("grants create: --role and exactly one of --group or --user are required")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *grantFlags) (*output, error) {
		spec, err := x.r.grantTarget(o.role, o.ws)
		if err != nil {
			return nil, err
		}
		req := client.CreateGrantRequest{RoleID: spec.RoleID, WorkspaceID: spec.WorkspaceID}
		if o.group != "" {
			req.SubjectType = "group"
			if req.SubjectID, err = x.r.group(o.group); err != nil {
				return nil, err
			}
		} else {
			req.SubjectType, req.SubjectID = "user", o.user
			if !strings.HasPrefix(o.user, id.User) {
				// A service account, by id or name.
				if req.SubjectID, err = x.r.serviceAccount(o.user); err != nil {
					return nil, err
				}
			}
		}
		g, err := x.cl.CreateGrant(ctx, req)
		return shown(g, err, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "Granted %s to %s %s.\n", x.r.grantLines([]client.Grant{*g})[0], g.SubjectType, g.SubjectID)
			return err
		})
	}}

var grantsList = clientCmd[grantFlags]{name: "list", aliases: []string{"ls"},
	args:    "[--workspace WORKSPACE] [--subject GROUP_OR_USER_ID] [--role ROLE] [--limit N] [--cursor C] [--all]",
	usage:   "[flags]",
	summary: "list grants",
	flags: func(o *grantFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.ws, "workspace", "", "only grants in this workspace (id or name)")
		fs.StringVar(&o.subject, "subject", "", "only grants to this group or user (id)")
		fs.StringVar(&o.role, "role", "", "only grants of this role (id or name)")
		o.page.define(fs)
	},
	run: func(ctx context.Context, x *cmdCall, o *grantFlags) (*output, error) {
		var opts client.ListGrantsOptions
		var err error
		if o.ws != "" && o.ws != "*" {
			if opts.WorkspaceID, err = x.r.workspace(o.ws); err != nil {
				return nil, err
			}
		}
		if o.role != "" {
			if opts.RoleID, err = x.r.role(o.role); err != nil {
				return nil, err
			}
		}
		if o.subject != "" {
			opts.SubjectID = o.subject
			switch {
			case strings.HasPrefix(o.subject, id.Group):
				opts.SubjectType = "group"
			case strings.HasPrefix(o.subject, id.User), strings.HasPrefix(o.subject, id.ServiceAccount):
				opts.SubjectType = "user"
			default:
				// A group name, most likely.
				if opts.SubjectID, err = x.r.group(o.subject); err != nil {
					return nil, err
				}
				opts.SubjectType = "group"
			}
		}
		l, err := collect(ctx, o.page, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.Grant], error) {
			opts.ListOptions = lo
			return x.cl.ListGrants(ctx, opts)
		})
		if err != nil {
			return nil, err
		}
		var roles, wss, groups names
		if !*x.json {
			roles, wss, groups = x.r.roles.names(), x.r.workspaces.names(), x.r.groups.names()
		}
		return tableOf(l, []string{"ID", "ROLE", "SUBJECT TYPE", "SUBJECT", "WORKSPACE", "CREATED"},
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
			}), nil
	}}

var grantsDelete = clientCmd[noFlags]{name: "delete", aliases: []string{"rm"}, args: "GRANT_ID", summary: "remove a grant",
	min: 1, max: 1,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		if err := x.cl.DeleteGrant(ctx, x.id); err != nil {
			return nil, err
		}
		return deleted(x.id, "Deleted grant %s."), nil
	}}
