package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("service-accounts", []string{"sa"}, "manage service accounts (alias: sa)", []subcommand{
		{name: "create", args: "NAME [--description D] [--role ROLE[@WORKSPACE]]... [--group GROUP]... [--key-name N [--key-description D] [--key-expires-in DUR | --key-expires-at TIME] [--key-scope PERM]...] [--quiet]",
			summary: "create a service account, optionally with roles, groups and a first API key (shown once)", run: saCreate},
		{name: "list", aliases: []string{"ls"}, args: "[--status active|disabled] [--name SUBSTR] [--limit N] [--cursor C] [--all]",
			summary: "list service accounts", run: saList},
		{name: "get", aliases: []string{"show"}, args: "SA", summary: "show a service account, its groups, roles and API keys", run: saGet},
		{name: "rename", args: "SA NEW_NAME", summary: "rename a service account", run: saRename},
		{name: "describe", args: "SA DESCRIPTION", summary: "change a service account's description", run: saDescribe},
		{name: "update", args: "SA [--name N] [--description D]", summary: "change a service account's name or description", run: saUpdate},
		{name: "disable", args: "SA", summary: "disable a service account: its API keys stop working at once", run: saDisable},
		{name: "enable", args: "SA", summary: "enable a disabled service account", run: saEnable},
		{name: "delete", aliases: []string{"rm"}, args: "SA [--yes]", summary: "delete a service account and revoke its API keys", run: saDelete},
		{name: "groups", args: "SA GROUP... | SA --clear", summary: "set a service account's group memberships (replacing the current ones)", run: saGroups},
	})
}

// SA arguments are a service-account id (sa_…) or its exact name.

func saCreate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts create")
	desc := c.fs.String("description", "", "description")
	var roles, groups, scopes stringList
	c.fs.Var(&roles, "role", "grant a role (id or name, e.g. View) in a workspace (id or name; default: the default workspace, organisation-wide for Admin; * for organisation-wide); repeatable")
	c.fs.Var(&groups, "group", "add to a group (id or name); repeatable")
	keyName := c.fs.String("key-name", "", "also create an API key with this name; its secret is shown once")
	keyDesc := c.fs.String("key-description", "", "description of the API key")
	keyIn := c.fs.String("key-expires-in", "", "the key expires after this duration, e.g. 720h or 90d (default: never)")
	keyAt := c.fs.String("key-expires-at", "", "the key expires at this RFC 3339 time")
	c.fs.Var(&scopes, "key-scope", "narrow the key to this permission; repeatable")
	quiet := c.fs.Bool("quiet", false, "print only the API key secret (or, without --key-name, the service account id)")
	if err := c.parse(args, 1, 1, "NAME [flags]"); err != nil {
		return err
	}
	if *keyName == "" && (*keyDesc != "" || *keyIn != "" || *keyAt != "" || len(scopes) > 0) {
		return usagef("service-accounts create: --key-description, --key-expires-* and --key-scope need --key-name")
	}
	req := client.CreateServiceAccountRequest{Name: c.args[0], Description: *desc}
	if *keyName != "" {
		k, err := keyRequest(*keyName, *keyDesc, *keyIn, *keyAt, "--key-expires-in", "--key-expires-at", scopes)
		if err != nil {
			return err
		}
		req.APIKey = &k
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	r := newResolver(ctx, cl)
	if req.Grants, err = r.grantSpecs(roles); err != nil {
		return err
	}
	if req.GroupIDs, err = r.groupIDs(groups); err != nil {
		return err
	}
	res, err := cl.CreateServiceAccount(ctx, req)
	if err != nil {
		return wrapErr(err)
	}
	switch {
	case *quiet && res.APIKey != nil:
		fmt.Fprintln(e.stdout, res.APIKey.Key)
		return nil
	case *quiet:
		fmt.Fprintln(e.stdout, res.ServiceAccount.ID)
		return nil
	case *c.json:
		if res.APIKey != nil {
			keyWarning(e)
		}
		return c.printJSON(res)
	}
	fmt.Fprintf(e.stdout, "Created service account %s (%s).\n", res.ServiceAccount.Name, res.ServiceAccount.ID)
	if res.APIKey != nil {
		printNewKey(e, res.APIKey)
	}
	return nil
}

// keyRequest builds a key-creation body from flags. inFlag and atFlag name
// the expiry flags for messages.
func keyRequest(name, desc, expiresIn, expiresAt, inFlag, atFlag string, scopes []string) (client.CreateAPIKeyRequest, error) {
	req := client.CreateAPIKeyRequest{Name: name, Description: desc, Scopes: scopes}
	if expiresIn != "" && expiresAt != "" {
		return req, usagef("%s and %s cannot be combined", inFlag, atFlag)
	}
	if expiresIn != "" {
		d, err := parseDuration(expiresIn)
		if err != nil || d <= 0 {
			return req, usagef("%s %q: want a positive duration such as 720h or 90d", inFlag, expiresIn)
		}
		req.ExpiresIn = d.String()
	}
	if expiresAt != "" {
		t, err := time.Parse(time.RFC3339, expiresAt)
		if err != nil {
			return req, usagef("%s %q: want an RFC 3339 time such as 2030-01-02T15:04:05Z", atFlag, expiresAt)
		}
		req.ExpiresAt = &t
	}
	return req, nil
}

// parseDuration is time.ParseDuration plus a whole number of days ("90d").
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(s)
}

// keyWarning is printed on stderr whenever a key secret is shown.
func keyWarning(e *env) {
	fmt.Fprintln(e.stderr, "Warning: copy the API key now and store it securely: it cannot be shown again.")
}

// printNewKey shows a created key and its secret, once.
func printNewKey(e *env, k *client.CreatedAPIKey) {
	expires := "never expires"
	if k.ExpiresAt != nil {
		expires = "expires " + fmtTime(*k.ExpiresAt)
	}
	fmt.Fprintf(e.stdout, "Created API key %q (%s), %s.\n", k.Name, k.ID, expires)
	keyWarning(e)
	fmt.Fprintln(e.stdout, k.Key)
}

var userHeader = []string{"ID", "NAME", "STATUS", "DESCRIPTION", "CREATED", "LAST ACTIVE"}

func userRow(u client.User) []string {
	return []string{u.ID, u.Name, u.Status, u.Description, fmtTime(u.CreatedAt), fmtTimePtr(u.LastActiveAt)}
}

func saList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts list")
	status := c.fs.String("status", "", "only active or disabled accounts")
	name := c.fs.String("name", "", "only accounts whose name contains this")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
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
		return cl.ListServiceAccounts(ctx, client.ListUsersOptions{Status: *status, Name: *name, ListOptions: o})
	})
	if err != nil {
		return err
	}
	return printList(c, items, next, userHeader, userRow)
}

// checkEnum is a usage error unless v is "" or one of allowed.
func checkEnum(flagName, v string, allowed ...string) error {
	if v == "" || containsString(allowed, v) {
		return nil
	}
	return usagef("%s %q: want %s", flagName, v, strings.Join(allowed, " or "))
}

// saCmd parses a sub-command whose first argument is a service account and
// returns the client and the account's id.
func saCmd(ctx context.Context, c *cliCmd, args []string, min, max int, synopsis string) (*client.Client, *resolver, string, error) {
	if err := c.parse(args, min, max, synopsis); err != nil {
		return nil, nil, "", err
	}
	cl, err := c.client()
	if err != nil {
		return nil, nil, "", err
	}
	r := newResolver(ctx, cl)
	saID, err := r.serviceAccount(c.args[0])
	if err != nil {
		return nil, nil, "", err
	}
	return cl, r, saID, nil
}

func saGet(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts get")
	cl, r, saID, err := saCmd(ctx, c, args, 1, 1, "SA")
	if err != nil {
		return err
	}
	sa, err := cl.GetServiceAccount(ctx, saID)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(sa)
	}
	return printUserDetail(ctx, e, r, sa, true)
}

// printUserDetail shows a user or service account with its groups, grants
// and (for service accounts) API keys.
func printUserDetail(ctx context.Context, e *env, r *resolver, u *client.UserDetail, withKeys bool) error {
	groups := make([]string, len(u.Groups))
	for i, g := range u.Groups {
		groups[i] = fmt.Sprintf("%s (%s)", g.Name, g.ID)
	}
	kv := []string{
		"ID", u.ID,
		"Name", u.Name,
		"Kind", kindLabel(u.Kind),
	}
	if u.Kind == client.KindHuman {
		kv = append(kv, "Email", u.Email)
	}
	kv = append(kv,
		"Description", u.Description,
		"Status", u.Status,
		"Created", fmtTime(u.CreatedAt),
		"Created by", u.CreatedBy,
		"Last active", fmtTimePtr(u.LastActiveAt),
	)
	if err := fields(e.stdout, kv...); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nGroups:\n")
	printIndented(e, groups)
	fmt.Fprintf(e.stdout, "\nRoles:\n")
	printIndented(e, r.grantLines(u.Grants))
	if !withKeys {
		return nil
	}
	keys, next, err := collect(ctx, pageFlags{limit: new(int), cursor: new(string), all: new(bool)},
		func(ctx context.Context, o client.ListOptions) (*client.Page[client.APIKey], error) {
			return r.cl.ListServiceAccountKeys(ctx, u.ID, o)
		})
	if err != nil {
		// Seeing the account does not imply seeing its keys.
		fmt.Fprintf(e.stdout, "\nAPI keys: not shown: %v\n", err)
		return nil
	}
	fmt.Fprintf(e.stdout, "\nAPI keys:\n")
	if len(keys) == 0 {
		fmt.Fprintln(e.stdout, "  (none)")
		return nil
	}
	t := newTable(e.stdout, "  ID", "NAME", "HINT", "STATUS", "CREATED", "EXPIRES", "LAST USED")
	for _, k := range keys {
		t.row("  "+k.ID, k.Name, k.Hint, k.Status, fmtTime(k.CreatedAt), fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.LastUsedAt))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if next != "" {
		fmt.Fprintf(e.stdout, "  … more: signet keys list --service-account %s\n", u.ID)
	}
	return nil
}

func printIndented(e *env, lines []string) {
	if len(lines) == 0 {
		fmt.Fprintln(e.stdout, "  (none)")
	}
	for _, l := range lines {
		fmt.Fprintln(e.stdout, "  "+l)
	}
}

func saRename(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts rename")
	cl, _, saID, err := saCmd(ctx, c, args, 2, 2, "SA NEW_NAME")
	if err != nil {
		return err
	}
	return saUpdateAndPrint(ctx, c, cl, saID, client.UserUpdate{Name: &c.args[1]}, "Renamed service account")
}

func saDescribe(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts describe")
	cl, _, saID, err := saCmd(ctx, c, args, 2, 2, "SA DESCRIPTION")
	if err != nil {
		return err
	}
	return saUpdateAndPrint(ctx, c, cl, saID, client.UserUpdate{Description: &c.args[1]}, "Updated service account")
}

func saUpdate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts update")
	name := c.fs.String("name", "", "new name")
	desc := c.fs.String("description", "", "new description (may be empty)")
	cl, _, saID, err := saCmd(ctx, c, args, 1, 1, "SA [--name N] [--description D]")
	if err != nil {
		return err
	}
	var up client.UserUpdate
	if c.set("name") {
		up.Name = name
	}
	if c.set("description") {
		up.Description = desc
	}
	if up.Name == nil && up.Description == nil {
		return usagef("service-accounts update: nothing to change: give --name or --description")
	}
	return saUpdateAndPrint(ctx, c, cl, saID, up, "Updated service account")
}

func saUpdateAndPrint(ctx context.Context, c *cliCmd, cl *client.Client, saID string, up client.UserUpdate, verb string) error {
	u, err := cl.UpdateServiceAccount(ctx, saID, up)
	if err != nil {
		return wrapErr(err)
	}
	return printUserResult(c, u, verb)
}

// printUserResult prints the user a mutation returned: the JSON object, or
// one sentence.
func printUserResult(c *cliCmd, u *client.User, verb string) error {
	if *c.json {
		return c.printJSON(u)
	}
	fmt.Fprintf(c.e.stdout, "%s %s (%s), status %s.\n", verb, u.Name, u.ID, u.Status)
	return nil
}

func saDisable(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts disable")
	cl, _, saID, err := saCmd(ctx, c, args, 1, 1, "SA")
	if err != nil {
		return err
	}
	u, err := cl.DisableServiceAccount(ctx, saID)
	if err != nil {
		return wrapErr(err)
	}
	return printUserResult(c, u, "Disabled service account")
}

func saEnable(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts enable")
	cl, _, saID, err := saCmd(ctx, c, args, 1, 1, "SA")
	if err != nil {
		return err
	}
	u, err := cl.EnableServiceAccount(ctx, saID)
	if err != nil {
		return wrapErr(err)
	}
	return printUserResult(c, u, "Enabled service account")
}

func saDelete(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts delete")
	yes := c.fs.Bool("yes", false, "do not ask for confirmation")
	cl, _, saID, err := saCmd(ctx, c, args, 1, 1, "SA [--yes]")
	if err != nil {
		return err
	}
	if err := deleteConfirmed(c, *yes, fmt.Sprintf("Delete service account %s and revoke all its API keys?", c.args[0]), func() error { return cl.DeleteServiceAccount(ctx, saID) }); err != nil {
		return err
	}
	if *c.json {
		return c.printJSON(map[string]any{"id": saID, "deleted": true})
	}
	fmt.Fprintf(e.stdout, "Deleted service account %s; its API keys are revoked.\n", saID)
	return nil
}

func saGroups(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "service-accounts groups")
	clearAll := c.fs.Bool("clear", false, "remove the service account from every group")
	cl, r, saID, err := saCmd(ctx, c, args, 1, -1, "SA GROUP... | SA --clear")
	if err != nil {
		return err
	}
	refs := c.args[1:]
	if len(refs) == 0 && !*clearAll {
		return usagef("service-accounts groups: name the groups to set, or --clear to remove it from all")
	}
	if len(refs) > 0 && *clearAll {
		return usagef("service-accounts groups: --clear cannot be combined with groups")
	}
	ids, err := r.groupIDs(refs)
	if err != nil {
		return err
	}
	sa, err := cl.SetServiceAccountGroups(ctx, saID, ids)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(sa)
	}
	names := make([]string, len(sa.Groups))
	for i, g := range sa.Groups {
		names[i] = g.Name
	}
	if len(names) == 0 {
		fmt.Fprintf(e.stdout, "Service account %s (%s) is in no group.\n", sa.Name, sa.ID)
	} else {
		fmt.Fprintf(e.stdout, "Service account %s (%s) is in: %s.\n", sa.Name, sa.ID, fmtList(names))
	}
	return nil
}
