package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// expiringWithinOptions and unusedForOptions are the choices of the API
// keys page's filters.
var (
	expiringWithinOptions = []expiryOption{{"", "Any time"}, {"1d", "1 day"}, {"7d", "7 days"}, {"14d", "14 days"}, {"30d", "30 days"}}
	unusedForOptions      = []expiryOption{{"", "Any"}, {"30d", "30 days"}, {"90d", "90 days"}, {"180d", "180 days"}, {"365d", "1 year"}}
)

// withChoice returns opts, with v added when it is not one of them (a
// link may name any duration, such as the banner's).
func withChoice(opts []expiryOption, v string) []expiryOption {
	if slices.ContainsFunc(opts, func(o expiryOption) bool { return o.Value == v }) {
		return opts
	}
	return append(slices.Clone(opts), expiryOption{v, v})
}

// lifecycleFilter sets the expiry and disuse filters of f from the page's
// ?expiring_within= and ?unused_for=.
func lifecycleFilter(f *signet.APIKeyFilter, within, unused string, now time.Time) error {
	for _, p := range []struct {
		name, v string
		set     func(time.Duration)
	}{
		{"expiring_within", within, func(d time.Duration) { t := now.Add(d); f.ExpiresBefore = &t }},
		{"unused_for", unused, func(d time.Duration) { t := now.Add(-d); f.UnusedSince = &t }},
	} {
		if p.v == "" {
			continue
		}
		d, err := signet.ParseDuration(p.v)
		if err != nil || d <= 0 {
			return signet.Errorf(signet.EINVALID, "%s must be a duration longer than zero, such as 7d or 90d", p.name)
		}
		p.set(d)
	}
	return nil
}

// expiringBanner is the warning, on the API keys page, of keys that
// expire soon: the user's own, and the service-account keys they
// administer or are responsible for.
type expiringBanner struct {
	Within   string // the longest warning threshold, e.g. "14d"
	Personal []expiringKey
	Accounts []expiringKey
}

type expiringKey struct {
	Key   *signet.APIKey
	Owner string
	In    string // how long is left, e.g. "3 days"
}

func newExpiringBanner(n *service.KeyExpiryNotice, names names, now time.Time) *expiringBanner {
	if n.Empty() {
		return nil
	}
	b := &expiringBanner{Within: signet.FormatDuration(n.Within)}
	conv := func(ks []*signet.APIKey) []expiringKey {
		out := make([]expiringKey, 0, len(ks))
		for _, k := range ks {
			out = append(out, expiringKey{Key: k, Owner: names.of(k.OwnerID), In: timeLeft(k.ExpiresAt.Sub(now))})
		}
		return out
	}
	b.Personal, b.Accounts = conv(n.Personal), conv(n.ServiceAccount)
	return b
}

// timeLeft says how long is left in words, to the nearest day or hour:
// "3 days", "5 hours", "less than an hour".
func timeLeft(d time.Duration) string {
	switch {
	case d >= 36*time.Hour:
		return strconv.Itoa(int((d+12*time.Hour)/(24*time.Hour))) + " days"
	case d >= 24*time.Hour:
		return "1 day"
	case d >= 90*time.Minute:
		return strconv.Itoa(int((d+30*time.Minute)/time.Hour)) + " hours"
	case d >= time.Hour:
		return "1 hour"
	}
	return "less than an hour"
}

func (s *server) disableKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if _, err := s.svc.DisableAPIKey(r.Context(), c.actor, r.PathValue("id"), r.PostFormValue("reason")); err != nil {
		return err
	}
	redirect(w, r, keyPageBack(r), "key_disabled")
	return nil
}

func (s *server) enableKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if _, err := s.svc.EnableAPIKey(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, keyPageBack(r), "key_enabled")
	return nil
}

// keyPageBack is the settings page a key form returns to.
func keyPageBack(r *http.Request) string {
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/settings/") {
		back = "/settings/api-keys"
	}
	return back
}
