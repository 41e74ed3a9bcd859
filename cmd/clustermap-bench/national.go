package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/synthetic"
	"github.com/clustermap/clustermap/internal/timing"
)

// national is what the bench needs to know of the synthetic national dataset: the province it
// zooms into (the one with the most clusters, a province's worth of tiles and GeoJSON) and some
// ids and codes for the planning answers.
type national struct {
	province     string
	box          geo.BBox
	clusterIDs   []int64
	communeCodes []string
	provinces    []string
	// lotWindows are map views of lots (~3 × 2 km, what a z14 screen shows) over 8 of the
	// province's clusters.
	lotWindows []geo.BBox
}

// prepareNational loads the synthetic national dataset when the database is empty (timing
// migrate + seed, a target of the issue) or checks that it is the one there, and reads what the
// phases ask for.
func prepareNational(ctx context.Context, o options, store *geo.Store, ratios *ratioLine, goals *timing.Targets) (*national, error) {
	found, err := synthetic.Present(ctx, store.Pool())
	if err != nil {
		return nil, err
	}
	if !found {
		start := time.Now()
		for _, args := range [][]string{{"migrate"}, {"seed", "--synthetic", "national"}} {
			cmd := exec.Command(o.clustermap, args...)
			cmd.Env = append(os.Environ(), "DATABASE_URL="+o.dbURL)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return nil, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if args[0] == "seed" {
				fmt.Print(string(out))
			}
		}
		took := time.Since(start).Seconds()
		fmt.Printf("migrate + seed --synthetic national: %.0f s (target < 300 s)\n", took)
		ratios.add("national_migrate_seed_s", took)
		goals.AtMost("national_migrate_seed_s", took, 300, "s")
	} else {
		fmt.Println("dataset: the synthetic national dataset, already loaded (migrate + seed not timed this run)")
	}
	var size int64
	var n national
	var b [4]float64
	err = store.Pool().QueryRow(ctx, `SELECT pg_database_size(current_database()), p.code,
			ST_XMin(p.geom), ST_YMin(p.geom), ST_XMax(p.geom), ST_YMax(p.geom)
		  FROM admin_units p WHERE p.level = 'province'
		 ORDER BY (SELECT count(*) FROM clusters c WHERE c.province_code = p.code) DESC, p.code LIMIT 1`).
		Scan(&size, &n.province, &b[0], &b[1], &b[2], &b[3])
	if err != nil {
		return nil, fmt.Errorf("national: the busiest province: %w", err)
	}
	n.box = geo.BBox{MinLon: b[0], MinLat: b[1], MaxLon: b[2], MaxLat: b[3]}
	err = store.Pool().QueryRow(ctx, `SELECT
		(SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM clusters ORDER BY md5(id::text) LIMIT 64) c),
		(SELECT array_agg(code ORDER BY code) FROM (SELECT code FROM districts ORDER BY md5(code) LIMIT 64) d),
		(SELECT array_agg(code ORDER BY code) FROM admin_units WHERE level = 'province')`).Scan(&n.clusterIDs, &n.communeCodes, &n.provinces)
	if err != nil {
		return nil, fmt.Errorf("national: ids: %w", err)
	}
	rows, err := store.Pool().Query(ctx, `SELECT ST_X(p) - 0.015, ST_Y(p) - 0.01, ST_X(p) + 0.015, ST_Y(p) + 0.01
		  FROM (SELECT ST_Centroid(c.geom) p FROM clusters c
		         WHERE c.province_code = $1 AND EXISTS (SELECT 1 FROM lots l WHERE l.cluster_id = c.id)
		         ORDER BY md5(c.id::text) LIMIT 8) x`, n.province)
	if err != nil {
		return nil, fmt.Errorf("national: lot windows: %w", err)
	}
	for rows.Next() {
		var w geo.BBox
		if err := rows.Scan(&w.MinLon, &w.MinLat, &w.MaxLon, &w.MaxLat); err != nil {
			return nil, fmt.Errorf("national: lot windows: %w", err)
		}
		n.lotWindows = append(n.lotWindows, w)
	}
	if err := rows.Err(); err != nil || len(n.lotWindows) == 0 {
		return nil, fmt.Errorf("national: lot windows: %d found (%v): a dataset older than the lots layer? load it again", len(n.lotWindows), err)
	}
	var counts string
	_ = store.Pool().QueryRow(ctx, `SELECT format('%s provinces, %s communes, %s clusters, %s zones, %s energy projects, %s tenants, %s lots, %s versions',
		(SELECT count(*) FROM admin_units WHERE level = 'province'), (SELECT count(*) FROM districts), (SELECT count(*) FROM clusters),
		(SELECT count(*) FROM raw_material_zones), (SELECT count(*) FROM energy), (SELECT count(*) FROM tenants), (SELECT count(*) FROM lots), (SELECT count(*) FROM feature_versions))`).Scan(&counts)
	fmt.Printf("dataset: synthetic national (generated, not real data): %s; database %s\n", counts, mib(size))
	fmt.Printf("the province zoomed into: %s, box %.3f,%.3f,%.3f,%.3f\n", n.province, b[0], b[1], b[2], b[3])
	ratios.add("national_database_mib", float64(size)/(1<<20))
	return &n, nil
}

// nationalGeoJSONKinds: a province's clusters (its box), the communes of a map view's window
// inside it and the lots of a close map view, as each server spells them.
func nationalGeoJSONKinds(n *national) []geojsonKind {
	box := bboxParam(n.box)
	whole := geojsonKind{name: "clusters of a province (its box)", key: "whole",
		api:  []string{"/api/layers/clusters/features?bbox=" + box},
		ogc:  []string{"/ogc/collections/clusters/items?limit=10000&bbox=" + box},
		pgfs: []string{"/collections/public.clusters/items.json?limit=10000&bbox=" + box},
	}
	windows := geojsonKind{name: "communes in a bbox (8 windows)", key: "bbox"}
	w, h := (n.box.MaxLon-n.box.MinLon)/3, (n.box.MaxLat-n.box.MinLat)/3
	for i := range 8 {
		x, y := n.box.MinLon+float64(i%3)*w, n.box.MinLat+float64(i/3%3)*h
		b := bboxParam(geo.BBox{MinLon: x, MinLat: y, MaxLon: x + w, MaxLat: y + h})
		windows.api = append(windows.api, "/api/layers/districts/features?bbox="+b)
		windows.ogc = append(windows.ogc, "/ogc/collections/districts/items?limit=1000&bbox="+b)
		windows.pgfs = append(windows.pgfs, "/collections/public.districts/items.json?limit=1000&bbox="+b)
	}
	lots := geojsonKind{name: "lots in a bbox (8 map views of ~3 x 2 km)", key: "lots_bbox"}
	for _, w := range n.lotWindows {
		b := bboxParam(w)
		lots.api = append(lots.api, "/api/layers/lots/features?bbox="+b)
		lots.ogc = append(lots.ogc, "/ogc/collections/lots/items?limit=1000&bbox="+b)
		lots.pgfs = append(lots.pgfs, "/collections/public.lots/items.json?limit=1000&bbox="+b)
	}
	return []geojsonKind{whole, windows, lots}
}

// answerKind is one kind of planning answer and the requests that ask it.
type answerKind struct {
	name  string
	paths []string
}

func nationalAnswers(n *national) []answerKind {
	var elig, district, summary, stuck, sites, provinceSites, linkage, provinceLinkage, asOf, provinceAsOf answerKind
	elig.name, district.name, summary.name, stuck.name = "eligibility of a cluster", "eligibility of a commune", "summary of a province", "stuck clusters of a province"
	sites.name, linkage.name, asOf.name = "site finder", "linkage (whole country)", "clusters as of a date (history)"
	// What the web map of one province asks (static/api.js adds its province).
	provinceSites.name, provinceLinkage.name, provinceAsOf.name = "site finder of a province", "linkage of a province", "clusters of a province as of a date (history)"
	for _, id := range n.clusterIDs {
		elig.paths = append(elig.paths, fmt.Sprintf("/api/clusters/%d/eligibility", id))
	}
	for _, c := range n.communeCodes {
		district.paths = append(district.paths, "/api/districts/"+c+"/eligibility")
	}
	for i, p := range n.provinces {
		summary.paths = append(summary.paths, fmt.Sprintf("/api/summary?province=%s&radius_km=%d", p, 20+10*(i%4)))
		stuck.paths = append(stuck.paths, "/api/stuck?province="+p)
	}
	crops := []string{"coffee", "cassava", "sugarcane", "rubber", "pepper", "cashew"}
	for i := range 24 {
		sites.paths = append(sites.paths, fmt.Sprintf("/api/sites?crop=%s&min_free_ha=%d&radius_km=%d", crops[i%len(crops)], 5*(i%4), 20+10*(i%3)))
	}
	for i, p := range n.provinces {
		provinceSites.paths = append(provinceSites.paths, fmt.Sprintf("/api/sites?crop=%s&min_free_ha=%d&radius_km=%d&province=%s", crops[i%len(crops)], 5*(i%4), 20+10*(i%3), p))
	}
	for r := 10; r <= 60; r += 5 {
		linkage.paths = append(linkage.paths, "/api/analysis/linkage?radius_km="+strconv.Itoa(r))
	}
	for i, p := range n.provinces {
		provinceLinkage.paths = append(provinceLinkage.paths, fmt.Sprintf("/api/analysis/linkage?radius_km=%d&province=%s", 10+5*(i%11), p))
	}
	for m := range 24 {
		asOf.paths = append(asOf.paths, fmt.Sprintf("/api/layers/clusters/features?as_of=%d-%02d-15", 2021+m/6, 1+2*(m%6)))
	}
	for i, p := range n.provinces {
		provinceAsOf.paths = append(provinceAsOf.paths, fmt.Sprintf("/api/layers/clusters/features?as_of=%d-%02d-15&province_code=%s", 2021+i%6, 1+2*(i%6), p))
	}
	return []answerKind{elig, district, summary, stuck, sites, provinceSites, linkage, provinceLinkage, asOf, provinceAsOf}
}

// runAnswers measures the planning answers and time travel on a server with its response cache
// off, so that every answer is computed: p50 and p99 per kind, one request at a time (the
// latency of a cold answer; they are asked by people, not by a map's tile storm).
func runAnswers(ctx context.Context, o options, store *geo.Store, n *national, ratios *ratioLine, goals *timing.Targets) error {
	addr := freeAddr()
	srv, err := start(o.clustermap, []string{"serve"}, "", "DATABASE_URL="+o.dbURL, "CLUSTERMAP_ADDR="+addr, "CLUSTERMAP_WARM_UP=off",
		"CLUSTERMAP_RESPONSE_CACHE_MB=0", "CLUSTERMAP_DB_MAX_CONNS="+strconv.Itoa(o.dbConns))
	if err != nil {
		return err
	}
	defer srv.stop()
	if err := srv.ready(addr, "/healthz"); err != nil {
		return err
	}
	const conns = 1
	fmt.Printf("\nplanning answers and history: response cache off (every answer computed), %d connection, %v per kind "+
		"after one unmeasured pass over its requests (the server's statements prepared on its connection, the pages read once)\n",
		conns, o.answersDuration)
	var failed []string
	for _, k := range nationalAnswers(n) {
		replay(addr, k.paths, conns, time.Minute, true)
		p := measure(ctx, store, srv, func() *phase { return replay(addr, k.paths, conns, o.answersDuration, false) })
		p.name = k.name
		p.print()
		if p.errors > 0 || p.statuses[200] != p.requests {
			failed = append(failed, fmt.Sprintf("%s: statuses %v, %d transport errors", k.name, p.statuses, p.errors))
		}
		key := "answer_" + strings.NewReplacer(" ", "_", "(", "", ")", "").Replace(k.name) + "_p99_ms"
		ratios.add(key, msf(p.pct(0.99)))
		goals.AtMost(key, msf(p.pct(0.99)), 100, "ms")
	}
	fmt.Printf("peak RSS (VmHWM) of the answering server: %s\n", mib(srv.peakRSS()))
	ratios.add("rss_answers_mib", float64(srv.peakRSS())/(1<<20))
	goals.AtMost("rss_answers_mib", float64(srv.peakRSS())/(1<<20), 300, "MiB")
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// bboxParam spells a box as the bbox parameter of both servers (4 decimals: ~10 m).
func bboxParam(b geo.BBox) string {
	return fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", b.MinLon, b.MinLat, b.MaxLon, b.MaxLat)
}
