package signet

import (
	"strings"
	"testing"
)

func TestParseTokenScope(t *testing.T) {
	tests := []struct {
		scope   string
		want    string // FormatTokenScope of the result
		wantErr string
	}{
		{"", "", ""},
		{"billing:read", "billing:read", ""},
		{"  billing:read   billing:write@ws_1 ", "billing:read billing:write@ws_1", ""},
		{"billing:read billing:read", "billing:read", ""},
		{"billing:read@Marketing", "billing:read@Marketing", ""},
		{"billing", "", "is not a permission"},
		{"billing:", "", "is not a permission"},
		{":read", "", "is not a permission"},
		{"a:b:c", "", "is not a permission"},
		{"billing:read@", "", "names no workspace"},
		{strings.Repeat("d:a ", 0) + manyScopes(MaxScopeItems+1), "", "more than"},
	}
	for _, tt := range tests {
		got, err := ParseTokenScope(tt.scope)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTokenScope(%q) = %v, %v; want an error containing %q", tt.scope, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || FormatTokenScope(got) != tt.want {
			t.Errorf("ParseTokenScope(%q) = %q, %v; want %q", tt.scope, FormatTokenScope(got), err, tt.want)
		}
	}
}

func manyScopes(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("d:a@ws")
		b.WriteString(strings.Repeat("x", i))
		b.WriteByte(' ')
	}
	return b.String()
}

// FuzzParseTokenScope: the scope of a token request is untrusted input.
// Whatever it parses to formats back to a scope that parses to the same.
func FuzzParseTokenScope(f *testing.F) {
	for _, s := range []string{"billing:read", "a:b@ws_1 c:d", "x@y", ":", "@", "a:b@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		perms, err := ParseTokenScope(s)
		if err != nil {
			return
		}
		again, err := ParseTokenScope(FormatTokenScope(perms))
		if err != nil || FormatTokenScope(again) != FormatTokenScope(perms) {
			t.Fatalf("%q: round trip %q -> %v, %v", s, FormatTokenScope(perms), again, err)
		}
	})
}
