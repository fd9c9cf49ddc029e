package main

import (
	"flag"
	"strings"
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

// allowedNetworksLabel is how a key's allowlist reads in the CLI's text
// output.
func allowedNetworksLabel(n []string) string {
	if len(n) == 0 {
		return "anywhere"
	}
	return fmtList(n)
}
