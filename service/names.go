package service

import (
	"context"
	"slices"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/confusable"
)

// checkServiceAccountNameNotConfusable refuses a service account name that
// looks like the name of another live service account without being it:
// "sa_аdmin" (Cyrillic а) beside "sa_admin", "etl-l" beside "etl-1". A
// service account is known by its name in lists, logs, audit events and
// the CLI's name lookup, so two that a reader cannot tell apart are as
// bad as two with one name. Names look alike when their skeletons (see
// confusable.Skeleton) are equal. Humans are only flagged (NameWarnings),
// since their names need not be unique. exceptID is the account being
// renamed. Storage has no index on skeletons, so this reads every live
// service account's name: a few milliseconds for thousands of accounts,
// on writes that are rare.
func (o *op) checkServiceAccountNameNotConfusable(name, exceptID string) error {
	key := confusable.Skeleton(name)
	f := signet.UserFilter{Kind: signet.KindServiceAccount, Page: signet.Page{Limit: signet.MaxPageSize}}
	for {
		users, next, err := o.tx.ListUsers(o.ctx, f)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.ID == exceptID || confusable.Skeleton(u.Name) != key {
				continue
			}
			hint := ""
			if sc := confusable.MixedScripts(name); sc != nil {
				hint = " (it mixes " + scriptList(sc) + " letters)"
			}
			return signet.Errorf(signet.ECONFLICT, "%s looks the same as the existing service account %s%s; choose a name that does not",
				quote(name), quote(u.Name), hint)
		}
		if next == "" || len(users) == 0 {
			return nil
		}
		f.Page.Cursor = next
	}
}

// NameWarning says why a user's name may mislead whoever reads it in a
// list. The zero value is no warning.
type NameWarning struct {
	// LooksLike holds the names of other users that look the same as this
	// one without being equal to it (not even in another case), sorted.
	LooksLike []string
	// MixedScripts holds the scripts of a name that mixes them in a way no
	// single writing system does, e.g. ["Cyrillic", "Latin"].
	MixedScripts []string
	// Invisible is set when the name holds characters that names may no
	// longer contain (see checkNameRunes; invisible or text-direction
	// characters, in practice): a name stored before that rule.
	Invisible bool
}

// Any reports whether there is something to warn about.
func (w NameWarning) Any() bool {
	return len(w.LooksLike) > 0 || len(w.MixedScripts) > 0 || w.Invisible
}

// Scripts returns MixedScripts as words, e.g. "Cyrillic and Latin".
func (w NameWarning) Scripts() string { return scriptList(w.MixedScripts) }

// maxLooksLike bounds the look-alike names given for one user.
const maxLooksLike = 3

// NameWarnings returns, by user id, the warnings about the names of users
// (as listed by ListUsers or GetUser) that raise any. A name is compared
// with every live user the actor may list — humans with users:read,
// service accounts with service_accounts:read — so that a look-alike is
// found when the real one is on another page or filtered out, and nobody
// learns of a user they may not see. Returns EUNAUTHENTICATED.
func (s *Service) NameWarnings(ctx context.Context, a *signet.Actor, users []*signet.User) (map[string]NameWarning, error) {
	out := map[string]NameWarning{}
	err := s.view(ctx, a, func(o *op) error {
		// byKey holds every visible name under its skeleton.
		byKey := map[string][]string{}
		for _, kind := range []string{signet.KindHuman, signet.KindServiceAccount} {
			if !o.access.Can(userPerm(&signet.User{Kind: kind}, "read"), "") {
				continue
			}
			all, err := allPages(func(p signet.Page) ([]*signet.User, string, error) {
				return o.tx.ListUsers(ctx, signet.UserFilter{Kind: kind, Page: p})
			})
			if err != nil {
				return err
			}
			for _, u := range all {
				k := confusable.Skeleton(u.Name)
				if !slices.Contains(byKey[k], u.Name) {
					byKey[k] = append(byKey[k], u.Name)
				}
			}
		}
		for _, u := range users {
			var w NameWarning
			for _, other := range byKey[confusable.Skeleton(u.Name)] {
				if !strings.EqualFold(other, u.Name) {
					w.LooksLike = append(w.LooksLike, other)
				}
			}
			slices.Sort(w.LooksLike)
			if len(w.LooksLike) > maxLooksLike {
				w.LooksLike = w.LooksLike[:maxLooksLike]
			}
			w.MixedScripts = confusable.MixedScripts(u.Name)
			w.Invisible = checkNameRunes("name", u.Name) != nil
			if w.Any() {
				out[u.ID] = w
			}
		}
		return nil
	})
	return out, err
}

// scriptList joins script names for a message: "Cyrillic and Latin",
// "Cyrillic, Greek and Latin".
func scriptList(sc []string) string {
	if len(sc) < 2 {
		return strings.Join(sc, "")
	}
	return strings.Join(sc[:len(sc)-1], ", ") + " and " + sc[len(sc)-1]
}
