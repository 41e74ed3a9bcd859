package respcache

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/clustermap/clustermap/server/httpx"
)

// register counts answers by what the cache did (the X-Response-Cache values) and reports what it
// holds; counters are resolved once, as this is the hot path.
func (c *Cache) register(m *httpx.Metrics) {
	answers := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clustermap_response_cache_requests_total",
		Help: "Answers of /api, /ogc and TileJSON by how the response cache served them: hit, miss, shared (joined a running build), revalidated (304), private (signed-in: never cached), bypass (data versions unknown).",
	}, []string{"cache"})
	c.counters = map[string]prometheus.Counter{}
	for _, st := range statuses {
		c.counters[st] = answers.WithLabelValues(st)
	}
	m.Register(answers)
	m.Gauge("clustermap_response_cache_bytes", "Bytes held by the response cache (both encodings).", func() float64 { _, b := c.Stats(); return float64(b) })
	m.Gauge("clustermap_response_cache_entries", "Answers held by the response cache.", func() float64 { n, _ := c.Stats(); return float64(n) })
}

func (c *Cache) count(status string) {
	if c == nil {
		return
	}
	if n, ok := c.counters[status]; ok {
		n.Inc()
	}
}
