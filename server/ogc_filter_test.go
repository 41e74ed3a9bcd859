package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Part 3 (filtering) with CQL2 text, over HTTP. geo/cql2_test.go checks each construct of the
// compiler against the database; these check the wiring: parameters, paging, errors, queryables.

func TestOGCFilter(t *testing.T) {
	srv, store := newTestServer(t)
	datedClusters(t, store)
	root := srv.URL + "/ogc"
	items := root + "/collections/clusters/items"
	maximum := openAPIMaximum(t, root)

	conf := getJSON[map[string]any](t, root+"/conformance", http.StatusOK, "Accept", etsJSONAccept)
	var classes []string
	for _, c := range conf["conformsTo"].([]any) {
		classes = append(classes, c.(string))
	}
	for _, want := range []string{
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
		"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
		"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
		"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	} {
		if !slices.Contains(classes, want) {
			t.Errorf("conformsTo lacks %s", want)
		}
	}
	// Not implemented, so not declared.
	for _, c := range classes {
		for _, no := range []string{"cql2-json", "temporal-functions", "array-functions", "case-insensitive", "accent-insensitive", "arithmetic", "/crs"} {
			if strings.Contains(c, no) {
				t.Errorf("declares %s, which is not implemented", c)
			}
		}
	}

	cases := []struct{ filter, where string }{
		{"status = 'operating'", "status = 'operating'"},
		{"kind = 'ccn' AND planned_area_ha < 75", "kind = 'ccn' AND planned_area_ha < 75"},
		{"NOT (kind = 'ccn') OR status IN ('planned', 'established')", "kind <> 'ccn' OR status IN ('planned', 'established')"},
		{"decision_date >= DATE('2016-01-01')", "decision_date >= '2016-01-01'"},
		{"S_INTERSECTS(geometry, BBOX(107.9, 13.8, 108.1, 14.1))", "ST_Intersects(geom, ST_MakeEnvelope(107.9, 13.8, 108.1, 14.1, 4326))"},
		{"S_INTERSECTS(geometry, POLYGON((107.9 13.8, 108.1 13.8, 108.1 14.1, 107.9 13.8)))",
			"ST_Intersects(geom, ST_GeomFromText('POLYGON((107.9 13.8, 108.1 13.8, 108.1 14.1, 107.9 13.8))', 4326))"},
	}
	for _, tc := range cases {
		for _, extra := range []string{"", "&filter-lang=cql2-text&filter-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/OGC/1.3/CRS84")} {
			u := items + "?limit=2&filter=" + url.QueryEscape(tc.filter) + extra
			page := getJSON[map[string]any](t, u, http.StatusOK, "Accept", etsGeoJSON)
			// The response checks, including the suite's paging, which must keep the filter.
			checkItems(t, "filter="+tc.filter, page, maximum)
			want := dbCount(t, store, "SELECT count(*) FROM clusters WHERE "+tc.where)
			if got := int(page["numberMatched"].(float64)); got != want {
				t.Errorf("filter=%s: numberMatched %d, database says %d", tc.filter, got, want)
			}
			// Plain paging through next links returns exactly the matched features.
			seen := 0
			for next := u; next != ""; {
				p := getJSON[map[string]any](t, next, http.StatusOK, "Accept", etsGeoJSON)
				seen += len(p["features"].([]any))
				next = ""
				if l := linkBy(links(t, p), "next", ""); l != nil {
					next = l["href"].(string)
				}
			}
			if seen != want {
				t.Errorf("filter=%s: paging returned %d features, want %d", tc.filter, seen, want)
			}
		}
	}
	// Filters combine with bbox and datetime.
	page := getJSON[map[string]any](t, items+"?bbox=107.9,13.8,108.1,14.1&datetime=2016-01-01/..&filter="+url.QueryEscape("kind = 'ccn'"), http.StatusOK, "Accept", etsGeoJSON)
	want := dbCount(t, store, `SELECT count(*) FROM clusters WHERE kind = 'ccn' AND decision_date >= '2016-01-01'
		AND ST_Intersects(geom, ST_MakeEnvelope(107.9, 13.8, 108.1, 14.1, 4326))`)
	if got := int(page["numberMatched"].(float64)); got != want {
		t.Errorf("filter+bbox+datetime: %d, database says %d", got, want)
	}

	for _, bad := range []string{
		"filter=" + url.QueryEscape("nope = 1"),
		"filter=" + url.QueryEscape("name > 5"),
		"filter=" + url.QueryEscape("status = 'x"),
		"filter=" + url.QueryEscape("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))"),
		"filter=",
		"filter=" + url.QueryEscape("status = 'operating'") + "&filter-lang=cql-text",
		"filter=" + url.QueryEscape("status = 'operating'") + "&filter-lang=cql2-json",
		"filter=" + url.QueryEscape("status = 'operating'") + "&filter-crs=EPSG:4326",
		"filter-lang=cql2-text",
	} {
		r, rBody := get(t, items+"?"+bad, "Accept", etsGeoJSON)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(rBody), `"error"`) {
			t.Errorf("%s: %d %s, want 400", bad, r.StatusCode, rBody)
		}
	}
}

func TestOGCQueryables(t *testing.T) {
	srv, store := newTestServer(t)
	root := srv.URL + "/ogc"
	for _, l := range store.Catalog().Layers() {
		c := getJSON[map[string]any](t, root+"/collections/"+l.ID, http.StatusOK, "Accept", etsJSONAccept)
		q := linkBy(links(t, c), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json")
		if q == nil {
			t.Fatalf("%s: no queryables link", l.ID)
		}
		doc := getJSON[map[string]any](t, q["href"].(string), http.StatusOK, "Accept", "application/schema+json")
		props := doc["properties"].(map[string]any)
		if doc["type"] != "object" || doc["$id"] != q["href"] || props["geometry"] == nil {
			t.Errorf("%s: queryables %v", l.ID, doc)
		}
		// Every filterable field is a queryable; an object field (figures) is served, not filtered.
		filterable := 0
		for _, f := range l.Fields {
			if !f.Filterable() {
				if props[f.Name] != nil {
					t.Errorf("%s: object field %s offered as a queryable", l.ID, f.Name)
				}
				continue
			}
			filterable++
			if props[f.Name] == nil {
				t.Errorf("%s: queryable %s missing", l.ID, f.Name)
			}
		}
		if len(props) != filterable+1 {
			t.Errorf("%s: %d queryables for %d filterable fields and the geometry", l.ID, len(props), filterable)
		}
	}
}
