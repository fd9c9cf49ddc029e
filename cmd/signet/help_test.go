package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/signetdev/signet/internal/testenv"
)

// TestEveryCommandHelp asks every command and sub-command of the command
// tree for its help, with -h, --help and "signet help …": each exits 0
// and prints, on stdout, the one style of help (usage line, a sentence
// saying what it does, then flags or sub-commands). The tree is read from
// the registered commands, so a new command is covered without a change
// here.
func TestEveryCommandHelp(t *testing.T) {
	t.Parallel()
	type helpCase struct {
		args  []string
		usage string // the usage line's start
	}
	nested := 0 // groups within groups walked
	cases := []helpCase{
		{[]string{"-h"}, "Usage: signet <command>"},
		{[]string{"--help"}, "Usage: signet <command>"},
		{[]string{"help"}, "Usage: signet <command>"},
	}
	for _, c := range commands {
		for _, h := range []string{"-h", "--help"} {
			cases = append(cases, helpCase{[]string{c.name, h}, "Usage: signet "})
		}
		cases = append(cases, helpCase{[]string{"help", c.name}, "Usage: signet "})
		// Sub-commands, and theirs when a sub-command is a group of its
		// own ("sso providers list").
		var walk func(path []string, subs []verb)
		walk = func(path []string, subs []verb) {
			for _, s := range subs {
				name, aliases, _, _ := s.help()
				for _, n := range append([]string{name}, aliases...) {
					cases = append(cases,
						helpCase{slices.Concat(path, []string{n, "-h"}), "Usage: signet "},
						helpCase{slices.Concat(path, []string{n, "--help"}), "Usage: signet "},
						helpCase{slices.Concat([]string{"help"}, path, []string{n}), "Usage: signet "})
				}
				if g, ok := s.(subGroup); ok {
					nested++
					walk(slices.Concat(path, []string{name}), g.subs)
				}
			}
		}
		walk([]string{c.name}, c.subs)
	}
	if len(cases) < 100 || nested == 0 {
		t.Fatalf("only %d help cases, %d groups within groups: the command tree was not read", len(cases), nested)
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		// No environment, no input, no server: help needs none of them.
		err := run(testenv.Context(t), tc.args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
		line := strings.Join(tc.args, " ")
		if err != nil {
			t.Errorf("signet %s = %v; want exit 0", line, err)
			continue
		}
		if errOut.Len() > 0 {
			t.Errorf("signet %s wrote on stderr: %q", line, errOut.String())
		}
		lines := strings.Split(out.String(), "\n")
		if len(lines) < 3 || !strings.HasPrefix(lines[0], tc.usage) || lines[1] != "" ||
			lines[2] == "" || !unicode.IsUpper([]rune(lines[2])[0]) {
			t.Errorf("signet %s printed\n%s\nwant a usage line, a blank line, then a description", line, out.String())
			continue
		}
		text := out.String()
		// The flags of a command are listed as --name; groups list their
		// sub-commands.
		if strings.Contains(text, "\nFlags:\n") && !strings.Contains(text, "\n  --") {
			t.Errorf("signet %s lists flags not as --name:\n%s", line, text)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		if err := run(testenv.Context(t), args, func(string) string { return "" }, strings.NewReader(""), &out, &out); err != nil {
			t.Fatalf("signet %s = %v", args[0], err)
		}
		if !strings.HasPrefix(out.String(), "signet version "+version+"\n") || !strings.Contains(out.String(), "\nrevision ") {
			t.Errorf("signet %s printed %q; want the version and the revision", args[0], out.String())
		}
	}
	tests := []struct {
		b    buildInfo
		want string
	}{
		{buildInfo{version: "v1.4.0", revision: "3f2c", time: "2026-03-01T10:00:00Z"}, "signet version v1.4.0\nrevision 3f2c (2026-03-01T10:00:00Z)\n"},
		{buildInfo{version: "(devel)", revision: "3f2c", time: "2026-03-01T10:00:00Z", modified: true}, "signet version (devel)\nrevision 3f2c (2026-03-01T10:00:00Z, with uncommitted changes)\n"},
		{buildInfo{version: "dev"}, "signet version dev\nrevision unknown (built without VCS information)\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		printVersion(&out, tt.b)
		if !strings.HasPrefix(out.String(), tt.want) {
			t.Errorf("printVersion(%+v) = %q; want it to start with %q", tt.b, out.String(), tt.want)
		}
	}
}
