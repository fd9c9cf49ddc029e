package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
)

// TestLoadCheckVsBare is the load harness of BENCHMARKS.md. It runs only
// with SIGNET_LOAD=1 (it takes about a minute and wants the machine to
// itself):
//
//	SIGNET_LOAD=1 go test -count=1 -v -run '^TestLoadCheckVsBare$' ./httpapi
//
// In one run it measures, over HTTP on 127.0.0.1 with keep-alive and the
// same client, (a) Signet's POST /api/v1/check answering for a cached key
// and (b) a bare net/http handler doing one map lookup of the key; it
// prints requests/s of both (median of SIGNET_LOAD_ROUNDS alternating
// rounds of SIGNET_LOAD_DURATION each) and their ratio, then p50/p99
// latency of each at a fixed rate of half its measured maximum. It talks
// only to 127.0.0.1 and stops by itself. With SIGNET_LOAD_MIN_RATIO set it
// fails below that ratio.
func TestLoadCheckVsBare(t *testing.T) { testdb.ForEach(t, testLoadCheckVsBare) }

func testLoadCheckVsBare(t *testing.T) {
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
	body := []byte(`{"key":"` + s.ReaderKey + `","permission":"metrics:write"}`)

	// The bare handler: one map lookup of the key in the body's place
	// (the request's X-API-Key), and a small JSON answer.
	known := map[string]string{s.ReaderKey: "sa_reader"}
	var mu sync.RWMutex
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.RLock()
		id, ok := known[r.Header.Get("X-API-Key")]
		mu.RUnlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"allowed":%v,"principal":{"id":%q}}`, ok, id)
	}))
	defer bare.Close()

	targets := []target{
		{name: "signet check", url: s.URL + "/api/v1/check", hdr: http.Header{"Authorization": {"Bearer " + s.CheckerKey}, "Content-Type": {"application/json"}}},
		{name: "bare handler", url: bare.URL + "/check", hdr: http.Header{"X-API-Key": {s.ReaderKey}, "Content-Type": {"application/json"}}},
	}
	// Warm up (caches, connections), then check the answers are right.
	for i := range targets {
		targets[i].client = newLoadClient(conns)
		code, b := targets[i].do(body)
		if code != 200 || !bytes.Contains(b, []byte(`"allowed":true`)) {
			t.Fatalf("%s answered %d %s", targets[i].name, code, b)
		}
		targets[i].closedLoop(conns, body, time.Second)
	}
	rps := make([][]float64, len(targets))
	for range rounds {
		for i := range targets {
			rps[i] = append(rps[i], targets[i].closedLoop(conns, body, dur))
		}
	}
	med := make([]float64, len(targets))
	for i := range targets {
		med[i] = median(rps[i])
		t.Logf("%-13s max throughput: median %.0f req/s (rounds %v, %d connections, %s each)", targets[i].name, med[i], roundAll(rps[i]), conns, dur)
	}
	ratio := med[0] / med[1]
	t.Logf("ratio signet check / bare handler: %.2f", ratio)
	for i := range targets {
		rate := med[i] / 2
		p50, p99, n := targets[i].fixedRate(rate, body, dur)
		t.Logf("%-13s at %.0f req/s (half its max): p50 %v, p99 %v (%d requests)", targets[i].name, rate, p50, p99, n)
	}
	if s := os.Getenv("SIGNET_LOAD_MIN_RATIO"); s != "" {
		var min float64
		fmt.Sscan(s, &min)
		if ratio < min {
			t.Errorf("ratio %.2f < SIGNET_LOAD_MIN_RATIO %.2f", ratio, min)
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
		check := target{name: "signet check", url: s.URL + "/api/v1/check", client: newLoadClient(8),
			hdr: http.Header{"Authorization": {"Bearer " + s.CheckerKey}, "Content-Type": {"application/json"}}}
		check.closedLoop(4, body, time.Second) // warm up
		p50, p99, _ := check.fixedRate(rate, body, dur)
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
		p50, p99, _ = check.fixedRate(rate, body, dur)
		close(stop)
		wg.Wait()
		t.Logf("%-18s under a flood: check p50 %v, p99 %v at %.0f req/s; %d sign-ins sent, %d refused busy at once",
			c.name, p50, p99, rate, sent.Load(), refused.Load())
	}
}

type target struct {
	name   string
	url    string
	hdr    http.Header
	client *http.Client
}

func newLoadClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, DisableCompression: true}}
}

func (tg *target) do(body []byte) (int, []byte) {
	req, _ := http.NewRequest("POST", tg.url, bytes.NewReader(body))
	req.Header = tg.hdr.Clone()
	resp, err := tg.client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, b
}

// closedLoop runs conns workers back to back for d and returns req/s.
func (tg *target) closedLoop(conns int, body []byte, d time.Duration) float64 {
	var n, bad atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if code, _ := tg.do(body); code != 200 {
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
func (tg *target) fixedRate(rate float64, body []byte, d time.Duration) (p50, p99 time.Duration, n int) {
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
				tg.do(body)
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
