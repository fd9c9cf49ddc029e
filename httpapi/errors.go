package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/httpedge"
)

// badRequest returns an EBADREQUEST error with a formatted message.
func badRequest(format string, args ...any) error {
	return signet.Errorf(signet.EBADREQUEST, format, args...)
}

// writeError renders err as the error shape. Internal errors are logged
// with the request id and shown to the caller only as "Internal error.".
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := signet.ErrorCode(err)
	status := httpedge.Status(code)
	rid := httpedge.RequestID(r.Context())
	if httpedge.ClientGone(r) && (code == signet.EINTERNAL || code == signet.EUNAVAILABLE) {
		// The caller hung up (or the server is shutting down) and the
		// work stopped with it: nobody is waiting for an answer, and the
		// server did nothing wrong.
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "client went away before the answer",
			slog.String("request_id", rid), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		w.WriteHeader(httpedge.StatusClientClosedRequest)
		return
	}
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
	if status == http.StatusNoContent {
		w.Header()["Cache-Control"] = hdrNoStore
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		// A wire type that does not encode is a bug; say so in the shape
		// of an error rather than send half an answer.
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"Internal error."}}`)
	}
	writeRawJSON(w, status, b)
}

// Header values of every JSON answer. Shared, never modified: assigning
// them costs no allocation.
var (
	hdrJSON    = []string{"application/json"}
	hdrNoStore = []string{"no-store"}
)

// writeRawJSON writes b, an encoded JSON value, as a response with the
// given status, as writeJSON does.
func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	w.WriteHeader(status)
	w.Write(b)
	w.Write(newline)
}

var newline = []byte{'\n'}

// noContent writes a 204 response.
func noContent(w http.ResponseWriter) {
	w.Header()["Cache-Control"] = hdrNoStore
	w.WriteHeader(http.StatusNoContent)
}
