package main

import (
	"context"
	"flag"
	"io"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("users", nil, "manage human users",
		usersCreate, usersList, usersGet, usersUpdate, usersDisable, usersEnable, usersDelete)
}

type usersCreateFlags struct {
	name, email, password string
	pwStdin               bool
	roles, groups         stringList
}

var usersCreate = clientCmd[usersCreateFlags]{name: "create",
	args:    "--name N --email EMAIL --password-stdin [--role ROLE[@WORKSPACE]]... [--group GROUP]...",
	usage:   "--name N --email EMAIL --password-stdin [flags]",
	summary: "create a human user; the initial password is read from standard input",
	flags: func(o *usersCreateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.name, "name", "", "display name (required)")
		fs.StringVar(&o.email, "email", "", "email, used to log in (required)")
		fs.BoolVar(&o.pwStdin, "password-stdin", false, "read the initial password from the first line of standard input (required)")
		fs.Var(&o.roles, "role", "grant a role (id or name) in a workspace (default: the default workspace, organisation-wide for Admin; * for organisation-wide); repeatable")
		fs.Var(&o.groups, "group", "add to a group (id or name); repeatable")
	},
	check: func(x *cmdCall, o *usersCreateFlags) error {
		if o.name == "" || o.email == "" || !o.pwStdin {
			return usagef("users create: --name, --email and --password-stdin are required")
		}
		var err error
		o.password, err = readLine(x.e)
		return err
	},
	run: func(ctx context.Context, x *cmdCall, o *usersCreateFlags) (*output, error) {
		req := client.CreateUserRequest{Name: o.name, Email: o.email, Password: o.password}
		var err error
		if req.Grants, req.GroupIDs, err = x.r.grantsAndGroups(o.roles, o.groups); err != nil {
			return nil, err
		}
		u, err := x.cl.CreateUser(ctx, req)
		if err != nil {
			return nil, err
		}
		return say(u, "Created user %s <%s> (%s).\n", u.Name, u.Email, u.ID), nil
	}}

var usersList = clientCmd[userListFlags]{name: "list", aliases: []string{"ls"},
	args:    "[--kind human|service_account|all] [--status active|disabled] [--name SUBSTR] [--limit N] [--cursor C] [--all]",
	usage:   "[flags]",
	summary: "list users (humans by default)",
	flags: func(o *userListFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.kind, "kind", "", "human (default), service_account or all")
		fs.StringVar(&o.status, "status", "", "only active or disabled users")
		fs.StringVar(&o.name, "name", "", "only users whose name or email contains this")
		o.page.define(fs)
	},
	check: func(x *cmdCall, o *userListFlags) error {
		if err := checkEnum("--kind", o.kind, client.KindHuman, client.KindServiceAccount, "all"); err != nil {
			return err
		}
		return checkEnum("--status", o.status, client.StatusActive, client.StatusDisabled)
	},
	run: func(ctx context.Context, x *cmdCall, o *userListFlags) (*output, error) {
		return listed(ctx, o.page, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.User], error) {
			return x.cl.ListUsers(ctx, client.ListUsersOptions{Kind: o.kind, Status: o.status, Name: o.name, ListOptions: lo})
		}, []string{"ID", "KIND", "NAME", "EMAIL", "STATUS", "CREATED", "LAST ACTIVE"},
			func(u client.User) []string {
				return []string{u.ID, kindLabel(u.Kind), u.Name, u.Email, u.Status, fmtTime(u.CreatedAt), fmtTimePtr(u.LastActiveAt)}
			})
	}}

var usersGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "USER_ID", summary: "show a user, its groups and roles",
	min: 1, max: 1,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		u, err := x.cl.GetUser(ctx, x.id)
		return shown(u, err, func(w io.Writer) error {
			return printUserDetail(ctx, w, x.r, u, u.Kind == client.KindServiceAccount)
		})
	}}

type usersUpdateFlags struct {
	name, email, desc string
	pwStdin           bool
	up                client.UserUpdate // what the flags change
}

var usersUpdate = clientCmd[usersUpdateFlags]{name: "update",
	args:    "USER_ID [--name N] [--email EMAIL] [--description D] [--password-stdin]",
	usage:   "USER_ID [flags]",
	summary: "change a user", min: 1, max: 1,
	flags: func(o *usersUpdateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.name, "name", "", "new name")
		fs.StringVar(&o.email, "email", "", "new email")
		fs.StringVar(&o.desc, "description", "", "new description (may be empty)")
		fs.BoolVar(&o.pwStdin, "password-stdin", false, "read a new password from the first line of standard input")
	},
	check: func(x *cmdCall, o *usersUpdateFlags) error {
		if x.set("name") {
			o.up.Name = &o.name
		}
		if x.set("email") {
			o.up.Email = &o.email
		}
		if x.set("description") {
			o.up.Description = &o.desc
		}
		if o.pwStdin {
			pw, err := readLine(x.e)
			if err != nil {
				return err
			}
			o.up.Password = &pw
		}
		if o.up == (client.UserUpdate{}) {
			return usagef("users update: nothing to change: give --name, --email, --description or --password-stdin")
		}
		return nil
	},
	run: changesUser("Updated user", func(ctx context.Context, x *cmdCall, o *usersUpdateFlags) (*client.User, error) {
		return x.cl.UpdateUser(ctx, x.id, o.up)
	})}

var usersDisable = clientCmd[noFlags]{name: "disable", args: "USER_ID", summary: "disable a user: its keys and sessions stop working at once",
	min: 1, max: 1,
	run: changesUser("Disabled user", func(ctx context.Context, x *cmdCall, _ *noFlags) (*client.User, error) {
		return x.cl.DisableUser(ctx, x.id)
	})}

var usersEnable = clientCmd[noFlags]{name: "enable", args: "USER_ID", summary: "enable a disabled user",
	min: 1, max: 1,
	run: changesUser("Enabled user", func(ctx context.Context, x *cmdCall, _ *noFlags) (*client.User, error) {
		return x.cl.EnableUser(ctx, x.id)
	})}

var usersDelete = deleteCmd("USER_ID [--yes]", "delete a user and revoke its API keys", nil,
	"Delete user %s and revoke all its API keys?", (*client.Client).DeleteUser, "Deleted user %s.")
