package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	signet.EBADREQUEST:      http.StatusBadRequest,
	signet.EINVALID:         http.StatusUnprocessableEntity,
	signet.EUNAUTHENTICATED: http.StatusUnauthorized,
	signet.EFORBIDDEN:       http.StatusForbidden,
	signet.ENOTFOUND:        http.StatusNotFound,
	signet.ECONFLICT:        http.StatusConflict,
	signet.ERATELIMITED:     http.StatusTooManyRequests,
	signet.EUNAVAILABLE:     http.StatusServiceUnavailable,
	signet.EINTERNAL:        http.StatusInternalServerError,
}

// httpError is a transport-level error whose status is more precise than
// its code's (405, 413, 415, all with code bad_request).
type httpError struct {
	status int
	err    *signet.Error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

// badRequest returns an EBADREQUEST error with a formatted message.
func badRequest(format string, args ...any) error {
	return signet.Errorf(signet.EBADREQUEST, format, args...)
}

// writeError renders err as the error shape. Internal errors are logged
// with the request id and shown to the caller only as "Internal error.".
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := signet.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = signet.EINTERNAL, http.StatusInternalServerError
	}
	var he *httpError
	if errors.As(err, &he) {
		status = he.status
	}
	rid := requestID(r.Context())
	body := client.ErrorBody{Code: code, Message: signet.ErrorMessage(err), RequestID: rid}
	if code == signet.EINTERNAL {
		body.Message = "Internal error."
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", rid), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	} else {
		body.Reason = signet.ErrorReason(err)
	}
	if code == signet.EUNAVAILABLE {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "dependency unavailable",
			slog.String("request_id", rid), slog.String("error", err.Error()))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="signet"`)
	}
	if code == signet.ERATELIMITED {
		w.Header().Set("Retry-After", strconv.FormatInt(signet.RetryAfterSeconds(err), 10))
	}
	writeJSON(w, status, client.ErrorResponse{Error: body})
}

// writeJSON writes v as a JSON response with the given status. API
// responses are never cached: some carry a key shown only once.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if status == http.StatusNoContent {
		return
	}
	// An encoding error here means the client went away or a bug in a wire
	// type; the status is already sent, so there is nothing to tell.
	_ = json.NewEncoder(w).Encode(v)
}

// noContent writes a 204 response.
func noContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
