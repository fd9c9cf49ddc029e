package web

import (
	"net/http"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// graceOptions are the choices of a key table's Rotate form: how long the
// old key keeps working. "" is the key policy's default.
var graceOptions = []expiryOption{
	{"", "Policy default"},
	{"0", "Stop at once"},
	{"1h", "1 hour"},
	{"24h", "24 hours"},
	{"7d", "7 days"},
}

// rotateKey rotates a key from a key table's Rotate form and renders the
// API keys page with the new key shown once; Done leads back to the page
// the form was on. A refusal (a rotated or revoked key, a grace beyond
// the key policy) is the error page, as a refused revocation is.
func (s *server) rotateKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	var in service.RotateKeyInput
	if g := r.PostFormValue("grace"); g != "" {
		d, err := signet.ParseDuration(g)
		if err != nil {
			return signet.Errorf(signet.EINVALID, "grace: %s", signet.ErrorMessage(err))
		}
		in.Grace = &d
	}
	res, err := s.svc.RotateAPIKey(r.Context(), c.actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/settings/") {
		back = "/settings/api-keys"
	}
	r.URL.RawQuery = ""
	v, err := s.keysView(r, c)
	if err != nil {
		return err
	}
	n, err := s.userNames(r.Context(), c)
	if err != nil {
		return err
	}
	k := res.Key.Key
	v.Key = &shownKey{Secret: res.Key.Secret, Name: k.Name, Owner: n.of(k.OwnerID), Hint: k.Hint, Done: back, RotatedFrom: res.Previous.ID}
	if res.Previous.Status(s.now()) == signet.KeyStatusActive {
		v.Key.PreviousUntil = res.Previous.ExpiresAt
	}
	s.render(w, r, http.StatusCreated, "keys.html", v)
	return nil
}
