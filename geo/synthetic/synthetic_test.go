package synthetic_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo/synthetic"
	"github.com/clustermap/clustermap/internal/geotest"
)

// fingerprint is a digest of everything the generator writes that a benchmark reads: geometry,
// figures and history.
const fingerprint = `SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
	SELECT 'd' || code || ST_AsEWKB(geom)::text FROM districts
	UNION ALL SELECT 'p' || code || ST_AsEWKB(geom)::text FROM admin_units WHERE level = 'province'
	UNION ALL SELECT 'c' || name || coalesce(leased_land_ha::text, '') || status || ST_AsEWKB(geom)::text FROM clusters
	UNION ALL SELECT 'z' || name || area_ha || ST_AsEWKB(geom)::text FROM raw_material_zones
	UNION ALL SELECT 't' || cluster_id || investor || leased_ha FROM tenants
	UNION ALL SELECT 'l' || code || land_use || status || ST_AsEWKB(geom)::text FROM lots
	UNION ALL SELECT 'v' || layer || fid || version || op || (props - 'updated_at' - 'created_at' - 'tenants_as_of')::text
	  FROM feature_versions WHERE at < '2026-12-01') s(x)`

func TestNationalIsDeterministicMarkedAndSeparate(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostGIS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const scale = 0.02
	var prints [2]string
	for i := range prints {
		store, _ := geotest.Migrated(t)
		rep, err := synthetic.LoadNational(ctx, store.Pool(), scale)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("scale %g: %+v", scale, rep)
		if rep.Provinces < 3 || rep.Communes < 40 || rep.Clusters != 40 || rep.Tenants != 600 || rep.Lots < 1500 || rep.Versions < 20*rep.Clusters {
			t.Errorf("counts at scale %g: %+v", scale, rep)
		}
		if err := store.Pool().QueryRow(ctx, fingerprint).Scan(&prints[i]); err != nil {
			t.Fatal(err)
		}
		// Every row says it is synthetic, and the provinces' outlines are their communes'.
		var unmarked, invalid int
		var gap float64
		err = store.Pool().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM clusters WHERE NOT $1 = ANY (sources)) + (SELECT count(*) FROM districts WHERE NOT $1 = ANY (sources))
			  + (SELECT count(*) FROM tenants WHERE NOT $1 = ANY (sources)) + (SELECT count(*) FROM energy WHERE NOT $1 = ANY (sources))
			  + (SELECT count(*) FROM lots WHERE NOT $1 = ANY (sources)),
			(SELECT count(*) FROM districts WHERE NOT ST_IsValid(geom)),
			(SELECT abs(sum(ST_Area(geom)) - (SELECT sum(ST_Area(geom)) FROM districts)) FROM admin_units WHERE level = 'province')`,
			synthetic.Source).Scan(&unmarked, &invalid, &gap)
		if err != nil || unmarked != 0 || invalid != 0 || gap > 1e-6 {
			t.Errorf("unmarked rows %d, invalid communes %d, provinces' area minus communes' %.2g (%v)", unmarked, invalid, gap, err)
		}
		// Every cluster's history ends with the row as it is.
		var stale int
		if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM clusters c
			JOIN LATERAL (SELECT props FROM feature_versions v WHERE v.layer = 'clusters' AND v.fid = c.id ORDER BY version DESC LIMIT 1) v ON true
			WHERE v.props IS DISTINCT FROM to_jsonb(c) - 'geom' - 'geom_3857'`).Scan(&stale); err != nil || stale != 0 {
			t.Errorf("%d clusters whose last version is not the row (%v)", stale, err)
		}
		// A cluster's lots tile its footprint: inside it, not overlapping, adding up to its area.
		var outside, overlapping, untiled int
		if err := store.Pool().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM lots l JOIN clusters c ON c.id = l.cluster_id WHERE NOT ST_CoveredBy(l.geom, ST_Buffer(c.geom, 1e-9))),
			(SELECT count(*) FROM lots a JOIN lots b ON a.cluster_id = b.cluster_id AND a.id < b.id AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1e-12),
			(SELECT count(*) FROM clusters c WHERE ST_Dimension(c.geom) = 2
			    AND abs(ST_Area(c.geom) - coalesce((SELECT sum(ST_Area(l.geom)) FROM lots l WHERE l.cluster_id = c.id), 0)) > 1e-3 * ST_Area(c.geom))`).
			Scan(&outside, &overlapping, &untiled); err != nil || outside+overlapping+untiled != 0 {
			t.Errorf("lots outside their cluster %d, overlapping %d, clusters not tiled by their lots %d (%v)", outside, overlapping, untiled, err)
		}
		if found, err := synthetic.Present(ctx, store.Pool()); err != nil || !found {
			t.Errorf("Present after a load: %v, %v", found, err)
		}
		if i == 0 {
			if _, err := synthetic.LoadNational(ctx, store.Pool(), scale); !errors.Is(err, synthetic.ErrNotEmpty) {
				t.Errorf("a second load into the same database: %v, want ErrNotEmpty", err)
			}
		}
	}
	if prints[0] != prints[1] {
		t.Errorf("two loads at scale %g differ: %s and %s", scale, prints[0], prints[1])
	}

	// The real seed's database is not a place for it, nor the other way round (cmd/clustermap).
	seeded, _ := geotest.Seeded(t)
	if _, err := synthetic.LoadNational(ctx, seeded.Pool(), scale); !errors.Is(err, synthetic.ErrNotEmpty) {
		t.Errorf("a load into the seeded database: %v, want ErrNotEmpty", err)
	}
	if found, err := synthetic.Present(ctx, seeded.Pool()); err != nil || found {
		t.Errorf("Present in the seeded database: %v, %v", found, err)
	}
}
