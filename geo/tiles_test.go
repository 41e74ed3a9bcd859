package geo_test

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/versions"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/internal/mvtcheck"
)

// gialai is the province's box (the districts' extent, rounded outwards).
var gialai = geo.BBox{MinLon: 107.45, MinLat: 12.99, MaxLon: 108.88, MaxLat: 14.61}

func TestTileSQLIsOneParameterisedStatementPerLayer(t *testing.T) {
	for _, l := range geo.DefaultCatalog().Layers() {
		sql, args, err := geo.TileSQL(l, nil)
		if err != nil {
			t.Fatal(err)
		}
		index := "t.geom_3857 && e.area"
		if l.Polygonal {
			index = "g.layer = $4 AND g.zoom = tile_generalised_level($1) AND g.geom && e.area"
		}
		for _, want := range []string{"ST_TileEnvelope($1::int, $2::int, $3::int)", "ST_AsMVT(m, $4::text, 4096, 'mvt_geom', 'mvt_id')", index} {
			if !strings.Contains(sql, want) {
				t.Errorf("%s: statement lacks %q", l.ID, want)
			}
		}
		if len(args) != 4 || args[3] != l.ID {
			t.Errorf("%s: args %v, want z, x, y, layer id", l.ID, args)
		}
		// Every declared field is a property, and nothing else is selected as one.
		props := regexp.MustCompile(`AS "([a-z_0-9]+)"`).FindAllStringSubmatch(sql, -1)
		var names []string
		for _, p := range props {
			if !slices.Contains(names, p[1]) {
				names = append(names, p[1])
			}
		}
		var declared []string
		for _, f := range l.Fields {
			declared = append(declared, f.Name)
		}
		if !slices.Equal(names, declared) {
			t.Errorf("%s: properties %v, declared %v", l.ID, names, declared)
		}
	}
	clusters, _ := geo.DefaultCatalog().Layer("clusters")
	sql, args, err := geo.TileSQL(clusters, map[string]string{"status": "operating", "kind": "ccn"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sql, "operating") || len(args) != 6 || args[4] != "ccn" || args[5] != "operating" {
		t.Errorf("filter values must be parameters $5, $6 in key order: args %v", args)
	}
	// The text depends on which fields are filtered, never on their values (each call builds
	// it afresh), so pgx prepares one statement per filter shape and reuses its plan.
	other, otherArgs, err := geo.TileSQL(clusters, map[string]string{"status": "planned", "kind": "kcn"})
	if err != nil {
		t.Fatal(err)
	}
	if other != sql || otherArgs[4] != "kcn" || otherArgs[5] != "planned" {
		t.Errorf("filters with other values give another statement text or the wrong args %v", otherArgs)
	}
	if _, _, err := geo.TileSQL(clusters, map[string]string{"status": "bogus"}); err == nil {
		t.Error("a value outside the enum must be refused before SQL")
	}
	if _, _, err := geo.TileSQL(clusters, map[string]string{"nope": "x"}); err == nil {
		t.Error("an undeclared field must be refused before SQL")
	}
}

// validTile decodes a tile strictly and checks what every ClusterMap tile must hold: one layer
// named by the layer id, extent 4096, ids on every feature, and only declared fields.
func validTile(t *testing.T, l *geo.Layer, tc geo.TileCoord, mvt []byte) *mvtcheck.LayerReport {
	t.Helper()
	rep, err := mvtcheck.Validate(mvt)
	if err != nil {
		t.Fatalf("%s %v: %v", l.ID, tc, err)
	}
	if len(rep.Layers) != 1 {
		t.Fatalf("%s %v: %d layers", l.ID, tc, len(rep.Layers))
	}
	lr := &rep.Layers[0]
	if lr.Name != l.ID || lr.Version != 2 || lr.Extent != geo.TileExtent || !lr.ExtentSet {
		t.Fatalf("%s %v: layer %q version %d extent %d", l.ID, tc, lr.Name, lr.Version, lr.Extent)
	}
	if lr.Features == 0 {
		t.Fatalf("%s %v: a non-empty tile without features", l.ID, tc)
	}
	for _, k := range lr.Keys {
		if _, ok := l.Field(k); !ok {
			t.Fatalf("%s %v: property %q is not a declared field", l.ID, tc, k)
		}
	}
	for _, f := range lr.FeatureReports {
		if !f.HasID {
			t.Fatalf("%s %v: feature without id", l.ID, tc)
		}
	}
	return lr
}

// TestEveryTileIsValidMVT builds every tile covering the province from z0 to z12 for every layer
// (and every 7th or 8th at z13 and z14) and validates each one strictly: winding, command encoding, duplicate
// keys and values, unique ids.
func TestEveryTileIsValidMVT(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	for _, l := range store.Catalog().Layers() {
		if geotest.EmptyInSeed(l.ID) {
			continue
		}
		t.Run(l.ID, func(t *testing.T) {
			nonEmpty := 0
			for z := 0; z <= 14; z++ {
				for i, tc := range geo.TilesCovering(gialai, z) {
					if z > 12 && i%(z-6) != 0 { // z13, z14: a sample spread over the province
						continue
					}
					tile, err := store.Tile(ctx, geo.TileQuery{Layer: l, Tile: tc})
					if err != nil {
						t.Fatalf("%v: %v", tc, err)
					}
					if len(tile.MVT) == 0 {
						continue
					}
					nonEmpty++
					validTile(t, l, tc, tile.MVT)
				}
			}
			if nonEmpty < 20 {
				t.Errorf("only %d non-empty tiles", nonEmpty)
			}
		})
	}
}

// TestZ6TileHoldsEveryFeature: the z6 tile 51/29 covers the whole province, so each layer's tile
// must hold every row of it, with its declared properties (lists joined with "; ").
func TestZ6TileHoldsEveryFeature(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	tc := geo.TileCoord{Z: 6, X: 51, Y: 29}
	for _, l := range store.Catalog().Layers() {
		if geotest.EmptyInSeed(l.ID) {
			continue
		}
		tile, err := store.Tile(ctx, geo.TileQuery{Layer: l, Tile: tc})
		if err != nil {
			t.Fatal(err)
		}
		lr := validTile(t, l, tc, tile.MVT)
		var n int
		var version int64
		if err := store.Pool().QueryRow(ctx, fmt.Sprintf("SELECT count(*), (SELECT version FROM layer_versions WHERE layer = $1) FROM %s", l.Table), l.ID).Scan(&n, &version); err != nil {
			t.Fatal(err)
		}
		if lr.Features != n {
			t.Errorf("%s: %d features in the tile, %d rows", l.ID, lr.Features, n)
		}
		if tile.Version != version {
			t.Errorf("%s: tile version %d, layer_versions %d", l.ID, tile.Version, version)
		}
		if len(tile.MVT) >= 64<<10 {
			t.Errorf("%s: z6 tile is %d bytes, want < 64 KiB", l.ID, len(tile.MVT))
		}
		t.Logf("%s: z6 tile %d bytes, %d features", l.ID, len(tile.MVT), lr.Features)
	}

	zones, _ := store.Catalog().Layer("raw_material_zones")
	tile, _ := store.Tile(ctx, geo.TileQuery{Layer: zones, Tile: tc})
	rep, _ := mvtcheck.Validate(tile.MVT)
	found := false
	for _, f := range rep.Layers[0].FeatureReports {
		if f.Properties["crop"] == "sugarcane" {
			found = true
			if got := f.Properties["district_codes"]; got != "623; 634; 625; 630" {
				t.Errorf("sugarcane zone district_codes = %#v, want the list joined with '; '", got)
			}
			if _, ok := f.Properties["area_ha"].(float64); !ok {
				t.Errorf("area_ha = %#v, want a double", f.Properties["area_ha"])
			}
			switch f.Properties["reference_year"].(type) {
			case int64, uint64:
			default:
				t.Errorf("reference_year = %#v, want an integer", f.Properties["reference_year"])
			}
		}
	}
	if !found {
		t.Error("the sugarcane zone is missing")
	}
	// Integer keys are the feature ids.
	clusters, _ := store.Catalog().Layer("clusters")
	tile, _ = store.Tile(ctx, geo.TileQuery{Layer: clusters, Tile: tc})
	rep, _ = mvtcheck.Validate(tile.MVT)
	var ids []uint64
	rows, _ := store.Pool().Query(ctx, "SELECT id FROM clusters ORDER BY id")
	for rows.Next() {
		var id uint64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	if got := rep.Layers[0].IDs(); !slices.Equal(got, ids) {
		t.Errorf("cluster ids %v, want %v", got, ids)
	}
}

func TestTileFilters(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	clusters, _ := store.Catalog().Layer("clusters")
	tc := geo.TileCoord{Z: 6, X: 51, Y: 29}
	var want int
	if err := store.Pool().QueryRow(ctx, "SELECT count(*) FROM clusters WHERE status = 'operating'").Scan(&want); err != nil {
		t.Fatal(err)
	}
	tile, err := store.Tile(ctx, geo.TileQuery{Layer: clusters, Tile: tc, Equals: map[string]string{"status": "operating"}})
	if err != nil {
		t.Fatal(err)
	}
	if want == 0 {
		if len(tile.MVT) != 0 {
			t.Fatal("no operating cluster, yet the filtered tile has features")
		}
		return
	}
	lr := validTile(t, clusters, tc, tile.MVT)
	if lr.Features != want {
		t.Errorf("%d features, %d operating clusters", lr.Features, want)
	}
	for _, f := range lr.FeatureReports {
		if f.Properties["status"] != "operating" {
			t.Errorf("feature %d has status %v", f.ID, f.Properties["status"])
		}
	}
	// A list field filters by membership, as on /api.
	zones, _ := store.Catalog().Layer("raw_material_zones")
	tile, err = store.Tile(ctx, geo.TileQuery{Layer: zones, Tile: tc, Equals: map[string]string{"district_codes": "633"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range validTile(t, zones, tc, tile.MVT).FeatureReports {
		if !strings.Contains(f.Properties["district_codes"].(string), "633") {
			t.Errorf("zone %v does not name 633", f.Properties["name"])
		}
	}
}

// TestGeneralisedCoverageHasNoGapsOrOverlaps checks the per-zoom district coverage: valid
// polygons, every district present from z4, no overlaps (the areas add up to the union's), no gaps
// (the union has the raw union's parts and holes, neighbours still touch), far fewer vertices at
// low zoom, and regions and district-drawn zones exactly the unions of generalised districts.
func TestGeneralisedCoverageHasNoGapsOrOverlaps(t *testing.T) {
	store, _ := geotest.Seeded(t)
	checkCoverage(t, store)
}

func checkCoverage(t *testing.T, store *geo.Store) {
	t.Helper()
	ctx := context.Background()
	pool := store.Pool()
	var maxZoom int
	if err := pool.QueryRow(ctx, "SELECT tile_generalised_max_zoom()").Scan(&maxZoom); err != nil {
		t.Fatal(err)
	}
	var districts, rawParts, rawHoles, rawPoints int
	if err := pool.QueryRow(ctx, `SELECT count(*), (SELECT ST_NumGeometries(u) FROM (SELECT ST_Union(geom_3857) u FROM districts) x),
		(SELECT sum(ST_NumInteriorRings((d).geom)) FROM (SELECT ST_Dump(ST_Union(geom_3857)) d FROM districts) x),
		sum(ST_NPoints(geom_3857)) FROM districts`).Scan(&districts, &rawParts, &rawHoles, &rawPoints); err != nil {
		t.Fatal(err)
	}
	for z := 0; z <= maxZoom; z++ {
		var n, parts, holes, points, touching, rawTouching int
		var valid bool
		var sum, union float64
		err := pool.QueryRow(ctx, `
			WITH g AS (SELECT fid, geom FROM tile_generalised WHERE layer = 'districts' AND zoom = $1)
			SELECT (SELECT count(*) FROM g), (SELECT bool_and(ST_IsValid(geom)) FROM g),
			       (SELECT sum(ST_Area(geom)) FROM g), (SELECT ST_Area(ST_Union(geom)) FROM g),
			       (SELECT ST_NumGeometries(ST_Union(geom)) FROM g),
			       (SELECT coalesce(sum(ST_NumInteriorRings((d).geom)), 0) FROM (SELECT ST_Dump(ST_Union(geom)) d FROM g) x),
			       (SELECT sum(ST_NPoints(geom)) FROM g),
			       (SELECT count(*) FROM g a JOIN g b ON a.fid < b.fid AND ST_Intersects(a.geom, b.geom)),
			       (SELECT count(*) FROM districts a JOIN districts b ON a.code < b.code AND ST_Intersects(a.geom_3857, b.geom_3857))`, z).
			Scan(&n, &valid, &sum, &union, &parts, &holes, &points, &touching, &rawTouching)
		if err != nil {
			t.Fatalf("z%d: %v", z, err)
		}
		if !valid {
			t.Errorf("z%d: invalid generalised district", z)
		}
		if z >= 4 && n != districts {
			t.Errorf("z%d: %d of %d districts", z, n, districts)
		}
		if math.Abs(sum-union) > 1e-9*union {
			t.Errorf("z%d: districts overlap: areas add to %.0f m², union %.0f m²", z, sum, union)
		}
		if z >= 4 && (parts != rawParts || holes != rawHoles) {
			t.Errorf("z%d: union has %d parts %d holes, raw %d parts %d holes: gaps opened", z, parts, holes, rawParts, rawHoles)
		}
		if z >= 6 && touching != rawTouching {
			t.Errorf("z%d: %d neighbouring pairs, raw %d", z, touching, rawTouching)
		}
		if z == 6 && points*3 > rawPoints {
			t.Errorf("z6: %d vertices of %d raw: not generalised", points, rawPoints)
		}
	}
	// The level above the generalised ones is each layer's own geometry, for every feature.
	var rawRows, rawSame, features int
	if err := pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE ST_Equals(g.geom, coalesce(d.geom_3857, r.geom_3857, z.geom_3857))),
		       (SELECT count(*) FROM districts) + (SELECT count(*) FROM regions WHERE geom IS NOT NULL) + (SELECT count(*) FROM raw_material_zones)
		  FROM tile_generalised g
		  LEFT JOIN districts d ON g.layer = 'districts' AND d.code = g.fid
		  LEFT JOIN regions r ON g.layer = 'regions' AND r.slug = g.fid
		  LEFT JOIN raw_material_zones z ON g.layer = 'raw_material_zones' AND z.id::text = g.fid
		 WHERE g.zoom = $1`, maxZoom+1).Scan(&rawRows, &rawSame, &features); err != nil {
		t.Fatal(err)
	}
	if rawRows != features || rawSame != rawRows {
		t.Errorf("top level: %d rows, %d equal to the layer's geometry, %d features", rawRows, rawSame, features)
	}
	// Regions and district-drawn zones are unions of generalised districts, zoom by zoom.
	var bad int
	if err := pool.QueryRow(ctx, `
		SELECT count(*) FROM tile_generalised r
		 WHERE r.layer = 'regions' AND r.zoom <= tile_generalised_max_zoom() AND NOT ST_Equals(r.geom, (
		       SELECT ST_Union(d.geom) FROM region_members rm
		         JOIN tile_generalised d ON d.layer = 'districts' AND d.zoom = r.zoom AND d.fid = rm.district_code
		        WHERE rm.region_slug = r.fid))`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d region generalisations differ from the union of their members'", bad)
	}
	var zoneRows, derived int
	if err := pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE ST_Equals(g.geom, (
		       SELECT ST_Union(d.geom) FROM tile_generalised d
		        WHERE d.layer = 'districts' AND d.zoom = g.zoom AND d.fid = ANY(z.district_codes))))
		  FROM tile_generalised g JOIN raw_material_zones z ON z.id::text = g.fid
		 WHERE g.layer = 'raw_material_zones' AND g.zoom <= tile_generalised_max_zoom()`).Scan(&zoneRows, &derived); err != nil {
		t.Fatal(err)
	}
	if zoneRows == 0 || derived != zoneRows {
		t.Errorf("%d of %d zone generalisations are unions of their districts' (the seed draws every zone from districts)", derived, zoneRows)
	}
}

// TestGeneralisationFollowsTheData: a change to a district regenerates the coverage in the same
// transaction and bumps the versions of every layer whose tiles change (a district-drawn zone
// too); a change that leaves geometry alone recomputes nothing that tiles show.
func TestGeneralisationFollowsTheData(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	pool := store.Pool()
	before, err := versions.Read(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	genArea := func(layer, fid string, z int) float64 {
		var a float64
		if err := pool.QueryRow(ctx, "SELECT coalesce(sum(ST_Area(geom)), 0) FROM tile_generalised WHERE layer = $1 AND fid = $2 AND zoom = $3", layer, fid, z).Scan(&a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Chư Sê (633) alone is the medicinal-plant zone; shrink it by ~1 km all round.
	zone := ""
	if err := pool.QueryRow(ctx, "SELECT id::text FROM raw_material_zones WHERE district_codes = '{633}'").Scan(&zone); err != nil {
		t.Fatal(err)
	}
	oldArea := genArea("districts", "633", 10)
	if _, err := pool.Exec(ctx, "UPDATE districts SET geom = ST_Multi(ST_Buffer(geom, -0.01)) WHERE code = '633'"); err != nil {
		t.Fatal(err)
	}
	var rawArea float64
	_ = pool.QueryRow(ctx, "SELECT ST_Area(geom_3857) FROM districts WHERE code = '633'").Scan(&rawArea)
	if got := genArea("districts", "633", 10); math.Abs(got-rawArea) > 0.02*rawArea || got >= oldArea {
		t.Errorf("z10 generalisation of 633: %.0f m², raw now %.0f m², before %.0f m²", got, rawArea, oldArea)
	}
	after, _ := versions.Read(ctx, store)
	for _, l := range []string{"districts", "regions", "raw_material_zones"} {
		if after[l] <= before[l] {
			t.Errorf("%s version %d → %d: tiles changed but the version did not", l, before[l], after[l])
		}
	}
	if after["clusters"] != before["clusters"] {
		t.Errorf("clusters version moved %d → %d", before["clusters"], after["clusters"])
	}
	// The zone still has its old outline, so it is no longer drawn from the districts: it is
	// simplified on its own and keeps its area.
	if got, old := genArea("raw_material_zones", zone, 10), oldArea; math.Abs(got-old) > 0.02*old {
		t.Errorf("zone %s at z10: %.0f m², its own outline is %.0f m²", zone, got, old)
	}
	checkCoverageValid(t, store)

	// A name change bumps districts (its tiles show names) but leaves zones alone.
	before = after
	if _, err := pool.Exec(ctx, "UPDATE districts SET name = name || ' ' WHERE code = '622'"); err != nil {
		t.Fatal(err)
	}
	after, _ = versions.Read(ctx, store)
	if after["districts"] <= before["districts"] || after["raw_material_zones"] != before["raw_material_zones"] {
		t.Errorf("name change: versions %v → %v", before, after)
	}
}

// checkCoverageValid is the part of checkCoverage that holds for any data: valid, non-overlapping.
func checkCoverageValid(t *testing.T, store *geo.Store) {
	t.Helper()
	var overlaps int
	var valid bool
	err := store.Pool().QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM tile_generalised a JOIN tile_generalised b
		          ON a.layer = 'districts' AND b.layer = 'districts' AND a.zoom = b.zoom AND a.fid < b.fid
		         AND a.geom && b.geom AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1),
		       (SELECT bool_and(ST_IsValid(geom)) FROM tile_generalised)`).Scan(&overlaps, &valid)
	if err != nil {
		t.Fatal(err)
	}
	if overlaps != 0 || !valid {
		t.Errorf("%d overlapping pairs, all valid: %v", overlaps, valid)
	}
}
