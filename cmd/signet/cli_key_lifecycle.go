package main

// Key rotation, and labels and owners of keys and service accounts.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

type keysRotateFlags struct {
	grace string
	quiet bool
}

var keysRotate = clientCmd[keysRotateFlags]{name: "rotate", args: "KEY_ID [--grace DUR] [--quiet]",
	summary: "replace an API key by a new one (shown once) with the same owner, name, scopes, allowlist, labels and expiry rule; the old key keeps working for the grace",
	min:     1, max: 1,
	flags: func(o *keysRotateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.grace, "grace", "", "how long the old key keeps working, e.g. 24h, 7d or 0 (stops at once); default: the key policy's (24h unless set)")
		fs.BoolVar(&o.quiet, "quiet", false, "print only the new key secret and a newline")
	},
	check: func(x *cmdCall, o *keysRotateFlags) error { return checkDurationFlag("--grace", o.grace) },
	run: func(ctx context.Context, x *cmdCall, o *keysRotateFlags) (*output, error) {
		res, err := x.cl.RotateAPIKey(ctx, x.id, client.RotateAPIKeyRequest{Grace: o.grace})
		switch {
		case err != nil:
			return nil, err
		case o.quiet:
			fmt.Fprintln(x.e.stdout, res.APIKey.Key)
			return nil, nil
		case *x.json:
			keyWarning(x.e)
		}
		return show(res, func(w io.Writer) error {
			until := "now"
			if p := res.Previous.ExpiresAt; p != nil && res.Previous.Status == client.KeyStatusActive {
				until = "until " + fmtTime(*p)
			}
			fmt.Fprintf(w, "Rotated API key %q (%s): it works %s, then is refused as expired.\n", res.Previous.Name, res.Previous.ID, until)
			printNewKey(x.e, &res.APIKey)
			return nil
		}), nil
	}}

type keysUpdateFlags struct {
	renameFlags
	labels   stringList
	noLabels bool
	networks networksFlag
}

var keysUpdate = clientCmd[keysUpdateFlags]{name: "update", args: "KEY_ID [--name N] [--description D] [--label NAME=VALUE]... [--no-labels] [--allowed-networks CIDR,...]",
	summary: "change an API key's name, description, labels (--label replaces every label) or network allowlist (--allowed-networks '' clears it)", min: 1, max: 1,
	flags: func(o *keysUpdateFlags, fs *flag.FlagSet) {
		o.renameFlags.define(fs)
		fs.Var(&o.labels, "label", "a label NAME=VALUE, e.g. team=data; repeatable; replaces the key's labels")
		fs.BoolVar(&o.noLabels, "no-labels", false, "remove every label")
		o.networks.define(fs, "replace the key's network allowlist: CIDRs or addresses, comma-separated or repeated; '' clears it (the key works from anywhere)")
	},
	run: func(ctx context.Context, x *cmdCall, o *keysUpdateFlags) (*output, error) {
		var up client.UpdateAPIKeyRequest
		up.Name, up.Description = o.changed(x)
		labels, err := labelsFlag(o.labels, o.noLabels)
		if err != nil {
			return nil, err
		}
		up.Labels = labels
		if o.networks.set {
			l := o.networks.list
			up.AllowedNetworks = &l
		}
		if up.Name == nil && up.Description == nil && up.Labels == nil && up.AllowedNetworks == nil {
			return nil, usagef("keys update: nothing to change: give --name, --description, --label, --no-labels or --allowed-networks")
		}
		k, err := x.cl.UpdateAPIKey(ctx, x.id, up)
		return shown(k, err, func(w io.Writer) error { return printKey(w, k) })
	}}

// labelsFlag turns repeated --label NAME=VALUE flags (or --no-labels)
// into the labels to set: nil when neither was given.
func labelsFlag(list []string, none bool) (*map[string]string, error) {
	switch {
	case none && len(list) > 0:
		return nil, usagef("--label and --no-labels cannot be combined")
	case none:
		return &map[string]string{}, nil
	case len(list) == 0:
		return nil, nil
	}
	m, err := signet.ParseLabels("--label", list)
	if err != nil {
		return nil, usagef("%s", signet.ErrorMessage(err))
	}
	return &m, nil
}

// fmtLabels shows labels as "name=value, …", or "(none)".
func fmtLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return "(none)"
	}
	return strings.Join(signet.FormatLabels(labels), ", ")
}

type saLabelsFlags struct{ clear bool }

var saLabels = clientCmd[saLabelsFlags]{name: "labels", args: "SA NAME=VALUE... | SA --clear",
	summary: "set a service account's labels (replacing the current ones)", min: 1, max: -1, first: saArg,
	flags: func(o *saLabelsFlags, fs *flag.FlagSet) {
		fs.BoolVar(&o.clear, "clear", false, "remove every label")
	},
	run: func(ctx context.Context, x *cmdCall, o *saLabelsFlags) (*output, error) {
		if o.clear == (len(x.args) > 1) {
			return nil, usagef("service-accounts labels: give labels NAME=VALUE, or --clear")
		}
		labels, err := labelsFlag(x.args[1:], o.clear)
		if err != nil {
			return nil, err
		}
		u, err := x.cl.UpdateServiceAccount(ctx, x.id, client.UserUpdate{Labels: labels})
		if err != nil {
			return nil, err
		}
		return say(u, "Service account %s (%s) labels: %s.\n", u.Name, u.ID, fmtLabels(u.Labels)), nil
	}}

type saOwnerFlags struct{ none bool }

var saOwner = clientCmd[saOwnerFlags]{name: "owner", args: "SA user:USER_ID | SA group:GROUP | SA --none",
	summary: "set who is responsible for a service account: a person (user:usr_…) or a group (group:NAME or id)", min: 1, max: 2, first: saArg,
	flags: func(o *saOwnerFlags, fs *flag.FlagSet) {
		fs.BoolVar(&o.none, "none", false, "remove the owner")
	},
	run: func(ctx context.Context, x *cmdCall, o *saOwnerFlags) (*output, error) {
		if o.none == (len(x.args) > 1) {
			return nil, usagef("service-accounts owner: give user:USER_ID or group:GROUP, or --none")
		}
		typ, id := "", ""
		if !o.none {
			var err error
			if typ, id, err = ownerRef(x.r, x.args[1]); err != nil {
				return nil, err
			}
		}
		u, err := x.cl.UpdateServiceAccount(ctx, x.id, client.UserUpdate{OwnerType: &typ, OwnerID: &id})
		if err != nil {
			return nil, err
		}
		return say(u, "Service account %s (%s) owner: %s.\n", u.Name, u.ID, fmtOwner(u.OwnerType, u.OwnerID)), nil
	}}

// ownerRef reads an owner given as user:USER_ID or group:GROUP (a group
// id or name).
func ownerRef(r *resolver, ref string) (typ, id string, err error) {
	typ, v, ok := strings.Cut(ref, ":")
	switch {
	case !ok || v == "":
		return "", "", usagef("owner %q: write user:USER_ID or group:GROUP", ref)
	case typ == "user":
		return typ, v, nil
	case typ == "group":
		id, err := r.group(v)
		return typ, id, err
	}
	return "", "", usagef("owner %q: the owner is a user (user:USER_ID) or a group (group:GROUP)", ref)
}

// fmtOwner shows a service account's owner, or "(none)".
func fmtOwner(typ, id string) string {
	if id == "" {
		return "(none)"
	}
	return typ + " " + id
}

// hasLabels reports whether labels carry every NAME=VALUE of want (the
// personal-key list, which has no server-side filter).
func hasLabels(labels map[string]string, want []string) bool {
	for _, w := range want {
		name, value, _ := strings.Cut(w, "=")
		if v, ok := labels[name]; !ok || v != value {
			return false
		}
	}
	return true
}
