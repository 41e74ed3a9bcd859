package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/internal/geotest"
)

// The CLI end to end: migrate, seed, then import a GeoPackage in VN-2000 / UTM 48N through
// ogr2ogr; the point must land where the VN-2000 test vector (docs/sources/vn2000.md) says.
func TestCLIImportsGeoPackageInVN2000(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if testing.Short() {
			t.Skip("ogr2ogr not found (gdal-bin): skipped under -short")
		}
		t.Fatal("ogr2ogr is required (make test installs gdal-bin)")
	}
	dbURL := geotest.NewDatabase(t)
	t.Setenv("DATABASE_URL", dbURL)
	log := slog.New(slog.DiscardHandler)
	if err := run([]string{"seed"}, log); err != nil {
		t.Fatalf("seed: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "plant.geojson")
	// V1 of docs/sources/vn2000.md: Pleiku (13.98333 N, 108.00000 E) in VN-2000 / UTM zone 48N.
	geojson := `{"type":"FeatureCollection","features":[{"type":"Feature",
		"geometry":{"type":"Point","coordinates":[823930.8414,1548045.5104]},
		"properties":{"name":"Nhà máy thử UTM","kind":"test_mill","crop":"coffee","geometry_quality":"surveyed",
		"placement":"survey","sources":["https://example.org/survey"]}}]}`
	if err := os.WriteFile(src, []byte(geojson), 0o644); err != nil {
		t.Fatal(err)
	}
	gpkg := filepath.Join(dir, "plant.gpkg")
	if out, err := exec.Command("ogr2ogr", "-f", "GPKG", "-a_srs", "EPSG:3405", gpkg, src).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v: %s", err, out)
	}
	if err := run([]string{"import", "plants", gpkg}, log); err != nil {
		t.Fatalf("import: %v", err)
	}
	store := geotest.Open(t, dbURL)
	var metres float64
	err := store.Pool().QueryRow(context.Background(), `SELECT ST_Distance(geom::geography,
		ST_SetSRID(ST_MakePoint(108.0, 13.98333), 4326)::geography) FROM plants WHERE name = 'Nhà máy thử UTM'`).Scan(&metres)
	if err != nil {
		t.Fatal(err)
	}
	if metres > 1 {
		t.Fatalf("imported point is %.2f m from the expected WGS 84 position", metres)
	}
	// A bad layer name and a missing file are errors, not panics.
	if err := run([]string{"import", "nope", gpkg}, log); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown layer: %v", err)
	}
	if err := run([]string{"import", "plants", filepath.Join(dir, "missing.geojson")}, log); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestConfigFlagsOverrideEnvironment(t *testing.T) {
	t.Setenv("CLUSTERMAP_ADDR", "127.0.0.1:9000")
	t.Setenv("CLUSTERMAP_TILE_CACHE_MB", "7")
	cfg, rest, err := configure([]string{"serve", "--addr", "127.0.0.1:9999"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Addr != "127.0.0.1:9999" || cfg.Server.TileCacheMB != 7 || len(rest) != 1 || rest[0] != "serve" {
		t.Fatalf("cfg %+v rest %v", cfg.Server, rest)
	}
	if _, _, err := configure([]string{"--tile-cache-mb", "-1", "serve"}); err == nil {
		t.Fatal("negative cache size accepted")
	}
}
