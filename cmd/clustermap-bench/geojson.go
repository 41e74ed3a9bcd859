package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/timing"
)

// ratioLine collects the figures the targets are stated in and prints them on one line,
// "RATIOS name=value …", for scripts.
type ratioLine struct{ kv []string }

func (r *ratioLine) add(name string, v float64) {
	r.kv = append(r.kv, name+"="+strconv.FormatFloat(v, 'f', 3, 64))
}

func (r *ratioLine) String() string { return "RATIOS " + strings.Join(r.kv, " ") }

// geojsonBoxes are the bbox requests: windows over the districts of the seeded province's centre and south,
// a map view's worth each, so several answers are kept at once.
var geojsonBoxes = []string{
	"107.9,13.8,108.2,14.1", "108.0,13.9,108.3,14.2", "108.1,13.5,108.4,13.8", "107.8,13.6,108.1,13.9",
	"108.2,13.3,108.5,13.6", "108.3,13.9,108.6,14.2", "107.6,13.9,107.9,14.2", "108.4,14.0,108.7,14.3",
}

// geojsonKind is one request kind of the GeoJSON phase, as each server spells it.
type geojsonKind struct {
	name             string
	key              string // in the RATIOS names: geojson_<key>_api_vs_pg_featureserv
	api, ogc, pgfs   []string
	conditionalOnAPI bool // measure If-None-Match revalidations on /api instead of full answers
}

func geojsonKinds() []geojsonKind {
	whole := geojsonKind{name: "whole districts layer (17 features)", key: "whole",
		api:  []string{"/api/layers/districts/features"},
		ogc:  []string{"/ogc/collections/districts/items?limit=100"},
		pgfs: []string{"/collections/public.districts/items.json?limit=100"},
	}
	bbox := geojsonKind{name: "districts in a bbox (8 windows)", key: "bbox"}
	for _, b := range geojsonBoxes {
		bbox.api = append(bbox.api, "/api/layers/districts/features?bbox="+b)
		bbox.ogc = append(bbox.ogc, "/ogc/collections/districts/items?limit=100&bbox="+b)
		bbox.pgfs = append(bbox.pgfs, "/collections/public.districts/items.json?limit=100&bbox="+b)
	}
	return []geojsonKind{whole, bbox}
}

// runGeoJSON is the GeoJSON load: the same whole-layer and bbox requests against pg_featureserv
// (when its binary is on PATH or given), ClusterMap's /api and its /ogc, taking turns in
// interleaved rounds; then /api revalidations (If-None-Match → 304).
func runGeoJSON(ctx context.Context, o options, store *geo.Store, kinds []geojsonKind, target float64, ratios *ratioLine, goals *timing.Targets) error {
	fmt.Printf("\nGeoJSON: %d keep-alive connections, Accept-Encoding: gzip, %v per request kind and server in %d interleaved rounds\n",
		o.geojsonConns, o.geojsonDuration, o.rounds)
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	bin := o.pgFeatureserv
	if bin == "" {
		bin, _ = exec.LookPath("pg_featureserv")
	}
	var pgfsAddr string
	if bin == "" {
		fmt.Println("pg_featureserv: not found on PATH and -pg_featureserv not given: the GeoJSON ratios are not measured")
	} else {
		pgfsAddr = freeAddr()
		host, port, _ := net.SplitHostPort(pgfsAddr)
		srv, err := start(bin, nil, filepath.Dir(bin), "DATABASE_URL="+o.dbURL, "PGFS_SERVER_HTTPHOST="+host, "PGFS_SERVER_HTTPPORT="+port,
			"PGFS_DATABASE_DBPOOLMAXCONNS="+strconv.Itoa(o.dbConns), "PGFS_PAGING_LIMITMAX=10000")
		if err != nil {
			return err
		}
		servers = append(servers, srv)
		if err := srv.ready(pgfsAddr, "/collections/public.districts/items.json?limit=1"); err != nil {
			return err
		}
		fmt.Printf("pg_featureserv: %s (%s), collections public.<table>\n", bin, srv.version(bin))
	}
	addr := freeAddr()
	cm, err := start(o.clustermap, []string{"serve"}, "", "DATABASE_URL="+o.dbURL, "CLUSTERMAP_ADDR="+addr, "CLUSTERMAP_WARM_UP=off",
		"CLUSTERMAP_DB_MAX_CONNS="+strconv.Itoa(o.dbConns))
	if err != nil {
		return err
	}
	servers = append(servers, cm)
	if err := cm.ready(addr, "/healthz"); err != nil {
		return err
	}
	if err := cacheHit(addr, kinds[0].api[0], "X-Response-Cache"); err != nil {
		// A release without the response cache (measured for the "before" figures) answers all
		// the same, every time from PostGIS.
		fmt.Println("clustermap:", err, "- measured as it is")
	}

	type load struct {
		phase  *phase
		srv    *server
		addr   string
		paths  []string
		header []string
	}
	var loads [][]*load // per kind: pg_featureserv?, /api, /ogc
	for _, k := range kinds {
		var ls []*load
		if pgfsAddr != "" {
			ls = append(ls, &load{phase: &phase{name: "pg_featureserv " + k.name}, srv: servers[0], addr: pgfsAddr, paths: k.pgfs})
		}
		ls = append(ls, &load{phase: &phase{name: "clustermap /api " + k.name}, srv: cm, addr: addr, paths: k.api},
			&load{phase: &phase{name: "clustermap /ogc " + k.name}, srv: cm, addr: addr, paths: k.ogc})
		loads = append(loads, ls)
	}
	// Revalidation: a client holding the whole layer asks again with its ETag.
	resp, err := http.Get("http://" + addr + kinds[0].api[0])
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	tag := resp.Header.Get("ETag")
	if resp.Header.Get("Content-Encoding") == "" && !strings.HasSuffix(tag, `-gz"`) {
		tag = strings.TrimSuffix(tag, `"`) + `-gz"` // the replay accepts gzip
	}
	reval := &load{phase: &phase{name: "clustermap /api If-None-Match (304)"}, srv: cm, addr: addr, paths: kinds[0].api,
		header: []string{"If-None-Match", tag}}
	if resp.Header.Get("ETag") != "" {
		loads = append(loads, []*load{reval})
	} else {
		fmt.Println("clustermap: no ETag on /api: revalidation not measured")
	}

	per := o.geojsonDuration / time.Duration(o.rounds)
	for range o.rounds {
		for _, ls := range loads {
			for _, l := range ls {
				l.phase.add(measure(ctx, store, l.srv, func() *phase {
					return replay(l.addr, l.paths, o.geojsonConns, per, false, l.header...)
				}))
			}
		}
	}
	for _, ls := range loads {
		for _, l := range ls {
			l.phase.print()
		}
	}
	fmt.Printf("peak RSS (VmHWM): clustermap %s", mib(cm.peakRSS()))
	if pgfsAddr != "" {
		fmt.Printf(", pg_featureserv %s", mib(servers[0].peakRSS()))
	}
	fmt.Println()
	fmt.Printf("\nsummary, GeoJSON (load average now %s)\n", loadAverage())
	for i, ls := range loads[:len(kinds)] {
		key := kinds[i].key
		api, ogc := ls[len(ls)-2].phase, ls[len(ls)-1].phase
		if pgfsAddr != "" {
			pg := ls[0].phase
			fmt.Printf("  %s: /api %.2fx, /ogc %.2fx pg_featureserv's throughput (target >= %gx); p99 /api %s, /ogc %s, pg_featureserv %s (target <= 50 ms)\n",
				key, api.rate()/pg.rate(), ogc.rate()/pg.rate(), target, ms(api.pct(0.99)), ms(ogc.pct(0.99)), ms(pg.pct(0.99)))
			ratios.add("geojson_"+key+"_api_vs_pg_featureserv", api.rate()/pg.rate())
			ratios.add("geojson_"+key+"_ogc_vs_pg_featureserv", ogc.rate()/pg.rate())
			goals.AtLeast("geojson_"+key+"_api_vs_pg_featureserv", api.rate()/pg.rate(), target, "x")
			goals.AtLeast("geojson_"+key+"_ogc_vs_pg_featureserv", ogc.rate()/pg.rate(), target, "x")
			ratios.add("geojson_"+key+"_pg_featureserv_p99_ms", msf(pg.pct(0.99)))
		} else {
			fmt.Printf("  %s: /api %.0f req/s p99 %s, /ogc %.0f req/s p99 %s; pg_featureserv not measured\n",
				key, api.rate(), ms(api.pct(0.99)), ogc.rate(), ms(ogc.pct(0.99)))
		}
		ratios.add("geojson_"+key+"_api_p99_ms", msf(api.pct(0.99)))
		ratios.add("geojson_"+key+"_ogc_p99_ms", msf(ogc.pct(0.99)))
		goals.AtMost("geojson_"+key+"_api_p99_ms", msf(api.pct(0.99)), 50, "ms")
		goals.AtMost("geojson_"+key+"_ogc_p99_ms", msf(ogc.pct(0.99)), 50, "ms")
	}
	if rp := reval.phase; rp.requests > 0 {
		fmt.Printf("  revalidation: %.0f req/s, p50 %s, p99 %s, server CPU %.0f µs per 304 (target < 1 ms)\n", rp.rate(), ms(rp.pct(0.5)), ms(rp.pct(0.99)),
			rp.cpuServer/float64(max(rp.requests, 1))*1e6)
		ratios.add("geojson_304_server_cpu_us", rp.cpuServer/float64(max(rp.requests, 1))*1e6)
		goals.AtMost("geojson_304_server_cpu_us", rp.cpuServer/float64(max(rp.requests, 1))*1e6, 1000, "µs")
		ratios.add("geojson_304_p50_ms", msf(rp.pct(0.5)))
	}
	ratios.add("rss_geojson_mib", float64(cm.peakRSS())/(1<<20))
	for _, ls := range loads {
		for _, l := range ls {
			if p := l.phase; p.errors > 0 || p.statuses[500] > 0 {
				return fmt.Errorf("%s: %d transport errors, %d server errors", p.name, p.errors, p.statuses[500])
			}
			if l == reval && !slices.Equal(slices.Sorted(maps.Keys(l.phase.statuses)), []int{http.StatusNotModified}) {
				return fmt.Errorf("%s: statuses %v, want only 304", l.phase.name, l.phase.statuses)
			}
		}
	}
	return nil
}
