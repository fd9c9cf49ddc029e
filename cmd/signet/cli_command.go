package main

// This file is the command factory of the client commands: a command
// declares its name, help, arguments, flags and what it does (clientCmd),
// and exec does what every command does around that, once.

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/signetdev/signet/client"
)

// clientCmd declares a client command. O holds its flags.
//
// exec runs it the same way as every other: it parses the command line
// (flags may follow the arguments; -h prints the flags), runs check, builds
// the client and the resolver, resolves the first argument (cmdCall.id)
// when first is set, runs run, prints what run returns (the JSON document
// with --json, else text for people), and turns an API error into one
// line. A usage error exits 2, any other error 1.
type clientCmd[O any] struct {
	name     string
	aliases  []string
	args     string // synopsis of the arguments and flags, for help
	usage    string // the synopsis in -h and usage errors, when not args
	summary  string
	min, max int // how many positional arguments (max < 0: no limit)

	flags func(o *O, fs *flag.FlagSet)                 // defines the flags, into o
	check func(x *cmdCall, o *O) error                 // checks the command line before any request
	first func(x *cmdCall, ref string) (string, error) // resolves the first argument into an id
	// offline commands get no client (cmdCall.cl and cmdCall.r are nil): run
	// builds its own, if any, and puts its errors in the CLI's form itself.
	offline bool
	// run does the command and returns what to print, if anything. An
	// output returned with an error is printed before the error is
	// (check's denial, a broken audit chain).
	run func(ctx context.Context, x *cmdCall, o *O) (*output, error)
}

// cmdCall is one run of a client command, as its run function gets it.
type cmdCall struct {
	*cliCmd                // the parsed command line: args, flags, env
	cl      *client.Client // for the server and key the flags and environment name
	r       *resolver      // names to ids, reading each list once
	id      string         // the first argument, resolved by clientCmd.first if set
	// lastBody is the body of the last response to a request made with
	// run's context (nil if it had none): what --json prints.
	lastBody []byte
}

// output is what a command prints: with --json the JSON document the
// server sent (raw, else the body of the command's last request), or data
// when the request had none (a deletion); else text for people; then
// note, on stderr, in either case.
type output struct {
	data any
	raw  []byte // the document --json prints, when the command chose it (lists)
	text func(w io.Writer) error
	note string
}

// show is data, shown to people by text.
func show(data any, text func(w io.Writer) error) *output {
	return &output{data: data, text: text}
}

// shown is show, unless err: the end of a command that prints what one
// request returned.
func shown(data any, err error, text func(w io.Writer) error) (*output, error) {
	if err != nil {
		return nil, err
	}
	return show(data, text), nil
}

// say is data, shown to people as one formatted line.
func say(data any, format string, args ...any) *output {
	return show(data, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, format, args...)
		return err
	})
}

func (x *cmdCall) print(o *output) error {
	if *x.json {
		raw := o.raw
		if raw == nil {
			raw = x.lastBody
		}
		var err error
		if raw != nil {
			err = x.printRaw(raw)
		} else {
			err = x.printJSON(o.data)
		}
		if err != nil {
			return err
		}
	} else if o.text != nil {
		if err := o.text(x.e.stdout); err != nil {
			return err
		}
	}
	if o.note != "" {
		fmt.Fprint(x.e.stderr, o.note)
	}
	return nil
}

// exec runs the command; name is its full name, e.g. "groups create".
func (s clientCmd[O]) exec(ctx context.Context, e *env, name string, args []string) error {
	c := newCmd(e, name)
	c.summary = s.summary
	var o O
	if s.flags != nil {
		s.flags(&o, c.fs)
	}
	if err := c.parse(args, s.min, s.max, cmp.Or(s.usage, s.args)); err != nil {
		return err
	}
	x := &cmdCall{cliCmd: c}
	if len(c.args) > 0 {
		x.id = c.args[0]
	}
	if s.check != nil {
		if err := s.check(x, &o); err != nil {
			return err
		}
	}
	if !s.offline {
		var err error
		if x.cl, err = c.client(); err != nil {
			return err
		}
		x.r = newResolver(ctx, x.cl)
		if s.first != nil {
			if x.id, err = s.first(x, x.id); err != nil {
				return err
			}
		}
	}
	// --json prints what the server sent: the body of the last request
	// run makes with its context (the resolver's lookups use their own).
	out, err := s.run(client.WithResponseBody(ctx, func(b []byte) { x.lastBody = b }), x, &o)
	if out != nil {
		if perr := x.print(out); perr != nil {
			return perr
		}
	}
	if s.offline {
		return err
	}
	return wrapErr(err)
}

// The first arguments a command may name (clientCmd.first).

func groupArg(x *cmdCall, ref string) (string, error) { return x.r.group(ref) }
func roleArg(x *cmdCall, ref string) (string, error)  { return x.r.role(ref) }
func saArg(x *cmdCall, ref string) (string, error)    { return x.r.serviceAccount(ref) }

func workspaceArg(x *cmdCall, ref string) (string, error) {
	if ref == "*" {
		return "", usagef("%s: name one workspace", x.name)
	}
	return x.r.workspace(ref)
}

// command makes s a top-level command, e.g. "signet me".
func (s clientCmd[O]) command() command {
	return command{name: s.name, summary: s.summary, run: func(ctx context.Context, e *env, args []string) error {
		return s.exec(ctx, e, s.name, args)
	}}
}

// verb is a sub-command of a group, e.g. "list" of "service-accounts";
// every clientCmd is one.
type verb interface {
	help() (name string, aliases []string, args, summary string)
	exec(ctx context.Context, e *env, name string, args []string) error
}

func (s clientCmd[O]) help() (string, []string, string, string) {
	return s.name, s.aliases, s.args, s.summary
}

// plainVerb is a sub-command that is not a client command (admin
// create): run parses its own flags, with parseFlags.
type plainVerb struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env, name string, args []string) error
}

func (v plainVerb) help() (string, []string, string, string) { return v.name, nil, v.args, v.summary }
func (v plainVerb) exec(ctx context.Context, e *env, name string, args []string) error {
	return v.run(ctx, e, name, args)
}

// clientFooter ends the help of a group of client commands.
const clientFooter = "Every sub-command takes --url URL (env SIGNET_URL) and --json."

// registerGroup registers a top-level command (with optional aliases)
// whose first argument chooses one of subs, client commands.
func registerGroup(name string, aliases []string, summary string, subs ...verb) {
	registerGroupOf(name, aliases, summary, clientFooter, subs...)
}

// registerGroupOf is registerGroup with the footer of the group's help.
func registerGroupOf(name string, aliases []string, summary, footer string, subs ...verb) {
	g := group{name: name, summary: summary, footer: footer, subs: subs}
	register(command{name: name, summary: summary, run: g.dispatch, subs: subs})
	for _, a := range aliases {
		register(command{name: a, summary: "alias of " + name, run: g.dispatch, subs: subs, alias: true})
	}
}

// group is a command made of sub-commands.
type group struct {
	name, summary, footer string
	subs                  []verb
}

func (g group) dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		g.usage(e.stderr)
		return usagef("%s: missing sub-command", g.name)
	}
	v := args[0]
	switch v {
	case "help", "-h", "--help", "-help":
		g.usage(e.stdout)
		return nil
	}
	for _, s := range g.subs {
		if name, aliases, _, _ := s.help(); name == v || containsString(aliases, v) {
			return s.exec(ctx, e, g.name+" "+name, args[1:])
		}
	}
	return usagef("%s: unknown sub-command %q (see 'signet %s -h')", g.name, v, g.name)
}

// usage is the group's help, in the style of printHelp: usage line, what
// it does, then the sub-commands where another command lists its flags.
func (g group) usage(w io.Writer) {
	printHelp(w, g.name, "<sub-command> [flags]", g.summary, nil)
	fmt.Fprintf(w, "\nSub-commands:\n")
	for _, s := range g.subs {
		name, aliases, args, summary := s.help()
		if len(aliases) > 0 {
			name += " (" + strings.Join(aliases, ", ") + ")"
		}
		fmt.Fprintf(w, "  %s %s\n      %s\n", name, args, summary)
	}
	fmt.Fprintln(w)
	if g.footer != "" {
		fmt.Fprintln(w, g.footer)
	}
	fmt.Fprintf(w, "Run 'signet %s <sub-command> -h' for its flags.\n", g.name)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// deleteCmd is the "delete" of a group of commands: unless --yes, it asks
// question (a format of the first argument) first; then del deletes the
// id, and done (a format of the id) says so. Every delete goes through it
// so that they all confirm the same way.
func deleteCmd(args, summary string, first func(*cmdCall, string) (string, error), question string,
	del func(cl *client.Client, ctx context.Context, id string) error, done string) clientCmd[yesFlag] {
	return clientCmd[yesFlag]{name: "delete", aliases: []string{"rm"}, args: args, summary: summary,
		min: 1, max: 1, first: first, flags: (*yesFlag).define,
		run: func(ctx context.Context, x *cmdCall, o *yesFlag) (*output, error) {
			if !o.yes {
				if err := confirmOrStop(x.e, fmt.Sprintf(question, x.args[0])); err != nil {
					return nil, err
				}
			}
			if err := del(x.cl, ctx, x.id); err != nil {
				return nil, err
			}
			return deleted(x.id, done), nil
		}}
}

// Flags several commands share.

// noFlags is the O of a command without flags of its own.
type noFlags struct{}

// yesFlag is the flag of a command that asks before it deletes.
type yesFlag struct{ yes bool }

func (o *yesFlag) define(fs *flag.FlagSet) {
	fs.BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
}

// descFlag is the flag of a create command whose argument is the name.
type descFlag struct{ desc string }

func (o *descFlag) define(fs *flag.FlagSet) {
	fs.StringVar(&o.desc, "description", "", "description")
}

// renameFlags are the flags of an update that renames or describes.
type renameFlags struct{ name, desc string }

func (o *renameFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&o.name, "name", "", "new name")
	fs.StringVar(&o.desc, "description", "", "new description (may be empty)")
}

// changed returns the name and description to send: those given on the
// command line, nil for the others.
func (o *renameFlags) changed(x *cmdCall) (name, desc *string) {
	if x.set("name") {
		name = &o.name
	}
	if x.set("description") {
		desc = &o.desc
	}
	return name, desc
}
