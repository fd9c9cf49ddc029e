package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

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
	out := userJSON{Schemas: []string{SchemaUser}, ID: u.ID, ExternalID: u.ExternalID, UserName: u.Email, Name: nameJSON{Formatted: u.Name},
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

// userFilterAttrs are the attributes a Users filter may compare.
var userFilterAttrs = []string{"id", "userName", "externalId", "emails.value"}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	q := r.URL.Query()
	clauses, err := parseFilter(q.Get("filter"), userFilterAttrs)
	if err != nil {
		return err
	}
	var f service.SCIMUserFilter
	for _, c := range clauses {
		switch c.attr {
		case "id":
			err = setOnce(&f.ID, c)
		case "username", "emails.value":
			err = setOnce(&f.UserName, c)
		case "externalid":
			err = setOnce(&f.ExternalID, c)
		}
		if err != nil {
			return err
		}
	}
	start, count, err := pageParams(q)
	if err != nil {
		return err
	}
	users, total, err := s.svc.SCIMListUsers(r.Context(), a, f, start, count)
	if err != nil {
		return err
	}
	res := []userJSON{}
	for _, u := range users {
		res = append(res, userOut(&service.SCIMUser{User: u}))
	}
	return writeList(w, total, start, res)
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
	ExternalID  *string     `json:"externalId"`
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
	ch.ExternalID = in.ExternalID
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
// "name.givenName", `emails[type eq "work"].value`, "externalId", …) and
// a value, or without a path and an object value ({"active":false}).
// Booleans may be strings ("False"), as Entra ID sends them. Attributes
// Signet does not keep (title, department, …) are accepted and ignored,
// as providers send them unasked; "remove" clears externalId and is
// ignored elsewhere; an unknown op is refused.
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
		case p == "externalid":
			ch.ExternalID, err = str()
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
			if strings.EqualFold(strings.TrimSpace(op.Path), "externalId") {
				none := ""
				ch.ExternalID = &none
			}
			continue // nothing else Signet keeps may be removed; ignored
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
