package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
)

func publicPEM(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// TestOAuthAdministration uses every SDK method of audiences, client keys
// and signing keys against a real Signet.
func TestOAuthAdministration(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testOAuthAdministration)
}

func testOAuthAdministration(t *testing.T) {
	s := signettest.Start(t, signettest.Options{})
	ctx, c := t.Context(), s.Admin
	apiErr := func(what string, err error, status int, code string) {
		t.Helper()
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != status || ce.Code != code {
			t.Errorf("%s = %v; want %d %s", what, err, status, code)
		}
	}

	// Audiences.
	au, err := c.CreateAudience(ctx, client.CreateAudienceRequest{Identifier: "https://billing.internal", ServiceAccountID: s.ViewerID, TokenLifetime: "10m"})
	if err != nil {
		t.Fatalf("CreateAudience = %v", err)
	}
	if !strings.HasPrefix(au.ID, "aud_") || au.TokenLifetime != "10m" || au.ServiceAccountID != s.ViewerID {
		t.Errorf("CreateAudience = %+v", au)
	}
	second, err := c.CreateAudience(ctx, client.CreateAudienceRequest{Identifier: "reports"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for a, err := range client.All(ctx, func(ctx context.Context, cursor string) (*client.Page[client.Audience], error) {
		return c.ListAudiences(ctx, client.ListOptions{Limit: 1, Cursor: cursor})
	}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, " ") != au.ID+" "+second.ID {
		t.Errorf("ListAudiences, page by page = %v; want both, by id", ids)
	}
	if got, err := c.GetAudience(ctx, au.ID); err != nil || *got != *au {
		t.Errorf("GetAudience = %+v, %v; want %+v", got, err, au)
	}
	up, err := c.UpdateAudience(ctx, au.ID, client.AudienceUpdate{Description: client.String("Billing"), TokenLifetime: client.String("PT1H")})
	if err != nil || up.Description != "Billing" || up.TokenLifetime != "1h" || up.Identifier != au.Identifier {
		t.Errorf("UpdateAudience = %+v, %v", up, err)
	}
	_, err = c.CreateAudience(ctx, client.CreateAudienceRequest{Identifier: "reports"})
	apiErr("CreateAudience(duplicate)", err, http.StatusConflict, client.CodeConflict)
	_, err = c.UpdateAudience(ctx, au.ID, client.AudienceUpdate{TokenLifetime: client.String("2d")})
	apiErr("UpdateAudience(2d)", err, http.StatusUnprocessableEntity, client.CodeInvalid)
	if err := c.DeleteAudience(ctx, second.ID); err != nil {
		t.Errorf("DeleteAudience = %v", err)
	}
	_, err = c.GetAudience(ctx, second.ID)
	apiErr("GetAudience(deleted)", err, http.StatusNotFound, client.CodeNotFound)

	// Client keys.
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k1, err := c.CreateClientKey(ctx, s.ViewerID, client.CreateClientKeyRequest{Name: "ci", PublicKey: publicPEM(t, edPub)})
	if err != nil || k1.Algorithm != "EdDSA" || k1.ServiceAccountID != s.ViewerID || !strings.HasPrefix(k1.ID, "ck_") {
		t.Fatalf("CreateClientKey = %+v, %v", k1, err)
	}
	k2, err := c.CreateClientKey(ctx, s.ViewerID, client.CreateClientKeyRequest{Name: "batch", PublicKey: publicPEM(t, &ec.PublicKey)})
	if err != nil || k2.Algorithm != "ES256" {
		t.Fatalf("CreateClientKey(P-256) = %+v, %v", k2, err)
	}
	_, err = c.CreateClientKey(ctx, s.ViewerID, client.CreateClientKeyRequest{Name: "x", PublicKey: "not a key"})
	apiErr("CreateClientKey(junk)", err, http.StatusUnprocessableEntity, client.CodeInvalid)
	// The account reads its own keys.
	keys, err := s.Client(t, s.ViewerKey).ListClientKeys(ctx, s.ViewerID)
	if err != nil || len(keys) != 2 {
		t.Errorf("ListClientKeys by the account = %+v, %v; want 2", keys, err)
	}
	if err := c.DeleteClientKey(ctx, s.ViewerID, k1.ID); err != nil {
		t.Errorf("DeleteClientKey = %v", err)
	}
	if keys, err := c.ListClientKeys(ctx, s.ViewerID); err != nil || len(keys) != 1 || keys[0].ID != k2.ID {
		t.Errorf("ListClientKeys after delete = %+v, %v; want %s", keys, err, k2.ID)
	}
	apiErr("DeleteClientKey(again)", c.DeleteClientKey(ctx, s.ViewerID, k1.ID), http.StatusNotFound, client.CodeNotFound)

	// Signing keys: the server made its first at start.
	first, err := c.ListSigningKeys(ctx)
	if err != nil || len(first) != 1 || first[0].RetiredAt != nil || !strings.HasPrefix(first[0].PublicKey, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("ListSigningKeys at start = %+v, %v; want the one signing key", first, err)
	}
	sk, err := c.RotateSigningKeys(ctx)
	if err != nil || len(sk) != 2 || sk[0].ID != first[0].ID || sk[0].RetiredAt == nil || sk[0].ExpiresAt == nil || sk[1].RetiredAt != nil {
		t.Fatalf("RotateSigningKeys = %+v, %v; want the first retired and a new one signing", sk, err)
	}
	if got, err := c.ListSigningKeys(ctx); err != nil || len(got) != 2 || got[1].ID != sk[1].ID {
		t.Errorf("ListSigningKeys = %+v, %v", got, err)
	}
	_, err = s.Client(t, s.ViewerKey).RotateSigningKeys(ctx)
	apiErr("RotateSigningKeys(viewer)", err, http.StatusForbidden, client.CodeForbidden)

	// The key policy's token lifetime.
	p, err := c.SetKeyPolicy(ctx, client.KeyPolicySettings{TokenLifetime: "20m"})
	if err != nil || p.TokenLifetime != "20m" {
		t.Errorf("SetKeyPolicy(token_lifetime) = %+v, %v", p, err)
	}
}
