package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/server"
)

// BenchmarkAnalysis measures the planning endpoints end to end (HTTP, gin, PostGIS) on synthetic
// data at 10× and 100× the seed's 12 clusters and 8 raw-material zones, and reports p50/p99
// latency per endpoint.
//
//	go test -run '^$' -bench BenchmarkAnalysis -benchtime 300x ./server/
//
// The data is generated here, never seeded: each scale unit is a province-sized tile (1.5° × 1.7°,
// like Gia Lai) with 17 Voronoi districts densified to ~300 vertices each, 5 regions, 12 clusters
// with the seed's mix of kinds, stages, areas and industries (circular footprints where an area
// is known), 8 zones that are unions of 1–17 districts like the seed's, and 3 highways. Tiles sit
// 2.5° apart, so the density of a province stays the seed's while the counts grow.
func BenchmarkAnalysis(b *testing.B) {
	for _, scale := range []int{10, 100} {
		b.Run(fmt.Sprintf("x%d", scale), func(b *testing.B) {
			store, _ := geotest.Migrated(b)
			start := time.Now()
			clusters, districts, regions := generateSynthetic(b, store.Pool(), scale)
			b.Logf("x%d: %d clusters, %d zones, %d districts generated and their distances stored in %s",
				scale, len(clusters), 8*scale, len(districts), time.Since(start).Round(time.Millisecond))
			ts, _ := newTestServer(b, server.OnStore(store))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}

			// Province-wide answers are cached per data version: "cold" bumps the version before
			// every request, so each one computes its answer as the first request after an edit
			// does; the others measure what every later request gets.
			bump := func() {
				if _, err := store.Pool().Exec(context.Background(), `UPDATE analysis_state SET version = version + 1`); err != nil {
					b.Fatal(err)
				}
			}
			for _, ep := range []struct {
				name string
				cold bool
				path func(i int) string
			}{
				{"cluster_eligibility", false, func(i int) string {
					return fmt.Sprintf("/api/clusters/%d/eligibility?add_ha=5", clusters[i%len(clusters)])
				}},
				{"district_eligibility", false, func(i int) string {
					return "/api/districts/" + districts[i%len(districts)] + "/eligibility"
				}},
				{"linkage", false, func(int) string { return "/api/analysis/linkage" }},
				{"linkage_cold", true, func(int) string { return "/api/analysis/linkage" }},
				{"summary", false, func(int) string { return "/api/summary" }},
				{"summary_cold", true, func(int) string { return "/api/summary" }},
				{"region_summary", false, func(i int) string { return "/api/regions/" + regions[i%len(regions)] + "/summary" }},
				{"region_summary_cold", true, func(i int) string { return "/api/regions/" + regions[i%len(regions)] + "/summary" }},
				{"sites", false, func(int) string { return "/api/sites?crop=cassava" }},
				{"sites_cold", true, func(int) string { return "/api/sites?crop=cassava" }},
				{"sites_filtered_cold", true, func(int) string {
					return "/api/sites?industry=sugar&min_free_ha=1&max_highway_km=60&w_border=0"
				}},
			} {
				b.Run(ep.name, func(b *testing.B) {
					get := func(path string) int64 {
						resp, err := client.Get(ts.URL + path)
						if err != nil {
							b.Fatal(err)
						}
						n, _ := io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							b.Fatalf("%s: status %d", path, resp.StatusCode)
						}
						return n
					}
					if !ep.cold {
						for i := range len(regions) {
							get(ep.path(i))
						}
					}
					lat := make([]time.Duration, 0, b.N)
					var bytes int64
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if ep.cold {
							b.StopTimer()
							bump()
							b.StartTimer()
						}
						t0 := time.Now()
						bytes += get(ep.path(i))
						lat = append(lat, time.Since(t0))
					}
					b.StopTimer()
					reportLatency(b, lat)
					b.ReportMetric(float64(bytes)/float64(b.N), "bytes/resp")
				})
			}
		})
	}
}

// syntheticTiles lays out $1 tiles, ten to a row.
const syntheticTiles = `CREATE TEMP TABLE tiles ON COMMIT DROP AS
	SELECT t, 100 + (t % 10) * 2.5 AS x0, 5 + (t / 10) * 2.5 AS y0 FROM generate_series(0, $1 - 1) AS t`

// syntheticSQL fills the tiles $1..$2, one tile per statement as an import of one province would,
// so that no statement outlives the test store's statement timeout. Every statement is set-based, as a bulk import would be, and the
// database stores the distances as it goes. A lateral subquery names a column of the row it
// belongs to (c.k * 0, r * 0) so that random() is drawn per row, not once per tile.
var syntheticSQL = []string{
	`INSERT INTO districts (code, name, name_ascii, kind, geom, sources)
	 SELECT lpad((10000 + t * 17 + i)::text, 5, '0'), 'Huyện tổng hợp ' || t || '-' || i, 'Synthetic ' || t || '-' || i, 'district',
	        ST_Multi(ST_Segmentize(ST_CollectionExtract(ST_Intersection(cell, env), 3), 0.005)), ARRAY['synthetic benchmark data']
	   FROM (SELECT t, env, (row_number() OVER (PARTITION BY t ORDER BY ST_XMin(d.geom), ST_YMin(d.geom)) - 1)::int AS i, d.geom AS cell
	           FROM (SELECT t, ST_MakeEnvelope(x0, y0, x0 + 1.5, y0 + 1.7, 4326) AS env,
	                        ST_Collect(ST_SetSRID(ST_MakePoint(x0 + random() * 1.5, y0 + random() * 1.7), 4326)) AS seeds
	                   FROM tiles, generate_series(1, 17) WHERE t BETWEEN $1 AND $2 GROUP BY t, x0, y0) s
	          CROSS JOIN LATERAL ST_Dump(ST_VoronoiPolygons(s.seeds, 0, s.env)) AS d) c`,
	// The seed's regions: 3, 2, 1, 2 and 1 member districts; 8 districts in none.
	`INSERT INTO regions (slug, name_vi, name_en, role, sources)
	 SELECT 'r' || t || '_' || k, 'Vùng ' || t || '-' || k, 'Region ' || t || '-' || k, 'synthetic', ARRAY['synthetic benchmark data']
	   FROM tiles, generate_series(0, 4) AS k WHERE t BETWEEN $1 AND $2`,
	`INSERT INTO region_members (region_slug, district_code)
	 SELECT 'r' || t || '_' || m.k, lpad((10000 + t * 17 + m.i)::text, 5, '0')
	   FROM tiles, (VALUES (0, 0), (0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (3, 6), (3, 7), (4, 8)) AS m(k, i)
	  WHERE t BETWEEN $1 AND $2`,
	// The seed's zones: crop, number of districts, area.
	`INSERT INTO raw_material_zones (name, crop, district_codes, area_ha, geom, geometry_quality, placement, sources)
	 SELECT 'Vùng tổng hợp ' || t || '-' || z.k, z.crop::crop, u.codes, z.area, u.geom, 'indicative', 'synthetic: union of districts',
	        ARRAY['synthetic benchmark data']
	   FROM tiles
	  CROSS JOIN (VALUES (0, 'sugarcane', 4, 32000), (1, 'coffee', 4, 88000), (2, 'cassava', 17, 81000), (3, 'rubber', 14, 76400),
	                     (4, 'tobacco', 4, 3500), (5, 'cotton', 7, 1000), (6, 'pepper', 2, NULL), (7, 'medicinal', 1, 700)) AS z(k, crop, n, area)
	  CROSS JOIN LATERAL (
	        SELECT array_agg(code ORDER BY code) AS codes, ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS geom
	          FROM (SELECT code, geom FROM districts
	                 WHERE code BETWEEN lpad((10000 + t * 17)::text, 5, '0') AND lpad((10000 + t * 17 + 16)::text, 5, '0')
	                 ORDER BY random() LIMIT z.n) picked) u
	  WHERE t BETWEEN $1 AND $2`,
	// The seed's clusters: kind, stage, planned area, industrial and leased land, investor,
	// industries, infrastructure; where an area is known, a circular footprint of that area.
	`INSERT INTO clusters (name, kind, district_code, status, planned_area_ha, industrial_land_ha, leased_land_ha, investor,
	                       target_industries, road_status, water_status, wastewater_status, geom, geometry_quality, placement, sources)
	 SELECT 'Cụm tổng hợp ' || t || '-' || c.k, c.kind::cluster_kind,
	        (SELECT d.code FROM districts d WHERE ST_Intersects(d.geom, p.pt) ORDER BY d.code LIMIT 1),
	        c.stage::cluster_stage, c.planned, c.industrial, c.leased, c.investor, c.industries,
	        c.infra::infra_status, c.infra::infra_status, c.infra::infra_status,
	        CASE WHEN c.planned IS NULL THEN p.pt
	             ELSE ST_Multi(ST_Buffer(p.pt::geography, sqrt(c.planned * 10000 / pi()), 'quad_segs=16')::geometry) END,
	        'indicative', 'synthetic', ARRAY['synthetic benchmark data']
	   FROM tiles
	  CROSS JOIN (VALUES
	        (0, 'kcn', 'operating', 210.17, 152.12, 152.12, NULL, '{}'::text[], NULL),
	        (1, 'kcn', 'established', 205.02, NULL, NULL, 'Synthetic rubber company', '{}', NULL),
	        (2, 'kkt', 'established', NULL, NULL, NULL, NULL, '{}', NULL),
	        (3, 'ccn', 'operating', 41.44, 24.2, 15, NULL, '{handicrafts (SME),relocated workshops}', 'in_use'),
	        (4, 'ccn', 'investor_selected', 75, NULL, NULL, 'Synthetic investor JSC',
	            '{agro-forestry processing,food,garments,mechanical engineering,supporting industries}', NULL),
	        (5, 'ccn', 'investor_selected', NULL, NULL, NULL, NULL, '{}', NULL),
	        (6, 'ccn', 'planned', NULL, NULL, NULL, NULL, '{}', NULL),
	        (7, 'ccn', 'planned', NULL, NULL, NULL, NULL, '{}', NULL),
	        (8, 'ccn', 'planned', NULL, NULL, NULL, NULL, '{}', NULL),
	        (9, 'ccn', 'planned', 75, NULL, NULL, NULL, '{}', NULL),
	        (10, 'ccn', 'planned', NULL, NULL, NULL, NULL, '{cassava starch}', NULL),
	        (11, 'ccn', 'operating', 50, 40, 30, 'Synthetic sugar JSC', '{sugar,rubber latex}', 'under_construction'))
	        AS c(k, kind, stage, planned, industrial, leased, investor, industries, infra)
	  CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(x0 + 0.05 + random() * 1.4 + c.k * 0, y0 + 0.05 + random() * 1.6), 4326) AS pt) p
	  WHERE t BETWEEN $1 AND $2`,
	// Three highways per tile, two to four vertices each, like the seed's QL14, QL19 and QL25.
	`INSERT INTO roads (ref, name, geom, geometry_quality, placement, sources)
	 SELECT 'QL' || (1000 + t * 3 + r), 'Quốc lộ tổng hợp ' || t || '-' || r,
	        ST_Multi(ST_MakeLine(ARRAY(SELECT ST_SetSRID(ST_MakePoint(x0 + random() * 1.5 + r * 0, y0 + v * 1.7 / (2 + r)), 4326)
	                                    FROM generate_series(0, 1 + r) AS v ORDER BY v))),
	        'indicative', 'synthetic', ARRAY['synthetic benchmark data']
	   FROM tiles, generate_series(0, 2) AS r WHERE t BETWEEN $1 AND $2`,
}

// syntheticFinish places the one border gate in a district of the first tile, as Lệ Thanh falls
// back to Đức Cơ.
const syntheticFinish = `UPDATE reference_points SET district_code = '10007' WHERE slug = 'le_thanh_border_gate'`

// generateSynthetic fills an empty database with `scale` tiles and returns the cluster ids,
// district codes and region slugs to query.
func generateSynthetic(b *testing.B, pool *pgxpool.Pool, scale int) (clusters []int64, districts, regions []string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, sql := range []string{`SELECT setseed(0.6)`, `SET LOCAL jit = off`} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, syntheticTiles, scale); err != nil {
			return err
		}
		for _, sql := range syntheticSQL {
			for tile := 0; tile < scale; tile++ {
				if _, err := tx.Exec(ctx, sql, tile, tile); err != nil {
					return fmt.Errorf("%.60s: %w", sql, err)
				}
			}
		}
		_, err := tx.Exec(ctx, syntheticFinish)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	// As autovacuum would have by the time anyone asks.
	if _, err := pool.Exec(ctx, `ANALYZE clusters, raw_material_zones, districts, regions, region_members, roads, cluster_distances, cluster_crops`); err != nil {
		b.Fatal(err)
	}
	if clusters, err = collect(ctx, pool, `SELECT id FROM clusters ORDER BY md5(id::text)`, pgx.RowTo[int64]); err != nil {
		b.Fatal(err)
	}
	if districts, err = collect(ctx, pool, `SELECT code FROM districts ORDER BY md5(code)`, pgx.RowTo[string]); err != nil {
		b.Fatal(err)
	}
	if regions, err = collect(ctx, pool, `SELECT slug FROM regions ORDER BY md5(slug)`, pgx.RowTo[string]); err != nil {
		b.Fatal(err)
	}
	if len(clusters) != 12*scale || len(districts) != 17*scale || len(regions) != 5*scale {
		b.Fatalf("generated %d clusters, %d districts, %d regions", len(clusters), len(districts), len(regions))
	}
	return clusters, districts, regions
}

// collect runs a query and gathers its single column, in a shuffled but repeatable order.
func collect[T any](ctx context.Context, pool *pgxpool.Pool, sql string, to pgx.RowToFunc[T]) ([]T, error) {
	rows, err := pool.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, to)
}
