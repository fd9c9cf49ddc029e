// Package confusable tells whether two names look alike and whether a name
// mixes writing systems, after Unicode Technical Standard #39 (Unicode
// Security Mechanisms): skeletons for confusable detection (§4) and the
// Highly Restrictive level for mixed scripts (§5.2).
//
// The confusables data comes from github.com/mtibben/confusables, which
// implements the standard's skeleton algorithm over its confusables.txt
// (version 13.0.0). Characters added to Unicode after 13.0 have no mapping
// and compare only to themselves; the module is small and unchanged since
// 2021 because the algorithm is, and the letters that matter for spoofing
// (Cyrillic, Greek, mathematical alphanumerics, full-width forms, digits
// like 0 and 1) have been in the table for far longer.
package confusable

import (
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// Skeleton returns the key under which names that look alike are equal:
// "sa_аdmin" (with a Cyrillic а) and "sa_admin", "раураl" and "paypal",
// "ｓａ＿ａｄｍｉｎ" (full width) and "sa_admin", "l0g" and "log".
//
// It is the UTS #39 skeleton with two additions. The name is first brought
// to NFKC, because the standard's table leaves out the compatibility
// variants (full-width and mathematical letters, ligatures) that its
// identifier profile normalises away, and Signet keeps names in NFC only.
// And the skeleton is taken again after lowering case, because Signet
// compares names case-insensitively: "ETL_LOADER" is the same name as
// "etl_loader", and "sa_admIn" (capital I, which looks like l) must collide
// with "sa_admln" too. (Since I and l share a skeleton but i and l do not,
// "SA_ADMIN" and "sa_admin" do not: names equal but for case are caught by
// the case-insensitive uniqueness rules before this.) Characters that render invisibly (default
// ignorables such as U+200B or variation selectors) are dropped first, as
// the current version of the standard does. A skeleton is for comparison
// only, never for display.
func Skeleton(s string) string {
	s = norm.NFKC.String(strings.Map(dropIgnorable, s))
	return confusables.Skeleton(strings.ToLower(confusables.Skeleton(s)))
}

// dropIgnorable removes the characters that Unicode says render as nothing
// when not supported (Default_Ignorable_Code_Point, approximated from the
// properties Go's unicode package has).
func dropIgnorable(r rune) rune {
	if unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) {
		return -1
	}
	return r
}

// scriptTables are Go's script tables with the common ones first, so that
// most lookups end early.
var scriptTables = func() []scriptTable {
	first := []string{"Latin", "Common", "Inherited", "Cyrillic", "Greek", "Han", "Arabic", "Hebrew", "Hiragana", "Katakana", "Hangul", "Devanagari", "Thai"}
	var out []scriptTable
	for _, name := range first {
		out = append(out, scriptTable{name, unicode.Scripts[name]})
	}
	var rest []string
	for name := range unicode.Scripts {
		if !slices.Contains(first, name) {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		out = append(out, scriptTable{name, unicode.Scripts[name]})
	}
	return out
}()

type scriptTable struct {
	name  string
	table *unicode.RangeTable
}

// Script returns the Unicode script of r ("Latin", "Cyrillic", …;
// "Common" for digits, punctuation and symbols shared by all, "Inherited"
// for combining marks that take their base's script, "" if unassigned).
func Script(r rune) string {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return "Common"
	}
	for _, s := range scriptTables {
		if unicode.Is(s.table, r) {
			return s.name
		}
	}
	return ""
}

// Scripts returns the scripts s is written in, sorted, leaving out Common
// and Inherited (which belong to every script).
func Scripts(s string) []string {
	var out []string
	for _, r := range s {
		switch sc := Script(r); sc {
		case "", "Common", "Inherited":
		default:
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
	}
	sort.Strings(out)
	return out
}

// writingSystems are the sets of scripts that UTS #39's Highly Restrictive
// level allows together, each with Latin: Japanese, Chinese with Bopomofo,
// and Korean.
var writingSystems = [][]string{
	{"Han", "Hiragana", "Katakana", "Latin"},
	{"Bopomofo", "Han", "Latin"},
	{"Hangul", "Han", "Latin"},
}

// MixedScripts returns the scripts of s when s mixes scripts in a way no
// single writing system does (Latin with Cyrillic, Greek with Latin), and
// nil when s is written in one script or one of the combinations a
// language uses (Japanese Han with kana, with or without Latin; Korean
// Hangul with Han; Chinese Han with Bopomofo). Go's unicode package has
// no Script_Extensions, so a character shared by a few scripts counts as
// the one script Unicode assigns it; such characters are rare in names.
func MixedScripts(s string) []string {
	sc := Scripts(s)
	if len(sc) < 2 {
		return nil
	}
	for _, ws := range writingSystems {
		if !slices.ContainsFunc(sc, func(x string) bool { return !slices.Contains(ws, x) }) {
			return nil
		}
	}
	return sc
}
