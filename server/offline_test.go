package server_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/clustermap/clustermap/server/offline"
	"github.com/clustermap/clustermap/static"
)

// The offline pack: every tile in its PMTiles archive, read back by the reference reader (npm
// pmtiles) in Chromium, is byte for byte what /tiles answers; and served by a plain static file
// server, with ClusterMap's server stopped, the pack shows the map: area fills, district outlines,
// every cluster, and its stamp.
func TestOfflinePackShowsTheMapWithoutTheServer(t *testing.T) {
	ts, store := newTestServer(t)
	browser := startBrowser(t)
	dir := t.TempDir()
	rep, err := offline.Write(context.Background(), ts.Server.Handler(), dir, offline.Options{MinZoom: 0, MaxZoom: 10, App: static.Files})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tiles < 20 {
		t.Fatalf("the pack holds %d tiles", rep.Tiles)
	}
	// What /tiles answers for every tile of the pack's range that has data.
	want := map[string]string{}
	for z := 0; z <= 10; z++ {
		for x := 0; x < 1<<z; x++ {
			for y := 0; y < 1<<z; y++ {
				if !tileNearProvince(z, x, y) {
					continue
				}
				r, err := http.Get(fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt?properties=%s", ts.URL, offline.TileSpec, z, x, y, offline.TileProperties))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				if r.StatusCode == 200 {
					want[fmt.Sprintf("%d/%d/%d", z, x, y)] = base64.StdEncoding.EncodeToString(b)
				}
			}
		}
	}
	var clusters int
	if err := store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM clusters`).Scan(&clusters); err != nil {
		t.Fatal(err)
	}

	// The pack on a static file server (Go's: it answers range requests, as any static host).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	static := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go static.Serve(ln)
	t.Cleanup(func() { static.Close() })
	origin := "http://" + ln.Addr().String()
	ts.Close() // the network cut: ClusterMap's server is gone

	p := newPage(t, browser, origin, usabilityDesktop)
	p.load("/")
	got := evalJS[map[string]string](p, fmt.Sprintf(`(async () => {
	  const out = {};
	  for (const k of %s) {
	    const r = await fetch("tiles/any/" + k + ".mvt");
	    const b = new Uint8Array(await r.arrayBuffer());
	    let s = ""; for (const c of b) s += String.fromCharCode(c);
	    out[k] = r.status === 200 ? btoa(s) : "";
	  }
	  return out;
	})()`, jsKeys(want)))
	for k, w := range want {
		if got[k] != w {
			t.Errorf("tile %s: the pack's bytes differ from /tiles (%d vs %d base64 chars)", k, len(got[k]), len(w))
		}
	}
	shown := evalJS[struct {
		Regions, Districts, Clusters int
		Stamp                        string
	}](p, `({ regions: document.querySelectorAll(".leaflet-cm-regions-pane path").length,
	   districts: document.querySelectorAll(".leaflet-cm-districts-pane path").length,
	   clusters: document.querySelectorAll(".cm-symbol-clusters").length,
	   stamp: (document.querySelector(".offline-stamp") || {}).textContent || "" })`)
	if shown.Regions == 0 || shown.Districts == 0 || shown.Clusters != clusters || shown.Stamp == "" {
		t.Errorf("offline, the map shows %+v, want area fills, district outlines, %d clusters and the stamp", shown, clusters)
	}
	if _, err := os.Stat(filepath.Join(dir, "clustermap.pmtiles")); err != nil {
		t.Error(err)
	}
	p.screenshot("offline-pack")
}

// tileNearProvince keeps the tiles over the merged province's box (the pack's extent).
func tileNearProvince(z, x, y int) bool {
	n := float64(int(1) << z)
	lon0, lon1 := float64(x)/n*360-180, float64(x+1)/n*360-180
	return lon1 >= 107.0 && lon0 <= 109.6 && tileLat(y+1, n) <= 15.2 && tileLat(y, n) >= 12.4
}

func jsKeys(m map[string]string) string {
	s := "["
	for k := range m {
		s += fmt.Sprintf("%q,", k)
	}
	return s + "]"
}

// tileLat is the latitude of a tile row's top edge (web mercator), n tiles a side.
func tileLat(y int, n float64) float64 {
	return math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/n))) * 180 / math.Pi
}
