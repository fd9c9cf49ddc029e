package main

// This file holds what every client command shares: the common flags
// (--url, --json), flag parsing that allows flags after positional
// arguments, building the SDK client from the flags, the environment and
// the credentials file, one-line error messages, table/JSON output, lists
// and confirmations. cli_command.go runs the commands with them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/signetdev/signet/client"
)

// defaultURL is where "signet serve" listens with no flags.
const defaultURL = "http://127.0.0.1:8080"

// cliCmd is one invocation of a client sub-command: its flags, and once
// parsed, the positional arguments and a way to reach the server.
type cliCmd struct {
	e       *env
	name    string // "service-accounts create", for messages
	summary string // what it does, for -h
	fs      *flag.FlagSet
	url     *string
	json    *bool
	args    []string // positional arguments, after parse
}

// newCmd returns a sub-command with the flags every client command has.
func newCmd(e *env, name string) *cliCmd {
	fs := newFlagSet(e, "signet "+name)
	c := &cliCmd{e: e, name: name, fs: fs}
	c.url = fs.String("url", "", "Signet server URL (env SIGNET_URL; default: the URL saved by 'signet login', else "+defaultURL+")")
	c.json = fs.Bool("json", false, "print the API's JSON response as the server sent it, instead of a table")
	return c
}

// parse parses args, allowing flags before, between and after positional
// arguments ("--" ends the flags), and checks that there are between min
// and max positional arguments (max < 0: no limit). synopsis describes
// the positional arguments for the error message.
func (c *cliCmd) parse(args []string, min, max int, synopsis string) error {
	// Flag errors become one line (see below); -h prints the help on
	// stdout.
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				printHelp(c.e.stdout, c.name, synopsis, c.summary, c.fs)
				return errHelp
			}
			return usagef("%v (see 'signet %s -h')", err, c.name)
		}
		rest := c.fs.Args()
		if len(rest) == 0 {
			break
		}
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		return usagef("usage: signet %s %s", c.name, synopsis)
	}
	c.args = pos
	return nil
}

// set reports whether the named flag was given on the command line.
func (c *cliCmd) set(name string) bool {
	found := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// target is the server and credential a command uses.
type target struct {
	url    string
	apiKey string
	// fromFile reports that the key came from the credentials file.
	fromFile bool
}

// resolveTarget picks the server URL and API key. The URL comes from
// --url, else SIGNET_URL, else the credentials file, else defaultURL; the
// key from SIGNET_API_KEY, else the credentials file — but the file's key
// is only sent to the URL it was saved for, so that "--url" pointed at
// another server never leaks it.
func (c *cliCmd) resolveTarget() (target, error) {
	var t target
	explicit := *c.url
	if explicit == "" {
		explicit = c.e.getenv("SIGNET_URL")
	}
	creds, err := loadCredentials(c.e)
	if err != nil {
		return t, err
	}
	switch {
	case explicit != "":
		t.url = explicit
	case creds != nil && creds.URL != "":
		t.url = creds.URL
	default:
		t.url = defaultURL
	}
	t.url = strings.TrimRight(t.url, "/")
	if k := c.e.getenv("SIGNET_API_KEY"); k != "" {
		t.apiKey = k
	} else if creds != nil && creds.APIKey != "" && sameURL(creds.URL, t.url) {
		t.apiKey, t.fromFile = creds.APIKey, true
	}
	if _, err := url.Parse(t.url); err != nil {
		return t, usagef("invalid server URL %q", t.url)
	}
	return t, nil
}

func sameURL(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// client returns an SDK client authenticated with the resolved key.
func (c *cliCmd) client() (*client.Client, error) {
	t, err := c.resolveTarget()
	if err != nil {
		return nil, err
	}
	if t.apiKey == "" {
		// Both ways in: a login saved in the credentials file, or a key in
		// the environment (for scripts and CI).
		return nil, fmt.Errorf("not logged in to %s: run 'signet login --url %s --email EMAIL' (or --api-key-stdin to save an existing key), "+
			"or set SIGNET_API_KEY (and SIGNET_URL) in the environment", t.url, t.url)
	}
	return newClient(t.url, client.WithAPIKey(t.apiKey))
}

func newClient(baseURL string, opts ...client.Option) (*client.Client, error) {
	opts = append([]client.Option{client.WithUserAgent("signet-cli/" + version)}, opts...)
	cl, err := client.New(baseURL, opts...)
	if err != nil {
		return nil, usagef("invalid server URL %q: want http(s)://host[:port]", baseURL)
	}
	return cl, nil
}

// apiError is an error response shown as one line:
// "<message> (<code>, request <id>)".
type apiError struct{ err *client.Error }

func (e *apiError) Error() string {
	msg := e.err.Message
	if msg == "" {
		msg = "request failed with status " + fmt.Sprint(e.err.Status)
	}
	msg = strings.TrimSuffix(strings.ReplaceAll(msg, "\n", " "), ".")
	code := e.err.Code
	if e.err.Reason != "" {
		code += ": " + e.err.Reason
	}
	if e.err.RequestID != "" {
		return fmt.Sprintf("%s (%s, request %s)", msg, code, e.err.RequestID)
	}
	return fmt.Sprintf("%s (%s)", msg, code)
}

func (e *apiError) Unwrap() error { return e.err }

// wrapErr turns an SDK error into the CLI's one-line form. Transport
// errors say which server could not be reached.
func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		return &apiError{ce}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("cannot reach the Signet server: %v", ue.Err)
	}
	return err
}

// printJSON writes v as one indented JSON document.
func (c *cliCmd) printJSON(v any) error {
	enc := json.NewEncoder(c.e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printRaw writes a JSON document the server sent, indented but otherwise
// unchanged: every field and value as sent, in the server's order.
func (c *cliCmd) printRaw(raw []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(raw), "", "  "); err != nil {
		return fmt.Errorf("the server's response is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := c.e.stdout.Write(b.Bytes())
	return err
}

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cols ...string) {
	out := make([]string, len(cols)) // cols may be shared, e.g. a header
	for i, s := range cols {
		if s == "" {
			out[i] = "-"
		} else {
			out[i] = oneLine(s)
		}
	}
	fmt.Fprintln(t.tw, strings.Join(out, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// fields writes "label: value" lines, aligned.
func fields(w io.Writer, kv ...string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s:\t%s\n", kv[i], oneLine(v))
	}
	return tw.Flush()
}

// oneLine keeps a user-supplied value from breaking a table row.
func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func fmtList(s []string) string { return strings.Join(s, ", ") }

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// pageFlags are the flags of every list command.
type pageFlags struct {
	limit  int
	cursor string
	all    bool
}

func (p *pageFlags) define(fs *flag.FlagSet) {
	fs.IntVar(&p.limit, "limit", 0, "page size, 1-200 (default: the server's, 50)")
	fs.StringVar(&p.cursor, "cursor", "", "continue a list from this cursor")
	fs.BoolVar(&p.all, "all", false, "fetch every page")
}

func (p pageFlags) options() (client.ListOptions, error) {
	if p.limit < 0 || p.limit > 200 {
		return client.ListOptions{}, usagef("--limit must be between 1 and 200")
	}
	return client.ListOptions{Limit: p.limit, Cursor: p.cursor}, nil
}

// lister is a list method of the SDK client.
type lister[T any] func(ctx context.Context, o client.ListOptions) (*client.Page[T], error)

// listing is what a list command fetched: the items, decoded and as the
// server sent them, and the cursor of the next page.
type listing[T any] struct {
	items []T
	raw   []json.RawMessage // raw[i] is items[i] as sent
	next  string            // "" when there is none or --all was given
	// page is the response body when exactly one page was fetched and
	// nothing was left out of it: --json prints it as it is.
	page []byte
}

// collect fetches one page, or with --all every page, starting at the
// --cursor.
func collect[T any](ctx context.Context, p pageFlags, list lister[T]) (listing[T], error) {
	return collectWhere(ctx, p, list, nil)
}

// collectWhere is collect keeping only the items keep accepts (nil: all),
// for filters the API does not have.
func collectWhere[T any](ctx context.Context, p pageFlags, list lister[T], keep func(T) bool) (listing[T], error) {
	l := listing[T]{items: []T{}, raw: []json.RawMessage{}}
	o, err := p.options()
	if err != nil {
		return l, err
	}
	for pages := 1; ; pages++ {
		var body []byte
		page, err := list(client.WithResponseBody(ctx, func(b []byte) { body = b }), o)
		if err != nil {
			return l, wrapErr(err)
		}
		// The items as sent, in the order decoded.
		var sent struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &sent); err != nil || len(sent.Data) != len(page.Data) {
			return l, fmt.Errorf("the server's list response is not a page of %d items", len(page.Data))
		}
		for i, it := range page.Data {
			if keep == nil || keep(it) {
				l.items = append(l.items, it)
				l.raw = append(l.raw, sent.Data[i])
			}
		}
		l.page = nil
		if pages == 1 && keep == nil {
			l.page = body
		}
		if !p.all || page.NextCursor == "" || page.NextCursor == o.Cursor {
			if !p.all {
				l.next = page.NextCursor
			}
			if p.all && pages > 1 {
				l.page = nil
			}
			return l, nil
		}
		o.Cursor = page.NextCursor
	}
}

// json is the document --json prints for the list: the page as the
// server sent it when the command fetched one page and left nothing out;
// else a page of the same shape, {"data":[…],"next_cursor":"…"}, holding
// every item fetched (each as sent) and, as the server writes it, the
// cursor of the next page, left out when there is none (after --all).
func (l listing[T]) json() []byte {
	if l.page != nil {
		return l.page
	}
	b, _ := json.Marshal(struct {
		Data       []json.RawMessage `json:"data"`
		NextCursor string            `json:"next_cursor,omitempty"`
	}{l.raw, l.next})
	return b
}

// tableOf is the output of a list: with --json the API's page (see
// listing.json), else a table; then (on stderr) how to see the next page.
func tableOf[T any](l listing[T], header []string, row func(T) []string) *output {
	o := show(l.items, func(w io.Writer) error {
		t := newTable(w, header...)
		for _, it := range l.items {
			t.row(row(it)...)
		}
		return t.flush()
	})
	o.raw = l.json()
	if l.next != "" {
		o.note = fmt.Sprintf("More results: add --cursor %s, or --all for every page.\n", l.next)
	}
	return o
}

// listed collects a list and returns it as tableOf does.
func listed[T any](ctx context.Context, p pageFlags, list lister[T], header []string, row func(T) []string) (*output, error) {
	l, err := collect(ctx, p, list)
	if err != nil {
		return nil, err
	}
	return tableOf(l, header, row), nil
}

// confirm asks a yes/no question on stderr and reads the answer from
// standard input. Without an answer (no terminal, end of input) it refuses,
// so scripts must pass --yes.
func confirm(e *env, question string) (bool, error) {
	fmt.Fprintf(e.stderr, "%s [y/N] ", question)
	line, err := readLine(e)
	if err != nil {
		fmt.Fprintln(e.stderr)
		return false, usagef("no confirmation on standard input: pass --yes to proceed")
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// deleted reports the deletion of id.
func deleted(id, done string) *output {
	return say(map[string]any{"id": id, "deleted": true}, done+"\n", id)
}

// confirmOrStop asks the question and returns nil on yes; on no it says
// so and returns errSilent (exit status 1).
func confirmOrStop(e *env, question string) error {
	ok, err := confirm(e, question)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(e.stderr, "Nothing done.")
		return errSilent
	}
	return nil
}
