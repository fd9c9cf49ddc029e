package httpapi

import (
	"net/http"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

func (s *server) setup(w http.ResponseWriter, r *http.Request) error {
	var in client.SetupRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	u, err := s.svc.CompleteSetup(r.Context(), in.Token, service.CreateHumanInput{Name: in.Name, Email: in.Email, Password: in.Password})
	return replyCreated(w, u, err, userLocation, userJSON)
}

// login exchanges an email and password for an expiring personal key
// (signet login). Like the setup route it needs no credential: the
// password is the credential, throttled like every password.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var in client.LoginRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	var ttl time.Duration
	if in.ExpiresIn != "" {
		d, err := lifetime("expires_in", in.ExpiresIn)
		if err != nil {
			return err
		}
		ttl = d
	}
	created, err := s.svc.LoginKey(r.Context(), service.LoginKeyInput{Login: in.Email, Password: in.Password,
		DeviceID: in.DeviceID, KeyName: in.KeyName, ExpiresIn: ttl})
	return replyCreated(w, created, err, keyLocation, s.createdKeyNow)
}
