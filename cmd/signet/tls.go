package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// certCheckInterval is how often the certificate files are looked at
// (two stats), at most: a renewed certificate is served within about this
// long, and a busy server does not stat per handshake.
const certCheckInterval = time.Second

// certReloader serves the certificate of a PEM certificate file and key
// file, and reloads them when either file changes (by modification time
// or size), so that a renewed certificate (certbot, cert-manager, an ACME
// client) is served without a restart. A pair that does not load — a
// renewal half written, a key that does not match — is logged as an error
// and the previous pair is served until the files change again.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger
	now               func() time.Time

	// cert is the pair served. Never nil after newCertReloader.
	cert atomic.Pointer[tls.Certificate]
	// nextCheck is when the files are next looked at, in Unix nanoseconds.
	nextCheck atomic.Int64

	// mu is held by the one handshake that checks the files; the others
	// serve cert meanwhile rather than wait.
	mu sync.Mutex
	// seen is the stamp of the files the last load attempt read, whether
	// it succeeded or not: a broken pair is reported once, not every
	// second. Guarded by mu.
	seen [2]fileStamp
}

// fileStamp is what tells that a file changed.
type fileStamp struct {
	modTime time.Time
	size    int64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

// newCertReloader loads the pair, failing if it does not load: a server
// must not start without a certificate. now is the clock (time.Now).
func newCertReloader(certFile, keyFile string, logger *slog.Logger, now func() time.Time) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger, now: now}
	stamps, err := r.stamps()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the TLS certificate: %w", err)
	}
	r.cert.Store(&cert)
	r.seen = stamps
	r.nextCheck.Store(r.now().Add(certCheckInterval).UnixNano())
	return r, nil
}

func (r *certReloader) stamps() ([2]fileStamp, error) {
	c, err := stampOf(r.certFile)
	if err != nil {
		return [2]fileStamp{}, fmt.Errorf("TLS certificate: %w", err)
	}
	k, err := stampOf(r.keyFile)
	if err != nil {
		return [2]fileStamp{}, fmt.Errorf("TLS key: %w", err)
	}
	return [2]fileStamp{c, k}, nil
}

// GetCertificate is tls.Config.GetCertificate.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := r.now()
	if now.UnixNano() >= r.nextCheck.Load() && r.mu.TryLock() {
		if now.UnixNano() >= r.nextCheck.Load() {
			r.check()
			r.nextCheck.Store(now.Add(certCheckInterval).UnixNano())
		}
		r.mu.Unlock()
	}
	return r.cert.Load(), nil
}

// check reloads the pair if either file changed since the last attempt.
// The files are stamped before they are read, so that a change made
// while they are read is seen at the next check. Called with mu held.
func (r *certReloader) check() {
	stamps, err := r.stamps()
	if err != nil {
		// Perhaps between the removal and the creation of a file: looked
		// at again at the next check, and reported once.
		if r.seen != ([2]fileStamp{}) {
			r.logger.Error("TLS certificate files unreadable; still serving the previous certificate", "err", err)
		}
		r.seen = [2]fileStamp{}
		return
	}
	if stamps == r.seen {
		return
	}
	r.seen = stamps
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.logger.Error("TLS certificate changed but does not load; still serving the previous one",
			"cert", r.certFile, "key", r.keyFile, "err", err)
		return
	}
	r.cert.Store(&cert)
	attrs := []any{"cert", r.certFile}
	if cert.Leaf != nil {
		attrs = append(attrs, "subject", cert.Leaf.Subject.String(), "not_after", cert.Leaf.NotAfter)
	}
	r.logger.Info("TLS certificate reloaded", attrs...)
}

// tlsConfig is the server's TLS configuration: TLS 1.2 at least, Go's
// defaults otherwise (cipher suites, curves, HTTP/2 through ServeTLS).
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: r.GetCertificate,
	}
}
