package httpx

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus metrics. Each server has its own registry (no global
// state), served by Handler on a listen address of its own (server.Config.MetricsAddr), so the
// public port never exposes them. The surfaces add their own metrics with Register.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	rejected prometheus.Counter
	timeouts *prometheus.CounterVec
}

// NewMetrics builds the registry with the request, overload, timeout, process and (when pool is
// not nil) connection-pool metrics.
func NewMetrics(pool *pgxpool.Pool) *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clustermap_http_requests_total",
		Help: "HTTP requests by route pattern (empty: no route), method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "clustermap_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route pattern, method and status.",
		// From a cached tile (~0.1 ms) to the statement timeout (10 s).
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method", "status"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "clustermap_http_in_flight_requests", Help: "Requests being answered now.",
	})
	m.rejected = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "clustermap_http_overload_rejections_total",
		Help: "Requests answered 503 because the in-flight limit was reached.",
	})
	m.timeouts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clustermap_db_timeouts_total",
		Help: "Requests that failed because the database was too slow: statement (a statement timeout, SQLSTATE 57014), lock (a write waited past lock_timeout for a row another write holds, 55P03) or wait (no pooled connection or the deadline passed).",
	}, []string{"kind"})
	for _, k := range []string{timeoutStatement, timeoutLock, timeoutWait} {
		m.timeouts.WithLabelValues(k) // present at 0, so alerts see the series from the start
	}
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.rejected, m.timeouts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		// pgxpool keeps these counters itself; they are read at scrape time.
		m.Gauge("clustermap_db_pool_max_conns", "Connection pool size limit.", func() float64 { return float64(pool.Stat().MaxConns()) })
		m.Gauge("clustermap_db_pool_total_conns", "Open connections.", func() float64 { return float64(pool.Stat().TotalConns()) })
		m.Gauge("clustermap_db_pool_acquired_conns", "Connections in use.", func() float64 { return float64(pool.Stat().AcquiredConns()) })
		m.Gauge("clustermap_db_pool_idle_conns", "Idle connections.", func() float64 { return float64(pool.Stat().IdleConns()) })
		m.counterFunc("clustermap_db_pool_acquires_total", "Connections handed out.", func() float64 { return float64(pool.Stat().AcquireCount()) })
		m.counterFunc("clustermap_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", func() float64 { return float64(pool.Stat().EmptyAcquireCount()) })
		m.counterFunc("clustermap_db_pool_canceled_acquires_total", "Acquires given up (deadline or client gone).", func() float64 { return float64(pool.Stat().CanceledAcquireCount()) })
		m.counterFunc("clustermap_db_pool_acquire_seconds_total", "Time spent waiting for connections.", func() float64 { return pool.Stat().AcquireDuration().Seconds() })
	}
	return m
}

// Register adds a surface's own metrics to the registry.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.registry.MustRegister(cs...) }

// Gauge registers a gauge read from f at scrape time.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

func (m *Metrics) counterFunc(name, help string, f func() float64) {
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}

// observe records one answered request under its route pattern, never its raw path: ids and
// tile coordinates would make a series per request.
func (m *Metrics) observe(c *gin.Context, elapsed time.Duration) {
	route, method := c.FullPath(), c.Request.Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		method = "other" // any token is a valid method: a label per invented one would grow forever
	}
	status := strconv.Itoa(c.Writer.Status())
	m.requests.WithLabelValues(route, method, status).Inc()
	m.latency.WithLabelValues(route, method, status).Observe(elapsed.Seconds())
}

// Handler serves the Prometheus metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
