package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store/sqlstore"
)

func init() {
	registerGroup("audit", nil, "read the audit log", []subcommand{
		{name: "list", aliases: []string{"ls"}, args: "[--actor ID] [--key KEY_ID] [--action A] [--target-type T] [--target ID] [--workspace WORKSPACE] [--outcome success|denied|error] [--q TEXT] [--since T] [--until T] [--limit N] [--cursor C] [--all]",
			summary: "list audit events, newest first; --since/--until take an RFC 3339 time or a duration ago (24h, 7d)", run: auditList},
		{name: "get", aliases: []string{"show"}, args: "EVENT_ID", summary: "show one audit event", run: auditGet},
		{name: "tail", args: "[-f] [-n N] [--interval DUR] [list filters]",
			summary: "print the newest events, oldest first; with -f keep printing new ones as they are committed", run: auditTail},
		{name: "export", args: "[--since T] [--until T] [--workspace W] [--output FILE]",
			summary: "export events as JSON Lines, oldest first, streamed (constant memory)", run: auditExport},
		{name: "verify", args: "[--database PATH]",
			summary: "verify the hash chain through the API, or offline on a database file with --database; exit status 1 if broken", run: auditVerify},
	})
}

func auditList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "audit list")
	o, finish := auditFilterFlags(c)
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	if err := finish(ctx, cl); err != nil {
		return err
	}
	items, next, err := collect(ctx, pf, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.AuditEvent], error) {
		o.ListOptions = lo
		return cl.ListAuditEvents(ctx, *o)
	})
	if err != nil {
		return err
	}
	return printList(c, items, next, auditHeader, auditRow)
}

var auditHeader = []string{"SEQ", "TIME", "ACTION", "OUTCOME", "ACTOR", "KEY", "TARGET", "WORKSPACE", "IP", "REQUEST"}

func auditRow(ev client.AuditEvent) []string {
	return []string{fmt.Sprint(ev.Seq), fmtTime(ev.Time), ev.Action, ev.Outcome, actorLabel(ev), ev.KeyID, targetLabel(ev), ev.WorkspaceID, ev.IP, ev.RequestID}
}

// auditFilterFlags adds the filter flags of list and tail; finish checks
// them and resolves names once the command line is parsed.
func auditFilterFlags(c *cliCmd) (*client.ListAuditEventsOptions, func(context.Context, *client.Client) error) {
	o := &client.ListAuditEventsOptions{}
	c.fs.StringVar(&o.ActorID, "actor", "", "only events by this user or service account (id)")
	c.fs.StringVar(&o.KeyID, "key", "", "only events made with this API key (id)")
	c.fs.StringVar(&o.Action, "action", "", "only this action, e.g. service_account.create")
	c.fs.StringVar(&o.TargetType, "target-type", "", "only events on this kind of target")
	c.fs.StringVar(&o.TargetID, "target", "", "only events on this target (id)")
	ws := c.fs.String("workspace", "", "only events in this workspace (id or name)")
	c.fs.StringVar(&o.Outcome, "outcome", "", "only success, denied or error")
	c.fs.StringVar(&o.Query, "q", "", "only events whose actor or target name contains this text (case-insensitive)")
	since := c.fs.String("since", "", "only events at or after this time (RFC 3339, or a duration ago such as 24h or 7d)")
	until := c.fs.String("until", "", "only events before this time (RFC 3339, or a duration ago)")
	return o, func(ctx context.Context, cl *client.Client) error {
		if err := checkEnum("--outcome", o.Outcome, "success", "denied", "error"); err != nil {
			return err
		}
		var err error
		now := time.Now()
		if o.Since, err = parseWhen("--since", *since, now); err != nil {
			return err
		}
		if o.Until, err = parseWhen("--until", *until, now); err != nil {
			return err
		}
		if *ws != "" {
			if o.WorkspaceID, err = newResolver(ctx, cl).workspace(*ws); err != nil {
				return err
			}
		}
		return nil
	}
}

func actorLabel(ev client.AuditEvent) string {
	switch {
	case ev.ActorName != "" && ev.ActorID != "":
		return ev.ActorName + " (" + ev.ActorID + ")"
	case ev.ActorID != "":
		return ev.ActorID
	}
	return ev.ActorKind
}

func targetLabel(ev client.AuditEvent) string {
	s := ev.TargetType
	if ev.TargetID != "" {
		s = strings.TrimSpace(s + " " + ev.TargetID)
	}
	if ev.TargetName != "" {
		s += " (" + ev.TargetName + ")"
	}
	return s
}

// parseWhen reads an RFC 3339 time or a duration before now; "" is nil.
func parseWhen(flagName, v string, now time.Time) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	if d, err := parseDuration(v); err == nil && d >= 0 {
		t := now.Add(-d)
		return &t, nil
	}
	return nil, usagef("%s %q: want an RFC 3339 time or a duration such as 24h or 7d", flagName, v)
}

func auditGet(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "audit get")
	if err := c.parse(args, 1, 1, "EVENT_ID"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	ev, err := cl.GetAuditEvent(ctx, c.args[0])
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(ev)
	}
	if err := fields(e.stdout,
		"ID", ev.ID,
		"Sequence", fmt.Sprint(ev.Seq),
		"Time", ev.Time.UTC().Format(time.RFC3339Nano),
		"Action", ev.Action,
		"Outcome", ev.Outcome,
		"Actor", actorLabel(*ev),
		"Actor kind", ev.ActorKind,
		"API key", ev.KeyID,
		"Target", targetLabel(*ev),
		"Workspace", ev.WorkspaceID,
		"IP", ev.IP,
		"User agent", ev.UserAgent,
		"Request", ev.RequestID,
		"Hash", ev.Hash,
		"Previous hash", ev.PrevHash,
	); err != nil {
		return err
	}
	if len(ev.Details) > 0 {
		fmt.Fprintln(e.stdout, "\nDetails:")
		keys := make([]string, 0, len(ev.Details))
		for k := range ev.Details {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(e.stdout, "  %s: %v\n", k, ev.Details[k])
		}
	}
	return nil
}

// auditTail prints the newest events oldest first and, with -f, polls for
// events committed after the newest one seen (by seq, which only grows),
// walking as many pages as arrived between two polls.
func auditTail(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "audit tail")
	o, finish := auditFilterFlags(c)
	follow := c.fs.Bool("f", false, "keep printing new events until interrupted")
	n := c.fs.Int("n", 10, "how many of the newest events to print first (0-200)")
	interval := c.fs.Duration("interval", 2*time.Second, "how often -f asks for new events")
	if err := c.parse(args, 0, 0, "[-f] [-n N] [flags]"); err != nil {
		return err
	}
	if *n < 0 || *n > 200 {
		return usagef("-n must be between 0 and 200")
	}
	if *interval < 100*time.Millisecond {
		return usagef("--interval must be at least 100ms")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	if err := finish(ctx, cl); err != nil {
		return err
	}
	// The first request also finds the newest seq, from which -f follows.
	o.ListOptions = client.ListOptions{Limit: max(*n, 1)}
	p, err := cl.ListAuditEvents(ctx, *o)
	if err != nil {
		return wrapErr(err)
	}
	var last int64
	if len(p.Data) > 0 {
		last = p.Data[0].Seq
	}
	if *n > 0 {
		if err := printTail(c, p.Data); err != nil {
			return err
		}
	}
	if !*follow {
		return nil
	}
	t := time.NewTicker(*interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		var fresh []client.AuditEvent
		o.ListOptions = client.ListOptions{Limit: 200}
	pages:
		for {
			p, err := cl.ListAuditEvents(ctx, *o)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				// A server restart or a network blip: say so and keep going.
				fmt.Fprintln(e.stderr, "signet: audit tail:", wrapErr(err))
				break
			}
			for _, ev := range p.Data {
				if ev.Seq <= last {
					break pages
				}
				fresh = append(fresh, ev)
			}
			if p.NextCursor == "" {
				break
			}
			o.Cursor = p.NextCursor
		}
		if len(fresh) > 0 {
			last = fresh[0].Seq
			if err := printTail(c, fresh); err != nil {
				return err
			}
		}
	}
}

// printTail prints events given newest first, oldest first: JSON Lines
// with --json, else one tab-separated line each.
func printTail(c *cliCmd, newestFirst []client.AuditEvent) error {
	for i := len(newestFirst) - 1; i >= 0; i-- {
		ev := newestFirst[i]
		if *c.json {
			b, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.e.stdout, "%s\n", b)
			continue
		}
		row := auditRow(ev)
		for j, v := range row {
			if v == "" {
				row[j] = "-"
			}
		}
		fmt.Fprintln(c.e.stdout, strings.Join(row, "\t"))
	}
	return nil
}

func auditExport(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "audit export")
	since := c.fs.String("since", "", "only events at or after this time (RFC 3339, or a duration ago such as 24h or 7d)")
	until := c.fs.String("until", "", "only events before this time (RFC 3339, or a duration ago)")
	ws := c.fs.String("workspace", "", "only events in this workspace (id or name)")
	output := c.fs.String("output", "", "write to this file instead of standard output")
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	var o client.ExportAuditEventsOptions
	var err error
	now := time.Now()
	if o.Since, err = parseWhen("--since", *since, now); err != nil {
		return err
	}
	if o.Until, err = parseWhen("--until", *until, now); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	if *ws != "" {
		if o.WorkspaceID, err = newResolver(ctx, cl).workspace(*ws); err != nil {
			return err
		}
	}
	out := c.e.stdout
	if *output != "" {
		f, err := os.OpenFile(*output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	var n int64
	err = cl.ExportAuditEventsRaw(ctx, o, func(r io.Reader) error {
		var err error
		n, err = io.Copy(out, r)
		return err
	})
	if err != nil {
		return wrapErr(err)
	}
	if *output != "" {
		fmt.Fprintf(c.e.stderr, "wrote %d bytes to %s\n", n, *output)
	}
	return nil
}

// auditVerify verifies the chain through the API or, with --database,
// offline on the database file (an operator with the file needs no
// credentials, and a server that was tampered with cannot lie about it).
func auditVerify(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "audit verify")
	db := c.fs.String("database", "", "verify this database offline instead of asking the server (SQLite PATH, sqlite:PATH or a postgres:// URL)")
	if err := c.parse(args, 0, 0, "[--database PATH]"); err != nil {
		return err
	}
	var st client.AuditChainStatus
	if *db != "" {
		store, err := openStore(ctx, *db, sqlstore.Options{})
		if err != nil {
			return err
		}
		defer store.Close()
		v, err := service.New(store, service.Options{}).VerifyAuditChain(ctx, signet.SystemActor)
		if err != nil {
			return err
		}
		st = httpapi.AuditChainStatusJSON(v)
	} else {
		cl, err := c.client()
		if err != nil {
			return err
		}
		v, err := cl.VerifyAuditChain(ctx)
		if err != nil {
			return wrapErr(err)
		}
		st = *v
	}
	if *c.json {
		if err := c.printJSON(st); err != nil {
			return err
		}
	} else {
		printChainStatus(c.e.stdout, st)
	}
	if !st.OK {
		return errSilent
	}
	return nil
}

func printChainStatus(w io.Writer, st client.AuditChainStatus) {
	from := "the genesis"
	if st.Checkpoint != nil {
		from = fmt.Sprintf("the retention checkpoint (seq %d, pruned %s)", st.Checkpoint.Seq, fmtTime(st.Checkpoint.PrunedAt))
	}
	if st.OK {
		fmt.Fprintf(w, "audit chain intact: %d events verified from %s\nhead: seq %d, hash %s\n", st.Checked, from, st.HeadSeq, st.HeadHash)
		return
	}
	b := st.Break
	fmt.Fprintf(w, "audit chain BROKEN at seq %d", b.Seq)
	if b.EventID != "" {
		fmt.Fprintf(w, " (event %s)", b.EventID)
	}
	fmt.Fprintf(w, ": %s: %s\n%d events verified from %s before it; last good: seq %d, hash %s\n",
		b.Problem, b.Message, st.Checked, from, st.HeadSeq, st.HeadHash)
}
