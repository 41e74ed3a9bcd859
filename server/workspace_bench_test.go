package server

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/timing"
)

// BenchmarkPatchToTile: PATCH a cluster's notes, then fetch the tile it lies in until the tile
// shows the new notes (the tile cache follows the layer's data version). Reports p50/p99 ms.
func BenchmarkPatchToTile(b *testing.B) {
	f := newWS(b)
	u := f.item("clusters", f.inside)
	var lon, lat float64
	if err := f.store.Pool().QueryRow(context.Background(), `SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM clusters WHERE id = $1`, f.inside).Scan(&lon, &lat); err != nil {
		b.Fatal(err)
	}
	tc := geo.TileAt(12, lon, lat)
	tile := fmt.Sprintf("%s/tiles/clusters/%d/%d/%d.mvt", f.url, tc.Z, tc.X, tc.Y)
	var lat50 []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// The notes, not the stage: a stage now moves only with a dated event (the procedure).
		note := fmt.Sprintf("edited by the benchmark, write %d", i)
		start := time.Now()
		resp, _ := do(b, "GET", u, nil)
		r, body := do(b, "PATCH", u, fmt.Appendf(nil, `{"properties":{"notes":%q}}`, note), "Authorization", f.auth(edit.RoleDepartment), "If-Match", resp.Header.Get("ETag"))
		if r.StatusCode != 200 {
			b.Fatalf("patch: %d %s", r.StatusCode, body)
		}
		for {
			_, t := Fetch(b, "GET", tile)
			if bytes.Contains(t, []byte(note)) {
				break
			}
			if time.Since(start) > timing.Patience {
				b.Fatal("the tile never showed the edit")
			}
		}
		lat50 = append(lat50, time.Since(start))
	}
	slices.Sort(lat50)
	ms := func(q float64) float64 { return float64(lat50[int(q*float64(len(lat50)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}
