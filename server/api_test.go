package server_test

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/internal/geotest"
)

type featureCollection struct {
	Type           string `json:"type"`
	NumberMatched  int    `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	Links          []struct {
		Rel, Href string
	} `json:"links"`
	Features []struct {
		Type       string          `json:"type"`
		ID         json.RawMessage `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
	CRS json.RawMessage `json:"crs"`
}

func TestAPIAnswersEveryParameterAsDocumented(t *testing.T) {
	ts, store := newTestServer(t)
	cases := []struct {
		name, path string
		status     int
		errLike    string
	}{
		{"health", "/healthz", 200, ""},
		{"catalog", "/api/layers", 200, ""},
		{"features", "/api/layers/clusters/features", 200, ""},
		{"unknown layer", "/api/layers/factories/features", 404, "unknown layer"},
		{"unknown layer feature", "/api/layers/x/features/1", 404, "unknown layer"},
		{"unknown feature", "/api/layers/clusters/features/999999", 404, "not found"},
		{"non-numeric id", "/api/layers/clusters/features/abc", 404, "not found"},
		{"sql in id", "/api/layers/districts/features/622'%20OR%20'1'='1", 404, "not found"},
		{"bbox three numbers", "/api/layers/clusters/features?bbox=1,2,3", 400, "bbox"},
		{"bbox words", "/api/layers/clusters/features?bbox=a,b,c,d", 400, "bbox"},
		{"bbox NaN", "/api/layers/clusters/features?bbox=NaN,1,2,3", 400, "bbox"},
		{"bbox Inf", "/api/layers/clusters/features?bbox=-Inf,1,2,3", 400, "bbox"},
		{"bbox latitude out of range", "/api/layers/clusters/features?bbox=100,-91,110,20", 400, "latitudes"},
		{"bbox min above max lat", "/api/layers/clusters/features?bbox=100,20,110,10", 400, "minlat"},
		{"bbox across antimeridian", "/api/layers/clusters/features?bbox=170,10,-170,20", 200, ""},
		{"limit zero", "/api/layers/clusters/features?limit=0", 400, "limit"},
		{"limit negative", "/api/layers/clusters/features?limit=-1", 400, "limit"},
		{"limit text", "/api/layers/clusters/features?limit=all", 400, "limit"},
		{"limit absurd is capped", "/api/layers/clusters/features?limit=99999999999999999999", 200, ""},
		{"offset negative", "/api/layers/clusters/features?offset=-5", 400, "offset"},
		{"offset huge", "/api/layers/clusters/features?offset=99999999999999", 200, ""},
		{"duplicate parameter", "/api/layers/clusters/features?limit=1&limit=2", 400, "given 2 times"},
		{"unknown parameter", "/api/layers/clusters/features?colour=red", 400, "unknown parameter"},
		{"sql in filter value", "/api/layers/clusters/features?name=x'%20OR%201=1--", 200, ""},
		{"sql with semicolon", "/api/layers/clusters/features?status=';drop%20table%20clusters;--", 400, "malformed"},
		{"sql as field name", "/api/layers/clusters/features?name%3D1%20OR%201=1=x", 400, "unknown parameter"},
		{"bad enum", "/api/layers/clusters/features?status=stuck", 400, "not one of"},
		{"bad number", "/api/layers/clusters/features?planned_area_ha=lots", 400, "not a number"},
		{"bad date", "/api/layers/clusters/features?decision_date=2024-13-45", 400, "date"},
		{"unknown property", "/api/layers/clusters/features?properties=name,password", 400, "unknown property"},
		{"bad escape", "/api/layers/clusters/features?name=%zz", 400, "malformed"},
		{"search", "/api/search?q=chu%20se", 200, ""},
		{"search empty", "/api/search?q=", 400, "q must be"},
		{"search too long", "/api/search?q=" + strings.Repeat("a", 101), 400, "q must be"},
		{"no route", "/api/nothing", 404, "no such resource"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, ts.URL+tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: status %d, want %d: %s", tc.path, resp.StatusCode, tc.status, body)
			}
			if tc.status >= 400 {
				var e struct{ Error string }
				if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, tc.errLike) {
					t.Fatalf("%s: error body %s does not say %q", tc.path, body, tc.errLike)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("error content type %q", ct)
				}
			}
		})
	}
	// After all that hostile input, the data is intact.
	_, body := get(t, ts.URL+"/api/layers/clusters/features?limit=1")
	var fc featureCollection
	if err := json.Unmarshal(body, &fc); err != nil || fc.NumberMatched != dbCount(t, store, "SELECT count(*) FROM clusters") || fc.NumberMatched == 0 {
		t.Fatalf("clusters after hostile input: %d (%v)", fc.NumberMatched, err)
	}
}

var coordinate = regexp.MustCompile(`-?\d+\.(\d+)`)

func TestFeaturesAreRFC7946WithPagingLinks(t *testing.T) {
	ts, store := newTestServer(t)
	districts := dbCount(t, store, "SELECT count(*) FROM districts")
	resp, body := get(t, ts.URL+"/api/layers/districts/features?limit=5&offset=5")
	if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Fatalf("content type %q", ct)
	}
	var fc featureCollection
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || fc.NumberMatched != districts || fc.NumberReturned != 5 || len(fc.Features) != 5 {
		t.Fatalf("type %s matched %d returned %d features %d", fc.Type, fc.NumberMatched, fc.NumberReturned, len(fc.Features))
	}
	if fc.CRS != nil {
		t.Fatal("RFC 7946 forbids a crs member")
	}
	rels := map[string]string{}
	for _, l := range fc.Links {
		rels[l.Rel] = l.Href
	}
	if !strings.Contains(rels["next"], "offset=10") || !strings.Contains(rels["prev"], "offset=0") || rels["self"] == "" {
		t.Fatalf("links %v", rels)
	}
	for _, f := range fc.Features {
		if len(f.ID) == 0 || f.Type != "Feature" {
			t.Fatalf("feature without id: %s", f.ID)
		}
		for _, m := range coordinate.FindAllStringSubmatch(string(f.Geometry), -1) {
			if len(m[1]) > 6 {
				t.Fatalf("coordinate %s has more than 6 decimals", m[0])
			}
		}
		var g struct {
			Coordinates [][][][2]float64
		}
		if err := json.Unmarshal(f.Geometry, &g); err != nil {
			t.Fatal(err)
		}
		lon, lat := g.Coordinates[0][0][0][0], g.Coordinates[0][0][0][1]
		if lon < 107 || lon > 109.5 || lat < 12 || lat > 15 {
			t.Fatalf("first coordinate %v,%v is not lon,lat in the merged Gia Lai", lon, lat)
		}
		if src, _ := f.Properties["sources"].([]any); len(src) == 0 {
			t.Fatalf("feature %s has no sources", f.ID)
		}
	}
	// Following next links visits every feature once.
	seen := map[string]bool{}
	url := ts.URL + "/api/layers/districts/features?limit=4"
	for url != "" {
		_, body := get(t, url)
		var page featureCollection
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Features {
			seen[string(f.ID)] = true
		}
		url = ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				url = l.Href
			}
		}
	}
	if len(seen) != districts {
		t.Fatalf("next links visited %d districts, want %d", len(seen), districts)
	}
}

func TestLayerCatalogListsEveryLayer(t *testing.T) {
	ts, store := newTestServer(t)
	_, body := get(t, ts.URL+"/api/layers")
	var cat struct {
		Layers []struct {
			ID          string
			Count       int
			Bounds      []float64
			Attribution string
			Fields      []struct{ Name, Type string }
			Links       []struct{ Rel, Href string }
		}
	}
	if err := json.Unmarshal(body, &cat); err != nil {
		t.Fatal(err)
	}
	// The eight layers of the catalog, in its order, each with its table's row count; a layer the
	// seed leaves empty (lots) has no bounds.
	want := store.Catalog().Layers()
	if len(cat.Layers) != len(want) || len(want) != 8 {
		t.Fatalf("%d layers served, %d in the catalog", len(cat.Layers), len(want))
	}
	for i, l := range cat.Layers {
		empty := geotest.EmptyInSeed(l.ID)
		if l.ID != want[i].ID || (l.Count == 0) != empty || (len(l.Bounds) == 4) == empty || l.Attribution == "" || len(l.Fields) == 0 || len(l.Links) == 0 {
			t.Errorf("layer %d: %+v", i, l)
		}
		if rows := dbCount(t, store, "SELECT count(*) FROM "+want[i].Table); l.Count != rows {
			t.Errorf("layer %s: count %d, the table holds %d rows", l.ID, l.Count, rows)
		}
	}
}

func TestSearchIgnoresCaseAndDiacritics(t *testing.T) {
	ts, _ := newTestServer(t)
	cases := []struct{ q, layer, name string }{
		{"dien phu", "clusters", "CCN Diên Phú"},
		{"chu se", "districts", "Chư Sê"},
		{"CHƯ SÊ", "regions", "Khu vực huyện Chư Sê"},
		{"dak doa", "districts", "Đak Đoa"},
		{"tra da", "clusters", "KCN Trà Đa"},
		{"mia", "raw_material_zones", "Vùng mía phía Đông (An Khê – Đak Pơ – KBang – Kông Chro)"},
		{"central area", "regions", "Khu vực trung tâm"},
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			_, body := get(t, ts.URL+"/api/search?q="+strings.ReplaceAll(tc.q, " ", "%20"))
			var res struct {
				Results []struct {
					Layer, Name string
					BBox        []float64
				}
			}
			if err := json.Unmarshal(body, &res); err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Results {
				if r.Layer == tc.layer && r.Name == tc.name {
					if len(r.BBox) != 4 || math.IsNaN(r.BBox[0]) {
						t.Fatalf("bbox %v", r.BBox)
					}
					return
				}
			}
			t.Fatalf("%q did not find %s %q in %s", tc.q, tc.layer, tc.name, body)
		})
	}
}

func TestWebAppIsServedPrecompressed(t *testing.T) {
	ts, _ := newTestServer(t)
	// The request helper never asks for compression itself: the headers and bytes are the server's.
	resp, gz := get(t, ts.URL+"/app.js", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("headers %v", resp.Header)
	}
	etag := resp.Header.Get("ETag")
	_, plain := get(t, ts.URL+"/app.js?identity")
	resp, raw := get(t, ts.URL+"/app.js", "Accept-Encoding", "identity")
	if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("ETag") == etag || len(gz) >= len(raw) || len(plain) != len(raw) {
		t.Fatalf("identity: encoding %q etag %q vs %q, %d gz vs %d raw bytes",
			resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"), etag, len(gz), len(raw))
	}
	// Revalidation with the gzip variant's ETag is a 304.
	resp, _ = get(t, ts.URL+"/app.js", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: status %d", resp.StatusCode)
	}

	// A browser that takes Brotli (Chromium's Accept-Encoding) gets the build's Brotli of the
	// bundle the page loads and of Leaflet: smaller than the gzip, its own ETag, and the very
	// bytes once decoded (by Node's zlib, which the build itself uses).
	for _, file := range []string{"/dist/app.js", "/vendor/leaflet/leaflet.js"} {
		resp, br := get(t, ts.URL+file, "Accept-Encoding", "gzip, deflate, br, zstd")
		_, gz := get(t, ts.URL+file, "Accept-Encoding", "gzip")
		_, raw := get(t, ts.URL+file)
		if resp.Header.Get("Content-Encoding") != "br" || !strings.HasSuffix(resp.Header.Get("ETag"), `-br"`) || len(br) >= len(gz) {
			t.Fatalf("%s with br accepted: encoding %q, ETag %s, %d bytes (gzip %d)", file, resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"), len(br), len(gz))
		}
		decode := exec.Command("node", "-e", `process.stdout.write(require("zlib").brotliDecompressSync(require("fs").readFileSync(0)))`)
		decode.Stdin = bytes.NewReader(br)
		decoded, err := decode.Output()
		if err != nil || !bytes.Equal(decoded, raw) {
			t.Fatalf("%s: the Brotli decodes to %d bytes, the file has %d (%v)", file, len(decoded), len(raw), err)
		}
		if resp, _ := get(t, ts.URL+file, "Accept-Encoding", "br", "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match with the Brotli's ETag: %d", file, resp.StatusCode)
		}
	}
}

// Values that PostgreSQL refuses (NUL, invalid UTF-8, year 0, hex floats, huge exponents) must be
// stopped as 4xx on every route that passes text to the database, never reach it as a 5xx.
func TestHostileValuesNeverCause5xx(t *testing.T) {
	ts, _ := newTestServer(t)
	values := []string{"%00", "%ff", "a%00b", "0000-01-01", "0000-01-01T00:00:00Z", "0x1p4", "1_000", "1e400",
		"NaN", "Inf", "-Infinity", "%27%3B%20DROP%20TABLE%20clusters%3B--", strings.Repeat("x", 5000)}
	routes := []string{
		"/api/layers/clusters/features?name=%s",
		"/api/layers/clusters/features?decision_date=%s",
		"/api/layers/clusters/features?occupancy_pct=%s",
		"/api/layers/clusters/features?bbox=%s,1,2,3",
		"/api/layers/districts/features/%s",
		"/api/layers/clusters/features/%s",
		"/api/search?q=%s",
		"/api/sites?industry=%s",
		"/api/sites?min_free_ha=%s",
		"/api/sites?w_free=%s",
		"/api/clusters/%s/eligibility",
		"/api/districts/%s/eligibility",
		"/api/regions/%s/summary",
		"/api/analysis/linkage?radius_km=%s",
		"/ogc/collections/%s",
		"/ogc/collections/districts/items/%s",
		"/ogc/collections/clusters/items?datetime=%s",
		"/ogc/collections/clusters/items?datetime=%s/..",
		"/ogc/collections/clusters/items?filter=name%%3D%%27%s%%27",
		"/ogc/collections/clusters/items?filter=decision_date%%3DDATE(%%27%s%%27)",
		"/ogc/collections/clusters/items?filter=occupancy_pct%%3E%s",
		"/tiles/clusters/8/203/118.mvt?name=%s",
		"/tiles/clusters/8/203/118.mvt?occupancy_pct=%s",
		"/tiles/%s/1/0/0.mvt",
		"/tiles/clusters/%s/0/0.mvt",
	}
	for _, route := range routes {
		for _, v := range values {
			path := strings.Replace(route, "%s", v, 1)
			path = strings.ReplaceAll(path, "%%", "%")
			resp, body := get(t, ts.URL+path)
			if resp.StatusCode >= 500 {
				t.Errorf("%s: %d %s", truncate(path), resp.StatusCode, truncate(string(body)))
			}
		}
	}
}

func truncate(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
