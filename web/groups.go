package web

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

type groupsView struct {
	base
	Groups []*signet.Group
	Form   struct {
		Name, Description string
		Err               formError
	}
	Open string
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
	return s.renderView(w, r, "groups.html", v, err)
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
		v.Form.Name, v.Form.Description, v.Form.Err, v.Open = name, desc, s.formError(r, err, nameInputs), "create-group"
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
	// Err is an error beside an input of the details form; Name and
	// Description what that form holds (the group's, or what was typed).
	Err               formError
	Name, Description string
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
	v := &groupView{base: c.base("Group "+d.Group.Name, "groups", r), Detail: d, Choices: ch, Forms: map[string]string{},
		Name: d.Group.Name, Description: d.Group.Description}
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
	return s.renderView(w, r, "group.html", v, err)
}

func (s *server) groupFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, form string, err error) error {
	v, verr := s.groupView(r, c)
	if verr != nil {
		return err
	}
	if form == "details" {
		v.Name, v.Description = r.PostFormValue("name"), r.PostFormValue("description")
		if v.Err = s.formError(r, err, nameInputs); v.Err.Input != "" {
			s.render(w, r, statusFor(err), "group.html", v)
			return nil
		}
	}
	v.Forms[form] = s.formError(r, err, nil).Message
	s.render(w, r, statusFor(err), "group.html", v)
	return nil
}

// groupChanged ends a form post on a group's page: back to the page with
// notice or, on err, the page again with the message in form.
func (s *server) groupChanged(w http.ResponseWriter, r *http.Request, c *reqCtx, form string, err error, notice string) error {
	if err != nil {
		return s.groupFailed(w, r, c, form, err)
	}
	redirect(w, r, "/settings/groups/"+r.PathValue("id"), notice)
	return nil
}

func (s *server) updateGroup(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	_, err := s.svc.UpdateGroup(r.Context(), c.actor, r.PathValue("id"), service.GroupUpdate{Name: &name, Description: &desc})
	return s.groupChanged(w, r, c, "details", err, "saved")
}

func (s *server) addGroupMember(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := s.svc.AddGroupMember(r.Context(), c.actor, r.PathValue("id"), r.PostFormValue("user"))
	return s.groupChanged(w, r, c, "members", err, "added")
}

func (s *server) removeGroupMember(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := s.svc.RemoveGroupMember(r.Context(), c.actor, r.PathValue("id"), r.PathValue("user"))
	return s.groupChanged(w, r, c, "members", err, "removed")
}

func (s *server) addGroupGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	_, err := s.svc.CreateGrant(r.Context(), c.actor, service.GrantInput{SubjectType: signet.SubjectGroup, SubjectID: r.PathValue("id"),
		RoleID: r.PostFormValue("role"), WorkspaceID: r.PostFormValue("workspace")})
	return s.groupChanged(w, r, c, "grants", err, "added")
}

func (s *server) deleteGroupGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := s.svc.DeleteGrant(r.Context(), c.actor, r.PathValue("grant"))
	return s.groupChanged(w, r, c, "grants", err, "removed")
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteGroup(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.groupFailed(w, r, c, "delete", err)
	}
	redirect(w, r, "/settings/groups", "deleted")
	return nil
}
