package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/service"
)

// HeaderIdempotencyKey makes a POST safe to retry (service.BeginIdempotent
// has the rules); HeaderIdempotentReplayed marks an answer that is the
// replay of the first request's.
const (
	HeaderIdempotencyKey     = "Idempotency-Key"
	HeaderIdempotentReplayed = "Idempotent-Replayed"
)

// takesIdempotencyKey reports whether a route honours Idempotency-Key:
// every authenticated POST that changes something (the check API only
// asks a question).
func (rt route) takesIdempotencyKey() bool {
	return rt.method == http.MethodPost && rt.auth && !rt.quiet
}

// serveIdempotent serves r, which carries an Idempotency-Key, with rt's
// handler: the first time it runs the handler and records the answer; a
// retry gets the recorded answer.
func (s *server) serveIdempotent(rt route, w http.ResponseWriter, r *http.Request, key string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			err = jsonError(err)
		} else {
			err = signet.Internal("httpapi.serveIdempotent", err)
		}
		s.writeError(w, r, err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// The request is its method, path and query, and body.
	request := make([]byte, 0, len(r.Method)+len(r.URL.RequestURI())+2+len(body))
	request = append(append(append(append(request, r.Method...), ' '), r.URL.RequestURI()...), '\n')
	request = append(request, body...)
	call, replay, err := s.svc.BeginIdempotent(r.Context(), actor(r), key, request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if replay != nil {
		h := w.Header()
		if replay.ContentType != "" {
			h.Set("Content-Type", replay.ContentType)
		}
		if replay.Location != "" {
			h.Set("Location", replay.Location)
		}
		h["Cache-Control"] = hdrNoStore
		h.Set(HeaderIdempotentReplayed, "true")
		w.WriteHeader(replay.Status)
		w.Write(replay.Body)
		return
	}
	// The work goes on if the client hangs up: its retry will come for
	// the answer.
	r = r.WithContext(context.WithoutCancel(r.Context()))
	rec := &recordedResponse{header: http.Header{}}
	if err := rt.h(s, rec, r); err != nil {
		s.writeError(rec, r, err)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	// Recorded even when the client has gone: that is when a retry comes.
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	resp := &service.IdempotentResponse{Status: rec.status, ContentType: rec.header.Get("Content-Type"),
		Location: rec.header.Get("Location"), Body: rec.body.Bytes()}
	if err := s.svc.CompleteIdempotent(ctx, call, resp); err != nil {
		// The request took effect; only its replay is lost. Say so in the
		// log, and answer the request as it was answered.
		s.log.LogAttrs(ctx, slog.LevelError, "recording the answer of a request with an Idempotency-Key",
			slog.String("request_id", httpedge.RequestID(r.Context())), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

// recordedResponse records a handler's answer, to be kept for replay
// before it is sent.
type recordedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recordedResponse) Header() http.Header { return r.header }

func (r *recordedResponse) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recordedResponse) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
