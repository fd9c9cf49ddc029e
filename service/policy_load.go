package service

import (
	"context"
	"encoding/json"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// loadKeyPolicy returns the key policy stored in the settings
// (signet.KeyPolicySetting), read in tx; the zero value, which imposes
// nothing, when none is stored. A stored policy that does not decode is
// EINTERNAL: it was written by Signet, so it is a bug or a damaged
// database, not the caller's fault.
func loadKeyPolicy(ctx context.Context, tx store.Tx) (signet.KeyPolicy, error) {
	raw, err := tx.GetSetting(ctx, signet.KeyPolicySetting)
	switch {
	case signet.ErrorCode(err) == signet.ENOTFOUND:
		return signet.KeyPolicy{}, nil
	case err != nil:
		return signet.KeyPolicy{}, err
	}
	var p signet.KeyPolicy
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return signet.KeyPolicy{}, signet.Internal("service.loadKeyPolicy", err)
	}
	return p, nil
}
