package main

import (
	"context"
	"flag"
	"io"
	"strings"

	"github.com/signetdev/signet/client"
)

// networksFlag is a key's network allowlist on the command line:
// --allowed-networks (alias --allow-from), comma-separated, repeatable;
// an empty value is an empty list (on keys update: clear the allowlist).
// set tells "not given" from "given empty". The server validates each
// entry (a CIDR or an address) and answers naming a bad one.
type networksFlag struct {
	list []string
	set  bool
}

func (f *networksFlag) String() string { return strings.Join(f.list, ",") }

func (f *networksFlag) Set(v string) error {
	f.set = true
	if f.list == nil {
		f.list = []string{}
	}
	for _, n := range strings.Split(v, ",") {
		if n = strings.TrimSpace(n); n != "" {
			f.list = append(f.list, n)
		}
	}
	return nil
}

// define declares the flag under both names.
func (f *networksFlag) define(fs *flag.FlagSet, usage string) {
	fs.Var(f, "allowed-networks", usage)
	fs.Var(f, "allow-from", "alias of --allowed-networks")
}

const networksUsage = "accept the key only from these networks: CIDRs or addresses, comma-separated or repeated, e.g. 10.0.0.0/8,2001:db8::/32 (default: anywhere)"

type keysUpdateFlags struct {
	networks networksFlag
	req      client.UpdateAPIKeyRequest // from the flags
}

var keysUpdate = clientCmd[keysUpdateFlags]{name: "update", args: "KEY_ID [--allowed-networks CIDR,...]",
	summary: "change an API key's settings: its network allowlist (--allowed-networks '' clears it)", min: 1, max: 1,
	flags: func(o *keysUpdateFlags, fs *flag.FlagSet) {
		o.networks.define(fs, "replace the key's network allowlist: CIDRs or addresses, comma-separated or repeated; '' clears it (the key works from anywhere)")
	},
	check: func(x *cmdCall, o *keysUpdateFlags) error {
		if o.networks.set {
			l := o.networks.list
			o.req.AllowedNetworks = &l
		}
		if o.req == (client.UpdateAPIKeyRequest{}) {
			return usagef("keys update: nothing to change; give --allowed-networks")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *keysUpdateFlags) (*output, error) {
		k, err := x.cl.UpdateAPIKey(ctx, x.id, o.req)
		return shown(k, err, func(w io.Writer) error { return printKey(w, k) })
	}}

// allowedNetworksLabel is how a key's allowlist reads in the CLI's text
// output.
func allowedNetworksLabel(n []string) string {
	if len(n) == 0 {
		return "anywhere"
	}
	return fmtList(n)
}
