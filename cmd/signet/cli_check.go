package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
)

func init() {
	register(command{name: "check", summary: "ask Signet whether a key holds a permission (the check API; needs signet:check)", run: cmdCheck})
}

// errDenied makes "signet check" exit non-zero on a denial, after printing it.
var errDenied = errors.New("denied")

func cmdCheck(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "check")
	ws := c.fs.String("workspace", "", "workspace id or name (default: the default workspace)")
	const synopsis = "KEY|- PERMISSION [--workspace W] [--json]"
	if err := c.parse(args, 2, 2, synopsis); err != nil {
		return err
	}
	key := c.args[0]
	if key == "-" { // from stdin, so the key stays out of the shell's history
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return usagef("check: no key on standard input")
		}
		key = strings.TrimSpace(line)
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	wsID := *ws
	if wsID != "" && !strings.HasPrefix(wsID, "ws_") {
		if wsID, err = newResolver(ctx, cl).workspace(wsID); err != nil {
			return err
		}
	}
	res, err := cl.Check(ctx, key, c.args[1], wsID)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		if err := c.printJSON(res); err != nil {
			return err
		}
	} else if res.Allowed {
		fmt.Fprintf(e.stdout, "allowed: %s %s (%s), key %s, %s in workspace %s\n",
			kindLabel(res.Principal.Kind), res.Principal.Name, res.Principal.ID, res.KeyID, c.args[1], res.Workspace)
	} else {
		who := ""
		if res.Principal != nil {
			who = fmt.Sprintf(" %s %s (%s), key %s:", kindLabel(res.Principal.Kind), res.Principal.Name, res.Principal.ID, res.KeyID)
		}
		fmt.Fprintf(e.stdout, "denied:%s %s (%s in workspace %s)\n", who, res.Reason, c.args[1], res.Workspace)
	}
	if !res.Allowed {
		return errDenied
	}
	return nil
}
