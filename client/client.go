// Package client is the Go SDK for Signet's REST API.
//
// Create a client with the server's base URL and a credential, then call
// typed methods; every method takes a context and returns an *Error for an
// error response:
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("SIGNET_API_KEY")))
//	if err != nil { … }
//	res, err := c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
//		Name:   "etl-pipeline",
//		Grants: []client.GrantSpec{{RoleID: "role_edit", WorkspaceID: wsID}},
//		APIKey: &client.CreateAPIKeyRequest{Name: "prod", ExpiresIn: "2160h"},
//	})
//	if err != nil { … }
//	fmt.Println(res.APIKey.Key) // shown once; store it securely
//
// Lists return one Page at a time; All walks every page.
//
// The package depends on the standard library only.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one Signet server. It is safe for concurrent use.
type Client struct {
	base *url.URL // scheme://host[/prefix], without a trailing slash
	hc   *http.Client
	auth func(*http.Request)
	// key is the API key of WithAPIKey: the OAuth calls send it as a
	// client secret.
	key       string
	userAgent string
	workspace string
	retries   int
	// backoff is the wait before retry n (1-based); tests shorten it.
	backoff func(n int) time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey authenticates every request with key, sent as
// "Authorization: Bearer <key>".
func WithAPIKey(key string) Option {
	return func(c *Client) {
		c.key = key
		c.auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
	}
}

// WithBasicAuth authenticates every request with a human user's email and
// password (HTTP Basic).
func WithBasicAuth(email, password string) Option {
	return func(c *Client) {
		c.auth = func(r *http.Request) { r.SetBasicAuth(email, password) }
	}
}

// WithHTTPClient makes the client send requests through hc instead of
// http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithRetries sets how many times a request that is safe to repeat is
// sent again after a network error or a 503 answer (default 2; 0 never
// retries). Safe to repeat are GET, HEAD and PUT, and POST, which the
// client sends with a new Idempotency-Key per call: the server answers a
// repeated POST with its first answer (a new key's secret included)
// instead of doing the work twice.
func WithRetries(n int) Option {
	return func(c *Client) { c.retries = max(n, 0) }
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithWorkspace sends "X-Workspace-Id: id" with every request, choosing the
// workspace of per-workspace endpoints when a call does not name one.
func WithWorkspace(id string) Option {
	return func(c *Client) { c.workspace = id }
}

// New returns a client for the server at baseURL, e.g.
// "http://127.0.0.1:8080". Without WithAPIKey or WithBasicAuth requests are
// sent without a credential.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: invalid base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: invalid base URL %q: want http(s)://host[:port]", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, hc: http.DefaultClient, userAgent: "signet-go-client", retries: defaultRetries, backoff: defaultBackoff}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Error is an error response from the server. Code is one of the Code…
// constants; Message is meant for people; Reason is an optional sub-code
// (e.g. "revoked" on an unauthenticated error); RequestID identifies the
// request in the server's log.
type Error struct {
	Status    int
	Code      string
	Message   string
	Reason    string
	RequestID string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("signet: %d %s: %s", e.Status, e.Code, e.Message)
	if e.Reason != "" {
		s += " (reason: " + e.Reason + ")"
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// ErrorCode returns the Code of the *Error in err's chain, or "" if there
// is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// String returns a pointer to s, for the pointer fields of partial updates.
func String(s string) *string { return &s }

// Bool returns a pointer to b, for the pointer fields of partial updates.
func Bool(b bool) *bool { return &b }

// All returns an iterator over every item of a paginated list, fetching
// pages with list as needed. Iteration stops after the first error, which
// is yielded with a zero item.
//
//	for sa, err := range client.All(ctx, func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
//		return c.ListServiceAccounts(ctx, client.ListUsersOptions{ListOptions: client.ListOptions{Cursor: cursor}})
//	}) { … }
func All[T any](ctx context.Context, list func(ctx context.Context, cursor string) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		cursor := ""
		for {
			p, err := list(ctx, cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, v := range p.Data {
				if !yield(v, nil) {
					return
				}
			}
			if p.NextCursor == "" || p.NextCursor == cursor {
				return
			}
			cursor = p.NextCursor
		}
	}
}

// responseBodyKey is the context key of WithResponseBody.
type responseBodyKey struct{}

// WithResponseBody returns a copy of ctx with which every request a Client
// makes (other than streamed exports) hands fn the body of its successful
// response, exactly as the server sent it, before decoding it: nil for a
// response without a body (204). It is for callers that pass the server's
// JSON on unchanged, as the signet CLI's --json does; fn must not keep
// body past the call without copying it. The innermost WithResponseBody
// of a context wins.
func WithResponseBody(ctx context.Context, fn func(body []byte)) context.Context {
	return context.WithValue(ctx, responseBodyKey{}, fn)
}

// do sends one request. body, if not nil, is sent as JSON; out, if not
// nil, receives the JSON response of a 2xx status.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	target := c.base.String() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("client: encoding request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.workspace != "" && !query.Has("workspace_id") {
		// A call naming its workspace wins over the client's default.
		req.Header.Set("X-Workspace-Id", c.workspace)
	}
	if method == http.MethodPost {
		req.Header.Set(HeaderIdempotencyKey, newIdempotencyKey())
	}
	if c.auth != nil {
		c.auth(req)
	}
	resp, data, err := c.send(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return responseError(resp, data)
	}
	if fn, ok := ctx.Value(responseBodyKey{}).(func([]byte)); ok {
		if len(data) == 0 {
			fn(nil)
		} else {
			fn(data)
		}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: %s %s: decoding response: %w", method, path, err)
	}
	return nil
}

// stream sends a GET and hands the body of a 2xx response to read, without
// the size limit of do: for streamed responses such as exports.
func (c *Client) stream(ctx context.Context, path string, query url.Values, read func(io.Reader) error) error {
	target := c.base.String() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.workspace != "" && !query.Has("workspace_id") {
		req.Header.Set("X-Workspace-Id", c.workspace)
	}
	if c.auth != nil {
		c.auth(req)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("client: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return responseError(resp, data)
	}
	return read(resp.Body)
}

func responseError(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var body ErrorResponse
	if json.Unmarshal(data, &body) == nil && body.Error.Code != "" {
		e.Code = body.Error.Code
		e.Message = body.Error.Message
		e.Reason = body.Error.Reason
		if body.Error.RequestID != "" {
			e.RequestID = body.Error.RequestID
		}
		return e
	}
	// Not a Signet error body (a proxy, say): derive what we can.
	e.Message = http.StatusText(resp.StatusCode)
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		e.Code = CodeBadRequest
	case http.StatusUnprocessableEntity:
		e.Code = CodeInvalid
	case http.StatusUnauthorized:
		e.Code = CodeUnauthenticated
	case http.StatusForbidden:
		e.Code = CodeForbidden
	case http.StatusNotFound:
		e.Code = CodeNotFound
	case http.StatusConflict:
		e.Code = CodeConflict
	case http.StatusTooManyRequests:
		e.Code = CodeRateLimited
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		e.Code = CodeUnavailable
	default:
		e.Code = CodeInternal
	}
	return e
}

// p joins path segments, escaping each id.
func p(parts ...string) string {
	var b strings.Builder
	for i, s := range parts {
		if i%2 == 1 { // odd positions are ids
			s = url.PathEscape(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

func (o ListOptions) values() url.Values {
	v := url.Values{}
	if o.Limit != 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Cursor != "" {
		v.Set("cursor", o.Cursor)
	}
	return v
}

func set(v url.Values, key, val string) {
	if val != "" {
		v.Set(key, val)
	}
}

func setTime(v url.Values, key string, t *time.Time) {
	if t != nil {
		v.Set(key, t.UTC().Format(time.RFC3339Nano))
	}
}
