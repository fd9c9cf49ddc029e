package httpedge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	signet "github.com/signetdev/signet"
)

// DefaultMaxBodyBytes is the default limit on the size of a request body.
const DefaultMaxBodyBytes = 1 << 20

// Config configures the Edge.
type Config struct {
	// ClientAddr decides the client address; nil trusts no proxy.
	ClientAddr *ClientAddr
	// Logger receives the access log and panics; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Panic answers a request whose handler panicked before it wrote
	// anything (the REST API in JSON, the UI a page); nil answers a plain
	// 500.
	Panic func(w http.ResponseWriter, r *http.Request)
	// Observer is told of every request served (Prometheus); nil: none.
	Observer Observer
}

// Observer is told of each request served: the route pattern that
// served it ("" when none did), its status and how long it took.
type Observer interface {
	ObserveRequest(route string, status int, d time.Duration)
}

// Edge is what every request to Signet passes through, once, whatever
// answers it (the REST API or the UI): a request id, the request info of
// the audit trail (with the one client-address rule), the security headers,
// the body limit, panic recovery, the access log and request metrics.
// Behind it, httpapi and web only render. Immutable; safe for concurrent
// use.
type Edge struct {
	addr     *ClientAddr
	log      *slog.Logger
	maxBody  int64
	panic    func(w http.ResponseWriter, r *http.Request)
	observer Observer
}

// New returns the Edge for cfg.
func New(cfg Config) *Edge {
	e := &Edge{addr: cfg.ClientAddr, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, panic: cfg.Panic, observer: cfg.Observer}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.maxBody <= 0 {
		e.maxBody = DefaultMaxBodyBytes
	}
	return e
}

// State is what the edge and the handler behind it know about one
// request. The handler finds it with From and fills in who is calling
// (for the access log) and whether the request is machine traffic.
type State struct {
	info  signet.RequestInfo
	start time.Time
	w     statusWriter
	// idHeader is the X-Request-Id header's value slice, kept here so
	// that setting the header costs no allocation of its own.
	idHeader [1]string
	// peer is the TCP peer's address, parsed once (Peer).
	peer netip.Addr

	// UserID and KeyID name the caller, once authenticated.
	UserID, KeyID string
	// Quiet marks machine traffic on every request of the services behind
	// Signet (verification, health probes, metrics): its successful and
	// client-error requests are logged at debug level, not info, so the
	// access log does not cost more than the answer. Metrics count them.
	Quiet bool
	// forwarded is set when the client address is one a trusted proxy
	// named in X-Forwarded-For, not the peer's own (Forwarded). Beside
	// Quiet, in its padding: the State stays in its size class.
	forwarded bool
	// Actor is the authenticated caller and Auth what the surface that
	// authenticated it keeps besides (the REST API: the verified key), so
	// that a handler finds them without another context value.
	Actor *signet.Actor
	Auth  any
}

// RequestInfo implements signet.RequestInfoSource: the request's client
// address, user agent and request id.
func (s *State) RequestInfo() signet.RequestInfo { return s.info }

// ID returns the request id.
func (s *State) ID() string { return s.info.RequestID }

// Status returns the status written so far (200 once a body was written
// without one), or 0.
func (s *State) Status() int { return s.w.status }

// From returns the edge's state of the request ctx belongs to, or nil
// outside the edge (tests that call a handler directly).
func From(ctx context.Context) *State {
	st, _ := signet.RequestInfoSourceFrom(ctx).(*State)
	return st
}

// RequestID returns the request id of ctx, or "".
func RequestID(ctx context.Context) string {
	return signet.RequestInfoFrom(ctx).RequestID
}

// Header values the edge sets on every response. Shared, never modified:
// assigning them costs no allocation.
var (
	hdrNoSniff       = []string{"nosniff"}
	hdrCSP           = []string{ContentSecurityPolicy}
	hdrFrameDeny     = []string{"DENY"}
	hdrNoReferrer    = []string{"no-referrer"}
	hdrSameOriginCOP = []string{"same-origin"}
)

// ContentSecurityPolicy forbids inline script, every foreign origin and
// framing. The UI's pages need nothing else; API responses need nothing
// at all.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// browserHeaders adds, to an answer a browser may render (pages, their
// styles and scripts, redirects), the headers that tell it how: the
// content security policy, no framing, no referrer, its own browsing
// context. JSON answers and answers without a body — what programs, and
// the services behind Signet on every request, read — have only
// X-Request-Id and X-Content-Type-Options: the rest would cost them and
// protect nothing.
func browserHeaders(h http.Header) {
	if ct := h["Content-Type"]; len(ct) == 0 || strings.HasPrefix(ct[0], "application/json") {
		return
	}
	h["Content-Security-Policy"] = hdrCSP
	h["X-Frame-Options"] = hdrFrameDeny
	h["Referrer-Policy"] = hdrNoReferrer
	h["Cross-Origin-Opener-Policy"] = hdrSameOriginCOP
}

// Wrap returns next behind the edge.
func (e *Edge) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &State{start: time.Now(), peer: parsePeer(r)}
		var ip string
		ip, st.forwarded = e.addr.client(r, st.peer)
		st.info = signet.RequestInfo{IP: ip, UserAgent: r.UserAgent(), RequestID: requestID(r.Header)}
		st.w.ResponseWriter = w
		h := w.Header()
		st.idHeader[0] = st.info.RequestID
		h["X-Request-Id"] = st.idHeader[:]
		h["X-Content-Type-Options"] = hdrNoSniff
		r = r.WithContext(signet.WithRequestInfoSource(r.Context(), st))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(&st.w, r.Body, e.maxBody)
		}
		defer e.finish(st, r)
		next.ServeHTTP(&st.w, r)
	})
}

// finish recovers a panic, then logs and counts the request.
func (e *Edge) finish(st *State, r *http.Request) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		e.log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
			slog.String("request_id", st.info.RequestID), slog.String("path", r.URL.Path),
			slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
		if st.w.status == 0 {
			if e.panic != nil {
				e.panic(&st.w, r)
			} else {
				http.Error(&st.w, "Internal error.", http.StatusInternalServerError)
			}
		}
	}
	status := st.w.status
	if status == 0 {
		status = http.StatusOK
	}
	if e.observer != nil {
		e.observer.ObserveRequest(r.Pattern, status, time.Since(st.start))
	}
	level := slog.LevelInfo
	if st.Quiet && status < 500 {
		level = slog.LevelDebug
	}
	if !e.log.Enabled(r.Context(), level) {
		return
	}
	// Never log header values or bodies: they may hold credentials. The
	// query string is left out too (the setup token travels in it).
	e.log.LogAttrs(r.Context(), level, "http request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(st.start)),
		slog.Int64("bytes", st.w.bytes),
		slog.String("request_id", st.info.RequestID),
		slog.String("user_id", st.UserID),
		slog.String("key_id", st.KeyID),
		slog.String("ip", st.info.IP))
}

// requestID returns the id of a request: a sane incoming X-Request-Id (1
// to 64 characters of [A-Za-z0-9._-]), else the trace id of a valid W3C
// traceparent, else a new one. New ids are 32 lowercase hex digits, a
// valid trace id, so a tracing system can take them as its own: a random
// per-process prefix and a counter, unique without a system call per
// request.
func requestID(h http.Header) string {
	if v := h["X-Request-Id"]; len(v) > 0 && signet.ValidClientToken(v[0], 1) {
		return v[0]
	}
	if v := h["Traceparent"]; len(v) > 0 {
		if id, ok := traceID(v[0]); ok {
			return id
		}
	}
	return newRequestID()
}

// traceID returns the trace id of a W3C traceparent header
// ("00-<32 hex>-<16 hex>-<2 hex>"), if it is valid and not all zeros.
func traceID(v string) (string, bool) {
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' || v[:2] == "ff" {
		return "", false
	}
	id := v[3:35]
	zero := true
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
		zero = zero && c == '0'
	}
	return id, !zero
}

var (
	// idPrefix is random per process, so that ids of several replicas
	// (and of restarts) do not collide.
	idPrefix  [8]byte
	idCounter atomic.Uint64
)

func init() { rand.Read(idPrefix[:]) } // never fails (crypto/rand)

func newRequestID() string {
	var raw [16]byte
	copy(raw[:8], idPrefix[:])
	n := idCounter.Add(1)
	for i := 15; i >= 8; i-- {
		raw[i] = byte(n)
		n >>= 8
	}
	var out [32]byte
	hex.Encode(out[:], raw[:])
	return string(out[:])
}

// statusWriter records the status and size of a response for the access
// log, the metrics and the panic handler.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		browserHeaders(w.ResponseWriter.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer
// (flushing a streamed export).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusOf is the one table from Signet's error codes to HTTP statuses,
// for the REST API and the UI alike.
var statusOf = map[string]int{
	signet.EBADREQUEST:      http.StatusBadRequest,
	signet.EMETHOD:          http.StatusMethodNotAllowed,
	signet.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	signet.EMEDIATYPE:       http.StatusUnsupportedMediaType,
	signet.EINVALID:         http.StatusUnprocessableEntity,
	signet.EUNAUTHENTICATED: http.StatusUnauthorized,
	signet.EFORBIDDEN:       http.StatusForbidden,
	signet.ENOTFOUND:        http.StatusNotFound,
	signet.ECONFLICT:        http.StatusConflict,
	signet.ERATELIMITED:     http.StatusTooManyRequests,
	signet.EUNAVAILABLE:     http.StatusServiceUnavailable,
	signet.EINTERNAL:        http.StatusInternalServerError,
}

// Status returns the HTTP status of an error code; 500 for an unknown one.
func Status(code string) int {
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// StatusClientClosedRequest is the status the access log and the metrics
// record for a request whose client went away before the answer (nginx's
// 499); the client never sees it.
const StatusClientClosedRequest = 499

// ClientGone reports whether r's client went away (it hung up, or the
// server is shutting down): an error then is not the server's fault and is
// no "internal error".
func ClientGone(r *http.Request) bool { return r.Context().Err() != nil }
