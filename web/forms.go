package web

import (
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
)

// formError is a form's error as the form shows it: beside the input it
// concerns (Input, the input's name attribute) or, when it concerns none
// the form shows, above the form. Message is in the form's words.
type formError struct {
	Input   string
	Message string
}

// For returns the message when the error concerns input, else "".
func (e formError) For(input string) string {
	if e.Input != "" && e.Input == input {
		return e.Message
	}
	return ""
}

// General returns the message when it concerns no single input, else "".
func (e formError) General() string {
	if e.Input == "" {
		return e.Message
	}
	return ""
}

// Inputs maps the fields the service names in errors (signet.Error.Field)
// to the inputs of one form.
type inputs map[string]string

// Common field maps.
var (
	nameInputs = inputs{"name": "name", "description": "description"}
	keyInputs  = inputs{"name": "key_name", "description": "key_description", "expires_in": "key_expires",
		"expires_at": "key_expires", "allowed_networks": "key_allowed_networks"}
	saInputs = inputs{"name": "name", "description": "description", "key.name": "key_name",
		"key.description": "key_description", "key.expires_in": "key_expires", "key.expires_at": "key_expires",
		"key.allowed_networks": "key_allowed_networks"}
	humanInputs   = inputs{"name": "name", "email": "email", "password": "password", "description": "description"}
	webhookInputs = inputs{"url": "url", "description": "description"}
)

// formError turns err into what a form shows: logged and generic when
// internal, else the service's message in form words, beside the input
// in ins that its field names.
func (s *server) formError(r *http.Request, err error, ins inputs) formError {
	if signet.ErrorCode(err) == signet.EINTERNAL {
		return formError{Message: s.message(r, err)}
	}
	e := formError{Message: formWords(signet.ErrorMessage(err))}
	if in, ok := ins[signet.ErrorField(err)]; ok {
		e.Input = in
	}
	return e
}

// apiWords are the API's field names as a form says them.
var apiWords = []struct {
	re    *regexp.Regexp
	words string
}{
	{regexp.MustCompile(`\bcurrent_password\b`), "current password"},
	{regexp.MustCompile(`\bexpires_in\b`), "expiry"},
	{regexp.MustCompile(`\bexpires_at\b`), "expiry date"},
	{regexp.MustCompile(`\bowner_type\b`), "owner type"},
	{regexp.MustCompile(`\bowner_id\b`), "owner"},
	{regexp.MustCompile(`^url\b`), "URL"},
	{regexp.MustCompile(`\bservice_account_id\b`), "service account"},
	{regexp.MustCompile(`\btoken_lifetime\b`), "token lifetime"},
	{regexp.MustCompile(`\bpublic_key\b`), "public key"},
	{regexp.MustCompile(`\bclient_id\b`), "client ID"},
	{regexp.MustCompile(`\bclient_secret\b`), "client secret"},
	{regexp.MustCompile(`\bgroups_claim\b`), "groups claim"},
	{regexp.MustCompile(`\bgroup_mappings\b`), "group mappings"},
	{regexp.MustCompile(`\ballowed_domains\b`), "allowed domains"},
}

// networkIndex is "allowed_networks[2]" in a message: the third line.
var networkIndex = regexp.MustCompile(`\ballowed_networks\[(\d+)\]`)

// formWords rewrites a service message for a form: no API field names
// ("expires_in must be…" reads "Expiry must be…"), in sentence case, ending
// with a full stop.
func formWords(msg string) string {
	msg = networkIndex.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(networkIndex.FindStringSubmatch(m)[1])
		return "allowed networks, line " + strconv.Itoa(n+1)
	})
	msg = strings.ReplaceAll(msg, "allowed_networks", "allowed networks")
	for _, w := range apiWords {
		msg = w.re.ReplaceAllString(msg, w.words)
	}
	if r, n := utf8.DecodeRuneInString(msg); r != utf8.RuneError && unicode.IsLower(r) {
		msg = string(unicode.ToUpper(r)) + msg[n:]
	}
	if msg != "" && !strings.ContainsAny(msg[len(msg)-1:], ".!?)") {
		msg += "."
	}
	return msg
}

// invalidAttrs marks an input that an error concerns: aria-invalid, and
// aria-describedby naming the error text (id+"-error") and any other
// descriptions (more ids). Used in a tag: {{invalid .Err "name" "sa-name"}}.
// A missing error (nil) marks nothing.
func invalidAttrs(err any, input, id string, more ...string) template.HTMLAttr {
	e, _ := err.(formError)
	if e.For(input) == "" {
		if len(more) > 0 {
			return template.HTMLAttr(` aria-describedby="` + template.HTMLEscapeString(strings.Join(more, " ")) + `"`)
		}
		return ""
	}
	ids := append([]string{id + "-error"}, more...)
	return template.HTMLAttr(` aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`)
}

func init() {
	funcs["invalid"] = invalidAttrs
}
