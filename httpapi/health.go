package httpapi

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, client.Status{Status: "ok"})
	return nil
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			return &signet.Error{Code: signet.EUNAVAILABLE, Message: "not ready", Op: "readyz", Err: err}
		}
	}
	writeJSON(w, http.StatusOK, client.Status{Status: "ok"})
	return nil
}
