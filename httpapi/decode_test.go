package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/client"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // "" = success; else a substring of the error message
	}{
		{"ok", `{"name":"a","api_key":{"name":"k","expires_in":"1h"}}`, ""},
		{"ok whitespace", " \n{\"name\":\"a\"}\n\t ", ""},
		{"empty", ``, "request body is required"},
		{"spaces", `   `, "request body is required"},
		{"unknown", `{"name":"a","nope":1}`, `unknown field "nope"`},
		{"unknown nested", `{"api_key":{"nope":1}}`, `unknown field "nope"`},
		{"unknown long", `{"` + strings.Repeat("n", 5000) + `":1}`, `unknown field "nnnn`},
		{"wrong type", `{"name":1}`, `field "name" must be a string, not a number`},
		{"wrong nested", `{"api_key":{"scopes":{}}}`, `field "api_key.scopes" must be an array, not an object`},
		{"array body", `[1]`, "must be a JSON object, not an array"},
		{"string body", `"x"`, "must be a JSON object, not a string"},
		{"trailing", `{}x`, "single JSON value"},
		{"two", `{}{}`, "single JSON value"},
		{"truncated", `{"name":"a`, "unexpected end"},
		{"syntax", `{name:1}`, "at byte"},
		{"bad time", `{"api_key":{"expires_at":"soon"}}`, "RFC 3339"},
		{"bad time type", `{"api_key":{"expires_at":false}}`, "RFC 3339"},
		{"null", `null`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v client.CreateServiceAccountRequest
			err := decodeJSON(strings.NewReader(tt.in), &v)
			if tt.want == "" {
				if err != nil {
					t.Errorf("decodeJSON(%q) = %v; want nil", tt.in, err)
				}
				return
			}
			if signet.ErrorCode(err) != signet.EBADREQUEST || !strings.Contains(signet.ErrorMessage(err), tt.want) {
				t.Errorf("decodeJSON(%q) = %v; want bad_request containing %q", tt.in, err, tt.want)
			}
		})
	}
}

// FuzzDecodeJSON checks that the body decoder never panics, fails only
// with a caller-safe EBADREQUEST error, and that what it accepts survives
// a round trip.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"etl","description":"d","grants":[{"role_id":"role_view","workspace_id":"ws_1"}],"group_ids":["grp_1"],"api_key":{"name":"k","expires_at":"2030-01-02T15:04:05Z","expires_in":"720h","scopes":["audit:read"]}}`,
		`{}`, `null`, `[]`, `{"name":1}`, `{"api_key":{"expires_at":"x"}}`, `{"a":1}`, `{"name":"\u0000"}`, `{} {}`, `{"name":"a"`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v client.CreateServiceAccountRequest
		err := decodeJSON(bytes.NewReader(data), &v)
		if err != nil {
			var se *signet.Error
			if !errors.As(err, &se) || se.Code != signet.EBADREQUEST || se.Message == "" {
				t.Fatalf("decodeJSON(%q) = %#v; want an EBADREQUEST *signet.Error with a message", data, err)
			}
			if len(se.Message) > 200 {
				t.Fatalf("decodeJSON(%q) message is %d bytes; want a short one", data, len(se.Message))
			}
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of accepted value: %v", err)
		}
		var w client.CreateServiceAccountRequest
		if err := decodeJSON(bytes.NewReader(b), &w); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		b2, _ := json.Marshal(w)
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the value: %s != %s", b, b2)
		}
	})
}

// FuzzDecodeCheck holds the check body's scanner to the strict decoder:
// whatever the scanner accepts, encoding/json decodes to the same request.
func FuzzDecodeCheck(f *testing.F) {
	for _, s := range []string{
		`{"key":"sgn_sa_x","permission":"metrics:write"}`,
		` { "key" : "k" , "permission":"p","workspace":"ws_1" } `,
		`{"key":"k","permission":"p","client_ip":"192.0.2.1"}`,
		`{"client_ip":"2001:db8::1","key":"k","permission":"p","workspace":"w"}`,
		`{"key":"k","permission":"p","client_ip":"a","client_ip":"b"}`,
		`{"key":"k","permission":"p","client_IP":"192.0.2.1"}`,
		`{"key":"k","key":"k2","permission":"p"}`,
		`{"KEY":"k","permission":"p"}`,
		`{"key":"k\u00e9","permission":"p"}`,
		`{"key":"\xff","permission":"p"}`,
		`{}`, `{"checks":[]}`, `{"key":"k","permission":"p"}x`, `{"key":"k",}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast client.CheckRequest
		if !scanCheck(b, &fast) {
			return
		}
		var slow client.CheckRequest
		if err := decodeJSON(bytes.NewReader(b), &slow); err != nil {
			t.Fatalf("scanCheck accepted %q, which the strict decoder refuses: %v", b, err)
		}
		if fast.Key != slow.Key || fast.Permission != slow.Permission || fast.Workspace != slow.Workspace || fast.ClientIP != slow.ClientIP || slow.Checks != nil {
			t.Fatalf("scanCheck(%q) = %+v; the strict decoder says %+v", b, fast, slow)
		}
	})
}

// FuzzAppendCheckAnswer holds the hand-written encoder of the check answer
// to encoding/json of the wire type, byte for byte.
func FuzzAppendCheckAnswer(f *testing.F) {
	f.Add(true, true, "usr_1", "service_account", "ingest bot", "key_1", "ws_default", "", "", "", "", "")
	f.Add(false, false, "", "", "", "", "ws_1", "invalid_key", "", "", "", "")
	f.Add(false, true, "usr_2", "human", "Zoë <&> \"q\" \\ \u2028 \x7f \xff", "", "ws\n", "permission_denied", "", "", "", "")
	f.Add(true, true, "sa_1", "service_account", "etl", "key_2", "ws_default", "", "team", "data", "app.example.com/tier", "Zoë <&>")
	f.Add(true, true, "sa_1", "service_account", "etl", "key_2", "ws_default", "", "env", "", "env", "prod")
	f.Fuzz(func(t *testing.T, allowed, verified bool, id, kind, name, keyID, ws, reason, label1, value1, label2, value2 string) {
		a := authn.Answer{Allowed: allowed, Workspace: ws, Reason: reason}
		if verified {
			a.Verified = &authn.Verified{Actor: &signet.Actor{UserID: id, Kind: kind, Name: name, KeyID: keyID}}
			// Labels as a cached key holds them (one or two, or none
			// when both names are empty).
			labels := map[string]string{}
			if label1 != "" {
				labels[label1] = value1
			}
			if label2 != "" {
				labels[label2] = value2
			}
			a.Verified.Labels = authn.SortedLabels(labels)
		}
		want, err := json.Marshal(checkResultJSON(a))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendCheckAnswer(nil, &a); !bytes.Equal(got, want) {
			t.Fatalf("appendCheckAnswer(%+v) = %s; json.Marshal says %s", a, got, want)
		}
	})
}
