package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// viewer is the signed-in user as pages see it: who it is and what it may
// do, from service.Me. It decides only what is offered; the service
// refuses anything else regardless.
type viewer struct {
	User      *signet.User
	SessionID string
	Groups    []*signet.Group
	org       []string
	all       bool
	anyWS     map[string]bool // permissions held in at least one workspace
	wsPerms   map[string][]string
	wsOrder   []string // workspace ids, as Me lists them
}

func newViewer(me *service.MeView, sessionID string) *viewer {
	v := &viewer{User: me.User, SessionID: sessionID, Groups: me.Groups, org: me.Organisation, anyWS: map[string]bool{}}
	v.all = slices.Contains(me.Organisation, "*")
	v.wsPerms = map[string][]string{}
	for _, w := range me.Workspaces {
		v.wsOrder = append(v.wsOrder, w.Workspace.ID)
		v.wsPerms[w.Workspace.ID] = w.Permissions
		for _, p := range w.Permissions {
			v.anyWS[p] = true
		}
	}
	return v
}

// Can reports whether the viewer holds p organisation-wide.
func (v *viewer) Can(p string) bool { return v.all || slices.Contains(v.org, p) }

// Admin reports whether the viewer holds every permission
// organisation-wide, as the Admin role gives.
func (v *viewer) Admin() bool { return v.all }

// CanAnywhere reports whether the viewer holds p organisation-wide or in
// some workspace.
func (v *viewer) CanAnywhere(p string) bool { return v.Can(p) || v.anyWS[p] }

// firstWorkspaceWith returns the first workspace where the viewer holds p,
// or "".
func (v *viewer) firstWorkspaceWith(p string) string {
	for _, id := range v.wsOrder {
		if slices.Contains(v.wsPerms[id], p) || slices.Contains(v.wsPerms[id], "*") {
			return id
		}
	}
	return ""
}

// home is the first page the viewer may use.
func (v *viewer) home() string {
	if v.Can("users:read") || v.Can("service_accounts:read") {
		return "/settings/users"
	}
	return "/settings/api-keys"
}

// Organisation lists the viewer's organisation-wide permissions.
func (v *viewer) Organisation() []string { return v.org }

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"timep": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// latency shows a duration to the millisecond (microsecond below one).
	"latency": func(d time.Duration) string {
		if d < time.Millisecond {
			return d.Round(time.Microsecond).String()
		}
		return d.Round(time.Millisecond).String()
	},
	"join": strings.Join,
	// networks shows a key's allowlist on one line.
	"networks": func(n []netip.Prefix) string { return strings.Join(signet.FormatNetworks(n), ", ") },
	"has":      func(list []string, s string) bool { return slices.Contains(list, s) },
	"json": func(v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return "(not encodable)"
		}
		return string(b)
	},
	"kindLabel": func(kind string) string {
		if kind == signet.KindServiceAccount {
			return "Service account"
		}
		return "User"
	},
	"isSA": func(kind string) bool { return kind == signet.KindServiceAccount },
	"list": func(items ...string) []string { return items },
	// dict builds the data of a sub-template from key/value pairs.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("dict: keys must be strings")
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},

	// graceOptions are the choices of a key's Rotate form.
	"graceOptions": func() []expiryOption { return graceOptions },
}

// names resolves ids to display names for tables.
type names map[string]string

func (n names) of(id string) string {
	if id == "" {
		return ""
	}
	if v, ok := n[id]; ok {
		return v
	}
	return id
}

// renderView ends a page handler: it renders page with v, or returns err
// for the caller to render.
func (s *server) renderView(w http.ResponseWriter, r *http.Request, page string, v any, err error) error {
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, page, v)
	return nil
}
