package tiles

import (
	"errors"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
)

// Fuzz targets of the parsers that read untrusted request text. Each must answer any input with a
// value or a client error (400/404/414), never a panic or another error, and keep its bounds.

// FuzzTilePath drives a tile request's path and query: z/x/y parsing and the filters and property
// list of a single layer's tile, as handleTile reads them.
func FuzzTilePath(f *testing.F) {
	for _, s := range [][2]string{
		{"clusters/8/203/119.mvt", ""}, {"districts/0/0/0.pbf", "region=east"}, {"clusters/8/203/119.mvt", "status=operating&kind=ccn"},
		{"clusters/30/1/1.mvt", ""}, {"clusters/8/-1/1.mvt", ""}, {"clusters/08/0203/0119.mvt", ""}, {"clusters/8/203/119", "planned_area_ha=1e999"},
		{"clusters/8/203/119.mvt", "planned_area_ha=0." + strings.Repeat("0", 100) + "1"}, {"a/b/c/d", "%"},
		{"districts/9/409/236.mvt", "properties=code,name"}, {"clusters/8/203/119.mvt", "properties=id&status=operating"},
		{"clusters/8/203/119.mvt", "properties="}, {"clusters/8/203/119.mvt", "properties=nope,id"},
	} {
		f.Add(s[0], s[1])
	}
	catalog := geo.DefaultCatalog()
	clusters, _ := catalog.Layer("clusters")
	f.Fuzz(func(t *testing.T, path, raw string) {
		parts := strings.Split(path, "/")
		if len(parts) != 4 {
			return
		}
		yStr, _, _ := strings.Cut(parts[3], ".")
		tc, err := parseTileCoord(parts[1], parts[2], yStr)
		if err != nil {
			var ie *geo.InputError
			if !httpx.IsClientError(err) && !errors.As(err, &ie) {
				t.Fatalf("parseTileCoord(%q): %v", path, err)
			}
			return
		}
		if tc.Valid() != nil {
			t.Fatalf("parseTileCoord(%q) = %v, an invalid tile", path, tc)
		}
		l, ok := catalog.Layer(parts[0])
		if !ok {
			l = clusters
		}
		q, err := parseTileParams(raw, []*geo.Layer{l}, tc)
		if err != nil {
			if !httpx.IsClientError(err) {
				t.Fatalf("parseTileParams(%q): %v", raw, err)
			}
			return
		}
		if (len(q.equals) > 0 || q.properties != nil) && q.key == "" {
			t.Fatalf("parseTileParams(%q): filters or properties without a cache key", raw)
		}
		// The SQL of what was accepted builds: no input reaches PostGIS unchecked.
		if _, _, err := geo.TileSQL(l, q.equals, q.properties...); err != nil {
			t.Fatalf("parseTileParams(%q) accepted %v, but TileSQL refuses it: %v", raw, q, err)
		}
	})
}
