package provider

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/signetdev/signet/client"
)

// The acceptance tests run against a real Signet: TestMain builds
// cmd/signet from this repository, creates the first administrator
// offline (signet admin create), starts "signet serve" on a fresh SQLite
// database and signs in; the provider under test then gets the server's
// URL and the administrator's key from SIGNET_URL and SIGNET_API_KEY, as
// a user's would. They run only with TF_ACC=1 and TF_ACC_TERRAFORM_PATH
// naming a terraform or tofu binary (.ci/run builds OpenTofu for them).

// signetServer is the server the acceptance tests share.
var signetServer struct {
	url   string
	key   string // the administrator's API key
	email string
	api   *client.Client
	logs  *syncBuffer
	skip  string // why acceptance tests skip; "" when they run
}

// protoV6 is the provider under test, served in-process: the terraform
// or tofu binary reaches it through TF_REATTACH_PROVIDERS.
var protoV6 = map[string]func() (tfprotov6.ProviderServer, error){
	"signet": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	switch {
	case os.Getenv("TF_ACC") == "":
		signetServer.skip = "acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH=/path/to/tofu (or terraform) to run it against a real Signet"
	case os.Getenv("TF_ACC_TERRAFORM_PATH") == "":
		signetServer.skip = "acceptance test: TF_ACC is set but TF_ACC_TERRAFORM_PATH is not; set it to an OpenTofu (or Terraform) binary, e.g. the one .ci/run builds"
	}
	if signetServer.skip != "" {
		return m.Run()
	}
	// OpenTofu reads an unqualified provider "signet" as
	// registry.opentofu.org/hashicorp/signet; the harness must reattach
	// the in-process provider under that address.
	if os.Getenv("TF_ACC_PROVIDER_HOST") == "" && strings.Contains(filepath.Base(os.Getenv("TF_ACC_TERRAFORM_PATH")), "tofu") {
		os.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	}
	dir, err := os.MkdirTemp("", "signet-tf-acc-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The binary reads no CLI configuration of the machine's (provider
	// installation overrides, credentials): an empty one of its own.
	cliConfig := filepath.Join(dir, "cli.tfrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("TF_CLI_CONFIG_FILE", cliConfig)
	stop, err := startSignet(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting Signet for the acceptance tests:", err)
		if signetServer.logs != nil {
			fmt.Fprintln(os.Stderr, signetServer.logs.String())
		}
		return 1
	}
	code := m.Run()
	stop()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "Signet's log:\n%s\n", signetServer.logs.String())
	}
	return code
}

// startSignet builds and starts Signet in dir and signs in as its first
// administrator. There is no deadline of its own: go test's -timeout
// bounds it, so a slow machine only makes it slower.
func startSignet(dir string) (stop func(), err error) {
	bin := filepath.Join(dir, "signet")
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		return nil, err
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/signet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/signet: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "signet.db")
	const email, password = "admin@example.com", "correct horse battery staple"
	create := exec.Command(bin, "admin", "create", "--database", db, "--email", email, "--password-stdin")
	create.Stdin = strings.NewReader(password + "\n")
	if out, err := create.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("signet admin create: %v\n%s", err, out)
	}
	key := make([]byte, 32)
	rand.Read(key)
	keyFile := filepath.Join(dir, "secret.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	signetServer.logs = &syncBuffer{}
	serve := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database", db, "--log-format", "json",
		"--shutdown-grace", "0", "--secret-key-file", keyFile, "--webhook-allow-private")
	pr, pw := io.Pipe()
	serve.Stdout, serve.Stderr = pw, pw
	if err := serve.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		serve.Wait()
		pw.Close()
		close(exited)
	}()
	stop = func() {
		serve.Process.Kill()
		<-exited
	}
	// The server logs the address it listens on.
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			signetServer.logs.WriteString(line + "\n")
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "signet listening" {
				if u, ok := rec["url"].(string); ok {
					select {
					case urls <- u:
					default:
					}
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case signetServer.url = <-urls:
	case <-exited:
		return nil, fmt.Errorf("signet serve exited: %v", serve.ProcessState)
	}
	anon, err := client.New(signetServer.url)
	if err != nil {
		stop()
		return nil, err
	}
	ctx := context.Background()
	for {
		err := anon.Ready(ctx)
		if err == nil {
			break
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("signet serve exited before it was ready: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	k, err := anon.Login(ctx, client.LoginRequest{Email: email, Password: password, DeviceID: "terraform-acceptance", KeyName: "terraform acceptance tests"})
	if err != nil {
		stop()
		return nil, fmt.Errorf("login: %w", err)
	}
	signetServer.key, signetServer.email = k.Key, email
	signetServer.api, err = client.New(signetServer.url, client.WithAPIKey(k.Key))
	if err != nil {
		stop()
		return nil, err
	}
	os.Setenv(EnvURL, signetServer.url)
	os.Setenv(EnvAPIKey, signetServer.key)
	return stop, nil
}

// acc skips t unless acceptance tests run, and returns the client of the
// administrator, for out-of-band changes and checks.
func acc(t *testing.T) *client.Client {
	t.Helper()
	if signetServer.skip != "" {
		t.Skip(signetServer.skip)
	}
	return signetServer.api
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.WriteString(s)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
