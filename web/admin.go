package web

import (
	"net/http"
	"net/url"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// Groups.

type groupsView struct {
	base
	Groups []*signet.Group
	Form   struct{ Name, Description, Error string }
	Open   string
}

func (s *server) groupsView(r *http.Request, c *reqCtx) (*groupsView, error) {
	gs, err := allOf(func(p signet.Page) ([]*signet.Group, string, error) { return s.svc.ListGroups(r.Context(), c.actor, p) })
	if err != nil {
		return nil, err
	}
	return &groupsView{base: c.base("Groups", "groups", r), Groups: gs, Open: r.URL.Query().Get("dialog")}, nil
}

func (s *server) groupsPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.groupsView(r, c)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "groups.html", v)
	return nil
}

func (s *server) createGroup(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	g, err := s.svc.CreateGroup(r.Context(), c.actor, service.GroupInput{Name: name, Description: desc})
	if err != nil && !c.me.Can("groups:write") {
		return err // no dialog to show it in
	}
	if err != nil {
		v, verr := s.groupsView(r, c)
		if verr != nil {
			return verr
		}
		v.Form.Name, v.Form.Description, v.Form.Error, v.Open = name, desc, s.message(r, err), "create-group"
		s.render(w, r, statusFor(err), "groups.html", v)
		return nil
	}
	redirect(w, r, "/settings/groups/"+g.ID, "created")
	return nil
}

type groupView struct {
	base
	Detail  *service.GroupDetail
	Grants  []grantView
	Users   []*signet.User // candidates to add
	Choices choices
	Forms   map[string]string
}

func (s *server) groupView(r *http.Request, c *reqCtx) (*groupView, error) {
	ctx := r.Context()
	d, err := s.svc.GetGroup(ctx, c.actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	ch, err := s.loadChoices(ctx, c)
	if err != nil {
		return nil, err
	}
	v := &groupView{base: c.base("Group "+d.Group.Name, "groups", r), Detail: d, Choices: ch, Forms: map[string]string{}}
	n := ch.names()
	for _, g := range d.Grants {
		v.Grants = append(v.Grants, grantView{ID: g.ID, Label: grantLabel(n, g)})
	}
	if c.me.Can("groups:write") && (c.me.Can("users:read") || c.me.Can("service_accounts:read")) {
		all, err := allOf(func(p signet.Page) ([]*signet.User, string, error) {
			return s.svc.ListUsers(ctx, c.actor, signet.UserFilter{Page: p})
		})
		if err != nil {
			return nil, err
		}
		member := map[string]bool{}
		for _, m := range d.Members {
			member[m.ID] = true
		}
		for _, u := range all {
			if !member[u.ID] {
				v.Users = append(v.Users, u)
			}
		}
	}
	return v, nil
}

func (s *server) groupPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.groupView(r, c)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "group.html", v)
	return nil
}

func (s *server) groupFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, form string, err error) error {
	v, verr := s.groupView(r, c)
	if verr != nil {
		return err
	}
	v.Forms[form] = s.message(r, err)
	s.render(w, r, statusFor(err), "group.html", v)
	return nil
}

func (s *server) updateGroup(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	if _, err := s.svc.UpdateGroup(r.Context(), c.actor, id, service.GroupUpdate{Name: &name, Description: &desc}); err != nil {
		return s.groupFailed(w, r, c, "details", err)
	}
	redirect(w, r, "/settings/groups/"+id, "saved")
	return nil
}

func (s *server) addGroupMember(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	if err := s.svc.AddGroupMember(r.Context(), c.actor, id, r.PostFormValue("user")); err != nil {
		return s.groupFailed(w, r, c, "members", err)
	}
	redirect(w, r, "/settings/groups/"+id, "added")
	return nil
}

func (s *server) removeGroupMember(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	if err := s.svc.RemoveGroupMember(r.Context(), c.actor, id, r.PathValue("user")); err != nil {
		return s.groupFailed(w, r, c, "members", err)
	}
	redirect(w, r, "/settings/groups/"+id, "removed")
	return nil
}

func (s *server) addGroupGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	_, err := s.svc.CreateGrant(r.Context(), c.actor, service.GrantInput{SubjectType: signet.SubjectGroup, SubjectID: id,
		RoleID: r.PostFormValue("role"), WorkspaceID: r.PostFormValue("workspace")})
	if err != nil {
		return s.groupFailed(w, r, c, "grants", err)
	}
	redirect(w, r, "/settings/groups/"+id, "added")
	return nil
}

func (s *server) deleteGroupGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	if err := s.svc.DeleteGrant(r.Context(), c.actor, r.PathValue("grant")); err != nil {
		return s.groupFailed(w, r, c, "grants", err)
	}
	redirect(w, r, "/settings/groups/"+id, "removed")
	return nil
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteGroup(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.groupFailed(w, r, c, "delete", err)
	}
	redirect(w, r, "/settings/groups", "deleted")
	return nil
}

// Roles.

type rolesView struct {
	base
	Roles []*service.RoleDetail
}

func (s *server) rolesPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	roles, err := allOf(func(p signet.Page) ([]*service.RoleDetail, string, error) {
		return s.svc.ListRoles(r.Context(), c.actor, p)
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "roles.html", rolesView{base: c.base("Roles", "roles", r), Roles: roles})
	return nil
}

type roleView struct {
	base
	New         bool
	ID          string
	BuiltIn     bool
	Name        string
	Description string
	Base        string
	Permissions []string
	Effective   []string
	Catalogue   []string
	Bases       []string
}

var roleBases = []string{signet.BaseNone, signet.BaseView, signet.BaseEdit, signet.BaseManage}

func (s *server) roleForm(r *http.Request, c *reqCtx, v *roleView) error {
	cat, _, err := s.svc.ListPermissions(r.Context(), c.actor)
	if err != nil {
		return err
	}
	v.Catalogue, v.Bases = cat.Permissions(), roleBases
	return nil
}

func (s *server) newRolePage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v := &roleView{base: c.base("New role", "roles", r), New: true, Base: signet.BaseView}
	if err := s.roleForm(r, c, v); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "role.html", v)
	return nil
}

func (s *server) rolePage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetRole(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &roleView{base: c.base("Role "+d.Role.Name, "roles", r), ID: d.Role.ID, BuiltIn: d.Role.BuiltIn, Name: d.Role.Name,
		Description: d.Role.Description, Base: d.Role.Base, Permissions: d.Role.Permissions, Effective: d.Effective}
	if err := s.roleForm(r, c, v); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "role.html", v)
	return nil
}

func (s *server) roleFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, v *roleView, err error) error {
	if ferr := s.roleForm(r, c, v); ferr != nil {
		return err
	}
	v.Error = s.message(r, err)
	s.render(w, r, statusFor(err), "role.html", v)
	return nil
}

func (s *server) createRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	in := service.RoleInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Base: r.PostFormValue("base"), Permissions: r.PostForm["permission"]}
	d, err := s.svc.CreateRole(r.Context(), c.actor, in)
	if err != nil {
		return s.roleFailed(w, r, c, &roleView{base: c.base("New role", "roles", r), New: true, Name: in.Name,
			Description: in.Description, Base: in.Base, Permissions: in.Permissions}, err)
	}
	redirect(w, r, "/settings/roles/"+d.Role.ID, "created")
	return nil
}

func (s *server) updateRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	name, desc, base := r.PostFormValue("name"), r.PostFormValue("description"), r.PostFormValue("base")
	perms := r.PostForm["permission"]
	if perms == nil {
		perms = []string{}
	}
	_, err := s.svc.UpdateRole(r.Context(), c.actor, id, service.RoleUpdate{Name: &name, Description: &desc, Base: &base, Permissions: &perms})
	if err != nil {
		return s.roleFailed(w, r, c, &roleView{base: c.base("Role "+name, "roles", r), ID: id, Name: name,
			Description: desc, Base: base, Permissions: perms}, err)
	}
	redirect(w, r, "/settings/roles/"+id, "saved")
	return nil
}

func (s *server) deleteRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteRole(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, "/settings/roles", "deleted")
	return nil
}

// Workspaces.

type workspacesView struct {
	base
	Workspaces []*signet.Workspace
	Form       struct{ Name, Description, Error string }
	Open       string
}

func (s *server) workspacesView(r *http.Request, c *reqCtx) (*workspacesView, error) {
	wss, err := allOf(func(p signet.Page) ([]*signet.Workspace, string, error) {
		return s.svc.ListWorkspaces(r.Context(), c.actor, p)
	})
	if err != nil {
		return nil, err
	}
	return &workspacesView{base: c.base("Workspaces", "workspaces", r), Workspaces: wss, Open: r.URL.Query().Get("dialog")}, nil
}

func (s *server) workspacesPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.workspacesView(r, c)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "workspaces.html", v)
	return nil
}

func (s *server) workspaceFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, err error, create bool) error {
	v, verr := s.workspacesView(r, c)
	if verr != nil {
		return err
	}
	if create && !c.me.Can("workspaces:write") {
		return err // no dialog to show it in
	}
	if create {
		v.Form.Name, v.Form.Description, v.Form.Error, v.Open = r.PostFormValue("name"), r.PostFormValue("description"), s.message(r, err), "create-workspace"
	} else {
		v.Error = s.message(r, err)
	}
	s.render(w, r, statusFor(err), "workspaces.html", v)
	return nil
}

func (s *server) createWorkspace(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	_, err := s.svc.CreateWorkspace(r.Context(), c.actor, service.WorkspaceInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")})
	if err != nil {
		return s.workspaceFailed(w, r, c, err, true)
	}
	redirect(w, r, "/settings/workspaces", "created")
	return nil
}

func (s *server) updateWorkspace(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	if _, err := s.svc.UpdateWorkspace(r.Context(), c.actor, r.PathValue("id"), service.WorkspaceUpdate{Name: &name, Description: &desc}); err != nil {
		return s.workspaceFailed(w, r, c, err, false)
	}
	redirect(w, r, "/settings/workspaces", "saved")
	return nil
}

func (s *server) deleteWorkspace(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteWorkspace(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.workspaceFailed(w, r, c, err, false)
	}
	redirect(w, r, "/settings/workspaces", "deleted")
	return nil
}

// Audit log.

type auditView struct {
	base
	Events     []*signet.AuditEvent
	F          auditFilterForm
	Next       string
	NextURL    string
	FirstURL   string
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
