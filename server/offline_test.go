package server_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/server/offline"
)

// The offline pack, made by `clustermap export-pmtiles` at its default depth (z14): every tile
// of z0–10 and a fixed sample of z11–14 in its PMTiles archive, read back by the reference reader
// (npm pmtiles) in Chromium, is byte for byte what /tiles answers; and served by a plain static
// file server, with ClusterMap's server stopped and the browser cut off from every other host,
// the pack shows the map: area fills, district outlines, every cluster, and its stamp (the data's
// date and version).
func TestOfflinePackShowsTheMapWithoutTheServer(t *testing.T) {
	ts, store := newTestServer(t)
	browser := startBrowser(t)
	// The pack as an official makes it: the clustermap binary's export-pmtiles, at its default
	// depth (z14), on the test's database.
	dir, bin := t.TempDir(), filepath.Join(t.TempDir(), "clustermap")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/clustermap")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v %s", err, out)
	}
	cli := exec.Command(bin, "export-pmtiles", dir)
	cli.Env = append(os.Environ(), "DATABASE_URL="+store.Pool().Config().ConnString())
	if out, err := cli.CombinedOutput(); err != nil {
		t.Fatalf("clustermap export-pmtiles: %v %.2000s", err, out)
	}
	var manifest offline.Manifest
	if b, err := os.ReadFile(filepath.Join(dir, "offline.json")); err != nil || json.Unmarshal(b, &manifest) != nil {
		t.Fatalf("offline.json: %v", err)
	}
	if manifest.MaxZoom != 14 {
		t.Errorf("the CLI's pack goes to z%d, want its default z14", manifest.MaxZoom)
	}
	// What /tiles answers for every tile of z0–10 near the province that has data, and for a
	// fixed sample of z11–14 (one tile in 53 by its coordinates).
	want, sampled := map[string]string{}, map[int]int{}
	for z := 0; z <= 14; z++ {
		n := float64(int(1) << z) // the province's columns and rows, then tileNearProvince's edges
		for x := int((107.0 + 180) / 360 * n); x <= int((109.6+180)/360*n); x++ {
			for y := int(tileRow(15.2, n)); y <= int(tileRow(12.4, n)); y++ {
				if !tileNearProvince(z, x, y) || z > 10 && (x*31+y*17+z)%53 != 0 {
					continue
				}
				sampled[z]++
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
	for z := 11; z <= 14; z++ {
		if sampled[z] == 0 {
			t.Errorf("no tile of z%d sampled", z)
		}
	}
	var clusters int
	if err := store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM clusters`).Scan(&clusters); err != nil {
		t.Fatal(err)
	}
	// The stamp's data versions are the database's.
	rows, err := store.Pool().Query(t.Context(), `SELECT layer, version FROM layer_versions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var layer string
		var v int64
		if err := rows.Scan(&layer, &v); err != nil {
			t.Fatal(err)
		}
		if got, ok := manifest.Versions[layer]; ok && got != v || !ok && layer == "clusters" {
			t.Errorf("the pack stamps %s version %d, the database holds %d", layer, got, v)
		}
	}
	rows.Close()

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

	p := newPage(t, browser, origin, desktop)
	// The network cut in the browser too: every request but the static pack's fails.
	p.cutNetworkBut(origin)
	p.load("/")
	if evalJS[bool](p, `fetch("https://tile.openstreetmap.org/0/0/0.png", { mode: "no-cors" }).then(() => true, () => false)`) {
		t.Error("with the network cut, the page still reaches another host")
	}
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
	if shown.Regions == 0 || shown.Districts == 0 || shown.Clusters != clusters {
		t.Errorf("offline, the map shows %+v, want area fills, district outlines and %d clusters", shown, clusters)
	}
	// The stamp: the day the data was taken (dd/mm/yyyy, the page being Vietnamese) and its version.
	made := manifest.Made[8:10] + "/" + manifest.Made[5:7] + "/" + manifest.Made[0:4]
	if !strings.Contains(shown.Stamp, made) || !strings.Contains(shown.Stamp, fmt.Sprint(manifest.Versions["clusters"])) {
		t.Errorf("the stamp reads %q, want the date %s and the clusters' version %d", shown.Stamp, made, manifest.Versions["clusters"])
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

// tileRow is the (fractional) row of a latitude (web mercator), n tiles a side.
func tileRow(lat, n float64) float64 {
	r := lat * math.Pi / 180
	return (1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n
}
