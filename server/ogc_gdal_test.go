package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// Interoperability with GDAL's OAPIF driver (Debian gdal-bin; `make test` installs it): what QGIS
// and ogr2ogr users get. GDAL needs a real TCP listener, which httptest.NewServer is.

// gdal runs a GDAL command against the local server, never through a proxy.
func gdal(t *testing.T, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if testing.Short() {
			t.Skipf("%s not found (gdal-bin): skipped under -short", name)
		}
		t.Fatalf("%s not found: install gdal-bin (make test does)", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

var featureCount = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)

func TestOGCGDALReadsEveryCollection(t *testing.T) {
	srv, store := newTestServer(t)
	datedClusters(t, store)
	root := "OAPIF:" + srv.URL + "/ogc"
	for _, l := range store.Catalog().Layers() {
		t.Run(l.ID, func(t *testing.T) {
			out := gdal(t, "ogrinfo", "-ro", "-so", root, l.ID)
			m := featureCount.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("ogrinfo printed no feature count:\n%s", out)
			}
			got, _ := strconv.Atoi(m[1])
			if want := dbCount(t, store, "SELECT count(*) FROM "+l.Table); got != want {
				t.Errorf("GDAL counts %d features, the database has %d", got, want)
			}
		})
	}
}

func TestOGCGDALCopiesClustersToGeoPackage(t *testing.T) {
	srv, store := newTestServer(t)
	datedClusters(t, store)
	gpkg := filepath.Join(t.TempDir(), "clusters.gpkg")
	// A small page size makes GDAL follow next links through several pages.
	gdal(t, "ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+srv.URL+"/ogc", "clusters", "-oo", "PAGE_SIZE=4")
	out := gdal(t, "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", gpkg, "clusters")
	var fc struct {
		Features []struct {
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatalf("GeoPackage as GeoJSON: %v\n%.500s", err, out)
	}
	type row struct {
		status   string
		planned  *float64
		decision *time.Time
		geomType string
	}
	want := map[string]row{}
	rows, err := store.Pool().Query(context.Background(),
		`SELECT name, status::text, planned_area_ha::float8, decision_date, GeometryType(geom) FROM clusters`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var r row
		if err := rows.Scan(&name, &r.status, &r.planned, &r.decision, &r.geomType); err != nil {
			t.Fatal(err)
		}
		want[name] = r
	}
	rows.Close()
	if len(fc.Features) != len(want) {
		t.Fatalf("the GeoPackage has %d features, the database %d", len(fc.Features), len(want))
	}
	dated := 0
	for _, f := range fc.Features {
		name, _ := f.Properties["name"].(string)
		w, ok := want[name]
		if !ok {
			t.Errorf("feature %q is not in the database", name)
			continue
		}
		delete(want, name)
		if f.Properties["status"] != w.status {
			t.Errorf("%s: status %v, database %s", name, f.Properties["status"], w.status)
		}
		got, isNum := f.Properties["planned_area_ha"].(float64)
		if (w.planned == nil) != !isNum || (isNum && math.Abs(got-*w.planned) > 1e-9) {
			t.Errorf("%s: planned_area_ha %v, database %v", name, f.Properties["planned_area_ha"], w.planned)
		}
		if w.decision != nil {
			dated++
			if d := fmt.Sprint(f.Properties["decision_date"]); d != w.decision.Format("2006-01-02") {
				t.Errorf("%s: decision_date %s, database %s", name, d, w.decision.Format("2006-01-02"))
			}
		}
		if f.Geometry.Type == "" || (w.geomType == "POINT") != (f.Geometry.Type == "Point") {
			t.Errorf("%s: geometry %s, database %s", name, f.Geometry.Type, w.geomType)
		}
	}
	if dated == 0 {
		t.Error("no dated cluster was compared")
	}
	if len(want) > 0 {
		t.Errorf("missing from the GeoPackage: %v", want)
	}
}
