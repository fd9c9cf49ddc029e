package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	signet "github.com/signetdev/signet"
)

// reqState is what the access log learns about a request while it is
// handled. It lives in the request's context; only the goroutine serving
// the request touches it.
type reqState struct {
	id     string
	userID string
	keyID  string
	quiet  bool // the route logs at debug level; see route.quiet
}

type stateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

// requestID returns the request id of ctx, or "".
func requestID(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// statusWriter records the status of a response for the access log and the
// panic handler.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps next with, outermost first: request id and request
// info, the access log, panic recovery and the body size limit.
func (s *server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &reqState{id: incomingRequestID(r.Header.Get("X-Request-Id"))}
		if st.id == "" {
			st.id = newRequestID()
		}
		w.Header().Set("X-Request-Id", st.id)
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		ctx = signet.WithRequestInfo(ctx, signet.RequestInfo{
			IP:        s.clientAddr.Client(r),
			UserAgent: r.UserAgent(),
			RequestID: st.id,
		})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}

		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.LogAttrs(ctx, slog.LevelError, "panic serving request",
					slog.String("request_id", st.id),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					s.writeError(sw, r, signet.Internal("httpapi: panic", fmt.Errorf("%v", v)))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			// Never log header values or bodies: they may hold credentials.
			// The query string is left out too (the setup token travels in it).
			level := slog.LevelInfo
			if st.quiet && status < 500 {
				level = slog.LevelDebug
			}
			if !s.log.Enabled(ctx, level) {
				return
			}
			s.log.LogAttrs(ctx, level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", sw.bytes),
				slog.String("request_id", st.id),
				slog.String("user_id", st.userID),
				slog.String("key_id", st.keyID),
				slog.String("ip", signet.RequestInfoFrom(ctx).IP))
		}()

		if r.Body != nil {
			r.Body = http.MaxBytesReader(sw, r.Body, s.maxBodyBytes)
		}
		next.ServeHTTP(sw, r)
	})
}

// dispatch serves a request through the mux, rendering the mux's own
// "not found" and "method not allowed" answers as JSON errors.
func (s *server) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// Let the mux decide between 404, 405 (with its Allow header) and a
	// redirect, into a throwaway writer, then answer in our own shape.
	rec := &headerRecorder{header: http.Header{}}
	s.mux.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rec.header.Get("Allow"))
		s.writeError(w, r, &httpError{status: http.StatusMethodNotAllowed,
			err: signet.Errorf(signet.EBADREQUEST, "method %s is not allowed here; allowed: %s", r.Method, rec.header.Get("Allow"))})
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound:
		http.Redirect(w, r, rec.header.Get("Location"), rec.status)
	default:
		s.writeError(w, r, signet.Errorf(signet.ENOTFOUND, "no route for %s %s", r.Method, r.URL.Path))
	}
}

// headerRecorder is a ResponseWriter that keeps the status and headers and
// discards the body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }
func (h *headerRecorder) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}
func (h *headerRecorder) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return len(b), nil
}

// incomingRequestID returns v if it is a sane request id (1 to 64
// characters of [A-Za-z0-9._-]), else "".
func incomingRequestID(v string) string {
	if len(v) == 0 || len(v) > 64 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return ""
		}
	}
	return v
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return "req_" + hex.EncodeToString(b[:])
}
