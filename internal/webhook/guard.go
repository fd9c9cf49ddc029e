package webhook

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// Guard decides which receivers deliveries may reach, and makes the HTTP
// client that holds to it. By default only public addresses: not
// loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 —
// where cloud metadata services answer — and fe80::/10), shared
// (100.64.0.0/10), unspecified, multicast or otherwise reserved ones. The
// address is checked when the connection is made, after DNS resolution,
// so that a name resolving (or re-resolving) to 127.0.0.1 gets no
// further than a literal 127.0.0.1.
type Guard struct {
	// AllowPrivate lets deliveries reach every address: for receivers
	// on the operator's own network.
	AllowPrivate bool
	// ConnectTimeout bounds connecting (DNS, TCP, TLS); 0 means 5 s.
	ConnectTimeout time.Duration
	// Timeout bounds a whole delivery, the receiver's answer included;
	// 0 means 15 s.
	Timeout time.Duration
}

// ErrRefusedAddress is the error of a delivery to an address the Guard
// does not allow.
var ErrRefusedAddress = errors.New("webhook receiver address refused")

// CheckURL refuses a URL deliveries cannot go to whatever it resolves to:
// not http(s), without a host, with user info, or naming a refused
// address literally. The address a name resolves to is checked when a
// delivery connects (Client).
func (g Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("the webhook URL does not parse: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("a webhook URL must be http:// or https://")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("a webhook URL needs a host")
	}
	if u.User != nil {
		return errors.New("a webhook URL must not hold a user name or password: the signature authenticates Signet")
	}
	if u.Fragment != "" {
		return errors.New("a webhook URL has no #fragment")
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && !g.allowed(a) {
		return fmt.Errorf("%w: %s is not a public address (the operator may allow private receivers)", ErrRefusedAddress, a)
	}
	return nil
}

// allowed reports whether a delivery may connect to a.
func (g Guard) allowed(a netip.Addr) bool {
	if g.AllowPrivate {
		return true
	}
	a = a.Unmap()
	switch {
	case !a.IsValid(), a.IsUnspecified(), a.IsLoopback(), a.IsPrivate(),
		a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast(), a.IsMulticast():
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// reserved are the blocks netip has no predicate for that no public
// receiver lives in.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: would reach IPv4 behind it
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
}

// Client returns an HTTP client for deliveries: it connects only to
// allowed addresses (checked on the resolved address of every connection),
// uses no proxy from the environment (a proxy would connect on its behalf,
// unchecked), follows no redirect (a receiver answers for itself; a 3xx
// is an answer, not a success), and bounds connecting and the whole
// delivery.
func (g Guard) Client() *http.Client {
	connect := g.ConnectTimeout
	if connect <= 0 {
		connect = 5 * time.Second
	}
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	d := &net.Dialer{Timeout: connect, Control: g.control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   connect,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// control runs for every connection, with the address being connected to
// after DNS resolution.
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrRefusedAddress, address)
	}
	if !g.allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address (the operator may allow private receivers)", ErrRefusedAddress, ap.Addr())
	}
	return nil
}

// MaxResponseBody is how much of a receiver's answer a delivery reads
// (and keeps, for the delivery log): receivers answer with a status.
const MaxResponseBody = 4 << 10

// ReadResponse reads at most MaxResponseBody bytes of resp's body, then
// drains a little more so the connection can be reused, and closes it.
func ReadResponse(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return b
}

// RetryAfter returns how long a receiver's Retry-After asks to wait
// (seconds, or an HTTP date), and whether it asked.
func RetryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 31); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
