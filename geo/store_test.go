package geo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
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
	// The pre-2025 districts of the merged province: 17 of the former Gia Lai, 11 of Bình Định.
	const nDistricts = 28
	all := page(geo.FeatureQuery{Layer: districts, Limit: 100})
	if all.Matched != nDistricts || len(all.Features) != nDistricts {
		t.Fatalf("districts: matched %d returned %d", all.Matched, len(all.Features))
	}
	seen := map[string]bool{}
	for off := 0; off < nDistricts; off += 5 {
		p := page(geo.FeatureQuery{Layer: districts, Limit: 5, Offset: off})
		if p.Matched != nDistricts {
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
	if len(seen) != nDistricts {
		t.Fatalf("pages covered %d districts", len(seen))
	}
	if p := page(geo.FeatureQuery{Layer: districts, Limit: 5, Offset: 100}); p.Matched != nDistricts || len(p.Features) != 0 {
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
		{"status", "investor_selected", []string{"CCN số 2 huyện Đak Đoa", "CCN Ia Grai", "CCN Cát Hiệp"}},
		{"commune_code", "21940", []string{"CCN Nhơn Tân 1", "CCN An Trường", "CCN An Mơ"}},
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
