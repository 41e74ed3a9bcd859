package tiles

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/clustermap/clustermap/server/httpx"
)

// tileMetrics count tiles by how the cache served them, and the bytes sent.
type tileMetrics struct {
	// byStatus holds the counters per cache status, resolved once: this is the hot path.
	byStatus map[string]prometheus.Counter
	sent     prometheus.Counter
}

func newTileMetrics(m *httpx.Metrics, cache *tileCache) *tileMetrics {
	tiles := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clustermap_tile_requests_total",
		Help: "Tiles answered, by how the tile cache served them: hit, miss, shared (joined a running query), assembled (composite from cached layers), revalidated (304 without the database).",
	}, []string{"cache"})
	tm := &tileMetrics{byStatus: map[string]prometheus.Counter{}, sent: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "clustermap_tile_bytes_sent_total", Help: "Tile bytes written to clients (after compression).",
	})}
	for _, st := range tileStatuses {
		tm.byStatus[st] = tiles.WithLabelValues(st)
	}
	m.Register(tiles, tm.sent)
	m.Gauge("clustermap_tile_cache_bytes", "Bytes held by the tile cache.", func() float64 { _, b := cache.Stats(); return float64(b) })
	m.Gauge("clustermap_tile_cache_entries", "Tiles held by the tile cache.", func() float64 { n, _ := cache.Stats(); return float64(n) })
	return tm
}

// tile records one tile answer and the bytes it sent.
func (m *tileMetrics) tile(status string, sent int) {
	if c, ok := m.byStatus[status]; ok {
		c.Inc()
	}
	if sent > 0 {
		m.sent.Add(float64(sent))
	}
}
