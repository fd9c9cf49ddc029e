package httpedge

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func prefixes(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

func request(remote string, xff ...string) *http.Request {
	r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	return r
}

func TestClient(t *testing.T) {
	// A proxy on 10.0.0.0/8 and one on 2001:db8:1::/48, and a single
	// load balancer 192.0.2.10.
	trusted := NewClientAddr(prefixes("10.0.0.0/8", "2001:db8:1::/48", "192.0.2.10/32"))
	tests := []struct {
		name   string
		c      *ClientAddr
		remote string
		xff    []string
		realIP string
		want   string
	}{
		// No trusted proxies: the peer, whatever the headers say.
		{"no proxy", nil, "203.0.113.5:4000", nil, "", "203.0.113.5"},
		{"no proxy, spoofed XFF", nil, "203.0.113.5:4000", []string{"198.51.100.1"}, "", "203.0.113.5"},
		{"no proxy, spoofed X-Real-IP", nil, "203.0.113.5:4000", nil, "198.51.100.1", "203.0.113.5"},
		{"empty rule, spoofed XFF", NewClientAddr(nil), "203.0.113.5:4000", []string{"198.51.100.1"}, "", "203.0.113.5"},
		{"no proxy, IPv6 peer", nil, "[2001:db8::7]:4000", []string{"198.51.100.1"}, "", "2001:db8::7"},
		{"no proxy, mapped peer", nil, "[::ffff:203.0.113.5]:4000", nil, "", "203.0.113.5"},
		{"no proxy, zone", nil, "[fe80::1%eth0]:4000", nil, "", "fe80::1"},
		{"no proxy, no port", nil, "203.0.113.5", nil, "", "203.0.113.5"},
		{"unknown peer", nil, "@", nil, "", ""},
		{"empty peer", trusted, "", []string{"198.51.100.1"}, "", ""},

		// An untrusted peer behind a trusted rule: still the peer.
		{"untrusted peer", trusted, "203.0.113.5:4000", []string{"198.51.100.1"}, "", "203.0.113.5"},
		{"untrusted peer next to trusted", trusted, "192.0.2.11:1", []string{"198.51.100.1"}, "", "192.0.2.11"},

		// A trusted peer: the right-most untrusted entry.
		{"trusted, no header", trusted, "10.1.2.3:80", nil, "", "10.1.2.3"},
		{"trusted, no header, X-Real-IP ignored", trusted, "10.1.2.3:80", nil, "198.51.100.1", "10.1.2.3"},
		{"one hop", trusted, "10.1.2.3:80", []string{"198.51.100.1"}, "", "198.51.100.1"},
		{"one hop, X-Real-IP ignored", trusted, "10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.99", "198.51.100.1"},
		{"spoofed left entries", trusted, "10.1.2.3:80", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, "", "198.51.100.1"},
		{"spoofed trusted-looking left entry", trusted, "10.1.2.3:80", []string{"10.9.9.9, 198.51.100.1"}, "", "198.51.100.1"},
		{"many trusted hops", trusted, "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1, 192.0.2.10, 10.0.0.9,10.0.0.8"}, "", "198.51.100.1"},
		{"hops across lines", trusted, "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1", "192.0.2.10", "10.0.0.9"}, "", "198.51.100.1"},
		{"client on an earlier line", trusted, "10.1.2.3:80", []string{"198.51.100.1", "10.0.0.7, 10.0.0.8"}, "", "198.51.100.1"},
		{"IPv6 client", trusted, "[2001:db8:1::5]:80", []string{"2001:DB8:0:0::77"}, "", "2001:db8::77"},
		{"IPv6 proxy, IPv4 client", trusted, "[2001:db8:1::5]:80", []string{"198.51.100.1, 2001:db8:1::6"}, "", "198.51.100.1"},
		{"mapped trusted peer", trusted, "[::ffff:10.1.2.3]:80", []string{"198.51.100.1"}, "", "198.51.100.1"},
		{"mapped entry", trusted, "10.1.2.3:80", []string{"::ffff:198.51.100.1"}, "", "198.51.100.1"},
		{"mapped trusted entry skipped", trusted, "10.1.2.3:80", []string{"198.51.100.1, ::ffff:10.0.0.2"}, "", "198.51.100.1"},
		{"entry with port", trusted, "10.1.2.3:80", []string{"198.51.100.1:5555"}, "", "198.51.100.1"},
		{"IPv6 entry with port", trusted, "10.1.2.3:80", []string{"[2001:db8::9]:5555"}, "", "2001:db8::9"},
		{"entry with zone", trusted, "10.1.2.3:80", []string{"fe80::1%eth0"}, "", "fe80::1"},
		{"spaces and tabs", trusted, "10.1.2.3:80", []string{" 1.1.1.1 ,\t198.51.100.1\t"}, "", "198.51.100.1"},

		// Every entry trusted: the left-most.
		{"all trusted", trusted, "10.1.2.3:80", []string{"10.0.0.1, 192.0.2.10, 10.0.0.2"}, "", "10.0.0.1"},

		// Junk stops the walk at the last trusted hop.
		{"junk right-most", trusted, "10.1.2.3:80", []string{"198.51.100.1, unknown"}, "", "10.1.2.3"},
		{"junk after a trusted hop", trusted, "10.1.2.3:80", []string{"198.51.100.1, garbage, 10.0.0.5"}, "", "10.0.0.5"},
		{"empty entry", trusted, "10.1.2.3:80", []string{"198.51.100.1,,10.0.0.5"}, "", "10.0.0.5"},
		{"trailing comma", trusted, "10.1.2.3:80", []string{"198.51.100.1,"}, "", "10.1.2.3"},
		{"empty header", trusted, "10.1.2.3:80", []string{""}, "", "10.1.2.3"},
		{"leading zeros", trusted, "10.1.2.3:80", []string{"198.051.100.1"}, "", "10.1.2.3"},
		{"host name", trusted, "10.1.2.3:80", []string{"evil.example"}, "", "10.1.2.3"},
		{"bracketed without port", trusted, "10.1.2.3:80", []string{"[2001:db8::9]"}, "", "10.1.2.3"},
		{"obfuscated (RFC 7239)", trusted, "10.1.2.3:80", []string{"_hidden"}, "", "10.1.2.3"},
		{"junk on an earlier line", trusted, "10.1.2.3:80", []string{"junk", "10.0.0.5"}, "", "10.0.0.5"},
	}
	for _, tt := range tests {
		r := request(tt.remote, tt.xff...)
		if tt.realIP != "" {
			r.Header.Set("X-Real-Ip", tt.realIP)
		}
		r.Header.Set("Forwarded", "for=198.51.100.200")
		if got := tt.c.Client(r); got != tt.want {
			t.Errorf("%s: Client(RemoteAddr %q, X-Forwarded-For %q) = %q; want %q", tt.name, tt.remote, tt.xff, got, tt.want)
		}
		if got, want := tt.c.Client(r), reference(tt.c, r); got != want {
			t.Errorf("%s: Client = %q; the reference rule gives %q", tt.name, got, want)
		}
	}
}

func TestPeer(t *testing.T) {
	c := NewClientAddr(prefixes("0.0.0.0/0"))
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.1:80", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1"},
		{"[2001:db8::1]:80", "2001:db8::1"},
		{"[fe80::1%eth0]:80", "fe80::1"},
		{"192.0.2.1", "192.0.2.1"},
		{"", "invalid IP"},
		{"nonsense:80", "invalid IP"},
	} {
		r := request(tt.remote, "198.51.100.1")
		if got := c.Peer(r).String(); got != tt.want {
			t.Errorf("Peer(RemoteAddr %q) = %s; want %s", tt.remote, got, tt.want)
		}
	}
}

func TestNewClientAddrNormalises(t *testing.T) {
	c := NewClientAddr([]netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104"), netip.MustParsePrefix("192.0.2.77/24"), {}})
	if got := c.Trusted(); len(got) != 2 || got[0].String() != "10.0.0.0/8" || got[1].String() != "192.0.2.0/24" {
		t.Fatalf("Trusted() = %v; want [10.0.0.0/8 192.0.2.0/24]", got)
	}
	if got := c.Client(request("10.1.1.1:1", "198.51.100.1")); got != "198.51.100.1" {
		t.Errorf("behind a mapped trusted prefix: Client = %q; want 198.51.100.1", got)
	}
	if (*ClientAddr)(nil).Trusted() != nil {
		t.Error("nil rule trusts something")
	}
}

// TestClientAllocations: an IPv4 peer that is not a trusted proxy (every
// request without proxies) costs no allocation.
func TestClientAllocations(t *testing.T) {
	c := NewClientAddr(prefixes("10.0.0.0/8"))
	r := request("203.0.113.5:4000", "198.51.100.1")
	if n := testing.AllocsPerRun(100, func() { c.Client(r) }); n != 0 {
		t.Errorf("Client allocates %v times per request from an untrusted IPv4 peer; want 0", n)
	}
}

// reference is the rule of ClientAddr written the plain way, to check the
// allocation-free walk against.
func reference(c *ClientAddr, r *http.Request) string {
	peer := c.Peer(r)
	if !peer.IsValid() {
		return ""
	}
	if !c.trusts(peer) {
		return peer.String()
	}
	entries := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	if len(r.Header.Values("X-Forwarded-For")) == 0 {
		entries = nil
	}
	last := peer
	for i := len(entries) - 1; i >= 0; i-- {
		a, ok := parseEntry(entries[i])
		if !ok {
			break
		}
		if !c.trusts(a) {
			return a.String()
		}
		last = a
	}
	return last.String()
}

func FuzzClient(f *testing.F) {
	f.Add("10.0.0.1:80", "198.51.100.1, 10.0.0.2", "")
	f.Add("203.0.113.5:1", "1.1.1.1", "2.2.2.2")
	f.Add("[::ffff:10.0.0.1]:80", "junk,, 10.0.0.3", "[2001:db8::1]:9")
	f.Add("[2001:db8:1::1]:80", "2001:db8:1::2,fe80::1%lo", "")
	f.Add("", "1.1.1.1", "")
	c := NewClientAddr(prefixes("10.0.0.0/8", "2001:db8:1::/48", "127.0.0.1/32"))
	f.Fuzz(func(t *testing.T, remote, xff1, xff2 string) {
		r := request(remote, xff1, xff2)
		got := c.Client(r)
		if want := reference(c, r); got != want {
			t.Fatalf("Client(%q, %q, %q) = %q; reference %q", remote, xff1, xff2, got, want)
		}
		peer := c.Peer(r)
		if !peer.IsValid() {
			if got != "" {
				t.Fatalf("Client = %q for an unknown peer %q", got, remote)
			}
			return
		}
		a, err := netip.ParseAddr(got)
		if err != nil || a.String() != got || a.Is4In6() || a.Zone() != "" {
			t.Fatalf("Client(%q, …) = %q: not a canonical address", remote, got)
		}
		// Headers never matter without a trusted peer.
		if !c.trusts(peer) && a != peer {
			t.Fatalf("untrusted peer %s: Client = %q", peer, got)
		}
		if (*ClientAddr)(nil).Client(r) != peer.String() {
			t.Fatalf("nil rule: Client = %q; want the peer %s", (*ClientAddr)(nil).Client(r), peer)
		}
		// The answer is the peer or an address the headers name.
		if a != peer {
			named := false
			for _, e := range strings.Split(xff1+","+xff2, ",") {
				if b, ok := parseEntry(e); ok && b == a {
					named = true
				}
			}
			if !named {
				t.Fatalf("Client(%q, %q, %q) = %q: neither the peer nor a forwarded entry", remote, xff1, xff2, got)
			}
		}
	})
}

func BenchmarkClient(b *testing.B) {
	c := NewClientAddr(prefixes("10.0.0.0/8", "192.0.2.10/32"))
	for _, bb := range []struct {
		name string
		r    *http.Request
	}{
		{"untrusted IPv4 peer", request("203.0.113.5:4000", "198.51.100.1")},
		{"untrusted IPv6 peer", request("[2001:db8::5]:4000")},
		{"behind two trusted proxies", request("10.1.2.3:80", "1.1.1.1, 198.51.100.1, 192.0.2.10")},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Client(bb.r)
			}
		})
	}
}
