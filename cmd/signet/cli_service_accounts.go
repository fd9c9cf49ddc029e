package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("service-accounts", []string{"sa"}, "manage service accounts (alias: sa)",
		saCreate, saList, saGet, saRename, saDescribe, saUpdate, saDisable, saEnable, saDelete, saGroups,
		saLabels, saOwner, saClientKeys)
}

// SA arguments are a service-account id (sa_…) or its exact name.

type saCreateFlags struct {
	desc, keyName, keyDesc, keyIn, keyAt string
	owner                                string
	roles, groups, scopes, labels        stringList
	networks                             networksFlag
	quiet                                bool
	key                                  *client.CreateAPIKeyRequest // from the --key-* flags
}

var saCreate = clientCmd[saCreateFlags]{name: "create",
	args:    "NAME [--description D] [--role ROLE[@WORKSPACE]]... [--group GROUP]... [--label NAME=VALUE]... [--owner user:ID|group:GROUP] [--key-name N [--key-description D] [--key-expires-in DUR | --key-expires-at TIME] [--key-scope PERM]... [--allowed-networks CIDR,...]] [--quiet]",
	usage:   "NAME [flags]",
	summary: "create a service account, optionally with roles, groups and a first API key (shown once)", min: 1, max: 1,
	flags: func(o *saCreateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.desc, "description", "", "description")
		fs.Var(&o.roles, "role", "grant a role (id or name, e.g. View) in a workspace (id or name; default: the default workspace, organisation-wide for Admin; * for organisation-wide); repeatable")
		fs.Var(&o.groups, "group", "add to a group (id or name); repeatable")
		fs.Var(&o.labels, "label", "a label NAME=VALUE, e.g. team=data; repeatable")
		fs.StringVar(&o.owner, "owner", "", "who is responsible for the account: user:USER_ID or group:GROUP (id or name)")
		fs.StringVar(&o.keyName, "key-name", "", "also create an API key with this name; its secret is shown once")
		fs.StringVar(&o.keyDesc, "key-description", "", "description of the API key")
		fs.StringVar(&o.keyIn, "key-expires-in", "", "the key expires after this duration, e.g. 720h or 90d (default: never)")
		fs.StringVar(&o.keyAt, "key-expires-at", "", "the key expires at this RFC 3339 time")
		fs.Var(&o.scopes, "key-scope", "narrow the key to this permission; repeatable")
		o.networks.define(fs, "accept the API key only from these networks: CIDRs or addresses, comma-separated or repeated (default: anywhere)")
		fs.BoolVar(&o.quiet, "quiet", false, "print only the API key secret (or, without --key-name, the service account id)")
	},
	check: func(x *cmdCall, o *saCreateFlags) error {
		if o.keyName == "" && (o.keyDesc != "" || o.keyIn != "" || o.keyAt != "" || len(o.scopes) > 0) {
			return usagef("service-accounts create: --key-description, --key-expires-* and --key-scope need --key-name")
		}
		if o.keyName == "" && o.networks.set {
			return usagef("service-accounts create: --allowed-networks needs --key-name")
		}
		if o.keyName == "" {
			return nil
		}
		k, err := keyRequest(o.keyName, o.keyDesc, o.keyIn, o.keyAt, "--key-expires-in", "--key-expires-at", o.scopes)
		k.AllowedNetworks = o.networks.list
		o.key = &k
		return err
	},
	run: func(ctx context.Context, x *cmdCall, o *saCreateFlags) (*output, error) {
		req := client.CreateServiceAccountRequest{Name: x.args[0], Description: o.desc, APIKey: o.key}
		var err error
		if req.Grants, req.GroupIDs, err = x.r.grantsAndGroups(o.roles, o.groups); err != nil {
			return nil, err
		}
		labels, err := labelsFlag(o.labels, false)
		if err != nil {
			return nil, err
		}
		if labels != nil {
			req.Labels = *labels
		}
		if o.owner != "" {
			if req.OwnerType, req.OwnerID, err = ownerRef(x.r, o.owner); err != nil {
				return nil, err
			}
		}
		res, err := x.cl.CreateServiceAccount(ctx, req)
		if err != nil {
			return nil, err
		}
		switch {
		case o.quiet && res.APIKey != nil:
			fmt.Fprintln(x.e.stdout, res.APIKey.Key)
			return nil, nil
		case o.quiet:
			fmt.Fprintln(x.e.stdout, res.ServiceAccount.ID)
			return nil, nil
		case *x.json && res.APIKey != nil:
			keyWarning(x.e)
		}
		return show(res, func(w io.Writer) error {
			fmt.Fprintf(w, "Created service account %s (%s).\n", res.ServiceAccount.Name, res.ServiceAccount.ID)
			if res.APIKey != nil {
				printNewKey(x.e, res.APIKey)
			}
			return nil
		}), nil
	}}

// keyRequest builds a key-creation body from flags. inFlag and atFlag name
// the expiry flags for messages.
func keyRequest(name, desc, expiresIn, expiresAt, inFlag, atFlag string, scopes []string) (client.CreateAPIKeyRequest, error) {
	req := client.CreateAPIKeyRequest{Name: name, Description: desc, Scopes: scopes}
	if expiresIn != "" && expiresAt != "" {
		return req, usagef("%s and %s cannot be combined", inFlag, atFlag)
	}
	if expiresIn != "" {
		d, err := parseDuration(expiresIn)
		if err != nil {
			return req, usagef("%s: %s", inFlag, signet.ErrorMessage(err))
		}
		if d <= 0 {
			return req, usagef("%s %q: want a duration longer than zero, such as 30d or 12h", inFlag, expiresIn)
		}
		req.ExpiresIn = expiresIn // the server reads the same syntax
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

// parseDuration reads a duration in the one syntax of every surface
// (signet.ParseDuration: 30d, 12h, 90m, PT12H).
func parseDuration(s string) (time.Duration, error) { return signet.ParseDuration(s) }

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

type userListFlags struct {
	kind, status, name, owner string
	labels                    stringList
	page                      pageFlags
}

var saList = clientCmd[userListFlags]{name: "list", aliases: []string{"ls"},
	args:    "[--status active|disabled] [--name SUBSTR] [--label NAME=VALUE]... [--owner user:ID|group:GROUP] [--limit N] [--cursor C] [--all]",
	usage:   "[flags]",
	summary: "list service accounts",
	flags: func(o *userListFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.status, "status", "", "only active or disabled accounts")
		fs.StringVar(&o.name, "name", "", "only accounts whose name contains this")
		fs.Var(&o.labels, "label", "only accounts with this label NAME=VALUE; repeatable, all must match")
		fs.StringVar(&o.owner, "owner", "", "only accounts this user:USER_ID or group:GROUP (id or name) is responsible for")
		o.page.define(fs)
	},
	check: func(x *cmdCall, o *userListFlags) error {
		return checkEnum("--status", o.status, client.StatusActive, client.StatusDisabled)
	},
	run: func(ctx context.Context, x *cmdCall, o *userListFlags) (*output, error) {
		var owner string
		if o.owner != "" {
			var err error
			if _, owner, err = ownerRef(x.r, o.owner); err != nil {
				return nil, err
			}
		}
		return listed(ctx, o.page, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.User], error) {
			return x.cl.ListServiceAccounts(ctx, client.ListUsersOptions{Status: o.status, Name: o.name, Labels: o.labels, Owner: owner, ListOptions: lo})
		}, userHeader, userRow)
	}}

// checkEnum is a usage error unless v is "" or one of allowed.
func checkEnum(flagName, v string, allowed ...string) error {
	if v == "" || containsString(allowed, v) {
		return nil
	}
	return usagef("%s %q: want %s", flagName, v, strings.Join(allowed, " or "))
}

var saGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "SA", summary: "show a service account, its groups, roles and API keys",
	min: 1, max: 1, first: saArg,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		sa, err := x.cl.GetServiceAccount(ctx, x.id)
		return shown(sa, err, func(w io.Writer) error { return printUserDetail(ctx, w, x.r, sa, true) })
	}}

// printUserDetail shows a user or service account with its groups, grants
// and (for service accounts) API keys.
func printUserDetail(ctx context.Context, w io.Writer, r *resolver, u *client.UserDetail, withKeys bool) error {
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
	} else {
		kv = append(kv, "Labels", fmtLabels(u.Labels), "Owner", fmtOwner(u.OwnerType, u.OwnerID))
	}
	kv = append(kv,
		"Description", u.Description,
		"Status", u.Status,
		"Created", fmtTime(u.CreatedAt),
		"Created by", u.CreatedBy,
		"Last active", fmtTimePtr(u.LastActiveAt),
	)
	if err := fields(w, kv...); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nGroups:\n")
	printIndented(w, groups)
	fmt.Fprintf(w, "\nRoles:\n")
	printIndented(w, r.grantLines(u.Grants))
	if !withKeys {
		return nil
	}
	l, err := collect(ctx, pageFlags{},
		func(ctx context.Context, o client.ListOptions) (*client.Page[client.APIKey], error) {
			return r.cl.ListServiceAccountKeys(ctx, u.ID, o)
		})
	if err != nil {
		// Seeing the account does not imply seeing its keys.
		fmt.Fprintf(w, "\nAPI keys: not shown: %v\n", err)
		return nil
	}
	keys, next := l.items, l.next
	fmt.Fprintf(w, "\nAPI keys:\n")
	if len(keys) == 0 {
		fmt.Fprintln(w, "  (none)")
		return nil
	}
	t := newTable(w, "  ID", "NAME", "HINT", "STATUS", "CREATED", "EXPIRES", "LAST USED")
	for _, k := range keys {
		t.row("  "+k.ID, k.Name, k.Hint, k.Status, fmtTime(k.CreatedAt), fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.LastUsedAt))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if next != "" {
		fmt.Fprintf(w, "  … more: signet keys list --service-account %s\n", u.ID)
	}
	return nil
}

func printIndented(w io.Writer, lines []string) {
	if len(lines) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

var saRename = clientCmd[noFlags]{name: "rename", args: "SA NEW_NAME", summary: "rename a service account",
	min: 2, max: 2, first: saArg,
	run: changesUser("Renamed service account", func(ctx context.Context, x *cmdCall, _ *noFlags) (*client.User, error) {
		return x.cl.UpdateServiceAccount(ctx, x.id, client.UserUpdate{Name: &x.args[1]})
	})}

var saDescribe = clientCmd[noFlags]{name: "describe", args: "SA DESCRIPTION", summary: "change a service account's description",
	min: 2, max: 2, first: saArg,
	run: changesUser("Updated service account", func(ctx context.Context, x *cmdCall, _ *noFlags) (*client.User, error) {
		return x.cl.UpdateServiceAccount(ctx, x.id, client.UserUpdate{Description: &x.args[1]})
	})}

var saUpdate = clientCmd[renameFlags]{name: "update", args: "SA [--name N] [--description D]",
	summary: "change a service account's name or description", min: 1, max: 1, first: saArg, flags: (*renameFlags).define,
	run: changesUser("Updated service account", func(ctx context.Context, x *cmdCall, o *renameFlags) (*client.User, error) {
		var up client.UserUpdate
		if up.Name, up.Description = o.changed(x); up.Name == nil && up.Description == nil {
			return nil, usagef("service-accounts update: nothing to change: give --name or --description")
		}
		return x.cl.UpdateServiceAccount(ctx, x.id, up)
	})}

// changesUser is the run of a command that changes one user or service
// account (change calls the API) and says how it is now.
func changesUser[O any](verb string, change func(ctx context.Context, x *cmdCall, o *O) (*client.User, error)) func(context.Context, *cmdCall, *O) (*output, error) {
	return func(ctx context.Context, x *cmdCall, o *O) (*output, error) {
		u, err := change(ctx, x, o)
		if err != nil {
			return nil, err
		}
		return say(u, "%s %s (%s), status %s.\n", verb, u.Name, u.ID, u.Status), nil
	}
}

var saDisable = clientCmd[noFlags]{name: "disable", args: "SA", summary: "disable a service account: its API keys stop working at once",
	min: 1, max: 1, first: saArg,
	run: changesUser("Disabled service account", func(ctx context.Context, x *cmdCall, _ *noFlags) (*client.User, error) {
		return x.cl.DisableServiceAccount(ctx, x.id)
	})}

var saEnable = clientCmd[noFlags]{name: "enable", args: "SA", summary: "enable a disabled service account",
	min: 1, max: 1, first: saArg,
	run: changesUser("Enabled service account", func(ctx context.Context, x *cmdCall, _ *noFlags) (*client.User, error) {
		return x.cl.EnableServiceAccount(ctx, x.id)
	})}

var saDelete = deleteCmd("SA [--yes]", "delete a service account and revoke its API keys", saArg,
	"Delete service account %s and revoke all its API keys?", (*client.Client).DeleteServiceAccount, "Deleted service account %s; its API keys are revoked.")

type saGroupsFlags struct{ clear bool }

var saGroups = clientCmd[saGroupsFlags]{name: "groups", args: "SA GROUP... | SA --clear",
	summary: "set a service account's group memberships (replacing the current ones)", min: 1, max: -1, first: saArg,
	flags: func(o *saGroupsFlags, fs *flag.FlagSet) {
		fs.BoolVar(&o.clear, "clear", false, "remove the service account from every group")
	},
	run: func(ctx context.Context, x *cmdCall, o *saGroupsFlags) (*output, error) {
		refs := x.args[1:]
		if len(refs) == 0 && !o.clear {
			return nil, usagef("service-accounts groups: name the groups to set, or --clear to remove it from all")
		}
		if len(refs) > 0 && o.clear {
			return nil, usagef("service-accounts groups: --clear cannot be combined with groups")
		}
		ids, err := x.r.groupIDs(refs)
		if err != nil {
			return nil, err
		}
		sa, err := x.cl.SetServiceAccountGroups(ctx, x.id, ids)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(sa.Groups))
		for i, g := range sa.Groups {
			names[i] = g.Name
		}
		if len(names) == 0 {
			return say(sa, "Service account %s (%s) is in no group.\n", sa.Name, sa.ID), nil
		}
		return say(sa, "Service account %s (%s) is in: %s.\n", sa.Name, sa.ID, fmtList(names)), nil
	}}
