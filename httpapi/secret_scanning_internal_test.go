package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
)

func TestDecodeLeakReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		n     int    // matches, when accepted
		code  string // "" = accepted
		inMsg string
	}{
		{"one match", `[{"token":"t","type":"signet_api_key","url":"https://example.com","source":"content"}]`, 1, "", ""},
		{"empty", `[]`, 0, "", ""},
		{"unknown fields ignored", `[{"token":"t","type":"x","url":"","source":"commit","new_field":{"a":1}}]`, 1, "", ""},
		{"null match", `[null]`, 1, "", ""},
		{"whitespace around", " \n[{\"token\":\"t\"}]\n", 1, "", ""},
		{"not JSON", `hello`, 0, signet.EBADREQUEST, "JSON array"},
		{"empty body", ``, 0, signet.EBADREQUEST, "JSON array"},
		{"an object", `{"token":"t"}`, 0, signet.EBADREQUEST, "JSON array"},
		{"a number in the array", `[5]`, 0, signet.EBADREQUEST, "match 0"},
		{"a token of the wrong type", `[{"token":"t"},{"token":5}]`, 0, signet.EBADREQUEST, `match 1 of the leak report: field "token"`},
		{"unterminated", `[{"token":"t"}`, 0, signet.EBADREQUEST, "unexpected end"},
		{"two arrays", `[][]`, 0, signet.EBADREQUEST, "single JSON array"},
		{"too many", "[" + strings.Repeat(`{},`, MaxLeakReportTokens) + `{}]`, 0, signet.ETOOLARGE, "at most 1000"},
		{"as many as allowed", "[" + strings.Repeat(`{},`, MaxLeakReportTokens-1) + `{}]`, MaxLeakReportTokens, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeLeakReport([]byte(tt.in))
			if code := signet.ErrorCode(err); code != tt.code || !strings.Contains(signet.ErrorMessage(err), tt.inMsg) {
				t.Fatalf("decodeLeakReport = %v (code %q); want code %q with %q", err, code, tt.code, tt.inMsg)
			}
			if err == nil && len(got) != tt.n {
				t.Errorf("decodeLeakReport = %d matches; want %d", len(got), tt.n)
			}
		})
	}
}

// FuzzDecodeLeakReport feeds the report parser arbitrary bodies: it must
// not panic, must answer only bad_request or payload_too_large, must never
// echo a token in its error, and what it accepts must be at most
// MaxLeakReportTokens matches that encode back to a JSON array.
func FuzzDecodeLeakReport(f *testing.F) {
	for _, s := range []string{
		`[{"token":"sgn_sa_01jd5x7d0e5k3v8q2m4n6p8r9t_4fQk2VbX9sLmA0ZtR7yWcEaaaaaaaaaaaKq3xZ9","type":"signet_api_key","url":"https://example.com/a","source":"content"}]`,
		`[]`, `[null]`, `[{"token":5}]`, `{"token":"x"}`, `[{"token":"x"}][]`, `[{"token":"\u0000"}]`, `[`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeLeakReport(body)
		if err != nil {
			if c := signet.ErrorCode(err); c != signet.EBADREQUEST && c != signet.ETOOLARGE {
				t.Fatalf("decodeLeakReport error code %q; want bad_request or payload_too_large", c)
			}
			if strings.Contains(signet.ErrorMessage(err), "sgn_") {
				t.Errorf("error %q echoes the input", signet.ErrorMessage(err))
			}
			return
		}
		if len(got) > MaxLeakReportTokens {
			t.Fatalf("decodeLeakReport accepted %d matches; the limit is %d", len(got), MaxLeakReportTokens)
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("accepted matches do not encode: %v", err)
		}
	})
}
