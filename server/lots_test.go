package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/synthetic"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/internal/mvtcheck"
	"github.com/clustermap/clustermap/server"
	"github.com/jackc/pgx/v5"
)

// The lots layer is empty in the sourced seed (no source gives the province's lots), so it is
// tested on the synthetic national dataset at a small scale (about 2,000 lots): a box of lots as
// GeoJSON and OGC items holds exactly the lots the database finds in it, with their labels'
// codes and areas; a filter by status narrows it; a tile over a cluster draws its lots.
func TestLotsServedByBox(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostGIS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	store, _ := geotest.Migrated(t)
	if _, err := synthetic.LoadNational(ctx, store.Pool(), 0.02); err != nil {
		t.Fatal(err)
	}
	ts, _ := newTestServer(t, server.OnStore(store))

	// The box around one cluster drawn as a footprint, a little wider than it: its lots, and
	// any neighbour's that reach into the box.
	var cluster int64
	var name string
	var box [4]float64
	if err := store.Pool().QueryRow(ctx, `SELECT c.id, c.name, ST_XMin(e) - 0.002, ST_YMin(e) - 0.002, ST_XMax(e) + 0.002, ST_YMax(e) + 0.002
		  FROM clusters c, ST_Envelope(c.geom) e
		 WHERE EXISTS (SELECT 1 FROM lots l WHERE l.cluster_id = c.id AND l.status = 'free')
		 ORDER BY c.id LIMIT 1`).Scan(&cluster, &name, &box[0], &box[1], &box[2], &box[3]); err != nil {
		t.Fatal(err)
	}
	bbox := fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", box[0], box[1], box[2], box[3])
	inBox := func(extra string) []int64 {
		rows, err := store.Pool().Query(ctx, fmt.Sprintf(`SELECT id FROM lots
			 WHERE ST_Intersects(geom, ST_MakeEnvelope(round($1::numeric, 6)::float8, round($2::numeric, 6)::float8,
			                                           round($3::numeric, 6)::float8, round($4::numeric, 6)::float8, 4326)) %s ORDER BY id`, extra),
			box[0], box[1], box[2], box[3])
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	want := inBox("")
	var ofCluster int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM lots WHERE cluster_id = $1`, cluster).Scan(&ofCluster); err != nil {
		t.Fatal(err)
	}
	if len(want) < ofCluster || ofCluster < 2 {
		t.Fatalf("the box of %s holds %d lots, the cluster has %d", name, len(want), ofCluster)
	}

	for _, path := range []string{"/api/layers/lots/features", "/ogc/collections/lots/items"} {
		fc := getJSON[featureCollection](t, ts.URL+path+"?limit=1000&bbox="+bbox, http.StatusOK)
		var got []int64
		for _, f := range fc.Features {
			var id int64
			if _, err := fmt.Sscan(string(f.ID), &id); err != nil {
				t.Fatalf("%s: id %s", path, f.ID)
			}
			got = append(got, id)
			p := f.Properties
			if !geo.LotLandUses.Has(fmt.Sprint(p["land_use"])) || !geo.LotStatuses.Has(fmt.Sprint(p["status"])) {
				t.Errorf("%s: lot %d land use %v, status %v", path, id, p["land_use"], p["status"])
			}
			if a, ok := p["area_ha"].(float64); !ok || a <= 0 {
				t.Errorf("%s: lot %d area %v", path, id, p["area_ha"])
			}
			if p["cluster_id"] == float64(cluster) && p["cluster"] != name {
				t.Errorf("%s: lot %d of cluster %q says %v", path, id, name, p["cluster"])
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s?bbox=%s: %d lots, the database finds %d in the box", path, bbox, len(got), len(want))
		}
	}

	// A filter by status narrows the box to its free lots.
	free := inBox("AND status = 'free'")
	fc := getJSON[featureCollection](t, ts.URL+"/api/layers/lots/features?limit=1000&status=free&bbox="+bbox, http.StatusOK)
	if len(fc.Features) != len(free) || len(free) == 0 || len(free) == len(want) {
		t.Errorf("free lots in the box: %d served, %d in the database of %d", len(fc.Features), len(free), len(want))
	}

	// The z14 tile under the cluster's centre draws lots, among them the cluster's own.
	var z14 geo.TileCoord
	if err := store.Pool().QueryRow(ctx, `SELECT 14, floor((ST_X(p) + 180) / 360 * 16384)::int,
		       floor((1 - ln(tan(radians(ST_Y(p))) + 1 / cos(radians(ST_Y(p)))) / pi()) / 2 * 16384)::int
		  FROM (SELECT ST_PointOnSurface(geom) p FROM lots WHERE cluster_id = $1 ORDER BY id LIMIT 1) x`, cluster).
		Scan(&z14.Z, &z14.X, &z14.Y); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, fmt.Sprintf("%s/tiles/lots/%d/%d/%d.mvt", ts.URL, z14.Z, z14.X, z14.Y))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("lots tile %v: %d", z14, resp.StatusCode)
	}
	rep, err := mvtcheck.Validate(body)
	if err != nil {
		t.Fatalf("lots tile %v: %v", z14, err)
	}
	if l := rep.Layer("lots"); l == nil || l.Features == 0 {
		t.Errorf("lots tile %v holds no lots: %+v", z14, rep.Layers)
	}
}
