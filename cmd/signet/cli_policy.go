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
	registerGroup("policy", []string{"key-policy"}, "read and set the organisation's key policy (alias: key-policy), and list the keys that break it",
		policyGet, policySet, policyViolations)
}

var policyGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "",
	summary: "show the key policy (needs settings:read)", max: 0,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		p, err := x.cl.GetKeyPolicy(ctx)
		return shown(p, err, func(w io.Writer) error { return printPolicy(w, p) })
	}}

// printPolicy writes a policy for people: "none" for a rule that is off.
func printPolicy(w io.Writer, p *client.KeyPolicy) error {
	bound := func(d, none string) string {
		if d == "0" || d == "" {
			return none
		}
		return d
	}
	count := "none"
	if p.MaxActiveKeysPerAccount > 0 {
		count = fmt.Sprint(p.MaxActiveKeysPerAccount)
	}
	warnings := "14d, 7d, 1d (default)"
	if p.ExpiryWarnings != nil {
		warnings = fmtList(p.ExpiryWarnings)
	}
	enforce := "never: keys that break the policy are only reported"
	if p.EnforceFrom != nil {
		enforce = fmtTime(*p.EnforceFrom)
	}
	return fields(w,
		"Max lifetime, service-account keys", bound(p.MaxLifetimeServiceAccount, "none"),
		"Max lifetime, personal keys", bound(p.MaxLifetimePersonal, "none"),
		"Require expiry", yesNo(p.RequireExpiry),
		"Require network allowlist", yesNo(p.RequireNetworkAllowlist),
		"Max active keys per account", count,
		"Default rotation grace", bound(p.DefaultRotationGrace, "1d (default)"),
		"Max rotation grace", bound(p.MaxRotationGrace, "7d (default)"),
		"Disable unused keys after", bound(p.DisableUnusedAfter, "never"),
		"Access token lifetime", bound(p.TokenLifetime, "15m (default)"),
		"Expiry warnings", warnings,
		"Enforce from", enforce,
		"Updated", fmtTimePtr(p.UpdatedAt),
		"Updated by", p.UpdatedBy,
	)
}

type policySetFlags struct {
	maxSA, maxPersonal, defaultGrace, maxGrace, unused, warnings, enforceFrom string
	tokenLifetime                                                             string
	requireExpiry, requireAllowlist, reset                                    bool
	maxKeys                                                                   int
}

// durations pairs the set command's duration flags, by name, with the
// field of p each one sets.
func (o *policySetFlags) durations(p *client.KeyPolicySettings) []struct {
	name     string
	flag, to *string
} {
	return []struct {
		name     string
		flag, to *string
	}{
		{"max-lifetime-sa", &o.maxSA, &p.MaxLifetimeServiceAccount},
		{"max-lifetime-personal", &o.maxPersonal, &p.MaxLifetimePersonal},
		{"default-rotation-grace", &o.defaultGrace, &p.DefaultRotationGrace},
		{"max-rotation-grace", &o.maxGrace, &p.MaxRotationGrace},
		{"disable-unused-after", &o.unused, &p.DisableUnusedAfter},
		{"token-lifetime", &o.tokenLifetime, &p.TokenLifetime},
	}
}

var policySet = clientCmd[policySetFlags]{name: "set",
	args: "[--max-lifetime-sa DUR] [--max-lifetime-personal DUR] [--require-expiry[=false]] [--require-network-allowlist[=false]] " +
		"[--max-active-keys N] [--default-rotation-grace DUR] [--max-rotation-grace DUR] [--disable-unused-after DUR] [--token-lifetime DUR] " +
		"[--expiry-warnings DUR,DUR|default] [--enforce-from TIME|never] [--reset]",
	usage:   "[flags]",
	summary: "change the key policy (needs settings:write): the rules given change, the others stay (--reset: start from no rules)",
	flags: func(o *policySetFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.maxSA, "max-lifetime-sa", "", "longest lifetime of a new service-account key, e.g. 90d; 0 for no bound")
		fs.StringVar(&o.maxPersonal, "max-lifetime-personal", "", "longest lifetime of a new personal key, e.g. 30d; 0 for no bound")
		fs.BoolVar(&o.requireExpiry, "require-expiry", false, "refuse new keys that never expire (--require-expiry=false to stop)")
		fs.BoolVar(&o.requireAllowlist, "require-network-allowlist", false, "refuse new service-account keys without a network allowlist (=false to stop)")
		fs.IntVar(&o.maxKeys, "max-active-keys", 0, "most active keys one account may hold; 0 for no bound (rotations are never refused for it)")
		fs.StringVar(&o.defaultGrace, "default-rotation-grace", "", "how long a rotated key keeps working when the rotation names no grace; 0 for the default, 1d")
		fs.StringVar(&o.maxGrace, "max-rotation-grace", "", "longest grace a rotation may ask for; 0 for the default, 7d")
		fs.StringVar(&o.unused, "disable-unused-after", "", "disable keys unused for this long, e.g. 90d; 0 for never")
		fs.StringVar(&o.tokenLifetime, "token-lifetime", "", "how long the access tokens of the token endpoint live, at most 24h; 0 for the default, 15m")
		fs.StringVar(&o.warnings, "expiry-warnings", "", `how long before expiry keys are warned about, comma-separated (e.g. 14d,7d,1d), or "default"`)
		fs.StringVar(&o.enforceFrom, "enforce-from", "", `when keys breaking the policy start to be refused, RFC 3339 (e.g. 2027-01-01T00:00:00Z), or "never" to only report them`)
		fs.BoolVar(&o.reset, "reset", false, "start from a policy with no rules, rather than the current one")
	},
	check: func(x *cmdCall, o *policySetFlags) error {
		for _, d := range o.durations(&client.KeyPolicySettings{}) {
			if x.set(d.name) {
				if _, err := parseDuration(*d.flag); err != nil {
					return usagef("--%s: %s", d.name, signet.ErrorMessage(err))
				}
			}
		}
		if x.set("expiry-warnings") && o.warnings != "default" {
			for _, w := range eventList(o.warnings) {
				if _, err := parseDuration(w); err != nil {
					return usagef("--expiry-warnings: %s", signet.ErrorMessage(err))
				}
			}
		}
		if x.set("enforce-from") && o.enforceFrom != "never" {
			if _, err := time.Parse(time.RFC3339, o.enforceFrom); err != nil {
				return usagef(`--enforce-from must be an RFC 3339 time such as 2027-01-01T00:00:00Z, or "never"`)
			}
		}
		changed := o.reset
		x.fs.Visit(func(*flag.Flag) { changed = true })
		if !changed {
			return usagef("policy set: nothing to change: give a rule such as --max-lifetime-sa 90d, or --reset")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *policySetFlags) (*output, error) {
		var p client.KeyPolicySettings
		if !o.reset {
			cur, err := x.cl.GetKeyPolicy(ctx)
			if err != nil {
				return nil, err
			}
			p = cur.KeyPolicySettings
		}
		for _, d := range o.durations(&p) {
			if x.set(d.name) {
				*d.to = *d.flag
			}
		}
		if x.set("require-expiry") {
			p.RequireExpiry = o.requireExpiry
		}
		if x.set("require-network-allowlist") {
			p.RequireNetworkAllowlist = o.requireAllowlist
		}
		if x.set("max-active-keys") {
			p.MaxActiveKeysPerAccount = o.maxKeys
		}
		if x.set("expiry-warnings") {
			p.ExpiryWarnings = nil
			if o.warnings != "default" {
				p.ExpiryWarnings = eventList(o.warnings)
			}
		}
		if x.set("enforce-from") {
			p.EnforceFrom = nil
			if o.enforceFrom != "never" {
				t, _ := time.Parse(time.RFC3339, o.enforceFrom) // checked
				p.EnforceFrom = &t
			}
		}
		out, err := x.cl.SetKeyPolicy(ctx, p)
		return shown(out, err, func(w io.Writer) error {
			fmt.Fprintln(w, "Updated the key policy. Existing keys that break it are not revoked: 'signet policy violations' lists them.")
			return printPolicy(w, out)
		})
	}}

type policyViolationsFlags struct {
	personal bool
	page     pageFlags
}

var policyViolations = clientCmd[policyViolationsFlags]{name: "violations", aliases: []string{"non-compliant"},
	args: "[--personal] [--limit N] [--cursor C] [--all]", usage: "[flags]",
	summary: "list the service-account keys (or with --personal, the personal keys) that break the key policy, and why",
	flags: func(o *policyViolationsFlags, fs *flag.FlagSet) {
		fs.BoolVar(&o.personal, "personal", false, "list personal keys rather than service-account keys (needs api_keys:read)")
		o.page.define(fs)
	},
	run: func(ctx context.Context, x *cmdCall, o *policyViolationsFlags) (*output, error) {
		opts := client.ListAPIKeysOptions{NonCompliant: true, Kind: client.KeyKindServiceAccount}
		if o.personal {
			opts.Kind = client.KeyKindPersonal
		}
		l, err := collect(ctx, o.page, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.APIKey], error) {
			opts.ListOptions = lo
			return x.cl.ListAPIKeys(ctx, opts)
		})
		if err != nil {
			return nil, err
		}
		return tableOf(l, []string{"ID", "NAME", "OWNER", "STATUS", "EXPIRES", "BREAKS"}, func(k client.APIKey) []string {
			rules := make([]string, len(k.Violations))
			for i, v := range k.Violations {
				rules[i] = v.Rule
			}
			return []string{k.ID, k.Name, k.OwnerID, k.Status, fmtTimePtr(k.ExpiresAt), strings.Join(rules, ", ")}
		}), nil
	}}
