package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
)

// BenchmarkTile measures the tile path through the handler (routing, parsing, cache, PostGIS,
// gzip, headers), without the network: "postgis" with the cache off, so every request builds its
// tile; "cached" with the cache warm. The tiles are every tile over Gia Lai from z6 to z14 of
// the polygon layers, in turn.
//
//	go test -run '^$' -bench Tile -benchtime 2000x ./server/
func BenchmarkTile(b *testing.B) {
	store, _ := geotest.Seeded(b)
	var paths []string
	box := geo.BBox{MinLon: 107.45, MinLat: 12.99, MaxLon: 108.88, MaxLat: 14.61}
	for z := 6; z <= 14; z++ {
		for _, tc := range geo.TilesCovering(box, z) {
			for _, l := range store.Catalog().Layers() {
				if l.Polygonal {
					paths = append(paths, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", l.ID, tc.Z, tc.X, tc.Y))
				}
			}
		}
	}
	for _, bc := range []struct {
		name    string
		cacheMB int
	}{{"postgis", 0}, {"cached", 64}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := New(Config{CacheControl: "public, max-age=60", TileCacheMB: bc.cacheMB}, store, slog.New(slog.DiscardHandler))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go srv.versions.Follow(ctx)
			for !srv.versions.Live() {
				if ctx.Err() != nil {
					b.Fatal(ctx.Err())
				}
			}
			serve := func(path string) int {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				srv.Handler().ServeHTTP(w, req)
				if w.Code != http.StatusOK && w.Code != http.StatusNoContent {
					b.Fatalf("%s: %d %s", path, w.Code, w.Body)
				}
				return w.Body.Len()
			}
			if bc.cacheMB > 0 {
				for _, p := range paths {
					serve(p)
				}
			}
			var bytes int
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				bytes += serve(paths[i%len(paths)])
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/tile")
		})
	}
}
