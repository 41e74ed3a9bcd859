package ingest

import (
	"testing"

	"github.com/clustermap/clustermap/geo"
)

// FuzzPrepare drives the part of an import that needs no database: decoding GeoJSON and checking
// every feature against a layer's fields. Any input must give a report or an error, never a
// panic, and every row it lets through must name a position inside the file.
func FuzzPrepare(f *testing.F) {
	f.Add("plants", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[108,13.9]},"properties":{"name":"a","kind":"mill","crop":"coffee","geometry_quality":"cited","placement":"x","sources":["s"]}}]}`))
	f.Add("clusters", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[108,13],[108.1,13],[108.1,13.1],[108,13]]]},"properties":{"name":"b","kind":"ccn","status":"planned","target_industries":"food; wood","planned_area_ha":"12"}}]}`))
	f.Add("raw_material_zones", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"district_codes":"[\"622\",1]"}}]}`))
	f.Add("roads", []byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add("districts", []byte(`{"type":"Feature"}`))
	f.Add("energy", []byte(`[1e999, "\u0000"]`))
	catalog := geo.DefaultCatalog()
	f.Fuzz(func(t *testing.T, layer string, data []byte) {
		l, ok := catalog.Layer(layer)
		if !ok {
			l = catalog.Layers()[len(layer)%len(catalog.Layers())]
		}
		rep, rows, err := prepare(l, "EPSG:4326", data)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.pos < 1 || r.pos > rep.Features {
				t.Fatalf("row at %d of %d features", r.pos, rep.Features)
			}
		}
	})
}
