package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/leakreport"
	"github.com/signetdev/signet/service"
)

// Bounds of a leak report.
const (
	// MaxLeakReportBytes is the largest report body taken (413 above it),
	// or the server's body limit if that is smaller.
	MaxLeakReportBytes = 512 << 10
	// MaxLeakReportTokens is the most matches one report may hold (413
	// above it): a sender with more sends several reports.
	MaxLeakReportTokens = 1000
)

var errLeakReportsOff = signet.Errorf(signet.ENOTFOUND,
	"leak reports are not enabled on this server; start it with --leak-report-public-keys or --leak-report-keys-url")

// secretScanningReport answers POST /api/v1/secret-scanning/reports: a
// leak report in the secret scanning partner format. It takes no
// credential: the report is signed (leakreport.Keys), and a report whose
// signature does not verify is refused before its body is read as JSON
// and changes nothing. Each reported Signet key is revoked at once
// (service.RevokeLeakedKeys); the answer labels each match, naming the
// token only by its SHA-256.
func (s *server) secretScanningReport(w http.ResponseWriter, r *http.Request) error {
	if s.leakKeys == nil {
		return errLeakReportsOff
	}
	body, err := readLeakReport(w, r)
	if err != nil {
		return err
	}
	// The signature is over the raw body, exactly as sent.
	if err := s.leakKeys.Verify(r.Context(), r.Header.Get(leakreport.HeaderKeyID), r.Header.Get(leakreport.HeaderSignature), body); err != nil {
		return err
	}
	matches, err := decodeLeakReport(body)
	if err != nil {
		return err
	}
	tokens := make([]service.LeakedToken, len(matches))
	for i, m := range matches {
		tokens[i] = service.LeakedToken{Token: m.Token, URL: m.URL, Source: m.Source}
	}
	verdicts, err := s.svc.RevokeLeakedKeys(r.Context(), tokens)
	if err != nil {
		return err
	}
	out := make([]client.SecretScanningVerdict, len(matches))
	var keys, revoked int
	for i, m := range matches {
		sum := sha256.Sum256([]byte(m.Token))
		out[i] = client.SecretScanningVerdict{TokenHash: hex.EncodeToString(sum[:]), TokenType: m.Type, Label: client.LeakFalsePositive}
		if v := verdicts[i]; v.Key {
			out[i].Label = client.LeakTruePositive
			keys++
			if v.Revoked {
				revoked++
				s.log.WarnContext(r.Context(), "leaked API key revoked", "key_id", v.KeyID)
			}
		}
	}
	s.log.InfoContext(r.Context(), "leak report", "matches", len(matches), "signet_keys", keys, "revoked", revoked)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// readLeakReport reads the body of a report, at most MaxLeakReportBytes.
func readLeakReport(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxLeakReportBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, signet.Errorf(signet.ETOOLARGE, "a leak report may be at most %d bytes; send the matches in several reports", mbe.Limit)
		}
		return nil, badRequest("the request body could not be read")
	}
	return body, nil
}

// decodeLeakReport parses the body of a report: a JSON array of matches
// ({"token","type","url","source"}), at most MaxLeakReportTokens of them.
// Fields it does not know are ignored (the format may grow); a field of
// the wrong type, or anything but an array, is EBADREQUEST. Fuzzed:
// FuzzDecodeLeakReport.
func decodeLeakReport(body []byte) ([]client.SecretScanningMatch, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, badRequest(`a leak report must be a JSON array of {"token","type","url","source"} objects`)
	}
	out := []client.SecretScanningMatch{}
	for dec.More() {
		if len(out) == MaxLeakReportTokens {
			return nil, signet.Errorf(signet.ETOOLARGE, "a leak report may hold at most %d matches; send them in several reports", MaxLeakReportTokens)
		}
		var m client.SecretScanningMatch
		if err := dec.Decode(&m); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) && typ.Field != "" {
				return nil, badRequest("match %d of the leak report: field %q must be a string", len(out), typ.Field)
			}
			return nil, badRequest(`match %d of the leak report is not a {"token","type","url","source"} object`, len(out))
		}
		out = append(out, m)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, badRequest("the leak report is not valid JSON (unexpected end)")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("the leak report must be a single JSON array")
	}
	return out, nil
}
