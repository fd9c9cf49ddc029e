package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Short-lived tokens (OAuth 2.0). Services that speak OAuth can use any
// OAuth client instead (golang.org/x/oauth2/clientcredentials with
// EndpointParams {"audience": …}); these calls are for Signet's own tools.

// TokenRequest asks for an access token for the client's service account
// (client credentials, authenticated with the client's API key).
type TokenRequest struct {
	// ClientID is the service account's id (the key's owner).
	ClientID string
	// Audience is the identifier of a registered audience.
	Audience string
	// Scope lists permissions: "billing:read" (the default workspace) or
	// "billing:read@<workspace id or name>".
	Scope []string
}

// TokenResponse is an issued token.
type TokenResponse struct {
	AccessToken     string `json:"access_token"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int64  `json:"expires_in"`
	Scope           string `json:"scope,omitempty"`
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// OAuthError is an OAuth error answer (RFC 6749 §5.2).
type OAuthError struct {
	Status           int    `json:"-"`
	Code             string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

func (e *OAuthError) Error() string {
	return fmt.Sprintf("signet: %d %s: %s", e.Status, e.Code, e.ErrorDescription)
}

// TokenActor is the act claim of an exchanged token.
type TokenActor struct {
	Sub string      `json:"sub"`
	Act *TokenActor `json:"act,omitempty"`
}

// Introspection is an introspection answer (RFC 7662).
type Introspection struct {
	Active           bool                `json:"active"`
	Scope            string              `json:"scope,omitempty"`
	ClientID         string              `json:"client_id,omitempty"`
	TokenType        string              `json:"token_type,omitempty"`
	Exp              int64               `json:"exp,omitempty"`
	Iat              int64               `json:"iat,omitempty"`
	Nbf              int64               `json:"nbf,omitempty"`
	Sub              string              `json:"sub,omitempty"`
	Aud              string              `json:"aud,omitempty"`
	Iss              string              `json:"iss,omitempty"`
	Jti              string              `json:"jti,omitempty"`
	Act              *TokenActor         `json:"act,omitempty"`
	Workspaces       map[string][]string `json:"workspaces,omitempty"`
	DefaultWorkspace string              `json:"default_workspace,omitempty"`
}

// JWKSet is the published signing keys.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// JWK is one public key of a JWKSet.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// AuthorizationServerMetadata is RFC 8414's document.
type AuthorizationServerMetadata struct {
	Issuer                                     string   `json:"issuer"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint,omitempty"`
	RevocationEndpoint                         string   `json:"revocation_endpoint,omitempty"`
	GrantTypesSupported                        []string `json:"grant_types_supported,omitempty"`
	ResponseTypesSupported                     []string `json:"response_types_supported,omitempty"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported,omitempty"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported,omitempty"`
	AccessTokenSigningAlgValuesSupported       []string `json:"access_token_signing_alg_values_supported,omitempty"`
	ServiceDocumentation                       string   `json:"service_documentation,omitempty"`
}

// Token obtains an access token for req.ClientID with the client's API
// key as its secret (client_secret_basic). Refusals are *OAuthError.
func (c *Client) Token(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	if c.key == "" {
		return nil, fmt.Errorf("client: Token needs a client made WithAPIKey: the key is the client secret")
	}
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {req.Audience}, "scope": {strings.Join(req.Scope, " ")}}
	var out TokenResponse
	err := c.oauthPost(ctx, "/oauth2/token", form, func(r *http.Request) {
		r.SetBasicAuth(url.QueryEscape(req.ClientID), url.QueryEscape(c.key))
	}, &out)
	return &out, err
}

// Introspect asks whether token is active, with the client's API key
// (holding signet:check) as the caller.
func (c *Client) Introspect(ctx context.Context, token string) (*Introspection, error) {
	var out Introspection
	err := c.oauthPost(ctx, "/oauth2/introspect", url.Values{"token": {token}}, c.auth, &out)
	return &out, err
}

// AuthorizationServerMetadata returns the server's RFC 8414 metadata.
func (c *Client) AuthorizationServerMetadata(ctx context.Context) (*AuthorizationServerMetadata, error) {
	var out AuthorizationServerMetadata
	err := c.do(ctx, http.MethodGet, "/.well-known/oauth-authorization-server", nil, nil, &out)
	return &out, err
}

// JWKS returns the published signing keys.
func (c *Client) JWKS(ctx context.Context) (*JWKSet, error) {
	var out JWKSet
	err := c.do(ctx, http.MethodGet, "/.well-known/jwks.json", nil, nil, &out)
	return &out, err
}

// oauthPost sends a form to an OAuth endpoint. OAuth endpoints are not
// retried: a token request is not idempotent, and is cheap to repeat.
func (c *Client) oauthPost(ctx context.Context, path string, form url.Values, auth func(*http.Request), out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+path, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if auth != nil {
		auth(req)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("client: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		e := &OAuthError{Status: resp.StatusCode}
		if err := dec.Decode(e); err != nil || e.Code == "" {
			e.Code, e.ErrorDescription = "server_error", resp.Status
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("client: POST %s: decoding response: %w", path, err)
	}
	return nil
}
