package httpapi

import (
	"net/http"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

// Short-lived tokens, their administration: audiences, the client keys of
// service accounts, and Signet's signing keys. The service decides who
// may (settings:* for audiences and signing keys, service_accounts:* for
// client keys); a signing key's private half is never in an answer. The
// token endpoints themselves (/oauth2/*) are package issuer's.

func (s *server) createAudience(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateAudienceRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	lifetime, err := tokenLifetime(in.TokenLifetime)
	if err != nil {
		return err
	}
	a, err := s.svc.CreateAudience(r.Context(), actor(r), service.AudienceInput{
		Identifier: in.Identifier, Description: in.Description, ServiceAccountID: in.ServiceAccountID, TokenLifetime: lifetime,
	})
	return replyCreated(w, a, err, func(a *signet.Audience) string { return locationOf("/api/v1/oauth/audiences/")(a.ID) }, audienceJSON)
}

func (s *server) listAudiences(w http.ResponseWriter, r *http.Request) error {
	return listPage(w, r, s.svc.ListAudiences, audienceJSON)
}

func (s *server) getAudience(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.GetAudience(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, a, err, audienceJSON)
}

func (s *server) updateAudience(w http.ResponseWriter, r *http.Request) error {
	var in client.AudienceUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	up := service.AudienceUpdate{Identifier: in.Identifier, Description: in.Description, ServiceAccountID: in.ServiceAccountID}
	if in.TokenLifetime != nil {
		d, err := tokenLifetime(*in.TokenLifetime)
		if err != nil {
			return err
		}
		up.TokenLifetime = &d
	}
	a, err := s.svc.UpdateAudience(r.Context(), actor(r), r.PathValue("id"), up)
	return reply(w, http.StatusOK, a, err, audienceJSON)
}

func (s *server) deleteAudience(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteAudience(r.Context(), actor(r), r.PathValue("id")))
}

// tokenLifetime reads an audience's token_lifetime: "" or "0" is none
// (the key policy's); the service bounds it.
func tokenLifetime(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := signet.ParseDuration(v)
	if err != nil {
		return 0, signet.FieldErrorf("token_lifetime", signet.EINVALID, "field %q: %s", "token_lifetime", signet.ErrorMessage(err))
	}
	return d, nil
}

func audienceJSON(a *signet.Audience) client.Audience {
	return client.Audience{
		ID:               a.ID,
		Identifier:       a.Identifier,
		Description:      a.Description,
		ServiceAccountID: a.ServiceAccountID,
		TokenLifetime:    policyDurationJSON(a.TokenLifetime),
		CreatedAt:        a.CreatedAt,
		CreatedBy:        a.CreatedBy,
		UpdatedAt:        a.UpdatedAt,
	}
}

func (s *server) createClientKey(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateClientKeyRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	k, err := s.svc.CreateClientKey(r.Context(), actor(r), r.PathValue("id"), service.ClientKeyInput{Name: in.Name, PublicKey: in.PublicKey})
	return replyCreated(w, k, err, clientKeyLocation, clientKeyJSON)
}

// clientKeyLocation is a client key's URL (which takes DELETE).
func clientKeyLocation(k *signet.ClientKey) string {
	return locationOf("/api/v1/service-accounts/")(k.UserID) + locationOf("/client-keys/")(k.ID)
}

func (s *server) listClientKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := s.svc.ListClientKeys(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, ks, err, func(ks []*signet.ClientKey) client.ClientKeyList {
		return client.ClientKeyList{Data: mapSlice(ks, clientKeyJSON)}
	})
}

func (s *server) deleteClientKey(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteClientKey(r.Context(), actor(r), r.PathValue("id"), r.PathValue("key_id")))
}

func clientKeyJSON(k *signet.ClientKey) client.ClientKey {
	return client.ClientKey{
		ID:               k.ID,
		ServiceAccountID: k.UserID,
		Name:             k.Name,
		Algorithm:        k.Algorithm,
		PublicKey:        k.PublicKey,
		Thumbprint:       k.Thumbprint,
		CreatedAt:        k.CreatedAt,
		CreatedBy:        k.CreatedBy,
	}
}

func (s *server) listSigningKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := s.svc.SigningKeys(r.Context(), actor(r))
	return reply(w, http.StatusOK, ks, err, signingKeysJSON)
}

// rotateSigningKeys replaces the signing key at once, with the server's
// token options, and answers the published keys.
func (s *server) rotateSigningKeys(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.svc.RotateSigningKeys(r.Context(), actor(r), s.tokenOpts, true); err != nil {
		return err
	}
	return s.listSigningKeys(w, r)
}

// signingKeysJSON is the published keys, public parts only: the private
// key is never copied into the wire type.
func signingKeysJSON(ks []*signet.SigningKey) client.SigningKeyList {
	return client.SigningKeyList{Data: mapSlice(ks, func(k *signet.SigningKey) client.SigningKey {
		return client.SigningKey{ID: k.ID, Algorithm: k.Algorithm, PublicKey: k.PublicKey, CreatedAt: k.CreatedAt,
			RetiredAt: k.RetiredAt, ExpiresAt: k.ExpiresAt}
	})}
}
