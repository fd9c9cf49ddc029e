package service

import (
	"context"
	"encoding/json"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// loadKeyPolicy returns the key policy stored in settings, or the zero
// policy (which imposes nothing) when none was ever set.
func loadKeyPolicy(ctx context.Context, tx store.Tx) (signet.KeyPolicy, error) {
	var p signet.KeyPolicy
	raw, err := tx.GetSetting(ctx, signet.KeyPolicySetting)
	switch {
	case signet.ErrorCode(err) == signet.ENOTFOUND:
		return p, nil
	case err != nil:
		return p, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, signet.Internal("service.loadKeyPolicy", err)
	}
	return p, nil
}
