// Package metrics exposes Signet's Prometheus metrics: HTTP requests by
// route and status, key verifications by outcome, verification latency,
// cache lookups, last-used flushes, webhook deliveries, and keys expiring
// soon.
//
// The per-verification cost is kept off the hot path: outcome and cache
// counters are authn's own striped atomic counters, read here only when
// Prometheus scrapes; the latency histogram's observers are bound to their
// labels once, at start, and cache hits are sampled (one in 64), so a
// cached verification pays no metric cost beyond one atomic add.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/service"
)

// Metrics is a registry of Signet's metrics.
type Metrics struct {
	reg *prometheus.Registry

	// requests and durations are the HTTP request metrics; routes caches
	// each route's children, copy-on-write, so that observing a request
	// takes no lock and allocates nothing (a sync.Map would box the route
	// string on every lookup).
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	routes    atomic.Pointer[map[string]*httpRoute]
	routesMu  sync.Mutex // serialises additions to routes

	verifyHit, verifyMiss prometheus.Observer

	flushes, flushErrors, flushKeys prometheus.Counter
	flushDuration                   prometheus.Observer

	webhookAttempts *prometheus.CounterVec
	webhookLatency  prometheus.Observer
}

// New returns the metrics of v and uses (either may be nil), with the Go
// runtime and process collectors. It sets itself as v's latency observer
// and uses' flush hook: call it before serving.
func New(v *authn.Verifier, uses *authn.UseRecorder) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "signet_http_requests_total",
		Help: "HTTP requests by route (the pattern that served it; /api/ and / for paths no route takes) and status code (499: the client went away).",
	}, []string{"route", "code"})
	m.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "signet_http_request_duration_seconds",
		Help:    "Time from the request reaching Signet to its handler returning, by route.",
		Buckets: []float64{50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 10},
	}, []string{"route"})
	m.reg.MustRegister(m.requests, m.durations)
	m.webhookAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "signet_webhook_deliveries_total",
		Help: "Webhook delivery attempts by outcome: success, http_error, network_error, timeout, refused, no_secret.",
	}, []string{"outcome"})
	wl := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "signet_webhook_delivery_duration_seconds",
		Help:    "Time from sending a webhook delivery to its receiver's answer.",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
	})
	m.webhookLatency = wl
	m.reg.MustRegister(m.webhookAttempts, wl)
	empty := map[string]*httpRoute{}
	m.routes.Store(&empty)
	if v != nil {
		st := v.Stats()
		for _, o := range authn.Outcomes() {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "signet_key_verifications_total",
				Help:        "API key verifications by outcome (ok, invalid_key, revoked, key_disabled, expired, owner_disabled, network_not_allowed, policy_violation, error).",
				ConstLabels: prometheus.Labels{"outcome": o.String()},
			}, func() float64 { return float64(st.Verifications(o)) }))
		}
		lookups := map[string]func() float64{
			"hit":          func() float64 { h, _ := st.CacheHits(); return float64(h) },
			"negative_hit": func() float64 { _, n := st.CacheHits(); return float64(n) },
			"miss":         func() float64 { return float64(st.CacheMisses()) },
		}
		for result, f := range lookups {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "signet_key_cache_lookups_total",
				Help:        "Verification cache lookups: hit (cached key), negative_hit (key id recently unknown to storage), miss (storage asked).",
				ConstLabels: prometheus.Labels{"result": result},
			}, f))
		}
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "signet_key_cache_entries",
			Help: "API keys in the verification cache.",
		}, func() float64 { return float64(v.CachedKeys()) }))
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "signet_key_verify_duration_seconds",
			Help: "Latency of finding a key for verification: the cache lookup, and on a miss the storage load; every miss is observed, and one in 64 cache hits (sampled).",
			Buckets: []float64{100e-9, 250e-9, 500e-9, 1e-6, 2.5e-6, 10e-6, 100e-6, 250e-6,
				500e-6, 1e-3, 2.5e-3, 10e-3, 50e-3, 250e-3, 1},
		}, []string{"cache"})
		m.reg.MustRegister(h)
		m.verifyHit, m.verifyMiss = h.WithLabelValues("hit"), h.WithLabelValues("miss")
		v.SetObserver(m)
	}
	if uses != nil {
		m.flushes = prometheus.NewCounter(prometheus.CounterOpts{Name: "signet_last_used_flushes_total", Help: "Writes of coalesced key last-used data and activity counts."})
		m.flushErrors = prometheus.NewCounter(prometheus.CounterOpts{Name: "signet_last_used_flush_errors_total", Help: "Failed writes of key last-used data (retried at the next flush)."})
		m.flushKeys = prometheus.NewCounter(prometheus.CounterOpts{Name: "signet_last_used_flush_keys_total", Help: "Keys whose last-used time was written."})
		fd := prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "signet_last_used_flush_duration_seconds", Help: "Duration of last-used flushes.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		})
		m.flushDuration = fd
		m.reg.MustRegister(m.flushes, m.flushErrors, m.flushKeys, fd)
		uses.OnFlush = m.observeFlush
	}
	return m
}

// httpRoute holds one route's request metrics.
type httpRoute struct {
	duration prometheus.Observer
	codes    atomic.Pointer[[]codeCounter] // copy-on-write; a route sees few codes
}

type codeCounter struct {
	code int
	c    prometheus.Counter
}

// ObserveRequest implements httpedge.Observer: one request served by
// route, with status, in d.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	hr := (*m.routes.Load())[route]
	if hr == nil {
		hr = m.addRoute(route)
	}
	var c prometheus.Counter
	for _, cc := range *hr.codes.Load() {
		if cc.code == status {
			c = cc.c
			break
		}
	}
	if c == nil {
		c = m.addCode(hr, route, status)
	}
	c.Inc()
	hr.duration.Observe(d.Seconds())
}

func (m *Metrics) addRoute(route string) *httpRoute {
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	old := *m.routes.Load()
	if hr := old[route]; hr != nil {
		return hr
	}
	hr := &httpRoute{duration: m.durations.WithLabelValues(route)}
	none := []codeCounter{}
	hr.codes.Store(&none)
	next := make(map[string]*httpRoute, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[route] = hr
	m.routes.Store(&next)
	return hr
}

func (m *Metrics) addCode(hr *httpRoute, route string, status int) prometheus.Counter {
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	old := *hr.codes.Load()
	for _, cc := range old {
		if cc.code == status {
			return cc.c
		}
	}
	c := m.requests.WithLabelValues(route, strconv.Itoa(status))
	next := append(append(make([]codeCounter, 0, len(old)+1), old...), codeCounter{status, c})
	hr.codes.Store(&next)
	return c
}

// ObserveVerify implements authn.Observer.
func (m *Metrics) ObserveVerify(hit bool, d time.Duration) {
	if hit {
		m.verifyHit.Observe(d.Seconds())
	} else {
		m.verifyMiss.Observe(d.Seconds())
	}
}

func (m *Metrics) observeFlush(d time.Duration, keys int, err error) {
	m.flushes.Inc()
	m.flushDuration.Observe(d.Seconds())
	if err != nil {
		m.flushErrors.Inc()
		return
	}
	m.flushKeys.Add(float64(keys))
}

// ObserveWebhookAttempt counts a webhook delivery attempt by outcome
// (service.Outcome*) and observes its latency.
func (m *Metrics) ObserveWebhookAttempt(outcome string, d time.Duration) {
	m.webhookAttempts.WithLabelValues(outcome).Inc()
	if d > 0 {
		m.webhookLatency.Observe(d.Seconds())
	}
}

// WatchExpiringKeys exports signet_api_keys_expiring{within="7d"}: how
// many active keys expire within each expiry warning threshold of the key
// policy. counts is called on every scrape and must not touch storage
// (service.Service.ExpiringKeyCounts returns what the key lifecycle job
// counted at its last run); nothing is exported before it has numbers.
func (m *Metrics) WatchExpiringKeys(counts func() []service.ExpiringCount) {
	m.reg.MustRegister(&expiringKeys{counts: counts, desc: prometheus.NewDesc("signet_api_keys_expiring",
		"Active API keys expiring within each expiry warning threshold of the key policy (within: the threshold, e.g. 7d), as of the last run of the key lifecycle job.",
		[]string{"within"}, nil)})
}

// expiringKeys is the collector of signet_api_keys_expiring.
type expiringKeys struct {
	counts func() []service.ExpiringCount
	desc   *prometheus.Desc
}

func (c *expiringKeys) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *expiringKeys) Collect(ch chan<- prometheus.Metric) {
	for _, n := range c.counts() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n.Keys), signet.FormatDuration(n.Within))
	}
}

// Registry returns the registry, for further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
