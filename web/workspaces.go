package web

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

type workspacesView struct {
	base
	Workspaces []*signet.Workspace
	Form       struct {
		Name, Description string
		Err               formError
	}
	Open string
	// Edit is the row whose Save failed: what was typed, and the error.
	Edit struct {
		ID, Name, Description string
		Err                   formError
	}
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
	return s.renderView(w, r, "workspaces.html", v, err)
}

func (s *server) workspaceFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, err error, create bool) error {
	v, verr := s.workspacesView(r, c)
	if verr != nil {
		return err
	}
	if create && !c.me.Can("workspaces:write") {
		return err // no dialog to show it in
	}
	fe := s.formError(r, err, nameInputs)
	switch {
	case create:
		v.Form.Name, v.Form.Description, v.Form.Err, v.Open = r.PostFormValue("name"), r.PostFormValue("description"), fe, "create-workspace"
	case r.PostForm.Has("name"):
		v.Edit.ID, v.Edit.Name, v.Edit.Description, v.Edit.Err = r.PathValue("id"), r.PostFormValue("name"), r.PostFormValue("description"), fe
		v.Error = fe.General()
	default:
		v.Error = fe.Message
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
