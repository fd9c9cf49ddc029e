package signet_test

import (
	"net/netip"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
)

func TestParseAllowedNetwork(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "10.0.0.0/8", want: "10.0.0.0/8"},
		{in: "10.1.2.3/8", want: "10.0.0.0/8"},
		{in: " 192.0.2.1 ", want: "192.0.2.1/32"},
		{in: "2001:db8::/32", want: "2001:db8::/32"},
		{in: "2001:DB8::1", want: "2001:db8::1/128"},
		{in: "::ffff:10.0.0.0/104", want: "10.0.0.0/8"},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1/32"},
		{in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{in: "", wantErr: "empty"},
		{in: "10.0.0.0/33", wantErr: `"10.0.0.0/33" is not a network`},
		{in: "10.0.0.256", wantErr: `"10.0.0.256" is not an IP address`},
		{in: "fe80::1%eth0", wantErr: "zone"},
		{in: "10.0.0.1:80", wantErr: "not an IP address"},
	}
	for _, tt := range tests {
		got, err := signet.ParseAllowedNetwork(tt.in)
		switch {
		case tt.wantErr != "":
			if signet.ErrorCode(err) != signet.EINVALID || !strings.Contains(signet.ErrorMessage(err), tt.wantErr) {
				t.Errorf("ParseAllowedNetwork(%q) = %v, %v; want EINVALID saying %q", tt.in, got, err, tt.wantErr)
			}
		case err != nil || got.String() != tt.want:
			t.Errorf("ParseAllowedNetwork(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestNetworksAllow(t *testing.T) {
	nets, err := signet.ParseAllowedNetworks("allowed_networks", []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"10.0.0.1", true},
		{"10.255.255.255", true},
		{"11.0.0.0", false},
		{"192.0.2.7", true},
		{"192.0.2.8", false},
		{"2001:db8::1", true},
		{"2001:db9::1", false},
		{"::ffff:10.1.1.1", true},
		{"::ffff:11.1.1.1", false},
		{"", false},
		{"junk", false},
		{"10.0.0.1:443", false},
	}
	for _, tt := range tests {
		if got := signet.NetworksAllow(nets, tt.addr); got != tt.want {
			t.Errorf("NetworksAllow(%v, %q) = %v; want %v", nets, tt.addr, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { signet.NetworksAllow(nets, "2001:db8::1") }); n != 0 {
		t.Errorf("NetworksAllow allocates %.0f times; want 0", n)
	}
	if signet.NetworksAllow([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, "2001:db8::1") {
		t.Error("0.0.0.0/0 admits an IPv6 address; want IPv4 only")
	}
}

func TestParseAllowedNetworksList(t *testing.T) {
	if got, err := signet.ParseAllowedNetworks("f", nil); got != nil || err != nil {
		t.Errorf("ParseAllowedNetworks(nil) = %v, %v; want nil, nil", got, err)
	}
	_, err := signet.ParseAllowedNetworks("allowed_networks", []string{"192.0.2.1", "192.0.2.1/32"})
	if msg := signet.ErrorMessage(err); !strings.Contains(msg, `allowed_networks[1]: "192.0.2.1/32" is the network 192.0.2.1/32 again`) {
		t.Errorf("duplicate: %v", err)
	}
	_, err = signet.ParseAllowedNetworks("allowed_networks", []string{"10.0.0.0/8", "bad"})
	if msg := signet.ErrorMessage(err); !strings.Contains(msg, `allowed_networks[1]: "bad"`) {
		t.Errorf("bad entry: %v; want the field, index and value named", err)
	}
}

// BenchmarkNetworksAllow is what a key with an allowlist adds to a cached
// verification: parsing the caller's address and comparing it with the
// key's networks (3 here, the match last).
func BenchmarkNetworksAllow(b *testing.B) {
	nets, _ := signet.ParseAllowedNetworks("n", []string{"192.0.2.0/24", "2001:db8::/32", "10.0.0.0/8"})
	for _, addr := range []string{"10.1.2.3", "2001:db8::7", "::ffff:10.1.2.3"} {
		b.Run(addr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !signet.NetworksAllow(nets, addr) {
					b.Fatal("refused")
				}
			}
		})
	}
}
