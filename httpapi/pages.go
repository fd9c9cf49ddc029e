package httpapi

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds the HTML templates, parsed at start-up so that a broken one
// fails the boot, not a request.
var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// setupView is the data of the setup page.
type setupView struct {
	Pending bool
	Done    bool
	Error   string
	Token   string
	Name    string
	Email   string
}

// setupPage serves the minimal first-administrator page. The token comes
// from the one-time setup link (?token=…) printed in the server's log.
func (s *server) setupPage(w http.ResponseWriter, r *http.Request) error {
	pending, err := s.svc.SetupPending(r.Context())
	if err != nil {
		s.renderSetup(w, r, statusFor(err), setupView{Pending: true, Error: s.pageError(r, err)})
		return nil
	}
	s.renderSetup(w, r, http.StatusOK, setupView{Pending: pending, Token: r.URL.Query().Get("token")})
	return nil
}

// setupForm completes the setup from the page's form.
func (s *server) setupForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		s.renderSetup(w, r, http.StatusBadRequest, setupView{Pending: true, Error: "The form could not be read."})
		return nil
	}
	v := setupView{Pending: true, Token: r.PostForm.Get("token"), Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email")}
	_, err := s.svc.CompleteSetup(r.Context(), v.Token, service.CreateHumanInput{Name: v.Name, Email: v.Email, Password: r.PostForm.Get("password")})
	if err != nil {
		v.Error = s.pageError(r, err)
		s.renderSetup(w, r, statusFor(err), v)
		return nil
	}
	s.renderSetup(w, r, http.StatusOK, setupView{Done: true, Email: v.Email})
	return nil
}

// pageError returns the message to show for err on a page, logging
// internal errors.
func (s *server) pageError(r *http.Request, err error) string {
	if signet.ErrorCode(err) == signet.EINTERNAL {
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", requestID(r.Context())), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		return "Internal error (request " + requestID(r.Context()) + ")."
	}
	return signet.ErrorMessage(err)
}

func statusFor(err error) int {
	if st, ok := statusOf[signet.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

func (s *server) renderSetup(w http.ResponseWriter, r *http.Request, status int, v setupView) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, "setup.html", v); err != nil {
		s.writeError(w, r, signet.Internal("httpapi: setup page", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
