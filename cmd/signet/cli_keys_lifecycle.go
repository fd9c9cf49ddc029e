package main

import (
	"context"
	"flag"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

type keysDisableFlags struct{ reason string }

var keysDisable = clientCmd[keysDisableFlags]{name: "disable", args: "KEY_ID [--reason R]",
	summary: "disable an API key until it is enabled again (requests with it are refused: key_disabled)",
	min:     1, max: 1,
	flags: func(o *keysDisableFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.reason, "reason", "", "why the key is disabled (kept with the key and in the audit log)")
	},
	run: func(ctx context.Context, x *cmdCall, o *keysDisableFlags) (*output, error) {
		k, err := x.cl.DisableAPIKey(ctx, x.id, o.reason)
		if err != nil {
			return nil, err
		}
		return say(k, "Disabled API key %q (%s) at %s; enable it with: signet keys enable %s\n", k.Name, k.ID, fmtTimePtr(k.DisabledAt), k.ID), nil
	}}

var keysEnable = clientCmd[noFlags]{name: "enable", args: "KEY_ID",
	summary: "enable a disabled API key (this counts as a use of the key)",
	min:     1, max: 1,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		k, err := x.cl.EnableAPIKey(ctx, x.id)
		if err != nil {
			return nil, err
		}
		return say(k, "Enabled API key %q (%s).\n", k.Name, k.ID), nil
	}}

// disabledBy says who disabled a key: a user id, or Signet itself.
func disabledBy(k *client.APIKey) string {
	switch {
	case k.DisabledAt == nil:
		return ""
	case k.DisabledBy == "":
		return "signet (key policy)"
	}
	return k.DisabledBy
}

// checkPositiveDuration checks a duration flag, when given, is longer than
// zero.
func checkPositiveDuration(flag, v string) error {
	if v == "" {
		return nil
	}
	d, err := signet.ParseDuration(v)
	if err != nil {
		return usagef("%s: %s", flag, signet.ErrorMessage(err))
	}
	if d <= 0 {
		return usagef("%s must be longer than zero, such as 7d", flag)
	}
	return nil
}
