// Command signet runs the Signet server (signet serve), its offline admin
// commands (migrate, admin create) and a command-line client for the REST
// API (login, service-accounts, keys, users, groups, roles, grants,
// workspaces, webhooks). Run "signet help" for the list.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal (serve's graceful shutdown has begun), a
		// second one ends the process at once, as signals do by default.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "signet:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errHelp is returned when a command's -h was asked for: its usage has
// been printed and the program exits 0.
var errHelp = errors.New("help requested")

// errSilent marks an error already reported to the user (e.g. "help" for
// an unknown command) that only needs a non-zero exit.
var errSilent = errors.New("silent")

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// env is how commands read the environment; tests pass their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// readPassword shows prompt and reads a line without echo; nil when
	// standard input is not a terminal (see terminalPassword).
	readPassword func(prompt string) (string, error)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
	// subs are the sub-commands of a group ("service-accounts list"), for
	// help and for the test that asks every command for its help.
	subs []verb
	// alias marks another name of a group, left out of the command list.
	alias bool
}

// commands lists every subcommand; the CLI client commands register
// themselves from their own files.
var commands []command

func register(c command) { commands = append(commands, c) }

// run is the whole program: main only calls it, and end-to-end tests call
// it with their own arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	e.readPassword = terminalPassword(stdin, stderr)
	if len(args) == 0 {
		printUsage(stderr)
		return usagef("no command given")
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(rest) > 0 && name == "help" {
			// "signet help keys create" is "signet keys create -h".
			return run(ctx, append(rest, "-h"), getenv, stdin, stdout, stderr)
		}
		printUsage(stdout)
		return nil
	case "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.name == name {
			err := c.run(ctx, e, rest)
			if errors.Is(err, errHelp) {
				return nil
			}
			return err
		}
	}
	printUsage(stderr)
	return usagef("unknown command %q", name)
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: signet <command> [flags]\n\n"+
		"Signet: service accounts, API keys, roles and an audit trail for non-human access.\n"+
		"The server (serve), its offline commands, and a client of its REST API.\n\nCommands:\n")
	for _, c := range commands {
		if !c.alias {
			fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintln(w, "  help               show this help; 'signet help <command>' is 'signet <command> -h'\n\n"+
		"Run 'signet <command> -h' for a command's flags and sub-commands.")
}
