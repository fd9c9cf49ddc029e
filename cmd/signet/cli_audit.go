package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("audit", nil, "read the audit log", []subcommand{
		{name: "list", aliases: []string{"ls"}, args: "[--actor ID] [--key KEY_ID] [--action A] [--target-type T] [--target ID] [--workspace WORKSPACE] [--outcome success|denied|error] [--since T] [--until T] [--limit N] [--cursor C] [--all]",
			summary: "list audit events, newest first; --since/--until take an RFC 3339 time or a duration ago (24h, 7d)", run: auditList},
		{name: "get", aliases: []string{"show"}, args: "EVENT_ID", summary: "show one audit event", run: auditGet},
	})
}

func auditList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "audit list")
	var o client.ListAuditEventsOptions
	c.fs.StringVar(&o.ActorID, "actor", "", "only events by this user or service account (id)")
	c.fs.StringVar(&o.KeyID, "key", "", "only events made with this API key (id)")
	c.fs.StringVar(&o.Action, "action", "", "only this action, e.g. service_account.create")
	c.fs.StringVar(&o.TargetType, "target-type", "", "only events on this kind of target")
	c.fs.StringVar(&o.TargetID, "target", "", "only events on this target (id)")
	ws := c.fs.String("workspace", "", "only events in this workspace (id or name)")
	c.fs.StringVar(&o.Outcome, "outcome", "", "only success, denied or error")
	since := c.fs.String("since", "", "only events at or after this time (RFC 3339, or a duration ago such as 24h or 7d)")
	until := c.fs.String("until", "", "only events before this time (RFC 3339, or a duration ago)")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
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
	cl, err := c.client()
	if err != nil {
		return err
	}
	if *ws != "" {
		if o.WorkspaceID, err = newResolver(ctx, cl).workspace(*ws); err != nil {
			return err
		}
	}
	items, next, err := collect(ctx, pf, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.AuditEvent], error) {
		o.ListOptions = lo
		return cl.ListAuditEvents(ctx, o)
	})
	if err != nil {
		return err
	}
	return printList(c, items, next, []string{"TIME", "ACTION", "OUTCOME", "ACTOR", "KEY", "TARGET", "WORKSPACE", "REQUEST"},
		func(ev client.AuditEvent) []string {
			return []string{fmtTime(ev.Time), ev.Action, ev.Outcome, actorLabel(ev), ev.KeyID, targetLabel(ev), ev.WorkspaceID, ev.RequestID}
		})
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
