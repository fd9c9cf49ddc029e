package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

func init() {
	register(checkCmd.command())
}

// errDenied makes "signet check" exit non-zero on a denial, after printing it.
var errDenied = errors.New("denied")

type checkFlags struct{ ws, key string }

var checkCmd = clientCmd[checkFlags]{name: "check", args: "KEY|- PERMISSION [--workspace W] [--json]",
	summary: "ask Signet whether a key holds a permission (the check API; needs signet:check)", min: 2, max: 2,
	flags: func(o *checkFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.ws, "workspace", "", "workspace id or name (default: the default workspace)")
	},
	check: func(x *cmdCall, o *checkFlags) error {
		o.key = x.args[0]
		if o.key == "-" { // from stdin, so the key stays out of the shell's history
			line, err := bufio.NewReader(x.e.stdin).ReadString('\n')
			if err != nil && line == "" {
				return usagef("check: no key on standard input")
			}
			o.key = strings.TrimSpace(line)
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *checkFlags) (*output, error) {
		wsID := o.ws
		if wsID != "" {
			var err error
			if wsID, err = x.r.workspace(wsID); err != nil {
				return nil, err
			}
		}
		perm := x.args[1]
		res, err := x.cl.Check(ctx, o.key, perm, wsID)
		if err != nil {
			return nil, err
		}
		out := show(res, func(w io.Writer) error {
			if res.Allowed {
				fmt.Fprintf(w, "allowed: %s %s (%s), key %s, %s in workspace %s\n",
					kindLabel(res.Principal.Kind), res.Principal.Name, res.Principal.ID, res.KeyID, perm, res.Workspace)
				return nil
			}
			who := ""
			if res.Principal != nil {
				who = fmt.Sprintf(" %s %s (%s), key %s:", kindLabel(res.Principal.Kind), res.Principal.Name, res.Principal.ID, res.KeyID)
			}
			fmt.Fprintf(w, "denied:%s %s (%s in workspace %s)\n", who, res.Reason, perm, res.Workspace)
			return nil
		})
		if !res.Allowed {
			return out, errDenied
		}
		return out, nil
	}}
