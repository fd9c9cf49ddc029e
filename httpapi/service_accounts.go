package httpapi

import (
	"net/http"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/service"
)

// serviceAccountID returns the {id} of a service-account route. An id that
// cannot be a service account's is answered 404 here, so that a human's id
// does not reach a service-account operation.
func serviceAccountID(r *http.Request) (string, error) {
	v := r.PathValue("id")
	if !strings.HasPrefix(v, id.ServiceAccount) {
		return "", signet.Errorf(signet.ENOTFOUND, "service account %q not found", v)
	}
	return v, nil
}

func (s *server) createServiceAccount(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateServiceAccountRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	svcIn := service.CreateServiceAccountInput{
		Name:        in.Name,
		Description: in.Description,
		Grants:      grantSpecs(in.Grants),
		GroupIDs:    in.GroupIDs,
		Labels:      in.Labels,
		OwnerType:   in.OwnerType,
		OwnerID:     in.OwnerID,
	}
	if in.APIKey != nil {
		k, err := keyInput(in.APIKey, "api_key.expires_in")
		if err != nil {
			return err
		}
		svcIn.Key = &k
	}
	res, err := s.svc.CreateServiceAccount(r.Context(), actor(r), svcIn)
	if err != nil {
		return err
	}
	w.Header().Set("Location", userLocation(res.User))
	writeJSON(w, http.StatusCreated, client.CreateServiceAccountResponse{
		ServiceAccount: userJSON(res.User),
		APIKey:         createdKeyJSON(res.Key, s.now()),
	})
	return nil
}

func (s *server) listServiceAccounts(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r, signet.KindServiceAccount)
	if err != nil {
		return err
	}
	if f.Labels, err = labelFilter(r.URL.Query()); err != nil {
		return err
	}
	if f.OwnerType, f.OwnerID, err = ownerFilter(r.URL.Query().Get("owner")); err != nil {
		return err
	}
	return s.writeUsers(w, r, f)
}

func (s *server) getServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	d, err := s.serviceAccount(r, saID)
	return reply(w, http.StatusOK, d, err, userDetailJSON)
}

// serviceAccount reads the service account saID: a user that is not one
// is not found.
func (s *server) serviceAccount(r *http.Request, saID string) (*service.UserDetail, error) {
	d, err := s.svc.GetUser(r.Context(), actor(r), saID)
	if err != nil {
		return nil, err
	}
	if !d.User.IsServiceAccount() {
		return nil, signet.Errorf(signet.ENOTFOUND, "service account %q not found", saID)
	}
	return d, nil
}

func (s *server) updateServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.update(w, r, saID)
}

func (s *server) deleteServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return replyNoContent(w, s.svc.DeleteUser(r.Context(), actor(r), saID))
}

func (s *server) disableServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.setStatus(w, r, saID, signet.StatusDisabled)
}

func (s *server) enableServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.setStatus(w, r, saID, signet.StatusActive)
}

func (s *server) setServiceAccountGroups(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	var in client.SetGroupsRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	if in.GroupIDs == nil {
		return signet.Errorf(signet.EINVALID, "field \"group_ids\" is required (an empty list removes every membership)")
	}
	d, err := s.svc.SetUserGroups(r.Context(), actor(r), saID, in.GroupIDs)
	return reply(w, http.StatusOK, d, err, userDetailJSON)
}

func (s *server) listServiceAccountKeys(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	// Look the account up first so that an unknown id is a 404, not an
	// empty list.
	if _, err := s.serviceAccount(r, saID); err != nil {
		return err
	}
	return s.writeKeys(w, r, signet.APIKeyFilter{OwnerID: saID, Kind: signet.KeyKindServiceAccount, Page: pg})
}

func (s *server) createServiceAccountKey(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.createKey(w, r, saID)
}

// ownerFilter reads the owner query parameter: a user or a group id, told
// apart by its prefix.
func ownerFilter(owner string) (ownerType, ownerID string, err error) {
	switch {
	case owner == "":
		return "", "", nil
	case strings.HasPrefix(owner, id.User):
		return "user", owner, nil
	case strings.HasPrefix(owner, id.Group):
		return "group", owner, nil
	}
	return "", "", badRequest("query parameter owner must be a user id (%s…) or a group id (%s…), not %q", id.User, id.Group, owner)
}
