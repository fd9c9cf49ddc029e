package main

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"
)

// terminalPassword returns a function that asks for a password on the
// terminal stdin is, without echo (the prompt goes to stderr, so that
// stdout stays clean), or nil when stdin is not a terminal: a pipe, a
// file, a test's reader. Commands that need a secret then ask for it on
// standard input explicitly (--password-stdin), never by prompting a
// script.
func terminalPassword(stdin io.Reader, stderr io.Writer) func(prompt string) (string, error) {
	f, ok := stdin.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	fd := int(f.Fd())
	return func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr) // the Enter the user typed was not echoed
		if err != nil {
			return "", fmt.Errorf("reading the password from the terminal: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
}
