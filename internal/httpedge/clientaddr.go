// Package httpedge holds what every HTTP surface of Signet (the REST API
// and the web UI) shares at the edge of the server. Today that is one rule:
// which address a request comes from. It is the only code in Signet that
// reads the TCP peer's address or a forwarding header; a test holds the
// rest of the repository to that.
package httpedge

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr decides the client address of a request, the one rule for
// the whole server: sign-in throttles, audit events, keys' last-used IPs
// and network allowlists all read the address it decides (through
// signet.RequestInfo, which the API's and the UI's middleware set from
// Client).
//
// The rule:
//
//  1. The peer is the TCP peer of the connection (http.Request.RemoteAddr),
//     IPv4-mapped IPv6 addresses unmapped.
//  2. If the peer is not inside a trusted proxy network, the peer is the
//     client and no header is read. With no trusted proxies (the default)
//     this is always the case.
//  3. If the peer is a trusted proxy, X-Forwarded-For is read: all its
//     header lines, in order, as one comma-separated list. The list is
//     walked from the right (the entry the peer appended) to the left.
//     An entry that is itself a trusted proxy is skipped; the first entry
//     that is not is the client. So a client can prepend what it likes:
//     only the entries that trusted proxies appended are believed.
//  4. An entry that is not an address (an address with a port, such as
//     192.0.2.1:443 or [2001:db8::1]:443, counts as its address) stops the
//     walk: nothing left of it can be attributed to a trusted hop, so the
//     client is the last trusted address seen (the peer if none).
//  5. If every entry is a trusted proxy, the client is the left-most, again
//     the last trusted address seen. Without X-Forwarded-For, the peer.
//
// X-Real-IP and Forwarded (RFC 7239) are never read. X-Real-IP has no
// append semantics: a proxy that does not set it passes the client's own
// on, and a proxy that sets it but not X-Forwarded-For passes the client's
// X-Forwarded-For on. One header with a defined chain keeps the rule
// checkable: configure the proxy to append to X-Forwarded-For (nginx:
// proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for).
//
// A nil *ClientAddr trusts no proxy. Immutable after NewClientAddr; safe
// for concurrent use.
type ClientAddr struct {
	trusted []netip.Prefix // unmapped and masked
}

// NewClientAddr returns the rule for a server behind the given trusted
// proxy networks (none: the peer is always the client).
func NewClientAddr(trusted []netip.Prefix) *ClientAddr {
	c := &ClientAddr{}
	for _, p := range trusted {
		if !p.IsValid() {
			continue
		}
		a, bits := p.Addr(), p.Bits()
		if a.Is4In6() && bits >= 96 {
			// ::ffff:10.0.0.0/104 is 10.0.0.0/8: peers are unmapped.
			a, bits = a.Unmap(), bits-96
		}
		c.trusted = append(c.trusted, netip.PrefixFrom(a.WithZone(""), bits).Masked())
	}
	return c
}

// Trusted returns the trusted proxy networks.
func (c *ClientAddr) Trusted() []netip.Prefix {
	if c == nil {
		return nil
	}
	return append([]netip.Prefix(nil), c.trusted...)
}

// Peer returns the address of r's TCP peer, unmapped and without a zone;
// the zero Addr if RemoteAddr holds none. Use it to decide whether the
// connection itself may do something (such as calling forward-auth), where
// no forwarded header may count.
func (c *ClientAddr) Peer(r *http.Request) netip.Addr { return Peer(r) }

// Peer returns the address of r's TCP peer (see ClientAddr.Peer). Behind
// the edge it was parsed once, when the request arrived.
func Peer(r *http.Request) netip.Addr {
	if st := From(r.Context()); st != nil {
		return st.peer
	}
	return parsePeer(r)
}

// Forwarded reports whether r's client address (signet.RequestInfo.IP)
// is one a trusted proxy named in X-Forwarded-For, rather than the TCP
// peer's own address: the peer is then a trusted proxy that said whom it
// forwards for. Forward-auth reads it, since there the peer is always the
// proxy, never the original caller. false outside the edge.
func Forwarded(r *http.Request) bool {
	if st := From(r.Context()); st != nil {
		return st.forwarded
	}
	return false
}

func parsePeer(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// Client returns the address of r's client by the rule in the type's
// documentation, in canonical text form (IPv4 dotted decimal, IPv6 as RFC
// 5952, never a port or zone); "" when the peer's address is unknown.
func (c *ClientAddr) Client(r *http.Request) string {
	ip, _ := c.client(r, c.Peer(r))
	return ip
}

// client is Client with r's peer already parsed. forwarded reports that
// the address is one a trusted proxy named in X-Forwarded-For rather than
// the peer's own.
func (c *ClientAddr) client(r *http.Request, peer netip.Addr) (ip string, forwarded bool) {
	if !peer.IsValid() {
		return "", false
	}
	if !c.trusts(peer) {
		return peerString(r.RemoteAddr, peer), false
	}
	client, fromPeer := peer, true
	lines := r.Header["X-Forwarded-For"]
walk:
	for i := len(lines) - 1; i >= 0; i-- {
		rest := lines[i]
		for {
			j := strings.LastIndexByte(rest, ',')
			a, ok := parseEntry(rest[j+1:])
			if !ok {
				break walk
			}
			if !c.trusts(a) {
				return a.String(), true
			}
			client, fromPeer = a, false
			if j < 0 {
				break
			}
			rest = rest[:j]
		}
	}
	if fromPeer {
		return peerString(r.RemoteAddr, peer), false
	}
	return client.String(), true
}

func (c *ClientAddr) trusts(a netip.Addr) bool {
	if c == nil {
		return false
	}
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseEntry parses one X-Forwarded-For entry: an address, optionally with
// a port, surrounded by optional spaces.
func parseEntry(s string) (netip.Addr, bool) {
	s = strings.Trim(s, " \t")
	if s == "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(s)
		if err2 != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// peerString is peer in text form, without allocating in the common case
// of an IPv4 peer: the host part of RemoteAddr is then already canonical
// (netip accepts no other spelling of an IPv4 address).
func peerString(remoteAddr string, peer netip.Addr) string {
	if peer.Is4() && remoteAddr != "" && remoteAddr[0] != '[' {
		if i := strings.LastIndexByte(remoteAddr, ':'); i > 0 {
			return remoteAddr[:i]
		}
	}
	return peer.String()
}
