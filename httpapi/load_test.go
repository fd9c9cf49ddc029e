package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
)

// TestLoadVsBare is the load harness of BENCHMARKS.md. It runs only with
// SIGNET_LOAD=1 (it takes a few minutes and wants the machine to itself):
//
//	SIGNET_LOAD=1 go test -count=1 -v -run '^TestLoadVsBare$' ./httpapi
//
// In one run it measures, over HTTP on 127.0.0.1 with keep-alive and the
// same client, Signet's verification routes — GET
// /api/v1/personal-api-keys/verify, POST /api/v1/check, GET
// /api/v1/forward-auth — and an authenticated read, GET /api/v1/me, each
// answering for a cached key, against a bare net/http handler that does
// what a minimal key server must: one SHA-256 of the presented key and
// one map lookup. It prints requests/s of each (median of
// SIGNET_LOAD_ROUNDS interleaved rounds of SIGNET_LOAD_DURATION each,
// SIGNET_LOAD_CONNS connections), each route's ratio to the bare handler,
// then p50/p99 latency of each at a fixed rate of half the bare handler's
// measured maximum, and each p99's ratio to the bare handler's. It talks
// only to 127.0.0.1 and stops by itself. SIGNET_LOAD_ROUTES (comma-
// separated names: verify, check, forward-auth, me) runs only those. It
// asserts nothing about timing unless SIGNET_LOAD_MIN_RATIO is set.
func TestLoadVsBare(t *testing.T) { testdb.ForEach(t, testLoadVsBare) }

func testLoadVsBare(t *testing.T) {
	if os.Getenv("SIGNET_LOAD") == "" {
		t.Skip("load harness: set SIGNET_LOAD=1 to run it")
	}
	if testdb.Backend(t) != "sqlite" {
		t.Skip("cached verification does not touch storage: SQLite only")
	}
	dur := envDuration(t, "SIGNET_LOAD_DURATION", 5*time.Second)
	rounds := envInt(t, "SIGNET_LOAD_ROUNDS", 3)
	conns := envInt(t, "SIGNET_LOAD_CONNS", 16)

	s := signettest.Start(t, signettest.Options{})
	key := s.ReaderKey
	checkBody := []byte(`{"key":"` + key + `","permission":"metrics:write"}`)

	// The bare handler: one SHA-256 of the presented key and one map
	// lookup, and a small JSON answer.
	// It reads the key of X-API-Key or of Authorization: Bearer, so that
	// it can answer the check API's request shape too.
	known := map[[32]byte]string{sha256.Sum256([]byte(key)): "sa_reader", sha256.Sum256([]byte(s.CheckerKey)): "sa_checker"}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		presented := r.Header.Get("X-API-Key")
		if presented == "" {
			presented = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		id, ok := known[sha256.Sum256([]byte(presented))]
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"allowed":true,"principal":{"id":%q}}`, id)
	}))
	defer bare.Close()

	keyHdr := http.Header{"X-Api-Key": {key}}
	checkHdr := http.Header{"Authorization": {"Bearer " + s.CheckerKey}, "Content-Type": {"application/json"}}
	// The bare handler is measured twice: answering a GET that carries a
	// key in a header (the shape of verify, forward-auth and /me), and
	// answering the check API's POST, the same bytes check receives —
	// sending and reading a body costs the client and the server alike.
	// Each route's ratio is to the bare handler answering its shape.
	all := []target{
		{name: "bare handler", method: "GET", url: bare.URL + "/verify", hdr: keyHdr, want: 200},
		{name: "bare POST", method: "POST", url: bare.URL + "/check", body: checkBody, hdr: checkHdr, want: 200},
		{name: "verify", method: "GET", url: s.URL + "/api/v1/personal-api-keys/verify", hdr: keyHdr, want: 204},
		{name: "check", method: "POST", url: s.URL + "/api/v1/check", body: checkBody, want: 200, hdr: checkHdr, base: "bare POST"},
		{name: "forward-auth", method: "GET", url: s.URL + "/api/v1/forward-auth?permission=metrics:write", hdr: keyHdr, want: 200},
		{name: "me", method: "GET", url: s.URL + "/api/v1/me", hdr: keyHdr, want: 200},
	}
	targets := all[:2]
	only := os.Getenv("SIGNET_LOAD_ROUTES")
	for _, tg := range all[2:] {
		if only == "" || slices.Contains(strings.Split(only, ","), tg.name) {
			targets = append(targets, tg)
		}
	}
	// baseOf returns the index of the bare measurement target i is
	// compared with.
	baseOf := func(i int) int {
		if targets[i].base == "bare POST" {
			return 1
		}
		return 0
	}
	// Warm up (caches, connections), then check the answers are right.
	for i := range targets {
		targets[i].client = newLoadClient(conns)
		if code, b := targets[i].do(); code != targets[i].want {
			t.Fatalf("%s answered %d %s; want %d", targets[i].name, code, b, targets[i].want)
		}
		targets[i].closedLoop(conns, time.Second)
	}
	// wrk, where installed, drives the rounds: it is what the figures of
	// BENCHMARKS.md use, and a load generator in C takes far less of the
	// machine than the Go client, which otherwise shares the cores with
	// the servers it measures. Without it the Go client does.
	wrk, _ := exec.LookPath("wrk")
	if os.Getenv("SIGNET_LOAD_GO_CLIENT") != "" {
		wrk = ""
	}
	rps := make([][]float64, len(targets))
	for range rounds {
		for i := range targets {
			var r float64
			if wrk != "" {
				r = targets[i].wrk(t, wrk, conns, dur)
			} else {
				r = targets[i].closedLoop(conns, dur)
			}
			rps[i] = append(rps[i], r)
		}
	}
	gen := "the Go client"
	if wrk != "" {
		gen = "wrk -t2"
	}
	t.Logf("load generator: %s", gen)
	med := make([]float64, len(targets))
	for i := range targets {
		med[i] = median(rps[i])
	}
	for i := range targets {
		b := baseOf(i)
		t.Logf("%-13s max throughput: median %6.0f req/s (rounds %v, %d connections, %s each); ratio to the %s %.2f",
			targets[i].name, med[i], roundAll(rps[i]), conns, dur, targets[b].name, med[i]/med[b])
	}
	// Latency at a fixed rate: half the slower bare measurement's
	// maximum, the same rate for every target.
	rate := min(med[0], med[1]) / 2
	p99s := make([]time.Duration, len(targets))
	for i := range targets {
		p50, p99, n := targets[i].fixedRate(rate, dur)
		p99s[i] = p99
		b := baseOf(i)
		t.Logf("%-13s at %.0f req/s (half the bare handler's max): p50 %v, p99 %v (%d requests); p99 ratio to the %s %.2f",
			targets[i].name, rate, p50, p99, n, targets[b].name, float64(p99)/float64(p99s[b]))
	}
	if v := os.Getenv("SIGNET_LOAD_MIN_RATIO"); v != "" {
		var least float64
		fmt.Sscan(v, &least)
		for i := 2; i < len(targets); i++ {
			if b := baseOf(i); targets[i].name != "me" && med[i]/med[b] < least {
				t.Errorf("%s: ratio %.2f < SIGNET_LOAD_MIN_RATIO %.2f", targets[i].name, med[i]/med[b], least)
			}
		}
	}
}

// TestLoadCheckUnderPasswordFlood is the load harness of BENCHMARKS.md's
// "Password floods" section. It runs only with SIGNET_LOAD=1:
//
//	SIGNET_LOAD=1 go test -count=1 -v -run '^TestLoadCheckUnderPasswordFlood$' ./httpapi
//
// In one run it measures the check API's p50/p99 latency at a fixed rate
// (SIGNET_LOAD_CHECK_RATE, default 200 req/s) on two servers with bcrypt at
// its production cost (12): one with Signet's bounded password hashing
// (the default: half the CPUs) and one allowing 64 hashes at once (as if
// unbounded), each first alone and then while SIGNET_LOAD_FLOOD (16)
// clients send sign-ins (POST /api/v1/login) for unknown emails from ever
// new addresses — a distributed flood the per-address throttle cannot
// stop (the addresses come through a trusted proxy's X-Forwarded-For).
func TestLoadCheckUnderPasswordFlood(t *testing.T) {
	testdb.ForEach(t, testLoadCheckUnderPasswordFlood)
}

func testLoadCheckUnderPasswordFlood(t *testing.T) {
	if os.Getenv("SIGNET_LOAD") == "" {
		t.Skip("load harness: set SIGNET_LOAD=1 to run it")
	}
	if testdb.Backend(t) != "sqlite" {
		t.Skip("cached verification does not touch storage: SQLite only")
	}
	dur := envDuration(t, "SIGNET_LOAD_DURATION", 5*time.Second)
	rate := float64(envInt(t, "SIGNET_LOAD_CHECK_RATE", 200))
	flooders := envInt(t, "SIGNET_LOAD_FLOOD", 16)
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	for _, c := range []struct {
		name        string
		concurrency int
	}{{"bounded (default)", 0}, {"64 at once", 64}} {
		s := signettest.Start(t, signettest.Options{BcryptCost: 12, PasswordHashConcurrency: c.concurrency, TrustedProxies: loopback})
		body := []byte(`{"key":"` + s.ReaderKey + `","permission":"metrics:write"}`)
		check := target{name: "signet check", method: "POST", url: s.URL + "/api/v1/check", client: newLoadClient(8), body: body, want: 200,
			hdr: http.Header{"Authorization": {"Bearer " + s.CheckerKey}, "Content-Type": {"application/json"}}}
		check.closedLoop(4, time.Second) // warm up
		p50, p99, _ := check.fixedRate(rate, dur)
		t.Logf("%-18s alone:        check p50 %v, p99 %v at %.0f req/s", c.name, p50, p99, rate)

		stop := make(chan struct{})
		var sent, refused atomic.Int64
		var wg sync.WaitGroup
		flood := newLoadClient(flooders)
		for w := range flooders {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					lb := fmt.Sprintf(`{"email":"nobody%d-%d@example.com","password":"a guess","device_id":"flooding-device"}`, w, i)
					req, _ := http.NewRequest("POST", s.URL+"/api/v1/login", strings.NewReader(lb))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", w, (i>>8)&255, i&255))
					resp, err := flood.Do(req)
					if err != nil {
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					sent.Add(1)
					if resp.StatusCode == http.StatusTooManyRequests {
						refused.Add(1)
					}
				}
			})
		}
		time.Sleep(time.Second) // let the flood build up
		p50, p99, _ = check.fixedRate(rate, dur)
		close(stop)
		wg.Wait()
		t.Logf("%-18s under a flood: check p50 %v, p99 %v at %.0f req/s; %d sign-ins sent, %d refused busy at once",
			c.name, p50, p99, rate, sent.Load(), refused.Load())
	}
}

type target struct {
	name   string
	method string
	url    string
	hdr    http.Header
	body   []byte
	want   int    // the status of a right answer
	base   string // the bare target it is compared with; "" is the bare handler's GET
	client *http.Client
}

func newLoadClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, DisableCompression: true}}
}

func (tg *target) do() (int, []byte) {
	var body io.Reader
	if tg.body != nil {
		body = bytes.NewReader(tg.body)
	}
	req, _ := http.NewRequest(tg.method, tg.url, body)
	req.Header = tg.hdr.Clone()
	resp, err := tg.client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, b
}

// wrkRequestsPerSec finds wrk's throughput line.
var wrkRequestsPerSec = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk runs wrk (two threads, conns connections, keep-alive) against the
// target for d and returns req/s; answers other than the target's status
// fail the test.
func (tg *target) wrk(t *testing.T, wrk string, conns int, d time.Duration) float64 {
	t.Helper()
	var lua strings.Builder
	fmt.Fprintf(&lua, "wrk.method = %q\n", tg.method)
	if tg.body != nil {
		fmt.Fprintf(&lua, "wrk.body = %q\n", tg.body)
	}
	for k, vs := range tg.hdr {
		fmt.Fprintf(&lua, "wrk.headers[%q] = %q\n", k, vs[0])
	}
	fmt.Fprintf(&lua, "local bad = 0\nresponse = function(status, headers, body) if status ~= %d then bad = bad + 1 end end\n", tg.want)
	fmt.Fprintf(&lua, "done = function(summary, latency, requests) if bad > 0 then io.write(\"WRONG ANSWERS \" .. bad .. \"\\n\") end end\n")
	script := filepath.Join(t.TempDir(), "target.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(wrk, "-t2", "-c"+strconv.Itoa(conns), "-d"+d.String(), "-s", script, tg.url).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk %s: %v\n%s", tg.name, err, out)
	}
	m := wrkRequestsPerSec.FindSubmatch(out)
	if m == nil || bytes.Contains(out, []byte("WRONG ANSWERS")) || bytes.Contains(out, []byte("Non-2xx")) && tg.want < 300 {
		t.Fatalf("wrk %s: unexpected output:\n%s", tg.name, out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// closedLoop runs conns workers back to back for d and returns req/s.
func (tg *target) closedLoop(conns int, d time.Duration) float64 {
	var n, bad atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if code, _ := tg.do(); code != tg.want {
					bad.Add(1)
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() > 0 {
		panic(fmt.Sprintf("%s: %d non-200 answers", tg.name, bad.Load()))
	}
	return float64(n.Load()) / time.Since(start).Seconds()
}

// fixedRate sends rate requests/s for d, open loop (each request's
// latency counts from when it was due, so a stall is not hidden), and
// returns the p50 and p99 latencies.
func (tg *target) fixedRate(rate float64, d time.Duration) (p50, p99 time.Duration, n int) {
	interval := time.Duration(float64(time.Second) / rate)
	total := int(d / interval)
	lat := make([]time.Duration, total)
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	work := make(chan int, total)
	start := time.Now()
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := range work {
				due := start.Add(time.Duration(i) * interval)
				if w := time.Until(due); w > 0 {
					time.Sleep(w)
				}
				if ctx.Err() != nil {
					lat[i] = time.Hour
					continue
				}
				tg.do()
				lat[i] = time.Since(due)
			}
		})
	}
	for i := range total {
		work <- i
	}
	close(work)
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[total/2], lat[total*99/100], total
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func roundAll(xs []float64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, fmt.Sprintf("%.0f", x))
	}
	return strings.Join(parts, " ")
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	if s := os.Getenv(name); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return d
	}
	return def
}

func envInt(t *testing.T, name string, def int) int {
	if s := os.Getenv(name); s != "" {
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return n
	}
	return def
}
