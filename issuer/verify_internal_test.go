package issuer

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// TestRetiredKeyAfterOverlap: a token signed by a retired key is refused
// once the key's overlap has ended — whatever the token's own expiry — and
// the key is no longer in the JWKS; before then both hold.
func TestRetiredKeyAfterOverlap(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	retired, ends := now.Add(-time.Hour), now.Add(time.Minute)
	st := &service.TokenIssuerState{
		SigningKeys: []service.LoadedSigningKey{{Key: &signet.SigningKey{ID: "sig_old", Algorithm: signet.AlgEdDSA,
			RetiredAt: &retired, ExpiresAt: &ends}, Public: pub, Signer: priv}},
		Audiences: map[string]*signet.Audience{"billing": {Identifier: "billing"}},
		Revoked:   map[string]time.Time{},
	}
	// A state whose signer is the retired key, to mint with it.
	mint, err := newState(1, now, &service.TokenIssuerState{SigningKeys: []service.LoadedSigningKey{{
		Key: &signet.SigningKey{ID: "sig_old", Algorithm: signet.AlgEdDSA}, Public: pub, Signer: priv}}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := mint.sign(&Claims{Issuer: "https://signet.test", Subject: "sa_x", Audience: "billing", ID: "at_x",
		IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(24 * time.Hour).Unix(), Credential: "ck_x"})
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	i := New(Config{Issuer: "https://signet.test", Now: func() time.Time { return clock }, Backend: activeCredentials{}})
	s, err := newState(1, clock, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.verify(context.Background(), s, tok); err != nil {
		t.Fatalf("within the overlap: %v; want the token to verify", err)
	}
	if s.until != ends {
		t.Fatalf("state reload at %v; want at the key's end %v", s.until, ends)
	}
	clock = ends
	_, err = i.verify(context.Background(), s, tok)
	if e, ok := err.(errInactive); !ok || e.why != "not signed by a published key" {
		t.Fatalf("after the overlap: %v; want it refused as not signed by a published key", err)
	}
}

// activeCredentials says every client key is active.
type activeCredentials struct{ Backend }

func (activeCredentials) LoadClientAssertionState(context.Context, string, string) (*service.ClientAssertionState, error) {
	return &service.ClientAssertionState{Account: &signet.User{Status: signet.StatusActive}}, nil
}
