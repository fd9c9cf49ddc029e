package httpapi_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/leakreport"
	"github.com/signetdev/signet/internal/testdb"
)

// reporter is a secret scanner's signing key, made in the test.
type reporter struct {
	priv *ecdsa.PrivateKey
	pem  []byte
	id   string
}

func newReporter(tb testing.TB) reporter {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	return reporter{priv: priv, pem: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), id: leakreport.KeyIdentifier(der)}
}

func (rp reporter) sign(tb testing.TB, body []byte) string {
	tb.Helper()
	d := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, rp.priv, d[:])
	if err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// report is the JSON body of a leak report of tokens.
func report(tokens ...string) []byte {
	ms := make([]client.SecretScanningMatch, len(tokens))
	for i, tok := range tokens {
		ms[i] = client.SecretScanningMatch{Token: tok, Type: "signet_api_key", URL: fmt.Sprintf("https://example.com/repo/blob/main/f%d", i), Source: "content"}
	}
	b, _ := json.Marshal(ms)
	return b
}

const reportPath = "/api/v1/secret-scanning/reports"

// postReport sends body signed by rp (as identifier id) without any
// credential.
func (e *env) postReport(body []byte, id, sig string) response {
	e.tb.Helper()
	headers := []string{"-auth"}
	if id != "" {
		headers = append(headers, leakreport.HeaderKeyID+": "+id)
	}
	if sig != "" {
		headers = append(headers, leakreport.HeaderSignature+": "+sig)
	}
	return e.do("POST", reportPath, string(body), headers...)
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestLeakReportsOffByDefault checks that the endpoint is not there unless
// configured.
func TestLeakReportsOffByDefault(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLeakReportsOffByDefault)
}

func testLeakReportsOffByDefault(t *testing.T) {
	e := newEnv(t)
	rp := newReporter(t)
	body := report("x")
	resp := e.postReport(body, rp.id, rp.sign(t, body))
	if resp.status != http.StatusNotFound || !strings.Contains(resp.errBody(t).Message, "--leak-report-public-keys") {
		t.Errorf("report to a server without leak reports = %d %s; want 404 saying how to enable them", resp.status, resp.body)
	}
}

// TestLeakReports drives the endpoint with signed, forged, replayed and
// oversized reports, and checks what each changes.
func TestLeakReports(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLeakReports) }

func testLeakReports(t *testing.T) {
	rp, stranger := newReporter(t), newReporter(t)
	keys, err := leakreport.New(leakreport.Options{PEM: rp.pem})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{leakReports: keys}).withAdmin()
	n := 0
	newKey := func() *client.CreatedAPIKey {
		t.Helper()
		n++
		sa := must(e.admin.CreateServiceAccount(e.ctx, client.CreateServiceAccountRequest{Name: fmt.Sprintf("etl-%d", n), APIKey: &client.CreateAPIKeyRequest{Name: "k"}}))(t)
		return sa.APIKey
	}
	live, revokedBefore, untouched := newKey(), newKey(), newKey()
	must(e.admin.RevokeAPIKey(e.ctx, revokedBefore.ID, "rotated"))(t)
	badChecksum := live.Key[:len(live.Key)-1] + string(live.Key[len(live.Key)-1]^1)
	tokens := []string{live.Key, "ghp_0123456789abcdefghijklmnopqrstuvwxyz", badChecksum, revokedBefore.Key}
	body := report(tokens...)
	sig := rp.sign(t, body)

	status := func(k *client.CreatedAPIKey) (string, string) {
		t.Helper()
		got := must(e.admin.GetAPIKey(e.ctx, k.ID))(t)
		return got.Status, got.RevokedReason
	}
	leakedEvents := func() int {
		t.Helper()
		return len(must(e.admin.ListAuditEvents(e.ctx, client.ListAuditEventsOptions{Action: "api_key.leaked"}))(t).Data)
	}

	// Refused reports change nothing: a forged signature, an unknown key,
	// no signature, and a report too large to be taken.
	big := report(strings.Repeat("a", httpapi.MaxLeakReportBytes), untouched.Key)
	many := report(append(make([]string, httpapi.MaxLeakReportTokens), untouched.Key)...)
	refused := []struct {
		name    string
		body    []byte
		id, sig string
		status  int
		code    string
	}{
		{"forged: signed by a stranger, named as the reporter", report(untouched.Key), rp.id, stranger.sign(t, report(untouched.Key)), 401, "unauthenticated"},
		{"unknown key identifier", report(untouched.Key), stranger.id, stranger.sign(t, report(untouched.Key)), 401, "unauthenticated"},
		{"a signature of another body", report(untouched.Key), rp.id, sig, 401, "unauthenticated"},
		{"no signature", report(untouched.Key), rp.id, "", 401, "unauthenticated"},
		{"no headers", report(untouched.Key), "", "", 401, "unauthenticated"},
		{"oversized", big, rp.id, rp.sign(t, big), 413, "payload_too_large"},
		{"too many matches", many, rp.id, rp.sign(t, many), 413, "payload_too_large"},
		{"not an array", []byte(`{"token":"x"}`), rp.id, rp.sign(t, []byte(`{"token":"x"}`)), 400, "bad_request"},
		{"a field of the wrong type", []byte(`[{"token":5}]`), rp.id, rp.sign(t, []byte(`[{"token":5}]`)), 400, "bad_request"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.postReport(tt.body, tt.id, tt.sig)
			if resp.status != tt.status || resp.errBody(t).Code != tt.code {
				t.Errorf("status %d %s; want %d %s", resp.status, resp.body, tt.status, tt.code)
			}
			if bytes.Contains(resp.body, []byte(untouched.Key)) {
				t.Error("the answer contains the reported token")
			}
		})
	}
	if st, _ := status(untouched); st != "active" {
		t.Fatalf("after refused reports the key is %s; want active", st)
	}
	if n := leakedEvents(); n != 0 {
		t.Fatalf("refused reports recorded %d api_key.leaked events; want 0", n)
	}

	// The real report.
	wantLabels := []string{client.LeakTruePositive, client.LeakFalsePositive, client.LeakFalsePositive, client.LeakTruePositive}
	for _, round := range []string{"first", "replayed"} {
		resp := e.postReport(body, rp.id, sig)
		if resp.status != http.StatusOK {
			t.Fatalf("%s report: %d %s; want 200", round, resp.status, resp.body)
		}
		var got []client.SecretScanningVerdict
		if err := json.Unmarshal(resp.body, &got); err != nil || len(got) != len(tokens) {
			t.Fatalf("%s report: answer %s (%v); want %d verdicts", round, resp.body, err, len(tokens))
		}
		for i, v := range got {
			want := client.SecretScanningVerdict{TokenHash: hashOf(tokens[i]), TokenType: "signet_api_key", Label: wantLabels[i]}
			if v != want {
				t.Errorf("%s report: verdict %d = %+v; want %+v", round, i, v, want)
			}
		}
		for _, tok := range tokens {
			if bytes.Contains(resp.body, []byte(tok)) {
				t.Errorf("%s report: the answer contains a reported token", round)
			}
		}
		if st, reason := status(live); st != "revoked" || reason != "leaked" {
			t.Errorf("%s report: the leaked key is %s (%q); want revoked (leaked)", round, st, reason)
		}
		if _, reason := status(revokedBefore); reason != "rotated" {
			t.Errorf("%s report: the key revoked before has reason %q; want %q kept", round, reason, "rotated")
		}
		if n := leakedEvents(); n != 1 {
			t.Errorf("%s report: %d api_key.leaked events; want 1", round, n)
		}
	}
	ev := must(e.admin.ListAuditEvents(e.ctx, client.ListAuditEventsOptions{Action: "api_key.leaked"}))(t).Data[0]
	if ev.TargetID != live.ID || ev.ActorKind != "system" || ev.Details["url"] != "https://example.com/repo/blob/main/f0" || ev.Details["source"] != "content" {
		t.Errorf("event = %+v; want the system revoking %s, with the report's url and source", ev, live.ID)
	}
	if strings.Contains(e.logs.String(), live.Key) || strings.Contains(e.logs.String(), live.Key[len(live.Key)-42:]) {
		t.Error("the log contains a reported token")
	}
	// The key no longer authenticates.
	if _, err := e.client(client.WithAPIKey(live.Key)).Me(e.ctx); err == nil {
		t.Error("the leaked key still authenticates")
	}
}

// TestLeakReportsFetchedKeys checks a report signed by a key fetched from
// a public keys URL.
func TestLeakReportsFetchedKeys(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testLeakReportsFetchedKeys)
}

func testLeakReportsFetchedKeys(t *testing.T) {
	rp := newReporter(t)
	doc, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{{"key_identifier": rp.id, "key": string(rp.pem), "is_current": true}}})
	keySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(doc) }))
	t.Cleanup(keySrv.Close)
	keys, err := leakreport.New(leakreport.Options{URL: keySrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{leakReports: keys}).withAdmin()
	k := must(e.admin.CreatePersonalKey(e.ctx, client.CreateAPIKeyRequest{Name: "leaks"}))(t)
	body := report(k.Key)
	resp := e.postReport(body, rp.id, rp.sign(t, body))
	if resp.status != http.StatusOK || !strings.Contains(string(resp.body), client.LeakTruePositive) {
		t.Fatalf("report = %d %s; want 200, true_positive", resp.status, resp.body)
	}
	if got := must(e.admin.GetAPIKey(e.ctx, k.ID))(t); got.Status != "revoked" {
		t.Errorf("the reported key is %s; want revoked", got.Status)
	}
}
