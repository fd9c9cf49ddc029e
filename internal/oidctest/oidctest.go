// Package oidctest starts a real OpenID provider for tests: the example
// OP of github.com/zitadel/oidc (a certified OpenID Connect library),
// with its login form, on 127.0.0.1 and a random port. Its users are the
// test's; their email, email_verified, name and groups are put in the ID
// token through the storage's SetUserinfoFromRequest hook. Hooks also
// make the provider misbehave on purpose (an ID token for another
// audience, or already expired), so that tests check the relying party
// refuses it.
package oidctest

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person at the provider.
type User struct {
	// Username and Password are typed in the provider's login form.
	Username, Password string
	Email              string
	EmailVerified      bool
	Name               string
	// Groups are sent in the "groups" claim.
	Groups []string
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is its issuer URL (http://127.0.0.1:port).
	Issuer string

	mu sync.Mutex // guards the fields below
	// users by id (the subject).
	users   map[string]*User
	clients map[string]*storage.Client
	secrets map[string]string
	// audience, when set, replaces the ID token's audience.
	audience []string
	// lifetime, when set, is the ID token's lifetime (negative: expired).
	lifetime time.Duration
}

// Start starts a provider, stopped when tb ends.
func Start(tb testing.TB) *Provider {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Provider{Issuer: "http://" + ln.Addr().String(), users: map[string]*User{},
		clients: map[string]*storage.Client{}, secrets: map[string]string{}}
	st := &providerStorage{Storage: storage.NewStorageWithClients(userStore{p}, map[string]*storage.Client{}), p: p}
	handler := exampleop.SetupServer(p.Issuer, st, nil, false)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return p
}

// AddClient registers a confidential web client.
func (p *Provider) AddClient(id, secret string, redirectURIs ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[id] = storage.WebClient(id, secret, redirectURIs...)
	p.secrets[id] = secret
}

// AddUser adds a user; its id (the ID token's subject) is returned.
func (p *Provider) AddUser(u User) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := fmt.Sprintf("sub-%d", len(p.users)+1)
	c := u
	p.users[id] = &c
	return id
}

// SetGroups replaces a user's groups.
func (p *Provider) SetGroups(username string, groups ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.users {
		if u.Username == username {
			u.Groups = groups
		}
	}
}

// IssueForAudience makes the provider put aud in the ID tokens it issues
// from now on (nil: the client, as it should).
func (p *Provider) IssueForAudience(aud ...string) {
	p.mu.Lock()
	p.audience = aud
	p.mu.Unlock()
}

// IssueWithLifetime makes the ID tokens issued from now on live d
// (negative: expired when issued); 0 restores the default.
func (p *Provider) IssueWithLifetime(d time.Duration) {
	p.mu.Lock()
	p.lifetime = d
	p.mu.Unlock()
}

// userStore serves the provider's users to the example storage.
type userStore struct{ p *Provider }

func (s userStore) GetUserByID(id string) *storage.User {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.user(id)
}

func (s userStore) user(id string) *storage.User {
	u, ok := s.p.users[id]
	if !ok {
		return nil
	}
	first, last, _ := strings.Cut(u.Name, " ")
	return &storage.User{ID: id, Username: u.Username, Password: u.Password, FirstName: first, LastName: last,
		Email: u.Email, EmailVerified: u.EmailVerified, PreferredLanguage: language.English}
}

func (s userStore) GetUserByUsername(username string) *storage.User {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	for id, u := range s.p.users {
		if u.Username == username {
			return s.user(id)
		}
	}
	return nil
}

func (s userStore) ExampleClientID() string { return "service" }

// providerStorage is the example storage with the test's clients and
// claims, and the hooks that make it misbehave.
type providerStorage struct {
	*storage.Storage
	p *Provider
}

func (s *providerStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	c, ok := s.p.clients[id]
	if !ok {
		return nil, fmt.Errorf("client %q not found", id)
	}
	return lifetimeClient{Client: c, lifetime: s.p.lifetime}, nil
}

func (s *providerStorage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	want, ok := s.p.secrets[id]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return fmt.Errorf("invalid client credentials")
	}
	return nil
}

// SetUserinfoFromRequest puts the user's email, name and groups in the ID
// token whatever the scopes, as providers configured to do so do.
func (s *providerStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, token, scopes); err != nil {
		return err
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	u, ok := s.p.users[token.GetSubject()]
	if !ok {
		return fmt.Errorf("user not found")
	}
	ui.Email = u.Email
	ui.EmailVerified = oidc.Bool(u.EmailVerified)
	ui.Name = u.Name
	ui.AppendClaims("groups", append([]string{}, u.Groups...))
	return nil
}

func (s *providerStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if s.p.audience != nil {
		return &audienceRequest{AuthRequest: r, audience: s.p.audience}, nil
	}
	return r, nil
}

// audienceRequest makes the provider address the ID token to another
// client. The provider first checks that the code belongs to the client
// exchanging it (the first GetClientID), then builds the ID token, whose
// audience always includes the request's client id: so the first answer is
// the true client and later ones the other audience. Were the library to
// change that order, the exchange would fail instead (invalid_grant), and
// the test expecting id_token_invalid would say so.
type audienceRequest struct {
	op.AuthRequest
	audience []string
	checked  atomic.Bool
}

func (r *audienceRequest) GetAudience() []string { return r.audience }

func (r *audienceRequest) GetClientID() string {
	if r.checked.Swap(true) {
		return r.audience[0]
	}
	return r.AuthRequest.GetClientID()
}

type lifetimeClient struct {
	*storage.Client
	lifetime time.Duration
}

func (c lifetimeClient) IDTokenLifetime() time.Duration {
	if c.lifetime != 0 {
		return c.lifetime
	}
	return c.Client.IDTokenLifetime()
}

// SignIn drives the provider's login form over HTTP, as a browser would
// without JavaScript: it follows authURL to the form, posts the user's
// credentials, and returns the redirect back to the relying party (its
// callback URL with code and state), without following it.
func SignIn(ctx context.Context, authURL, username, password string) (*url.URL, error) {
	jar := &noFollow{}
	c := &http.Client{CheckRedirect: jar.check, Timeout: 30 * time.Second}
	next := authURL
	var loginPage string
	for range 10 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		body := readAll(resp)
		if resp.StatusCode/100 == 3 {
			loc, err := resp.Location()
			if err != nil {
				return nil, err
			}
			next = loc.String()
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s: %s", next, resp.Status, body)
		}
		loginPage = next
		m := regexp.MustCompile(`name="id" value="([^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			return nil, fmt.Errorf("no login form at %s: %s", next, body)
		}
		lu, _ := url.Parse(loginPage)
		post := lu.ResolveReference(&url.URL{Path: "/login/username"})
		form := url.Values{"id": {m[1]}, "username": {username}, "password": {password}}
		resp, err = c.PostForm(post.String(), form)
		if err != nil {
			return nil, err
		}
		body = readAll(resp)
		if resp.StatusCode/100 != 3 {
			return nil, fmt.Errorf("login form: %s: %s", resp.Status, body)
		}
		loc, err := resp.Location()
		if err != nil {
			return nil, err
		}
		// The provider's own callback, which redirects to the relying
		// party.
		for range 5 {
			if !strings.HasPrefix(loc.String(), authIssuer(authURL)) {
				return loc, nil
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
			resp, err := c.Do(req)
			if err != nil {
				return nil, err
			}
			body := readAll(resp)
			if resp.StatusCode/100 != 3 {
				return nil, fmt.Errorf("GET %s: %s: %s", loc, resp.Status, body)
			}
			if loc, err = resp.Location(); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("too many redirects at the provider")
	}
	return nil, fmt.Errorf("no login form reached from %s", authURL)
}

func authIssuer(authURL string) string {
	u, _ := url.Parse(authURL)
	return u.Scheme + "://" + u.Host
}

type noFollow struct{}

func (noFollow) check(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil || b.Len() > 1<<20 {
			return b.String()
		}
	}
}
