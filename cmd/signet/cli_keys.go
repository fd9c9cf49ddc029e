package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("keys", []string{"api-keys"}, "manage API keys (alias: api-keys)", keysCreate, keysList, keysGet, keysUpdate, keysRevoke, keysDisable, keysEnable,
		keysActivity, keysRotate)
}

type keysCreateFlags struct {
	sa, name, desc, in, at string
	scopes                 stringList
	networks               networksFlag
	labels                 stringList
	quiet                  bool
	req                    client.CreateAPIKeyRequest // from the flags
}

var keysCreate = clientCmd[keysCreateFlags]{name: "create",
	args:    "--name N [--service-account SA] [--description D] [--expires-in DUR | --expires-at TIME] [--scope PERM]... [--allowed-networks CIDR,...] [--label NAME=VALUE]... [--quiet]",
	usage:   "--name N [flags]",
	summary: "create an API key for a service account, or without --service-account a personal key for yourself; the secret is shown once",
	flags: func(o *keysCreateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.sa, "service-account", "", "the service account (id or name) that will own the key; omit for a personal key")
		fs.StringVar(&o.name, "name", "", "key name (required)")
		fs.StringVar(&o.desc, "description", "", "description")
		fs.StringVar(&o.in, "expires-in", "", "the key expires after this duration, e.g. 720h or 90d (default: never)")
		fs.StringVar(&o.at, "expires-at", "", "the key expires at this RFC 3339 time")
		fs.Var(&o.scopes, "scope", "narrow the key to this permission; repeatable")
		o.networks.define(fs, networksUsage)
		fs.Var(&o.labels, "label", "a label NAME=VALUE, e.g. team=data; repeatable")
		fs.BoolVar(&o.quiet, "quiet", false, "print only the key secret and a newline")
	},
	check: func(x *cmdCall, o *keysCreateFlags) error {
		if o.name == "" {
			return usagef("keys create: --name is required")
		}
		var err error
		o.req, err = keyRequest(o.name, o.desc, o.in, o.at, "--expires-in", "--expires-at", o.scopes)
		o.req.AllowedNetworks = o.networks.list
		if err != nil {
			return err
		}
		labels, err := labelsFlag(o.labels, false)
		if labels != nil {
			o.req.Labels = *labels
		}
		return err
	},
	run: func(ctx context.Context, x *cmdCall, o *keysCreateFlags) (*output, error) {
		var k *client.CreatedAPIKey
		var err error
		if o.sa == "" {
			k, err = x.cl.CreatePersonalKey(ctx, o.req)
		} else {
			saID, rerr := x.r.serviceAccount(o.sa)
			if rerr != nil {
				return nil, rerr
			}
			k, err = x.cl.CreateServiceAccountKey(ctx, saID, o.req)
		}
		switch {
		case err != nil:
			return nil, err
		case o.quiet:
			fmt.Fprintln(x.e.stdout, k.Key)
			return nil, nil
		case *x.json:
			keyWarning(x.e)
		}
		return show(k, func(io.Writer) error {
			printNewKey(x.e, k)
			return nil
		}), nil
	}}

var keyHeader = []string{"ID", "NAME", "OWNER", "HINT", "STATUS", "CREATED", "EXPIRES", "LAST USED"}

type keysListFlags struct {
	sa, status, name string
	labels           stringList
	personal         bool
	page             pageFlags
	// expiring and unused are --expiring-within and --unused-for.
	expiring, unused string
}

var keysList = clientCmd[keysListFlags]{name: "list", aliases: []string{"ls"},
	args:    "[--service-account SA | --personal] [--status active|revoked|disabled|expired] [--name SUBSTR] [--label NAME=VALUE]... [--expiring-within DUR] [--unused-for DUR] [--limit N] [--cursor C] [--all]",
	usage:   "[flags]",
	summary: "list service-account API keys (all of them, or one account's), or with --personal your own keys",
	flags: func(o *keysListFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.sa, "service-account", "", "only this service account's keys (id or name)")
		fs.BoolVar(&o.personal, "personal", false, "list your own personal keys instead")
		fs.StringVar(&o.status, "status", "", "only active, revoked, disabled or expired keys")
		fs.StringVar(&o.name, "name", "", "only keys whose name contains this")
		fs.Var(&o.labels, "label", "only keys with this label NAME=VALUE; repeatable, all must match")
		fs.StringVar(&o.expiring, "expiring-within", "", "only keys expiring within this duration and not expired yet, e.g. 7d")
		fs.StringVar(&o.unused, "unused-for", "", "only keys not used for this long, e.g. 90d (never-used keys count from their creation)")
		o.page.define(fs)
	},
	check: func(x *cmdCall, o *keysListFlags) error {
		if o.personal && o.sa != "" {
			return usagef("keys list: --personal and --service-account cannot be combined")
		}
		for _, f := range []struct{ flag, v string }{{"--expiring-within", o.expiring}, {"--unused-for", o.unused}} {
			if err := checkPositiveDuration(f.flag, f.v); err != nil {
				return err
			}
		}
		return checkEnum("--status", o.status, client.KeyStatusActive, client.KeyStatusRevoked, client.KeyStatusDisabled, client.KeyStatusExpired)
	},
	run: func(ctx context.Context, x *cmdCall, o *keysListFlags) (*output, error) {
		var list lister[client.APIKey]
		var keep func(client.APIKey) bool
		if o.personal && (o.expiring != "" || o.unused != "") {
			// The server filters one's own keys by expiry and use.
			me, err := x.cl.Me(ctx)
			if err != nil {
				return nil, err
			}
			opts := client.ListAPIKeysOptions{OwnerID: me.User.ID, Kind: client.KeyKindPersonal, Status: o.status, Name: o.name,
				ExpiringWithin: o.expiring, UnusedFor: o.unused}
			list = func(ctx context.Context, lo client.ListOptions) (*client.Page[client.APIKey], error) {
				opts.ListOptions = lo
				return x.cl.ListAPIKeys(ctx, opts)
			}
		} else if o.personal {
			list = x.cl.ListPersonalKeys
			// The personal-key list has no filters: apply them here.
			if o.status != "" || o.name != "" || len(o.labels) > 0 {
				keep = func(k client.APIKey) bool {
					return (o.status == "" || k.Status == o.status) &&
						(o.name == "" || strings.Contains(strings.ToLower(k.Name), strings.ToLower(o.name))) &&
						hasLabels(k.Labels, o.labels)
				}
			}
		} else {
			opts := client.ListAPIKeysOptions{Status: o.status, Name: o.name, Labels: o.labels, ExpiringWithin: o.expiring, UnusedFor: o.unused}
			if o.sa != "" {
				var err error
				if opts.OwnerID, err = x.r.serviceAccount(o.sa); err != nil {
					return nil, err
				}
			}
			list = func(ctx context.Context, lo client.ListOptions) (*client.Page[client.APIKey], error) {
				opts.ListOptions = lo
				return x.cl.ListAPIKeys(ctx, opts)
			}
		}
		l, err := collectWhere(ctx, o.page, list, keep)
		if err != nil {
			return nil, err
		}
		owners := names{}
		if !*x.json && len(l.items) > 0 {
			owners = ownerNames(ctx, x.r, o.personal)
		}
		return tableOf(l, keyHeader, func(k client.APIKey) []string {
			return []string{k.ID, k.Name, owners.of(k.OwnerID), k.Hint, k.Status, fmtTime(k.CreatedAt), fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.LastUsedAt)}
		}), nil
	}}

// ownerNames maps key owners to names for the table, best effort.
func ownerNames(ctx context.Context, r *resolver, personal bool) names {
	if !personal {
		return r.serviceAccounts.names()
	}
	n := names{}
	if me, err := r.cl.Me(ctx); err == nil {
		n[me.User.ID] = me.User.Name
	}
	return n
}

var keysGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "KEY_ID", summary: "show an API key's metadata (never its secret)",
	min: 1, max: 1,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		k, err := x.cl.GetAPIKey(ctx, x.id)
		return shown(k, err, func(w io.Writer) error { return printKey(w, k) })
	}}

func printKey(w io.Writer, k *client.APIKey) error {
	return fields(w,
		"ID", k.ID,
		"Name", k.Name,
		"Kind", kindLabel(k.Kind),
		"Owner", k.OwnerID,
		"Description", k.Description,
		"Hint", k.Hint,
		"Scopes", fmtList(k.Scopes),
		"Allowed networks", allowedNetworksLabel(k.AllowedNetworks),
		"Status", k.Status,
		"Created", fmtTime(k.CreatedAt),
		"Created by", k.CreatedBy,
		"Expires", fmtTimePtr(k.ExpiresAt),
		"Last used", fmtTimePtr(k.LastUsedAt),
		"Last used from", k.LastUsedIP,
		"Revoked", fmtTimePtr(k.RevokedAt),
		"Revoked by", k.RevokedBy,
		"Revocation reason", k.RevokedReason,
		"Labels", fmtLabels(k.Labels),
		"Rotated from", k.RotatedFrom,
		"Rotated to", k.RotatedTo,
		"Rotated", fmtTimePtr(k.RotatedAt),
		"Disabled", fmtTimePtr(k.DisabledAt),
		"Disabled by", disabledBy(k),
		"Disable reason", k.DisabledReason,
	)
}

type keysRevokeFlags struct{ reason string }

var keysRevoke = clientCmd[keysRevokeFlags]{name: "revoke", args: "KEY_ID [--reason R]", summary: "revoke an API key (revoking twice is harmless)",
	min: 1, max: 1,
	flags: func(o *keysRevokeFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.reason, "reason", "", "why the key is revoked (kept with the key and in the audit log)")
	},
	run: func(ctx context.Context, x *cmdCall, o *keysRevokeFlags) (*output, error) {
		k, err := x.cl.RevokeAPIKey(ctx, x.id, o.reason)
		if code := client.ErrorCode(err); code == client.CodeForbidden || code == client.CodeNotFound {
			// One's own personal key may be revoked without api_keys:write.
			if pk, perr := x.cl.RevokePersonalKey(ctx, x.id, o.reason); perr == nil {
				k, err = pk, nil
			}
		}
		if err != nil {
			return nil, err
		}
		return say(k, "Revoked API key %q (%s) at %s.\n", k.Name, k.ID, fmtTimePtr(k.RevokedAt)), nil
	}}

type keysActivityFlags struct {
	since string
	from  *time.Time // since, parsed
}

var keysActivity = clientCmd[keysActivityFlags]{name: "activity", args: "KEY_ID [--since T]",
	summary: "show a key's successful and failed authentications per hour (default: the last 7 days)", min: 1, max: 1,
	flags: func(o *keysActivityFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.since, "since", "", "first hour to show (RFC 3339, or a duration ago such as 24h or 30d; default 7d)")
	},
	check: func(x *cmdCall, o *keysActivityFlags) error {
		var err error
		o.from, err = parseWhen("--since", o.since, time.Now())
		return err
	},
	run: func(ctx context.Context, x *cmdCall, o *keysActivityFlags) (*output, error) {
		a, err := x.cl.KeyActivity(ctx, x.id, o.from)
		return shown(a, err, func(w io.Writer) error {
			t := newTable(w, "HOUR", "SUCCESSES", "FAILURES")
			for _, h := range a.Hours {
				t.row(fmtTime(h.Hour), fmt.Sprint(h.Successes), fmt.Sprint(h.Failures))
			}
			t.row("total since "+fmtTime(a.Since), fmt.Sprint(a.Successes), fmt.Sprint(a.Failures))
			if err := t.flush(); err != nil {
				return err
			}
			if len(a.Hours) == 0 {
				fmt.Fprintln(x.e.stderr, "No authentications in this period: the key has gone quiet (counts reach the database with each last-used flush).")
			}
			return nil
		})
	}}
