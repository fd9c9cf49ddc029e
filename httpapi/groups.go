package httpapi

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

func (s *server) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateGroupRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	g, err := s.svc.CreateGroup(r.Context(), actor(r), service.GroupInput{Name: in.Name, Description: in.Description})
	return replyCreated(w, g, err, func(g *signet.Group) string { return locationOf("/api/v1/groups/")(g.ID) }, groupJSON)
}

func (s *server) listGroups(w http.ResponseWriter, r *http.Request) error {
	return listPage(w, r, s.svc.ListGroups, groupJSON)
}

func (s *server) getGroup(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetGroup(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, d, err, groupDetailJSON)
}

func (s *server) updateGroup(w http.ResponseWriter, r *http.Request) error {
	var in client.GroupUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	g, err := s.svc.UpdateGroup(r.Context(), actor(r), r.PathValue("id"), service.GroupUpdate{Name: in.Name, Description: in.Description})
	return reply(w, http.StatusOK, g, err, groupJSON)
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteGroup(r.Context(), actor(r), r.PathValue("id")))
}

func (s *server) addGroupMember(w http.ResponseWriter, r *http.Request) error {
	var in client.AddGroupMemberRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	if in.UserID == "" {
		return signet.Errorf(signet.EINVALID, "field \"user_id\" is required")
	}
	groupID := r.PathValue("id")
	if err := s.svc.AddGroupMember(r.Context(), actor(r), groupID, in.UserID); err != nil {
		return err
	}
	// The membership's URL is the one that ends it (DELETE).
	w.Header().Set("Location", locationOf("/api/v1/groups/")(groupID)+locationOf("/members/")(in.UserID))
	writeJSON(w, http.StatusCreated, client.GroupMember{GroupID: groupID, UserID: in.UserID})
	return nil
}

func (s *server) removeGroupMember(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.RemoveGroupMember(r.Context(), actor(r), r.PathValue("id"), r.PathValue("user_id")))
}
