package httpapi

import (
	"net/http"
	"net/url"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

// keyNow and createdKeyNow are the wire forms of a key, with its status
// as of now.
func (s *server) keyNow(k *signet.APIKey) client.APIKey { return keyJSON(k, s.now()) }

func (s *server) createdKeyNow(k *service.CreatedKey) *client.CreatedAPIKey {
	return createdKeyJSON(k, s.now())
}

// createKey creates a key for ownerID; the personal-key and the
// service-account-key routes share it, and the service decides who may.
func (s *server) createKey(w http.ResponseWriter, r *http.Request, ownerID string) error {
	var in client.CreateAPIKeyRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	k, err := keyInput(&in, "expires_in")
	if err != nil {
		return err
	}
	created, err := s.svc.CreateAPIKey(r.Context(), actor(r), ownerID, k)
	return replyCreated(w, created, err, keyLocation, s.createdKeyNow)
}

func (s *server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return err
	}
	f := signet.APIKeyFilter{OwnerID: q.Get("owner_id"), NameContains: q.Get("name"), Page: pg}
	if f.Status, err = oneOf(q, "status", signet.KeyStatusActive, signet.KeyStatusRevoked, signet.KeyStatusDisabled, signet.KeyStatusExpired); err != nil {
		return err
	}
	if f.Kind, err = oneOf(q, "kind", signet.KeyKindServiceAccount, signet.KeyKindPersonal); err != nil {
		return err
	}
	if f.Kind == "" {
		f.Kind = signet.KeyKindServiceAccount
	}
	nc, err := oneOf(q, "non_compliant", "true", "false")
	if err != nil {
		return err
	}
	f.NonCompliant = nc == "true"
	if f.Labels, err = labelFilter(q); err != nil {
		return err
	}
	return s.writeKeys(w, r, f)
}

// writeKeys answers a key list; every key list (all, one account's, one's
// own) goes through it so that statuses are derived at one instant.
func (s *server) writeKeys(w http.ResponseWriter, r *http.Request, f signet.APIKeyFilter) error {
	now := s.now()
	f.Now = now
	if err := lifecycleFilters(r.URL.Query(), &f, now); err != nil {
		return err
	}
	keys, next, err := s.svc.ListAPIKeys(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(keys, next, func(k *signet.APIKey) client.APIKey { return keyJSON(k, now) }))
	return nil
}

func (s *server) getAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.svc.GetAPIKey(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, k, err, s.keyNow)
}

// updateAPIKey answers PATCH /api/v1/api-keys/{id}: the fields the body
// sets are changed, the others left as they are.
func (s *server) updateAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in client.UpdateAPIKeyRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	k, err := s.svc.UpdateAPIKey(r.Context(), actor(r), r.PathValue("id"), service.APIKeyUpdate{
		Name: in.Name, Description: in.Description, Labels: in.Labels, AllowedNetworks: in.AllowedNetworks,
	})
	return reply(w, http.StatusOK, k, err, s.keyNow)
}

func (s *server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in client.RevokeAPIKeyRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	k, err := s.svc.RevokeAPIKey(r.Context(), actor(r), r.PathValue("id"), in.Reason)
	return reply(w, http.StatusOK, k, err, s.keyNow)
}

// lifecycleFilters reads the key lists' ?expiring_within= (keys expiring
// within that long, not expired yet) and ?unused_for= (keys not used for
// that long; never-used keys count from their creation).
func lifecycleFilters(q url.Values, f *signet.APIKeyFilter, now time.Time) error {
	within, err := positiveDuration(q, "expiring_within", "7d")
	if err != nil {
		return err
	}
	if within > 0 {
		t := now.Add(within)
		f.ExpiresBefore = &t
	}
	unused, err := positiveDuration(q, "unused_for", "90d")
	if err != nil {
		return err
	}
	if unused > 0 {
		t := now.Add(-unused)
		f.UnusedSince = &t
	}
	return nil
}

// positiveDuration reads a duration query parameter longer than zero; 0
// when absent.
func positiveDuration(q url.Values, name, example string) (time.Duration, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	d, err := signet.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, badRequest("query parameter %s must be a duration longer than zero, such as %s or PT12H", name, example)
	}
	return d, nil
}

func (s *server) disableAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in client.DisableAPIKeyRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	k, err := s.svc.DisableAPIKey(r.Context(), actor(r), r.PathValue("id"), in.Reason)
	return reply(w, http.StatusOK, k, err, s.keyNow)
}

func (s *server) enableAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.svc.EnableAPIKey(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, k, err, s.keyNow)
}

// defaultActivityWindow is how far back key activity goes without ?since=.
const defaultActivityWindow = 7 * 24 * time.Hour

func (s *server) keyActivity(w http.ResponseWriter, r *http.Request) error {
	since, err := timeParam(r.URL.Query(), "since")
	if err != nil {
		return err
	}
	if since == nil {
		t := s.now().Add(-defaultActivityWindow).Truncate(time.Hour)
		since = &t
	}
	acts, err := s.svc.KeyActivity(r.Context(), actor(r), r.PathValue("id"), *since)
	if err != nil {
		return err
	}
	out := client.KeyActivity{KeyID: r.PathValue("id"), Since: since.UTC(), Hours: make([]client.KeyActivityHour, 0, len(acts))}
	for _, a := range acts {
		out.Successes += a.Successes
		out.Failures += a.Failures
		out.Hours = append(out.Hours, client.KeyActivityHour{Hour: a.Hour, Successes: a.Successes, Failures: a.Failures})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
