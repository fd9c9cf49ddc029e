package service

import (
	"context"
	"encoding/json"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// loadKeyPolicy returns the organisation's key policy as stored in tx; the
// zero policy (no rules) when none has been set.
func loadKeyPolicy(ctx context.Context, tx store.Tx) (signet.KeyPolicy, error) {
	var p signet.KeyPolicy
	v, err := tx.GetSetting(ctx, signet.KeyPolicySetting)
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return p, signet.Internal("service.loadKeyPolicy", err)
	}
	return p, nil
}
