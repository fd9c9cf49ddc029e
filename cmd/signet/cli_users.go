package main

import (
	"context"
	"fmt"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("users", nil, "manage human users", []subcommand{
		{name: "create", args: "--name N --email EMAIL --password-stdin [--role ROLE[@WORKSPACE]]... [--group GROUP]...",
			summary: "create a human user; the initial password is read from standard input", run: usersCreate},
		{name: "list", aliases: []string{"ls"}, args: "[--kind human|service_account|all] [--status active|disabled] [--name SUBSTR] [--limit N] [--cursor C] [--all]",
			summary: "list users (humans by default)", run: usersList},
		{name: "get", aliases: []string{"show"}, args: "USER_ID", summary: "show a user, its groups and roles", run: usersGet},
		{name: "update", args: "USER_ID [--name N] [--email EMAIL] [--description D] [--password-stdin]", summary: "change a user", run: usersUpdate},
		{name: "disable", args: "USER_ID", summary: "disable a user: its keys and sessions stop working at once", run: usersDisable},
		{name: "enable", args: "USER_ID", summary: "enable a disabled user", run: usersEnable},
		{name: "delete", aliases: []string{"rm"}, args: "USER_ID [--yes]", summary: "delete a user and revoke its API keys", run: usersDelete},
	})
}

func usersCreate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "users create")
	name := c.fs.String("name", "", "display name (required)")
	email := c.fs.String("email", "", "email, used to log in (required)")
	pwStdin := c.fs.Bool("password-stdin", false, "read the initial password from the first line of standard input (required)")
	var roles, groups stringList
	c.fs.Var(&roles, "role", "grant a role (id or name) in a workspace (default: the default workspace, organisation-wide for Admin; * for organisation-wide); repeatable")
	c.fs.Var(&groups, "group", "add to a group (id or name); repeatable")
	if err := c.parse(args, 0, 0, "--name N --email EMAIL --password-stdin [flags]"); err != nil {
		return err
	}
	if *name == "" || *email == "" || !*pwStdin {
		return usagef("users create: --name, --email and --password-stdin are required")
	}
	password, err := readLine(e)
	if err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	r := newResolver(ctx, cl)
	req := client.CreateUserRequest{Name: *name, Email: *email, Password: password}
	if req.Grants, err = r.grantSpecs(roles); err != nil {
		return err
	}
	if req.GroupIDs, err = r.groupIDs(groups); err != nil {
		return err
	}
	u, err := cl.CreateUser(ctx, req)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(u)
	}
	fmt.Fprintf(e.stdout, "Created user %s <%s> (%s).\n", u.Name, u.Email, u.ID)
	return nil
}

func usersList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "users list")
	kind := c.fs.String("kind", "", "human (default), service_account or all")
	status := c.fs.String("status", "", "only active or disabled users")
	name := c.fs.String("name", "", "only users whose name or email contains this")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	if err := checkEnum("--kind", *kind, client.KindHuman, client.KindServiceAccount, "all"); err != nil {
		return err
	}
	if err := checkEnum("--status", *status, client.StatusActive, client.StatusDisabled); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	items, next, err := collect(ctx, pf, func(ctx context.Context, o client.ListOptions) (*client.Page[client.User], error) {
		return cl.ListUsers(ctx, client.ListUsersOptions{Kind: *kind, Status: *status, Name: *name, ListOptions: o})
	})
	if err != nil {
		return err
	}
	return printList(c, items, next,
		[]string{"ID", "KIND", "NAME", "EMAIL", "STATUS", "CREATED", "LAST ACTIVE"},
		func(u client.User) []string {
			return []string{u.ID, kindLabel(u.Kind), u.Name, u.Email, u.Status, fmtTime(u.CreatedAt), fmtTimePtr(u.LastActiveAt)}
		})
}

func usersGet(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "users get")
	if err := c.parse(args, 1, 1, "USER_ID"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	u, err := cl.GetUser(ctx, c.args[0])
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(u)
	}
	return printUserDetail(ctx, e, newResolver(ctx, cl), u, u.Kind == client.KindServiceAccount)
}

func usersUpdate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "users update")
	name := c.fs.String("name", "", "new name")
	email := c.fs.String("email", "", "new email")
	desc := c.fs.String("description", "", "new description (may be empty)")
	pwStdin := c.fs.Bool("password-stdin", false, "read a new password from the first line of standard input")
	if err := c.parse(args, 1, 1, "USER_ID [flags]"); err != nil {
		return err
	}
	var up client.UserUpdate
	if c.set("name") {
		up.Name = name
	}
	if c.set("email") {
		up.Email = email
	}
	if c.set("description") {
		up.Description = desc
	}
	if *pwStdin {
		pw, err := readLine(e)
		if err != nil {
			return err
		}
		up.Password = &pw
	}
	if up == (client.UserUpdate{}) {
		return usagef("users update: nothing to change: give --name, --email, --description or --password-stdin")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	u, err := cl.UpdateUser(ctx, c.args[0], up)
	if err != nil {
		return wrapErr(err)
	}
	return printUserResult(c, u, "Updated user")
}

func usersDisable(ctx context.Context, e *env, args []string) error {
	return userStatus(ctx, e, args, "disable")
}

func usersEnable(ctx context.Context, e *env, args []string) error {
	return userStatus(ctx, e, args, "enable")
}

func userStatus(ctx context.Context, e *env, args []string, verb string) error {
	c := newCmd(e, "users "+verb)
	if err := c.parse(args, 1, 1, "USER_ID"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	do, label := cl.DisableUser, "Disabled user"
	if verb == "enable" {
		do, label = cl.EnableUser, "Enabled user"
	}
	u, err := do(ctx, c.args[0])
	if err != nil {
		return wrapErr(err)
	}
	return printUserResult(c, u, label)
}

func usersDelete(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "users delete")
	yes := c.fs.Bool("yes", false, "do not ask for confirmation")
	if err := c.parse(args, 1, 1, "USER_ID [--yes]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	if err := deleteConfirmed(c, *yes, fmt.Sprintf("Delete user %s and revoke all its API keys?", c.args[0]), func() error { return cl.DeleteUser(ctx, c.args[0]) }); err != nil {
		return err
	}
	return printDeleted(c, "user", c.args[0])
}
