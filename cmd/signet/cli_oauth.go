package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

// Short-lived tokens, their administration: the audiences tokens are
// issued for, the client keys of service accounts (private_key_jwt) and
// Signet's signing keys.

func init() {
	registerGroup("audiences", []string{"aud"}, "manage OAuth audiences: the resources short-lived access tokens are issued for (alias: aud)",
		audCreate, audList, audGet, audUpdate, audDelete)
	registerGroup("signing-keys", nil, "list and rotate Signet's token signing keys (public parts only)",
		sigList, sigRotate)
}

// AUDIENCE arguments are an audience id (aud_…) or its exact identifier.

// audienceArg resolves an audience id or identifier into its id.
func audienceArg(x *cmdCall, ref string) (string, error) {
	if strings.HasPrefix(ref, "aud_") {
		return ref, nil
	}
	list := func(ctx context.Context, cursor string) (*client.Page[client.Audience], error) {
		return x.cl.ListAudiences(ctx, client.ListOptions{Limit: 200, Cursor: cursor})
	}
	for a, err := range client.All(x.r.ctx, list) {
		if err != nil {
			return "", err
		}
		if a.Identifier == ref {
			return a.ID, nil
		}
	}
	return "", &client.Error{Status: 404, Code: client.CodeNotFound, Message: fmt.Sprintf("no audience with identifier %q", ref)}
}

// lifetimeLabel is a token lifetime for people: "0" is the key policy's.
func lifetimeLabel(d string) string {
	if d == "0" || d == "" {
		return "the key policy's"
	}
	return d
}

func audienceSaid(a *client.Audience, err error, verb string) (*output, error) {
	if err != nil {
		return nil, err
	}
	return say(a, "%s audience %s (%s).\n", verb, a.ID, a.Identifier), nil
}

type audFlags struct {
	desc, sa, lifetime string
}

func (o *audFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&o.desc, "description", "", "description")
	fs.StringVar(&o.sa, "service-account", "", "the service account the resource runs as (id or name): it may exchange the tokens it receives for narrower ones")
	fs.StringVar(&o.lifetime, "token-lifetime", "", "bound the lifetime of its tokens below the key policy's, e.g. 5m; 0 for the key policy's")
}

var audCreate = clientCmd[audFlags]{name: "create",
	args:    "IDENTIFIER [--description D] [--service-account SA] [--token-lifetime DUR]",
	usage:   "IDENTIFIER [flags]",
	summary: "register an audience, by the aud value its tokens carry, e.g. https://billing.internal (needs settings:write)", min: 1, max: 1,
	flags: (*audFlags).define,
	check: func(x *cmdCall, o *audFlags) error {
		if x.set("token-lifetime") {
			if _, err := parseDuration(o.lifetime); err != nil {
				return usagef("--token-lifetime: %s", signet.ErrorMessage(err))
			}
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *audFlags) (*output, error) {
		req := client.CreateAudienceRequest{Identifier: x.args[0], Description: o.desc, TokenLifetime: o.lifetime}
		if o.sa != "" {
			id, err := x.r.serviceAccount(o.sa)
			if err != nil {
				return nil, err
			}
			req.ServiceAccountID = id
		}
		a, err := x.cl.CreateAudience(ctx, req)
		return audienceSaid(a, err, "Created")
	}}

var audList = clientCmd[pageFlags]{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", usage: "[flags]",
	summary: "list audiences (needs settings:read)", flags: (*pageFlags).define,
	run: func(ctx context.Context, x *cmdCall, p *pageFlags) (*output, error) {
		return listed(ctx, *p, x.cl.ListAudiences, []string{"ID", "IDENTIFIER", "SERVICE ACCOUNT", "TOKEN LIFETIME", "CREATED"},
			func(a client.Audience) []string {
				return []string{a.ID, a.Identifier, a.ServiceAccountID, lifetimeLabel(a.TokenLifetime), fmtTime(a.CreatedAt)}
			})
	}}

var audGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "AUDIENCE", summary: "show an audience",
	min: 1, max: 1, first: audienceArg,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		a, err := x.cl.GetAudience(ctx, x.id)
		return shown(a, err, func(w io.Writer) error {
			return fields(w,
				"ID", a.ID,
				"Identifier", a.Identifier,
				"Description", a.Description,
				"Service account", a.ServiceAccountID,
				"Token lifetime", lifetimeLabel(a.TokenLifetime),
				"Created", fmtTime(a.CreatedAt),
				"Created by", a.CreatedBy,
				"Updated", fmtTime(a.UpdatedAt),
			)
		})
	}}

type audUpdateFlags struct {
	audFlags
	identifier string
	noSA       bool
}

var audUpdate = clientCmd[audUpdateFlags]{name: "update",
	args:    "AUDIENCE [--identifier ID] [--description D] [--service-account SA | --no-service-account] [--token-lifetime DUR]",
	usage:   "AUDIENCE [flags]",
	summary: "change an audience (tokens already issued keep their identifier)", min: 1, max: 1, first: audienceArg,
	flags: func(o *audUpdateFlags, fs *flag.FlagSet) {
		o.audFlags.define(fs)
		fs.StringVar(&o.identifier, "identifier", "", "new identifier (the aud value of new tokens)")
		fs.BoolVar(&o.noSA, "no-service-account", false, "the resource runs as no service account")
	},
	check: func(x *cmdCall, o *audUpdateFlags) error {
		if o.noSA && x.set("service-account") {
			return usagef("audiences update: --service-account and --no-service-account cannot be combined")
		}
		if x.set("token-lifetime") {
			if _, err := parseDuration(o.lifetime); err != nil {
				return usagef("--token-lifetime: %s", signet.ErrorMessage(err))
			}
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *audUpdateFlags) (*output, error) {
		var up client.AudienceUpdate
		if x.set("identifier") {
			up.Identifier = &o.identifier
		}
		if x.set("description") {
			up.Description = &o.desc
		}
		if o.noSA {
			up.ServiceAccountID = client.String("")
		} else if x.set("service-account") {
			id, err := x.r.serviceAccount(o.sa)
			if err != nil {
				return nil, err
			}
			up.ServiceAccountID = &id
		}
		if x.set("token-lifetime") {
			up.TokenLifetime = &o.lifetime
		}
		if up == (client.AudienceUpdate{}) {
			return nil, usagef("audiences update: nothing to change: give --identifier, --description, --service-account, --no-service-account or --token-lifetime")
		}
		a, err := x.cl.UpdateAudience(ctx, x.id, up)
		return audienceSaid(a, err, "Updated")
	}}

var audDelete = deleteCmd("AUDIENCE [--yes]", "delete an audience: no token is issued for it any more", audienceArg,
	"Delete audience %s? No token will be issued for it any more.", (*client.Client).DeleteAudience, "Deleted audience %s.")

// signingKeysOutput is a list of signing keys: with --json the server's
// {"data":[…]}, else a table.
func signingKeysOutput(keys []client.SigningKey) *output {
	return show(keys, func(w io.Writer) error {
		t := newTable(w, "ID", "ALGORITHM", "STATUS", "CREATED", "PUBLISHED UNTIL")
		for _, k := range keys {
			status := "signing"
			if k.RetiredAt != nil {
				status = "retired " + fmtTime(*k.RetiredAt)
			}
			t.row(k.ID, k.Algorithm, status, fmtTime(k.CreatedAt), fmtTimePtr(k.ExpiresAt))
		}
		return t.flush()
	})
}

var sigList = clientCmd[noFlags]{name: "list", aliases: []string{"ls"}, args: "",
	summary: "list the published token signing keys, oldest first (needs settings:read)", max: 0,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		keys, err := x.cl.ListSigningKeys(ctx)
		if err != nil {
			return nil, err
		}
		return signingKeysOutput(keys), nil
	}}

var sigRotate = clientCmd[yesFlag]{name: "rotate", args: "[--yes]",
	summary: "replace the signing key now, e.g. when it may have leaked (needs settings:write); the old key stays published until its tokens expire", max: 0,
	flags: (*yesFlag).define,
	run: func(ctx context.Context, x *cmdCall, o *yesFlag) (*output, error) {
		if !o.yes {
			if err := confirmOrStop(x.e, "Replace the token signing key now?"); err != nil {
				return nil, err
			}
		}
		keys, err := x.cl.RotateSigningKeys(ctx)
		if err != nil {
			return nil, err
		}
		out := signingKeysOutput(keys)
		text := out.text
		out.text = func(w io.Writer) error {
			if len(keys) > 0 {
				fmt.Fprintf(w, "Rotated: %s signs from now on.\n", keys[len(keys)-1].ID)
			}
			return text(w)
		}
		return out, nil
	}}

// Client keys, under service-accounts: "signet sa client-keys add SA".

// subGroup is a verb made of verbs, e.g. "service-accounts client-keys".
type subGroup struct {
	name, args, summary string
	subs                []verb
}

func (g subGroup) help() (string, []string, string, string) { return g.name, nil, g.args, g.summary }

func (g subGroup) exec(ctx context.Context, e *env, name string, args []string) error {
	return group{name: name, summary: g.summary, subs: g.subs}.dispatch(ctx, e, args)
}

var saClientKeys = subGroup{name: "client-keys", args: "add|list|delete SA ...",
	summary: "manage a service account's client keys: public keys it signs token requests with (private_key_jwt)",
	subs:    []verb{ckAdd, ckList, ckDelete}}

type ckAddFlags struct {
	name, file string
}

var ckAdd = clientCmd[ckAddFlags]{name: "add", aliases: []string{"create"},
	args:    "SA --name NAME --public-key-file FILE",
	usage:   "SA --name NAME --public-key-file FILE",
	summary: "register a public key (PEM or JWK; Ed25519, P-256 or RSA of 2048 bits or more) on a service account (needs service_accounts:write)",
	min:     1, max: 1, first: saArg,
	flags: func(o *ckAddFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.name, "name", "", "where the private key lives, e.g. ci-signer (required)")
		fs.StringVar(&o.file, "public-key-file", "", `the public key's file, PEM (-----BEGIN PUBLIC KEY-----) or JWK; "-" for standard input (required)`)
	},
	check: func(x *cmdCall, o *ckAddFlags) error {
		if o.name == "" || o.file == "" {
			return usagef("service-accounts client-keys add: --name and --public-key-file are required")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *ckAddFlags) (*output, error) {
		var pub []byte
		var err error
		if o.file == "-" {
			pub, err = io.ReadAll(io.LimitReader(x.e.stdin, 64<<10))
		} else {
			pub, err = os.ReadFile(o.file)
		}
		if err != nil {
			return nil, usagef("--public-key-file: %v", err)
		}
		k, err := x.cl.CreateClientKey(ctx, x.id, client.CreateClientKeyRequest{Name: o.name, PublicKey: string(pub)})
		if err != nil {
			return nil, err
		}
		return say(k, "Added client key %s (%s, %s) to %s; sign assertions with kid %s.\nThumbprint: %s\n",
			k.ID, k.Name, k.Algorithm, k.ServiceAccountID, k.ID, k.Thumbprint), nil
	}}

var ckList = clientCmd[noFlags]{name: "list", aliases: []string{"ls"}, args: "SA",
	summary: "list a service account's client keys", min: 1, max: 1, first: saArg,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		keys, err := x.cl.ListClientKeys(ctx, x.id)
		return shown(keys, err, func(w io.Writer) error {
			t := newTable(w, "ID", "NAME", "ALGORITHM", "THUMBPRINT", "CREATED")
			for _, k := range keys {
				t.row(k.ID, k.Name, k.Algorithm, k.Thumbprint, fmtTime(k.CreatedAt))
			}
			return t.flush()
		})
	}}

var ckDelete = clientCmd[yesFlag]{name: "delete", aliases: []string{"rm"}, args: "SA KEY [--yes]",
	summary: "remove a client key from a service account: assertions signed with it are refused", min: 2, max: 2, first: saArg,
	flags: (*yesFlag).define,
	run: func(ctx context.Context, x *cmdCall, o *yesFlag) (*output, error) {
		if !o.yes {
			if err := confirmOrStop(x.e, fmt.Sprintf("Remove client key %s from %s?", x.args[1], x.args[0])); err != nil {
				return nil, err
			}
		}
		if err := x.cl.DeleteClientKey(ctx, x.id, x.args[1]); err != nil {
			return nil, err
		}
		return say(map[string]any{"id": x.args[1], "deleted": true}, "Removed client key %s from %s.\n", x.args[1], x.args[0]), nil
	}}
