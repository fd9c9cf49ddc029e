package main

import (
	"flag"
	"fmt"
	"strconv"
	"time"
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
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, usagef("%s=%q: %v", envVar, v, err)
		}
		def = d
	}
	return fs.Duration(name, def, fmt.Sprintf("%s (env %s)", usage, envVar)), nil
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
