package httpapi

import (
	"encoding/json"
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

// me answers who the caller is. For a key it answers from the
// verification cache: the view is built once per cache entry (which every
// committed change replaces), so a service asking on every request pays
// no transaction.
func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	build := func() ([]byte, error) {
		m, err := s.svc.Me(r.Context(), actor(r))
		if err != nil {
			return nil, err
		}
		return json.Marshal(meJSON(m))
	}
	var b []byte
	var err error
	if v := verified(r); v != nil {
		b, err = v.View(build)
	} else {
		b, err = build()
	}
	if err != nil {
		return err
	}
	writeRawJSON(w, http.StatusOK, b)
	return nil
}

func (s *server) listPersonalKeys(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	return s.writeKeys(w, r, signet.APIKeyFilter{OwnerID: a.UserID, Page: pg})
}

func (s *server) createPersonalKey(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	return s.createKey(w, r, a.UserID)
}

func (s *server) revokePersonalKey(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	var in client.RevokeAPIKeyRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	k, err := s.svc.GetAPIKey(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if k.OwnerID != a.UserID {
		return signet.Errorf(signet.ENOTFOUND, "API key %q not found among yours", k.ID)
	}
	k, err = s.svc.RevokeAPIKey(r.Context(), a, k.ID, in.Reason)
	return reply(w, http.StatusOK, k, err, s.keyNow)
}

// verifyKey is Bigeye's key check: 204 when the request carries a valid
// API key (the route's authentication already refused anything else).
func (s *server) verifyKey(w http.ResponseWriter, r *http.Request) error {
	if actor(r).KeyID == "" {
		return signet.Errorf(signet.EUNAUTHENTICATED, "this endpoint verifies API keys; the request used another kind of credential")
	}
	noContent(w)
	return nil
}
