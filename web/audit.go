package web

import (
	"net/http"
	"net/url"
	"time"

	signet "github.com/signetdev/signet"
)

type auditView struct {
	base
	Events     []*signet.AuditEvent
	F          auditFilterForm
	Next       string
	NextURL    string
	FirstURL   string
	Filtered   bool   // a filter narrows the events
	ClearURL   string // the log without filters (keeping a workspace that access requires)
	Workspaces []*signet.Workspace
	WSNames    names
}

type auditFilterForm struct {
	Actor, Key, Action, TargetType, Target, Workspace, Outcome, Since, Until, Cursor string
}

func (s *server) auditPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	q := r.URL.Query()
	if q.Get("workspace") == "" && !c.me.Can("audit:read") {
		// Only workspace-level access: show a workspace the viewer may read.
		if ws := c.me.firstWorkspaceWith("audit:read"); ws != "" {
			q.Set("workspace", ws)
			http.Redirect(w, r, "/settings/audit?"+q.Encode(), http.StatusSeeOther)
			return nil
		}
	}
	f := auditFilterForm{Actor: q.Get("actor"), Key: q.Get("key"), Action: q.Get("action"), TargetType: q.Get("target_type"),
		Target: q.Get("target"), Workspace: q.Get("workspace"), Outcome: q.Get("outcome"), Since: q.Get("since"), Until: q.Get("until"), Cursor: q.Get("cursor")}
	af := signet.AuditFilter{ActorID: f.Actor, KeyID: f.Key, Action: f.Action, TargetType: f.TargetType, TargetID: f.Target,
		WorkspaceID: f.Workspace, Outcome: f.Outcome, Page: signet.Page{Cursor: f.Cursor}}
	v := &auditView{base: c.base("Audit log", "audit", r), F: f, WSNames: names{}}
	var perr error
	if af.Since, perr = parseDate(f.Since, false); perr != nil {
		return perr
	}
	if af.Until, perr = parseDate(f.Until, true); perr != nil {
		return perr
	}
	events, next, err := s.svc.ListAuditEvents(r.Context(), c.actor, af)
	if err != nil {
		return err
	}
	v.Events, v.Next = events, next
	if wss, err := allOf(func(p signet.Page) ([]*signet.Workspace, string, error) {
		return s.svc.ListWorkspaces(r.Context(), c.actor, p)
	}); err == nil {
		v.Workspaces = wss
		for _, w := range wss {
			v.WSNames[w.ID] = w.Name
		}
	}
	q.Del("notice")
	q.Del("cursor")
	v.FirstURL = "/settings/audit?" + q.Encode()
	v.Filtered = f.Actor != "" || f.Key != "" || f.Action != "" || f.TargetType != "" || f.Target != "" || f.Outcome != "" || f.Since != "" || f.Until != "" ||
		(f.Workspace != "" && c.me.Can("audit:read"))
	v.ClearURL = "/settings/audit"
	if f.Workspace != "" && !c.me.Can("audit:read") {
		v.ClearURL += "?workspace=" + url.QueryEscape(f.Workspace)
	}
	if next != "" {
		q.Set("cursor", next)
		v.NextURL = "/settings/audit?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "audit.html", v)
	return nil
}

// parseDate reads a yyyy-mm-dd filter date (UTC); end selects the end of
// that day.
func parseDate(s string, end bool) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, signet.Errorf(signet.EINVALID, "dates are YYYY-MM-DD, not %q", s)
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return &t, nil
}

type auditEventView struct {
	base
	E    *signet.AuditEvent
	Back string
}

func (s *server) auditEventPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	e, err := s.svc.GetAuditEvent(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	back := "/settings/audit"
	if e.TargetID != "" {
		back += "?target=" + url.QueryEscape(e.TargetID)
	}
	s.render(w, r, http.StatusOK, "audit_event.html", auditEventView{base: c.base("Audit event", "audit", r), E: e, Back: back})
	return nil
}
