package server

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

// metrics are the server's Prometheus metrics. Each Server has its own registry (no global
// state), served by MetricsHandler on a listen address of its own (Config.MetricsAddr), so the
// public port never exposes them.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	rejected prometheus.Counter
	tiles    *prometheus.CounterVec
	// tileBy holds tiles' counters per cache status, resolved once: this is the hot path.
	tileBy   map[string]prometheus.Counter
	tileSent prometheus.Counter
	timeouts *prometheus.CounterVec
}

func newMetrics(pool *pgxpool.Pool, cache *tileCache) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
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
	m.tiles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clustermap_tile_requests_total",
		Help: "Tiles answered, by how the tile cache served them: hit, miss, shared (joined a running query), assembled (composite from cached layers), revalidated (304 without the database).",
	}, []string{"cache"})
	m.tileSent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "clustermap_tile_bytes_sent_total", Help: "Tile bytes written to clients (after compression).",
	})
	m.timeouts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clustermap_db_timeouts_total",
		Help: "Requests that failed because the database was too slow: statement (a statement timeout, SQLSTATE 57014) or wait (no pooled connection or the deadline passed).",
	}, []string{"kind"})
	m.tileBy = map[string]prometheus.Counter{}
	for st := range hdrCache {
		m.tileBy[st] = m.tiles.WithLabelValues(st)
	}
	for _, k := range []string{timeoutStatement, timeoutWait} {
		m.timeouts.WithLabelValues(k) // present at 0, so alerts see the series from the start
	}
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.rejected, m.tiles, m.tileSent, m.timeouts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	gauge := func(name, help string, f func() float64) {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	gauge("clustermap_tile_cache_bytes", "Bytes held by the tile cache.", func() float64 { _, b := cache.stats(); return float64(b) })
	gauge("clustermap_tile_cache_entries", "Tiles held by the tile cache.", func() float64 { n, _ := cache.stats(); return float64(n) })
	if pool != nil {
		// pgxpool keeps these counters itself; they are read at scrape time.
		gauge("clustermap_db_pool_max_conns", "Connection pool size limit.", func() float64 { return float64(pool.Stat().MaxConns()) })
		gauge("clustermap_db_pool_total_conns", "Open connections.", func() float64 { return float64(pool.Stat().TotalConns()) })
		gauge("clustermap_db_pool_acquired_conns", "Connections in use.", func() float64 { return float64(pool.Stat().AcquiredConns()) })
		gauge("clustermap_db_pool_idle_conns", "Idle connections.", func() float64 { return float64(pool.Stat().IdleConns()) })
		counter("clustermap_db_pool_acquires_total", "Connections handed out.", func() float64 { return float64(pool.Stat().AcquireCount()) })
		counter("clustermap_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", func() float64 { return float64(pool.Stat().EmptyAcquireCount()) })
		counter("clustermap_db_pool_canceled_acquires_total", "Acquires given up (deadline or client gone).", func() float64 { return float64(pool.Stat().CanceledAcquireCount()) })
		counter("clustermap_db_pool_acquire_seconds_total", "Time spent waiting for connections.", func() float64 { return pool.Stat().AcquireDuration().Seconds() })
	}
	return m
}

// observe records one answered request under its route pattern, never its raw path: ids and
// tile coordinates would make a series per request.
func (m *metrics) observe(c *gin.Context, elapsed time.Duration) {
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

// tile records one tile answer and the bytes it sent.
func (m *metrics) tile(status string, sent int) {
	if c, ok := m.tileBy[status]; ok {
		c.Inc()
	}
	if sent > 0 {
		m.tileSent.Add(float64(sent))
	}
}

// MetricsHandler serves the Prometheus metrics; Serve mounts it on Config.MetricsAddr.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}
