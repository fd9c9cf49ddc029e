package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// credentials is what "signet login" saves: the server and an API key.
// The file is readable by its owner only (0600, in a 0700 directory).
type credentials struct {
	URL    string `json:"url"`
	APIKey string `json:"api_key"`
}

// configDir mirrors os.UserConfigDir, reading the environment through
// e.getenv so that tests can point it at a temporary directory.
func configDir(e *env) (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := e.getenv("AppData"); d != "" {
			return d, nil
		}
		return "", errors.New("cannot find the configuration directory: %AppData% is not set")
	case "darwin", "ios":
		if h := e.getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support"), nil
		}
		return "", errors.New("cannot find the configuration directory: $HOME is not set")
	case "plan9":
		if h := e.getenv("home"); h != "" {
			return filepath.Join(h, "lib"), nil
		}
		return "", errors.New("cannot find the configuration directory: $home is not set")
	}
	if d := e.getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	if h := e.getenv("HOME"); h != "" {
		return filepath.Join(h, ".config"), nil
	}
	return "", errors.New("cannot find the configuration directory: neither $XDG_CONFIG_HOME nor $HOME is set")
}

// credentialsPath is <config dir>/signet/credentials.json.
func credentialsPath(e *env) (string, error) {
	d, err := configDir(e)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "signet", "credentials.json"), nil
}

// loadCredentials reads the credentials file; it returns nil, nil when
// there is none (or no configuration directory to hold one).
func loadCredentials(e *env) (*credentials, error) {
	path, err := credentialsPath(e)
	if err != nil {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading credentials: %w", err)
	}
	var c credentials
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("credentials file %s is damaged (run 'signet login' again): %v", path, err)
	}
	return &c, nil
}

// saveCredentials writes the credentials file atomically: a temporary file
// created with mode 0600 in the same directory, renamed over the old one.
func saveCredentials(e *env, c credentials) (string, error) {
	path, err := credentialsPath(e)
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	// The directory is Signet's own: keep it private even if it existed.
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("securing %s: %w", dir, err)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".credentials-*.json") // mode 0600
	if err != nil {
		return "", fmt.Errorf("writing credentials: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", fmt.Errorf("writing credentials: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return "", fmt.Errorf("writing credentials: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("writing credentials: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("writing credentials: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("writing credentials: %w", err)
	}
	return path, nil
}

// removeCredentials deletes the credentials file; it reports whether there
// was one.
func removeCredentials(e *env) (bool, string, error) {
	path, err := credentialsPath(e)
	if err != nil {
		return false, "", err
	}
	err = os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, path, nil
	}
	if err != nil {
		return false, path, fmt.Errorf("removing credentials: %w", err)
	}
	return true, path, nil
}

// deviceID returns this device's id for `signet login`, creating it on
// first use: 16 random bytes, hex, in <config dir>/signet/device-id (0600).
// The server revokes the key an earlier login with the same id minted, so
// each device holds one live CLI key per user. It survives logout.
func deviceID(e *env) (string, error) {
	d, err := configDir(e)
	if err != nil {
		return "", err
	}
	path := filepath.Join(d, "signet", "device-id")
	if b, err := os.ReadFile(path); err == nil {
		if id := strings.TrimSpace(string(b)); len(id) >= 8 {
			return id, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	id := hex.EncodeToString(b[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return id, nil
}
