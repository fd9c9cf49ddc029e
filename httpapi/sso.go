package httpapi

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

// Single sign-on configuration: identity providers and the password
// sign-in switch. The service decides who may (settings:read,
// settings:write organisation-wide; an Admin for the switch and for
// mapping Admins); a provider's client secret is write-only. The sign-in
// itself is the UI's (web/sso.go).

// ssoRedirectPath is the UI's callback, to register at providers.
const ssoRedirectPath = "/login/sso/callback"

func (s *server) oidcProviderJSON(p *signet.OIDCProvider) client.OIDCProvider {
	out := client.OIDCProvider{ID: p.ID, Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID,
		Scopes: nonNil(p.Scopes), AllowedDomains: nonNil(p.AllowedDomains), JITCreate: p.JITCreate, GroupsClaim: p.GroupsClaim,
		GroupMappings: []client.GroupMapping{}, Enabled: p.Enabled, RedirectPath: ssoRedirectPath,
		CreatedAt: p.CreatedAt, CreatedBy: p.CreatedBy, UpdatedAt: p.UpdatedAt}
	if s.publicURL != "" {
		out.RedirectURI = s.publicURL + ssoRedirectPath
	}
	for _, m := range p.GroupMappings {
		out.GroupMappings = append(out.GroupMappings, client.GroupMapping{Value: m.Value, GroupID: m.GroupID})
	}
	return out
}

func groupMappingsIn(in []client.GroupMapping) []signet.GroupMapping {
	var out []signet.GroupMapping
	for _, m := range in {
		out = append(out, signet.GroupMapping{Value: m.Value, GroupID: m.GroupID})
	}
	return out
}

func (s *server) listOIDCProviders(w http.ResponseWriter, r *http.Request) error {
	list, err := s.svc.ListOIDCProviders(r.Context(), actor(r))
	return reply(w, http.StatusOK, list, err, func(list []*signet.OIDCProvider) client.Page[client.OIDCProvider] {
		out := client.Page[client.OIDCProvider]{Data: []client.OIDCProvider{}}
		for _, p := range list {
			out.Data = append(out.Data, s.oidcProviderJSON(p))
		}
		return out
	})
}

func (s *server) createOIDCProvider(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateOIDCProviderRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	p, err := s.svc.CreateOIDCProvider(r.Context(), actor(r), service.OIDCProviderInput{Name: in.Name, Issuer: in.Issuer,
		ClientID: in.ClientID, ClientSecret: in.ClientSecret, Scopes: in.Scopes, AllowedDomains: in.AllowedDomains,
		JITCreate: in.JITCreate, GroupsClaim: in.GroupsClaim, GroupMappings: groupMappingsIn(in.GroupMappings), Enabled: in.Enabled})
	return replyCreated(w, p, err, func(p *signet.OIDCProvider) string { return locationOf("/api/v1/sso/providers/")(p.ID) }, s.oidcProviderJSON)
}

func (s *server) getOIDCProvider(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.GetOIDCProvider(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, p, err, s.oidcProviderJSON)
}

func (s *server) updateOIDCProvider(w http.ResponseWriter, r *http.Request) error {
	var in client.OIDCProviderUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	up := service.OIDCProviderUpdate{Name: in.Name, Issuer: in.Issuer, ClientID: in.ClientID, ClientSecret: in.ClientSecret,
		Scopes: in.Scopes, AllowedDomains: in.AllowedDomains, JITCreate: in.JITCreate, GroupsClaim: in.GroupsClaim, Enabled: in.Enabled}
	if in.GroupMappings != nil {
		m := groupMappingsIn(*in.GroupMappings)
		up.GroupMappings = &m
	}
	p, err := s.svc.UpdateOIDCProvider(r.Context(), actor(r), r.PathValue("id"), up)
	return reply(w, http.StatusOK, p, err, s.oidcProviderJSON)
}

func (s *server) deleteOIDCProvider(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteOIDCProvider(r.Context(), actor(r), r.PathValue("id")))
}

func passwordLoginJSON(p signet.PasswordLogin) client.PasswordLogin {
	return client.PasswordLogin{Disabled: p.Disabled, BreakGlassUserID: p.BreakGlassUserID}
}

func (s *server) getPasswordLogin(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.PasswordLogin(r.Context(), actor(r))
	return reply(w, http.StatusOK, p, err, passwordLoginJSON)
}

func (s *server) setPasswordLogin(w http.ResponseWriter, r *http.Request) error {
	var in client.PasswordLogin
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	p, err := s.svc.SetPasswordLogin(r.Context(), actor(r), signet.PasswordLogin{Disabled: in.Disabled, BreakGlassUserID: in.BreakGlassUserID})
	return reply(w, http.StatusOK, p, err, passwordLoginJSON)
}
