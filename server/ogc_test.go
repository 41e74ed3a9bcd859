package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
)

// These tests hold the assertions of the official OGC executable test suite for OGC API –
// Features Part 1 (opengeospatial/ets-ogcapi-features10: Core, with the GeoJSON, HTML and OAS30
// classes deciding which links are required), run against the real server on a seeded PostGIS.
// Figures are compared with the database, not with constants.

// The Accept headers the test suite sends: RestAssured's ContentType.JSON, and GeoJSON for items.
const (
	etsJSONAccept = "application/json, application/javascript, text/javascript, text/json"
	etsGeoJSON    = "application/geo+json"
)

const (
	confCore    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	confGeoJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	confHTML    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
	confOAS30   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	openAPIMT   = "application/vnd.oai.openapi+json;version=3.0"
)

func links(t *testing.T, doc map[string]any) []map[string]any {
	t.Helper()
	raw, ok := doc["links"].([]any)
	if !ok {
		t.Fatalf("no links array in %v", doc)
	}
	out := make([]map[string]any, len(raw))
	for i, l := range raw {
		out[i] = l.(map[string]any)
	}
	return out
}

func linkBy(ls []map[string]any, rel, mediaType string) map[string]any {
	for _, l := range ls {
		if l["rel"] == rel && (mediaType == "" || l["type"] == mediaType) {
			return l
		}
	}
	return nil
}

// checkSelfAndAlternate is the suite's link check: self with rel and type, and since HTML is
// declared, an alternate text/html link (section A.2 "alternate" logic).
func checkSelfAndAlternate(t *testing.T, where string, ls []map[string]any, selfType string) {
	t.Helper()
	self := linkBy(ls, "self", "")
	if self == nil || self["type"] != selfType {
		t.Errorf("%s: self link %v, want type %s", where, self, selfType)
	}
	if linkBy(ls, "alternate", "text/html") == nil {
		t.Errorf("%s: no alternate text/html link (required because the html class is declared)", where)
	}
	for _, l := range ls {
		if (l["rel"] == "self" || l["rel"] == "alternate") && (l["type"] == nil || l["href"] == nil) {
			t.Errorf("%s: link without type or href: %v", where, l)
		}
	}
}

func dbCount(t *testing.T, store *geo.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := store.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// datedClusters gives some clusters decision dates: the seed has none, because its sources do not
// state them, but datetime filters and the temporal extent need some.
func datedClusters(t *testing.T, store *geo.Store) {
	t.Helper()
	if _, err := store.Pool().Exec(context.Background(), `UPDATE clusters SET decision_date = date '2015-03-10' + ((id % 97) * 41)::int
		WHERE id IN (SELECT id FROM clusters ORDER BY id LIMIT 8)`); err != nil {
		t.Fatal(err)
	}
}

func TestOGCLandingConformanceAndAPIDefinition(t *testing.T) {
	srv, _ := newTestServer(t)
	root := srv.URL + "/ogc"

	for _, u := range []string{root, root + "/"} {
		r, _ := get(t, u, "Accept", etsJSONAccept)
		if r.StatusCode != http.StatusOK || r.Proto != "HTTP/1.1" {
			t.Fatalf("GET %s: %d %s, want 200 over HTTP/1.1", u, r.StatusCode, r.Proto)
		}
	}
	landing := getJSON[map[string]any](t, root, http.StatusOK, "Accept", etsJSONAccept)
	ls := links(t, landing)
	rels := map[string]bool{}
	for _, l := range ls {
		rels[l["rel"].(string)] = true
		if l["type"] == nil || l["href"] == nil {
			t.Errorf("landing link without type or href: %v", l)
		}
	}
	if !(rels["service-desc"] || rels["service-doc"]) || !rels["conformance"] || !rels["data"] {
		t.Errorf("landing page rels %v: need service-desc or service-doc, conformance and data", rels)
	}
	checkSelfAndAlternate(t, "landing", ls, "application/json")

	// The suite finds the API definition by rel and exact type (spaces removed) and resolves a
	// relative href against the host only: it must be absolute or root-relative.
	var apiURL string
	for _, l := range ls {
		if l["rel"] == "service-desc" && strings.ReplaceAll(l["type"].(string), " ", "") == openAPIMT {
			apiURL = l["href"].(string)
		}
	}
	if !strings.HasPrefix(apiURL, root) {
		t.Fatalf("service-desc %q: want an absolute URL under %s with type %s", apiURL, root, openAPIMT)
	}
	r, _ := get(t, apiURL, "Accept", openAPIMT)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != openAPIMT {
		t.Fatalf("API definition: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if doc := linkBy(ls, "service-doc", "text/html"); doc == nil || !strings.Contains(string(func() []byte { _, b := get(t, doc["href"].(string)); return b }()), "/collections/clusters/items") {
		t.Errorf("service-doc %v does not document the items paths", doc)
	}

	// The suite locates /conformance through the OpenAPI servers and paths (TestOGCOpenAPI), and
	// needs every element of conformsTo to be a string, core among them.
	conf := getJSON[map[string]any](t, root+"/conformance", http.StatusOK, "Accept", etsJSONAccept)
	classes, ok := conf["conformsTo"].([]any)
	if !ok || len(classes) == 0 {
		t.Fatalf("conformsTo: %v", conf["conformsTo"])
	}
	var got []string
	for _, c := range classes {
		s, ok := c.(string)
		if !ok {
			t.Fatalf("conformsTo element %v is not a string", c)
		}
		got = append(got, s)
	}
	for _, want := range []string{confCore, confGeoJSON, confHTML, confOAS30} {
		if !slices.Contains(got, want) {
			t.Errorf("conformsTo lacks %s", want)
		}
	}
}

// collectionsDoc fetches /collections and returns the collections by id, in order.
func collectionsDoc(t *testing.T, root string) (map[string]any, []map[string]any) {
	t.Helper()
	doc := getJSON[map[string]any](t, root+"/collections", http.StatusOK, "Accept", etsJSONAccept)
	raw, ok := doc["collections"].([]any)
	if !ok || len(raw) == 0 {
		t.Fatalf("collections must be a non-empty array: %v", doc["collections"])
	}
	var out []map[string]any
	for _, c := range raw {
		out = append(out, c.(map[string]any))
	}
	return doc, out
}

func TestOGCCollections(t *testing.T) {
	srv, store := newTestServer(t)
	root := srv.URL + "/ogc"
	// Without any dates, there is no temporal extent (and no null in an interval).
	if _, err := store.Pool().Exec(context.Background(), `UPDATE clusters SET decision_date = NULL`); err != nil {
		t.Fatal(err)
	}
	srv.AwaitVersions(t, store)
	_, undated := collectionsDoc(t, root)
	if undated[2]["id"] != "clusters" || undated[2]["extent"].(map[string]any)["temporal"] != nil {
		t.Errorf("clusters without dates: extent %v", undated[2]["extent"])
	}
	datedClusters(t, store)
	srv.AwaitVersions(t, store)
	doc, collections := collectionsDoc(t, root)
	checkSelfAndAlternate(t, "/collections", links(t, doc), "application/json")

	var ids []string
	for _, c := range collections {
		id, _ := c["id"].(string)
		ids = append(ids, id)
		t.Run(id, func(t *testing.T) {
			l, ok := store.Catalog().Layer(id)
			if !ok {
				t.Fatalf("collection %q is not a layer", id)
			}
			if c["title"] != l.Title.EN || c["description"] != l.Description.EN {
				t.Errorf("title/description %v / %v", c["title"], c["description"])
			}
			if it, ok := c["itemType"].(string); ok && !strings.EqualFold(it, "feature") {
				t.Errorf("itemType %q", it)
			}
			cls := links(t, c)
			for _, lk := range cls {
				if lk["rel"] == nil || lk["type"] == nil {
					t.Errorf("link without rel or type: %v", lk)
				}
			}
			// Exactly this type string: the suite compares with String.equals.
			items := linkBy(cls, "items", "application/geo+json")
			if items == nil || items["href"] != root+"/collections/"+id+"/items" {
				t.Errorf("items link %v", items)
			}

			// The spatial extent is the live extent of the data, 4 numbers in CRS84; an empty
			// layer has none.
			if geotest.EmptyInSeed(l.ID) {
				if c["extent"] != nil {
					t.Errorf("empty layer with an extent: %v", c["extent"])
				}
				return
			}
			var minx, miny, maxx, maxy float64
			if err := store.Pool().QueryRow(context.Background(), fmt.Sprintf(
				"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM %s) x", l.Table)).
				Scan(&minx, &miny, &maxx, &maxy); err != nil {
				t.Fatal(err)
			}
			ext := c["extent"].(map[string]any)
			spatial := ext["spatial"].(map[string]any)
			bbox := spatial["bbox"].([]any)[0].([]any)
			if len(bbox) != 4 || spatial["crs"] != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
				t.Fatalf("spatial extent %v", spatial)
			}
			for i, want := range []float64{minx, miny, maxx, maxy} {
				if got := bbox[i].(float64); math.Abs(got-want) > 1e-9 {
					t.Errorf("bbox[%d] = %v, database says %v", i, got, want)
				}
			}
			temporal, hasTime := ext["temporal"].(map[string]any)
			if (l.TimeField != "") != hasTime {
				t.Errorf("temporal extent %v for time field %q", ext["temporal"], l.TimeField)
			}
			if hasTime {
				var first, last time.Time
				if err := store.Pool().QueryRow(context.Background(), fmt.Sprintf("SELECT min(%[1]s), max(%[1]s) FROM %[2]s", l.TimeField, l.Table)).Scan(&first, &last); err != nil {
					t.Fatal(err)
				}
				iv := temporal["interval"].([]any)[0].([]any)
				if iv[0] != first.Format("2006-01-02")+"T00:00:00Z" || iv[1] != last.Format("2006-01-02")+"T23:59:59Z" {
					t.Errorf("temporal interval %v, database has %s..%s", iv, first.Format("2006-01-02"), last.Format("2006-01-02"))
				}
			}

			// The single collection must repeat id, title, description and extent exactly.
			one := getJSON[map[string]any](t, root+"/collections/"+id, http.StatusOK, "Accept", etsJSONAccept)
			for _, key := range []string{"id", "title", "description", "extent"} {
				if !reflect.DeepEqual(one[key], c[key]) {
					t.Errorf("/collections/%s %s = %v, /collections says %v", id, key, one[key], c[key])
				}
			}
		})
	}
	var want []string
	for _, l := range store.Catalog().Layers() {
		want = append(want, l.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("collections %v, catalog has %v", ids, want)
	}
}

// etsNextPages counts features the way the suite's numberMatched check does: it splits the next
// link's query on & and =, re-sends every pair but limit as a parameter (which re-encodes it),
// sets limit to the OpenAPI maximum, and follows at most 4 next links.
func etsNextPages(t *testing.T, page map[string]any, maximum int) int {
	t.Helper()
	n := len(page["features"].([]any))
	next := linkBy(links(t, page), "next", "")
	for count := 0; next != nil && count <= 3; count++ {
		href := next["href"].(string)
		u, err := url.Parse(href)
		if err != nil || u.RawQuery == "" {
			t.Fatalf("next link %q has no query string (the suite needs one)", href)
		}
		params := url.Values{}
		for _, pair := range strings.Split(u.RawQuery, "&") {
			k, v, ok := strings.Cut(pair, "=")
			if !ok {
				t.Fatalf("next link %q: pair %q has no '='", href, pair)
			}
			// java.net.URI.getQuery() decodes once, then RestAssured encodes again.
			dv, err := url.PathUnescape(v)
			if err != nil {
				t.Fatalf("next link %q: %v", href, err)
			}
			if k != "limit" {
				params.Add(k, dv)
			}
		}
		params.Set("limit", fmt.Sprint(maximum))
		u.RawQuery = params.Encode()
		res := getJSON[map[string]any](t, u.String(), http.StatusOK, "Accept", etsGeoJSON)
		got := len(res["features"].([]any))
		if got == 0 {
			break
		}
		n += got
		next = linkBy(links(t, res), "next", "")
	}
	return n
}

// checkItems is the suite's response check for every items request.
func checkItems(t *testing.T, where string, page map[string]any, maximum int) {
	t.Helper()
	if page["type"] != "FeatureCollection" {
		t.Errorf("%s: type %v", where, page["type"])
	}
	features, ok := page["features"].([]any)
	if !ok {
		t.Fatalf("%s: no features array", where)
	}
	checkSelfAndAlternate(t, where, links(t, page), "application/geo+json")
	ts, _ := page["timeStamp"].(string)
	if _, err := time.Parse(time.RFC3339, ts); err != nil || !strings.HasSuffix(ts, "Z") {
		t.Errorf("%s: timeStamp %q is not an RFC 3339 UTC time", where, ts)
	}
	if int(page["numberReturned"].(float64)) != len(features) {
		t.Errorf("%s: numberReturned %v but %d features", where, page["numberReturned"], len(features))
	}
	if matched := int(page["numberMatched"].(float64)); etsNextPages(t, page, maximum) != matched {
		t.Errorf("%s: paging as the suite does does not add up to numberMatched %d", where, matched)
	}
	for _, f := range features {
		if err := inCRS84(f.(map[string]any)["geometry"]); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
}

// inCRS84 checks that every position of a GeoJSON geometry is a longitude/latitude.
func inCRS84(g any) error {
	var walk func(v any) error
	walk = func(v any) error {
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		if len(arr) >= 2 {
			x, xok := arr[0].(float64)
			y, yok := arr[1].(float64)
			if xok && yok {
				if x < -180 || x > 180 || y < -90 || y > 90 {
					return fmt.Errorf("position %v outside CRS84", arr)
				}
				return nil
			}
		}
		for _, e := range arr {
			if err := walk(e); err != nil {
				return err
			}
		}
		return nil
	}
	m, ok := g.(map[string]any)
	if !ok {
		return nil
	}
	return walk(m["coordinates"])
}

// openAPIMaximum reads the limit maximum the way the suite does: from the items path's limit.
func openAPIMaximum(t *testing.T, root string) int {
	t.Helper()
	doc := getJSON[map[string]any](t, root+"/api", http.StatusOK, "Accept", openAPIMT)
	limit := doc["components"].(map[string]any)["parameters"].(map[string]any)["limit"].(map[string]any)
	return int(limit["schema"].(map[string]any)["maximum"].(float64))
}

func TestOGCItems(t *testing.T) {
	srv, store := newTestServer(t)
	root := srv.URL + "/ogc"
	maximum := openAPIMaximum(t, root)
	_, collections := collectionsDoc(t, root)
	for _, c := range collections {
		id := c["id"].(string)
		l, _ := store.Catalog().Layer(id)
		items := linkBy(links(t, c), "items", "application/geo+json")["href"].(string)
		total := dbCount(t, store, "SELECT count(*) FROM "+l.Table)
		t.Run(id, func(t *testing.T) {
			// The suite appends limit=10 to every items request.
			page := getJSON[map[string]any](t, items+"?limit=10", http.StatusOK, "Accept", etsGeoJSON)
			checkItems(t, id, page, maximum)
			if int(page["numberMatched"].(float64)) != total {
				t.Errorf("numberMatched %v, database has %d", page["numberMatched"], total)
			}
			// limit=minimum and limit=min(100, middle): at most that many, every check again.
			for _, limit := range []int{1, 100} {
				p := getJSON[map[string]any](t, fmt.Sprintf("%s?limit=%d", items, limit), http.StatusOK, "Accept", etsGeoJSON)
				if n := len(p["features"].([]any)); n > limit {
					t.Errorf("limit=%d returned %d features", limit, n)
				}
				checkItems(t, fmt.Sprintf("%s limit=%d", id, limit), p, maximum)
			}
			// Every feature has an id (the Feature test takes the first one).
			for _, f := range page["features"].([]any) {
				if f.(map[string]any)["id"] == nil {
					t.Errorf("feature without id: %v", f)
				}
			}
			// Errors: an invalid limit and an unknown parameter are 400.
			if r, _ := get(t, items+"?limit=unlimited", "Accept", etsGeoJSON); r.StatusCode != http.StatusBadRequest {
				t.Errorf("limit=unlimited: %d, want 400", r.StatusCode)
			}
			if r, _ := get(t, items+"?unknownQueryParameter48213=1&limit=10", "Accept", etsGeoJSON); r.StatusCode != http.StatusBadRequest {
				t.Errorf("unknown parameter: %d, want 400", r.StatusCode)
			}
		})
	}
}

func TestOGCPagingThroughWholeResult(t *testing.T) {
	srv, store := newTestServer(t)
	root := srv.URL + "/ogc"
	want := map[string]bool{}
	rows, err := store.Pool().Query(context.Background(), "SELECT id::text FROM clusters")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want[id] = true
	}
	rows.Close()
	if len(want) < 4 {
		t.Fatalf("the seed has %d clusters; this test needs several pages", len(want))
	}
	seen := map[string]bool{}
	next := root + "/collections/clusters/items?limit=3"
	pages := 0
	for next != "" {
		page := getJSON[map[string]any](t, next, http.StatusOK, "Accept", etsGeoJSON)
		pages++
		for _, f := range page["features"].([]any) {
			id := fmt.Sprint(f.(map[string]any)["id"])
			if seen[id] {
				t.Errorf("feature %s on two pages", id)
			}
			seen[id] = true
		}
		next = ""
		if l := linkBy(links(t, page), "next", "application/geo+json"); l != nil {
			next = l["href"].(string)
		}
		if pages > len(want) {
			t.Fatal("next links do not end")
		}
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("paging with limit=3 saw %d features, database has %d", len(seen), len(want))
	}
	// A client may change limit between pages: next starts after what was actually returned.
	page := getJSON[map[string]any](t, root+"/collections/clusters/items?limit=2&offset=1", http.StatusOK, "Accept", etsGeoJSON)
	if href := linkBy(links(t, page), "next", "")["href"].(string); !strings.Contains(href, "offset=3") {
		t.Errorf("next after offset=1 limit=2 is %s, want offset=3", href)
	}
	if prev := linkBy(links(t, page), "prev", ""); prev == nil || !strings.Contains(prev["href"].(string), "offset=0") {
		t.Errorf("prev link %v", prev)
	}
	// limit repeated (the suite adds its own to a next link): the last one wins.
	if p := getJSON[map[string]any](t, root+"/collections/clusters/items?limit=1&limit=3", http.StatusOK, "Accept", etsGeoJSON); len(p["features"].([]any)) != 3 {
		t.Errorf("limit=1&limit=3 returned %d features, want 3", len(p["features"].([]any)))
	}
	// Above the maximum is served as the maximum (GDAL asks for 1000 or more), not refused.
	if p := getJSON[map[string]any](t, root+"/collections/clusters/items?limit=100000", http.StatusOK, "Accept", etsGeoJSON); len(p["features"].([]any)) != len(want) {
		t.Errorf("limit=100000 returned %d features", len(p["features"].([]any)))
	}
	for _, bad := range []string{"limit=0", "limit=-1", "offset=-1", "offset=x", "bbox=1,2,3", "f=xml", "datetime=yesterday"} {
		if r, _ := get(t, root+"/collections/clusters/items?"+bad, "Accept", etsGeoJSON); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, r.StatusCode)
		}
	}
	// Different values of a repeated filter are ambiguous.
	if r, _ := get(t, root+"/collections/clusters/items?bbox=100,10,110,20&bbox=0,0,1,1", "Accept", etsGeoJSON); r.StatusCode != http.StatusBadRequest {
		t.Errorf("two different bboxes: %d, want 400", r.StatusCode)
	}
}

func TestOGCBBox(t *testing.T) {
	srv, store := newTestServer(t)
	root := srv.URL + "/ogc"
	maximum := openAPIMaximum(t, root)
	_, collections := collectionsDoc(t, root)
	for _, c := range collections {
		id := c["id"].(string)
		if geotest.EmptyInSeed(id) { // no extent to draw the suite's boxes from (TestOGCCollections)
			continue
		}
		l, _ := store.Catalog().Layer(id)
		items := root + "/collections/" + id + "/items"
		own := c["extent"].(map[string]any)["spatial"].(map[string]any)["bbox"].([]any)[0].([]any)
		// The suite's boxes, in its number format (DecimalFormat "###.0000000").
		boxes := []string{
			fmt.Sprintf("%s,%s,%s,%s", etsNumber(own[0].(float64)), etsNumber(own[1].(float64)), etsNumber(own[2].(float64)), etsNumber(own[3].(float64))),
			"-1.5000000,50.0000000,1.5000000,53.0000000",
			"-80.0000000,-5.0000000,-70.0000000,5.0000000",
			"177.0000000,65.0000000,-177.0000000,70.0000000",
			"-180.0000000,85.0000000,180.0000000,90.0000000",
			"-180.0000000,-90.0000000,180.0000000,-85.0000000",
			// Crossing the antimeridian around the data: the western part holds Gia Lai.
			"100.0000000,.0000000,-170.0000000,30.0000000",
			// 3D boxes: heights are ignored.
			"100,0,-1000,-170,30,1000",
		}
		t.Run(id, func(t *testing.T) {
			for _, box := range boxes {
				page := getJSON[map[string]any](t, items+"?limit=10&bbox="+box, http.StatusOK, "Accept", etsGeoJSON)
				checkItems(t, id+" bbox="+box, page, maximum)
				v := strings.Split(box, ",")
				if len(v) == 6 {
					v = []string{v[0], v[1], v[3], v[4]}
				}
				want := dbCount(t, store, fmt.Sprintf(`SELECT count(*) FROM %s WHERE
					CASE WHEN $1::float8 <= $3::float8
					THEN ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))
					ELSE ST_Intersects(geom, ST_MakeEnvelope($1, $2, 180, $4, 4326)) OR ST_Intersects(geom, ST_MakeEnvelope(-180, $2, $3, $4, 4326)) END`, l.Table),
					v[0], v[1], v[2], v[3])
				if got := int(page["numberMatched"].(float64)); got != want {
					t.Errorf("bbox=%s: numberMatched %d, database says %d", box, got, want)
				}
			}
			total := dbCount(t, store, "SELECT count(*) FROM "+l.Table)
			if p := getJSON[map[string]any](t, items+"?bbox="+boxes[0], http.StatusOK, "Accept", etsGeoJSON); int(p["numberMatched"].(float64)) != total {
				t.Errorf("the collection's own extent matches %v of %d features", p["numberMatched"], total)
			}
		})
	}
}

// etsNumber formats like Java's DecimalFormat("###.0000000"): no leading zero before the point.
func etsNumber(v float64) string {
	s := fmt.Sprintf("%.7f", v)
	s = strings.Replace(s, "-0.", "-.", 1)
	if strings.HasPrefix(s, "0.") {
		s = s[1:]
	}
	return s
}

func TestOGCDatetime(t *testing.T) {
	srv, store := newTestServer(t)
	root := srv.URL + "/ogc"
	maximum := openAPIMaximum(t, root)
	items := root + "/collections/clusters/items"
	datedClusters(t, store)
	var first, mid time.Time
	if err := store.Pool().QueryRow(context.Background(),
		"SELECT min(decision_date), percentile_disc(0.5) WITHIN GROUP (ORDER BY decision_date) FROM clusters").Scan(&first, &mid); err != nil {
		t.Fatal(err)
	}
	count := func(where string, args ...any) int {
		return dbCount(t, store, "SELECT count(*) FROM clusters WHERE "+where, args...)
	}
	d := func(t time.Time) string { return t.Format("2006-01-02") }
	cases := []struct {
		datetime string
		want     int
	}{
		// The three values the suite sends: an instant, an interval of instants, a date/period.
		{first.Format("2006-01-02") + "T10:20:50Z", count("decision_date = $1", first)},
		{d(first) + "T00:00:00Z/" + d(mid) + "T12:00:00Z", count("decision_date BETWEEN $1 AND $2", first, mid)},
		{d(first) + "/P2D", count("decision_date BETWEEN $1 AND $1::date + 2", first)},
		{d(mid), count("decision_date = $1", mid)},
		{d(mid) + "/..", count("decision_date >= $1", mid)},
		{"../" + d(mid), count("decision_date <= $1", mid)},
		{"/" + d(mid), count("decision_date <= $1", mid)},
		{d(mid) + "T23:30:00-02:00/..", count("decision_date >= $1::date + 1", mid)}, // 01:30Z the next day
		{"P1Y/" + d(mid), count("decision_date BETWEEN $1::date - interval '1 year' AND $1", mid)},
		{"1900-01-01/1900-12-31", 0},
	}
	for _, tc := range cases {
		page := getJSON[map[string]any](t, items+"?datetime="+url.QueryEscape(tc.datetime), http.StatusOK, "Accept", etsGeoJSON)
		checkItems(t, "datetime="+tc.datetime, page, maximum)
		if got := int(page["numberMatched"].(float64)); got != tc.want {
			t.Errorf("datetime=%s: numberMatched %d, database says %d", tc.datetime, got, tc.want)
		}
	}
	if cases[1].want == 0 || cases[4].want == 0 {
		t.Fatal("the seed has no decision dates to test with")
	}
	for _, bad := range []string{"yesterday", "2020-13-01", "2021-01-01/2020-01-01", "../..x", "P1D/P2D", "2020-01-01/P1X"} {
		if r, _ := get(t, items+"?datetime="+url.QueryEscape(bad), "Accept", etsGeoJSON); r.StatusCode != http.StatusBadRequest {
			t.Errorf("datetime=%s: %d, want 400", bad, r.StatusCode)
		}
	}
	// A collection without dates: nothing has a time that intersects, and that is not an error.
	page := getJSON[map[string]any](t, root+"/collections/plants/items?datetime=2020-01-01", http.StatusOK, "Accept", etsGeoJSON)
	if page["numberMatched"].(float64) != 0 {
		t.Errorf("plants with a datetime: numberMatched %v, want 0", page["numberMatched"])
	}
}

func TestOGCFeature(t *testing.T) {
	srv, store := newTestServer(t)
	root := srv.URL + "/ogc"
	_, collections := collectionsDoc(t, root)
	for _, c := range collections {
		id := c["id"].(string)
		if geotest.EmptyInSeed(id) { // no feature to ask for (the lots: server/lots_test.go)
			continue
		}
		items := linkBy(links(t, c), "items", "application/geo+json")["href"].(string)
		page := getJSON[map[string]any](t, items+"?limit=10", http.StatusOK, "Accept", etsGeoJSON)
		first := page["features"].([]any)[0].(map[string]any)
		fid := fmt.Sprint(first["id"])
		// The suite strips the query from the items URL and appends /featureId.
		r, rBody := get(t, items+"/"+url.PathEscape(fid), "Accept", etsGeoJSON)
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("%s/%s: %d %s", id, fid, r.StatusCode, r.Header.Get("Content-Type"))
		}
		var feature map[string]any
		if err := json.Unmarshal(rBody, &feature); err != nil {
			t.Fatal(err)
		}
		if feature["type"] != "Feature" || fmt.Sprint(feature["id"]) != fid || !reflect.DeepEqual(feature["properties"], first["properties"]) {
			t.Errorf("%s/%s: feature differs from the items entry", id, fid)
		}
		ls := links(t, feature)
		checkSelfAndAlternate(t, id+"/"+fid, ls, "application/geo+json")
		if col := linkBy(ls, "collection", "application/json"); col == nil || col["href"] != root+"/collections/"+id {
			t.Errorf("%s/%s: collection link %v", id, fid, col)
		}
		if self := linkBy(ls, "self", ""); self["href"] != items+"/"+url.PathEscape(fid) {
			t.Errorf("self %v", self["href"])
		}
	}
	l, _ := store.Catalog().Layer("clusters")
	missing := dbCount(t, store, "SELECT coalesce(max(id), 0) + 1000 FROM "+l.Table)
	for _, path := range []string{
		"/collections/nope", "/collections/nope/items", "/collections/nope/items/1",
		fmt.Sprintf("/collections/clusters/items/%d", missing), "/collections/clusters/items/abc",
		"/collections/districts/items/999", "/collections/nope/queryables",
	} {
		r, rBody := get(t, root+path, "Accept", etsJSONAccept)
		var body map[string]any
		if r.StatusCode != http.StatusNotFound || json.Unmarshal(rBody, &body) != nil || body["error"] == nil {
			t.Errorf("%s: %d %s, want 404 with a JSON error", path, r.StatusCode, rBody)
		}
	}
}

func TestOGCContentNegotiation(t *testing.T) {
	srv, _ := newTestServer(t)
	root := srv.URL + "/ogc"
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	cases := []struct {
		path, accept, wantType, wantBody string
	}{
		{"", browser, "text/html; charset=utf-8", "<h1>"},
		{"?f=json", browser, "application/json", `"links"`},
		{"", "*/*", "application/json", `"links"`},
		{"", "", "application/json", `"links"`},
		{"/collections", browser, "text/html; charset=utf-8", "Industrial clusters and parks"},
		{"/collections?f=html", "application/json", "text/html; charset=utf-8", "/ogc/collections/clusters/items?f=html"},
		{"/collections/clusters?f=html", "", "text/html; charset=utf-8", "Industrial clusters and parks"},
		{"/collections/clusters/items?f=html&limit=2", "", "text/html; charset=utf-8", "offset=2"},
		{"/collections/clusters/items", browser, "text/html; charset=utf-8", "<table>"},
		{"/collections/clusters/items", "application/geo+json, application/json", "application/geo+json", `"FeatureCollection"`},
		{"/collections/clusters/items?f=json", browser, "application/geo+json", `"FeatureCollection"`},
		{"/collections/districts/items/622?f=html", "", "text/html; charset=utf-8", "GSO code"},
		{"/collections/districts/items/622", "text/html;q=0.5, application/geo+json", "application/geo+json", `"Feature"`},
		{"/conformance?f=html", "", "text/html; charset=utf-8", "conf/core"},
		{"/api", "", openAPIMT, `"openapi":"3.0.3"`},
		{"/api?f=html", "", "text/html; charset=utf-8", "GET /collections/clusters/items"},
		{"/collections/clusters/queryables", "", "application/schema+json", `"decision_date"`},
		{"/collections/clusters/queryables?f=html", "", "text/html; charset=utf-8", "decision_date"},
	}
	for _, tc := range cases {
		r, rBody := get(t, root+tc.path, "Accept", tc.accept)
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != tc.wantType || !strings.Contains(string(rBody), tc.wantBody) {
			t.Errorf("GET %s (Accept %q): %d %s, want %s containing %q: %.300s", tc.path, tc.accept, r.StatusCode, r.Header.Get("Content-Type"), tc.wantType, tc.wantBody, rBody)
		}
	}
	for _, path := range []string{"?f=xml", "/collections?f=pdf", "/collections/clusters/items/1?f=csv"} {
		if r, _ := get(t, root+path, "Accept", ""); r.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, r.StatusCode)
		}
	}
	// Unknown parameters on a feature are refused too (only f is declared).
	if r, _ := get(t, root+"/collections/districts/items/622?properties=name", "Accept", ""); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown parameter on a feature: %d, want 400", r.StatusCode)
	}
}

// Links and the OpenAPI servers follow the public URL behind a reverse proxy.
func TestOGCBehindProxy(t *testing.T) {
	srv, _ := newTestServer(t)
	doc := getJSON[map[string]any](t, srv.URL+"/ogc/api", http.StatusOK, "X-Forwarded-Proto", "https", "X-Forwarded-Host", "maps.example.org")
	if got := doc["servers"].([]any)[0].(map[string]any)["url"]; got != "https://maps.example.org/ogc" {
		t.Errorf("servers url %v", got)
	}
}

// The suite re-sends the raw text of a next link as parameters, so ',' ':' '/' must be literal
// there, spaces must not be '+', and every pair needs '='.
func TestOGCNextLinkQueryIsReadable(t *testing.T) {
	srv, store := newTestServer(t)
	datedClusters(t, store)
	root := srv.URL + "/ogc"
	q := "bbox=100,10,110,20&datetime=" + url.QueryEscape("2000-01-01T00:00:00Z/..") + "&filter=" + url.QueryEscape("status <> 'x y'") + "&limit=1"
	page := getJSON[map[string]any](t, root+"/collections/clusters/items?"+q, http.StatusOK, "Accept", etsGeoJSON)
	next := linkBy(links(t, page), "next", "application/geo+json")
	if next == nil {
		t.Fatal("no next link")
	}
	href := next["href"].(string)
	for _, want := range []string{"bbox=100,10,110,20", "datetime=2000-01-01T00:00:00Z/..", "filter=status%20%3C%3E%20%27x%20y%27", "limit=1", "offset=1"} {
		if !strings.Contains(href, want) {
			t.Errorf("next %s lacks %s", href, want)
		}
	}
	if regexp.MustCompile(`[+ ]`).MatchString(href) {
		t.Errorf("next %s has a '+' or space", href)
	}
	second := getJSON[map[string]any](t, href, http.StatusOK, "Accept", etsGeoJSON)
	if second["numberMatched"] != page["numberMatched"] {
		t.Errorf("next page matched %v, first %v", second["numberMatched"], page["numberMatched"])
	}
}
