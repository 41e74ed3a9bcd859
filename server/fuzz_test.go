package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
)

// Fuzz targets of the parsers that read untrusted request text. Each must answer any input with a
// value or a client error (400/404/414), never a panic or another error, and keep its bounds.

// clientError reports whether err is one the server answers with a 4xx.
func clientError(err error) bool {
	status, _ := statusOf(err)
	return status >= 400 && status < 500
}

// FuzzFeatureQuery drives /api feature parameters through parseQuery, featureQuery and the value
// checks geo runs before any SQL is built.
func FuzzFeatureQuery(f *testing.F) {
	for _, s := range []string{
		"", "limit=10&offset=5", "bbox=107,13,109,15", "bbox=179,-10,-179,10", "properties=name,status,name",
		"status=operating&kind=ccn", "planned_area_ha=12.5", "planned_area_ha=0.0000000000000000000000000000000001",
		"decision_date=2020-01-01", "target_industries=food", "a;b=c", "%zz", "name=%00", "limit=-1",
		"limit=99999999999999999999", "properties=" + strings.Repeat("name,", 120),
	} {
		f.Add("clusters", s)
	}
	f.Add("districts", "properties=region&region=east")
	catalog := geo.DefaultCatalog()
	f.Fuzz(func(t *testing.T, layer, raw string) {
		l, ok := catalog.Layer(layer)
		if !ok {
			l = catalog.Layers()[len(layer)%len(catalog.Layers())]
		}
		params, err := parseQuery(raw)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("parseQuery(%q): %v", raw, err)
			}
			return
		}
		q, err := featureQuery(l, params)
		if err == nil {
			err = geo.TileQuery{Layer: l, Tile: geo.TileCoord{}, Equals: q.Equals}.Validate()
		}
		if err != nil {
			if !clientError(err) {
				t.Fatalf("featureQuery(%q): %v is not a client error", raw, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > geo.MaxLimit || q.Offset < 0 || len(q.Properties) > maxListValues {
			t.Fatalf("%q: limit %d offset %d, %d properties", raw, q.Limit, q.Offset, len(q.Properties))
		}
		seen := map[string]bool{}
		for _, p := range q.Properties {
			if seen[p] {
				t.Fatalf("%q: property %q twice", raw, p)
			}
			seen[p] = true
		}
	})
}

// FuzzBBox: a bbox is four finite numbers inside WGS 84, or a 400.
func FuzzBBox(f *testing.F) {
	for _, s := range []string{"107,13,109,15", "179,-10,-179,10", "-180,-90,180,90", "1,2,3", "NaN,0,1,1",
		"1e400,0,1,1", "0x1p4,0,1,1", " 1 , 2 , 3 , 4 ", "1,2,3,4,5", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBBox(s)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("parseBBox(%q): %v", s, err)
			}
			return
		}
		if b.MinLon < -180 || b.MaxLon > 180 || b.MinLat < -90 || b.MaxLat > 90 || b.MinLat > b.MaxLat {
			t.Fatalf("parseBBox(%q) = %+v", s, *b)
		}
	})
}

// FuzzTilePath drives a tile request's path and query: z/x/y parsing and the filters of a single
// layer's tile, as handleTile reads them.
func FuzzTilePath(f *testing.F) {
	for _, s := range [][2]string{
		{"clusters/8/203/119.mvt", ""}, {"districts/0/0/0.pbf", "region=east"}, {"clusters/8/203/119.mvt", "status=operating&kind=ccn"},
		{"clusters/30/1/1.mvt", ""}, {"clusters/8/-1/1.mvt", ""}, {"clusters/08/0203/0119.mvt", ""}, {"clusters/8/203/119", "planned_area_ha=1e999"},
		{"clusters/8/203/119.mvt", "planned_area_ha=0." + strings.Repeat("0", 100) + "1"}, {"a/b/c/d", "%"},
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
			if !clientError(err) && !errors.As(err, &ie) {
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
		equals, key, err := tileFilters(raw, []*geo.Layer{l}, tc)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("tileFilters(%q): %v", raw, err)
			}
			return
		}
		if len(equals) > 0 && key == "" {
			t.Fatalf("tileFilters(%q): filters without a cache key", raw)
		}
	})
}
