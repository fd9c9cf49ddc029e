package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The filters providers send (RFC 7644 §3.4.2.2) are equality tests,
// sometimes joined by "and": userName eq "…" and externalId eq "…" on
// Users (Okta, Entra ID), displayName eq "…" on Groups, and
// members[value eq "…"] to ask whether someone is a member. Signet takes
// exactly that: eq on the listed attributes, joined by and. Anything else
// is refused with invalidFilter, naming what is supported, rather than
// answered wrongly.

// clause is one `attr eq "value"`; attr is lower-cased, with a value
// filter on a multi-valued attribute read as its sub-attribute
// (`emails[type eq "work"].value` is emails.value, `members[value eq
// "x"]` is members.value).
type clause struct {
	attr, value string
}

// maxFilterLen bounds a filter expression.
const maxFilterLen = 1000

// parseFilter reads filter (empty: no clauses), allowing only the
// attributes in attrs (as SCIM spells them).
func parseFilter(filter string, attrs []string) ([]clause, error) {
	if strings.TrimSpace(filter) == "" {
		return nil, nil
	}
	bad := func() error {
		return scimErr(http.StatusBadRequest, "invalidFilter",
			`Signet supports filters of the form attribute eq "value", joined by and, on `+strings.Join(attrs, ", "))
	}
	if len(filter) > maxFilterLen {
		return nil, bad()
	}
	allowed := map[string]bool{}
	for _, a := range attrs {
		allowed[strings.ToLower(a)] = true
	}
	var out []clause
	for _, part := range splitAnd(filter) {
		c, ok := parseClause(part)
		if !ok || !allowed[c.attr] {
			return nil, bad()
		}
		out = append(out, c)
	}
	return out, nil
}

// splitAnd splits s at the word "and" outside quotes and brackets.
func splitAnd(s string) []string {
	var parts []string
	depth, quoted, from := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0 && i+5 <= len(s) && (c == ' ' || c == '\t') && strings.EqualFold(s[i+1:i+4], "and") && (s[i+4] == ' ' || s[i+4] == '\t'):
			parts = append(parts, s[from:i])
			from = i + 4
			i += 3
		}
	}
	return append(parts, s[from:])
}

// parseClause reads `path eq "value"` or `attr[sub eq "value"]`.
func parseClause(s string) (clause, bool) {
	s = strings.TrimSpace(s)
	// attr[sub eq "value"]: a membership test.
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") && !strings.Contains(s[:i], " ") {
		inner, ok := parseClause(s[i+1 : len(s)-1])
		if !ok || strings.Contains(inner.attr, ".") {
			return clause{}, false
		}
		return clause{attr: strings.ToLower(s[:i]) + "." + inner.attr, value: inner.value}, true
	}
	end, depth := -1, 0
	for i := 0; i < len(s) && end < 0; i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ' ', '\t':
			if depth == 0 {
				end = i
			}
		}
	}
	if end < 0 {
		return clause{}, false
	}
	path, rest := s[:end], s[end:]
	op, lit, ok := strings.Cut(strings.TrimSpace(rest), " ")
	if !ok || !strings.EqualFold(op, "eq") {
		return clause{}, false
	}
	var value string
	if err := json.Unmarshal([]byte(strings.TrimSpace(lit)), &value); err != nil {
		return clause{}, false
	}
	attr := strings.ToLower(path)
	// emails[type eq "work"].value: the value of any email.
	if i, j := strings.IndexByte(attr, '['), strings.LastIndexByte(attr, ']'); i > 0 && j > i {
		attr = attr[:i] + attr[j+1:]
	}
	// A schema-qualified name (urn:…:User:userName) is the attribute.
	if i := strings.LastIndexByte(attr, ':'); i >= 0 {
		attr = attr[i+1:]
	}
	return clause{attr: attr, value: value}, true
}

// setOnce sets *dst to c's value, refusing two different values for one
// attribute (which no one person or group can match).
func setOnce(dst *string, c clause) error {
	if *dst != "" && *dst != c.value {
		return scimErr(http.StatusBadRequest, "invalidFilter", "the filter compares "+c.attr+" with two different values")
	}
	*dst = c.value
	return nil
}

// Pagination (RFC 7644 §3.4.2.4).
const (
	defaultCount = 100
	maxCount     = 200
)

// pageParams reads startIndex (1-based; below 1 is 1) and count (at most
// maxCount; negative is 0).
func pageParams(q url.Values) (start, count int, err error) {
	if start, err = intParam(q, "startIndex", 1); err != nil {
		return 0, 0, err
	}
	if count, err = intParam(q, "count", defaultCount); err != nil {
		return 0, 0, err
	}
	return max(start, 1), min(max(count, 0), maxCount), nil
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, scimErr(http.StatusBadRequest, "invalidValue", name+" must be an integer")
	}
	return n, nil
}

// writeList answers a ListResponse.
func writeList[T any](w http.ResponseWriter, total, start int, res []T) error {
	return write(w, http.StatusOK, map[string]any{"schemas": []string{SchemaList}, "totalResults": total,
		"startIndex": start, "itemsPerPage": len(res), "Resources": res})
}

// wantsMembers reports whether a Groups answer should carry members:
// not when excludedAttributes names them, nor when attributes lists
// others without them (RFC 7644 §3.4.2.5).
func wantsMembers(q url.Values) bool {
	has := func(list string) bool {
		for _, a := range strings.Split(list, ",") {
			a = strings.ToLower(strings.TrimSpace(a))
			if a == "members" || strings.HasPrefix(a, "members.") || strings.HasSuffix(a, ":members") {
				return true
			}
		}
		return false
	}
	if has(q.Get("excludedAttributes")) {
		return false
	}
	if attrs := q.Get("attributes"); strings.TrimSpace(attrs) != "" {
		return has(attrs)
	}
	return true
}
