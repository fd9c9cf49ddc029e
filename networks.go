package signet

import (
	"net/netip"
	"strings"
)

// MaxAllowedNetworks is the most networks one key's allowlist may hold.
const MaxAllowedNetworks = 100

// ParseAllowedNetworks is the one rule for a key's network allowlist
// (APIKey.AllowedNetworks): each entry is a CIDR ("10.0.0.0/8",
// "2001:db8::/32") or a bare address, which means that one address (/32
// or /128). Entries are normalised: the host bits are cleared
// (10.1.2.3/8 is 10.0.0.0/8) and an IPv4-mapped IPv6 network
// (::ffff:10.0.0.0/104) is written as the IPv4 network it is, since
// callers' addresses are compared unmapped. At most MaxAllowedNetworks,
// no empty entry, no zone, no entry that repeats another once normalised.
// field names the input in messages ("allowed_networks"). nil or empty
// input gives nil: no allowlist. Returns EINVALID.
func ParseAllowedNetworks(field string, in []string) ([]netip.Prefix, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > MaxAllowedNetworks {
		return nil, FieldErrorf(field, EINVALID, "%s holds %d networks; the limit is %d (use wider networks)", field, len(in), MaxAllowedNetworks)
	}
	out := make([]netip.Prefix, 0, len(in))
	for i, s := range in {
		p, err := ParseAllowedNetwork(s)
		if err != nil {
			return nil, FieldErrorf(field, EINVALID, "%s[%d]: %s", field, i, ErrorMessage(err))
		}
		for j, q := range out {
			if q == p {
				return nil, FieldErrorf(field, EINVALID, "%s[%d]: %q is the network %s again (as %s[%d] %q); list each network once", field, i, strings.TrimSpace(s), p, field, j, strings.TrimSpace(in[j]))
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// ParseAllowedNetwork parses one allowlist entry by the rule of
// ParseAllowedNetworks. Returns EINVALID naming the value.
func ParseAllowedNetwork(s string) (netip.Prefix, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return netip.Prefix{}, Errorf(EINVALID, "a network is empty; write a CIDR such as 10.0.0.0/8 or 2001:db8::/32, or an address")
	}
	if strings.Contains(v, "%") {
		return netip.Prefix{}, Errorf(EINVALID, "%q carries a zone (%%…); write the network without it, such as fe80::/10", v)
	}
	var p netip.Prefix
	if strings.Contains(v, "/") {
		var err error
		if p, err = netip.ParsePrefix(v); err != nil {
			return netip.Prefix{}, Errorf(EINVALID, "%q is not a network: write a CIDR such as 10.0.0.0/8 or 2001:db8::/32, or an address", v)
		}
	} else {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return netip.Prefix{}, Errorf(EINVALID, "%q is not an IP address or network: write a CIDR such as 10.0.0.0/8 or 2001:db8::/32, or an address", v)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	return NormalizeNetwork(p), nil
}

// NormalizeNetwork returns p with its host bits cleared and, for an
// IPv4-mapped IPv6 network of at least /96, as the IPv4 network it is.
func NormalizeNetwork(p netip.Prefix) netip.Prefix {
	a, bits := p.Addr(), p.Bits()
	if a.Is4In6() && bits >= 96 {
		a, bits = a.Unmap(), bits-96
	}
	return netip.PrefixFrom(a.WithZone(""), bits).Masked()
}

// NetworksAllow reports whether addr (the caller's address in the text form
// the HTTP edge decides: no port, no zone) is inside one of networks. An
// IPv4-mapped IPv6 address counts as its IPv4 address. An address that
// does not parse ("" when unknown) is in none. It does not allocate.
func NetworksAllow(networks []netip.Prefix, addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range networks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// FormatNetworks returns networks in their text form; nil for none.
func FormatNetworks(networks []netip.Prefix) []string {
	if len(networks) == 0 {
		return nil
	}
	out := make([]string, len(networks))
	for i, p := range networks {
		out[i] = p.String()
	}
	return out
}
