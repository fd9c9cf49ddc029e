package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("keys", []string{"api-keys"}, "manage API keys (alias: api-keys)", []subcommand{
		{name: "create", args: "--name N [--service-account SA] [--description D] [--expires-in DUR | --expires-at TIME] [--scope PERM]... [--quiet]",
			summary: "create an API key for a service account, or without --service-account a personal key for yourself; the secret is shown once", run: keysCreate},
		{name: "list", aliases: []string{"ls"}, args: "[--service-account SA | --personal] [--status active|revoked|expired] [--name SUBSTR] [--limit N] [--cursor C] [--all]",
			summary: "list service-account API keys (all of them, or one account's), or with --personal your own keys", run: keysList},
		{name: "get", aliases: []string{"show"}, args: "KEY_ID", summary: "show an API key's metadata (never its secret)", run: keysGet},
		{name: "revoke", args: "KEY_ID [--reason R]", summary: "revoke an API key (revoking twice is harmless)", run: keysRevoke},
		{name: "activity", args: "KEY_ID [--since T]", summary: "show a key's successful and failed authentications per hour (default: the last 7 days)", run: keysActivity},
	})
}

func keysCreate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "keys create")
	sa := c.fs.String("service-account", "", "the service account (id or name) that will own the key; omit for a personal key")
	name := c.fs.String("name", "", "key name (required)")
	desc := c.fs.String("description", "", "description")
	in := c.fs.String("expires-in", "", "the key expires after this duration, e.g. 720h or 90d (default: never)")
	at := c.fs.String("expires-at", "", "the key expires at this RFC 3339 time")
	var scopes stringList
	c.fs.Var(&scopes, "scope", "narrow the key to this permission; repeatable")
	quiet := c.fs.Bool("quiet", false, "print only the key secret and a newline")
	if err := c.parse(args, 0, 0, "--name N [flags]"); err != nil {
		return err
	}
	if *name == "" {
		return usagef("keys create: --name is required")
	}
	req, err := keyRequest(*name, *desc, *in, *at, "--expires-in", "--expires-at", scopes)
	if err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	var k *client.CreatedAPIKey
	if *sa == "" {
		k, err = cl.CreatePersonalKey(ctx, req)
	} else {
		saID, rerr := newResolver(ctx, cl).serviceAccount(*sa)
		if rerr != nil {
			return rerr
		}
		k, err = cl.CreateServiceAccountKey(ctx, saID, req)
	}
	if err != nil {
		return wrapErr(err)
	}
	switch {
	case *quiet:
		fmt.Fprintln(e.stdout, k.Key)
		return nil
	case *c.json:
		keyWarning(e)
		return c.printJSON(k)
	}
	printNewKey(e, k)
	return nil
}

var keyHeader = []string{"ID", "NAME", "OWNER", "HINT", "STATUS", "CREATED", "EXPIRES", "LAST USED"}

func keysList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "keys list")
	sa := c.fs.String("service-account", "", "only this service account's keys (id or name)")
	personal := c.fs.Bool("personal", false, "list your own personal keys instead")
	status := c.fs.String("status", "", "only active, revoked or expired keys")
	name := c.fs.String("name", "", "only keys whose name contains this")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	if *personal && *sa != "" {
		return usagef("keys list: --personal and --service-account cannot be combined")
	}
	if err := checkEnum("--status", *status, client.KeyStatusActive, client.KeyStatusRevoked, client.KeyStatusExpired); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	r := newResolver(ctx, cl)
	var list func(ctx context.Context, o client.ListOptions) (*client.Page[client.APIKey], error)
	if *personal {
		// The personal-key list has no filters: apply them here.
		list = func(ctx context.Context, o client.ListOptions) (*client.Page[client.APIKey], error) {
			p, err := cl.ListPersonalKeys(ctx, o)
			if err != nil {
				return nil, err
			}
			kept := p.Data[:0]
			for _, k := range p.Data {
				if (*status == "" || k.Status == *status) &&
					(*name == "" || strings.Contains(strings.ToLower(k.Name), strings.ToLower(*name))) {
					kept = append(kept, k)
				}
			}
			p.Data = kept
			return p, nil
		}
	} else {
		opts := client.ListAPIKeysOptions{Status: *status, Name: *name}
		if *sa != "" {
			if opts.OwnerID, err = r.serviceAccount(*sa); err != nil {
				return err
			}
		}
		list = func(ctx context.Context, o client.ListOptions) (*client.Page[client.APIKey], error) {
			opts.ListOptions = o
			return cl.ListAPIKeys(ctx, opts)
		}
	}
	items, next, err := collect(ctx, pf, list)
	if err != nil {
		return err
	}
	owners := names{}
	if !*c.json && len(items) > 0 {
		owners = ownerNames(ctx, cl, *personal)
	}
	return printList(c, items, next, keyHeader, func(k client.APIKey) []string {
		return []string{k.ID, k.Name, owners.of(k.OwnerID), k.Hint, k.Status, fmtTime(k.CreatedAt), fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.LastUsedAt)}
	})
}

// ownerNames maps key owners to names for the table, best effort.
func ownerNames(ctx context.Context, cl *client.Client, personal bool) names {
	n := names{}
	if personal {
		if me, err := cl.Me(ctx); err == nil {
			n[me.User.ID] = me.User.Name
		}
		return n
	}
	for sa, err := range client.All(ctx, func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
		return cl.ListServiceAccounts(ctx, client.ListUsersOptions{ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
	}) {
		if err != nil {
			break
		}
		n[sa.ID] = sa.Name
	}
	return n
}

func keysGet(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "keys get")
	if err := c.parse(args, 1, 1, "KEY_ID"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	k, err := cl.GetAPIKey(ctx, c.args[0])
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(k)
	}
	return printKey(e, k)
}

func printKey(e *env, k *client.APIKey) error {
	return fields(e.stdout,
		"ID", k.ID,
		"Name", k.Name,
		"Kind", kindLabel(k.Kind),
		"Owner", k.OwnerID,
		"Description", k.Description,
		"Hint", k.Hint,
		"Scopes", fmtList(k.Scopes),
		"Status", k.Status,
		"Created", fmtTime(k.CreatedAt),
		"Created by", k.CreatedBy,
		"Expires", fmtTimePtr(k.ExpiresAt),
		"Last used", fmtTimePtr(k.LastUsedAt),
		"Last used from", k.LastUsedIP,
		"Revoked", fmtTimePtr(k.RevokedAt),
		"Revoked by", k.RevokedBy,
		"Revocation reason", k.RevokedReason,
	)
}

func keysRevoke(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "keys revoke")
	reason := c.fs.String("reason", "", "why the key is revoked (kept with the key and in the audit log)")
	if err := c.parse(args, 1, 1, "KEY_ID [--reason R]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	k, err := cl.RevokeAPIKey(ctx, c.args[0], *reason)
	if code := client.ErrorCode(err); code == client.CodeForbidden || code == client.CodeNotFound {
		// One's own personal key may be revoked without api_keys:write.
		if pk, perr := cl.RevokePersonalKey(ctx, c.args[0], *reason); perr == nil {
			k, err = pk, nil
		}
	}
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(k)
	}
	fmt.Fprintf(e.stdout, "Revoked API key %q (%s) at %s.\n", k.Name, k.ID, fmtTimePtr(k.RevokedAt))
	return nil
}

func keysActivity(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "keys activity")
	since := c.fs.String("since", "", "first hour to show (RFC 3339, or a duration ago such as 24h or 30d; default 7d)")
	if err := c.parse(args, 1, 1, "KEY_ID [--since T]"); err != nil {
		return err
	}
	from, err := parseWhen("--since", *since, time.Now())
	if err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	a, err := cl.KeyActivity(ctx, c.args[0], from)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(a)
	}
	t := newTable(e.stdout, "HOUR", "SUCCESSES", "FAILURES")
	for _, h := range a.Hours {
		t.row(fmtTime(h.Hour), fmt.Sprint(h.Successes), fmt.Sprint(h.Failures))
	}
	t.row("total since "+fmtTime(a.Since), fmt.Sprint(a.Successes), fmt.Sprint(a.Failures))
	if err := t.flush(); err != nil {
		return err
	}
	if len(a.Hours) == 0 {
		fmt.Fprintln(e.stderr, "No authentications in this period: the key has gone quiet (counts reach the database with each last-used flush).")
	}
	return nil
}
