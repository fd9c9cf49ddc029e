package service

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

func TestKeyAllowedNetworksAtCreation(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyAllowedNetworksAtCreation)
}

func testKeyAllowedNetworksAtCreation(t *testing.T) {
	many := make([]string, signet.MaxAllowedNetworks+1)
	for i := range many {
		many[i] = fmt.Sprintf("10.%d.0.0/16", i)
	}
	tests := []struct {
		name     string
		in       []string
		want     []string
		wantCode string
		wantMsg  string
	}{
		{name: "none", in: nil, want: nil},
		{name: "v4 and v6", in: []string{"10.0.0.0/8", "2001:db8::/32"}, want: []string{"10.0.0.0/8", "2001:db8::/32"}},
		{name: "bare addresses", in: []string{" 192.0.2.7 ", "2001:db8::1"}, want: []string{"192.0.2.7/32", "2001:db8::1/128"}},
		{name: "host bits cleared", in: []string{"10.1.2.3/8"}, want: []string{"10.0.0.0/8"}},
		{name: "mapped v6 is v4", in: []string{"::ffff:10.0.0.0/104"}, want: []string{"10.0.0.0/8"}},
		{name: "bad cidr", in: []string{"10.0.0.0/8", "10.0.0.0/33"}, wantCode: signet.EINVALID, wantMsg: `allowed_networks[1]: "10.0.0.0/33" is not a network`},
		{name: "name", in: []string{"office"}, wantCode: signet.EINVALID, wantMsg: `"office" is not an IP address`},
		{name: "empty entry", in: []string{""}, wantCode: signet.EINVALID, wantMsg: "allowed_networks[0]: a network is empty"},
		{name: "zone", in: []string{"fe80::1%eth0"}, wantCode: signet.EINVALID, wantMsg: "zone"},
		{name: "duplicate once normalised", in: []string{"10.0.0.0/8", "10.9.9.9/8"}, wantCode: signet.EINVALID, wantMsg: `allowed_networks[1]: "10.9.9.9/8" is the network 10.0.0.0/8 again`},
		{name: "too many", in: many, wantCode: signet.EINVALID, wantMsg: "the limit is 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sa := e.sa()
			ck, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "k", AllowedNetworks: tt.in})
			wantCode(t, "CreateAPIKey", err, tt.wantCode)
			if err != nil {
				if !strings.Contains(signet.ErrorMessage(err), tt.wantMsg) {
					t.Errorf("CreateAPIKey error = %q; want it to say %q", signet.ErrorMessage(err), tt.wantMsg)
				}
				return
			}
			if got := signet.FormatNetworks(ck.Key.AllowedNetworks); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("created key's networks = %v; want %v", got, tt.want)
			}
			st, err := e.svc.LoadKeyState(e.ctx, ck.Key.ID)
			e.must(err)
			if got := signet.FormatNetworks(st.Key.AllowedNetworks); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("LoadKeyState networks = %v; want %v", got, tt.want)
			}
			ev := e.lastEvent()
			if got, ok := ev.Details["allowed_networks"]; len(tt.want) > 0 && (!ok || fmt.Sprint(got) != fmt.Sprint(tt.want)) {
				t.Errorf("api_key.create details allowed_networks = %v; want %v", got, tt.want)
			}
		})
	}

	t.Run("service account created with a key", func(t *testing.T) {
		e := newEnv(t)
		out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl",
			Key: &CreateKeyInput{Name: "k", AllowedNetworks: []string{"192.0.2.0/24"}}})
		e.must(err)
		if got := signet.FormatNetworks(out.Key.Key.AllowedNetworks); fmt.Sprint(got) != "[192.0.2.0/24]" {
			t.Errorf("networks = %v; want [192.0.2.0/24]", got)
		}
		_, err = e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl2",
			Key: &CreateKeyInput{Name: "k", AllowedNetworks: []string{"nope"}}})
		wantCode(t, "CreateServiceAccount(bad network)", err, signet.EINVALID)
	})
}

func TestUpdateAPIKeyNetworks(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testUpdateAPIKeyNetworks)
}

func testUpdateAPIKeyNetworks(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl", Key: &CreateKeyInput{Name: "k"}})
	e.must(err)
	keyID := out.Key.Key.ID
	nets := func(v ...string) *[]string { return &v }

	changes := e.changes
	k, err := e.svc.UpdateAPIKey(e.ctx, e.admin, keyID, APIKeyUpdate{AllowedNetworks: nets("10.1.2.3/8", "2001:db8::1")})
	e.must(err)
	if got := fmt.Sprint(signet.FormatNetworks(k.AllowedNetworks)); got != "[10.0.0.0/8 2001:db8::1/128]" {
		t.Errorf("UpdateAPIKey networks = %s; want [10.0.0.0/8 2001:db8::1/128]", got)
	}
	if k.SecretHash != ([32]byte{}) {
		t.Error("UpdateAPIKey returned the secret hash")
	}
	if e.changes == changes {
		t.Error("UpdateAPIKey did not invalidate caches (OnChange)")
	}
	ev := e.lastEvent()
	change, _ := ev.Details["allowed_networks"].(map[string]any)
	if ev.Action != "api_key.update" || ev.TargetID != keyID || fmt.Sprint(change["old"]) != "[]" || fmt.Sprint(change["new"]) != "[10.0.0.0/8 2001:db8::1/128]" {
		t.Errorf("event = %s %s %v; want api_key.update of %s from [] to the new networks", ev.Action, ev.TargetID, ev.Details, keyID)
	}
	st, err := e.svc.LoadKeyState(e.ctx, keyID)
	e.must(err)
	if len(st.Key.AllowedNetworks) != 2 || st.Key.AllowedNetworks[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("stored networks = %v", st.Key.AllowedNetworks)
	}

	// The same list again changes nothing and records nothing.
	before := len(e.events())
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, keyID, APIKeyUpdate{AllowedNetworks: nets("10.0.0.0/8", "2001:db8::1/128")})
	e.must(err)
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, keyID, APIKeyUpdate{})
	e.must(err)
	if after := len(e.events()); after != before {
		t.Errorf("events after no-op updates = %d; want %d", after, before)
	}

	tests := []struct {
		name     string
		actor    func() *signet.Actor
		key      string
		up       APIKeyUpdate
		wantCode string
	}{
		{name: "bad network", actor: func() *signet.Actor { return e.admin }, key: keyID, up: APIKeyUpdate{AllowedNetworks: nets("10.0.0.0/99")}, wantCode: signet.EINVALID},
		{name: "no permission", actor: func() *signet.Actor { return e.actorWith() }, key: keyID, up: APIKeyUpdate{AllowedNetworks: nets()}, wantCode: signet.EFORBIDDEN},
		{name: "service_accounts:write", actor: func() *signet.Actor { return e.actorWith("service_accounts:write") }, key: keyID, up: APIKeyUpdate{AllowedNetworks: nets("10.0.0.0/8")}},
		{name: "unknown key", actor: func() *signet.Actor { return e.admin }, key: "key_nope", up: APIKeyUpdate{AllowedNetworks: nets()}, wantCode: signet.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.UpdateAPIKey(e.ctx, tt.actor(), tt.key, tt.up)
			wantCode(t, "UpdateAPIKey", err, tt.wantCode)
		})
	}

	// An empty list clears it.
	k, err = e.svc.UpdateAPIKey(e.ctx, e.admin, keyID, APIKeyUpdate{AllowedNetworks: nets()})
	e.must(err)
	if len(k.AllowedNetworks) != 0 {
		t.Errorf("cleared networks = %v; want none", k.AllowedNetworks)
	}

	// Under a policy requiring allowlists, a service-account key's list
	// may change but not be cleared.
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, keyID, APIKeyUpdate{AllowedNetworks: nets("192.0.2.0/24")})
	e.must(err)
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{RequireNetworkAllowlist: true})
	e.must(err)
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, keyID, APIKeyUpdate{AllowedNetworks: nets()})
	wantCode(t, "UpdateAPIKey(clear) under a policy requiring allowlists", err, signet.EINVALID)
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, keyID, APIKeyUpdate{AllowedNetworks: nets("198.51.100.0/24")})
	e.must(err)
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{})
	e.must(err)

	// A key may narrow its own allowlist, never widen or clear it.
	bob := e.actorWith()
	pk, err := e.svc.CreateAPIKey(e.ctx, bob, bob.UserID, CreateKeyInput{Name: "mine", AllowedNetworks: []string{"10.0.0.0/8"}})
	e.must(err)
	self := *bob
	self.KeyID = pk.Key.ID
	for _, tc := range []struct {
		nets []string
		want string
	}{
		{[]string{"10.0.0.0/8", "192.0.2.0/24"}, signet.EFORBIDDEN},
		{[]string{"0.0.0.0/0"}, signet.EFORBIDDEN},
		{[]string{}, signet.EFORBIDDEN},
		{[]string{"10.1.0.0/16", "10.2.0.1"}, ""},
		{[]string{"10.0.0.0/8"}, signet.EFORBIDDEN}, // wider than 10.1.0.0/16 and 10.2.0.1 now
	} {
		_, err := e.svc.UpdateAPIKey(e.ctx, &self, pk.Key.ID, APIKeyUpdate{AllowedNetworks: &tc.nets})
		wantCode(t, fmt.Sprintf("UpdateAPIKey(own key, %v)", tc.nets), err, tc.want)
	}
	// Its owner, signed in, may widen it.
	_, err = e.svc.UpdateAPIKey(e.ctx, bob, pk.Key.ID, APIKeyUpdate{AllowedNetworks: nets()})
	wantCode(t, "UpdateAPIKey(owner clears)", err, "")
	// Another human's personal key needs api_keys:write.
	_, err = e.svc.UpdateAPIKey(e.ctx, e.actorWith("service_accounts:write"), pk.Key.ID, APIKeyUpdate{AllowedNetworks: nets("10.0.0.0/8")})
	wantCode(t, "UpdateAPIKey(other's personal key by SA manager)", err, signet.EFORBIDDEN)
	_, err = e.svc.UpdateAPIKey(e.ctx, e.actorWith("api_keys:write"), pk.Key.ID, APIKeyUpdate{AllowedNetworks: nets("10.0.0.0/8")})
	wantCode(t, "UpdateAPIKey(other's personal key with api_keys:write)", err, "")
}
