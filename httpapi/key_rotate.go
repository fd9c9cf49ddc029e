package httpapi

import (
	"net/http"
	"net/url"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

// rotateAPIKey replaces a key by a new one (service.RotateAPIKey): 201
// with the new key, shown this once, and the old key as it now stands.
func (s *server) rotateAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in client.RotateAPIKeyRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	var svcIn service.RotateKeyInput
	if in.Grace != "" {
		d, err := signet.ParseDuration(in.Grace)
		if err != nil {
			return signet.Errorf(signet.EINVALID, "field \"grace\": %s", signet.ErrorMessage(err))
		}
		svcIn.Grace = &d
	}
	res, err := s.svc.RotateAPIKey(r.Context(), actor(r), r.PathValue("id"), svcIn)
	return replyCreated(w, res, err, func(res *service.RotatedKey) string { return keyLocation(res.Key) },
		func(res *service.RotatedKey) client.RotateAPIKeyResponse {
			now := s.now()
			return client.RotateAPIKeyResponse{APIKey: *createdKeyJSON(res.Key, now), Previous: keyJSON(res.Previous, now)}
		})
}

// labelFilter reads the repeatable ?label=name=value filter: every label
// must match. A malformed one is a bad request (400), as every bad query
// parameter is.
func labelFilter(q url.Values) (map[string]string, error) {
	labels, err := signet.ParseLabels("query parameter label", q["label"])
	if err != nil {
		return nil, badRequest("%s", signet.ErrorMessage(err))
	}
	return labels, nil
}
