// Package metrics exposes Signet's Prometheus metrics: key verifications
// by outcome, verification latency, cache lookups, and last-used flushes.
//
// The per-verification cost is kept off the hot path: outcome and cache
// counters are authn's own striped atomic counters, read here only when
// Prometheus scrapes; the latency histogram's observers are bound to their
// labels once, at start, and cache hits are sampled (one in 64), so a
// cached verification pays no metric cost beyond one atomic add.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/signetdev/signet/authn"
)

// Metrics is a registry of Signet's metrics.
type Metrics struct {
	reg *prometheus.Registry

	verifyHit, verifyMiss prometheus.Observer

	flushes, flushErrors, flushKeys prometheus.Counter
	flushDuration                   prometheus.Observer
}

// New returns the metrics of v and uses (either may be nil), with the Go
// runtime and process collectors. It sets itself as v's latency observer
// and uses' flush hook: call it before serving.
func New(v *authn.Verifier, uses *authn.UseRecorder) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if v != nil {
		st := v.Stats()
		for _, o := range authn.Outcomes() {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "signet_key_verifications_total",
				Help:        "API key verifications by outcome (ok, invalid_key, revoked, expired, owner_disabled, error).",
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

// Registry returns the registry, for further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
