package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
)

// newFlagSet returns a FlagSet that reports errors instead of exiting
// and prints nothing itself: parseFlags and cliCmd.parse say what went
// wrong in one line, and -h prints help in the one style (printHelp).
func newFlagSet(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses the flags of a command that is not a client command
// (serve, migrate, admin create): a flag error is a usage error, and -h
// prints the command's help (printHelp) on stdout and exits 0.
func parseFlags(e *env, fs *flag.FlagSet, args []string, synopsis, summary string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			printHelp(e.stdout, fs.Name(), synopsis, summary, fs)
			return errHelp
		}
		return usagef("%v (see 'signet %s -h')", err, fs.Name())
	}
	return nil
}

// printHelp writes a command's help, the same way for every command: the
// usage line, what it does, then its flags (if any) as --name, sorted.
func printHelp(w io.Writer, name, synopsis, summary string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: signet %s\n", strings.TrimSpace(name+" "+synopsis))
	if summary != "" {
		fmt.Fprintf(w, "\n%s\n", sentence(summary))
	}
	if fs == nil {
		return
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintf(w, "\nFlags:\n")
			first = false
		}
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" && def != "[]" {
			usage += fmt.Sprintf(" (default %q)", def)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, usage)
	})
}

// sentence makes a summary ("create a group") a sentence ("Create a
// group.") for help text.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// stringEnv is a string flag whose default comes from an environment
// variable when set, so every flag has a SIGNET_* equivalent.
func stringEnv(fs *flag.FlagSet, e *env, name, envVar, def, usage string) *string {
	if v := e.getenv(envVar); v != "" {
		def = v
	}
	return fs.String(name, def, fmt.Sprintf("%s (env %s)", usage, envVar))
}

func durationEnv(fs *flag.FlagSet, e *env, name, envVar string, def time.Duration, usage string) (*time.Duration, error) {
	if v := e.getenv(envVar); v != "" {
		d, err := signet.ParseDuration(v)
		if err != nil {
			return nil, usagef("%s: %s", envVar, signet.ErrorMessage(err))
		}
		def = d
	}
	d := durationValue(def)
	fs.Var(&d, name, fmt.Sprintf("%s (env %s)", usage, envVar))
	return (*time.Duration)(&d), nil
}

// durationValue is a flag of a duration in signet.ParseDuration's syntax
// (30d, 12h, 500ms, PT12H), the one syntax of every surface.
type durationValue time.Duration

func (d *durationValue) String() string { return signet.FormatDuration(time.Duration(*d)) }

func (d *durationValue) Set(s string) error {
	v, err := signet.ParseDuration(s)
	if err != nil {
		return errors.New(signet.ErrorMessage(err))
	}
	*d = durationValue(v)
	return nil
}

func boolEnv(fs *flag.FlagSet, e *env, name, envVar string, def bool, usage string) (*bool, error) {
	if v := e.getenv(envVar); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, usagef("%s=%q: %v", envVar, v, err)
		}
		def = b
	}
	return fs.Bool(name, def, fmt.Sprintf("%s (env %s)", usage, envVar)), nil
}

func intEnv(fs *flag.FlagSet, e *env, name, envVar string, def int, usage string) (*int, error) {
	if v := e.getenv(envVar); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, usagef("%s=%q: %v", envVar, v, err)
		}
		def = n
	}
	return fs.Int(name, def, fmt.Sprintf("%s (env %s)", usage, envVar)), nil
}

// checkDurationFlag refuses a duration flag's value that does not parse
// (signet.ParseDuration's syntax); "" (not given) passes.
func checkDurationFlag(flag, v string) error {
	if v == "" {
		return nil
	}
	if _, err := parseDuration(v); err != nil {
		return usagef("%s: %s", flag, signet.ErrorMessage(err))
	}
	return nil
}
