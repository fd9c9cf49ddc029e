package signet

import "context"

// Actor is who performs an operation: an authenticated user, and how they
// authenticated. The service layer authorises every operation against it.
type Actor struct {
	UserID string
	Kind   string // KindHuman or KindServiceAccount
	Name   string
	// KeyID is the API key used, if any ("key_…").
	KeyID string
	// KeyScopes narrows the user's permissions when a scoped key is used.
	KeyScopes []string
	// SessionID is the UI session used, if any.
	SessionID string
	// System marks Signet itself acting (bootstrap, offline admin
	// commands run by an operator with access to the database).
	System bool
}

// SystemActor is the actor of bootstrap and offline admin commands.
var SystemActor = &Actor{UserID: "", Kind: "system", Name: "signet", System: true}

// RequestInfo is what the audit trail records about where an operation came
// from. The HTTP layer puts it in the context.
type RequestInfo struct {
	IP        string
	UserAgent string
	RequestID string
}

type requestInfoKey struct{}

// WithRequestInfo returns ctx carrying ri.
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

// RequestInfoSource is a context value that carries a request's info
// besides state of its own: the HTTP edge's per-request state, so that one
// context value serves both (see WithRequestInfoSource).
type RequestInfoSource interface {
	RequestInfo() RequestInfo
}

// WithRequestInfoSource returns ctx carrying src, whose RequestInfo is
// what RequestInfoFrom returns.
func WithRequestInfoSource(ctx context.Context, src RequestInfoSource) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, src)
}

// RequestInfoSourceFrom returns the source WithRequestInfoSource put in
// ctx, or nil.
func RequestInfoSourceFrom(ctx context.Context) RequestInfoSource {
	src, _ := ctx.Value(requestInfoKey{}).(RequestInfoSource)
	return src
}

// RequestInfoFrom returns the RequestInfo in ctx, or the zero value.
func RequestInfoFrom(ctx context.Context) RequestInfo {
	switch v := ctx.Value(requestInfoKey{}).(type) {
	case RequestInfo:
		return v
	case RequestInfoSource:
		return v.RequestInfo()
	}
	return RequestInfo{}
}
