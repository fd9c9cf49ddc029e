// Package scim serves SCIM 2.0 provisioning (RFC 7643/7644) of people
// (Users) and groups (Groups) under /scim/v2/, for identity providers
// (Okta, Entra ID, …), with the discovery documents they read first
// (ServiceProviderConfig, ResourceTypes, Schemas).
// Handlers are thin: they authenticate the caller's API key (a service
// account key holding scim:write organisation-wide), translate SCIM's
// shapes, and call package service, which holds every rule and audits.
// These routes are SCIM's, not Signet's REST API: they are described by
// SCIM's own discovery documents, not by openapi.json.
package scim

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/service"
)

// Schema URNs.
const (
	SchemaUser      = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup     = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaList      = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp   = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError     = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSignetExt = "urn:ietf:params:scim:schemas:extension:signet:2.0:User"
)

// Base is the path prefix of every SCIM route.
const Base = "/scim/v2"

// maxBody bounds a request body.
const maxBody = 1 << 20

// Config configures the handlers.
type Config struct {
	Service *service.Service
	Auth    *authn.Authenticator
	// Logger receives internal errors; nil discards.
	Logger *slog.Logger
}

type server struct {
	svc  *service.Service
	auth *authn.Authenticator
	log  *slog.Logger
}

// Register adds the SCIM routes to mux.
func Register(mux *http.ServeMux, cfg Config) {
	s := &server{svc: cfg.Service, auth: cfg.Auth, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	h := func(fn func(http.ResponseWriter, *http.Request, *signet.Actor) error) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, err := s.auth.Authenticate(r)
			if err == nil && a == nil {
				err = signet.Errorf(signet.EUNAUTHENTICATED, "send the SCIM token (a Signet API key holding scim:write) as a Bearer token")
			}
			if err == nil {
				if st := httpedge.From(r.Context()); st != nil {
					st.UserID, st.Actor = a.UserID, a
				}
				err = fn(w, r, a)
			}
			if err != nil {
				var se *scimError
				if !errors.As(err, &se) && signet.ErrorCode(err) == signet.EINTERNAL {
					s.log.ErrorContext(r.Context(), "internal error", "request_id", httpedge.RequestID(r.Context()), "path", r.URL.Path, "error", err.Error())
				}
				writeError(w, r, err)
			}
		})
	}
	mux.Handle("GET "+Base+"/Users", h(s.listUsers))
	mux.Handle("POST "+Base+"/Users", h(s.createUser))
	mux.Handle("GET "+Base+"/Users/{id}", h(s.getUser))
	mux.Handle("PUT "+Base+"/Users/{id}", h(s.replaceUser))
	mux.Handle("PATCH "+Base+"/Users/{id}", h(s.patchUser))
	mux.Handle("DELETE "+Base+"/Users/{id}", h(s.deleteUser))
	mux.Handle("GET "+Base+"/Groups", h(s.listGroups))
	mux.Handle("POST "+Base+"/Groups", h(s.createGroup))
	mux.Handle("GET "+Base+"/Groups/{id}", h(s.getGroup))
	mux.Handle("PUT "+Base+"/Groups/{id}", h(s.replaceGroup))
	mux.Handle("PATCH "+Base+"/Groups/{id}", h(s.patchGroup))
	mux.Handle("DELETE "+Base+"/Groups/{id}", h(s.deleteGroup))
	// The discovery documents describe the service, not anyone's data:
	// providers read them before they hold a token (RFC 7644 §4).
	open := func(fn func(*http.Request) (any, error)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v, err := fn(r)
			if err == nil {
				err = write(w, http.StatusOK, v)
			}
			if err != nil {
				writeError(w, r, err)
			}
		})
	}
	mux.Handle("GET "+Base+"/ServiceProviderConfig", open(serviceProviderConfig))
	mux.Handle("GET "+Base+"/ResourceTypes", open(resourceTypeList))
	mux.Handle("GET "+Base+"/ResourceTypes/{name}", open(resourceTypeOne))
	mux.Handle("GET "+Base+"/Schemas", open(schemaList))
	mux.Handle("GET "+Base+"/Schemas/{urn}", open(schemaOne))
	mux.Handle(Base+"/", h(func(w http.ResponseWriter, r *http.Request, _ *signet.Actor) error {
		return signet.Errorf(signet.ENOTFOUND, "there is no SCIM resource at %s (Signet provisions Users and Groups)", r.URL.Path)
	}))
}

func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return scimErr(http.StatusRequestEntityTooLarge, "", "the body is larger than 1 MiB")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return scimErr(http.StatusBadRequest, "invalidSyntax", "the body is not a SCIM JSON object: "+err.Error())
	}
	return nil
}

func write(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return signet.Internal("scim.write", err)
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	w.Write(b)
	return nil
}

// scimError is an error with SCIM's status and scimType.
type scimError struct {
	status   int
	scimType string
	detail   string
}

func (e *scimError) Error() string { return e.detail }

func scimErr(status int, scimType, detail string) error {
	return &scimError{status: status, scimType: scimType, detail: detail}
}

// writeError answers err in SCIM's error shape; the status comes from
// the one error table (httpedge), "Internal error." for the unexpected.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, scimType, detail := 0, "", ""
	var se *scimError
	if errors.As(err, &se) {
		status, scimType, detail = se.status, se.scimType, se.detail
	} else {
		code := signet.ErrorCode(err)
		status, detail = httpedge.Status(code), signet.ErrorMessage(err)
		switch code {
		case signet.ECONFLICT:
			scimType = "uniqueness"
		case signet.EINVALID:
			scimType, status = "invalidValue", http.StatusBadRequest
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="signet-scim"`)
		}
		if code == signet.EINTERNAL {
			detail = "Internal error (request " + httpedge.RequestID(r.Context()) + ")."
		}
	}
	body := map[string]any{"schemas": []string{SchemaError}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	write(w, status, body)
}
