package web

import (
	"net/http"
	"slices"
	"strings"

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

// workspaceFailed renders the page with err: in the dialog it came from
// (dialog "create-workspace" or "edit-<id>", keeping what was typed), or
// above the table (dialog "").
func (s *server) workspaceFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, err error, dialog string) error {
	v, verr := s.workspacesView(r, c)
	if verr != nil {
		return err
	}
	if id, ok := strings.CutPrefix(dialog, "edit-"); ok && !slices.ContainsFunc(v.Workspaces, func(w *signet.Workspace) bool { return w.ID == id }) {
		dialog = "" // no such workspace: no dialog to show it in
	}
	if dialog != "" && !c.me.Can("workspaces:write") {
		return err // no dialog to show it in
	}
	fe := s.formError(r, err, nameInputs)
	if dialog != "" {
		v.Form.Name, v.Form.Description, v.Form.Err, v.Open = r.PostFormValue("name"), r.PostFormValue("description"), fe, dialog
	} else {
		v.Error = fe.Message
	}
	s.render(w, r, statusFor(err), "workspaces.html", v)
	return nil
}

func (s *server) createWorkspace(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	_, err := s.svc.CreateWorkspace(r.Context(), c.actor, service.WorkspaceInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")})
	if err != nil {
		return s.workspaceFailed(w, r, c, err, "create-workspace")
	}
	redirect(w, r, "/settings/workspaces", "created")
	return nil
}

func (s *server) updateWorkspace(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	if _, err := s.svc.UpdateWorkspace(r.Context(), c.actor, r.PathValue("id"), service.WorkspaceUpdate{Name: &name, Description: &desc}); err != nil {
		return s.workspaceFailed(w, r, c, err, "edit-"+r.PathValue("id"))
	}
	redirect(w, r, "/settings/workspaces", "saved")
	return nil
}

func (s *server) deleteWorkspace(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteWorkspace(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.workspaceFailed(w, r, c, err, "")
	}
	redirect(w, r, "/settings/workspaces", "deleted")
	return nil
}
