package scim

import (
	"slices"
	"strings"
	"testing"
)

func TestParseFilter(t *testing.T) {
	attrs := []string{"id", "userName", "externalId", "emails.value", "members.value"}
	tests := []struct {
		filter string
		want   []clause // nil with ok false: refused
		ok     bool
	}{
		{``, nil, true},
		{`userName eq "a@example.com"`, []clause{{"username", "a@example.com"}}, true},
		{`USERNAME EQ "a@example.com"`, []clause{{"username", "a@example.com"}}, true},
		{`userName eq "quote \" and and"`, []clause{{"username", `quote " and and`}}, true},
		{`emails[type eq "work"].value eq "x"`, []clause{{"emails.value", "x"}}, true},
		{`id eq "grp_1" and members[value eq "usr_2"]`, []clause{{"id", "grp_1"}, {"members.value", "usr_2"}}, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, []clause{{"username", "x"}}, true},
		{`externalId eq "a" AND userName eq "b"`, []clause{{"externalid", "a"}, {"username", "b"}}, true},
		{`userName co "a"`, nil, false},
		{`userName eq a`, nil, false},
		{`userName eq "a" or id eq "b"`, nil, false},
		{`title eq "x"`, nil, false},
		{`members[display eq "x"]`, nil, false},
		{`members[value eq "x"`, nil, false},
		{`userName`, nil, false},
		{`(userName eq "a")`, nil, false},
		{strings.Repeat(`id eq "x" and `, 100) + `id eq "x"`, nil, false},
	}
	for _, tc := range tests {
		got, err := parseFilter(tc.filter, attrs)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("parseFilter(%q) = %v, %v; want %v, ok %v", tc.filter, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzParseFilter: any filter a provider (or anyone with a token) sends
// is parsed without panicking, and what is accepted names only the
// allowed attributes.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a"`, `id eq "x" and members[value eq "y"]`, `emails[type eq "work"].value eq "z"`, `a[b[c eq "d"]] eq "e"`, `"`, `[`, `]] and [[`} {
		f.Add(s)
	}
	attrs := []string{"id", "userName", "members.value", "emails.value"}
	f.Fuzz(func(t *testing.T, filter string) {
		cs, err := parseFilter(filter, attrs)
		if err != nil {
			return
		}
		for _, c := range cs {
			if !slices.Contains([]string{"id", "username", "members.value", "emails.value"}, c.attr) {
				t.Fatalf("parseFilter(%q) accepted attribute %q", filter, c.attr)
			}
		}
	})
}
