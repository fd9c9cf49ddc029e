package httpapi

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

func (s *server) createGrant(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateGrantRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	g, err := s.svc.CreateGrant(r.Context(), actor(r), service.GrantInput{
		SubjectType: in.SubjectType, SubjectID: in.SubjectID, RoleID: in.RoleID, WorkspaceID: in.WorkspaceID,
	})
	return replyCreated(w, g, err, func(g *signet.Grant) string { return locationOf("/api/v1/grants/")(g.ID) }, grantJSON)
}

func (s *server) listGrants(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return err
	}
	f := signet.GrantFilter{SubjectID: q.Get("subject_id"), RoleID: q.Get("role_id"), Page: pg}
	if f.SubjectType, err = oneOf(q, "subject_type", signet.SubjectGroup, signet.SubjectUser); err != nil {
		return err
	}
	if f.WorkspaceID, err = workspaceID(r); err != nil {
		return err
	}
	gs, next, err := s.svc.ListGrants(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(gs, next, grantJSON))
	return nil
}

func (s *server) deleteGrant(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteGrant(r.Context(), actor(r), r.PathValue("id")))
}
