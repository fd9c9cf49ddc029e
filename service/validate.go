package service

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
)

// validateName is the one rule for names of every kind of thing: trimmed,
// required, at most signet.MaxNameLen characters, no control characters.
// what names the thing for the message, e.g. "service account".
func validateName(what, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", signet.Errorf(signet.EINVALID, "%s name is required", what)
	case !utf8.ValidString(name):
		return "", signet.Errorf(signet.EINVALID, "%s name must be valid UTF-8", what)
	case utf8.RuneCountInString(name) > signet.MaxNameLen:
		return "", signet.Errorf(signet.EINVALID, "%s name is too long: %d characters; the limit is %d", what, utf8.RuneCountInString(name), signet.MaxNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", signet.Errorf(signet.EINVALID, "%s name must not contain control characters (such as tabs or line breaks)", what)
	}
	return name, nil
}

// validateText checks an optional free-text field (description, reason):
// trimmed, at most max characters; line breaks and tabs are allowed, other
// control characters are not.
func validateText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", signet.Errorf(signet.EINVALID, "%s must be valid UTF-8", field)
	case utf8.RuneCountInString(s) > max:
		return "", signet.Errorf(signet.EINVALID, "%s is too long: %d characters; the limit is %d", field, utf8.RuneCountInString(s), max)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		return "", signet.Errorf(signet.EINVALID, "%s must not contain control characters", field)
	}
	return s, nil
}

func validateDescription(s string) (string, error) {
	return validateText("description", s, signet.MaxDescriptionLen)
}

// validateEmail returns the trimmed address. It must be a bare address
// ("ada@example.com", not "Ada <ada@example.com>").
func validateEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", signet.Errorf(signet.EINVALID, "email is required")
	}
	if len(email) > signet.MaxEmailLen {
		return "", signet.Errorf(signet.EINVALID, "email is too long: %d bytes; the limit is %d", len(email), signet.MaxEmailLen)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" || !strings.Contains(email, "@") {
		return "", signet.Errorf(signet.EINVALID, "email %q is not a valid address; use the form name@example.com", email)
	}
	return email, nil
}

// validatePassword checks the length of a new password in bytes, since
// bcrypt reads at most 72 bytes and longer input would be silently cut.
func validatePassword(p string) error {
	switch {
	case len(p) < signet.MinPasswordLen:
		return signet.Errorf(signet.EINVALID, "password is too short: it needs at least %d characters", signet.MinPasswordLen)
	case len(p) > signet.MaxPasswordLen:
		return signet.Errorf(signet.EINVALID, "password is too long: at most %d bytes are allowed", signet.MaxPasswordLen)
	}
	return nil
}

// validatePage checks a page request. A limit above signet.MaxPageSize is
// lowered to it rather than refused, as most list APIs do.
func validatePage(p signet.Page) (signet.Page, error) {
	if p.Limit < 0 {
		return p, signet.Errorf(signet.EINVALID, "limit must be between 1 and %d", signet.MaxPageSize)
	}
	if p.Limit == 0 {
		p.Limit = signet.DefaultPageSize
	}
	if p.Limit > signet.MaxPageSize {
		p.Limit = signet.MaxPageSize
	}
	return p, nil
}

// dedupe returns ss without repeats or empty strings, keeping first order.
func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	var out []string
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// quote returns s in double quotes, escaped, for messages.
func quote(s string) string { return strconv.Quote(s) }
