package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/internal/secretbox"
	"github.com/signetdev/signet/internal/webhook"
	"github.com/signetdev/signet/issuer"
	"github.com/signetdev/signet/metrics"
	"github.com/signetdev/signet/scim"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
	"github.com/signetdev/signet/web"
)

func init() {
	register(command{name: "serve", summary: serveSummary, run: cmdServe})
	register(command{name: "migrate", summary: migrateSummary, run: cmdMigrate})
}

// serverConfig is everything "signet serve" is configured with.
type serverConfig struct {
	addr            string
	database        string
	logLevel        string
	logFormat       string
	publicURL       string
	flushInterval   time.Duration
	shutdownTimeout time.Duration
	// shutdownGrace is how long /readyz answers 503 after SIGTERM/SIGINT,
	// requests still served, before the server drains.
	shutdownGrace time.Duration
	sessionTTL    time.Duration
	sessionIdle   time.Duration
	// auditSink is "", "stdout" or "file:PATH".
	auditSink string
	// auditRetention is how long audit events are kept; 0 keeps them
	// forever.
	auditRetention time.Duration
	stdout         io.Writer
	db             dbFlags
	outageCacheTTL time.Duration
	// forwardAuth says who may call the forward-auth endpoint.
	forwardAuth httpapi.ForwardAuthConfig
	// trustedProxies are the networks whose X-Forwarded-For is believed
	// (httpedge.ClientAddr); none by default.
	trustedProxies []netip.Prefix
	// metrics enables GET /metrics.
	metrics bool
	// keyLifecycleInterval is how often RunKeyLifecycle runs.
	keyLifecycleInterval time.Duration
	// apiBasicAuth accepts HTTP Basic (email and password) on the API.
	apiBasicAuth bool
	// debugAddr, when set, is where Go's profiler listens (opt-in).
	debugAddr string
	// tlsCert and tlsKey, when set, are the PEM files of the certificate
	// served over HTTPS, reloaded when they change.
	tlsCert, tlsKey string
	// secretKeyFile holds the key that seals webhook signing secrets at
	// rest; "" means <database>.key beside a SQLite database, created if
	// missing, and none for PostgreSQL.
	secretKeyFile string
	// webhookGuard and webhookRetryWindow configure webhook deliveries.
	webhookGuard        webhook.Guard
	webhookRetryWindow  time.Duration
	webhookLogRetention time.Duration
	// leakKeysFile and leakKeysURL configure the public keys of leak
	// reports (POST /api/v1/secret-scanning/reports); both empty leave
	// the endpoint off.
	leakKeysFile, leakKeysURL string
	// tokens configures the signing keys of short-lived tokens.
	tokens service.TokenOptions
}

// dbFlags are the database settings shared by the commands that open one.
type dbFlags struct {
	maxConns         int
	statementTimeout time.Duration
	pollInterval     time.Duration
}

func (f dbFlags) options(logger *slog.Logger) sqlstore.Options {
	return sqlstore.Options{
		Logger:             logger,
		MaxConns:           f.maxConns,
		StatementTimeout:   f.statementTimeout,
		ChangePollInterval: f.pollInterval,
	}
}

const databaseUsage = "database: a SQLite file path (or sqlite:PATH), or a postgres:// URL"

// addDBFlags defines the database tuning flags on fs.
func addDBFlags(fs *flag.FlagSet, e *env) (func() dbFlags, error) {
	maxConns, err := intEnv(fs, e, "db-max-conns", "SIGNET_DB_MAX_CONNS", 10, "PostgreSQL: most connections per process (plus one for change notifications)")
	if err != nil {
		return nil, err
	}
	stmt, err := durationEnv(fs, e, "db-statement-timeout", "SIGNET_DB_STATEMENT_TIMEOUT", 5*time.Second,
		"PostgreSQL: longest a statement or transaction may take before the call fails with 503 (also the connect timeout)")
	if err != nil {
		return nil, err
	}
	poll, err := durationEnv(fs, e, "change-poll-interval", "SIGNET_CHANGE_POLL_INTERVAL", 500*time.Millisecond,
		"how often each replica polls the change counter, the safety net under LISTEN/NOTIFY; cached verifications are trusted for twice this without a successful poll")
	if err != nil {
		return nil, err
	}
	return func() dbFlags { return dbFlags{maxConns: *maxConns, statementTimeout: *stmt, pollInterval: *poll} }, nil
}

const (
	serveSummary   = "run the Signet server: the REST API under /api/v1 and the web UI at /; every flag has a SIGNET_* environment equivalent"
	migrateSummary = "apply database migrations and exit"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve")
	var cfg serverConfig
	addr := stringEnv(fs, e, "addr", "SIGNET_ADDR", "127.0.0.1:8080", "listen address")
	db := stringEnv(fs, e, "database", "SIGNET_DATABASE", "signet.db", databaseUsage)
	dbFlags, err := addDBFlags(fs, e)
	if err != nil {
		return err
	}
	outageTTL, err := durationEnv(fs, e, "outage-cache-ttl", "SIGNET_OUTAGE_CACHE_TTL", 0,
		"while the database is unreachable, keep accepting cached keys for this long past the staleness bound (0: refuse with 503); never a key whose change was announced")
	if err != nil {
		return err
	}
	logLevel := stringEnv(fs, e, "log-level", "SIGNET_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	logFormat := stringEnv(fs, e, "log-format", "SIGNET_LOG_FORMAT", "text", "log format: text or json")
	publicURL := stringEnv(fs, e, "public-url", "SIGNET_PUBLIC_URL", "", "URL users reach Signet at, an absolute http(s) URL, for links in the log; https:// makes cookies Secure (default: http://<addr>, https://<addr> with --tls-cert; localhost for an address such as :8080)")
	flush, err := durationEnv(fs, e, "last-used-flush", "SIGNET_LAST_USED_FLUSH", 10*time.Second, "how often key last-used data is written")
	if err != nil {
		return err
	}
	shutdown, err := durationEnv(fs, e, "shutdown-timeout", "SIGNET_SHUTDOWN_TIMEOUT", 15*time.Second, "how long shutdown waits for requests to finish")
	if err != nil {
		return err
	}
	grace, err := durationEnv(fs, e, "shutdown-grace", "SIGNET_SHUTDOWN_GRACE", 5*time.Second,
		"on SIGTERM/SIGINT, /readyz answers 503 for this long, requests still served, so that load balancers stop sending traffic before the server drains; 0: drain at once")
	if err != nil {
		return err
	}
	sessionTTL, err := durationEnv(fs, e, "session-ttl", "SIGNET_SESSION_TTL", service.DefaultSessionTTL, "longest a web UI session lasts, however active")
	if err != nil {
		return err
	}
	sessionIdle, err := durationEnv(fs, e, "session-idle-timeout", "SIGNET_SESSION_IDLE_TIMEOUT", service.DefaultSessionIdleTimeout, "a web UI session unused this long ends")
	if err != nil {
		return err
	}
	sink := stringEnv(fs, e, "audit-sink", "SIGNET_AUDIT_SINK", "", "also write each committed audit event as a JSON line to stdout or file:PATH (for a SIEM)")
	retention := stringEnv(fs, e, "audit-retention", "SIGNET_AUDIT_RETENTION", "0", "delete audit events older than this, e.g. 365d or 8760h; 0 keeps them forever")
	faNets := stringEnv(fs, e, "forward-auth-networks", "SIGNET_FORWARD_AUTH_NETWORKS", "127.0.0.0/8,::1/128",
		"comma-separated source networks (CIDR) that may call /api/v1/forward-auth without the secret; empty: none")
	faSecret := stringEnv(fs, e, "forward-auth-secret", "SIGNET_FORWARD_AUTH_SECRET", "",
		"shared secret a reverse proxy sends in X-Signet-Forward-Auth-Secret to call /api/v1/forward-auth from any network")
	trustedProxies := stringEnv(fs, e, "trusted-proxies", "SIGNET_TRUSTED_PROXIES", "",
		"comma-separated networks (CIDR) of the reverse proxies in front of Signet, whose X-Forwarded-For names the client's address; empty: none, the TCP peer is the client")
	metricsOn, err := boolEnv(fs, e, "metrics", "SIGNET_METRICS", true, "serve Prometheus metrics at GET /metrics")
	if err != nil {
		return err
	}
	debugAddr := stringEnv(fs, e, "debug-addr", "SIGNET_DEBUG_ADDR", "",
		"serve Go's profiler (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060; empty: off")
	basicOn, err := boolEnv(fs, e, "api-basic-auth", "SIGNET_API_BASIC_AUTH", false,
		"accept HTTP Basic (a human's email and password) on the REST API besides API keys; off by default")
	if err != nil {
		return err
	}
	tlsCert := stringEnv(fs, e, "tls-cert", "SIGNET_TLS_CERT", "", "serve HTTPS with this PEM certificate (chain) file, reloaded when it changes; needs --tls-key")
	tlsKey := stringEnv(fs, e, "tls-key", "SIGNET_TLS_KEY", "", "PEM private key file of --tls-cert")
	secretKeyFile := stringEnv(fs, e, "secret-key-file", "SIGNET_SECRET_KEY_FILE", "",
		"file holding the key (64 hex characters) that encrypts webhook signing secrets at rest; every replica needs the same one (default: <database>.key beside a SQLite database, created if missing; none for PostgreSQL, which leaves webhooks off)")
	whPrivate, err := boolEnv(fs, e, "webhook-allow-private", "SIGNET_WEBHOOK_ALLOW_PRIVATE", false,
		"let webhook deliveries reach loopback, private and link-local addresses (receivers on the operator's own network); off: public addresses only")
	if err != nil {
		return err
	}
	whTimeout, err := durationEnv(fs, e, "webhook-timeout", "SIGNET_WEBHOOK_TIMEOUT", 15*time.Second, "longest a webhook receiver may take to answer a delivery")
	if err != nil {
		return err
	}
	whWindow, err := durationEnv(fs, e, "webhook-retry-window", "SIGNET_WEBHOOK_RETRY_WINDOW", service.DefaultWebhookRetryWindow,
		"how long a failing webhook delivery is retried; an endpoint failing every attempt this long is disabled")
	if err != nil {
		return err
	}
	whLog, err := durationEnv(fs, e, "webhook-log-retention", "SIGNET_WEBHOOK_LOG_RETENTION", service.DefaultWebhookLogRetention,
		"how long finished webhook deliveries and their attempts stay in the delivery log")
	if err != nil {
		return err
	}
	leakKeysFile := stringEnv(fs, e, "leak-report-public-keys", "SIGNET_LEAK_REPORT_PUBLIC_KEYS", "",
		"PEM file of the public keys (ECDSA P-256) that sign leak reports from a secret scanner (POST /api/v1/secret-scanning/reports); empty, with no --leak-report-keys-url: the endpoint is off")
	leakKeysURL := stringEnv(fs, e, "leak-report-keys-url", "SIGNET_LEAK_REPORT_KEYS_URL", "",
		"URL of the secret scanner's public keys endpoint, fetched for leak reports signed by a key not (yet) known; empty: none")
	keyJob, err := durationEnv(fs, e, "key-lifecycle-interval", "SIGNET_KEY_LIFECYCLE_INTERVAL", defaultKeyLifecycleInterval,
		"how often the key lifecycle job runs: expiry warnings (api_key.expiring), disabling unused keys, the signet_api_keys_expiring gauge")
	if err != nil {
		return err
	}
	tokenAlg := stringEnv(fs, e, "token-signing-alg", "SIGNET_TOKEN_SIGNING_ALG", signet.AlgEdDSA,
		"algorithm of new token signing keys: EdDSA (Ed25519) or ES256 (ECDSA P-256)")
	tokenRotate, err := durationEnv(fs, e, "token-key-rotation", "SIGNET_TOKEN_KEY_ROTATION", 30*24*time.Hour,
		"age at which the token signing key is replaced by a new one")
	if err != nil {
		return err
	}
	tokenOverlap, err := durationEnv(fs, e, "token-key-overlap", "SIGNET_TOKEN_KEY_OVERLAP", time.Hour,
		"how long a replaced token signing key stays published beyond the longest token lifetime, for clocks and caches")
	if err != nil {
		return err
	}
	if err := parseFlags(e, fs, args, "[flags]", serveSummary); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments, got %q", fs.Args())
	}
	if *grace < 0 || *shutdown < 0 {
		return usagef("--shutdown-grace and --shutdown-timeout may not be negative")
	}
	if err := checkPublicURL(*publicURL); err != nil {
		return err
	}
	if *sessionTTL <= 0 || *sessionIdle <= 0 {
		return usagef("--session-ttl and --session-idle-timeout must be positive")
	}
	keep, err := parseDuration(*retention)
	if err != nil || keep < 0 || (keep > 0 && keep < time.Hour) {
		return usagef("--audit-retention %q: want 0 (keep forever) or a duration of at least 1h, such as 365d", *retention)
	}
	if *sink != "" && *sink != "stdout" && !strings.HasPrefix(*sink, "file:") {
		return usagef("--audit-sink %q: want stdout or file:PATH", *sink)
	}
	nets, err := parseNetworks(*faNets)
	if err != nil {
		return usagef("--forward-auth-networks: %v", err)
	}
	proxies, err := parseNetworks(*trustedProxies)
	if err != nil {
		return usagef("--trusted-proxies: %v", err)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together: give both, or neither")
	}
	cfg = serverConfig{forwardAuth: httpapi.ForwardAuthConfig{Networks: nets, Secret: *faSecret}, metrics: *metricsOn, apiBasicAuth: *basicOn, debugAddr: *debugAddr,
		addr: *addr, database: *db, logLevel: *logLevel, logFormat: *logFormat,
		publicURL: strings.TrimRight(*publicURL, "/"), flushInterval: *flush, shutdownTimeout: *shutdown, shutdownGrace: *grace,
		sessionTTL: *sessionTTL, sessionIdle: *sessionIdle,
		auditSink: *sink, auditRetention: keep, stdout: e.stdout,
		db: dbFlags(), outageCacheTTL: *outageTTL}
	cfg.trustedProxies = proxies
	cfg.tlsCert, cfg.tlsKey = *tlsCert, *tlsKey
	if *whTimeout <= 0 || *whWindow <= 0 || *whLog <= 0 {
		return usagef("--webhook-timeout, --webhook-retry-window and --webhook-log-retention must be positive")
	}
	if *keyJob <= 0 {
		return usagef("--key-lifecycle-interval must be positive, such as 5m")
	}
	cfg.keyLifecycleInterval = *keyJob
	cfg.secretKeyFile = *secretKeyFile
	cfg.webhookGuard = webhook.Guard{AllowPrivate: *whPrivate, Timeout: *whTimeout, ConnectTimeout: min(5*time.Second, *whTimeout)}
	cfg.webhookRetryWindow, cfg.webhookLogRetention = *whWindow, *whLog
	cfg.leakKeysFile, cfg.leakKeysURL = *leakKeysFile, *leakKeysURL
	if !slices.Contains(signet.SigningAlgorithms, *tokenAlg) {
		return usagef("--token-signing-alg %q: want EdDSA or ES256", *tokenAlg)
	}
	if *tokenRotate < time.Hour || *tokenOverlap <= 0 {
		return usagef("--token-key-rotation must be at least 1h and --token-key-overlap positive")
	}
	cfg.tokens = service.TokenOptions{Algorithm: *tokenAlg, RotateEvery: *tokenRotate, Overlap: *tokenOverlap}
	logger, err := newLogger(e, cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, logger)
}

// checkPublicURL refuses a --public-url that is not an absolute http(s)
// URL with a host (and no query, fragment or user information): links
// are built by appending paths to it.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		// The value is not repeated: it could hold a password.
		return usagef("--public-url: want an absolute http:// or https:// URL without query or user information, such as https://signet.example.com")
	}
	return nil
}

// browserURL is the URL of a listener for links in the log when no
// --public-url is set: the address it listens on, except that an
// unspecified one (:8080, 0.0.0.0:8080, [::]:8080), which a browser
// cannot open, is written localhost.
func browserURL(scheme string, addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + addr.String()
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + net.JoinHostPort(host, port)
}

func newLogger(e *env, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("unknown log level %q (use debug, info, warn or error)", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		// Durations as Go writes them (1.5ms), for people.
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		// Durations as seconds, a float (0.0015), for log pipelines:
		// slog's default, nanoseconds as an integer, reads as a count.
		opts.ReplaceAttr = durationSeconds
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, usagef("unknown log format %q (use text or json)", format)
}

// durationSeconds writes a time.Duration attribute as float seconds (a
// slog.HandlerOptions.ReplaceAttr).
func durationSeconds(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key, a.Value.Duration().Seconds())
	}
	return a
}

// openStore opens the database named by the --database flag (a SQLite path,
// sqlite:PATH, or a postgres:// URL) and applies migrations.
func openStore(ctx context.Context, database string, opts sqlstore.Options) (*sqlstore.Store, error) {
	if err := checkDatabase("--database", database); err != nil {
		return nil, err
	}
	return sqlstore.Open(ctx, database, opts)
}

// checkDatabase checks the value of a database flag (see
// sqlstore.ParseDatabase). A refusal is a usage error that names the flag
// and the form the value looks like, never the value: it may hold a
// password.
func checkDatabase(flag, database string) error {
	if _, _, err := sqlstore.ParseDatabase(database); err != nil {
		return usagef("%s: %s", flag, signet.ErrorMessage(err))
	}
	return nil
}

// redactURL returns a database flag's value fit for the log or the
// terminal: a URL's password hidden (see sqlstore.RedactDatabase).
func redactURL(database string) string { return sqlstore.RedactDatabase(database) }

func serve(ctx context.Context, cfg serverConfig, logger *slog.Logger) error {
	// Before the database: a keys file that cannot be used stops the
	// start with nothing created.
	leakKeys, err := openLeakReportKeys(cfg, logger)
	if err != nil {
		return err
	}
	var certs *certReloader
	if cfg.tlsCert != "" {
		if certs, err = newCertReloader(cfg.tlsCert, cfg.tlsKey, logger, time.Now); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, cfg.database, cfg.db.options(logger))
	if err != nil {
		return err
	}
	defer st.Close()

	box, err := openSecretBox(cfg, logger)
	if err != nil {
		return err
	}

	// The verifier must exist before the service so that the service can
	// invalidate its cache after every change; the service is then wired
	// into the verifier as its backend.
	var verifier *authn.Verifier
	var tokens *issuer.Issuer
	var sink *auditSink
	svc := service.New(st, service.Options{
		Logger: logger,
		OnChange: func() {
			verifier.Invalidate()
			if tokens != nil {
				tokens.Invalidate()
			}
			if sink != nil {
				sink.Notify()
			}
		},
		SessionTTL:         cfg.sessionTTL,
		SessionIdleTimeout: cfg.sessionIdle,
		BcryptCost:         bcryptCost,
		Webhooks: service.WebhookOptions{Box: box, Guard: cfg.webhookGuard,
			RetryWindow: cfg.webhookRetryWindow, LogRetention: cfg.webhookLogRetention},
	})
	// Last-used data and per-key activity counts are written together,
	// behind the requests.
	uses := authn.NewUsageRecorder(svc.RecordKeyUsage, logger)
	verifier = authn.NewVerifier(svc, uses, nil)
	// Changes committed by other processes (replicas on PostgreSQL, offline
	// admin commands on SQLite) reach the cache through the change feed.
	// Without a successful poll for two intervals the cache is not trusted:
	// that is the worst-case staleness when notifications are lost.
	verifier.SetFreshness(2*cfg.db.pollInterval, cfg.outageCacheTTL)
	var metricsHandler http.Handler
	var requestMetrics httpedge.Observer // nil: no request metrics
	dispatchOpts := service.DispatcherOptions{}
	if cfg.metrics {
		m := metrics.New(verifier, uses)
		metricsHandler, requestMetrics = m.Handler(), m
		dispatchOpts.OnAttempt = m.ObserveWebhookAttempt
		m.WatchExpiringKeys(svc.ExpiringKeyCounts)
	}
	dispatcher := svc.NewDispatcher(dispatchOpts)
	auth := authn.NewAuthenticator(verifier, svc)
	failures := authn.NewFailureAggregator(svc.RecordAuthFailures, nil, logger)
	auth.AuditFailures(failures)
	auth.AllowBasic(cfg.apiBasicAuth)
	if cfg.auditSink != "" {
		// Opened before bootstrap, so that a new sink starts before the
		// events of this start.
		if sink, err = openAuditSink(ctx, cfg.auditSink, cfg.stdout, svc, logger); err != nil {
			return err
		}
	}

	setupToken, err := svc.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	// The profiler's listener is opened with the main one, so that a
	// taken address fails the start, not a later request.
	var debugLn net.Listener
	if cfg.debugAddr != "" {
		if debugLn, err = net.Listen("tcp", cfg.debugAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--debug-addr %s: %w", cfg.debugAddr, err)
		}
		logger.Info("profiler listening", "addr", debugLn.Addr().String(), "path", "/debug/pprof/")
	}
	base := cfg.publicURL
	if base == "" {
		scheme := "http://"
		if certs != nil {
			scheme = "https://"
		}
		base = browserURL(scheme, ln.Addr())
	}
	logger.Info("signet listening", "addr", ln.Addr().String(), "database", redactURL(cfg.database), "url", base)
	if setupToken != "" {
		// The one deliberate secret in the log: on an empty database it is
		// the only way for the operator to reach the first-admin setup.
		// It is single-use and dies with the first administrator.
		logger.Warn("no administrator yet: open this one-time link to create the first one",
			"setup_url", strings.TrimRight(base, "/")+"/setup?token="+setupToken)
	}

	// Short-lived tokens: their issuer is the public URL, the same on
	// every replica (--public-url when there are several).
	tokenEvents := issuer.NewAggregator(svc.RecordTokenEvents, nil, logger)
	tokens = issuer.New(issuer.Config{Issuer: base, Backend: svc, Verifier: verifier, Logger: logger, Events: tokenEvents})
	tokens.SetFreshness(2 * cfg.db.pollInterval)
	if box != nil {
		if _, err := svc.RotateSigningKeys(ctx, signet.SystemActor, cfg.tokens, false); err != nil {
			return fmt.Errorf("token signing keys: %w", err)
		}
	}

	// draining turns /readyz to 503 once a shutdown has begun.
	var draining atomic.Bool
	api := httpapi.NewAPI(httpapi.Config{
		Service: svc,
		Auth:    auth,
		Logger:  logger,
		Ready: func(ctx context.Context) error {
			if draining.Load() {
				return errDraining
			}
			return st.Ping(ctx)
		},
		Verifier:    verifier,
		ForwardAuth: cfg.forwardAuth,
		Metrics:     metricsHandler,
		LeakReports: leakKeys,
		Issuer:      tokens,
		PublicURL:   base,
		// A manual rotation makes the same keys as the scheduled one.
		TokenOptions: cfg.tokens,
	})
	ui := web.NewUI(web.Config{
		Service:       svc,
		TokenOptions:  cfg.tokens,
		Logger:        logger,
		SecureCookies: strings.HasPrefix(strings.ToLower(base), "https://"),
		// Single sign-on's redirect URI is base + /login/sso/callback.
		PublicURL: base,
	})
	handler := edge(api, ui, cfg, logger, requestMetrics, func(mux *http.ServeMux) {
		// SCIM provisioning of people, beside the API (scim/).
		scim.Register(mux, scim.Config{Service: svc, Auth: auth, Logger: logger})
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if certs != nil {
		srv.TLSConfig = certs.tlsConfig()
	}

	flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { uses.Run(flushCtx, cfg.flushInterval) })
	wg.Go(func() { failures.Run(flushCtx, failureFlushInterval) })
	wg.Go(func() { svc.Denied().Run(flushCtx, failureFlushInterval) })
	if cfg.auditRetention > 0 {
		wg.Go(func() { runRetention(flushCtx, svc, cfg.auditRetention, logger) })
	}
	wg.Go(func() { runKeyLifecycle(flushCtx, svc, cfg.keyLifecycleInterval, logger) })
	wg.Go(func() { tokenEvents.Run(flushCtx, failureFlushInterval) })
	if box != nil {
		wg.Go(func() { runSigningKeyRotation(flushCtx, svc, cfg.tokens, logger) })
	}
	// Deliveries in flight when the server stops are cut short and given
	// back, to be attempted again at the next start (or by a replica).
	wg.Go(func() { dispatcher.Run(flushCtx) })
	// The sink stops last, after the flushes above wrote their events.
	sinkCtx, stopSink := context.WithCancel(context.WithoutCancel(ctx))
	var sinkDone sync.WaitGroup
	if sink != nil {
		sinkDone.Go(func() { sink.Run(sinkCtx) })
	}
	feedCtx, stopFeed := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFeed()
	wg.Go(func() { st.WatchChanges(feedCtx, watchers{verifier, tokens}) })

	debugCtx, stopDebug := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDebug()
	if debugLn != nil {
		wg.Go(func() { serveDebug(debugCtx, debugLn, logger) })
	}
	serveErr := make(chan error, 1)
	go func() {
		if certs != nil {
			serveErr <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
			return
		}
		serveErr <- srv.Serve(ln)
	}()

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		// First tell the load balancers (/readyz 503) while still serving,
		// so that no request is sent to a closed listener; then drain.
		draining.Store(true)
		if cfg.shutdownGrace > 0 {
			logger.Info("shutting down: /readyz answers 503; serving until the grace ends", "grace", cfg.shutdownGrace)
			select {
			case <-time.After(cfg.shutdownGrace):
			case err = <-serveErr:
			}
		}
		if err == nil {
			logger.Info("shutting down: draining requests", "timeout", cfg.shutdownTimeout)
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
			err = srv.Shutdown(sctx)
			cancel()
		}
	}
	// Requests are drained: stop following changes, flush what the
	// requests recorded, let the sink copy the last events, then close
	// storage.
	stopFeed()
	stopFlush()
	stopDebug()
	wg.Wait()
	stopSink()
	sinkDone.Wait()
	logger.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// openSecretBox loads the key that seals webhook signing secrets: the
// configured file, or <database>.key beside a SQLite database (created on
// first start). Without one (PostgreSQL and no --secret-key-file) the
// server runs, and refuses to create webhook endpoints until it has one.
func openSecretBox(cfg serverConfig, logger *slog.Logger) (*secretbox.Box, error) {
	path, create := cfg.secretKeyFile, false
	if path == "" {
		backend, target, err := sqlstore.ParseDatabase(cfg.database)
		if err != nil {
			return nil, err
		}
		if backend != sqlstore.BackendSQLite {
			logger.Info("webhooks are off: no --secret-key-file to encrypt their signing secrets with (every replica needs the same file)")
			return nil, nil
		}
		path, create = target+".key", true
	}
	key, err := secretbox.LoadKeyFile(path, create)
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	return box, nil
}

// errDraining is why /readyz fails once a shutdown has begun.
var errDraining = errors.New("shutting down")

// edge puts the REST API's routes and the UI's pages on one mux — each
// request is routed once — behind the one edge (request id, request info
// with the client-address rule, security headers, body limit, panic
// recovery, access log, request metrics).
func edge(api *httpapi.API, ui *web.UI, cfg serverConfig, logger *slog.Logger, observer httpedge.Observer, more ...func(*http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	api.Register(mux)
	ui.Register(mux)
	for _, register := range more {
		register(mux)
	}
	return httpedge.New(httpedge.Config{
		ClientAddr: httpedge.NewClientAddr(cfg.trustedProxies),
		Logger:     logger,
		Observer:   observer,
		Panic: func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				api.WritePanic(w, r)
				return
			}
			ui.WritePanic(w, r)
		},
	}).Wrap(mux)
}

// parseNetworks parses a comma-separated list of CIDR prefixes (or single
// addresses). An empty list allows no network: an empty, non-nil slice.
func parseNetworks(s string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR prefix", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// failureFlushInterval is how often closed buckets of failed
// authentications are written: an event appears at most a minute (the
// aggregation window) and this long after the first failure of its run.
const failureFlushInterval = 5 * time.Second

// retentionEvery is how often retention pruning runs.
const retentionEvery = time.Hour

// runRetention prunes audit events older than keep, at start and then
// every retentionEvery, as the system actor (each pruning is audited).
func runRetention(ctx context.Context, svc *service.Service, keep time.Duration, logger *slog.Logger) {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		n, err := svc.PruneAuditEvents(ctx, signet.SystemActor, time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("audit retention: pruning failed", "err", err)
		case n > 0:
			logger.Info("audit retention: pruned old events", "deleted", n, "retention", keep)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// defaultKeyLifecycleInterval is how often the key lifecycle job runs by
// default: a warning is sent, and an unused key disabled, at most this
// long after it is due.
const defaultKeyLifecycleInterval = 5 * time.Minute

// runKeyLifecycle runs the key lifecycle job (expiry warnings, disabling
// unused keys) at start and then every interval. Every replica runs it:
// the service records each warning and each disable once, whichever
// replica gets there first.
// watchers passes the change feed's reports to several caches.
type watchers []store.ChangeWatcher

func (ws watchers) Invalidate() {
	for _, w := range ws {
		w.Invalidate()
	}
}

func (ws watchers) Confirm(at time.Time) {
	for _, w := range ws {
		w.Confirm(at)
	}
}

// runSigningKeyRotation keeps the token signing keys current: every
// replica checks hourly; storage serialises them, so one rotates.
func runSigningKeyRotation(ctx context.Context, svc *service.Service, opts service.TokenOptions, logger *slog.Logger) {
	t := time.NewTicker(min(time.Hour, opts.RotateEvery/4))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rotated, err := svc.RotateSigningKeys(ctx, signet.SystemActor, opts, false)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("token signing keys: rotation check failed; will retry", "err", err)
		case rotated:
			logger.Info("token signing keys: rotated")
		}
	}
}

func runKeyLifecycle(ctx context.Context, svc *service.Service, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := svc.RunKeyLifecycle(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("key lifecycle: run failed; will retry", "err", err)
		case res != nil && res.Warned+res.Disabled > 0:
			logger.Info("key lifecycle: warned of expiring keys and disabled unused ones", "warned", res.Warned, "disabled", res.Disabled)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate")
	db := stringEnv(fs, e, "database", "SIGNET_DATABASE", "signet.db", databaseUsage)
	if err := parseFlags(e, fs, args, "[--database DATABASE]", migrateSummary); err != nil {
		return err
	}
	if err := checkDatabase("--database", *db); err != nil {
		return err
	}
	applied, err := sqlstore.Migrate(ctx, *db)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "schema of", redactURL(*db), "is up to date")
		return nil
	}
	fmt.Fprintln(e.stdout, "applied migrations", applied, "to", redactURL(*db))
	return nil
}
