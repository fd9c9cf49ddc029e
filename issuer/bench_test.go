package issuer_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// BenchmarkTokenIssuance is the token endpoint over HTTP on loopback:
// client_secret_basic with an API key, one audience, one permission, from
// parallel clients with keep-alive, as a service fleet would ask. Run:
//
//	go test -run '^$' -bench BenchmarkTokenIssuance -benchtime 5s ./issuer
//
// tokens/s is 1e9 / ns/op (all cores).
func BenchmarkTokenIssuance(b *testing.B) {
	{
		w := newBenchWorld(b)
		form := url.Values{"grant_type": {"client_credentials"}, "audience": {billing}, "scope": {"metrics:read"}}.Encode()
		hc := w.HTTP.Client()
		hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("POST", w.URL+"/oauth2/token", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(w.pipeline.ServiceAccount.ID, w.pipeline.APIKey.Key)
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	}
}

// BenchmarkTokenVerifyGoJose is what an offline verifier pays per token
// with go-jose (signature and claims), for comparison with signetauth's
// own figures.
func BenchmarkTokenVerifyGoJose(b *testing.B) {
	{
		w := newBenchWorld(b)
		tok := w.token(b, "metrics:read")
		set := w.jwks(b)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.EdDSA})
			if err != nil {
				b.Fatal(err)
			}
			var c jwt.Claims
			if err := parsed.Claims(set.Keys[0].Key, &c); err != nil {
				b.Fatal(err)
			}
		}
	}
}
