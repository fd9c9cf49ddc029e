package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
)

// Settings → Key policy: the organisation's rules for API keys
// (signet.KeyPolicy) and the keys that break them. Reading needs
// settings:read organisation-wide, changing settings:write; the summary
// of non-compliant keys lists those the viewer may see.

// keyPolicyForm is what the form holds: the policy's fields as typed, or
// as posted when the service refused them.
type keyPolicyForm struct {
	MaxSA, MaxPersonal, DefaultGrace, MaxGrace, Unused string // durations; "" for none
	TokenLifetime                                      string // duration; "" for the default
	Warnings                                           string // comma-separated; "" for the defaults
	EnforceFrom                                        string // "2006-01-02T15:04" in UTC; "" for never
	MaxKeys                                            string // "" for no bound
	RequireExpiry, RequireAllowlist                    bool
	Error                                              string
}

// enforceLayout is the form's time: what <input type="datetime-local">
// sends, read as UTC.
const enforceLayout = "2006-01-02T15:04"

func keyPolicyFormOf(p *signet.KeyPolicy) keyPolicyForm {
	d := func(v time.Duration) string {
		if v == 0 {
			return ""
		}
		return signet.FormatDuration(v)
	}
	f := keyPolicyForm{MaxSA: d(p.MaxLifetimeServiceAccount), MaxPersonal: d(p.MaxLifetimePersonal),
		DefaultGrace: d(p.DefaultRotationGrace), MaxGrace: d(p.MaxRotationGrace), Unused: d(p.DisableUnusedAfter),
		TokenLifetime: d(p.TokenLifetime), RequireExpiry: p.RequireExpiry, RequireAllowlist: p.RequireNetworkAllowlist}
	if p.MaxActiveKeysPerAccount > 0 {
		f.MaxKeys = strconv.Itoa(p.MaxActiveKeysPerAccount)
	}
	var ws []string
	for _, w := range p.ExpiryWarnings {
		ws = append(ws, signet.FormatDuration(w))
	}
	f.Warnings = strings.Join(ws, ", ")
	if p.EnforceFrom != nil {
		f.EnforceFrom = p.EnforceFrom.UTC().Format(enforceLayout)
	}
	return f
}

// keyPolicyFormFrom reads the posted form.
func keyPolicyFormFrom(r *http.Request) keyPolicyForm {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	return keyPolicyForm{MaxSA: v("max_lifetime_service_account"), MaxPersonal: v("max_lifetime_personal"),
		DefaultGrace: v("default_rotation_grace"), MaxGrace: v("max_rotation_grace"), Unused: v("disable_unused_after"),
		TokenLifetime: v("token_lifetime"), Warnings: v("expiry_warnings"), EnforceFrom: v("enforce_from"), MaxKeys: v("max_active_keys_per_account"),
		RequireExpiry: r.PostFormValue("require_expiry") == "true", RequireAllowlist: r.PostFormValue("require_network_allowlist") == "true"}
}

// policy turns the form into a policy; EINVALID naming the field (by its
// label) when a value cannot be read. The service validates the rest.
func (f keyPolicyForm) policy() (signet.KeyPolicy, error) {
	p := signet.KeyPolicy{RequireExpiry: f.RequireExpiry, RequireNetworkAllowlist: f.RequireAllowlist}
	for _, d := range []struct {
		label, v string
		to       *time.Duration
	}{
		{"Maximum lifetime of service-account keys", f.MaxSA, &p.MaxLifetimeServiceAccount},
		{"Maximum lifetime of personal keys", f.MaxPersonal, &p.MaxLifetimePersonal},
		{"Default rotation grace", f.DefaultGrace, &p.DefaultRotationGrace},
		{"Maximum rotation grace", f.MaxGrace, &p.MaxRotationGrace},
		{"Disable keys unused for", f.Unused, &p.DisableUnusedAfter},
		{"Access token lifetime", f.TokenLifetime, &p.TokenLifetime},
	} {
		if d.v == "" {
			continue
		}
		v, err := signet.ParseDuration(d.v)
		if err != nil {
			return p, signet.Errorf(signet.EINVALID, "%s: %s", d.label, signet.ErrorMessage(err))
		}
		*d.to = v
	}
	if f.MaxKeys != "" {
		n, err := strconv.Atoi(f.MaxKeys)
		if err != nil {
			return p, signet.Errorf(signet.EINVALID, "Maximum active keys per account must be a whole number, such as 5, or empty for no bound")
		}
		p.MaxActiveKeysPerAccount = n
	}
	if f.Warnings != "" {
		for _, w := range strings.Split(f.Warnings, ",") {
			d, err := signet.ParseDuration(strings.TrimSpace(w))
			if err != nil {
				return p, signet.Errorf(signet.EINVALID, "Expiry warnings: %s", signet.ErrorMessage(err))
			}
			p.ExpiryWarnings = append(p.ExpiryWarnings, d)
		}
	}
	if f.EnforceFrom != "" {
		t, err := time.Parse(enforceLayout, f.EnforceFrom)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, f.EnforceFrom); err != nil {
				return p, signet.Errorf(signet.EINVALID, "Enforce from must be a date and time such as 2027-01-01T00:00 (UTC), or empty to only report keys that break the policy")
			}
		}
		t = t.UTC()
		p.EnforceFrom = &t
	}
	return p, nil
}

type keyPolicyView struct {
	base
	Policy   *signet.KeyPolicy
	Form     keyPolicyForm
	CanWrite bool
	Enforced bool
	// ShowKeys says whether the viewer may list keys; NonCompliant is
	// the first page of those that break the policy, More whether there
	// are others.
	ShowKeys     bool
	NonCompliant []keyView
	More         bool
}

func (s *server) keyPolicyView(r *http.Request, c *reqCtx) (*keyPolicyView, error) {
	ctx := r.Context()
	p, err := s.svc.GetKeyPolicy(ctx, c.actor)
	if err != nil {
		return nil, err
	}
	now := s.now()
	v := &keyPolicyView{base: c.base("Key policy", "key-policy", r), Policy: p, Form: keyPolicyFormOf(p),
		CanWrite: c.me.Can("settings:write"), Enforced: p.Enforced(now)}
	f := signet.APIKeyFilter{NonCompliant: true}
	switch {
	case c.me.Can("api_keys:read"):
		v.ShowKeys = true // every kind
	case c.me.Can("service_accounts:read"):
		v.ShowKeys, f.Kind = true, signet.KeyKindServiceAccount
	}
	if v.ShowKeys {
		keys, next, err := s.svc.ListAPIKeys(ctx, c.actor, f)
		if err != nil {
			return nil, err
		}
		n, err := s.userNames(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			v.NonCompliant = append(v.NonCompliant, newKeyView(k, n, now))
		}
		v.More = next != ""
	}
	return v, nil
}

func (s *server) keyPolicyPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.keyPolicyView(r, c)
	return s.renderView(w, r, "key_policy.html", v, err)
}

// setKeyPolicy saves the form, or renders it again with the service's
// message and what was typed.
func (s *server) setKeyPolicy(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := keyPolicyFormFrom(r)
	p, err := f.policy()
	if err == nil {
		_, err = s.svc.SetKeyPolicy(r.Context(), c.actor, p)
	}
	if err == nil {
		redirect(w, r, "/settings/key-policy", "saved")
		return nil
	}
	if signet.ErrorCode(err) == signet.EFORBIDDEN {
		return err
	}
	v, verr := s.keyPolicyView(r, c)
	if verr != nil {
		return verr
	}
	f.Error = s.message(r, err)
	v.Form = f
	s.render(w, r, statusFor(err), "key_policy.html", v)
	return nil
}
