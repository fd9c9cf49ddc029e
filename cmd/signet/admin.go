package main

import (
	"bufio"
	"context"
	"fmt"
	"os/user"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store/sqlstore"
)

func init() {
	register(command{name: "admin", summary: "offline administration on the database (admin create)", run: cmdAdmin})
}

func cmdAdmin(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: signet admin create --email EMAIL [--name NAME] --password-stdin [--database PATH]")
	}
	fs := newFlagSet(e, "admin create")
	db := stringEnv(fs, e, "database", "SIGNET_DATABASE", "signet.db", databaseUsage)
	email := fs.String("email", "", "email of the new administrator (required)")
	name := fs.String("name", "", "display name (default: the part of the email before @)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || !*pwStdin {
		return usagef("admin create needs --email and --password-stdin")
	}
	password, err := readLine(e)
	if err != nil {
		return err
	}
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	st, err := openStore(ctx, *db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	svc := service.New(st, service.Options{BcryptCost: bcryptCost})
	// Offline commands have no HTTP request: the audit events say which
	// command made them and, as far as the OS tells, who ran it.
	ctx = signet.WithRequestInfo(ctx, signet.RequestInfo{UserAgent: offlineAgent("admin create")})
	if _, err := svc.Bootstrap(ctx); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	u, err := svc.CreateAdmin(ctx, service.CreateHumanInput{Name: *name, Email: *email, Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created administrator %s (%s)\n", u.Email, u.ID)
	return nil
}

// offlineAgent is the user agent recorded in audit events of an offline
// command: the command and the operating-system user running it.
func offlineAgent(command string) string {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	return fmt.Sprintf("signet-cli/%s %s (offline; os user %s)", version, command, who)
}

// readLine reads one line from standard input, without its line ending.
func readLine(e *env) (string, error) {
	sc := bufio.NewScanner(e.stdin)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("reading standard input: %w", err)
		}
		return "", usagef("expected a line on standard input")
	}
	return strings.TrimRight(sc.Text(), "\r"), nil
}
