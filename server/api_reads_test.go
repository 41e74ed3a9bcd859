package server

// The /api read handlers on an in-memory store (memReads): how they parse and check a request's
// parameters, what they ask of the store, and how they write pages and links. No PostGIS, so
// these run under go test -short anywhere; the end-to-end tests (api_test.go, hardening_test.go)
// ask the same of the real server on PostGIS.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
)

// memFeature is a point feature of memReads.
type memFeature struct {
	id         int64
	lon, lat   float64
	properties map[string]any
}

// memReads is an in-memory storeReads: point features per layer, filtered and paged as the store
// does (equality on a property, the bbox, offset and limit, the property list checked against the
// layer's fields), recording every query it is asked.
type memReads struct {
	catalog  *geo.Catalog
	features map[string][]memFeature // by layer id, in key order

	mu    sync.Mutex
	asked []geo.FeatureQuery
}

func (m *memReads) Catalog() *geo.Catalog { return m.catalog }

func (m *memReads) Stats(context.Context) (map[string]geo.LayerStats, error) {
	out := map[string]geo.LayerStats{}
	for id, fs := range m.features {
		out[id] = geo.LayerStats{Count: int64(len(fs)), Version: 1}
	}
	return out, nil
}

func (m *memReads) Features(_ context.Context, q geo.FeatureQuery) (*geo.FeaturePage, error) {
	m.mu.Lock()
	m.asked = append(m.asked, q)
	m.mu.Unlock()
	if err := checkProperties(q.Layer, q.Properties); err != nil {
		return nil, err
	}
	var matched []memFeature
	for _, f := range m.features[q.Layer.ID] {
		if b := q.BBox; b != nil && (f.lon < b.MinLon || f.lon > b.MaxLon || f.lat < b.MinLat || f.lat > b.MaxLat) {
			continue
		}
		ok := true
		for k, v := range q.Equals {
			ok = ok && fmt.Sprint(f.properties[k]) == v
		}
		if ok {
			matched = append(matched, f)
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = geo.DefaultLimit
	}
	limit = min(limit, geo.MaxLimit)
	page := &geo.FeaturePage{Matched: int64(len(matched))}
	for _, f := range matched[min(q.Offset, len(matched)):min(q.Offset+limit, len(matched))] {
		page.Features = append(page.Features, f.geoJSON(q.Properties))
	}
	return page, nil
}

func (m *memReads) Feature(_ context.Context, l *geo.Layer, id string, properties []string) ([]byte, error) {
	if err := checkProperties(l, properties); err != nil {
		return nil, err
	}
	for _, f := range m.features[l.ID] {
		if strconv.FormatInt(f.id, 10) == id {
			return f.geoJSON(properties), nil
		}
	}
	return nil, geo.ErrNotFound
}

func checkProperties(l *geo.Layer, names []string) error {
	for _, n := range names {
		if _, ok := l.Field(n); !ok {
			return &geo.InputError{Msg: fmt.Sprintf("unknown property %q for layer %s", n, l.ID)}
		}
	}
	return nil
}

func (f memFeature) geoJSON(properties []string) []byte {
	props := f.properties
	if len(properties) > 0 {
		props = map[string]any{}
		for _, n := range properties {
			props[n] = f.properties[n]
		}
	}
	b, _ := json.Marshal(map[string]any{"type": "Feature", "id": f.id, "properties": props,
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{f.lon, f.lat}}})
	return b
}

// memServer serves the /api read routes over reads, behind the one error middleware, and nothing
// else: no database, no caches.
func memServer(t *testing.T, reads *memReads) string {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	log := slog.New(slog.DiscardHandler)
	s := &Server{reads: reads, log: log}
	r := gin.New()
	r.Use(httpx.WriteErrors(log, nil))
	r.GET("/api/layers/:layer/features", s.handleFeatures)
	r.GET("/api/layers/:layer/features/:fid", s.handleFeature)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}

// fiveClusters are five operating or planned clusters along a line of longitude 108.0–108.4.
func fiveClusters() *memReads {
	m := &memReads{catalog: geo.DefaultCatalog(), features: map[string][]memFeature{}}
	for i := range 5 {
		status := "planned"
		if i%2 == 0 {
			status = "operating"
		}
		m.features["clusters"] = append(m.features["clusters"], memFeature{id: int64(i + 1), lon: 108 + float64(i)/10, lat: 14,
			properties: map[string]any{"name": fmt.Sprintf("CCN %d", i+1), "kind": "ccn", "status": status}})
	}
	return m
}

type memPage struct {
	Matched  int64 `json:"numberMatched"`
	Returned int   `json:"numberReturned"`
	Features []struct {
		ID         int64          `json:"id"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	Links []httpx.Link `json:"links"`
}

func (p memPage) ids() []int64 {
	var out []int64
	for _, f := range p.Features {
		out = append(out, f.ID)
	}
	return out
}

// link is the query of the page's link rel ("" when there is none).
func (p memPage) link(rel string) string {
	for _, l := range p.Links {
		if l.Rel == rel {
			u, err := url.Parse(l.Href)
			if err != nil {
				return "unparseable " + l.Href
			}
			return u.RawQuery
		}
	}
	return ""
}

func TestFeaturesParametersWithoutADatabase(t *testing.T) {
	reads := fiveClusters()
	base := memServer(t, reads)
	get := func(t *testing.T, path string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	type want struct {
		ids        []int64
		matched    int64
		next, prev string // the links' queries ("": no link)
		query      func(geo.FeatureQuery) bool
	}
	cases := map[string]struct {
		path string
		want want
	}{
		"defaults": {"/api/layers/clusters/features", want{ids: []int64{1, 2, 3, 4, 5}, matched: 5,
			query: func(q geo.FeatureQuery) bool { return q.Limit == geo.DefaultLimit && q.Offset == 0 && q.BBox == nil }}},
		"a middle page links both ways": {"/api/layers/clusters/features?limit=2&offset=2", want{ids: []int64{3, 4}, matched: 5,
			next: "limit=2&offset=4", prev: "limit=2&offset=0"}},
		"the first page links on only":  {"/api/layers/clusters/features?limit=2", want{ids: []int64{1, 2}, matched: 5, next: "limit=2&offset=2"}},
		"the last page links back only": {"/api/layers/clusters/features?limit=2&offset=4", want{ids: []int64{5}, matched: 5, prev: "limit=2&offset=2"}},
		"a limit above the maximum is served as the maximum": {"/api/layers/clusters/features?limit=100000", want{ids: []int64{1, 2, 3, 4, 5}, matched: 5,
			query: func(q geo.FeatureQuery) bool { return q.Limit == geo.MaxLimit }}},
		"a bbox": {"/api/layers/clusters/features?bbox=108.05,13.9,108.25,14.1", want{ids: []int64{2, 3}, matched: 2,
			query: func(q geo.FeatureQuery) bool {
				return q.BBox != nil && *q.BBox == geo.BBox{MinLon: 108.05, MinLat: 13.9, MaxLon: 108.25, MaxLat: 14.1}
			}}},
		"a field is an equality filter": {"/api/layers/clusters/features?status=operating", want{ids: []int64{1, 3, 5}, matched: 3,
			query: func(q geo.FeatureQuery) bool { return len(q.Equals) == 1 && q.Equals["status"] == "operating" }}},
		"a property list": {"/api/layers/clusters/features?properties=name,status&limit=1", want{ids: []int64{1}, matched: 5, next: "limit=1&offset=1&properties=name%2Cstatus",
			query: func(q geo.FeatureQuery) bool { return slices.Equal(q.Properties, []string{"name", "status"}) }}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			status, body := get(t, tc.path)
			var p memPage
			if err := json.Unmarshal(body, &p); status != http.StatusOK || err != nil {
				t.Fatalf("GET %s: %d %v %.300s", tc.path, status, err, body)
			}
			if !slices.Equal(p.ids(), tc.want.ids) || p.Matched != tc.want.matched || p.Returned != len(tc.want.ids) {
				t.Errorf("GET %s: ids %v of %d matched (%d returned), want %v of %d", tc.path, p.ids(), p.Matched, p.Returned, tc.want.ids, tc.want.matched)
			}
			if p.link("next") != tc.want.next || p.link("prev") != tc.want.prev {
				t.Errorf("GET %s: next %q prev %q, want %q and %q", tc.path, p.link("next"), p.link("prev"), tc.want.next, tc.want.prev)
			}
			if p.link("self") == "" && strings.Contains(tc.path, "?") {
				t.Errorf("GET %s: the self link lost the query: %v", tc.path, p.Links)
			}
			reads.mu.Lock()
			q := reads.asked[len(reads.asked)-1]
			reads.mu.Unlock()
			if tc.want.query != nil && !tc.want.query(q) {
				t.Errorf("GET %s: the store was asked %+v", tc.path, q)
			}
		})
	}

	// Refused before the store is asked: 400s naming the problem (404 for a layer that is not).
	refused := map[string]struct {
		path   string
		status int
		says   string
	}{
		"unknown parameter":    {"/api/layers/clusters/features?nope=1", 400, "unknown parameter"},
		"limit 0":              {"/api/layers/clusters/features?limit=0", 400, "limit"},
		"limit not a number":   {"/api/layers/clusters/features?limit=abc", 400, "limit"},
		"negative offset":      {"/api/layers/clusters/features?offset=-1", 400, "offset"},
		"a parameter twice":    {"/api/layers/clusters/features?limit=1&limit=2", 400, "2 times"},
		"a bbox of three":      {"/api/layers/clusters/features?bbox=1,2,3", 400, "bbox"},
		"an unknown layer":     {"/api/layers/nope/features", 404, "unknown layer"},
		"a feature's stranger": {"/api/layers/clusters/features/1?limit=1", 400, "unknown parameter"},
	}
	for name, tc := range refused {
		t.Run(name, func(t *testing.T) {
			reads.mu.Lock()
			before := len(reads.asked)
			reads.mu.Unlock()
			status, body := get(t, tc.path)
			if status != tc.status || !strings.Contains(string(body), tc.says) {
				t.Errorf("GET %s: %d %.300s, want %d mentioning %q", tc.path, status, body, tc.status, tc.says)
			}
			reads.mu.Lock()
			defer reads.mu.Unlock()
			if len(reads.asked) != before {
				t.Errorf("GET %s: the store was asked %+v", tc.path, reads.asked[before:])
			}
		})
	}

	// What the store refuses or lacks: an unknown property is a 400, a missing feature a 404.
	for path, want := range map[string]int{
		"/api/layers/clusters/features?properties=name,nope": 400,
		"/api/layers/clusters/features/3?properties=nope":    400,
		"/api/layers/clusters/features/99":                   404,
		"/api/layers/clusters/features/3":                    200,
		"/api/layers/clusters/features/3?properties=name":    200,
	} {
		if status, body := get(t, path); status != want {
			t.Errorf("GET %s: %d %.300s, want %d", path, status, body, want)
		}
	}
	if _, body := get(t, "/api/layers/clusters/features/3?properties=name"); !strings.Contains(string(body), `"name":"CCN 3"`) || strings.Contains(string(body), "status") {
		t.Errorf("one feature with properties=name: %s", body)
	}
}
