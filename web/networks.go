package web

import (
	"net/http"
	"strings"
	"unicode"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// formNetworks reads a key's network allowlist from a form field: CIDRs
// or addresses separated by commas, spaces or line breaks. The service
// validates each one and names a bad one.
func formNetworks(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// keyNetworksView is the page that edits one key's network allowlist.
type keyNetworksView struct {
	base
	Key      keyView
	Networks string    // the form's text: the current list, or what was sent
	FormErr  string    // an error about the form as a whole
	Err      formError // an error beside the list
	Back     string
}

// backTo returns v when it is a path of the settings pages, else the API
// keys page: the one place a form returns to.
func backTo(v string) string {
	if strings.HasPrefix(v, "/settings/") && !strings.HasPrefix(v, "/settings//") {
		return v
	}
	return "/settings/api-keys"
}

func (s *server) keyNetworksView(r *http.Request, c *reqCtx, back string) (*keyNetworksView, error) {
	k, err := s.svc.GetAPIKey(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	n, err := s.userNames(r.Context(), c)
	if err != nil {
		return nil, err
	}
	return &keyNetworksView{base: c.base("Allowed networks of "+k.Name, "keys", r), Key: newKeyView(k, n, s.now()),
		Networks: strings.Join(signet.FormatNetworks(k.AllowedNetworks), "\n"), Back: backTo(back)}, nil
}

func (s *server) keyNetworksPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.keyNetworksView(r, c, r.URL.Query().Get("back"))
	return s.renderView(w, r, "key_networks.html", v, err)
}

// updateKeyNetworks replaces a key's network allowlist (empty: clear it)
// and returns to the page it came from, or shows the form with the error.
func (s *server) updateKeyNetworks(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	sent := r.PostFormValue("allowed_networks")
	list := formNetworks(sent)
	if list == nil {
		list = []string{}
	}
	_, err := s.svc.UpdateAPIKey(r.Context(), c.actor, r.PathValue("id"), service.APIKeyUpdate{AllowedNetworks: &list})
	back := backTo(r.PostFormValue("back"))
	if err == nil {
		redirect(w, r, back, "saved")
		return nil
	}
	if signet.ErrorCode(err) != signet.EINVALID {
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.keyNetworksView(r, c, back)
	if verr != nil {
		return verr
	}
	v.Err = s.formError(r, err, inputs{"allowed_networks": "allowed_networks"})
	v.Networks, v.FormErr = sent, v.Err.General()
	s.render(w, r, statusFor(err), "key_networks.html", v)
	return nil
}
