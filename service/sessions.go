package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// Session defaults; Options.SessionTTL and Options.SessionIdleTimeout
// override them.
const (
	// DefaultSessionTTL is how long a UI session lasts at most, however
	// active it is.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultSessionIdleTimeout ends a session nobody used for this long.
	DefaultSessionIdleTimeout = time.Hour
	// sessionTouchInterval is how stale a session's last-seen time may get
	// before a request writes it again: at most one write per session per
	// interval, so idle timeouts are exact to within this.
	sessionTouchInterval = time.Minute
)

// NewSession is a session just created. Token is the secret the browser
// holds (in a cookie); only its SHA-256 is stored.
type NewSession struct {
	Session *signet.Session
	User    *signet.User
	Token   string
}

// SessionInfo is a valid session with its user, as looked up for a request.
type SessionInfo struct {
	Session *signet.Session
	User    *signet.User
	// Actor is the user acting through this session.
	Actor *signet.Actor
}

// SessionTokenHash returns the SHA-256 of a session token, as stored.
func SessionTokenHash(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// errSessionInvalid is the one answer for an unknown, revoked, expired or
// idle session, or one whose user may no longer sign in.
var errSessionInvalid = &signet.Error{Code: signet.EUNAUTHENTICATED, Message: "your session has ended; sign in again", Reason: "session_invalid"}

// Login signs a human in with email and password (by the rules of
// AuthenticatePassword) and creates a UI session. Service accounts are
// refused with a clear message; every other failure gets one generic
// message. Attempts are throttled per account and per source IP (the IP
// comes from signet.RequestInfo in ctx; see passwords.go). Success and failure are audited
// ("session.login", "session.login_failed"), never with the password.
// Returns EUNAUTHENTICATED, ERATELIMITED.
func (s *Service) Login(ctx context.Context, login, password string) (*NewSession, error) {
	login = strings.TrimSpace(login)
	ri := signet.RequestInfoFrom(ctx)
	u, err := s.AuthenticatePassword(ctx, login, password)
	if err != nil {
		if signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
			s.recordLoginFailure(ctx, login, signet.ErrorReason(err), "ui")
		}
		return nil, err
	}

	token, err := newSessionToken()
	if err != nil {
		return nil, err
	}
	var out *NewSession
	actor := s.ActorForUser(u)
	actor.SessionID = id.New(id.Session)
	err = s.mutate(ctx, actor, "session.login", func(o *op) error {
		// The user is read again inside the transaction: disabled or
		// deleted since the password check means no session.
		if o.user == nil || o.user.Status != signet.StatusActive || o.user.Kind != signet.KindHuman {
			return errBadLogin
		}
		ses := &signet.Session{
			ID:         actor.SessionID,
			UserID:     o.user.ID,
			TokenHash:  SessionTokenHash(token),
			CreatedAt:  o.now,
			ExpiresAt:  o.now.Add(s.sessionTTL),
			LastSeenAt: o.now,
			IP:         ri.IP,
			UserAgent:  truncate(ri.UserAgent, 500),
		}
		if err := o.tx.CreateSession(ctx, ses); err != nil {
			return err
		}
		now := o.now
		o.user.LastActiveAt = &now
		if err := o.tx.UpdateUser(ctx, o.user); err != nil {
			return err
		}
		o.target("user", o.user.ID, o.user.Name)
		o.detail("session_id", ses.ID)
		o.detail("expires_at", ses.ExpiresAt.UTC().Format(time.RFC3339))
		c := *o.user
		c.PasswordHash = ""
		out = &NewSession{Session: ses, User: &c, Token: token}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recordLoginFailure appends a "session.login_failed" event. The login as
// typed is recorded (it names who was targeted), the password never; via
// says which sign-in failed: "ui" (the web UI) or "cli" (signet login).
func (s *Service) recordLoginFailure(ctx context.Context, login, reason, via string) {
	e := s.newEvent(ctx, nil, "session.login_failed", s.now())
	e.ActorKind = "anonymous"
	e.Outcome = signet.OutcomeDenied
	e.TargetType = "user"
	e.TargetName = truncate(login, signet.MaxEmailLen)
	e.Details = map[string]any{"reason": reason, "via": via}
	err := s.store.Write(ctx, func(tx store.Tx) error {
		ev := *e
		return tx.AppendAuditEvent(ctx, &ev)
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "recording a failed sign-in failed", "err", err)
	}
}

// LookupSession returns the session holding token, with its user and an
// actor for it, if the session is unrevoked, within its absolute lifetime
// and idle timeout, and its user is an active human. It refreshes the
// session's last-seen time (at most once per minute). Returns
// EUNAUTHENTICATED otherwise.
func (s *Service) LookupSession(ctx context.Context, token string) (*SessionInfo, error) {
	if token == "" {
		return nil, errSessionInvalid
	}
	hash := SessionTokenHash(token)
	now := s.now()
	var ses *signet.Session
	var u *signet.User
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		ses, err = tx.GetSessionByTokenHash(ctx, hash)
		if signet.ErrorCode(err) == signet.ENOTFOUND {
			return errSessionInvalid
		} else if err != nil {
			return err
		}
		u, err = tx.GetUser(ctx, ses.UserID)
		if signet.ErrorCode(err) == signet.ENOTFOUND {
			return errSessionInvalid
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !s.sessionLive(ses, now) || u.Status != signet.StatusActive || u.Kind != signet.KindHuman {
		return nil, errSessionInvalid
	}
	if now.Sub(ses.LastSeenAt) >= sessionTouchInterval {
		// Bookkeeping, not a change anyone made: not audited, and caches
		// are left alone.
		err := s.store.Write(ctx, func(tx store.Tx) error {
			if err := tx.TouchSession(ctx, ses.ID, now); err != nil {
				return err
			}
			fresh, err := tx.GetUser(ctx, u.ID)
			if err != nil {
				return err
			}
			fresh.LastActiveAt = &now
			return tx.UpdateUser(ctx, fresh)
		})
		if err != nil {
			return nil, err
		}
		ses.LastSeenAt = now
	}
	u.PasswordHash = ""
	a := s.ActorForUser(u)
	a.SessionID = ses.ID
	return &SessionInfo{Session: ses, User: u, Actor: a}, nil
}

// sessionLive reports whether ses is unrevoked, unexpired and not idle at now.
func (s *Service) sessionLive(ses *signet.Session, now time.Time) bool {
	return ses.RevokedAt == nil && now.Before(ses.ExpiresAt) && now.Sub(ses.LastSeenAt) < s.sessionIdle
}

// Logout ends the actor's current session. Returns EUNAUTHENTICATED when
// the actor is not using a session.
func (s *Service) Logout(ctx context.Context, a *signet.Actor) error {
	if a == nil || a.SessionID == "" {
		return signet.Errorf(signet.EUNAUTHENTICATED, "not signed in")
	}
	return s.mutate(ctx, a, "session.logout", func(o *op) error {
		if o.user != nil {
			o.target("user", o.user.ID, o.user.Name)
		}
		o.detail("session_id", a.SessionID)
		return notFound(o.tx.RevokeSession(ctx, a.SessionID, o.now), "session not found")
	})
}

// ListSessions returns the actor's own live sessions, newest first.
// Returns EUNAUTHENTICATED for an actor that is not an active human.
func (s *Service) ListSessions(ctx context.Context, a *signet.Actor) ([]*signet.Session, error) {
	var out []*signet.Session
	err := s.view(ctx, a, func(o *op) error {
		if a.System || o.user == nil || o.user.Status != signet.StatusActive {
			return signet.Errorf(signet.EUNAUTHENTICATED, "the caller is not an active user")
		}
		all, err := o.tx.ListUserSessions(ctx, o.user.ID, o.now)
		if err != nil {
			return err
		}
		for _, ses := range all {
			if s.sessionLive(ses, o.now) {
				ses.TokenHash = [32]byte{}
				out = append(out, ses)
			}
		}
		slices.Reverse(out) // ids are ULIDs: newest last
		return nil
	})
	return out, err
}

// RevokeSession ends one of the actor's own sessions. Returns ENOTFOUND
// for a session that is not the actor's or no longer live.
func (s *Service) RevokeSession(ctx context.Context, a *signet.Actor, sessionID string) error {
	return s.mutate(ctx, a, "session.revoke", func(o *op) error {
		if a.System || o.user == nil {
			return signet.Errorf(signet.EUNAUTHENTICATED, "the caller is not an active user")
		}
		o.target("user", o.user.ID, o.user.Name)
		o.detail("session_id", sessionID)
		live, err := o.tx.ListUserSessions(ctx, o.user.ID, o.now)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(live, func(ses *signet.Session) bool { return ses.ID == sessionID }) {
			return signet.Errorf(signet.ENOTFOUND, "session %q not found", sessionID)
		}
		return o.tx.RevokeSession(ctx, sessionID, o.now)
	})
}

func newSessionToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", signet.Internal("service.newSessionToken", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// roundUp rounds d up to a whole minute (at least one), for messages.
func roundUp(d time.Duration) time.Duration {
	m := (d + time.Minute - 1) / time.Minute
	if m < 1 {
		m = 1
	}
	return m * time.Minute
}

// Keys minted by LoginKey (`signet login`) always expire.
const (
	DefaultLoginKeyTTL = 30 * 24 * time.Hour
	MaxLoginKeyTTL     = 365 * 24 * time.Hour
)

// LoginKeyInput asks for a personal API key in exchange for an email and
// password: how `signet login` signs in.
type LoginKeyInput struct {
	Login    string
	Password string
	// DeviceID identifies the device asking: 8 to 64 characters of
	// [A-Za-z0-9._-], random and kept on the device. Keys minted before
	// for the same user and device are revoked.
	DeviceID string
	// KeyName names the key; "" means "signet login".
	KeyName string
	// ExpiresIn is the key's lifetime: 0 means DefaultLoginKeyTTL; at most
	// MaxLoginKeyTTL.
	ExpiresIn time.Duration
}

// LoginKey signs a human in with email and password, by the rules and
// throttle of Login, and mints a personal API key that expires (see
// LoginKeyInput), revoking the keys minted before by a login on the same
// device, in one transaction audited as "api_key.create" (details.login,
// details.replaced_keys). The secret is in the result only. A failed
// attempt is audited as "session.login_failed" with details.via "cli".
// Returns EINVALID, EUNAUTHENTICATED, ERATELIMITED.
func (s *Service) LoginKey(ctx context.Context, in LoginKeyInput) (*CreatedKey, error) {
	if !validDeviceID(in.DeviceID) {
		return nil, signet.Errorf(signet.EINVALID, "device_id must be 8 to 64 characters of letters, digits, '.', '_' or '-'")
	}
	ttl := in.ExpiresIn
	if ttl == 0 {
		ttl = DefaultLoginKeyTTL
	}
	if ttl < time.Minute || ttl > MaxLoginKeyTTL {
		return nil, signet.Errorf(signet.EINVALID, "expires_in must be between 1m and %s (365d)", MaxLoginKeyTTL)
	}
	name := in.KeyName
	if strings.TrimSpace(name) == "" {
		name = "signet login"
	}
	login := strings.TrimSpace(in.Login)
	u, err := s.AuthenticatePassword(ctx, login, in.Password)
	if err != nil {
		if signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
			s.recordLoginFailure(ctx, login, signet.ErrorReason(err), "cli")
		}
		return nil, err
	}
	var out *CreatedKey
	err = s.mutate(ctx, s.ActorForUser(u), "api_key.create", func(o *op) error {
		// Disabled or deleted since the password check: no key.
		if o.user == nil || o.user.Status != signet.StatusActive || o.user.Kind != signet.KindHuman {
			return errBadLogin
		}
		o.target("api_key", "", name)
		o.detail("owner_id", o.user.ID)
		o.detail("owner_name", o.user.Name)
		o.detail("login", true)
		replaced, err := o.revokeLoginKeys(o.user.ID, in.DeviceID)
		if err != nil {
			return err
		}
		if len(replaced) > 0 {
			o.detail("replaced_keys", replaced)
		}
		k, err := o.createKey(o.user, CreateKeyInput{Name: name, ExpiresIn: ttl, loginDevice: in.DeviceID,
			Description: "Created by 'signet login'. It expires; signing in again on the same device, or 'signet logout', revokes it."})
		if err != nil {
			return err
		}
		o.target("api_key", k.Key.ID, k.Key.Name)
		o.detail("kind", k.Key.Kind)
		o.detail("expires_at", k.Key.ExpiresAt.UTC().Format(time.RFC3339))
		out = k
		return nil
	})
	return out, err
}

// revokeLoginKeys revokes a user's unrevoked keys minted by a login on
// device, and returns their ids.
func (o *op) revokeLoginKeys(userID, device string) ([]any, error) {
	keys, err := allPages(func(p signet.Page) ([]*signet.APIKey, string, error) {
		return o.tx.ListAPIKeys(o.ctx, signet.APIKeyFilter{OwnerID: userID, Kind: signet.KeyKindPersonal, Page: p})
	})
	if err != nil {
		return nil, err
	}
	var out []any
	for _, k := range keys {
		if k.LoginDevice != device || k.RevokedAt != nil {
			continue
		}
		revoked, err := o.tx.RevokeAPIKey(o.ctx, k.ID, o.now, userID, "replaced by a new signet login on the same device")
		if err != nil {
			return nil, err
		}
		if revoked {
			out = append(out, k.ID)
		}
	}
	return out, nil
}

// validDeviceID: a device id is a client token of at least 8 characters.
func validDeviceID(v string) bool { return signet.ValidClientToken(v, 8) }
