package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Single sign-on: identity providers (OpenID Connect) and the password
// sign-in switch. Every call needs settings:read or settings:write
// organisation-wide; a provider's client secret is write-only.

// GroupMapping maps a value of a provider's groups claim to a Signet group.
type GroupMapping struct {
	Value   string `json:"value"`
	GroupID string `json:"group_id"`
}

// OIDCProvider is an identity provider people sign in with. Its client
// secret is never returned.
type OIDCProvider struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Issuer         string         `json:"issuer"`
	ClientID       string         `json:"client_id"`
	Scopes         []string       `json:"scopes"`
	AllowedDomains []string       `json:"allowed_domains"`
	JITCreate      bool           `json:"jit_create"`
	GroupsClaim    string         `json:"groups_claim"`
	GroupMappings  []GroupMapping `json:"group_mappings"`
	Enabled        bool           `json:"enabled"`
	// RedirectPath is Signet's redirect URI, relative to its public URL,
	// to register at the provider.
	RedirectPath string `json:"redirect_path"`
	// RedirectURI is the same, absolute: the server's public URL and
	// RedirectPath. Absent when the server does not know its public URL.
	RedirectURI string    `json:"redirect_uri,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CreateOIDCProviderRequest configures a provider. Scopes nil means
// email and profile ("openid" is always asked for); Enabled nil means true.
type CreateOIDCProviderRequest struct {
	Name           string         `json:"name"`
	Issuer         string         `json:"issuer"`
	ClientID       string         `json:"client_id"`
	ClientSecret   string         `json:"client_secret"`
	Scopes         []string       `json:"scopes,omitempty"`
	AllowedDomains []string       `json:"allowed_domains,omitempty"`
	JITCreate      bool           `json:"jit_create,omitempty"`
	GroupsClaim    string         `json:"groups_claim,omitempty"`
	GroupMappings  []GroupMapping `json:"group_mappings,omitempty"`
	Enabled        *bool          `json:"enabled,omitempty"`
}

// OIDCProviderUpdate changes a provider; absent fields are left alone.
type OIDCProviderUpdate struct {
	Name           *string         `json:"name,omitempty"`
	Issuer         *string         `json:"issuer,omitempty"`
	ClientID       *string         `json:"client_id,omitempty"`
	ClientSecret   *string         `json:"client_secret,omitempty"`
	Scopes         *[]string       `json:"scopes,omitempty"`
	AllowedDomains *[]string       `json:"allowed_domains,omitempty"`
	JITCreate      *bool           `json:"jit_create,omitempty"`
	GroupsClaim    *string         `json:"groups_claim,omitempty"`
	GroupMappings  *[]GroupMapping `json:"group_mappings,omitempty"`
	Enabled        *bool           `json:"enabled,omitempty"`
}

// PasswordLogin is the password sign-in switch: when Disabled, only the
// break-glass administrator signs in with a password.
type PasswordLogin struct {
	Disabled         bool   `json:"disabled"`
	BreakGlassUserID string `json:"break_glass_user_id,omitempty"`
}

// ListOIDCProviders returns every identity provider (needs settings:read).
func (c *Client) ListOIDCProviders(ctx context.Context) ([]OIDCProvider, error) {
	p, err := call[Page[OIDCProvider]](ctx, c, http.MethodGet, v1+"/sso/providers", nil, nil)
	if err != nil {
		return nil, err
	}
	return p.Data, nil
}

// CreateOIDCProvider configures an identity provider (needs
// settings:write; mapping the Admins group needs an Admin).
func (c *Client) CreateOIDCProvider(ctx context.Context, in CreateOIDCProviderRequest) (*OIDCProvider, error) {
	return call[OIDCProvider](ctx, c, http.MethodPost, v1+"/sso/providers", nil, in)
}

// GetOIDCProvider returns one identity provider.
func (c *Client) GetOIDCProvider(ctx context.Context, id string) (*OIDCProvider, error) {
	return call[OIDCProvider](ctx, c, http.MethodGet, v1+"/sso/providers/"+url.PathEscape(id), nil, nil)
}

// UpdateOIDCProvider changes an identity provider.
func (c *Client) UpdateOIDCProvider(ctx context.Context, id string, up OIDCProviderUpdate) (*OIDCProvider, error) {
	return call[OIDCProvider](ctx, c, http.MethodPatch, v1+"/sso/providers/"+url.PathEscape(id), nil, up)
}

// DeleteOIDCProvider deletes an identity provider and its users' links
// to it (the users stay).
func (c *Client) DeleteOIDCProvider(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, v1+"/sso/providers/"+url.PathEscape(id), nil, nil, nil)
}

// GetPasswordLogin returns the password sign-in switch.
func (c *Client) GetPasswordLogin(ctx context.Context) (*PasswordLogin, error) {
	return call[PasswordLogin](ctx, c, http.MethodGet, v1+"/sso/password-login", nil, nil)
}

// SetPasswordLogin turns password sign-in on, or off for everyone but a
// break-glass administrator (needs an Admin).
func (c *Client) SetPasswordLogin(ctx context.Context, in PasswordLogin) (*PasswordLogin, error) {
	return call[PasswordLogin](ctx, c, http.MethodPut, v1+"/sso/password-login", nil, in)
}
