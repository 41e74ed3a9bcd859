package planning_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/planning"
	"github.com/clustermap/clustermap/internal/geotest"
)

// Hand-checked distances on the WGS 84 spheroid (a = 6378137 m, e² = 0.00669438):
// 0.1° of the equator is a × 0.1 × π/180 = 11131.95 m; 0.1° of a meridian from the equator is
// a(1 − e²) × 0.1 × π/180 = 11057.43 m (a sphere would give 11119.5 m for both); 0.2° of the
// equator is 22263.90 m.
const (
	equator01  = 11131.95
	meridian01 = 11057.43
	equator02  = 22263.90
)

func ptr(v float64) *float64 { return &v }
func str(s string) *string   { return &s }

// square is a MULTIPOLYGON WKT of the box [x0, x1] × [y0, y1].
func square(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf("MULTIPOLYGON(((%[1]g %[2]g,%[3]g %[2]g,%[3]g %[4]g,%[1]g %[4]g,%[1]g %[2]g)))", x0, y0, x1, y1)
}

func point(x, y float64) string { return fmt.Sprintf("POINT(%g %g)", x, y) }

func mustExec(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", strings.Fields(sql)[0:3], err)
	}
}

// addDistrict inserts a square district; region, when set, makes it a member of that region.
func addDistrict(t *testing.T, pool *pgxpool.Pool, code string, x0, y0, x1, y1 float64, region string) {
	t.Helper()
	mustExec(t, pool, `INSERT INTO districts (code, name, name_ascii, kind, geom, sources)
		VALUES ($1, 'Huyện '||$1, 'District '||$1, 'district', ST_GeomFromText($2, 4326), ARRAY['test fixture'])`, code, square(x0, y0, x1, y1))
	if region != "" {
		mustExec(t, pool, `INSERT INTO regions (slug, name_vi, name_en, role, sources)
			VALUES ($1, 'Vùng '||$1, 'Region '||$1, 'test', ARRAY['test fixture']) ON CONFLICT DO NOTHING`, region)
		mustExec(t, pool, `INSERT INTO region_members (region_slug, district_code) VALUES ($1, $2)`, region, code)
	}
}

type fixtureCluster struct {
	name, kind, district, status                        string
	planned, established, industrial, leased, occupancy *float64
	investor, road, water, wastewater                   *string
	industries                                          []string
	wkt                                                 string
}

func addCluster(t *testing.T, pool *pgxpool.Pool, c fixtureCluster) int64 {
	t.Helper()
	if c.kind == "" {
		c.kind = "ccn"
	}
	if c.status == "" {
		c.status = "operating"
	}
	if c.wkt == "" {
		c.wkt = point(0, 0)
	}
	if c.industries == nil {
		c.industries = []string{}
	}
	var district *string
	if c.district != "" {
		district = &c.district
	}
	var id int64
	err := pool.QueryRow(context.Background(), `INSERT INTO clusters (name, kind, district_code, status, planned_area_ha,
		established_area_ha, industrial_land_ha, leased_land_ha, occupancy_pct, investor, road_status, water_status,
		wastewater_status, target_industries, geom, geometry_quality, placement, sources)
		VALUES ($1, $2::cluster_kind, $3, $4::cluster_stage, $5, $6, $7, $8, $9, $10, $11::infra_status, $12::infra_status,
		        $13::infra_status, $14, ST_GeomFromText($15, 4326), 'indicative', 'test fixture', ARRAY['fixture: '||$1])
		RETURNING id`,
		c.name, c.kind, district, c.status, c.planned, c.established, c.industrial, c.leased, c.occupancy, c.investor,
		c.road, c.water, c.wastewater, c.industries, c.wkt).Scan(&id)
	if err != nil {
		t.Fatalf("cluster %s: %v", c.name, err)
	}
	return id
}

func addZone(t *testing.T, pool *pgxpool.Pool, name, crop string, area *float64, wkt string) int64 {
	t.Helper()
	var id int64
	err := pool.QueryRow(context.Background(), `INSERT INTO raw_material_zones (name, crop, area_ha, geom, geometry_quality, placement, sources)
		VALUES ($1, $2::crop, $3, ST_GeomFromText($4, 4326), 'indicative', 'test fixture', ARRAY['fixture: '||$1]) RETURNING id`,
		name, crop, area, wkt).Scan(&id)
	if err != nil {
		t.Fatalf("zone %s: %v", name, err)
	}
	return id
}

func condition(t *testing.T, conds []planning.Condition, id string) planning.Condition {
	t.Helper()
	for _, c := range conds {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no condition %q in %+v", id, conds)
	return planning.Condition{}
}

func TestAnalysisHorizonMatchesMaxRadius(t *testing.T) {
	store, _ := geotest.Migrated(t)
	var m float64
	if err := store.Pool().QueryRow(context.Background(), `SELECT analysis_horizon_m()`).Scan(&m); err != nil {
		t.Fatal(err)
	}
	if m != planning.MaxRadiusKM*1000 {
		t.Fatalf("analysis_horizon_m() = %g m, planning.MaxRadiusKM = %g km: the radius bound and the stored distances disagree", m, planning.MaxRadiusKM)
	}
}

func TestClusterEligibilityAtTheThresholds(t *testing.T) {
	store, _ := geotest.Migrated(t)
	pool := store.Pool()
	ctx := context.Background()
	addDistrict(t, pool, "101", -0.5, -0.5, 0.5, 0.5, "")
	inUse := str("in_use")
	// serviced is a CCN that meets every condition but the one a case changes.
	// 40 of 50 ha leased: 80 %.
	serviced := func(name string) fixtureCluster {
		return fixtureCluster{name: name, district: "101", planned: ptr(70), industrial: ptr(50), leased: ptr(40),
			investor: str("Investor JSC"), road: inUse, water: inUse, wastewater: inUse}
	}
	with := func(c fixtureCluster, f func(*fixtureCluster)) fixtureCluster { f(&c); return c }

	cases := []struct {
		name    string
		cluster fixtureCluster
		addHa   *float64
		want    planning.Verdict
		// cond and condWant check one condition; missing, when set, must be named.
		cond     string
		condWant planning.Verdict
		missing  string
	}{
		{"occupancy exactly 60 % (30 of 50 ha leased)", with(serviced("occ 60"), func(c *fixtureCluster) { c.leased = ptr(30) }),
			nil, planning.Yes, "occupancy", planning.Yes, ""},
		{"occupancy 59.9 %: below, and land demand is not recorded", with(serviced("occ 59.9"), func(c *fixtureCluster) { c.leased = ptr(29.95) }),
			nil, planning.Unknown, "occupancy", planning.Unknown, "demand for industrial land"},
		{"59.96 % is not rounded up to 60 %", with(serviced("occ 59.96"), func(c *fixtureCluster) { c.leased = ptr(29.98) }),
			nil, planning.Unknown, "occupancy", planning.Unknown, "demand for industrial land"},
		{"stated occupancy 60 % without land figures", with(serviced("stated 60"), func(c *fixtureCluster) { c.industrial, c.leased, c.occupancy = nil, nil, ptr(60) }),
			nil, planning.Yes, "occupancy", planning.Yes, ""},
		{"no occupancy data", with(serviced("no occ"), func(c *fixtureCluster) { c.leased = nil }),
			nil, planning.Unknown, "occupancy", planning.Unknown, "occupancy (occupancy_pct"},
		{"70 + 5 ha = 75 ha: within", serviced("add 5"), ptr(5), planning.Yes, "total_area", planning.Yes, ""},
		{"70 + 5.1 ha = 75.1 ha: above", serviced("add 5.1"), ptr(5.1), planning.No, "total_area", planning.No, ""},
		{"already 75 ha and no add_ha: no room", with(serviced("full 75"), func(c *fixtureCluster) { c.planned = ptr(75) }),
			nil, planning.No, "total_area", planning.No, ""},
		{"established area counts, not planned: 74.9 + 0.1 = 75", with(serviced("est 74.9"), func(c *fixtureCluster) { c.planned, c.established = ptr(80), ptr(74.9) }),
			ptr(0.1), planning.Yes, "total_area", planning.Yes, ""},
		{"established 74.9 + 0.2 = 75.1", with(serviced("est 74.9b"), func(c *fixtureCluster) { c.planned, c.established = ptr(80), ptr(74.9) }),
			ptr(0.2), planning.No, "total_area", planning.No, ""},
		{"area unknown", with(serviced("no area"), func(c *fixtureCluster) { c.planned = nil }),
			nil, planning.Unknown, "total_area", planning.Unknown, "area (established_area_ha"},
		{"roads under construction", with(serviced("roads"), func(c *fixtureCluster) { c.road = str("under_construction") }),
			nil, planning.No, "roads", planning.No, ""},
		{"water supply not recorded", with(serviced("water"), func(c *fixtureCluster) { c.water = nil }),
			nil, planning.Unknown, "water", planning.Unknown, "water_status"},
		{"wastewater plant only planned", with(serviced("wwtp"), func(c *fixtureCluster) { c.wastewater = str("planned") }),
			nil, planning.No, "wastewater", planning.No, ""},
		{"planned, no investor", with(serviced("no investor"), func(c *fixtureCluster) { c.investor, c.status = nil, "planned" }),
			nil, planning.No, "investor", planning.No, ""},
		{"investor selected but not named", with(serviced("unnamed investor"), func(c *fixtureCluster) { c.investor, c.status = nil, "investor_selected" }),
			nil, planning.Yes, "investor", planning.Yes, ""},
		{"a no outweighs an unknown", with(serviced("no and unknown"), func(c *fixtureCluster) { c.leased, c.road = nil, str("none") }),
			nil, planning.No, "occupancy", planning.Unknown, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := addCluster(t, pool, tc.cluster)
			got, err := planning.New(store).ClusterEligibility(ctx, id, tc.addHa)
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != tc.want {
				t.Errorf("verdict = %s, want %s; reasons %q", got.Verdict, tc.want, got.Reasons)
			}
			c := condition(t, got.Conditions, tc.cond)
			if c.Verdict != tc.condWant {
				t.Errorf("%s = %s, want %s (%s)", tc.cond, c.Verdict, tc.condWant, c.Reason)
			}
			if c.Reason == "" || len(got.Reasons) != len(got.Conditions) {
				t.Errorf("every condition needs a reason: %+v", got.Reasons)
			}
			if tc.missing != "" && !slices.ContainsFunc(got.Missing, func(m string) bool { return strings.Contains(m, tc.missing) }) {
				t.Errorf("missing %q does not name %q", got.Missing, tc.missing)
			}
			if got.Verdict != planning.Unknown && tc.want == planning.Yes && len(got.Missing) > 0 {
				t.Errorf("a yes with missing data %q", got.Missing)
			}
			if len(got.NotChecked) != 1 || got.NotChecked[0].Checkable {
				t.Errorf("the land-fund condition must be listed as not checkable: %+v", got.NotChecked)
			}
			if !slices.Contains(got.Sources.Data, "fixture: "+tc.cluster.name) || len(got.Sources.Rules) == 0 {
				t.Errorf("sources %+v", got.Sources)
			}
		})
	}

	t.Run("59.96 % is stored rounded, yet judged exactly", func(t *testing.T) {
		var stored float64
		if err := pool.QueryRow(ctx, `SELECT occupancy_pct FROM clusters WHERE name = 'occ 59.96'`).Scan(&stored); err != nil || stored != 60 {
			t.Fatalf("stored occupancy %v, %v; the trap this guards against is gone", stored, err)
		}
	})
	t.Run("the add_ha assumption is stated", func(t *testing.T) {
		got, err := planning.New(store).ClusterEligibility(ctx, addCluster(t, pool, serviced("assume")), nil)
		if err != nil {
			t.Fatal(err)
		}
		area := condition(t, got.Conditions, "total_area")
		if len(got.Assumptions) != 1 || area.Values["room_ha"] != 5.0 {
			t.Fatalf("assumptions %q, room %v", got.Assumptions, area.Values["room_ha"])
		}
	})
	t.Run("KCN: the expansion rules do not apply", func(t *testing.T) {
		id := addCluster(t, pool, fixtureCluster{name: "park", kind: "kcn", district: "101", planned: ptr(210)})
		got, err := planning.New(store).ClusterEligibility(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Verdict != planning.NotApplicable || got.Size.Verdict != "not_applicable" || len(got.Reasons) != 1 {
			t.Fatalf("KCN: verdict %s, size %s, reasons %q", got.Verdict, got.Size.Verdict, got.Reasons)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		if _, err := planning.New(store).ClusterEligibility(ctx, 999999, nil); !errors.Is(err, geo.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestClusterSizeFlag(t *testing.T) {
	store, _ := geotest.Migrated(t)
	pool := store.Pool()
	addDistrict(t, pool, "101", -0.5, -0.5, 0.5, 0.5, "")
	for _, tc := range []struct {
		area    *float64
		want    string
		flagged *bool
		note    string
	}{
		{ptr(9.9), "outside", ptr2(true), "Decree 68/2017"},
		{ptr(10), "within", ptr2(false), ""},
		{ptr(75), "within", ptr2(false), ""},
		{ptr(75.1), "outside", ptr2(true), ""},
		{ptr(4.9), "outside", ptr2(true), ""},
		{nil, "unknown", nil, "not recorded"},
	} {
		name := "no area"
		if tc.area != nil {
			name = fmt.Sprintf("%g ha", *tc.area)
		}
		t.Run(name, func(t *testing.T) {
			id := addCluster(t, pool, fixtureCluster{name: name, district: "101", planned: tc.area})
			got, err := planning.New(store).ClusterEligibility(context.Background(), id, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Size.Verdict != tc.want || (got.Size.Flagged == nil) != (tc.flagged == nil) ||
				(tc.flagged != nil && *got.Size.Flagged != *tc.flagged) || !strings.Contains(got.Size.Reason, tc.note) {
				t.Fatalf("size %+v, want %s flagged %v mentioning %q", got.Size, tc.want, tc.flagged, tc.note)
			}
			if strings.Contains(got.Size.Reason, "Decree 68") != (tc.note == "Decree 68/2017") {
				t.Fatalf("the 5 ha note belongs to 5–10 ha only: %q", got.Size.Reason)
			}
		})
	}
}

func ptr2(b bool) *bool { return &b }

func TestDistrictEligibilityAtTheThresholds(t *testing.T) {
	store, _ := geotest.Migrated(t)
	pool := store.Pool()
	ctx := context.Background()
	type ccn struct {
		status                           string
		industrial, leased, occ, planned *float64
		kind                             string
	}
	established := func(ind, leased float64) ccn {
		return ccn{status: "operating", industrial: ptr(ind), leased: ptr(leased)}
	}
	cases := []struct {
		code, name string
		clusters   []ccn
		want       planning.Verdict
		occ, unl   any // the two parts' verdicts
		missing    int
	}{
		{"201", "average 50 %, unleased 100.1 ha", []ccn{established(100, 40), established(100.25, 60.15)}, planning.No, "no", "no", 0},
		{"202", "average 50.1 %, unleased 159.8 ha", []ccn{established(200, 80), established(100, 60.2)}, planning.Yes, "yes", "no", 0},
		{"203", "average 50 %, unleased exactly 100 ha", []ccn{established(100, 40), established(100, 60)}, planning.Yes, "no", "yes", 0},
		{"204", "no established CCN: planned CCNs and parks are not counted",
			[]ccn{{status: "planned", planned: ptr(75)}, {status: "investor_selected", planned: ptr(75)}, {status: "operating", kind: "kcn", industrial: ptr(500), leased: ptr(0)}},
			planning.Yes, "not_required", "not_required", 0},
		{"205", "one unknown: average 20–70 %, unleased 60–135 ha", []ccn{established(100, 40), {status: "established", planned: ptr(75)}}, planning.Unknown, "unknown", "unknown", 2},
		{"206", "unknown occupancy but at most 30 ha unleased", []ccn{{status: "operating", industrial: ptr(30)}}, planning.Yes, "unknown", "yes", 0},
		{"207", "no whatever the unknown is: average ≤ 50 %, over 150 ha unleased", []ccn{established(150, 0), {status: "operating"}}, planning.No, "no", "no", 0},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := float64(i)
			addDistrict(t, pool, tc.code, x, 0, x+0.5, 0.5, "")
			for i, c := range tc.clusters {
				addCluster(t, pool, fixtureCluster{name: fmt.Sprintf("%s-%d", tc.code, i), kind: c.kind, district: tc.code, status: c.status,
					planned: c.planned, industrial: c.industrial, leased: c.leased, occupancy: c.occ, wkt: point(x+0.25, 0.25)})
			}
			got, err := planning.New(store).DistrictEligibility(ctx, tc.code)
			if err != nil {
				t.Fatal(err)
			}
			cond := condition(t, got.Conditions, "existing_clusters")
			if got.Verdict != tc.want || cond.Values["occupancy_verdict"] != tc.occ || cond.Values["unleased_verdict"] != tc.unl {
				t.Fatalf("verdict %s (occupancy %v, unleased %v), want %s (%v, %v): %s", got.Verdict,
					cond.Values["occupancy_verdict"], cond.Values["unleased_verdict"], tc.want, tc.occ, tc.unl, cond.Reason)
			}
			if len(got.Missing) != tc.missing {
				t.Fatalf("missing %q, want %d items", got.Missing, tc.missing)
			}
			if len(got.NotChecked) != 3 || len(got.Clusters) != len(tc.clusters) || len(got.Sources.Rules) == 0 {
				t.Fatalf("not checked %d, clusters %d, sources %+v", len(got.NotChecked), len(got.Clusters), got.Sources)
			}
		})
	}
	t.Run("exact figures are reported", func(t *testing.T) {
		got, err := planning.New(store).DistrictEligibility(ctx, "202")
		if err != nil {
			t.Fatal(err)
		}
		cond := condition(t, got.Conditions, "existing_clusters")
		if avg := cond.Values["average_occupancy_pct"].(*float64); *avg != 50.1 || cond.Values["unleased_ha"] != 159.8 {
			t.Fatalf("average %v, unleased %v", *avg, cond.Values["unleased_ha"])
		}
	})
	t.Run("unknown and malformed codes", func(t *testing.T) {
		if _, err := planning.New(store).DistrictEligibility(ctx, "999"); !errors.Is(err, geo.ErrNotFound) {
			t.Fatalf("999: %v, want ErrNotFound", err)
		}
		var ie *geo.InputError
		if _, err := planning.New(store).DistrictEligibility(ctx, "62x"); !errors.As(err, &ie) {
			t.Fatalf("62x: %v, want an input error", err)
		}
	})
}

// equatorFixture lays out clusters and zones around (0, 0), where distances can be checked by
// hand: P (sugar milling) at the origin inside zone Z3, zone Z1 0.1° east of it, zone Z4 0.1°
// north, cluster R (cassava starch) a footprint 0.1° east of Z1, U (no industries) inside Z1, and
// a tobacco zone Z2 222 km away, beyond the 200 km horizon.
type equatorFixture struct {
	p, q, r, u     int64
	z1, z2, z3, z4 int64
}

func newEquatorFixture(t *testing.T, pool *pgxpool.Pool) equatorFixture {
	t.Helper()
	addDistrict(t, pool, "101", -0.5, -0.5, 0.5, 0.5, "rtest")
	var f equatorFixture
	f.z1 = addZone(t, pool, "Z1 sugarcane east", "sugarcane", ptr(1000), square(0.1, -0.05, 0.2, 0.05))
	f.z2 = addZone(t, pool, "Z2 tobacco far", "tobacco", ptr(300), square(2, -0.05, 2.1, 0.05))
	f.z3 = addZone(t, pool, "Z3 sugarcane around P", "sugarcane", ptr(500), square(-0.05, -0.05, 0.05, 0.05))
	f.z4 = addZone(t, pool, "Z4 coffee north", "coffee", nil, square(-0.05, 0.1, 0.05, 0.2))
	f.p = addCluster(t, pool, fixtureCluster{name: "P", district: "101", industries: []string{"Sugar milling"},
		industrial: ptr(30), leased: ptr(10), investor: str("Inv A"), planned: ptr(40), wkt: point(0, 0)})
	f.q = addCluster(t, pool, fixtureCluster{name: "Q", district: "101", status: "planned", industries: []string{"garments"}, wkt: point(0.45, 0)})
	f.r = addCluster(t, pool, fixtureCluster{name: "R", district: "101", status: "established", industries: []string{"cassava starch"},
		wkt: square(0.3, -0.01, 0.35, 0.01)})
	f.u = addCluster(t, pool, fixtureCluster{name: "U", district: "101", status: "planned", wkt: point(0.15, 0)})
	return f
}

func distance(t *testing.T, pool *pgxpool.Pool, cluster int64, target string, id int64) (float64, bool) {
	t.Helper()
	var m float64
	err := pool.QueryRow(context.Background(), `SELECT distance_m FROM cluster_distances WHERE cluster_id = $1 AND target = $2 AND target_id = $3`,
		cluster, target, id).Scan(&m)
	if err != nil {
		return 0, false
	}
	return m, true
}

func TestStoredDistancesAreGeodesicAndFollowEdits(t *testing.T) {
	store, _ := geotest.Migrated(t)
	pool := store.Pool()
	f := newEquatorFixture(t, pool)
	for _, tc := range []struct {
		name          string
		cluster, zone int64
		want          float64
	}{
		{"point to a polygon 0.1° east along the equator", f.p, f.z1, equator01},
		{"point inside the polygon", f.p, f.z3, 0},
		{"point to a polygon 0.1° north along a meridian", f.p, f.z4, meridian01},
		{"footprint to a polygon 0.1° west", f.r, f.z1, equator01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := distance(t, pool, tc.cluster, "zone", tc.zone)
			if !ok || math.Abs(got-tc.want) > 0.5 {
				t.Fatalf("distance %.2f m (stored %v), want %.2f m", got, ok, tc.want)
			}
		})
	}
	t.Run("beyond the horizon nothing is stored", func(t *testing.T) {
		if m, ok := distance(t, pool, f.p, "zone", f.z2); ok {
			t.Fatalf("P–Z2 (222 km) stored as %g m", m)
		}
	})
	ctx := context.Background()
	t.Run("moving a cluster recomputes its distances", func(t *testing.T) {
		mustExec(t, pool, `UPDATE clusters SET geom = ST_GeomFromText('POINT(0.15 0)', 4326) WHERE id = $1`, f.p)
		if got, _ := distance(t, pool, f.p, "zone", f.z1); got != 0 {
			t.Fatalf("P moved into Z1: distance %g", got)
		}
		if got, _ := distance(t, pool, f.p, "zone", f.z3); math.Abs(got-equator01) > 0.5 {
			t.Fatalf("P moved 0.1° east of Z3: distance %.2f", got)
		}
	})
	t.Run("an edit that keeps the geometry keeps the rows", func(t *testing.T) {
		var before int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM cluster_distances`).Scan(&before)
		mustExec(t, pool, `UPDATE clusters SET notes = 'edited' WHERE id = $1`, f.p)
		var after int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM cluster_distances`).Scan(&after)
		if before != after || before == 0 {
			t.Fatalf("rows %d → %d", before, after)
		}
	})
	t.Run("moving a zone recomputes its distances", func(t *testing.T) {
		mustExec(t, pool, `UPDATE raw_material_zones SET geom = ST_GeomFromText($1, 4326) WHERE id = $2`, square(0.2, -0.05, 0.3, 0.05), f.z1)
		if got, _ := distance(t, pool, f.r, "zone", f.z1); got != 0 {
			t.Fatalf("Z1 moved onto R: distance %g", got)
		}
	})
	t.Run("deleting removes the rows", func(t *testing.T) {
		mustExec(t, pool, `DELETE FROM clusters WHERE id = $1`, f.u)
		mustExec(t, pool, `DELETE FROM raw_material_zones WHERE id = $1`, f.z4)
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM cluster_distances WHERE cluster_id = $1 OR (target = 'zone' AND target_id = $2)`, f.u, f.z4).Scan(&n)
		if n != 0 {
			t.Fatalf("%d rows left for deleted features", n)
		}
	})
}

func TestLinkageFindsTheNearestProcessingCluster(t *testing.T) {
	store, _ := geotest.Migrated(t)
	f := newEquatorFixture(t, store.Pool())
	ctx := context.Background()
	zone := func(l *planning.Linkage, id int64) planning.LinkedZone {
		for _, z := range l.Zones {
			if z.ID == id {
				return z
			}
		}
		t.Fatalf("zone %d missing", id)
		return planning.LinkedZone{}
	}
	for _, tc := range []struct {
		radius     float64
		z1Served   bool
		unservedID []int64
	}{
		{30, true, []int64{f.z2, f.z4}},
		{12, true, []int64{f.z2, f.z4}},
		{11, false, []int64{f.z1, f.z2, f.z4}}, // Z1 is 11.132 km from P
	} {
		t.Run(fmt.Sprintf("radius %g km", tc.radius), func(t *testing.T) {
			l, err := planning.New(store).Linkage(ctx, tc.radius, "")
			if err != nil {
				t.Fatal(err)
			}
			z1 := zone(l, f.z1)
			n := z1.NearestProcessing
			if n == nil || n.ClusterID != f.p || math.Abs(n.DistanceKM-equator01/1000) > 0.001 || z1.Served != tc.z1Served || n.WithinRadius != tc.z1Served {
				t.Fatalf("Z1: %+v served %v, want P at %.3f km, served %v", n, z1.Served, equator01/1000, tc.z1Served)
			}
			if got := n.Line.Coordinates; len(got) != 2 || got[0] != (planning.Point{0.1, 0}) || got[1] != (planning.Point{0, 0}) {
				t.Fatalf("Z1 link line %v, want (0.1 0) → (0 0)", got)
			}
			if u := z1.NearestUnclassified; u == nil || u.ClusterID != f.u || u.DistanceKM != 0 {
				t.Fatalf("Z1's unclassified neighbour %+v, want U inside it", u)
			}
			if !slices.Equal(l.UnservedZones, tc.unservedID) {
				t.Fatalf("unserved %v, want %v", l.UnservedZones, tc.unservedID)
			}
			if z2 := zone(l, f.z2); z2.NearestProcessing != nil || z2.Served {
				t.Fatalf("Z2 (tobacco, nothing processes it): %+v", z2)
			}
			if z4 := zone(l, f.z4); z4.NearestProcessing != nil {
				t.Fatalf("Z4 (coffee): sugar milling does not process coffee: %+v", z4.NearestProcessing)
			}
		})
	}
	t.Run("a cluster's zones by crop", func(t *testing.T) {
		l, err := planning.New(store).Linkage(ctx, 30, "")
		if err != nil {
			t.Fatal(err)
		}
		var p planning.LinkedCluster
		for _, c := range l.Clusters {
			if c.ID == f.p {
				p = c
			}
		}
		if !slices.Equal(p.Processes, []string{"sugarcane"}) || p.Point != (planning.Point{0, 0}) {
			t.Fatalf("P processes %v at %v", p.Processes, p.Point)
		}
		want := []planning.CropReach{
			{Crop: "coffee", Zones: 1, AreaHa: 0, ZonesWithoutArea: 1, ZoneIDs: []int64{f.z4}, NearestKM: 11.057},
			{Crop: "sugarcane", Zones: 2, AreaHa: 1500, ZoneIDs: []int64{f.z3, f.z1}, NearestKM: 0, Processed: true},
		}
		if fmt.Sprint(p.ZonesWithinRadius) != fmt.Sprint(want) {
			t.Fatalf("P's reach\n got %+v\nwant %+v", p.ZonesWithinRadius, want)
		}
		if l.Totals.Served != 2 || l.Totals.ServedHaByCrop["sugarcane"] != 1500 || l.Totals.ProcessingClusters != 2 || l.Totals.ClustersWithoutIndustry != 1 {
			t.Fatalf("totals %+v", l.Totals)
		}
		if len(l.CropIndustries) != len(planning.Crops()) || l.Definitions["distance"] == "" || len(l.Sources.Data) == 0 {
			t.Fatalf("the mapping, definitions and sources must be in the answer")
		}
	})
	t.Run("a zone's crop and the mapping decide who serves it", func(t *testing.T) {
		pool := store.Pool()
		mustExec(t, pool, `UPDATE raw_material_zones SET crop = 'sugarcane' WHERE id = $1`, f.z4)
		l, err := planning.New(store).Linkage(ctx, 30, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := zone(l, f.z4).NearestProcessing; n == nil || n.ClusterID != f.p || math.Abs(n.DistanceKM-meridian01/1000) > 0.001 {
			t.Fatalf("Z4 as sugarcane: %+v, want P at %.3f km", n, meridian01/1000)
		}
		mustExec(t, pool, `UPDATE crop_industries SET terms = array_remove(terms, 'sugar') WHERE crop = 'sugarcane'`)
		if l, err = planning.New(store).Linkage(ctx, 30, ""); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{f.z1, f.z3, f.z4} {
			if n := zone(l, id).NearestProcessing; n != nil {
				t.Fatalf("zone %d: \"sugar milling\" no longer names sugarcane, yet %+v", id, n)
			}
		}
	})
	t.Run("radius out of bounds", func(t *testing.T) {
		for _, r := range []float64{0.5, 201, math.NaN()} {
			var ie *geo.InputError
			if _, err := planning.New(store).Linkage(ctx, r, ""); !errors.As(err, &ie) {
				t.Fatalf("radius %g: %v", r, err)
			}
		}
	})
}

func TestCropIndustryMapping(t *testing.T) {
	store, _ := geotest.Migrated(t)
	pool := store.Pool()
	ctx := context.Background()
	mapping, err := planning.New(store).CropIndustries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var crops []string
	for _, ci := range mapping {
		crops = append(crops, ci.Crop)
		if ci.Note == "" || len(ci.Generic) == 0 {
			t.Errorf("%s: undocumented mapping %+v", ci.Crop, ci)
		}
	}
	if !slices.Equal(crops, planning.Crops()) {
		t.Errorf("the mapping covers %v, the crop enum is %v", crops, planning.Crops())
	}
	addDistrict(t, pool, "101", -0.5, -0.5, 0.5, 0.5, "")
	processes := func(id int64) []string {
		t.Helper()
		l, err := planning.New(store).Linkage(ctx, 30, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Clusters {
			if c.ID == id {
				return c.Processes
			}
		}
		t.Fatalf("cluster %d missing", id)
		return nil
	}
	all := planning.Crops()
	for i, tc := range []struct {
		industries []string
		want       []string
	}{
		{[]string{"agro-forestry processing"}, all},
		{[]string{"Food"}, []string{"coffee", "cassava", "sugarcane", "pepper", "cashew", "other"}},
		{[]string{"Chế biến tinh bột sắn"}, []string{"cassava"}},
		{[]string{"mủ cao su"}, []string{"rubber"}},
		{[]string{"garments", "mechanical engineering", "handicrafts (SME)"}, []string{}},
		{[]string{"đường giao thông"}, []string{}}, // "đường" (road) is not sugar
	} {
		t.Run(strings.Join(tc.industries, "+"), func(t *testing.T) {
			id := addCluster(t, pool, fixtureCluster{name: fmt.Sprint("m", i), district: "101", industries: tc.industries})
			if got := processes(id); !slices.Equal(got, tc.want) {
				t.Fatalf("processes %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("the mapping is data: editing it re-derives every cluster's crops", func(t *testing.T) {
		var garments int64
		_ = pool.QueryRow(ctx, `SELECT id FROM clusters WHERE 'garments' = ANY(target_industries)`).Scan(&garments)
		mustExec(t, pool, `UPDATE crop_industries SET terms = array_append(terms, 'garment') WHERE crop = 'cotton'`)
		if got := processes(garments); !slices.Equal(got, []string{"cotton"}) {
			t.Fatalf("after mapping garments to cotton: %v", got)
		}
		mustExec(t, pool, `UPDATE clusters SET target_industries = '{tobacco leaf}' WHERE id = $1`, garments)
		if got := processes(garments); !slices.Equal(got, []string{"tobacco"}) {
			t.Fatalf("after a cluster's industries changed: %v", got)
		}
	})
	t.Run("terms must be stored folded", func(t *testing.T) {
		_, err := pool.Exec(ctx, `UPDATE crop_industries SET terms = ARRAY['Cà phê'] WHERE crop = 'coffee'`)
		if err == nil || !strings.Contains(err.Error(), "crop_industries_terms_check") {
			t.Fatalf("an unfolded term was accepted: %v", err)
		}
	})
}

func TestSummaryWeighsOccupancyByArea(t *testing.T) {
	store, _ := geotest.Migrated(t)
	pool := store.Pool()
	ctx := context.Background()
	f := newEquatorFixture(t, pool) // P, Q, R, U in region rtest
	addDistrict(t, pool, "102", 1, -0.5, 1.5, 0.5, "")
	mustExec(t, pool, `DELETE FROM clusters WHERE id = ANY($1)`, []int64{f.q, f.r, f.u})
	addCluster(t, pool, fixtureCluster{name: "S", district: "101", status: "under_construction", planned: ptr(50), industrial: ptr(40), occupancy: ptr(50)})
	addCluster(t, pool, fixtureCluster{name: "T", district: "101", status: "planned", planned: ptr(60), occupancy: ptr(80)})
	addCluster(t, pool, fixtureCluster{name: "V", kind: "kcn", district: "102", planned: ptr(200), industrial: ptr(100), leased: ptr(100),
		investor: str("Inv C"), wkt: point(1.2, 0)})
	addCluster(t, pool, fixtureCluster{name: "W", status: "planned", wkt: point(1.3, 0)})

	s, err := planning.New(store).Summary(ctx, planning.SummaryOptions{RadiusKM: 30})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Regions) != 1 || *s.Regions[0].Slug != "rtest" {
		t.Fatalf("regions %+v", s.Regions)
	}
	r := s.Regions[0]
	// P: 10 of 30 ha leased; S: 40 ha at 50 % → 20 ha; T: 80 % stated, no land to weigh it by.
	checks := []struct {
		name      string
		got, want any
	}{
		{"region clusters", r.Clusters, 3},
		{"region stages", fmt.Sprint(r.ClustersByStage), "map[operating:1 planned:1 under_construction:1]"},
		{"region planned ha", r.PlannedHa, 150.0},
		{"region industrial ha", r.IndustrialHa, 70.0},
		{"region leased ha", r.LeasedHa, 30.0},
		{"region occupancy (30 / 70 ha, not the mean 41.7 %)", *r.OccupancyPct, 42.86},
		{"region occupancy clusters", r.OccupancyClustersWithData, 2},
		{"region occupancy without area", r.OccupancyWithoutArea, 1},
		{"region investors", fmt.Sprint(r.Investors), "[Inv A]"},
		{"region unnamed investors (S)", r.InvestorsUnnamed, 1},
		{"region raw material (Z1 + Z3 served by P)", r.RawMaterialHaByCrop["sugarcane"], 1500.0},
		{"outside clusters (V, W)", s.OutsideRegions.Clusters, 2},
		{"outside occupancy", *s.OutsideRegions.OccupancyPct, 100.0},
		{"province clusters", s.Province.Clusters, 5},
		{"province kinds", fmt.Sprint(s.Province.ClustersByKind), "map[ccn:4 kcn:1]"},
		{"province occupancy (130 / 170 ha)", *s.Province.OccupancyPct, 76.47},
		{"province investors", fmt.Sprint(s.Province.Investors), "[Inv A Inv C]"},
		{"province raw material", s.Province.RawMaterialHaByCrop["sugarcane"], 1500.0},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !slices.Contains(r.Sources, "fixture: P") || !slices.Contains(r.Sources, "test fixture") {
		t.Errorf("region sources %q", r.Sources)
	}

	t.Run("kind filter", func(t *testing.T) {
		s, err := planning.New(store).Summary(ctx, planning.SummaryOptions{RadiusKM: 30, Kind: "kcn"})
		if err != nil {
			t.Fatal(err)
		}
		if s.Province.Clusters != 1 || len(s.Province.RawMaterialHaByCrop) != 0 || s.Regions[0].Clusters != 0 {
			t.Fatalf("kcn only: province %d clusters, raw %v, region %d", s.Province.Clusters, s.Province.RawMaterialHaByCrop, s.Regions[0].Clusters)
		}
	})
	t.Run("one region", func(t *testing.T) {
		got, err := planning.New(store).RegionSummary(ctx, "rtest", planning.SummaryOptions{RadiusKM: 30})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(got.Region)
		b, _ := json.Marshal(r)
		if string(a) != string(b) {
			t.Fatalf("region summary differs from the province's entry:\n%s\n%s", a, b)
		}
		if _, err := planning.New(store).RegionSummary(ctx, "nowhere", planning.SummaryOptions{RadiusKM: 30}); !errors.Is(err, geo.ErrNotFound) {
			t.Fatalf("unknown region: %v", err)
		}
	})
}

func TestSitesScoreIsTheSumOfItsParts(t *testing.T) {
	store, _ := geotest.Migrated(t)
	pool := store.Pool()
	ctx := context.Background()
	f := newEquatorFixture(t, pool)
	mustExec(t, pool, `INSERT INTO roads (ref, name, geom, geometry_quality, placement, sources) VALUES
		('QL99', 'Quốc lộ 99', ST_GeomFromText('MULTILINESTRING((0.2 -1,0.2 1))', 4326), 'indicative', 'test', ARRAY['test fixture']),
		('DT1', 'Đường tỉnh 1', ST_GeomFromText('MULTILINESTRING((0.01 -1,0.01 1))', 4326), 'indicative', 'test', ARRAY['test fixture'])`)
	mustExec(t, pool, `UPDATE reference_points SET geom = ST_GeomFromText('POINT(0 0)', 4326) WHERE slug = $1`, planning.BorderGateSlug)
	addCluster(t, pool, fixtureCluster{name: "F", district: "101", industrial: ptr(29.9), leased: ptr(10), wkt: point(-0.2, 0)})

	q := planning.SiteQuery{Crop: "sugarcane", RadiusKM: 30, Weights: planning.DefaultSiteWeights, Limit: 100}
	got, err := planning.New(store).Sites(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	site := func(s *planning.Sites, id int64) *planning.Site {
		for i := range s.Sites {
			if s.Sites[i].ID == id {
				return &s.Sites[i]
			}
		}
		return nil
	}
	p := site(got, f.p)
	if p == nil || p.Rank != 1 {
		t.Fatalf("P should rank first: %+v", got.Sites)
	}
	// free 20 ha → 1; sugarcane 1500 ha → 0.075; QL99 22.264 km → 1 − 22.264/50; gate 0 km → 1;
	// operating → 1. DT1 is nearer but not a national highway.
	want := 0.3*1 + 0.25*0.075 + 0.2*(1-equator02/50000) + 0.1*1 + 0.15*1
	if math.Abs(p.Score-want) > 1e-4 {
		t.Fatalf("P score %.5f, want %.5f; parts %+v", p.Score, want, p.Parts)
	}
	parts := []planning.SitePart{p.Parts.Free, p.Parts.Crop, p.Parts.Highway, p.Parts.Border, p.Parts.Stage}
	sum := 0.0
	for _, part := range parts {
		sum += part.Contribution
		if part.Reason == "" {
			t.Fatalf("a part without a reason: %+v", part)
		}
	}
	if math.Abs(sum-p.Score) > 1e-3 || *p.Parts.Highway.Value != 22.264 || *p.Parts.Free.Value != 20 || *p.Parts.Crop.Value != 1500 {
		t.Fatalf("contributions sum to %.4f (score %.4f); parts %+v", sum, p.Score, p.Parts)
	}
	if !strings.Contains(p.Parts.Highway.Reason, "QL99") || got.BorderGate == nil || *got.BorderGate.Basis != "cited" {
		t.Fatalf("highway %q, gate %+v", p.Parts.Highway.Reason, got.BorderGate)
	}

	for _, tc := range []struct {
		name    string
		edit    func(*planning.SiteQuery)
		want    []int64
		exclude string
		n       int
	}{
		{"min_free_ha 20 keeps 20 ha, drops 19.9 ha and unknowns", func(q *planning.SiteQuery) { q.MinFreeHa = ptr(20) }, []int64{f.p}, "free_land_below_minimum", 1},
		{"industry text", func(q *planning.SiteQuery) { q.Industry = "SUGAR" }, []int64{f.p}, "industry_not_recorded", 2},
		{"industry naming a crop", func(q *planning.SiteQuery) { q.Industry = "cassava flour" }, []int64{f.r}, "industry_not_matched", 2},
		{"max_highway_km 15: R 11.1 km and U 5.6 km from QL99", func(q *planning.SiteQuery) { q.MaxHighwayKM = ptr(15) }, []int64{f.r, f.u}, "highway_too_far", 3},
		{"only free land counts", func(q *planning.SiteQuery) { q.Weights = planning.SiteWeights{Free: 1}; q.Limit = 2 }, []int64{f.p, addedF(t, got)}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := q
			tc.edit(&q)
			s, err := planning.New(store).Sites(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, st := range s.Sites {
				ids = append(ids, st.ID)
			}
			slices.Sort(ids)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(ids, want) || (tc.exclude != "" && s.Excluded[tc.exclude] != tc.n) {
				t.Fatalf("sites %v, want %v; excluded %v", ids, want, s.Excluded)
			}
		})
	}
	t.Run("bad queries", func(t *testing.T) {
		for _, bad := range []func(*planning.SiteQuery){
			func(q *planning.SiteQuery) { q.Crop = "banana" },
			func(q *planning.SiteQuery) { q.Weights = planning.SiteWeights{} },
			func(q *planning.SiteQuery) { q.Weights.Border = -1 },
			func(q *planning.SiteQuery) { q.RadiusKM = 500 },
			func(q *planning.SiteQuery) { q.Kind = "zone" },
		} {
			q := q
			bad(&q)
			var ie *geo.InputError
			if _, err := planning.New(store).Sites(ctx, q); !errors.As(err, &ie) {
				t.Fatalf("%+v: %v, want an input error", q, err)
			}
		}
	})
	t.Run("the gate falls back to its district, marked indicative", func(t *testing.T) {
		mustExec(t, pool, `UPDATE reference_points SET geom = NULL, district_code = '101' WHERE slug = $1`, planning.BorderGateSlug)
		s, err := planning.New(store).Sites(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		// The district is the square ±0.5°; its point-on-surface is the origin, its farthest
		// point a corner, 0.5° east (55.66 km) and north (55.29 km): √(55.66² + 55.29²) = 78.45 km.
		if g := s.BorderGate; g == nil || *g.Basis != "district_point_on_surface" || g.Uncert == nil || math.Abs(*g.Uncert-78.45) > 0.05 {
			t.Fatalf("gate %+v", g)
		}
		if p := site(s, f.p); !strings.Contains(p.Parts.Border.Reason, "indicative proxy") || *p.Parts.Border.Value != 0 {
			t.Fatalf("border part %+v", p.Parts.Border)
		}
	})
}

// addedF returns the id of fixture cluster F (the 19.9 ha one) from an answer.
func addedF(t *testing.T, s *planning.Sites) int64 {
	t.Helper()
	for _, st := range s.Sites {
		if st.Name == "F" {
			return st.ID
		}
	}
	t.Fatal("F missing")
	return 0
}
