package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/signetdev/signet/client"
)

func init() {
	register(command{name: "login", summary: "save a server URL and API key for the client commands", run: cmdLogin})
	register(command{name: "logout", summary: "remove the saved credentials", run: cmdLogout})
	register(command{name: "me", summary: "show who you are and your permissions", run: cmdMe})
}

const loginSynopsis = "[--url URL] (--api-key-stdin | --email EMAIL --password-stdin)"

func cmdLogin(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "login")
	keyStdin := c.fs.Bool("api-key-stdin", false, "read an existing API key from the first line of standard input")
	email := c.fs.String("email", "", "sign in as this human user; Signet mints a personal API key for this device that expires")
	pwStdin := c.fs.Bool("password-stdin", false, "read the password from the first line of standard input (with --email)")
	keyName := c.fs.String("key-name", "", `name of the key minted with --email (default "signet CLI on <hostname>")`)
	expiresIn := c.fs.String("expires-in", "30d", "lifetime of the key minted with --email, e.g. 30d or 12h (at most 365d)")
	if err := c.parse(args, 0, 0, loginSynopsis); err != nil {
		return err
	}
	switch {
	case *keyStdin && (*email != "" || *pwStdin):
		return usagef("login: --api-key-stdin cannot be combined with --email or --password-stdin")
	case !*keyStdin && (*email == "" || !*pwStdin):
		return usagef("usage: signet login %s", loginSynopsis)
	}
	ttl, err := parseDuration(*expiresIn)
	if err != nil || ttl <= 0 {
		return usagef("login: --expires-in %q: want a positive duration such as 30d or 12h", *expiresIn)
	}

	// The URL: --url, else SIGNET_URL, else the one saved before, else the default.
	t, err := c.resolveTarget()
	if err != nil {
		return err
	}
	var key string
	if *keyStdin {
		if key, err = readLine(e); err != nil {
			return err
		}
		key = strings.TrimSpace(key)
		if key == "" {
			return usagef("login: standard input holds no API key")
		}
	} else {
		password, err := readLine(e)
		if err != nil {
			return err
		}
		if password == "" {
			return usagef("login: standard input holds no password")
		}
		device, err := deviceID(e)
		if err != nil {
			return err
		}
		name := *keyName
		if name == "" {
			host, _ := os.Hostname()
			if host == "" {
				host = "unknown host"
			}
			name = "signet CLI on " + host
		}
		anon, err := newClient(t.url)
		if err != nil {
			return err
		}
		// The server revokes the key an earlier login on this device
		// minted: one live CLI key per device and user.
		created, err := anon.Login(ctx, client.LoginRequest{Email: *email, Password: password, DeviceID: device,
			KeyName: name, ExpiresIn: ttl.String()})
		if err != nil {
			return wrapErr(err)
		}
		key = created.Key
	}

	// Verify the key before saving it, and show whose it is.
	cl, err := newClient(t.url, client.WithAPIKey(key))
	if err != nil {
		return err
	}
	me, err := cl.Me(ctx)
	if err != nil {
		return wrapErr(err)
	}
	path, err := saveCredentials(e, credentials{URL: t.url, APIKey: key})
	if err != nil {
		return err
	}
	if *c.json {
		return c.printJSON(me)
	}
	fmt.Fprintf(e.stdout, "Logged in to %s as %s (%s, %s).\nCredentials saved in %s.\n",
		t.url, me.User.Name, me.User.ID, kindLabel(me.User.Kind), path)
	if !*keyStdin {
		fmt.Fprintf(e.stdout, "The key expires in %s; 'signet logout' revokes it.\n", *expiresIn)
	}
	if e.getenv("SIGNET_API_KEY") != "" {
		fmt.Fprintln(e.stderr, "Note: SIGNET_API_KEY is set and takes precedence over the saved key.")
	}
	return nil
}

func cmdLogout(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "logout")
	keep := c.fs.Bool("keep-key", false, "forget the saved API key without revoking it on the server")
	c.fs.Bool("revoke", true, "revoke the saved API key on the server (the default; kept for older scripts)")
	if err := c.parse(args, 0, 0, "[--keep-key]"); err != nil {
		return err
	}
	if !*keep {
		if err := revokeSavedKey(ctx, e); err != nil {
			return err
		}
	}
	removed, path, err := removeCredentials(e)
	if err != nil {
		return err
	}
	if removed {
		fmt.Fprintf(e.stdout, "Logged out: removed %s.\n", path)
	} else {
		fmt.Fprintln(e.stdout, "Not logged in: no saved credentials.")
	}
	return nil
}

// revokeSavedKey revokes the saved key with itself (a key may always
// revoke itself). A key the server no longer accepts is already
// harmless; any other failure stops the logout, so the key is not
// forgotten while still alive — unless --keep-key.
func revokeSavedKey(ctx context.Context, e *env) error {
	creds, err := loadCredentials(e)
	if err != nil || creds == nil || creds.APIKey == "" {
		return err
	}
	cl, err := newClient(creds.URL, client.WithAPIKey(creds.APIKey))
	if err != nil {
		return err
	}
	me, err := cl.Me(ctx)
	if client.ErrorCode(err) == client.CodeUnauthenticated {
		fmt.Fprintln(e.stdout, "The saved API key no longer works (revoked or expired); nothing to revoke.")
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w\n(could not revoke the saved key; 'signet logout --keep-key' forgets it without revoking)", wrapErr(err))
	}
	if me.KeyID == "" {
		return nil
	}
	if _, err := cl.RevokeAPIKey(ctx, me.KeyID, "signet logout"); err != nil {
		return fmt.Errorf("%w\n(could not revoke the saved key; 'signet logout --keep-key' forgets it without revoking)", wrapErr(err))
	}
	fmt.Fprintf(e.stdout, "Revoked API key %s.\n", me.KeyID)
	return nil
}

func cmdMe(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "me")
	if err := c.parse(args, 0, 0, "[--json]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	me, err := cl.Me(ctx)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(me)
	}
	groups := make([]string, len(me.Groups))
	for i, g := range me.Groups {
		groups[i] = g.Name
	}
	if err := fields(e.stdout,
		"ID", me.User.ID,
		"Name", me.User.Name,
		"Kind", kindLabel(me.User.Kind),
		"Email", me.User.Email,
		"Status", me.User.Status,
		"API key", me.KeyID,
		"Groups", fmtList(groups),
		"Organisation permissions", fmtPerms(me.OrganisationPermissions),
	); err != nil {
		return err
	}
	if len(me.Workspaces) > 0 {
		fmt.Fprintln(e.stdout)
		t := newTable(e.stdout, "WORKSPACE", "ID", "PERMISSIONS")
		for _, w := range me.Workspaces {
			// Permission lists are long: print them whole, not cut.
			fmt.Fprintf(t.tw, "%s\t%s\t%s\n", oneLine(w.Workspace.Name), w.Workspace.ID, fmtPerms(w.Permissions))
		}
		return t.flush()
	}
	return nil
}

func fmtPerms(p []string) string {
	if len(p) == 1 && p[0] == "*" {
		return "* (every permission)"
	}
	return strings.Join(p, " ")
}

func kindLabel(kind string) string {
	if kind == client.KindServiceAccount {
		return "service account"
	}
	return kind
}
