package service

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

func newEd25519(tb testing.TB) crypto.Signer {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func newECDSA(tb testing.TB, c elliptic.Curve) crypto.Signer {
	tb.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func newRSA(tb testing.TB, bits int) crypto.Signer {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// testPublicKeyPEM is k's public key as PEM (SubjectPublicKeyInfo).
func testPublicKeyPEM(tb testing.TB, k crypto.Signer) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// testPublicJWK is k's public key as a JWK; extra members are added as
// given (`"d":"…"`).
func testPublicJWK(tb testing.TB, k crypto.Signer, extra string) string {
	tb.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	var j string
	switch pub := k.Public().(type) {
	case ed25519.PublicKey:
		j = fmt.Sprintf(`{"kty":"OKP","crv":"Ed25519","x":%q`, b64(pub))
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes()
		if err != nil {
			tb.Fatal(err)
		}
		n := (len(raw) - 1) / 2
		j = fmt.Sprintf(`{"kty":"EC","crv":%q,"x":%q,"y":%q`, pub.Curve.Params().Name, b64(raw[1:1+n]), b64(raw[1+n:]))
	case *rsa.PublicKey:
		j = fmt.Sprintf(`{"kty":"RSA","n":%q,"e":"AQAB"`, b64(pub.N.Bytes()))
	default:
		tb.Fatalf("testPublicJWK: %T", pub)
	}
	if extra != "" {
		j += "," + extra
	}
	return j + "}"
}

func TestParseClientPublicKey(t *testing.T) {
	t.Parallel()
	ed, p256, rsa2048 := newEd25519(t), newECDSA(t, elliptic.P256()), newRSA(t, 2048)
	privPKCS8 := func(k crypto.Signer) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	tests := []struct {
		name, in, alg string
		same          string // another form of the same key: the same thumbprint
		thumbprint    string // the known thumbprint, if any
		err           string // a part of the message; "" for success
	}{
		{name: "Ed25519 PEM", in: testPublicKeyPEM(t, ed), alg: signet.AlgEdDSA, same: testPublicJWK(t, ed, "")},
		{name: "P-256 PEM", in: testPublicKeyPEM(t, p256), alg: signet.AlgES256, same: testPublicJWK(t, p256, "")},
		{name: "RSA-2048 PEM", in: testPublicKeyPEM(t, rsa2048), alg: signet.AlgRS256, same: testPublicJWK(t, rsa2048, "")},
		{name: "Ed25519 JWK, padded with spaces", in: "  " + testPublicJWK(t, ed, `"kid":"x","use":"sig"`) + "\n", alg: signet.AlgEdDSA},
		// RFC 8037 §A.3 and RFC 7638 §3.1.
		{name: "RFC 8037 Ed25519 JWK", in: `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
			alg: signet.AlgEdDSA, thumbprint: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
		{name: "RFC 7638 RSA JWK", in: `{"kty":"RSA","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}`,
			alg: signet.AlgRS256, thumbprint: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
		{name: "empty", in: " ", err: "public_key is required"},
		{name: "not a key", in: "hello", err: "neither PEM"},
		{name: "private key PEM", in: privPKCS8(ed), err: "never a private key"},
		{name: "private key JWK", in: testPublicJWK(t, p256, `"d":"AAAA"`), err: "holds a private key"},
		{name: "RSA-1024", in: testPublicKeyPEM(t, newRSA(t, 1024)), err: "1024-bit RSA key: at least 2048"},
		{name: "P-384 PEM", in: testPublicKeyPEM(t, newECDSA(t, elliptic.P384())), err: "P-384: only P-256"},
		{name: "P-384 JWK", in: testPublicJWK(t, newECDSA(t, elliptic.P384()), ""), err: "not Ed25519 (OKP), P-256 (EC) or RSA"},
		{name: "bad JWK JSON", in: `{"kty":`, err: "not a usable JWK"},
		{name: "RSA exponent 1", in: strings.Replace(testPublicJWK(t, rsa2048, ""), `"e":"AQAB"`, `"e":"AQ"`, 1), err: "exponent odd and at least 3"},
		{name: "RSA even exponent", in: strings.Replace(testPublicJWK(t, rsa2048, ""), `"e":"AQAB"`, `"e":"AQAA"`, 1), err: "exponent odd and at least 3"},
		{name: "PEM with trailing data", in: testPublicKeyPEM(t, ed) + "junk", err: "neither PEM"},
		{name: "too long", in: strings.Repeat("A", 17<<10), err: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, alg, pemText, thumb, err := ParseClientPublicKey(tt.in)
			if tt.err != "" {
				if signet.ErrorCode(err) != signet.EINVALID || signet.ErrorField(err) != "public_key" || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseClientPublicKey = %v; want EINVALID on public_key saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseClientPublicKey = %v", err)
			}
			if alg != tt.alg || !strings.HasPrefix(pemText, "-----BEGIN PUBLIC KEY-----") || len(thumb) != 43 {
				t.Errorf("ParseClientPublicKey = %s, %q, %q; want %s, a PEM public key, a thumbprint", alg, pemText, thumb, tt.alg)
			}
			if tt.thumbprint != "" && thumb != tt.thumbprint {
				t.Errorf("thumbprint = %s; want %s", thumb, tt.thumbprint)
			}
			if tt.same != "" {
				_, alg2, pem2, thumb2, err := ParseClientPublicKey(tt.same)
				if err != nil || alg2 != alg || pem2 != pemText || thumb2 != thumb {
					t.Errorf("the other form = %s %s (%v); want the same key, %s", alg2, thumb2, err, thumb)
				}
			}
		})
	}
}

func TestAudiences(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAudiences) }

func testAudiences(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	person := e.human(nil)
	au, err := e.svc.CreateAudience(e.ctx, e.admin, AudienceInput{Identifier: "https://billing.internal", Description: "Billing",
		ServiceAccountID: sa.ID, TokenLifetime: 5 * time.Minute})
	e.must(err)
	if au.ID == "" || !strings.HasPrefix(au.ID, "aud_") || au.CreatedBy != e.admin.UserID || !au.CreatedAt.Equal(e.clock()) {
		t.Errorf("CreateAudience = %+v", au)
	}
	ev := e.lastEvent()
	if ev.Action != ActionAudienceCreate || ev.TargetID != au.ID || ev.TargetName != au.Identifier ||
		ev.Details["service_account_id"] != sa.ID || ev.Details["token_lifetime"] != "5m" {
		t.Errorf("event = %+v; want oauth_audience.create with its account and lifetime", ev)
	}

	bad := []struct {
		name  string
		in    AudienceInput
		field string
		msg   string
	}{
		{"no identifier", AudienceInput{}, "identifier", "identifier is required"},
		{"space", AudienceInput{Identifier: "billing api"}, "identifier", "printable ASCII without spaces"},
		{"non-ASCII", AudienceInput{Identifier: "bïlling"}, "identifier", "printable ASCII"},
		{"too long", AudienceInput{Identifier: strings.Repeat("a", 256)}, "identifier", "longer than 255"},
		{"URI without host", AudienceInput{Identifier: "https:///x"}, "identifier", "not an absolute URI"},
		{"URI with user", AudienceInput{Identifier: "https://u:p@billing.internal"}, "identifier", "not an absolute URI"},
		{"URI with fragment", AudienceInput{Identifier: "https://billing.internal/#x"}, "identifier", "not an absolute URI"},
		{"duplicate", AudienceInput{Identifier: "https://billing.internal"}, "identifier", "already exists"},
		{"negative lifetime", AudienceInput{Identifier: "a", TokenLifetime: -time.Second}, "token_lifetime", "between 0"},
		{"long lifetime", AudienceInput{Identifier: "a", TokenLifetime: 25 * time.Hour}, "token_lifetime", "between 0"},
		{"unknown account", AudienceInput{Identifier: "a", ServiceAccountID: "sa_missing"}, "service_account_id", "is not a service account"},
		{"a person", AudienceInput{Identifier: "a", ServiceAccountID: person.UserID}, "service_account_id", "is not a service account"},
		{"description", AudienceInput{Identifier: "a", Description: "a\u202eb"}, "description", ""},
	}
	for _, tt := range bad {
		_, err := e.svc.CreateAudience(e.ctx, e.admin, tt.in)
		code := signet.EINVALID
		if tt.name == "duplicate" {
			code = signet.ECONFLICT
		}
		if signet.ErrorCode(err) != code || signet.ErrorField(err) != tt.field || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: CreateAudience = %v (field %q); want %s on %s saying %q", tt.name, err, signet.ErrorField(err), code, tt.field, tt.msg)
		}
	}
	// A deleted account cannot be named.
	gone := e.sa()
	e.must(e.svc.DeleteUser(e.ctx, e.admin, gone.ID))
	_, err = e.svc.CreateAudience(e.ctx, e.admin, AudienceInput{Identifier: "gone", ServiceAccountID: gone.ID})
	wantCode(t, "CreateAudience(deleted account)", err, signet.EINVALID)

	// Plain names are identifiers too.
	reports, err := e.svc.CreateAudience(e.ctx, e.admin, AudienceInput{Identifier: "reports"})
	e.must(err)

	// Update: partial, audited with old and new values, conflicts named.
	e.advance(time.Minute)
	up, err := e.svc.UpdateAudience(e.ctx, e.admin, au.ID, AudienceUpdate{Identifier: ptr("https://billing.internal/v2"), TokenLifetime: ptr(time.Duration(0)), ServiceAccountID: ptr("")})
	e.must(err)
	if up.Identifier != "https://billing.internal/v2" || up.TokenLifetime != 0 || up.ServiceAccountID != "" || up.Description != "Billing" || !up.UpdatedAt.Equal(e.clock()) {
		t.Errorf("UpdateAudience = %+v", up)
	}
	ev = e.lastEvent()
	if ch, _ := ev.Details["identifier"].(map[string]any); ev.Action != ActionAudienceUpdate || ch["old"] != "https://billing.internal" || ch["new"] != "https://billing.internal/v2" {
		t.Errorf("update event = %+v; want the identifier's change", ev)
	}
	got, err := e.svc.GetAudience(e.ctx, e.admin, au.ID)
	e.must(err)
	if got.Identifier != up.Identifier || got.TokenLifetime != 0 {
		t.Errorf("GetAudience after update = %+v", got)
	}
	_, err = e.svc.UpdateAudience(e.ctx, e.admin, reports.ID, AudienceUpdate{Identifier: ptr(up.Identifier)})
	if signet.ErrorCode(err) != signet.ECONFLICT || signet.ErrorField(err) != "identifier" {
		t.Errorf("UpdateAudience(taken identifier) = %v; want ECONFLICT on identifier", err)
	}
	_, err = e.svc.UpdateAudience(e.ctx, e.admin, reports.ID, AudienceUpdate{TokenLifetime: ptr(48 * time.Hour)})
	if signet.ErrorField(err) != "token_lifetime" {
		t.Errorf("UpdateAudience(48h) = %v; want an error on token_lifetime", err)
	}
	_, err = e.svc.UpdateAudience(e.ctx, e.admin, reports.ID, AudienceUpdate{ServiceAccountID: ptr(person.UserID)})
	if signet.ErrorField(err) != "service_account_id" {
		t.Errorf("UpdateAudience(a person) = %v; want an error on service_account_id", err)
	}
	_, err = e.svc.UpdateAudience(e.ctx, e.admin, "aud_missing", AudienceUpdate{})
	wantCode(t, "UpdateAudience(missing)", err, signet.ENOTFOUND)

	list, next, err := e.svc.ListAudiences(e.ctx, e.admin, signet.Page{Limit: 1})
	e.must(err)
	if len(list) != 1 || next == "" {
		t.Errorf("ListAudiences(limit 1) = %d, %q; want one and a cursor", len(list), next)
	}

	// Authorisation: settings:read reads, settings:write writes.
	reader, nobody := e.actorWith("settings:read"), e.actorWith()
	_, err = e.svc.GetAudience(e.ctx, reader, au.ID)
	wantCode(t, "GetAudience(settings:read)", err, "")
	_, _, err = e.svc.ListAudiences(e.ctx, reader, signet.Page{})
	wantCode(t, "ListAudiences(settings:read)", err, "")
	for name, err := range map[string]error{
		"GetAudience(nobody)":   func() error { _, err := e.svc.GetAudience(e.ctx, nobody, au.ID); return err }(),
		"ListAudiences(nobody)": func() error { _, _, err := e.svc.ListAudiences(e.ctx, nobody, signet.Page{}); return err }(),
		"CreateAudience(reader)": func() error {
			_, err := e.svc.CreateAudience(e.ctx, reader, AudienceInput{Identifier: "x"})
			return err
		}(),
		"UpdateAudience(reader)": func() error {
			_, err := e.svc.UpdateAudience(e.ctx, reader, au.ID, AudienceUpdate{Description: ptr("x")})
			return err
		}(),
		"DeleteAudience(reader)": e.svc.DeleteAudience(e.ctx, reader, au.ID),
		"RotateSigningKeys(reader, forced)": func() error {
			_, err := e.svc.RotateSigningKeys(e.ctx, reader, TokenOptions{}, true)
			return err
		}(),
	} {
		wantCode(t, name, err, signet.EFORBIDDEN)
	}

	e.must(e.svc.DeleteAudience(e.ctx, e.admin, au.ID))
	if ev := e.lastEvent(); ev.Action != ActionAudienceDelete || ev.TargetID != au.ID || ev.Outcome != signet.OutcomeSuccess {
		t.Errorf("delete event = %+v", ev)
	}
	_, err = e.svc.GetAudience(e.ctx, e.admin, au.ID)
	wantCode(t, "GetAudience(deleted)", err, signet.ENOTFOUND)
	wantCode(t, "DeleteAudience(deleted)", e.svc.DeleteAudience(e.ctx, e.admin, au.ID), signet.ENOTFOUND)
}

func TestClientKeys(t *testing.T) { t.Parallel(); testdb.ForEach(t, testClientKeys) }

func testClientKeys(t *testing.T) {
	e := newEnv(t)
	sa, other := e.sa(), e.sa()
	person := e.human(nil)
	edPEM := testPublicKeyPEM(t, newEd25519(t))
	k, err := e.svc.CreateClientKey(e.ctx, e.admin, sa.ID, ClientKeyInput{Name: " ci-signer ", PublicKey: edPEM})
	e.must(err)
	if !strings.HasPrefix(k.ID, "ck_") || k.UserID != sa.ID || k.Name != "ci-signer" || k.Algorithm != signet.AlgEdDSA || k.PublicKey != edPEM || k.CreatedBy != e.admin.UserID {
		t.Errorf("CreateClientKey = %+v", k)
	}
	if ev := e.lastEvent(); ev.Action != ActionClientKeyCreate || ev.TargetID != k.ID || ev.Details["service_account_id"] != sa.ID || ev.Details["thumbprint"] != k.Thumbprint {
		t.Errorf("event = %+v; want oauth_client_key.create naming the account and thumbprint", ev)
	}
	// The same key on another account is allowed, on the same one it conflicts.
	_, err = e.svc.CreateClientKey(e.ctx, e.admin, other.ID, ClientKeyInput{Name: "shared", PublicKey: edPEM})
	e.must(err)
	p256, err := e.svc.CreateClientKey(e.ctx, e.admin, sa.ID, ClientKeyInput{Name: "p256", PublicKey: testPublicJWK(t, newECDSA(t, elliptic.P256()), "")})
	e.must(err)

	for _, tt := range []struct {
		name, account string
		in            ClientKeyInput
		code, field   string
	}{
		{"duplicate", sa.ID, ClientKeyInput{Name: "again", PublicKey: edPEM}, signet.ECONFLICT, "public_key"},
		{"no name", sa.ID, ClientKeyInput{Name: "  ", PublicKey: testPublicKeyPEM(t, newEd25519(t))}, signet.EINVALID, "name"},
		{"bad key", sa.ID, ClientKeyInput{Name: "x", PublicKey: "nope"}, signet.EINVALID, "public_key"},
		{"a person", person.UserID, ClientKeyInput{Name: "x", PublicKey: edPEM}, signet.EINVALID, ""},
		{"unknown account", "sa_missing", ClientKeyInput{Name: "x", PublicKey: edPEM}, signet.ENOTFOUND, ""},
	} {
		_, err := e.svc.CreateClientKey(e.ctx, e.admin, tt.account, tt.in)
		if signet.ErrorCode(err) != tt.code || signet.ErrorField(err) != tt.field {
			t.Errorf("%s: CreateClientKey = %v (field %q); want %s on %q", tt.name, err, signet.ErrorField(err), tt.code, tt.field)
		}
	}

	keyIDs := func(a *signet.Actor, account string) []string {
		t.Helper()
		ks, err := e.svc.ListClientKeys(e.ctx, a, account)
		e.must(err)
		var out []string
		for _, k := range ks {
			out = append(out, k.ID)
		}
		return out
	}
	if got := keyIDs(e.admin, sa.ID); len(got) != 2 || !strings.Contains(strings.Join(got, " "), p256.ID) {
		t.Errorf("ListClientKeys = %v; want its two keys", got)
	}
	// The account reads its own keys, and no other's; reading needs
	// service_accounts:read, writing service_accounts:write.
	self := e.svc.ActorForUser(sa)
	if got := keyIDs(self, sa.ID); len(got) != 2 {
		t.Errorf("ListClientKeys(by itself) = %v; want 2", got)
	}
	reader := e.actorWith("service_accounts:read")
	if got := keyIDs(reader, sa.ID); len(got) != 2 {
		t.Errorf("ListClientKeys(service_accounts:read) = %v; want 2", got)
	}
	_, err = e.svc.ListClientKeys(e.ctx, self, other.ID)
	wantCode(t, "ListClientKeys(another account's)", err, signet.EFORBIDDEN)
	_, err = e.svc.ListClientKeys(e.ctx, e.actorWith(), sa.ID)
	wantCode(t, "ListClientKeys(nobody)", err, signet.EFORBIDDEN)
	_, err = e.svc.CreateClientKey(e.ctx, reader, sa.ID, ClientKeyInput{Name: "x", PublicKey: testPublicKeyPEM(t, newEd25519(t))})
	wantCode(t, "CreateClientKey(reader)", err, signet.EFORBIDDEN)
	_, err = e.svc.CreateClientKey(e.ctx, self, sa.ID, ClientKeyInput{Name: "x", PublicKey: testPublicKeyPEM(t, newEd25519(t))})
	wantCode(t, "CreateClientKey(by itself)", err, signet.EFORBIDDEN)
	wantCode(t, "DeleteClientKey(reader)", e.svc.DeleteClientKey(e.ctx, reader, sa.ID, k.ID), signet.EFORBIDDEN)

	// A key is deleted through its own account only.
	wantCode(t, "DeleteClientKey(other account)", e.svc.DeleteClientKey(e.ctx, e.admin, other.ID, k.ID), signet.ENOTFOUND)
	e.must(e.svc.DeleteClientKey(e.ctx, e.admin, sa.ID, k.ID))
	if ev := e.lastEvent(); ev.Action != ActionClientKeyDelete || ev.TargetID != k.ID || ev.Details["thumbprint"] != k.Thumbprint {
		t.Errorf("delete event = %+v", ev)
	}
	wantCode(t, "DeleteClientKey(again)", e.svc.DeleteClientKey(e.ctx, e.admin, sa.ID, k.ID), signet.ENOTFOUND)
	if active, err := e.svc.ClientKeyActive(e.ctx, k.ID); err != nil || active {
		t.Errorf("ClientKeyActive(deleted) = %v, %v; want false", active, err)
	}
	if active, err := e.svc.ClientKeyActive(e.ctx, p256.ID); err != nil || !active {
		t.Errorf("ClientKeyActive = %v, %v; want true", active, err)
	}

	// Deleting the account deletes its keys.
	e.must(e.svc.DeleteUser(e.ctx, e.admin, sa.ID))
	e.must(e.st.Read(e.ctx, func(tx store.Tx) error {
		ks, err := tx.ListClientKeys(e.ctx, sa.ID)
		if len(ks) != 0 {
			t.Errorf("client keys of a deleted account = %d; want none", len(ks))
		}
		return err
	}))
	_, err = e.svc.ListClientKeys(e.ctx, e.admin, sa.ID)
	wantCode(t, "ListClientKeys(deleted account)", err, signet.ENOTFOUND)
	if active, err := e.svc.ClientKeyActive(e.ctx, p256.ID); err != nil || active {
		t.Errorf("ClientKeyActive(key of a deleted account) = %v, %v; want false", active, err)
	}
	if got := keyIDs(e.admin, other.ID); len(got) != 1 {
		t.Errorf("the other account's keys = %v; want its one", got)
	}
}

func TestRotateSigningKeys(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRotateSigningKeys) }

func testRotateSigningKeys(t *testing.T) {
	e := newEnv(t)
	opts := TokenOptions{RotateEvery: 24 * time.Hour, Overlap: 10 * time.Minute}
	rotate := func(force bool) bool {
		t.Helper()
		rotated, err := e.svc.RotateSigningKeys(e.ctx, signet.SystemActor, opts, force)
		e.must(err)
		return rotated
	}
	keys := func() []*signet.SigningKey {
		t.Helper()
		ks, err := e.svc.SigningKeys(e.ctx, e.admin)
		e.must(err)
		return ks
	}

	// The first run creates the first key.
	if !rotate(false) {
		t.Fatal("RotateSigningKeys on an empty store = false; want true")
	}
	ks := keys()
	if len(ks) != 1 || ks[0].Algorithm != signet.AlgEdDSA || ks[0].RetiredAt != nil || ks[0].ExpiresAt != nil || ks[0].PrivateKey != "" ||
		!strings.HasPrefix(ks[0].PublicKey, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("SigningKeys = %s; want one signing EdDSA key, public part only", show(ks))
	}
	first := ks[0]
	if ev := e.lastEvent(); ev.Action != ActionSigningKeyRotate || ev.TargetID != first.ID || ev.Details["forced"] != false {
		t.Errorf("event = %+v; want oauth_signing_key.rotate of the new key", ev)
	}
	// Its private key is sealed, and opens.
	st, err := e.svc.LoadTokenIssuerState(e.ctx)
	e.must(err)
	if len(st.SigningKeys) != 1 || st.SigningKeys[0].Signer == nil || st.TokenLifetime != signet.DefaultTokenLifetime {
		t.Errorf("LoadTokenIssuerState = %+v", st)
	}

	// Nothing happens before RotateEvery: no key, no event.
	before := len(e.events())
	e.advance(23 * time.Hour)
	if rotate(false) {
		t.Error("RotateSigningKeys before RotateEvery = true; want false")
	}
	if n := len(e.events()); n != before {
		t.Errorf("RotateSigningKeys with nothing to do recorded %d events", n-before)
	}

	// At RotateEvery the key retires, published for the longest token
	// lifetime (the policy's, here 1h; audiences' shorter ones do not
	// count) plus the overlap.
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{TokenLifetime: time.Hour})
	e.must(err)
	_, err = e.svc.CreateAudience(e.ctx, e.admin, AudienceInput{Identifier: "billing", TokenLifetime: 30 * time.Minute})
	e.must(err)
	e.advance(time.Hour)
	now := e.clock()
	if !rotate(false) {
		t.Fatal("RotateSigningKeys at RotateEvery = false; want true")
	}
	ks = keys()
	if len(ks) != 2 || ks[0].ID != first.ID || ks[1].RetiredAt != nil {
		t.Fatalf("SigningKeys after rotation = %s; want the old key then a new one", show(ks))
	}
	if r := ks[0]; r.RetiredAt == nil || !r.RetiredAt.Equal(now) || r.ExpiresAt == nil || !r.ExpiresAt.Equal(now.Add(time.Hour+10*time.Minute)) {
		t.Errorf("retired key = %s; want retired at %s, published until %s", show(r), now, now.Add(time.Hour+10*time.Minute))
	}
	if ev := e.lastEvent(); ev.Details["retired"] != first.ID {
		t.Errorf("event details = %v; want the retired key", ev.Details)
	}

	// Once past its expiry the retired key is deleted, even when no
	// rotation is due.
	e.advance(time.Hour + 10*time.Minute)
	if rotate(false) {
		t.Error("RotateSigningKeys deleting an expired key = true; want false (no rotation)")
	}
	ks = keys()
	if len(ks) != 1 || ks[0].ID == first.ID {
		t.Errorf("SigningKeys after expiry = %s; want the current key only", show(ks))
	}
	if ev := e.lastEvent(); ev.Action != ActionSigningKeyRotate || fmt.Sprint(ev.Details["deleted_expired"]) != "1" {
		t.Errorf("event = %+v; want deleted_expired 1", ev)
	}
	e.must(e.st.Read(e.ctx, func(tx store.Tx) error {
		all, err := tx.ListSigningKeys(e.ctx)
		if len(all) != 1 {
			t.Errorf("stored signing keys = %d; want 1", len(all))
		}
		return err
	}))

	// Forced: at once, by an administrator, in the algorithm asked for.
	// The policy goes back from 1h to the default (15m): the retired key
	// stays as long as the tokens issued under the hour may live.
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{})
	e.must(err)
	opts.Algorithm = signet.AlgES256
	rotated, err := e.svc.RotateSigningKeys(e.ctx, e.admin, opts, true)
	if err != nil || !rotated {
		t.Fatalf("RotateSigningKeys(forced) = %v, %v; want true", rotated, err)
	}
	ks = keys()
	if len(ks) != 2 || ks[1].Algorithm != signet.AlgES256 || ks[0].ExpiresAt == nil || !ks[0].ExpiresAt.Equal(e.clock().Add(time.Hour+10*time.Minute)) {
		t.Errorf("SigningKeys after a forced rotation = %s", show(ks))
	}
	if ev := e.lastEvent(); ev.ActorID != e.admin.UserID || ev.Details["forced"] != true || ev.Details["algorithm"] != signet.AlgES256 {
		t.Errorf("forced rotation event = %+v", ev)
	}

	opts.Algorithm = "RS256"
	_, err = e.svc.RotateSigningKeys(e.ctx, e.admin, opts, true)
	wantCode(t, "RotateSigningKeys(RS256)", err, signet.EINVALID)
	_, err = e.svc.SigningKeys(e.ctx, e.actorWith())
	wantCode(t, "SigningKeys(nobody)", err, signet.EFORBIDDEN)
}

func TestTokenLifetimePolicy(t *testing.T) { t.Parallel(); testdb.ForEach(t, testTokenLifetimePolicy) }

func testTokenLifetimePolicy(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{TokenLifetime: 25 * time.Hour})
	if signet.ErrorCode(err) != signet.EINVALID || signet.ErrorField(err) != "token_lifetime" {
		t.Errorf("SetKeyPolicy(25h tokens) = %v; want EINVALID on token_lifetime", err)
	}
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{TokenLifetime: -time.Minute})
	wantCode(t, "SetKeyPolicy(negative token lifetime)", err, signet.EINVALID)
	p, err := e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{TokenLifetime: 10 * time.Minute})
	e.must(err)
	got, err := e.svc.GetKeyPolicy(e.ctx, e.admin)
	e.must(err)
	if p.TokenLifetime != 10*time.Minute || got.TokenLifetime != 10*time.Minute || got.AccessTokenLifetime() != 10*time.Minute {
		t.Errorf("token lifetime = %s, read back %s; want 10m", p.TokenLifetime, got.TokenLifetime)
	}
}

func TestRevokeAccessTokenAndAssertions(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRevokeAccessTokenAndAssertions)
}

func testRevokeAccessTokenAndAssertions(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	tok := signet.RevokedToken{JTI: "at_1", ClientID: sa.ID, ExpiresAt: e.clock().Add(time.Hour)}
	e.must(e.svc.RevokeAccessToken(e.ctx, e.svc.ActorForUser(sa), tok))
	ev := e.lastEvent()
	if ev.Action != ActionTokenRevoke || ev.TargetID != "at_1" || ev.ActorID != sa.ID || ev.Details["client_id"] != sa.ID {
		t.Errorf("revoke event = %+v", ev)
	}
	n := len(e.events())
	e.must(e.svc.RevokeAccessToken(e.ctx, e.svc.ActorForUser(sa), tok))
	if got := len(e.events()); got != n {
		t.Errorf("a repeated revocation recorded %d events; want none", got-n)
	}
	st, err := e.svc.LoadTokenIssuerState(e.ctx)
	e.must(err)
	if _, ok := st.Revoked["at_1"]; !ok {
		t.Errorf("issuer state Revoked = %v; want at_1", st.Revoked)
	}

	exp := e.clock().Add(time.Minute)
	for i, want := range []bool{true, false} {
		if first, err := e.svc.UseClientAssertion(e.ctx, sa.ID, "jti-1", exp); err != nil || first != want {
			t.Errorf("UseClientAssertion #%d = %v, %v; want %v", i+1, first, err, want)
		}
	}
}

// show prints signing keys for failure messages.
func show(ks any) string {
	switch v := ks.(type) {
	case []*signet.SigningKey:
		var parts []string
		for _, k := range v {
			parts = append(parts, show(k))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *signet.SigningKey:
		f := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.UTC().Format(time.RFC3339)
		}
		return fmt.Sprintf("%s %s created %s retired %s expires %s", v.ID, v.Algorithm, v.CreatedAt.UTC().Format(time.RFC3339), f(v.RetiredAt), f(v.ExpiresAt))
	}
	return fmt.Sprint(ks)
}
