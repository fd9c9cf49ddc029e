package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// Settings → Identity providers: the OpenID Connect providers people sign
// in with (signet.OIDCProvider), and the password sign-in switch with its
// break-glass administrator (signet.PasswordLogin). Reading needs
// settings:read organisation-wide, changing settings:write, and the
// switch an Admin (the service decides; the page only offers what the
// viewer may do). A provider's client secret is write-only: no page
// holds it, not even masked, and a form refused keeps everything typed
// but it.

func init() {
	// providerConfirmText is what deleting a provider does, for the
	// in-page confirmation (the page without JavaScript says the same).
	funcs["providerConfirmText"] = func() string { return providerConfirmText }
}

// providerInputs maps the service's fields to the provider forms' inputs.
var providerInputs = inputs{"name": "name", "issuer": "issuer", "client_id": "client_id", "client_secret": "client_secret",
	"scopes": "scopes", "allowed_domains": "allowed_domains", "groups_claim": "groups_claim", "group_mappings": "group_mappings"}

// passwordLoginInputs maps the service's fields to the password sign-in
// form's inputs.
var passwordLoginInputs = inputs{"break_glass_user_id": "break_glass_user_id"}

// newProviderScopes are what the create dialog starts with: what a
// provider without scopes is given by the API.
var newProviderScopes = strings.Join(service.DefaultSSOScopes, " ")

// providerForm is what the create and edit dialogs hold: a provider's
// fields, or what was posted when it was refused. It has no client
// secret: that is never sent back to a page.
type providerForm struct {
	Name, Issuer, ClientID, Scopes, AllowedDomains, GroupsClaim string
	JITCreate, Enabled                                          bool
	Mappings                                                    []signet.GroupMapping
	Err                                                         formError
	// BadRow is the mapping row (from 1) the error concerns, 0 none.
	BadRow int
}

func providerFormOf(p *signet.OIDCProvider) providerForm {
	return providerForm{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, Scopes: strings.Join(p.Scopes, " "),
		AllowedDomains: strings.Join(p.AllowedDomains, ", "), GroupsClaim: p.GroupsClaim, JITCreate: p.JITCreate, Enabled: p.Enabled,
		Mappings: slices.Clone(p.GroupMappings)}
}

// providerFormFrom reads the posted form. Mapping rows are the pairs of
// mapping_value and mapping_group, in order; entirely empty rows are
// dropped.
func providerFormFrom(r *http.Request) providerForm {
	f := providerForm{Name: r.PostFormValue("name"), Issuer: strings.TrimSpace(r.PostFormValue("issuer")),
		ClientID: strings.TrimSpace(r.PostFormValue("client_id")), Scopes: strings.TrimSpace(r.PostFormValue("scopes")),
		AllowedDomains: strings.TrimSpace(r.PostFormValue("allowed_domains")), GroupsClaim: strings.TrimSpace(r.PostFormValue("groups_claim")),
		JITCreate: r.PostFormValue("jit_create") == "true", Enabled: r.PostFormValue("enabled") == "true"}
	values, groups := r.PostForm["mapping_value"], r.PostForm["mapping_group"]
	for i := range max(len(values), len(groups)) {
		var m signet.GroupMapping
		if i < len(values) {
			m.Value = strings.TrimSpace(values[i])
		}
		if i < len(groups) {
			m.GroupID = strings.TrimSpace(groups[i])
		}
		if m.Value != "" || m.GroupID != "" {
			f.Mappings = append(f.Mappings, m)
		}
	}
	return f
}

// mappings checks that every mapping row is whole (a value and a group),
// naming the first row that is not.
func (f *providerForm) mappings() ([]signet.GroupMapping, error) {
	for i, m := range f.Mappings {
		switch {
		case m.Value == "":
			f.BadRow = i + 1
			return nil, signet.FieldErrorf("group_mappings", signet.EINVALID, "group mappings, row %d: type the value the groups claim holds, or empty the row", i+1)
		case m.GroupID == "":
			f.BadRow = i + 1
			return nil, signet.FieldErrorf("group_mappings", signet.EINVALID, "group mappings, row %d: choose the Signet group for %q", i+1, m.Value)
		}
	}
	return slices.Clone(f.Mappings), nil
}

// splitList reads a list typed with commas, spaces or one item per line.
// It is never nil, so that an empty field means an empty list.
func splitList(s string) []string {
	return append([]string{}, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })...)
}

// mappingRow is one row of a dialog's group mappings.
type mappingRow struct {
	signet.GroupMapping
	Bad bool // the error concerns it
}

// Rows are the dialog's mapping rows: the mappings, then an empty one to
// add another (more come with JavaScript's "Add a mapping").
func (f providerForm) Rows() []mappingRow {
	out := make([]mappingRow, 0, len(f.Mappings)+1)
	for i, m := range f.Mappings {
		out = append(out, mappingRow{GroupMapping: m, Bad: f.BadRow == i+1})
	}
	return append(out, mappingRow{})
}

// providerRow is one provider in the table.
type providerRow struct {
	P    *signet.OIDCProvider
	Form providerForm // what its edit dialog holds
}

// groupChoice is a Signet group the mapping rows offer.
type groupChoice struct{ ID, Name string }

// breakGlassChoice is a person the password sign-in form offers as the
// break-glass administrator.
type breakGlassChoice struct{ ID, Name, Email string }

// passwordLoginForm is what the password sign-in form holds: the setting,
// or what was posted when it was refused.
type passwordLoginForm struct {
	Off              bool
	BreakGlassUserID string
	Err              formError
}

// passwordLoginView is the Password sign-in section.
type passwordLoginView struct {
	State signet.PasswordLogin
	// BreakGlass names the break-glass administrator while it is off.
	BreakGlass string
	// CanChange says whether the viewer may turn it on or off (an Admin).
	CanChange  bool
	Candidates []breakGlassChoice
	Form       passwordLoginForm
}

type identityProvidersView struct {
	base
	Providers []providerRow
	Groups    []groupChoice
	Form      providerForm // the create dialog's
	Open      string
	// RedirectURL is what administrators register at the provider.
	RedirectURL string
	// AnyEnabled says whether some provider is enabled.
	AnyEnabled bool
	Password   passwordLoginView
}

func (s *server) identityProvidersView(r *http.Request, c *reqCtx) (*identityProvidersView, error) {
	ctx := r.Context()
	v := &identityProvidersView{base: c.base("Identity providers", "identity-providers", r), Open: r.URL.Query().Get("dialog"),
		RedirectURL: s.callbackURL(r), Form: providerForm{Scopes: newProviderScopes, Enabled: true}}
	list, err := s.svc.ListOIDCProviders(ctx, c.actor)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		v.Providers = append(v.Providers, providerRow{P: p, Form: providerFormOf(p)})
		v.AnyEnabled = v.AnyEnabled || p.Enabled
	}
	slices.SortFunc(v.Providers, func(a, b providerRow) int {
		return strings.Compare(strings.ToLower(a.P.Name), strings.ToLower(b.P.Name))
	})
	// The groups the mapping rows offer, as far as the viewer may list
	// them; a mapped group not listed is offered by its id.
	if c.me.Can("settings:write") && c.me.Can("groups:read") {
		groups, err := allOf(func(p signet.Page) ([]*signet.Group, string, error) { return s.svc.ListGroups(ctx, c.actor, p) })
		if err != nil && signet.ErrorCode(err) != signet.EFORBIDDEN {
			return nil, err
		}
		for _, g := range groups {
			v.Groups = append(v.Groups, groupChoice{ID: g.ID, Name: g.Name})
		}
		slices.SortFunc(v.Groups, func(a, b groupChoice) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	}
	if err := s.passwordLoginSection(r, c, &v.Password); err != nil {
		return nil, err
	}
	return v, nil
}

// passwordLoginSection fills in the Password sign-in section. Only an
// Admin (every permission organisation-wide) may change the setting, so
// only an Admin is offered the form and the candidates: the active
// people of the Admins group. The service checks the rest (a password).
func (s *server) passwordLoginSection(r *http.Request, c *reqCtx, v *passwordLoginView) error {
	ctx := r.Context()
	state, err := s.svc.PasswordLogin(ctx, c.actor)
	if err != nil {
		return err
	}
	v.State = state
	v.Form = passwordLoginForm{Off: state.Disabled, BreakGlassUserID: state.BreakGlassUserID}
	v.CanChange = c.me.Admin()
	if v.CanChange {
		d, err := s.svc.GetGroup(ctx, c.actor, signet.AdminsGroupID)
		if err != nil && signet.ErrorCode(err) != signet.EFORBIDDEN {
			return err
		}
		if d != nil {
			for _, u := range d.Members {
				if u.Kind == signet.KindHuman && u.Status == signet.StatusActive {
					v.Candidates = append(v.Candidates, breakGlassChoice{ID: u.ID, Name: u.Name, Email: u.Email})
				}
			}
		}
		slices.SortFunc(v.Candidates, func(a, b breakGlassChoice) int {
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		})
	}
	if state.BreakGlassUserID != "" {
		v.BreakGlass = state.BreakGlassUserID
		if i := slices.IndexFunc(v.Candidates, func(u breakGlassChoice) bool { return u.ID == state.BreakGlassUserID }); i >= 0 {
			v.BreakGlass = v.Candidates[i].Name
		} else if d, err := s.svc.GetUser(ctx, c.actor, state.BreakGlassUserID); err == nil {
			v.BreakGlass = d.User.Name
		}
	}
	return nil
}

func (s *server) identityProvidersPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.identityProvidersView(r, c)
	return s.renderView(w, r, "identity_providers.html", v, err)
}

// providerFailed renders the page with err in the dialog it came from
// ("create-provider" or "edit-<id>"), keeping what was typed but the
// client secret, or above the table (dialog "").
func (s *server) providerFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, err error, f providerForm, dialog string) error {
	if !c.me.Can("settings:write") {
		return err // no dialog to show it in
	}
	r.URL.RawQuery = ""
	v, verr := s.identityProvidersView(r, c)
	if verr != nil {
		return err
	}
	f.Err = s.formError(r, err, providerInputs)
	if f.Err.Input == "group_mappings" && f.BadRow == 0 && len(v.Groups) > 0 {
		// The service names the group it does not know by its id; the
		// form names the row, whose select offers only groups that exist.
		for i, m := range f.Mappings {
			if !slices.ContainsFunc(v.Groups, func(g groupChoice) bool { return g.ID == m.GroupID }) {
				f.BadRow = i + 1
				f.Err.Message = "Group mappings, row " + strconv.Itoa(i+1) + ": the group chosen does not exist (any more); choose another."
				break
			}
		}
	}
	switch {
	case dialog == "create-provider":
		v.Form, v.Open = f, dialog
	case strings.HasPrefix(dialog, "edit-"):
		i := slices.IndexFunc(v.Providers, func(row providerRow) bool { return "edit-"+row.P.ID == dialog })
		if i < 0 {
			return err // gone: no dialog to show it in
		}
		v.Providers[i].Form, v.Open = f, dialog
	default:
		v.Error = f.Err.Message
	}
	s.render(w, r, statusFor(err), "identity_providers.html", v)
	return nil
}

func (s *server) createProvider(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := providerFormFrom(r)
	maps, err := f.mappings()
	if err == nil {
		_, err = s.svc.CreateOIDCProvider(r.Context(), c.actor, service.OIDCProviderInput{Name: f.Name, Issuer: f.Issuer, ClientID: f.ClientID,
			ClientSecret: r.PostFormValue("client_secret"), Scopes: splitList(f.Scopes), AllowedDomains: splitList(f.AllowedDomains),
			JITCreate: f.JITCreate, GroupsClaim: f.GroupsClaim, GroupMappings: maps, Enabled: &f.Enabled})
	}
	if err != nil {
		return s.providerFailed(w, r, c, err, f, "create-provider")
	}
	redirect(w, r, "/settings/identity-providers", "created")
	return nil
}

// updateProvider saves the edit dialog: every field as shown, and the
// client secret only when one was typed (blank keeps the current one).
func (s *server) updateProvider(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	f := providerFormFrom(r)
	maps, err := f.mappings()
	if err == nil {
		scopes, domains := splitList(f.Scopes), splitList(f.AllowedDomains)
		up := service.OIDCProviderUpdate{Name: &f.Name, Issuer: &f.Issuer, ClientID: &f.ClientID, Scopes: &scopes, AllowedDomains: &domains,
			JITCreate: &f.JITCreate, GroupsClaim: &f.GroupsClaim, GroupMappings: &maps, Enabled: &f.Enabled}
		if secret := r.PostFormValue("client_secret"); strings.TrimSpace(secret) != "" {
			up.ClientSecret = &secret
		}
		_, err = s.svc.UpdateOIDCProvider(r.Context(), c.actor, id, up)
	}
	if err != nil {
		return s.providerFailed(w, r, c, err, f, "edit-"+id)
	}
	redirect(w, r, "/settings/identity-providers", "saved")
	return nil
}

func (s *server) deleteProvider(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteOIDCProvider(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.providerFailed(w, r, c, err, providerForm{}, "")
	}
	redirect(w, r, "/settings/identity-providers", "deleted")
	return nil
}

// providerConfirmText is what deleting a provider does.
const providerConfirmText = "Nobody can sign in with it any more; sessions already open stay until they end. " +
	"The users it signed in stay, without their link to it. This cannot be undone."

// providerConfirm is the question of deleting p.
func providerConfirm(p *signet.OIDCProvider) *confirmView {
	return &confirmView{Heading: "Delete the identity provider " + p.Name + "?", Consequence: providerConfirmText,
		Action: "/settings/identity-providers/" + p.ID + "/delete", Button: "Delete provider", Cancel: "/settings/identity-providers"}
}

func (s *server) confirmDeleteProvider(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	p, err := s.svc.GetOIDCProvider(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, providerConfirm(p))
}

// setPasswordLogin turns password sign-in on, or off but for the chosen
// break-glass administrator; refused, the section shows why beside what
// was chosen.
func (s *server) setPasswordLogin(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := passwordLoginForm{Off: r.PostFormValue("password_login") == "off", BreakGlassUserID: r.PostFormValue("break_glass_user_id")}
	in := signet.PasswordLogin{Disabled: f.Off}
	if f.Off {
		in.BreakGlassUserID = f.BreakGlassUserID
	}
	_, err := s.svc.SetPasswordLogin(r.Context(), c.actor, in)
	if err == nil {
		notice := "password_login_on"
		if f.Off {
			notice = "password_login_off"
		}
		redirect(w, r, "/settings/identity-providers", notice)
		return nil
	}
	if !c.me.Can("settings:write") {
		return err // no section to show it in
	}
	r.URL.RawQuery = ""
	v, verr := s.identityProvidersView(r, c)
	if verr != nil {
		return err
	}
	f.Err = s.formError(r, err, passwordLoginInputs)
	v.Password.Form = f
	s.render(w, r, statusFor(err), "identity_providers.html", v)
	return nil
}
