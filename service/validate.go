package service

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"golang.org/x/text/unicode/norm"
)

// validateName is the one rule for names of every kind of thing: valid
// UTF-8, in Unicode NFC (so that "é" typed as e + U+0301 and "é" typed as
// one character are one name, and uniqueness, which is checked on the
// stored form, holds for both), trimmed, with every kind of space written
// as one ordinary space (HTML shows "a  b" and "a b" alike), required, at
// most signet.MaxNameLen characters, and with no character that would let
// two names look the same or make a name read differently from what it is
// (see checkNameRunes), and not beginning with an id prefix ("sa_", "usr_",
// "key_", "ws_", …, see id.LooksLikeID), so that whatever takes a name or
// an id (the CLI) can tell which it was given. what names the thing for
// the message, e.g. "service account".
func validateName(what, name string) (string, error) {
	n, err := checkName(what, name)
	return n, withField("name", err)
}

// withField marks err, when it is a *signet.Error naming no input yet, as
// about the input field (signet.Error.Field), so that a form shows it
// beside that input; only EINVALID and ECONFLICT errors are about an
// input. It copies: shared error values stay unchanged.
func withField(field string, err error) error {
	e, ok := err.(*signet.Error)
	if !ok || e.Field != "" || (e.Code != signet.EINVALID && e.Code != signet.ECONFLICT) {
		return err
	}
	c := *e
	c.Field = field
	return &c
}

// prefixField qualifies the input named by err with prefix ("key." for the
// key created with a service account), so that a form with both tells the
// account's name from the key's.
func prefixField(prefix string, err error) error {
	e, ok := err.(*signet.Error)
	if !ok || e.Field == "" {
		return err
	}
	c := *e
	c.Field = prefix + e.Field
	return &c
}

// checkName is validateName without the field.
func checkName(what, name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", signet.Errorf(signet.EINVALID, "%s name must be valid UTF-8", what)
	}
	name = norm.NFC.String(strings.TrimSpace(name))
	if err := checkNameRunes(what+" name", name); err != nil {
		return "", err
	}
	name = strings.Join(strings.FieldsFunc(name, unicode.IsSpace), " ")
	switch {
	case name == "":
		return "", signet.Errorf(signet.EINVALID, "%s name is required", what)
	case utf8.RuneCountInString(name) > signet.MaxNameLen:
		return "", signet.Errorf(signet.EINVALID, "%s name is too long: %d characters; the limit is %d", what, utf8.RuneCountInString(name), signet.MaxNameLen)
	}
	// Compatibility forms count too: full-width "ｓａ＿" reads as "sa_".
	if p := id.LooksLikeID(norm.NFKC.String(name)); p != "" {
		return "", signet.Errorf(signet.EINVALID, "%s name %s looks like an id: names may not begin with %q or another id prefix (%s); choose another name",
			what, quote(name), p, strings.Join(id.Prefixes, ", "))
	}
	return name, nil
}

// maxMarks is the most combining marks one character may carry in a name.
// Pointed Hebrew, Tibetan stacks and Vietnamese need no more; "Zalgo" text
// uses dozens to spill over the rows above and below it in a list.
const maxMarks = 6

// checkNameRunes refuses the characters a name must not contain, naming
// the first one and its position (counted in characters from 1) so that
// it can be found and removed:
//
//   - control characters (tabs, line breaks, U+2028/U+2029 separators);
//   - text-direction controls (U+200E/U+200F, U+061C, U+202A–U+202E,
//     U+2066–U+2069), which reorder what is displayed after them (the
//     "Trojan Source" trick: "sa_\u202Enimda" shows as "sa_admin");
//   - every other format character (category Cf: zero-width space U+200B,
//     word joiner U+2060, U+FEFF, soft hyphen U+00AD, the tag characters
//     of U+E0000–U+E007F that carry invisible ASCII, …) and the characters
//     Unicode itself says render as nothing (Other_Default_Ignorable: the
//     Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the combining
//     grapheme joiner U+034F, U+17B4/U+17B5), since any of them lets
//     "sa_admin" and "sa_admin"+U+200B be two different names that look
//     the same;
//   - unassigned and private-use code points, whose look no one can know
//     (unassigned as of the Unicode version of Go's unicode package, 15.0).
//
// Two invisible characters are part of how some scripts and emoji are
// spelt, and are allowed there only, by the rules IDNA uses for domain
// names (RFC 5892, Appendix A.1 and A.2): U+200C ZERO WIDTH NON-JOINER
// and U+200D ZERO WIDTH JOINER after a virama (Sinhala "ශ්‍රී", Devanagari
// half forms), U+200C between letters of a joining script (Persian
// "علی‌رضا"), and U+200D between emoji ("👩‍💻"). Variation selectors are
// allowed directly after the characters they select a form of: a Han
// ideograph (ideographic variants in Japanese names), a symbol (U+FE0E/
// U+FE0F, text or emoji style) or a Mongolian letter (free variation
// selectors); anywhere else they are invisible. Service account names
// are further protected against look-alikes by their skeleton (see
// checkServiceAccountNameNotConfusable), which ignores all of these.
func checkNameRunes(field, s string) error {
	var prev, prev2 rune // the two characters before r
	marks := 0
	pos := 0
	for i, r := range s {
		pos++
		bad := ""
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return signet.Errorf(signet.EINVALID, "%s must not contain control characters such as tabs or line breaks (%U at position %d)", field, r, pos)
		case r == zwnj || r == zwj:
			if !joinerAllowed(r, prev, prev2, s[i+utf8.RuneLen(r):]) {
				bad = "invisible"
			}
		case unicode.Is(unicode.Variation_Selector, r):
			if !selectorAllowed(r, prev) {
				bad = "invisible"
			}
		case isBidiControl(r) || unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point):
			bad = "invisible"
		case !unicode.IsGraphic(r):
			bad = "unassigned"
		}
		switch bad {
		case "invisible":
			return signet.Errorf(signet.EINVALID, "%s must not contain invisible or text-direction characters (%U at position %d)", field, r, pos)
		case "unassigned":
			return signet.Errorf(signet.EINVALID, "%s must not contain unassigned or private-use characters (%U at position %d)", field, r, pos)
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			marks++
			if marks > maxMarks {
				return signet.Errorf(signet.EINVALID, "%s has more than %d combining marks on one character (at position %d)", field, maxMarks, pos)
			}
		} else {
			marks = 0
		}
		prev2, prev = prev, r
	}
	return nil
}

const (
	zwnj = '\u200C' // ZERO WIDTH NON-JOINER
	zwj  = '\u200D' // ZERO WIDTH JOINER
	vs16 = '\uFE0F' // VARIATION SELECTOR-16, emoji style
)

// isBidiControl reports whether r is one of Unicode's explicit
// text-direction controls (UAX #9: marks, embeddings, overrides, isolates).
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case '\u202A' <= r && r <= '\u202E', '\u2066' <= r && r <= '\u2069':
		return true
	}
	return false
}

// joinerAllowed reports whether a ZWNJ or ZWJ r, preceded by prev (and
// prev2 before it) and followed by rest, is part of a script's spelling or
// an emoji sequence; see checkNameRunes.
func joinerAllowed(r, prev, prev2 rune, rest string) bool {
	if norm.NFC.PropertiesString(string(prev)).CCC() == 9 { // after a virama
		return true
	}
	next, _ := utf8.DecodeRuneInString(rest)
	if r == zwj {
		// Emoji ZWJ sequences: 👩 + [skin tone or U+FE0F] + ZWJ + 💻.
		before := prev
		if prev == vs16 || isEmojiModifier(prev) {
			before = prev2
		}
		return unicode.Is(unicode.So, before) && unicode.Is(unicode.So, next)
	}
	// ZWNJ between two letters of a script whose letters join (RFC 5892
	// asks for the joining types of the two; being letters of a joining
	// script is a close, slightly wider, stand-in that Go can tell).
	return joins(prev) && joins(next)
}

// isEmojiModifier reports whether r is one of the five skin-tone modifiers.
func isEmojiModifier(r rune) bool { return '\U0001F3FB' <= r && r <= '\U0001F3FF' }

// joiningScripts are the scripts whose letters join one another, where a
// ZWNJ between two letters is a spelling choice (Persian, Urdu, Kurdish…).
var joiningScripts = []*unicode.RangeTable{unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mongolian,
	unicode.Mandaic, unicode.Manichaean, unicode.Psalter_Pahlavi, unicode.Phags_Pa, unicode.Adlam,
	unicode.Hanifi_Rohingya, unicode.Sogdian, unicode.Chorasmian, unicode.Old_Uyghur}

func joins(r rune) bool { return unicode.IsLetter(r) && unicode.In(r, joiningScripts...) }

// selectorAllowed reports whether variation selector r may follow prev.
func selectorAllowed(r, prev rune) bool {
	switch {
	case unicode.Is(unicode.Han, prev):
		return true
	case unicode.Is(unicode.Mongolian, prev) && unicode.IsLetter(prev):
		return '\u180B' <= r && r <= '\u180F'
	case unicode.Is(unicode.So, prev):
		return r == '\uFE0E' || r == vs16
	}
	return false
}

// validateText checks an optional free-text field (description, reason):
// valid UTF-8, NFC, trimmed, at most max characters; line breaks and tabs
// are allowed, other control characters are not. Text-direction controls
// are refused, as in names: a description or revocation reason is shown
// in lists, in the CLI's tables and in logs, where an unclosed U+202E
// reverses the rest of the line. So are the tag characters (U+E0000–
// U+E007F), which spell invisible ASCII that a reader cannot see but a
// program, or a language model, reads. Other invisible characters stay
// allowed in prose, where they have uses (joiners in Persian and emoji,
// soft hyphens) and where no uniqueness or identity rests on the text.
func validateText(field, s string, max int) (string, error) {
	t, err := checkText(field, s, max)
	return t, withField(field, err)
}

func checkText(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", signet.Errorf(signet.EINVALID, "%s must be valid UTF-8", field)
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	if n := utf8.RuneCountInString(s); n > max {
		return "", signet.Errorf(signet.EINVALID, "%s is too long: %d characters; the limit is %d", field, n, max)
	}
	pos := 0
	for _, r := range s {
		pos++
		switch {
		case unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t':
			return "", signet.Errorf(signet.EINVALID, "%s must not contain control characters (%U at position %d)", field, r, pos)
		case isBidiControl(r) || '\U000E0000' <= r && r <= '\U000E007F':
			return "", signet.Errorf(signet.EINVALID, "%s must not contain invisible or text-direction characters (%U at position %d)", field, r, pos)
		}
	}
	return s, nil
}

func validateDescription(s string) (string, error) {
	return validateText("description", s, signet.MaxDescriptionLen)
}

// validateEmail returns the trimmed address in NFC, so that uniqueness
// and sign-in, which compare the stored form case-insensitively, treat an
// address typed with a decomposed accent as the same address. It must be a
// bare address ("ada@example.com", not "Ada <ada@example.com>") with none
// of the characters a name may not contain (see checkNameRunes): an
// invisible character would make a second account whose address looks
// like the first's.
func validateEmail(email string) (string, error) {
	e, err := checkEmail(email)
	return e, withField("email", err)
}

func checkEmail(email string) (string, error) {
	if !utf8.ValidString(email) {
		return "", signet.Errorf(signet.EINVALID, "email must be valid UTF-8")
	}
	email = norm.NFC.String(strings.TrimSpace(email))
	if email == "" {
		return "", signet.Errorf(signet.EINVALID, "email is required")
	}
	if len(email) > signet.MaxEmailLen {
		return "", signet.Errorf(signet.EINVALID, "email is too long: %d bytes; the limit is %d", len(email), signet.MaxEmailLen)
	}
	if err := checkNameRunes("email", email); err != nil {
		return "", err
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
		return signet.FieldErrorf("password", signet.EINVALID, "password is too short: it needs at least %d characters", signet.MinPasswordLen)
	case len(p) > signet.MaxPasswordLen:
		return signet.FieldErrorf("password", signet.EINVALID, "password is too long: at most %d bytes are allowed", signet.MaxPasswordLen)
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
