package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	signet "github.com/signetdev/signet"
)

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args, turning flag errors into usage errors and -h
// into a clean exit.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelp
		}
		return usagef("%v", err)
	}
	return nil
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
