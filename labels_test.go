package signet

import (
	"reflect"
	"strings"
	"testing"
)

func TestValidLabelName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"team", true},
		{"a", true},
		{"0", true},
		{"app.example.com/tier", true},
		{"a_b-c.d/e", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"Team", false},
		{"-team", false},
		{".team", false},
		{"team name", false},
		{"team=x", false},
		{"tëam", false},
		{`te"am`, false},
		{"te'am", false},
	}
	for _, tt := range tests {
		if got := ValidLabelName(tt.name); got != tt.want {
			t.Errorf("ValidLabelName(%q) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseLabels(t *testing.T) {
	tests := []struct {
		name     string
		in       []string
		want     map[string]string
		wantCode string
	}{
		{name: "none"},
		{name: "two", in: []string{"team=data", "env=prod"}, want: map[string]string{"team": "data", "env": "prod"}},
		{name: "empty value", in: []string{"team="}, want: map[string]string{"team": ""}},
		{name: "value with =", in: []string{"q=a=b"}, want: map[string]string{"q": "a=b"}},
		{name: "no =", in: []string{"team"}, wantCode: EINVALID},
		{name: "no name", in: []string{"=data"}, wantCode: EINVALID},
		{name: "twice", in: []string{"team=a", "team=b"}, wantCode: EINVALID},
		{name: "bad name", in: []string{"Team=a"}, wantCode: EINVALID},
		{name: "tab in value", in: []string{"team=a\tb"}, wantCode: EINVALID},
		{name: "invalid UTF-8", in: []string{"team=\xff"}, wantCode: EINVALID},
		{name: "value of 256", in: []string{"team=" + strings.Repeat("ü", 256)}, want: map[string]string{"team": strings.Repeat("ü", 256)}},
		{name: "value of 257", in: []string{"team=" + strings.Repeat("ü", 257)}, wantCode: EINVALID},
	}
	for _, tt := range tests {
		got, err := ParseLabels("label", tt.in)
		if code := ErrorCode(err); code != tt.wantCode || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLabels(%s) = %v, %v; want %v, code %q", tt.name, got, err, tt.want, tt.wantCode)
		}
		if err != nil && !strings.HasPrefix(ErrorMessage(err), "label") {
			t.Errorf("ParseLabels(%s) message %q does not name the field", tt.name, ErrorMessage(err))
		}
	}
	if got := FormatLabels(map[string]string{"team": "data", "env": "prod"}); !reflect.DeepEqual(got, []string{"env=prod", "team=data"}) {
		t.Errorf("FormatLabels = %v; want sorted name=value", got)
	}
}
