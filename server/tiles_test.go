package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/geo/versions"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/server/tiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
)

// The z6 tile that holds all of Gia Lai, and a z7 tile on Pleiku.
const (
	z6All  = "6/51/29"
	z7West = "7/102/58"
)

func TestTileEndpoints(t *testing.T) {
	ts, _ := NewTestServer(t)
	base := ts.URL
	cases := []struct {
		path    string
		status  int
		errLike string
		layers  []string // for 200 tiles: the MVT layers, in order
	}{
		{"/tiles/districts/" + z6All + ".mvt", 200, "", []string{"districts"}},
		{"/tiles/districts/" + z6All + ".pbf", 200, "", []string{"districts"}},
		{"/tiles/roads/" + z6All + ".mvt", 200, "", []string{"roads"}},
		{"/tiles/clusters/" + z6All + ".mvt?status=operating", 200, "", []string{"clusters"}},
		{"/tiles/districts,regions,clusters/" + z7West + ".mvt", 200, "", []string{"districts", "regions", "clusters"}},
		{"/tiles/districts/6/0/0.mvt", 204, "", nil},
		{"/tiles/districts/0/0/0.mvt", 200, "", []string{"districts"}},
		{"/tiles/districts/22/4194303/4194303.mvt", 204, "", nil},
		{"/tiles/districts/23/0/0.mvt", 400, "zoom", nil},
		{"/tiles/districts/6/64/0.mvt", 400, "within", nil},
		{"/tiles/districts/6/0/64.mvt", 400, "within", nil},
		{"/tiles/districts/-1/0/0.mvt", 400, "integers", nil},
		{"/tiles/districts/a/0/0.mvt", 400, "integers", nil},
		{"/tiles/districts/6/+1/0.mvt", 400, "integers", nil},
		{"/tiles/districts/6/1/.mvt", 400, "integers", nil},
		{"/tiles/districts/99999999999/0/0.mvt", 400, "integers", nil},
		{"/tiles/districts/6/51/29.png", 404, "mvt", nil},
		{"/tiles/districts/6/51/29", 404, "mvt", nil},
		{"/tiles/factories/" + z6All + ".mvt", 404, "unknown layer", nil},
		{"/tiles/districts,factories/" + z6All + ".mvt", 404, "unknown layer", nil},
		{"/tiles/districts,districts/" + z6All + ".mvt", 400, "twice", nil},
		{"/tiles/districts,/" + z6All + ".mvt", 400, "empty layer", nil},
		{"/tiles/districts/" + z6All + ".mvt?status=operating", 400, "not a field", nil},
		{"/tiles/clusters/" + z6All + ".mvt?status=bogus", 400, "status", nil},
		{"/tiles/clusters/" + z6All + ".mvt?status=operating&status=planned", 400, "2 times", nil},
		{"/tiles/clusters/" + z6All + ".mvt?status=operating;drop", 400, "malformed", nil},
		{"/tiles/clusters/" + z6All + ".mvt?planned_area_ha=big", 400, "number", nil},
		{"/tiles/districts,clusters/" + z6All + ".mvt?status=operating", 400, "composite", nil},
		{"/tiles/districts/6/51.mvt", 404, "no such", nil},
		{"/tiles/", 404, "no such", nil},
		{"/tiles/factories.json", 404, "unknown layer", nil},
		{"/tiles/districts.json", 200, "", nil},
		{"/tiles/ceiling.txt", 200, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := Fetch(t, "GET", base+tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			switch {
			case tc.status >= 400:
				var e struct{ Error string }
				if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, tc.errLike) {
					t.Errorf("error body %s, want JSON error like %q", body, tc.errLike)
				}
			case tc.status == 204:
				if len(body) != 0 || resp.Header.Get("Content-Encoding") != "" {
					t.Errorf("204 with %d bytes, encoding %q", len(body), resp.Header.Get("Content-Encoding"))
				}
			case tc.layers != nil:
				if ct := resp.Header.Get("Content-Type"); ct != tiles.MVTType {
					t.Errorf("Content-Type %q", ct)
				}
				rep := tileReport(t, tc.path, body)
				var names []string
				for _, l := range rep.Layers {
					names = append(names, l.Name)
				}
				if !slices.Equal(names, tc.layers) {
					t.Errorf("layers %v, want %v", names, tc.layers)
				}
			}
		})
	}
}

func TestTileHeaders(t *testing.T) {
	ts, _ := NewTestServer(t)
	base := ts.URL
	url := base + "/tiles/districts/" + z6All + ".mvt"

	plain, raw := Fetch(t, "GET", url)
	if plain.StatusCode != 200 || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("without Accept-Encoding: %d, Content-Encoding %q", plain.StatusCode, plain.Header.Get("Content-Encoding"))
	}
	tileReport(t, "identity tile", raw) // raw MVT bytes, not gzip
	zipped, gz := Fetch(t, "GET", url, "Accept-Encoding", "gzip, deflate, br")
	if zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip accepted but Content-Encoding %q", zipped.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("Content-Encoding gzip but the body is not gzip: %v", err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, raw) || len(gz) >= len(raw) {
		t.Errorf("gzip body (%d bytes) does not unzip to the identity tile (%d bytes)", len(gz), len(raw))
	}
	for _, ae := range []string{"gzip;q=0", "identity", "br", "*;q=0"} {
		resp, body := Fetch(t, "GET", url, "Accept-Encoding", ae)
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, raw) {
			t.Errorf("Accept-Encoding %q: got Content-Encoding %q", ae, resp.Header.Get("Content-Encoding"))
		}
	}
	for name, resp := range map[string]*http.Response{"identity": plain, "gzip": zipped} {
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=60" {
			t.Errorf("%s: Cache-Control %q", name, got)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: CORS %q, Vary %q", name, resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Vary"))
		}
		if !regexp.MustCompile(`^"[^"]+"$`).MatchString(resp.Header.Get("ETag")) {
			t.Errorf("%s: ETag %q is not a strong validator", name, resp.Header.Get("ETag"))
		}
	}
	etag, etagGz := plain.Header.Get("ETag"), zipped.Header.Get("ETag")
	if etag == etagGz {
		t.Errorf("identity and gzip share the ETag %s", etag)
	}
	for _, inm := range []string{etag, etagGz, "W/" + etag, `"nope", ` + etagGz, "*"} {
		resp, body := Fetch(t, "GET", url, "If-None-Match", inm, "Accept-Encoding", "gzip")
		if resp.StatusCode != 304 || len(body) != 0 {
			t.Errorf("If-None-Match %s: %d with %d bytes, want 304", inm, resp.StatusCode, len(body))
		}
	}
	if resp, _ := Fetch(t, "GET", url, "If-None-Match", `"stale"`); resp.StatusCode != 200 {
		t.Errorf("If-None-Match with an old tag: %d", resp.StatusCode)
	}
	// An empty tile: 204 with validators, and 304 when revalidated.
	empty, _ := Fetch(t, "GET", base+"/tiles/districts/6/0/0.mvt")
	if empty.StatusCode != 204 || empty.Header.Get("ETag") == "" {
		t.Fatalf("empty tile: %d, ETag %q", empty.StatusCode, empty.Header.Get("ETag"))
	}
	if resp, _ := Fetch(t, "GET", base+"/tiles/districts/6/0/0.mvt", "If-None-Match", empty.Header.Get("ETag")); resp.StatusCode != 304 {
		t.Errorf("empty tile revalidated: %d", resp.StatusCode)
	}
	head, body := Fetch(t, "HEAD", url, "Accept-Encoding", "gzip")
	if head.StatusCode != 200 || len(body) != 0 || head.Header.Get("ETag") != etagGz {
		t.Errorf("HEAD: %d, %d bytes, ETag %q", head.StatusCode, len(body), head.Header.Get("ETag"))
	}
	// Composite tiles revalidate the same way, from the versions of all their layers.
	comp, _ := Fetch(t, "GET", base+"/tiles/districts,regions/"+z6All+".mvt", "Accept-Encoding", "gzip")
	if resp, _ := Fetch(t, "GET", base+"/tiles/districts,regions/"+z6All+".mvt", "If-None-Match", comp.Header.Get("ETag")); resp.StatusCode != 304 {
		t.Errorf("composite revalidated: %d", resp.StatusCode)
	}
	if comp.Header.Get("ETag") == etagGz {
		t.Error("the composite tile has its single layer's ETag")
	}
	pre, _ := Fetch(t, "OPTIONS", url, "Origin", "https://example.org", "Access-Control-Request-Method", "GET")
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight: %d, Allow-Origin %q", pre.StatusCode, pre.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestTileCacheAndFilters(t *testing.T) {
	ts, store := NewTestServer(t)
	base, srv := ts.URL, ts.Server
	url := base + "/tiles/clusters/" + z6All + ".mvt"

	first, a := Fetch(t, "GET", url)
	second, b := Fetch(t, "GET", url)
	if first.Header.Get("X-Tile-Cache") != "miss" || second.Header.Get("X-Tile-Cache") != "hit" {
		t.Errorf("cache: %s then %s, want miss then hit", first.Header.Get("X-Tile-Cache"), second.Header.Get("X-Tile-Cache"))
	}
	if !bytes.Equal(a, b) || first.Header.Get("ETag") != second.Header.Get("ETag") {
		t.Error("the cached tile differs from the built one")
	}
	// A filtered tile is its own entry, with its own ETag, and holds only matching features.
	var operating int
	if err := store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM clusters WHERE status = 'operating'").Scan(&operating); err != nil {
		t.Fatal(err)
	}
	f1, fb := Fetch(t, "GET", url+"?status=operating")
	f2, _ := Fetch(t, "GET", url+"?status=operating")
	if f1.Header.Get("X-Tile-Cache") != "miss" || f2.Header.Get("X-Tile-Cache") != "hit" || f1.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Errorf("filtered: %s then %s, ETag %s vs %s", f1.Header.Get("X-Tile-Cache"), f2.Header.Get("X-Tile-Cache"), f1.Header.Get("ETag"), first.Header.Get("ETag"))
	}
	if operating > 0 {
		rep := tileReport(t, "filtered", fb)
		if rep.Layers[0].Features != operating {
			t.Errorf("%d features, %d operating clusters", rep.Layers[0].Features, operating)
		}
		for _, f := range rep.Layers[0].FeatureReports {
			if f.Properties["status"] != "operating" {
				t.Errorf("feature %d: status %v", f.ID, f.Properties["status"])
			}
		}
	} else if f1.StatusCode != 204 {
		t.Errorf("no operating cluster, yet %d", f1.StatusCode)
	}
	if entries, used := srv.tiles.CacheStats(); entries < 2 || used <= 0 {
		t.Errorf("cache holds %d entries, %d bytes", entries, used)
	}

	// With the cache off every tile is built, and revalidation still needs no query.
	offTS, _ := NewTestServer(t, OnStore(store), WithTileCacheMB(0))
	offBase, off := offTS.URL, offTS.Server
	r1, _ := Fetch(t, "GET", offBase+"/tiles/clusters/"+z6All+".mvt")
	r2, _ := Fetch(t, "GET", offBase+"/tiles/clusters/"+z6All+".mvt")
	if r1.Header.Get("X-Tile-Cache") != "miss" || r2.Header.Get("X-Tile-Cache") != "miss" || off.tiles.Caching() {
		t.Errorf("cache off: %s, %s", r1.Header.Get("X-Tile-Cache"), r2.Header.Get("X-Tile-Cache"))
	}
	if r1.Header.Get("ETag") != first.Header.Get("ETag") {
		t.Errorf("two servers give one tile different ETags: %s, %s", r1.Header.Get("ETag"), first.Header.Get("ETag"))
	}
	r3, _ := Fetch(t, "GET", offBase+"/tiles/clusters/"+z6All+".mvt", "If-None-Match", r1.Header.Get("ETag"))
	if r3.StatusCode != 304 || r3.Header.Get("X-Tile-Cache") != "revalidated" {
		t.Errorf("cache off, revalidation: %d %s", r3.StatusCode, r3.Header.Get("X-Tile-Cache"))
	}
}

// TestConcurrentMissesRunOneQuery: many clients asking at once for a tile nobody has built run
// one query; the others share its result.
func TestConcurrentMissesRunOneQuery(t *testing.T) {
	ts, _ := NewTestServer(t)
	base := ts.URL
	for _, path := range []string{"/tiles/districts/" + z7West + ".mvt", "/tiles/regions/8/204/117.mvt"} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[string]int{}
		start := make(chan struct{})
		for range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, _ := Fetch(t, "GET", base+path)
				mu.Lock()
				statuses[resp.Header.Get("X-Tile-Cache")]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if statuses["miss"] != 1 {
			t.Errorf("%s: %v, want exactly one miss", path, statuses)
		}
	}
}

// reimport changes one feature through the import path, as `clustermap import` would.
func reimport(t *testing.T, store *geo.Store, layer, id string, change func(props map[string]any)) {
	t.Helper()
	ctx := context.Background()
	l, _ := store.Catalog().Layer(layer)
	text, err := store.Feature(ctx, l, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(text, &f); err != nil {
		t.Fatal(err)
	}
	change(f["properties"].(map[string]any))
	fc, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{f}})
	if rep, err := ingest.New(store, nil).Import(ctx, layer, fc, ingest.ImportOptions{}); err != nil || rep.Updated != 1 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
}

// TestServersSeeImportsAndSeeds: two servers with their own pools, caches and listeners share one
// database. After an import (or a seed) commits, each server's next request, once its listener
// has heard of the change, returns the new data, never the cached tile.
func TestServersSeeImportsAndSeeds(t *testing.T) {
	store, dbURL := geotest.Seeded(t)
	aTS, _ := NewTestServer(t, OnStore(geotest.Open(t, dbURL)))
	baseA, a := aTS.URL, aTS.Server
	bTS, _ := NewTestServer(t, OnStore(geotest.Open(t, dbURL)))
	baseB, b := bTS.URL, bTS.Server
	writer := store // a third pool: the `clustermap import` process

	var id int64
	var oldName string
	if err := writer.Pool().QueryRow(context.Background(), "SELECT id, name FROM clusters WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1").Scan(&id, &oldName); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/tiles/clusters/" + z6All + ".mvt", "/tiles/districts,clusters/" + z6All + ".mvt"}
	etags := map[string]string{}
	for _, base := range []string{baseA, baseB} {
		for _, p := range paths {
			Fetch(t, "GET", base+p)
			resp, body := Fetch(t, "GET", base+p)
			if resp.Header.Get("X-Tile-Cache") != "hit" {
				t.Fatalf("%s%s: not cached (%s)", base, p, resp.Header.Get("X-Tile-Cache"))
			}
			if !hasClusterNote(t, body, id, "") {
				t.Fatalf("cluster %d already noted?", id)
			}
			etags[base+p] = resp.Header.Get("ETag")
		}
	}

	note := fmt.Sprintf("changed by an import at %d", time.Now().UnixNano())
	reimport(t, writer, "clusters", strconv.FormatInt(id, 10), func(p map[string]any) { p["notes"] = note })
	want, err := versions.Read(context.Background(), writer)
	if err != nil {
		t.Fatal(err)
	}
	for name, srv := range map[string]*Server{baseA: a, baseB: b} {
		lag := waitUntil(t, "the listener to hear of the import", func() bool {
			v, live := srv.versions.Of("clusters")
			return live && v >= want["clusters"]
		})
		t.Logf("%s heard of the import after %v", name, lag)
		for _, p := range paths {
			resp, body := Fetch(t, "GET", name+p)
			if resp.Header.Get("X-Tile-Cache") == "hit" || resp.Header.Get("ETag") == etags[name+p] {
				t.Errorf("%s%s: %s with the old ETag %s after the import", name, p, resp.Header.Get("X-Tile-Cache"), resp.Header.Get("ETag"))
			}
			if !hasClusterNote(t, body, id, note) {
				t.Errorf("%s%s: the next request after the import still shows the old cluster", name, p)
			}
		}
	}

	// A seed into an empty database: empty tiles first, the seeded data right after.
	empty, emptyURL := geotest.Migrated(t)
	cTS, _ := NewTestServer(t, OnStore(geotest.Open(t, emptyURL)))
	baseC, c := cTS.URL, cTS.Server
	dTS, _ := NewTestServer(t, OnStore(geotest.Open(t, emptyURL)))
	baseD, d := dTS.URL, dTS.Server
	for _, base := range []string{baseC, baseD} {
		Fetch(t, "GET", base+"/tiles/districts/"+z6All+".mvt")
		if resp, _ := Fetch(t, "GET", base+"/tiles/districts/"+z6All+".mvt"); resp.StatusCode != 204 || resp.Header.Get("X-Tile-Cache") != "hit" {
			t.Fatalf("empty database: %d %s", resp.StatusCode, resp.Header.Get("X-Tile-Cache"))
		}
	}
	if _, err := ingest.New(empty, nil).Seed(context.Background(), geotest.SeedFS(t)); err != nil {
		t.Fatal(err)
	}
	want, _ = versions.Read(context.Background(), empty)
	for name, srv := range map[string]*Server{baseC: c, baseD: d} {
		waitUntil(t, "the listener to hear of the seed", func() bool {
			v, live := srv.versions.Of("districts")
			return live && v >= want["districts"]
		})
		resp, body := Fetch(t, "GET", name+"/tiles/districts/"+z6All+".mvt")
		if resp.StatusCode != 200 {
			t.Fatalf("%s after the seed: %d", name, resp.StatusCode)
		}
		if n := tileReport(t, "seeded", body).Layers[0].Features; n != 28 { // 17 of the former Gia Lai, 11 of Bình Định
			t.Errorf("%s after the seed: %d districts", name, n)
		}
	}
}

// hasClusterNote reports whether cluster id's notes in a tile equal note ("" for none).
func hasClusterNote(t *testing.T, tile []byte, id int64, note string) bool {
	t.Helper()
	got, _ := clusterInTile(t, tile, id)["notes"].(string)
	return got == note || (note == "" && !strings.HasPrefix(got, "changed by an import"))
}

// clusterInTile is cluster id's properties in a tile with a clusters layer.
func clusterInTile(t *testing.T, tile []byte, id int64) map[string]any {
	t.Helper()
	l := tileReport(t, "tile", tile).Layer("clusters")
	if l == nil {
		t.Fatal("no clusters layer")
	}
	f := l.FeatureByID(uint64(id))
	if f == nil {
		t.Fatalf("cluster %d missing", id)
	}
	return f.Properties
}

// TestLostListenerBypassesCache: while the listener is down the server cannot know whether a
// cached tile is current, so it answers from the database until it has re-read the versions.
func TestLostListenerBypassesCache(t *testing.T) {
	store, dbURL := geotest.Seeded(t)
	srvTS, _ := NewTestServer(t, OnStore(geotest.Open(t, dbURL)))
	base, srv := srvTS.URL, srvTS.Server
	path := base + "/tiles/clusters/" + z6All + ".mvt"
	Fetch(t, "GET", path)
	var id int64
	if err := store.Pool().QueryRow(context.Background(), "SELECT min(id) FROM clusters").Scan(&id); err != nil {
		t.Fatal(err)
	}
	// Change the data in the transaction that kills the listener: its notification reaches nobody.
	ctx := context.Background()
	tx, err := store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "UPDATE clusters SET notes = 'changed by an import while away' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'clustermap-listen' AND datname = current_database()"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the loss to be noticed", func() bool { return !srv.versions.Live() })
	resp, body := Fetch(t, "GET", path)
	if resp.Header.Get("X-Tile-Cache") == "hit" || !hasClusterNote(t, body, id, "changed by an import while away") {
		t.Errorf("listener down: %s, stale tile served", resp.Header.Get("X-Tile-Cache"))
	}
	waitUntil(t, "the listener to be back", func() bool { return srv.versions.Live() })
	Fetch(t, "GET", path)
	resp, body = Fetch(t, "GET", path)
	if resp.Header.Get("X-Tile-Cache") != "hit" || !hasClusterNote(t, body, id, "changed by an import while away") {
		t.Errorf("listener back: %s", resp.Header.Get("X-Tile-Cache"))
	}
}

func TestTileJSON(t *testing.T) {
	ts, store := NewTestServer(t)
	base := ts.URL
	var doc tiles.TileJSON
	resp, body := Fetch(t, "GET", base+"/tiles/districts.json")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d, CORS %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	districts, _ := store.Catalog().Layer("districts")
	if doc.TileJSON != "3.0.0" || doc.Tiles[0] != base+"/tiles/districts/{z}/{x}/{y}.mvt" || doc.Attribution != districts.Attribution() {
		t.Errorf("tilejson %q tiles %v attribution %q", doc.TileJSON, doc.Tiles, doc.Attribution)
	}
	if doc.MinZoom != 0 || doc.MaxZoom != tiles.TileJSONMaxZoom || len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != "districts" {
		t.Errorf("zooms %d..%d, layers %+v", doc.MinZoom, doc.MaxZoom, doc.VectorLayers)
	}
	for _, f := range districts.Fields {
		if doc.VectorLayers[0].Fields[f.Name] == "" {
			t.Errorf("field %s missing from vector_layers", f.Name)
		}
	}
	if len(doc.VectorLayers[0].Fields) != len(districts.Fields) {
		t.Errorf("fields %v", doc.VectorLayers[0].Fields)
	}
	b := doc.Bounds
	// The merged province's districts (the former Gia Lai and Bình Định): 107.45–109.37 E.
	if b[0] < 107 || b[0] > 107.6 || b[2] < 109.2 || b[2] > 109.5 || b[1] < 12.9 || b[3] > 14.8 {
		t.Errorf("bounds %v are not the merged Gia Lai's", b)
	}
	if doc.Center[0] < b[0] || doc.Center[0] > b[2] || doc.Center[1] < b[1] || doc.Center[1] > b[3] || doc.Center[2] < 6 || doc.Center[2] > 9 {
		t.Errorf("center %v", doc.Center)
	}
	// Behind a proxy the tile URLs are the proxy's; filters are carried into them.
	_, body = Fetch(t, "GET", base+"/tiles/clusters,districts.json?", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "maps.example.org")
	_ = json.Unmarshal(body, &doc)
	if doc.Tiles[0] != "https://maps.example.org/tiles/clusters,districts/{z}/{x}/{y}.mvt" || len(doc.VectorLayers) != 2 || doc.VectorLayers[1].ID != "districts" {
		t.Errorf("composite behind a proxy: tiles %v, %d layers", doc.Tiles, len(doc.VectorLayers))
	}
	if !strings.Contains(doc.Attribution, "Facts") || !strings.Contains(doc.Attribution, "geoBoundaries") {
		t.Errorf("composite attribution %q", doc.Attribution)
	}
	_, body = Fetch(t, "GET", base+"/tiles/clusters.json?status=operating")
	_ = json.Unmarshal(body, &doc)
	if doc.Tiles[0] != base+"/tiles/clusters/{z}/{x}/{y}.mvt?status=operating" {
		t.Errorf("filtered tilejson tiles %v", doc.Tiles)
	}
	if resp, _ := Fetch(t, "GET", base+"/tiles/clusters.json?status=bogus"); resp.StatusCode != 400 {
		t.Errorf("bad filter: %d", resp.StatusCode)
	}
	if again, _ := Fetch(t, "GET", base+"/tiles/districts.json", "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != 304 {
		t.Errorf("revalidation: %d", again.StatusCode)
	}
	// The layer catalog links to it.
	_, body = Fetch(t, "GET", base+"/api/layers")
	if !strings.Contains(string(body), `"href":"`+base+`/tiles/districts.json"`) {
		t.Error("the catalog does not link the TileJSON")
	}
}

// TestGDALReadsEveryLayer: GDAL's MVT driver (ogrinfo, from gdal-bin) reads the z6 tile of every
// layer with the right feature count, the declared attributes and their values.
func TestGDALReadsEveryLayer(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if testing.Short() {
			t.Skip("ogrinfo not found (gdal-bin): skipped under -short")
		}
		t.Fatal("ogrinfo not found: install gdal-bin (.ci/install.sh --gdal)")
	}
	ts, store := NewTestServer(t)
	base := ts.URL
	dir := t.TempDir()
	for _, l := range store.Catalog().Layers() {
		resp, body := Fetch(t, "GET", base+"/tiles/"+l.ID+"/"+z6All+".pbf")
		if geotest.EmptyInSeed(l.ID) { // an empty tile is 204 No Content
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("%s, empty in the seed: %d", l.ID, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", l.ID, resp.StatusCode)
		}
		rep := tileReport(t, l.ID, body)
		// GDAL georeferences a lone tile from its z/x/y path.
		path := filepath.Join(dir, l.ID, "6", "51", "29.pbf")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		summary, err := exec.Command("ogrinfo", "-ro", "-al", "-so", path).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: ogrinfo: %v\n%s", l.ID, err, summary)
		}
		var rows int
		if err := store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+l.Table).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(summary), "Layer name: "+l.ID+"\n") || !strings.Contains(string(summary), fmt.Sprintf("Feature Count: %d\n", rows)) {
			t.Errorf("%s: GDAL does not read %d features:\n%s", l.ID, rows, summary)
		}
		var fields []string
		for _, m := range regexp.MustCompile(`(?m)^([a-z_0-9]+): (String|Real|Integer|Integer64) `).FindAllStringSubmatch(string(summary), -1) {
			if m[1] != "mvt_id" { // GDAL's name for the feature id
				fields = append(fields, m[1])
			}
		}
		slices.Sort(fields)
		// ST_AsMVT lists every column as a key; GDAL shows the keys that features use.
		var keys []string
		for _, f := range rep.Layers[0].FeatureReports {
			for k := range f.Properties {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
		slices.Sort(keys)
		if !slices.Equal(fields, keys) {
			t.Errorf("%s: GDAL fields %v, tile keys %v", l.ID, fields, keys)
		}
		if _, ok := l.Field(l.NaturalKey); !ok || !slices.Contains(fields, l.NaturalKey) {
			t.Errorf("%s: key field %s not read", l.ID, l.NaturalKey)
		}
		// The values GDAL reads are the values in the tile.
		features, err := exec.Command("ogrinfo", "-ro", "-al", "-q", path).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: ogrinfo: %v", l.ID, err)
		}
		for k, v := range rep.Layers[0].FeatureReports[0].Properties {
			s, ok := v.(string)
			if !ok || strings.Contains(s, "\n") {
				continue
			}
			if !strings.Contains(string(features), fmt.Sprintf("  %s (String) = %s\n", k, s)) {
				t.Errorf("%s: GDAL does not read %s = %q", l.ID, k, s)
			}
		}
	}
}

// TestTileProperties: ?properties= keeps only the named fields, on one layer's tiles and on
// composite tiles (each layer keeps the names it declares), with the same features and geometry,
// its own ETag, and refuses names no layer declares.
func TestTileProperties(t *testing.T) {
	ts, _ := NewTestServer(t)
	decode := func(path string) (map[string]*mvt.Layer, *http.Response) {
		t.Helper()
		resp, body := Fetch(t, "GET", ts.URL+path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", path, resp.StatusCode, body)
		}
		tileReport(t, path, body)
		layers, err := mvt.Unmarshal(body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out := map[string]*mvt.Layer{}
		for _, l := range layers {
			out[l.Name] = l
		}
		return out, resp
	}
	keys := func(l *mvt.Layer) []string {
		seen := map[string]bool{}
		for _, f := range l.Features {
			for k := range f.Properties {
				seen[k] = true
			}
		}
		return sorted(slices.Collect(maps.Keys(seen)))
	}
	sameGeometry := func(what string, a, b *mvt.Layer) {
		t.Helper()
		if len(a.Features) != len(b.Features) {
			t.Fatalf("%s: %d features, want %d", what, len(b.Features), len(a.Features))
		}
		for i := range a.Features {
			if a.Features[i].ID != b.Features[i].ID || !orb.Equal(a.Features[i].Geometry, b.Features[i].Geometry) {
				t.Errorf("%s: feature %d differs from the full tile's (id %v vs %v)", what, i, b.Features[i].ID, a.Features[i].ID)
			}
		}
	}

	full, fullResp := decode("/tiles/districts/" + z7West + ".mvt")
	if got := keys(full["districts"]); !slices.Contains(got, "sources") || !slices.Contains(got, "name") {
		t.Fatalf("full tile properties %v, want every declared field", got)
	}
	few, fewResp := decode("/tiles/districts/" + z7West + ".mvt?properties=name,code")
	if got := keys(few["districts"]); !slices.Equal(got, []string{"code", "name"}) {
		t.Errorf("properties=name,code: tile properties %v", got)
	}
	sameGeometry("properties=name,code", full["districts"], few["districts"])
	if fullResp.Header.Get("ETag") == fewResp.Header.Get("ETag") {
		t.Error("a tile with fewer properties has the full tile's ETag")
	}
	// The list is a set: order and repeats do not make another tile.
	_, again := decode("/tiles/districts/" + z7West + ".mvt?properties=code,name,code")
	if again.Header.Get("ETag") != fewResp.Header.Get("ETag") {
		t.Errorf("properties=code,name,code: ETag %s, want %s", again.Header.Get("ETag"), fewResp.Header.Get("ETag"))
	}

	fullRegions, _ := decode("/tiles/regions/" + z7West + ".mvt")
	comp, compResp := decode("/tiles/regions,districts/" + z7West + ".mvt?properties=slug,code")
	if got := keys(comp["regions"]); !slices.Equal(got, []string{"slug"}) {
		t.Errorf("composite: regions properties %v, want [slug]", got)
	}
	if got := keys(comp["districts"]); !slices.Equal(got, []string{"code"}) {
		t.Errorf("composite: districts properties %v, want [code]", got)
	}
	sameGeometry("composite regions", fullRegions["regions"], comp["regions"])
	sameGeometry("composite districts", full["districts"], comp["districts"])
	resp, _ := Fetch(t, "GET", ts.URL+"/tiles/regions,districts/"+z7West+".mvt?properties=slug,code", "If-None-Match", compResp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("composite with properties revalidated: %d, want 304", resp.StatusCode)
	}

	for _, tc := range []struct{ query, errLike string }{
		{"properties=nope", "not a field"},
		{"properties=", "at least one"},
		{"properties=code&properties=name", "2 times"},
	} {
		resp, body := Fetch(t, "GET", ts.URL+"/tiles/regions,districts/"+z7West+".mvt?"+tc.query)
		if resp.StatusCode != 400 || !strings.Contains(string(body), tc.errLike) {
			t.Errorf("?%s: %d %s, want 400 like %q", tc.query, resp.StatusCode, body, tc.errLike)
		}
	}

	// TileJSON carries the list into its tile URL and lists only those fields.
	_, body := Fetch(t, "GET", ts.URL+"/tiles/districts.json?properties=name")
	var doc tiles.TileJSON
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tiles) != 1 || !strings.HasSuffix(doc.Tiles[0], ".mvt?properties=name") {
		t.Errorf("TileJSON tiles %v, want the property list carried", doc.Tiles)
	}
	if len(doc.VectorLayers) != 1 || len(doc.VectorLayers[0].Fields) != 1 || doc.VectorLayers[0].Fields["name"] == "" {
		t.Errorf("TileJSON vector_layers %+v, want the one field name", doc.VectorLayers)
	}
}

// TestEmptyTilesWithoutPostGIS: once a layer's coverage of the current version is read, a tile
// that no feature reaches is answered 204 without PostGIS (X-Tile-Cache: empty), and every such
// answer is right: the tile PostGIS builds for it is empty too, for every layer over the province
// z10–z16. After a write, the coverage of the old version is never used: a plant added where the
// coverage said "empty" is in the next tile.
func TestEmptyTilesWithoutPostGIS(t *testing.T) {
	ts, store := NewTestServer(t, WithTileCacheMB(0))
	ctx := context.Background()
	province := geo.BBox{MinLon: 107.45, MinLat: 12.99, MaxLon: 108.88, MaxLat: 14.61}
	// The coverage is read on the first deep request of each layer; wait until the ocean (no
	// feature of any layer) is answered from it.
	for _, l := range store.Catalog().Layers() {
		waitFor(t, "the coverage of "+l.ID, func() bool {
			r, _ := Fetch(t, "GET", ts.URL+"/tiles/"+l.ID+"/12/3700/1900.mvt") // the South China Sea
			return r.StatusCode == http.StatusNoContent && r.Header.Get("X-Tile-Cache") == "empty"
		})
	}
	answered := map[string]int{}
	for _, l := range store.Catalog().Layers() {
		for z := 10; z <= 16; z++ {
			for i, tc := range geo.TilesCovering(province, z) {
				if z > 12 && i%(1<<(z-10)) != 0 { // deeper zooms: a sample spread over the province
					continue
				}
				r, _ := Fetch(t, "GET", fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", ts.URL, l.ID, tc.Z, tc.X, tc.Y))
				if r.Header.Get("X-Tile-Cache") != "empty" {
					continue
				}
				answered[l.ID]++
				built, err := store.Tile(ctx, geo.TileQuery{Layer: l, Tile: tc})
				if err != nil {
					t.Fatal(err)
				}
				if r.StatusCode != http.StatusNoContent || len(built.MVT) != 0 {
					t.Fatalf("%s %v answered empty (%d), PostGIS builds %d bytes", l.ID, tc, r.StatusCode, len(built.MVT))
				}
			}
		}
	}
	// The sparse layers (points, small footprints) leave most deep tiles empty: answered so.
	for _, id := range []string{"clusters", "plants", "energy"} {
		if answered[id] < 100 {
			t.Errorf("%s: %d empty tiles answered without PostGIS (%v)", id, answered[id], answered)
		}
	}
	t.Logf("tiles answered empty without PostGIS, by layer: %v", answered)

	// A plant where the coverage says "empty", through SQL: the next tile holds it.
	var tc geo.TileCoord
	for _, c := range geo.TilesCovering(province, 14) {
		if r, _ := Fetch(t, "GET", fmt.Sprintf("%s/tiles/plants/14/%d/%d.mvt", ts.URL, c.X, c.Y)); r.Header.Get("X-Tile-Cache") == "empty" {
			tc = c
			break
		}
	}
	if tc.Z == 0 {
		t.Fatal("no empty z14 plants tile over the province")
	}
	lon, lat := tileCentre(tc)
	if _, err := store.Pool().Exec(ctx, `INSERT INTO plants (name, kind, geom, geometry_quality, placement, sources)
		VALUES ('Test plant in an empty tile', 'processing', ST_SetSRID(ST_MakePoint($1, $2), 4326), 'indicative', 'test fixture', ARRAY['test fixture'])`, lon, lat); err != nil {
		t.Fatal(err)
	}
	ts.AwaitVersions(t, store)
	r, body := Fetch(t, "GET", fmt.Sprintf("%s/tiles/plants/14/%d/%d.mvt", ts.URL, tc.X, tc.Y))
	if r.StatusCode != http.StatusOK || r.Header.Get("X-Tile-Cache") == "empty" || tileReport(t, "plants", body).Layers[0].Features != 1 {
		t.Errorf("after the write, tile %v: %d %s", tc, r.StatusCode, r.Header.Get("X-Tile-Cache"))
	}
}

// tileCentre is the longitude and latitude of the centre of tc.
func tileCentre(tc geo.TileCoord) (lon, lat float64) {
	n := math.Exp2(float64(tc.Z))
	lon = (float64(tc.X)+0.5)/n*360 - 180
	lat = math.Atan(math.Sinh(math.Pi*(1-2*(float64(tc.Y)+0.5)/n))) * 180 / math.Pi
	return lon, lat
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 30 s", what)
}

// TestTilesFollowWhatTheirFieldsRead: a tile carries its layer's derived fields (a cluster's
// district, commune and province names), read from other tables; renaming the district and the
// commune, through SQL as an import would, reaches the next tile, single and composite, under a
// new ETag, though no cluster changed.
func TestTilesFollowWhatTheirFieldsRead(t *testing.T) {
	ts, store := NewTestServer(t)
	ctx := context.Background()
	var id int64
	var district, commune string
	if err := store.Pool().QueryRow(ctx, `SELECT c.id, c.district_code, c.commune_code FROM clusters c
		WHERE c.district_code IS NOT NULL AND c.commune_code IS NOT NULL ORDER BY c.id LIMIT 1`).Scan(&id, &district, &commune); err != nil {
		t.Fatalf("a cluster with a district and a commune in the seed: %v", err)
	}
	paths := []string{"/tiles/clusters/" + z6All + ".mvt", "/tiles/districts,clusters/" + z6All + ".mvt"}
	names := func(body []byte) (string, string) {
		t.Helper()
		p := clusterInTile(t, body, id)
		d, _ := p["district"].(string)
		c, _ := p["commune_2025"].(string)
		return d, c
	}
	etags := map[string]string{}
	for _, p := range paths {
		Fetch(t, "GET", ts.URL+p)
		resp, body := Fetch(t, "GET", ts.URL+p)
		if resp.Header.Get("X-Tile-Cache") != "hit" {
			t.Fatalf("%s: not cached (%s)", p, resp.Header.Get("X-Tile-Cache"))
		}
		if d, c := names(body); d == "" || c == "" {
			t.Fatalf("%s: cluster %d has district %q and commune %q in the tile", p, id, d, c)
		}
		etags[p] = resp.Header.Get("ETag")
	}

	if _, err := store.Pool().Exec(ctx, `UPDATE districts SET name = name || ' (renamed)' WHERE code = $1`, district); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Pool().Exec(ctx, `UPDATE admin_units SET name = name || ' (renamed)' WHERE level = 'commune' AND code = $1`, commune); err != nil {
		t.Fatal(err)
	}
	ts.AwaitVersions(t, store)
	for _, p := range paths {
		resp, body := Fetch(t, "GET", ts.URL+p)
		if resp.Header.Get("ETag") == etags[p] {
			t.Errorf("%s: the old ETag %s after the renames", p, etags[p])
		}
		if r, _ := Fetch(t, "GET", ts.URL+p, "If-None-Match", etags[p]); r.StatusCode != 200 {
			t.Errorf("%s: the old ETag still revalidates (%d)", p, r.StatusCode)
		}
		if d, c := names(body); !strings.HasSuffix(d, " (renamed)") || !strings.HasSuffix(c, " (renamed)") {
			t.Errorf("%s: cluster %d shows district %q and commune %q after both were renamed", p, id, d, c)
		}
	}
}
