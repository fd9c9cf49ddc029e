// Package scim serves SCIM 2.0 provisioning of people (RFC 7643/7644
// Users) under /scim/v2/, for identity providers (Okta, Entra ID, …).
// Handlers are thin: they authenticate the caller's API key (a service
// account key holding scim:write organisation-wide), translate SCIM's
// shapes, and call package service, which holds every rule and audits.
// These routes are SCIM's, not Signet's REST API: they are described by
// SCIM's own discovery documents, not by openapi.json.
package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/service"
)

// Schema URNs.
const (
	SchemaUser      = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaList      = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp   = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError     = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSignetExt = "urn:ietf:params:scim:schemas:extension:signet:2.0:User"
)

// Base is the path prefix of every SCIM route.
const Base = "/scim/v2"

const (
	defaultCount = 100
	maxCount     = 200
	maxBody      = 1 << 20
)

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
	mux.Handle(Base+"/", h(func(w http.ResponseWriter, r *http.Request, _ *signet.Actor) error {
		return signet.Errorf(signet.ENOTFOUND, "there is no SCIM resource at %s (Signet provisions Users)", r.URL.Path)
	}))
}

// userJSON is a SCIM User.
type userJSON struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        nameJSON    `json:"name"`
	DisplayName string      `json:"displayName"`
	Emails      []emailJSON `json:"emails"`
	Active      bool        `json:"active"`
	Meta        metaJSON    `json:"meta"`
	Signet      *signetExt  `json:"urn:ietf:params:scim:schemas:extension:signet:2.0:User,omitempty"`
}

type nameJSON struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type emailJSON struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type metaJSON struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
}

// signetExt lists what a deactivation leaves to reassign.
type signetExt struct {
	OwnedServiceAccounts []refJSON `json:"ownedServiceAccounts"`
}

type refJSON struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

func userOut(su *service.SCIMUser) userJSON {
	u := su.User
	out := userJSON{Schemas: []string{SchemaUser}, ID: u.ID, UserName: u.Email, Name: nameJSON{Formatted: u.Name},
		DisplayName: u.Name, Emails: []emailJSON{{Value: u.Email, Type: "work", Primary: true}}, Active: u.Status == signet.StatusActive,
		Meta: metaJSON{ResourceType: "User", Created: u.CreatedAt.UTC().Format(time.RFC3339), LastModified: u.UpdatedAt.UTC().Format(time.RFC3339),
			Location: Base + "/Users/" + url.PathEscape(u.ID)}}
	if su.OwnedServiceAccounts != nil {
		out.Schemas = append(out.Schemas, SchemaSignetExt)
		out.Signet = &signetExt{OwnedServiceAccounts: []refJSON{}}
		for _, sa := range su.OwnedServiceAccounts {
			out.Signet.OwnedServiceAccounts = append(out.Signet.OwnedServiceAccounts, refJSON{Value: sa.ID, Display: sa.Name})
		}
	}
	return out
}

// filterRE is the one filter Signet takes, as Okta and Entra ID send it.
var filterRE = regexp.MustCompile(`(?i)^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$`)

func (s *server) listUsers(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	q := r.URL.Query()
	var userName string
	if f := q.Get("filter"); f != "" {
		m := filterRE.FindStringSubmatch(f)
		if m == nil {
			return scimErr(http.StatusBadRequest, "invalidFilter", `the only filter supported is userName eq "…"`)
		}
		userName = strings.ReplaceAll(strings.ReplaceAll(m[1], `\"`, `"`), `\\`, `\`)
	}
	start, err := intParam(q, "startIndex", 1)
	if err != nil {
		return err
	}
	count, err := intParam(q, "count", defaultCount)
	if err != nil {
		return err
	}
	count = min(max(count, 0), maxCount)
	users, total, err := s.svc.SCIMListUsers(r.Context(), a, userName, max(start, 1), count)
	if err != nil {
		return err
	}
	res := []userJSON{}
	for _, u := range users {
		res = append(res, userOut(&service.SCIMUser{User: u}))
	}
	return write(w, http.StatusOK, map[string]any{"schemas": []string{SchemaList}, "totalResults": total,
		"startIndex": max(start, 1), "itemsPerPage": len(res), "Resources": res})
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, scimErr(http.StatusBadRequest, "invalidValue", name+" must be an integer")
	}
	return n, nil
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	u, err := s.svc.SCIMGetUser(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, userOut(u))
}

// userIn is a SCIM User as POST and PUT send it.
type userIn struct {
	UserName    *string     `json:"userName"`
	DisplayName *string     `json:"displayName"`
	Name        *nameJSON   `json:"name"`
	Emails      []emailJSON `json:"emails"`
	Active      *boolish    `json:"active"`
}

func (in *userIn) change() service.SCIMUserChange {
	var ch service.SCIMUserChange
	ch.UserName = in.UserName
	if ch.UserName == nil {
		for _, e := range in.Emails {
			if e.Primary || len(in.Emails) == 1 {
				v := e.Value
				ch.UserName = &v
			}
		}
	}
	ch.Name = displayName(in.DisplayName, in.Name)
	if in.Active != nil {
		v := bool(*in.Active)
		ch.Active = &v
	}
	return ch
}

func displayName(display *string, n *nameJSON) *string {
	if display != nil && strings.TrimSpace(*display) != "" {
		return display
	}
	if n == nil {
		return nil
	}
	if strings.TrimSpace(n.Formatted) != "" {
		return &n.Formatted
	}
	if full := strings.TrimSpace(n.GivenName + " " + n.FamilyName); full != "" {
		return &full
	}
	return nil
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	var in userIn
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.svc.SCIMCreateUser(r.Context(), a, in.change())
	if err != nil {
		return err
	}
	w.Header().Set("Location", Base+"/Users/"+url.PathEscape(u.User.ID))
	return write(w, http.StatusCreated, userOut(u))
}

func (s *server) replaceUser(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	var in userIn
	if err := decode(r, &in); err != nil {
		return err
	}
	ch := in.change()
	if ch.Active == nil {
		// PUT replaces the resource: an absent active means active
		// (RFC 7643 §4.1.1 gives no default; Okta and Entra send it).
		t := true
		ch.Active = &t
	}
	u, err := s.svc.SCIMUpdateUser(r.Context(), a, r.PathValue("id"), ch)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, userOut(u))
}

// patchIn is a PatchOp message (RFC 7644 §3.5.2).
type patchIn struct {
	Schemas    []string `json:"schemas"`
	Operations []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	} `json:"Operations"`
}

func (s *server) patchUser(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	var in patchIn
	if err := decode(r, &in); err != nil {
		return err
	}
	ch, err := patchChange(&in)
	if err != nil {
		return err
	}
	u, err := s.svc.SCIMUpdateUser(r.Context(), a, r.PathValue("id"), ch)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, userOut(u))
}

// patchChange reads the operations Okta and Entra ID send: "replace" (or
// "Replace", "add") with a path ("active", "userName", "displayName",
// "name.givenName", `emails[type eq "work"].value`, …) and a value, or
// without a path and an object value ({"active":false}). Booleans may be
// strings ("False"), as Entra ID sends them. Attributes Signet does not
// keep (title, department, externalId, …) are accepted and ignored, as
// providers send them unasked; an unknown op is refused.
func patchChange(in *patchIn) (service.SCIMUserChange, error) {
	var ch service.SCIMUserChange
	var given, family *string
	set := func(path string, raw json.RawMessage) error {
		p := strings.ToLower(strings.TrimSpace(path))
		str := func() (*string, error) {
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, scimErr(http.StatusBadRequest, "invalidValue", path+" must be a string")
			}
			return &v, nil
		}
		var err error
		switch {
		case p == "active":
			var b boolish
			if err := json.Unmarshal(raw, &b); err != nil {
				return scimErr(http.StatusBadRequest, "invalidValue", "active must be true or false")
			}
			v := bool(b)
			ch.Active = &v
		case p == "username":
			ch.UserName, err = str()
		case p == "displayname", p == "name.formatted":
			ch.Name, err = str()
		case p == "name.givenname":
			given, err = str()
		case p == "name.familyname":
			family, err = str()
		case p == "name":
			var n nameJSON
			if json.Unmarshal(raw, &n) != nil {
				return scimErr(http.StatusBadRequest, "invalidValue", "name must be an object")
			}
			if v := displayName(nil, &n); v != nil {
				ch.Name = v
			}
		case strings.HasPrefix(p, "emails"):
			var v *string
			if strings.HasSuffix(p, ".value") {
				v, err = str()
			} else {
				var list []emailJSON
				if json.Unmarshal(raw, &list) == nil {
					for _, e := range list {
						if e.Primary || len(list) == 1 {
							val := e.Value
							v = &val
						}
					}
				}
			}
			if v != nil && ch.UserName == nil {
				ch.UserName = v
			}
		}
		return err
	}
	for _, op := range in.Operations {
		switch strings.ToLower(op.Op) {
		case "replace", "add":
		case "remove":
			continue // nothing Signet keeps may be removed; ignored
		default:
			return ch, scimErr(http.StatusBadRequest, "invalidSyntax", fmt.Sprintf("unknown op %q", op.Op))
		}
		if op.Path != "" {
			if err := set(op.Path, op.Value); err != nil {
				return ch, err
			}
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(op.Value, &obj); err != nil {
			return ch, scimErr(http.StatusBadRequest, "invalidValue", "an operation without a path needs an object value")
		}
		for k, v := range obj {
			if err := set(k, v); err != nil {
				return ch, err
			}
		}
	}
	if ch.Name == nil && (given != nil || family != nil) {
		full := strings.TrimSpace(deref(given) + " " + deref(family))
		ch.Name = &full
	}
	return ch, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// boolish is a JSON boolean, or a string "true"/"false" in any case.
type boolish bool

func (b *boolish) UnmarshalJSON(raw []byte) error {
	var v bool
	if err := json.Unmarshal(raw, &v); err == nil {
		*b = boolish(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	switch strings.ToLower(s) {
	case "true":
		*b = true
	case "false":
		*b = false
	default:
		return errors.New("not a boolean")
	}
	return nil
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	if err := s.svc.SCIMDeleteUser(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
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
