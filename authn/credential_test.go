package authn

import (
	"encoding/base64"
	"net/http"
	"testing"
)

func TestParseCredential(t *testing.T) {
	t.Parallel()
	const key = "sgn_sa_01jd5x7d0e5k3v8q2m4n6p8r9t_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ012345"
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name    string
		headers map[string][]string
		want    Credential
		wantOK  bool
	}{
		{"none", nil, Credential{}, true},
		{"bearer", map[string][]string{"Authorization": {"Bearer " + key}}, Credential{Kind: CredentialKey, Key: key}, true},
		{"bearer lowercase scheme", map[string][]string{"Authorization": {"bearer " + key}}, Credential{Kind: CredentialKey, Key: key}, true},
		{"apikey (Bigeye)", map[string][]string{"Authorization": {"apikey " + key}}, Credential{Kind: CredentialKey, Key: key}, true},
		{"apikey uppercase scheme", map[string][]string{"Authorization": {"APIKEY " + key}}, Credential{Kind: CredentialKey, Key: key}, true},
		{"x-api-key", map[string][]string{"X-Api-Key": {key}}, Credential{Kind: CredentialKey, Key: key}, true},
		{"x-api-key padded", map[string][]string{"X-Api-Key": {"  " + key + " "}}, Credential{Kind: CredentialKey, Key: key}, true},
		{"basic", map[string][]string{"Authorization": {basic("a@example.com:pa:ss")}}, Credential{Kind: CredentialBasic, Login: "a@example.com", Password: "pa:ss"}, true},
		{"basic without colon", map[string][]string{"Authorization": {basic("a@example.com")}}, Credential{}, false},
		{"basic empty login", map[string][]string{"Authorization": {basic(":pw")}}, Credential{}, false},
		{"basic not base64", map[string][]string{"Authorization": {"Basic %%%"}}, Credential{}, false},
		{"unknown scheme", map[string][]string{"Authorization": {"Token " + key}}, Credential{}, false},
		{"scheme only", map[string][]string{"Authorization": {"Bearer"}}, Credential{}, false},
		{"scheme and spaces", map[string][]string{"Authorization": {"Bearer    "}}, Credential{}, false},
		{"empty x-api-key", map[string][]string{"X-Api-Key": {""}}, Credential{}, false},
		{"two authorization headers", map[string][]string{"Authorization": {"Bearer a", "Bearer b"}}, Credential{}, false},
		{"both headers", map[string][]string{"Authorization": {"Bearer " + key}, "X-Api-Key": {key}}, Credential{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range tt.headers {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			got, ok := ParseCredential(h)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseCredential(%v) = %+v, %v; want %+v, %v", tt.headers, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func FuzzParseCredential(f *testing.F) {
	f.Add("Bearer sgn_sa_x", "")
	f.Add("apikey abc", "")
	f.Add("Basic YTpi", "")
	f.Add("", "sgn_pk_y")
	f.Add("Basic ", "")
	f.Fuzz(func(t *testing.T, auth, xkey string) {
		h := http.Header{}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		if xkey != "" {
			h.Set("X-API-Key", xkey)
		}
		c, ok := ParseCredential(h)
		if !ok && c != (Credential{}) {
			t.Fatalf("ParseCredential returned a credential %+v with ok=false", c)
		}
		switch c.Kind {
		case CredentialNone:
			if ok && (auth != "" || xkey != "") {
				t.Fatalf("ParseCredential(%q, %q) = none, ok; want a credential or an error", auth, xkey)
			}
		case CredentialKey:
			if c.Key == "" {
				t.Fatal("key credential with empty key")
			}
		case CredentialBasic:
			if c.Login == "" {
				t.Fatal("basic credential with empty login")
			}
		default:
			t.Fatalf("unknown kind %q", c.Kind)
		}
	})
}
