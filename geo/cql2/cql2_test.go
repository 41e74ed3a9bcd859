package cql2_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/cql2"
	"github.com/clustermap/clustermap/internal/geotest"
)

func layer(t *testing.T, id string) *geo.Layer {
	t.Helper()
	l, ok := geo.DefaultCatalog().Layer(id)
	if !ok {
		t.Fatalf("no layer %s", id)
	}
	return l
}

// The SQL shape: identifiers from the catalog, every value a placeholder from $1.
func TestCompileCQL2SQL(t *testing.T) {
	clusters := layer(t, "clusters")
	cases := []struct {
		filter string
		sql    string
		args   []any
	}{
		{"status = 'operating'", "((t.status)::text = ($1::text))", []any{"operating"}},
		{"'operating' <> status", "(($1::text) <> (t.status)::text)", []any{"operating"}},
		{`"planned_area_ha" >= 50.5`, "(t.planned_area_ha >= ($1::numeric))", []any{"50.5"}},
		{"kind = 'ccn' and not planned_area_ha < 10 OR investor IS NOT NULL",
			"((((t.kind)::text = ($1::text)) AND (NOT (t.planned_area_ha < ($2::numeric)))) OR ((t.investor)::text IS NOT NULL))", []any{"ccn", "10"}},
		{"kind = 'ccn' AND (status = 'planned' OR status = 'established')",
			"(((t.kind)::text = ($1::text)) AND (((t.status)::text = ($2::text)) OR ((t.status)::text = ($3::text))))", []any{"ccn", "planned", "established"}},
		{"name LIKE 'CCN%'", "((t.name)::text LIKE ($1::text))", []any{"CCN%"}},
		{"name NOT LIKE '%''s'", "((t.name)::text NOT LIKE ($1::text))", []any{"%'s"}},
		{"occupancy_pct BETWEEN 10 AND 60", "(t.occupancy_pct BETWEEN ($1::numeric) AND ($2::numeric))", []any{"10", "60"}},
		{"status NOT IN ('planned', 'expanded')", "((t.status)::text NOT IN (($1::text), ($2::text)))", []any{"planned", "expanded"}},
		{"decision_date >= DATE('2020-01-01')", "(t.decision_date >= ($1::date))", []any{"2020-01-01"}},
		{"decision_date < '2020-01-01'", "(t.decision_date < ($1::date))", []any{"2020-01-01"}},
		{"decision_date < TIMESTAMP('2020-01-01T07:00:00+07:00')",
			"((t.decision_date)::timestamp < ($1::timestamptz AT TIME ZONE 'UTC'))", []any{"2020-01-01T00:00:00Z"}},
		{"district = 'Chư Sê'", "(((SELECT d.name FROM districts d WHERE d.code = t.district_code))::text = ($1::text))", []any{"Chư Sê"}},
		{"TRUE", "TRUE", nil},
		{"NOT false", "(NOT FALSE)", nil},
		{"S_INTERSECTS(geometry, BBOX(108, 13.9, 108.1, 14.1))",
			"ST_Intersects(t.geom, ST_MakeValid(ST_GeomFromText($1, 4326)))", []any{"POLYGON((108 13.9,108.1 13.9,108.1 14.1,108 14.1,108 13.9))"}},
		{"s_intersects(BBOX(170,-10,-170,10),geometry)",
			"ST_Intersects(ST_MakeValid(ST_GeomFromText($1, 4326)), t.geom)", []any{"MULTIPOLYGON(((170 -10,180 -10,180 10,170 10,170 -10)),((-180 -10,-170 -10,-170 10,-180 10,-180 -10)))"}},
		{"S_WITHIN(geometry, POLYGON Z ((108 14 1, 108.1 14 1, 108.1 14.1 1, 108 14 1)))",
			"ST_Within(t.geom, ST_MakeValid(ST_GeomFromText($1, 4326)))", []any{"POLYGON((108 14,108.1 14,108.1 14.1,108 14))"}},
		{"S_CONTAINS(geometry, POINT(108.0 13.95)) AND status = 'operating'",
			"(ST_Contains(t.geom, ST_MakeValid(ST_GeomFromText($1, 4326))) AND ((t.status)::text = ($2::text)))", []any{"POINT(108 13.95)", "operating"}},
		{"S_INTERSECTS(geometry, MULTIPOINT((108 14), (108.1 14.1)))",
			"ST_Intersects(t.geom, ST_MakeValid(ST_GeomFromText($1, 4326)))", []any{"MULTIPOINT((108 14),(108.1 14.1))"}},
		{"S_CROSSES(geometry, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1)))",
			"ST_Crosses(t.geom, ST_MakeValid(ST_GeomFromText($1, 4326)))", []any{"GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))"}},
	}
	for _, tc := range cases {
		sql, args, err := cql2.Compile(clusters, tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		if sql != tc.sql || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("%s:\n got %s %v\nwant %s %v", tc.filter, sql, args, tc.sql, tc.args)
		}
	}
}

func TestCompileCQL2RejectsBadFilters(t *testing.T) {
	clusters := layer(t, "clusters")
	cases := []struct{ filter, want string }{
		{"", "expected a property or a value"},
		{"nope = 1", "unknown property"},
		{"t.geom = 1", "unknown property"},
		{"name > 5", "cannot compare"},
		{"planned_area_ha = 'big'", "cannot compare"},
		{"decision_date = 'soon'", "not a date"},
		{"decision_date = DATE('2020-13-01')", "not a date"},
		{"decision_date = TIMESTAMP('2020-01-01')", "not an RFC 3339"},
		{"sources = 'x'", "only IS NULL"},
		{"geometry = 'x'", "only IS NULL"},
		{"status = 'operating", "not closed"},
		{`"status = 1`, "not closed"},
		{"(status = 'operating'", "expected ')'"},
		{"status = 'operating')", "unexpected"},
		{"status = 'operating' AND", "expected a property or a value"},
		{"status == 'operating'", "expected a property or a value"},
		{"status", "expected a comparison"},
		{"CASEI(name) = 'x'", "function CASEI is not supported"},
		{"name = 'x'; DROP TABLE clusters", "unexpected character"},
		{"'a' IS NULL", "applies to a property"},
		{"status BETWEEN 1 AND", "expected a property or a value"},
		{"status IN 'x'", "'(' after IN"},
		{"name LIKE 5", "LIKE compares strings"},
		{"S_INTERSECTS(name, POINT(1 2))", "not a geometry"},
		{"S_INTERSECTS(geometry, POINT(200 10))", "outside CRS84"},
		{"S_INTERSECTS(geometry, POINT(1))", "expected a number"},
		{"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))", "must end where it starts"},
		{"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))", "at least 4"},
		{"S_INTERSECTS(geometry, BBOX(1,2,3,4,5))", "4 numbers"},
		{"S_INTERSECTS(geometry, BBOX(0,10,1,5))", "not a CRS84 box"},
		{"S_INTERSECTS(geometry, CIRCLE(1 2))", "expected \"geometry\""},
		{"S_INTERSECTS(geometry)", "','"},
		{"T_INTERSECTS(decision_date, INTERVAL('2020-01-01','..'))", "not supported"},
		{"planned_area_ha > 1e999", "not a number"},
		{strings.Repeat("(", 100) + "TRUE" + strings.Repeat(")", 100), "nested deeper"},
		{strings.Repeat("NOT ", 100) + "TRUE", "nested deeper"},
		{"status IN (" + strings.TrimSuffix(strings.Repeat("'a',", 1200), ",") + ")", "more than"},
		{strings.Repeat("x", 70000), "longer than"},
		{"name = '\xff'", "UTF-8"},
	}
	for _, tc := range cases {
		_, _, err := cql2.Compile(clusters, tc.filter)
		var ie *geo.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%.60s: error %v, want an InputError", tc.filter, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60s: error %q does not say %q", tc.filter, err, tc.want)
		}
	}
}

// Each filter runs through the shared feature query on the seed and must match exactly what an
// independent hand-written SQL query counts.
func TestCQL2FiltersMatchTheDatabase(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	if _, err := store.Pool().Exec(ctx, `UPDATE clusters SET decision_date = date '2015-03-10' + ((id % 97) * 41)::int
		WHERE id IN (SELECT id FROM clusters ORDER BY id LIMIT 8)`); err != nil {
		t.Fatal(err)
	}
	// A point inside district 622 (Pleiku) and a polygon around its centre.
	var px, py float64
	if err := store.Pool().QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM districts WHERE code = '622') x`).Scan(&px, &py); err != nil {
		t.Fatal(err)
	}
	square := fmt.Sprintf("POLYGON((%[1]g %[2]g, %[3]g %[2]g, %[3]g %[4]g, %[1]g %[4]g, %[1]g %[2]g))", px-0.3, py-0.3, px+0.3, py+0.3)
	cases := []struct {
		layer, filter, where string
	}{
		{"clusters", "status = 'operating'", "status = 'operating'"},
		{"clusters", "status <> 'operating'", "status <> 'operating'"},
		{"clusters", "status = 'stuck'", "FALSE"},
		{"clusters", "planned_area_ha > 50", "planned_area_ha > 50"},
		{"clusters", "planned_area_ha >= 50 AND kind = 'ccn'", "planned_area_ha >= 50 AND kind = 'ccn'"},
		{"clusters", "kind = 'kcn' OR planned_area_ha < 20", "kind = 'kcn' OR planned_area_ha < 20"},
		{"clusters", "NOT (kind = 'ccn')", "NOT (kind = 'ccn')"},
		{"clusters", "(kind = 'ccn' OR kind = 'kcn') AND NOT status = 'planned'", "kind IN ('ccn','kcn') AND status <> 'planned'"},
		{"clusters", "investor IS NULL", "investor IS NULL"},
		{"clusters", "investor IS NOT NULL", "investor IS NOT NULL"},
		{"clusters", "name LIKE 'CCN%'", "name LIKE 'CCN%'"},
		{"clusters", "name NOT LIKE '%Pleiku%'", "name NOT LIKE '%Pleiku%'"},
		{"clusters", "planned_area_ha BETWEEN 10 AND 75", "planned_area_ha BETWEEN 10 AND 75"},
		{"clusters", "status IN ('operating', 'established')", "status IN ('operating', 'established')"},
		{"clusters", "status NOT IN ('operating', 'established')", "status NOT IN ('operating', 'established')"},
		{"clusters", "decision_date >= DATE('2016-06-01')", "decision_date >= '2016-06-01'"},
		{"clusters", "decision_date < TIMESTAMP('2016-06-01T00:00:00Z')", "decision_date < '2016-06-01'"},
		{"clusters", "decision_date <= '2016-06-01' OR decision_date IS NULL", "decision_date <= '2016-06-01' OR decision_date IS NULL"},
		{"clusters", "district = 'Chư Sê'", "district_code = (SELECT code FROM districts WHERE name = 'Chư Sê')"},
		{"clusters", "free_land_ha > 0", "industrial_land_ha - leased_land_ha > 0"},
		{"clusters", "name = 'x''; DROP TABLE clusters; --'", "FALSE"},
		{"clusters", "TRUE", "TRUE"},
		{"clusters", "1 = 1 AND 'a' < 'b'", "TRUE"},
		{"clusters", "S_INTERSECTS(geometry, BBOX(108.0, 13.9, 108.1, 14.1))", "ST_Intersects(geom, ST_MakeEnvelope(108.0, 13.9, 108.1, 14.1, 4326))"},
		{"clusters", "S_INTERSECTS(geometry, BBOX(100, 0, -170, 30))", "TRUE"},
		{"clusters", "S_INTERSECTS(geometry, BBOX(170, 0, -170, 30))", "FALSE"},
		{"clusters", "S_INTERSECTS(geometry," + square + ")", "ST_Intersects(geom, ST_GeomFromText('" + square + "', 4326))"},
		{"clusters", "S_DISJOINT(geometry," + square + ")", "ST_Disjoint(geom, ST_GeomFromText('" + square + "', 4326))"},
		{"districts", fmt.Sprintf("S_INTERSECTS(geometry, POINT(%g %g))", px, py), "code = '622'"},
		{"districts", fmt.Sprintf("S_CONTAINS(geometry, POINT(%g %g))", px, py), "code = '622'"},
		{"districts", "S_WITHIN(geometry," + square + ")", "ST_Within(geom, ST_GeomFromText('" + square + "', 4326))"},
		{"districts", "S_OVERLAPS(geometry," + square + ")", "ST_Overlaps(geom, ST_GeomFromText('" + square + "', 4326))"},
		{"districts", "S_TOUCHES(geometry," + square + ")", "ST_Touches(geom, ST_GeomFromText('" + square + "', 4326))"},
		{"districts", "S_EQUALS(geometry, POINT(1 1))", "FALSE"},
		{"roads", fmt.Sprintf("S_CROSSES(geometry, LINESTRING(%g %g, %g %g))", px-0.5, py, px+0.5, py),
			fmt.Sprintf("ST_Crosses(geom, ST_GeomFromText('LINESTRING(%g %g, %g %g)', 4326))", px-0.5, py, px+0.5, py)},
		{"plants", "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(" + square + ", POINT(0 0)))", "ST_Intersects(geom, ST_GeomFromText('" + square + "', 4326))"},
		{"plants", "S_INTERSECTS(geometry, MULTIPOLYGON((" + strings.TrimPrefix(square, "POLYGON(") + "))", "ST_Intersects(geom, ST_GeomFromText('" + square + "', 4326))"},
		// A self-intersecting bow-tie: made valid, answered, not an error.
		{"districts", fmt.Sprintf("S_INTERSECTS(geometry, POLYGON((%[1]g %[2]g, %[3]g %[4]g, %[3]g %[2]g, %[1]g %[4]g, %[1]g %[2]g)))", px-0.2, py-0.2, px+0.2, py+0.2),
			fmt.Sprintf("ST_Intersects(geom, ST_MakeValid(ST_GeomFromText('POLYGON((%[1]g %[2]g, %[3]g %[4]g, %[3]g %[2]g, %[1]g %[4]g, %[1]g %[2]g))', 4326)))", px-0.2, py-0.2, px+0.2, py+0.2)},
		{"raw_material_zones", "crop = 'coffee' AND area_ha > 1000", "crop = 'coffee' AND area_ha > 1000"},
		{"energy", "capacity_mw >= 100 AND kind IN ('hydro','solar')", "capacity_mw >= 100 AND kind IN ('hydro','solar')"},
		{"regions", "role LIKE '%sugar%' OR slug = 'central'", "role LIKE '%sugar%' OR slug = 'central'"},
	}
	nonEmpty := 0
	for _, tc := range cases {
		l := layer(t, tc.layer)
		where, args, err := cql2.Compile(l, tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		page, err := store.Features(ctx, geo.FeatureQuery{Layer: l, Where: where, WhereArgs: args, Limit: 1})
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		var want int64
		if err := store.Pool().QueryRow(ctx, "SELECT count(*) FROM "+l.Table+" WHERE "+tc.where).Scan(&want); err != nil {
			t.Fatalf("reference query for %s: %v", tc.filter, err)
		}
		if page.Matched != want {
			t.Errorf("%s on %s: %d features, the database says %d", tc.filter, tc.layer, page.Matched, want)
		}
		if want > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < len(cases)/2 {
		t.Errorf("only %d of %d filters match anything: the comparison proves little", nonEmpty, len(cases))
	}
	// The injection attempt did nothing.
	var n int
	if err := store.Pool().QueryRow(ctx, "SELECT count(*) FROM clusters").Scan(&n); err != nil || n == 0 {
		t.Fatalf("clusters after the injection attempt: %d, %v", n, err)
	}
}

func BenchmarkCompileCQL2(b *testing.B) {
	l, _ := geo.DefaultCatalog().Layer("clusters")
	filter := "(kind = 'ccn' OR kind = 'kcn') AND status IN ('operating', 'expanded') AND occupancy_pct < 60 " +
		"AND decision_date >= DATE('2015-01-01') AND S_INTERSECTS(geometry, POLYGON((107.9 13.8, 108.3 13.8, 108.3 14.2, 107.9 14.2, 107.9 13.8)))"
	for b.Loop() {
		if _, _, err := cql2.Compile(l, filter); err != nil {
			b.Fatal(err)
		}
	}
}
