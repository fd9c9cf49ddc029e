package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
)

// Single sign-on, its administration: the OpenID Connect identity
// providers people sign in with, and the password sign-in switch. A
// provider's client secret is write-only: it is read from a file or
// standard input, never from the command line, and never printed.

func init() {
	registerGroup("sso", nil, "configure single sign-on: the OpenID Connect identity providers people sign in with, and password sign-in",
		ssoProviders, ssoPasswordLogin)
}

var ssoProviders = subGroup{name: "providers", args: "create|list|get|update|delete ...",
	summary: "manage the OpenID Connect identity providers people sign in with (needs settings:read, settings:write to change)",
	subs:    []verb{idpCreate, idpList, idpGet, idpUpdate, idpDelete}}

// PROVIDER arguments are a provider id (idp_…) or its name, ignoring case.

// providerArg resolves a provider id or name into its id. Signet keeps
// provider names unique regardless of case; should two match all the
// same, the name is refused, not guessed.
func providerArg(x *cmdCall, ref string) (string, error) {
	if strings.HasPrefix(ref, id.OIDCProvider) {
		return ref, nil
	}
	list, err := x.cl.ListOIDCProviders(x.r.ctx)
	if err != nil {
		return "", wrapErr(err)
	}
	var found []string
	for _, p := range list {
		if strings.EqualFold(p.Name, ref) {
			found = append(found, p.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no identity provider named %q (see 'signet sso providers list')", ref)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d identity providers are named %q: name one by id (%s)", len(found), ref, strings.Join(found, ", "))
}

// redirectURI is Signet's redirect URI to register at the provider: the
// one the server gives (from its --public-url), else the server URL this
// command uses and the path the API gives (the UI's /login/sso/callback).
func redirectURI(x *cmdCall, p *client.OIDCProvider) string {
	if p.RedirectURI != "" {
		return p.RedirectURI
	}
	path := p.RedirectPath
	if path == "" {
		path = "/login/sso/callback"
	}
	t, err := x.resolveTarget()
	if err != nil {
		return path
	}
	return t.url + path
}

// providerStatus says whether people may sign in with a provider.
func providerStatus(p client.OIDCProvider) string {
	if p.Enabled {
		return "enabled"
	}
	return "disabled"
}

// providerSaid is what a command that wrote p prints, unless err.
func providerSaid(p *client.OIDCProvider, err error, verb string) (*output, error) {
	if err != nil {
		return nil, err
	}
	return say(p, "%s identity provider %s (%s), %s.\n", verb, p.Name, p.ID, providerStatus(*p)), nil
}

// splitList reads a list flag: values separated by commas or spaces.
// Never nil: an empty list, sent as an update, clears the list ("[]"),
// where null would leave it alone.
func splitList(v string) []string {
	return append([]string{}, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })...)
}

// refusedFlag is a flag that must not be used: a secret given on the
// command line stays in the shell's history and shows in ps. Its value is
// read and dropped, never repeated; check refuses the command.
type refusedFlag struct{ given bool }

func (f *refusedFlag) String() string { return "" }
func (f *refusedFlag) Set(string) error {
	f.given = true
	return nil
}

// maxSecretFile bounds what is read of a secret's file.
const maxSecretFile = 64 << 10

// readSecretFile reads a secret from the file named by the flag, or with
// "-" from standard input (asked for without echo on a terminal): one
// line, trimmed. Errors never repeat the file's name, which could be the
// secret given by mistake, nor what the file holds.
func readSecretFile(e *env, flagName, path, prompt string) (string, error) {
	var b []byte
	var err error
	switch {
	case path == "":
		return "", usagef("%s: give the file that holds the secret, or - for standard input", flagName)
	case path == "-" && e.readPassword != nil:
		var s string
		if s, err = e.readPassword(prompt); err != nil {
			return "", err
		}
		b = []byte(s)
	case path == "-":
		if b, err = io.ReadAll(io.LimitReader(e.stdin, maxSecretFile)); err != nil {
			return "", fmt.Errorf("%s: reading standard input: %w", flagName, err)
		}
	default:
		var f *os.File
		if f, err = os.Open(path); err == nil {
			b, err = io.ReadAll(io.LimitReader(f, maxSecretFile))
			f.Close()
		}
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", usagef("%s: cannot read the file (its name is not repeated, in case it is the secret): %v", flagName, err)
		}
	}
	s := strings.TrimSpace(string(b))
	switch {
	case s == "":
		return "", usagef("%s: no secret: it is empty", flagName)
	case strings.ContainsAny(s, "\r\n"):
		return "", usagef("%s: it holds more than one line: want the secret alone", flagName)
	}
	return s, nil
}

// groupMap is a --map value, its group not resolved yet.
type groupMap struct{ value, group string }

// idpFlags are the flags of providers create and update.
type idpFlags struct {
	name, issuer, clientID, secretFile string
	scopes, domains, claim             string
	jit                                bool
	maps                               stringList
	secretFlag                         refusedFlag

	// Read by check.
	secret string
	parsed []groupMap
}

// define defines the flags; create says which command: create's help
// gives the required flags and the defaults, update's how to clear.
func (o *idpFlags) define(fs *flag.FlagSet, create bool) {
	required, scopes, domains, jit, maps := "", " (empty: openid only)", " (empty: any)", " (--jit=false to stop)", "; replaces every mapping"
	if create {
		required, scopes, domains, jit, maps = " (required)", " (default: email, profile)", " (default: any)", " (default: only existing users sign in, matched by verified email)", ""
	}
	fs.StringVar(&o.name, "name", "", `the name people see on the login page, "Sign in with NAME"`+required)
	fs.StringVar(&o.issuer, "issuer", "", "the provider's issuer URL, e.g. https://corp.okta.com (https; http for localhost only)"+required)
	fs.StringVar(&o.clientID, "client-id", "", "the client id the provider issued for Signet"+required)
	fs.StringVar(&o.secretFile, "client-secret-file", "", `file holding the client secret the provider issued for Signet, alone on its line; "-" reads it from standard input (asked for without echo on a terminal)`+required)
	fs.Var(&o.secretFlag, "client-secret", "refused: a `SECRET` on the command line stays in the shell history and shows in ps; use --client-secret-file")
	fs.StringVar(&o.scopes, "scopes", "", "scopes to ask for besides openid, comma-separated"+scopes)
	fs.StringVar(&o.domains, "allowed-domains", "", "the only email domains that may sign in, comma-separated, e.g. example.com"+domains)
	fs.BoolVar(&o.jit, "jit", false, "create a user at the first sign-in of someone unknown"+jit)
	fs.StringVar(&o.claim, "groups-claim", "", "the ID token claim that lists the user's groups at the provider, e.g. groups (needed by --map)")
	fs.Var(&o.maps, "map", "`VALUE=GROUP`: everyone whose groups claim holds VALUE is made a member of GROUP (id or name) at sign-in, and removed when it no longer does; "+
		"the last = separates them, so VALUE may hold = (an LDAP DN); repeatable"+maps)
}

// check checks the flags both commands share and reads the secret, before
// any request; verb is "create" or "update", for messages.
func (o *idpFlags) check(x *cmdCall, verb string) error {
	if err := o.refuseSecretFlag(verb); err != nil {
		return err
	}
	if x.set("issuer") {
		if _, err := signet.ValidateIssuer(o.issuer); err != nil {
			return usagef("--issuer: %s", signet.ErrorMessage(err))
		}
	}
	if x.set("allowed-domains") {
		if _, err := signet.NormaliseDomains(splitList(o.domains)); err != nil {
			return usagef("--allowed-domains: %s", signet.ErrorMessage(err))
		}
	}
	for _, m := range o.maps {
		i := strings.LastIndexByte(m, '=')
		if i <= 0 || strings.TrimSpace(m[:i]) == "" || strings.TrimSpace(m[i+1:]) == "" {
			return usagef("--map %q: want VALUE=GROUP, a value of the groups claim and a Signet group (id or name), e.g. --map platform-eng=Platform", m)
		}
		o.parsed = append(o.parsed, groupMap{value: strings.TrimSpace(m[:i]), group: strings.TrimSpace(m[i+1:])})
	}
	if x.set("client-secret-file") {
		var err error
		if o.secret, err = readSecretFile(x.e, "--client-secret-file", o.secretFile, "Client secret: "); err != nil {
			return err
		}
	}
	return nil
}

// refuseSecretFlag refuses --client-secret, before anything else is
// checked; its value is not repeated.
func (o *idpFlags) refuseSecretFlag(verb string) error {
	if !o.secretFlag.given {
		return nil
	}
	return usagef("--client-secret: the client secret is not taken on the command line (it would stay in the shell history and show in ps): "+
		"put it in a file and give --client-secret-file FILE, or pipe it in with --client-secret-file - (see 'signet sso providers %s -h')", verb)
}

// mappings resolves the groups of the --map values.
func (o *idpFlags) mappings(x *cmdCall) ([]client.GroupMapping, error) {
	out := []client.GroupMapping{}
	for _, m := range o.parsed {
		gid, err := x.r.group(m.group)
		if err != nil {
			return nil, fmt.Errorf("--map %q: %w", m.value+"="+m.group, err)
		}
		out = append(out, client.GroupMapping{Value: m.value, GroupID: gid})
	}
	return out, nil
}

type idpCreateFlags struct {
	idpFlags
	disabled bool
}

var idpCreate = clientCmd[idpCreateFlags]{name: "create",
	args: "--name NAME --issuer URL --client-id ID --client-secret-file FILE|- [--scopes S] [--allowed-domains D] [--jit] " +
		"[--groups-claim CLAIM] [--map VALUE=GROUP]... [--disabled]",
	usage: "--name NAME --issuer URL --client-id ID --client-secret-file FILE|- [flags]",
	summary: "add an identity provider (needs settings:write) and print the redirect URI to register at it, " +
		"<server URL>/login/sso/callback (the server's --public-url, if people reach it at another URL than this command)",
	flags: func(o *idpCreateFlags, fs *flag.FlagSet) {
		o.idpFlags.define(fs, true)
		fs.BoolVar(&o.disabled, "disabled", false, "add it disabled: the login page does not offer it until it is enabled")
	},
	check: func(x *cmdCall, o *idpCreateFlags) error {
		if err := o.refuseSecretFlag("create"); err != nil {
			return err
		}
		if o.name == "" || o.issuer == "" || o.clientID == "" || !x.set("client-secret-file") {
			return usagef("sso providers create: --name, --issuer, --client-id and --client-secret-file are required")
		}
		if len(o.maps) > 0 && strings.TrimSpace(o.claim) == "" {
			return usagef("sso providers create: --map needs --groups-claim: the ID token claim that lists the user's groups, e.g. groups")
		}
		return o.idpFlags.check(x, "create")
	},
	run: func(ctx context.Context, x *cmdCall, o *idpCreateFlags) (*output, error) {
		req := client.CreateOIDCProviderRequest{Name: o.name, Issuer: o.issuer, ClientID: o.clientID, ClientSecret: o.secret,
			JITCreate: o.jit, GroupsClaim: o.claim}
		if x.set("scopes") {
			req.Scopes = splitList(o.scopes)
		}
		if x.set("allowed-domains") {
			req.AllowedDomains = splitList(o.domains)
		}
		var err error
		if req.GroupMappings, err = o.mappings(x); err != nil {
			return nil, err
		}
		if o.disabled {
			req.Enabled = client.Bool(false)
		}
		p, err := x.cl.CreateOIDCProvider(ctx, req)
		out, err := providerSaid(p, err, "Added")
		if err != nil {
			return nil, err
		}
		line := fmt.Sprintf("Register this redirect URI at the provider: %s\n", redirectURI(x, p))
		if *x.json {
			out.note = line
		} else {
			text := out.text
			out.text = func(w io.Writer) error {
				if err := text(w); err != nil {
					return err
				}
				_, err := io.WriteString(w, line)
				return err
			}
		}
		return out, nil
	}}

var idpList = clientCmd[noFlags]{name: "list", aliases: []string{"ls"}, args: "",
	summary: "list the identity providers (needs settings:read)", max: 0,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		list, err := x.cl.ListOIDCProviders(ctx)
		return shown(list, err, func(w io.Writer) error {
			t := newTable(w, "ID", "NAME", "ISSUER", "ENABLED", "JIT", "MAPPINGS")
			for _, p := range list {
				t.row(p.ID, p.Name, p.Issuer, yesNo(p.Enabled), yesNo(p.JITCreate), strconv.Itoa(len(p.GroupMappings)))
			}
			return t.flush()
		})
	}}

var idpGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "PROVIDER",
	summary: "show an identity provider, its group mappings and the redirect URI to register at it (never its client secret)",
	min:     1, max: 1, first: providerArg,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		p, err := x.cl.GetOIDCProvider(ctx, x.id)
		return shown(p, err, func(w io.Writer) error {
			domains := fmtList(p.AllowedDomains)
			if domains == "" {
				domains = "any"
			}
			if err := fields(w,
				"ID", p.ID,
				"Name", p.Name,
				"Issuer", p.Issuer,
				"Client ID", p.ClientID,
				"Client secret", "set (write-only: never shown)",
				"Scopes", fmtList(append([]string{"openid"}, p.Scopes...)),
				"Allowed domains", domains,
				"Create users (JIT)", yesNo(p.JITCreate),
				"Groups claim", p.GroupsClaim,
				"Status", providerStatus(*p),
				"Redirect URI", redirectURI(x, p),
				"Created", fmtTime(p.CreatedAt),
				"Created by", p.CreatedBy,
				"Updated", fmtTime(p.UpdatedAt),
			); err != nil {
				return err
			}
			groups := x.r.groups.names()
			lines := make([]string, len(p.GroupMappings))
			for i, m := range p.GroupMappings {
				lines[i] = fmt.Sprintf("%s -> %s (%s)", oneLine(m.Value), groups.of(m.GroupID), m.GroupID)
			}
			fmt.Fprintf(w, "\nGroup mappings:\n")
			printIndented(w, lines)
			return nil
		})
	}}

type idpUpdateFlags struct {
	idpFlags
	noMaps, enable, disable bool
}

var idpUpdate = clientCmd[idpUpdateFlags]{name: "update",
	args: "PROVIDER [--name NAME] [--issuer URL] [--client-id ID] [--client-secret-file FILE|-] [--scopes S] [--allowed-domains D] [--jit[=false]] " +
		"[--groups-claim CLAIM] [--map VALUE=GROUP... | --no-maps] [--enable | --disable]",
	usage:   "PROVIDER [flags]",
	summary: "change an identity provider: only the flags given change; --map replaces every mapping, --client-secret-file the secret",
	min:     1, max: 1, first: providerArg,
	flags: func(o *idpUpdateFlags, fs *flag.FlagSet) {
		o.idpFlags.define(fs, false)
		fs.BoolVar(&o.noMaps, "no-maps", false, "remove every group mapping")
		fs.BoolVar(&o.enable, "enable", false, "enable it: the login page offers it")
		fs.BoolVar(&o.disable, "disable", false, "disable it: nobody signs in with it")
	},
	check: func(x *cmdCall, o *idpUpdateFlags) error {
		switch {
		case o.noMaps && len(o.maps) > 0:
			return usagef("sso providers update: --map and --no-maps cannot be combined")
		case o.enable && o.disable:
			return usagef("sso providers update: --enable and --disable cannot be combined")
		}
		return o.idpFlags.check(x, "update")
	},
	run: func(ctx context.Context, x *cmdCall, o *idpUpdateFlags) (*output, error) {
		var up client.OIDCProviderUpdate
		for _, f := range []struct {
			flag string
			dst  **string
			v    *string
		}{{"name", &up.Name, &o.name}, {"issuer", &up.Issuer, &o.issuer}, {"client-id", &up.ClientID, &o.clientID}, {"groups-claim", &up.GroupsClaim, &o.claim}} {
			if x.set(f.flag) {
				*f.dst = f.v
			}
		}
		if x.set("client-secret-file") {
			up.ClientSecret = &o.secret
		}
		if x.set("scopes") {
			s := splitList(o.scopes)
			up.Scopes = &s
		}
		if x.set("allowed-domains") {
			d := splitList(o.domains)
			up.AllowedDomains = &d
		}
		if x.set("jit") {
			up.JITCreate = &o.jit
		}
		if o.noMaps || len(o.maps) > 0 {
			m, err := o.mappings(x)
			if err != nil {
				return nil, err
			}
			up.GroupMappings = &m
		}
		if o.enable || o.disable {
			up.Enabled = client.Bool(o.enable)
		}
		if up == (client.OIDCProviderUpdate{}) {
			return nil, usagef("sso providers update: nothing to change: give --name, --issuer, --client-id, --client-secret-file, --scopes, --allowed-domains, " +
				"--jit, --groups-claim, --map, --no-maps, --enable or --disable")
		}
		p, err := x.cl.UpdateOIDCProvider(ctx, x.id, up)
		return providerSaid(p, err, "Updated")
	}}

var idpDelete = deleteCmd("PROVIDER [--yes]", "delete an identity provider: nobody signs in with it any more; its users stay, unlinked from it", providerArg,
	"Delete identity provider %s? Nobody will sign in with it any more; its users stay.", (*client.Client).DeleteOIDCProvider, "Deleted identity provider %s.")

// The password sign-in switch.

type pwLoginFlags struct{ breakGlass string }

var ssoPasswordLogin = clientCmd[pwLoginFlags]{name: "password-login",
	args:    "[on | off --break-glass USER]",
	summary: "show password sign-in; turn it on, or off for everyone but a break-glass administrator (an Admin only)",
	max:     1,
	flags: func(o *pwLoginFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.breakGlass, "break-glass", "", "with off: the administrator (user id or email) who keeps password sign-in, "+
			"an active human in Admins with a password; keep that password in a safe")
	},
	check: func(x *cmdCall, o *pwLoginFlags) error {
		switch {
		case len(x.args) == 1 && x.args[0] != "on" && x.args[0] != "off":
			return usagef("sso password-login: want on or off, not %q", x.args[0])
		case len(x.args) == 1 && x.args[0] == "off" && o.breakGlass == "":
			return usagef("sso password-login off: --break-glass is required: the administrator (user id or email) who keeps password sign-in")
		case o.breakGlass != "" && (len(x.args) == 0 || x.args[0] != "off"):
			return usagef("sso password-login: --break-glass goes with off")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *pwLoginFlags) (*output, error) {
		if len(x.args) == 0 {
			pl, err := x.cl.GetPasswordLogin(ctx)
			return shown(pl, err, func(w io.Writer) error {
				if !pl.Disabled {
					return fields(w, "Password sign-in", "on")
				}
				return fields(w, "Password sign-in", "off", "Break-glass administrator", userLabel(x, pl.BreakGlassUserID))
			})
		}
		if x.args[0] == "on" {
			pl, err := x.cl.SetPasswordLogin(ctx, client.PasswordLogin{})
			if err != nil {
				return nil, err
			}
			return say(pl, "Password sign-in is on for everyone.\n"), nil
		}
		uid, err := userByIDOrEmail(x, "--break-glass", o.breakGlass)
		if err != nil {
			return nil, err
		}
		pl, err := x.cl.SetPasswordLogin(ctx, client.PasswordLogin{Disabled: true, BreakGlassUserID: uid})
		if err != nil {
			return nil, err
		}
		return show(pl, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "Password sign-in is off: only the break-glass administrator %s signs in with a password.\n", userLabel(x, pl.BreakGlassUserID))
			return err
		}), nil
	}}

// userByIDOrEmail resolves a user id (usr_…) or a human's email into the
// user's id.
func userByIDOrEmail(x *cmdCall, flagName, ref string) (string, error) {
	if strings.HasPrefix(ref, id.User) {
		return ref, nil
	}
	if !strings.Contains(ref, "@") {
		return "", usagef("%s %q: want a user id (%s…) or an email", flagName, ref, id.User)
	}
	list := func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
		return x.cl.ListUsers(ctx, client.ListUsersOptions{Kind: client.KindHuman, Name: ref, ListOptions: client.ListOptions{Limit: 200, Cursor: cursor}})
	}
	for u, err := range client.All(x.r.ctx, list) {
		if err != nil {
			return "", wrapErr(err)
		}
		if strings.EqualFold(u.Email, ref) {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("%s: no user with email %q (see 'signet users list')", flagName, ref)
}

// userLabel names a user for people, "Name <email> (usr_…)", best effort:
// the id alone when the user cannot be read.
func userLabel(x *cmdCall, userID string) string {
	u, err := x.cl.GetUser(x.r.ctx, userID)
	if err != nil {
		return userID
	}
	return fmt.Sprintf("%s <%s> (%s)", u.Name, u.Email, u.ID)
}
