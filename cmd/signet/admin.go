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
	registerGroupOf("admin", nil, "offline administration on the database (admin create)", "", adminCreate)
}

const (
	adminCreateSynopsis = "--email EMAIL [--name NAME] --password-stdin [--database DATABASE]"
	adminCreateSummary  = "create an administrator directly in the database, without a server (the password on standard input)"
)

var adminCreate = plainVerb{name: "create", args: adminCreateSynopsis, summary: adminCreateSummary, run: cmdAdminCreate}

func cmdAdminCreate(ctx context.Context, e *env, cmdName string, args []string) error {
	fs := newFlagSet(e, cmdName)
	db := stringEnv(fs, e, "database", "SIGNET_DATABASE", "signet.db", databaseUsage)
	email := fs.String("email", "", "email of the new administrator (required)")
	name := fs.String("name", "", "display name (default: the part of the email before @)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	if err := parseFlags(e, fs, args, adminCreateSynopsis, adminCreateSummary); err != nil {
		return err
	}
	if *email == "" || !*pwStdin || fs.NArg() > 0 {
		return usagef("usage: signet admin create %s", adminCreateSynopsis)
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
