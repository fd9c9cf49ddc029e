package scim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// groupJSON is a SCIM Group. Members are people only (SCIM Users);
// service accounts in the group are Signet's own and not shown.
type groupJSON struct {
	Schemas     []string     `json:"schemas"`
	ID          string       `json:"id"`
	ExternalID  string       `json:"externalId,omitempty"`
	DisplayName string       `json:"displayName"`
	Members     []memberJSON `json:"members,omitempty"`
	Meta        metaJSON     `json:"meta"`
}

type memberJSON struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
	Type    string `json:"type,omitempty"`
}

func groupOut(sg *service.SCIMGroup, withMembers bool) groupJSON {
	g := sg.Group
	out := groupJSON{Schemas: []string{SchemaGroup}, ID: g.ID, ExternalID: g.ExternalID, DisplayName: g.Name,
		Meta: metaJSON{ResourceType: "Group", Created: g.CreatedAt.UTC().Format(time.RFC3339), LastModified: g.UpdatedAt.UTC().Format(time.RFC3339),
			Location: Base + "/Groups/" + url.PathEscape(g.ID)}}
	if withMembers {
		out.Members = []memberJSON{}
		for _, u := range sg.Members {
			out.Members = append(out.Members, memberJSON{Value: u.ID, Display: u.Name, Ref: Base + "/Users/" + url.PathEscape(u.ID), Type: "User"})
		}
	}
	return out
}

// groupFilterAttrs are the attributes a Groups filter may compare.
var groupFilterAttrs = []string{"id", "displayName", "externalId", "members.value"}

func (s *server) listGroups(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	q := r.URL.Query()
	clauses, err := parseFilter(q.Get("filter"), groupFilterAttrs)
	if err != nil {
		return err
	}
	var f service.SCIMGroupFilter
	for _, c := range clauses {
		switch c.attr {
		case "id":
			err = setOnce(&f.ID, c)
		case "displayname":
			err = setOnce(&f.DisplayName, c)
		case "externalid":
			err = setOnce(&f.ExternalID, c)
		case "members.value":
			err = setOnce(&f.MemberID, c)
		}
		if err != nil {
			return err
		}
	}
	start, count, err := pageParams(q)
	if err != nil {
		return err
	}
	members := wantsMembers(q)
	groups, total, err := s.svc.SCIMListGroups(r.Context(), a, f, start, count, members)
	if err != nil {
		return err
	}
	res := []groupJSON{}
	for _, g := range groups {
		res = append(res, groupOut(g, members))
	}
	return writeList(w, total, start, res)
}

func (s *server) getGroup(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	members := wantsMembers(r.URL.Query())
	g, err := s.svc.SCIMGetGroup(r.Context(), a, r.PathValue("id"), members)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, groupOut(g, members))
}

// groupIn is a SCIM Group as POST and PUT send it.
type groupIn struct {
	DisplayName *string      `json:"displayName"`
	ExternalID  *string      `json:"externalId"`
	Members     []memberJSON `json:"members"`
}

func (in *groupIn) change() service.SCIMGroupChange {
	ch := service.SCIMGroupChange{DisplayName: in.DisplayName, ExternalID: in.ExternalID}
	if in.Members != nil {
		ids := memberIDs(in.Members)
		ch.Members = &ids
	}
	return ch
}

func memberIDs(ms []memberJSON) []string {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.Value)
	}
	return ids
}

func (s *server) createGroup(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	var in groupIn
	if err := decode(r, &in); err != nil {
		return err
	}
	g, err := s.svc.SCIMCreateGroup(r.Context(), a, in.change())
	if err != nil {
		return err
	}
	w.Header().Set("Location", Base+"/Groups/"+url.PathEscape(g.Group.ID))
	return write(w, http.StatusCreated, groupOut(g, true))
}

// replaceGroup is PUT: the name, and the members when sent (a PUT
// without members leaves them, which RFC 7644 §3.5.1 allows, so that a
// provider that omits them does not empty the group).
func (s *server) replaceGroup(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	var in groupIn
	if err := decode(r, &in); err != nil {
		return err
	}
	g, err := s.svc.SCIMUpdateGroup(r.Context(), a, r.PathValue("id"), in.change())
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, groupOut(g, true))
}

func (s *server) patchGroup(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	var in patchIn
	if err := decode(r, &in); err != nil {
		return err
	}
	ch, err := groupPatchChange(&in)
	if err != nil {
		return err
	}
	g, err := s.svc.SCIMUpdateGroup(r.Context(), a, r.PathValue("id"), ch)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, groupOut(g, wantsMembers(r.URL.Query())))
}

// memberPathForm is how Okta names one member to remove.
var memberPathForm = `members[value eq "…"]`

// groupPatchChange reads the operations Okta and Entra ID send to a
// group, in order:
//   - a rename: replace with path displayName, or without a path and an
//     object value {"id":…, "displayName":…} (Okta);
//   - add with path members and a list of {"value": id} (both);
//   - remove with path members[value eq "id"] (Okta), or path members and
//     a list of {"value": id} (Entra ID), or path members alone (all);
//   - replace with path members and a list: exactly these members.
//
// Ops are case-insensitive (Entra ID capitalises them); other attributes
// are ignored, as providers send them unasked; an unknown op is refused.
func groupPatchChange(in *patchIn) (service.SCIMGroupChange, error) {
	var ch service.SCIMGroupChange
	add, remove := map[string]bool{}, map[string]bool{}
	var replaced *[]string
	members := func(raw json.RawMessage) ([]string, error) {
		var list []memberJSON
		if err := json.Unmarshal(raw, &list); err != nil {
			var one memberJSON
			if json.Unmarshal(raw, &one) != nil || one.Value == "" {
				return nil, scimErr(http.StatusBadRequest, "invalidValue", `members must be a list of {"value": "<user id>"}`)
			}
			list = []memberJSON{one}
		}
		return memberIDs(list), nil
	}
	str := func(path string, raw json.RawMessage) (*string, error) {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, scimErr(http.StatusBadRequest, "invalidValue", path+" must be a string")
		}
		return &v, nil
	}
	for _, op := range in.Operations {
		path := strings.TrimSpace(op.Path)
		lower := strings.ToLower(path)
		switch kind := strings.ToLower(op.Op); {
		case kind != "add" && kind != "replace" && kind != "remove":
			return ch, scimErr(http.StatusBadRequest, "invalidSyntax", fmt.Sprintf("unknown op %q", op.Op))

		case kind == "remove" && strings.HasPrefix(lower, "members["):
			c, ok := parseClause(path)
			if !ok || c.attr != "members.value" {
				return ch, scimErr(http.StatusBadRequest, "invalidPath", `remove one member with the path `+memberPathForm)
			}
			delete(add, c.value)
			remove[c.value] = true
		case kind == "remove" && lower == "members":
			if len(op.Value) == 0 || string(op.Value) == "null" {
				replaced, add, remove = &[]string{}, map[string]bool{}, map[string]bool{}
				continue
			}
			ids, err := members(op.Value)
			if err != nil {
				return ch, err
			}
			for _, id := range ids {
				delete(add, id)
				remove[id] = true
			}
		case kind == "remove" && lower == "externalid":
			none := ""
			ch.ExternalID = &none
		case kind == "remove":
			// nothing else Signet keeps may be removed; ignored

		case lower == "members":
			ids, err := members(op.Value)
			if err != nil {
				return ch, err
			}
			if kind == "replace" {
				replaced, add, remove = &ids, map[string]bool{}, map[string]bool{}
				continue
			}
			for _, id := range ids {
				delete(remove, id)
				add[id] = true
			}
		case lower == "displayname":
			v, err := str(path, op.Value)
			if err != nil {
				return ch, err
			}
			ch.DisplayName = v
		case lower == "externalid":
			v, err := str(path, op.Value)
			if err != nil {
				return ch, err
			}
			ch.ExternalID = v
		case path == "":
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(op.Value, &obj); err != nil {
				return ch, scimErr(http.StatusBadRequest, "invalidValue", "an operation without a path needs an object value")
			}
			for k, v := range obj {
				var err error
				switch strings.ToLower(k) {
				case "displayname":
					ch.DisplayName, err = str(k, v)
				case "externalid":
					ch.ExternalID, err = str(k, v)
				case "members":
					var ids []string
					if ids, err = members(v); err == nil && kind == "replace" {
						replaced, add, remove = &ids, map[string]bool{}, map[string]bool{}
					} else if err == nil {
						for _, id := range ids {
							delete(remove, id)
							add[id] = true
						}
					}
				}
				if err != nil {
					return ch, err
				}
			}
		}
	}
	ch.Members = replaced
	ch.Add = slices.Sorted(maps.Keys(add))
	ch.Remove = slices.Sorted(maps.Keys(remove))
	return ch, nil
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request, a *signet.Actor) error {
	if err := s.svc.SCIMDeleteGroup(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
