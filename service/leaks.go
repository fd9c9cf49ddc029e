package service

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
)

// ActionKeyLeaked is the audit action (and webhook event type) of a key
// revoked because a secret scanner reported it found in public. It is not
// api_key.revoke, so that a receiver can page someone on this one alone;
// subscribe to "api_key.*" to hear of every change of a key.
const ActionKeyLeaked = "api_key.leaked"

// ReasonLeaked is the revocation reason of a leaked key, and the reason
// `signet scan --revoke` gives.
const ReasonLeaked = "leaked"

// Bounds of what a leak report may put into an audit event: the report
// comes from outside, and its URL and source are recorded as sent, cut to
// these lengths.
const (
	maxLeakURLLen    = 2048
	maxLeakSourceLen = 64
)

// LeakedToken is one string a secret scanner found in public and
// reported, with where it found it. Token is never logged, stored or
// recorded; only its key id is, when it is a Signet key.
type LeakedToken struct {
	Token string
	// URL is where the token was found (may be empty).
	URL string
	// Source is the kind of place, as the scanner names it (content,
	// commit, issue_comment, …).
	Source string
}

// LeakVerdict is what a reported token turned out to be.
type LeakVerdict struct {
	// Key reports whether the token is a key of this Signet: well formed,
	// its checksum right, its key id stored and its secret that key's.
	// Anything else (another service's token, a lookalike, a key that
	// does not exist) is a false positive.
	Key bool
	// KeyID is the key's public id when Key is set.
	KeyID string
	// Revoked reports whether this report revoked the key; false when it
	// was revoked before (by an earlier report, or by anyone).
	Revoked bool
}

// RevokeLeakedKeys revokes at once, with reason "leaked", every token of
// a leak report that is a Signet key not yet revoked, each in one
// transaction with its audit event (api_key.leaked, by the system actor,
// with the report's URL and source, never the token). It needs no
// permission: holding a key's secret is the authority to revoke it (a key
// may always revoke itself), and the caller (the leak report endpoint)
// has authenticated the reporter. A token that is not a key is rejected
// without a database write, and one already revoked changes nothing, so
// a report sent again records nothing more. The verdicts are in the
// order of tokens.
func (s *Service) RevokeLeakedKeys(ctx context.Context, tokens []LeakedToken) ([]LeakVerdict, error) {
	out := make([]LeakVerdict, len(tokens))
	for i, t := range tokens {
		k, err := apikey.Parse(t.Token)
		if err != nil {
			// Another service's token, or a lookalike whose checksum is
			// wrong: rejected without touching storage.
			continue
		}
		// Read first: a false positive or a key already revoked needs no
		// write transaction (nor invalidates any cache).
		known, revoked, err := s.leakedKeyState(ctx, k)
		if err != nil {
			return nil, err
		}
		if !known {
			continue
		}
		out[i] = LeakVerdict{Key: true, KeyID: k.ID()}
		if revoked {
			continue
		}
		if out[i].Revoked, err = s.revokeLeakedKey(ctx, k, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// leakedKeyState reports whether k is a stored key whose secret matches,
// and whether it is revoked.
func (s *Service) leakedKeyState(ctx context.Context, k apikey.Key) (known, revoked bool, err error) {
	err = s.view(ctx, signet.SystemActor, func(o *op) error {
		stored, err := o.tx.GetAPIKey(ctx, k.ID())
		switch {
		case signet.ErrorCode(err) == signet.ENOTFOUND:
			return nil
		case err != nil:
			return err
		}
		if apikey.KindOf(stored.Kind) != k.Kind || !k.Matches(stored.SecretHash) {
			return nil
		}
		known, revoked = true, stored.RevokedAt != nil
		return nil
	})
	return known, revoked, err
}

// revokeLeakedKey revokes k, checking it again inside the transaction;
// it reports false when the key was revoked in between (then nothing is
// recorded).
func (s *Service) revokeLeakedKey(ctx context.Context, k apikey.Key, t LeakedToken) (bool, error) {
	var revoked bool
	err := s.mutate(ctx, signet.SystemActor, ActionKeyLeaked, func(o *op) error {
		stored, err := o.tx.GetAPIKey(ctx, k.ID())
		if err != nil {
			if signet.ErrorCode(err) == signet.ENOTFOUND {
				// Deleted since the read: nothing left to revoke.
				o.noEvent = true
				return nil
			}
			return err
		}
		if apikey.KindOf(stored.Kind) != k.Kind || !k.Matches(stored.SecretHash) {
			o.noEvent = true
			return nil
		}
		o.target("api_key", stored.ID, stored.Name)
		o.detail("owner_id", stored.OwnerID)
		if owner, err := o.tx.GetUser(ctx, stored.OwnerID); err == nil {
			o.detail("owner_name", owner.Name)
		}
		o.detail("reason", ReasonLeaked)
		o.detail("url", leakText(t.URL, maxLeakURLLen))
		o.detail("source", leakText(t.Source, maxLeakSourceLen))
		if revoked, err = o.tx.RevokeAPIKey(ctx, stored.ID, o.now, o.actorID(), ReasonLeaked); err != nil {
			return err
		}
		if !revoked {
			o.noEvent = true
		}
		return nil
	})
	return revoked, err
}

// leakText is a reported string fit for an audit event: valid UTF-8
// without control or format (invisible, text-direction) characters, at
// most max bytes.
func leakText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	return s
}
