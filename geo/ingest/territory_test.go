package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/internal/geotest"
)

// The territory's pieces (migrations/00019_territory.sql) answer "inside the province" as the
// union of every unit widened by ProvinceTolerance did, for points and shapes on both sides of
// its edge, and follow the units when they change.
func TestTerritoryIsTheUnitsWidened(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	pool := store.Pool()

	var tolerance float64
	if err := pool.QueryRow(ctx, `SELECT territory_tolerance_m()`).Scan(&tolerance); err != nil {
		t.Fatal(err)
	}
	if tolerance != ingest.ProvinceTolerance {
		t.Fatalf("the database's tolerance is %v m, geo/ingest words refusals with %d m", tolerance, ingest.ProvinceTolerance)
	}

	// Points and 1.5 km discs in a 6 km band around the widened outline's edge, and the pieces'
	// answer against the outline made whole, as every write made it before.
	var n, agree, inside, outside int
	if err := pool.QueryRow(ctx, `
		WITH whole AS (SELECT ST_Buffer(ST_Union(geom)::geography, territory_tolerance_m())::geometry AS g FROM districts),
		     band AS (SELECT ST_Difference(ST_Buffer(w.g::geography, 6000)::geometry, ST_Buffer(w.g::geography, -6000)::geometry) AS g FROM whole w),
		     pts AS (SELECT (ST_Dump(ST_GeneratePoints(b.g, 150, 7))).geom AS p FROM band b),
		     shapes AS (SELECT p AS g FROM pts UNION ALL SELECT ST_Buffer(p::geography, 1500)::geometry FROM pts)
		SELECT count(*), count(*) FILTER (WHERE territory_covers(s.g) = ST_CoveredBy(s.g, w.g)),
		       count(*) FILTER (WHERE territory_covers(s.g)), count(*) FILTER (WHERE NOT territory_covers(s.g))
		  FROM shapes s, whole w`).Scan(&n, &agree, &inside, &outside); err != nil {
		t.Fatal(err)
	}
	if n != 300 || agree != n || inside == 0 || outside == 0 {
		t.Fatalf("of %d shapes near the edge the pieces agree with the whole outline on %d (%d inside, %d outside), want all, of both kinds", n, agree, inside, outside)
	}

	// A unit added far away takes its land into the territory when its transaction commits, and
	// an import there is then accepted; removed, it takes it out again.
	plant := fc(plant("Nhà máy ở đơn vị mới", `{"type":"Point","coordinates":[106.70,10.80]}`))
	covers := func() bool {
		var in *bool
		if err := pool.QueryRow(ctx, `SELECT territory_covers(ST_SetSRID(ST_MakePoint(106.70, 10.80), 4326))`).Scan(&in); err != nil || in == nil {
			t.Fatalf("territory_covers: %v, %v", in, err)
		}
		return *in
	}
	if covers() {
		t.Fatal("a point 300 km away is inside the province")
	}
	if _, err := ingest.New(store, nil).Import(ctx, "plants", plant, ingest.ImportOptions{}); !errors.Is(err, ingest.ErrRejected) {
		t.Fatalf("a plant 300 km away: %v, want it rejected", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO districts (code, name, name_ascii, kind, geom, sources)
		VALUES ('999', 'Đơn vị kiểm thử', 'Don vi kiem thu', (SELECT kind FROM districts LIMIT 1),
		        ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(106.70, 10.80), 4326), 0.05)), ARRAY['test: a unit of this test'])`); err != nil {
		t.Fatal(err)
	}
	if !covers() {
		t.Fatal("a new unit's land is not in the territory after its commit")
	}
	if rep, err := ingest.New(store, nil).Import(ctx, "plants", plant, ingest.ImportOptions{}); err != nil || rep.Inserted != 1 {
		t.Fatalf("a plant in the new unit: %+v, %v", rep, err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM plants WHERE name = 'Nhà máy ở đơn vị mới'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM districts WHERE code = '999'`); err != nil {
		t.Fatal(err)
	}
	if covers() {
		t.Fatal("a removed unit's land is still in the territory")
	}

	// A unit added after the transaction's deferred triggers were fired early (and the
	// territory refreshed with the first unit) counts too: the first is far from the test point,
	// the second holds it.
	unit := func(code string, lon, lat float64) string {
		return fmt.Sprintf(`INSERT INTO districts (code, name, name_ascii, kind, geom, sources)
		 VALUES ('%s', 'Đơn vị kiểm thử %[1]s', 'Don vi kiem thu %[1]s', (SELECT kind FROM districts LIMIT 1),
		         ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(%g, %g), 4326), 0.05)), ARRAY['test: a unit of this test'])`, code, lon, lat)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	for _, q := range []string{unit("997", 105.50, 9.80), `SET CONSTRAINTS ALL IMMEDIATE`, `SET CONSTRAINTS ALL DEFERRED`, unit("998", 106.70, 10.80)} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if !covers() {
		t.Fatal("a unit added after an early firing is not in the territory")
	}
}
