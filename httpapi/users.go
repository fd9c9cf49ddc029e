package httpapi

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

// userFilter reads the filters of a user list; kind is fixed by the
// service-account route and read from ?kind= on the users route.
func userFilter(r *http.Request, kind string) (signet.UserFilter, error) {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return signet.UserFilter{}, err
	}
	f := signet.UserFilter{Kind: kind, NameContains: q.Get("name"), Page: pg}
	if f.Status, err = oneOf(q, "status", signet.StatusActive, signet.StatusDisabled); err != nil {
		return f, err
	}
	if kind == "" {
		k, err := oneOf(q, "kind", signet.KindHuman, signet.KindServiceAccount, "all")
		if err != nil {
			return f, err
		}
		switch k {
		case "":
			f.Kind = signet.KindHuman
		case "all":
			f.Kind = ""
		default:
			f.Kind = k
		}
	}
	return f, nil
}

func (s *server) writeUsers(w http.ResponseWriter, r *http.Request, f signet.UserFilter) error {
	users, next, err := s.svc.ListUsers(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(users, next, userJSON))
	return nil
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateUserRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	u, err := s.svc.CreateHuman(r.Context(), actor(r), service.CreateHumanInput{
		Name: in.Name, Email: in.Email, Password: in.Password,
		Grants: grantSpecs(in.Grants), GroupIDs: in.GroupIDs,
	})
	return replyCreated(w, u, err, userLocation, userJSON)
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r, "")
	if err != nil {
		return err
	}
	return s.writeUsers(w, r, f)
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetUser(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, d, err, userDetailJSON)
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request) error {
	return s.update(w, r, r.PathValue("id"))
}

// update and setStatus serve both the users and the service-accounts
// routes: a service account is a user.
func (s *server) update(w http.ResponseWriter, r *http.Request, userID string) error {
	var in client.UserUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	u, err := s.svc.UpdateUser(r.Context(), actor(r), userID, service.UserUpdate{
		Name: in.Name, Email: in.Email, Description: in.Description, Password: in.Password,
		CurrentPassword: in.CurrentPassword,
		Labels:          in.Labels, OwnerType: in.OwnerType, OwnerID: in.OwnerID,
	})
	return reply(w, http.StatusOK, u, err, userJSON)
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteUser(r.Context(), actor(r), r.PathValue("id")))
}

func (s *server) disableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, r.PathValue("id"), signet.StatusDisabled)
}

func (s *server) enableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, r.PathValue("id"), signet.StatusActive)
}

func (s *server) setStatus(w http.ResponseWriter, r *http.Request, userID, status string) error {
	u, err := s.svc.SetUserStatus(r.Context(), actor(r), userID, status)
	return reply(w, http.StatusOK, u, err, userJSON)
}
