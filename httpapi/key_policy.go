package httpapi

import (
	"net/http"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

func (s *server) getKeyPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.GetKeyPolicy(r.Context(), actor(r))
	return reply(w, http.StatusOK, p, err, keyPolicyJSON)
}

func (s *server) setKeyPolicy(w http.ResponseWriter, r *http.Request) error {
	var in client.KeyPolicySettings
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	p, err := keyPolicyInput(&in)
	if err != nil {
		return err
	}
	out, err := s.svc.SetKeyPolicy(r.Context(), actor(r), p)
	return reply(w, http.StatusOK, out, err, keyPolicyJSON)
}

// keyPolicyInput reads a policy's settings: durations in
// signet.ParseDuration's syntax, "" or "0" for none. The service validates
// the whole.
func keyPolicyInput(in *client.KeyPolicySettings) (signet.KeyPolicy, error) {
	p := signet.KeyPolicy{
		RequireExpiry:           in.RequireExpiry,
		RequireNetworkAllowlist: in.RequireNetworkAllowlist,
		MaxActiveKeysPerAccount: in.MaxActiveKeysPerAccount,
		EnforceFrom:             in.EnforceFrom,
	}
	for _, d := range []struct {
		field string
		v     string
		to    *time.Duration
	}{
		{"max_lifetime_service_account", in.MaxLifetimeServiceAccount, &p.MaxLifetimeServiceAccount},
		{"max_lifetime_personal", in.MaxLifetimePersonal, &p.MaxLifetimePersonal},
		{"default_rotation_grace", in.DefaultRotationGrace, &p.DefaultRotationGrace},
		{"max_rotation_grace", in.MaxRotationGrace, &p.MaxRotationGrace},
		{"disable_unused_after", in.DisableUnusedAfter, &p.DisableUnusedAfter},
		{"token_lifetime", in.TokenLifetime, &p.TokenLifetime},
	} {
		if d.v == "" {
			continue
		}
		v, err := signet.ParseDuration(d.v)
		if err != nil {
			return p, signet.FieldErrorf(d.field, signet.EINVALID, "field %q: %s", d.field, signet.ErrorMessage(err))
		}
		*d.to = v
	}
	if in.ExpiryWarnings != nil {
		p.ExpiryWarnings = make([]time.Duration, len(in.ExpiryWarnings))
		for i, v := range in.ExpiryWarnings {
			d, err := signet.ParseDuration(v)
			if err != nil {
				return p, signet.Errorf(signet.EINVALID, "field %q: %s", "expiry_warnings", signet.ErrorMessage(err))
			}
			p.ExpiryWarnings[i] = d
		}
	}
	return p, nil
}

// keyPolicyJSON is the wire form of a policy: every duration written out,
// "0" for none.
func keyPolicyJSON(p *signet.KeyPolicy) client.KeyPolicy {
	out := client.KeyPolicy{
		KeyPolicySettings: client.KeyPolicySettings{
			MaxLifetimeServiceAccount: policyDurationJSON(p.MaxLifetimeServiceAccount),
			MaxLifetimePersonal:       policyDurationJSON(p.MaxLifetimePersonal),
			RequireExpiry:             p.RequireExpiry,
			RequireNetworkAllowlist:   p.RequireNetworkAllowlist,
			MaxActiveKeysPerAccount:   p.MaxActiveKeysPerAccount,
			DefaultRotationGrace:      policyDurationJSON(p.DefaultRotationGrace),
			MaxRotationGrace:          policyDurationJSON(p.MaxRotationGrace),
			DisableUnusedAfter:        policyDurationJSON(p.DisableUnusedAfter),
			TokenLifetime:             policyDurationJSON(p.TokenLifetime),
			EnforceFrom:               p.EnforceFrom,
		},
		UpdatedBy: p.UpdatedBy,
	}
	if p.ExpiryWarnings != nil { // null: the defaults
		out.ExpiryWarnings = mapSlice(p.ExpiryWarnings, policyDurationJSON)
	}
	if !p.UpdatedAt.IsZero() {
		t := p.UpdatedAt.UTC()
		out.UpdatedAt = &t
	}
	return out
}

func policyDurationJSON(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return signet.FormatDuration(d)
}

// violationsJSON is the wire form of a key's violations; nil when none.
func violationsJSON(vs []signet.Violation) []client.Violation {
	if len(vs) == 0 {
		return nil
	}
	return mapSlice(vs, func(v signet.Violation) client.Violation { return client.Violation{Rule: v.Rule, Message: v.Message} })
}
