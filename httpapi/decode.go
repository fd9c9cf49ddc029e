package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
)

// decodeBody decodes the JSON body of r into v, strictly. With required
// false an absent body leaves v unchanged.
func decodeBody(r *http.Request, v any, required bool) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		if !required {
			return nil
		}
		return badRequest("request body is required: send a JSON object with Content-Type: application/json")
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // the usual case, without parsing
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return signet.Errorf(signet.EMEDIATYPE, "Content-Type must be application/json")
		}
	}
	err := decodeJSON(r.Body, v)
	if errors.Is(err, errEmptyBody) && !required {
		return nil
	}
	return err
}

var errEmptyBody = badRequest("request body is required: send a JSON object")

// decodeJSON decodes exactly one JSON value from rd into v, refusing
// unknown fields, and turns every failure into an EBADREQUEST error whose
// message names the offending field where one is known. It is the only
// decoder of request bodies (and fuzzed: FuzzDecodeJSON).
func decodeJSON(rd io.Reader, v any) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	// Exactly one value: anything but whitespace after it is an error.
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return badRequest("request body must contain a single JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
		tpe *time.ParseError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errEmptyBody
	case errors.As(err, &mbe):
		return signet.Errorf(signet.ETOOLARGE, "request body is larger than %d bytes; send a smaller one", mbe.Limit)
	case errors.As(err, &syn):
		return badRequest("request body is not valid JSON (at byte %d)", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("request body is not valid JSON (unexpected end)")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("request body must be a JSON %s, not %s", jsonKind(typ.Type.String()), article(typ.Value))
		}
		return badRequest("field %q must be %s, not %s", typ.Field, article(jsonKind(typ.Type.String())), article(typ.Value))
	case errors.As(err, &tpe):
		return badRequest("timestamps (such as expires_at) must be RFC 3339 strings, e.g. \"2030-01-02T15:04:05Z\"")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		// The name comes from the caller; keep the echo short.
		if len(f) > 66 {
			f = strings.ToValidUTF8(f[:64], "") + "…\""
		}
		return badRequest("unknown field %s", f)
	}
	if strings.HasPrefix(msg, "Time.UnmarshalJSON") {
		return badRequest("timestamps (such as expires_at) must be RFC 3339 strings, e.g. \"2030-01-02T15:04:05Z\"")
	}
	return badRequest("request body is not valid JSON")
}

// jsonKind names the JSON kind a Go type is decoded from.
func jsonKind(goType string) string {
	switch {
	case goType == "string" || goType == "*string":
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "number"
	case strings.HasPrefix(goType, "[]"), strings.HasPrefix(goType, "*[]"):
		return "array"
	case strings.HasPrefix(goType, "map["):
		return "object"
	}
	return "object"
}

// article prefixes a JSON kind with "a" or "an" ("number 1.5" → "a number 1.5").
func article(kind string) string {
	if kind == "" {
		return kind
	}
	// The JSON value's kind is "bool"; the Go type's is already "boolean".
	if kind == "bool" {
		kind = "boolean"
	}
	switch kind[0] {
	case 'a', 'o':
		return "an " + kind
	}
	return "a " + kind
}

// --- query parameters ---

// checkQuery refuses a query string that does not parse or names a
// parameter the route does not take (allowed), naming the parameter and
// the ones it takes: a misspelt filter must not be ignored, which would
// answer an unfiltered list.
func checkQuery(raw string, allowed []string) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return badRequest("the query string does not parse: write it as name=value pairs joined by &, with %%XX escapes")
	}
	var unknown []string
	for name := range q {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	name := unknown[0]
	if len(name) > 64 {
		name = strings.ToValidUTF8(name[:64], "") + "…"
	}
	if len(allowed) == 0 {
		return badRequest("unknown query parameter %q: this route takes no query parameters", name)
	}
	return badRequest("unknown query parameter %q: this route takes %s", name, strings.Join(allowed, ", "))
}

// page reads ?limit= and ?cursor=.
func page(q url.Values) (signet.Page, error) {
	var p signet.Page
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > signet.MaxPageSize {
			return p, badRequest("query parameter limit must be an integer from 1 to %d", signet.MaxPageSize)
		}
		p.Limit = n
	}
	p.Cursor = q.Get("cursor")
	if _, err := signet.DecodeCursor(p.Cursor); err != nil {
		return p, err // the same refusal storage gives, before any work
	}
	return p, nil
}

// oneOf returns the query parameter name, which must be "" or one of allowed.
func oneOf(q url.Values, name string, allowed ...string) (string, error) {
	v := q.Get(name)
	if v == "" {
		return "", nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", badRequest("query parameter %s must be one of: %s", name, strings.Join(allowed, ", "))
}

// timeParam reads an RFC 3339 query parameter.
func timeParam(q url.Values, name string) (*time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, badRequest("query parameter %s must be an RFC 3339 timestamp, e.g. 2030-01-02T15:04:05Z", name)
	}
	return &t, nil
}

// workspaceID returns the workspace a per-workspace request names, from
// the workspace_id query parameter, the X-Workspace-Id header or Bigeye's
// X-Bigeye-Workspace-Id header; "" when none does. Naming two different
// workspaces is an error.
func workspaceID(r *http.Request) (string, error) {
	var ws, query string
	if r.URL.RawQuery != "" { // parsing allocates; most requests have no query
		query = r.URL.Query().Get("workspace_id")
	}
	for _, v := range [...]string{
		query,
		r.Header.Get("X-Workspace-Id"),
		r.Header.Get("X-Bigeye-Workspace-Id"),
	} {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if ws != "" && v != ws {
			return "", badRequest("the request names two different workspaces (workspace_id, X-Workspace-Id, X-Bigeye-Workspace-Id)")
		}
		ws = v
	}
	return ws, nil
}
