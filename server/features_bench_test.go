package server_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkFeatures measures GET /api/layers/{id}/features end to end (HTTP, gin, PostGIS
// writing the GeoJSON) on the seed, and reports p50/p99 latency per request shape.
//
//	make bench-features   (or: go test -run '^$' -bench BenchmarkFeatures ./server/)
func BenchmarkFeatures(b *testing.B) {
	ts, _ := newTestServer(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, bc := range []struct{ name, path string }{
		{"clusters_all", "/api/layers/clusters/features?limit=100"},
		{"clusters_filtered", "/api/layers/clusters/features?status=operating&properties=name,status,occupancy_pct"},
		{"districts_bbox", "/api/layers/districts/features?bbox=107.9,13.8,108.2,14.1"},
		{"districts_all", "/api/layers/districts/features?limit=100"},
		{"energy_page", "/api/layers/energy/features?limit=5&offset=10"},
		{"feature_by_id", "/api/layers/districts/features/633"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var bytes int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				resp, err := client.Get(ts.URL + bc.path)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
				bytes += n
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportLatency(b, lat)
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/resp")
		})
	}
}

// reportLatency adds p50 and p99 (milliseconds) to a benchmark's output.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
