// Package id makes Signet's opaque ids: a type prefix and a lowercase ULID,
// e.g. "sa_01jd5x…". ULIDs sort by creation time, which gives cursor
// pagination a stable order, and carry 80 random bits, so ids cannot be
// guessed from one another.
package id

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Prefixes of Signet's ids.
const (
	User            = "usr_"
	ServiceAccount  = "sa_"
	APIKey          = "key_"
	Workspace       = "ws_"
	Role            = "role_"
	Group           = "grp_"
	Grant           = "grant_"
	AuditEvent      = "evt_"
	Session         = "ses_"
	Webhook         = "wh_"
	WebhookDelivery = "whd_"
	Audience        = "aud_"
	ClientKey       = "ck_"
	SigningKey      = "sig_"
	AccessToken     = "at_"
	OIDCProvider    = "idp_"
)

// Prefixes are the prefixes of every id Signet mints, and "sgn_", which
// begins every API key: a name that begins with one of them would read as
// an id (the CLI takes a value with its kind's prefix as an id), so names
// may not (see LooksLikeID).
var Prefixes = []string{User, ServiceAccount, APIKey, Workspace, Role, Group, Grant, AuditEvent, Session, Webhook, WebhookDelivery, Audience, ClientKey, SigningKey, AccessToken, OIDCProvider, "sgn_"}

// LooksLikeID returns the id prefix name begins with, compared without
// regard to case, or "" when it begins with none.
func LooksLikeID(name string) string {
	for _, p := range Prefixes {
		if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
			return p
		}
	}
	return ""
}

var (
	mu      sync.Mutex // guards entropy
	entropy = ulid.Monotonic(rand.Reader, 0)
)

// Raw returns a new lowercase ULID without a prefix.
func Raw() string {
	mu.Lock()
	u := ulid.MustNew(ulid.Timestamp(time.Now()), entropy)
	mu.Unlock()
	return strings.ToLower(u.String())
}

// New returns a new id with the given prefix.
func New(prefix string) string { return prefix + Raw() }
