package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/internal/geotest"
)

func TestSeedLoadsSourcedDataIdempotently(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	pool := store.Pool()

	counts := map[string]int{}
	for _, l := range store.Catalog().Layers() {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+l.Table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[l.ID] = n
		// Every feature names at least one source.
		var unsourced int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+l.Table+" WHERE cardinality(sources) = 0").Scan(&unsourced); err != nil || unsourced != 0 {
			t.Errorf("%s: %d features without sources (%v)", l.ID, unsourced, err)
		}
	}
	// 17 pre-2025 districts of the former Gia Lai and 11 of the former Bình Định; the five areas
	// of the former Gia Lai's letter.
	if counts["districts"] != 28 || counts["regions"] != 5 {
		t.Fatalf("districts=%d regions=%d, want 28 and 5", counts["districts"], counts["regions"])
	}
	if counts["clusters"] < 12 {
		t.Fatalf("clusters=%d, want at least 12", counts["clusters"])
	}
	for _, layer := range []string{"raw_material_zones", "plants", "energy", "roads"} {
		if counts[layer] == 0 {
			t.Errorf("layer %s is empty after seed", layer)
		}
	}
	for _, name := range []string{"CCN Diên Phú", "KCN Trà Đa"} {
		var quality, placement string
		if err := pool.QueryRow(ctx, `SELECT geometry_quality, placement FROM clusters WHERE name = $1`, name).Scan(&quality, &placement); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if quality != "indicative" || !strings.Contains(placement, "Indicative") {
			t.Errorf("%s: quality %q placement %q: a footprint no source surveyed must say it is indicative", name, quality, placement)
		}
	}
	// A footprint has the stated area (within the circle's polygon approximation).
	var area float64
	if err := pool.QueryRow(ctx, `SELECT ST_Area(geom::geography) / 1e4 FROM clusters WHERE name = 'CCN Diên Phú'`).Scan(&area); err != nil {
		t.Fatal(err)
	}
	if math.Abs(area-41.44)/41.44 > 0.01 {
		t.Errorf("Diên Phú footprint is %.2f ha, want 41.44 ha ±1%%", area)
	}
	// A number no source gives stays empty.
	var occ *float64
	if err := pool.QueryRow(ctx, `SELECT occupancy_pct FROM clusters WHERE name = 'CCN Diên Phú'`).Scan(&occ); err != nil || occ != nil {
		t.Errorf("Diên Phú occupancy = %v (%v); no source gives it, so it must be NULL", occ, err)
	}

	versions := layerVersions(t, store)
	rep, err := ingest.New(store, nil).Seed(ctx, geotest.SeedFS(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Layers {
		if l.Inserted+l.Updated != 0 || l.Unchanged != l.Features {
			t.Errorf("second seed changed %s: %+v", l.Layer, l)
		}
	}
	if after := layerVersions(t, store); fmt.Sprint(after) != fmt.Sprint(versions) {
		t.Errorf("second seed bumped layer versions: %v -> %v", versions, after)
	}
}

func TestImportIsAtomicAndReportsEachBadFeature(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := store.Pool().QueryRow(ctx, "SELECT count(*) FROM plants").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()

	good := fc(plant("Import good 1", `{"type":"Point","coordinates":[108.0,13.98]}`),
		plant("Import good 2", `{"type":"Point","coordinates":[108.2,13.7]}`))
	rep, err := ingest.New(store, nil).Import(ctx, "plants", good, ingest.ImportOptions{})
	if err != nil || rep.Inserted != 2 {
		t.Fatalf("good file: %+v, %v", rep, err)
	}
	if count() != before+2 {
		t.Fatalf("good file loaded %d features, want 2", count()-before)
	}

	bad := fc(
		plant("Import new ok", `{"type":"Point","coordinates":[108.1,13.9]}`),
		plant("Outside the province", `{"type":"Point","coordinates":[106.7,10.8]}`),
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[108.1,13.9]},"properties":{"name":"No sources","kind":"mill","geometry_quality":"cited","placement":"x"}}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[108.1,13.9]},"properties":{"name":"Bad crop","kind":"mill","crop":"durian","geometry_quality":"cited","placement":"x","sources":["s"]}}`,
		`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[108.1,13.9],[108.2,13.9]]},"properties":{"name":"A line","kind":"mill","geometry_quality":"cited","placement":"x","sources":["s"]}}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[108.1,13.9]},"properties":{"name":"Negative capacity","kind":"mill","capacity":-3,"capacity_unit":"t/day","geometry_quality":"cited","placement":"x","sources":["s"]}}`,
	)
	rep, err = ingest.New(store, nil).Import(ctx, "plants", bad, ingest.ImportOptions{})
	if !errors.Is(err, ingest.ErrRejected) {
		t.Fatalf("bad file: err = %v, want ErrRejected", err)
	}
	want := map[int]string{2: "outside the province", 3: "sources", 4: "durian", 5: "LineString", 6: "capacity"}
	got := map[int]string{}
	for _, p := range rep.Problems {
		got[p.Feature] += p.Reason + "; "
	}
	for pos, reason := range want {
		if !strings.Contains(got[pos], reason) {
			t.Errorf("feature %d: report %q does not mention %q", pos, got[pos], reason)
		}
	}
	if _, reported := got[1]; reported {
		t.Errorf("the good feature 1 was reported: %q", got[1])
	}
	if count() != before+2 {
		t.Fatalf("a rejected file changed the table: %d features, want %d", count(), before+2)
	}
}

// VN-2000 test vectors V1 and V2 of docs/sources/vn2000.md (EPSG:6960 parameters, PROJ 9.1 / PostGIS 3.3).
func TestImportTransformsVN2000(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	cases := []struct {
		name           string
		crs            string
		x, y           float64
		wantLon, wantL float64
	}{
		// V1 inverse: the Pleiku point in Gia Lai's TM-3 108°30′ back to WGS 84.
		{"TM-3 108-30 Pleiku", "EPSG:9218", 445789.2108, 1546517.3587, 108.00000, 13.98333},
		// V2: the round grid point.
		{"TM-3 108-30 grid point", "EPSG:9218", 450000, 1550000, 108.038913505, 14.014886717},
		// V1 in UTM 48N.
		{"UTM 48N Pleiku", "EPSG:3405", 823930.8414, 1548045.5104, 108.00000, 13.98333},
		// V1 in UTM 49N.
		{"UTM 49N Pleiku", "EPSG:3406", 175678.9467, 1548050.4524, 108.00000, 13.98333},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("VN2000 point %d", i)
			data := fc(plant(name, fmt.Sprintf(`{"type":"Point","coordinates":[%f,%f]}`, tc.x, tc.y)))
			if _, err := ingest.New(store, nil).Import(ctx, "plants", data, ingest.ImportOptions{CRS: tc.crs}); err != nil {
				t.Fatal(err)
			}
			var metres float64
			err := store.Pool().QueryRow(ctx, `SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography)
				FROM plants WHERE name = $1`, name, tc.wantLon, tc.wantL).Scan(&metres)
			if err != nil {
				t.Fatal(err)
			}
			// The published vectors are to 5 decimals (≈1 m) for V1 and 9 decimals for V2.
			if metres > 1 {
				t.Errorf("transformed point is %.3f m from the expected WGS 84 point", metres)
			}
		})
	}
	// The file's own crs member is honoured (as ogr2ogr writes it).
	data := []byte(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9218"}},"features":[` +
		plant("VN2000 crs member", `{"type":"Point","coordinates":[450000,1550000]}`) + `]}`)
	rep, err := ingest.New(store, nil).Import(ctx, "plants", data, ingest.ImportOptions{})
	if err != nil || rep.CRS != "EPSG:9218" {
		t.Fatalf("crs member: %+v %v", rep, err)
	}
	// Unsupported systems are refused up front.
	if _, err := ingest.New(store, nil).Import(ctx, "plants", data, ingest.ImportOptions{CRS: "EPSG:2154"}); err == nil {
		t.Fatal("EPSG:2154 accepted")
	}
}

func layerVersions(t *testing.T, store *geo.Store) map[string]int64 {
	t.Helper()
	stats, err := store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for id, s := range stats {
		out[id] = s.Version
	}
	return out
}

func fc(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

func plant(name, geom string) string {
	return fmt.Sprintf(`{"type":"Feature","geometry":%s,"properties":{"name":%q,"kind":"test_mill","crop":"cassava",
		"geometry_quality":"cited","placement":"test","sources":["https://example.org/%s"]}}`, geom, name, name)
}
