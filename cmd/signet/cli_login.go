package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/signetdev/signet/client"
)

func init() {
	register(loginCmd.command())
	register(logoutCmd.command())
	register(meCmd.command())
}

type loginFlags struct {
	keyStdin, pwStdin         bool
	email, keyName, expiresIn string
	ttl                       time.Duration // expiresIn, parsed
}

// login is offline: it talks to the server with the key it is given or
// mints, not with one the environment or the credentials file holds.
const loginSynopsis = "[--url URL] (--email EMAIL [--password-stdin] | --api-key-stdin)"

var loginCmd = clientCmd[loginFlags]{name: "login", args: loginSynopsis,
	summary: "save a server URL and API key for the client commands", offline: true,
	flags: func(o *loginFlags, fs *flag.FlagSet) {
		fs.BoolVar(&o.keyStdin, "api-key-stdin", false, "read an existing API key from the first line of standard input")
		fs.StringVar(&o.email, "email", "", "sign in as this human user; Signet mints a personal API key for this device that expires")
		fs.BoolVar(&o.pwStdin, "password-stdin", false, "read the password from the first line of standard input (with --email; for scripts: without it, the password is asked for on the terminal)")
		fs.StringVar(&o.keyName, "key-name", "", `name of the key minted with --email (default "signet CLI on <hostname>")`)
		fs.StringVar(&o.expiresIn, "expires-in", "30d", "lifetime of the key minted with --email, e.g. 30d or 12h (at most 365d)")
	},
	check: func(x *cmdCall, o *loginFlags) error {
		switch {
		case o.keyStdin && (o.email != "" || o.pwStdin):
			return usagef("login: --api-key-stdin cannot be combined with --email or --password-stdin")
		case !o.keyStdin && o.email == "":
			return usagef("usage: signet login %s", loginSynopsis)
		case o.email != "" && !o.pwStdin && x.e.readPassword == nil:
			// No terminal to ask on: say what a script does instead.
			return usagef("login: standard input is not a terminal, so the password cannot be asked for: " +
				"pipe it in with --password-stdin, or log in with an existing API key with --api-key-stdin")
		}
		var err error
		if o.ttl, err = parseDuration(o.expiresIn); err != nil || o.ttl <= 0 {
			return usagef("login: --expires-in %q: want a duration longer than zero, such as 30d, 12h or PT12H", o.expiresIn)
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *loginFlags) (*output, error) {
		// The URL: --url, else SIGNET_URL, else the one saved before, else the default.
		t, err := x.resolveTarget()
		if err != nil {
			return nil, err
		}
		var key string
		if o.keyStdin {
			if key, err = readLine(x.e); err != nil {
				return nil, err
			}
			key = strings.TrimSpace(key)
			if key == "" {
				return nil, usagef("login: standard input holds no API key")
			}
		} else if key, err = loginWithPassword(ctx, x.e, t.url, o); err != nil {
			return nil, err
		}

		// Verify the key before saving it, and show whose it is.
		cl, err := newClient(t.url, client.WithAPIKey(key))
		if err != nil {
			return nil, err
		}
		me, err := cl.Me(ctx)
		if err != nil {
			return nil, wrapErr(err)
		}
		path, err := saveCredentials(x.e, credentials{URL: t.url, APIKey: key})
		if err != nil {
			return nil, err
		}
		return show(me, func(w io.Writer) error {
			fmt.Fprintf(w, "Logged in to %s as %s (%s, %s).\nCredentials saved in %s.\n",
				t.url, me.User.Name, me.User.ID, kindLabel(me.User.Kind), path)
			if !o.keyStdin {
				fmt.Fprintf(w, "The key expires in %s; 'signet logout' revokes it.\n", o.expiresIn)
			}
			if x.e.getenv("SIGNET_API_KEY") != "" {
				fmt.Fprintln(x.e.stderr, "Note: SIGNET_API_KEY is set and takes precedence over the saved key.")
			}
			return nil
		}), nil
	}}

// loginWithPassword mints a personal key for this device with the email
// and the password: from standard input with --password-stdin, else
// asked for on the terminal, without echo.
func loginWithPassword(ctx context.Context, e *env, url string, o *loginFlags) (string, error) {
	var password string
	var err error
	if o.pwStdin {
		password, err = readLine(e)
	} else {
		password, err = e.readPassword(fmt.Sprintf("Password for %s: ", o.email))
	}
	if err != nil {
		return "", err
	}
	if password == "" {
		if o.pwStdin {
			return "", usagef("login: standard input holds no password")
		}
		return "", usagef("login: no password given")
	}
	device, err := deviceID(e)
	if err != nil {
		return "", err
	}
	name := o.keyName
	if name == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "unknown host"
		}
		name = "signet CLI on " + host
	}
	anon, err := newClient(url)
	if err != nil {
		return "", err
	}
	// The server revokes the key an earlier login on this device
	// minted: one live CLI key per device and user.
	created, err := anon.Login(ctx, client.LoginRequest{Email: o.email, Password: password, DeviceID: device,
		KeyName: name, ExpiresIn: o.expiresIn})
	if err != nil {
		return "", wrapErr(err)
	}
	return created.Key, nil
}

type logoutFlags struct{ keep, revoke bool }

// logout is offline: it revokes the saved key with that key.
var logoutCmd = clientCmd[logoutFlags]{name: "logout", args: "[--keep-key]", summary: "remove the saved credentials", offline: true,
	flags: func(o *logoutFlags, fs *flag.FlagSet) {
		fs.BoolVar(&o.keep, "keep-key", false, "forget the saved API key without revoking it on the server")
		fs.BoolVar(&o.revoke, "revoke", true, "revoke the saved API key on the server (the default; kept for older scripts)")
	},
	run: func(ctx context.Context, x *cmdCall, o *logoutFlags) (*output, error) {
		if !o.keep {
			if err := revokeSavedKey(ctx, x.e); err != nil {
				return nil, err
			}
		}
		removed, path, err := removeCredentials(x.e)
		if err != nil {
			return nil, err
		}
		// The same words with --json: there is no document to print.
		if removed {
			fmt.Fprintf(x.e.stdout, "Logged out: removed %s.\n", path)
		} else {
			fmt.Fprintln(x.e.stdout, "Not logged in: no saved credentials.")
		}
		return nil, nil
	}}

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

var meCmd = clientCmd[noFlags]{name: "me", args: "[--json]", summary: "show who you are and your permissions",
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		me, err := x.cl.Me(ctx)
		return shown(me, err, func(w io.Writer) error {
			groups := make([]string, len(me.Groups))
			for i, g := range me.Groups {
				groups[i] = g.Name
			}
			if err := fields(w,
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
				fmt.Fprintln(w)
				t := newTable(w, "WORKSPACE", "ID", "PERMISSIONS")
				for _, ws := range me.Workspaces {
					// Permission lists are long: print them whole, not cut.
					fmt.Fprintf(t.tw, "%s\t%s\t%s\n", oneLine(ws.Workspace.Name), ws.Workspace.ID, fmtPerms(ws.Permissions))
				}
				return t.flush()
			}
			return nil
		})
	}}

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
