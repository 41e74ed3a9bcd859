package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/internal/geotest"
)

// A rejected import loads nothing, so its report must count nothing as inserted or updated, even
// when good features were upserted (and then rolled back) before a bad one was found.
func TestRejectedImportReportsNothingLoaded(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	data := fcOf(
		clusterFeature("Hardening good", `"target_industries":["food"]`, "108.10 13.90"),
		clusterFeature("Hardening outside", `"target_industries":["food"]`, "106.70 10.80"), // Hồ Chí Minh City
	)
	rep, err := ingest.New(store, nil).Import(ctx, "clusters", data, ingest.ImportOptions{})
	if !errors.Is(err, ingest.ErrRejected) {
		t.Fatalf("err = %v, want ErrRejected", err)
	}
	if rep.Inserted != 0 || rep.Updated != 0 || rep.Unchanged != 0 {
		t.Errorf("rejected report counts inserted %d, updated %d, unchanged %d; nothing was loaded", rep.Inserted, rep.Updated, rep.Unchanged)
	}
	var n int
	if err := store.Pool().QueryRow(ctx, "SELECT count(*) FROM clusters WHERE name LIKE 'Hardening%'").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows loaded by a rejected import: %d (%v)", n, err)
	}
}

// Optional fields may be left out of a file even where the column is NOT NULL with a default
// (clusters.target_industries text[] NOT NULL DEFAULT '{}'): the row gets the default.
func TestImportLeavesOptionalListFieldsOut(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	rep, err := ingest.New(store, nil).Import(ctx, "clusters", fcOf(clusterFeature("Hardening no industries", "", "108.10 13.90")), ingest.ImportOptions{})
	if err != nil || rep.Inserted != 1 {
		t.Fatalf("import without target_industries: %+v, %v", rep, err)
	}
	var industries []string
	if err := store.Pool().QueryRow(ctx, "SELECT target_industries FROM clusters WHERE name = 'Hardening no industries'").Scan(&industries); err != nil {
		t.Fatal(err)
	}
	if industries == nil || len(industries) != 0 {
		t.Errorf("target_industries = %#v, want the column default (an empty list)", industries)
	}
}

func fcOf(features ...string) []byte {
	out := `{"type":"FeatureCollection","features":[`
	for i, f := range features {
		if i > 0 {
			out += ","
		}
		out += f
	}
	return []byte(out + "]}")
}

// clusterFeature is a planned CCN at lon lat with only the required properties and extra.
func clusterFeature(name, extra, lonLat string) string {
	var lon, lat float64
	fmt.Sscan(lonLat, &lon, &lat)
	if extra != "" {
		extra = "," + extra
	}
	return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,%g]},
		"properties":{"name":%q,"kind":"ccn","status":"planned","district_code":"622","district_basis":"stated","geometry_quality":"cited","placement":"test",
		"sources":["https://example.org/hardening"]%s}}`, lon, lat, name, extra)
}
