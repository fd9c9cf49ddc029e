package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/signetdev/signet/client"
)

func init() {
	register(tokenCmd.command())
}

type tokenFlags struct {
	audience string
	scope    string
}

// tokenCmd prints a short-lived access token for the service account the
// CLI is signed in as, so that a script can hand it to a service:
//
//	curl -H "Authorization: Bearer $(signet token --audience https://billing.internal --scope billing:read)" …
var tokenCmd = clientCmd[tokenFlags]{name: "token", args: "--audience A --scope 'P [P…]' [--json]",
	summary: "print a short-lived access token (OAuth 2.0) for the signed-in service account", min: 0, max: 0,
	flags: func(o *tokenFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.audience, "audience", "", "identifier of the registered audience the token is for (required)")
		fs.StringVar(&o.scope, "scope", "", "space-separated permissions, e.g. 'billing:read billing:write@Marketing' (required)")
	},
	check: func(x *cmdCall, o *tokenFlags) error {
		if o.audience == "" || strings.TrimSpace(o.scope) == "" {
			return usagef("token: --audience and --scope are required")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *tokenFlags) (*output, error) {
		me, err := x.cl.Me(ctx)
		if err != nil {
			return nil, err
		}
		if me.User.Kind != "service_account" {
			return nil, fmt.Errorf("token: the CLI is signed in as %s, a person; tokens are for service accounts: run it with a service account's key (SIGNET_API_KEY)", me.User.Name)
		}
		resp, err := x.cl.Token(ctx, client.TokenRequest{ClientID: me.User.ID, Audience: o.audience, Scope: strings.Fields(o.scope)})
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(resp)
		if err != nil {
			return nil, err
		}
		out := show(resp, func(w io.Writer) error {
			_, err := fmt.Fprintln(w, resp.AccessToken)
			return err
		})
		out.raw = raw
		out.note = fmt.Sprintf("expires in %ds; scope: %s", resp.ExpiresIn, resp.Scope)
		return out, nil
	},
}
