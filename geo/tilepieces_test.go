package geo_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
)

// TestTilePiecesMatchWholePolygons: from geo.TilePieceZoom on, polygonal tiles read pre-cut pieces
// (migrations/00006_performance.sql); every tile over the province must come out as it does from
// the whole polygons, and stay so after the data changes (the pieces follow in the same
// transaction).
func TestTilePiecesMatchWholePolygons(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	compare := func(when string) {
		t.Helper()
		var n, differ int
		for _, l := range store.Catalog().Layers() {
			if !l.Polygonal {
				continue
			}
			for z := geo.TilePieceZoom; z <= 14; z += 3 - 2*(z%2) { // 11, 12, 14: shallow and deep
				for _, tc := range geo.TilesCovering(gialai, z) {
					var whole, pieces []byte
					for i, build := range []func(*geo.Layer, map[string]string, ...string) (string, []any, error){geo.TileSQL, geo.TileSQLDeep} {
						sql, a, err := build(l, nil)
						if err != nil {
							t.Fatal(err)
						}
						a[0], a[1], a[2] = tc.Z, tc.X, tc.Y
						var v int64
						out := &whole
						if i == 1 {
							out = &pieces
						}
						if err := store.Pool().QueryRow(ctx, sql, a...).Scan(&v, out); err != nil {
							t.Fatal(err)
						}
					}
					n++
					if !bytes.Equal(whole, pieces) && !sameTileGeometry(t, whole, pieces) {
						differ++
						if differ <= 3 {
							t.Errorf("%s: %s %s: %d bytes from the pieces, %d from the whole polygons", when, l.ID, tc, len(pieces), len(whole))
						}
					}
				}
			}
		}
		if differ > 0 || n == 0 {
			t.Errorf("%s: %d of %d tiles differ", when, differ, n)
		}
	}
	compare("seed")
	// Move a district's boundary (and with it its region's and the zones drawn from it).
	if _, err := store.Pool().Exec(ctx, `UPDATE districts SET geom = ST_Multi(ST_Buffer(geom, 0.01, 'join=mitre'))
		WHERE code = (SELECT min(code) FROM districts)`); err != nil {
		t.Fatal(err)
	}
	compare("after an edit")
}

// sameTileGeometry compares two MVT tiles feature by feature: the same ids and properties, and
// the same rings within the tile, a ring's starting vertex aside (clipping a piece or the whole
// polygon may start a ring elsewhere) and within one tile unit: each clip computes its own
// crossing with the buffer's edge, which may round one unit apart.
func sameTileGeometry(t *testing.T, a, b []byte) bool {
	t.Helper()
	type feature struct {
		key   string
		rings [][]orb.Point
	}
	norm := func(data []byte) []feature {
		layers, err := mvt.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		var out []feature
		for _, l := range layers {
			for _, f := range l.Features {
				ft := feature{key: fmt.Sprint(l.Name, f.ID, f.Properties)}
				var walk func(g orb.Geometry)
				walk = func(g orb.Geometry) {
					switch g := g.(type) {
					case orb.MultiPolygon:
						for _, p := range g {
							walk(p)
						}
					case orb.Polygon:
						for _, r := range g {
							ft.rings = append(ft.rings, fromSmallest(r))
						}
					}
				}
				walk(clip.Geometry(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{4096, 4096}}, f.Geometry))
				slices.SortFunc(ft.rings, func(x, y []orb.Point) int { return cmpPoint(x[0], y[0]) })
				out = append(out, ft)
			}
		}
		slices.SortFunc(out, func(x, y feature) int { return strings.Compare(x.key, y.key) })
		return out
	}
	fa, fb := norm(a), norm(b)
	if len(fa) != len(fb) {
		return false
	}
	near := func(p, q orb.Point) bool { return math.Abs(p[0]-q[0]) <= 1.5 && math.Abs(p[1]-q[1]) <= 1.5 }
	for i := range fa {
		if fa[i].key != fb[i].key || len(fa[i].rings) != len(fb[i].rings) {
			return false
		}
		for j, r := range fa[i].rings {
			q := fb[i].rings[j]
			if len(r) != len(q) {
				return false
			}
			for k := range r {
				if !near(r[k], q[k]) {
					return false
				}
			}
		}
	}
	return true
}

func cmpPoint(p, q orb.Point) int {
	if p[0] != q[0] {
		return cmp.Compare(p[0], q[0])
	}
	return cmp.Compare(p[1], q[1])
}

// fromSmallest is a ring from its smallest vertex, without the closing repeat.
func fromSmallest(r orb.Ring) []orb.Point {
	pts := []orb.Point(r)
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	start := 0
	for i, p := range pts {
		if cmpPoint(p, pts[start]) < 0 {
			start = i
		}
	}
	return append(slices.Clone(pts[start:]), pts[:start]...)
}
