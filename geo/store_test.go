package geo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/geotest"
)

func TestConstraintsRejectBadRows(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	pool := store.Pool()
	// A valid cluster row; each case breaks one thing.
	const good = `INSERT INTO clusters (name, kind, district_code, status, planned_area_ha, industrial_land_ha,
		leased_land_ha, occupancy_pct, geom, geometry_quality, placement, sources)
		VALUES (%s, %s, '622', %s, %s, %s, %s, %s, %s, 'indicative', 'test', %s)`
	point := "ST_SetSRID(ST_MakePoint(108.0, 13.98), 4326)"
	cases := []struct {
		name                                          string
		cname, kind, stage, planned, ind, leased, occ string
		geom, sources                                 string
		wantErr                                       string
	}{
		{"valid row", "'T ok'", "'ccn'", "'planned'", "50", "40", "10", "NULL", point, "ARRAY['https://example.org']", ""},
		{"occupancy above 100", "'T1'", "'ccn'", "'planned'", "50", "NULL", "NULL", "150", point, "ARRAY['s']", "occupancy_pct"},
		{"negative area", "'T2'", "'ccn'", "'planned'", "-5", "NULL", "NULL", "NULL", point, "ARRAY['s']", "planned_area_ha"},
		{"leased above industrial", "'T3'", "'ccn'", "'planned'", "50", "10", "20", "NULL", point, "ARRAY['s']", "check"},
		{"unknown stage", "'T4'", "'ccn'", "'stuck'", "50", "NULL", "NULL", "NULL", point, "ARRAY['s']", "cluster_stage"},
		{"unknown kind", "'T5'", "'zone'", "'planned'", "50", "NULL", "NULL", "NULL", point, "ARRAY['s']", "cluster_kind"},
		{"no sources", "'T6'", "'ccn'", "'planned'", "50", "NULL", "NULL", "NULL", point, "NULL", "sources"},
		{"empty sources", "'T7'", "'ccn'", "'planned'", "50", "NULL", "NULL", "NULL", point, "ARRAY[]::text[]", "sources"},
		{"blank source", "'T8'", "'ccn'", "'planned'", "50", "NULL", "NULL", "NULL", point, "ARRAY[' ']", "sources"},
		{"invalid bow-tie polygon", "'T9'", "'ccn'", "'planned'", "50", "NULL", "NULL", "NULL",
			"ST_Multi(ST_GeomFromText('POLYGON((108 13.9,108.01 13.91,108.01 13.9,108 13.91,108 13.9))', 4326))", "ARRAY['s']", "geom"},
		{"wrong SRID", "'T10'", "'ccn'", "'planned'", "50", "NULL", "NULL", "NULL", "ST_SetSRID(ST_MakePoint(500000, 1500000), 3405)", "ARRAY['s']", "SRID"},
		{"line geometry", "'T11'", "'ccn'", "'planned'", "50", "NULL", "NULL", "NULL",
			"ST_GeomFromText('LINESTRING(108 13.9,108.1 13.9)', 4326)", "ARRAY['s']", "geom"},
		{"duplicate name", "'CCN Diên Phú'", "'ccn'", "'planned'", "50", "NULL", "NULL", "NULL", point, "ARRAY['s']", "clusters_name_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sql := fmt.Sprintf(good, tc.cname, tc.kind, tc.stage, tc.planned, tc.ind, tc.leased, tc.occ, tc.geom, tc.sources)
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			_, err = tx.Exec(ctx, sql)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("valid row rejected: %v", err)
				}
				var occ float64
				if err := tx.QueryRow(ctx, `SELECT occupancy_pct FROM clusters WHERE name = 'T ok'`).Scan(&occ); err != nil || occ != 25 {
					t.Fatalf("occupancy derived from leased/industrial land = %v, %v; want 25", occ, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("bad row accepted")
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.wantErr)) {
				t.Fatalf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

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
	if counts["districts"] != 17 || counts["regions"] != 5 {
		t.Fatalf("districts=%d regions=%d, want 17 and 5", counts["districts"], counts["regions"])
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
	rep, err := store.Seed(ctx, geotest.SeedFS(t))
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

func TestRegionGeometryIsUnionOfMembers(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	pool := store.Pool()
	check := func() {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT r.slug, ST_Equals(r.geom, (SELECT ST_Union(d.geom) FROM region_members m
			JOIN districts d ON d.code = m.district_code WHERE m.region_slug = r.slug)) FROM regions r`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var slug string
			var equal *bool
			if err := rows.Scan(&slug, &equal); err != nil {
				t.Fatal(err)
			}
			if equal == nil || !*equal {
				t.Errorf("region %s geometry is not the union of its members", slug)
			}
			n++
		}
		if n != 5 {
			t.Fatalf("%d regions", n)
		}
	}
	check()
	// Members change: the region follows.
	if _, err := pool.Exec(ctx, `INSERT INTO region_members VALUES ('east', '630')`); err != nil {
		t.Fatal(err)
	}
	check()
	// A district boundary changes: the region follows.
	if _, err := pool.Exec(ctx, `UPDATE districts SET geom = ST_Multi(ST_Buffer(geom, -0.001)) WHERE code = '623'`); err != nil {
		t.Fatal(err)
	}
	check()
	// Writing a region geometry by hand does not stick.
	if _, err := pool.Exec(ctx, `UPDATE regions SET geom = ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326)) WHERE slug = 'west'`); err != nil {
		t.Fatal(err)
	}
	check()
}

func fc(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

func plant(name, geom string) string {
	return fmt.Sprintf(`{"type":"Feature","geometry":%s,"properties":{"name":%q,"kind":"test_mill","crop":"cassava",
		"geometry_quality":"cited","placement":"test","sources":["https://example.org/%s"]}}`, geom, name, name)
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
	rep, err := store.Import(ctx, "plants", good, geo.ImportOptions{})
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
	rep, err = store.Import(ctx, "plants", bad, geo.ImportOptions{})
	if !errors.Is(err, geo.ErrRejected) {
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

// VN-2000 test vectors from shared/VN2000.md (EPSG:6960 parameters, PROJ 9.1 / PostGIS 3.3).
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
			if _, err := store.Import(ctx, "plants", data, geo.ImportOptions{CRS: tc.crs}); err != nil {
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
	rep, err := store.Import(ctx, "plants", data, geo.ImportOptions{})
	if err != nil || rep.CRS != "EPSG:9218" {
		t.Fatalf("crs member: %+v %v", rep, err)
	}
	// Unsupported systems are refused up front.
	if _, err := store.Import(ctx, "plants", data, geo.ImportOptions{CRS: "EPSG:2154"}); err == nil {
		t.Fatal("EPSG:2154 accepted")
	}
}

func TestFeaturesQuery(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	cat := store.Catalog()
	clusters, _ := cat.Layer("clusters")
	districts, _ := cat.Layer("districts")

	page := func(q geo.FeatureQuery) *geo.FeaturePage {
		t.Helper()
		p, err := store.Features(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Paging: pages partition the result.
	all := page(geo.FeatureQuery{Layer: districts, Limit: 100})
	if all.Matched != 17 || len(all.Features) != 17 {
		t.Fatalf("districts: matched %d returned %d", all.Matched, len(all.Features))
	}
	seen := map[string]bool{}
	for off := 0; off < 17; off += 5 {
		p := page(geo.FeatureQuery{Layer: districts, Limit: 5, Offset: off})
		if p.Matched != 17 {
			t.Fatalf("page at %d: matched %d", off, p.Matched)
		}
		for _, f := range p.Features {
			var feat struct{ ID string }
			_ = json.Unmarshal(f, &feat)
			if seen[feat.ID] {
				t.Fatalf("district %s on two pages", feat.ID)
			}
			seen[feat.ID] = true
		}
	}
	if len(seen) != 17 {
		t.Fatalf("pages covered %d districts", len(seen))
	}
	if p := page(geo.FeatureQuery{Layer: districts, Limit: 5, Offset: 100}); p.Matched != 17 || len(p.Features) != 0 {
		t.Fatalf("past the end: matched %d returned %d", p.Matched, len(p.Features))
	}
	// bbox around Pleiku city finds Pleiku and its neighbours, not Krông Pa.
	p := page(geo.FeatureQuery{Layer: districts, Limit: 100, BBox: &geo.BBox{MinLon: 107.99, MinLat: 13.97, MaxLon: 108.01, MaxLat: 13.99}})
	ids := featureIDs(t, p)
	if !strings.Contains(ids, `"622"`) || strings.Contains(ids, `"637"`) {
		t.Fatalf("bbox at Pleiku gave %s", ids)
	}
	// Equality filters on enums, derived fields and arrays.
	for _, tc := range []struct {
		field, value string
		want         []string
	}{
		{"status", "operating", []string{"KCN Trà Đa", "CCN Diên Phú"}},
		{"region", "east", []string{"CCN Đak Pơ (Đak Pơ 1)", "CCN sinh thái Đak Pơ 2"}},
		{"target_industries", "food", []string{"CCN số 2 huyện Đak Đoa"}},
		{"kind", "kkt", []string{"KKT cửa khẩu quốc tế Lệ Thanh"}},
	} {
		p := page(geo.FeatureQuery{Layer: clusters, Limit: 100, Equals: map[string]string{tc.field: tc.value}, Properties: []string{"name"}})
		names := map[string]bool{}
		for _, f := range p.Features {
			var feat struct{ Properties map[string]any }
			_ = json.Unmarshal(f, &feat)
			names[feat.Properties["name"].(string)] = true
			if len(feat.Properties) != 1 {
				t.Errorf("properties=name returned %v", feat.Properties)
			}
		}
		if len(names) != len(tc.want) {
			t.Errorf("%s=%s: got %v, want %v", tc.field, tc.value, names, tc.want)
		}
		for _, w := range tc.want {
			if !names[w] {
				t.Errorf("%s=%s: %s missing from %v", tc.field, tc.value, w, names)
			}
		}
	}
	// Bad filter values are input errors, not database errors.
	for _, eq := range []map[string]string{{"status": "stuck"}, {"planned_area_ha": "1e999"}, {"nope": "x"}, {"decision_date": "yesterday"}} {
		_, err := store.Features(ctx, geo.FeatureQuery{Layer: clusters, Equals: eq})
		var ie *geo.InputError
		if !errors.As(err, &ie) {
			t.Errorf("filter %v: err = %v, want an InputError", eq, err)
		}
	}
}

func featureIDs(t *testing.T, p *geo.FeaturePage) string {
	t.Helper()
	var ids []string
	for _, f := range p.Features {
		var feat struct{ ID json.RawMessage }
		if err := json.Unmarshal(f, &feat); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, string(feat.ID))
	}
	return strings.Join(ids, ",")
}
