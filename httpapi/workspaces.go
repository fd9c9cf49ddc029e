package httpapi

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

func (s *server) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateWorkspaceRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	ws, err := s.svc.CreateWorkspace(r.Context(), actor(r), service.WorkspaceInput{Name: in.Name, Description: in.Description})
	return replyCreated(w, ws, err, func(ws *signet.Workspace) string { return locationOf("/api/v1/workspaces/")(ws.ID) }, workspaceJSON)
}

func (s *server) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	return listPage(w, r, s.svc.ListWorkspaces, workspaceJSON)
}

func (s *server) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.svc.GetWorkspace(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, ws, err, workspaceJSON)
}

func (s *server) updateWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in client.WorkspaceUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	ws, err := s.svc.UpdateWorkspace(r.Context(), actor(r), r.PathValue("id"), service.WorkspaceUpdate{Name: in.Name, Description: in.Description})
	return reply(w, http.StatusOK, ws, err, workspaceJSON)
}

func (s *server) deleteWorkspace(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteWorkspace(r.Context(), actor(r), r.PathValue("id")))
}
