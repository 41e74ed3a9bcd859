// Command clustermap-soak is the soak test behind `make soak`: it starts a clustermap server on
// loopback and sends it mixed traffic at a fixed rate for a fixed time — tiles, features with
// property lists and filters, search, planning, OGC items with distinct CQL2 filters, hostile
// requests (oversized queries, absurd decimals, bad boxes) and slow clients (a body announced and
// never sent; an answer read a few bytes at a time). Every interval it prints the requests, the
// errors (5xx other than overload 503s, and transport failures), p99 latency, the server's RSS and
// the summed RSS of its PostgreSQL backends, so a leak shows as a trend. At the end it prints the
// figures against their targets (-p99-target, -rss-target-mb). An error always fails the run; a
// missed target only with BENCH_STRICT=1 (internal/timing).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/internal/timing"
)

type options struct {
	bin, dbURL, addr string
	duration, every  time.Duration
	rate             int
	p99Target        time.Duration // of the requests other than slow and silent clients
	rssTargetMB      float64       // the server's resident set at the end
}

func main() {
	var o options
	flag.StringVar(&o.bin, "clustermap", "bin/clustermap", "the clustermap binary")
	flag.StringVar(&o.dbURL, "database-url", os.Getenv("DATABASE_URL"), "the seeded PostGIS database (DATABASE_URL)")
	flag.StringVar(&o.addr, "addr", "127.0.0.1:18123", "loopback address the server listens on")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long traffic runs (SOAK_DURATION)")
	flag.DurationVar(&o.every, "every", 30*time.Second, "reporting interval")
	flag.IntVar(&o.rate, "rate", 100, "requests per second, sent on a fixed schedule")
	flag.DurationVar(&o.p99Target, "p99-target", 100*time.Millisecond, "target p99 latency over the whole run (fails only with BENCH_STRICT=1)")
	flag.Float64Var(&o.rssTargetMB, "rss-target-mb", 200, "target server RSS at the end, MB (fails only with BENCH_STRICT=1)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "clustermap-soak:", err)
		os.Exit(1)
	}
}

// sample is one finished request.
type sample struct {
	latency time.Duration
	status  int  // 0: transport error
	slow    bool // a slow or silent client: its time is the client's, not the server's
}

type recorder struct {
	mu      sync.Mutex
	samples []sample
}

func (r *recorder) add(s sample) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

func (r *recorder) take() []sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.samples
	r.samples = nil
	return out
}

func run(o options) error {
	if !strings.HasPrefix(o.addr, "127.") {
		return fmt.Errorf("address %s: the soak test only sends traffic to loopback", o.addr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, o.bin, "serve")
	srv.Env = append(os.Environ(), "DATABASE_URL="+o.dbURL, "CLUSTERMAP_ADDR="+o.addr)
	srv.Stdout, srv.Stderr = io.Discard, io.Discard
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start %s: %w", o.bin, err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	base := "http://" + o.addr
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	if err := waitHealthy(client, base); err != nil {
		return err
	}
	db, err := pgx.Connect(ctx, o.dbURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer db.Close(ctx)

	rec := &recorder{}
	var total, errorsN, overload, hostile4xx atomic.Int64
	var inflight sync.WaitGroup
	sem := make(chan struct{}, 512) // the sender never holds more than this many requests open
	send := func(i int) {
		defer inflight.Done()
		defer func() { <-sem }()
		kind, start := i%20, time.Now()
		var status int
		switch {
		case kind == 18:
			status = silentBody(o.addr)
		case kind == 19:
			status = slowReader(o.addr, "/api/layers/districts/features?limit=5")
		default:
			path, want4xx := request(i)
			resp, err := client.Get(base + path)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			if want4xx && status >= 400 && status < 500 {
				hostile4xx.Add(1)
			}
		}
		total.Add(1)
		switch {
		case status == http.StatusServiceUnavailable:
			overload.Add(1)
		case status == 0 || status >= 500:
			errorsN.Add(1)
		}
		rec.add(sample{time.Since(start), status, kind >= 18})
	}

	fmt.Printf("soak: %d req/s for %v against %s (pid %d)\n", o.rate, o.duration, base, srv.Process.Pid)
	fmt.Printf("%8s %9s %7s %8s %9s %10s %12s\n", "elapsed", "requests", "errors", "503", "p99_ms", "rss_mb", "pg_rss_mb")
	fmt.Println("(p99 leaves out the slow and silent clients; pg_rss_mb sums the backends' RSS, shared buffers they touched included)")
	startRSS, startPG := rssMB(srv.Process.Pid), backendsMB(ctx, db)
	fmt.Printf("%8s %9d %7d %8d %9s %10.1f %12.1f\n", "0s", 0, 0, 0, "-", startRSS, startPG)
	tick := time.NewTicker(time.Second / time.Duration(o.rate))
	defer tick.Stop()
	report := time.NewTicker(o.every)
	defer report.Stop()
	end := time.After(o.duration)
	began := time.Now()
	var all []time.Duration
	i := 0
loop:
	for {
		select {
		case <-tick.C:
			select {
			case sem <- struct{}{}:
				inflight.Add(1)
				go send(i)
				i++
			default: // the schedule is fixed: a slot we cannot fill is a skipped request, counted
				errorsN.Add(1)
			}
		case <-report.C:
			all = append(all, printInterval(rec.take(), time.Since(began), &total, &errorsN, &overload, srv.Process.Pid, ctx, db)...)
		case <-end:
			break loop
		}
	}
	inflight.Wait()
	all = append(all, printInterval(rec.take(), time.Since(began), &total, &errorsN, &overload, srv.Process.Pid, ctx, db)...)
	endRSS, endPG := rssMB(srv.Process.Pid), backendsMB(ctx, db)
	fmt.Printf("total: %d requests, %d errors, %d overload 503s, %d hostile requests refused with 4xx, p99 %.1f ms; RSS %.1f → %.1f MB; PostgreSQL backends %.1f → %.1f MB\n",
		total.Load(), errorsN.Load(), overload.Load(), hostile4xx.Load(), p99(all), startRSS, endRSS, startPG, endPG)
	if errorsN.Load() > 0 {
		return fmt.Errorf("%d errors", errorsN.Load())
	}
	var goals timing.Targets
	goals.AtMost("p99_ms", p99(all), float64(o.p99Target.Microseconds())/1000, "ms")
	goals.AtMost("server_rss_mb", endRSS, o.rssTargetMB, "MB")
	fmt.Println("targets (BENCH_STRICT=1 fails on a missed one):")
	return goals.Report(os.Stdout)
}

func printInterval(s []sample, elapsed time.Duration, total, errs, overload *atomic.Int64, pid int, ctx context.Context, db *pgx.Conn) []time.Duration {
	lat := make([]time.Duration, 0, len(s))
	for _, x := range s {
		if !x.slow {
			lat = append(lat, x.latency)
		}
	}
	fmt.Printf("%8s %9d %7d %8d %9.1f %10.1f %12.1f\n", elapsed.Round(time.Second), total.Load(), errs.Load(), overload.Load(),
		p99(lat), rssMB(pid), backendsMB(ctx, db))
	return lat
}

func p99(lat []time.Duration) float64 {
	if len(lat) == 0 {
		return math.NaN()
	}
	slices.Sort(lat)
	return float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()) / 1000
}

// request is the i-th request of the mix, and whether it is hostile (a 4xx is its right answer).
func request(i int) (string, bool) {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	fields := []string{"name", "kind", "status", "district", "planned_area_ha", "investor", "sources", "occupancy_pct"}
	switch i % 20 {
	case 0, 1, 2, 3, 4, 5: // tiles over Gia Lai, z6–z12
		z := 6 + r.IntN(7)
		n := 1 << z
		x := int((107.3+180)/360*float64(n)) + r.IntN(max(1, n/64))
		lat := 13.0 + r.Float64()*1.6
		y := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * float64(n))
		layer := []string{"districts", "regions", "raw_material_zones", "clusters"}[r.IntN(4)]
		return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, z, x, y), false
	case 6, 7: // features with property lists and filters
		r.Shuffle(len(fields), func(a, b int) { fields[a], fields[b] = fields[b], fields[a] })
		return fmt.Sprintf("/api/layers/clusters/features?properties=%s&limit=%d", strings.Join(fields[:1+r.IntN(len(fields))], ","), 1+r.IntN(100)), false
	case 8:
		return "/api/layers/districts/features?limit=20&bbox=107.5,13.2,108.8,14.5", false
	case 9:
		return "/api/search?q=" + url.QueryEscape([]string{"chu se", "pleiku", "an khe", "ia grai", "cà phê"}[r.IntN(5)]), false
	case 10:
		return []string{"/api/summary", "/api/analysis/linkage?radius_km=" + strconv.Itoa(10+r.IntN(60)), "/api/sites?min_free_ha=" + strconv.Itoa(r.IntN(50))}[r.IntN(3)], false
	case 11, 12: // OGC items with a distinct CQL2 filter each time
		f := fmt.Sprintf("planned_area_ha > %d AND (status = 'operating' OR name LIKE '%%%c%%')", r.IntN(300), 'a'+r.IntN(26))
		return "/ogc/collections/clusters/items?limit=10&filter=" + url.QueryEscape(f), false
	case 13:
		return "/ogc/collections/districts/items?limit=5&f=json", false
	case 14: // hostile: properties flood (refused by size)
		return "/api/layers/districts/features?limit=10000&properties=" + strings.Repeat("region,", 3000), true
	case 15: // hostile: absurd decimal in CQL2
		return "/ogc/collections/clusters/items?filter=" + url.QueryEscape("planned_area_ha = 0."+strings.Repeat("0", 16400)+"1"), true
	case 16: // hostile: bad bbox, unknown field
		return []string{"/api/layers/clusters/features?bbox=1,2,3", "/api/layers/clusters/features?nope=1", "/tiles/clusters/30/0/0.mvt"}[r.IntN(3)], true
	default: // hostile: nested geometry collections
		return "/ogc/collections/clusters/items?filter=" + url.QueryEscape("S_INTERSECTS(geometry,"+strings.Repeat("GEOMETRYCOLLECTION(", 50)+"POINT(108 14)"+strings.Repeat(")", 50)+")"), true
	}
}

// silentBody announces a body it never sends; the server must close the connection within its
// read timeout. Returns 200 when it did (the answer may come first), 0 when it did not.
func silentBody(addr string) int {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0
	}
	defer c.Close()
	fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: soak\r\nContent-Length: 10\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(25 * time.Second)) // the default read timeout is 15 s
	if _, err := io.Copy(io.Discard, c); err != nil {
		return 0
	}
	return http.StatusOK
}

// slowReader reads an answer 512 bytes every 20 ms, as a poor mobile link would.
func slowReader(addr, path string) int {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n", path)
	_ = c.SetReadDeadline(time.Now().Add(70 * time.Second))
	buf := make([]byte, 512)
	var head []byte
	for {
		n, err := c.Read(buf)
		if len(head) < 12 {
			head = append(head, buf[:n]...)
		}
		if err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(head) >= 12 && strings.HasPrefix(string(head), "HTTP/1.1 ") {
		st, _ := strconv.Atoi(string(head[9:12]))
		return st
	}
	return 0
}

func waitHealthy(client *http.Client, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s/healthz did not answer 200 within 30 s", base)
}

// rssMB reads a process's resident set from /proc (Linux).
func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}

// backendsMB sums the RSS of the server's PostgreSQL backends (application_name clustermap),
// readable when PostgreSQL runs on this host.
func backendsMB(ctx context.Context, db *pgx.Conn) float64 {
	rows, err := db.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = 'clustermap'")
	if err != nil {
		return math.NaN()
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return math.NaN()
	}
	sum := 0.0
	for _, p := range pids {
		if v := rssMB(int(p)); !math.IsNaN(v) {
			sum += v
		}
	}
	return sum
}
