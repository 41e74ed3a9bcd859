package server

import (
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
)

// Fuzz targets of the parsers that read untrusted request text. Each must answer any input with a
// value or a client error (400/404/414), never a panic or another error, and keep its bounds.

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
		params, err := httpx.ParseQuery(raw)
		if err != nil {
			if !httpx.IsClientError(err) {
				t.Fatalf("httpx.ParseQuery(%q): %v", raw, err)
			}
			return
		}
		q, err := featureQuery(l, params)
		if err == nil {
			err = geo.TileQuery{Layer: l, Tile: geo.TileCoord{}, Equals: q.Equals}.Validate()
		}
		if err != nil {
			if !httpx.IsClientError(err) {
				t.Fatalf("featureQuery(%q): %v is not a client error", raw, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > geo.MaxLimit || q.Offset < 0 || len(q.Properties) > httpx.MaxListValues {
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
