package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/confusable"
)

// checkServiceAccountNameNotConfusable refuses a service account name that
// looks like the name of another live service account without being it:
// "sa_аdmin" (Cyrillic а) beside "sa_admin", "etl-l" beside "etl-1". A
// service account is known by its name in lists, logs, audit events and
// the CLI's name lookup, so two that a reader cannot tell apart are as
// bad as two with one name. Names look alike when their skeletons (see
// confusable.Skeleton) are equal; storage keeps each name's skeleton in an
// index, so this is one lookup however many accounts exist. Humans are
// only flagged (NameWarnings), since their names need not be unique.
// exceptID is the account being renamed.
func (o *op) checkServiceAccountNameNotConfusable(name, exceptID string) error {
	alike, err := o.tx.FindUsersBySkeleton(o.ctx, signet.KindServiceAccount, []string{skeleton(name)})
	if err != nil {
		return err
	}
	for _, u := range alike {
		if u.ID == exceptID {
			continue
		}
		return signet.FieldErrorf("name", signet.ECONFLICT, "%s looks the same as the existing service account %s%s; choose a name that does not",
			quote(name), quote(u.Name), difference(name, u.Name))
	}
	return nil
}

// NameWarning says why a user's name may mislead whoever reads it in a
// list. The zero value is no warning.
type NameWarning struct {
	// LooksLike holds other users whose names look the same as this one's
	// without being equal to it (not even in another case), by name.
	LooksLike []LookAlike
	// MixedScripts holds the scripts of a name that mixes them in a way no
	// single writing system does, e.g. ["Cyrillic", "Latin"].
	MixedScripts []string
	// Invisible is set when the name holds characters that names may no
	// longer contain (see checkNameRunes; invisible or text-direction
	// characters, in practice): a name stored before that rule.
	Invisible bool
}

// LookAlike is a user whose name looks like another's.
type LookAlike struct {
	ID   string
	Kind string // signet.KindHuman or signet.KindServiceAccount
	Name string
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
// service accounts with service_accounts:read — through storage's index of
// name skeletons, so that a look-alike is found when the real one is on
// another page or filtered out, and nobody learns of a user they may not
// see. Returns EUNAUTHENTICATED.
func (s *Service) NameWarnings(ctx context.Context, a *signet.Actor, users []*signet.User) (map[string]NameWarning, error) {
	out := map[string]NameWarning{}
	err := s.view(ctx, a, func(o *op) error {
		keys := make([]string, 0, len(users))
		for _, u := range users {
			keys = append(keys, skeleton(u.Name))
		}
		alike, err := o.tx.FindUsersBySkeleton(ctx, "", dedupe(keys))
		if err != nil {
			return err
		}
		// byKey holds the visible users under their names' skeletons.
		byKey := map[string][]LookAlike{}
		for _, u := range alike {
			if !o.access.Can(userPerm(u, "read"), "") {
				continue
			}
			k := skeleton(u.Name)
			byKey[k] = append(byKey[k], LookAlike{ID: u.ID, Kind: u.Kind, Name: u.Name})
		}
		for _, u := range users {
			var w NameWarning
			for _, other := range byKey[skeleton(u.Name)] {
				if !strings.EqualFold(other.Name, u.Name) {
					w.LooksLike = append(w.LooksLike, other)
				}
			}
			slices.SortFunc(w.LooksLike, func(a, b LookAlike) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
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

// skeletons memoises confusable.Skeleton, a pure function of a name that
// takes a few microseconds, because checks and warnings take the skeleton
// of every account's name each time. It holds at most maxSkeletons names
// and starts afresh when full.
var skeletons = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

const maxSkeletons = 200_000

func skeleton(name string) string {
	skeletons.Lock()
	k, ok := skeletons.m[name]
	skeletons.Unlock()
	if ok {
		return k
	}
	k = confusable.Skeleton(name)
	skeletons.Lock()
	if len(skeletons.m) >= maxSkeletons {
		clear(skeletons.m)
	}
	skeletons.m[name] = k
	skeletons.Unlock()
	return k
}

// difference points at the first character of name that other lacks, for
// a message about two names that look alike: the reader cannot see it, so
// it is named by its code point and kind, e.g. " (it differs at position
// 4: U+0430, a Cyrillic letter)". It returns "" when there is none.
func difference(name, other string) string {
	pos := 0
	for _, r := range name {
		pos++
		if strings.ContainsRune(other, r) {
			continue
		}
		kind := "a symbol or punctuation mark"
		switch {
		case unicode.IsLetter(r):
			kind = "a letter"
			if sc := confusable.Script(r); sc != "Common" && sc != "Inherited" && sc != "" {
				kind = "a " + sc + " letter"
			}
		case unicode.IsDigit(r):
			kind = "a digit"
		case unicode.IsNumber(r):
			kind = "a number"
		case unicode.IsMark(r):
			kind = "a combining mark"
		case unicode.IsSpace(r):
			kind = "a space"
		}
		return fmt.Sprintf(" (it differs at position %d: %U, %s)", pos, r, kind)
	}
	return ""
}

// scriptList joins script names for a message: "Cyrillic and Latin",
// "Cyrillic, Greek and Latin".
func scriptList(sc []string) string {
	if len(sc) < 2 {
		return strings.Join(sc, "")
	}
	return strings.Join(sc[:len(sc)-1], ", ") + " and " + sc[len(sc)-1]
}
