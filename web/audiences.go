package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// Settings → Audiences: the services behind Signet that accept its
// short-lived tokens (each names one in its aud claim), and Signet's own
// token signing keys with a manual rotation. Reading needs settings:read
// organisation-wide, changing settings:write (the service decides; the
// page only offers what the viewer may do). Only public parts of the
// signing keys are ever read here.

func init() {
	// duration shows a duration as the forms take it ("15m", "1d").
	funcs["duration"] = signet.FormatDuration
}

// audienceInputs maps the service's fields to the audience forms' inputs.
var audienceInputs = inputs{"identifier": "identifier", "description": "description",
	"service_account_id": "service_account_id", "token_lifetime": "token_lifetime"}

// audienceForm is what the create and edit dialogs hold: an audience's
// fields, or what was posted when the service refused it.
type audienceForm struct {
	Identifier, Description, ServiceAccountID, TokenLifetime string
	Err                                                      formError
}

func audienceFormOf(a *signet.Audience) audienceForm {
	f := audienceForm{Identifier: a.Identifier, Description: a.Description, ServiceAccountID: a.ServiceAccountID}
	if a.TokenLifetime > 0 {
		f.TokenLifetime = signet.FormatDuration(a.TokenLifetime)
	}
	return f
}

func audienceFormFrom(r *http.Request) audienceForm {
	return audienceForm{Identifier: strings.TrimSpace(r.PostFormValue("identifier")), Description: r.PostFormValue("description"),
		ServiceAccountID: r.PostFormValue("service_account_id"), TokenLifetime: strings.TrimSpace(r.PostFormValue("token_lifetime"))}
}

// lifetime reads the token lifetime typed: "" is the key policy's (0).
func (f audienceForm) lifetime() (time.Duration, error) {
	if f.TokenLifetime == "" {
		return 0, nil
	}
	d, err := signet.ParseDuration(f.TokenLifetime)
	if err != nil {
		return 0, signet.FieldErrorf("token_lifetime", signet.EINVALID, "token lifetime %q is not a duration: write one such as 5m, 1h or 12h, or leave it empty for the key policy's", f.TokenLifetime)
	}
	return d, nil
}

// audienceRow is one audience in the table.
type audienceRow struct {
	A *signet.Audience
	// Account names the service account it runs as ("" none), linked when
	// Linked.
	Account string
	Linked  bool
	Form    audienceForm // what its edit dialog holds
}

// accountChoice is a service account the audience forms offer.
type accountChoice struct{ ID, Name string }

type audiencesView struct {
	base
	Audiences []audienceRow
	Next      string
	Cursor    string
	Accounts  []accountChoice
	Form      audienceForm // the create dialog's
	Open      string
	// PolicyLifetime is the key policy's token lifetime, which audiences
	// without their own use.
	PolicyLifetime string
	SigningKeys    []*signet.SigningKey
	// KeysError is an error beside the signing keys (a refused rotation).
	KeysError string
	Rotate    *confirmView // the question Rotate now asks
}

// rotateConfirm is the question of a manual rotation of the signing keys.
var rotateConfirm = confirmView{
	Heading: "Rotate the token signing key now?",
	Consequence: "A new key signs every token from now on. Tokens signed by the current key keep verifying until it leaves the JWKS " +
		"(once the longest of them has expired); then they are refused. Do this when a key may have leaked, or to test the services' key refresh.",
	Action: "/settings/signing-keys/rotate", Button: "Rotate now", Cancel: "/settings/audiences#signing-keys"}

func (s *server) audiencesView(r *http.Request, c *reqCtx) (*audiencesView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	v := &audiencesView{base: c.base("Audiences", "audiences", r), Cursor: q.Get("cursor"), Open: q.Get("dialog")}
	auds, next, err := s.svc.ListAudiences(ctx, c.actor, signet.Page{Cursor: v.Cursor})
	if err != nil {
		return nil, err
	}
	v.Next = next
	rc := rotateConfirm
	v.Rotate = &rc
	if v.SigningKeys, err = s.svc.SigningKeys(ctx, c.actor); err != nil {
		return nil, err
	}
	p, err := s.svc.GetKeyPolicy(ctx, c.actor)
	if err != nil {
		return nil, err
	}
	v.PolicyLifetime = signet.FormatDuration(p.AccessTokenLifetime())
	// The service accounts the forms offer and the table names, as far as
	// the viewer may list them.
	accounts := map[string]string{}
	if c.me.Can("service_accounts:read") || c.me.Can("users:read") {
		users, err := allOf(func(p signet.Page) ([]*signet.User, string, error) {
			return s.svc.ListUsers(ctx, c.actor, signet.UserFilter{Kind: signet.KindServiceAccount, Page: p})
		})
		if err != nil && signet.ErrorCode(err) != signet.EFORBIDDEN {
			return nil, err
		}
		for _, u := range users {
			accounts[u.ID] = u.Name
			v.Accounts = append(v.Accounts, accountChoice{ID: u.ID, Name: u.Name})
		}
		slices.SortFunc(v.Accounts, func(a, b accountChoice) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	}
	for _, a := range auds {
		row := audienceRow{A: a, Form: audienceFormOf(a)}
		if a.ServiceAccountID != "" {
			row.Account, row.Linked = accounts[a.ServiceAccountID]
			if !row.Linked {
				row.Account = a.ServiceAccountID
			}
		}
		v.Audiences = append(v.Audiences, row)
	}
	return v, nil
}

func (s *server) audiencesPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.audiencesView(r, c)
	return s.renderView(w, r, "audiences.html", v, err)
}

// audienceFailed renders the page with err in the dialog it came from
// ("create-audience" or "edit-<id>"), keeping what was typed, or above
// the table (dialog "").
func (s *server) audienceFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, err error, dialog string) error {
	if !c.me.Can("settings:write") {
		return err // no dialog to show it in
	}
	r.URL.RawQuery = ""
	v, verr := s.audiencesView(r, c)
	if verr != nil {
		return err
	}
	f := audienceFormFrom(r)
	f.Err = s.formError(r, err, audienceInputs)
	switch {
	case dialog == "create-audience":
		v.Form, v.Open = f, dialog
	case strings.HasPrefix(dialog, "edit-"):
		i := slices.IndexFunc(v.Audiences, func(row audienceRow) bool { return "edit-"+row.A.ID == dialog })
		if i < 0 {
			return err // gone, or on another page: no dialog to show it in
		}
		v.Audiences[i].Form, v.Open = f, dialog
	default:
		v.Error = f.Err.Message
	}
	s.render(w, r, statusFor(err), "audiences.html", v)
	return nil
}

func (s *server) createAudience(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := audienceFormFrom(r)
	d, err := f.lifetime()
	if err == nil {
		_, err = s.svc.CreateAudience(r.Context(), c.actor, service.AudienceInput{Identifier: f.Identifier, Description: f.Description,
			ServiceAccountID: f.ServiceAccountID, TokenLifetime: d})
	}
	if err != nil {
		return s.audienceFailed(w, r, c, err, "create-audience")
	}
	redirect(w, r, "/settings/audiences", "created")
	return nil
}

func (s *server) updateAudience(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	f := audienceFormFrom(r)
	d, err := f.lifetime()
	if err == nil {
		_, err = s.svc.UpdateAudience(r.Context(), c.actor, id, service.AudienceUpdate{Identifier: &f.Identifier, Description: &f.Description,
			ServiceAccountID: &f.ServiceAccountID, TokenLifetime: &d})
	}
	if err != nil {
		return s.audienceFailed(w, r, c, err, "edit-"+id)
	}
	redirect(w, r, "/settings/audiences", "saved")
	return nil
}

func (s *server) deleteAudience(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteAudience(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.audienceFailed(w, r, c, err, "")
	}
	redirect(w, r, "/settings/audiences", "deleted")
	return nil
}

// rotateSigningKeys replaces the signing key at once (settings:write).
func (s *server) rotateSigningKeys(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if _, err := s.svc.RotateSigningKeys(r.Context(), c.actor, s.tokens, true); err != nil {
		r.URL.RawQuery = ""
		v, verr := s.audiencesView(r, c)
		if verr != nil {
			return err
		}
		v.KeysError = s.message(r, err)
		s.render(w, r, statusFor(err), "audiences.html", v)
		return nil
	}
	redirect(w, r, "/settings/audiences", "signing_rotated")
	return nil
}

// audienceConfirm is the question of deleting a.
func audienceConfirm(a *signet.Audience) *confirmView {
	return &confirmView{
		Heading: "Delete the audience " + a.Identifier + "?",
		Consequence: "Signet issues no more tokens for it, and introspection answers inactive for those already issued; " +
			"services that verify tokens offline accept them until they expire. This cannot be undone.",
		Action: "/settings/audiences/" + a.ID + "/delete", Button: "Delete audience", Cancel: "/settings/audiences"}
}

func (s *server) confirmDeleteAudience(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	a, err := s.svc.GetAudience(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, audienceConfirm(a))
}

func (s *server) confirmRotateSigningKeys(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	// Reading the keys checks that the viewer may see them.
	if _, err := s.svc.SigningKeys(r.Context(), c.actor); err != nil {
		return err
	}
	v := rotateConfirm
	return s.renderConfirm(w, r, c, http.StatusOK, &v)
}

// Public keys of a service account (signet.ClientKey): it authenticates
// to the token endpoint with a JWT assertion signed by the private half,
// which Signet never sees. Shown on the account's page beside its API
// keys.

// clientKeyInputs maps the service's fields to the add-public-key form.
var clientKeyInputs = inputs{"name": "pk_name", "public_key": "public_key"}

// clientKeyForm is what the add-public-key dialog holds, kept on error.
type clientKeyForm struct {
	Name, PublicKey string
	Err             formError
}

// clientKeyView is one public key in the table.
type clientKeyView struct {
	K         *signet.ClientKey
	CreatedBy string
	Confirm   *confirmView // the question Delete asks
}

func clientKeyConfirm(u *signet.User, k *signet.ClientKey) *confirmView {
	return &confirmView{
		Heading: "Delete the public key “" + k.Name + "” of " + u.Name + "?",
		Consequence: "Token requests signed with its private key are refused at once, and introspection answers inactive for the tokens it obtained; " +
			"services that verify tokens offline accept them until they expire. This cannot be undone.",
		Action: "/settings/users/" + url.PathEscape(u.ID) + "/public-keys/" + url.PathEscape(k.ID) + "/delete", Button: "Delete public key",
		Cancel: "/settings/users/" + url.PathEscape(u.ID) + "#public-keys"}
}

// clientKeys fills the public keys of the service account on v's page, as
// far as the viewer may read them.
func (s *server) clientKeys(r *http.Request, c *reqCtx, v *editView, users names) error {
	if !v.IsSA {
		return nil
	}
	u := v.Detail.User
	keys, err := s.svc.ListClientKeys(r.Context(), c.actor, u.ID)
	if signet.ErrorCode(err) == signet.EFORBIDDEN {
		return nil
	}
	if err != nil {
		return err
	}
	v.CanReadClientKeys = true
	v.CanWriteClientKeys = c.me.Can("service_accounts:write")
	for _, k := range keys {
		by := users.of(k.CreatedBy)
		if k.CreatedBy == "" {
			by = "signet"
		}
		v.ClientKeys = append(v.ClientKeys, clientKeyView{K: k, CreatedBy: by, Confirm: clientKeyConfirm(u, k)})
	}
	return nil
}

// createClientKey registers a public key on the service account from
// the add-public-key dialog, or shows the dialog again with the service's
// message beside the field it concerns and what was typed.
func (s *server) createClientKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	f := clientKeyForm{Name: r.PostFormValue("name"), PublicKey: r.PostFormValue("public_key")}
	_, err := s.svc.CreateClientKey(r.Context(), c.actor, id, service.ClientKeyInput{Name: f.Name, PublicKey: f.PublicKey})
	if err == nil {
		redirect(w, r, "/settings/users/"+url.PathEscape(id), "added")
		return nil
	}
	if !c.me.Can("service_accounts:write") {
		return err // no dialog to show it in
	}
	r.URL.RawQuery = ""
	v, verr := s.editView(r, c, id)
	if verr != nil || !v.CanWriteClientKeys {
		return err
	}
	f.Err = s.formError(r, err, clientKeyInputs)
	if f.Err.Input == "public_key" && looksPrivate(f.PublicKey) {
		f.PublicKey = "" // a private key is sent back to no page
	}
	v.ClientKeyForm, v.Open = f, "add-public-key"
	s.render(w, r, statusFor(err), "edit_user.html", v)
	return nil
}

// looksPrivate reports whether text holds a private key (PEM or a JWK's
// "d"), which a page must not echo back.
func looksPrivate(text string) bool {
	return strings.Contains(text, "PRIVATE KEY") || strings.Contains(strings.ReplaceAll(text, " ", ""), `"d":`)
}

func (s *server) deleteClientKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	if err := s.svc.DeleteClientKey(r.Context(), c.actor, id, r.PathValue("key")); err != nil {
		return s.editFailed(w, r, c, "public-keys", err)
	}
	redirect(w, r, "/settings/users/"+url.PathEscape(id), "removed")
	return nil
}

func (s *server) confirmDeleteClientKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetUser(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	keys, err := s.svc.ListClientKeys(r.Context(), c.actor, d.User.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ID == r.PathValue("key") {
			return s.renderConfirm(w, r, c, http.StatusOK, clientKeyConfirm(d.User, k))
		}
	}
	return signet.Errorf(signet.ENOTFOUND, "public key %s not found on %s", r.PathValue("key"), d.User.Name)
}
