package main

import (
	"log/slog"
	"os"

	"github.com/signetdev/signet/internal/leakreport"
)

// openLeakReportKeys returns the public keys of leak reports that
// --leak-report-public-keys and --leak-report-keys-url configure, or nil
// (the endpoint off) when neither is set. A file that holds no usable key
// or a URL that is not http(s) fails the start, with exit code 2.
func openLeakReportKeys(cfg serverConfig, logger *slog.Logger) (*leakreport.Keys, error) {
	if cfg.leakKeysFile == "" && cfg.leakKeysURL == "" {
		return nil, nil
	}
	opts := leakreport.Options{URL: cfg.leakKeysURL, Logger: logger}
	if cfg.leakKeysFile != "" {
		data, err := os.ReadFile(cfg.leakKeysFile)
		if err != nil {
			return nil, usagef("--leak-report-public-keys: %v", err)
		}
		opts.PEM = data
	}
	keys, err := leakreport.New(opts)
	if err != nil {
		return nil, usagef("--leak-report-public-keys/--leak-report-keys-url: %v", err)
	}
	logger.Info("leak reports enabled", "path", "/api/v1/secret-scanning/reports", "keys_file", cfg.leakKeysFile, "keys_url", leakreport.Redact(cfg.leakKeysURL))
	return keys, nil
}
