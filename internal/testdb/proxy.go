package testdb

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy between Signet and the PostgreSQL server of a test
// database, to stage outages: Down refuses the database, Blackhole makes it
// stop answering without closing anything, Up restores it.
type Proxy struct {
	// URL is the database's URL through the proxy.
	URL string

	ln     net.Listener
	target string

	mu    sync.Mutex // guards mode and pairs
	mode  int
	pairs map[*pair]struct{}
	held  []net.Conn // accepted while blackholing
}

const (
	proxyUp = iota
	proxyDown
	proxyBlackhole
)

type pair struct{ client, server net.Conn }

// NewProxy starts a proxy to the server of database (a PostgreSQL URL),
// closed when the test ends.
func NewProxy(tb testing.TB, database string) *Proxy {
	tb.Helper()
	u, err := url.Parse(database)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{ln: ln, target: u.Host, pairs: map[*pair]struct{}{}}
	u.Host = ln.Addr().String()
	p.URL = u.String()
	go p.accept()
	tb.Cleanup(func() {
		ln.Close()
		p.Down()
	})
	return p
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		p.mu.Unlock()
		switch mode {
		case proxyDown:
			c.Close()
			continue
		case proxyBlackhole:
			// Accepted, never answered: held open until the client gives up.
			p.mu.Lock()
			p.held = append(p.held, c)
			p.mu.Unlock()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pr := &pair{client: c, server: s}
		p.mu.Lock()
		p.pairs[pr] = struct{}{}
		p.mu.Unlock()
		go p.pipe(pr, c, s)
		go p.pipe(pr, s, c)
	}
}

// pipe copies one direction until either side fails, then closes the
// pair, unless the proxy is blackholing: then the client's side stays
// open and silent.
func (p *Proxy) pipe(pr *pair, dst, src net.Conn) {
	io.Copy(dst, src)
	p.mu.Lock()
	defer p.mu.Unlock()
	pr.server.Close()
	if p.mode != proxyBlackhole {
		pr.client.Close()
	}
	delete(p.pairs, pr)
}

func (p *Proxy) set(mode int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
	if mode != proxyBlackhole {
		for _, c := range p.held {
			c.Close()
		}
		p.held = nil
	}
	if mode == proxyUp {
		return
	}
	for pr := range p.pairs {
		pr.server.Close()
		if mode == proxyDown {
			pr.client.Close()
		}
	}
}

// Down closes every connection and refuses new ones, as a stopped server.
func (p *Proxy) Down() { p.set(proxyDown) }

// Blackhole stops forwarding without closing client connections, and
// accepts new ones without answering, as a network partition.
func (p *Proxy) Blackhole() { p.set(proxyBlackhole) }

// Up forwards new connections again.
func (p *Proxy) Up() { p.set(proxyUp) }
