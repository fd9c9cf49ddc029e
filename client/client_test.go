package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

// recorded is one request the fake server saw.
type recorded struct {
	method, path, rawPath, query string
	header                       http.Header
	body                         string
}

// fake serves canned responses and records requests.
func fake(t *testing.T, status int, body string) (*client.Client, func() recorded, *httptest.Server) {
	t.Helper()
	var mu sync.Mutex
	var last recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = recorded{r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Header.Clone(), string(b)}
		mu.Unlock()
		w.Header().Set("X-Request-Id", "req_header")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+"/", client.WithAPIKey("sgn_sa_test"), client.WithHTTPClient(srv.Client()), client.WithUserAgent("ua/1"))
	if err != nil {
		t.Fatal(err)
	}
	return c, func() recorded { mu.Lock(); defer mu.Unlock(); return last }, srv
}

func TestRequestShape(t *testing.T) {
	c, last, _ := fake(t, 201, `{"id":"key_1","kind":"service_account","key":"sgn_sa_x","scopes":[]}`)
	k, err := c.CreateServiceAccountKey(context.Background(), "sa/1 x", client.CreateAPIKeyRequest{Name: "k", ExpiresIn: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != "key_1" || k.Key != "sgn_sa_x" {
		t.Errorf("CreateServiceAccountKey() = %+v", k)
	}
	r := last()
	if r.method != "POST" || r.path != "/api/v1/service-accounts/sa/1 x/api-keys" || r.rawPath != "/api/v1/service-accounts/sa%2F1%20x/api-keys" {
		t.Errorf("request = %s %s (raw %s); want the id escaped as one segment", r.method, r.path, r.rawPath)
	}
	if got := r.header.Get("Authorization"); got != "Bearer sgn_sa_test" {
		t.Errorf("Authorization = %q", got)
	}
	if r.header.Get("Content-Type") != "application/json" || r.header.Get("User-Agent") != "ua/1" {
		t.Errorf("headers = %v", r.header)
	}
	if r.body != `{"name":"k","expires_in":"1h"}` {
		t.Errorf("body = %s", r.body)
	}

	// Query parameters of a list, and no body on a GET.
	c.ListAPIKeys(context.Background(), client.ListAPIKeysOptions{OwnerID: "sa_1", Status: "active", ListOptions: client.ListOptions{Limit: 10, Cursor: "c 1"}})
	r = last()
	if r.query != "cursor=c+1&limit=10&owner_id=sa_1&status=active" || r.body != "" || r.header.Get("Content-Type") != "" {
		t.Errorf("list request = %q body %q", r.query, r.body)
	}
}

func TestBasicAuthAndWorkspace(t *testing.T) {
	_, last, srv := fake(t, 200, `{"user":{"id":"usr_1"}}`)
	c, _ := client.New(srv.URL, client.WithBasicAuth("a@example.com", "pw"), client.WithWorkspace("ws_1"))
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	req := &http.Request{Header: last().header}
	u, p, ok := req.BasicAuth()
	if !ok || u != "a@example.com" || p != "pw" || req.Header.Get("X-Workspace-Id") != "ws_1" {
		t.Errorf("basic auth = %q %q %v, workspace %q", u, p, ok, req.Header.Get("X-Workspace-Id"))
	}
}

func TestErrors(t *testing.T) {
	c, _, _ := fake(t, 404, `{"error":{"code":"not_found","message":"user \"x\" not found","request_id":"req_body"}}`)
	u, err := c.GetUser(context.Background(), "x")
	var ce *client.Error
	if u != nil || !errors.As(err, &ce) || ce.Status != 404 || ce.Code != client.CodeNotFound || ce.Message != `user "x" not found` || ce.RequestID != "req_body" {
		t.Fatalf("GetUser() = %v, %#v; want nil and a not_found *Error", u, err)
	}
	if client.ErrorCode(err) != client.CodeNotFound || !strings.Contains(err.Error(), "404 not_found") {
		t.Errorf("ErrorCode = %q, Error() = %q", client.ErrorCode(err), err)
	}

	c, _, _ = fake(t, 401, `{"error":{"code":"unauthenticated","message":"revoked","reason":"revoked"}}`)
	ok, err := c.VerifyKey(context.Background())
	if ok || err != nil {
		t.Errorf("VerifyKey() on 401 = %v, %v; want false, nil", ok, err)
	}
	_, err = c.Me(context.Background())
	if !errors.As(err, &ce) || ce.Reason != "revoked" || ce.RequestID != "req_header" {
		t.Errorf("Me() on 401 = %#v; want reason revoked and the header's request id", err)
	}

	// A proxy's HTML error.
	c, _, _ = fake(t, 502, `<html>bad gateway</html>`)
	_, err = c.Me(context.Background())
	if !errors.As(err, &ce) || ce.Code != client.CodeUnavailable || ce.Status != 502 || ce.Message != "Bad Gateway" {
		t.Errorf("Me() on a proxy 502 = %#v", err)
	}
	ok, err = c.VerifyKey(context.Background())
	if ok || err == nil {
		t.Errorf("VerifyKey() on 502 = %v, %v; want an error", ok, err)
	}
}

func TestAll(t *testing.T) {
	pages := map[string]client.Page[int]{"": {Data: []int{1, 2}, NextCursor: "a"}, "a": {Data: []int{3}, NextCursor: "b"}, "b": {Data: []int{4}}}
	list := func(_ context.Context, cursor string) (*client.Page[int], error) {
		p := pages[cursor]
		return &p, nil
	}
	var got []int
	for v, err := range client.All(context.Background(), list) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if len(got) != 4 || got[3] != 4 {
		t.Errorf("All() = %v; want [1 2 3 4]", got)
	}
	// Stopping early and errors.
	for v := range client.All(context.Background(), list) {
		if v == 2 {
			break
		}
	}
	boom := errors.New("boom")
	n := 0
	for _, err := range client.All(context.Background(), func(context.Context, string) (*client.Page[int], error) { return nil, boom }) {
		n++
		if err != boom {
			t.Errorf("All() error = %v; want boom", err)
		}
	}
	if n != 1 {
		t.Errorf("All() with an error yielded %d times; want 1", n)
	}
}

func TestNew(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "://"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) = nil error; want an error", u)
		}
	}
	if _, err := client.New("https://signet.example.com/prefix/"); err != nil {
		t.Errorf("New(with a prefix) = %v", err)
	}
}

// TestCodes checks the client's codes are the server's.
func TestCodes(t *testing.T) {
	pairs := [][2]string{
		{client.CodeBadRequest, signet.EBADREQUEST}, {client.CodeInvalid, signet.EINVALID},
		{client.CodeUnauthenticated, signet.EUNAUTHENTICATED}, {client.CodeForbidden, signet.EFORBIDDEN},
		{client.CodeNotFound, signet.ENOTFOUND}, {client.CodeConflict, signet.ECONFLICT},
		{client.CodeRateLimited, signet.ERATELIMITED}, {client.CodeUnavailable, signet.EUNAVAILABLE},
		{client.CodeInternal, signet.EINTERNAL},
		{client.CodeMethodNotAllowed, signet.EMETHOD}, {client.CodePayloadTooLarge, signet.ETOOLARGE},
		{client.CodeUnsupportedMediaType, signet.EMEDIATYPE},
		{client.KindHuman, signet.KindHuman}, {client.KindServiceAccount, signet.KindServiceAccount},
		{client.StatusActive, signet.StatusActive}, {client.StatusDisabled, signet.StatusDisabled},
		{client.KeyKindPersonal, signet.KeyKindPersonal}, {client.KeyKindServiceAccount, signet.KeyKindServiceAccount},
		{client.KeyStatusRevoked, signet.KeyStatusRevoked}, {client.KeyStatusExpired, signet.KeyStatusExpired},
		{client.OrganisationWide, signet.OrganisationWide},
	}
	for _, p := range pairs {
		if c, s := p[0], p[1]; c != s {
			t.Errorf("client constant %q != signet's %q", c, s)
		}
	}
}

// TestCreatedKeyJSON checks the embedded metadata flattens: the secret sits
// beside the metadata fields, as the API documents.
func TestCreatedKeyJSON(t *testing.T) {
	b, _ := json.Marshal(client.CreatedAPIKey{APIKey: client.APIKey{ID: "key_1"}, Key: "sgn_x"})
	if !strings.HasPrefix(string(b), `{"id":"key_1",`) || !strings.HasSuffix(string(b), `"key":"sgn_x"}`) {
		t.Errorf("CreatedAPIKey JSON = %s", b)
	}
}

func TestWithResponseBody(t *testing.T) {
	t.Parallel()
	// A field the SDK does not know, and the server's own formatting,
	// reach the caller unchanged.
	const body = `{"data":[{"id":"grp_1","name":"a","future_field":1}],  "next_cursor":"c1"}`
	c, _, _ := fake(t, http.StatusOK, body)
	var got []byte
	calls := 0
	ctx := client.WithResponseBody(context.Background(), func(b []byte) { got, calls = append([]byte(nil), b...), calls+1 })
	page, err := c.ListGroups(ctx, client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body || calls != 1 || len(page.Data) != 1 || page.NextCursor != "c1" {
		t.Errorf("WithResponseBody saw %q (%d calls), decoded %+v; want the body as sent, once, and the decoded page", got, calls, page)
	}

	// No body (204): fn gets nil.
	c, _, _ = fake(t, http.StatusNoContent, "")
	got = []byte("x")
	if err := c.DeleteGroup(client.WithResponseBody(context.Background(), func(b []byte) { got = b }), "grp_1"); err != nil {
		t.Fatal(err)
	}
	if got != nil {
		t.Errorf("WithResponseBody on a 204 saw %q; want nil", got)
	}

	// An error response is an *Error, not a body.
	c, _, _ = fake(t, http.StatusNotFound, `{"error":{"code":"not_found","message":"no"}}`)
	calls = 0
	if _, err := c.GetGroup(client.WithResponseBody(context.Background(), func([]byte) { calls++ }), "grp_1"); client.ErrorCode(err) != client.CodeNotFound || calls != 0 {
		t.Errorf("GetGroup on a 404 = %v, %d bodies seen; want not_found and none", err, calls)
	}
}
