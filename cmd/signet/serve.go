package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
	"github.com/signetdev/signet/web"
)

func init() {
	register(command{name: "serve", summary: "run the Signet server", run: cmdServe})
	register(command{name: "migrate", summary: "apply database migrations and exit", run: cmdMigrate})
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
	sessionTTL      time.Duration
	sessionIdle     time.Duration
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve")
	var cfg serverConfig
	addr := stringEnv(fs, e, "addr", "SIGNET_ADDR", "127.0.0.1:8080", "listen address")
	db := stringEnv(fs, e, "database", "SIGNET_DATABASE", "signet.db", "SQLite file path (or sqlite:PATH)")
	logLevel := stringEnv(fs, e, "log-level", "SIGNET_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	logFormat := stringEnv(fs, e, "log-format", "SIGNET_LOG_FORMAT", "text", "log format: text or json")
	publicURL := stringEnv(fs, e, "public-url", "SIGNET_PUBLIC_URL", "", "URL users reach Signet at, for links in the log (default: http://<addr>)")
	flush, err := durationEnv(fs, e, "last-used-flush", "SIGNET_LAST_USED_FLUSH", 10*time.Second, "how often key last-used data is written")
	if err != nil {
		return err
	}
	shutdown, err := durationEnv(fs, e, "shutdown-timeout", "SIGNET_SHUTDOWN_TIMEOUT", 15*time.Second, "how long shutdown waits for requests to finish")
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
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments, got %q", fs.Args())
	}
	if *sessionTTL <= 0 || *sessionIdle <= 0 {
		return usagef("--session-ttl and --session-idle-timeout must be positive")
	}
	cfg = serverConfig{addr: *addr, database: *db, logLevel: *logLevel, logFormat: *logFormat,
		publicURL: *publicURL, flushInterval: *flush, shutdownTimeout: *shutdown,
		sessionTTL: *sessionTTL, sessionIdle: *sessionIdle}
	logger, err := newLogger(e, cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, logger)
}

func newLogger(e *env, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("unknown log level %q (use debug, info, warn or error)", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, usagef("unknown log format %q (use text or json)", format)
}

// openStore opens the database named by the --database flag and applies
// migrations.
func openStore(ctx context.Context, database string) (store.Store, error) {
	path, err := sqlitePath(database)
	if err != nil {
		return nil, err
	}
	return sqlstore.OpenSQLite(ctx, path)
}

// sqlitePath turns a --database value into a SQLite file path.
func sqlitePath(database string) (string, error) {
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		return "", usagef("PostgreSQL is not supported by this build yet; use a SQLite file path")
	case strings.HasPrefix(database, "sqlite:"):
		database = strings.TrimPrefix(database, "sqlite:")
	}
	if database == "" {
		return "", usagef("--database is empty")
	}
	return database, nil
}

func serve(ctx context.Context, cfg serverConfig, logger *slog.Logger) error {
	st, err := openStore(ctx, cfg.database)
	if err != nil {
		return err
	}
	defer st.Close()

	// The verifier must exist before the service so that the service can
	// invalidate its cache after every change; the service is then wired
	// into the verifier as its backend.
	var verifier *authn.Verifier
	svc := service.New(st, service.Options{
		Logger:             logger,
		OnChange:           func() { verifier.Invalidate() },
		SessionTTL:         cfg.sessionTTL,
		SessionIdleTimeout: cfg.sessionIdle,
	})
	uses := authn.NewUseRecorder(svc.RecordKeyUses, logger)
	verifier = authn.NewVerifier(svc, uses, nil)
	auth := authn.NewAuthenticator(verifier, svc)

	setupToken, err := svc.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	base := cfg.publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	logger.Info("signet listening", "addr", ln.Addr().String(), "database", cfg.database, "url", base)
	if setupToken != "" {
		// The one deliberate secret in the log: on an empty database it is
		// the only way for the operator to reach the first-admin setup.
		// It is single-use and dies with the first administrator.
		logger.Warn("no administrator yet: open this one-time link to create the first one",
			"setup_url", strings.TrimRight(base, "/")+"/setup?token="+setupToken)
	}

	api := httpapi.New(httpapi.Config{
		Service: svc,
		Auth:    auth,
		Logger:  logger,
		Ready:   st.Ping,
	})
	ui := web.New(web.Config{
		Service:       svc,
		Logger:        logger,
		SecureCookies: strings.HasPrefix(strings.ToLower(base), "https://"),
	})
	handler := mount(api, ui)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { uses.Run(flushCtx, cfg.flushInterval) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		logger.Info("shutting down: draining requests", "timeout", cfg.shutdownTimeout)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
	}
	// Requests are drained: flush what they recorded, then close storage.
	stopFlush()
	wg.Wait()
	logger.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// mount serves the REST API under /api/ and at its other routes (health
// endpoints), and the web UI everywhere else.
func mount(api, ui http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	for _, rt := range httpapi.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/") {
			mux.Handle(rt.Method+" "+rt.Pattern, api)
		}
	}
	mux.Handle("/", ui)
	return mux
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate")
	db := stringEnv(fs, e, "database", "SIGNET_DATABASE", "signet.db", "SQLite file path (or sqlite:PATH)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := sqlitePath(*db)
	if err != nil {
		return err
	}
	applied, err := sqlstore.MigrateSQLite(ctx, path)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "schema of", path, "is up to date")
		return nil
	}
	fmt.Fprintln(e.stdout, "applied migrations", applied, "to", path)
	return nil
}
