package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
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
	registerGroup("audit", nil, "read the audit log", auditList, auditGet, auditTail, auditExport, auditVerify)
}

type auditListFlags struct {
	f    auditFilter
	page pageFlags
}

var auditList = clientCmd[auditListFlags]{name: "list", aliases: []string{"ls"},
	args:    "[--actor ID] [--key KEY_ID] [--action A] [--target-type T] [--target ID] [--workspace WORKSPACE] [--outcome success|denied|error] [--q TEXT] [--since T] [--until T] [--limit N] [--cursor C] [--all]",
	usage:   "[flags]",
	summary: "list audit events, newest first; --since/--until take an RFC 3339 time or a duration ago (24h, 7d)",
	flags: func(o *auditListFlags, fs *flag.FlagSet) {
		o.f.define(fs)
		o.page.define(fs)
	},
	run: func(ctx context.Context, x *cmdCall, o *auditListFlags) (*output, error) {
		if err := o.f.finish(x.r); err != nil {
			return nil, err
		}
		return listed(ctx, o.page, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.AuditEvent], error) {
			o.f.opts.ListOptions = lo
			return x.cl.ListAuditEvents(ctx, o.f.opts)
		}, auditHeader, auditRow)
	}}

var auditHeader = []string{"SEQ", "TIME", "ACTION", "OUTCOME", "ACTOR", "KEY", "TARGET", "WORKSPACE", "IP", "REQUEST"}

func auditRow(ev client.AuditEvent) []string {
	return []string{fmt.Sprint(ev.Seq), fmtTime(ev.Time), ev.Action, ev.Outcome, actorLabel(ev), ev.KeyID, targetLabel(ev), ev.WorkspaceID, ev.IP, ev.RequestID}
}

// auditFilter is the filter flags of list and tail; finish checks them
// and resolves names once the command line is parsed.
type auditFilter struct {
	opts             client.ListAuditEventsOptions
	ws, since, until string
}

func (o *auditFilter) define(fs *flag.FlagSet) {
	fs.StringVar(&o.opts.ActorID, "actor", "", "only events by this user or service account (id)")
	fs.StringVar(&o.opts.KeyID, "key", "", "only events made with this API key (id)")
	fs.StringVar(&o.opts.Action, "action", "", "only this action, e.g. service_account.create")
	fs.StringVar(&o.opts.TargetType, "target-type", "", "only events on this kind of target")
	fs.StringVar(&o.opts.TargetID, "target", "", "only events on this target (id)")
	fs.StringVar(&o.ws, "workspace", "", "only events in this workspace (id or name)")
	fs.StringVar(&o.opts.Outcome, "outcome", "", "only success, denied or error")
	fs.StringVar(&o.opts.Query, "q", "", "only events whose actor or target name contains this text (case-insensitive)")
	fs.StringVar(&o.since, "since", "", "only events at or after this time (RFC 3339, or a duration ago such as 24h or 7d)")
	fs.StringVar(&o.until, "until", "", "only events before this time (RFC 3339, or a duration ago)")
}

func (o *auditFilter) finish(r *resolver) error {
	if err := checkEnum("--outcome", o.opts.Outcome, "success", "denied", "error"); err != nil {
		return err
	}
	var err error
	now := time.Now()
	if o.opts.Since, err = parseWhen("--since", o.since, now); err != nil {
		return err
	}
	if o.opts.Until, err = parseWhen("--until", o.until, now); err != nil {
		return err
	}
	if o.ws != "" {
		if o.opts.WorkspaceID, err = r.workspace(o.ws); err != nil {
			return err
		}
	}
	return nil
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

var auditGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "EVENT_ID", summary: "show one audit event",
	min: 1, max: 1,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		ev, err := x.cl.GetAuditEvent(ctx, x.id)
		return shown(ev, err, func(w io.Writer) error {
			if err := fields(w,
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
				fmt.Fprintln(w, "\nDetails:")
				keys := make([]string, 0, len(ev.Details))
				for k := range ev.Details {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					fmt.Fprintf(w, "  %s: %v\n", k, ev.Details[k])
				}
			}
			return nil
		})
	}}

type auditTailFlags struct {
	f        auditFilter
	follow   bool
	n        int
	interval time.Duration
}

var auditTail = clientCmd[auditTailFlags]{name: "tail", args: "[-f] [-n N] [--interval DUR] [list filters]", usage: "[-f] [-n N] [flags]",
	summary: "print the newest events, oldest first; with -f keep printing new ones as they are committed",
	flags: func(o *auditTailFlags, fs *flag.FlagSet) {
		o.f.define(fs)
		fs.BoolVar(&o.follow, "f", false, "keep printing new events until interrupted")
		fs.IntVar(&o.n, "n", 10, "how many of the newest events to print first (0-200)")
		o.interval = 2 * time.Second
		fs.Var((*durationValue)(&o.interval), "interval", "how often -f asks for new events")
	},
	check: func(x *cmdCall, o *auditTailFlags) error {
		if o.n < 0 || o.n > 200 {
			return usagef("-n must be between 0 and 200")
		}
		if o.interval < 100*time.Millisecond {
			return usagef("--interval must be at least 100ms")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *auditTailFlags) (*output, error) {
		if err := o.f.finish(x.r); err != nil {
			return nil, err
		}
		return nil, auditTailRun(ctx, x, o)
	}}

// auditTailRun prints the newest events oldest first and, with -f, polls
// for events committed after the newest one seen (by seq, which only
// grows), walking as many pages as arrived between two polls.
func auditTailRun(ctx context.Context, x *cmdCall, o *auditTailFlags) error {
	q := &o.f.opts
	// The first request also finds the newest seq, from which -f follows.
	q.ListOptions = client.ListOptions{Limit: max(o.n, 1)}
	p, raw, err := listAuditEventsRaw(ctx, x, *q)
	if err != nil {
		return err
	}
	var last int64
	if len(p.Data) > 0 {
		last = p.Data[0].Seq
	}
	if o.n > 0 {
		if err := printTail(x, p.Data, raw); err != nil {
			return err
		}
	}
	if !o.follow {
		return nil
	}
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		var fresh []client.AuditEvent
		var freshRaw []json.RawMessage
		q.ListOptions = client.ListOptions{Limit: 200}
	pages:
		for {
			p, raw, err := listAuditEventsRaw(ctx, x, *q)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				// A server restart or a network blip: say so and keep going.
				fmt.Fprintln(x.e.stderr, "signet: audit tail:", wrapErr(err))
				break
			}
			for i, ev := range p.Data {
				if ev.Seq <= last {
					break pages
				}
				fresh, freshRaw = append(fresh, ev), append(freshRaw, raw[i])
			}
			if p.NextCursor == "" {
				break
			}
			q.Cursor = p.NextCursor
		}
		if len(fresh) > 0 {
			last = fresh[0].Seq
			if err := printTail(x, fresh, freshRaw); err != nil {
				return err
			}
		}
	}
}

// listAuditEventsRaw lists one page of events, and each event as the
// server sent it (raw[i] is page.Data[i]), for --json.
func listAuditEventsRaw(ctx context.Context, x *cmdCall, q client.ListAuditEventsOptions) (*client.Page[client.AuditEvent], []json.RawMessage, error) {
	var body []byte
	p, err := x.cl.ListAuditEvents(client.WithResponseBody(ctx, func(b []byte) { body = b }), q)
	if err != nil {
		return nil, nil, err
	}
	var sent struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &sent); err != nil || len(sent.Data) != len(p.Data) {
		return nil, nil, fmt.Errorf("the server's list of audit events does not read as a page: %v", err)
	}
	return p, sent.Data, nil
}

// printTail prints events given newest first (raw[i] is newestFirst[i]
// as the server sent it), oldest first: JSON Lines of the server's JSON
// with --json, else one tab-separated line each.
func printTail(x *cmdCall, newestFirst []client.AuditEvent, raw []json.RawMessage) error {
	for i := len(newestFirst) - 1; i >= 0; i-- {
		ev := newestFirst[i]
		if *x.json {
			var line bytes.Buffer
			if err := json.Compact(&line, raw[i]); err != nil {
				return err
			}
			line.WriteByte('\n')
			x.e.stdout.Write(line.Bytes())
			continue
		}
		row := auditRow(ev)
		for j, v := range row {
			if v == "" {
				row[j] = "-"
			}
		}
		fmt.Fprintln(x.e.stdout, strings.Join(row, "\t"))
	}
	return nil
}

type auditExportFlags struct {
	since, until, ws, output string
	opts                     client.ExportAuditEventsOptions
}

var auditExport = clientCmd[auditExportFlags]{name: "export", args: "[--since T] [--until T] [--workspace W] [--output FILE]", usage: "[flags]",
	summary: "export events as JSON Lines, oldest first, streamed (constant memory)",
	flags: func(o *auditExportFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.since, "since", "", "only events at or after this time (RFC 3339, or a duration ago such as 24h or 7d)")
		fs.StringVar(&o.until, "until", "", "only events before this time (RFC 3339, or a duration ago)")
		fs.StringVar(&o.ws, "workspace", "", "only events in this workspace (id or name)")
		fs.StringVar(&o.output, "output", "", "write to this file instead of standard output")
	},
	check: func(x *cmdCall, o *auditExportFlags) error {
		var err error
		now := time.Now()
		if o.opts.Since, err = parseWhen("--since", o.since, now); err != nil {
			return err
		}
		o.opts.Until, err = parseWhen("--until", o.until, now)
		return err
	},
	run: func(ctx context.Context, x *cmdCall, o *auditExportFlags) (*output, error) {
		var err error
		if o.ws != "" {
			if o.opts.WorkspaceID, err = x.r.workspace(o.ws); err != nil {
				return nil, err
			}
		}
		out := x.e.stdout
		if o.output != "" {
			f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			out = f
		}
		var n int64
		err = x.cl.ExportAuditEventsRaw(ctx, o.opts, func(r io.Reader) error {
			var err error
			n, err = io.Copy(out, r)
			return err
		})
		if err != nil {
			return nil, err
		}
		if o.output != "" {
			fmt.Fprintf(x.e.stderr, "wrote %d bytes to %s\n", n, o.output)
		}
		return nil, nil
	}}

type auditVerifyFlags struct{ db string }

// auditVerify verifies the chain through the API or, with --database,
// offline on the database file (an operator with the file needs no
// credentials, and a server that was tampered with cannot lie about it).
var auditVerify = clientCmd[auditVerifyFlags]{name: "verify", args: "[--database PATH]",
	summary: "verify the hash chain through the API, or offline on a database file with --database; exit status 1 if broken",
	flags: func(o *auditVerifyFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.db, "database", "", "verify this database offline instead of asking the server (SQLite PATH, sqlite:PATH or a postgres:// URL)")
	},
	offline: true,
	run: func(ctx context.Context, x *cmdCall, o *auditVerifyFlags) (*output, error) {
		st, err := auditChainStatus(ctx, x, o.db)
		if err != nil {
			return nil, err
		}
		out := show(st, func(w io.Writer) error {
			printChainStatus(w, st)
			return nil
		})
		if !st.OK {
			return out, errSilent
		}
		return out, nil
	}}

func auditChainStatus(ctx context.Context, x *cmdCall, db string) (client.AuditChainStatus, error) {
	if db != "" {
		store, err := openStore(ctx, db, sqlstore.Options{})
		if err != nil {
			return client.AuditChainStatus{}, err
		}
		defer store.Close()
		v, err := service.New(store, service.Options{}).VerifyAuditChain(ctx, signet.SystemActor)
		if err != nil {
			return client.AuditChainStatus{}, err
		}
		return httpapi.AuditChainStatusJSON(v), nil
	}
	cl, err := x.client()
	if err != nil {
		return client.AuditChainStatus{}, err
	}
	v, err := cl.VerifyAuditChain(ctx)
	if err != nil {
		return client.AuditChainStatus{}, wrapErr(err)
	}
	return *v, nil
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
