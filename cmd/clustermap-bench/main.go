// Command clustermap-bench is the load test behind `make bench`. It replays every tile that
// covers the seeded province's box from z6 to z14 for each polygon layer, over keep-alive connections to 127.0.0.1,
// against:
//
//   - clustermap with its tile cache off (every tile from PostGIS),
//   - clustermap with its default cache, after one warming pass,
//   - the same clustermap process serving a small embedded file (the HTTP ceiling), and
//   - pg_tileserv serving the same tables of the same database, when its binary is on PATH or
//     given with -pg_tileserv (it is never built or shipped here).
//
// Then the GeoJSON phase (geojson.go): whole-layer and bbox pages on /api and /ogc and, when its
// binary is on PATH or given with -pg_featureserv, the same requests on pg_featureserv, and /api
// revalidations (If-None-Match → 304).
//
// It prints throughput, p50/p99 latency, the ratios the targets are stated in, tile sizes and the
// servers' peak RSS, then every figure against its target, and last one line "RATIOS name=value …"
// for scripts. Every phase is bounded in time. A missed target fails the run only with
// BENCH_STRICT=1 (internal/timing); transport and server errors always do.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/timing"
)

type options struct {
	clustermap, pgTileserv, dbURL string
	conns                         int
	duration, warmLimit           time.Duration
	zmin, zmax                    int
	dbConns, rounds               int
	// The GeoJSON phase: pg_featureserv's binary, connections and time per request kind.
	pgFeatureserv   string
	geojsonConns    int
	geojsonDuration time.Duration
	answersDuration time.Duration
	editEvery       time.Duration
	editDuration    time.Duration
	phases          string
	// layers limits the tile list to these layers ("": every polygon layer).
	layers string
	// dataset is "seed" (the sourced province) or "national" (geo/synthetic, loaded into an
	// empty database, then the busiest province's tiles and GeoJSON and the planning answers).
	dataset string
}

func main() {
	var o options
	flag.StringVar(&o.clustermap, "clustermap", "bin/clustermap", "the clustermap binary to benchmark")
	flag.StringVar(&o.pgTileserv, "pg_tileserv", "", "pg_tileserv binary (default: pg_tileserv on PATH; skipped when missing)")
	flag.StringVar(&o.dbURL, "database-url", os.Getenv("DATABASE_URL"), "PostGIS database both servers read (DATABASE_URL)")
	flag.IntVar(&o.conns, "conns", 32, "concurrent keep-alive connections")
	flag.DurationVar(&o.duration, "duration", 12*time.Second, "measured time per phase (split over the rounds)")
	flag.DurationVar(&o.warmLimit, "warm-limit", 2*time.Minute, "longest the cache-warming pass may take")
	flag.IntVar(&o.zmin, "zmin", 6, "lowest zoom replayed")
	flag.IntVar(&o.zmax, "zmax", 14, "deepest zoom replayed")
	flag.IntVar(&o.dbConns, "db-conns", 16, "database pool size of every server")
	flag.IntVar(&o.rounds, "rounds", 3, "the phases take turns this many times, sharing -duration")
	flag.StringVar(&o.pgFeatureserv, "pg_featureserv", "", "pg_featureserv binary (default: pg_featureserv on PATH; skipped when missing)")
	flag.IntVar(&o.geojsonConns, "geojson-conns", 16, "concurrent keep-alive connections of the GeoJSON phase")
	flag.DurationVar(&o.answersDuration, "answers-duration", 15*time.Second, "measured time per kind of planning answer (national), one request at a time: enough requests for a p99 that is not the maximum")
	flag.DurationVar(&o.geojsonDuration, "geojson-duration", 6*time.Second, "measured time per GeoJSON request kind and server (split over the rounds)")
	flag.DurationVar(&o.editDuration, "edit-duration", 20*time.Second, "measured time of the edits phase")
	flag.DurationVar(&o.editEvery, "edit-every", time.Second, "how often each of the edits phase's 20 editors writes (0: back to back, a saturation test)")
	flag.StringVar(&o.phases, "phases", "tiles,geojson,answers,edits", "which loads to run: tiles, geojson, answers and edits (national only)")
	flag.StringVar(&o.layers, "layers", "", "comma-separated layers of the tile list, e.g. districts,clusters (default: every polygon layer)")
	flag.StringVar(&o.dataset, "dataset", "seed", "seed (the sourced province) or national (the synthetic national dataset, loaded when the database is empty)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "clustermap-bench:", err)
		os.Exit(1)
	}
}

// phase is one measured load, accumulated over the rounds.
type phase struct {
	name      string
	requests  int
	elapsed   time.Duration
	latencies []time.Duration
	statuses  map[int]int
	cache     map[string]int // X-Tile-Cache values seen
	bytes     int64
	errors    int
	// CPU seconds spent during the phase by the server, by the PostgreSQL backends of the
	// benchmark's database and by this load generator.
	cpuServer, cpuPG, cpuClient float64
}

func (p *phase) rate() float64 { return float64(p.requests) / p.elapsed.Seconds() }

func (p *phase) pct(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	return p.latencies[min(len(p.latencies)-1, int(q*float64(len(p.latencies))))]
}

func (p *phase) add(q *phase) {
	if p.statuses == nil {
		p.statuses, p.cache = map[int]int{}, map[string]int{}
	}
	p.requests += q.requests
	p.elapsed += q.elapsed
	p.latencies = append(p.latencies, q.latencies...)
	for k, v := range q.statuses {
		p.statuses[k] += v
	}
	for k, v := range q.cache {
		p.cache[k] += v
	}
	p.bytes += q.bytes
	p.errors += q.errors
	p.cpuServer += q.cpuServer
	p.cpuPG += q.cpuPG
	p.cpuClient += q.cpuClient
}

func (p *phase) print() {
	slices.Sort(p.latencies)
	fmt.Printf("  %-36s %8d req %8.0f req/s  p50 %7s  p99 %7s  max %8s  %5.1f MB/s  status %v", p.name, p.requests, p.rate(),
		ms(p.pct(0.50)), ms(p.pct(0.99)), ms(p.pct(1)), float64(p.bytes)/p.elapsed.Seconds()/1e6, p.statuses)
	if len(p.cache) > 0 {
		fmt.Printf("  cache %v", p.cache)
	}
	if p.errors > 0 {
		fmt.Printf("  %d TRANSPORT ERRORS", p.errors)
	}
	perReq := func(sec float64) float64 { return sec / float64(max(p.requests, 1)) * 1e6 }
	fmt.Printf("\n  %-36s CPU per request: server %.0f µs, PostgreSQL %.0f µs, load generator %.0f µs\n", "",
		perReq(p.cpuServer), perReq(p.cpuPG), perReq(p.cpuClient))
}

// target is a server and the paths the load replays against it.
type target struct {
	phase *phase
	srv   *server
	addr  string
	paths []string
	conns int // 0: options.conns
}

func run(o options) error {
	if o.dbURL == "" {
		return errors.New("no database: set DATABASE_URL or -database-url")
	}
	if _, err := os.Stat(o.clustermap); err != nil {
		return fmt.Errorf("clustermap binary: %w (run `make build`)", err)
	}
	ctx := context.Background()
	fmt.Printf("$ %s\n", strings.Join(os.Args, " "))
	fmt.Printf("machine: %s, %d CPUs, %s, load average %s\n", cpuModel(), runtime.NumCPU(), runtime.Version(), loadAverage())

	if o.dataset != "seed" && o.dataset != "national" {
		return fmt.Errorf("-dataset %q: want seed or national", o.dataset)
	}
	// The database holds the seed (idempotent: an already seeded database is left as it is).
	if o.dataset == "seed" {
		seed := exec.Command(o.clustermap, "seed")
		seed.Env = append(os.Environ(), "DATABASE_URL="+o.dbURL)
		if out, err := seed.CombinedOutput(); err != nil {
			return fmt.Errorf("seed: %v\n%s", err, out)
		}
	}
	store, err := geo.Open(ctx, geo.DBConfig{URL: o.dbURL}, geo.DefaultCatalog(), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer store.Close()
	// Every ratio the targets are stated in, printed at the end on one line for scripts, and the
	// figures against their targets.
	ratios := &ratioLine{}
	goals := &timing.Targets{}
	var nat *national
	if o.dataset == "national" {
		if nat, err = prepareNational(ctx, o, store, ratios, goals); err != nil {
			return err
		}
	}
	stats, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	var pgVersion string
	_ = store.Pool().QueryRow(ctx, "SELECT split_part(version(), ' ', 2) || ', PostGIS ' || postgis_lib_version() || ', GEOS ' || postgis_geos_version()").Scan(&pgVersion)
	fmt.Printf("database: PostgreSQL %s\n", pgVersion)
	b := stats["districts"].Bounds
	if b == nil {
		return errors.New("no districts in the database")
	}
	box := geo.BBox{MinLon: b[0], MinLat: b[1], MaxLon: b[2], MaxLat: b[3]}
	kinds, geojsonTarget := geojsonKinds(), 5.0
	if nat != nil { // a province of the country, as a user zooms into one
		box, b = nat.box, []float64{nat.box.MinLon, nat.box.MinLat, nat.box.MaxLon, nat.box.MaxLat}
		kinds, geojsonTarget = nationalGeoJSONKinds(nat), 20
	}
	if strings.Contains(o.phases, "tiles") {
		if err := runTiles(ctx, o, store, b, box, ratios, goals); err != nil {
			return err
		}
	}
	if strings.Contains(o.phases, "geojson") {
		if err := runGeoJSON(ctx, o, store, kinds, geojsonTarget, ratios, goals); err != nil {
			return err
		}
	}
	if nat != nil && strings.Contains(o.phases, "answers") {
		if err := runAnswers(ctx, o, store, nat, ratios, goals); err != nil {
			return err
		}
	}
	if nat != nil && strings.Contains(o.phases, "edits") {
		if err := runEdits(ctx, o, store, nat, ratios, goals); err != nil {
			return err
		}
	}
	fmt.Printf("\ntargets (load average now %s; BENCH_STRICT=1 fails on a missed one):\n", loadAverage())
	err = goals.Report(os.Stdout)
	fmt.Println(ratios)
	return err
}

// runTiles is the tile load: pg_tileserv, ClusterMap with the cache off and on, the ceiling.
func runTiles(ctx context.Context, o options, store *geo.Store, b []float64, box geo.BBox, ratios *ratioLine, goals *timing.Targets) error {
	var err error
	// The tile list: every tile over the province, each polygon layer, z6–z14, in one shuffled
	// order (fixed seed) so that any stretch of it is a fair sample of zooms and layers.
	type tile struct {
		layer *geo.Layer
		tc    geo.TileCoord
	}
	var tiles []tile
	var names []string
	perZoom := map[int]int{}
	for _, l := range geo.DefaultCatalog().Layers() {
		if o.layers == "" && !l.Polygonal || o.layers != "" && !slices.Contains(strings.Split(o.layers, ","), l.ID) {
			continue
		}
		names = append(names, l.ID)
		for z := o.zmin; z <= o.zmax; z++ {
			for _, tc := range geo.TilesCovering(box, z) {
				tiles = append(tiles, tile{l, tc})
				perZoom[z]++
			}
		}
	}
	rand.New(rand.NewPCG(3, 14)).Shuffle(len(tiles), func(i, j int) { tiles[i], tiles[j] = tiles[j], tiles[i] })
	ours := make([]string, len(tiles))
	theirs := make([]string, len(tiles))
	for i, t := range tiles {
		ours[i] = fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", t.layer.ID, t.tc.Z, t.tc.X, t.tc.Y)
		theirs[i] = fmt.Sprintf("/public.%s/%d/%d/%d.pbf", t.layer.Table, t.tc.Z, t.tc.X, t.tc.Y)
	}
	fmt.Printf("tiles: %d = %s x z%d–z%d over the province %.3f,%.3f,%.3f,%.3f (per layer:", len(tiles), strings.Join(names, ", "), o.zmin, o.zmax, b[0], b[1], b[2], b[3])
	for z := o.zmin; z <= o.zmax; z++ {
		fmt.Printf(" z%d %d", z, perZoom[z]/len(names))
	}
	fmt.Printf(")\nload: %d keep-alive connections to 127.0.0.1, Accept-Encoding: gzip, %v per phase in %d interleaved rounds; database pools: %d\n",
		o.conns, o.duration, o.rounds, o.dbConns)

	// The server's warm-up at start would put its own requests into the measured phases.
	const warmUpOff = "CLUSTERMAP_WARM_UP=off"
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.srv.stop()
		}
	}()
	startTarget := func(name, addr, bin string, args []string, dir, health string, paths []string, env ...string) (*target, error) {
		srv, err := start(bin, args, dir, append(env, "DATABASE_URL="+o.dbURL)...)
		if err != nil {
			return nil, err
		}
		t := &target{phase: &phase{name: name}, srv: srv, addr: addr, paths: paths}
		targets = append(targets, t)
		if err := srv.ready(addr, health); err != nil {
			return nil, err
		}
		return t, nil
	}

	// pg_tileserv, when there is one: default settings but the same pool size, on loopback.
	var pgts *target
	bin := o.pgTileserv
	if bin == "" {
		bin, _ = exec.LookPath("pg_tileserv")
	}
	if bin == "" {
		fmt.Println("pg_tileserv: not found on PATH and -pg_tileserv not given: the cache-off ratio is not measured")
	} else {
		addr := freeAddr()
		host, port, _ := net.SplitHostPort(addr)
		if pgts, err = startTarget("pg_tileserv (no cache)", addr, bin, []string{"--no-preview"}, filepath.Dir(bin), "/health", theirs,
			"TS_HTTPHOST="+host, "TS_HTTPPORT="+port, "TS_DBPOOLMAXCONNS="+strconv.Itoa(o.dbConns)); err != nil {
			return err
		}
		fmt.Printf("pg_tileserv: %s (%s), layers public.<table>\n", bin, pgts.srv.version(bin))
	}
	addr := freeAddr()
	off, err := startTarget("clustermap, cache off (PostGIS)", addr, o.clustermap, []string{"serve"}, "", "/healthz", ours,
		"CLUSTERMAP_ADDR="+addr, warmUpOff, "CLUSTERMAP_TILE_CACHE_MB=0", "CLUSTERMAP_DB_MAX_CONNS="+strconv.Itoa(o.dbConns))
	if err != nil {
		return err
	}
	addr = freeAddr()
	on, err := startTarget("clustermap, cache on (default size)", addr, o.clustermap, []string{"serve"}, "", "/healthz", ours,
		"CLUSTERMAP_ADDR="+addr, warmUpOff, "CLUSTERMAP_DB_MAX_CONNS="+strconv.Itoa(o.dbConns))
	if err != nil {
		return err
	}
	ceiling := &target{phase: &phase{name: "clustermap static ceiling"}, srv: on.srv, addr: on.addr, paths: []string{"/tiles/ceiling.txt"}}
	fmt.Printf("clustermap: %s (default cache size: CLUSTERMAP_TILE_CACHE_MB unset)\n", o.clustermap)
	if err := cacheHit(on.addr, ours[0], "X-Tile-Cache"); err != nil {
		return err
	}
	warmStart := time.Now()
	warm := replay(on.addr, ours, o.conns, o.warmLimit, true)
	fmt.Printf("cache warmed by one pass over the list: %d tiles in %v\n\n", warm.requests, time.Since(warmStart).Round(time.Millisecond))

	// The phases take turns, round after round, so that a change in the machine's background load
	// falls on all of them alike.
	order := []*target{off, on, ceiling}
	if pgts != nil {
		order = append([]*target{pgts}, order...)
	}
	// The issue's own method beside the full list: every districts tile z6–z13 of the province,
	// cache off, at 16 connections. The full list's share of cheap tiles (z14, regions, zones
	// wholly inside one polygon) and its 32 connections favour the server with less fixed cost
	// per request, so the ratio of this narrower, heavier list is the one to hold at >= 2.5x.
	var issueOff, issuePG *target
	if pgts != nil && o.layers == "" && o.dataset == "seed" {
		var ours, theirs []string
		for z := 6; z <= 13; z++ {
			for _, tc := range geo.TilesCovering(box, z) {
				ours = append(ours, fmt.Sprintf("/tiles/districts/%d/%d/%d.mvt", tc.Z, tc.X, tc.Y))
				theirs = append(theirs, fmt.Sprintf("/public.districts/%d/%d/%d.pbf", tc.Z, tc.X, tc.Y))
			}
		}
		rand.New(rand.NewPCG(3, 14)).Shuffle(len(ours), func(i, j int) {
			ours[i], ours[j] = ours[j], ours[i]
			theirs[i], theirs[j] = theirs[j], theirs[i]
		})
		issuePG = &target{phase: &phase{name: "pg_tileserv, districts z6–13, 16 conns"}, srv: pgts.srv, addr: pgts.addr, paths: theirs, conns: 16}
		issueOff = &target{phase: &phase{name: "clustermap off, districts z6–13, 16 conns"}, srv: off.srv, addr: off.addr, paths: ours, conns: 16}
		order = append(order, issuePG, issueOff)
		fmt.Printf("and the issue's list: every districts tile z6–z13 (%d), at 16 connections\n", len(ours))
	}
	for range o.rounds {
		for _, t := range order {
			t.phase.add(measure(ctx, store, t.srv, func() *phase {
				conns := o.conns
				if t.conns > 0 {
					conns = t.conns
				}
				return replay(t.addr, t.paths, conns, o.duration/time.Duration(o.rounds), false)
			}))
		}
	}
	for _, t := range order {
		t.phase.print()
	}
	fmt.Println()
	fmt.Printf("peak RSS (VmHWM): cache off %s, cache on %s", mib(off.srv.peakRSS()), mib(on.srv.peakRSS()))
	if pgts != nil {
		fmt.Printf(", pg_tileserv %s", mib(pgts.srv.peakRSS()))
	}
	fmt.Println()
	sizes(on.addr, ours, o.zmin, o.zmax, "clustermap tile sizes, identity bytes (gzip is sent when accepted and the tile is >= 1 KiB):")
	if pgts != nil {
		sizes(pgts.addr, theirs, o.zmin, min(o.zmin+2, o.zmax), "pg_tileserv tile sizes, identity bytes:")
	}

	fmt.Printf("\nsummary (load average now %s)\n", loadAverage())
	cold, hot, top := off.phase, on.phase, ceiling.phase
	// The seed's target is its issue's (2x over the full list); the national dataset's, 2.5x.
	coldTarget := 2.0
	if o.dataset == "national" {
		coldTarget = 2.5
	}
	if pgts != nil {
		fmt.Printf("  cache off vs pg_tileserv: %.2fx the throughput (target >= %gx); p99 %s vs %s (target <= 50 ms)\n",
			cold.rate()/pgts.phase.rate(), coldTarget, ms(cold.pct(0.99)), ms(pgts.phase.pct(0.99)))
	} else {
		fmt.Printf("  cache off: %.0f req/s, p99 %s (target <= 50 ms); pg_tileserv not measured\n", cold.rate(), ms(cold.pct(0.99)))
	}
	fmt.Printf("  cache on vs static ceiling: %.0f%% (target >= 80%%); p99 %s (target <= 5 ms)\n", 100*hot.rate()/top.rate(), ms(hot.pct(0.99)))
	fmt.Printf("  cache on vs cache off: %.1fx\n", hot.rate()/cold.rate())
	if pgts != nil {
		ratios.add("tiles_cold_vs_pg_tileserv", cold.rate()/pgts.phase.rate())
		goals.AtLeast("tiles_cold_vs_pg_tileserv", cold.rate()/pgts.phase.rate(), coldTarget, "x")
	}
	if issueOff != nil {
		r := issueOff.phase.rate() / issuePG.phase.rate()
		fmt.Printf("  districts z6–13 at 16 connections, cache off vs pg_tileserv: %.2fx (target >= 2.5x); p99 %s vs %s\n",
			r, ms(issueOff.phase.pct(0.99)), ms(issuePG.phase.pct(0.99)))
		ratios.add("tiles_cold_districts_z6_13_vs_pg_tileserv", r)
		ratios.add("tiles_cold_districts_z6_13_p99_ms", msf(issueOff.phase.pct(0.99)))
		goals.AtLeast("tiles_cold_districts_z6_13_vs_pg_tileserv", r, 2.5, "x")
	}
	ratios.add("tiles_cold_p99_ms", msf(cold.pct(0.99)))
	ratios.add("tiles_warm_vs_ceiling", hot.rate()/top.rate())
	ratios.add("tiles_warm_p99_ms", msf(hot.pct(0.99)))
	ratios.add("rss_tiles_cache_on_mib", float64(on.srv.peakRSS())/(1<<20))
	goals.AtMost("tiles_cold_p99_ms", msf(cold.pct(0.99)), 50, "ms")
	goals.AtLeast("tiles_warm_vs_ceiling", hot.rate()/top.rate(), 0.8, "x")
	goals.AtMost("tiles_warm_p99_ms", msf(hot.pct(0.99)), 5, "ms")
	goals.AtMost("rss_tiles_cache_on_mib", float64(on.srv.peakRSS())/(1<<20), 200, "MiB")
	for _, t := range order {
		if p := t.phase; p.errors > 0 || p.statuses[500] > 0 {
			return fmt.Errorf("%s: %d transport errors, %d server errors", p.name, p.errors, p.statuses[500])
		}
	}
	return nil
}

// replay requests paths over conns keep-alive connections until d has passed (once: until each
// path was asked once). Each request takes the next path from a shared counter, so concurrent
// requests ask for different tiles and a cache-off server really builds each one.
func replay(addr string, paths []string, conns int, d time.Duration, once bool, header ...string) *phase {
	extra := ""
	for i := 0; i+1 < len(header); i += 2 {
		extra += header[i] + ": " + header[i+1] + "\r\n"
	}
	var next atomic.Int64
	deadline := time.Now().Add(d)
	results := make([]phase, conns) // one per connection, merged at the end
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[w]
			r.statuses, r.cache = map[int]int{}, map[string]int{}
			r.latencies = make([]time.Duration, 0, 1<<16)
			var conn net.Conn
			var br *bufio.Reader
			defer func() {
				if conn != nil {
					conn.Close()
				}
			}()
			for time.Now().Before(deadline) {
				i := next.Add(1) - 1
				if once && i >= int64(len(paths)) {
					return
				}
				if conn == nil {
					c, err := net.DialTimeout("tcp", addr, 5*time.Second)
					if err != nil {
						r.errors++
						time.Sleep(10 * time.Millisecond)
						continue
					}
					conn, br = c, bufio.NewReaderSize(c, 64<<10)
				}
				req := "GET " + paths[i%int64(len(paths))] + " HTTP/1.1\r\nHost: " + addr + "\r\nAccept-Encoding: gzip\r\nUser-Agent: clustermap-bench\r\n" + extra + "\r\n"
				t0 := time.Now()
				_ = conn.SetDeadline(t0.Add(30 * time.Second))
				resp, err := roundTrip(conn, br, req)
				if err != nil {
					r.errors++
					conn.Close()
					conn = nil
					continue
				}
				r.latencies = append(r.latencies, time.Since(t0))
				r.requests++
				r.statuses[resp.status]++
				if resp.cache != "" {
					r.cache[resp.cache]++
				}
				r.bytes += resp.size
				if resp.close {
					conn.Close()
					conn = nil
				}
			}
		}()
	}
	wg.Wait()
	p := &phase{}
	for i := range results {
		p.add(&results[i])
	}
	p.elapsed = time.Since(start)
	return p
}

type response struct {
	status int
	cache  string
	size   int64
	close  bool
}

func roundTrip(conn net.Conn, br *bufio.Reader, req string) (response, error) {
	if _, err := io.WriteString(conn, req); err != nil {
		return response{}, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return response{}, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	cache := resp.Header.Get("X-Tile-Cache")
	if cache == "" {
		cache = resp.Header.Get("X-Response-Cache")
	}
	return response{status: resp.StatusCode, cache: cache, size: n, close: resp.Close}, err
}

// sizes fetches each tile of zooms zmin..zmax once, uncompressed, and prints byte counts per
// layer and zoom.
func sizes(addr string, paths []string, zmin, zmax int, title string) {
	type agg struct {
		n, nonEmpty int
		sum, max    int
	}
	table := map[string]map[int]*agg{}
	var layers []string
	for _, p := range paths {
		parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(p, "/tiles"), "/"), "/")
		z, _ := strconv.Atoi(parts[1])
		if z < zmin || z > zmax {
			continue
		}
		resp, err := identity.Get("http://" + addr + p)
		if err != nil {
			fmt.Printf("  %s: %v\n", p, err)
			return
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if table[parts[0]] == nil {
			table[parts[0]] = map[int]*agg{}
			layers = append(layers, parts[0])
		}
		a := table[parts[0]][z]
		if a == nil {
			a = &agg{}
			table[parts[0]][z] = a
		}
		a.n++
		if n > 0 {
			a.nonEmpty++
			a.sum += int(n)
			a.max = max(a.max, int(n))
		}
	}
	slices.Sort(layers)
	fmt.Println(title)
	for _, l := range layers {
		fmt.Printf("    %-26s", l)
		for z := zmin; z <= zmax; z++ {
			if a := table[l][z]; a != nil && a.nonEmpty > 0 {
				fmt.Printf("  z%d %d/%d mean %s max %s", z, a.nonEmpty, a.n, kib(a.sum/a.nonEmpty), kib(a.max))
			}
		}
		fmt.Println()
	}
}

// identity asks for tiles without gzip, to measure what they hold.
var identity = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

// cacheHit waits until a cache of the server (its X-Tile-Cache or X-Response-Cache header)
// answers a hit on path: its data-version listener is live.
func cacheHit(addr, path, header string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Header.Get(header) == "hit" {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s never answered a hit on %s", header, path)
}

// server is a child process under test.
type server struct {
	cmd *exec.Cmd
}

func start(bin string, args []string, dir string, env ...string) (*server, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	// The servers' own settings come only from here; request logs go nowhere.
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CLUSTERMAP_") && !strings.HasPrefix(kv, "TS_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			base = append(base, kv)
		}
	}
	cmd.Env = append(base, env...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	return &server{cmd: cmd}, nil
}

func (s *server) ready(addr, path string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + path)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return fmt.Errorf("%s did not become ready on %s%s", s.cmd.Path, addr, path)
}

func (s *server) version(bin string) string {
	out, _ := exec.Command(bin, "--version").Output()
	return strings.TrimSpace(string(out))
}

// measure runs a load and charges it the CPU time the server, the PostgreSQL backends connected
// to the benchmark's database (other databases on the machine are not counted) and this process
// used meanwhile.
func measure(ctx context.Context, store *geo.Store, srv *server, run func() *phase) *phase {
	s0, pg0, c0 := cpuSeconds(srv.cmd.Process.Pid), backendCPU(ctx, store), cpuSeconds(os.Getpid())
	p := run()
	p.cpuServer = cpuSeconds(srv.cmd.Process.Pid) - s0
	pg1 := backendCPU(ctx, store)
	for pid, t := range pg1 {
		p.cpuPG += t - pg0[pid] // a backend born during the run counts from zero
	}
	p.cpuClient = cpuSeconds(os.Getpid()) - c0
	return p
}

// backendCPU is the CPU time of every backend connected to the store's database, by pid.
func backendCPU(ctx context.Context, store *geo.Store) map[int]float64 {
	out := map[int]float64{}
	rows, err := store.Pool().Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			out[pid] = cpuSeconds(pid)
		}
	}
	return out
}

// cpuSeconds is a process's user+system CPU time, from /proc/<pid>/stat.
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are the 14th and 15th.
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// peakRSS is the process's high-water resident set (VmHWM) in bytes.
func (s *server) peakRSS() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}

func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func loadAverage() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
		}
	}
	return runtime.GOARCH
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func kib(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%.1fKiB", float64(n)/1024)
}

func mib(n int64) string {
	if n < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}
