package signet

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Label limits. Label names are restricted to a small set of characters
// ([a-z0-9][a-z0-9._/-]{0,62}) because storage filters on them by name
// inside a JSON path (store.Tx.ListAPIKeys, ListUsers): nothing in a name
// may need quoting there.
const (
	MaxLabels        = 20
	MaxLabelNameLen  = 63
	MaxLabelValueLen = 256
)

// ValidLabelName reports whether name is a label name:
// [a-z0-9][a-z0-9._/-]{0,62}, e.g. "team", "env", "app.kubernetes.io/name".
func ValidLabelName(name string) bool {
	if name == "" || len(name) > MaxLabelNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '/' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// ValidateLabels checks labels (of a key or a service account): at most
// MaxLabels, each name a ValidLabelName, each value valid UTF-8 of at most
// MaxLabelValueLen printable characters. field names the input in the
// message ("labels"). Returns EINVALID naming the first bad label.
func ValidateLabels(field string, labels map[string]string) error {
	if len(labels) > MaxLabels {
		return FieldErrorf(field, EINVALID, "%s: %d labels; at most %d are allowed", field, len(labels), MaxLabels)
	}
	for _, name := range slices.Sorted(maps.Keys(labels)) {
		if !ValidLabelName(name) {
			return FieldErrorf(field, EINVALID, "%s: label name %q is not allowed: use 1 to %d lower-case letters, digits and . _ / - , beginning with a letter or digit (e.g. team, env, app.example.com/tier)",
				field, name, MaxLabelNameLen)
		}
		v := labels[name]
		if !utf8.ValidString(v) {
			return FieldErrorf(field, EINVALID, "%s: the value of label %q must be valid UTF-8", field, name)
		}
		if n := utf8.RuneCountInString(v); n > MaxLabelValueLen {
			return FieldErrorf(field, EINVALID, "%s: the value of label %q is %d characters long; the limit is %d", field, name, n, MaxLabelValueLen)
		}
		if i := strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }); i >= 0 {
			r, _ := utf8.DecodeRuneInString(v[i:])
			return FieldErrorf(field, EINVALID, "%s: the value of label %q must be printable characters only (%U is not)", field, name, r)
		}
	}
	return nil
}

// ParseLabel splits "name=value" (the form the CLI, the UI and the
// ?label= filter take) into a label's name and value; the value may be
// empty, the name may not. It checks the form only: ValidateLabels
// checks the result.
func ParseLabel(field, s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return "", "", FieldErrorf(field, EINVALID, "%s: %q is not a label: write name=value, e.g. team=data", field, s)
	}
	return name, value, nil
}

// ParseLabels parses a list of "name=value" into a map, refusing a name
// given twice, and validates it (ValidateLabels). nil for an empty list.
func ParseLabels(field string, list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for _, s := range list {
		name, value, err := ParseLabel(field, s)
		if err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, FieldErrorf(field, EINVALID, "%s: label %q is given twice", field, name)
		}
		out[name] = value
	}
	if err := ValidateLabels(field, out); err != nil {
		return nil, err
	}
	return out, nil
}

// FormatLabels writes labels as "name=value" strings sorted by name (for
// display and the CLI).
func FormatLabels(labels map[string]string) []string {
	out := make([]string, 0, len(labels))
	for _, name := range slices.Sorted(maps.Keys(labels)) {
		out = append(out, fmt.Sprintf("%s=%s", name, labels[name]))
	}
	return out
}
