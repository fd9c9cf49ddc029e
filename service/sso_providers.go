package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// OIDCProviderInput describes a new identity provider. Enabled nil means
// true; Scopes nil means email and profile.
type OIDCProviderInput struct {
	Name           string
	Issuer         string
	ClientID       string
	ClientSecret   string
	Scopes         []string
	AllowedDomains []string
	JITCreate      bool
	GroupsClaim    string
	GroupMappings  []signet.GroupMapping
	Enabled        *bool
}

// OIDCProviderUpdate is a partial update of a provider; nil fields are
// left alone. ClientSecret replaces the secret (it is write-only).
type OIDCProviderUpdate struct {
	Name           *string
	Issuer         *string
	ClientID       *string
	ClientSecret   *string
	Scopes         *[]string
	AllowedDomains *[]string
	JITCreate      *bool
	GroupsClaim    *string
	GroupMappings  *[]signet.GroupMapping
	Enabled        *bool
}

// DefaultSSOScopes are requested besides "openid" when a provider names
// none.
var DefaultSSOScopes = []string{"email", "profile"}

// redactedProvider is what callers see of a provider: never its sealed
// client secret.
func redactedProvider(p *signet.OIDCProvider) *signet.OIDCProvider {
	c := *p
	c.ClientSecret = ""
	c.Scopes = slices.Clone(p.Scopes)
	c.AllowedDomains = slices.Clone(p.AllowedDomains)
	c.GroupMappings = slices.Clone(p.GroupMappings)
	return &c
}

// oidcSecretContext binds a sealed client secret to its provider.
func oidcSecretContext(providerID string) string { return "oidc-client-secret:" + providerID }

func (s *Service) sealClientSecret(providerID, secret string) (string, error) {
	if s.webhooks.Box == nil {
		return "", signet.Errorf(signet.EUNAVAILABLE, "client secrets are stored encrypted, and this server has no key for them: start every replica with the same --secret-key-file")
	}
	return s.webhooks.Box.Seal([]byte(secret), oidcSecretContext(providerID)), nil
}

// ListOIDCProviders returns every identity provider, without secrets.
// Needs settings:read organisation-wide. Returns EFORBIDDEN.
func (s *Service) ListOIDCProviders(ctx context.Context, a *signet.Actor) ([]*signet.OIDCProvider, error) {
	var out []*signet.OIDCProvider
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		all, err := o.tx.ListOIDCProviders(ctx)
		for _, p := range all {
			out = append(out, redactedProvider(p))
		}
		return err
	})
	return out, err
}

// GetOIDCProvider returns one provider, without its secret. Needs
// settings:read organisation-wide. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetOIDCProvider(ctx context.Context, a *signet.Actor, providerID string) (*signet.OIDCProvider, error) {
	var out *signet.OIDCProvider
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		p, err := o.tx.GetOIDCProvider(ctx, providerID)
		if err != nil {
			return notFound(err, "identity provider %q not found", providerID)
		}
		out = redactedProvider(p)
		return nil
	})
	return out, err
}

// CreateOIDCProvider adds an identity provider. Needs settings:write
// organisation-wide, and each mapped group's access must be covered by
// the actor's own (no escalation: only an Admin maps the Admins group).
// The client secret is sealed at rest and never returned or audited.
// Audited as "oidc_provider.create". Returns EINVALID (also for an unknown
// mapped group), EFORBIDDEN, EUNAVAILABLE (no secret key configured).
func (s *Service) CreateOIDCProvider(ctx context.Context, a *signet.Actor, in OIDCProviderInput) (*signet.OIDCProvider, error) {
	var out *signet.OIDCProvider
	err := s.mutate(ctx, a, "oidc_provider.create", func(o *op) error {
		o.target("oidc_provider", "", strings.TrimSpace(in.Name))
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		p := &signet.OIDCProvider{ID: id.New(id.OIDCProvider), Name: in.Name, Issuer: in.Issuer, ClientID: in.ClientID,
			Scopes: in.Scopes, AllowedDomains: in.AllowedDomains, JITCreate: in.JITCreate, GroupsClaim: in.GroupsClaim,
			GroupMappings: in.GroupMappings, Enabled: in.Enabled == nil || *in.Enabled,
			CreatedAt: o.now, CreatedBy: o.actorID(), UpdatedAt: o.now}
		if in.Scopes == nil {
			p.Scopes = slices.Clone(DefaultSSOScopes)
		}
		if strings.TrimSpace(in.ClientSecret) == "" {
			return signet.FieldErrorf("client_secret", signet.EINVALID, "client_secret is required: the secret the identity provider issued for Signet")
		}
		if err := o.validateProvider(p); err != nil {
			return err
		}
		sealed, err := s.sealClientSecret(p.ID, strings.TrimSpace(in.ClientSecret))
		if err != nil {
			return err
		}
		p.ClientSecret = sealed
		if err := o.tx.CreateOIDCProvider(ctx, p); err != nil {
			return err
		}
		o.target("oidc_provider", p.ID, p.Name)
		o.providerDetails(p)
		out = redactedProvider(p)
		return nil
	})
	return out, err
}

// UpdateOIDCProvider changes a provider, by the rules of
// CreateOIDCProvider. Audited as "oidc_provider.update" (a changed secret
// as client_secret_changed, never its value). Returns EINVALID, ENOTFOUND,
// EFORBIDDEN, EUNAVAILABLE.
func (s *Service) UpdateOIDCProvider(ctx context.Context, a *signet.Actor, providerID string, up OIDCProviderUpdate) (*signet.OIDCProvider, error) {
	var out *signet.OIDCProvider
	err := s.mutate(ctx, a, "oidc_provider.update", func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		p, err := o.tx.GetOIDCProvider(ctx, providerID)
		if err != nil {
			return notFound(err, "identity provider %q not found", providerID)
		}
		o.target("oidc_provider", p.ID, p.Name)
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&p.Name, up.Name)
		set(&p.Issuer, up.Issuer)
		set(&p.ClientID, up.ClientID)
		set(&p.GroupsClaim, up.GroupsClaim)
		if up.Scopes != nil {
			p.Scopes = *up.Scopes
		}
		if up.AllowedDomains != nil {
			p.AllowedDomains = *up.AllowedDomains
		}
		if up.GroupMappings != nil {
			p.GroupMappings = *up.GroupMappings
		}
		if up.JITCreate != nil {
			p.JITCreate = *up.JITCreate
		}
		if up.Enabled != nil {
			p.Enabled = *up.Enabled
		}
		if err := o.validateProvider(p); err != nil {
			return err
		}
		if up.ClientSecret != nil {
			if strings.TrimSpace(*up.ClientSecret) == "" {
				return signet.FieldErrorf("client_secret", signet.EINVALID, "client_secret may not be empty; leave it out to keep the current one")
			}
			if p.ClientSecret, err = s.sealClientSecret(p.ID, strings.TrimSpace(*up.ClientSecret)); err != nil {
				return err
			}
			o.detail("client_secret_changed", true)
		}
		p.UpdatedAt = o.now
		if err := o.tx.UpdateOIDCProvider(ctx, p); err != nil {
			return err
		}
		o.target("oidc_provider", p.ID, p.Name)
		o.providerDetails(p)
		s.forgetSSOClient(p.ID)
		out = redactedProvider(p)
		return nil
	})
	return out, err
}

// DeleteOIDCProvider deletes a provider and the links of users to it;
// the users stay. Needs settings:write organisation-wide. Audited as
// "oidc_provider.delete". Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) DeleteOIDCProvider(ctx context.Context, a *signet.Actor, providerID string) error {
	return s.mutate(ctx, a, "oidc_provider.delete", func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		p, err := o.tx.GetOIDCProvider(ctx, providerID)
		if err != nil {
			return notFound(err, "identity provider %q not found", providerID)
		}
		o.target("oidc_provider", p.ID, p.Name)
		s.forgetSSOClient(p.ID)
		return o.tx.DeleteOIDCProvider(ctx, p.ID)
	})
}

// providerDetails records a provider's configuration in the audit event,
// never its secret.
func (o *op) providerDetails(p *signet.OIDCProvider) {
	o.detail("issuer", p.Issuer)
	o.detail("client_id", p.ClientID)
	o.detail("scopes", p.Scopes)
	o.detail("allowed_domains", p.AllowedDomains)
	o.detail("jit_create", p.JITCreate)
	o.detail("groups_claim", p.GroupsClaim)
	maps := make([]any, 0, len(p.GroupMappings))
	for _, m := range p.GroupMappings {
		maps = append(maps, map[string]any{"value": m.Value, "group_id": m.GroupID})
	}
	o.detail("group_mappings", maps)
	o.detail("enabled", p.Enabled)
}

// validateProvider checks and normalises p in place. Mapped groups must
// exist, and what they give must be within the actor's own access: the
// Admins group is mapped only by an Admin, and only explicitly (by id).
func (o *op) validateProvider(p *signet.OIDCProvider) error {
	// The name is on the login page: the rules of every other name
	// (no invisible or direction characters, not an id), and unique (see
	// the end), so that people can tell the buttons apart and the CLI can
	// find one by name.
	if strings.TrimSpace(p.Name) == "" || utf8.RuneCountInString(strings.TrimSpace(p.Name)) > signet.MaxProviderNameLen {
		return signet.FieldErrorf("name", signet.EINVALID, "name is required: 1 to %d characters shown on the login page, such as Okta", signet.MaxProviderNameLen)
	}
	name, err := validateName("identity provider", p.Name)
	if err != nil {
		return err
	}
	p.Name = name
	iss, err := signet.ValidateIssuer(p.Issuer)
	if err != nil {
		return err
	}
	p.Issuer = iss
	p.ClientID = strings.TrimSpace(p.ClientID)
	if p.ClientID == "" || len(p.ClientID) > 255 || strings.ContainsFunc(p.ClientID, isControl) {
		return signet.FieldErrorf("client_id", signet.EINVALID, "client_id is required: the id the identity provider issued for Signet")
	}
	var scopes []string
	for _, sc := range p.Scopes {
		sc = strings.TrimSpace(sc)
		if sc == "" || sc == "openid" {
			continue
		}
		if len(sc) > 100 || strings.ContainsFunc(sc, func(r rune) bool { return r <= ' ' || r == '"' || r == '\\' || r == 0x7f }) {
			return signet.FieldErrorf("scopes", signet.EINVALID, "%q is not a scope", sc)
		}
		scopes = append(scopes, sc)
	}
	if len(scopes) > signet.MaxScopes {
		return signet.FieldErrorf("scopes", signet.EINVALID, "at most %d scopes", signet.MaxScopes)
	}
	slices.Sort(scopes)
	p.Scopes = slices.Compact(scopes)
	if p.AllowedDomains, err = signet.NormaliseDomains(p.AllowedDomains); err != nil {
		return err
	}
	if len(p.AllowedDomains) == 0 {
		p.AllowedDomains = nil
	}
	p.GroupsClaim = strings.TrimSpace(p.GroupsClaim)
	if len(p.GroupsClaim) > 100 || strings.ContainsFunc(p.GroupsClaim, isControl) {
		return signet.FieldErrorf("groups_claim", signet.EINVALID, "groups_claim must be a claim name such as groups")
	}
	if len(p.GroupMappings) > signet.MaxGroupMappings {
		return signet.FieldErrorf("group_mappings", signet.EINVALID, "at most %d group mappings", signet.MaxGroupMappings)
	}
	if len(p.GroupMappings) > 0 && p.GroupsClaim == "" {
		return signet.FieldErrorf("groups_claim", signet.EINVALID, "groups_claim is required with group mappings: the ID token claim that lists the user's groups")
	}
	seen := map[signet.GroupMapping]bool{}
	var maps []signet.GroupMapping
	checked := map[string]bool{}
	for _, m := range p.GroupMappings {
		m.Value = strings.TrimSpace(m.Value)
		m.GroupID = strings.TrimSpace(m.GroupID)
		if m.Value == "" || len(m.Value) > 255 || strings.ContainsFunc(m.Value, isControl) {
			return signet.FieldErrorf("group_mappings", signet.EINVALID, "each group mapping needs a value: a group name as the identity provider sends it")
		}
		if seen[m] {
			continue
		}
		seen[m] = true
		if !checked[m.GroupID] {
			checked[m.GroupID] = true
			g, err := o.tx.GetGroup(o.ctx, m.GroupID)
			if signet.ErrorCode(err) == signet.ENOTFOUND {
				return signet.FieldErrorf("group_mappings", signet.EINVALID, "group %q not found", m.GroupID)
			} else if err != nil {
				return err
			}
			if err := o.checkGroupGrantsWithin(g, "mapping identity provider groups to group "+quote(g.Name)); err != nil {
				return err
			}
		}
		maps = append(maps, m)
	}
	p.GroupMappings = maps
	// Last, so that what the actor may not do is refused as such, not as
	// a conflict.
	others, err := o.tx.ListOIDCProviders(o.ctx)
	if err != nil {
		return err
	}
	for _, other := range others {
		if other.ID != p.ID && strings.EqualFold(other.Name, p.Name) {
			return signet.FieldErrorf("name", signet.ECONFLICT, "an identity provider named %q already exists", other.Name)
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Settings keys of the password sign-in setting.
const settingPasswordLogin = "password_login"

// passwordLoginJSON is the stored form of signet.PasswordLogin.
type passwordLoginJSON struct {
	Disabled         bool   `json:"disabled"`
	BreakGlassUserID string `json:"break_glass_user_id,omitempty"`
}

func loadPasswordLogin(ctx context.Context, tx store.Tx) (signet.PasswordLogin, error) {
	raw, err := tx.GetSetting(ctx, settingPasswordLogin)
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return signet.PasswordLogin{}, nil
	}
	if err != nil {
		return signet.PasswordLogin{}, err
	}
	var v passwordLoginJSON
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return signet.PasswordLogin{}, signet.Internal("service.loadPasswordLogin", err)
	}
	return signet.PasswordLogin{Disabled: v.Disabled, BreakGlassUserID: v.BreakGlassUserID}, nil
}

// PasswordLogin returns the password sign-in setting. Needs settings:read
// organisation-wide. Returns EFORBIDDEN.
func (s *Service) PasswordLogin(ctx context.Context, a *signet.Actor) (signet.PasswordLogin, error) {
	var out signet.PasswordLogin
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		var err error
		out, err = loadPasswordLogin(ctx, o.tx)
		return err
	})
	return out, err
}

// SetPasswordLogin turns password sign-in on, or off for everyone but a
// break-glass administrator: an active human in the Admins group with a
// password. Needs settings:write organisation-wide and the whole of an
// Admin's access (it decides how administrators sign in). Audited as
// "password_login.update". Returns EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Service) SetPasswordLogin(ctx context.Context, a *signet.Actor, in signet.PasswordLogin) (signet.PasswordLogin, error) {
	var out signet.PasswordLogin
	err := s.mutate(ctx, a, "password_login.update", func(o *op) error {
		o.target("setting", settingPasswordLogin, "password sign-in")
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		if !o.access.Org.All {
			return signet.Errorf(signet.EFORBIDDEN, "only an Admin may turn password sign-in on or off")
		}
		v := passwordLoginJSON{Disabled: in.Disabled}
		if in.Disabled {
			if in.BreakGlassUserID == "" {
				return signet.FieldErrorf("break_glass_user_id", signet.EINVALID, "name the break-glass administrator who keeps password sign-in when it is off")
			}
			u, err := o.liveUser(in.BreakGlassUserID)
			if err != nil {
				return withField("break_glass_user_id", err)
			}
			groups, err := o.tx.ListUserGroups(ctx, u.ID)
			if err != nil {
				return err
			}
			admin := slices.ContainsFunc(groups, func(g *signet.Group) bool { return g.ID == signet.AdminsGroupID })
			if u.Kind != signet.KindHuman || u.Status != signet.StatusActive || !admin || u.PasswordHash == "" {
				return signet.FieldErrorf("break_glass_user_id", signet.EINVALID,
					"the break-glass administrator must be an active human in the Admins group with a password")
			}
			v.BreakGlassUserID = u.ID
			o.detail("break_glass_user_id", u.ID)
			o.detail("break_glass_user_name", u.Name)
		}
		o.detail("password_login_disabled", v.Disabled)
		b, err := json.Marshal(v)
		if err != nil {
			return signet.Internal("service.SetPasswordLogin", err)
		}
		if err := o.tx.PutSetting(ctx, settingPasswordLogin, string(b)); err != nil {
			return err
		}
		out = signet.PasswordLogin{Disabled: v.Disabled, BreakGlassUserID: v.BreakGlassUserID}
		return nil
	})
	return out, err
}

// PasswordLoginOff reports whether password sign-in is turned off, for
// the login page (no authentication; false when it cannot be read).
func (s *Service) PasswordLoginOff(ctx context.Context) bool {
	var off bool
	s.store.Read(ctx, func(tx store.Tx) error {
		pl, err := loadPasswordLogin(ctx, tx)
		off = pl.Disabled
		return err
	})
	return off
}

// errPasswordLoginOff refuses a password sign-in while password sign-in
// is turned off. It is given before the password is checked, to everyone
// but the break-glass administrator, so it reveals nothing about the
// account.
var errPasswordLoginOff = &signet.Error{Code: signet.EUNAUTHENTICATED,
	Message: "password sign-in is turned off: sign in with your identity provider", Reason: "password_login_disabled"}

// checkPasswordLoginAllowed refuses a password sign-in for login while
// password sign-in is off, unless login is the break-glass
// administrator's email.
func (s *Service) checkPasswordLoginAllowed(ctx context.Context, login string) error {
	return s.store.Read(ctx, func(tx store.Tx) error {
		pl, err := loadPasswordLogin(ctx, tx)
		if err != nil || !pl.Disabled {
			return err
		}
		u, err := tx.GetUser(ctx, pl.BreakGlassUserID)
		if err == nil && u.Email != "" && strings.EqualFold(strings.TrimSpace(login), u.Email) {
			return nil
		}
		if err != nil && signet.ErrorCode(err) != signet.ENOTFOUND {
			return err
		}
		return errPasswordLoginOff
	})
}
